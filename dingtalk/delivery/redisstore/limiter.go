package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
)

// Limiter hands out send slots per access token from one Redis, so that every dingbot process
// on every host sharing it keeps a robot under DingTalk's limit together. It has the semantics
// of ratelimit.Limiter: Limit sends per rolling Window, each slot held Window plus Window/30
// (the margin for a request that reaches DingTalk a little after its slot was taken); Release
// gives back the latest slot; Wait polls about once a second.
//
// Each operation is one Lua script over the token's sorted set, reading the time inside
// Redis (TIME), so hosts whose clocks disagree still share one window.
type Limiter struct {
	// Limit is the number of sends per window; 0 means ratelimit.DefaultLimit.
	Limit int
	// Window is the rolling window; 0 means ratelimit.DefaultWindow.
	Window time.Duration
	// Now, if set, is the clock instead of Redis's own (tests; hosts whose clocks agree).
	Now func() time.Time

	client redis.UniversalClient
	prefix string
	addr   string
}

// NewLimiter returns a Limiter with DingTalk's limits over c. prefix "" means DefaultPrefix.
func NewLimiter(c redis.UniversalClient, prefix string) *Limiter {
	return New(c, prefix).Limiter()
}

var _ dingtalk.Limiter = (*Limiter)(nil)

func (l *Limiter) limit() int {
	if l.Limit <= 0 {
		return ratelimit.DefaultLimit
	}
	return l.Limit
}

// hold is how long a send holds its slot: the window plus 1/30 of it, as ratelimit does.
func (l *Limiter) hold() time.Duration {
	w := ratelimit.DefaultWindow
	if l.Window > 0 {
		w = max(l.Window, time.Millisecond)
	}
	return w + (w / 30).Truncate(time.Millisecond)
}

// now is the clock argument of the scripts: "" asks for Redis's clock.
func (l *Limiter) now() string {
	if l.Now == nil {
		return ""
	}
	return itoa(l.Now().UnixMilli())
}

// key names the token's window by a hash of the token.
func (l *Limiter) key(token string) string { return l.prefix + "rl:" + dingtalk.TokenKey(token) }

// windowLua prunes KEYS[1] to the window ending at now and defines now, hold and the window's
// size n. ARGV[2] is the hold time in ms, ARGV[3] the time in ms or "" for Redis's clock.
// Times more than a hold in the future (a clock set back) are dropped too, as ratelimit does.
const windowLua = `
local hold = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - hold)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. (now + hold), '+inf')
local n = redis.call('ZCARD', KEYS[1])
`

// reserveScript takes a slot (member ARGV[4], unique per call) and returns 0, or returns in ms
// how long until one frees. A retried call finds its member and reports the slot it took.
var reserveScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 0 end
` + windowLua + `
local limit = tonumber(ARGV[1])
if n < limit then
	redis.call('ZADD', KEYS[1], now, ARGV[4])
	redis.call('PEXPIRE', KEYS[1], hold)
	return 0
end
-- The slot frees when all but limit-1 of the recorded sends have left the window.
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
local wait = tonumber(oldest[2]) + hold - now
if wait < 1 then wait = 1 end
return wait
`)

// remainingScript returns how many slots are free.
var remainingScript = redis.NewScript(windowLua + `
local left = tonumber(ARGV[1]) - n
if left < 0 then left = 0 end
return left
`)

// releaseScript removes the latest slot, once per one-time id (KEYS[2]).
var releaseScript = redis.NewScript(`
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then return 0 end
` + windowLua + `
local latest = redis.call('ZRANGE', KEYS[1], -1, -1)
if latest[1] then redis.call('ZREM', KEYS[1], latest[1]) end
return 1
`)

// Reserve takes a send slot for token if one is free now and returns 0; otherwise it takes
// nothing and returns how long until the oldest send leaves the window.
func (l *Limiter) Reserve(token string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return l.reserve(ctx, token, newID())
}

// reserve runs Reserve's script; id names the slot it takes in the window's sorted set.
func (l *Limiter) reserve(ctx context.Context, token, id string) (time.Duration, error) {
	ms, err := reserveScript.Run(ctx, l.client, []string{l.key(token)},
		l.limit(), l.hold().Milliseconds(), l.now(), id).Int64()
	if err != nil {
		return 0, l.fail("reserve a send slot", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Wait blocks until a slot is taken for token, calling onWait(remaining) about once a second
// while it waits (onWait may be nil). It returns ctx's error if ctx ends first.
func (l *Limiter) Wait(ctx context.Context, token string, onWait func(remaining time.Duration)) error {
	return ratelimit.WaitFor(ctx, func(ctx context.Context) (time.Duration, error) {
		rctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		return l.reserve(rctx, token, newID())
	}, onWait)
}

// Remaining reports how many sends are left for token in the current window, taking none.
func (l *Limiter) Remaining(token string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	n, err := remainingScript.Run(ctx, l.client, []string{l.key(token)},
		l.limit(), l.hold().Milliseconds(), l.now()).Int()
	if err != nil {
		return 0, l.fail("count the free send slots", err)
	}
	return n, nil
}

// Release gives back the most recent slot taken for token, for a request that provably never
// left the machine. With no slot taken it does nothing.
func (l *Limiter) Release(token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	key := l.key(token)
	err := releaseScript.Run(ctx, l.client, []string{key, l.prefix + "op:" + newID()},
		l.limit(), l.hold().Milliseconds(), l.now(), onceTTL.Milliseconds()).Err()
	if err != nil {
		return l.fail("give back a send slot", err)
	}
	return nil
}

// fail says that Redis could not keep the window, so nothing is sent. (Wait tells its caller's
// own cancellation apart before it gets here.)
func (l *Limiter) fail(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %v", opTimeout)
	}
	return &dingtalk.StateError{Dir: l.addr, Op: op + " in Redis",
		Err: fmt.Errorf("%w; sends are refused while the shared rate-limit window cannot be read, never sent past the limit", err)}
}
