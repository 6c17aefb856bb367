// Package textedit is a multi-line text editor widget for Bubble Tea: soft-wrapped lines cached
// per logical line, only the lines on screen drawn, so a keystroke costs the same with a 20 000-
// byte text as with an empty one.
package textedit

import (
	"strings"
	"unicode"

	"github.com/atotto/clipboard"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/tui/cell"
)

// Model is a multi-line editor. It keeps soft-wrapped lines cached per logical line and draws
// only the lines on screen (bubbles' textarea redraws every line on every keystroke).
type Model struct {
	lines [][]rune
	// wraps caches, per line, where each wrapped segment starts; nil means not computed.
	wraps [][]int
	row   int
	col   int
	// goal is the screen column that up and down keep to.
	goal int

	width, height int
	// top is the first wrapped line on screen.
	top     int
	focused bool

	prompt      string
	placeholder string
	// KeyMap is the editing keys; DefaultKeyMap unless changed.
	KeyMap KeyMap
	st     Styles
}

// Styles are the editor's looks: the text, the placeholder, the cursor, and the prompt when
// the editor is focused (PromptOn) or not (PromptOff).
type Styles struct {
	Text, Placeholder, Cursor, PromptOn, PromptOff lipgloss.Style
}

// KeyMap is the editing keys, the same as bubbles' textarea minus those the composer uses.
type KeyMap struct {
	Left, Right, Up, Down, WordLeft, WordRight, Home, End, Begin, Finish key.Binding
	Newline, Backspace, Delete, DeleteWordLeft, DeleteWordRight          key.Binding
	KillToEnd, KillToStart, Paste                                        key.Binding
}

// DefaultKeyMap is the editor's keys.
func DefaultKeyMap() KeyMap {
	k := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Left:            k("←", "left", "left", "ctrl+b"),
		Right:           k("→", "right", "right", "ctrl+f"),
		Up:              k("↑", "up", "up"),
		Down:            k("↓", "down", "down"),
		WordLeft:        k("alt+←", "word left", "alt+left", "ctrl+left", "alt+b"),
		WordRight:       k("alt+→", "word right", "alt+right", "ctrl+right", "alt+f"),
		Home:            k("home", "line start", "home"),
		End:             k("end", "line end", "end"),
		Begin:           k("ctrl+home", "text start", "ctrl+home", "alt+<"),
		Finish:          k("ctrl+end", "text end", "ctrl+end", "alt+>"),
		Newline:         k("enter", "new line", "enter", "ctrl+m"),
		Backspace:       k("backspace", "delete left", "backspace", "ctrl+h"),
		Delete:          k("delete", "delete right", "delete", "ctrl+d"),
		DeleteWordLeft:  k("ctrl+w", "delete word left", "alt+backspace", "ctrl+w"),
		DeleteWordRight: k("alt+d", "delete word right", "alt+delete", "alt+d"),
		KillToEnd:       k("ctrl+k", "delete to line end", "ctrl+k"),
		KillToStart:     k("ctrl+u", "delete to line start", "ctrl+u"),
		Paste:           k("ctrl+v", "paste", "ctrl+v"),
	}
}

// ShortHelp is the editing keys worth a place in a one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.WordLeft, k.WordRight, k.KillToEnd, k.Paste}
}

// FullHelp is every editing key, by columns: moving, then deleting.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Left, k.Right, k.Up, k.Down, k.WordLeft, k.WordRight, k.Home, k.End, k.Begin, k.Finish},
		{k.Newline, k.Backspace, k.Delete, k.DeleteWordLeft, k.DeleteWordRight, k.KillToEnd, k.KillToStart, k.Paste},
	}
}

// New returns an empty editor, blurred, 40×3 until SetSize. prompt starts every line.
func New(st Styles, prompt, placeholder string) Model {
	return Model{
		lines:       [][]rune{nil},
		wraps:       [][]int{nil},
		prompt:      prompt,
		placeholder: placeholder,
		KeyMap:      DefaultKeyMap(),
		st:          st,
		width:       40,
		height:      3,
	}
}

// Focus gives the editor the keyboard; Blur takes it away.
func (e *Model) Focus() { e.focused = true }
func (e *Model) Blur()  { e.focused = false }

// Focused reports whether the editor has the keyboard.
func (e *Model) Focused() bool { return e.focused }

// SetSize sets the outer size, prompt included.
func (e *Model) SetSize(w, h int) {
	w = max(lipgloss.Width(e.prompt)+2, w)
	if w != e.width {
		for i := range e.wraps {
			e.wraps[i] = nil
		}
	}
	e.width, e.height = w, max(1, h)
	e.scroll()
}

// textWidth is where text goes: the width less the prompt and one cell for the cursor at the
// end of a full line.
func (e *Model) textWidth() int { return max(1, e.width-lipgloss.Width(e.prompt)-1) }

// Value is the text.
func (e *Model) Value() string {
	var b strings.Builder
	for i, l := range e.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(string(l))
	}
	return b.String()
}

// SetValue replaces the text and puts the cursor at its end.
func (e *Model) SetValue(s string) {
	e.lines, e.wraps = [][]rune{nil}, [][]int{nil}
	e.row, e.col, e.top = 0, 0, 0
	e.insert(s)
}

// InsertString inserts text at the cursor.
func (e *Model) InsertString(s string) { e.insert(s) }

// Empty reports whether there is no text.
func (e *Model) Empty() bool { return len(e.lines) == 1 && len(e.lines[0]) == 0 }

// LineCount is the number of lines; Line is the cursor's.
func (e *Model) LineCount() int { return len(e.lines) }
func (e *Model) Line() int      { return e.row }

// RuneBeforeCursor is the character left of the cursor, '\n' at a line start, 0 at the start.
func (e *Model) RuneBeforeCursor() rune {
	switch {
	case e.col > 0:
		return e.lines[e.row][e.col-1]
	case e.row > 0:
		return '\n'
	}
	return 0
}

// sanitize drops control characters but newlines, turns tabs into spaces and CRLF into LF.
func sanitize(s string) []rune {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\t':
			out = append(out, ' ', ' ', ' ', ' ')
		case r == '\n' || !unicode.IsControl(r):
			out = append(out, r)
		}
	}
	return out
}

// insert puts text at the cursor, which ends after it.
func (e *Model) insert(s string) {
	rs := sanitize(s)
	if len(rs) == 0 {
		return
	}
	cur := e.lines[e.row]
	tail := append([]rune(nil), cur[e.col:]...)
	parts := splitRunes(rs)
	first := append(cur[:e.col:e.col], parts[0]...)
	if len(parts) == 1 {
		e.lines[e.row] = append(first, tail...)
		e.wraps[e.row] = nil
		e.col += len(parts[0])
		e.moved()
		return
	}
	newLines := make([][]rune, 0, len(parts))
	newLines = append(newLines, first)
	for _, p := range parts[1 : len(parts)-1] {
		newLines = append(newLines, append([]rune(nil), p...))
	}
	last := parts[len(parts)-1]
	newLines = append(newLines, append(append([]rune(nil), last...), tail...))
	e.splice(e.row, e.row+1, newLines)
	e.row += len(parts) - 1
	e.col = len(last)
	e.moved()
}

func splitRunes(rs []rune) [][]rune {
	var parts [][]rune
	start := 0
	for i, r := range rs {
		if r == '\n' {
			parts = append(parts, rs[start:i])
			start = i + 1
		}
	}
	return append(parts, rs[start:])
}

// splice replaces lines [from, to) with repl, keeping the wrap cache in step.
func (e *Model) splice(from, to int, repl [][]rune) {
	lines := make([][]rune, 0, len(e.lines)-(to-from)+len(repl))
	lines = append(append(append(lines, e.lines[:from]...), repl...), e.lines[to:]...)
	wraps := make([][]int, 0, len(lines))
	wraps = append(append(append(wraps, e.wraps[:from]...), make([][]int, len(repl))...), e.wraps[to:]...)
	e.lines, e.wraps = lines, wraps
}

// setLine replaces the text of one line.
func (e *Model) setLine(row int, l []rune) {
	e.lines[row] = l
	e.wraps[row] = nil
}

// deleteRange removes the text between two positions, (r1, c1) before (r2, c2).
func (e *Model) deleteRange(r1, c1, r2, c2 int) {
	if r1 == r2 {
		l := e.lines[r1]
		e.setLine(r1, append(l[:c1:c1], l[c2:]...))
	} else {
		joined := append(e.lines[r1][:c1:c1], e.lines[r2][c2:]...)
		e.splice(r1, r2+1, [][]rune{joined})
	}
	e.row, e.col = r1, c1
	e.moved()
}

// Update handles a key; changed reports whether the text changed.
func (e *Model) Update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	if p, ok := msg.(PasteMsg); ok {
		e.insert(string(p))
		return true, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok || !e.focused {
		return false, nil
	}
	switch {
	case k.Type == tea.KeyRunes && !k.Alt:
		e.insert(string(k.Runes))
		return true, nil
	case k.Type == tea.KeySpace:
		e.insert(" ")
		return true, nil
	case key.Matches(k, e.KeyMap.Newline):
		e.insert("\n")
		return true, nil
	case key.Matches(k, e.KeyMap.Backspace):
		switch {
		case e.col > 0:
			e.deleteRange(e.row, e.col-1, e.row, e.col)
		case e.row > 0:
			e.deleteRange(e.row-1, len(e.lines[e.row-1]), e.row, 0)
		default:
			return false, nil
		}
		return true, nil
	case key.Matches(k, e.KeyMap.Delete):
		switch {
		case e.col < len(e.lines[e.row]):
			e.deleteRange(e.row, e.col, e.row, e.col+1)
		case e.row < len(e.lines)-1:
			e.deleteRange(e.row, e.col, e.row+1, 0)
		default:
			return false, nil
		}
		return true, nil
	case key.Matches(k, e.KeyMap.DeleteWordLeft):
		r, c := e.wordLeft()
		if r == e.row && c == e.col {
			return false, nil
		}
		e.deleteRange(r, c, e.row, e.col)
		return true, nil
	case key.Matches(k, e.KeyMap.DeleteWordRight):
		r, c := e.wordRight()
		if r == e.row && c == e.col {
			return false, nil
		}
		e.deleteRange(e.row, e.col, r, c)
		return true, nil
	case key.Matches(k, e.KeyMap.KillToEnd):
		if e.col == len(e.lines[e.row]) {
			if e.row == len(e.lines)-1 {
				return false, nil
			}
			e.deleteRange(e.row, e.col, e.row+1, 0)
		} else {
			e.deleteRange(e.row, e.col, e.row, len(e.lines[e.row]))
		}
		return true, nil
	case key.Matches(k, e.KeyMap.KillToStart):
		if e.col == 0 {
			return false, nil
		}
		e.deleteRange(e.row, 0, e.row, e.col)
		return true, nil
	case key.Matches(k, e.KeyMap.Paste):
		return false, readClipboard
	case key.Matches(k, e.KeyMap.Left):
		if e.col > 0 {
			e.col--
		} else if e.row > 0 {
			e.row--
			e.col = len(e.lines[e.row])
		}
	case key.Matches(k, e.KeyMap.Right):
		if e.col < len(e.lines[e.row]) {
			e.col++
		} else if e.row < len(e.lines)-1 {
			e.row++
			e.col = 0
		}
	case key.Matches(k, e.KeyMap.WordLeft):
		e.row, e.col = e.wordLeft()
	case key.Matches(k, e.KeyMap.WordRight):
		e.row, e.col = e.wordRight()
	case key.Matches(k, e.KeyMap.Home):
		e.col = 0
	case key.Matches(k, e.KeyMap.End):
		e.col = len(e.lines[e.row])
	case key.Matches(k, e.KeyMap.Begin):
		e.row, e.col = 0, 0
	case key.Matches(k, e.KeyMap.Finish):
		e.row = len(e.lines) - 1
		e.col = len(e.lines[e.row])
	case key.Matches(k, e.KeyMap.Up):
		e.vertical(-1)
		return false, nil
	case key.Matches(k, e.KeyMap.Down):
		e.vertical(1)
		return false, nil
	default:
		return false, nil
	}
	e.moved()
	return false, nil
}

// PasteMsg is text to insert at the cursor: the clipboard, read for the Paste key.
type PasteMsg string

func readClipboard() tea.Msg {
	s, err := clipboard.ReadAll()
	if err != nil {
		return nil
	}
	return PasteMsg(s)
}

// moved remembers the cursor's screen column for up and down, and scrolls to the cursor.
func (e *Model) moved() {
	seg, starts := e.segmentOf(e.row, e.col)
	e.goal = e.cells(e.lines[e.row][starts[seg]:e.col])
	e.scroll()
}

// wordLeft is the start of the word before the cursor.
func (e *Model) wordLeft() (int, int) {
	r, c := e.row, e.col
	if c == 0 {
		if r == 0 {
			return 0, 0
		}
		return r - 1, len(e.lines[r-1])
	}
	l := e.lines[r]
	for c > 0 && unicode.IsSpace(l[c-1]) {
		c--
	}
	for c > 0 && !unicode.IsSpace(l[c-1]) {
		c--
	}
	return r, c
}

// wordRight is the end of the word after the cursor.
func (e *Model) wordRight() (int, int) {
	r, c := e.row, e.col
	l := e.lines[r]
	if c == len(l) {
		if r == len(e.lines)-1 {
			return r, c
		}
		return r + 1, 0
	}
	for c < len(l) && unicode.IsSpace(l[c]) {
		c++
	}
	for c < len(l) && !unicode.IsSpace(l[c]) {
		c++
	}
	return r, c
}

// vertical moves the cursor to the wrapped line above (-1) or below (1), keeping its column.
func (e *Model) vertical(dir int) {
	seg, starts := e.segmentOf(e.row, e.col)
	row, target := e.row, seg+dir
	if target < 0 {
		if row == 0 {
			e.col = 0
			e.scroll()
			return
		}
		row--
		target = len(e.wrap(row)) - 1
	} else if target >= len(starts) {
		if row == len(e.lines)-1 {
			e.col = len(e.lines[row])
			e.scroll()
			return
		}
		row++
		target = 0
	}
	starts = e.wrap(row)
	l := e.lines[row]
	end := len(l)
	if target+1 < len(starts) {
		end = starts[target+1] - 1 // stay on this wrapped line
	}
	c, x := starts[target], 0
	for c < end {
		w := cell.RuneWidth(l[c])
		if x+w > e.goal {
			break
		}
		x += w
		c++
	}
	e.row, e.col = row, max(starts[target], c)
	e.scroll()
}

// wrap returns where each wrapped segment of a line starts, computing it once per change.
func (e *Model) wrap(row int) []int {
	if w := e.wraps[row]; w != nil {
		return w
	}
	w := wrapStarts(e.lines[row], e.textWidth())
	e.wraps[row] = w
	return w
}

// wrapStarts breaks a line into segments no wider than width, after a space when it can.
func wrapStarts(l []rune, width int) []int {
	starts := []int{0}
	start, x, lastSpace := 0, 0, -1
	for i := 0; i < len(l); i++ {
		w := cell.RuneWidth(l[i])
		if x+w > width && i > start {
			cut := i
			if lastSpace >= start && lastSpace+1 < i {
				cut = lastSpace + 1
			}
			starts = append(starts, cut)
			start, lastSpace = cut, -1
			x = 0
			for j := cut; j < i; j++ {
				x += cell.RuneWidth(l[j])
			}
			if x+w > width {
				starts = append(starts, i)
				start, x = i, 0
			}
		}
		if l[i] == ' ' {
			lastSpace = i
		}
		x += w
	}
	return starts
}

// segmentOf finds the wrapped segment holding column col of a line.
func (e *Model) segmentOf(row, col int) (int, []int) {
	starts := e.wrap(row)
	seg := 0
	for i, s := range starts {
		if s <= col {
			seg = i
		}
	}
	return seg, starts
}

func (e *Model) cells(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += cell.RuneWidth(r)
	}
	return n
}

// scroll keeps the cursor on screen, and the screen full when the text allows.
func (e *Model) scroll() {
	total, cl := 0, 0
	for r := range e.lines {
		if r == e.row {
			seg, _ := e.segmentOf(e.row, e.col)
			cl = total + seg
		}
		total += len(e.wrap(r))
	}
	e.top = min(e.top, max(0, total-e.height))
	if cl < e.top {
		e.top = cl
	}
	if cl >= e.top+e.height {
		e.top = cl - e.height + 1
	}
}

// View draws the lines on screen, and only those.
func (e *Model) View() string {
	prompt := e.st.PromptOff.Render(e.prompt)
	if e.focused {
		prompt = e.st.PromptOn.Render(e.prompt)
	}
	tw := e.textWidth()
	var out []string
	if e.Empty() && e.placeholder != "" {
		for i, seg := range strings.Split(lipgloss.NewStyle().Width(tw).Render(e.placeholder), "\n") {
			text := e.st.Placeholder.Render(seg)
			if i == 0 && e.focused && seg != "" {
				first, rest := []rune(seg)[0], string([]rune(seg)[1:])
				text = e.st.Cursor.Render(string(first)) + e.st.Placeholder.Render(rest)
			}
			out = append(out, prompt+text)
			if len(out) == e.height {
				break
			}
		}
	} else {
		line := 0
		for r := 0; r < len(e.lines) && len(out) < e.height; r++ {
			starts := e.wrap(r)
			if line+len(starts) <= e.top {
				line += len(starts)
				continue
			}
			l := e.lines[r]
			for s, start := range starts {
				if line < e.top {
					line++
					continue
				}
				if len(out) == e.height {
					break
				}
				end := len(l)
				if s+1 < len(starts) {
					end = starts[s+1]
				}
				out = append(out, prompt+e.renderSegment(l, r, start, end, s+1 == len(starts)))
				line++
			}
		}
	}
	for len(out) < e.height {
		out = append(out, prompt)
	}
	return strings.Join(out, "\n")
}

// renderSegment draws one wrapped line, with the cursor when it is there.
func (e *Model) renderSegment(l []rune, row, start, end int, last bool) string {
	cursorHere := e.focused && row == e.row && e.col >= start && (e.col < end || (last && e.col == end))
	if !cursorHere {
		return e.st.Text.Render(string(l[start:end]))
	}
	before := e.st.Text.Render(string(l[start:e.col]))
	under, after := " ", ""
	if e.col < end {
		under, after = string(l[e.col]), string(l[e.col+1:end])
	}
	return before + e.st.Cursor.Render(under) + e.st.Text.Render(after)
}
