package digest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore"
	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore/redistest"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/relay/digest"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// clock is a fake time that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// t0 is the start of a minute: the first window of a 1-minute digest.
var t0 = time.Date(2026, 12, 1, 14, 2, 0, 0, time.UTC)

const (
	grace = 50 * time.Millisecond
	route = "/alertmanager"
)

// backend opens handles on one fresh store: each call of the returned func is another
// process's (or host's) handle on it.
type backend struct {
	name string
	open func(t *testing.T) func() delivery.Store
}

// backends are the spool in a temporary directory and Redis on a real redis-server (started
// once per test, when first needed; a prefix per store).
func backends(top *testing.T) []backend {
	var (
		once sync.Once
		srv  *redistest.Server
		n    atomic.Int64
	)
	return []backend{
		{"spool", func(t *testing.T) func() delivery.Store {
			dir := t.TempDir()
			return func() delivery.Store {
				s, err := spool.Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
		}},
		{"redis", func(t *testing.T) func() delivery.Store {
			once.Do(func() { srv = redistest.Start(top) })
			prefix := fmt.Sprintf("digest-test-%d:", n.Add(1))
			return func() delivery.Store {
				s, err := redisstore.Open(context.Background(), srv.URL(), prefix)
				if err != nil {
					t.Fatal(err)
				}
				s.Lease = 2 * time.Second
				return s
			}
		}},
	}
}

// world is a sandbox on loopback with two robots, "ops" (keyword "alert") and "dev", and a
// store relays share.
type world struct {
	t      *testing.T
	sb     *sandbox.Server
	robots map[string]dingtalk.Robot
	clock  *clock // nil: the real clock
	open   func() delivery.Store
}

func newWorld(t *testing.T, b backend, fake bool) *world {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{
		{Token: "tok-ops", Keywords: []string{"alert"}},
		{Token: "tok-dev"},
	}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	w := &world{t: t, sb: sb, open: b.open(t), robots: map[string]dingtalk.Robot{
		"ops": {Name: "ops", Webhook: sandbox.WebhookURL(srv.URL, "tok-ops"), Keywords: []string{"alert"}, AllowCustomHost: true},
		"dev": {Name: "dev", Webhook: sandbox.WebhookURL(srv.URL, "tok-dev"), AllowCustomHost: true},
	}}
	if fake {
		w.clock = &clock{t: t0}
	}
	return w
}

func (w *world) now() func() time.Time {
	if w.clock == nil {
		return nil
	}
	return w.clock.Now
}

func (w *world) robot(name string) (dingtalk.Robot, error) {
	r, ok := w.robots[name]
	if !ok {
		return r, fmt.Errorf("unknown robot %q", name)
	}
	return r, nil
}

// relay is one dingbot serve process: its own handle on the store, an Outbox, a Digester.
type relay struct {
	store delivery.Store
	ob    *delivery.Outbox
	d     *digest.Digester
}

func (w *world) relay(wrap func(delivery.Store) delivery.Store, o digest.Options) *relay {
	w.t.Helper()
	s := w.open()
	w.t.Cleanup(func() { _ = s.Close() })
	if wrap != nil {
		s = wrap(s)
	}
	client := dingtalk.NewClient(5 * time.Second)
	client.RetryDelay = 0
	ob := delivery.New(s, delivery.Options{Sender: client, Robot: w.robot, Now: w.now(), Poll: 20 * time.Millisecond})
	if o.Now == nil {
		o.Now = w.now()
	}
	o.Location = time.UTC
	if o.Grace == 0 {
		o.Grace = grace
	}
	return &relay{store: s, ob: ob, d: digest.New(ob, o)}
}

func (r *relay) hold(t *testing.T, robot string, every time.Duration, m dingtalk.Message, so delivery.SubmitOptions) delivery.Job {
	t.Helper()
	j, err := r.d.Hold(t.Context(), route, robot, every, m, so)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	return j
}

func (r *relay) flush(t *testing.T) time.Time {
	t.Helper()
	next, err := r.d.FlushOnce(t.Context())
	if err != nil {
		t.Fatalf("FlushOnce: %v", err)
	}
	return next
}

func (r *relay) drain(t *testing.T) {
	t.Helper()
	if _, err := r.ob.DrainOnce(t.Context()); err != nil {
		t.Fatalf("DrainOnce: %v", err)
	}
}

// item is a text message with a marker that must reach DingTalk exactly once.
func item(n int) dingtalk.Message {
	return dingtalk.NewText(fmt.Sprintf("item-%03d alert: disk full on db-%d\nused 97%%", n, n))
}

// received returns what robot token got, accepted and not a duplicate.
func (w *world) received(token string) []sandbox.Arrival {
	var out []sandbox.Arrival
	for _, a := range w.sb.Accepted() {
		if a.Token == token {
			out = append(out, a)
		}
	}
	return out
}

// once fails unless each marker appears exactly once in everything the sandbox accepted.
func (w *world) once(t *testing.T, markers ...string) {
	t.Helper()
	var all strings.Builder
	for _, a := range w.sb.Accepted() {
		all.Write(a.Body)
	}
	for _, m := range markers {
		if n := strings.Count(all.String(), m); n != 1 {
			t.Errorf("%s reached DingTalk %d times, want once", m, n)
		}
	}
}

func markdown(t *testing.T, a sandbox.Arrival) (title, text string) {
	t.Helper()
	md, ok := a.Message["markdown"].(map[string]any)
	if !ok {
		t.Fatalf("a %s message, want markdown: %s", a.Msgtype, a.Body)
	}
	title, _ = md["title"].(string)
	text, _ = md["text"].(string)
	return title, text
}

func (w *world) jobs(t *testing.T, s delivery.Store, states ...delivery.State) []delivery.Job {
	t.Helper()
	jobs, err := s.List(t.Context(), delivery.Filter{States: states})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// summaries lists the summary jobs in s: their IDs are SummaryIDs, "dg-…".
func summaries(t *testing.T, s delivery.Store) []delivery.Job {
	t.Helper()
	jobs, err := s.List(t.Context(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []delivery.Job
	for _, j := range jobs {
		if strings.HasPrefix(j.ID, "dg-") {
			out = append(out, j)
		}
	}
	return out
}

// TestBurstBecomesOneSummary: a burst to one robot on one route is one markdown message per
// window, carrying every message once with its title and text, the mentions merged and the
// keyword appended as the messages asked; a window with one message sends it as it was.
func TestBurstBecomesOneSummary(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			w := newWorld(t, b, true)
			r := w.relay(nil, digest.Options{})
			w.clock.Set(t0.Add(10 * time.Second))
			var held []delivery.Job
			for n := range 5 {
				held = append(held, r.hold(t, "ops", time.Minute, item(n), delivery.SubmitOptions{}))
			}
			md := dingtalk.NewMarkdown("Deploy of api", "#### deployed\n\n- version 1.2 @u-dev\n- [log](https://ci.example.com/deploys/42) https://example.com/other")
			md.At = &dingtalk.At{AtUserIDs: []string{"u-dev"}}
			held = append(held, r.hold(t, "ops", time.Minute, md, delivery.SubmitOptions{AppendKeyword: true}))
			mention := item(5)
			mention.At = &dingtalk.At{AtMobiles: []string{"13800000000"}}
			held = append(held, r.hold(t, "ops", time.Minute, mention, delivery.SubmitOptions{}))
			// Another robot, by the same route.
			r.hold(t, "dev", time.Minute, dingtalk.NewText("item-100 no keyword here"), delivery.SubmitOptions{})
			r.hold(t, "dev", time.Minute, dingtalk.NewLink("item-101 release", "v2 is out", "https://example.com/r", ""), delivery.SubmitOptions{})
			if _, err := r.d.Hold(t.Context(), route, "ops", time.Minute, dingtalk.NewText("no keyword"), delivery.SubmitOptions{}); err == nil {
				t.Fatal("Hold took a message the robot's keyword check refuses")
			}
			due := t0.Add(time.Minute + grace)
			for _, j := range held {
				if j.State != delivery.Held || !j.Due.Equal(due) || j.Window == nil || !j.Window.Start.Equal(t0) || !j.Window.End.Equal(t0.Add(time.Minute)) || j.Window.Route != route {
					t.Fatalf("held job %+v: want held, due %v, window %v–%v", j, due, t0, t0.Add(time.Minute))
				}
			}

			// Not before the window has ended, grace included.
			w.clock.Set(due.Add(-time.Millisecond))
			if next := r.flush(t); !next.Equal(due) {
				t.Fatalf("FlushOnce before the end says the next is due %v, want %v", next, due)
			}
			r.drain(t)
			if n := len(w.sb.Accepted()); n != 0 {
				t.Fatalf("%d messages went out before the window ended", n)
			}

			w.clock.Set(due)
			if next := r.flush(t); !next.IsZero() {
				t.Fatalf("after the flush the next is due %v; nothing is held", next)
			}
			r.drain(t)
			ops := w.received("tok-ops")
			if len(ops) != 1 {
				t.Fatalf("ops got %d messages, want one summary", len(ops))
			}
			title, text := markdown(t, ops[0])
			if title != "7 messages from /alertmanager" {
				t.Errorf("title %q", title)
			}
			// A summary: the count, route and window with its date and zone, a line per
			// message (its title, its link), whom they mention once at the end.
			want := "#### 7 messages from /alertmanager, 12-01 14:02–14:03 UTC\n\n" +
				"1. item-000 alert: disk full on db-0\n2. item-001 alert: disk full on db-1\n3. item-002 alert: disk full on db-2\n" +
				"4. item-003 alert: disk full on db-3\n5. item-004 alert: disk full on db-4\n6. [Deploy of api](https://ci.example.com/deploys/42)\n" +
				"7. item-005 alert: disk full on db-5\n\n@13800000000 @u-dev"
			if !strings.HasPrefix(text, want) {
				t.Errorf("summary text:\n%s\nwant it to start with\n%s", text, want)
			}
			if got := strings.Join(ops[0].Notified, ","); got != "13800000000,u-dev" {
				t.Errorf("notified %q, want both mentions", got)
			}
			w.once(t, "item-000", "item-001", "item-002", "item-003", "item-004", "item-005", "Deploy of api", "@u-dev")

			devs := w.received("tok-dev")
			if len(devs) != 1 {
				t.Fatalf("dev got %d messages, want one", len(devs))
			}
			if title, text := markdown(t, devs[0]); title != "2 messages from /alertmanager" || !strings.Contains(text, "1. item-100 no keyword here\n2. [item-101 release](https://example.com/r)") {
				t.Errorf("dev summary %q:\n%s", title, text)
			}
			w.once(t, "item-100 no keyword")

			id := digest.SummaryID(route, "ops", t0.Add(time.Minute))
			for _, j := range held {
				got, err := r.store.Get(t.Context(), j.ID)
				if err != nil || got.State != delivery.Digested || got.Digest != id {
					t.Fatalf("held job after its summary: %s into %q, %v; want digested into %s", got.State, got.Digest, err, id)
				}
			}
			if s, err := r.store.Get(t.Context(), id); err != nil || s.State != delivery.Sent {
				t.Fatalf("summary %s: %s, %v", id, s.State, err)
			}

			// The next window: one message goes as it was, with its msgUuid; two without the
			// keyword get it appended, as they asked.
			w.clock.Set(t0.Add(90 * time.Second))
			alone := r.hold(t, "ops", time.Minute, item(200), delivery.SubmitOptions{})
			r.hold(t, "dev", time.Minute, dingtalk.NewText("item-300 plain"), delivery.SubmitOptions{AppendKeyword: true})
			r.hold(t, "dev", time.Minute, dingtalk.NewText("item-301 plain"), delivery.SubmitOptions{AppendKeyword: true})
			w.clock.Set(t0.Add(2*time.Minute + grace))
			r.flush(t)
			r.drain(t)
			ops = w.received("tok-ops")
			if len(ops) != 2 || ops[1].Msgtype != "text" || ops[1].Message["msgUuid"] != alone.MsgUUID {
				t.Fatalf("a window of one message sent %d messages, the last %s with msgUuid %v; want it as it was, msgUuid %s", len(ops), ops[len(ops)-1].Msgtype, ops[len(ops)-1].Message["msgUuid"], alone.MsgUUID)
			}
			w.once(t, "item-200", "item-300", "item-301")
			if got, _ := r.store.Get(t.Context(), alone.ID); got.State != delivery.Digested || got.Digest != digest.SummaryID(route, "ops", t0.Add(2*time.Minute)) {
				t.Fatalf("the lone message is %s into %q", got.State, got.Digest)
			}
			r.flush(t)
			r.drain(t)
			if n := len(w.sb.Accepted()); n != 4 {
				t.Fatalf("%d messages in all, want 4: nothing goes twice", n)
			}
		})
	}
}

// TestLateHoldGoesToTheNextWindow: a Hold that lands after its window's summary was queued is
// not lost and not sent alone: it goes out in the next window's summary.
func TestLateHoldGoesToTheNextWindow(t *testing.T) {
	w := newWorld(t, backends(t)[0], true)
	r := w.relay(nil, digest.Options{})
	w.clock.Set(t0.Add(30 * time.Second))
	r.hold(t, "ops", time.Minute, item(1), delivery.SubmitOptions{})
	w.clock.Set(t0.Add(time.Minute + grace))
	r.flush(t)
	r.drain(t)
	// A Hold that began in the first window and was stored after its flush.
	w.clock.Set(t0.Add(59 * time.Second))
	late := r.hold(t, "ops", time.Minute, item(2), delivery.SubmitOptions{})
	w.clock.Set(t0.Add(80 * time.Second))
	next := r.flush(t)
	r.drain(t)
	if n := len(w.sb.Accepted()); n != 1 {
		t.Fatalf("%d messages out: the late one went on its own", n)
	}
	moved, err := r.store.Get(t.Context(), late.ID)
	if err != nil || moved.State != delivery.Held || !moved.Window.Start.Equal(t0.Add(time.Minute)) || !moved.Due.Equal(t0.Add(2*time.Minute+grace)) || !next.Equal(moved.Due) {
		t.Fatalf("late job %s window %v due %v (next %v), %v; want held for the next window", moved.State, moved.Window, moved.Due, next, err)
	}
	w.clock.Set(t0.Add(100 * time.Second))
	r.hold(t, "ops", time.Minute, item(3), delivery.SubmitOptions{})
	w.clock.Set(moved.Due)
	r.flush(t)
	r.drain(t)
	ops := w.received("tok-ops")
	if len(ops) != 2 {
		t.Fatalf("%d messages, want the first window's and the next one's", len(ops))
	}
	if title, _ := markdown(t, ops[1]); title != "2 messages from /alertmanager" {
		t.Fatalf("the next window's summary is %q", title)
	}
	w.once(t, "item-001", "item-002", "item-003")
}

// TestRelaysShareAStore: relays flushing the same windows at the same time, each with its own
// handle on one store, queue each window's summary once, while a relay whose clock lags holds
// messages into the windows being flushed: each of those goes out once too, in its window's
// summary or the next one's.
func TestRelaysShareAStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			w := newWorld(t, b, true)
			relays := []*relay{w.relay(nil, digest.Options{}), w.relay(nil, digest.Options{}), w.relay(nil, digest.Options{})}
			lagging := w.relay(nil, digest.Options{Now: func() time.Time { return w.clock.Now().Add(-30 * time.Second) }})
			w.clock.Set(t0.Add(time.Second))
			var (
				wg      sync.WaitGroup
				markers []string
			)
			robots := []string{"ops", "dev"}
			for n := range 30 {
				markers = append(markers, fmt.Sprintf("item-%03d", n))
				wg.Add(1)
				go func() {
					defer wg.Done()
					relays[n%3].hold(t, robots[n%2], time.Minute, item(n), delivery.SubmitOptions{})
				}()
			}
			wg.Wait()
			flushAll := func() {
				for _, r := range relays {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := r.d.FlushOnce(t.Context()); err != nil {
							t.Errorf("FlushOnce: %v", err)
						}
					}()
				}
			}
			w.clock.Set(t0.Add(time.Minute + grace))
			for round := range 5 {
				flushAll()
				for k := range 4 {
					n := 100 + 4*round + k
					markers = append(markers, fmt.Sprintf("item-%03d", n))
					wg.Add(1)
					go func() {
						defer wg.Done()
						lagging.hold(t, robots[n%2], time.Minute, item(n), delivery.SubmitOptions{})
					}()
				}
				wg.Wait()
			}
			w.clock.Set(t0.Add(2*time.Minute + grace))
			for round := 0; len(w.jobs(t, relays[0].store, delivery.Held)) > 0; round++ {
				if round == 50 {
					t.Fatal("held jobs remain after 50 rounds of flushes")
				}
				flushAll()
				wg.Wait()
			}
			for _, r := range relays {
				r.drain(t)
			}
			ops, dev := len(w.received("tok-ops")), len(w.received("tok-dev"))
			if ops < 1 || ops > 2 || dev < 1 || dev > 2 {
				t.Fatalf("ops got %d messages, dev %d; want one summary a window each", ops, dev)
			}
			w.once(t, markers...)
			if s := summaries(t, relays[1].store); len(s) != ops+dev {
				t.Fatalf("%d summary jobs stored, %d messages sent", len(s), ops+dev)
			}
		})
	}
}

// TestRunWithRealTime: relays running (digests and outboxes) on the real clock, with 200 ms
// windows and messages held through several of them, deliver each message once, in one
// summary per window.
func TestRunWithRealTime(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			w := newWorld(t, b, false)
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			defer func() { cancel(); wg.Wait() }()
			var relays []*relay
			for range 2 {
				r := w.relay(nil, digest.Options{Poll: 100 * time.Millisecond})
				relays = append(relays, r)
				wg.Add(2)
				go func() { defer wg.Done(); _ = r.d.Run(ctx) }()
				go func() { defer wg.Done(); _ = r.ob.Run(ctx) }()
			}
			const every = 200 * time.Millisecond
			var markers []string
			for n := range 24 {
				markers = append(markers, fmt.Sprintf("item-%03d", n))
				relays[n%2].hold(t, "ops", every, item(n), delivery.SubmitOptions{})
				time.Sleep(25 * time.Millisecond)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				held := w.jobs(t, relays[0].store, delivery.Held)
				queued := w.jobs(t, relays[0].store, delivery.Queued, delivery.Sending)
				if len(held) == 0 && len(queued) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 5 s, %d held and %d queued", len(held), len(queued))
				}
				time.Sleep(20 * time.Millisecond)
			}
			w.once(t, markers...)
			windows := map[time.Time]bool{}
			for _, j := range w.jobs(t, relays[0].store, delivery.Digested) {
				windows[j.Window.End] = true
			}
			sums := summaries(t, relays[1].store)
			if got := len(w.received("tok-ops")); got != len(sums) || len(sums) != len(windows) || len(sums) < 3 {
				t.Fatalf("%d messages out, %d summaries stored, %d windows held messages: want one summary a window (and several windows)", got, len(sums), len(windows))
			}
		})
	}
}

// dying is a store whose process dies (the store is closed, as its death would) at the first
// change die picks: what a relay killed at that instant leaves.
type dying struct {
	delivery.Store
	die  func(op string, j delivery.Job) bool
	dead atomic.Bool
}

var errKilled = errors.New("killed")

func (s *dying) kill(op string, j delivery.Job) bool {
	if s.dead.Load() || !s.die(op, j) {
		return s.dead.Load()
	}
	s.dead.Store(true)
	_ = s.Store.Close()
	return true
}

func (s *dying) Add(ctx context.Context, jobs ...delivery.Job) ([]delivery.Job, error) {
	if s.kill("add", jobs[0]) {
		return nil, errKilled
	}
	return s.Store.Add(ctx, jobs...)
}

func (s *dying) Update(ctx context.Context, j delivery.Job) error {
	if s.kill("update", j) {
		return errKilled
	}
	return s.Store.Update(ctx, j)
}

// nth returns a die func that picks the nth change matching match.
func nth(n int, match func(op string, j delivery.Job) bool) func(string, delivery.Job) bool {
	var seen atomic.Int64
	return func(op string, j delivery.Job) bool {
		return match(op, j) && seen.Add(1) == int64(n)
	}
}

func claim(op string, j delivery.Job) bool {
	return op == "update" && j.State == delivery.Held && j.Digest != ""
}
func summaryAdd(op string, j delivery.Job) bool { return op == "add" && strings.HasPrefix(j.ID, "dg-") }
func digested(op string, j delivery.Job) bool   { return op == "update" && j.State == delivery.Digested }

// TestKilledMidFlush: a relay killed at any step of a flush leaves what the next flush (another
// relay, or this one restarted) completes: one summary, every message in it once, including a
// message held into the window after the crash while its summary was not yet queued.
func TestKilledMidFlush(t *testing.T) {
	for _, b := range backends(t) {
		for _, c := range []struct {
			name   string
			die    func(string, delivery.Job) bool
			queued bool // the summary was stored before the kill
		}{
			{"half claimed", nth(2, claim), false},
			{"claimed", nth(1, summaryAdd), false},
			{"queued", nth(1, digested), true},
			{"half marked", nth(3, digested), true},
		} {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				w := newWorld(t, b, true)
				r := w.relay(func(s delivery.Store) delivery.Store { return &dying{Store: s, die: c.die} }, digest.Options{})
				w.clock.Set(t0.Add(time.Second))
				var markers []string
				for n := range 5 {
					markers = append(markers, fmt.Sprintf("item-%03d", n))
					r.hold(t, "ops", time.Minute, item(n), delivery.SubmitOptions{})
				}
				w.clock.Set(t0.Add(time.Minute + grace))
				if _, err := r.d.FlushOnce(t.Context()); err == nil {
					t.Fatal("the flush was not killed")
				}

				// Meanwhile a message that was late for the window lands in it.
				next := w.relay(nil, digest.Options{})
				w.clock.Set(t0.Add(59 * time.Second))
				next.hold(t, "ops", time.Minute, item(99), delivery.SubmitOptions{})
				w.clock.Set(t0.Add(time.Minute + 2*grace))
				next.flush(t)
				next.drain(t)
				ops := w.received("tok-ops")
				if len(ops) != 1 {
					t.Fatalf("%d messages after the restart, want the one summary", len(ops))
				}
				title, _ := markdown(t, ops[0])
				w.once(t, markers...)
				if c.queued {
					// Built before the late message came: that one waits for the next window.
					if title != "5 messages from /alertmanager" {
						t.Fatalf("summary %q", title)
					}
					if held := w.jobs(t, next.store, delivery.Held); len(held) != 1 || !held[0].Window.Start.Equal(t0.Add(time.Minute)) {
						t.Fatalf("held after the flush: %v; want the late message, in the next window", held)
					}
				} else {
					if title != "6 messages from /alertmanager" {
						t.Fatalf("summary %q: the late message belongs in it, the summary was not queued yet", title)
					}
					w.once(t, "item-099")
				}
				if s := summaries(t, next.store); len(s) != 1 || s[0].ID != digest.SummaryID(route, "ops", t0.Add(time.Minute)) {
					t.Fatalf("summary jobs: %v", s)
				}
				// A third relay finds nothing more to do for that window.
				third := w.relay(nil, digest.Options{})
				w.clock.Set(t0.Add(2*time.Minute + grace))
				third.flush(t)
				third.drain(t)
				w.once(t, append(markers, "item-099")...)
			})
		}
	}
}

// TestSummaryLimits: more people mentioned than DingTalk takes in one message are cut to its
// limit (the text says so), and a summary the robot's rules now refuse fails its messages, each
// retryable on its own, instead of being tried forever.
func TestSummaryLimits(t *testing.T) {
	w := newWorld(t, backends(t)[0], true)
	r := w.relay(nil, digest.Options{})
	w.clock.Set(t0.Add(time.Second))
	for n := range 2 {
		m := item(n)
		m.At = &dingtalk.At{}
		for k := range 30 {
			m.At.AtMobiles = append(m.At.AtMobiles, fmt.Sprintf("138%08d", 100*n+k))
		}
		r.hold(t, "ops", time.Minute, m, delivery.SubmitOptions{})
	}
	w.clock.Set(t0.Add(time.Minute + grace))
	r.flush(t)
	r.drain(t)
	ops := w.received("tok-ops")
	if len(ops) != 1 || len(ops[0].Notified) != dingtalk.MaxMentions {
		t.Fatalf("%d messages, the first notifying %d people; want one notifying %d", len(ops), len(ops[0].Notified), dingtalk.MaxMentions)
	}
	if _, text := markdown(t, ops[0]); !strings.Contains(text, "(10 more people mentioned above are not notified") {
		t.Errorf("the summary does not say who was left out:\n%s", text)
	}

	w.clock.Set(t0.Add(61 * time.Second))
	a := r.hold(t, "ops", time.Minute, item(10), delivery.SubmitOptions{})
	b := r.hold(t, "ops", time.Minute, item(11), delivery.SubmitOptions{})
	robot := w.robots["ops"]
	robot.Keywords = []string{"changed"}
	w.robots["ops"] = robot
	w.clock.Set(t0.Add(2*time.Minute + grace))
	if _, err := r.d.FlushOnce(t.Context()); err != nil {
		t.Fatalf("FlushOnce: %v", err)
	}
	for _, j := range []delivery.Job{a, b} {
		got, err := r.store.Get(t.Context(), j.ID)
		if err != nil || got.State != delivery.Failed || !strings.Contains(got.Hint, "dingbot outbox retry "+j.ID) {
			t.Fatalf("a message whose summary is refused: %s (%s; %s), %v", got.State, got.Error, got.Hint, err)
		}
	}
	if s := summaries(t, r.store); len(s) != 1 {
		t.Fatalf("%d summaries stored, want the first only", len(s))
	}
}
