package textedit_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/tui/textedit"
)

// form is the smallest composer: a title and a URL (one-line fields) and a body, wired as the
// editor must wire textedit: text goes to the field before any command key is tried, enter and
// a line move past a one-line field move the focus, a failed paste becomes the status line.
type form struct {
	fields []textedit.Model
	focus  int
	status string
}

func newForm(body string) form {
	f := form{fields: []textedit.Model{
		textedit.NewLine(textedit.Styles{}, "title: ", ""),
		textedit.NewLine(textedit.Styles{}, "url: ", ""),
		textedit.New(textedit.Styles{}, "│ ", ""),
	}}
	f.fields[2].SetValue(body)
	for i := range f.fields {
		f.fields[i].SetSize(60, 4)
		f.fields[i].ReadClipboard = func() (string, error) { return "", textedit.ErrNoClipboard }
	}
	f.fields[0].Focus()
	return f
}

func (f form) Init() tea.Cmd { return nil }

func (f *form) move(d int) {
	f.fields[f.focus].Blur()
	f.focus = (f.focus + d + len(f.fields)) % len(f.fields)
	f.fields[f.focus].Focus()
}

func (f form) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	field := &f.fields[f.focus]
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if !textedit.IsText(msg) {
			switch {
			case msg.Type == tea.KeyCtrlC:
				return f, tea.Quit
			case msg.String() == "tab":
				f.move(1)
				return f, nil
			case msg.String() == "enter" && field.SingleLine():
				f.move(1)
				return f, nil
			}
		}
		_, cmd := field.Update(msg)
		if d := field.Overflow(); d != 0 && field.SingleLine() {
			f.move(d)
		}
		return f, cmd
	case textedit.PasteMsg:
		field.Update(msg)
	case textedit.PasteFailedMsg:
		f.status = msg.Status()
	}
	return f, nil
}

func (f form) View() string {
	var b strings.Builder
	for i := range f.fields {
		b.WriteString(f.fields[i].View() + "\n")
	}
	return b.String() + "status: " + f.status
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Read(p)
}

// run feeds a real tea.Program raw terminal bytes, each string in one write (so in one read by
// bubbletea's input parser), waits until the screen shows onScreen, quits with ctrl+c and
// returns the final form. (teatest's own input is a buffer read to its end at start, so the
// bytes go through a pipe here; teatest waits for the screen.)
func run(t *testing.T, f form, onScreen string, writes ...string) form {
	t.Helper()
	in, feed := io.Pipe()
	out := &lockedBuffer{}
	p := tea.NewProgram(f, tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignals())
	done := make(chan tea.Model, 1)
	go func() {
		m, err := p.Run()
		if err != nil {
			t.Errorf("program: %v", err)
		}
		done <- m
	}()
	for _, w := range writes {
		if _, err := feed.Write([]byte(w)); err != nil {
			t.Fatalf("write %q: %v", w, err)
		}
	}
	if onScreen != "" {
		teatest.WaitFor(t, out, func(b []byte) bool { return bytes.Contains(b, []byte(onScreen)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	}
	if _, err := feed.Write([]byte{0x03}); err != nil {
		t.Fatalf("write ctrl+c: %v", err)
	}
	feed.Close()
	select {
	case m := <-done:
		return m.(form)
	case <-time.After(5 * time.Second):
		p.Kill()
		t.Fatal("the program did not quit")
	}
	return form{}
}

// TestWordsThatSpellKeysStayText: "turn left", "new tab", "the end" arriving in one read each
// (an input method, a laggy ssh, an unbracketed paste) are text in every field; a bracketed
// paste too, with its escape sequences dropped before they reach the screen.
func TestWordsThatSpellKeysStayText(t *testing.T) {
	f := run(t, newForm(""), "status: ",
		"turn left", "\t", "new tab", "\r", "the end", "\r",
		"\x1b[200~ctrl+a home\x1b[31m up\r\nenter\x1b[0m\x1b[201~")
	want := []string{"turn left", "new tab", "the end\nctrl+a home up\nenter"}
	for i, w := range want {
		if got := f.fields[i].Value(); got != w {
			t.Errorf("field %d: %q, want %q", i, got, w)
		}
	}
	if f.focus != 2 {
		t.Errorf("focus on field %d, want the body", f.focus)
	}
}

// TestEditingKeysThroughTheParser: the bytes terminals send for each editing key reach the
// binding the key table gives them.
func TestEditingKeysThroughTheParser(t *testing.T) {
	cases := []struct {
		name, body string
		writes     []string
		want       string
	}{
		{"ctrl+a then type", "ab\ncd", []string{"\x01", "X"}, "ab\nXcd"},
		{"home then type", "ab\ncd", []string{"\x1b[H", "X"}, "ab\nXcd"},
		{"ctrl+e then type", "ab\ncd", []string{"\x10", "\x05", "X"}, "abX\ncd"},
		{"ctrl+b ctrl+f", "abc", []string{"\x02", "\x02", "\x06", "X"}, "abXc"},
		{"alt+b", "one two", []string{"\x1bb", "X"}, "one Xtwo"},
		{"alt+f", "one two", []string{"\x1b<", "\x1bf", "X"}, "oneX two"},
		{"ctrl+left", "one two", []string{"\x1b[1;5D", "X"}, "one Xtwo"},
		{"alt+left", "one two", []string{"\x1b[1;3D", "X"}, "one Xtwo"},
		{"ctrl+right", "one two", []string{"\x1b[1;5H", "\x1b[1;5C", "X"}, "oneX two"},
		{"ctrl+p ctrl+n", "ab\ncdef", []string{"\x10", "X", "\x0e", "Y"}, "abX\ncdeYf"},
		{"alt+< alt+>", "ab\ncd", []string{"\x1b<", "X", "\x1b>", "Y"}, "Xab\ncdY"},
		{"ctrl+home ctrl+end", "ab\ncd", []string{"\x1b[1;5H", "X", "\x1b[1;5F", "Y"}, "Xab\ncdY"},
		{"ctrl+k", "abc def", []string{"\x1bb", "\x0b"}, "abc "},
		{"ctrl+u", "abc def", []string{"\x02", "\x15"}, "f"},
		{"ctrl+w", "abc def", []string{"\x17"}, "abc "},
		{"alt+backspace", "abc def", []string{"\x1b\x7f"}, "abc "},
		{"alt+d", "abc def", []string{"\x01", "\x1bd"}, " def"},
		{"alt+delete", "abc def", []string{"\x01", "\x1b[3;3~"}, " def"},
		{"ctrl+d", "abc", []string{"\x01", "\x04"}, "bc"},
		{"delete", "abc", []string{"\x01", "\x1b[3~"}, "bc"},
		{"ctrl+h", "abc", []string{"\x08"}, "ab"},
		{"backspace", "abc", []string{"\x7f"}, "ab"},
		{"enter", "abc", []string{"\x02", "\r"}, "ab\nc"},
		{"single runes", "", []string{"?", " ", "@"}, "? @"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newForm(c.body)
			f.move(2) // the body
			got := run(t, f, "", c.writes...).fields[2].Value()
			if got != c.want {
				t.Errorf("%q gave %q, want %q", c.writes, got, c.want)
			}
		})
	}
}

// TestLineMovesAndPasteFailureInAProgram: ctrl+p/ctrl+n and ↑/↓ in a one-line field move the
// focus; ctrl+v with no clipboard puts the hint on the screen.
func TestLineMovesAndPasteFailureInAProgram(t *testing.T) {
	f := run(t, newForm(""), "no clipboard here",
		"\x0e", "u", "\x1b[A", "t", "\x1b[B", "\x10", "T", "\x0e", "\x0e", "b", "\x10", "\x1b[A", "c", "\x16")
	if f.fields[0].Value() != "tT" || f.fields[1].Value() != "u" || f.fields[2].Value() != "cb" {
		t.Errorf("fields %q %q %q", f.fields[0].Value(), f.fields[1].Value(), f.fields[2].Value())
	}
	if !strings.Contains(f.status, "shift+insert") {
		t.Errorf("status %q", f.status)
	}
}
