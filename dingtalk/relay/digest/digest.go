// Package digest turns a burst of relayed messages into one summary per interval: with
// digest = "60s" on a route, what the route posts for one robot within a minute goes out as
// one message instead of running into DingTalk's 20 a minute.
//
//	d := digest.New(ob, digest.Options{})      // ob: the relay's *delivery.Outbox
//	go d.Run(ctx)                               // next to ob.Run: queues each window's summary
//	job, err := d.Hold(ctx, "/alertmanager", "ops", time.Minute, msg, delivery.SubmitOptions{AppendKeyword: true})
//	// job is stored, State delivery.Held: acknowledge the sender now. job.Due is when its
//	// window's summary is queued.
//
// Hold has the signature of the relay's Holder, so a *Digester is what the relay's Options take.
// FlushOnce does one pass of Run (tests with a fake clock, a one-shot command), and SummaryID
// names the summary job of a window.
//
// # Windows
//
// Windows are aligned: a message held at time t for interval every belongs to the window
// [t.Truncate(every), that + every) of its route and robot, the same on every host. Grace
// (Options.Grace) after a window ends, its summary is queued in the outbox: a window that
// held one message queues that message as it was, with its own msgUuid; several make ONE
// markdown message, titled "7 messages from /alertmanager", a summary: a heading that gives
// the count, the route and the window with its date and zone ("7 messages from /alertmanager,
// 12-01 14:02–14:03 CST", in Options.Location), then one numbered line per message in the
// order they came, its title linked to its first link, then the people the messages mention,
// once each (at most dingtalk.MaxMentions notified, the first ones; the text says how many
// more it names), the robot's keyword appended if any message asked for that, split into
// parts by the outbox when it is too large for one request. A
// summary the robot's rules refuse (its keywords changed since the messages were held) fails
// its messages, each of which `dingbot outbox retry` then sends on its own.
//
// A message whose Hold returned after its window's summary was queued (late by more than
// Grace: a stalled sender or store, a relay whose clock lags) is neither lost nor sent on its
// own: it moves to the next window whose summary is not queued yet, usually the one open, and
// goes out in that window's summary. Its Job.Due, as Hold returned it, is then too early.
//
// # Exactly once, across relays and crashes
//
// Held messages are jobs in the outbox's store, in state delivery.Held, with their
// delivery.Window: a Hold is acknowledged once its job is stored, and from then on its content
// goes out exactly once, in one summary, whatever process flushes its window and wherever
// that process dies. Flushing a window of a route and robot works under the store's lock on a
// key of that route and robot (Store.Lock: one relay at a time, across processes and hosts),
// in three steps, each of which can be cut short and done again:
//
//  1. Claim: each held job of the window is updated to name, in Job.Digest, the summary that
//     will carry it. The summary's ID is deterministic: "dg-<window end>-<route and robot
//     hash>".
//  2. Queue: the summary is built from the jobs that name it, and submitted with that ID
//     (delivery.SubmitOptions.ID). An ID already stored means an earlier flush got this far.
//  3. Mark: the jobs that name it become delivery.Digested (finished).
//
// Every flush starts from the store, not from memory: jobs that name a summary already stored
// went out in it and are marked; jobs that name a summary not stored yet are claimed and go
// into it, with the rest of their window; unclaimed jobs of a window whose summary is stored
// came late and move to a later window. So a flush killed after step 1 sends everything it
// had claimed in its successor's summary, one killed after step 2 leaves a summary that the
// next flush finds and marks, and no job is ever in two summaries: a job is claimed only while
// its summary is not stored, and a summary is built only from the jobs that claim it. Run
// flushes, when it starts, every window left over from before a crash.
//
// The store's lock makes flushes of one route and robot take turns. The spool's lock is a file
// lock held until its process dies; Redis's is a lease, so a relay stalled longer than the
// lease (15 s) in the middle of a flush could overlap the next one: Run checks the lock before
// it queues a summary.
package digest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// Defaults of Options.
const (
	DefaultGrace = 2 * time.Second
	DefaultPoll  = 2 * time.Second
)

// Options configure a Digester.
type Options struct {
	// Now is the clock; nil means time.Now. Windows are computed from it.
	Now func() time.Time
	// Grace is how long after a window ends its summary is queued, so that Holds still under
	// way at its end land in it (default DefaultGrace).
	Grace time.Duration
	// Poll is how often Run looks for windows held by other processes, a relay that died with
	// held messages among them (default DefaultPoll). Windows of this process's own Holds are
	// flushed on time whatever Poll is.
	Poll time.Duration
	// Location is the time zone of the times in a summary's heading; nil means China time
	// (dingtalk.ChinaTime, UTC+8 "CST"), as the built-in templates write times.
	Location *time.Location
	// Logf, if set, is told what the digester does (robot names and routes, never a secret).
	Logf func(format string, args ...any)
}

// Digester holds messages for digests and queues their summaries. Its methods are safe for
// concurrent use, and any number of Digesters, in this and other processes, may share one
// store: each window is summarised once.
type Digester struct {
	ob    *delivery.Outbox
	store delivery.Store
	o     Options

	wake    chan struct{}
	mu      sync.Mutex
	soonest time.Time // the earliest Due of this process's Holds that Run may not have seen
}

// New returns a Digester that holds messages in ob's store and queues summaries through ob.
func New(ob *delivery.Outbox, o Options) *Digester {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Location == nil {
		o.Location = dingtalk.ChinaTime
	}
	return &Digester{ob: ob, store: ob.Store(), o: o, wake: make(chan struct{}, 1)}
}

// Hold stores m for robot's digest of route, every being the digest's interval, and returns the
// held job once it is safely stored: from then on its content goes out, once, in a summary,
// even if this process dies. m is checked for robot now, as delivery.Outbox.Submit checks it
// (so.Split lets a message too large for one request through: the summary is split). Job.Due
// is when the summary of its window is to be queued: the window's end plus Options.Grace.
func (d *Digester) Hold(ctx context.Context, route, robot string, every time.Duration, m dingtalk.Message, so delivery.SubmitOptions) (delivery.Job, error) {
	if every <= 0 {
		return delivery.Job{}, fmt.Errorf("digest of %s: the interval must be positive, not %v", route, every)
	}
	start := d.o.Now().Truncate(every)
	w := delivery.Window{Route: route, Start: start, End: start.Add(every)}
	j, err := d.ob.Hold(ctx, robot, m, so, w, w.End.Add(d.o.Grace))
	if err != nil {
		return delivery.Job{}, err
	}
	d.mu.Lock()
	if d.soonest.IsZero() || j.Due.Before(d.soonest) {
		d.soonest = j.Due
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
	d.mu.Unlock()
	return j, nil
}

// Run queues the summaries of windows as they end, until ctx ends, and returns ctx's error. It
// starts with the windows that ended while no relay ran (a crash, a restart). Failures are
// told to Options.Logf and tried again.
func (d *Digester) Run(ctx context.Context) error {
	var lastErr string
	for {
		now := d.o.Now()
		d.mu.Lock()
		if !d.soonest.IsZero() && !d.soonest.After(now) {
			d.soonest = time.Time{} // due now: this pass takes it
		}
		d.mu.Unlock()
		next, err := d.FlushOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != lastErr:
			d.logf("digest: %v", err) // once per distinct error, not once a poll
			lastErr = err.Error()
		case err == nil && lastErr != "":
			d.logf("digest: flushing works again after: %s", lastErr)
			lastErr = ""
		}
		d.mu.Lock()
		if s := d.soonest; !s.IsZero() && (next.IsZero() || s.Before(next)) {
			next = s
		}
		d.mu.Unlock()
		wait := d.o.Poll
		if !next.IsZero() {
			wait = min(max(next.Sub(d.o.Now()), 5*time.Millisecond), wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-d.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// FlushOnce queues the summary of every window that has ended (by Options.Now, plus Grace) and
// settles the flushes that died half-way, then returns when the next window ends (zero when
// nothing is held). A window another relay is flushing right now is left to it.
func (d *Digester) FlushOnce(ctx context.Context) (next time.Time, err error) {
	now := d.o.Now()
	held, err := d.store.List(ctx, delivery.Filter{States: []delivery.State{delivery.Held}})
	if err != nil {
		return time.Time{}, fmt.Errorf("list held messages: %w", err)
	}
	soon := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	var groups []group
	for _, j := range held {
		if j.Window == nil {
			continue // held by something else than a digester: not ours to send
		}
		g := group{route: j.Window.Route, robot: j.Robot}
		if j.Digest == "" && j.Due.After(now) {
			soon(j.Due)
			continue
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	var errs []error
	for _, g := range groups {
		due, busy, err := d.flushGroup(ctx, g, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of %s for robot %s: %w", g.route, g.robot, err))
		}
		if busy || err != nil {
			due = now.Add(min(d.o.Poll, 250*time.Millisecond)) // another relay has it: look again soon
		}
		if !due.IsZero() {
			soon(due)
		}
	}
	return next, errors.Join(errs...)
}

// group is the messages of one route for one robot: the unit of the store's lock.
type group struct{ route, robot string }

func (g group) hash() string {
	h := sha256.Sum256([]byte(g.route + "\x00" + g.robot))
	return hex.EncodeToString(h[:])
}

// lockKey is the key of g's lock in the store: no robot's key (a RobotKey is 32 hex digits),
// and a valid file name.
func (g group) lockKey() string { return "dgl-" + g.hash()[:32] }

// SummaryID is the ID of the summary job of the window of route and robot that ends at end:
// every relay computes the same. A summary split into parts has IDs SummaryID-1, -2, …
func SummaryID(route, robot string, end time.Time) string {
	return "dg-" + end.UTC().Format("20060102T150405.000") + "-" + group{route, robot}.hash()[:16]
}

// summary is one summary being settled: the held jobs that name it, and the unclaimed ones of
// its window that are due.
type summary struct {
	id      string
	claimed []delivery.Job
	open    []delivery.Job
}

// flushGroup flushes g's windows that are due, under g's lock. busy says another relay holds
// it; due is the Due of the jobs it moved to a later window.
func (d *Digester) flushGroup(ctx context.Context, g group, now time.Time) (due time.Time, busy bool, err error) {
	held, unlock, ok, err := d.store.Lock(ctx, g.lockKey())
	if err != nil {
		return time.Time{}, false, err
	}
	if !ok {
		return time.Time{}, true, nil
	}
	defer unlock()
	// Read again under the lock: what the last flush left is what counts.
	jobs, err := d.store.List(held, delivery.Filter{States: []delivery.State{delivery.Held}, Robot: g.robot})
	if err != nil {
		return time.Time{}, false, err
	}
	sums := map[string]*summary{}
	for _, j := range jobs {
		if j.Window == nil || j.Window.Route != g.route {
			continue
		}
		id := j.Digest
		if id == "" {
			if j.Due.After(now) {
				continue
			}
			id = SummaryID(g.route, g.robot, j.Window.End)
		}
		s := sums[id]
		if s == nil {
			s = &summary{id: id}
			sums[id] = s
		}
		if j.Digest != "" {
			s.claimed = append(s.claimed, j)
		} else {
			s.open = append(s.open, j)
		}
	}
	ids := make([]string, 0, len(sums))
	for id := range sums {
		ids = append(ids, id)
	}
	slices.Sort(ids) // by window end: the IDs of one group differ only there
	var errs []error
	for i := 0; i < len(ids) && held.Err() == nil; i++ {
		moved, err := d.flush(held, g, sums[ids[i]], now)
		if err != nil {
			errs = append(errs, err)
		}
		// Late ones go to a later window: flushed in this pass if it has ended too.
		for _, j := range moved {
			if j.Due.After(now) {
				if due.IsZero() || j.Due.Before(due) {
					due = j.Due
				}
				continue
			}
			id := SummaryID(g.route, g.robot, j.Window.End)
			if sums[id] == nil {
				sums[id] = &summary{id: id}
				at, _ := slices.BinarySearch(ids[i+1:], id)
				ids = slices.Insert(ids, i+1+at, id)
			}
			sums[id].open = append(sums[id].open, j)
		}
	}
	if err := held.Err(); err != nil && ctx.Err() == nil {
		errs = append(errs, fmt.Errorf("the digest lock was lost: %w", context.Cause(held)))
	}
	return due, false, errors.Join(errs...)
}

// flush settles one summary: claim, queue, mark (see the package doc). It returns the jobs
// that came too late for it, moved to a later window.
func (d *Digester) flush(ctx context.Context, g group, s *summary, now time.Time) (moved []delivery.Job, err error) {
	queued, err := d.stored(ctx, s.id)
	if err != nil {
		return nil, err
	}
	if queued {
		// The claimed went out in it; the others came after it was built.
		if err := d.mark(ctx, s.id, s.claimed, now); err != nil {
			return nil, err
		}
		for _, j := range s.open {
			j, err := d.postpone(ctx, g, j, now)
			if errors.Is(err, delivery.ErrNotFound) {
				continue
			}
			if err != nil {
				return moved, err
			}
			moved = append(moved, j)
		}
		return moved, nil
	}
	items := slices.Clone(s.claimed)
	for _, j := range s.open {
		j.Digest, j.Updated = s.id, now
		if err := d.store.Update(ctx, j); errors.Is(err, delivery.ErrNotFound) {
			continue // dropped from the outbox meanwhile
		} else if err != nil {
			return nil, fmt.Errorf("claim %s for summary %s: %w", j.ID, s.id, err)
		}
		items = append(items, j)
	}
	if len(items) == 0 {
		return nil, nil
	}
	slices.SortFunc(items, func(a, b delivery.Job) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Seq, b.Seq), strings.Compare(a.ID, b.ID))
	})
	msg, so := d.build(g.route, items)
	so.ID = s.id
	if err := ctx.Err(); err != nil {
		return nil, err // the lock is lost: the next holder builds it
	}
	_, err = d.ob.Submit(ctx, g.robot, msg, so)
	switch {
	case errors.Is(err, delivery.ErrExists):
		// Queued by a flush that overlapped this one (a lost lease): it carries what was claimed.
	case refused(err):
		return nil, d.fail(ctx, items, err, now)
	case err != nil:
		return nil, fmt.Errorf("queue summary %s: %w", s.id, err)
	default:
		d.logf("digest: %d message(s) from %s for robot %s queued as %s", len(items), g.route, g.robot, s.id)
	}
	return nil, d.mark(ctx, s.id, items, now)
}

// stored reports whether summary id is in the outbox, whole or split.
func (d *Digester) stored(ctx context.Context, id string) (bool, error) {
	for _, x := range []string{id, id + "-1"} {
		_, err := d.store.Get(ctx, x)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, delivery.ErrNotFound) {
			return false, fmt.Errorf("look for summary %s: %w", id, err)
		}
	}
	return false, nil
}

// mark finishes the jobs summary id carried.
func (d *Digester) mark(ctx context.Context, id string, jobs []delivery.Job, now time.Time) error {
	for _, j := range jobs {
		j.State, j.Digest, j.Updated = delivery.Digested, id, now
		if err := d.store.Update(ctx, j); err != nil && !errors.Is(err, delivery.ErrNotFound) {
			return fmt.Errorf("mark %s digested into %s: %w", j.ID, id, err)
		}
	}
	return nil
}

// maxSkip bounds how many queued windows postpone walks past before it takes the open one.
const maxSkip = 100

// postpone moves a job that came after its window's summary was queued to the next window whose
// summary is not: one that has ended (then flushed in the same pass) or the one still open.
func (d *Digester) postpone(ctx context.Context, g group, j delivery.Job, now time.Time) (delivery.Job, error) {
	every := j.Window.End.Sub(j.Window.Start)
	w := delivery.Window{Route: j.Window.Route, Start: j.Window.End, End: j.Window.End.Add(every)}
	for skipped := 0; !w.End.Add(d.o.Grace).After(now); skipped++ {
		if skipped == maxSkip {
			w.Start = now.Add(-d.o.Grace).Truncate(every)
			w.End = w.Start.Add(every)
			break
		}
		queued, err := d.stored(ctx, SummaryID(g.route, g.robot, w.End))
		if err != nil {
			return j, err
		}
		if !queued {
			break
		}
		w.Start, w.End = w.End, w.End.Add(every)
	}
	j.Window, j.Due, j.Updated = &w, w.End.Add(d.o.Grace), now
	if err := d.store.Update(ctx, j); err != nil {
		return j, fmt.Errorf("move late %s to the next window: %w", j.ID, err)
	}
	d.logf("digest: %s from %s for robot %s came after its window's summary: it goes in the next one", j.ID, g.route, g.robot)
	return j, nil
}

// refused reports whether err says the summary can never be sent as it is.
func refused(err error) bool {
	var (
		ve *dingtalk.ValidationError
		ke *dingtalk.KeywordError
	)
	return errors.As(err, &ve) || errors.As(err, &ke)
}

// fail ends jobs whose summary DingTalk's rules refuse (the robot's keywords changed since they
// were held, say): each can be retried on its own.
func (d *Digester) fail(ctx context.Context, jobs []delivery.Job, why error, now time.Time) error {
	for _, j := range jobs {
		j.State, j.Digest, j.Updated = delivery.Failed, "", now
		j.Error = "its digest's summary cannot be sent: " + why.Error()
		j.Hint = "fix the robot or the message, then dingbot outbox retry " + j.ID + " sends it on its own"
		if err := d.store.Update(ctx, j); err != nil && !errors.Is(err, delivery.ErrNotFound) {
			return fmt.Errorf("fail %s: %w", j.ID, err)
		}
	}
	d.logf("digest: the summary of %d message(s) for robot %s cannot be sent, they failed: %v", len(jobs), jobs[0].Robot, why)
	return nil
}

func (d *Digester) logf(format string, args ...any) {
	if d.o.Logf != nil {
		d.o.Logf(format, args...)
	}
}
