package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// withOutbox gives the in-process server an outbox in a fresh state directory, drained while
// the test runs as the MCP server drains it, and a rate-limit window of window (a minute in
// production) so that a robot's 20 sends free up quickly.
func withOutbox(t *testing.T, window time.Duration, more ...func(*Options)) func(*Options) {
	return func(o *Options) {
		lim := ratelimit.New(t.TempDir())
		lim.Window = window
		o.Client.Limiter = lim
		sp, err := spool.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		o.Client.Meter = sp
		sender := *o.Client
		sender.WaitForSlot = false
		robots := o.Robots
		ob := delivery.New(sp, delivery.Options{
			Sender: &sender,
			Robot: func(name string) (dingtalk.Robot, error) {
				for _, r := range robots {
					if r.Name == name {
						return r, nil
					}
				}
				return dingtalk.Robot{}, fmt.Errorf("no robot %s", name)
			},
			Poll:    20 * time.Millisecond,
			Backoff: func(int) time.Duration { return 20 * time.Millisecond },
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = ob.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; _ = sp.Close() })
		o.Outbox = ob
		for _, f := range more {
			f(o)
		}
	}
}

// queueEnv is newEnv with an outbox and a rate-limit window of window, DingTalk's (the
// sandbox's) and dingbot's alike.
func queueEnv(t *testing.T, window time.Duration, more ...func(*Options)) *env {
	return newEnv(t, envConfig{sandbox: sandbox.Options{Window: window}, tweak: withOutbox(t, window, more...)})
}

// statuses calls delivery_status and returns each delivery by id.
func (e *env) statuses(ids []string) map[string]DeliveryInfo {
	e.t.Helper()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	g := e.call(toolDeliveries, map[string]any{"deliveryIds": args})
	g.wantOK(e.t)
	var res deliveriesResult
	if err := json.Unmarshal(g.raw.RawStructuredContent, &res); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]DeliveryInfo{}
	for _, d := range res.Deliveries {
		out[d.ID] = d
	}
	if len(out) != len(ids) {
		e.t.Fatalf("delivery_status answered %d deliveries for %d ids: %s", len(out), len(ids), g.raw.RawStructuredContent)
	}
	return out
}

// waitDelivered polls delivery_status until every id is delivered.
func (e *env) waitDelivered(ids []string, within time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		all := true
		st := e.statuses(ids)
		for _, id := range ids {
			all = all && st[id].State == stateDelivered
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("not delivered within %v: %+v", within, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fill uses up robot's 20 sends of the current window.
func (e *env) fill(robot string) {
	e.t.Helper()
	for i := range 20 {
		g := e.call(toolSendText, map[string]any{"text": fmt.Sprint("报警 tick ", i), "robot": robot})
		if g.r.Error == KindRateLimited {
			e.t.Fatalf("send %d already rate limited", i+1)
		}
	}
}

// TestQueueWhenRateLimited: a send over the rate limit with queue: true is queued, not failed:
// the result says where it is and when it should go; delivery_status follows it to delivered,
// and the group gets it once, with its msgUuid.
func TestQueueWhenRateLimited(t *testing.T) {
	e := queueEnv(t, 1500*time.Millisecond)
	e.fill("ops")
	e.call(toolSendText, map[string]any{"text": "not queued"}).wantFailure(t, KindRateLimited)

	g := e.call(toolSendText, map[string]any{"text": "queued report", "queue": true})
	g.wantOK(t)
	if !g.r.Queued || len(g.r.DeliveryIDs) != 1 || !intIs(g.r.Position, 0) || g.r.EtaSeconds == nil || *g.r.EtaSeconds < 1 || *g.r.EtaSeconds > 2 || g.r.Errcode != nil {
		t.Fatalf("queued result: %s", g.raw.RawStructuredContent)
	}
	for _, want := range []string{"queued because robot \"ops\" already sent 20 messages", "while it runs", "dingbot outbox drain", "delivery_status", "do not send it again"} {
		if !strings.Contains(g.r.Hint, want) {
			t.Errorf("hint lacks %q: %s", want, g.r.Hint)
		}
	}
	// This stdio server is the drainer: once it stops, nothing posts the message until another
	// dingbot drains the outbox, so the hint promises nothing beyond that.
	if strings.Contains(g.r.Hint, "even if") {
		t.Errorf("hint promises delivery whatever happens: %s", g.r.Hint)
	}
	for _, want := range []string{"Queued the text message for robot \"ops\": delivery " + g.r.DeliveryIDs[0], g.r.MsgUUID, "Position 0", "estimated in"} {
		if !strings.Contains(g.text, want) {
			t.Errorf("text lacks %q:\n%s", want, g.text)
		}
	}
	id := g.r.DeliveryIDs[0]
	// Queued, or sending for the moment the drainer tries it and finds the robot still limited.
	if st := e.statuses([]string{id})[id]; st.State != string(delivery.Queued) && st.State != string(delivery.Sending) || st.Robot != "ops" || st.MsgUUID != g.r.MsgUUID || !intIs(st.Position, 0) {
		t.Errorf("status right after queueing: %+v", st)
	}
	e.waitDelivered([]string{id}, 5*time.Second)
	posted := 0
	for _, a := range e.sb.Accepted() {
		if a.Message["msgUuid"] == g.r.MsgUUID {
			posted++
		}
	}
	if posted != 1 {
		t.Errorf("the queued message was posted %d times", posted)
	}
	st := e.statuses([]string{id})[id]
	if st.Errcode == nil || *st.Errcode != 0 || !strings.Contains(st.Hint, "in the group") {
		t.Errorf("delivered status: %+v", st)
	}
}

// TestQueueWhenLimitedIsTheDefault: with queue_when_limited the server queues held-up sends
// unless a call passes queue: false.
func TestQueueWhenLimitedIsTheDefault(t *testing.T) {
	e := queueEnv(t, time.Minute, func(o *Options) { o.QueueWhenLimited = true })
	e.fill("ops")
	e.call(toolSendText, map[string]any{"text": "fail instead", "queue": false}).wantFailure(t, KindRateLimited)
	g := e.call(toolSendText, map[string]any{"text": "queued by default"})
	g.wantOK(t)
	if !g.r.Queued {
		t.Fatalf("not queued: %s", g.raw.RawStructuredContent)
	}
	// A robot that may send posts at once, queue or not.
	now := e.call(toolSendText, map[string]any{"text": "报警 now", "robot": "alert", "queue": true})
	now.wantOK(t)
	if now.r.Queued || now.r.Errcode == nil {
		t.Errorf("a send that could go was queued: %s", now.raw.RawStructuredContent)
	}
	// A refused message is refused, not queued.
	e.call(toolSendText, map[string]any{"text": "no keyword", "robot": "alert", "queue": true}).wantFailure(t, KindKeywordMissing)
}

// TestQueueWhenPaused: a robot every process holds (DingTalk throttled it) queues the send
// until the pause ends.
func TestQueueWhenPaused(t *testing.T) {
	e := queueEnv(t, time.Minute)
	key, err := dingtalk.RobotKey(e.opts.Robots[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := e.opts.Client.Meter.Pause(context.Background(), key, dingtalk.Pause{Until: time.Now().Add(400 * time.Millisecond), Errcode: 410100, Reason: "throttled"}); err != nil {
		t.Fatal(err)
	}
	g := e.call(toolSendText, map[string]any{"text": "after the pause", "queue": true})
	g.wantOK(t)
	if !g.r.Queued || !strings.Contains(g.r.Hint, "paused") || g.r.EtaSeconds == nil || *g.r.EtaSeconds != 1 {
		t.Fatalf("queued result: %s", g.raw.RawStructuredContent)
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("%d requests during the pause", n)
	}
	e.waitDelivered(g.r.DeliveryIDs, 5*time.Second)
}

// TestQueueSplitBeyondSendsLeft: a split message with more parts than the robot's sends left
// this minute is queued whole, in order, instead of failing part way; delivery_status reports
// each part, and the parts arrive in order.
func TestQueueSplitBeyondSendsLeft(t *testing.T) {
	e := queueEnv(t, 1500*time.Millisecond)
	for i := range 18 {
		e.call(toolSendText, map[string]any{"text": fmt.Sprint("tick ", i)}).wantOK(t)
	}
	long := strings.Repeat("a line of the weekly report\n", 2000)
	g := e.call(toolSendText, map[string]any{"text": long, "split": true, "queue": true})
	g.wantOK(t)
	if !g.r.Queued || len(g.r.DeliveryIDs) < 3 || len(g.r.DeliveryIDs) != len(g.r.Parts) || !strings.Contains(g.r.Hint, "sends robot \"ops\" has left") {
		t.Fatalf("queued split: %s", g.raw.RawStructuredContent)
	}
	for _, p := range g.r.Parts {
		if p.Sent {
			t.Errorf("a queued part says sent: %+v", p)
		}
	}
	e.waitDelivered(g.r.DeliveryIDs, 8*time.Second)
	var got []string
	for _, a := range e.sb.Accepted()[18:] {
		got = append(got, a.Message["msgUuid"].(string))
	}
	var want []string
	for _, p := range g.r.Parts {
		want = append(want, p.MsgUUID)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("posted %v, want the parts in order %v", got, want)
	}
}

// TestQueueTheRestOfASplit: when DingTalk throttles a robot part way through a split message
// (it counted sends dingbot did not see), the parts not posted are queued, in order, and the
// result says which parts went out.
func TestQueueTheRestOfASplit(t *testing.T) {
	e := newEnv(t, envConfig{sandbox: sandbox.Options{Limit: 2}, tweak: withOutbox(t, time.Minute)})
	long := strings.Repeat("a line of the weekly report\n", 2000)
	g := e.call(toolSendText, map[string]any{"text": long, "split": true, "queue": true})
	g.wantOK(t)
	if !g.r.Queued || len(g.r.Parts) < 3 || len(g.r.DeliveryIDs) != len(g.r.Parts)-2 || !g.r.Parts[0].Sent || !g.r.Parts[1].Sent || g.r.Parts[2].Sent {
		t.Fatalf("queued rest: %s", g.raw.RawStructuredContent)
	}
	if !strings.HasPrefix(g.r.Hint, "parts 1-2 were posted, the rest are queued because DingTalk throttled robot \"ops\"") || !intIs(g.r.EtaSeconds, 600) {
		t.Errorf("hint %q, eta %v", g.r.Hint, g.r.EtaSeconds)
	}
	st := e.statuses(g.r.DeliveryIDs)
	for i, id := range g.r.DeliveryIDs {
		if st[id].State != string(delivery.Queued) && st[id].State != string(delivery.Sending) || st[id].MsgUUID != g.r.Parts[i+2].MsgUUID || !intIs(st[id].Position, i) {
			t.Errorf("part %d: %+v", i+3, st[id])
		}
	}
}

// TestDeliveryStatusFailedAndNotFound: a queued message DingTalk then refuses is failed, with
// DingTalk's errcode and a hint; an id the outbox does not hold is not_found.
func TestDeliveryStatusFailedAndNotFound(t *testing.T) {
	e := queueEnv(t, time.Second)
	for range 20 {
		e.call(toolSendText, map[string]any{"text": "tick", "robot": "badsign"}).wantFailure(t, KindDingTalk)
	}
	g := e.call(toolSendText, map[string]any{"text": "refused later", "robot": "badsign", "queue": true})
	g.wantOK(t)
	id := g.r.DeliveryIDs[0]
	deadline := time.Now().Add(5 * time.Second)
	var st DeliveryInfo
	for time.Now().Before(deadline) {
		if st = e.statuses([]string{id})[id]; st.State == string(delivery.Failed) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.State != string(delivery.Failed) || st.Errcode == nil || *st.Errcode != 310000 || st.Hint == "" || st.Errmsg == "" {
		t.Fatalf("status of a refused delivery: %+v", st)
	}
	both := e.statuses([]string{id, "d-20260101T000000-00000000"})
	if both["d-20260101T000000-00000000"].State != stateNotFound {
		t.Errorf("unknown id: %+v", both)
	}
	e.call(toolDeliveries, map[string]any{"deliveryIds": []any{}}).wantFailure(t, KindInvalidArguments)
	e.call(toolDeliveries, nil).wantFailure(t, KindInvalidArguments)
}

// TestListRobotsWarnsOfAPause: a robot DingTalk throttled is held for every dingbot process;
// list_robots says so and for how long, where its sendsLeft would not, and a send to it fails
// as rate_limited with the seconds to wait.
func TestListRobotsWarnsOfAPause(t *testing.T) {
	e := queueEnv(t, time.Minute)
	g := e.call(toolListRobots, nil)
	g.wantOK(t)
	for _, w := range g.r.Warnings {
		if strings.Contains(w, "paused") {
			t.Fatalf("a warning of a pause before any: %q", w)
		}
	}
	key, err := dingtalk.RobotKey(e.opts.Robots[0])
	if err != nil {
		t.Fatal(err)
	}
	reason := "DingTalk throttled it for sending more than 20 messages a minute (errcode 410100)"
	if err := e.opts.Client.Meter.Pause(context.Background(), key, dingtalk.Pause{Until: time.Now().Add(9 * time.Minute), Errcode: 410100, Reason: reason}); err != nil {
		t.Fatal(err)
	}
	g = e.call(toolListRobots, nil)
	g.wantOK(t)
	want := fmt.Sprintf("robot %q is paused for ", e.opts.Robots[0].Name)
	var warning string
	for _, w := range g.r.Warnings {
		if strings.HasPrefix(w, want) {
			warning = w
		}
	}
	for _, w := range []string{want, " more seconds (" + reason + ")", "fail as rate_limited", "queued with queue: true"} {
		if !strings.Contains(warning, w) {
			t.Errorf("warning %q does not say %q (warnings %q)", warning, w, g.r.Warnings)
		}
	}
	var secs int
	if _, err := fmt.Sscanf(strings.TrimPrefix(warning, want), "%d more seconds", &secs); err != nil || secs < 530 || secs > 540 {
		t.Errorf("warning %q: %d seconds (%v), want about 540", warning, secs, err)
	}
	if !strings.Contains(g.text, "Warning: "+warning) {
		t.Errorf("the text does not show the pause:\n%s", g.text)
	}
	s := e.call(toolSendText, map[string]any{"text": "during the pause", "robot": e.opts.Robots[0].Name, "queue": false})
	s.wantFailure(t, KindRateLimited)
	if n := s.r.RetryAfterSeconds; n == nil || *n < 530 || *n > 540 {
		t.Errorf("retryAfterSeconds %v, want about 540", derefInt(n))
	}
}
