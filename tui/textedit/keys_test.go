package textedit

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// load sets the text and the cursor from s, where | marks the cursor (at the end without one).
func (e *Model) load(s string) {
	i := strings.Index(s, "|")
	if i < 0 {
		e.SetValue(s)
		return
	}
	e.SetValue(s[:i] + s[i+1:])
	before := s[:i]
	row := strings.Count(before, "\n")
	e.SetCursor(row, len([]rune(before[strings.LastIndex(before, "\n")+1:])))
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func paste(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true} }

type keyCase struct {
	name  string
	start string
	keys  []tea.KeyMsg
	want  string
	edit  Edit
}

func keys(names ...string) []tea.KeyMsg {
	out := make([]tea.KeyMsg, len(names))
	for i, n := range names {
		out[i] = keyMsg(n)
	}
	return out
}

func runKeyCases(t *testing.T, single bool, cases []keyCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEdit(40, 5)
			if single {
				l := NewLine(testStyles, "", "")
				l.SetSize(40, 1)
				l.Focus()
				e = &l
			}
			e.load(c.start)
			for _, k := range c.keys {
				e.Update(k)
			}
			if got := e.cursorText(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if e.LastEdit() != c.edit {
				t.Errorf("last edit %v, want %v", e.LastEdit(), c.edit)
			}
		})
	}
}

// TestEditingKeys is the key table of issue 10, every key in the body.
func TestEditingKeys(t *testing.T) {
	runKeyCases(t, false, []keyCase{
		{"ctrl+a line start", "ab\ncd|ef", keys("ctrl+a"), "ab\n|cdef", NoEdit},
		{"home line start", "ab\ncd|ef", keys("home"), "ab\n|cdef", NoEdit},
		{"ctrl+e line end", "ab|cd\nef", keys("ctrl+e"), "abcd|\nef", NoEdit},
		{"end line end", "ab|cd\nef", keys("end"), "abcd|\nef", NoEdit},
		{"ctrl+b char left", "ab|c", keys("ctrl+b"), "a|bc", NoEdit},
		{"left char left", "ab|c", keys("left"), "a|bc", NoEdit},
		{"ctrl+f char right", "a|bc", keys("ctrl+f"), "ab|c", NoEdit},
		{"right char right", "a|bc", keys("right"), "ab|c", NoEdit},
		{"alt+b word left", "one two thr|ee", keys("alt+b", "alt+b"), "one |two three", NoEdit},
		{"alt+f word right", "o|ne two three", keys("alt+f", "alt+f"), "one two| three", NoEdit},
		{"ctrl+left word left", "one two|", keys("ctrl+left"), "one |two", NoEdit},
		{"ctrl+right word right", "|one two", keys("ctrl+right"), "one| two", NoEdit},
		{"alt+left word left", "one two|", keys("alt+left"), "one |two", NoEdit},
		{"alt+right word right", "|one two", keys("alt+right"), "one| two", NoEdit},
		{"ctrl+p line up", "abc\nde|f", keys("ctrl+p"), "ab|c\ndef", NoEdit},
		{"up line up", "abc\nde|f", keys("up"), "ab|c\ndef", NoEdit},
		{"ctrl+n line down", "a|bc\ndef", keys("ctrl+n"), "abc\nd|ef", NoEdit},
		{"down line down", "a|bc\ndef", keys("down"), "abc\nd|ef", NoEdit},
		{"ctrl+p on the first line goes home", "ab|c\ndef", keys("ctrl+p"), "|abc\ndef", NoEdit},
		{"ctrl+n on the last line goes to its end", "abc\nd|ef", keys("ctrl+n"), "abc\ndef|", NoEdit},
		{"alt+< text start", "ab\ncd|", keys("alt+<"), "|ab\ncd", NoEdit},
		{"alt+> text end", "|ab\ncd", keys("alt+>"), "ab\ncd|", NoEdit},
		{"ctrl+home text start", "ab\ncd|", keys("ctrl+home"), "|ab\ncd", NoEdit},
		{"ctrl+end text end", "|ab\ncd", keys("ctrl+end"), "ab\ncd|", NoEdit},
		{"ctrl+k kills to line end", "ab|cd\nef", keys("ctrl+k"), "ab|\nef", Kill},
		{"ctrl+k at a line end joins", "ab|\ncd", keys("ctrl+k"), "ab|cd", Kill},
		{"ctrl+k at the text end does nothing", "ab|", keys("ctrl+k"), "ab|", NoEdit},
		{"ctrl+u kills to line start", "ab\ncd|ef", keys("ctrl+u"), "ab\n|ef", Kill},
		{"ctrl+w kills the word before", "one two|", keys("ctrl+w"), "one |", Kill},
		{"ctrl+w at a line start joins", "ab\n|cd", keys("ctrl+w"), "ab|cd", Kill},
		{"alt+backspace kills the word before", "one two|", keys("alt+backspace"), "one |", Kill},
		{"alt+d kills the word after", "one| two three", keys("alt+d"), "one| three", Kill},
		{"alt+delete kills the word after", "one| two three", keys("alt+delete"), "one| three", Kill},
		{"ctrl+d deletes the char after", "a|bc", keys("ctrl+d"), "a|c", DeleteChar},
		{"delete deletes the char after", "a|bc", keys("delete"), "a|c", DeleteChar},
		{"ctrl+h deletes the char before", "ab|c", keys("ctrl+h"), "a|c", DeleteChar},
		{"backspace deletes the char before", "ab|c", keys("backspace"), "a|c", DeleteChar},
		{"backspace at the start does nothing", "|abc", keys("backspace"), "|abc", NoEdit},
		{"enter splits the line", "ab|cd", keys("enter"), "ab\n|cd", Newline},
		{"typing", "|", keys("a", " ", "b"), "a b|", Insert},
		{"ctrl+v changes nothing by itself", "a|", keys("ctrl+v"), "a|", NoEdit},
		{"esc is not the widget's", "a|", keys("esc"), "a|", NoEdit},
		{"tab is not the widget's", "a|", keys("tab"), "a|", NoEdit},
	})
}

// TestEditingKeysOneLine is the same keys in a one-line field.
func TestEditingKeysOneLine(t *testing.T) {
	runKeyCases(t, true, []keyCase{
		{"ctrl+a", "abc|", keys("ctrl+a"), "|abc", NoEdit},
		{"ctrl+e", "|abc", keys("ctrl+e"), "abc|", NoEdit},
		{"ctrl+b ctrl+f", "ab|c", keys("ctrl+b", "ctrl+b", "ctrl+f"), "a|bc", NoEdit},
		{"alt+b alt+f", "one two|", keys("alt+b", "alt+b", "alt+f"), "one| two", NoEdit},
		{"ctrl+p stays", "ab|c", keys("ctrl+p"), "ab|c", NoEdit},
		{"ctrl+n stays", "ab|c", keys("ctrl+n"), "ab|c", NoEdit},
		{"up stays", "ab|c", keys("up"), "ab|c", NoEdit},
		{"alt+< alt+>", "ab|c", keys("alt+<", "x", "alt+>", "y"), "xabcy|", Insert},
		{"enter is not the field's", "ab|c", keys("enter"), "ab|c", NoEdit},
		{"ctrl+k", "ab|cd", keys("ctrl+k"), "ab|", Kill},
		{"ctrl+k at the end", "abcd|", keys("ctrl+k"), "abcd|", NoEdit},
		{"ctrl+u", "ab|cd", keys("ctrl+u"), "|cd", Kill},
		{"ctrl+w", "https://a.b/c d|", keys("ctrl+w", "ctrl+w"), "|", Kill},
		{"alt+d", "|one two", keys("alt+d"), "| two", Kill},
		{"ctrl+d", "|ab", keys("ctrl+d"), "|b", DeleteChar},
		{"ctrl+h", "ab|", keys("ctrl+h"), "a|", DeleteChar},
	})
}

// TestLineMovesOverflow: ctrl+p/ctrl+n report hitting the text's edge exactly as ↑/↓ do, so the
// editor can move the focus; in a one-line field every line move does.
func TestLineMovesOverflow(t *testing.T) {
	cases := []struct {
		single bool
		start  string
		key    string
		want   int
	}{
		{false, "ab|c\ndef", "up", -1},
		{false, "ab|c\ndef", "ctrl+p", -1},
		{false, "abc\nde|f", "up", 0},
		{false, "abc\nde|f", "ctrl+p", 0},
		{false, "abc\nd|ef", "down", 1},
		{false, "abc\nd|ef", "ctrl+n", 1},
		{false, "a|bc\ndef", "down", 0},
		{false, "a|bc\ndef", "ctrl+n", 0},
		{false, "|abc", "left", 0},
		{true, "a|bc", "up", -1},
		{true, "a|bc", "ctrl+p", -1},
		{true, "a|bc", "down", 1},
		{true, "a|bc", "ctrl+n", 1},
		{true, "a|bc", "ctrl+e", 0},
	}
	for _, c := range cases {
		e := newTestEdit(40, 5)
		if c.single {
			l := NewLine(testStyles, "", "")
			l.Focus()
			e = &l
		}
		e.load(c.start)
		e.Update(keyMsg(c.key))
		if got := e.Overflow(); got != c.want {
			t.Errorf("single %v, %q, %s: overflow %d, want %d", c.single, c.start, c.key, got, c.want)
		}
		if e.Update(runes("x")); e.Overflow() != 0 {
			t.Errorf("overflow outlived its Update")
		}
	}
	// Within a wrapped line, up from its second screen line is no overflow.
	e := newTestEdit(15, 5)
	e.SetValue("alpha beta gamma delta")
	if e.Update(keyMsg("ctrl+p")); e.Overflow() != 0 || e.row != 0 {
		t.Fatalf("ctrl+p from a wrapped line: overflow %d", e.Overflow())
	}
	if e.Update(keyMsg("ctrl+p")); e.Overflow() != -1 {
		t.Fatalf("ctrl+p from the first screen line: overflow %d", e.Overflow())
	}
}

// TestKeyHelp: every binding says what it does, and the full help has them all in columns.
func TestKeyHelp(t *testing.T) {
	k := DefaultKeyMap()
	seen := 0
	for i, col := range k.FullHelp() {
		if len(col) == 0 || len(col) > 6 {
			t.Errorf("column %d has %d keys", i, len(col))
		}
		for _, b := range col {
			seen++
			if b.Help().Key == "" || b.Help().Desc == "" || len(b.Keys()) == 0 {
				t.Errorf("binding %v has no help", b.Keys())
			}
		}
	}
	if seen != 18 {
		t.Errorf("full help lists %d bindings, want all 18", seen)
	}
	for _, want := range []string{"ctrl+a", "ctrl+e", "ctrl+p", "ctrl+n", "alt+b", "alt+f", "alt+<", "alt+>", "ctrl+k", "ctrl+u", "ctrl+w", "alt+d", "ctrl+v"} {
		found := false
		for _, col := range k.FullHelp() {
			for _, b := range col {
				found = found || strings.Contains(b.Help().Key, want)
			}
		}
		if !found {
			t.Errorf("no help mentions %s", want)
		}
	}
}
