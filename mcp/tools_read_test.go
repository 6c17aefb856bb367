package mcp

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
)

func TestPreview(t *testing.T) {
	e := newEnv(t, envConfig{})
	t.Run("sendable with mentions", func(t *testing.T) {
		g := e.call("preview_message", map[string]any{"msgtype": "text", "text": "报警 disk full", "atNames": []any{"Alice"}, "robot": "alert"})
		g.wantOK(t)
		var body dingtalk.Message
		if err := json.Unmarshal(g.r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Text.Content != "报警 disk full @13800000000" || !slices.Equal(body.At.AtMobiles, []string{"13800000000"}) {
			t.Errorf("body = %s", g.r.Body)
		}
		if g.r.Bytes != len(mustEncode(t, body)) || g.r.MaxBytes == nil || *g.r.MaxBytes != 20000 {
			t.Errorf("bytes %d maxBytes %v", g.r.Bytes, g.r.MaxBytes)
		}
		if k := g.r.Keyword; k == nil || !k.OK || k.Matched != "报警" {
			t.Errorf("keywordCheck = %+v", k)
		}
		if g.r.Errcode != nil || g.r.SendsLeft == nil || *g.r.SendsLeft != 20 {
			t.Errorf("errcode %v sendsLeft %v", g.r.Errcode, g.r.SendsLeft)
		}
		if !strings.Contains(g.text, "nothing was sent") || !strings.Contains(g.text, "@13800000000") || !strings.Contains(g.r.Hint, "send_text_message") {
			t.Errorf("text = %s\nhint = %s", g.text, g.r.Hint)
		}
	})
	t.Run("markdown warnings", func(t *testing.T) {
		g := e.call("preview_message", map[string]any{"msgtype": "markdown", "title": "Report", "text": "| a | b |\n|---|---|\n| 1 | 2 |"})
		g.wantOK(t)
		if len(g.r.Warnings) == 0 || !strings.Contains(g.r.Warnings[0], "PC") {
			t.Errorf("warnings = %q", g.r.Warnings)
		}
	})
	t.Run("keyword missing is reported, not an error", func(t *testing.T) {
		g := e.call("preview_message", map[string]any{"msgtype": "markdown", "title": "Report", "text": "all good", "robot": "alert"})
		if g.isError || g.r.OK || g.r.Error != KindKeywordMissing || g.r.Keyword.OK {
			t.Fatalf("result = %s", g.raw.RawStructuredContent)
		}
		if !strings.Contains(g.text, "REFUSE") || !strings.Contains(g.r.Hint, "报警") {
			t.Errorf("text = %s", g.text)
		}
	})
	t.Run("invalid message lists every problem", func(t *testing.T) {
		g := e.call("preview_message", map[string]any{"msgtype": "actionCard", "title": "", "text": "x", "singleTitle": "Go", "singleURL": "mailto:x@example.com"})
		if g.isError || g.r.OK || g.r.Error != KindInvalidMessage || len(g.r.Problems) != 2 || len(g.r.Body) == 0 {
			t.Fatalf("result = %s", g.raw.RawStructuredContent)
		}
	})
	t.Run("msgtype in any casing", func(t *testing.T) {
		g := e.call("preview_message", map[string]any{"msgtype": "feed_card", "links": []any{map[string]any{"title": "a", "messageUrl": "https://a.example", "picUrl": "https://a.example/p.png"}}})
		g.wantOK(t)
		if g.r.MsgType != "feedCard" {
			t.Errorf("msgtype = %s", g.r.MsgType)
		}
	})
	for name, args := range map[string]map[string]any{
		"field of another type": {"msgtype": "text", "text": "x", "messageUrl": "https://x.example"},
		"no msgtype":            {"text": "x"},
		"bad msgtype":           {"msgtype": "image", "text": "x"},
	} {
		t.Run(name, func(t *testing.T) {
			e.call("preview_message", args).wantFailure(t, KindInvalidArguments)
		})
	}
	t.Run("unknown robot", func(t *testing.T) {
		e.call("preview_message", map[string]any{"msgtype": "text", "text": "x", "robot": "nope"}).wantFailure(t, KindUnknownRobot)
	})
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("previews reached the sandbox %d times", n)
	}
}

func mustEncode(t *testing.T, m dingtalk.Message) []byte {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestListRobots(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.DefaultRobot = "alert" }})
	e.call("send_text_message", map[string]any{"text": "报警", "robot": "alert"}).wantOK(t)
	g := e.call("list_robots", nil)
	g.wantOK(t)
	var out struct{ Robots []RobotInfo }
	if err := json.Unmarshal(g.raw.RawStructuredContent, &out); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(out.Robots))
	for i, r := range out.Robots {
		names[i] = r.Name
	}
	if !slices.Equal(names, []string{"alert", "ops", "badsign"}) {
		t.Fatalf("robots = %v, want the default first", names)
	}
	alert := out.Robots[0]
	if !alert.Default || !alert.Signed || !slices.Equal(alert.Keywords, []string{"报警"}) || alert.SendsLeft == nil || *alert.SendsLeft != 19 || alert.Sandbox {
		t.Errorf("alert = %+v", alert)
	}
	if ops := out.Robots[1]; ops.Default || ops.Signed || ops.Keywords == nil || *ops.SendsLeft != 20 {
		t.Errorf("ops = %+v", ops)
	}
	if g.r.Robot != "alert" || !strings.Contains(g.text, "alert (default; signed; messages must contain one of: 报警; 19 sends left this minute)") {
		t.Errorf("robot %q text:\n%s", g.r.Robot, g.text)
	}
	if strings.Contains(string(g.raw.RawStructuredContent), e.url) {
		t.Errorf("list_robots shows a webhook: %s", g.raw.RawStructuredContent)
	}
	e.call("list_robots", map[string]any{"verbose": true}).wantFailure(t, KindInvalidArguments)
}

func TestListRobotsSandbox(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		o.Robots, o.DefaultRobot, o.Sandbox = o.Robots[:1], "", true
		o.Robots[0].Name = "sandbox"
	}})
	g := e.call("list_robots", nil)
	g.wantOK(t)
	if !strings.Contains(g.text, "local sandbox") || !strings.Contains(g.r.Hint, "sandbox") {
		t.Errorf("text:\n%s\nhint: %s", g.text, g.r.Hint)
	}
	s := e.call("send_text_message", map[string]any{"text": "hi"})
	s.wantOK(t)
	if !s.r.Sandbox || !strings.Contains(s.text, "sandbox") {
		t.Errorf("a sandbox send does not say so: %s", s.text)
	}
}

func TestListContacts(t *testing.T) {
	e := newEnv(t, envConfig{})
	g := e.call("list_contacts", nil)
	g.wantOK(t)
	var out struct{ Contacts []ContactInfo }
	if err := json.Unmarshal(g.raw.RawStructuredContent, &out); err != nil {
		t.Fatal(err)
	}
	want := []ContactInfo{{"Alice", "13800000000", ""}, {"Bob", "", "bob01"}, {"Carol", "+852-12345678", "carol"}}
	if !slices.Equal(out.Contacts, want) {
		t.Errorf("contacts = %+v", out.Contacts)
	}
	if !strings.Contains(g.text, "Carol (mobile +852-12345678, userId carol)") {
		t.Errorf("text = %s", g.text)
	}

	empty := newEnv(t, envConfig{tweak: func(o *Options) { o.Contacts = nil }})
	g = empty.call("list_contacts", nil)
	g.wantOK(t)
	if !strings.Contains(string(g.raw.RawStructuredContent), `"contacts":[]`) || !strings.Contains(g.r.Hint, "atMobiles") {
		t.Errorf("empty contacts: %s", g.raw.RawStructuredContent)
	}
}

func TestConfigErrorOnEveryTool(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		o.Robots, o.Contacts, o.DefaultRobot = nil, nil, ""
		o.ConfigError = errors.New(`~/.config/dingbot/config.toml: line 4: unknown key "secert"`)
	}})
	tools, err := e.client.ListTools(t.Context(), mcpListTools())
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 8 {
		t.Errorf("%d tools, want all 8 even with a broken config", len(tools.Tools))
	}
	for _, tool := range tools.Tools {
		g := e.call(tool.Name, map[string]any{})
		g.wantFailure(t, KindConfig)
		if !strings.Contains(g.text, `unknown key "secert"`) {
			t.Errorf("%s: text does not explain the config problem: %s", tool.Name, g.text)
		}
		for _, w := range []string{"config file", "command-line flags", "restart"} {
			if !strings.Contains(g.r.Hint, w) {
				t.Errorf("%s: hint %q lacks %q", tool.Name, g.r.Hint, w)
			}
		}
	}
}

// TestFlagErrorIsNotBlamedOnTheConfigFile: a bad --robot arrives as ConfigError too; the
// instructions and the hint name the flags as a possible cause, not only the config file.
func TestFlagErrorIsNotBlamedOnTheConfigFile(t *testing.T) {
	opts := Options{ConfigError: errors.New(`--robot "nope": unknown robot; configured: ops, alert`)}
	c, err := clientFor(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if res := initialize(t, c); !strings.Contains(res.Instructions, "command-line flags") {
		t.Errorf("instructions:\n%s", res.Instructions)
	}
	g := callTool(t, c, t.Context(), toolSendText, map[string]any{"text": "x"})
	g.wantFailure(t, KindConfig)
	if !strings.Contains(g.r.Errmsg, `--robot "nope"`) || strings.Contains(g.r.Hint, "fix the config file") {
		t.Errorf("errmsg %q hint %q", g.r.Errmsg, g.r.Hint)
	}
}

// TestUnavailableRobotExplained: a robot whose secret variable is unset is named as such,
// not as an unknown robot, whether it is asked for by name or is the default.
func TestUnavailableRobotExplained(t *testing.T) {
	reason := errors.New("config.toml: robot ops: secret_env: environment variable OPS_SECRET is not set (or is empty)")
	ts := newToolset(Options{
		Robots:       []dingtalk.Robot{{Name: "other", Webhook: "tok"}},
		DefaultRobot: "ops",
		Unavailable:  map[string]error{"ops": reason},
	})
	for _, name := range []string{"", "ops"} {
		_, err := ts.robot(name)
		var te *toolError
		if !errors.As(err, &te) || te.kind != KindRobotMisconfigured || !strings.Contains(te.msg, "OPS_SECRET") {
			t.Fatalf("robot(%q) = %v", name, err)
		}
	}
	if r, err := ts.robot("other"); err != nil || r.Name != "other" {
		t.Fatalf("robot(other) = %v, %v", r, err)
	}
}

// TestListRobotsShowsUnavailable: a robot that is configured but cannot send is listed, in
// name order, with usable false and its reason, in the structured content and the text; a send
// through it names the reason and says what the user must do.
func TestListRobotsShowsUnavailable(t *testing.T) {
	reason := errors.New("config.toml: robot beta: secret_env: environment variable BETA_SECRET is not set (or is empty)")
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		o.Robots = []dingtalk.Robot{o.Robots[1], o.Robots[0]} // alert, ops: sorted by name, as the config gives them
		o.Unavailable = map[string]error{"beta": reason, "zulu": errors.New("config.toml: robot zulu: webhook: host example.com is not DingTalk's; set allow_custom_host")}
	}})
	g := e.call("list_robots", nil)
	g.wantOK(t)
	var out struct{ Robots []RobotInfo }
	if err := json.Unmarshal(g.raw.RawStructuredContent, &out); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range out.Robots {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"ops", "alert", "beta", "zulu"}) {
		t.Fatalf("robots = %v, want the default first, then the rest by name", names)
	}
	beta := out.Robots[2]
	if beta.Usable || beta.Default || beta.SendsLeft != nil || beta.Keywords == nil || !strings.Contains(beta.Problem, "BETA_SECRET is not set") {
		t.Errorf("beta = %+v", beta)
	}
	if ops := out.Robots[0]; !ops.Usable || ops.Problem != "" {
		t.Errorf("ops = %+v", ops)
	}
	if !strings.Contains(g.text, "4 robot(s) configured, 2 of them unable to send") ||
		!strings.Contains(g.text, "- beta (CANNOT SEND: unavailable: "+reason.Error()+")") || !strings.Contains(g.text, "- zulu (CANNOT SEND:") {
		t.Errorf("text:\n%s", g.text)
	}
	if !strings.Contains(g.r.Hint, "usable false") {
		t.Errorf("hint = %q", g.r.Hint)
	}

	for _, name := range []string{"beta", "BETA"} {
		s := e.call("send_text_message", map[string]any{"text": "x", "robot": name})
		s.wantFailure(t, KindRobotMisconfigured)
		if s.r.Robot != "beta" || s.r.Errmsg != reason.Error() {
			t.Errorf("robot %q errmsg %q", s.r.Robot, s.r.Errmsg)
		}
		for _, w := range []string{"dingbot's config", "restart", "another robot"} {
			if !strings.Contains(s.r.Hint, w) {
				t.Errorf("hint %q lacks %q", s.r.Hint, w)
			}
		}
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
}

// TestListRobotsDefaultUnavailable: when the default robot cannot send, it is still listed first
// as the default, and the hint says to name another robot.
func TestListRobotsDefaultUnavailable(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		o.DefaultRobot = "gone"
		o.Unavailable = map[string]error{"gone": errors.New("robot gone: secret_env: environment variable GONE_SECRET is not set (or is empty)")}
	}})
	g := e.call("list_robots", nil)
	g.wantOK(t)
	var out struct{ Robots []RobotInfo }
	if err := json.Unmarshal(g.raw.RawStructuredContent, &out); err != nil {
		t.Fatal(err)
	}
	if first := out.Robots[0]; first.Name != "gone" || !first.Default || first.Usable {
		t.Errorf("first robot = %+v", first)
	}
	if g.r.Robot != "" || !strings.Contains(g.r.Hint, `default robot "gone" cannot send`) {
		t.Errorf("robot %q hint %q", g.r.Robot, g.r.Hint)
	}
	s := e.call("send_text_message", map[string]any{"text": "x"})
	s.wantFailure(t, KindRobotMisconfigured)
	if s.r.Robot != "gone" || !strings.Contains(s.r.Errmsg, "GONE_SECRET") {
		t.Errorf("result = %s", s.raw.RawStructuredContent)
	}
}

// TestNoSendsLeftIsWarned: a preview or a dry run of a valid message for a robot with no sends
// left this minute says that sending it now would fail with rate_limited.
func TestNoSendsLeftIsWarned(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		e := newEnv(t, envConfig{tweak: func(o *Options) { o.DryRun = dryRun }})
		for range 20 {
			if wait, err := e.opts.Client.Limiter.Reserve(opsToken); err != nil || wait != 0 {
				t.Fatalf("reserve: %v, %v", wait, err)
			}
		}
		calls := []struct {
			tool string
			args map[string]any
		}{{toolPreview, map[string]any{"msgtype": "text", "text": "hi"}}}
		if dryRun {
			calls = append(calls, struct {
				tool string
				args map[string]any
			}{toolSendText, map[string]any{"text": "hi"}})
		}
		for _, c := range calls {
			g := e.call(c.tool, c.args)
			g.wantOK(t)
			if g.r.SendsLeft == nil || *g.r.SendsLeft != 0 {
				t.Errorf("%s: sendsLeft = %v", c.tool, derefInt(g.r.SendsLeft))
			}
			if len(g.r.Warnings) != 1 || !strings.Contains(g.r.Warnings[0], "rate_limited") || !strings.Contains(g.text, "no sends left this minute") {
				t.Errorf("%s: warnings %q text:\n%s", c.tool, g.r.Warnings, g.text)
			}
			if c.tool == toolPreview && !strings.Contains(g.r.Hint, "not right now") {
				t.Errorf("preview hint = %q", g.r.Hint)
			}
		}
		// Another robot is not affected.
		if g := e.call(toolPreview, map[string]any{"msgtype": "text", "text": "报警", "robot": "alert"}); len(g.r.Warnings) != 0 {
			t.Errorf("alert warnings = %q", g.r.Warnings)
		}
	}
}

// TestPreviewTakesExactlyTheSendArguments: preview_message lists every argument of every send
// tool with the same type, and with the same arguments (msgUuid and split included) previews
// byte for byte the body the send tool then posts.
func TestPreviewTakesExactlyTheSendArguments(t *testing.T) {
	tools := map[string]mcpgo.Tool{}
	for _, tool := range listTools(t, Options{}) {
		tools[tool.Name] = tool
	}
	preview := tools[toolPreview].InputSchema.Properties
	want := []string{"msgtype"}
	for _, t := range previewTypes {
		want = append(want, sendParams(t)...)
	}
	if got := slices.Sorted(maps.Keys(preview)); !slices.Equal(got, sorted(slices.Compact(sorted(want)))) {
		t.Errorf("preview_message takes %v, the send tools %v", got, want)
	}
	for _, typ := range previewTypes {
		send := tools[sendToolOf[typ]].InputSchema.Properties
		for name, p := range send {
			if mapOf(preview[name])["type"] != mapOf(p)["type"] {
				t.Errorf("%s: %s is a %v, in preview_message a %v", sendToolOf[typ], name, mapOf(p)["type"], mapOf(preview[name])["type"])
			}
		}
	}

	e := newEnv(t, envConfig{})
	long := strings.Repeat("报警 a line of the report\n", 1200)
	cases := map[dingtalk.MsgType]map[string]any{
		dingtalk.TypeText:       {"text": long, "atNames": []any{"alice"}, "atUserIds": []any{"bob01"}, "split": true},
		dingtalk.TypeMarkdown:   {"title": "报警", "text": "# Disk\n\nfull", "atMobiles": []any{"13800000000"}, "atAll": false, "split": true},
		dingtalk.TypeLink:       {"title": "报警 build", "text": "green", "messageUrl": "https://ci.example.com/1", "picUrl": "https://ci.example.com/p.png"},
		dingtalk.TypeActionCard: {"title": "报警", "text": "x", "buttons": []any{map[string]any{"title": "Open", "actionURL": "https://example.com"}}, "btnOrientation": "horizontal", "hideAvatar": "1", "split": true},
		dingtalk.TypeFeedCard:   {"links": []any{map[string]any{"title": "报警 a", "messageURL": "https://a.example", "picURL": "https://a.example/p.png"}}},
	}
	for typ, args := range cases {
		args["robot"], args["msgUuid"] = "alert", "preview-"+string(typ)
		p := map[string]any{"msgtype": string(typ)}
		maps.Copy(p, args)
		g := e.call(toolPreview, p)
		g.wantOK(t)
		before := len(e.sb.Accepted())
		e.call(sendToolOf[typ], args).wantOK(t)
		posted := e.sb.Accepted()[before:]
		var previewed []json.RawMessage
		for _, part := range g.r.Parts {
			previewed = append(previewed, part.Body)
		}
		if len(previewed) == 0 {
			previewed = []json.RawMessage{g.r.Body}
		}
		if len(posted) != len(previewed) {
			t.Errorf("%s: previewed %d bodies, posted %d", typ, len(previewed), len(posted))
			continue
		}
		for i := range posted {
			if a, b := string(previewed[i]), string(posted[i].Body); a != b {
				at := 0
				for at < min(len(a), len(b)) && a[at] == b[at] {
					at++
				}
				t.Errorf("%s: part %d: the preview (%d bytes) and the post (%d bytes) differ at byte %d: %.80q vs %.80q", typ, i+1, len(a), len(b), at, a[at:], b[at:])
			}
		}
		if g.r.MsgUUID != args["msgUuid"] {
			t.Errorf("%s: preview reports msgUuid %q", typ, g.r.MsgUUID)
		}
	}
	if len(e.sb.Accepted()) < 6 {
		t.Errorf("the text was not split: %d bodies posted", len(e.sb.Accepted()))
	}
}
