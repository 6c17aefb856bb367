package redisstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/redis/go-redis/v9"
)

func TestReserveGrantsLimitThenWaits(t *testing.T) {
	l, c := fakeLimiter(t)
	for i := range ratelimit.DefaultLimit {
		if wait := mustReserve(t, l, testToken); wait != 0 {
			t.Fatalf("send %d: wait %v, want a slot", i+1, wait)
		}
		c.Advance(100 * time.Millisecond)
	}
	// The oldest send was 2s ago: it frees its slot after a minute and the 2s margin, in 60s.
	left := 60 * time.Second
	if l.hold() != 62*time.Second {
		t.Fatalf("a slot is held %v, want a minute plus a 2s margin", l.hold())
	}
	if wait := mustReserve(t, l, testToken); wait != left {
		t.Fatalf("send 21: wait %v, want %v", wait, left)
	}
	if wait := mustReserve(t, l, testToken); wait != left {
		t.Fatalf("send 22: wait %v, want %v (refusals must not count)", wait, left)
	}
	c.Advance(left - time.Millisecond)
	if wait := mustReserve(t, l, testToken); wait != time.Millisecond {
		t.Fatalf("1ms before the oldest leaves: wait %v, want 1ms", wait)
	}
	c.Advance(time.Millisecond)
	if wait := mustReserve(t, l, testToken); wait != 0 {
		t.Fatalf("once the oldest left: wait %v, want a slot", wait)
	}
	if wait := mustReserve(t, l, testToken); wait != 100*time.Millisecond {
		t.Fatalf("next: wait %v, want 100ms", wait)
	}
}

func TestWindowRolls(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit, l.Window = 3, 10*time.Second
	for round := range 3 {
		for i := range 3 {
			if wait := mustReserve(t, l, testToken); wait != 0 {
				t.Fatalf("round %d send %d: wait %v", round, i+1, wait)
			}
		}
		if wait := mustReserve(t, l, testToken); wait != l.hold() {
			t.Fatalf("round %d: wait %v, want %v", round, wait, l.hold())
		}
		c.Advance(l.hold())
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l, _ := fakeLimiter(t)
	l.Limit = 1
	if mustReserve(t, l, "robot-a") != 0 || mustReserve(t, l, "robot-b") != 0 {
		t.Fatal("each token should have its own slot")
	}
	if mustReserve(t, l, "robot-a") == 0 {
		t.Fatal("robot-a should be exhausted")
	}
}

func TestRemaining(t *testing.T) {
	l, c := fakeLimiter(t)
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit {
		t.Fatalf("fresh: %d, want %d", n, ratelimit.DefaultLimit)
	}
	for range 5 {
		mustReserve(t, l, testToken)
	}
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit-5 {
		t.Fatalf("after 5: %d", n)
	}
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit-5 {
		t.Fatalf("Remaining must not take a slot: %d", n)
	}
	c.Advance(l.hold())
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit {
		t.Fatalf("after the window: %d", n)
	}
	for range 5 {
		mustReserve(t, l, testToken)
	}
	l.Limit = 2
	if n := mustRemaining(t, l, testToken); n != 0 {
		t.Fatalf("over the limit: %d, want 0", n)
	}
}

func TestRelease(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit = 3
	if err := l.Release(testToken); err != nil {
		t.Fatalf("Release with nothing taken: %v", err)
	}
	if n := mustRemaining(t, l, testToken); n != 3 {
		t.Fatalf("Release with nothing taken changed Remaining to %d", n)
	}
	for range 3 {
		mustReserve(t, l, testToken)
		c.Advance(time.Second)
	}
	if mustReserve(t, l, testToken) == 0 {
		t.Fatal("limit not reached")
	}
	if err := l.Release(testToken); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n := mustRemaining(t, l, testToken); n != 1 {
		t.Fatalf("after Release: Remaining %d, want 1", n)
	}
	if wait := mustReserve(t, l, testToken); wait != 0 {
		t.Fatalf("after Release: wait %v", wait)
	}
	// Release takes the latest send (+2s, then the one at +3s), so the oldest (0s) decides.
	if err := l.Release(testToken); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, l, testToken)
	if wait := mustReserve(t, l, testToken); wait != l.hold()-3*time.Second {
		t.Fatalf("wait %v, want %v: Release must give back the latest slot", wait, l.hold()-3*time.Second)
	}
}

// TestSameAsFileLimiter drives this limiter and ratelimit's file limiter through the same
// random operations on the same fake clock: every answer must agree.
func TestSameAsFileLimiter(t *testing.T) {
	l, c := fakeLimiter(t)
	f := ratelimit.New(filepath.Join(t.TempDir(), "rl"))
	f.Now = c.Now
	l.Limit, l.Window = 4, 3*time.Second
	f.Limit, f.Window = 4, 3*time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := []string{"a", "b"}
	for i := range 600 {
		tok := tokens[rng.IntN(len(tokens))]
		switch op := rng.IntN(10); {
		case op < 5:
			w1, err1 := l.Reserve(tok)
			w2, err2 := f.Reserve(tok)
			if err1 != nil || err2 != nil || w1 != w2 {
				t.Fatalf("step %d Reserve(%s): redis %v %v, file %v %v", i, tok, w1, err1, w2, err2)
			}
		case op < 7:
			n1, err1 := l.Remaining(tok)
			n2, err2 := f.Remaining(tok)
			if err1 != nil || err2 != nil || n1 != n2 {
				t.Fatalf("step %d Remaining(%s): redis %v %v, file %v %v", i, tok, n1, err1, n2, err2)
			}
		case op < 8:
			if err := errors.Join(l.Release(tok), f.Release(tok)); err != nil {
				t.Fatal(err)
			}
		default:
			c.Advance(time.Duration(rng.IntN(1500)) * time.Millisecond)
		}
	}
}

func TestWaitWaitsForSlot(t *testing.T) {
	_, rc := server(t)
	l := NewLimiter(rc, testPrefix(t)) // Redis's own clock
	l.Limit, l.Window = 2, 200*time.Millisecond
	start := time.Now()
	for range 2 {
		if wait := mustReserve(t, l, testToken); wait != 0 {
			t.Fatalf("wait %v", wait)
		}
	}
	var calls []time.Duration
	if err := l.Wait(context.Background(), testToken, func(d time.Duration) { calls = append(calls, d) }); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Fatalf("Wait returned after %v, before the window passed", elapsed)
	}
	if len(calls) == 0 || calls[0] <= 0 || calls[0] > l.hold() {
		t.Fatalf("onWait calls %v, want a remaining time in (0, %v]", calls, l.hold())
	}
	if n := mustRemaining(t, l, testToken); n > 1 {
		t.Fatalf("Remaining %d after Wait took a slot", n)
	}
}

func TestWaitNilOnWait(t *testing.T) {
	_, rc := server(t)
	l := NewLimiter(rc, testPrefix(t))
	l.Limit, l.Window = 1, 50*time.Millisecond
	mustReserve(t, l, testToken)
	if err := l.Wait(context.Background(), testToken, nil); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	_, rc := server(t)
	l := NewLimiter(rc, testPrefix(t))
	l.Limit, l.Window = 1, time.Hour
	mustReserve(t, l, testToken)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := l.Wait(ctx, testToken, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Wait took %v to notice the deadline", elapsed)
	}
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	l.Limit = 5
	if err := l.Wait(canceled, testToken, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a canceled context: %v, want Canceled", err)
	}
	if n := mustRemaining(t, l, testToken); n != 4 {
		t.Fatalf("a canceled Wait took a slot: Remaining %d, want 4", n)
	}
}

// TestSeparateClientsShareWindow: many goroutines over two connections get exactly Limit slots.
func TestSeparateClientsShareWindow(t *testing.T) {
	srv, _ := server(t)
	limiters := []*Limiter{NewLimiter(client(t, srv), testPrefix(t)), NewLimiter(client(t, srv), testPrefix(t))}
	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			wait, err := limiters[i%2].Reserve(testToken)
			if err != nil {
				t.Errorf("Reserve: %v", err)
				return
			}
			if wait == 0 {
				granted.Add(1)
			} else if wait > limiters[0].hold() {
				t.Errorf("wait %v out of range", wait)
			}
		})
	}
	wg.Wait()
	if got := granted.Load(); got != ratelimit.DefaultLimit {
		t.Fatalf("granted %d slots, want exactly %d", got, ratelimit.DefaultLimit)
	}
}

// TestRedisClock: without Now, a slot is stamped with Redis's time, so hosts with skewed
// clocks share one window; the window's key expires with its last slot.
func TestRedisClock(t *testing.T) {
	_, rc := server(t)
	l := NewLimiter(rc, testPrefix(t))
	l.Window = 10 * time.Second
	mustReserve(t, l, testToken)
	ctx := context.Background()
	key := l.key(testToken)
	z, err := rc.ZRangeWithScores(ctx, key, 0, -1).Result()
	if err != nil || len(z) != 1 {
		t.Fatalf("window %v, %v", z, err)
	}
	now, err := rc.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := now.Sub(time.UnixMilli(int64(z[0].Score))); d < 0 || d > time.Second {
		t.Fatalf("slot stamped %v before Redis's time", d)
	}
	ttl, err := rc.PTTL(ctx, key).Result()
	if err != nil || ttl <= l.hold()-time.Second || ttl > l.hold() {
		t.Fatalf("window key expires in %v (%v), want about %v", ttl, err, l.hold())
	}
}

// TestTokenNeverInRedis: keys name a token by a 32-digit hash and no value holds it.
func TestTokenNeverInRedis(t *testing.T) {
	_, rc := server(t)
	l := NewLimiter(rc, testPrefix(t))
	mustReserve(t, l, testToken)
	mustReserve(t, l, testToken)
	if err := l.Release(testToken); err != nil {
		t.Fatal(err)
	}
	mustRemaining(t, l, testToken)
	ctx := context.Background()
	want := testPrefix(t) + "rl:" + dingtalk.TokenKey(testToken)
	found := false
	for _, k := range allKeys(t, rc) {
		if strings.Contains(k, testToken) || strings.Contains(k, "SECRET") {
			t.Errorf("key %q holds the token", k)
		}
		if k == want {
			found = true
			members, err := rc.ZRange(ctx, k, 0, -1).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range members {
				if strings.Contains(m, testToken) || strings.Contains(m, "SECRET") {
					t.Errorf("member %q holds the token", m)
				}
			}
		}
	}
	if !found || len(dingtalk.TokenKey(testToken)) != 32 {
		t.Fatalf("no window under %s", want)
	}
}

func TestFutureTimesAreDropped(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit = 1
	mustReserve(t, l, testToken)
	c.Advance(-2 * time.Hour) // the clock was set back
	if wait := mustReserve(t, l, testToken); wait != 0 {
		t.Fatalf("a send recorded in the far future blocks for %v", wait)
	}
}

// TestRetriedScriptsCountOnce: the client resends a script whose reply was lost; running one
// call's script twice takes or gives back one slot, not two.
func TestRetriedScriptsCountOnce(t *testing.T) {
	l, _ := fakeLimiter(t)
	ctx := context.Background()
	key, id := l.key(testToken), newID()
	for range 2 {
		if err := reserveScript.Run(ctx, l.client, []string{key}, l.limit(), l.hold().Milliseconds(), l.now(), id).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mustReserve(t, l, testToken)
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit-2 {
		t.Fatalf("a retried Reserve took %d slots", ratelimit.DefaultLimit-1-n)
	}
	marker := l.prefix + "op:" + newID()
	for range 2 {
		if err := releaseScript.Run(ctx, l.client, []string{key, marker}, l.limit(), l.hold().Milliseconds(), l.now(), onceTTL.Milliseconds()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n := mustRemaining(t, l, testToken); n != ratelimit.DefaultLimit-1 {
		t.Fatalf("a retried Release gave back %d slots", n-(ratelimit.DefaultLimit-2))
	}
}

// TestRedisDownRefuses: with Redis gone every operation is a StateError naming the server
// and saying nothing is sent; no slot is ever granted.
func TestRedisDownRefuses(t *testing.T) {
	t.Parallel()
	srv, rc := server(t)
	l := NewLimiter(rc, testPrefix(t))
	mustReserve(t, l, testToken)
	srv.Stop()

	check := func(op string, err error) {
		t.Helper()
		var se *dingtalk.StateError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v (%T), want a *dingtalk.StateError", op, err, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, srv.Addr) || !strings.Contains(msg, "refused") || !strings.Contains(msg, "never sent past the limit") {
			t.Errorf("%s: %q should name %s and say sends are refused", op, msg, srv.Addr)
		}
		if strings.Contains(msg, testToken) || strings.Contains(msg, "SECRET") {
			t.Errorf("%s: %q holds the token", op, msg)
		}
	}
	start := time.Now()
	wait, err := l.Reserve(testToken)
	if err == nil {
		t.Fatalf("Reserve with Redis down: wait %v and no error", wait)
	}
	check("Reserve", err)
	_, err = l.Remaining(testToken)
	check("Remaining", err)
	check("Release", l.Release(testToken))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	check("Wait", l.Wait(ctx, testToken, nil))
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the four refusals took %v", d)
	}
}

// TestOpenHidesPassword: a URL's password appears in no error.
func TestOpenHidesPassword(t *testing.T) {
	t.Parallel()
	srv, rc := server(t)
	const pw = "hunter2-PASSWORD"
	ctx := context.Background()
	// The server now wants another password.
	if err := rc.ConfigSet(ctx, "requirepass", "another-one").Err(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"redis://:" + pw + "@" + srv.Addr + "/0",         // a wrong password
		"redis://user:" + pw + "@127.0.0.1:1/0",          // nothing listens
		"redis://:" + pw + "@" + srv.Addr + "/x",         // bad database
		"redis://:" + pw + "@" + srv.Addr + "/0?bogus=1", // unknown option
		"redis://:" + pw + "@" + srv.Addr + "/0?dial_timeout=" + pw,
		"http://:" + pw + "@" + srv.Addr,
		"redis://:" + pw + "@[::1" + "/0",
		"redis://:" + pw + "@host:port\x7f/0",
	} {
		s, err := Open(ctx, u, "")
		if err == nil {
			s.Close()
			t.Errorf("Open(%s): no error", strings.ReplaceAll(u, pw, "…"))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	// TLS to a server that speaks none hangs until the caller's deadline.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if s, err := Open(short, "rediss://:"+pw+"@"+srv.Addr+"/0", ""); err == nil {
		s.Close()
		t.Error("Open over TLS to a plain server: no error")
	} else if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
	s, err := Open(ctx, "redis://:another-one@"+srv.Addr+"/0", "")
	if err != nil {
		t.Fatalf("Open(%s): %v", srv.URL(), err)
	}
	defer s.Close()
	if s.Addr() != srv.URL()+"/0" || strings.Contains(s.Addr(), "another-one") {
		t.Errorf("Addr %q", s.Addr())
	}
	if u := "redis://:" + pw + "@127.0.0.1:1/0"; true {
		_, err := Open(ctx, u, "")
		var se *dingtalk.StateError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "redis://127.0.0.1:1/0") {
			t.Errorf("an unreachable server: %v, want a StateError naming redis://127.0.0.1:1/0", err)
		}
	}
}

var _ redis.UniversalClient = (*redis.Client)(nil)
