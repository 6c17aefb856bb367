package ratelimit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testKey = "0123456789abcdef-SECRET-TOKEN"

func fakeLimiter(t *testing.T) (*Limiter, *clock) {
	t.Helper()
	c := newClock()
	l := New(filepath.Join(t.TempDir(), "ratelimit"))
	l.Now = c.Now
	return l, c
}

func mustReserve(t *testing.T, l *Limiter, key string) time.Duration {
	t.Helper()
	wait, err := l.Reserve(key)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	return wait
}

func mustRemaining(t *testing.T, l *Limiter, key string) int {
	t.Helper()
	n, err := l.Remaining(key)
	if err != nil {
		t.Fatalf("Remaining: %v", err)
	}
	return n
}

func TestReserveGrantsLimitThenWaits(t *testing.T) {
	l, c := fakeLimiter(t)
	for i := range DefaultLimit {
		if wait := mustReserve(t, l, testKey); wait != 0 {
			t.Fatalf("send %d: wait %v, want a slot", i+1, wait)
		}
		c.Advance(100 * time.Millisecond)
	}
	// The oldest send was 2s ago (20 × 100ms): it frees its slot after the window and the
	// margin (62s in all), so in 60s.
	left := l.window() - 2*time.Second
	if left != 60*time.Second {
		t.Fatalf("a slot is held %v, want a minute plus a 2s margin", l.window())
	}
	if wait := mustReserve(t, l, testKey); wait != left {
		t.Fatalf("send 21: wait %v, want %v", wait, left)
	}
	// A refused Reserve records nothing.
	if wait := mustReserve(t, l, testKey); wait != left {
		t.Fatalf("send 22: wait %v, want %v (refusals must not count)", wait, left)
	}
	c.Advance(left - time.Millisecond)
	if wait := mustReserve(t, l, testKey); wait != time.Millisecond {
		t.Fatalf("1ms before the oldest leaves: wait %v, want 1ms", wait)
	}
	c.Advance(time.Millisecond)
	if wait := mustReserve(t, l, testKey); wait != 0 {
		t.Fatalf("once the oldest left: wait %v, want a slot", wait)
	}
	// The next oldest was sent 100ms after the first.
	if wait := mustReserve(t, l, testKey); wait != 100*time.Millisecond {
		t.Fatalf("next: wait %v, want 100ms", wait)
	}
}

func TestWindowRolls(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit, l.Window = 3, 10*time.Second
	for round := range 3 {
		for i := range 3 {
			if wait := mustReserve(t, l, testKey); wait != 0 {
				t.Fatalf("round %d send %d: wait %v", round, i+1, wait)
			}
		}
		if wait := mustReserve(t, l, testKey); wait != l.window() {
			t.Fatalf("round %d: wait %v, want %v", round, wait, l.window())
		}
		c.Advance(l.window())
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l, _ := fakeLimiter(t)
	l.Limit = 1
	if mustReserve(t, l, "robot-a") != 0 || mustReserve(t, l, "robot-b") != 0 {
		t.Fatal("each key should have its own slot")
	}
	if mustReserve(t, l, "robot-a") == 0 {
		t.Fatal("robot-a should be exhausted")
	}
}

func TestRemaining(t *testing.T) {
	l, c := fakeLimiter(t)
	if n := mustRemaining(t, l, testKey); n != DefaultLimit {
		t.Fatalf("fresh: %d, want %d", n, DefaultLimit)
	}
	for range 5 {
		mustReserve(t, l, testKey)
	}
	if n := mustRemaining(t, l, testKey); n != DefaultLimit-5 {
		t.Fatalf("after 5: %d, want %d", n, DefaultLimit-5)
	}
	if n := mustRemaining(t, l, testKey); n != DefaultLimit-5 {
		t.Fatalf("Remaining must not take a slot: %d", n)
	}
	c.Advance(l.window())
	if n := mustRemaining(t, l, testKey); n != DefaultLimit {
		t.Fatalf("after the window: %d, want %d", n, DefaultLimit)
	}
	// A lower limit than what was recorded (another process with other settings) is 0, not negative.
	for range 5 {
		mustReserve(t, l, testKey)
	}
	l.Limit = 2
	if n := mustRemaining(t, l, testKey); n != 0 {
		t.Fatalf("over the limit: %d, want 0", n)
	}
}

func TestRelease(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit = 3
	if err := l.Release(testKey); err != nil {
		t.Fatalf("Release with nothing taken: %v", err)
	}
	if n := mustRemaining(t, l, testKey); n != 3 {
		t.Fatalf("Release with nothing taken changed Remaining to %d", n)
	}
	for range 3 {
		mustReserve(t, l, testKey)
		c.Advance(time.Second)
	}
	if mustReserve(t, l, testKey) == 0 {
		t.Fatal("limit not reached")
	}
	if err := l.Release(testKey); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n := mustRemaining(t, l, testKey); n != 1 {
		t.Fatalf("after Release: Remaining %d, want 1", n)
	}
	if wait := mustReserve(t, l, testKey); wait != 0 {
		t.Fatalf("after Release: wait %v, want a slot", wait)
	}
	// Release took the latest send (at +2s), so the oldest (at 0s) still decides the wait:
	// now is +3s, so it frees in the hold time less 3s.
	if err := l.Release(testKey); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, l, testKey)
	if wait := mustReserve(t, l, testKey); wait != l.window()-3*time.Second {
		t.Fatalf("wait %v, want %v: Release must give back the latest slot", wait, l.window()-3*time.Second)
	}
}

func TestWaitWaitsForSlot(t *testing.T) {
	l := New(t.TempDir())
	l.Limit, l.Window = 2, 200*time.Millisecond
	start := time.Now()
	for range 2 {
		if wait := mustReserve(t, l, testKey); wait != 0 {
			t.Fatalf("wait %v", wait)
		}
	}
	var calls []time.Duration
	err := l.Wait(context.Background(), testKey, func(remaining time.Duration) {
		calls = append(calls, remaining)
	})
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Fatalf("Wait returned after %v, before the window passed", elapsed)
	}
	if len(calls) == 0 {
		t.Fatal("onWait was never called")
	}
	if calls[0] <= 0 || calls[0] > l.window() {
		t.Fatalf("onWait(%v), want a remaining time in (0, %v]", calls[0], l.window())
	}
	// The first two sends may have left the window by now; the slot Wait took still counts.
	if n := mustRemaining(t, l, testKey); n > 1 {
		t.Fatalf("Remaining %d after Wait took a slot", n)
	}
}

func TestWaitNilOnWait(t *testing.T) {
	l := New(t.TempDir())
	l.Limit, l.Window = 1, 50*time.Millisecond
	mustReserve(t, l, testKey)
	if err := l.Wait(context.Background(), testKey, nil); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	l := New(t.TempDir())
	l.Limit, l.Window = 1, time.Hour
	mustReserve(t, l, testKey)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.Wait(ctx, testKey, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Wait took %v to notice the deadline", elapsed)
	}

	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	l.Limit = 5
	if err := l.Wait(canceled, testKey, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a canceled context: %v, want Canceled", err)
	}
	if n := mustRemaining(t, l, testKey); n != 4 {
		t.Fatalf("a canceled Wait took a slot: Remaining %d, want 4", n)
	}
}

// TestSeparateLimitersShareDir simulates processes: two Limiter values on one Dir.
func TestSeparateLimitersShareDir(t *testing.T) {
	dir := t.TempDir()
	limiters := []*Limiter{New(dir), New(dir)}
	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			wait, err := limiters[i%2].Reserve(testKey)
			if err != nil {
				t.Errorf("Reserve: %v", err)
				return
			}
			if wait == 0 {
				granted.Add(1)
			} else if wait <= 0 || wait > limiters[0].window() {
				t.Errorf("wait %v out of range", wait)
			}
		})
	}
	wg.Wait()
	if got := granted.Load(); got != DefaultLimit {
		t.Fatalf("granted %d slots, want exactly %d", got, DefaultLimit)
	}
	if n := mustRemaining(t, limiters[0], testKey); n != 0 {
		t.Fatalf("Remaining %d, want 0", n)
	}
}

func TestKeyNeverOnDisk(t *testing.T) {
	l, _ := fakeLimiter(t)
	mustReserve(t, l, testKey)
	mustReserve(t, l, testKey)
	if err := l.Release(testKey); err != nil {
		t.Fatal(err)
	}
	mustRemaining(t, l, testKey)

	entries, err := os.ReadDir(l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{fileName(testKey) + ".json": false, fileName(testKey) + ".lock": false}
	for _, e := range entries {
		if strings.Contains(e.Name(), testKey) || strings.Contains(e.Name(), "SECRET") {
			t.Errorf("file name %q contains the key", e.Name())
		}
		if _, ok := want[e.Name()]; !ok {
			t.Errorf("unexpected file %q (temp file left behind?)", e.Name())
		}
		want[e.Name()] = true
		data, err := os.ReadFile(filepath.Join(l.Dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), testKey) || strings.Contains(string(data), "SECRET") {
			t.Errorf("%s holds the key: %q", e.Name(), data)
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("missing %s", name)
		}
	}
	if n := len(fileName(testKey)); n != 32 {
		t.Errorf("file name is %d hex digits, want 32", n)
	}
}

func TestStateFileHoldsOnlyTheWindow(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Window = 10 * time.Second
	mustReserve(t, l, testKey)
	c.Advance(11 * time.Second)
	mustReserve(t, l, testKey)
	data, err := os.ReadFile(filepath.Join(l.Dir, fileName(testKey)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[" + strconv.FormatInt(c.Now().UnixMilli(), 10) + "]"; string(data) != want {
		t.Fatalf("state %s, want %s", data, want)
	}
}

// TestDamagedStateFailsClosedAndRepairs: a state file that cannot be read could hide a full
// window of sends, so nothing is sent until a window has passed; the file is repaired and the
// robot sends again afterwards, with no one touching it.
func TestDamagedStateFailsClosedAndRepairs(t *testing.T) {
	for _, content := range []string{"", "{", "not json", `{"a":1}`, `["x"]`, "\x00\x01"} {
		l, c := fakeLimiter(t)
		l.Limit = 2
		if err := os.MkdirAll(l.Dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(l.Dir, fileName(testKey)+".json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := l.Reserve(testKey)
		var se *dingtalk.StateError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "sends again in") {
			t.Fatalf("%q: Reserve error %v, want a StateError saying the state was damaged and reset", content, err)
		}
		if wait := mustReserve(t, l, testKey); wait <= 0 {
			t.Errorf("%q: a send was allowed right after the state was found damaged", content)
		}
		if n := mustRemaining(t, l, testKey); n != 0 {
			t.Errorf("%q: Remaining %d right after the repair, want 0", content, n)
		}
		c.Advance(l.window() + time.Millisecond)
		if wait := mustReserve(t, l, testKey); wait != 0 {
			t.Errorf("%q: still blocked (%v) one window after the repair", content, wait)
		}
	}
}

func TestFutureTimesAreDropped(t *testing.T) {
	l, c := fakeLimiter(t)
	l.Limit = 1
	mustReserve(t, l, testKey)
	c.Advance(-2 * time.Hour) // the clock was set back
	if wait := mustReserve(t, l, testKey); wait != 0 {
		t.Fatalf("a send recorded in the far future blocks for %v", wait)
	}
}

func TestDirCreatedPrivate(t *testing.T) {
	l, _ := fakeLimiter(t)
	mustReserve(t, l, testKey)
	fi, err := os.Stat(l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", fi.Mode().Perm())
	}
	fi, err = os.Stat(filepath.Join(l.Dir, fileName(testKey)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("state file mode %v, want private", fi.Mode().Perm())
	}
}

func TestErrorsNeverContainKey(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stateIsDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(stateIsDir, fileName(testKey)+".json"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]*Limiter{
		"no dir":       {},
		"dir is file":  New(filepath.Join(notADir, "sub")),
		"state is dir": New(stateIsDir),
	} {
		_, err := l.Reserve(testKey)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		var se *dingtalk.StateError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "state directory ") {
			t.Errorf("%s: error %q is not a StateError naming the directory", name, err)
		}
		if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: error %q contains the key", name, err)
		}
	}
}

func BenchmarkReserve(b *testing.B) {
	c := newClock()
	l := New(b.TempDir())
	l.Now = c.Now
	for b.Loop() {
		c.Advance(3 * time.Second) // every call gets a slot; at most 20 sends in the window
		if _, err := l.Reserve(testKey); err != nil {
			b.Fatal(err)
		}
	}
}
