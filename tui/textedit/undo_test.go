package textedit

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestLastEdit: each Update says what kind of edit it made, so an editor can fold a typing run
// into one undo step and keep every kill and paste a step of its own.
func TestLastEdit(t *testing.T) {
	e := newTestEdit(40, 5)
	steps := []struct {
		msg  tea.Msg
		want Edit
	}{
		{runes("a"), Insert},
		{runes("bc"), Insert},
		{keyMsg(" "), Insert},
		{keyMsg("left"), NoEdit},
		{keyMsg("enter"), Newline},
		{keyMsg("backspace"), DeleteChar},
		{keyMsg("ctrl+d"), DeleteChar},
		{keyMsg("ctrl+w"), Kill},
		{paste("x y"), Paste},
		{PasteMsg("z"), Paste},
		{PasteMsg(""), NoEdit},
		{keyMsg("ctrl+u"), Kill},
		{keyMsg("ctrl+u"), NoEdit},
		{keyMsg("ctrl+v"), NoEdit},
		{tea.WindowSizeMsg{}, NoEdit},
	}
	for i, s := range steps {
		changed, _ := e.Update(s.msg)
		if e.LastEdit() != s.want || changed != (s.want != NoEdit) {
			t.Errorf("step %d %#v: edit %v changed %v, want %v", i, s.msg, e.LastEdit(), changed, s.want)
		}
	}
}

// TestStateRestore: a State taken before an edit puts back the text, the cursor and the screen
// exactly, in the body and in a one-line field.
func TestStateRestore(t *testing.T) {
	e := newTestEdit(20, 3)
	var b strings.Builder
	for i := range 40 {
		b.WriteString(strings.Repeat("word ", i%7) + "\n")
	}
	e.SetValue(b.String())
	e.SetCursor(10, 3)
	before, view := e.State(), e.View()
	if r, c := e.Cursor(); r != 10 || c != 3 || before.Row != 10 || before.Col != 3 {
		t.Fatalf("cursor %d,%d state %+v", r, c, before)
	}
	e.Update(keyMsg("ctrl+k"))
	e.Update(keyMsg("ctrl+end"))
	e.Update(paste("more\ntext"))
	if e.State() == before {
		t.Fatal("state unchanged by edits")
	}
	e.Restore(before)
	if got := e.State(); got != before {
		t.Fatalf("restored %+v, want %+v", got, before)
	}
	if got := e.View(); got != view {
		t.Fatalf("restored view:\n%s\nwant:\n%s", got, view)
	}
	if e.LastEdit() != NoEdit {
		t.Fatal("Restore is not an edit")
	}

	l := NewLine(testStyles, "", "")
	l.SetSize(10, 1)
	l.Focus()
	l.SetValue("https://example.com/a/long/path")
	l.SetCursor(0, 12)
	before, view = l.State(), l.View()
	l.Update(keyMsg("ctrl+e"))
	l.Update(runes("xyz"))
	l.Restore(before)
	if l.State() != before || l.View() != view {
		t.Fatalf("one-line restore: %+v %q, want %+v %q", l.State(), l.View(), before, view)
	}
}

func TestSetCursorClamps(t *testing.T) {
	e := newTestEdit(40, 5)
	e.SetValue("ab\ncd")
	for _, c := range []struct{ row, col, wr, wc int }{{0, 1, 0, 1}, {5, 9, 1, 2}, {-1, -1, 0, 0}, {1, 0, 1, 0}} {
		e.SetCursor(c.row, c.col)
		if r, col := e.Cursor(); r != c.wr || col != c.wc {
			t.Errorf("SetCursor(%d,%d): %d,%d, want %d,%d", c.row, c.col, r, col, c.wr, c.wc)
		}
	}
}

// TestMentionWord: the word before the cursor and where it starts, and replacing it as one edit.
func TestMentionWord(t *testing.T) {
	cases := []struct {
		start, word string
		at          int
	}{
		{"hi @zh|", "@zh", 3},
		{"@|", "@", 0},
		{"hi @zh| there", "@zh", 3},
		{"line\n@张|", "@张", 0},
		{"a@zh|", "a@zh", 0},
		{"hi |", "", 3},
		{"|", "", 0},
		{"x  y @w|", "@w", 5},
	}
	for _, c := range cases {
		e := newTestEdit(40, 5)
		e.load(c.start)
		if w, at := e.WordBeforeCursor(); w != c.word || at != c.at {
			t.Errorf("%q: %q at %d, want %q at %d", c.start, w, at, c.word, c.at)
		}
	}

	e := newTestEdit(40, 5)
	e.load("hi @zh| there")
	w, at := e.WordBeforeCursor()
	before := e.State()
	if !e.ReplaceBeforeCursor(len([]rune(w)), "@张伟 ") || e.LastEdit() != Replace {
		t.Fatalf("replace: changed false or edit %v", e.LastEdit())
	}
	if got := e.cursorText(); got != "hi @张伟 | there" || at != 3 {
		t.Fatalf("replaced: %q", got)
	}
	e.Restore(before)
	if got := e.cursorText(); got != "hi @zh| there" {
		t.Fatalf("one undo step back: %q", got)
	}
	if e.ReplaceBeforeCursor(3, "@zh") || e.LastEdit() != NoEdit {
		t.Fatal("replacing text by itself is no edit")
	}
	if !e.ReplaceBeforeCursor(99, "X") || e.cursorText() != "X| there" {
		t.Fatalf("n past the line start: %q", e.cursorText())
	}
	e.load("ab\n|cd")
	if !e.ReplaceBeforeCursor(2, "@all ") || e.cursorText() != "ab\n@all |cd" {
		t.Fatalf("replace at a line start only inserts: %q", e.cursorText())
	}
}

// TestPasteWithoutClipboard: ctrl+v with no clipboard says so instead of doing nothing.
func TestPasteWithoutClipboard(t *testing.T) {
	e := newTestEdit(40, 5)
	e.ReadClipboard = func() (string, error) { return "", ErrNoClipboard }
	_, cmd := e.Update(keyMsg("ctrl+v"))
	if cmd == nil {
		t.Fatal("ctrl+v gave no command")
	}
	msg, ok := cmd().(PasteFailedMsg)
	if !ok {
		t.Fatalf("ctrl+v without a clipboard gave %#v", cmd())
	}
	if want := "no clipboard here: paste with your terminal (shift+insert, ctrl+shift+v or right-click)"; msg.Status() != want {
		t.Fatalf("status %q", msg.Status())
	}

	e.ReadClipboard = func() (string, error) { return "", errors.New("exit status 1") }
	msg, ok = e.pasteCmd()().(PasteFailedMsg)
	if !ok || !strings.Contains(msg.Status(), "exit status 1") || !strings.Contains(msg.Status(), "shift+insert") {
		t.Fatalf("read error: %#v %q", msg, msg.Status())
	}

	e.ReadClipboard = func() (string, error) { return "from\tthe clipboard\x1b[2J", nil }
	_, cmd = e.Update(keyMsg("ctrl+v"))
	got := cmd()
	if changed, _ := e.Update(got); !changed || e.Value() != "from    the clipboard" || e.LastEdit() != Paste {
		t.Fatalf("clipboard paste: %#v gave %q", got, e.Value())
	}
}
