package textedit

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

var testStyles = Styles{Cursor: lipgloss.NewStyle().Reverse(true)}

func newTestEdit(w, h int) *Model {
	e := New(testStyles, "│ ", "")
	e.SetSize(w, h)
	e.Focus()
	return &e
}

func (e *Model) press(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		e.Update(keyMsg(n))
	}
}

// cursorText shows the text with | at the cursor.
func (e *Model) cursorText() string {
	var b strings.Builder
	for r, l := range e.lines {
		if r > 0 {
			b.WriteByte('\n')
		}
		if r == e.row {
			b.WriteString(string(l[:e.col]) + "|" + string(l[e.col:]))
		} else {
			b.WriteString(string(l))
		}
	}
	return b.String()
}

func TestTextEditEditing(t *testing.T) {
	cases := []struct {
		name  string
		start string
		keys  []string
		want  string
	}{
		{"type", "", []string{"a", "b", " ", "c"}, "ab c|"},
		{"newline splits", "abcd", []string{"left", "left", "enter"}, "ab\n|cd"},
		{"backspace joins lines", "ab\ncd", []string{"home", "backspace"}, "ab|cd"},
		{"backspace at start", "", []string{"backspace"}, "|"},
		{"delete joins lines", "ab\ncd", []string{"up", "end", "ctrl+d"}, "ab|cd"},
		{"word left and delete word", "one two three", []string{"ctrl+w"}, "one two |"},
		{"word moves", "one two three", []string{"alt+left", "alt+left", "alt+right"}, "one two| three"},
		{"delete word right", "one two three", []string{"home", "alt+d"}, "| two three"},
		{"kill to end", "hello world", []string{"home", "right", "ctrl+k"}, "h|"},
		{"kill to end joins at line end", "ab\ncd", []string{"up", "end", "ctrl+k"}, "ab|cd"},
		{"kill to start", "hello world", []string{"left", "ctrl+u"}, "|d"},
		{"left wraps to previous line", "ab\ncd", []string{"home", "left"}, "ab|\ncd"},
		{"right wraps to next line", "ab\ncd", []string{"up", "end", "right"}, "ab\n|cd"},
		{"begin and finish", "ab\ncd", []string{"ctrl+home", "x", "ctrl+end", "y"}, "xab\ncdy|"},
		{"up at top goes home", "abc", []string{"up"}, "|abc"},
		{"down at bottom goes end", "abc", []string{"home", "down"}, "abc|"},
		{"up keeps the column", "abcdef\nxy\nabcdef", []string{"left", "left", "up", "up"}, "abcd|ef\nxy\nabcdef"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEdit(40, 5)
			e.SetValue(c.start)
			e.press(t, c.keys...)
			if got := e.cursorText(); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestTextEditReportsChanges(t *testing.T) {
	e := newTestEdit(40, 5)
	for _, k := range []string{"left", "up", "backspace", "ctrl+k", "ctrl+u"} {
		if changed, _ := e.Update(keyMsg(k)); changed {
			t.Errorf("%s on empty text reported a change", k)
		}
	}
	for _, k := range []string{"a", "enter", "backspace"} {
		if changed, _ := e.Update(keyMsg(k)); !changed {
			t.Errorf("%s reported no change", k)
		}
	}
	e.Blur()
	if changed, _ := e.Update(keyMsg("z")); changed || e.Value() != "a" {
		t.Errorf("a blurred editor took a key: %q", e.Value())
	}
	if changed, _ := e.Update(PasteMsg("\tpasted\r\nline")); !changed || e.Value() != "a    pasted\nline" {
		t.Errorf("paste: %q", e.Value())
	}
}

func TestTextEditWrapsAndMovesByScreenLines(t *testing.T) {
	// 12 columns of text (the prompt takes 2, the cursor column 1).
	e := newTestEdit(15, 10)
	e.SetValue("alpha beta gamma delta")
	if got := wrapStarts([]rune("alpha beta gamma delta"), 12); len(got) != 2 || got[1] != 11 {
		t.Fatalf("wrap starts %v, want [0 11]", got)
	}
	lines := strings.Split(ansi.Strip(e.View()), "\n")
	if lines[0] != "│ alpha beta " || lines[1] != "│ gamma delta " {
		t.Fatalf("view:\n%s", strings.Join(lines, "\n"))
	}
	e.press(t, "up") // from the end of "gamma delta" to the same column above
	if e.row != 0 || e.col != 10 {
		t.Fatalf("up from a wrapped line: row %d col %d", e.row, e.col)
	}
	e.press(t, "down")
	if e.col != len([]rune("alpha beta gamma delta")) {
		t.Fatalf("down: col %d", e.col)
	}
	for _, l := range strings.Split(e.View(), "\n") {
		if lipgloss.Width(l) > 15 {
			t.Fatalf("line wider than the editor: %q", l)
		}
	}
}

func TestTextEditWideRunes(t *testing.T) {
	w := lipgloss.Width("│ ") + 1 + 6 // 6 columns of text
	e := newTestEdit(w, 5)
	e.SetValue("钉钉机器人好")
	starts := e.wrap(0)
	if len(starts) != 2 || starts[1] != 3 {
		t.Fatalf("wide runes wrap at %v, want [0 3]", starts)
	}
	for _, l := range strings.Split(e.View(), "\n") {
		if lipgloss.Width(l) > w {
			t.Fatalf("line wider than the editor: %q", l)
		}
	}
	e.press(t, "up") // the last place on the first screen line, before its last rune
	if e.col != 2 {
		t.Fatalf("up among wide runes: col %d", e.col)
	}
}

func TestTextEditDrawsOnlyWhatIsOnScreen(t *testing.T) {
	e := newTestEdit(40, 4)
	var b strings.Builder
	for i := range 500 {
		b.WriteString("line ")
		b.WriteString(strings.Repeat("x", i%30))
		b.WriteByte('\n')
	}
	b.WriteString("last")
	e.SetValue(b.String())
	view := ansi.Strip(e.View())
	if n := strings.Count(view, "\n") + 1; n != 4 {
		t.Fatalf("%d lines drawn, want 4", n)
	}
	if !strings.Contains(view, "last") {
		t.Fatalf("cursor line not on screen:\n%s", view)
	}
	e.press(t, "ctrl+home")
	if view := ansi.Strip(e.View()); !strings.HasPrefix(view, "│ line \n") {
		t.Fatalf("after ctrl+home:\n%s", view)
	}
	e.SetSize(40, 600)
	if e.top != 0 {
		t.Fatalf("tall enough for everything, but top is %d", e.top)
	}
}

func TestTextEditPlaceholder(t *testing.T) {
	e := New(testStyles, "│ ", "Write here")
	e.SetSize(30, 2)
	if view := ansi.Strip(e.View()); !strings.Contains(view, "Write here") {
		t.Fatalf("placeholder missing:\n%s", view)
	}
	e.Focus()
	e.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if view := ansi.Strip(e.View()); strings.Contains(view, "Write here") {
		t.Fatalf("placeholder shown over text:\n%s", view)
	}
	if e.RuneBeforeCursor() != 'x' {
		t.Fatal("RuneBeforeCursor")
	}
}

var namedKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"backspace": tea.KeyBackspace, " ": tea.KeySpace, "ctrl+d": tea.KeyCtrlD, "ctrl+k": tea.KeyCtrlK,
	"ctrl+u": tea.KeyCtrlU, "ctrl+w": tea.KeyCtrlW, "home": tea.KeyHome, "end": tea.KeyEnd,
	"ctrl+home": tea.KeyCtrlHome, "ctrl+end": tea.KeyCtrlEnd, "delete": tea.KeyDelete,
	"ctrl+a": tea.KeyCtrlA, "ctrl+e": tea.KeyCtrlE, "ctrl+b": tea.KeyCtrlB, "ctrl+f": tea.KeyCtrlF,
	"ctrl+p": tea.KeyCtrlP, "ctrl+n": tea.KeyCtrlN, "ctrl+h": tea.KeyCtrlH, "ctrl+v": tea.KeyCtrlV,
	"ctrl+left": tea.KeyCtrlLeft, "ctrl+right": tea.KeyCtrlRight, "tab": tea.KeyTab, "esc": tea.KeyEsc,
}

// keyMsg is a key by name ("enter", "ctrl+k", "alt+left") or runes typed.
func keyMsg(name string) tea.KeyMsg {
	if t, ok := namedKeys[name]; ok {
		return tea.KeyMsg{Type: t}
	}
	if rest, ok := strings.CutPrefix(name, "alt+"); ok {
		if t, ok := namedKeys[rest]; ok {
			return tea.KeyMsg{Type: t, Alt: true}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(rest), Alt: true}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}
