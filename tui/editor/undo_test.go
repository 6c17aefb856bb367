package editor

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/textedit"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// typeIn sends each rune of s as one key, as a person types.
func typeIn(f *Form, s string) {
	for _, r := range s {
		if r == ' ' {
			f.Update(tea.KeyMsg{Type: tea.KeySpace})
			continue
		}
		f.Update(runes(string(r)))
	}
}

func press(f *Form, t tea.KeyType) { f.Update(tea.KeyMsg{Type: t}) }

// undoAll undoes until nothing is left, returning the body after each step.
func undoAll(f *Form) []string {
	var bodies []string
	for f.Undo() {
		bodies = append(bodies, f.Body())
	}
	return bodies
}

// Typing is undone a word at a time; a kill, a paste and a new line are steps of their own.
func TestUndoSteps(t *testing.T) {
	f := newTestForm()
	f.focusField(FieldBody, 0)
	typeIn(&f, "hello big world")
	press(&f, tea.KeyEnter)
	typeIn(&f, "second")
	press(&f, tea.KeyCtrlW) // kill "second"
	f.Update(textedit.PasteMsg("pasted"))
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("in one go"), Paste: true})
	if f.Body() != "hello big world\npastedin one go" {
		t.Fatalf("body %q", f.Body())
	}
	got := undoAll(&f)
	want := []string{
		"hello big world\npasted", // the bracketed paste
		"hello big world\n",       // the clipboard paste
		"hello big world\nsecond", // the kill
		"hello big world\n",       // typing "second"
		"hello big world",         // the new line
		"hello big",               // " world"
		"hello",                   // " big"
		"",                        // "hello"
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("undo steps:\n got %q\nwant %q", got, want)
	}
	for i := len(want) - 2; i >= 0; i-- {
		if !f.Redo() || f.Body() != want[i] {
			t.Fatalf("redo to %q: body %q", want[i], f.Body())
		}
	}
	if !f.Redo() || f.Body() != "hello big world\npastedin one go" || f.Redo() {
		t.Fatalf("last redo: %q", f.Body())
	}
}

// A run of backspaces is one step; a move ends a run of typing.
func TestUndoRunsEndAtAMove(t *testing.T) {
	f := newTestForm()
	f.focusField(FieldBody, 0)
	typeIn(&f, "abcdef")
	press(&f, tea.KeyBackspace)
	press(&f, tea.KeyBackspace)
	typeIn(&f, "cd")
	press(&f, tea.KeyLeft)
	typeIn(&f, "X")
	typeIn(&f, "Y")
	got := undoAll(&f)
	want := []string{"abcdcd", "abcd", "abcdef", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("undo steps %q, want %q", got, want)
	}
}

// Undo puts back the cursor and the focus: the step is undone where it was made.
func TestUndoRestoresFocusAndCursor(t *testing.T) {
	f := newTestForm()
	typeIn(&f, "Title")
	f.Next(1)
	typeIn(&f, "one two")
	press(&f, tea.KeyCtrlA)
	press(&f, tea.KeyCtrlK) // kill the line: the cursor was at its start
	f.Next(-1)              // to the title
	if !f.Undo() || f.Body() != "one two" {
		t.Fatalf("undo: %q", f.Body())
	}
	if f.Focused().Field != FieldBody {
		t.Fatalf("focus on %v after undo, want the body", f.Focused())
	}
	if r, c := f.body.Cursor(); r != 0 || c != 0 {
		t.Fatalf("cursor at %d,%d after undo, want where the kill was: 0,0", r, c)
	}
	f.Undo() // " two"
	f.Undo() // "one"
	f.Undo() // "Title"
	if f.Title() != "" || f.Focused().Field != FieldTitle {
		t.Fatalf("title %q focus %v", f.Title(), f.Focused())
	}
}

// A new change after an undo clears what Redo would do.
func TestNewEditClearsRedo(t *testing.T) {
	f := newTestForm()
	typeIn(&f, "abc")
	f.Undo()
	if !f.CanRedo() {
		t.Fatal("nothing to redo after an undo")
	}
	typeIn(&f, "x")
	if f.CanRedo() || f.Redo() {
		t.Fatal("redo survived a new edit")
	}
}

// A removed row, a type switch, a toggle and a mention are each one step.
func TestUndoFormChanges(t *testing.T) {
	f := newTestForm()
	f.CycleKind()
	f.CycleKind() // action card
	if f.Kind() != dingtalk.TypeActionCard {
		t.Fatalf("kind %s", f.Kind())
	}
	f.focusField(FieldButtonMode, 0)
	f.Toggle() // a list of buttons
	f.focusField(FieldButtonTitle, 0)
	typeIn(&f, "Yes")
	f.AddRow()
	typeIn(&f, "No")
	f.Next(1)
	typeIn(&f, "https://n")
	before := f.Snapshot()
	f.focusField(FieldButtonURL, 1)
	f.RemoveRow()
	if n := len(f.Snapshot().Buttons); n != 1 {
		t.Fatalf("%d buttons after removing one", n)
	}
	if !f.Undo() {
		t.Fatal("nothing to undo")
	}
	if got := f.Snapshot(); len(got.Buttons) != 2 || got.Buttons[1] != before.Buttons[1] {
		t.Fatalf("buttons after undo %+v, want %+v", got.Buttons, before.Buttons)
	}
	if s := f.Focused(); s != (Slot{FieldButtonURL, 1}) {
		t.Fatalf("focus %+v after undo, want the removed row's URL", s)
	}
	if !f.Redo() || len(f.Snapshot().Buttons) != 1 {
		t.Fatal("redo did not remove the row again")
	}
	f.Undo()

	// Mentions and @all.
	f.focusField(FieldBody, 0)
	bob := dingtalk.Contact{Name: "Bob", UserID: "bob01"}
	if _, _, ok := f.Mention([]dingtalk.Contact{bob}); !ok || f.Body() != "@bob01 " {
		t.Fatalf("mention: body %q", f.Body())
	}
	f.Undo()
	if f.Body() != "" || f.IsMentioned(bob) {
		t.Fatalf("undo of a mention: body %q mentioned %v", f.Body(), f.IsMentioned(bob))
	}
	f.CycleKind()
	f.CycleKind() // text: @all works
	f.ToggleAtAll()
	f.Undo()
	if f.AtAll() || f.Kind() != dingtalk.TypeText {
		t.Fatalf("undo of @all: atAll %v kind %s", f.AtAll(), f.Kind())
	}
	for f.Kind() != dingtalk.TypeActionCard {
		f.Undo()
	}
	if f.Snapshot().Buttons[1].Title != "No" {
		t.Fatalf("undoing the type switches lost the buttons: %+v", f.Snapshot().Buttons)
	}
}

// Deleting an @handle unmentions after a render (Forget); undoing the deletion mentions again.
func TestUndoBringsBackAMentionForgotten(t *testing.T) {
	f := newTestForm()
	f.focusField(FieldBody, 0)
	alice := dingtalk.Contact{Name: "Alice", Mobile: "13800000000"}
	f.Mention([]dingtalk.Contact{alice})
	f.Forget(map[dingtalk.Contact]bool{alice: true})
	press(&f, tea.KeyCtrlU)
	f.Forget(map[dingtalk.Contact]bool{alice: false})
	if f.IsMentioned(alice) {
		t.Fatal("still mentioned after the handle was deleted")
	}
	f.Undo()
	if !f.IsMentioned(alice) || f.Body() != "@13800000000 " {
		t.Fatalf("undo: mentioned %v body %q", f.IsMentioned(alice), f.Body())
	}
}

// Edit makes several changes one step; an Edit that changes nothing is no step.
func TestEditIsOneStep(t *testing.T) {
	f := newTestForm()
	f.focusField(FieldBody, 0)
	typeIn(&f, "hi @zh")
	f.Edit(func() {
		w, _ := f.WordBeforeCursor()
		f.ReplaceBeforeCursor(len([]rune(w)), "")
		f.Mention([]dingtalk.Contact{{Name: "张伟", Mobile: "13700000000"}})
	})
	if f.Body() != "hi @13700000000 " {
		t.Fatalf("body %q", f.Body())
	}
	f.Edit(func() {})
	f.Undo()
	if f.Body() != "hi @zh" || len(f.Mentions()) != 0 {
		t.Fatalf("one undo: body %q mentions %v", f.Body(), f.Mentions())
	}
}

// The history keeps the last maxUndo steps.
func TestUndoIsLimited(t *testing.T) {
	f := newTestForm()
	f.focusField(FieldBody, 0)
	for range maxUndo + 50 {
		press(&f, tea.KeyCtrlU) // nothing to kill: no step
		typeIn(&f, "x")
		press(&f, tea.KeyLeft) // a move ends the run: each x is a step
	}
	n := len(undoAll(&f))
	if n != maxUndo {
		t.Fatalf("%d steps undone, want %d", n, maxUndo)
	}
	if f.Body() != strings.Repeat("x", 50) {
		t.Fatalf("after undoing all: %d runes", len([]rune(f.Body())))
	}
}

// A one-line field: ↑/↓ and ctrl+p/ctrl+n move the focus, as on a toggle; in the body they
// move lines and the focus stays.
func TestLineMovesPastOneLineFields(t *testing.T) {
	f := newTestForm()
	f.CycleKind() // link: title, body, url, picture
	f.focusField(FieldTitle, 0)
	press(&f, tea.KeyCtrlN)
	if f.Focused().Field != FieldBody {
		t.Fatalf("ctrl+n from the title: focus %v", f.Focused())
	}
	typeIn(&f, "a")
	press(&f, tea.KeyEnter)
	typeIn(&f, "b")
	press(&f, tea.KeyCtrlP)
	press(&f, tea.KeyCtrlP) // past the first line: the body keeps the focus
	if f.Focused().Field != FieldBody || f.body.Line() != 0 {
		t.Fatalf("ctrl+p in the body: focus %v line %d", f.Focused(), f.body.Line())
	}
	f.focusField(FieldMessageURL, 0)
	press(&f, tea.KeyDown)
	press(&f, tea.KeyCtrlP)
	press(&f, tea.KeyCtrlP)
	if f.Focused().Field != FieldBody {
		t.Fatalf("↓ then ctrl+p twice from the URL: focus %v", f.Focused())
	}
}

// The body's placeholder tells the truth about the type: markdown only where it renders.
func TestBodyPlaceholderPerType(t *testing.T) {
	f := newTestForm()
	for range dingtalk.MsgTypes {
		f.CycleKind()
		view := f.View()
		md := strings.Contains(view, "Markdown works")
		switch f.Kind() {
		case dingtalk.TypeMarkdown, dingtalk.TypeActionCard:
			if !md {
				t.Errorf("%s: no markdown placeholder:\n%s", f.Kind(), view)
			}
		case dingtalk.TypeText, dingtalk.TypeLink:
			if md || !strings.Contains(view, "Plain text") {
				t.Errorf("%s: placeholder says markdown works:\n%s", f.Kind(), view)
			}
		}
	}
}
