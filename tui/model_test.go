package tui

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/extedit"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/store"
)

// withSandbox serves the robots on a loopback sandbox and returns options sending to them.
func withSandbox(t *testing.T, opts Options, robots ...sandbox.Robot) (Options, *sandbox.Server) {
	t.Helper()
	srv := sandbox.New(sandbox.Options{Robots: robots})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	opts.Robots = nil
	for _, r := range robots {
		opts.Robots = append(opts.Robots, dingtalk.Robot{
			Name:            r.Token,
			Webhook:         sandbox.WebhookURL(ts.URL, r.Token),
			Secret:          r.Secret,
			Keywords:        r.Keywords,
			AllowCustomHost: true,
		})
	}
	opts.Client = loopbackOnly()
	return opts, srv
}

func TestTypeKeyCyclesTheFiveTypesAndKeepsTheText(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	want := []dingtalk.MsgType{dingtalk.TypeLink, dingtalk.TypeActionCard, dingtalk.TypeFeedCard, dingtalk.TypeText, dingtalk.TypeMarkdown}
	for _, w := range want {
		d.key("alt+t")
		if d.m.form.Kind() != w {
			t.Fatalf("after alt+t: type %s, want %s", d.m.form.Kind(), w)
		}
		if !strings.Contains(d.view(), "Compose "+w.Name()) {
			t.Fatalf("screen does not say %q:\n%s", w.Name(), d.view())
		}
	}
	if got := d.m.form.Message(); got.Markdown.Title != "Weekly" || got.Markdown.Text != "hello" {
		t.Fatalf("text lost across type changes: %+v", got.Markdown)
	}
}

func TestEachTypeShowsOnlyItsFields(t *testing.T) {
	cases := []struct {
		kind      dingtalk.MsgType
		want, not []string
	}{
		{dingtalk.TypeText, []string{"Content"}, []string{"Title", "Link URL", "Button"}},
		{dingtalk.TypeMarkdown, []string{"Title", "Text"}, []string{"Link URL", "Button", "Link 1"}},
		{dingtalk.TypeLink, []string{"Title", "Text", "Link URL", "Picture URL"}, []string{"Button", "Mentions     nobody"}},
		{dingtalk.TypeActionCard, []string{"Title", "Text", "Buttons", "Button URL", "Layout", "Avatar"}, []string{"Link URL", "Link 1"}},
		{dingtalk.TypeFeedCard, []string{"Link 1", "URL", "Picture"}, []string{"Title ", "Buttons", "Content"}},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			d := newDriver(t, testOptions(t), 120, 40)
			for d.m.form.Kind() != c.kind {
				d.key("alt+t")
			}
			editor := editorColumn(d.view(), d.m.geometry().editorW)
			for _, w := range c.want {
				if !strings.Contains(editor, w) {
					t.Errorf("editor lacks %q:\n%s", w, editor)
				}
			}
			for _, n := range c.not {
				if strings.Contains(editor, n) {
					t.Errorf("editor shows %q, not a %s field:\n%s", n, c.kind, editor)
				}
			}
		})
	}
}

// editorColumn is the left part of a wide screen.
func editorColumn(screen string, w int) string {
	var out []string
	for _, l := range strings.Split(screen, "\n") {
		out = append(out, cell.Truncate(l, w))
	}
	return strings.Join(out, "\n")
}

func TestTabMovesBetweenFields(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t") // link: title, text, url, picture
	d.typeText("T")
	d.key("tab")
	d.typeText("body")
	d.key("tab")
	d.typeText("https://example.com")
	d.key("tab")
	d.typeText("https://example.com/p.png")
	d.key("tab") // wraps to the title
	d.typeText("itle")
	d.key("shift+tab") // back to the picture
	d.typeText("?x=1")
	got := d.m.form.Message().Link
	want := dingtalk.Link{Title: "Title", Text: "body", MessageURL: "https://example.com", PicURL: "https://example.com/p.png?x=1"}
	if *got != want {
		t.Fatalf("link = %+v, want %+v", *got, want)
	}
}

func TestMentionPickerInsertsHandlesAtTheCursor(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Release")
	d.key("tab")
	d.typeText("ping ")
	d.key("alt+m")
	if !d.m.inlineOpen() || !strings.Contains(d.view(), "Mention") {
		t.Fatalf("alt+m did not open the picker:\n%s", d.view())
	}
	d.typeText("bob")
	if n := len(d.m.chooser.Matches()); n == 0 || d.m.opts.Contacts[d.m.chooser.Matches()[0]].Name != "Bob" {
		t.Fatalf("filter bob: matches %v", d.m.chooser.Matches())
	}
	d.key("tab") // select Bob
	for range 3 {
		d.key("backspace")
	}
	d.typeText("ali")
	d.key("tab") // select Alice
	d.key("enter")
	if d.m.inlineOpen() {
		t.Fatalf("enter did not close the picker")
	}
	msg := d.m.form.Message()
	if got, want := msg.Markdown.Text, "ping @13900000000 @13800000000 "; got != want {
		t.Fatalf("text = %q, want %q", got, want)
	}
	if got := strings.Join(msg.At.AtMobiles, ","); got != "13900000000,13800000000" {
		t.Fatalf("atMobiles = %s", got)
	}
	screen := d.view()
	if !strings.Contains(screen, "Mentions     @Bob @Alice") {
		t.Fatalf("mentioned people not listed under the editor:\n%s", screen)
	}
	if !strings.Contains(screen, "ping @Bob @Alice") {
		t.Fatalf("preview does not show names for mentions:\n%s", screen)
	}
}

func TestMentionPickerEscChangesNothing(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.key("alt+m", "enter") // the highlighted one: Alice
	if len(d.m.form.Mentions()) != 1 || d.m.form.Mentions()[0].Name != "Alice" {
		t.Fatalf("mentions = %+v", d.m.form.Mentions())
	}
	before := d.m.form.Body()
	d.key("alt+m", "down", "tab", "esc")
	if len(d.m.form.Mentions()) != 1 || d.m.form.Body() != before {
		t.Fatalf("esc changed the mentions: %+v", d.m.form.Mentions())
	}
}

// Enter takes the highlighted contact and the ticked ones, even ticked ones the filter hides.
// Earlier mentions are marked, not ticked, and never inserted twice.
func TestMentionPickerEnterTakesHighlightedAndTicked(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("hi ")
	d.key("alt+m", "enter") // Alice
	d.key("alt+m")
	if len(d.m.chooser.Ticked()) != 0 {
		t.Fatalf("earlier mentions pre-ticked: %v", d.m.chooser.Ticked())
	}
	if !strings.Contains(d.view(), "Alice  13800000000 (mentioned)") && !strings.Contains(d.view(), "Alice (mentioned)") {
		t.Fatalf("Alice not marked as mentioned:\n%s", d.view())
	}
	d.key("down", "down", "tab") // tick Carol; the highlight stays on her
	d.typeText("bob")            // the filter hides Carol
	screen := d.view()
	if !strings.Contains(screen, "1 ticked: Carol") {
		t.Fatalf("the tick hidden by the filter is not shown:\n%s", screen)
	}
	d.key("enter") // Carol (ticked) and Bob (highlighted)
	if d.m.state != stateCompose {
		t.Fatal("enter did not close the picker")
	}
	if got, want := d.m.form.Body(), "hi @13800000000 @carol @13900000000 "; got != want {
		t.Fatalf("text = %q, want %q", got, want)
	}
	var names []string
	for _, c := range d.m.form.Mentions() {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "Alice,Carol,Bob" {
		t.Fatalf("mentions %s", got)
	}
	d.key("alt+m", "enter") // Alice again: already in the text, not written twice
	if got := d.m.form.Body(); strings.Count(got, "@13800000000") != 1 || len(d.m.form.Mentions()) != 3 {
		t.Fatalf("Alice mentioned twice: %q %+v", got, d.m.form.Mentions())
	}
}

// Deleting an @handle from the text unmentions that person; a mention whose handle was never in
// the text (sending writes it in) stays.
func TestDeletingTheHandleUnmentions(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("hi ")
	d.key("alt+m", "enter", "alt+m", "down", "enter") // Alice, Bob
	for range len("@13900000000 ") {
		d.key("backspace")
	}
	at := d.m.form.Message().At
	if at == nil || strings.Join(at.AtMobiles, ",") != "13800000000" {
		t.Fatalf("at = %+v, want Alice only", at)
	}
	if !strings.Contains(d.m.status.Text(), "Bob no longer mentioned") {
		t.Fatalf("status %q", d.m.status.Text())
	}
	if strings.Contains(d.view(), "@Bob") {
		t.Fatalf("Bob still shown as mentioned:\n%s", d.view())
	}

	opts := testOptions(t)
	dr := store.Draft{Version: store.Version, Type: dingtalk.TypeMarkdown, Title: "T", Body: "no handle here",
		Mentions: []store.Mention{{Name: "Alice", Mobile: "13800000000"}}}
	if err := store.Open(opts.StateDir).Save(1, dr); err != nil {
		t.Fatal(err)
	}
	restored := newDriver(t, opts, 120, 40)
	restored.key("tab", "end")
	restored.typeText(" more")
	if len(restored.m.form.Mentions()) != 1 {
		t.Fatalf("a mention never written in the text was dropped: %+v", restored.m.form.Mentions())
	}
}

func TestAtAllToggle(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.atAll()
	if at := d.m.form.Message().At; at == nil || !at.IsAtAll {
		t.Fatalf(": at = %+v, want @all", at)
	}
	if !strings.Contains(d.view(), "@all") {
		t.Fatalf("@all not shown:\n%s", d.view())
	}
	d.atAll()
	if d.m.form.Message().At != nil {
		t.Fatal("a second toggle did not turn @all off")
	}
	d.key("alt+t") // link
	d.atAll()
	if d.m.form.AtAll() || !strings.Contains(d.m.status.Text(), "only text and markdown") {
		t.Fatalf("@all allowed on a link card; status %q", d.m.status.Text())
	}
	d.key("alt+m")
	if d.m.state != stateCompose || !strings.Contains(d.m.status.Text(), "cannot mention") {
		t.Fatalf("mention picker opened for a link card; status %q", d.m.status.Text())
	}
}

func TestActionCardMentionsByUserIDOnly(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t") // action card
	d.key("tab")            // text
	d.key("alt+m")
	if !strings.Contains(d.view(), "Alice  · action cards mention by userId") {
		t.Fatalf("Alice, who has no userId, is not marked in the picker:\n%s", d.view())
	}
	d.key("tab", "down", "tab", "down", "tab", "enter")
	at := d.m.form.Message().At
	if at == nil || strings.Join(at.AtUserIDs, ",") != "bob01,carol" || len(at.AtMobiles) != 0 {
		t.Fatalf("at = %+v, want userIds bob01, carol only", at)
	}
	if got := d.m.form.Body(); got != "@bob01 @carol " {
		t.Fatalf("text = %q", got)
	}
}

func TestRobotPicker(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	if !strings.Contains(d.m.statusView(), "◆ ops") {
		t.Fatalf("status bar: %q", d.m.statusView())
	}
	d.key("ctrl+r")
	if d.m.state != stateRobots {
		t.Fatal("ctrl+r did not open the robot picker")
	}
	d.key("down", "enter")
	if d.m.currentRobot().Name != "alerts" {
		t.Fatalf("robot = %s", d.m.currentRobot().Name)
	}
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("all good")
	if sb := d.m.statusView(); !strings.Contains(sb, "◆ alerts") || !strings.Contains(sb, "✗ needs keyword: 告警 | deploy") {
		t.Fatalf("status bar: %q", sb)
	}
	d.typeText(" after deploy")
	if sb := d.m.statusView(); !strings.Contains(sb, "✓ keyword deploy") {
		t.Fatalf("status bar: %q", sb)
	}
	d.key("ctrl+r")
	d.typeText("sig")
	if n := len(d.m.chooser.Matches()); n != 1 {
		t.Fatalf("typing sig leaves %d robots, want only signed:\n%s", n, d.view())
	}
	d.key("enter")
	if sb := d.m.statusView(); !strings.Contains(sb, "◆ signed │ signed") {
		t.Fatalf("status bar: %q", sb)
	}
}

func TestStatusBarCountsBytes(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("T")
	d.key("tab")
	d.typeText("hello")
	want := len(`{"msgtype":"markdown","markdown":{"title":"T","text":"hello"}}`)
	if sb := d.m.statusView(); !strings.Contains(sb, strconv.Itoa(want)+"/20000 bytes") {
		t.Fatalf("status bar %q lacks %d/20000 bytes", sb, want)
	}
}

func TestConfirmThenCancelSendsNothing(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	d.key("ctrl+s")
	if d.m.state != stateConfirm || !strings.Contains(d.view(), "Send this markdown message?") || !strings.Contains(d.view(), "to robot ops") {
		t.Fatalf("no confirmation:\n%s", d.view())
	}
	d.key("n")
	if d.m.state != stateCompose || len(srv.Accepted()) != 0 {
		t.Fatalf("state %v, accepted %d", d.m.state, len(srv.Accepted()))
	}
	d.key("ctrl+s", "esc")
	if d.m.state != stateCompose || len(srv.Accepted()) != 0 {
		t.Fatalf("esc: state %v, accepted %d", d.m.state, len(srv.Accepted()))
	}
}

func TestSendSuccessKeepsTheMessageAndRecordsHistory(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello ")
	d.key("alt+m", "enter")
	d.key("ctrl+s")
	if !strings.Contains(d.view(), "notifies @Alice") {
		t.Fatalf("confirmation does not name who is notified:\n%s", d.view())
	}
	d.key("y")
	if got := len(srv.Accepted()); got != 1 {
		t.Fatalf("sandbox accepted %d messages", got)
	}
	if d.m.state != stateCompose || !strings.Contains(d.m.status.Text(), "sent to ops") {
		t.Fatalf("state %v status %q", d.m.state, d.m.status.Text())
	}
	if d.m.form.Body() != "hello @13800000000 " || d.m.unsent {
		t.Fatalf("after sending: body %q unsent %v", d.m.form.Body(), d.m.unsent)
	}
	if !strings.Contains(d.m.headerView(), "✓ sent") {
		t.Fatalf("header: %q", d.m.headerView())
	}
	data, err := os.ReadFile(filepath.Join(opts.StateDir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	h := string(data)
	if !strings.Contains(h, `"robot":"ops"`) || !strings.Contains(h, `"msgtype":"markdown"`) || strings.Contains(h, "access_token") {
		t.Fatalf("history line: %s", h)
	}
	// alt+n clears at once: nothing unsent.
	d.key("alt+n")
	if !d.m.form.Empty() || d.m.state != stateCompose {
		t.Fatalf("alt+n after sending: empty %v state %v", d.m.form.Empty(), d.m.state)
	}
}

func TestFailedSendKeepsEverything(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops", Secret: "SECright"})
	opts.Robots[0].Secret = "SECwrong"
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	before := d.m.snapshot()
	d.key("ctrl+s", "y")
	if d.m.state != stateError {
		t.Fatalf("state %v, want the error", d.m.state)
	}
	screen := d.view()
	for _, want := range []string{"DingTalk refused the message", "errcode 310000", "hint:", "signature does not match", "Your message is unchanged"} {
		if !strings.Contains(screen, want) {
			t.Errorf("error screen lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "SECwrong") || strings.Contains(screen, "SECright") {
		t.Fatal("secret on screen")
	}
	d.key("enter")
	after := d.m.snapshot()
	if d.m.state != stateCompose || !d.m.unsent || after.Body != before.Body || after.Title != before.Title {
		t.Fatalf("failed send changed the editor: %+v -> %+v", before, after)
	}
	if len(srv.Accepted()) != 0 {
		t.Fatal("sandbox accepted a wrongly signed message")
	}
}

func TestKeywordCheckedBeforeSending(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "alerts", Keywords: []string{"告警"}})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("no keyword here")
	d.key("ctrl+s")
	if d.m.state != stateError || !strings.Contains(d.view(), "Not sent: no keyword") {
		t.Fatalf("keyword not checked:\n%s", d.view())
	}
	if len(srv.Accepted()) != 0 {
		t.Fatal("sent without a keyword")
	}
	d.key("esc")
	if d.m.form.Body() != "no keyword here" {
		t.Fatal("draft changed")
	}
}

func TestValidationProblemsListedOnSend(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("text without a title")
	if !strings.Contains(d.view(), "✗ markdown.title: is required") {
		t.Fatalf("problem not under the preview:\n%s", d.view())
	}
	d.key("ctrl+s")
	if d.m.state != stateError || !strings.Contains(d.view(), "markdown.title: is required") {
		t.Fatalf("send of an invalid message:\n%s", d.view())
	}
}

func TestCancelWhileSending(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	d.key("ctrl+s")
	model, sendCmd := d.m.Update(keyMsg("y"))
	d.m = model.(Model)
	if d.m.state != stateSending || !strings.Contains(d.view(), "posting to ops") {
		t.Fatalf("no spinner dialog:\n%s", d.view())
	}
	d.key("esc") // cancels the context before the request goes out
	d.run(sendCmd)
	if d.m.state != stateCompose || !strings.Contains(d.m.status.Text(), "canceled") {
		t.Fatalf("state %v status %q", d.m.state, d.m.status.Text())
	}
	if len(srv.Accepted()) != 0 || d.m.form.Body() != "hello" {
		t.Fatal("canceled send went out or changed the editor")
	}
}

func TestQuitAsksWhenUnsent(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("ctrl+q")
	if d.m.state != stateConfirm || !strings.Contains(d.view(), "Quit without sending?") {
		t.Fatalf("no quit confirmation:\n%s", d.view())
	}
	d.key("n")
	if d.quit || d.m.state != stateCompose {
		t.Fatal("n quit anyway")
	}
	d.key("ctrl+c", "ctrl+c") // a second ctrl+c confirms
	if !d.quit {
		t.Fatal("did not quit")
	}
	data, err := os.ReadFile(filepath.Join(opts.StateDir, "draft.json"))
	if err != nil || !strings.Contains(string(data), `"title": "Weekly"`) {
		t.Fatalf("draft not saved on quit: %s %v", data, err)
	}

	empty := newDriver(t, testOptions(t), 120, 40)
	empty.key("ctrl+q")
	if !empty.quit {
		t.Fatal("an empty editor asked before quitting")
	}
}

func TestPayloadViewShowsJSONAndCurlWithoutSecrets(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly <b>")
	d.key("tab")
	d.typeText("a & b ")
	d.key("alt+m", "enter")
	for _, robot := range []string{"ops", "signed"} {
		d.key("ctrl+r")
		d.typeText(robot)
		d.key("enter", "alt+p")
		if d.m.state != statePayload {
			t.Fatal("alt+p did not open the payload")
		}
		text := d.m.payloadText
		d.key("tab") // the curl tab
		text += d.m.payloadText
		d.key("tab", "tab") // round to the JSON tab
		for _, want := range []string{`"msgtype": "markdown"`, `"title": "Weekly <b>"`, `"atMobiles"`, "access_token=REDACTED", "curl -sS -X POST", "@13800000000"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s payload lacks %q:\n%s", robot, want, text)
			}
		}
		for _, secret := range []string{"tok123456", "signedtoken", "SECsupersecretvalue0001"} {
			if strings.Contains(text, secret) || strings.Contains(d.view(), secret) {
				t.Errorf("%s payload shows %q", robot, secret)
			}
		}
		if robot == "signed" && !strings.Contains(text, "sign=REDACTED") {
			t.Errorf("signed payload lacks sign=REDACTED:\n%s", text)
		}
		d.key("esc")
		if d.m.state != stateCompose {
			t.Fatal("esc did not close the payload")
		}
	}
}

func TestHistoryReopen(t *testing.T) {
	opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("First")
	d.key("tab")
	d.typeText("one")
	d.key("ctrl+s", "y", "alt+n")
	d.key("alt+t") // a link card, unsent
	d.typeText("Other")
	d.key("ctrl+l")
	if d.m.state != stateHistory || !strings.Contains(d.view(), "First") || !strings.Contains(d.view(), "ops · markdown message") {
		t.Fatalf("history:\n%s", d.view())
	}
	d.key("enter")
	if d.m.state != stateConfirm {
		t.Fatalf("reopening over unsent work did not ask:\n%s", d.view())
	}
	d.key("y")
	msg := d.m.form.Message()
	if msg.Type != dingtalk.TypeMarkdown || msg.Markdown.Title != "First" || msg.Markdown.Text != "one" {
		t.Fatalf("reopened %+v", msg.Markdown)
	}
	d.key("ctrl+s", "y")
	if !strings.Contains(d.m.status.Text(), "sent to ops") {
		t.Fatalf("sending again: %q", d.m.status.Text())
	}
}

func TestResizeReflows(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Weekly")
	check := func(w, h int) {
		t.Helper()
		d.send(tea.WindowSizeMsg{Width: w, Height: h})
		lines := strings.Split(d.view(), "\n")
		if len(lines) != h {
			t.Fatalf("%dx%d: %d lines", w, h, len(lines))
		}
		for i, l := range lines {
			if lipgloss.Width(l) > w {
				t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, lipgloss.Width(l), l)
			}
		}
	}
	check(120, 40)
	if !strings.Contains(d.view(), "│ Preview") {
		t.Fatal("wide screen is not side by side")
	}
	check(80, 24)
	if strings.Contains(d.view(), "│ Preview") || !strings.Contains(d.view(), "\nPreview") {
		t.Fatalf("narrow screen is not stacked:\n%s", d.view())
	}
	if d.m.preview.Width() != 80 {
		t.Fatalf("preview not re-rendered for 80 columns: %d", d.m.preview.Width())
	}
	check(100, 30)
	check(60, 16)
}

func TestActionCardButtons(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t")
	d.typeText("Vote")
	d.key("tab")
	d.typeText("Ship it?")
	d.key("tab") // buttons mode
	d.key(" ")   // a list
	d.key("tab")
	d.typeText("Yes")
	d.key("tab")
	d.typeText("https://e.com/y")
	d.key("enter") // adds a row
	d.typeText("No")
	d.key("tab")
	d.typeText("https://e.com/n")
	d.key("enter")
	d.typeText("Maybe")
	d.key("ctrl+x")          // removes it
	d.key("tab", "tab", " ") // layout: side by side
	d.key("tab", " ")        // avatar hidden
	card := d.m.form.Message().ActionCard
	want := []dingtalk.Button{{Title: "Yes", ActionURL: "https://e.com/y"}, {Title: "No", ActionURL: "https://e.com/n"}}
	if len(card.Buttons) != 2 || card.Buttons[0] != want[0] || card.Buttons[1] != want[1] {
		t.Fatalf("buttons %+v", card.Buttons)
	}
	if card.BtnOrientation != "1" || card.HideAvatar != "1" || card.SingleTitle != "" {
		t.Fatalf("card %+v", card)
	}
	if err := dingtalk.Validate(d.m.form.Message()); err != nil {
		t.Fatal(err)
	}
}

func TestFeedCardRows(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t", "alt+t")
	d.typeText("One")
	d.key("tab")
	d.typeText("https://e.com/1")
	d.key("tab")
	d.typeText("https://e.com/1.png")
	d.key("enter")
	d.typeText("Two")
	links := d.m.form.Message().FeedCard.Links
	if len(links) != 2 || links[0].Title != "One" || links[0].PicURL != "https://e.com/1.png" || links[1].Title != "Two" {
		t.Fatalf("links %+v", links)
	}
	d.key("ctrl+x")
	if n := len(d.m.form.Message().FeedCard.Links); n != 1 {
		t.Fatalf("after ctrl+x: %d links", n)
	}
}

func TestHelpKeys(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	if !strings.Contains(d.view(), "ctrl+g more") {
		t.Fatalf("short help missing:\n%s", d.view())
	}
	d.typeText("?")
	if d.m.fullHelp || d.m.form.Title() != "?" {
		t.Fatal("? in a text field must be typed, not open the help")
	}
	d.key("ctrl+g")
	if !d.m.fullHelp || !strings.Contains(d.view(), "ctrl+l") || !strings.Contains(d.view(), "history") {
		t.Fatalf("full help:\n%s", d.view())
	}
	d.key("ctrl+g")
	if d.m.fullHelp {
		t.Fatal("ctrl+g did not close the full help")
	}
	// On a card with rows, the full help lists their keys wherever the focus is.
	for _, w := range []int{80, 120} {
		cards := newDriver(t, testOptions(t), w, 40)
		cards.key("alt+t", "alt+t", "ctrl+g") // action card, focus on its title, help
		for _, want := range []string{"enter     add a row", "ctrl+x    remove a row", "ctrl+l    history", "ctrl+q    quit",
			"ctrl+a/e line start/end", "ctrl+z/y     undo/redo"} {
			if !strings.Contains(cards.view(), want) {
				t.Errorf("%d cells: full help on an action card lacks %q:\n%s", w, want, cards.view())
			}
		}
	}
}

func TestNewMessageAsksWhenUnsent(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Weekly")
	d.key("alt+n")
	if d.m.state != stateConfirm {
		t.Fatal("alt+n discarded unsent work without asking")
	}
	d.key("esc")
	if d.m.form.Title() != "Weekly" {
		t.Fatal("esc discarded the message")
	}
	d.key("tab")
	d.typeText("text")
	d.key("alt+n", "y")
	if !d.m.form.Empty() {
		t.Fatal("not cleared")
	}
	if f := d.m.form.Focused().Field; f != editor.FieldTitle {
		t.Fatalf("focus on field %v after alt+n, want the title", f)
	}
}

// A field left shows the start of its text; placeholders read as examples.
func TestLeftFieldShowsItsStartAndPlaceholdersLookLikeExamples(t *testing.T) {
	d := newDriver(t, testOptions(t), 100, 30)
	d.key("alt+t", "alt+t", "alt+t") // feed card
	long := "Start of a long feed link title that is much wider than its input field, ending here END"
	d.typeText(long)
	if !strings.Contains(d.view(), "ending here END") {
		t.Fatalf("the focused field does not show where the cursor is:\n%s", d.view())
	}
	d.key("tab")
	var line string
	for _, l := range strings.Split(d.m.form.View(), "\n") {
		if strings.Contains(l, "Link 1") {
			line = l
		}
	}
	if !strings.Contains(line, "Link 1       Start of a long") || strings.Contains(line, "END") {
		t.Fatalf("the field left does not show its start: %q", line)
	}
	d.key("shift+tab")
	d.typeText("!")
	if got := d.m.form.Snapshot().Links[0].Title; got != long+"!" {
		t.Fatalf("back in the field, typing goes to the end: %q", got)
	}
	d.key("alt+t", "alt+t", "alt+t", "alt+t") // action card
	if !strings.Contains(d.view(), "Button       e.g. Read more") {
		t.Fatalf("single-button placeholder:\n%s", d.view())
	}
}

func TestStaleRenderIsDropped(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("new")
	stale := preview.Render(preview.Request{Seq: d.m.preview.Shown() - 1, Msg: dingtalk.NewText("OLD CONTENT"), Robot: testRobot,
		Width: d.m.preview.Width(), Markdown: d.m.md, Styles: d.m.st})
	d.send(preview.RenderedMsg(stale))
	if strings.Contains(d.view(), "OLD CONTENT") {
		t.Fatal("an older render replaced a newer one")
	}
}

func TestKeysBeforeTheDraftLoadsAreKept(t *testing.T) {
	opts := testOptions(t)
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	model, _ := m.Update(keyMsg("x"))
	m = model.(Model)
	if m.form.Title() != "" || len(m.pending) != 1 {
		t.Fatal("key applied before loading")
	}
	model, _ = m.Update(startMsg{})
	m = model.(Model)
	if m.form.Title() != "x" {
		t.Fatalf("pending key lost: %q", m.form.Title())
	}
}

func TestDraftSurvivesRestart(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("body text ")
	d.key("alt+m", "enter")
	d.atAll()
	d.exit()

	again := newDriver(t, opts, 120, 40)
	f := again.m.form
	if f.Title() != "Weekly" || f.Body() != "body text @13800000000 " || !f.AtAll() || len(f.Mentions()) != 1 || !again.m.unsent {
		t.Fatalf("restored: title %q body %q atAll %v mentions %+v", f.Title(), f.Body(), f.AtAll(), f.Mentions())
	}
}

// A file starts a new markdown message: its text, its heading as title, nobody mentioned, the
// default robot. The unsent draft it replaces is kept aside, and the status says where.
func TestFileStartsANewMessageAndKeepsTheDraft(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.key("ctrl+r", "down", "enter") // robot alerts
	d.key("alt+t", "alt+t")          // action card
	d.typeText("Old title")
	d.key("tab")
	d.typeText("old body ")
	d.key("alt+m", "down", "enter") // Bob, by userId
	if err := d.m.saveNow(); err != nil {
		t.Fatal(err)
	}
	d.exit()

	file := filepath.Join(t.TempDir(), "notes.md")
	if err := os.WriteFile(file, []byte("# From file\n\nhello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.File = file
	withFile := newDriver(t, opts, 120, 40)
	m := withFile.m
	msg := m.form.Message()
	if msg.Type != dingtalk.TypeMarkdown || msg.Markdown.Title != "From file" || msg.Markdown.Text != "# From file\n\nhello" {
		t.Fatalf("message %+v, want a new markdown message from the file", msg.Markdown)
	}
	if msg.At != nil || len(m.form.Mentions()) != 0 || m.form.AtAll() {
		t.Fatalf("mentions carried over from the draft: %+v", msg.At)
	}
	if r := m.currentRobot().Name; r != "ops" {
		t.Fatalf("robot %s, want the default ops", r)
	}
	if !m.unsent {
		t.Fatal("the new message is not unsent")
	}
	kept := filepath.Join(opts.StateDir, "draft.previous.json")
	if !strings.Contains(m.status.Text(), "new message from notes.md") || !strings.Contains(m.status.Text(), kept) {
		t.Fatalf("status %q does not say where the draft went", m.status.Text())
	}
	data, err := os.ReadFile(kept)
	if err != nil || !strings.Contains(string(data), "old body") || !strings.Contains(string(data), `"robot": "alerts"`) {
		t.Fatalf("replaced draft not kept: %v\n%s", err, data)
	}
}

func TestFileTitleFromHeading(t *testing.T) {
	opts := testOptions(t)
	file := filepath.Join(t.TempDir(), "release-notes.md")
	if err := os.WriteFile(file, []byte("intro\n\n## v1.2 released\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.File = file
	d := newDriver(t, opts, 120, 40)
	if got := d.m.form.Title(); got != "v1.2 released" {
		t.Fatalf("title %q", got)
	}
	for text, want := range map[string]string{
		"no heading\nsecond":         "no heading",
		"\n\n- **first item**\n":     "first item",
		"":                           "release-notes",
		strings.Repeat("长", 100):     strings.Repeat("长", store.MaxFileTitle-1) + "…",
		"> quoted *line*\n# Heading": "Heading",
	} {
		if got := store.FromFile("/x/release-notes.md", text, "").Title; got != want {
			t.Errorf("titleFrom(%q) = %q, want %q", text, got, want)
		}
	}
}

// --robot NAME wins over the robot of the saved draft.
func TestPinRobotOverridesTheDraftsRobot(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.key("ctrl+r", "down", "enter") // alerts
	d.typeText("Weekly")
	if err := d.m.saveNow(); err != nil {
		t.Fatal(err)
	}
	d.exit()

	opts.DefaultRobot = "signed"
	unpinned := newDriver(t, opts, 120, 40)
	unpinned.exit()
	if r := unpinned.m.currentRobot().Name; r != "alerts" {
		t.Fatalf("without PinRobot: robot %s, want the draft's alerts", r)
	}
	opts.PinRobot = true
	pinned := newDriver(t, opts, 120, 40)
	if r := pinned.m.currentRobot().Name; r != "signed" {
		t.Fatalf("with PinRobot: robot %s, want signed", r)
	}
	if pinned.m.form.Title() != "Weekly" {
		t.Fatalf("draft content lost: %q", pinned.m.form.Title())
	}
	if !strings.Contains(pinned.m.status.Text(), "robot signed as asked; the draft was written for alerts") {
		t.Fatalf("status %q", pinned.m.status.Text())
	}
}

func TestEditorResult(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("before")
	d.send(extedit.ResultMsg{Text: "after\n"})
	if got := d.m.form.Body(); got != "after" {
		t.Fatalf("body %q", got)
	}
	d.send(extedit.ResultMsg{Original: "after", Text: "after\n", RunErr: errors.New("exit status 1")})
	if got := d.m.form.Body(); got != "after" || !strings.Contains(d.m.status.Text(), "unchanged") {
		t.Fatalf("failed editor: body %q status %q", got, d.m.status.Text())
	}
}

func TestEditorRoundTrip(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("draft")
	cmd := d.m.openEditor()
	ready := cmd().(extedit.ReadyMsg)
	if ready.Err != nil {
		t.Fatal(ready.Err)
	}
	if data, _ := os.ReadFile(ready.Path); string(data) != "draft" {
		t.Fatalf("temp file holds %q", data)
	}
	if err := os.WriteFile(ready.Path, []byte("edited outside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.send(extedit.DoneMsg{Path: ready.Path})
	if got := d.m.form.Body(); got != "edited outside" {
		t.Fatalf("body %q", got)
	}
	if _, err := os.Stat(ready.Path); !os.IsNotExist(err) {
		t.Fatal("temp file left behind")
	}
}

func TestNoSecretAnywhereOnScreen(t *testing.T) {
	opts := testOptions(t)
	opts.DefaultRobot = "signed"
	d := newDriver(t, opts, 120, 40)
	d.typeText("x")
	screens := []string{d.view()}
	d.key("ctrl+r")
	screens = append(screens, d.view())
	d.key("esc", "alt+p")
	screens = append(screens, d.view())
	for _, s := range screens {
		for _, secret := range []string{"SECsupersecretvalue0001", "signedtoken"} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q on screen:\n%s", secret, s)
			}
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("no robots accepted")
	}
	opts := testOptions(t)
	opts.DefaultRobot = "nope"
	if _, err := New(opts); err == nil {
		t.Error("unknown default robot accepted")
	}
	opts = testOptions(t)
	opts.GlamourStyle = filepath.Join(t.TempDir(), "missing.json")
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "GLAMOUR_STYLE") {
		t.Errorf("missing style file: %v", err)
	}
	style := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(style, []byte(`{"document":{"margin":4},"strong":{"bold":true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.GlamourStyle = style
	if _, err := New(opts); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"auto", "light", "notty", "dracula"} {
		opts.GlamourStyle = s
		if _, err := New(opts); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestPreviewScrollsWithPageKeysAndFollowsTyping(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 24)
	d.typeText("Long")
	d.key("tab")
	for i := range 40 {
		d.typeText("paragraph " + strconv.Itoa(i) + "\n\n")
	}
	vp := &d.m.preview
	if vp.YOffset() == 0 {
		t.Fatal("the preview does not follow the cursor at the end of a long text")
	}
	d.key("pgup")
	if d.m.preview.Tracking() {
		t.Fatal("pgup did not stop following")
	}
	top := vp.YOffset()
	d.key("pgup", "pgup", "pgup", "pgup", "pgup")
	if vp.YOffset() >= top || vp.YOffset() != 0 {
		t.Fatalf("pgup: offset %d, was %d", vp.YOffset(), top)
	}
	if !strings.Contains(d.view(), "pgup/pgdn") {
		t.Fatal("no scroll position shown")
	}
	d.key("pgdown")
	if vp.YOffset() == 0 {
		t.Fatal("pgdn did not scroll")
	}
	d.typeText("x")
	if !d.m.preview.Tracking() || !vp.AtBottom() {
		t.Fatal("typing did not bring the preview back to the cursor")
	}
}

func TestQuestionMarkOpensHelpOutsideTextFields(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t") // action card
	d.key("tab", "tab")     // the buttons toggle
	if !d.m.form.OnToggle() {
		t.Fatal("not on a toggle")
	}
	d.key("?")
	if !d.m.fullHelp {
		t.Fatal("? on a toggle did not open the help")
	}
	if !regexp.MustCompile(`space +toggle`).MatchString(d.view()) {
		t.Fatalf("toggle key not in the help:\n%s", d.view())
	}
}

type fakeLimiter struct{ left int }

func (f fakeLimiter) Reserve(string) (time.Duration, error) { return 0, nil }
func (f fakeLimiter) Wait(context.Context, string, func(time.Duration)) error {
	return nil
}
func (f fakeLimiter) Release(string) error          { return nil }
func (f fakeLimiter) Remaining(string) (int, error) { return f.left, nil }

func TestStatusBarShowsSendsLeft(t *testing.T) {
	opts := testOptions(t)
	opts.Client = loopbackOnly()
	opts.Client.Limiter = fakeLimiter{left: 3}
	d := newDriver(t, opts, 120, 40)
	if sb := d.m.statusView(); !strings.Contains(sb, "3/20 left this min") {
		t.Fatalf("status bar: %q", sb)
	}
	if sb := newDriver(t, testOptions(t), 120, 40).m.statusView(); strings.Contains(sb, "left this min") {
		t.Fatalf("unknown sends left shown: %q", sb)
	}
}

func TestInvalidWebhookIsExplainedOnSend(t *testing.T) {
	opts := testOptions(t)
	opts.Robots = []dingtalk.Robot{{Name: "bad", Webhook: "https://evil.example.com/robot/send?access_token=x"}}
	d := newDriver(t, opts, 120, 40)
	d.typeText("T")
	d.key("tab")
	d.typeText("hello")
	d.key("ctrl+s")
	if d.m.state != stateError || !strings.Contains(d.view(), "allow_custom_host") {
		t.Fatalf("bad webhook not explained:\n%s", d.view())
	}
}

func TestHistoryWithNothingSent(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("ctrl+l")
	if d.m.state != stateHistory || !strings.Contains(d.view(), "nothing sent yet") {
		t.Fatalf("empty history:\n%s", d.view())
	}
	d.key("enter", "esc")
	if d.m.state != stateCompose {
		t.Fatal("esc did not leave the history")
	}
	opts := testOptions(t)
	opts.StateDir = ""
	nostate := newDriver(t, opts, 120, 40)
	nostate.key("ctrl+l")
	if nostate.m.state != stateCompose || !strings.Contains(nostate.m.status.Text(), "no state directory") {
		t.Fatalf("history without a state directory: %q", nostate.m.status.Text())
	}
}

func TestPayloadOfAnInvalidMessageSaysWhy(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("no title")
	d.key("alt+p")
	if !strings.Contains(d.m.payloadText, "not sendable as it is") || !strings.Contains(d.m.payloadText, `"text": "no title"`) {
		t.Fatalf("payload:\n%s", d.m.payloadText)
	}
	d.key("q")
	if d.m.state != stateCompose {
		t.Fatal("q did not close the payload")
	}
}

func TestInputsShowTheirTextWhenTheDraftLoadsBeforeTheSize(t *testing.T) {
	opts := testOptions(t)
	d := store.Draft{Version: store.Version, Type: dingtalk.TypeActionCard, Title: "A long title for the card",
		ButtonList: true, Buttons: []dingtalk.Button{{Title: "Approve", ActionURL: "https://e.com/y"}}}
	if err := store.Open(opts.StateDir).Save(1, d); err != nil {
		t.Fatal(err)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	model, _ := m.Update(m.loadStart()()) // the draft first, then the size
	model, _ = model.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	screen := model.View()
	for _, want := range []string{"A long title for the card", "Approve", "https://e.com/y"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("%q not shown:\n%s", want, screen)
		}
	}
}

func TestLongNoticeWrapsAboveTheStatusBar(t *testing.T) {
	opts := testOptions(t)
	opts.Notice = "no robot configured: messages go to dingbot's built-in sandbox and nothing leaves this machine (run `dingbot config init` to add a real robot)"
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		d := newDriver(t, opts, size[0], size[1])
		lines := strings.Split(d.view(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		joined := strings.Join(strings.Fields(d.view()), " ")
		if !strings.Contains(joined, "nothing leaves this machine") || !strings.Contains(joined, "a real robot)") {
			t.Fatalf("%v: notice cut:\n%s", size, d.view())
		}
		for i, l := range lines {
			if lipgloss.Width(l) > size[0] {
				t.Fatalf("%v: line %d too wide", size, i)
			}
		}
	}
}

func TestEnterInTheTitleMovesToTheText(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Title\nbody\nmore")
	msg := d.m.form.Message().Markdown
	if msg.Title != "Title" || msg.Text != "body\nmore" {
		t.Fatalf("title %q text %q", msg.Title, msg.Text)
	}
}

func TestEditorKeyHandsTheBodyToAFile(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.key("tab")
	d.typeText("for the editor")
	d.key("ctrl+o") // writes the file, then asks Bubble Tea to run $EDITOR on it
	files, _ := filepath.Glob(filepath.Join(opts.StateDir, "dingbot-*.md"))
	if len(files) != 1 {
		t.Fatalf("temp files %v", files)
	}
	if data, _ := os.ReadFile(files[0]); string(data) != "for the editor" {
		t.Fatalf("file holds %q", data)
	}
	if info, _ := os.Stat(files[0]); info.Mode().Perm() != 0o600 {
		t.Fatalf("temp file mode %v", info.Mode())
	}
	d.send(extedit.DoneMsg{Path: files[0], Original: "for the editor", Err: errors.New("exit status 2")})
	if d.m.form.Body() != "for the editor" || !strings.Contains(d.m.status.Text(), "unchanged") {
		t.Fatalf("failed editor changed the body: %q / %q", d.m.form.Body(), d.m.status.Text())
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Fatal("temp file left behind")
	}
	d.key("alt+t", "alt+t", "alt+t") // feed card: no body
	d.key("ctrl+o")
	if !strings.Contains(d.m.status.Text(), "no text to edit") {
		t.Fatalf("status %q", d.m.status.Text())
	}
}

// The header says whether the message as it is now was sent: another robot, or a send that
// failed after an earlier one went through, makes it unsent again.
func TestHeaderSentFollowsTheCurrentMessage(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"}, sandbox.Robot{Token: "other"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	sent := func(want bool) {
		t.Helper()
		h := d.m.headerView()
		if want && (!strings.Contains(h, "✓ sent") || d.m.unsent) || !want && (!strings.Contains(h, "● unsent") || !d.m.unsent) {
			t.Fatalf("want sent=%v, header %q", want, h)
		}
	}
	sent(false)
	d.key("ctrl+s", "y")
	sent(true)
	d.key("ctrl+r", "down", "enter") // robot other
	sent(false)
	d.key("ctrl+s", "y")
	sent(true)
	srv.SetFault(sandbox.FaultHTML500)
	d.m.opts.Client.RetryDelay = time.Millisecond
	d.key("ctrl+s", "y")
	if d.m.state != stateError {
		t.Fatalf("the send did not fail: state %v", d.m.state)
	}
	d.key("enter")
	sent(false)
}
