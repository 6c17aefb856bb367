// Package storetest is the conformance suite every delivery.Store and dingtalk.Meter passes:
// the embedded spool on a t.TempDir(), redisstore on a real redis-server.
//
// A store is shared by several processes and hosts, so the suite opens several handles on one
// store and checks that what one handle does, another sees: that is why it takes a function
// making a store, which returns a function opening handles on it.
//
//	storetest.Run(t, func(t *testing.T) func() delivery.Store {
//		dir := t.TempDir() // one store per subtest
//		return func() delivery.Store {
//			s, err := spool.Open(dir) // a new handle on the same store each call
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		}
//	})
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// Run checks a delivery.Store. newStore is called once per subtest, with that subtest's t: it
// makes a new, empty store (a fresh directory, a fresh Redis prefix) and returns open. Each call
// of open returns a new handle on that same store, as another process or host would have. open
// is called only from the subtest's own goroutine, so it may call t.Fatal. The suite closes
// every handle it opens; newStore cleans up the store itself with t.Cleanup if it must.
func Run(t *testing.T, newStore func(t *testing.T) (open func() delivery.Store)) {
	tests := []struct {
		name string
		run  func(*env)
	}{
		{"AddSeq", testAddSeq},
		{"AddAllOrNone", testAddAllOrNone},
		{"Next", testNext},
		{"UpdateGet", testUpdateGet},
		{"UpdateKeepsKeyAndSeq", testUpdateKeepsKeyAndSeq},
		{"List", testList},
		{"Delete", testDelete},
		{"Pending", testPending},
		{"Prune", testPrune},
		{"Lock", testLock},
		{"LockReleasedOnClose", testLockReleasedOnClose},
		{"ConcurrentAdd", testConcurrentAdd},
		{"RoundTrip", testRoundTrip},
		{"Held", testHeld},
		{"HeldPrune", testHeldPrune},
		{"AddExists", testAddExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(&env{t: t, open: newStore(t), ctx: t.Context()})
		})
	}
}

// env is one subtest's store.
type env struct {
	t    *testing.T
	open func() delivery.Store
	ctx  context.Context
	ids  int
}

// handle opens a handle, closed at the end of the test or by the returned func (once).
func (e *env) handle() (delivery.Store, func()) {
	e.t.Helper()
	s := e.open()
	if s == nil {
		e.t.Fatal("open returned a nil Store")
	}
	var once sync.Once
	closeIt := func() {
		once.Do(func() {
			if err := s.Close(); err != nil {
				e.t.Errorf("Close: %v", err)
			}
		})
	}
	e.t.Cleanup(closeIt)
	return s, closeIt
}

// h opens a handle closed at the end of the test.
func (e *env) h() delivery.Store {
	e.t.Helper()
	s, _ := e.handle()
	return s
}

// Keys look like the RobotKeys they are in use.
var (
	keyA = dingtalk.TokenKey("storetest robot a")
	keyB = dingtalk.TokenKey("storetest robot b")
	keyC = dingtalk.TokenKey("storetest robot c")
)

// base is the suite's clock: times are kept at millisecond precision or better.
var base = time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC)

// job returns a fresh queued job for key, created at base+created.
func (e *env) job(key string, created time.Duration) delivery.Job {
	e.ids++
	id := fmt.Sprintf("d-20261119T100000-%08x", e.ids)
	at := base.Add(created)
	return delivery.Job{
		ID: id, Robot: "robot-" + key[:4], Key: key, MsgUUID: "uuid-" + id,
		Msg:   dingtalk.NewText("hello from " + id),
		State: delivery.Queued, Created: at, Updated: at, Due: at,
	}
}

func (e *env) add(s delivery.Store, jobs ...delivery.Job) []delivery.Job {
	e.t.Helper()
	got, err := s.Add(e.ctx, jobs...)
	if err != nil {
		e.t.Fatalf("Add: %v", err)
	}
	if len(got) != len(jobs) {
		e.t.Fatalf("Add of %d jobs returned %d", len(jobs), len(got))
	}
	for i := range jobs {
		want := jobs[i]
		want.Seq = got[i].Seq
		sameJob(e.t, "Add's result", got[i], want)
	}
	return got
}

func (e *env) get(s delivery.Store, id string) delivery.Job {
	e.t.Helper()
	j, err := s.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Get(%s): %v", id, err)
	}
	return j
}

func (e *env) update(s delivery.Store, j delivery.Job) {
	e.t.Helper()
	if err := s.Update(e.ctx, j); err != nil {
		e.t.Fatalf("Update(%s to %s): %v", j.ID, j.State, err)
	}
}

// setState updates j to state, as a drainer would.
func (e *env) setState(s delivery.Store, j delivery.Job, state delivery.State) delivery.Job {
	e.t.Helper()
	j.State = state
	j.Updated = j.Updated.Add(time.Second)
	e.update(s, j)
	return j
}

func (e *env) next(s delivery.Store, key string) delivery.Job {
	e.t.Helper()
	j, err := s.Next(e.ctx, key)
	if err != nil {
		e.t.Fatalf("Next: %v", err)
	}
	return j
}

func (e *env) wantEmpty(s delivery.Store, key string) {
	e.t.Helper()
	j, err := s.Next(e.ctx, key)
	if !errors.Is(err, delivery.ErrEmpty) {
		e.t.Fatalf("Next = %s (%s), %v; want ErrEmpty", j.ID, j.State, err)
	}
}

func (e *env) wantNotFound(s delivery.Store, id string) {
	e.t.Helper()
	if j, err := s.Get(e.ctx, id); !errors.Is(err, delivery.ErrNotFound) {
		e.t.Fatalf("Get(%s) = %s, %v; want ErrNotFound", id, j.State, err)
	}
}

func (e *env) list(s delivery.Store, f delivery.Filter) []delivery.Job {
	e.t.Helper()
	jobs, err := s.List(e.ctx, f)
	if err != nil {
		e.t.Fatalf("List(%+v): %v", f, err)
	}
	return jobs
}

func ids(jobs []delivery.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func (e *env) wantIDs(what string, got []delivery.Job, want ...delivery.Job) {
	e.t.Helper()
	if g, w := ids(got), ids(want); !slices.Equal(g, w) {
		e.t.Fatalf("%s = %v, want %v", what, g, w)
	}
}

// normal makes a job comparable with reflect.DeepEqual: times in UTC without a monotonic
// reading (a store keeps the instant, not the zone).
func normal(j delivery.Job) delivery.Job {
	j.Created, j.Updated, j.Due = j.Created.UTC(), j.Updated.UTC(), j.Due.UTC()
	if j.Window != nil {
		w := *j.Window
		w.Start, w.End = w.Start.UTC(), w.End.UTC()
		j.Window = &w
	}
	return j
}

func sameJob(t *testing.T, what string, got, want delivery.Job) {
	t.Helper()
	if !reflect.DeepEqual(normal(got), normal(want)) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s differs from what was stored:\ngot  %s\nwant %s", what, g, w)
	}
}

func testAddSeq(e *env) {
	h1, h2 := e.h(), e.h()
	a := e.add(h1, e.job(keyA, 0), e.job(keyA, 1), e.job(keyA, 2))
	if !(0 < a[0].Seq && a[0].Seq < a[1].Seq && a[1].Seq < a[2].Seq) {
		e.t.Fatalf("Seqs of one Add are %d, %d, %d: want increasing in argument order", a[0].Seq, a[1].Seq, a[2].Seq)
	}
	b := e.add(h2, e.job(keyA, 3))
	if b[0].Seq <= a[2].Seq {
		e.t.Fatalf("another handle's Add got Seq %d after %d", b[0].Seq, a[2].Seq)
	}
	c := e.add(h1, e.job(keyB, 4))
	mixed := e.add(h2, e.job(keyA, 5), e.job(keyB, 6))
	if mixed[0].Seq <= b[0].Seq || mixed[1].Seq <= c[0].Seq {
		e.t.Fatalf("an Add over two keys got Seqs %d (after %d) and %d (after %d)", mixed[0].Seq, b[0].Seq, mixed[1].Seq, c[0].Seq)
	}
	for _, j := range slices.Concat(a, b, c, mixed) {
		sameJob(e.t, "Get from another handle", e.get(h2, j.ID), j)
	}
	// Above every Seq the store holds, finished jobs included.
	for _, j := range slices.Concat(a, b, mixed[:1]) {
		e.setState(h1, j, delivery.Sent)
	}
	d := e.add(h2, e.job(keyA, 7))
	if d[0].Seq <= mixed[0].Seq {
		e.t.Fatalf("Add after every job of the key finished got Seq %d, not above %d", d[0].Seq, mixed[0].Seq)
	}
}

func testAddAllOrNone(e *env) {
	h1, h2 := e.h(), e.h()
	first := e.add(h1, e.job(keyA, 0))[0]
	before := e.list(h1, delivery.Filter{})

	refuse := func(what string, jobs ...delivery.Job) {
		e.t.Helper()
		if got, err := h2.Add(e.ctx, jobs...); err == nil {
			e.t.Fatalf("Add with %s succeeded (%v); want an error and nothing stored", what, ids(got))
		}
		for _, j := range jobs {
			if j.ID != "" && j.ID != first.ID {
				e.wantNotFound(h1, j.ID)
			}
		}
		e.wantIDs("List after a refused Add", e.list(h1, delivery.Filter{}), before...)
	}
	refuse("an ID already stored", e.job(keyA, 1), first)
	twice := e.job(keyA, 2)
	refuse("one ID twice", twice, twice)
	noID := e.job(keyA, 3)
	noID.ID = ""
	refuse("a job without ID", e.job(keyA, 4), noID)
	noKey := e.job(keyB, 5)
	noKey.Key = ""
	refuse("a job without Key", e.job(keyB, 6), noKey)

	e.setState(h1, first, delivery.Sent)
	before = e.list(h1, delivery.Filter{})
	refuse("the ID of a finished job", e.job(keyA, 7), first)

	later := e.add(h2, e.job(keyA, 8))[0]
	if later.Seq <= first.Seq {
		e.t.Fatalf("Seq %d after refused Adds, not above %d", later.Seq, first.Seq)
	}
	e.wantIDs("List", e.list(h1, delivery.Filter{}), first, later)
}

func testNext(e *env) {
	h1, h2 := e.h(), e.h()
	e.wantEmpty(h1, keyA)
	jobs := e.add(h1, e.job(keyA, 0), e.job(keyA, 1), e.job(keyA, 2), e.job(keyA, 3), e.job(keyA, 4))
	other := e.add(h2, e.job(keyB, 5))[0]
	sent := e.job(keyA, 6)
	sent.State = delivery.Sent
	e.add(h2, sent)

	sameJob(e.t, "Next", e.next(h2, keyA), jobs[0])
	sameJob(e.t, "Next of another key", e.next(h1, keyB), other)
	e.wantEmpty(h1, keyC)

	e.setState(h1, jobs[0], delivery.Sent)
	if j := e.next(h2, keyA); j.ID != jobs[1].ID {
		e.t.Fatalf("Next after the first was sent = %s, want %s", j.ID, jobs[1].ID)
	}
	sending := e.setState(h2, jobs[1], delivery.Sending)
	sameJob(e.t, "Next of a job being sent (its drainer may have died)", e.next(h1, keyA), sending)
	failed := e.setState(h1, sending, delivery.Failed)
	e.setState(h1, jobs[2], delivery.Unknown)
	if j := e.next(h2, keyA); j.ID != jobs[3].ID {
		e.t.Fatalf("Next after Failed and Unknown = %s, want %s", j.ID, jobs[3].ID)
	}
	// A retried job goes back to its place: it has the lowest Seq, for every handle, those that
	// have handed out later jobs since included.
	e.next(h1, keyA)
	retried := e.setState(h1, failed, delivery.Queued)
	sameJob(e.t, "Next after a retry", e.next(h2, keyA), retried)
	sameJob(e.t, "Next after a retry", e.next(h1, keyA), retried)
	for _, j := range []delivery.Job{retried, jobs[3], jobs[4]} {
		e.setState(h1, j, delivery.Sent)
	}
	e.wantEmpty(h2, keyA) // the job added as Sent is not next
	sameJob(e.t, "Next of the other key", e.next(h2, keyB), other)
}

func testUpdateGet(e *env) {
	h1, h2 := e.h(), e.h()
	e.wantNotFound(h1, "d-nothing")
	ghost := e.job(keyA, 0)
	if err := h1.Update(e.ctx, ghost); !errors.Is(err, delivery.ErrNotFound) {
		e.t.Fatalf("Update of a job never added = %v, want ErrNotFound", err)
	}
	j := e.add(h1, e.job(keyA, 1))[0]
	code := 310000
	j.State, j.Attempts, j.Errcode, j.MaybeDelivered = delivery.Queued, 2, &code, true
	j.Error, j.Hint = "sign mismatch", "check the secret"
	j.Due, j.Updated = base.Add(time.Minute+123*time.Millisecond), base.Add(time.Second)
	e.update(h2, j)
	sameJob(e.t, "Get after Update", e.get(h1, j.ID), j)
	j.State = delivery.Failed
	e.update(h1, j)
	sameJob(e.t, "Get of a finished job", e.get(h2, j.ID), j)
	j.State, j.Attempts, j.Errcode = delivery.Queued, 0, nil
	e.update(h2, j)
	sameJob(e.t, "Get of a retried job", e.get(h1, j.ID), j)
	j.State = delivery.Sending
	e.update(h1, j)
	sameJob(e.t, "Get of a job being sent", e.get(h2, j.ID), j)
}

func testUpdateKeepsKeyAndSeq(e *env) {
	h := e.h()
	js := e.add(h, e.job(keyA, 0), e.job(keyA, 1))
	u := js[1]
	u.Seq, u.Key, u.State = js[0].Seq-1, keyB, delivery.Sending
	e.update(h, u)
	got := e.get(h, u.ID)
	if got.Seq != js[1].Seq || got.Key != keyA {
		e.t.Fatalf("Update moved the job to Key %s Seq %d; the store keeps Key %s and Seq %d", got.Key, got.Seq, keyA, js[1].Seq)
	}
	if j := e.next(h, keyA); j.ID != js[0].ID {
		e.t.Fatalf("Next = %s, want %s: an Update must not reorder a key's jobs", j.ID, js[0].ID)
	}
	e.wantEmpty(h, keyB)
}

func testList(e *env) {
	h1, h2 := e.h(), e.h()
	if got := e.list(h1, delivery.Filter{}); len(got) != 0 {
		e.t.Fatalf("List of an empty store = %v", ids(got))
	}
	a0 := e.job(keyA, 2*time.Second)
	a0.Robot = "alpha"
	a1 := e.job(keyA, 0) // created first, added later
	a1.Robot, a1.Group, a1.Part, a1.Parts = "alpha", "g-1", 1, 2
	a2 := e.job(keyA, 0) // same Created as a1: Seq decides
	a2.Robot, a2.Group, a2.Part, a2.Parts = "alpha", "g-1", 2, 2
	b0 := e.job(keyB, time.Second)
	b0.Robot = "beta"
	b1 := e.job(keyB, 3*time.Second)
	b1.Robot = "beta"
	e.add(h1, a0)
	e.add(h2, b0)
	got := e.add(h1, a1, a2)
	a1, a2 = got[0], got[1]
	e.add(h2, b1)
	a0 = e.get(h1, a0.ID)
	b0 = e.setState(h1, e.get(h1, b0.ID), delivery.Sent)
	b1 = e.setState(h2, e.get(h2, b1.ID), delivery.Failed)

	e.wantIDs("List{}", e.list(h2, delivery.Filter{}), a1, a2, b0, a0, b1)
	for i, j := range e.list(h1, delivery.Filter{}) {
		sameJob(e.t, fmt.Sprintf("List{}[%d]", i), j, e.get(h2, j.ID))
	}
	cases := []struct {
		f    delivery.Filter
		want []delivery.Job
	}{
		{delivery.Filter{States: []delivery.State{delivery.Queued}}, []delivery.Job{a1, a2, a0}},
		{delivery.Filter{States: []delivery.State{delivery.Sent, delivery.Failed}}, []delivery.Job{b0, b1}},
		{delivery.Filter{States: []delivery.State{delivery.Queued, delivery.Failed}}, []delivery.Job{a1, a2, a0, b1}},
		{delivery.Filter{States: []delivery.State{delivery.Unknown}}, nil},
		{delivery.Filter{Robot: "beta"}, []delivery.Job{b0, b1}},
		{delivery.Filter{Robot: "gamma"}, nil},
		{delivery.Filter{Key: keyA}, []delivery.Job{a1, a2, a0}},
		{delivery.Filter{Key: keyC}, nil},
		{delivery.Filter{Group: "g-1"}, []delivery.Job{a1, a2}},
		{delivery.Filter{Key: keyB, States: []delivery.State{delivery.Failed}}, []delivery.Job{b1}},
		{delivery.Filter{Robot: "alpha", States: []delivery.State{delivery.Sent}}, nil},
		{delivery.Filter{Limit: 2}, []delivery.Job{a0, b1}},
		{delivery.Filter{Limit: 1, Key: keyA}, []delivery.Job{a0}},
		{delivery.Filter{Limit: 2, States: []delivery.State{delivery.Queued}}, []delivery.Job{a2, a0}},
		{delivery.Filter{Limit: 10}, []delivery.Job{a1, a2, b0, a0, b1}},
	}
	for _, c := range cases {
		e.wantIDs(fmt.Sprintf("List(%+v)", c.f), e.list(h1, c.f), c.want...)
	}
}

func testDelete(e *env) {
	h1, h2 := e.h(), e.h()
	if err := h1.Delete(e.ctx, "d-nothing"); !errors.Is(err, delivery.ErrNotFound) {
		e.t.Fatalf("Delete of a job never added = %v, want ErrNotFound", err)
	}
	js := e.add(h1, e.job(keyA, 0), e.job(keyA, 1), e.job(keyA, 2))
	if err := h2.Delete(e.ctx, js[0].ID); err != nil {
		e.t.Fatalf("Delete: %v", err)
	}
	e.wantNotFound(h1, js[0].ID)
	if j := e.next(h1, keyA); j.ID != js[1].ID {
		e.t.Fatalf("Next after Delete = %s, want %s", j.ID, js[1].ID)
	}
	sent := e.setState(h1, js[1], delivery.Sent)
	if err := h1.Delete(e.ctx, sent.ID); err != nil {
		e.t.Fatalf("Delete of a finished job: %v", err)
	}
	e.wantNotFound(h2, sent.ID)
	if err := h2.Delete(e.ctx, sent.ID); !errors.Is(err, delivery.ErrNotFound) {
		e.t.Fatalf("second Delete = %v, want ErrNotFound", err)
	}
	if err := h2.Update(e.ctx, sent); !errors.Is(err, delivery.ErrNotFound) {
		e.t.Fatalf("Update of a deleted job = %v, want ErrNotFound", err)
	}
	e.wantIDs("List after Deletes", e.list(h2, delivery.Filter{}), js[2])
	if err := h2.Delete(e.ctx, js[2].ID); err != nil {
		e.t.Fatal(err)
	}
	e.wantEmpty(h1, keyA)
	if keys, err := h1.Pending(e.ctx); err != nil || len(keys) != 0 {
		e.t.Fatalf("Pending after every job was deleted = %v, %v", keys, err)
	}
}

func (e *env) wantPending(s delivery.Store, want ...string) {
	e.t.Helper()
	got, err := s.Pending(e.ctx)
	if err != nil {
		e.t.Fatalf("Pending: %v", err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		e.t.Fatalf("Pending = %v, want %v", got, want)
	}
}

func testPending(e *env) {
	h1, h2 := e.h(), e.h()
	e.wantPending(h1)
	a := e.add(h1, e.job(keyA, 0), e.job(keyA, 1))
	b := e.add(h2, e.job(keyB, 2))[0]
	sent := e.job(keyC, 3)
	sent.State = delivery.Sent
	e.add(h2, sent)
	e.wantPending(h1, keyA, keyB)
	e.setState(h1, b, delivery.Sent)
	e.wantPending(h2, keyA)
	e.setState(h2, a[0], delivery.Sending)
	e.setState(h2, a[1], delivery.Failed)
	e.wantPending(h1, keyA) // a job being sent is unfinished
	e.setState(h1, e.get(h1, a[0].ID), delivery.Unknown)
	e.wantPending(h2)
}

func testPrune(e *env) {
	h1, h2 := e.h(), e.h()
	old, cut, recent := base.Add(-time.Hour), base, base.Add(time.Hour)
	mk := func(key string, state delivery.State, updated time.Time) delivery.Job {
		j := e.job(key, 0)
		j = e.add(h1, j)[0]
		j.State, j.Updated = state, updated
		e.update(h2, j)
		return j
	}
	oldSent := mk(keyA, delivery.Sent, old)
	oldFailed := mk(keyB, delivery.Failed, old)
	oldUnknown := mk(keyA, delivery.Unknown, old)
	oldQueued := mk(keyA, delivery.Queued, old)
	oldSending := mk(keyB, delivery.Sending, old)
	newSent := mk(keyA, delivery.Sent, recent)
	edge := mk(keyB, delivery.Sent, cut) // not before cut: kept

	n, err := h2.Prune(e.ctx, cut)
	if err != nil || n != 3 {
		e.t.Fatalf("Prune = %d, %v; want 3 (old sent, failed, unknown)", n, err)
	}
	for _, j := range []delivery.Job{oldSent, oldFailed, oldUnknown} {
		e.wantNotFound(h1, j.ID)
	}
	for _, j := range []delivery.Job{oldQueued, oldSending, newSent, edge} {
		sameJob(e.t, "a job Prune keeps", e.get(h1, j.ID), j)
	}
	if n, err := h1.Prune(e.ctx, cut); err != nil || n != 0 {
		e.t.Fatalf("second Prune = %d, %v; want 0", n, err)
	}
	if j := e.add(h2, e.job(keyA, 0))[0]; j.Seq <= newSent.Seq {
		e.t.Fatalf("Seq %d after Prune, not above %d", j.Seq, newSent.Seq)
	}
}

func (e *env) lock(s delivery.Store, key string) (context.Context, func(), bool) {
	e.t.Helper()
	held, unlock, ok, err := s.Lock(e.ctx, key)
	if err != nil {
		e.t.Fatalf("Lock: %v", err)
	}
	if ok && (held == nil || unlock == nil) {
		e.t.Fatal("Lock returned ok with a nil context or unlock")
	}
	return held, unlock, ok
}

func ended(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

func testLock(e *env) {
	h1, h2 := e.h(), e.h()
	held, unlock, ok := e.lock(h1, keyA)
	if !ok {
		e.t.Fatal("first Lock not granted")
	}
	if _, _, ok := e.lock(h2, keyA); ok {
		e.t.Fatal("a second handle locked a key another holds")
	}
	if _, _, ok := e.lock(h1, keyA); ok {
		e.t.Fatal("the same handle locked a key twice: two drainers")
	}
	heldB, unlockB, ok := e.lock(h2, keyB)
	if !ok {
		e.t.Fatal("Lock of another key not granted")
	}
	if held.Err() != nil || heldB.Err() != nil {
		e.t.Fatal("a held lock's context ended")
	}
	unlock()
	if !ended(held) {
		e.t.Fatal("the held context did not end at unlock")
	}
	unlock() // harmless
	held2, unlock2, ok := e.lock(h2, keyA)
	if !ok {
		e.t.Fatal("Lock not granted after unlock")
	}
	if _, _, ok := e.lock(h1, keyB); ok {
		e.t.Fatal("unlocking one key released another")
	}
	unlock2()
	unlockB()
	if !ended(held2) || !ended(heldB) {
		e.t.Fatal("held contexts did not end at unlock")
	}
	_, unlock3, ok := e.lock(h1, keyB)
	if !ok {
		e.t.Fatal("Lock not granted after unlock")
	}
	unlock3()
}

func testLockReleasedOnClose(e *env) {
	h1, close1 := e.handle()
	h2 := e.h()
	held, _, ok := e.lock(h1, keyA)
	if !ok {
		e.t.Fatal("first Lock not granted")
	}
	if _, _, ok := e.lock(h2, keyA); ok {
		e.t.Fatal("a second handle locked a key another holds")
	}
	close1() // the holder goes away without unlocking, as a dead process does
	if !ended(held) {
		e.t.Fatal("the held context did not end when its handle closed")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, unlock, ok := e.lock(h2, keyA)
		if ok {
			unlock()
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the lock of a closed handle was never released")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testConcurrentAdd(e *env) {
	const handles, workers, adds = 3, 3, 6
	hs := make([]delivery.Store, handles)
	for i := range hs {
		hs[i] = e.h()
	}
	var (
		mu    sync.Mutex
		all   []delivery.Job
		wg    sync.WaitGroup
		errs  = make(chan error, handles*workers)
		batch = make([][]delivery.Job, handles*workers*adds)
	)
	for i := range batch { // made here: e.job is not safe for concurrent use
		key := keyA
		if i%3 == 2 {
			key = keyB
		}
		batch[i] = []delivery.Job{e.job(key, time.Duration(i))}
		if i%2 == 1 {
			batch[i] = append(batch[i], e.job(key, time.Duration(i)))
		}
	}
	for w := range handles * workers {
		s := hs[w%handles]
		wg.Go(func() {
			last := map[string]int64{}
			for n := range adds {
				got, err := s.Add(e.ctx, batch[w*adds+n]...)
				if err != nil {
					errs <- err
					return
				}
				for _, j := range got {
					if j.Seq <= last[j.Key] {
						errs <- fmt.Errorf("worker %d got Seq %d after %d for one key", w, j.Seq, last[j.Key])
						return
					}
					last[j.Key] = j.Seq
				}
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	stored := e.list(hs[0], delivery.Filter{})
	if len(stored) != len(all) {
		e.t.Fatalf("%d jobs added, %d stored", len(all), len(stored))
	}
	seqs := map[string]map[int64]string{}
	for _, j := range stored {
		if seqs[j.Key] == nil {
			seqs[j.Key] = map[int64]string{}
		}
		if other, dup := seqs[j.Key][j.Seq]; dup {
			e.t.Fatalf("jobs %s and %s share Seq %d", other, j.ID, j.Seq)
		}
		seqs[j.Key][j.Seq] = j.ID
	}
	// Drained in Seq order, every one.
	for _, key := range []string{keyA, keyB} {
		var prev int64
		n := 0
		for {
			j, err := hs[n%handles].Next(e.ctx, key)
			if errors.Is(err, delivery.ErrEmpty) {
				break
			}
			if err != nil {
				e.t.Fatal(err)
			}
			if j.Seq <= prev {
				e.t.Fatalf("Next gave Seq %d after %d", j.Seq, prev)
			}
			prev = j.Seq
			e.setState(hs[(n+1)%handles], j, delivery.Sent)
			n++
		}
		if n != len(seqs[key]) {
			e.t.Fatalf("drained %d jobs of a key, %d were added", n, len(seqs[key]))
		}
	}
}

// messages has one message of every type, each field set.
func messages() []dingtalk.Message {
	return []dingtalk.Message{
		{Type: dingtalk.TypeText, Text: &dingtalk.Text{Content: "disk full on db-1 \u544a\u8b66 \U0001F525"},
			At: &dingtalk.At{AtMobiles: []string{"13800000000", "+86-13900000000"}}},
		{Type: dingtalk.TypeMarkdown, Markdown: &dingtalk.Markdown{Title: "deploy", Text: "# done\n\n```go\nfmt.Println(1)\n```\n| a | b |\n|---|---|\n"},
			At: &dingtalk.At{AtUserIDs: []string{"user1"}, IsAtAll: true}, MsgUUID: "m-md"},
		{Type: dingtalk.TypeLink, Link: &dingtalk.Link{Title: "t", Text: "x", MessageURL: "https://example.com/a?b=c&d=e", PicURL: "https://example.com/p.png"}},
		{Type: dingtalk.TypeActionCard, ActionCard: &dingtalk.ActionCard{Title: "t", Text: "x", SingleTitle: "open", SingleURL: "https://example.com", BtnOrientation: dingtalk.ButtonsHorizontal, HideAvatar: "1"}},
		{Type: dingtalk.TypeActionCard, ActionCard: &dingtalk.ActionCard{Title: "t", Text: "x", Buttons: []dingtalk.Button{{Title: "yes", ActionURL: "https://example.com/y"}, {Title: "no", ActionURL: "https://example.com/n"}}, BtnOrientation: dingtalk.ButtonsVertical}},
		{Type: dingtalk.TypeFeedCard, FeedCard: &dingtalk.FeedCard{Links: []dingtalk.FeedLink{{Title: "a", MessageURL: "https://example.com/1", PicURL: "https://example.com/1.png"}, {Title: "b", MessageURL: "https://example.com/2", PicURL: "https://example.com/2.png"}}}},
	}
}

// filled returns a job with every field set (found by reflection, so a field added to Job is
// covered the day it is added).
func (e *env) filled(key string) delivery.Job {
	var j delivery.Job
	fill(reflect.ValueOf(&j).Elem(), "job")
	base := e.job(key, 0)
	j.ID, j.Key, j.State, j.Seq = base.ID, key, delivery.Queued, 0
	return j
}

var fillTime = time.Date(2026, 12, 31, 23, 59, 58, 123_000_000, dingtalk.ChinaTime)

func fill(v reflect.Value, path string) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(fillTime))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s-" + path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), fmt.Sprintf("%s%d", path, i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, val := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, path+"k")
		fill(val, path+"v")
		v.SetMapIndex(k, val)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	}
}

func testRoundTrip(e *env) {
	h1, h2 := e.h(), e.h()
	zero, code := 0, 410100
	var jobs []delivery.Job
	for i, m := range messages() {
		j := e.job(keyA, time.Duration(i)*time.Millisecond)
		j.Msg, j.MsgUUID = m, fmt.Sprintf("uuid-%d", i)
		j.AppendKeyword, j.Force = i%2 == 0, i%3 == 0
		j.Created = time.Date(2026, 11, 19, 18, 0, 0, int(i)*int(time.Millisecond), dingtalk.ChinaTime)
		j.Due = time.Time{}
		switch i {
		case 1:
			j.Errcode = &zero // answered 0: not the same as no answer
		case 2:
			j.Errcode = &code
		}
		jobs = append(jobs, j)
	}
	jobs = append(jobs, e.filled(keyA))
	stored := e.add(h1, jobs[:3]...)
	for _, j := range jobs[3:] {
		stored = append(stored, e.add(h2, j)...)
	}
	for i, j := range stored {
		got := e.get(h2, j.ID)
		sameJob(e.t, fmt.Sprintf("Get of job %d", i), got, j)
		if (got.Errcode == nil) != (jobs[i].Errcode == nil) {
			e.t.Fatalf("job %d: Errcode %v came back as %v", i, jobs[i].Errcode, got.Errcode)
		}
	}
	for i, j := range e.list(h1, delivery.Filter{}) {
		sameJob(e.t, fmt.Sprintf("List[%d]", i), j, stored[i])
	}
	// Through Next and Update, queued and finished.
	for i := range stored {
		n := e.next(h2, keyA)
		sameJob(e.t, fmt.Sprintf("Next %d", i), n, stored[i])
		n.State, n.Attempts, n.Updated = delivery.Sending, n.Attempts+1, n.Updated.Add(1500*time.Microsecond)
		e.update(h1, n)
		sameJob(e.t, "Get of a job being sent", e.get(h2, n.ID), n)
		n.State, n.Errcode = delivery.Sent, &zero
		e.update(h2, n)
		got := e.get(h1, n.ID)
		sameJob(e.t, "Get of a sent job", got, n)
		if got.Errcode == nil || *got.Errcode != 0 {
			e.t.Fatalf("errcode 0 came back as %v", got.Errcode)
		}
	}
}

// held returns a fresh Held job for key, waiting for the digest window of route that ends at
// base+end.
func (e *env) held(key, route string, created, end time.Duration) delivery.Job {
	j := e.job(key, created)
	j.State = delivery.Held
	j.Window = &delivery.Window{Route: route, Start: base.Add(end - time.Minute), End: base.Add(end)}
	j.Due = base.Add(end + time.Second)
	return j
}

// testHeld: a Held job is out of its robot's queue (Next and Pending skip it, whatever its
// Seq), listed by its state from every handle, and moves to Digested (finished) or back into
// the queue at its Seq.
func testHeld(e *env) {
	h1, h2 := e.h(), e.h()
	first := e.add(h1, e.held(keyA, "/alerts", 0, time.Minute))[0]
	e.wantEmpty(h2, keyA)
	e.wantPending(h2)
	jobs := e.add(h2, e.job(keyA, 1), e.held(keyA, "/alerts", 2, time.Minute), e.job(keyA, 3))
	queued, second, last := jobs[0], jobs[1], jobs[2]
	other := e.add(h1, e.held(keyB, "/git", 4, 2*time.Minute))[0]
	if !(first.Seq < queued.Seq && queued.Seq < second.Seq && second.Seq < last.Seq) {
		e.t.Fatalf("Seqs %d, %d, %d, %d: held jobs take Seqs as queued ones do", first.Seq, queued.Seq, second.Seq, last.Seq)
	}
	e.wantPending(h1, keyA)
	sameJob(e.t, "Next with a held job first", e.next(h1, keyA), queued)
	sameJob(e.t, "Get of a held job", e.get(h2, first.ID), first)

	e.wantIDs("List of held jobs", e.list(h1, delivery.Filter{States: []delivery.State{delivery.Held}}), first, second, other)
	e.wantIDs("List of a robot's held jobs", e.list(h2, delivery.Filter{Key: keyA, States: []delivery.State{delivery.Held}}), first, second)
	e.wantIDs("List of queued jobs", e.list(h2, delivery.Filter{States: []delivery.State{delivery.Queued}}), queued, last)
	e.wantIDs("List of everything", e.list(h2, delivery.Filter{}), first, queued, second, last, other)
	for i, j := range e.list(h2, delivery.Filter{States: []delivery.State{delivery.Held}}) {
		sameJob(e.t, fmt.Sprintf("List of held jobs [%d]", i), j, []delivery.Job{first, second, other}[i])
	}

	// Claimed by a summary, still held.
	first.Digest, first.Updated = "s-1", first.Updated.Add(time.Second)
	e.update(h2, first)
	sameJob(e.t, "Get of a claimed held job", e.get(h1, first.ID), first)
	e.setState(h1, queued, delivery.Sent)
	sameJob(e.t, "Next after the queued one was sent", e.next(h2, keyA), last)
	e.setState(h2, last, delivery.Sent)
	e.wantEmpty(h1, keyA)
	e.wantPending(h2)

	// Digested: finished, out of the held list.
	first = e.setState(h1, first, delivery.Digested)
	sameJob(e.t, "Get of a digested job", e.get(h2, first.ID), first)
	e.wantIDs("List of held jobs after one was digested", e.list(h2, delivery.Filter{States: []delivery.State{delivery.Held}}), second, other)
	e.wantIDs("List of digested jobs", e.list(h1, delivery.Filter{States: []delivery.State{delivery.Digested}}), first)
	e.wantEmpty(h2, keyA)

	// Back into the queue (its summary could not carry it): at its own Seq, first.
	later := e.add(h1, e.job(keyA, 5))[0]
	requeued := e.setState(h2, second, delivery.Queued)
	sameJob(e.t, "Next after a held job was queued", e.next(h1, keyA), requeued)
	e.wantPending(h1, keyA)
	// And held again from the queue.
	held := e.setState(h1, requeued, delivery.Held)
	sameJob(e.t, "Next after a queued job was held", e.next(h2, keyA), later)
	sameJob(e.t, "Get of a job held again", e.get(h2, held.ID), held)
	e.wantIDs("List of held jobs", e.list(h2, delivery.Filter{States: []delivery.State{delivery.Held}}), held, other)

	// Deleted (dropped from its digest).
	if err := h2.Delete(e.ctx, other.ID); err != nil {
		e.t.Fatalf("Delete of a held job: %v", err)
	}
	e.wantNotFound(h1, other.ID)
	e.wantIDs("List of held jobs after a Delete", e.list(h1, delivery.Filter{States: []delivery.State{delivery.Held}}), held)
}

// testHeldPrune: Prune never deletes a Held job, however old; once Digested it is finished.
func testHeldPrune(e *env) {
	h1, h2 := e.h(), e.h()
	old, cut := base.Add(-time.Hour), base
	j := e.add(h1, e.held(keyA, "/alerts", 0, time.Minute))[0]
	j.Updated = old
	e.update(h1, j)
	sent := e.add(h1, e.job(keyA, 1))[0]
	sent.State, sent.Updated = delivery.Sent, old
	e.update(h2, sent)
	if n, err := h2.Prune(e.ctx, cut); err != nil || n != 1 {
		e.t.Fatalf("Prune = %d, %v; want 1 (the sent job, not the held one)", n, err)
	}
	sameJob(e.t, "a held job after Prune", e.get(h1, j.ID), j)
	e.wantIDs("List of held jobs after Prune", e.list(h2, delivery.Filter{States: []delivery.State{delivery.Held}}), j)
	j.State, j.Digest = delivery.Digested, "s-1"
	e.update(h2, j)
	if n, err := h1.Prune(e.ctx, cut); err != nil || n != 1 {
		e.t.Fatalf("Prune after it was digested = %d, %v; want 1", n, err)
	}
	e.wantNotFound(h2, j.ID)
}

// testAddExists: an Add of an ID already stored, in any state, fails with ErrExists.
func testAddExists(e *env) {
	h1, h2 := e.h(), e.h()
	queued := e.add(h1, e.job(keyA, 0))[0]
	held := e.add(h1, e.held(keyA, "/alerts", 1, time.Minute))[0]
	sent := e.add(h1, e.job(keyB, 2))[0]
	e.setState(h1, sent, delivery.Sent)
	for _, j := range []delivery.Job{queued, held, sent} {
		again := j
		again.Seq = 0
		if _, err := h2.Add(e.ctx, again); !errors.Is(err, delivery.ErrExists) {
			e.t.Fatalf("Add of %s job %s again: %v, want ErrExists", j.State, j.ID, err)
		}
		if _, err := h2.Add(e.ctx, e.job(keyC, 3), again); !errors.Is(err, delivery.ErrExists) {
			e.t.Fatalf("Add of %s job %s again in a batch: %v, want ErrExists", j.State, j.ID, err)
		}
	}
	e.wantIDs("List after refused Adds", e.list(h2, delivery.Filter{}), queued, held, sent)
}

// RunMeter checks a dingtalk.Meter the same way: newMeter is called once per subtest and
// returns open, whose every call is a new handle on that subtest's meter. Handles that are
// io.Closers are closed at the end of the subtest.
func RunMeter(t *testing.T, newMeter func(t *testing.T) (open func() dingtalk.Meter)) {
	tests := []struct {
		name string
		run  func(*meterEnv)
	}{
		{"Count", testCount},
		{"Pause", testPause},
		{"ConcurrentCount", testConcurrentCount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(&meterEnv{t: t, open: newMeter(t), ctx: t.Context()})
		})
	}
}

type meterEnv struct {
	t    *testing.T
	open func() dingtalk.Meter
	ctx  context.Context
}

func (e *meterEnv) h() dingtalk.Meter {
	e.t.Helper()
	m := e.open()
	if m == nil {
		e.t.Fatal("open returned a nil Meter")
	}
	if c, ok := m.(interface{ Close() error }); ok {
		e.t.Cleanup(func() { _ = c.Close() })
	}
	return m
}

func (e *meterEnv) count(m dingtalk.Meter, key, month string, robot, org int) {
	e.t.Helper()
	r, o, err := m.Count(e.ctx, key, month)
	if err != nil || r != robot || o != org {
		e.t.Fatalf("Count(%s, %s) = %d, %d, %v; want %d, %d", key, month, r, o, err, robot, org)
	}
}

func (e *meterEnv) used(m dingtalk.Meter, key, month string, robot, org int) {
	e.t.Helper()
	r, o, err := m.Used(e.ctx, key, month)
	if err != nil || r != robot || o != org {
		e.t.Fatalf("Used(%s, %s) = %d, %d, %v; want %d, %d", key, month, r, o, err, robot, org)
	}
}

func testCount(e *meterEnv) {
	h1, h2 := e.h(), e.h()
	now := base
	m1, m2 := dingtalk.QuotaMonth(now), dingtalk.QuotaMonth(dingtalk.NextQuotaMonth(now))
	e.used(h1, keyA, m1, 0, 0)
	e.count(h1, keyA, m1, 1, 1)
	e.count(h2, keyA, m1, 2, 2)
	e.count(h1, keyB, m1, 1, 3)
	e.used(h2, keyA, m1, 2, 3)
	e.used(h1, keyB, m1, 1, 3)
	e.used(h2, keyC, m1, 0, 3)
	e.count(h2, keyA, m2, 1, 1) // another month starts from zero
	e.used(h1, keyA, m2, 1, 1)
	e.used(h1, keyB, m2, 0, 1)
	e.used(h2, keyA, m1, 2, 3) // and leaves the first alone
}

func samePause(t *testing.T, what string, got, want dingtalk.Pause) {
	t.Helper()
	if !got.Until.Equal(want.Until) || got.Errcode != want.Errcode || got.Reason != want.Reason {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}

func testPause(e *meterEnv) {
	h1, h2 := e.h(), e.h()
	now := base
	paused := func(m dingtalk.Meter, key string, at time.Time) dingtalk.Pause {
		e.t.Helper()
		p, err := m.Paused(e.ctx, key, at)
		if err != nil {
			e.t.Fatalf("Paused: %v", err)
		}
		return p
	}
	pause := func(m dingtalk.Meter, key string, p dingtalk.Pause) {
		e.t.Helper()
		if err := m.Pause(e.ctx, key, p); err != nil {
			e.t.Fatalf("Pause: %v", err)
		}
	}
	samePause(e.t, "Paused before any pause", paused(h1, keyA, now), dingtalk.Pause{})
	throttled := dingtalk.Pause{Until: now.Add(10*time.Minute + 250*time.Millisecond), Errcode: 410100, Reason: "DingTalk throttled the robot"}
	pause(h1, keyA, throttled)
	samePause(e.t, "Paused from another handle", paused(h2, keyA, now), throttled)
	samePause(e.t, "Paused just before its end", paused(h2, keyA, throttled.Until.Add(-time.Millisecond)), throttled)
	samePause(e.t, "Paused at its end", paused(h1, keyA, throttled.Until), dingtalk.Pause{})
	samePause(e.t, "Paused after its end", paused(h1, keyA, now.Add(time.Hour)), dingtalk.Pause{})
	samePause(e.t, "Paused of another key", paused(h2, keyB, now), dingtalk.Pause{})

	pause(h2, keyA, dingtalk.Pause{Until: now.Add(5 * time.Minute), Errcode: 130101, Reason: "shorter"})
	samePause(e.t, "Paused after a shorter pause", paused(h1, keyA, now), throttled)
	month := dingtalk.Pause{Until: dingtalk.NextQuotaMonth(now), Errcode: 90030, Reason: "over the monthly limit"}
	pause(h2, keyA, month)
	samePause(e.t, "Paused after a longer pause", paused(h1, keyA, now), month)

	// An expired pause is no pause, and a new one replaces it.
	pause(h1, keyB, dingtalk.Pause{Until: now.Add(-time.Minute), Errcode: 410100, Reason: "old"})
	samePause(e.t, "Paused of an expired pause", paused(h2, keyB, now), dingtalk.Pause{})
	fresh := dingtalk.Pause{Until: now.Add(time.Minute), Errcode: 130101, Reason: "new"}
	pause(h2, keyB, fresh)
	samePause(e.t, "Paused after an expired one", paused(h1, keyB, now), fresh)

	org := dingtalk.Pause{Until: now.Add(time.Hour), Errcode: 90030, Reason: "organisation"}
	pause(h1, dingtalk.OrgKey, org)
	samePause(e.t, "Paused of OrgKey", paused(h2, dingtalk.OrgKey, now), org)
	samePause(e.t, "Paused of a key after OrgKey paused", paused(h2, keyC, now), dingtalk.Pause{})
}

func testConcurrentCount(e *meterEnv) {
	const handles, workers, counts = 3, 4, 10
	hs := make([]dingtalk.Meter, handles)
	for i := range hs {
		hs[i] = e.h()
	}
	month := dingtalk.QuotaMonth(base)
	keys := []string{keyA, keyB}
	var (
		mu       sync.Mutex
		robotSaw = map[string][]int{}
		orgSaw   []int
		wg       sync.WaitGroup
		errs     = make(chan error, handles*workers)
	)
	for w := range handles * workers {
		m, key := hs[w%handles], keys[w%len(keys)]
		wg.Go(func() {
			for range counts {
				r, o, err := m.Count(e.ctx, key, month)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				robotSaw[key] = append(robotSaw[key], r)
				orgSaw = append(orgSaw, o)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	total := handles * workers * counts
	perKey := total / len(keys)
	for _, k := range keys {
		e.used(hs[0], k, month, perKey, total)
		// Each Count is atomic: it saw its own increment and no one else's twice.
		saw := robotSaw[k]
		slices.Sort(saw)
		for i, n := range saw {
			if n != i+1 {
				e.t.Fatalf("the counts one key's Count calls returned are not 1..%d: %v", perKey, saw)
			}
		}
	}
	slices.Sort(orgSaw)
	for i, n := range orgSaw {
		if n != i+1 {
			e.t.Fatalf("the organisation counts Count returned are not 1..%d: %v", total, orgSaw)
		}
	}
}
