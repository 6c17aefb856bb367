package tui

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/textedit"
)

// Issue 10: keys keep their meaning. In every field the readline keys edit; commands live on
// keys with no editing meaning; text that arrives as text is inserted as text.

// atAll switches @all as the mention picker's @all entry does (no key of its own since
// issue 10: ctrl+e is line end).
func (d *driver) atAll() {
	d.t.Helper()
	d.run(d.m.toggleAtAll())
}

// text sends runes that arrive in one read: an input method committing a word, a laggy ssh,
// an unbracketed paste.
func (d *driver) text(s string) {
	d.t.Helper()
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

// inBody is a markdown message with a title, the focus at the end of its body.
func inBody(t *testing.T, body string) *driver {
	t.Helper()
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText(body)
	return d
}

// ctrl+a and ctrl+e are line start and end: no picker, no @all.
func TestCtrlAAndCtrlEAreLineStartAndEnd(t *testing.T) {
	d := inBody(t, "first\nhello")
	d.key("ctrl+a")
	if d.m.state != stateCompose {
		t.Fatalf("ctrl+a opened state %v:\n%s", d.m.state, d.view())
	}
	d.key("enter") // in the body enter is a new line, never "mention the first contact"
	d.typeText("X")
	d.key("ctrl+e")
	d.typeText("Y")
	if got := d.m.form.Body(); got != "first\n\nXhelloY" {
		t.Fatalf("body %q, want %q", got, "first\n\nXhelloY")
	}
	if d.m.form.AtAll() || len(d.m.form.Mentions()) != 0 || d.m.form.Message().At != nil {
		t.Fatalf("ctrl+a/ctrl+e mentioned: atAll %v mentions %v", d.m.form.AtAll(), d.m.form.Mentions())
	}
}

// ctrl+n and ctrl+p move between lines in the body: never a new message, never the payload.
func TestCtrlNAndCtrlPMoveLines(t *testing.T) {
	d := inBody(t, "one\ntwo\nthree")
	d.key("ctrl+p", "ctrl+p", "ctrl+a")
	d.typeText(">")
	d.key("ctrl+n", "ctrl+e", "enter") // a new line in the body, not "yes, discard"
	if d.m.state != stateCompose {
		t.Fatalf("ctrl+n/ctrl+p left the editor: state %v\n%s", d.m.state, d.view())
	}
	if got := d.m.form.Body(); got != ">one\ntwo\n\nthree" {
		t.Fatalf("body %q", got)
	}
	if d.m.form.Title() != "Weekly" || !d.m.unsent {
		t.Fatalf("the message was replaced: title %q unsent %v", d.m.form.Title(), d.m.unsent)
	}
	// In a one-line field they move to the previous and next field, as ↑ and ↓ do.
	d.key("shift+tab")
	if f := d.m.form.Focused().Field; f != editor.FieldTitle {
		t.Fatalf("focus %v, want the title", f)
	}
	d.key("ctrl+n")
	if f := d.m.form.Focused().Field; f != editor.FieldBody {
		t.Fatalf("ctrl+n from the title: focus %v, want the body", f)
	}
}

// Words that spell key names, arriving in one read, are text in every one-line field.
func TestWordsThatSpellKeysAreText(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t") // link: title, text, link URL, picture URL
	d.text("turn left")
	d.key("tab")
	d.text("the end")
	d.key("tab")
	d.text("new tab")
	d.key("tab")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("ctrl+a enter"), Paste: true})
	link := d.m.form.Message().Link
	want := dingtalk.Link{Title: "turn left", Text: "the end", MessageURL: "new tab", PicURL: "ctrl+a enter"}
	if link == nil || *link != want {
		t.Fatalf("link %+v, want %+v", link, want)
	}
	if f := d.m.form.Focused().Field; f != editor.FieldPicURL || d.m.state != stateCompose {
		t.Fatalf("focus %v state %v, want the picture URL in the editor", f, d.m.state)
	}
}

// Outside a text field (a toggle, a dialog) text that arrives as text is not a key: "new tab"
// moves nothing and "yes" pasted into "Send?" sends nothing.
func TestTextOutsideFieldsIsIgnored(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t") // action card
	d.typeText("Vote")
	d.key("tab", "tab") // the buttons toggle
	before, focus := d.m.form.Snapshot(), d.m.form.Focused()
	if !d.m.form.OnToggle() {
		t.Fatalf("focus %+v is not on the buttons toggle", focus)
	}
	d.text("new tab")
	d.text(" y")
	if d.m.form.Focused() != focus || d.m.form.Snapshot().ButtonList != before.ButtonList || d.m.state != stateCompose {
		t.Fatalf("text on a toggle acted: focus %v → %v, list %v", focus, d.m.form.Focused(), d.m.form.Snapshot().ButtonList)
	}

	s := inBody(t, "hello")
	s.key("ctrl+s")
	if s.m.state != stateConfirm {
		t.Skipf("ctrl+s did not ask (state %v): the send flow changed", s.m.state)
	}
	s.text("yes")
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y"), Paste: true})
	if s.m.state != stateConfirm {
		t.Fatalf("text answered the confirmation: state %v\n%s", s.m.state, s.view())
	}
}

// ctrl+u, ctrl+k and ctrl+w are undone by ctrl+z and redone by ctrl+y.
func TestKillsAreUndone(t *testing.T) {
	d := inBody(t, "keep this line")
	d.key("ctrl+u")
	if d.m.form.Body() != "" {
		t.Fatalf("ctrl+u left %q", d.m.form.Body())
	}
	d.key("ctrl+z")
	if d.m.form.Body() != "keep this line" {
		t.Fatalf("ctrl+z: %q", d.m.form.Body())
	}
	d.key("ctrl+y")
	if d.m.form.Body() != "" {
		t.Fatalf("ctrl+y: %q", d.m.form.Body())
	}
	d.key("ctrl+z", "ctrl+a", "ctrl+k", "ctrl+z")
	if d.m.form.Body() != "keep this line" {
		t.Fatalf("ctrl+k then ctrl+z: %q", d.m.form.Body())
	}
	d.key("ctrl+e", "ctrl+w", "ctrl+z")
	if d.m.form.Body() != "keep this line" {
		t.Fatalf("ctrl+w then ctrl+z: %q", d.m.form.Body())
	}
	d.typeText("!")
	d.key("ctrl+y")
	if !strings.Contains(d.m.status.Text(), "nothing to redo") {
		t.Fatalf("redo after a new edit: status %q", d.m.status.Text())
	}
	// Undo goes across fields: the body, then the title.
	d.key("ctrl+z", "ctrl+z", "ctrl+z", "ctrl+z", "ctrl+z", "ctrl+z")
	if d.m.form.Body() != "" || d.m.form.Title() != "" || d.m.form.Focused().Field != editor.FieldTitle {
		t.Fatalf("undone: title %q body %q focus %v", d.m.form.Title(), d.m.form.Body(), d.m.form.Focused())
	}
}

// ctrl+x removes a whole button row, says how to get it back, and ctrl+z brings it back.
func TestRemovedRowComesBack(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t") // action card
	d.typeText("Vote")
	d.key("tab", "tab", " ", "tab") // a list of buttons; button 1
	d.typeText("Yes")
	d.key("tab")
	d.typeText("https://e.com/y")
	d.key("enter") // a second row
	d.typeText("No")
	d.key("tab")
	d.typeText("https://e.com/n")
	want := d.m.form.Snapshot().Buttons
	d.key("ctrl+x")
	if n := len(d.m.form.Snapshot().Buttons); n != 1 {
		t.Fatalf("%d buttons after ctrl+x", n)
	}
	if !strings.Contains(d.m.status.Text(), "row removed — ctrl+z brings it back") {
		t.Fatalf("status %q", d.m.status.Text())
	}
	d.key("ctrl+z")
	got := d.m.form.Snapshot().Buttons
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("buttons after ctrl+z %+v, want %+v", got, want)
	}
	if s := d.m.form.Focused(); s.Field != editor.FieldButtonURL || s.Row != 1 {
		t.Fatalf("focus %+v, want the row that came back", s)
	}
	if !strings.Contains(d.view(), "Button 2") {
		t.Fatalf("the row is not on screen:\n%s", d.view())
	}
}

// A type switch (alt+t or f2) is undone and redone; ctrl+t is not a command any more.
func TestTypeSwitchIsUndone(t *testing.T) {
	d := inBody(t, "hello")
	d.key("ctrl+t")
	if d.m.form.Kind() != dingtalk.TypeMarkdown {
		t.Fatalf("ctrl+t switched to %s", d.m.form.Kind())
	}
	d.key("alt+t", "f2")
	if d.m.form.Kind() != dingtalk.TypeActionCard {
		t.Fatalf("alt+t, f2: %s", d.m.form.Kind())
	}
	d.key("ctrl+z")
	if d.m.form.Kind() != dingtalk.TypeLink || !strings.Contains(d.view(), "Compose link card") {
		t.Fatalf("ctrl+z: %s", d.m.form.Kind())
	}
	d.key("ctrl+z")
	d.key("ctrl+y")
	if d.m.form.Kind() != dingtalk.TypeLink {
		t.Fatalf("ctrl+z, ctrl+y: %s", d.m.form.Kind())
	}
	if d.m.form.Body() != "hello" {
		t.Fatalf("body %q", d.m.form.Body())
	}
}

// @all and mentions are undone like text.
func TestMentionChangesAreUndone(t *testing.T) {
	d := inBody(t, "hi ")
	d.atAll()
	if !d.m.form.AtAll() {
		t.Fatal("@all not on")
	}
	d.key("ctrl+z")
	if d.m.form.AtAll() || d.m.form.Message().At != nil {
		t.Fatal("ctrl+z left @all on")
	}
	d.key("alt+m")
	if d.m.state != stateMentions && !d.m.inlineOpen() {
		t.Fatalf("alt+m opened no picker: state %v", d.m.state)
	}
	d.key("enter") // Alice, the first
	if !d.m.form.IsMentioned(testContacts[0]) || !strings.Contains(d.m.form.Body(), "@13800000000") {
		t.Fatalf("not mentioned: body %q", d.m.form.Body())
	}
	d.key("ctrl+z")
	if d.m.form.IsMentioned(testContacts[0]) || strings.Contains(d.m.form.Body(), "@13800000000") {
		t.Fatalf("ctrl+z after a mention: body %q mentions %v", d.m.form.Body(), d.m.form.Mentions())
	}
	for d.m.form.Body() != "hi " && d.m.form.CanUndo() {
		d.key("ctrl+z")
	}
	if d.m.form.Body() != "hi " {
		t.Fatalf("undoing the mention's steps: body %q", d.m.form.Body())
	}
}

// The new places of the commands: alt+p/f4 payload, alt+n/f5 new, alt+k/f6 kept drafts.
func TestCommandsOnTheirNewKeys(t *testing.T) {
	d := inBody(t, "hello")
	for _, k := range []string{"alt+p", "f4"} {
		d.key(k)
		if d.m.state != statePayload {
			t.Fatalf("%s: state %v", k, d.m.state)
		}
		d.key("esc")
	}
	for _, k := range []string{"alt+n", "f5"} {
		d.key(k)
		if d.m.state != stateConfirm || !strings.Contains(d.view(), "Start a new message?") {
			t.Fatalf("%s: state %v", k, d.m.state)
		}
		d.key("esc")
	}
	for _, k := range []string{"alt+k", "f6"} {
		d.key(k)
		if d.m.state != stateKept && !strings.Contains(d.m.status.Text(), "kept") {
			t.Fatalf("%s: state %v status %q", k, d.m.state, d.m.status.Text())
		}
		d.key("esc")
	}
	if d.m.form.Body() != "hello" {
		t.Fatalf("body %q", d.m.form.Body())
	}
	if !strings.Contains(d.view(), "alt+t") || strings.Contains(d.view(), "ctrl+t") {
		t.Fatalf("the header does not show alt+t:\n%s", d.view())
	}
}

// alt+s and f9 turn mouse mode on and off, from a text field too.
func TestMouseKeys(t *testing.T) {
	d := inBody(t, "hello")
	d.key("alt+s")
	if !d.m.preview.Mouse() || !strings.Contains(d.m.status.Text(), "mouse on") {
		t.Fatalf("alt+s: mouse %v status %q", d.m.preview.Mouse(), d.m.status.Text())
	}
	d.key("f9")
	if d.m.preview.Mouse() || !strings.Contains(d.m.status.Text(), "mouse off") {
		t.Fatalf("f9: mouse %v status %q", d.m.preview.Mouse(), d.m.status.Text())
	}
	if d.m.form.Body() != "hello" {
		t.Fatalf("body %q", d.m.form.Body())
	}
}

// ctrl+v without a clipboard says so in the status line; a clipboard's text goes to the
// focused field, a one-line one too, as one undo step.
func TestPasteFromTheClipboard(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.send(textedit.PasteFailedMsg{Err: textedit.ErrNoClipboard})
	if !strings.Contains(d.m.status.Text(), "no clipboard here") {
		t.Fatalf("status %q", d.m.status.Text())
	}
	d.typeText("A ")
	d.send(textedit.PasteMsg("title\nfrom the clipboard"))
	if got := d.m.form.Title(); got != "A title from the clipboard" {
		t.Fatalf("title %q", got)
	}
	d.key("ctrl+z")
	if got := d.m.form.Title(); got != "A " {
		t.Fatalf("title %q after ctrl+z", got)
	}
}

// The body's placeholder says markdown works only where it does.
func TestBodyPlaceholderIsTrueForTheType(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	seen := map[dingtalk.MsgType]bool{}
	for range dingtalk.MsgTypes {
		seen[d.m.form.Kind()] = true
		editorSide := editorColumn(d.view(), d.m.geometry().editorW)
		md := strings.Contains(editorSide, "Markdown works")
		switch k := d.m.form.Kind(); k {
		case dingtalk.TypeMarkdown, dingtalk.TypeActionCard:
			if !md {
				t.Errorf("%s: no markdown hint:\n%s", k, editorSide)
			}
		case dingtalk.TypeText, dingtalk.TypeLink:
			if md {
				t.Errorf("%s says markdown works:\n%s", k, editorSide)
			}
		}
		d.key("alt+t")
	}
	if len(seen) != len(dingtalk.MsgTypes) {
		t.Fatalf("alt+t went through %d types", len(seen))
	}
}

// syncBuffer is a program's output, written by the program and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.b.String())
}

// rawProgram runs the composer in a real tea.Program fed raw terminal bytes through a pipe,
// each write in one read by bubbletea's input parser, as a terminal delivers them.
type rawProgram struct {
	t    *testing.T
	p    *tea.Program
	in   *io.PipeWriter
	out  *syncBuffer
	done chan tea.Model
}

func startRaw(t *testing.T, opts Options, w, h int) *rawProgram {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	in, feed := io.Pipe()
	r := &rawProgram{t: t, in: feed, out: &syncBuffer{}, done: make(chan tea.Model, 1)}
	r.p = tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(r.out), tea.WithoutSignals())
	go func() {
		fm, err := r.p.Run()
		if err != nil {
			t.Errorf("program: %v", err)
		}
		r.done <- fm
	}()
	r.p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	r.waitFor("Compose")
	return r
}

// write sends bytes in one write, then waits until the screen shows onScreen.
func (r *rawProgram) write(b, onScreen string) {
	r.t.Helper()
	if _, err := r.in.Write([]byte(b)); err != nil {
		r.t.Fatalf("write %q: %v", b, err)
	}
	if onScreen != "" {
		r.waitFor(onScreen)
	}
}

func (r *rawProgram) waitFor(s string) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.out.String(), s) {
		if time.Now().After(deadline) {
			r.t.Fatalf("the screen never showed %q; last output:\n%s", s, tail(r.out.String(), 3000))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// finish ends the program and returns its last model.
func (r *rawProgram) finish() Model {
	r.t.Helper()
	r.p.Quit()
	r.in.Close()
	select {
	case fm := <-r.done:
		m := fm.(Model)
		if m.store != nil {
			m.store.Release()
		}
		return m
	case <-time.After(5 * time.Second):
		r.p.Kill()
		r.t.Fatal("the program did not end")
	}
	return Model{}
}

// Through the terminal: the bytes a terminal sends for the readline keys edit, words that spell
// keys stay words, and the commands' new keys work.
func TestRawTerminalKeys(t *testing.T) {
	r := startRaw(t, testOptions(t), 120, 40)
	r.write("\x1bt", "Compose link card") // alt+t: a link card
	r.write("turn left", "turn left")
	r.write("\t", "")
	r.write("the end", "the end")
	r.write("\x01", "")  // ctrl+a: line start
	r.write(">", ">the") // typed at the line's start
	r.write("\x05", "")  // ctrl+e: line end
	r.write("\r", "")    // a new line in the body
	r.write("line two", "line two")
	r.write("\x10", "")      // ctrl+p: the line above
	r.write("\x0e", "")      // ctrl+n: back down
	r.write("\x15", "")      // ctrl+u: kill to the line's start
	r.write("\x1a", "")      // ctrl+z: undo the kill
	r.write("\x0e", "")      // ctrl+n on the last line: the body keeps the focus
	r.write("\t", "")        // the link URL
	r.write("new tab", "")   // a word that spells two keys
	r.write("\x1b[B", "")    // ↓: the picture URL
	r.write("\x10", "")      // ctrl+p: back to the link URL
	r.write("!", "new tab!") // typed at its end
	m := r.finish()
	link := m.form.Message().Link
	want := dingtalk.Link{Title: "turn left", Text: ">the end\nline two", MessageURL: "new tab!"}
	if link == nil || *link != want {
		t.Fatalf("link %+v, want %+v", link, want)
	}
	if m.state != stateCompose || m.form.AtAll() || len(m.form.Mentions()) != 0 {
		t.Fatalf("state %v atAll %v mentions %v", m.state, m.form.AtAll(), m.form.Mentions())
	}
}
