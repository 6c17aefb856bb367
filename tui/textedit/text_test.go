package textedit

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// TestTextIsInsertedAsText: runes that arrive together are text even when they spell a key
// name, and so is every single printable rune.
func TestTextIsInsertedAsText(t *testing.T) {
	spelled := []string{"left", "right", "tab", "end", "home", "enter", "up", "down", "ctrl+a", "ctrl+e",
		"ctrl+k", "ctrl+p", "ctrl+n", "backspace", "delete", "alt+b", "esc"}
	for _, single := range []bool{false, true} {
		for _, s := range spelled {
			e := newTestEdit(40, 5)
			if single {
				l := NewLine(testStyles, "", "")
				l.Focus()
				e = &l
			}
			e.load("x|y")
			for _, k := range []tea.KeyMsg{runes(s), paste(s), {Type: tea.KeyRunes, Runes: []rune(s), Alt: true}} {
				if changed, _ := e.Update(k); !changed {
					t.Errorf("single %v: %q (%v) not inserted", single, s, k)
				}
			}
			if want := "x" + strings.Repeat(s, 3) + "|y"; e.cursorText() != want {
				t.Errorf("single %v: %q became %q, want %q", single, s, e.cursorText(), want)
			}
		}
	}
	cases := []struct {
		name string
		msgs []tea.KeyMsg
		want string
		edit Edit
	}{
		{"turn left", []tea.KeyMsg{runes("turn"), keyMsg(" "), runes("left")}, "turn left|", Insert},
		{"new tab", []tea.KeyMsg{runes("new"), keyMsg(" "), runes("tab")}, "new tab|", Insert},
		{"the end", []tea.KeyMsg{runes("the"), keyMsg(" "), runes("end")}, "the end|", Insert},
		{"an input method's word", []tea.KeyMsg{runes("钉钉机器人")}, "钉钉机器人|", Insert},
		{"single runes", []tea.KeyMsg{runes("?"), runes(" "), keyMsg(" "), runes("@"), runes("é")}, "?  @é|", Insert},
		{"bracketed paste", []tea.KeyMsg{paste("ctrl+a home enter")}, "ctrl+a home enter|", Paste},
		{"bracketed paste keeps line breaks", []tea.KeyMsg{paste("a\r\nb\rc\nd")}, "a\nb\nc\nd|", Paste},
		{"paste drops escape sequences", []tea.KeyMsg{paste("\x1b[31mred\x1b[0m \x1b]0;title\x07ok\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\")}, "red oklink|", Paste},
		{"paste drops control characters", []tea.KeyMsg{paste("a\x00b\x07c\x08d\x7fe\u0085f")}, "abcdef|", Paste},
		{"paste turns tabs into four spaces", []tea.KeyMsg{paste("a\tb")}, "a    b|", Paste},
		{"alt with a single rune is a key, not text", []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("x"), Alt: true}}, "|", NoEdit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEdit(40, 5)
			for _, m := range c.msgs {
				e.Update(m)
			}
			if got := e.cursorText(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if e.LastEdit() != c.edit {
				t.Errorf("last edit %v, want %v", e.LastEdit(), c.edit)
			}
			if view := e.View(); strings.ContainsRune(ansi.Strip(view), 0x1b) || strings.Contains(view, "\x1b]") {
				t.Errorf("an escape sequence reached the view: %q", view)
			}
		})
	}
}

// TestOneLinePaste: a one-line field has no line breaks: those at either end go, those inside
// become a space, and tabs a space.
func TestOneLinePaste(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://example.com/a\n", "https://example.com/a"},
		{"\r\nfirst\r\nsecond\r\n", "first second"},
		{"a\n\nb", "a  b"},
		{"col1\tcol2", "col1 col2"},
		{"\x1b[1mbold\x1b[0m", "bold"},
	}
	for _, c := range cases {
		e := NewLine(testStyles, "", "")
		e.Focus()
		e.Update(paste(c.in))
		if e.Value() != c.want || e.LineCount() != 1 {
			t.Errorf("paste %q: %q in %d lines, want %q", c.in, e.Value(), e.LineCount(), c.want)
		}
		e.SetValue("")
		e.Update(PasteMsg(c.in))
		if e.Value() != c.want {
			t.Errorf("PasteMsg %q: %q, want %q", c.in, e.Value(), c.want)
		}
		e.SetValue(c.in)
		if e.Value() != c.want {
			t.Errorf("SetValue %q: %q, want %q", c.in, e.Value(), c.want)
		}
	}
}

func TestIsText(t *testing.T) {
	cases := []struct {
		msg  tea.KeyMsg
		want bool
	}{
		{runes("a"), true},
		{runes("?"), true},
		{runes("left"), true},
		{paste("x"), true},
		{keyMsg(" "), true},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("b"), Alt: true}, false},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("bb"), Alt: true}, true},
		{tea.KeyMsg{Type: tea.KeySpace, Alt: true}, false},
		{tea.KeyMsg{Type: tea.KeyRunes}, false},
		{keyMsg("left"), false},
		{keyMsg("tab"), false},
		{keyMsg("enter"), false},
		{keyMsg("ctrl+a"), false},
	}
	for _, c := range cases {
		if got := IsText(c.msg); got != c.want {
			t.Errorf("IsText(%#v) = %v, want %v", c.msg, got, c.want)
		}
	}
}

// TestOneLineScrollsSideways: a one-line field is one screen line whatever its text, keeps the
// cursor on it and is full when the text allows.
func TestOneLineScrollsSideways(t *testing.T) {
	e := NewLine(testStyles, "> ", "type a URL here, it is long")
	e.SetSize(12, 4) // 10 cells: 9 for text, 1 for the cursor after it
	if v := ansi.Strip(e.View()); v != "> type a U…" && v != "> type a UR…" {
		t.Errorf("placeholder: %q", v)
	}
	e.Focus()
	e.SetValue("https://example.com/path")
	view := func() string { return ansi.Strip(e.View()) }
	if v := view(); strings.Contains(v, "\n") || v != "> .com/path " {
		t.Errorf("at the end: %q", v)
	}
	e.Update(keyMsg("home"))
	if v := view(); v != "> https://ex" {
		t.Errorf("at the start: %q", v)
	}
	e.Update(keyMsg("end"))
	e.press(t, "left", "left", "left", "left")
	e.Update(keyMsg("ctrl+k"))
	if v := view(); v != "> mple.com/ " {
		t.Errorf("after a kill at the end, the field shows %q, want it full again", v)
	}
	e.SetValue("钉钉机器人好钉钉机器人好")
	for _, l := range []string{view()} {
		if w := ansi.StringWidth(l); w > 12 {
			t.Errorf("%q is %d cells wide", l, w)
		}
	}
	e.Update(keyMsg("ctrl+a"))
	if v := view(); !strings.HasPrefix(v, "> 钉钉机器人") {
		t.Errorf("wide runes at the start: %q", v)
	}
}
