package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/tui/store"
)

// Delivery tests: the month's usage, quotas, pauses, splitting and the outbox, through a real
// Bubble Tea program, the real client with a real rate limiter and meter (a spool under a
// temporary state directory), and a sandbox on loopback.

// withState gives opts' client a rate limiter of limit sends per window (0: DingTalk's) and a
// meter, both under a temporary directory, with its clock fixed at now; it returns the meter,
// which is also an outbox store.
func withState(t *testing.T, opts Options, limit int, window time.Duration, now time.Time) (Options, *spool.Spool) {
	t.Helper()
	dir := t.TempDir()
	sp, err := spool.Open(dir + "/outbox")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	opts.Client.Limiter = &ratelimit.Limiter{Dir: dir + "/ratelimit", Limit: limit, Window: window}
	opts.Client.Meter = sp
	opts.Client.Now = func() time.Time { return now }
	return opts, sp
}

// withOutbox gives opts an outbox over store that delivers with opts' client.
func withOutbox(t *testing.T, opts Options, store delivery.Store) Options {
	t.Helper()
	robots := opts.Robots
	opts.Outbox = delivery.New(store, delivery.Options{
		Sender: opts.Client,
		Robot: func(name string) (dingtalk.Robot, error) {
			for _, r := range robots {
				if r.Name == name {
					return r, nil
				}
			}
			return dingtalk.Robot{}, fmt.Errorf("no robot %s", name)
		},
		Poll: 50 * time.Millisecond,
	})
	return opts
}

// programOutbox is program with the outbox drained while the program runs, as Run does.
func programOutbox(t *testing.T, opts Options, d *store.Draft, w, h int) *teatest.TestModel {
	t.Helper()
	if d != nil {
		if err := store.Open(opts.StateDir).Save(1, *d); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	t.Cleanup(m.startOutbox(context.Background()))
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}

// waitForAll waits until the screen shows every one of ss: things drawn in one frame.
func waitForAll(t *testing.T, tm *teatest.TestModel, ss ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, s := range ss {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// count records n sends of robot r this month in meter.
func count(t *testing.T, meter dingtalk.Meter, r dingtalk.Robot, now time.Time, n int) {
	t.Helper()
	key, err := dingtalk.RobotKey(r)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, _, err := meter.Count(context.Background(), key, dingtalk.QuotaMonth(now)); err != nil {
			t.Fatal(err)
		}
	}
}

// compose types a markdown message.
func compose(tm *teatest.TestModel, title, text string) {
	tm.Type(title)
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type(text)
}

// The status bar shows the robot's sends this month beside its sends this minute: against its
// monthly_quota when it has one, marked from 80 %, and the bare count when it has none.
func TestFlowStatusShowsMonthUsage(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"}, sandbox.Robot{Token: "other"})
	opts.Robots[0].MonthlyQuota = 100
	now := time.Now()
	opts, meter := withState(t, opts, 0, 0, now)
	count(t, meter, opts.Robots[0], now, 79)
	count(t, meter, opts.Robots[1], now, 37)
	tm := program(t, opts, nil, 120, 40)
	waitFor(t, tm, "20/20 left this min │ 79/100 this month")
	compose(tm, "Weekly", "hello")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitFor(t, tm, "! 80/100 this month")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlR})
	tm.Type("other")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "37 this month")
	m := finalScreen(t, tm)
	if len(srv.Accepted()) != 1 {
		t.Fatalf("sandbox accepted %d messages", len(srv.Accepted()))
	}
	if m.usage == nil || m.usage.Used != 37 || m.usage.Limit != 0 {
		t.Fatalf("usage of robot other: %+v", m.usage)
	}
}

// A robot whose monthly quota is used up is refused before the confirmation, with the quota's
// text and hint; f sends anyway after a question that defaults to no.
func TestFlowQuotaUsedUpRefusesAndSendsAnyway(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts.Robots[0].MonthlyQuota = 2
	opts, meter := withState(t, opts, 0, 0, fixedNow)
	count(t, meter, opts.Robots[0], fixedNow, 2)
	tm := program(t, opts, nil, 120, 40)
	waitFor(t, tm, "✗ 2/2 this month")
	compose(tm, "Weekly", "hello")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitForAll(t, tm, "Not sent: monthly quota used up", "send it anyway, over the quota")
	tm.Type("f")
	waitFor(t, tm, "Send over the monthly quota?")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // the highlighted button: no
	waitFor(t, tm, "ctrl+s send")
	if n := len(srv.Arrivals()); n != 0 {
		t.Fatalf("the sandbox got %d requests before the user said yes", n)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "Not sent: monthly quota used up")
	tm.Type("f")
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitForAll(t, tm, "sent to ops", "✗ 3/2 this month")
	m := finalScreen(t, tm)
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("sandbox accepted %d messages, want the one sent anyway", n)
	}
	if m.unsent || m.state != stateCompose {
		t.Fatalf("after sending anyway: unsent %v, state %v", m.unsent, m.state)
	}
	// The next send is refused again: sending anyway was for that one send.
	if m.opts.Client.IgnoreQuota {
		t.Fatal("sending anyway changed the composer's client")
	}
}

// The refusal says the quota's own words: who, how many, until when, and the composer's key
// for sending anyway instead of --force.
func TestGoldenQuotaUsedUp(t *testing.T) {
	opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts.Robots[0].MonthlyQuota = 2
	opts, meter := withState(t, opts, 0, 0, fixedNow)
	count(t, meter, opts.Robots[0], fixedNow, 2)
	tm := program(t, opts, goldenMarkdown(), 100, 30)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "Not sent: monthly quota used up")
	m := finalScreen(t, tm)
	f := m.failure
	if f == nil || !f.Force || f.Queue ||
		f.Lines[0] != "robot ops has used its monthly quota (2 of 2 sends this month): it sends again from 2025-04-01 00:00 CST" ||
		!strings.Contains(f.Hint, "or press f to send anyway") {
		t.Fatalf("failure %+v", f)
	}
	requireScreen(t, m)
}

// A robot DingTalk throttled is paused for every process: the composer says for how many
// seconds more, and q queues the message in the outbox, where it waits for the pause to end.
func TestFlowPausedRobotQueues(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	now := time.Now() // the outbox's clock is the real one
	opts, spl := withState(t, opts, 0, 0, now)
	key, _ := dingtalk.RobotKey(opts.Robots[0])
	if err := spl.Pause(context.Background(), key, dingtalk.Pause{Until: now.Add(90 * time.Second), Errcode: 410100, Reason: "DingTalk throttled it"}); err != nil {
		t.Fatal(err)
	}
	opts = withOutbox(t, opts, spl)
	tm := programOutbox(t, opts, nil, 120, 40)
	compose(tm, "Weekly", "hello")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitForAll(t, tm, "Not sent: the robot is paused", "q queue it")
	tm.Type("q")
	waitFor(t, tm, "1 queued")
	m := finalScreen(t, tm)
	if !strings.Contains(m.headerView(), "● queued") {
		t.Fatalf("header %q", m.headerView())
	}
	jobs, err := spl.List(context.Background(), delivery.Filter{})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("outbox holds %d jobs (%v)", len(jobs), err)
	}
	if j := jobs[0]; j.State.Finished() || j.Msg.Markdown == nil || j.Msg.Markdown.Text != "hello" {
		t.Fatalf("queued job %+v", j)
	}
	if len(srv.Arrivals()) != 0 {
		t.Fatal("a paused robot was sent to")
	}
}

// TestPausedShowsSecondsLeft: the pause's seconds left are on the failure dialog.
func TestPausedShowsSecondsLeft(t *testing.T) {
	opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts, spl := withState(t, opts, 0, 0, fixedNow)
	key, _ := dingtalk.RobotKey(opts.Robots[0])
	if err := spl.Pause(context.Background(), key, dingtalk.Pause{Until: fixedNow.Add(90 * time.Second), Errcode: 410100, Reason: "DingTalk throttled it"}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	d.key("ctrl+s")
	if f := d.m.failure; f == nil || f.Lines[0] != "robot ops is paused for 90s more: DingTalk throttled it" || f.Queue {
		t.Fatalf("failure %+v", f)
	}
	if strings.Contains(d.view(), "q queue") {
		t.Fatal("queueing offered without an outbox")
	}
}

// A send refused for the rate limit can be queued: the composer's outbox delivers it as soon as
// the limiter frees a slot, with the msgUuid it was first sent with, and says so.
func TestFlowRateLimitedQueueDelivers(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts, spl := withState(t, opts, 1, 400*time.Millisecond, time.Now())
	opts = withOutbox(t, opts, spl)
	tm := programOutbox(t, opts, nil, 120, 40)
	compose(tm, "First", "one")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitFor(t, tm, "sent to ops")
	tm.Send(keyMsg("alt+n"))
	compose(tm, "Second", "two")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitFor(t, tm, "Not sent: too many messages")
	tm.Type("q")
	waitFor(t, tm, "the queued message was delivered to ops")
	m := finalScreen(t, tm)
	got := srv.Accepted()
	if len(got) != 2 {
		t.Fatalf("sandbox accepted %d messages", len(got))
	}
	if md, _ := got[1].Message["markdown"].(map[string]any); md["title"] != "Second" {
		t.Fatalf("second message %s", got[1].Body)
	}
	if uuid, _ := got[1].Message["msgUuid"].(string); !strings.HasPrefix(uuid, "dingbot-") {
		t.Fatalf("queued message carried msgUuid %q", uuid)
	}
	if m.unsent || m.queuedNow != nil || !strings.Contains(m.headerView(), "✓ sent") {
		t.Fatalf("after delivery: unsent %v queued %v header %q", m.unsent, m.queuedNow, m.headerView())
	}
	entries, err := m.store.Latest()
	if err != nil || len(entries) != 2 || entries[0].Message.Title() != "Second" {
		t.Fatalf("history %+v (%v)", entries, err)
	}
}

// bigMarkdown is a markdown text of about n bytes with headings, lists, code blocks and tables.
func bigMarkdown(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "## Section %d\n\nStatus of 服务 %d is green ✅, see the [dashboard](https://example.com/d/%d).\n\n- checked\n- deployed\n\n```sh\nkubectl rollout status deploy/api-%d\n```\n\n| host | ok |\n|---|---|\n| api-%d | yes |\n\n", i, i, i, i, i)
	}
	return b.String()
}

// decodeArrivals reads the messages the sandbox accepted.
func decodeArrivals(t *testing.T, as []sandbox.Arrival) []dingtalk.Message {
	t.Helper()
	out := make([]dingtalk.Message, len(as))
	for i, a := range as {
		if err := json.Unmarshal(a.Body, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A message over 20 000 bytes: the preview says into how many parts it would be split, the
// confirmation offers the split, and the parts reach the sandbox in order, each with its own
// msgUuid, and read back as the message.
func TestFlowSplitSendsPartsInOrder(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	text := bigMarkdown(45000)
	whole := dingtalk.NewMarkdown("Rollout", text)
	whole.MsgUUID = "dingbot-" + strings.Repeat("0", 32) // as long as the msgUuid a split send carries
	if cut, err := dingtalk.Split(opts.Robots[0], whole, dingtalk.SplitOptions{}); err != nil || len(cut) != 3 {
		t.Fatalf("the test message splits into %d parts (%v), want 3", len(cut), err)
	}
	d := &store.Draft{Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "Rollout", Body: text}
	tm := program(t, opts, d, 120, 40)
	waitFor(t, tm, "/20000 bytes")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "Send this markdown message in 3 parts?")
	tm.Type("y")
	waitFor(t, tm, "Sent to ops in 3 parts")
	m := finalScreen(t, tm)
	var split bool
	for _, n := range m.preview.Notes() {
		split = split || strings.Contains(n, "it would be split into 3 parts")
	}
	if !split {
		t.Fatalf("preview notes %+v", m.preview.Notes())
	}
	parts := decodeArrivals(t, srv.Accepted())
	if len(parts) != 3 {
		t.Fatalf("sandbox accepted %d messages, want 3 parts", len(parts))
	}
	uuids := map[string]bool{}
	for i, p := range parts {
		if want := fmt.Sprintf("Rollout (%d/3)", i+1); p.Markdown.Title != want {
			t.Fatalf("part %d is titled %q, want %q", i+1, p.Markdown.Title, want)
		}
		uuids[p.MsgUUID] = true
		if !strings.HasSuffix(p.MsgUUID, fmt.Sprintf("-%d", i+1)) {
			t.Fatalf("part %d has msgUuid %q", i+1, p.MsgUUID)
		}
	}
	if len(uuids) != 3 {
		t.Fatalf("msgUuids %v", uuids)
	}
	if got := dingtalk.JoinParts(parts); got != text {
		t.Fatal("the parts do not read back as the message")
	}
	if m.unsent || m.failure == nil || !m.failure.Done || len(m.failure.Lines) != 3 || !strings.Contains(m.failure.Lines[2], "part 3/3 posted") {
		t.Fatalf("after the split send: unsent %v, report %+v", m.unsent, m.failure)
	}
}

// A split send the rate limit stops half way says which parts were posted, and q queues the
// rest, which the outbox delivers after them, in order.
func TestFlowSplitRateLimitedQueuesTheRest(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts, spl := withState(t, opts, 1, 400*time.Millisecond, time.Now())
	opts = withOutbox(t, opts, spl)
	text := bigMarkdown(25000)
	d := &store.Draft{Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "Rollout", Body: text}
	tm := programOutbox(t, opts, d, 120, 40)
	waitFor(t, tm, "/20000 bytes")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "in 2 parts?")
	tm.Type("y")
	waitForAll(t, tm, "(part 2 of 2)", "q queue the 1 part(s) left")
	tm.Type("q")
	waitFor(t, tm, "the queued message was delivered to ops")
	finalScreen(t, tm)
	parts := decodeArrivals(t, srv.Accepted())
	if len(parts) != 2 || parts[0].Markdown.Title != "Rollout (1/2)" || parts[1].Markdown.Title != "Rollout (2/2)" {
		t.Fatalf("sandbox accepted %d parts", len(parts))
	}
	if dingtalk.JoinParts(parts) != text {
		t.Fatal("the parts do not read back as the message")
	}
}
