package tui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/tui/store"
)

// Drafts: nothing typed is ever lost. Each test drives a real Bubble Tea program.

// setTiming shortens one of the composer's timings for a test.
func setTiming(t *testing.T, v *time.Duration, d time.Duration) {
	t.Helper()
	old := *v
	*v = d
	t.Cleanup(func() { *v = old })
}

// waitForText waits until the screen shows s, which may be wrapped over lines: escape codes
// are dropped and runs of spaces and line breaks read as one space.
func waitForText(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(strings.Join(strings.Fields(ansi.Strip(string(b))), " "), s)
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// savedDraft reads a draft file, or "" if there is none.
func savedDraft(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// waitForFile waits until the file at path holds want.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(savedDraft(t, path), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %q; it holds:\n%s", path, want, savedDraft(t, path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Typing steadily, with gaps far shorter than the pause that saves, still saves the draft at
// most draftMaxWait after a change: a crash (kill -9) in the middle of typing loses at most that.
func TestDraftSavedWhileTypingSteadily(t *testing.T) {
	setTiming(t, &draftDelay, 2*time.Second)          // the pause never comes
	setTiming(t, &draftMaxWait, 150*time.Millisecond) // but this does
	opts := testOptions(t)
	tm := program(t, opts, nil, 120, 40)
	file := filepath.Join(opts.StateDir, "draft.json")
	typed := ""
	firstSaved := -1
	for i := 0; i < 30; i++ { // 30 keys, one every 30 ms: 0.9 s of steady typing
		c := string(rune('a' + i%26))
		tm.Type(c)
		typed += c
		time.Sleep(30 * time.Millisecond)
		if firstSaved < 0 && strings.Contains(savedDraft(t, file), `"title": "a`) {
			firstSaved = i
		}
	}
	if firstSaved < 0 {
		t.Fatalf("0.9 s of steady typing and no draft saved: %q", savedDraft(t, file))
	}
	if firstSaved > 15 {
		t.Fatalf("first save after %d keys (%d ms), want within draftMaxWait", firstSaved, firstSaved*30)
	}
	// And again while the typing goes on: what was typed up to ~150 ms ago is on disk.
	var d store.Draft
	if err := json.Unmarshal([]byte(savedDraft(t, file)), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Title) < len(typed)-12 {
		t.Fatalf("typed %q, saved only %q", typed, d.Title)
	}
	finalScreen(t, tm)
}

// Two composers on one state directory: the second is told at start and keeps its own draft;
// neither overwrites the other's text, and each comes back.
func TestTwoComposersNeverOverwriteEachOther(t *testing.T) {
	opts := testOptions(t)
	first, firstStore := programStore(t, opts, nil, 120, 40)
	first.Type("First user's title")
	waitForFile(t, filepath.Join(opts.StateDir, "draft.json"), "First user's title")

	second, secondStore := programStore(t, opts, nil, 120, 40)
	waitForText(t, second, "another dingbot composer has the draft open")
	second.Type("Second user's title")
	waitForFile(t, filepath.Join(opts.StateDir, "draft-2.json"), "Second user's title")
	first.Type(" more")
	waitForFile(t, filepath.Join(opts.StateDir, "draft.json"), "First user's title more")

	for _, tm := range []*teatest.TestModel{second, first} {
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ})
		tm.Type("y")
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	}
	// Their processes end: their locks go with them.
	firstStore.Release()
	secondStore.Release()
	if got := savedDraft(t, filepath.Join(opts.StateDir, "draft.json")); !strings.Contains(got, "First user's title more") || strings.Contains(got, "Second") {
		t.Fatalf("draft.json:\n%s", got)
	}
	if got := savedDraft(t, filepath.Join(opts.StateDir, "draft-2.json")); !strings.Contains(got, "Second user's title") {
		t.Fatalf("draft-2.json:\n%s", got)
	}

	// Alone again: the first draft comes back, and the second one is offered by alt+k.
	again := program(t, opts, nil, 120, 40)
	waitForText(t, again, "the draft another composer left in draft-2.json is kept: alt+k brings it back")
	again.Send(keyMsg("alt+k"))
	waitForText(t, again, "left in draft-2.json by another composer")
	again.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, again, "brought back")
	m := finalScreen(t, again)
	if m.form.Title() != "Second user's title" {
		t.Fatalf("title %q after bringing the second draft back", m.form.Title())
	}
	// The file is removed by a command of its own: give a loaded machine a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(opts.StateDir, "draft-2.json"))
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("draft-2.json is still there after it was brought back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The first draft, replaced by it, is kept in turn.
	kept, err := m.store.ListKept()
	if err != nil || len(kept) != 1 || kept[0].Draft.Title != "First user's title more" {
		t.Fatalf("kept %+v %v", kept, err)
	}
}

// alt+n then Enter does not discard: Enter presses the highlighted button, which starts on no.
// y discards, and the discarded draft comes back with alt+k.
func TestNewMessageEnterKeepsTheMessageAndDiscardedOnesComeBack(t *testing.T) {
	opts := testOptions(t)
	tm := program(t, opts, nil, 120, 40)
	tm.Type("Precious")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("three hours of work")
	tm.Send(keyMsg("alt+n"))
	waitForText(t, tm, "Start a new message?")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.Type("!")
	waitForText(t, tm, "work!")

	tm.Send(keyMsg("alt+n"))
	waitForText(t, tm, "It is kept: alt+k brings it back")
	tm.Type("y")
	waitForText(t, tm, "the replaced draft is kept")
	tm.Type("Another")
	tm.Send(keyMsg("alt+n"))
	waitForText(t, tm, "Start a new message?")
	tm.Send(tea.KeyMsg{Type: tea.KeyRight}) // move to the yes button: then Enter presses it
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "what the chat list") // the empty title's placeholder

	tm.Send(keyMsg("alt+k"))
	waitForText(t, tm, "Another markdown message · discarded with alt+n")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown}) // the older one, below "Another"
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitForText(t, tm, "brought back")
	m := finalScreen(t, tm)
	if m.form.Title() != "Precious" || m.form.Body() != "three hours of work!" || !m.unsent {
		t.Fatalf("brought back title %q body %q unsent %v", m.form.Title(), m.form.Body(), m.unsent)
	}
}

// Enter on the send confirmation goes back; nothing is sent until y.
func TestSendConfirmationEnterDoesNotSend(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("hello")
	d.key("ctrl+s", "enter")
	if d.m.state != stateCompose || len(srv.Arrivals()) != 0 {
		t.Fatalf("enter sent: state %v, %d requests", d.m.state, len(srv.Arrivals()))
	}
	d.key("ctrl+s", "tab", "enter")
	if len(srv.Accepted()) != 1 {
		t.Fatal("enter on the highlighted send button did not send")
	}
}

// unwritableStateDir is a state directory that cannot be created, even by root: a file is
// where its parent should be.
func unwritableStateDir(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(file, "state")
}

// A state directory that cannot be written is said at once, for as long as it lasts, naming
// the directory and the fix; quitting says the draft is NOT saved, and no keeps the text.
func TestUnwritableStateDirIsSaidAndTheTextKept(t *testing.T) {
	opts := testOptions(t)
	opts.StateDir = unwritableStateDir(t)
	tm := program(t, opts, nil, 120, 40)
	waitForText(t, tm, "draft NOT saved")
	tm.Type("Weekly")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("do not lose me")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ})
	waitForText(t, tm, "quitting now loses this message")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // the highlighted button: keep editing
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ}) // a second ctrl+q does not lose it either
	tm.Type("n")
	tm.Type("!")
	waitForText(t, tm, "do not lose me!")
	m := finalScreen(t, tm)
	if m.form.Body() != "do not lose me!" || m.state != stateCompose {
		t.Fatalf("body %q state %v", m.form.Body(), m.state)
	}
	screen := m.View()
	for _, want := range []string{"draft NOT saved", opts.StateDir, "DINGBOT_STATE_DIR"} {
		if !strings.Contains(strings.ReplaceAll(screen, "\n", " "), want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
}

// The directory fails only later (it was removed and a file put there): the first failed save
// is shown, and quitting does not claim the draft is saved.
func TestSaveFailureAfterStartIsShownAndQuitTellsTheTruth(t *testing.T) {
	opts := testOptions(t)
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	if err := os.RemoveAll(opts.StateDir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(opts.StateDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d.typeText("!")
	if !strings.Contains(d.view(), "draft NOT saved") {
		t.Fatalf("failed save not on screen:\n%s", d.view())
	}
	d.key("ctrl+q")
	if !strings.Contains(d.view(), "NOT saved") || strings.Contains(d.view(), "The draft is saved") {
		t.Fatalf("quit dialog:\n%s", d.view())
	}
	d.key("y")
	if !d.quit {
		t.Fatal("y did not quit")
	}
}

// A draft that cannot be read is moved aside and the user told where; it is never written over.
func TestDamagedDraftIsKeptAside(t *testing.T) {
	opts := testOptions(t)
	damaged := []byte(`{"version":1,"msgtype":"markdown","title":"half a fi`)
	if err := os.WriteFile(filepath.Join(opts.StateDir, "draft.json"), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	tm := program(t, opts, nil, 160, 40)
	waitForText(t, tm, "draft.damaged-")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	aside, _ := filepath.Glob(filepath.Join(opts.StateDir, "draft.damaged-*.json"))
	if len(aside) != 1 {
		t.Fatalf("damaged drafts kept: %v", aside)
	}
	if data, _ := os.ReadFile(aside[0]); string(data) != string(damaged) {
		t.Fatalf("kept aside %q", data)
	}
}

// editorScript makes $VISUAL a shell function that writes text to the file, then exits code.
func editorScript(t *testing.T, text string, code int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("sh -c is for Unix")
	}
	t.Setenv("VISUAL", "ed() { printf '%s' '"+text+"' > \"$1\"; exit "+string(rune('0'+code))+"; }; ed")
}

// An editor that exits non-zero (vim after an error) keeps what it wrote, and says so.
func TestEditorFailureKeepsTheEdits(t *testing.T) {
	editorScript(t, "written in vim", 1)
	opts := testOptions(t)
	tm := program(t, opts, nil, 120, 40)
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("before")
	waitForText(t, tm, "before")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlO})
	waitForText(t, tm, "exited with status 1")
	m := finalScreen(t, tm)
	if m.form.Body() != "written in vim" {
		t.Fatalf("body %q, want the editor's text", m.form.Body())
	}
	if !strings.Contains(m.status.Text(), "edits were kept") {
		t.Fatalf("status %q", m.status.Text())
	}
	if left, _ := filepath.Glob(filepath.Join(opts.StateDir, "dingbot-*.md")); len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

// A missing editor says which command was not found.
func TestMissingEditorIsNamed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh -c is for Unix")
	}
	t.Setenv("VISUAL", "no-such-editor-dingbot --wait")
	tm := program(t, testOptions(t), nil, 120, 40)
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("kept")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlO})
	waitForText(t, tm, "not found")
	m := finalScreen(t, tm)
	if !strings.Contains(m.status.Text(), "no-such-editor-dingbot") || m.form.Body() != "kept" {
		t.Fatalf("status %q body %q", m.status.Text(), m.form.Body())
	}
}

// postedButNoAnswer serves the sandbox, but while hang is set it answers nothing after the
// sandbox took the message: the message is posted, the client times out.
type postedButNoAnswer struct {
	srv  *sandbox.Server
	hang chan struct{}
}

func (p *postedButNoAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-p.hang:
		p.srv.ServeHTTP(w, r)
		return
	default:
	}
	p.srv.ServeHTTP(httptest.NewRecorder(), r)
	select {
	case <-r.Context().Done():
	case <-p.hang:
	}
}

// A send that may have been posted keeps its msgUuid with the draft: after quitting and
// starting again, sending the same message reuses it, and the group shows it once.
func TestMaybeDeliveredMsgUUIDSurvivesRestart(t *testing.T) {
	srv := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: "ops"}}})
	front := &postedButNoAnswer{srv: srv, hang: make(chan struct{})}
	ts := httptest.NewServer(front)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		select {
		case <-front.hang:
		default:
			close(front.hang)
		}
	})
	opts := testOptions(t)
	opts.Robots = []dingtalk.Robot{{Name: "ops", Webhook: sandbox.WebhookURL(ts.URL, "ops"), AllowCustomHost: true}}
	opts.Client.HTTP.Timeout = 300 * time.Millisecond
	opts.Client.RetryDelay = 10 * time.Millisecond

	tm, ds := programStore(t, opts, nil, 120, 40)
	tm.Type("Deploy 42")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("rolled out")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitForText(t, tm, "[ back ]")
	tm.Type("y")
	waitForText(t, tm, "No answer from DingTalk")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlQ})
	tm.Type("y")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("the first send posted %d messages, want 1", n)
	}
	ds.Release() // the first composer's process ended

	close(front.hang) // DingTalk answers again
	again := program(t, opts, nil, 120, 40)
	waitForText(t, again, "reuses its msgUuid")
	again.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitForText(t, again, "same msgUuid, so DingTalk posts it at most once")
	again.Type("y")
	waitForText(t, again, "sent to ops")
	finalScreen(t, again)

	uuids := map[any]int{}
	for _, a := range srv.Arrivals() {
		var body map[string]any
		if json.Unmarshal(a.Body, &body) == nil {
			uuids[body["msgUuid"]]++
		}
	}
	if len(uuids) != 1 || uuids[nil] > 0 || uuids[""] > 0 {
		t.Fatalf("requests carried msgUuids %v, want one and the same", uuids)
	}
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("the group shows the message %d times, want once", n)
	}
}
