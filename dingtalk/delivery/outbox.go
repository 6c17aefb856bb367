package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// Sender posts one message. *dingtalk.Client implements it; give the outbox one that does not
// wait for rate-limit slots (WaitForSlot off): the outbox waits itself, without holding a slot.
type Sender interface {
	SendWith(ctx context.Context, r dingtalk.Robot, m dingtalk.Message, o dingtalk.PrepareOptions) (*dingtalk.Result, error)
}

// Options configure an Outbox.
type Options struct {
	// Sender posts; ForceSender posts jobs submitted with Force (over the monthly quota). A nil
	// ForceSender means Sender.
	Sender      Sender
	ForceSender Sender
	// Robot resolves a robot's name from the config as it is now.
	Robot func(name string) (dingtalk.Robot, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Poll is how often Run looks for jobs other processes queued (default 1 s).
	Poll time.Duration
	// MaxAttempts is how many requests a job gets before it is Failed or Unknown (default 5).
	MaxAttempts int
	// Backoff is the wait after the nth failed attempt (default 2 s doubling to at most 1 min).
	Backoff func(attempt int) time.Duration
	// Concurrency is how many robots one Outbox drains at once (default 8).
	Concurrency int
	// Logf, if set, is told what the outbox does (never a secret: jobs hold robot names only).
	Logf func(format string, args ...any)
	// KeepFinished, if positive, is how long Run keeps finished jobs (sent, failed, unknown,
	// digested) after their last update: it deletes older ones when it starts and hourly, so
	// that a long-running drainer's store does not grow without end. Held and queued jobs are
	// never deleted. 0 keeps everything.
	KeepFinished time.Duration
	// Logger, if set, is told the same as structured records instead of Logf: a job's end as
	// "delivery" with its id, robot, state, msgUuid and errcode, for logs read by machines.
	Logger *slog.Logger
}

// SubmitOptions say how to send a submitted message.
type SubmitOptions struct {
	// AppendKeyword appends the robot's first keyword to a message (or part) that has none.
	AppendKeyword bool
	// Force sends even over the monthly quota.
	Force bool
	// Split cuts a message over 20 000 bytes into parts (see dingtalk.Split) instead of
	// refusing it.
	Split bool
	// ID is the job's ID, chosen by the caller so that a retried Submit finds its job stored:
	// the parts of a split message get ID-1, ID-2, … and share ID as their Group. Submit fails
	// with an error matching ErrExists when a job with that ID is stored already. "" means a
	// fresh ID. IDs are letters, digits, '.', '_' and '-', at most 120 bytes.
	ID string
}

// Outbox accepts messages into a Store and delivers them. Its methods are safe for concurrent
// use; several Outboxes, in this and other processes, may share a Store: each robot is drained
// by one of them at a time (Store.Lock).
type Outbox struct {
	store Store
	o     Options

	wake chan struct{}

	mu       sync.Mutex
	subs     map[chan Job]struct{}
	onFinish []func(Job)
}

// New returns an Outbox over store.
func New(store Store, o Options) *Outbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return min(time.Second<<min(n, 6), time.Minute) }
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.ForceSender == nil {
		o.ForceSender = o.Sender
	}
	return &Outbox{store: store, o: o, wake: make(chan struct{}, 1), subs: map[chan Job]struct{}{}}
}

// Store is the outbox's store.
func (ob *Outbox) Store() Store { return ob.store }

// Submit checks m for robot now (as dingtalk.Prepare does: nothing invalid is queued), splits it
// when asked and needed, fixes each part's msgUuid, and stores the jobs. It returns them once
// they are safely stored: from then on they are delivered even if this process dies.
func (ob *Outbox) Submit(ctx context.Context, robot string, m dingtalk.Message, so SubmitOptions) ([]Job, error) {
	r, key, parts, err := ob.check(robot, m, so)
	if err != nil {
		return nil, err
	}
	popts := dingtalk.PrepareOptions{AppendKeyword: so.AppendKeyword}
	now := ob.o.Now()
	group := ""
	if len(parts) > 1 {
		group = newID("g")
		if so.ID != "" {
			group = so.ID
		}
	}
	jobs := make([]Job, len(parts))
	for i, part := range parts {
		if part.MsgUUID == "" {
			p, err := dingtalk.Prepare(r, part, popts)
			if err != nil {
				return nil, err
			}
			part.MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
		}
		j := Job{
			ID: newID("d"), Robot: r.Name, Key: key, MsgUUID: part.MsgUUID, Msg: part,
			AppendKeyword: so.AppendKeyword, Force: so.Force, State: Queued,
			Created: now, Updated: now, Due: now,
		}
		switch {
		case so.ID != "" && group != "":
			j.ID = fmt.Sprintf("%s-%d", so.ID, i+1)
		case so.ID != "":
			j.ID = so.ID
		}
		if group != "" {
			j.Group, j.Part, j.Parts = group, i+1, len(parts)
		}
		jobs[i] = j
	}
	stored, err := ob.store.Add(ctx, jobs...)
	if err != nil {
		return nil, err
	}
	for _, j := range stored {
		ob.publish(j)
	}
	ob.Wake()
	return stored, nil
}

// check resolves robot and checks m for it as Submit does, returning the parts to queue: m
// alone, or its split when so.Split allows it and m is too large for one request.
func (ob *Outbox) check(robot string, m dingtalk.Message, so SubmitOptions) (r dingtalk.Robot, key string, parts []dingtalk.Message, err error) {
	if so.ID != "" && !validID(so.ID) {
		return r, "", nil, fmt.Errorf("job id %q: want 1 to %d letters, digits, '.', '_' or '-', not starting with '.' or '-'", so.ID, maxIDLen)
	}
	if r, err = ob.o.Robot(robot); err != nil {
		return r, "", nil, err
	}
	if key, err = dingtalk.RobotKey(r); err != nil {
		return r, "", nil, fmt.Errorf("robot %s: %w", r.Name, err)
	}
	popts := dingtalk.PrepareOptions{AppendKeyword: so.AppendKeyword}
	parts = []dingtalk.Message{m}
	if _, err := dingtalk.Prepare(r, m, popts); err != nil {
		if !so.Split || !onlyTooLarge(err) {
			return r, "", nil, err
		}
		if parts, err = dingtalk.Split(r, m, dingtalk.SplitOptions{Prepare: popts}); err != nil {
			return r, "", nil, err
		}
	}
	return r, key, parts, nil
}

// maxIDLen bounds SubmitOptions.ID, leaving room for a part's "-N" within what stores accept.
const maxIDLen = 120

// validID reports whether id is a job ID every store accepts.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen || id[0] == '.' || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Hold checks m for robot as Submit does (one too large for a request passes when so.Split is
// set: whatever carries it is split), fixes its msgUuid, and stores it Held for the digest
// window w, with due (its Job.Due) the time that window's summary is to be queued. It returns
// the job once it is safely stored. A Held job is never delivered on its own: package
// dingtalk/relay/digest puts it into its window's summary and marks it Digested.
func (ob *Outbox) Hold(ctx context.Context, robot string, m dingtalk.Message, so SubmitOptions, w Window, due time.Time) (Job, error) {
	r, key, parts, err := ob.check(robot, m, so)
	if err != nil {
		return Job{}, err
	}
	if w.Route == "" || !w.End.After(w.Start) {
		return Job{}, fmt.Errorf("hold for robot %s: the digest window needs a route and an end after its start", r.Name)
	}
	if m.MsgUUID == "" && len(parts) == 1 {
		p, err := dingtalk.Prepare(r, m, dingtalk.PrepareOptions{AppendKeyword: so.AppendKeyword})
		if err != nil {
			return Job{}, err
		}
		m.MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
	}
	now := ob.o.Now()
	j := Job{
		ID: so.ID, Robot: r.Name, Key: key, MsgUUID: m.MsgUUID, Msg: m,
		AppendKeyword: so.AppendKeyword, Force: so.Force, State: Held,
		Created: now, Updated: now, Due: due, Window: &w,
	}
	if j.ID == "" {
		j.ID = newID("d")
	}
	stored, err := ob.store.Add(ctx, j)
	if err != nil {
		return Job{}, err
	}
	ob.publish(stored[0])
	return stored[0], nil
}

// onlyTooLarge reports whether err says nothing but that the body is over DingTalk's limit.
func onlyTooLarge(err error) bool {
	var ve *dingtalk.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, p := range ve.Problems {
		if p.Field != "body" {
			return false
		}
	}
	return len(ve.Problems) > 0
}

// Wake makes Run look for work now.
func (ob *Outbox) Wake() {
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: what this process submits at once, what others queue within
// Options.Poll. It returns ctx's error.
func (ob *Outbox) Run(ctx context.Context) error {
	var (
		pruned  time.Time
		lastErr string
	)
	for {
		if ob.o.KeepFinished > 0 && ob.o.Now().Sub(pruned) >= pruneEvery {
			pruned = ob.o.Now()
			if n, err := ob.store.Prune(ctx, pruned.Add(-ob.o.KeepFinished)); err != nil && ctx.Err() == nil {
				ob.logError(fmt.Errorf("delete finished jobs: %w", err))
			} else if n > 0 {
				ob.logPruned(n)
			}
		}
		next, err := ob.DrainOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != lastErr:
			// Once per distinct error, not once a poll: a store that is down for a minute
			// is one line, and one more when it answers again.
			ob.logError(err)
			lastErr = err.Error()
		case err == nil && lastErr != "":
			ob.logError(errors.New("the drain works again after: " + lastErr))
			lastErr = ""
		}
		wait := ob.o.Poll
		if !next.IsZero() {
			wait = min(max(next.Sub(ob.o.Now()), 10*time.Millisecond), wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-ob.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// DrainOnce delivers everything that can go now for every robot this process can lock, and
// returns when the earliest job still waiting is due (zero when nothing waits, or when every
// waiting robot is drained by another process).
func (ob *Outbox) DrainOnce(ctx context.Context) (next time.Time, err error) {
	keys, err := ob.store.Pending(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, ob.o.Concurrency)
		errs []error
	)
	for _, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			due, err := ob.drainKey(ctx, key)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if !due.IsZero() && (next.IsZero() || due.Before(next)) {
				next = due
			}
		}()
	}
	wg.Wait()
	return next, errors.Join(errs...)
}

// drainKey sends key's jobs in order while it holds the key's lock, until the queue is empty or
// its head must wait; it returns when the head is due.
func (ob *Outbox) drainKey(ctx context.Context, key string) (time.Time, error) {
	held, unlock, ok, err := ob.store.Lock(ctx, key)
	if err != nil || !ok {
		return time.Time{}, err
	}
	defer unlock()
	for {
		j, err := ob.store.Next(held, key)
		if errors.Is(err, ErrEmpty) {
			return time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		if now := ob.o.Now(); j.Due.After(now) {
			return j.Due, nil
		}
		if err := ob.deliver(held, j); err != nil {
			return time.Time{}, err
		}
		if held.Err() != nil {
			return time.Time{}, nil
		}
	}
}

// deliver makes one attempt at j and records the outcome. Before the request goes out the job
// is marked Sending, so a drainer killed at any instant leaves a job that the next drainer
// resends with the same msgUuid.
func (ob *Outbox) deliver(ctx context.Context, j Job) error {
	if j.State == Sending {
		// Its drainer died during the request: it may have been posted.
		j.MaybeDelivered = true
	}
	r, err := ob.o.Robot(j.Robot)
	if err == nil {
		var key string
		if key, err = dingtalk.RobotKey(r); err == nil && key != j.Key {
			err = fmt.Errorf("robot %s now has another webhook than when the message was queued", j.Robot)
		}
	}
	if err != nil {
		return ob.finish(ctx, j, Failed, nil, err.Error(), "configure the robot again, then dingbot outbox retry "+j.ID)
	}
	now := ob.o.Now()
	j.State, j.Attempts, j.Updated = Sending, j.Attempts+1, now
	if err := ob.store.Update(ctx, j); err != nil {
		return err
	}
	ob.publish(j)

	sender := ob.o.Sender
	if j.Force {
		sender = ob.o.ForceSender
	}
	msg := j.Msg.Clone()
	msg.MsgUUID = j.MsgUUID
	res, err := sender.SendWith(ctx, r, msg, dingtalk.PrepareOptions{AppendKeyword: j.AppendKeyword})
	return ob.outcome(ctx, j, res, err)
}

// outcome files the result of one attempt.
func (ob *Outbox) outcome(ctx context.Context, j Job, res *dingtalk.Result, err error) error {
	now := ob.o.Now()
	var (
		rate   *dingtalk.RateLimitError
		paused *dingtalk.PausedError
		quota  *dingtalk.QuotaError
		api    *dingtalk.APIError
		tr     *dingtalk.TransportError
		state  *dingtalk.StateError
	)
	// wait puts the job back: nothing reached DingTalk, so the attempt does not count.
	wait := func(until time.Time, why, hint string) error {
		j.Attempts--
		return ob.requeue(ctx, j, until, why, hint)
	}
	switch {
	case err == nil:
		zero := 0
		if res != nil {
			zero = res.Errcode
		}
		return ob.finish(ctx, j, Sent, &zero, "", "")
	case errors.As(err, &rate):
		return wait(now.Add(rate.Wait), "", "")
	case errors.As(err, &paused):
		return wait(paused.Pause.Until, paused.Error(), "")
	case errors.As(err, &quota):
		return wait(quota.Until, quota.Error(), quota.Hint())
	case errors.As(err, &state):
		return wait(now.Add(5*time.Second), err.Error(), state.Hint())
	case errors.As(err, &api):
		code := api.Code
		j.Errcode = &code
		j.MaybeDelivered = j.MaybeDelivered || api.MaybeDelivered
		switch {
		case code == 410100 || code == 130101:
			return wait(now.Add(dingtalk.ThrottlePause), api.Error(), api.Hint)
		case code == 90030:
			return wait(dingtalk.NextQuotaMonth(now), api.Error(), api.Hint)
		case api.Temporary():
			return ob.retry(ctx, j, api.Error(), api.Hint)
		}
		return ob.finish(ctx, j, Failed, &code, api.Message, api.Hint)
	case errors.As(err, &tr):
		j.MaybeDelivered = j.MaybeDelivered || tr.MaybeDelivered
		if !tr.MaybeDelivered && !j.MaybeDelivered {
			// Never left this machine: it costs no attempt.
			j.Attempts--
		}
		if tr.Kind == dingtalk.KindCanceled || ctx.Err() != nil {
			// The drainer is stopping: leave it queued, with its msgUuid, for the next one.
			return ob.requeue(context.WithoutCancel(ctx), j, now, "", "")
		}
		return ob.retry(ctx, j, tr.Error(), "")
	}
	if ctx.Err() != nil {
		// The drainer was stopped before the request went out (while the client checked the
		// robot's pauses or quota): nothing was posted; leave it queued for the next one.
		j.Attempts--
		return ob.requeue(context.WithoutCancel(ctx), j, now, "", "")
	}
	// Invalid for the robot as it is configured now (a keyword removed, say): it will not pass.
	return ob.finish(ctx, j, Failed, nil, err.Error(), "fix the message or the robot, then dingbot outbox retry "+j.ID)
}

// retry queues j again after a backoff, or ends it when its attempts are spent: Unknown when a
// request may have posted it (never resent blindly), Failed otherwise.
func (ob *Outbox) retry(ctx context.Context, j Job, why, hint string) error {
	if j.Attempts >= ob.o.MaxAttempts {
		if j.MaybeDelivered {
			return ob.finish(ctx, j, Unknown, j.Errcode, why, "it may have been posted: check the group, and dingbot outbox retry "+j.ID+" resends it with its msgUuid "+j.MsgUUID+" (DingTalk posts it at most once)")
		}
		return ob.finish(ctx, j, Failed, j.Errcode, why, hint)
	}
	return ob.requeue(ctx, j, ob.o.Now().Add(ob.o.Backoff(j.Attempts)), why, hint)
}

func (ob *Outbox) requeue(ctx context.Context, j Job, due time.Time, why, hint string) error {
	j.State, j.Due, j.Updated, j.Error, j.Hint = Queued, due, ob.o.Now(), why, hint
	if err := ob.store.Update(ctx, j); err != nil {
		return err
	}
	if why != "" {
		ob.logWait(j)
	}
	ob.publish(j)
	return nil
}

func (ob *Outbox) finish(ctx context.Context, j Job, s State, errcode *int, why, hint string) error {
	j.State, j.Updated, j.Error, j.Hint = s, ob.o.Now(), why, hint
	if errcode != nil {
		j.Errcode = errcode
	}
	if err := ob.store.Update(context.WithoutCancel(ctx), j); err != nil {
		return err
	}
	ob.logFinish(j)
	ob.mu.Lock()
	observers := ob.onFinish
	ob.mu.Unlock()
	for _, fn := range observers {
		fn(j)
	}
	ob.publish(j)
	return nil
}

// OnFinish registers fn to be called with every job this Outbox finishes (Sent, Failed,
// Unknown), once its state is stored, on the drainer's goroutine: unlike Subscribe it never
// misses one, so fn must return quickly (count it, log it).
func (ob *Outbox) OnFinish(fn func(Job)) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.onFinish = append(ob.onFinish, fn)
}

// logFinish tells Options.Logger (or Logf) how a job ended.
func (ob *Outbox) logFinish(j Job) {
	if l := ob.o.Logger; l != nil {
		attrs := []any{"delivery", j.ID, "robot", j.Robot, "state", string(j.State), "msgUuid", j.MsgUUID, "attempts", j.Attempts}
		if j.Errcode != nil {
			attrs = append(attrs, "errcode", *j.Errcode)
		}
		if j.Error != "" {
			attrs = append(attrs, "error", j.Error)
		}
		if j.Hint != "" {
			attrs = append(attrs, "hint", j.Hint)
		}
		level := slog.LevelInfo
		if j.State != Sent {
			level = slog.LevelWarn
		}
		l.Log(context.Background(), level, "delivery", attrs...)
		return
	}
	if ob.o.Logf != nil {
		line := fmt.Sprintf("outbox: %s %s to robot %s (msgUuid %s)", j.ID, j.State, j.Robot, j.MsgUUID)
		if j.Error != "" {
			line += ": " + j.Error
		}
		if j.Hint != "" {
			line += " (" + j.Hint + ")"
		}
		ob.o.Logf("%s", line)
	}
}

// pruneEvery is how often Run deletes finished jobs older than Options.KeepFinished.
const pruneEvery = time.Hour

// logPruned tells Options.Logger (or Logf) how many finished jobs Run deleted.
func (ob *Outbox) logPruned(n int) {
	if l := ob.o.Logger; l != nil {
		l.Info("outbox: deleted finished jobs", "jobs", n, "older_than", ob.o.KeepFinished.String())
	} else if ob.o.Logf != nil {
		ob.o.Logf("outbox: deleted %d finished jobs older than %s", n, ob.o.KeepFinished)
	}
}

// logWait tells Options.Logger (or Logf) that a job is back in the queue for a reason worth
// knowing: DingTalk paused the robot, a failed attempt to retry, a quota, the state store.
func (ob *Outbox) logWait(j Job) {
	if l := ob.o.Logger; l != nil {
		attrs := []any{"delivery", j.ID, "robot", j.Robot, "state", string(j.State), "msgUuid", j.MsgUUID,
			"attempts", j.Attempts, "due", j.Due.UTC().Format(time.RFC3339), "error", j.Error}
		if j.Errcode != nil {
			attrs = append(attrs, "errcode", *j.Errcode)
		}
		if j.Hint != "" {
			attrs = append(attrs, "hint", j.Hint)
		}
		l.Warn("delivery waiting", attrs...)
		return
	}
	if ob.o.Logf != nil {
		ob.o.Logf("outbox: %s to robot %s waits until %s: %s", j.ID, j.Robot, j.Due.Local().Format("15:04:05"), j.Error)
	}
}

// logError tells Options.Logger (or Logf) of a drain that went wrong.
func (ob *Outbox) logError(err error) {
	if l := ob.o.Logger; l != nil {
		l.Warn("outbox", "err", err.Error())
	} else if ob.o.Logf != nil {
		ob.o.Logf("outbox: %v", err)
	}
}

// Retry queues a Failed or Unknown job again, with its msgUuid, due now.
func (ob *Outbox) Retry(ctx context.Context, id string) (Job, error) {
	j, err := ob.store.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if j.State != Failed && j.State != Unknown {
		return j, fmt.Errorf("job %s is %s: only failed or unknown jobs can be retried", id, j.State)
	}
	j.State, j.Attempts, j.Due, j.Updated, j.Error, j.Hint = Queued, 0, ob.o.Now(), ob.o.Now(), "", ""
	if err := ob.store.Update(ctx, j); err != nil {
		return Job{}, err
	}
	ob.publish(j)
	ob.Wake()
	return j, nil
}

// Drop removes a job that has not been sent.
func (ob *Outbox) Drop(ctx context.Context, id string) (Job, error) {
	j, err := ob.store.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if j.State == Sending {
		return j, fmt.Errorf("job %s is being sent right now: it cannot be dropped", id)
	}
	return j, ob.store.Delete(ctx, id)
}

// Subscribe returns a channel of job changes made by this Outbox, until ctx ends. A slow reader
// misses changes rather than slowing delivery: read the store for the full picture.
func (ob *Outbox) Subscribe(ctx context.Context) <-chan Job {
	ch := make(chan Job, 64)
	ob.mu.Lock()
	ob.subs[ch] = struct{}{}
	ob.mu.Unlock()
	go func() {
		<-ctx.Done()
		ob.mu.Lock()
		delete(ob.subs, ch)
		ob.mu.Unlock()
		close(ch)
	}()
	return ch
}

func (ob *Outbox) publish(j Job) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for ch := range ob.subs {
		select {
		case ch <- j:
		default:
		}
	}
}

// Position returns how many unfinished jobs of j's robot come before it.
func (ob *Outbox) Position(ctx context.Context, j Job) (int, error) {
	jobs, err := ob.store.List(ctx, Filter{Key: j.Key, States: []State{Queued, Sending}})
	if err != nil {
		return 0, err
	}
	return slices.IndexFunc(jobs, func(x Job) bool { return x.ID == j.ID }), nil
}

// newID returns a fresh id with a prefix: "d-20261201T101500-3f9a1c2b".
func newID(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}
