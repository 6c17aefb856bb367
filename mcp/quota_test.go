package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// withMeter gives the in-process server's client a monthly count and pauses in a fresh state
// directory, as dingbot's shared state does.
func withMeter(t *testing.T) func(*Options) {
	return func(o *Options) {
		sp, err := spool.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sp.Close() })
		o.Client.Meter = sp
	}
}

// robotInfo finds a robot in list_robots' result.
func robotInfo(t *testing.T, g got, name string) RobotInfo {
	t.Helper()
	var res robotsResult
	if err := json.Unmarshal(g.raw.RawStructuredContent, &res); err != nil {
		t.Fatal(err)
	}
	for _, ro := range res.Robots {
		if ro.Name == name {
			return ro
		}
	}
	t.Fatalf("list_robots has no robot %s: %s", name, g.raw.RawStructuredContent)
	return RobotInfo{}
}

func intIs(p *int, want int) bool { return p != nil && *p == want }

func TestMonthUsageWithoutQuota(t *testing.T) {
	e := newEnv(t, envConfig{tweak: withMeter(t)})
	for i := range 3 {
		g := e.call(toolSendText, map[string]any{"text": fmt.Sprint("count ", i)})
		g.wantOK(t)
		if !intIs(g.r.MonthUsed, i+1) || g.r.MonthlyQuota != nil || !strings.Contains(g.text, fmt.Sprintf("%d sends this month", i+1)) {
			t.Errorf("send %d: monthUsed %v monthlyQuota %v\n%s", i+1, g.r.MonthUsed, g.r.MonthlyQuota, g.text)
		}
	}
	l := e.call(toolListRobots, nil)
	l.wantOK(t)
	if ops := robotInfo(t, l, "ops"); !intIs(ops.MonthUsed, 3) || ops.MonthlyQuota != nil {
		t.Errorf("ops: %+v", ops)
	}
	if alert := robotInfo(t, l, "alert"); !intIs(alert.MonthUsed, 0) {
		t.Errorf("alert: %+v", alert)
	}
	if _, ok := l.fields["orgMonthUsed"]; ok {
		t.Errorf("org totals without org_monthly_quota: %s", l.raw.RawStructuredContent)
	}
	if !strings.Contains(l.text, "ops (default; 17 sends left this minute; 3 sends this month)") {
		t.Errorf("list_robots text:\n%s", l.text)
	}
}

// quotaConfig is the test robots' config with a monthly quota on ops and one for the whole
// organisation.
func (b *binEnv) quotaConfig(t *testing.T, robotQuota, orgQuota int) {
	t.Helper()
	b.config(t, fmt.Sprintf(`default_robot = "ops"
org_monthly_quota = %d

[robots.ops]
webhook = %q
allow_custom_host = true
monthly_quota = %d

[robots.alert]
webhook = %q
secret = %q
keywords = ["报警"]
allow_custom_host = true
`, orgQuota, sandbox.WebhookURL(b.url, opsToken), robotQuota, sandbox.WebhookURL(b.url, alertToken), alertSecret))
}

// TestBinaryMonthlyQuota: with monthly_quota = 2, the third send is refused with
// quota_exhausted before it reaches DingTalk, and list_robots shows every robot's month.
func TestBinaryMonthlyQuota(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.quotaConfig(t, 2, 10)
	c, _ := b.stdioClient(t)
	call := func(name string, args map[string]any) got { return callTool(t, c, context.Background(), name, args) }

	first := call(toolSendText, map[string]any{"text": "one"})
	first.wantOK(t)
	if !intIs(first.r.MonthUsed, 1) || !intIs(first.r.MonthlyQuota, 2) || len(first.r.Warnings) != 0 {
		t.Errorf("first send: %s", first.raw.RawStructuredContent)
	}
	second := call(toolSendText, map[string]any{"text": "two"})
	second.wantOK(t)
	if !intIs(second.r.MonthUsed, 2) || !strings.Contains(strings.Join(second.r.Warnings, "\n"), "used 2 of its 2 sends this month") {
		t.Errorf("second send: %s", second.raw.RawStructuredContent)
	}
	third := call(toolSendText, map[string]any{"text": "three"})
	third.wantFailure(t, KindQuota)
	if !strings.Contains(third.r.Errmsg, "2 of 2") || !strings.Contains(third.r.Hint, "monthly_quota") || !strings.Contains(third.r.Hint, "nothing was sent") {
		t.Errorf("errmsg %q hint %q", third.r.Errmsg, third.r.Hint)
	}
	if strings.Contains(third.r.Hint, "--force") {
		t.Errorf("hint offers the agent a CLI flag it cannot pass: %q", third.r.Hint)
	}
	if n := len(b.sb.Arrivals()); n != 2 {
		t.Errorf("%d requests reached the sandbox, want 2", n)
	}
	call(toolSendText, map[string]any{"text": "报警 other robot", "robot": "alert"}).wantOK(t)

	l := call(toolListRobots, nil)
	l.wantOK(t)
	if ops := robotInfo(t, l, "ops"); !intIs(ops.MonthUsed, 2) || !intIs(ops.MonthlyQuota, 2) {
		t.Errorf("ops: %+v", ops)
	}
	if alert := robotInfo(t, l, "alert"); !intIs(alert.MonthUsed, 1) || alert.MonthlyQuota != nil {
		t.Errorf("alert: %+v", alert)
	}
	if l.fields["orgMonthUsed"] != float64(3) || l.fields["orgMonthlyQuota"] != float64(10) {
		t.Errorf("org totals: %s", l.raw.RawStructuredContent)
	}
	if !strings.Contains(l.text, "2 of its 2 sends this month used") || !strings.Contains(l.text, "The organisation: 3 of its 10 sends this month used.") {
		t.Errorf("list_robots text:\n%s", l.text)
	}
}

// TestBinaryPauseAfterThrottle: once DingTalk answers 410100, every send to that robot, from
// this server or another dingbot, is refused as rate_limited for the rest of the ten minutes
// without reaching DingTalk; other robots still send.
func TestBinaryPauseAfterThrottle(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{Limit: 2})
	c, _ := b.stdioClient(t)
	call := func(args map[string]any) got { return callTool(t, c, context.Background(), toolSendText, args) }
	call(map[string]any{"text": "1"}).wantOK(t)
	call(map[string]any{"text": "2"}).wantOK(t)
	throttled := call(map[string]any{"text": "3"})
	throttled.wantFailure(t, KindRateLimited)
	if !intIs(throttled.r.Errcode, 410100) || !intIs(throttled.r.RetryAfterSeconds, 600) {
		t.Errorf("throttled: %s", throttled.raw.RawStructuredContent)
	}
	paused := call(map[string]any{"text": "4"})
	paused.wantFailure(t, KindRateLimited)
	if paused.r.Errcode != nil || paused.r.RetryAfterSeconds == nil || *paused.r.RetryAfterSeconds < 590 || *paused.r.RetryAfterSeconds > 600 {
		t.Errorf("paused: %s", paused.raw.RawStructuredContent)
	}
	if !strings.Contains(paused.r.Errmsg, "paused") || !strings.Contains(paused.r.Hint, "wait") || !strings.Contains(paused.text, "Retry after") {
		t.Errorf("errmsg %q hint %q", paused.r.Errmsg, paused.r.Hint)
	}
	// Another dingbot process sharing the state holds its sends too.
	other, _ := b.stdioClient(t)
	callTool(t, other, context.Background(), toolSendText, map[string]any{"text": "5"}).wantFailure(t, KindRateLimited)
	if n := len(b.sb.Arrivals()); n != 3 {
		t.Errorf("%d requests reached the sandbox, want 3: a paused robot must not send", n)
	}
	callTool(t, other, context.Background(), toolSendText, map[string]any{"text": "报警", "robot": "alert"}).wantOK(t)
}

// TestBinaryDrainsTheOutbox: a message queued by `dingbot send --queue`, with no background
// drainer, is delivered by the MCP server once it runs (not by one in --dry-run).
func TestBinaryDrainsTheOutbox(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.env = append(b.env, "DINGBOT_NO_BACKGROUND_DRAINER=1")
	cmd := exec.Command(dingbotBinary(t), "send", "text", "queued hi", "--queue", "--json")
	cmd.Env = append(os.Environ(), b.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("send --queue: %v\n%s", err, out)
	}
	var queued struct {
		OK      bool   `json:"ok"`
		Queued  bool   `json:"queued"`
		MsgUUID string `json:"msg_uuid"`
	}
	if err := json.Unmarshal(out, &queued); err != nil || !queued.OK || !queued.Queued || queued.MsgUUID == "" {
		t.Fatalf("send --queue --json: %v\n%s", err, out)
	}

	dry, dryLog := b.stdioClient(t, "--dry-run")
	callTool(t, dry, context.Background(), toolListRobots, nil).wantOK(t)
	if n := len(b.sb.Arrivals()); n != 0 || strings.Contains(dryLog.String(), "delivering the outbox") {
		t.Fatalf("a --dry-run server delivered the outbox: %d arrivals\n%s", n, dryLog)
	}
	_ = dry.Close()

	start := time.Now()
	_, stderr := b.stdioClient(t)
	select {
	case a := <-b.arrivals:
		if !a.Accepted || textOf(t, a) != "queued hi" || a.Message["msgUuid"] != queued.MsgUUID {
			t.Errorf("the sandbox got %+v, want the queued message with msgUuid %s", a, queued.MsgUUID)
		}
		t.Logf("delivered %v after the server started", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatalf("the MCP server did not deliver the queued message; stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "delivering the outbox") {
		t.Errorf("the server does not log that it drains the outbox:\n%s", stderr)
	}
	for _, s := range secrets {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("stderr leaks a secret:\n%s", stderr)
		}
	}
}
