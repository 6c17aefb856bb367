package redisstore

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/storetest"
)

// TestConformance runs the Store suite on one redis-server, a prefix per subtest; every
// handle is a Store of its own with its own connection, as another process would have.
func TestConformance(t *testing.T) {
	srv, _ := server(t)
	storetest.Run(t, func(t *testing.T) func() delivery.Store {
		prefix := testPrefix(t)
		return func() delivery.Store {
			s, err := Open(t.Context(), srv.URL(), prefix)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}

func TestMeterConformance(t *testing.T) {
	srv, _ := server(t)
	storetest.RunMeter(t, func(t *testing.T) func() dingtalk.Meter {
		prefix := testPrefix(t)
		return func() dingtalk.Meter {
			s, err := Open(t.Context(), srv.URL(), prefix)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}

func newJob(id, key string) delivery.Job {
	now := time.Now()
	return delivery.Job{ID: id, Robot: "r", Key: key, MsgUUID: "u-" + id, Msg: dingtalk.NewText("hi"),
		State: delivery.Queued, Created: now, Updated: now, Due: now}
}

// TestRetriedScriptsRunOnce: the client resends a script whose reply was lost; a second run
// with the same one-time id returns the first reply and changes nothing more.
func TestRetriedScriptsRunOnce(t *testing.T) {
	_, rc := server(t)
	s := New(rc, testPrefix(t))
	ctx := t.Context()
	op := s.prefix + "op:" + newID()
	j := newJob("d-1", "k")
	keys := []string{op, s.prefix + "jobs", s.prefix + "pending", s.prefix + "done", s.prefix + "held", s.jobKey(j.ID), s.seqKey(j.Key), s.queueKey(j.Key)}
	args := []any{onceTTL.Milliseconds(), 1, j.ID, j.Key, `{"id":"d-1"}`, "", ""}
	var replies []string
	for range 2 {
		r, err := addScript.Run(ctx, rc, keys, args...).Text()
		if err != nil {
			t.Fatalf("Add run: %v", err)
		}
		replies = append(replies, r)
	}
	if replies[0] != "1" || replies[1] != "1" {
		t.Fatalf("a retried Add answered %v, want the first Seq twice", replies)
	}
	if next, err := s.Add(ctx, newJob("d-2", "k")); err != nil || next[0].Seq != 2 {
		t.Fatalf("the next Add got %v, %v: want Seq 2 (the retry took none)", next, err)
	}

	countKeys := []string{s.prefix + "op:" + newID(), s.quotaKey("2026-11", "k"), s.quotaKey("2026-11", dingtalk.OrgKey)}
	for range 2 {
		if err := countScript.Run(ctx, rc, countKeys, onceTTL.Milliseconds(), quotaTTL.Milliseconds()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if r, o, err := s.Used(ctx, "k", "2026-11"); err != nil || r != 1 || o != 1 {
		t.Fatalf("a retried Count counted %d, %d (%v), want 1, 1", r, o, err)
	}

	delKeys := []string{s.prefix + "op:" + newID(), s.jobKey("d-1"), s.prefix + "jobs", s.prefix + "pending", s.prefix + "done", s.prefix + "held"}
	for i := range 2 {
		if err := deleteScript.Run(ctx, rc, delKeys, onceTTL.Milliseconds(), "d-1", s.prefix).Err(); err != nil {
			t.Fatalf("Delete run %d: %v (a retry must not say the job it deleted is not found)", i+1, err)
		}
	}
}

// TestHeldEndsWhenLockLost: the held context ends, with ErrLockLost, once a renewal finds
// the lock gone to another drainer, or cannot reach Redis: before the lease could run out.
func TestHeldEndsWhenLockLost(t *testing.T) {
	t.Parallel()
	srv, rc := server(t)
	s := New(rc, testPrefix(t))
	s.Lease = 300 * time.Millisecond
	ctx := t.Context()

	held, unlock, ok, err := s.Lock(ctx, "robot")
	if err != nil || !ok {
		t.Fatalf("Lock: %v %v", ok, err)
	}
	defer unlock()
	// Another drainer took it after the lease ran out (a stalled holder).
	if err := rc.Set(ctx, s.prefix+"lock:robot", "someone-else", 0).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held.Done():
		if !errors.Is(context.Cause(held), ErrLockLost) {
			t.Fatalf("held ended with %v, want ErrLockLost", context.Cause(held))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("held did not end when another drainer had the lock")
	}
	unlock()
	if v, _ := rc.Get(ctx, s.prefix+"lock:robot").Result(); v != "someone-else" {
		t.Fatalf("unlock deleted another drainer's lock (now %q)", v)
	}
	rc.Del(ctx, s.prefix+"lock:robot")

	held, unlock2, ok, err := s.Lock(ctx, "robot")
	if err != nil || !ok {
		t.Fatalf("Lock: %v %v", ok, err)
	}
	defer unlock2()
	start := time.Now()
	srv.Stop()
	select {
	case <-held.Done():
		var se *dingtalk.StateError
		if cause := context.Cause(held); !errors.Is(cause, ErrLockLost) || !errors.As(cause, &se) {
			t.Fatalf("held ended with %v, want ErrLockLost and a StateError", cause)
		}
		if d := time.Since(start); d > 2*s.Lease/3+time.Second {
			t.Errorf("held ended %v after Redis stopped; the lease is %v", d, s.Lease)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("held did not end when Redis went away")
	}
}

// TestStoreRedisDown: every operation is a StateError naming the server once Redis is gone.
func TestStoreRedisDown(t *testing.T) {
	t.Parallel()
	srv, rc := server(t)
	s := New(rc, testPrefix(t))
	ctx := t.Context()
	if _, err := s.Add(ctx, newJob("d-1", "k")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for name, op := range map[string]func() error{
		"Add":     func() error { _, err := s.Add(ctx, newJob("d-2", "k")); return err },
		"Next":    func() error { _, err := s.Next(ctx, "k"); return err },
		"Get":     func() error { _, err := s.Get(ctx, "d-1"); return err },
		"Update":  func() error { return s.Update(ctx, newJob("d-1", "k")) },
		"List":    func() error { _, err := s.List(ctx, delivery.Filter{}); return err },
		"Delete":  func() error { return s.Delete(ctx, "d-1") },
		"Pending": func() error { _, err := s.Pending(ctx); return err },
		"Prune":   func() error { _, err := s.Prune(ctx, time.Now()); return err },
		"Lock":    func() error { _, _, _, err := s.Lock(ctx, "k"); return err },
		"Count":   func() error { _, _, err := s.Count(ctx, "k", "2026-11"); return err },
		"Used":    func() error { _, _, err := s.Used(ctx, "k", "2026-11"); return err },
		"Pause":   func() error { return s.Pause(ctx, "k", dingtalk.Pause{Until: time.Now().Add(time.Minute)}) },
		"Paused":  func() error { _, err := s.Paused(ctx, "k", time.Now()); return err },
	} {
		err := op()
		var se *dingtalk.StateError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), srv.Addr) {
			t.Errorf("%s with Redis down: %v, want a StateError naming %s", name, err, srv.Addr)
		}
	}
}

// TestKeyLayout: every key is under the prefix, in the documented shapes, with the documented
// lifetimes; none holds a token.
func TestKeyLayout(t *testing.T) {
	_, rc := server(t)
	s := New(rc, "app:")
	ctx := t.Context()
	key := dingtalk.TokenKey(testToken)
	jobs, err := s.Add(ctx, newJob("d-1", key), newJob("d-2", key))
	if err != nil {
		t.Fatal(err)
	}
	jobs[0].State = delivery.Sent
	if err := s.Update(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	_, unlock, _, err := s.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, _, err := s.Count(ctx, key, "2026-11"); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(10 * time.Minute)
	if err := s.Pause(ctx, key, dingtalk.Pause{Until: until, Errcode: 410100, Reason: "throttled"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Limiter().Reserve(testToken); err != nil {
		t.Fatal(err)
	}
	shapes := regexp.MustCompile(`^app:(rl:[0-9a-f]{32}|job:d-[12]|jobs|seq:[0-9a-f]{32}|queue:[0-9a-f]{32}|pending|done|lock:[0-9a-f]{32}|quota:2026-11:([0-9a-f]{32}|org)|pause:[0-9a-f]{32}|op:[0-9a-f]{32})$`)
	seen := map[string]bool{}
	for _, k := range allKeys(t, rc) {
		if !shapes.MatchString(k) {
			t.Errorf("key %q is not in the documented layout", k)
		}
		if strings.Contains(k, testToken) {
			t.Errorf("key %q holds the token", k)
		}
		seen[strings.SplitN(strings.TrimPrefix(k, "app:"), ":", 2)[0]] = true
		ttl := rc.PTTL(ctx, k).Val()
		switch kind := strings.SplitN(strings.TrimPrefix(k, "app:"), ":", 2)[0]; kind {
		case "quota":
			if ttl < 39*24*time.Hour || ttl > 40*24*time.Hour {
				t.Errorf("%s expires in %v, want 40 days", k, ttl)
			}
		case "pause":
			if want := time.Until(until.Add(pauseSlack)); ttl < want-5*time.Second || ttl > want+5*time.Second {
				t.Errorf("%s expires in %v, want %v", k, ttl, want)
			}
		case "op":
			if ttl <= 0 || ttl > onceTTL {
				t.Errorf("%s expires in %v, want within %v", k, ttl, onceTTL)
			}
		case "lock":
			if ttl <= 0 || ttl > DefaultLease {
				t.Errorf("%s expires in %v, want within %v", k, ttl, DefaultLease)
			}
		case "rl":
		default:
			if ttl != -1 {
				t.Errorf("%s expires in %v, want never", k, ttl)
			}
		}
	}
	for _, kind := range []string{"rl", "job", "jobs", "seq", "queue", "pending", "done", "lock", "quota", "pause", "op"} {
		if !seen[kind] {
			t.Errorf("no %s key", kind)
		}
	}
	// Nothing is kept for a job once it is deleted but its key's Seq counter.
	for _, j := range jobs {
		if err := s.Delete(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range allKeys(t, rc) {
		if regexp.MustCompile(`^app:(job:|jobs$|queue:|pending$|done$)`).MatchString(k) {
			t.Errorf("key %s left after every job was deleted", k)
		}
	}
}

func TestOpenDefaultPrefix(t *testing.T) {
	srv, rc := server(t)
	s, err := Open(t.Context(), srv.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Prefix() != DefaultPrefix {
		t.Fatalf("prefix %q", s.Prefix())
	}
	if _, _, err := s.Count(t.Context(), "k", "2026-11"); err != nil {
		t.Fatal(err)
	}
	if n := rc.Exists(t.Context(), "dingbot:quota:2026-11:k").Val(); n != 1 {
		t.Fatal("no dingbot:quota:2026-11:k")
	}
}
