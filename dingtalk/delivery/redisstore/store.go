package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// DefaultLease is how long a drainer's lock outlives its last renewal.
const DefaultLease = 15 * time.Second

// ErrLockLost is the cause of a held context that ended because the lock could not be
// renewed: another drainer has it, or Redis did not answer in time.
var ErrLockLost = errors.New("redisstore: the drainer's lock was lost")

var _ delivery.Store = (*Store)(nil)

func (s *Store) lease() time.Duration {
	if s.Lease <= 0 {
		return DefaultLease
	}
	return max(s.Lease, 3*time.Millisecond)
}

func (s *Store) jobKey(id string) string    { return s.prefix + "job:" + id }
func (s *Store) queueKey(key string) string { return s.prefix + "queue:" + key }
func (s *Store) seqKey(key string) string   { return s.prefix + "seq:" + key }

// doneMember is a finished job's member of the done set: the time it was last updated, in
// nanoseconds, zero-padded so that the set's lexical order is time order, then its ID. A job
// in the queue or Held has none.
func doneMember(j delivery.Job) string {
	if !j.State.Finished() {
		return ""
	}
	return fmt.Sprintf("%020d:%s", max(j.Updated.UnixNano(), 0), j.ID)
}

// heldFlag is "1" for a Held job: it goes in the held set, neither its queue nor the done set.
func heldFlag(j delivery.Job) string {
	if j.State == delivery.Held {
		return "1"
	}
	return ""
}

// addScript stores ARGV[2] jobs, all or none: KEYS[2..5] are all jobs, the pending keys, the
// done set and the held set; per job i, KEYS from 6+3(i-1) are its hash, its key's Seq counter
// and its key's queue; ARGV from 3+5(i-1) its id, key, JSON, done member and held flag. It
// returns the Seqs given, comma-separated.
var addScript = once(`
local n = tonumber(ARGV[2])
for i = 1, n do
	if redis.call('EXISTS', KEYS[6 + 3*(i-1)]) == 1 then
		return redis.error_reply('EXISTS ' .. ARGV[3 + 5*(i-1)])
	end
end
local seqs = {}
for i = 1, n do
	local k, a = 6 + 3*(i-1), 3 + 5*(i-1)
	local id, key, doc, done, held = ARGV[a], ARGV[a+1], ARGV[a+2], ARGV[a+3], ARGV[a+4]
	local seq = redis.call('INCR', KEYS[k+1])
	redis.call('HSET', KEYS[k], 'json', doc, 'key', key, 'seq', seq, 'done', done)
	redis.call('SADD', KEYS[2], id)
	if done ~= '' then
		redis.call('ZADD', KEYS[4], 0, done)
	elseif held == '1' then
		redis.call('SADD', KEYS[5], id)
	else
		redis.call('ZADD', KEYS[k+2], seq, id)
		redis.call('SADD', KEYS[3], key)
	end
	seqs[i] = seq
end
return table.concat(seqs, ',')
`)

// Add stores new jobs, all or none, giving each the next Seq of its Key.
func (s *Store) Add(ctx context.Context, jobs ...delivery.Job) ([]delivery.Job, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	keys := []string{s.prefix + "jobs", s.prefix + "pending", s.prefix + "done", s.prefix + "held"}
	args := []any{len(jobs)}
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		if j.ID == "" || j.Key == "" {
			return nil, fmt.Errorf("redisstore: a job needs an ID and a Key (ID %q)", j.ID)
		}
		if seen[j.ID] {
			return nil, fmt.Errorf("redisstore: job %s is given twice", j.ID)
		}
		seen[j.ID] = true
		doc, err := json.Marshal(j)
		if err != nil {
			return nil, fmt.Errorf("redisstore: encode job %s: %w", j.ID, err)
		}
		keys = append(keys, s.jobKey(j.ID), s.seqKey(j.Key), s.queueKey(j.Key))
		args = append(args, j.ID, j.Key, doc, doneMember(j), heldFlag(j))
	}
	reply, err := s.runOnce(ctx, addScript, keys, args...)
	if id, ok := scriptError(err, "EXISTS "); ok {
		return nil, fmt.Errorf("redisstore: job %s: %w", id, delivery.ErrExists)
	}
	if err != nil {
		return nil, s.fail(ctx, "add to the outbox", err)
	}
	seqs := strings.Split(reply, ",")
	if len(seqs) != len(jobs) {
		return nil, s.fail(ctx, "add to the outbox", fmt.Errorf("unexpected reply %q", reply))
	}
	out := slices.Clone(jobs)
	for i := range out {
		if out[i].Seq, err = strconv.ParseInt(seqs[i], 10, 64); err != nil {
			return nil, s.fail(ctx, "add to the outbox", fmt.Errorf("unexpected reply %q", reply))
		}
	}
	return out, nil
}

// jobFields are the fields of a job's hash that decode reads.
var jobFields = []string{"json", "key", "seq"}

// decode reads a job from its hash's fields (jobFields): its Key and Seq are the hash's, which
// Add set, whatever an Update wrote into the JSON.
func decode(v []any) (delivery.Job, error) {
	var j delivery.Job
	if len(v) != len(jobFields) {
		return j, fmt.Errorf("unexpected reply %v", v)
	}
	doc, _ := v[0].(string)
	key, _ := v[1].(string)
	seq, _ := v[2].(string)
	if err := json.Unmarshal([]byte(doc), &j); err != nil {
		return j, fmt.Errorf("a stored job is damaged: %w", err)
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || key == "" {
		return j, fmt.Errorf("job %s has a damaged key %q or seq %q", j.ID, key, seq)
	}
	j.Key, j.Seq = key, n
	return j, nil
}

// nextScript returns the fields (jobFields) of the lowest-Seq job of the queue KEYS[1], or nil.
var nextScript = redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if not ids[1] then return false end
return redis.call('HMGET', ARGV[1] .. 'job:' .. ids[1], 'json', 'key', 'seq')
`)

// Next returns key's unfinished job with the lowest Seq, or delivery.ErrEmpty.
func (s *Store) Next(ctx context.Context, key string) (delivery.Job, error) {
	v, err := nextScript.Run(ctx, s.client, []string{s.queueKey(key)}, s.prefix).Slice()
	if errors.Is(err, redis.Nil) {
		return delivery.Job{}, delivery.ErrEmpty
	}
	if err != nil {
		return delivery.Job{}, s.fail(ctx, "read the outbox", err)
	}
	j, err := decode(v)
	if err != nil {
		return delivery.Job{}, s.fail(ctx, "read the outbox", err)
	}
	return j, nil
}

// updateScript replaces job ARGV[1] (KEYS[1]) and moves it between its key's queue (with
// KEYS[2] the pending keys), the done set (KEYS[3]) and the held set (KEYS[4]) as its state
// says. ARGV: id, JSON, done member ("" unless finished), the prefix, held flag ("1" if Held).
// The stored key and seq stay.
var updateScript = redis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'key', 'seq', 'done')
if not cur[1] then return redis.error_reply('NOTFOUND') end
local q = ARGV[4] .. 'queue:' .. cur[1]
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'done', ARGV[3])
if cur[3] and cur[3] ~= '' then redis.call('ZREM', KEYS[3], cur[3]) end
if ARGV[3] == '' and ARGV[5] ~= '1' then
	redis.call('ZADD', q, cur[2], ARGV[1])
	redis.call('SADD', KEYS[2], cur[1])
	redis.call('SREM', KEYS[4], ARGV[1])
else
	redis.call('ZREM', q, ARGV[1])
	if redis.call('ZCARD', q) == 0 then redis.call('SREM', KEYS[2], cur[1]) end
	if ARGV[5] == '1' then
		redis.call('SADD', KEYS[4], ARGV[1])
	else
		redis.call('SREM', KEYS[4], ARGV[1])
		redis.call('ZADD', KEYS[3], 0, ARGV[3])
	end
end
return 1
`)

// Update replaces the stored job with j's ID, but for its Key and Seq: those Add gave stay.
func (s *Store) Update(ctx context.Context, j delivery.Job) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("redisstore: encode job %s: %w", j.ID, err)
	}
	err = updateScript.Run(ctx, s.client,
		[]string{s.jobKey(j.ID), s.prefix + "pending", s.prefix + "done", s.prefix + "held"},
		j.ID, doc, doneMember(j), s.prefix, heldFlag(j)).Err()
	switch {
	case isNotFound(err):
		return fmt.Errorf("job %s: %w", j.ID, delivery.ErrNotFound)
	case err != nil:
		return s.fail(ctx, "update the outbox", err)
	}
	return nil
}

func isNotFound(err error) bool {
	_, ok := scriptError(err, "NOTFOUND")
	return ok
}

// Get returns the job with that ID, or delivery.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (delivery.Job, error) {
	v, err := s.client.HMGet(ctx, s.jobKey(id), jobFields...).Result()
	if err != nil {
		return delivery.Job{}, s.fail(ctx, "read the outbox", err)
	}
	if v[0] == nil {
		return delivery.Job{}, fmt.Errorf("job %s: %w", id, delivery.ErrNotFound)
	}
	j, err := decode(v)
	if err != nil {
		return delivery.Job{}, s.fail(ctx, "read the outbox", err)
	}
	return j, nil
}

// List returns the jobs f selects, oldest first (by Created, then Seq). A filter of Held jobs
// only reads those (the held set), not every job.
func (s *Store) List(ctx context.Context, f delivery.Filter) ([]delivery.Job, error) {
	set := s.prefix + "jobs"
	if len(f.States) > 0 && !slices.ContainsFunc(f.States, func(st delivery.State) bool { return st != delivery.Held }) {
		set = s.prefix + "held"
	}
	ids, err := s.client.SMembers(ctx, set).Result()
	if err != nil {
		return nil, s.fail(ctx, "list the outbox", err)
	}
	var jobs []delivery.Job
	for batch := range slices.Chunk(ids, 500) {
		cmds := make([]*redis.SliceCmd, len(batch))
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				cmds[i] = p.HMGet(ctx, s.jobKey(id), jobFields...)
			}
			return nil
		})
		if err != nil {
			return nil, s.fail(ctx, "list the outbox", err)
		}
		for _, c := range cmds {
			v := c.Val()
			if v[0] == nil { // deleted meanwhile
				continue
			}
			j, err := decode(v)
			if err != nil {
				return nil, s.fail(ctx, "list the outbox", err)
			}
			if f.Match(j) {
				jobs = append(jobs, j)
			}
		}
	}
	slices.SortFunc(jobs, func(a, b delivery.Job) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		if a.Seq != b.Seq {
			return cmp.Compare(a.Seq, b.Seq)
		}
		return strings.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(jobs) > f.Limit {
		jobs = jobs[len(jobs)-f.Limit:]
	}
	return jobs, nil
}

// deleteScript removes job ARGV[2] (KEYS[2]) from every index. KEYS[3..6]: all jobs, the
// pending keys, the done set, the held set; ARGV[3] the prefix.
var deleteScript = once(`
local cur = redis.call('HMGET', KEYS[2], 'key', 'done')
if not cur[1] then return redis.error_reply('NOTFOUND') end
local q = ARGV[3] .. 'queue:' .. cur[1]
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[6], ARGV[2])
redis.call('ZREM', q, ARGV[2])
if redis.call('ZCARD', q) == 0 then redis.call('SREM', KEYS[4], cur[1]) end
if cur[2] and cur[2] ~= '' then redis.call('ZREM', KEYS[5], cur[2]) end
return '1'
`)

// Delete removes a job, or returns delivery.ErrNotFound.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.runOnce(ctx, deleteScript,
		[]string{s.jobKey(id), s.prefix + "jobs", s.prefix + "pending", s.prefix + "done", s.prefix + "held"}, id, s.prefix)
	if isNotFound(err) {
		return fmt.Errorf("job %s: %w", id, delivery.ErrNotFound)
	}
	if err != nil {
		return s.fail(ctx, "delete from the outbox", err)
	}
	return nil
}

// Pending lists the keys that have jobs in their queue.
func (s *Store) Pending(ctx context.Context) ([]string, error) {
	keys, err := s.client.SMembers(ctx, s.prefix+"pending").Result()
	if err != nil {
		return nil, s.fail(ctx, "list the outbox", err)
	}
	slices.Sort(keys)
	return keys, nil
}

// pruneScript deletes the finished jobs whose done member sorts before ARGV[2] (an exclusive
// lexical bound), KEYS[2] being the done set and KEYS[3] all jobs; ARGV[3] is the prefix.
var pruneScript = once(`
local members = redis.call('ZRANGEBYLEX', KEYS[2], '-', ARGV[2])
for _, m in ipairs(members) do
	local id = string.sub(m, 22)
	redis.call('DEL', ARGV[3] .. 'job:' .. id)
	redis.call('SREM', KEYS[3], id)
	redis.call('ZREM', KEYS[2], m)
end
return tostring(#members)
`)

// Prune deletes finished jobs last updated before t and returns how many it deleted.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	bound := fmt.Sprintf("(%020d", max(before.UnixNano(), 0))
	reply, err := s.runOnce(ctx, pruneScript, []string{s.prefix + "done", s.prefix + "jobs"}, bound, s.prefix)
	if err != nil {
		return 0, s.fail(ctx, "prune the outbox", err)
	}
	n, err := strconv.Atoi(reply)
	if err != nil {
		return 0, s.fail(ctx, "prune the outbox", fmt.Errorf("unexpected reply %q", reply))
	}
	return n, nil
}

// lockScript takes the lock KEYS[1] for token ARGV[1] for ARGV[2] ms, unless someone else has
// it. A retried call finds its own token and keeps it.
var lockScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// renewScript extends the lease if the lock is still ours.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`)

// unlockScript deletes the lock if it is still ours.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock makes the caller the only drainer of key on every host sharing the Redis. The lock has
// a lease (Lease) renewed every Lease/3 while held; held ends, with ErrLockLost as its cause,
// when a renewal fails or finds the lock gone to someone else. A holder that dies leaves the
// lock to the next drainer once the lease has run out; Close gives it up at once. ok is false,
// with no error, when another drainer (through this Store or any other) holds it.
func (s *Store) Lock(ctx context.Context, key string) (held context.Context, unlock func(), ok bool, err error) {
	lease, token, lk := s.lease(), newID(), s.prefix+"lock:"+key
	got, err := lockScript.Run(ctx, s.client, []string{lk}, token, lease.Milliseconds()).Bool()
	if err != nil || !got {
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err != nil {
			return done, func() {}, false, s.fail(ctx, "lock the robot's queue", err)
		}
		return done, func() {}, false, nil
	}
	held, lose := context.WithCancelCause(ctx)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-held.Done():
				return
			case <-t.C:
			}
			// A renewal must be known to have worked well before the lease runs out.
			rctx, cancel := context.WithTimeout(context.Background(), lease/3)
			kept, err := renewScript.Run(rctx, s.client, []string{lk}, token, lease.Milliseconds()).Bool()
			cancel()
			switch {
			case err != nil:
				lose(fmt.Errorf("%w: %w", ErrLockLost, s.fail(context.Background(), "renew the robot's queue lock", err)))
				return
			case !kept:
				lose(fmt.Errorf("%w: another drainer holds it (the lease ran out)", ErrLockLost))
				return
			}
		}
	}()
	var o sync.Once
	unlock = func() {
		o.Do(func() {
			s.mu.Lock()
			delete(s.locks, token)
			s.mu.Unlock()
			close(stop)
			<-stopped
			lose(context.Canceled)
			uctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			defer cancel()
			// If this fails the lease still frees the lock.
			_ = unlockScript.Run(uctx, s.client, []string{lk}, token).Err()
		})
	}
	s.mu.Lock()
	if s.locks == nil {
		s.locks = make(map[string]func())
	}
	s.locks[token] = unlock
	s.mu.Unlock()
	return held, unlock, true, nil
}
