package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// Flow tests: a real Bubble Tea program, the real dingtalk client, a sandbox on loopback.

func TestFlowComposeMentionSend(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	tm := program(t, opts, nil, 120, 40)
	tm.Type("Weekly report")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("Shipped the composer. Thanks ")
	tm.Send(keyMsg("alt+m"))
	tm.Type("ali")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "Thanks @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "notifies @Alice")
	tm.Type("y")
	waitFor(t, tm, "sent to ops")

	got := srv.Accepted()
	if len(got) != 1 {
		t.Fatalf("sandbox accepted %d messages", len(got))
	}
	var body struct {
		Msgtype  string `json:"msgtype"`
		Markdown struct{ Title, Text string }
		At       struct {
			AtMobiles []string `json:"atMobiles"`
		} `json:"at"`
	}
	if err := json.Unmarshal(got[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Msgtype != "markdown" || body.Markdown.Title != "Weekly report" ||
		!strings.Contains(body.Markdown.Text, "Thanks @13800000000") ||
		strings.Join(body.At.AtMobiles, ",") != "13800000000" {
		t.Fatalf("sandbox received %s", got[0].Body)
	}
	if n := got[0].Notified; len(n) != 1 || n[0] != "13800000000" {
		t.Fatalf("sandbox says notified %v", n)
	}
	m := finalScreen(t, tm)
	if m.unsent || m.form.Title() != "Weekly report" || !strings.Contains(m.form.Body(), "Thanks @13800000000") {
		t.Fatalf("after sending the message should stay, marked sent: unsent %v body %q", m.unsent, m.form.Body())
	}
}

func TestFlowKeywordMissingIsCaughtBeforeSending(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "alerts", Keywords: []string{"告警"}})
	tm := program(t, opts, nil, 120, 40)
	tm.Type("Weekly report")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("all quiet")
	waitFor(t, tm, "needs keyword")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "hint: add one of the keywords")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	m := finalScreen(t, tm)
	if m.state != stateCompose || m.form.Body() != "all quiet" || m.form.Title() != "Weekly report" {
		t.Fatalf("state %v body %q", m.state, m.form.Body())
	}
	if len(srv.Accepted()) != 0 {
		t.Fatal("a message without a keyword reached the sandbox")
	}
}

func TestFlowWrongSecretShowsDingTalksAnswer(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops", Secret: "SECtherightone"})
	opts.Robots[0].Secret = "SECthewrongone"
	tm := program(t, opts, nil, 120, 40)
	tm.Type("Weekly report")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("hello")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitFor(t, tm, "hint: the signature does not match")
	m := finalScreen(t, tm)
	if !strings.Contains(m.View(), "errcode 310000") || strings.Contains(m.View(), "SECthe") {
		t.Fatalf("error screen:\n%s", m.View())
	}
	if !m.unsent || m.form.Body() != "hello" || m.form.Title() != "Weekly report" {
		t.Fatal("a refused send changed the message")
	}
	if len(srv.Accepted()) != 0 {
		t.Fatal("sandbox accepted a wrong signature")
	}
}

func TestFlowDraftSurvivesRestart(t *testing.T) {
	opts := testOptions(t)
	tm, ds := programStore(t, opts, nil, 120, 40)
	tm.Type("Half-written")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("do not lose this")
	// No quit: what a crash leaves is what was saved while typing. The second program starts as
	// the first is killed (its draft lock goes with it) and never got to save on the way out.
	draftFile := filepath.Join(opts.StateDir, "draft.json")
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(draftFile)
		if strings.Contains(string(data), "do not lose this") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("draft not saved while typing: %s", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ds.Release()
	again := program(t, opts, nil, 120, 40)
	waitFor(t, again, "do not lose this")
	m := finalScreen(t, again)
	if m.form.Title() != "Half-written" || m.form.Body() != "do not lose this" || !m.unsent {
		t.Fatalf("restored title %q body %q unsent %v", m.form.Title(), m.form.Body(), m.unsent)
	}
	finalScreen(t, tm)
}

// TestResendAfterUnknownOutcomeReusesMsgUUID: a send that times out after the body left may have
// been posted; sending the same message again carries the same msgUuid, so DingTalk posts it at
// most once. An edited message gets a new one.
func TestResendAfterUnknownOutcomeReusesMsgUUID(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts.Client.HTTP.Timeout = 200 * time.Millisecond
	opts.Client.RetryDelay = 10 * time.Millisecond
	srv.SetDelay(time.Second)
	d := newDriver(t, opts, 120, 40)
	d.typeText("Deploy 42")
	d.key("tab")
	d.typeText("rolled out")
	d.key("ctrl+s", "y")
	if d.m.state != stateError || d.m.unknownOutcome == nil || !strings.Contains(d.m.failure.Hint, "same msgUuid") {
		t.Fatalf("after a timeout: state %v, unknown %v, failure %+v", d.m.state, d.m.unknownOutcome, d.m.failure)
	}
	srv.SetDelay(0)
	d.key("esc", "ctrl+s", "y")
	if d.m.state != stateCompose || d.m.unsent {
		t.Fatalf("resend did not succeed: state %v failure %+v", d.m.state, d.m.failure)
	}
	// Every attempt, including those cut off by the timeout, as the sandbox read it.
	uuids := map[any]bool{}
	attempts := 0
	for _, a := range srv.Arrivals() {
		var body map[string]any
		if json.Unmarshal(a.Body, &body) == nil {
			attempts++
			uuids[body["msgUuid"]] = true
		}
	}
	if attempts < 2 || len(uuids) != 1 || uuids[nil] || uuids[""] {
		t.Fatalf("%d attempts carried msgUuids %v, want one and the same", attempts, uuids)
	}
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("the group shows %d posts, want 1", n)
	}

	// A different message is a new send with a new msgUuid.
	d.typeText(" again")
	d.key("ctrl+s", "y")
	last := srv.Accepted()[len(srv.Accepted())-1].Message["msgUuid"]
	for u := range uuids {
		if last == u {
			t.Fatalf("an edited message reused msgUuid %v", u)
		}
	}
}

// TestMsgUUIDLeftOutAtTheLimit: a body the preview showed as fitting is never pushed over
// 20000 bytes by the msgUuid.
func TestMsgUUIDLeftOutAtTheLimit(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	r := d.m.currentRobot()
	msg := dingtalk.NewText(strings.Repeat("x", dingtalk.MaxBodyBytes-40-10))
	if key := sendKey(d.m.unknownOutcome, r, msg, false); key.uuid != "" {
		t.Fatalf("msgUuid %q would push the body over the limit", key.uuid)
	}
	if key := sendKey(d.m.unknownOutcome, r, dingtalk.NewText("short"), false); !strings.HasPrefix(key.uuid, "dingbot-") {
		t.Fatalf("short message got msgUuid %q", key.uuid)
	}
}
