package tui

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// withTestRobot serves robots ops and tg on a loopback sandbox; tg is the test robot.
func withTestRobot(t *testing.T, tg sandbox.Robot) (Options, *sandbox.Server) {
	t.Helper()
	tg.Token = "tg"
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"}, tg)
	test := opts.Robots[1]
	opts.Robots = opts.Robots[:1]
	opts.TestRobot = &test
	return opts, srv
}

// arrivalsFor are the messages the sandbox accepted for token.
func arrivalsFor(t *testing.T, srv *sandbox.Server, token string) []dingtalk.Message {
	t.Helper()
	var as []sandbox.Arrival
	for _, a := range srv.Accepted() {
		if a.Token == token {
			as = append(as, a)
		}
	}
	return decodeArrivals(t, as)
}

// alt+e posts the message to test_robot's robot at once, marked [test] in its title and first
// paragraph, with a fresh msgUuid; the draft stays unsent, and the real send that follows is
// neither called a resend nor deduplicated against the test.
func TestTestSendPostsMarkedAndLeavesTheDraftUnsent(t *testing.T) {
	opts, srv := withTestRobot(t, sandbox.Robot{})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("## Done\n\nshipped")
	d.key("alt+e")
	got := arrivalsFor(t, srv, "tg")
	if len(got) != 1 {
		t.Fatalf("the test robot got %d messages; screen:\n%s", len(got), d.view())
	}
	md := got[0].Markdown
	if md == nil || md.Title != "[test] Weekly" || md.Text != "[test]\n\n## Done\n\nshipped" {
		t.Fatalf("posted %+v, want the title and first paragraph marked [test]", got[0].Markdown)
	}
	if !strings.HasPrefix(got[0].MsgUUID, "dingbot-") {
		t.Fatalf("the test post has msgUuid %q, want a fresh one", got[0].MsgUUID)
	}
	if n := len(arrivalsFor(t, srv, "ops")); n != 0 {
		t.Fatalf("the current robot got %d messages from a test send", n)
	}
	if st := d.m.status.Text(); d.m.state != stateCompose || !strings.Contains(st, "✓ test sent to test robot tg, marked [test] · errcode 0 ok") || !strings.Contains(st, "still unsent") {
		t.Fatalf("state %v, status %q", d.m.state, st)
	}
	if !d.m.unsent {
		t.Fatal("the test send marked the draft sent")
	}
	// The real send: asked as a first send, posted unmarked with another msgUuid.
	d.key("ctrl+s")
	if v := d.view(); d.m.state != stateConfirm || !strings.Contains(v, "Send this markdown message?") || strings.Contains(v, "You sent this exact message") {
		t.Fatalf("after a test send, ctrl+s asks:\n%s", d.view())
	}
	d.key("y")
	real := arrivalsFor(t, srv, "ops")
	if len(real) != 1 || real[0].Markdown.Title != "Weekly" || real[0].MsgUUID == "" || real[0].MsgUUID == got[0].MsgUUID {
		t.Fatalf("the real send: %+v (test msgUuid %q)", real, got[0].MsgUUID)
	}
	if d.m.unsent {
		t.Fatal("the real send left the draft unsent")
	}
	// A test send after a real one does not hide the resend that follows.
	d.key("alt+e")
	if n := len(arrivalsFor(t, srv, "tg")); n != 2 {
		t.Fatalf("the second test send: the test robot has %d messages", n)
	}
	if st := d.m.status.Text(); strings.Contains(st, "unsent") {
		t.Fatalf("a sent message is said to be unsent: %q", st)
	}
	d.key("ctrl+s")
	if v := d.view(); !strings.Contains(v, "You sent this exact message to ops") {
		t.Fatalf("a test send between hid the resend:\n%s", d.view())
	}
}

// A send with an unknown outcome keeps its msgUuid for the retry: a test send between neither
// reuses nor clears it.
func TestTestSendLeavesTheUnknownOutcomeAlone(t *testing.T) {
	opts, srv := withTestRobot(t, sandbox.Robot{})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	pending := &idempotentSend{robot: "ops", body: "digest", uuid: "dingbot-0123456789abcdef0123456789abcdef"}
	d.m.unknownOutcome = pending
	d.send(tea.KeyMsg{Type: tea.KeyF7})
	got := arrivalsFor(t, srv, "tg")
	if len(got) != 1 {
		t.Fatalf("f7: the test robot got %d messages; state %v status %q\n%s", len(got), d.m.state, d.m.status.Text(), d.view())
	}
	if got[0].MsgUUID == pending.uuid || d.m.unknownOutcome != pending {
		t.Fatalf("test msgUuid %q, pending %+v: the pending send was touched", got[0].MsgUUID, d.m.unknownOutcome)
	}
}

// The test robot's keywords are checked on the message as written, as a real send checks them:
// the mark neither breaks a keyword nor stands in for one.
func TestTestSendChecksTheTestRobotsKeywords(t *testing.T) {
	for _, c := range []struct {
		name, text string
		posted     bool
	}{
		{"no keyword", "release notes", false},
		{"keyword", "release notes, deploy at 5", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts, srv := withTestRobot(t, sandbox.Robot{Keywords: []string{"deploy", "test"}})
			opts.TestRobot.Keywords = []string{"deploy", "test"}
			d := newDriver(t, opts, 120, 40)
			d.key("alt+t", "alt+t", "alt+t", "alt+t") // text
			d.typeText(c.text)
			d.key("alt+e")
			got := arrivalsFor(t, srv, "tg")
			if !c.posted {
				if len(got) != 0 || d.m.state != stateError || !strings.Contains(boxText(d.view()), "Test send to test robot tg") || !strings.Contains(boxText(d.view()), "keyword") {
					t.Fatalf("posted %d; state %v:\n%s", len(got), d.m.state, d.view())
				}
				d.key("esc")
				if d.m.state != stateCompose || !d.m.unsent {
					t.Fatalf("after the failure: state %v, unsent %v", d.m.state, d.m.unsent)
				}
				return
			}
			if len(got) != 1 || got[0].Text.Content != "[test] "+c.text {
				t.Fatalf("posted %+v", got)
			}
		})
	}
}

// Without test_robot, a test send goes to the built-in sandbox, started only when asked for,
// and the status says nothing left the machine.
func TestTestSendWithoutTestRobotUsesTheBuiltInSandbox(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	builtin := sandbox.New(sandbox.Options{})
	ts := httptest.NewServer(builtin)
	t.Cleanup(ts.Close)
	started := 0
	opts.TestSandbox = func(context.Context) (dingtalk.Robot, *dingtalk.Client, error) {
		started++
		return dingtalk.Robot{Name: "sandbox", Webhook: sandbox.WebhookURL(ts.URL, "sandbox"), AllowCustomHost: true}, loopbackOnly(), nil
	}
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	if started != 0 {
		t.Fatal("the built-in sandbox was started before a test send")
	}
	d.key("alt+e")
	got := decodeArrivals(t, builtin.Accepted())
	if len(got) != 1 || got[0].Markdown.Title != "[test] Weekly" {
		t.Fatalf("the built-in sandbox got %+v", got)
	}
	if n := len(srv.Accepted()); n != 0 {
		t.Fatalf("robot ops got %d messages from a test send", n)
	}
	if st := d.m.status.Text(); !strings.Contains(st, "✓ test sent to the built-in sandbox, marked [test]; nothing left this machine") {
		t.Fatalf("status %q", st)
	}
	if !d.m.unsent {
		t.Fatal("the test send marked the draft sent")
	}
}

// A test_robot that cannot be used is said, and nothing is posted anywhere: not to the current
// robot, not to the sandbox.
func TestTestSendWithABrokenTestRobotPostsNothing(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts.TestRobotProblem = `test_robot "tgg" is not a configured robot (did you mean "tg"?); configured: ops, tg`
	opts.TestSandbox = func(context.Context) (dingtalk.Robot, *dingtalk.Client, error) {
		t.Fatal("a broken test_robot fell back to the sandbox")
		return dingtalk.Robot{}, nil, nil
	}
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("alt+e")
	if v := boxText(d.view()); d.m.state != stateError || !strings.Contains(v, "Test send not posted") || !strings.Contains(v, `did you mean "tg"?`) {
		t.Fatalf("state %v:\n%s", d.m.state, d.view())
	}
	if n := len(srv.Accepted()); n != 0 {
		t.Fatalf("%d messages posted", n)
	}
}

// markTest marks every type where the group sees it first.
func TestMarkTest(t *testing.T) {
	for _, c := range []struct {
		msg  dingtalk.Message
		want func(dingtalk.Message) bool
	}{
		{dingtalk.Message{Type: dingtalk.TypeText, Text: &dingtalk.Text{Content: "hi"}},
			func(m dingtalk.Message) bool { return m.Text.Content == "[test] hi" }},
		{dingtalk.Message{Type: dingtalk.TypeLink, Link: &dingtalk.Link{Title: "T", Text: "x"}},
			func(m dingtalk.Message) bool { return m.Link.Title == "[test] T" && m.Link.Text == "x" }},
		{dingtalk.Message{Type: dingtalk.TypeActionCard, ActionCard: &dingtalk.ActionCard{Title: "T", Text: "# x"}},
			func(m dingtalk.Message) bool {
				return m.ActionCard.Title == "[test] T" && m.ActionCard.Text == "[test]\n\n# x"
			}},
		{dingtalk.Message{Type: dingtalk.TypeFeedCard, FeedCard: &dingtalk.FeedCard{Links: []dingtalk.FeedLink{{Title: "a"}, {Title: "b"}}}},
			func(m dingtalk.Message) bool {
				return m.FeedCard.Links[0].Title == "[test] a" && m.FeedCard.Links[1].Title == "b"
			}},
	} {
		before, _ := c.msg.Encode()
		got := markTest(c.msg)
		if !c.want(got) {
			t.Errorf("%s: marked %+v", c.msg.Type, got)
		}
		if after, _ := c.msg.Encode(); string(after) != string(before) {
			t.Errorf("%s: markTest changed its argument", c.msg.Type)
		}
	}
}
