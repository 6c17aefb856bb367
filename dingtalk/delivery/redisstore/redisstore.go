// Package redisstore keeps dingbot's shared state in Redis, for robots shared by dingbot
// processes on several hosts: the outbox (Store, a delivery.Store), the monthly counts and
// pauses (Store is also a dingtalk.Meter) and the rate-limit windows (Limiter, a
// dingtalk.Limiter).
//
// Every operation that reads and then writes runs as one Lua script inside Redis (EVALSHA), so
// no two clients ever interleave: a slot is never granted twice, a Seq never repeats. Scripts
// that would do something twice if run twice (taking a slot, giving one back, counting, adding
// or deleting jobs) carry a one-time id, so the client's own retry after a lost reply changes
// nothing more.
//
// Key layout, under a prefix (DefaultPrefix unless given), where <hash> is
// dingtalk.TokenKey(token) and <key> a robot's key (dingtalk.RobotKey); no token, secret or
// webhook is ever part of a key or a value:
//
//	<prefix>rl:<hash>              sorted set: the rate-limit window, a member per slot scored by its time (ms); expires with its last slot
//	<prefix>job:<id>               hash: json (the job), key, seq, done (its member of <prefix>done)
//	<prefix>jobs                   set: every job id (List)
//	<prefix>seq:<key>              counter: the last Seq given to the key's jobs
//	<prefix>queue:<key>            sorted set: the key's queued (and sending) job ids by Seq (Next)
//	<prefix>held                   set: the ids of Held jobs (List of Held jobs)
//	<prefix>pending                set: the keys with unfinished jobs (Pending)
//	<prefix>done                   sorted set by name: "<updated, ns, 20 digits>:<id>" of finished jobs (Prune)
//	<prefix>lock:<key>             string: the drainer's lock token, with a lease (Lock)
//	<prefix>quota:<month>:<key>    counter, and <prefix>quota:<month>:org for the organisation; kept 40 days
//	<prefix>pause:<key>            hash: until (ms) and the Pause as JSON; expires a day after until
//	<prefix>op:<id>                a one-time id's reply, kept two minutes (see above)
//
// Clocks: the rate-limit window reads Redis's clock (TIME, inside the script), so hosts whose
// clocks disagree share one window. The outbox and the meter keep the times their callers give
// (Created, Updated, Until) and compare them with the caller's now, as the spool does.
//
// A drainer's lock is a key set only if absent, with a lease (Store.Lease, 15 s), renewed by a
// goroutine every third of the lease while it is held and deleted by compare-and-delete (only
// by the token that set it). A holder that dies stops renewing and the lease frees the lock.
//
// Scripts also touch keys they compute from the prefix, so on Redis Cluster the prefix needs a
// hash tag ("{dingbot}:") to keep every key in one slot.
//
// When Redis cannot be reached every operation fails with a *dingtalk.StateError naming the
// server (never its password): dingbot then refuses to send rather than send past the limits.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/dingbot/dingbot/dingtalk"
)

// go-redis logs connection failures to stderr on its own, which would land in the middle of
// a terminal UI or a command's output. Every failure reaches dingbot as an error instead, so
// importing this package silences that log (before any client exists: the setting is not
// safe to change while clients run).
func init() { redis.SetLogger(&logging.VoidLogger{}) }

// DefaultPrefix starts every key dingbot writes, unless another prefix is given.
const DefaultPrefix = "dingbot:"

// opTimeout bounds one operation that has no context of its own (the Limiter's Reserve,
// Release and Remaining, unlocking): an unreachable Redis fails it instead of hanging a send.
const opTimeout = 5 * time.Second

// onceTTL is how long a one-time id's reply is kept: longer than any client retry.
const onceTTL = 2 * time.Minute

// Store is the outbox (delivery.Store) and the monthly meter (dingtalk.Meter) in one Redis.
// Its methods are safe for concurrent use by goroutines, processes and hosts.
type Store struct {
	// Lease is how long a Lock survives its holder: it is renewed every Lease/3 while held, and
	// another drainer may take it once Lease has passed without a renewal. 0 means DefaultLease.
	Lease time.Duration

	client redis.UniversalClient
	prefix string
	addr   string
	owned  bool

	mu    sync.Mutex
	locks map[string]func() // the unlock of each lock held through this Store, by token
}

// Open connects to the Redis at rawURL (redis:// or rediss://, optionally with user, password
// and database: redis://:password@host:6379/0) and checks that it answers. prefix "" means
// DefaultPrefix. Errors never contain the password; a server that does not answer is a
// *dingtalk.StateError.
func Open(ctx context.Context, rawURL, prefix string) (*Store, error) {
	opt, addr, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := redis.NewClient(opt)
	s := newStore(c, prefix, addr)
	s.owned = true
	pctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v", opTimeout)
		}
		return nil, s.fail(ctx, "connect", err)
	}
	return s, nil
}

// Dial returns a Store over the server at rawURL without waiting for it to answer, for a
// process that must start while Redis is down (a relay reporting not ready): every operation
// fails, as when Redis goes away later, until the server answers. Open checks it first.
func Dial(rawURL, prefix string) (*Store, error) {
	opt, addr, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := newStore(redis.NewClient(opt), prefix, addr)
	s.owned = true
	return s, nil
}

// ParseURL reads a redis:// or rediss:// URL into client options, and returns how to name the
// server in messages: the URL without user, password or query. Its errors never contain the
// password.
func ParseURL(rawURL string) (opt *redis.Options, addr string, err error) {
	u, perr := url.Parse(rawURL)
	if perr != nil {
		// url.Error quotes the whole URL, password included: say only that it does not parse.
		return nil, "", errors.New("the Redis URL does not parse as a URL (not shown: it may hold a password); write it as redis://[:password@]host:port[/db]")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, "", fmt.Errorf("the Redis URL must start with redis:// or rediss://, not %q", u.Scheme+"://")
	}
	addr = Redacted(u)
	opt, perr = redis.ParseURL(rawURL)
	if perr != nil {
		msg := perr.Error()
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
		return nil, "", fmt.Errorf("the Redis URL %s: %s", addr, strings.TrimPrefix(msg, "redis: "))
	}
	// dingbot talks to plain Redis: no maintenance notifications. A server that refuses
	// connections fails an operation in about a second instead of after 5 dials per retry.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 2
	}
	return opt, addr, nil
}

// Redacted names a Redis server by its URL without user, password, query or fragment.
func Redacted(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if r.Host == "" {
		r.Host = "localhost:6379"
	}
	return r.String()
}

// New returns a Store using c, which it does not close. prefix "" means DefaultPrefix.
func New(c redis.UniversalClient, prefix string) *Store {
	return newStore(c, prefix, clientAddr(c))
}

func newStore(c redis.UniversalClient, prefix, addr string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: c, prefix: prefix, addr: addr}
}

// clientAddr names the server(s) of a client the caller built.
func clientAddr(c redis.UniversalClient) string {
	switch c := c.(type) {
	case *redis.Client:
		return "redis://" + c.Options().Addr
	case *redis.ClusterClient:
		return "redis://" + strings.Join(c.Options().Addrs, ",")
	}
	return "redis"
}

// Addr names the server in messages, without its password.
func (s *Store) Addr() string { return s.addr }

// Prefix is the prefix of every key the store writes.
func (s *Store) Prefix() string { return s.prefix }

// Limiter returns a rate limiter sharing the store's connection and prefix, with DingTalk's
// limits.
func (s *Store) Limiter() *Limiter {
	return &Limiter{client: s.client, prefix: s.prefix, addr: s.addr}
}

// Close gives up the locks held through the store, as a process that ends does, and closes
// the connection if Open made it.
func (s *Store) Close() error {
	s.mu.Lock()
	unlocks := slices.Collect(maps.Values(s.locks))
	s.mu.Unlock()
	for _, unlock := range unlocks {
		unlock()
	}
	if !s.owned {
		return nil
	}
	if err := s.client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("close %s: %w", s.addr, err)
	}
	return nil
}

// fail turns a Redis failure into a *dingtalk.StateError naming the server, or returns the
// context's error when the caller gave up.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	return stateError(ctx, s.addr, op, err)
}

func stateError(ctx context.Context, addr, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return ctxErr
	}
	return &dingtalk.StateError{Dir: addr, Op: op, Err: err}
}

// newID returns a random id: a lock's token, a one-time id, a window member.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// once wraps a script body so that running it twice with the same one-time id (KEYS[1]) has
// the effect of running it once: the first reply is kept for onceTTL (ARGV[1], in ms) and
// returned again. The body sees its own keys from KEYS[2] and arguments from ARGV[2], returns
// a string, or an error reply (which changes nothing and is not kept).
func once(body string) *redis.Script {
	return redis.NewScript(`
local done = redis.call('GET', KEYS[1])
if done then return done end
local function body()
` + body + `
end
local reply = body()
if type(reply) == 'table' then return reply end
redis.call('SET', KEYS[1], reply, 'PX', ARGV[1])
return reply
`)
}

// runOnce runs a once script with a fresh one-time id.
func (s *Store) runOnce(ctx context.Context, sc *redis.Script, keys []string, args ...any) (string, error) {
	return runOnce(ctx, s.client, s.prefix, sc, keys, args...)
}

func runOnce(ctx context.Context, c redis.UniversalClient, prefix string, sc *redis.Script, keys []string, args ...any) (string, error) {
	k := append([]string{prefix + "op:" + newID()}, keys...)
	a := append([]any{onceTTL.Milliseconds()}, args...)
	return sc.Run(ctx, c, k, a...).Text()
}

// scriptError returns the text after code of the error reply code a script returned (Redis
// may put "ERR " before it), and whether err is that reply.
func scriptError(err error, code string) (string, bool) {
	var re redis.Error
	if !errors.As(err, &re) {
		return "", false
	}
	return strings.CutPrefix(strings.TrimPrefix(re.Error(), "ERR "), code)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
