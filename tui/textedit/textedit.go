// Package textedit is the text field widget for Bubble Tea behind every field of the composer:
// the multi-line body (soft-wrapped lines cached per logical line, only the lines on screen
// drawn, so a keystroke costs the same with a 20 000-byte text as with an empty one) and the
// one-line fields (NewLine: scrolled sideways). Readline's editing keys (KeyMap), text that
// arrives as text inserted as text (IsText), and what an editor needs for undo (State,
// Restore, LastEdit) and for an inline @mention (WordBeforeCursor, ReplaceBeforeCursor).
package textedit

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/tui/cell"
)

// Model is a text field. It keeps soft-wrapped lines cached per logical line and draws only the
// lines on screen (bubbles' textarea redraws every line on every keystroke).
type Model struct {
	lines [][]rune
	// wraps caches, per line, where each wrapped segment starts; nil means not computed.
	wraps [][]int
	row   int
	col   int
	// goal is the screen column that up and down keep to.
	goal int

	width, height int
	// top is the first wrapped line on screen; in a one-line field, the first rune on screen.
	top     int
	focused bool
	// single makes a one-line field: no line breaks, no wrapping, one screen line.
	single bool

	// last and overflow say what the last Update did: LastEdit, Overflow.
	last     Edit
	overflow int

	prompt      string
	placeholder string
	// KeyMap is the editing keys; DefaultKeyMap unless changed.
	KeyMap KeyMap
	// ReadClipboard reads the clipboard for the Paste key; nil is the system's clipboard.
	ReadClipboard func() (string, error)
	st            Styles
}

// Styles are the editor's looks: the text, the placeholder, the cursor, and the prompt when
// the editor is focused (PromptOn) or not (PromptOff).
type Styles struct {
	Text, Placeholder, Cursor, PromptOn, PromptOff lipgloss.Style
}

// New returns an empty multi-line editor, blurred, 40×3 until SetSize. prompt starts every line.
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

// NewLine returns an empty one-line field, blurred, 40 cells wide until SetSize. It scrolls
// sideways instead of wrapping. Enter is not its key (the editor moves on); line moves
// (↑/↓, ctrl+p/ctrl+n) do not move the cursor but report an Overflow; inserted text has its
// line breaks at either end dropped and each one inside turned into a space, tabs into a space.
func NewLine(st Styles, prompt, placeholder string) Model {
	e := New(st, prompt, placeholder)
	e.single, e.height = true, 1
	return e
}

// SetPlaceholder sets what an empty field shows.
func (e *Model) SetPlaceholder(s string) { e.placeholder = s }

// SingleLine reports whether this is a one-line field (NewLine).
func (e *Model) SingleLine() bool { return e.single }

// Focus gives the editor the keyboard; Blur takes it away.
func (e *Model) Focus() { e.focused = true }
func (e *Model) Blur()  { e.focused = false }

// Focused reports whether the editor has the keyboard.
func (e *Model) Focused() bool { return e.focused }

// SetSize sets the outer size, prompt included. A one-line field is one line high whatever h.
func (e *Model) SetSize(w, h int) {
	w = max(lipgloss.Width(e.prompt)+2, w)
	if w != e.width {
		for i := range e.wraps {
			e.wraps[i] = nil
		}
	}
	e.width, e.height = w, max(1, h)
	if e.single {
		e.height = 1
	}
	e.scroll()
}

// Width is the outer width, prompt included.
func (e *Model) Width() int { return e.width }

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

// SetValue replaces the text, cleaned as pasted text is, and puts the cursor at its end.
func (e *Model) SetValue(s string) {
	e.lines, e.wraps = [][]rune{nil}, [][]int{nil}
	e.row, e.col, e.top = 0, 0, 0
	e.insert(s)
}

// InsertString inserts text at the cursor, cleaned as pasted text is.
func (e *Model) InsertString(s string) { e.insert(s) }

// Empty reports whether there is no text.
func (e *Model) Empty() bool { return len(e.lines) == 1 && len(e.lines[0]) == 0 }

// LineCount is the number of lines; Line is the cursor's.
func (e *Model) LineCount() int { return len(e.lines) }
func (e *Model) Line() int      { return e.row }

// Cursor is the cursor's place: its line and, in runes, its column in that line.
func (e *Model) Cursor() (row, col int) { return e.row, e.col }

// SetCursor puts the cursor on a line at a column in runes, each kept within the text, and
// scrolls to it.
func (e *Model) SetCursor(row, col int) {
	e.row = min(max(0, row), len(e.lines)-1)
	e.col = min(max(0, col), len(e.lines[e.row]))
	e.moved()
}

// State is everything that puts the widget back as it was: the text, the cursor and the
// scroll position (the first screen line on screen; in a one-line field, the first rune).
// Values are comparable: an unchanged widget gives an equal State.
type State struct {
	Value    string
	Row, Col int
	Scroll   int
}

// State is the widget's text, cursor and scroll now, for an undo history.
func (e *Model) State() State {
	return State{Value: e.Value(), Row: e.row, Col: e.col, Scroll: e.top}
}

// Restore puts back a State: the same text, cursor and, if the size is the same, the same
// screen. It is not an edit: LastEdit and Overflow are reset.
func (e *Model) Restore(s State) {
	e.SetValue(s.Value)
	e.row = min(max(0, s.Row), len(e.lines)-1)
	e.col = min(max(0, s.Col), len(e.lines[e.row]))
	e.top = max(0, s.Scroll)
	e.last, e.overflow = NoEdit, 0
	e.moved()
}

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

// WordBeforeCursor is the text between the last space (or the line's start) and the cursor,
// and the column in runes where it starts: after "hi @zh" it is "@zh" at 3. Only spaces end a
// word ("你好@张" is one word): the caller decides what a mention start is.
func (e *Model) WordBeforeCursor() (word string, start int) {
	l := e.lines[e.row]
	start = e.col
	for start > 0 && !unicode.IsSpace(l[start-1]) {
		start--
	}
	return string(l[start:e.col]), start
}

// ReplaceBeforeCursor replaces the n runes before the cursor on its line (fewer at the line's
// start) with s, cleaned as pasted text is, as one edit: LastEdit says Replace. The cursor ends
// after s. It reports whether the text changed.
func (e *Model) ReplaceBeforeCursor(n int, s string) bool {
	e.last, e.overflow = NoEdit, 0
	n = min(max(0, n), e.col)
	before := e.lines[e.row][e.col-n : e.col]
	rs := e.clean(s)
	if string(before) == string(rs) {
		return false
	}
	if n > 0 {
		e.deleteRange(e.row, e.col-n, e.row, e.col)
	}
	e.insertRunes(rs)
	e.last = Replace
	return true
}

// clean makes text fit to insert: escape sequences and control characters but line breaks
// and tabs dropped, CRLF and CR made LF, tabs made four spaces (one in a one-line field, where
// line breaks at either end are dropped and each inside becomes a space).
func (e *Model) clean(s string) []rune {
	if strings.ContainsRune(s, 0x1b) {
		s = ansi.Strip(s)
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	tab := []rune("    ")
	if e.single {
		s = strings.Trim(s, "\n")
		tab = []rune(" ")
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\t':
			out = append(out, tab...)
		case r == '\n' && e.single:
			out = append(out, ' ')
		case r == '\n' || !unicode.IsControl(r):
			out = append(out, r)
		}
	}
	return out
}

// insert puts text at the cursor, which ends after it, and reports whether there was any.
func (e *Model) insert(s string) bool { return e.insertRunes(e.clean(s)) }

// insertRunes puts clean text at the cursor, which ends after it.
func (e *Model) insertRunes(rs []rune) bool {
	if len(rs) == 0 {
		return false
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
		return true
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
	return true
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
	w := []int{0}
	if !e.single {
		w = wrapStarts(e.lines[row], e.textWidth())
	}
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
	if e.single {
		e.scrollSideways()
		return
	}
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
	if e.single {
		return prompt + e.viewLine()
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

// room is a one-line field's cells for text and the cursor after it.
func (e *Model) room() int { return e.textWidth() + 1 }

// scrollSideways keeps a one-line field's cursor on screen, and the field full when the text
// allows.
func (e *Model) scrollSideways() {
	l, room := e.lines[0], e.room()
	cursor := 1
	if e.col < len(l) {
		cursor = max(1, cell.RuneWidth(l[e.col]))
	}
	e.top = min(e.top, e.col)
	for x := e.cells(l[e.top:e.col]); e.top < e.col && x+cursor > room; e.top++ {
		x -= cell.RuneWidth(l[e.top])
	}
	for x := e.cells(l[e.top:]) + 1; e.top > 0; e.top-- {
		if x += cell.RuneWidth(l[e.top-1]); x > room {
			break
		}
	}
}

// viewLine draws a one-line field: the runes from top that fit, or the placeholder.
func (e *Model) viewLine() string {
	room := e.room()
	if e.Empty() && e.placeholder != "" {
		ph := []rune(cell.Truncate(cell.OneLine(e.placeholder), room))
		if e.focused {
			return e.st.Cursor.Render(string(ph[0])) + e.st.Placeholder.Render(string(ph[1:]))
		}
		return e.st.Placeholder.Render(string(ph))
	}
	l := e.lines[0]
	end, x := e.top, 0
	for end < len(l) {
		w := cell.RuneWidth(l[end])
		if x+w > room {
			break
		}
		x += w
		end++
	}
	return e.renderSegment(l, 0, e.top, end, end == len(l))
}
