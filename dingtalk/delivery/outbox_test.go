package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// clock is a fake time that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is an outbox on a spool in a temp dir, delivering to a sandbox over loopback with a
// client whose limiter, meter and outbox share one fake clock.
type world struct {
	t      testing.TB
	sb     *sandbox.Server
	ob     *delivery.Outbox
	store  *spool.Spool
	client *dingtalk.Client
	clock  *clock
	robots map[string]dingtalk.Robot
}

func newWorld(t testing.TB, so sandbox.Options, robots ...dingtalk.Robot) *world {
	t.Helper()
	if len(so.Robots) == 0 {
		for i := range 3 {
			so.Robots = append(so.Robots, sandbox.Robot{Token: fmt.Sprintf("tok%013d", i)})
		}
	}
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	so.Now = c.Now
	sb := sandbox.New(so)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	st, err := spool.Open(filepath.Join(dir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lim := ratelimit.New(filepath.Join(dir, "ratelimit"))
	lim.Now = c.Now
	client := dingtalk.NewClient(2 * time.Second)
	client.Limiter, client.Meter, client.RetryDelay = lim, st, 0
	w := &world{t: t, sb: sb, store: st, client: client, clock: c, robots: map[string]dingtalk.Robot{}}
	if len(robots) == 0 {
		for i, r := range so.Robots {
			robots = append(robots, dingtalk.Robot{Name: fmt.Sprintf("r%d", i), Webhook: srv.URL + "/robot/send?access_token=" + r.Token, AllowCustomHost: true})
		}
	}
	for _, r := range robots {
		r.Webhook = strings.ReplaceAll(r.Webhook, "SANDBOX", srv.URL)
		w.robots[r.Name] = r
	}
	w.ob = delivery.New(st, delivery.Options{
		Sender:  client,
		Robot:   w.robot,
		Now:     c.Now,
		Backoff: func(int) time.Duration { return time.Second },
	})
	return w
}

func (w *world) robot(name string) (dingtalk.Robot, error) {
	r, ok := w.robots[name]
	if !ok {
		return r, fmt.Errorf("unknown robot %q", name)
	}
	return r, nil
}

func (w *world) submit(robot, text string) delivery.Job {
	w.t.Helper()
	jobs, err := w.ob.Submit(context.Background(), robot, dingtalk.NewText(text), delivery.SubmitOptions{})
	if err != nil || len(jobs) != 1 {
		w.t.Fatalf("Submit: %v %v", jobs, err)
	}
	return jobs[0]
}

func (w *world) drain() time.Time {
	w.t.Helper()
	next, err := w.ob.DrainOnce(context.Background())
	if err != nil {
		w.t.Fatalf("DrainOnce: %v", err)
	}
	return next
}

func (w *world) job(id string) delivery.Job {
	w.t.Helper()
	j, err := w.store.Get(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

func TestDeliversInOrderPerRobotWithTheirMsgUUIDs(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	var jobs []delivery.Job
	for i := range 9 {
		jobs = append(jobs, w.submit(fmt.Sprintf("r%d", i%3), fmt.Sprintf("m%d", i)))
	}
	if next := w.drain(); !next.IsZero() {
		t.Fatalf("something still waits until %v", next)
	}
	got := map[string][]string{}
	for _, a := range w.sb.Accepted() {
		got[a.Token] = append(got[a.Token], a.Message["text"].(map[string]any)["content"].(string))
		uuid, _ := a.Message["msgUuid"].(string)
		if uuid == "" {
			t.Error("a message went without its msgUuid")
		}
	}
	for i := range 3 {
		tok := fmt.Sprintf("tok%013d", i)
		want := []string{fmt.Sprintf("m%d", i), fmt.Sprintf("m%d", i+3), fmt.Sprintf("m%d", i+6)}
		if fmt.Sprint(got[tok]) != fmt.Sprint(want) {
			t.Errorf("robot r%d got %v, want %v in order", i, got[tok], want)
		}
	}
	for _, j := range jobs {
		if s := w.job(j.ID).State; s != delivery.Sent {
			t.Errorf("%s is %s", j.ID, s)
		}
	}
}

func TestRateLimitedJobsWaitForTheWindow(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	for i := range 25 {
		w.submit("r0", fmt.Sprint("n", i))
	}
	next := w.drain()
	if n := len(w.sb.Accepted()); n != 20 {
		t.Fatalf("%d sent in the first minute, want 20", n)
	}
	if wait := next.Sub(w.clock.Now()); wait <= 0 || wait > 63*time.Second {
		t.Fatalf("the 21st waits %v", wait)
	}
	w.clock.Advance(next.Sub(w.clock.Now()))
	w.drain()
	if n := len(w.sb.Accepted()); n != 25 {
		t.Fatalf("%d sent after the window, want 25", n)
	}
}

// TestMaybeDeliveredKeepsItsMsgUUIDAndEndsUnknown: a request that may have been posted is resent
// only with the same msgUuid, and a job whose retries are spent is Unknown, never resent
// blindly; Retry queues it again with the same msgUuid.
func TestMaybeDeliveredKeepsItsMsgUUIDAndEndsUnknown(t *testing.T) {
	w := newWorld(t, sandbox.Options{Fault: sandbox.FaultDropConnection})
	j := w.submit("r0", "hello")
	for range 10 {
		w.drain()
		w.clock.Advance(2 * time.Second)
	}
	got := w.job(j.ID)
	if got.State != delivery.Unknown || !got.MaybeDelivered || got.Attempts != 5 || !strings.Contains(got.Hint, j.MsgUUID) {
		t.Fatalf("after the attempts: %+v", got)
	}
	for _, a := range w.sb.Arrivals() {
		if a.Message == nil {
			continue // dropped before the body was read
		}
		if uuid, _ := a.Message["msgUuid"].(string); uuid != j.MsgUUID {
			t.Fatalf("a retry carried msgUuid %q, want %q", uuid, j.MsgUUID)
		}
	}
	w.sb.SetFault(sandbox.NoFault)
	if _, err := w.ob.Retry(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	w.drain()
	if got := w.job(j.ID); got.State != delivery.Sent {
		t.Fatalf("after retry: %+v", got)
	}
	if n := w.sb.Stats().Posted; n != 1 {
		t.Fatalf("posted %d times", n)
	}
}

func TestRefusalFailsWithErrcodeAndHint(t *testing.T) {
	w := newWorld(t, sandbox.Options{Robots: []sandbox.Robot{{Token: "tok0000000000000", Keywords: []string{"deploy"}}}},
		dingtalk.Robot{Name: "r0", Webhook: "SANDBOX/robot/send?access_token=tok0000000000000", AllowCustomHost: true})
	// The robot's keyword is not in the config, so dingbot cannot check it: DingTalk refuses.
	j := w.submit("r0", "no keyword here")
	w.drain()
	got := w.job(j.ID)
	if got.State != delivery.Failed || got.Errcode == nil || *got.Errcode != 310000 || got.Hint == "" {
		t.Fatalf("refused job: %+v", got)
	}
	// A failed job does not hold up the robot's queue.
	w.robots["r0"] = dingtalk.Robot{Name: "r0", Webhook: w.robots["r0"].Webhook, AllowCustomHost: true}
	j2, err := w.ob.Submit(context.Background(), "r0", dingtalk.NewText("deploy done"), delivery.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.drain()
	if s := w.job(j2[0].ID).State; s != delivery.Sent {
		t.Fatalf("the next job is %s", s)
	}
}

// TestPausesAndQuotaHoldTheQueue: DingTalk's 410100 pauses the robot for ten minutes for every
// process; a monthly quota holds the queue until the month turns.
func TestPausesAndQuotaHoldTheQueue(t *testing.T) {
	w := newWorld(t, sandbox.Options{Limit: 1, Window: time.Hour})
	w.submit("r0", "first")
	j := w.submit("r0", "second")
	next := w.drain()
	got := w.job(j.ID)
	if got.State != delivery.Queued || got.Errcode == nil || *got.Errcode != 410100 {
		t.Fatalf("after DingTalk's throttle: %+v", got)
	}
	if wait := next.Sub(w.clock.Now()); wait < 9*time.Minute || wait > 11*time.Minute {
		t.Fatalf("paused for %v, want about 10 minutes", wait)
	}
	before := w.sb.Stats().Arrivals
	w.drain()
	if w.sb.Stats().Arrivals != before {
		t.Fatal("a paused robot was sent to")
	}

	r := w.robots["r1"]
	r.MonthlyQuota = 1
	w.robots["r1"] = r
	w.submit("r1", "one")
	q := w.submit("r1", "two")
	w.drain()
	got = w.job(q.ID)
	if got.State != delivery.Queued || !strings.Contains(got.Error, "monthly quota") || !got.Due.Equal(dingtalk.NextQuotaMonth(w.clock.Now())) {
		t.Fatalf("over the quota: %+v", got)
	}
}

func TestSubmitRefusesWhatCannotBeSent(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	_, err := w.ob.Submit(context.Background(), "r0", dingtalk.NewText(""), delivery.SubmitOptions{})
	var ve *dingtalk.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("empty text: %v", err)
	}
	big := dingtalk.NewMarkdown("Big", strings.Repeat("line of text\n\n", 3000))
	if _, err := w.ob.Submit(context.Background(), "r0", big, delivery.SubmitOptions{}); !errors.As(err, &ve) {
		t.Fatalf("too big without Split: %v", err)
	}
	jobs, err := w.ob.Submit(context.Background(), "r0", big, delivery.SubmitOptions{Split: true})
	if err != nil || len(jobs) < 2 || jobs[0].Parts != len(jobs) || jobs[0].Group == "" {
		t.Fatalf("split: %d jobs, %v", len(jobs), err)
	}
	if jobs, _ := w.store.List(context.Background(), delivery.Filter{}); len(jobs) == 0 {
		t.Fatal("nothing stored")
	}
}

func TestSubscribeSeesEveryState(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := w.ob.Subscribe(ctx)
	j := w.submit("r0", "watched")
	w.drain()
	var states []delivery.State
	for len(states) < 3 {
		select {
		case got := <-ch:
			if got.ID == j.ID {
				states = append(states, got.State)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("states seen: %v", states)
		}
	}
	if fmt.Sprint(states) != "[queued sending sent]" {
		t.Fatalf("states %v", states)
	}
}

func BenchmarkSubmit(b *testing.B) {
	dir := b.TempDir()
	st, err := spool.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r := dingtalk.Robot{Name: "ops", Webhook: "http://127.0.0.1:9/robot/send?access_token=tok0000000000000", AllowCustomHost: true}
	ob := delivery.New(st, delivery.Options{Robot: func(string) (dingtalk.Robot, error) { return r, nil }})
	msg := dingtalk.NewMarkdown("Deploy", "## Build 42\n\n- **passed** in 3m\n")
	b.ResetTimer()
	for range b.N {
		if _, err := ob.Submit(context.Background(), "ops", msg, delivery.SubmitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBurst500Over25Robots delivers a burst of 500 messages over 25 robots through a
// sandbox on loopback: 20 per robot, all inside DingTalk's first minute, so the ideal is as fast
// as the requests go. It reports the wall time per burst and the heap left afterwards.
func BenchmarkBurst500Over25Robots(b *testing.B) {
	for range b.N {
		b.StopTimer()
		var so sandbox.Options
		for i := range 25 {
			so.Robots = append(so.Robots, sandbox.Robot{Token: fmt.Sprintf("tok%013d", i)})
		}
		w := newWorld(b, so)
		for i := range 500 {
			if _, err := w.ob.Submit(context.Background(), fmt.Sprintf("r%d", i%25), dingtalk.NewText(fmt.Sprint("burst ", i)), delivery.SubmitOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if _, err := w.ob.DrainOnce(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := w.sb.Stats().Posted; n != 500 {
			b.Fatalf("posted %d of 500", n)
		}
		b.StartTimer()
	}
	b.StopTimer()
	// Memory stays flat: what is left on the heap after the bursts, not what they allocated.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
}

// TestHeldJobsWaitForTheirDigest: a held message is checked and stored like a submitted one,
// but no drain sends it, retry refuses it, and once digested it is finished for good.
func TestHeldJobsWaitForTheirDigest(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	ctx := context.Background()
	now := w.clock.Now()
	win := delivery.Window{Route: "/alerts", Start: now.Truncate(time.Minute), End: now.Truncate(time.Minute).Add(time.Minute)}
	due := win.End.Add(time.Second)
	j, err := w.ob.Hold(ctx, "r0", dingtalk.NewText("disk full"), delivery.SubmitOptions{}, win, due)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != delivery.Held || j.MsgUUID == "" || j.Msg.MsgUUID != j.MsgUUID || !j.Due.Equal(due) || j.Window == nil || *j.Window != win {
		t.Fatalf("Hold returned %+v", j)
	}
	if _, err := w.ob.Hold(ctx, "r0", dingtalk.NewText(""), delivery.SubmitOptions{}, win, due); err == nil {
		t.Fatal("Hold took an empty message")
	}
	if _, err := w.ob.Hold(ctx, "r0", dingtalk.NewText("x"), delivery.SubmitOptions{}, delivery.Window{}, due); err == nil {
		t.Fatal("Hold took a message without a window")
	}
	w.clock.Advance(time.Hour)
	if next := w.drain(); !next.IsZero() {
		t.Fatalf("a drain waits for %v: a held job is not in the queue", next)
	}
	if n := len(w.sb.Accepted()); n != 0 {
		t.Fatalf("%d messages were posted; a held one goes only inside its summary", n)
	}
	if _, err := w.ob.Retry(ctx, j.ID); err == nil {
		t.Fatal("Retry queued a held job")
	}
	j.State, j.Digest = delivery.Digested, "s-1"
	if err := w.store.Update(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ob.Retry(ctx, j.ID); err == nil {
		t.Fatal("Retry queued a digested job: its content went out in its summary")
	}
	if n, _ := w.store.Prune(ctx, w.clock.Now().Add(time.Hour)); n != 1 {
		t.Fatalf("Prune deleted %d jobs, want the digested one", n)
	}
}

// TestSubmitWithID: a caller-chosen ID makes a retried Submit find its job stored.
func TestSubmitWithID(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	ctx := context.Background()
	jobs, err := w.ob.Submit(ctx, "r0", dingtalk.NewText("summary"), delivery.SubmitOptions{ID: "dg-1"})
	if err != nil || len(jobs) != 1 || jobs[0].ID != "dg-1" || jobs[0].Group != "" {
		t.Fatalf("Submit with an ID = %+v, %v", jobs, err)
	}
	if _, err := w.ob.Submit(ctx, "r0", dingtalk.NewText("summary again"), delivery.SubmitOptions{ID: "dg-1"}); !errors.Is(err, delivery.ErrExists) {
		t.Fatalf("Submit of a stored ID: %v, want ErrExists", err)
	}
	long := strings.Repeat("a line of the summary that goes on\n\n", 800)
	parts, err := w.ob.Submit(ctx, "r0", dingtalk.NewMarkdown("big", long), delivery.SubmitOptions{ID: "dg-2", Split: true})
	if err != nil || len(parts) < 2 {
		t.Fatalf("split Submit with an ID = %d parts, %v", len(parts), err)
	}
	for i, p := range parts {
		if p.ID != fmt.Sprintf("dg-2-%d", i+1) || p.Group != "dg-2" || p.Part != i+1 {
			t.Fatalf("part %d: id %s group %s part %d", i+1, p.ID, p.Group, p.Part)
		}
	}
	if _, err := w.ob.Submit(ctx, "r0", dingtalk.NewMarkdown("big", long), delivery.SubmitOptions{ID: "dg-2", Split: true}); !errors.Is(err, delivery.ErrExists) {
		t.Fatalf("split Submit of a stored ID: %v, want ErrExists", err)
	}
	for _, bad := range []string{"a/b", "-x", strings.Repeat("x", 121)} {
		if _, err := w.ob.Submit(ctx, "r0", dingtalk.NewText("x"), delivery.SubmitOptions{ID: bad}); err == nil {
			t.Fatalf("Submit took the ID %q", bad)
		}
	}
	if next := w.drain(); !next.IsZero() {
		t.Fatalf("something waits until %v", next)
	}
	if n := len(w.sb.Accepted()); n != 1+len(parts) {
		t.Fatalf("%d messages posted, want %d", n, 1+len(parts))
	}
}

// stoppingMeter is a Meter whose pause check is where the drainer is stopped: it ends the
// drainer's context (SIGTERM to dingbot serve, outbox drain's --max-wait) and fails with it.
type stoppingMeter struct {
	dingtalk.Meter
	stop func()
}

func (m stoppingMeter) Paused(ctx context.Context, key string, now time.Time) (dingtalk.Pause, error) {
	m.stop()
	return dingtalk.Pause{}, ctx.Err()
}

// TestStoppedDrainerLeavesTheJobQueued: a drainer stopped before its request went out (while
// the client checks the robot's pauses and quota) leaves the job queued with its msgUuid, for
// the next drainer; it was not failed as if DingTalk had refused it.
func TestStoppedDrainerLeavesTheJobQueued(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	j := w.submit("r0", "stopped before posting")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.client.Meter = stoppingMeter{Meter: w.store, stop: cancel}
	_, _ = w.ob.DrainOnce(ctx)
	if got := w.job(j.ID); got.State != delivery.Queued || got.Attempts != 0 || got.MsgUUID != j.MsgUUID {
		t.Fatalf("after the drainer stopped: %s (attempts %d): %s", got.State, got.Attempts, got.Error)
	}
	if n := len(w.sb.Arrivals()); n != 0 {
		t.Fatalf("%d requests went out", n)
	}
	w.client.Meter = w.store
	w.drain()
	if got := w.job(j.ID); got.State != delivery.Sent {
		t.Fatalf("the next drainer left it %s: %s", got.State, got.Error)
	}
}

// OnFinish sees every job the outbox ends, sent or refused, none dropped however many; a
// Logger gets one structured "delivery" record for each, with its id, state and errcode.
func TestOnFinishAndLoggerSeeEveryEnd(t *testing.T) {
	w := newWorld(t, sandbox.Options{Robots: []sandbox.Robot{{Token: "tok0000000000000", Keywords: []string{"deploy"}}}},
		dingtalk.Robot{Name: "r0", Webhook: "SANDBOX/robot/send?access_token=tok0000000000000", AllowCustomHost: true})
	var logs bytes.Buffer
	ob := delivery.New(w.store, delivery.Options{Sender: w.client, Robot: w.robot, Now: w.clock.Now,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	var ended []delivery.Job
	ob.OnFinish(func(j delivery.Job) { ended = append(ended, j) })
	var want []string
	for i := range 15 {
		text := fmt.Sprintf("deploy %d", i)
		if i == 3 {
			text = "no keyword" // refused by DingTalk: 310000
		}
		jobs, err := ob.Submit(context.Background(), "r0", dingtalk.NewText(text), delivery.SubmitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, jobs[0].ID)
	}
	if _, err := ob.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ended) != len(want) {
		t.Fatalf("OnFinish saw %d of %d jobs", len(ended), len(want))
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d log lines for %d jobs:\n%s", len(lines), len(want), logs.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] != "delivery" || rec["delivery"] != want[i] || rec["robot"] != "r0" || !strings.HasPrefix(rec["msgUuid"].(string), "dingbot-") {
			t.Fatalf("record %d: %s", i, line)
		}
		if i == 3 && (rec["state"] != "failed" || rec["errcode"] != float64(310000) || rec["level"] != "WARN") {
			t.Fatalf("the refused job's record: %s", line)
		}
		if i != 3 && rec["state"] != "sent" {
			t.Fatalf("record %d: %s", i, line)
		}
	}
}

// A long-running drainer with KeepFinished deletes finished jobs older than that when it
// starts, and keeps newer ones (storetest checks that Prune never takes an unfinished job).
func TestRunDeletesOldFinishedJobs(t *testing.T) {
	w := newWorld(t, sandbox.Options{})
	old := w.submit("r0", "last month")
	w.drain()
	w.clock.Advance(31 * 24 * time.Hour)
	recent := w.submit("r0", "today")
	w.drain()
	var logs bytes.Buffer
	ob := delivery.New(w.store, delivery.Options{Sender: w.client, Robot: w.robot, Now: w.clock.Now,
		KeepFinished: 30 * 24 * time.Hour, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ob.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := w.store.Get(context.Background(), old.ID); errors.Is(err, delivery.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the month-old sent job was not deleted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if j := w.job(recent.ID); j.State != delivery.Sent {
		t.Fatalf("today's job: %+v", j)
	}
	if !strings.Contains(logs.String(), `"jobs":1`) {
		t.Fatalf("the deletion is not logged: %s", logs.String())
	}
}

// DingTalk throttling a robot (410100) is logged as a warning with the job, the errcode and
// when it is tried again: a relay's log must say why its outbox stopped moving.
func TestThrottleIsLogged(t *testing.T) {
	w := newWorld(t, sandbox.Options{Limit: 1, Window: time.Hour})
	var logs bytes.Buffer
	ob := delivery.New(w.store, delivery.Options{Sender: w.client, Robot: w.robot, Now: w.clock.Now,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	for _, text := range []string{"first", "second"} {
		if _, err := ob.Submit(context.Background(), "r0", dingtalk.NewText(text), delivery.SubmitOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ob.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == "delivery waiting" {
			rec = r
		}
	}
	if rec == nil || rec["level"] != "WARN" || rec["errcode"] != float64(410100) || rec["robot"] != "r0" || rec["due"] == "" {
		t.Fatalf("no warning about the throttle:\n%s", logs.String())
	}
}
