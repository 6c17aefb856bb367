package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

func TestSendTextInsertsMentions(t *testing.T) {
	e := newEnv(t, envConfig{})
	g := e.call("send_text_message", map[string]any{
		"text":      "deploy finished",
		"atMobiles": []any{"13800000000"},
		"atNames":   []any{"bob"},
	})
	g.wantOK(t)
	if g.r.Robot != "ops" || g.r.MsgType != "text" || g.r.Errcode == nil || *g.r.Errcode != 0 || g.r.Bytes == 0 {
		t.Errorf("result = %+v", g.r)
	}
	if g.r.SendsLeft == nil || *g.r.SendsLeft != 19 {
		t.Errorf("sendsLeft = %v, want 19", g.r.SendsLeft)
	}
	if !slices.Equal(g.r.MentionsAdded, []string{"13800000000", "bob01"}) {
		t.Errorf("mentionsAdded = %v", g.r.MentionsAdded)
	}
	acc := e.sb.Accepted()
	if len(acc) != 1 {
		t.Fatalf("sandbox accepted %d messages, want 1", len(acc))
	}
	text := textOf(t, acc[0])
	if !strings.Contains(text, "@13800000000") || !strings.Contains(text, "@bob01") {
		t.Errorf("sent text %q lacks the @mentions", text)
	}
	at := acc[0].Message["at"].(map[string]any)
	if !slices.Equal(strList(at["atMobiles"]), []string{"13800000000"}) || !slices.Equal(strList(at["atUserIds"]), []string{"bob01"}) {
		t.Errorf("at = %v", at)
	}
	if !slices.Contains(acc[0].Notified, "13800000000") || !slices.Contains(acc[0].Notified, "bob01") {
		t.Errorf("sandbox says notified %v", acc[0].Notified)
	}
	if !strings.Contains(g.text, "Sent the text message") || !strings.Contains(g.text, "19 sends left") {
		t.Errorf("text = %q", g.text)
	}
}

func TestSendEveryType(t *testing.T) {
	tests := []struct {
		tool  string
		args  map[string]any
		check func(t *testing.T, msg map[string]any)
	}{
		{"send_markdown_message", map[string]any{
			"title": "报警: disk", "text": "# Disk\n\n**90%** used on `db1`", "atNames": []any{"Carol"}, "robot": "alert",
		}, func(t *testing.T, msg map[string]any) {
			md := msg["markdown"].(map[string]any)
			if md["title"] != "报警: disk" || !strings.HasSuffix(md["text"].(string), "\n\n@+852-12345678") {
				t.Errorf("markdown = %v", md)
			}
		}},
		{"send_link_message", map[string]any{
			"title": "Build 42", "text": "green", "messageUrl": "https://ci.example.com/42", "picUrl": "https://ci.example.com/badge.png",
		}, func(t *testing.T, msg map[string]any) {
			l := msg["link"].(map[string]any)
			if l["messageUrl"] != "https://ci.example.com/42" || l["picUrl"] != "https://ci.example.com/badge.png" {
				t.Errorf("link = %v", l)
			}
		}},
		{"send_action_card", map[string]any{
			"title": "Release", "text": "### v1.2\nready", "singleTitle": "Open", "singleURL": "https://example.com/r", "hideAvatar": "1",
		}, func(t *testing.T, msg map[string]any) {
			c := msg["actionCard"].(map[string]any)
			if c["singleURL"] != "https://example.com/r" || c["hideAvatar"] != "1" {
				t.Errorf("actionCard = %v", c)
			}
		}},
		{"send_action_card", map[string]any{
			"title": "Approve?", "text": "PR #7", "btnOrientation": "horizontal",
			"buttons": []any{
				map[string]any{"title": "Yes", "actionURL": "https://example.com/y"},
				map[string]any{"title": "No", "actionUrl": "dingtalk://dingtalkclient/page/link?url=x&pc_slide=true"},
			},
		}, func(t *testing.T, msg map[string]any) {
			c := msg["actionCard"].(map[string]any)
			btns := c["btns"].([]any)
			if c["btnOrientation"] != "1" || len(btns) != 2 || btns[1].(map[string]any)["actionURL"] == "" {
				t.Errorf("actionCard = %v", c)
			}
		}},
		{"send_feed_card", map[string]any{
			"links": []any{
				map[string]any{"title": "One", "messageURL": "https://example.com/1", "picURL": "https://example.com/1.png"},
				map[string]any{"title": "Two", "messageURL": "https://example.com/2", "picURL": "https://example.com/2.png"},
			},
		}, func(t *testing.T, msg map[string]any) {
			if links := msg["feedCard"].(map[string]any)["links"].([]any); len(links) != 2 {
				t.Errorf("feedCard links = %v", links)
			}
		}},
	}
	e := newEnv(t, envConfig{})
	for i, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			g := e.call(tt.tool, tt.args)
			g.wantOK(t)
			acc := e.sb.Accepted()
			if len(acc) != i+1 {
				t.Fatalf("sandbox accepted %d messages, want %d", len(acc), i+1)
			}
			last := acc[len(acc)-1]
			if last.Msgtype != g.r.MsgType {
				t.Errorf("sandbox got msgtype %s, result says %s", last.Msgtype, g.r.MsgType)
			}
			tt.check(t, last.Message)
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		kind    string
		cfg     envConfig
		fault   sandbox.Fault
		check   func(t *testing.T, g got)
		maySend bool // the sandbox saw the request (and refused or faulted it)
	}{
		{name: "missing text", tool: "send_text_message", args: map[string]any{}, kind: KindInvalidArguments,
			check: func(t *testing.T, g got) { wantProblem(t, g, "text: missing required argument") }},
		{name: "wrong type", tool: "send_markdown_message", args: map[string]any{"title": "t", "text": true, "atAll": "maybe"}, kind: KindInvalidArguments,
			check: func(t *testing.T, g got) {
				wantProblem(t, g, "text: must be a string, got a boolean")
				wantProblem(t, g, "atAll: must be true or false")
			}},
		{name: "unknown argument", tool: "send_text_message", args: map[string]any{"text": "x", "content": "y"}, kind: KindInvalidArguments,
			check: func(t *testing.T, g got) { wantProblem(t, g, `unknown argument "content"`) }},
		{name: "bad orientation", tool: "send_action_card", args: map[string]any{"title": "t", "text": "x", "singleTitle": "a", "singleURL": "https://x.example", "btnOrientation": "diagonal"}, kind: KindInvalidArguments},
		{name: "button without URL", tool: "send_action_card", args: map[string]any{"title": "t", "text": "x", "buttons": []any{map[string]any{"title": "a"}}}, kind: KindInvalidArguments,
			check: func(t *testing.T, g got) { wantProblem(t, g, "buttons[0].actionURL: missing required field") }},
		{name: "unknown robot", tool: "send_text_message", args: map[string]any{"text": "x", "robot": "nope"}, kind: KindUnknownRobot,
			check: func(t *testing.T, g got) {
				if !strings.Contains(g.r.Hint, "ops, alert, badsign") {
					t.Errorf("hint %q does not list the robots", g.r.Hint)
				}
			}},
		{name: "unknown contact", tool: "send_text_message", args: map[string]any{"text": "x", "atNames": []any{"Zed"}}, kind: KindUnknownContact,
			check: func(t *testing.T, g got) {
				if !strings.Contains(g.r.Errmsg, "Alice") {
					t.Errorf("errmsg %q does not list the known contacts", g.r.Errmsg)
				}
			}},
		{name: "invalid message", tool: "send_link_message", args: map[string]any{"title": "t", "text": "x", "messageUrl": "ftp://example.com"}, kind: KindInvalidMessage,
			check: func(t *testing.T, g got) { wantProblem(t, g, "link.messageUrl") }},
		{name: "invalid mobile", tool: "send_text_message", args: map[string]any{"text": "x", "atMobiles": []any{"call me"}}, kind: KindInvalidMessage},
		{name: "too large", tool: "send_text_message", args: map[string]any{"text": strings.Repeat("长", 7000)}, kind: KindInvalidMessage,
			check: func(t *testing.T, g got) {
				if g.r.Bytes <= dingtalk.MaxBodyBytes {
					t.Errorf("bytes = %d, want > %d", g.r.Bytes, dingtalk.MaxBodyBytes)
				}
				wantProblem(t, g, "20000")
			}},
		{name: "keyword missing", tool: "send_text_message", args: map[string]any{"text": "disk full", "robot": "alert"}, kind: KindKeywordMissing,
			check: func(t *testing.T, g got) {
				if !strings.Contains(g.r.Hint, "报警") || g.r.Errcode != nil {
					t.Errorf("hint %q errcode %v", g.r.Hint, g.r.Errcode)
				}
			}},
		{name: "wrong secret", tool: "send_text_message", args: map[string]any{"text": "x", "robot": "badsign"}, kind: KindDingTalk, maySend: true,
			check: func(t *testing.T, g got) {
				if g.r.Errcode == nil || *g.r.Errcode != 310000 || !strings.Contains(g.r.Hint, "secret") {
					t.Errorf("errcode %v hint %q", g.r.Errcode, g.r.Hint)
				}
			}},
		{name: "HTML 500", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindBadResponse, fault: sandbox.FaultHTML500, maySend: true,
			check: wantMaybeDelivered},
		{name: "invalid JSON", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindBadResponse, fault: sandbox.FaultInvalidJSON, maySend: true,
			check: wantMaybeDelivered},
		{name: "dropped connection", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindConnection, fault: sandbox.FaultDropConnection, maySend: true,
			check: wantMaybeDelivered},
		{name: "timeout", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindTimeout, maySend: true,
			cfg:   envConfig{sandbox: sandbox.Options{Delay: 2 * time.Second}, timeout: 100 * time.Millisecond},
			check: wantMaybeDelivered},
		{name: "unusable webhook", tool: "send_text_message", args: map[string]any{"text": "x", "robot": "elsewhere"}, kind: KindRobotMisconfigured,
			cfg: envConfig{tweak: func(o *Options) {
				o.Robots = append(o.Robots, dingtalk.Robot{Name: "elsewhere", Webhook: "https://example.com/robot/send?access_token=" + opsToken})
			}}},
		{name: "no default robot", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindUnknownRobot,
			cfg: envConfig{tweak: func(o *Options) { o.DefaultRobot = "" }}},
		{name: "broken config", tool: "send_text_message", args: map[string]any{"text": "x"}, kind: KindConfig,
			cfg: envConfig{tweak: func(o *Options) { o.Robots, o.ConfigError = nil, errors.New("config.toml:3: unknown key \"webhok\"") }},
			check: func(t *testing.T, g got) {
				if !strings.Contains(g.r.Errmsg, `unknown key "webhok"`) || !strings.Contains(g.text, "webhok") {
					t.Errorf("the config problem is not shown: %s / %s", g.r.Errmsg, g.text)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			e.sb.SetFault(tt.fault)
			start := time.Now()
			g := e.call(tt.tool, tt.args)
			g.wantFailure(t, tt.kind)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the failure took %v", d)
			}
			if tt.check != nil {
				tt.check(t, g)
			}
			if n := len(e.sb.Accepted()); n != 0 {
				t.Errorf("sandbox accepted %d messages", n)
			}
			if n := len(e.sb.Arrivals()); !tt.maySend && n != 0 {
				t.Errorf("a request reached the sandbox %d times, want none", n)
			}
			// At most one resend, and never a blind one: every attempt carries the msgUuid the
			// result reports, so DingTalk posts the message at most once.
			if arr := e.sb.Arrivals(); tt.maySend && tt.kind != KindTimeout {
				if len(arr) < 1 || len(arr) > 2 {
					t.Errorf("%d requests reached the sandbox, want 1 or 2", len(arr))
				}
				for _, a := range arr {
					var body map[string]any
					if json.Unmarshal(a.Body, &body) != nil || body["msgUuid"] == nil || body["msgUuid"] != g.r.MsgUUID {
						t.Errorf("an attempt carried msgUuid %v, want the result's %q", body["msgUuid"], g.r.MsgUUID)
					}
				}
			}
		})
	}
}

func wantProblem(t *testing.T, g got, part string) {
	t.Helper()
	for _, p := range g.r.Problems {
		if strings.Contains(p, part) {
			if !strings.Contains(g.text, part) {
				t.Errorf("text does not show problem %q: %s", part, g.text)
			}
			return
		}
	}
	t.Errorf("no problem mentions %q: %q", part, g.r.Problems)
}

func wantMaybeDelivered(t *testing.T, g got) {
	t.Helper()
	if g.r.Errcode != nil {
		t.Errorf("errcode = %d, want null: DingTalk did not answer", *g.r.Errcode)
	}
	if g.r.MaybeDelivered == nil || !*g.r.MaybeDelivered {
		t.Errorf("maybeDelivered = %v, want true", g.r.MaybeDelivered)
	}
	if !strings.Contains(g.text, "MAY have been posted") {
		t.Errorf("text does not warn about a possible delivery: %s", g.text)
	}
	// The way to retry safely: the same msgUuid, which DingTalk posts at most once.
	if g.r.MsgUUID == "" || !strings.Contains(g.text, g.r.MsgUUID) || !strings.Contains(g.text, "at most once") {
		t.Errorf("msgUuid %q: the text does not say how to retry safely: %s", g.r.MsgUUID, g.text)
	}
}

func TestRateLimitFailsAtOnce(t *testing.T) {
	e := newEnv(t, envConfig{})
	for range 20 {
		e.call("send_text_message", map[string]any{"text": "tick"}).wantOK(t)
	}
	start := time.Now()
	g := e.call("send_text_message", map[string]any{"text": "tick"})
	if d := time.Since(start); d > time.Second {
		t.Errorf("the rate-limited call took %v: it must not wait for a slot", d)
	}
	g.wantFailure(t, KindRateLimited)
	// The limiter holds a slot for the minute plus a 2-second margin (ratelimit.Limiter.window).
	if g.r.RetryAfterSeconds == nil || *g.r.RetryAfterSeconds < 1 || *g.r.RetryAfterSeconds > 62 {
		t.Errorf("retryAfterSeconds = %v", derefInt(g.r.RetryAfterSeconds))
	}
	if !strings.Contains(g.text, "Retry after") {
		t.Errorf("text = %q", g.text)
	}
	if n := len(e.sb.Accepted()); n != 20 {
		t.Errorf("sandbox accepted %d, want 20", n)
	}
	// Another robot has its own budget.
	e.call("send_text_message", map[string]any{"text": "报警", "robot": "alert"}).wantOK(t)
}

func TestConcurrentSendsHoldTheRateLimit(t *testing.T) {
	e := newEnv(t, envConfig{})
	const calls = 50
	results := make([]got, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			results[i] = e.call("send_text_message", map[string]any{"text": "load"})
		})
	}
	wg.Wait()
	var ok, limited int
	for _, g := range results {
		switch {
		case g.r.OK:
			ok++
		case g.r.Error == KindRateLimited:
			limited++
		default:
			t.Errorf("unexpected result: %s", g.raw.RawStructuredContent)
		}
	}
	if ok != 20 || limited != 30 {
		t.Errorf("%d sent and %d rate-limited, want 20 and 30", ok, limited)
	}
	if n := len(e.sb.Accepted()); n != 20 {
		t.Errorf("sandbox accepted %d, want exactly 20", n)
	}
	if n := len(e.sb.Arrivals()); n != 20 {
		t.Errorf("%d requests reached the sandbox, want exactly 20", n)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.DryRun = true }})
	g := e.call("send_markdown_message", map[string]any{"title": "t", "text": "hello <b>x</b>", "atMobiles": []any{"13800000000"}})
	g.wantOK(t)
	if !g.r.DryRun || g.r.Errcode != nil || len(g.r.Body) == 0 {
		t.Fatalf("result = %s", g.raw.RawStructuredContent)
	}
	var body struct {
		Markdown struct{ Text string } `json:"markdown"`
	}
	if err := json.Unmarshal(g.r.Body, &body); err != nil || body.Markdown.Text != "hello <b>x</b>\n\n@13800000000" {
		t.Errorf("body = %s (%v)", g.r.Body, err)
	}
	if !strings.Contains(g.text, "NOT sent") || !strings.Contains(g.text, `"msgtype": "markdown"`) {
		t.Errorf("text = %s", g.text)
	}
	if len(g.r.Warnings) == 0 {
		t.Errorf("want a warning about <b>")
	}
	// A dry run still refuses what DingTalk would refuse.
	e.call("send_text_message", map[string]any{"text": "x", "robot": "alert"}).wantFailure(t, KindKeywordMissing)
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("dry run reached the sandbox %d times", n)
	}
}

func TestCancelAbortsTheRequest(t *testing.T) {
	arrived := make(chan sandbox.Arrival, 4)
	e := newEnv(t, envConfig{sandbox: sandbox.Options{Delay: 5 * time.Second, OnArrival: func(a sandbox.Arrival) { arrived <- a }}})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.client.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "send_text_message", Arguments: map[string]any{"text": "slow"}}})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the canceled call returned after %v", d)
	}
	t.Logf("call returned after %v: %v", time.Since(start), err)
	select {
	case a := <-arrived:
		if a.Accepted || !strings.Contains(a.Errmsg, "went away") {
			t.Errorf("sandbox saw %+v", a)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("the HTTP request was not aborted; logs:\n%s", e.logs)
	}
	if n := len(e.sb.Accepted()); n != 0 {
		t.Errorf("sandbox accepted %d", n)
	}
	if !strings.Contains(e.logs.String(), "error=canceled") {
		t.Errorf("the handler did not end with a canceled result; logs:\n%s", e.logs)
	}
}

func TestWaitingClientStillFailsAtOnce(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.Client.WaitForSlot = true }})
	for range 20 {
		e.call("send_text_message", map[string]any{"text": "tick"}).wantOK(t)
	}
	start := time.Now()
	e.call("send_text_message", map[string]any{"text": "tick"}).wantFailure(t, KindRateLimited)
	if d := time.Since(start); d > time.Second {
		t.Errorf("the rate-limited call waited %v", d)
	}
}

func derefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestFailedSendReportsNoAddedMentions: a send that failed before anything was posted reports no
// mentionsAdded and no warning about them, and says nothing was sent; a preview of the same
// message still shows them.
func TestFailedSendReportsNoAddedMentions(t *testing.T) {
	e := newEnv(t, envConfig{})
	args := map[string]any{"text": "disk full", "atMobiles": []any{"13800000000"}, "robot": "alert"}
	g := e.call(toolSendText, args)
	g.wantFailure(t, KindKeywordMissing)
	if g.r.MentionsAdded != nil || len(g.r.Warnings) != 0 || strings.Contains(g.text, "added @") {
		t.Errorf("a failed send reports added mentions: %s\n%s", g.raw.RawStructuredContent, g.text)
	}
	if !strings.HasPrefix(g.r.Hint, "nothing was sent: ") {
		t.Errorf("hint = %q", g.r.Hint)
	}

	e.sb.SetFault(sandbox.FaultHTML500)
	g = e.call(toolSendText, map[string]any{"text": "x", "atMobiles": []any{"13800000000"}, "atUserIds": []any{"bob01"}})
	g.wantFailure(t, KindBadResponse)
	if g.r.MaybeDelivered == nil {
		t.Fatalf("maybeDelivered unset: %s", g.raw.RawStructuredContent)
	}
	if *g.r.MaybeDelivered != (g.r.MentionsAdded != nil) {
		t.Errorf("maybeDelivered %v but mentionsAdded %v: report added mentions exactly when the message may be posted", *g.r.MaybeDelivered, g.r.MentionsAdded)
	}
	e.sb.SetFault(sandbox.NoFault)

	p := e.call(toolPreview, map[string]any{"msgtype": "text", "text": "disk full", "atMobiles": []any{"13800000000"}, "robot": "alert"})
	if p.r.Error != KindKeywordMissing || !slices.Equal(p.r.MentionsAdded, []string{"13800000000"}) || len(p.r.Warnings) != 1 {
		t.Errorf("preview: %s", p.raw.RawStructuredContent)
	}
	ok := e.call(toolSendText, map[string]any{"text": "x", "atMobiles": []any{"13800000000"}})
	ok.wantOK(t)
	if !slices.Equal(ok.r.MentionsAdded, []string{"13800000000"}) || len(ok.r.Warnings) != 1 {
		t.Errorf("sent: %s", ok.raw.RawStructuredContent)
	}
}

// TestReadOnlyToolsSayNothingOfSending: a tool without parameters says so when given some, and
// no read-only tool's failure talks about what was sent.
func TestReadOnlyToolsSayNothingOfSending(t *testing.T) {
	e := newEnv(t, envConfig{})
	for _, tool := range []string{toolListRobots} { // list_contacts takes query: tools_list_test.go
		g := e.call(tool, map[string]any{"x": 1})
		g.wantFailure(t, KindInvalidArguments)
		if !slices.Equal(g.r.Problems, []string{`unknown argument "x": this tool takes no arguments`}) {
			t.Errorf("%s: problems %q", tool, g.r.Problems)
		}
		if strings.Contains(g.r.Hint, "sent") || !strings.Contains(g.r.Hint, "takes no arguments") {
			t.Errorf("%s: hint %q", tool, g.r.Hint)
		}
	}
	for _, args := range []map[string]any{
		{"msgtype": "text", "text": "x", "bogus": 1},
		{"msgtype": "text", "text": "x", "atNames": []any{"Zed"}},
		{"msgtype": "text", "text": "x", "robot": "nope"},
	} {
		g := e.call(toolPreview, args)
		if !g.isError || strings.Contains(g.r.Hint, "nothing was sent") {
			t.Errorf("preview %v: hint %q", args, g.r.Hint)
		}
	}
	g := e.call(toolSendText, map[string]any{"text": "x", "bogus": 1})
	g.wantFailure(t, KindInvalidArguments)
	if !strings.HasPrefix(g.r.Hint, "nothing was sent: ") || !strings.Contains(g.r.Problems[0], "this tool takes text, atMobiles") {
		t.Errorf("send: hint %q problems %q", g.r.Hint, g.r.Problems)
	}
}

// TestWebhookErrcodesAskTheUser: the errcodes that mean the robot's webhook is wrong keep
// DingTalk's errcode and errmsg verbatim and tell the agent to ask the user to fix that robot's
// webhook in dingbot's config.
func TestWebhookErrcodesAskTheUser(t *testing.T) {
	codes := map[int]string{
		300001: "token not exist", 300005: "token is not exist", 400101: "access_token不存在",
		400102: "机器人已停用", 400106: "robot 不存在", 400013: "群已被解散",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("access_token"), "code"))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": codes[code]})
	}))
	defer srv.Close()
	for code, errmsg := range codes {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			e := newEnv(t, envConfig{tweak: func(o *Options) {
				o.Robots = []dingtalk.Robot{{Name: "team", Webhook: srv.URL + "/robot/send?access_token=code" + strconv.Itoa(code), AllowCustomHost: true}}
				o.DefaultRobot = "team"
			}})
			g := e.call(toolSendText, map[string]any{"text": "hi"})
			g.wantFailure(t, KindDingTalk)
			if g.r.Errcode == nil || *g.r.Errcode != code || g.r.Errmsg != errmsg {
				t.Errorf("errcode %v errmsg %q, want DingTalk's verbatim", derefInt(g.r.Errcode), g.r.Errmsg)
			}
			for _, w := range []string{`robot "team"'s webhook in dingbot's config`, "ask the user", "restart"} {
				if !strings.Contains(g.r.Hint, w) {
					t.Errorf("hint %q lacks %q", g.r.Hint, w)
				}
			}
			if strings.Contains(g.r.Hint, "access_token=") || strings.Contains(g.r.Hint, "paste") {
				t.Errorf("hint speaks to a person editing the config: %q", g.r.Hint)
			}
		})
	}
}

// TestWebhookAsRobotIsNeverEchoed: a robot argument that is a webhook URL, an access token or a
// secret is refused without appearing in the result, its text or the logs.
func TestWebhookAsRobotIsNeverEchoed(t *testing.T) {
	e := newEnv(t, envConfig{})
	values := []string{
		"https://oapi.dingtalk.com/robot/send?access_token=" + opsToken,
		"oapi.dingtalk.com/robot/send?access_token=" + opsToken,
		"access_token=" + opsToken,
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		alertSecret,
	}
	for _, v := range values {
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{toolSendText, map[string]any{"text": "x", "robot": v}},
			{toolPreview, map[string]any{"msgtype": "text", "text": "x", "robot": v}},
			{toolSendAction, map[string]any{"title": "t", "text": "x", "singleTitle": "a", "singleURL": "https://x.example", "btnOrientation": v, "robot": v}},
			{toolListRobots, map[string]any{v: v}},
		} {
			g := e.call(c.tool, c.args)
			g.wantFailure(t, KindInvalidArguments)
			whole, _ := json.Marshal(g.raw)
			if strings.Contains(string(whole), v) || strings.Contains(string(whole), "access_token=") {
				t.Errorf("%s echoes the robot argument: %s", c.tool, whole)
			}
			if c.tool != toolListRobots && (g.r.Robot != robotWithheld || !strings.Contains(g.text, "list_robots")) {
				t.Errorf("%s: robot %q text:\n%s", c.tool, g.r.Robot, g.text)
			}
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, "access_token") || strings.Contains(logs, "0123456789abcdef0123") || strings.Contains(logs, alertSecret) {
		t.Errorf("logs show a robot argument:\n%s", logs)
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
	// Names still work, in any case.
	e.call(toolSendText, map[string]any{"text": "x", "robot": "OPS"}).wantOK(t)
}

// TestRetryWithMsgUUIDPostsOnce: the agent retries a send with the msgUuid of the first result;
// the group sees the message once.
func TestRetryWithMsgUUIDPostsOnce(t *testing.T) {
	e := newEnv(t, envConfig{})
	first := e.call("send_text_message", map[string]any{"text": "deploy 42"})
	first.wantOK(t)
	if !strings.HasPrefix(first.r.MsgUUID, "dingbot-") {
		t.Fatalf("msgUuid = %q, want a fresh one", first.r.MsgUUID)
	}
	again := e.call("send_text_message", map[string]any{"text": "deploy 42", "msgUuid": first.r.MsgUUID})
	again.wantOK(t)
	if again.r.MsgUUID != first.r.MsgUUID {
		t.Fatalf("msgUuid %q, want the given %q", again.r.MsgUUID, first.r.MsgUUID)
	}
	if n := len(e.sb.Accepted()); n != 1 {
		t.Fatalf("the group shows %d posts, want 1", n)
	}
	other := e.call("send_text_message", map[string]any{"text": "deploy 43"})
	other.wantOK(t)
	if other.r.MsgUUID == first.r.MsgUUID || len(e.sb.Accepted()) != 2 {
		t.Fatalf("a new message reused msgUuid %q or was not posted", other.r.MsgUUID)
	}
}
