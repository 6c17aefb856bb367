// Package ratelimit keeps sends under DingTalk's per-robot limit across goroutines and processes.
//
// Each robot's recent send times live in a small JSON file under a state directory, named after
// a hash of the robot's access token and guarded by a file lock, so a shell loop of `dingbot send`
// and several MCP servers on one machine share one budget.
package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// DefaultLimit is DingTalk's limit of messages per robot per window.
const DefaultLimit = 20

// DefaultWindow is the rolling window DefaultLimit applies to.
const DefaultWindow = time.Minute

// lockTimeout bounds how long one operation waits for another process to release the state file.
const lockTimeout = 10 * time.Second

// Limiter hands out send slots per key (a robot's access token). Its methods are safe for
// concurrent use, and separate Limiters (in this or other processes) sharing a Dir share the
// budget.
type Limiter struct {
	// Dir is the state directory, created with mode 0700 on first use.
	Dir string
	// Limit is the number of sends per window; 0 means DefaultLimit.
	Limit int
	// Window is the rolling window; 0 means DefaultWindow.
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns a Limiter with DingTalk's limits keeping its state in dir.
func New(dir string) *Limiter {
	return &Limiter{Dir: dir}
}

func (l *Limiter) limit() int {
	if l.Limit <= 0 {
		return DefaultLimit
	}
	return l.Limit
}

// window is how long a send holds its slot: the configured window plus a margin. DingTalk
// counts arrivals while we count reservations, and a request reaches DingTalk a little after its
// slot was taken (process start, TLS, a slow network), so a slot frees 1/30 of the window (2 s a
// minute) after the window alone would free it. Without the margin, senders that waited for a slot
// can arrive inside the minute of the first twenty and earn the 10-minute throttle.
func (l *Limiter) window() time.Duration {
	w := DefaultWindow
	if l.Window > 0 {
		w = max(l.Window, time.Millisecond)
	}
	return w + (w / 30).Truncate(time.Millisecond)
}

func (l *Limiter) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Reserve takes a send slot for key if one is free now (recording it) and returns 0;
// otherwise it records nothing and returns how long until the oldest send leaves the window.
func (l *Limiter) Reserve(key string) (wait time.Duration, err error) {
	return l.reserve(context.Background(), key)
}

func (l *Limiter) reserve(ctx context.Context, key string) (wait time.Duration, err error) {
	err = l.update(ctx, key, func(s *sends, now time.Time) {
		limit := l.limit()
		if len(s.times) < limit {
			s.add(now)
			wait = 0
			return
		}
		// The slot frees when all but limit-1 of the recorded sends have left the window.
		leaves := time.UnixMilli(s.times[len(s.times)-limit] + l.window().Milliseconds())
		wait = max(leaves.Sub(now), time.Millisecond)
	})
	if err != nil {
		return 0, err
	}
	return wait, nil
}

// Wait blocks until a slot is taken for key, calling onWait(remaining) about once a second
// while it waits (onWait may be nil). It returns ctx's error if ctx ends first.
func (l *Limiter) Wait(ctx context.Context, key string, onWait func(remaining time.Duration)) error {
	return WaitFor(ctx, func(ctx context.Context) (time.Duration, error) { return l.reserve(ctx, key) }, onWait)
}

// WaitFor blocks until reserve takes a slot (returns 0), calling onWait(remaining) about once a
// second while it waits (onWait may be nil). It returns ctx's error if ctx ends first. Every
// Limiter's Wait is this loop over its own Reserve.
func WaitFor(ctx context.Context, reserve func(context.Context) (time.Duration, error), onWait func(remaining time.Duration)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait, err := reserve(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return err
		}
		if wait == 0 {
			return nil
		}
		if onWait != nil {
			onWait(wait)
		}
		t := time.NewTimer(min(wait, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Remaining reports how many sends are left for key in the current window, without taking one.
func (l *Limiter) Remaining(key string) (int, error) {
	var n int
	err := l.update(context.Background(), key, func(s *sends, _ time.Time) {
		n = max(l.limit()-len(s.times), 0)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Release gives back the most recent slot taken for key, for a request that provably never
// left the machine (connection refused, say). With no slot taken it does nothing.
func (l *Limiter) Release(key string) error {
	return l.update(context.Background(), key, func(s *sends, _ time.Time) {
		s.removeLatest()
	})
}

// sends is one key's send times (unix milliseconds, ascending) inside the window.
type sends struct {
	times []int64
	dirty bool
	// damaged says the state file could not be decoded: how many sends the window holds is
	// unknown.
	damaged bool
}

func (s *sends) add(t time.Time) {
	s.times = append(s.times, t.UnixMilli())
	slices.Sort(s.times)
	s.dirty = true
}

func (s *sends) removeLatest() {
	if len(s.times) == 0 {
		return
	}
	s.times = s.times[:len(s.times)-1]
	s.dirty = true
}

// prune drops send times that have left the window ending at now, and times implausibly far in
// the future (a clock that was set back), which would otherwise block the robot indefinitely.
func (s *sends) prune(now time.Time, window time.Duration) {
	nowMs, winMs := now.UnixMilli(), window.Milliseconds()
	kept := s.times[:0]
	for _, t := range s.times {
		if t > nowMs-winMs && t <= nowMs+winMs {
			kept = append(kept, t)
		}
	}
	if len(kept) != len(s.times) {
		s.dirty = true
	}
	s.times = kept
	if !slices.IsSorted(s.times) {
		slices.Sort(s.times)
		s.dirty = true
	}
}

// update runs fn on key's pruned send times while holding both the in-process and the file
// lock, and writes them back if they changed.
func (l *Limiter) update(ctx context.Context, key string, fn func(s *sends, now time.Time)) error {
	st, err := l.open(key)
	if err != nil {
		return err
	}
	unlock, err := st.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	s, err := st.read()
	if err != nil {
		return err
	}
	now := l.now()
	if s.damaged {
		// Fail closed: a damaged state could hide up to a full window of sends, so take the
		// window as full from now on. The file is rewritten, so the robot sends again after one
		// window without anyone repairing anything.
		full := make([]int64, l.limit())
		for i := range full {
			full[i] = now.UnixMilli()
		}
		if err := st.write(full); err != nil {
			return &dingtalk.StateError{Dir: st.path, Op: "rewrite the damaged rate-limit state", Err: unwrapPath(err)}
		}
		secs := int((l.window() + time.Second - 1) / time.Second)
		return &dingtalk.StateError{Dir: st.path, Op: "read the rate-limit state",
			Err: fmt.Errorf("the file was damaged, so how many messages went out in the last minute is unknown; it has been reset to a full window and this robot sends again in %ds", secs),
			Fix: fmt.Sprintf("nothing to repair: wait %ds (dingbot send waits by itself without --no-wait, and --queue delivers it then)", secs)}
	}
	s.prune(now, l.window())
	fn(&s, now)
	if !s.dirty {
		return nil
	}
	if err := st.write(s.times); err != nil {
		return &dingtalk.StateError{Dir: st.path, Op: "write the rate-limit state", Err: unwrapPath(err)}
	}
	return nil
}
