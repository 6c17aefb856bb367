package sandbox

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// robotState is a Robot with what the sandbox remembers about it.
// Everything but Robot is guarded by Server.mu.
type robotState struct {
	Robot
	sent           []time.Time // accepted sends inside the window, oldest first
	throttledUntil time.Time
	uuids          uuidSet // msgUuids of posted messages, the newest Options.KeepUUIDs
	month          string  // the billing month calls counts, "2026-12"
	calls          int     // calls taken this month, for Robot.MonthlyLimit
}

func (st *robotState) reset() {
	st.sent = nil
	st.throttledUntil = time.Time{}
	st.uuids.reset()
	st.month, st.calls = "", 0
}

// chinaTime is China Standard Time, in which DingTalk bills the monthly quota.
var chinaTime = time.FixedZone("CST", 8*60*60)

// overMonthlyLimit counts a call against the robot's month and reports whether the month was
// already used up.
func (st *robotState) overMonthlyLimit(now time.Time) bool {
	if st.MonthlyLimit <= 0 {
		return false
	}
	if m := now.In(chinaTime).Format("2006-01"); m != st.month {
		st.month, st.calls = m, 0
	}
	if st.calls >= st.MonthlyLimit {
		return true
	}
	st.calls++
	return false
}

// uuidSet remembers the newest max msgUuids, by their SHA-256 so that a long one costs no more
// than a short one.
type uuidSet struct {
	max   int
	seen  map[[32]byte]struct{}
	order [][32]byte // oldest first once full, from next on
	next  int
}

func (u *uuidSet) has(uuid string) bool {
	_, ok := u.seen[sha256.Sum256([]byte(uuid))]
	return ok
}

// add remembers uuid, forgetting the oldest beyond max. uuid must not be in the set.
func (u *uuidSet) add(uuid string) {
	k := sha256.Sum256([]byte(uuid))
	if u.seen == nil {
		u.seen = map[[32]byte]struct{}{}
	}
	u.seen[k] = struct{}{}
	if len(u.order) < u.max {
		u.order = append(u.order, k)
		return
	}
	delete(u.seen, u.order[u.next])
	u.order[u.next] = k
	u.next = (u.next + 1) % u.max
}

func (u *uuidSet) reset() {
	u.seen, u.order, u.next = nil, nil, 0
}

func (st *robotState) throttled(now time.Time) bool {
	return now.Before(st.throttledUntil)
}

// admit counts a send at now against the rolling window. When the window is
// already full it refuses and throttles the robot instead.
func (st *robotState) admit(now time.Time, limit int, window, throttle time.Duration) bool {
	cut := now.Add(-window)
	i := 0
	for i < len(st.sent) && !st.sent[i].After(cut) {
		i++
	}
	st.sent = st.sent[i:]
	if len(st.sent) >= limit {
		st.throttledUntil = now.Add(throttle)
		st.sent = nil
		return false
	}
	st.sent = append(st.sent, now)
	return true
}

// tooFast is DingTalk's answer while a robot is over its limit.
func (s *Server) tooFast() *apiError {
	per := "minute"
	if s.window != time.Minute {
		per = s.window.String()
	}
	return &apiError{codeTooFast, fmt.Sprintf("send too fast, exceed %d times per %s", s.limit, per)}
}

// commit decides, atomically, whether an otherwise valid message is posted:
// throttling, msgUuid de-duplication and the rate limit.
func (s *Server) commit(st *robotState, uuid string, now time.Time) (duplicate bool, err *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.throttled(now) {
		return false, s.tooFast()
	}
	if st.overMonthlyLimit(now) {
		return false, &apiError{codeOverLimit, "webhook over limit"}
	}
	if uuid != "" && st.uuids.has(uuid) {
		return true, nil
	}
	if !st.admit(now, s.limit, s.window, s.throttle) {
		st.calls-- // refused for sending too fast: DingTalk does not bill it
		return false, s.tooFast()
	}
	if uuid != "" {
		st.uuids.add(uuid)
	}
	return false, nil
}

func (s *Server) isThrottled(st *robotState, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.throttled(now)
}
