package textedit

import (
	"errors"
	"fmt"

	"github.com/atotto/clipboard"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Edit is the kind of change an Update made, for an undo history: a run of Insert (or of
// DeleteChar) may be one undo step, every Kill, Paste, Newline and Replace its own.
type Edit int

const (
	// NoEdit: the text did not change (a move, a key the widget does not handle).
	NoEdit Edit = iota
	// Insert: typed text, one rune or several at once (an input method, a laggy read).
	Insert
	// Newline: enter in the body.
	Newline
	// DeleteChar: backspace or delete, one character (or the line break) gone.
	DeleteChar
	// Kill: a word or to the line's end or start gone (ctrl+w, alt+d, ctrl+k, ctrl+u).
	Kill
	// Paste: a bracketed paste or the clipboard (PasteMsg).
	Paste
	// Replace: ReplaceBeforeCursor.
	Replace
)

func (k Edit) String() string {
	switch k {
	case Insert:
		return "insert"
	case Newline:
		return "newline"
	case DeleteChar:
		return "delete char"
	case Kill:
		return "kill"
	case Paste:
		return "paste"
	case Replace:
		return "replace"
	}
	return "none"
}

// PasteMsg is text to insert at the cursor: the clipboard, read for the Paste key.
type PasteMsg string

// ErrNoClipboard is PasteFailedMsg's error when the system has no clipboard dingbot can read
// (no X, Wayland, pbpaste or termux tools).
var ErrNoClipboard = errors.New("no clipboard here")

// PasteFailedMsg comes back from the Paste key instead of a PasteMsg when the clipboard cannot
// be read. Show its Status in the status line.
type PasteFailedMsg struct{ Err error }

// Status says it for the status line, with the way that works: the terminal's own paste.
func (m PasteFailedMsg) Status() string {
	const how = "paste with your terminal (shift+insert, ctrl+shift+v or right-click)"
	if m.Err == nil || errors.Is(m.Err, ErrNoClipboard) {
		return "no clipboard here: " + how
	}
	return fmt.Sprintf("cannot read the clipboard (%v): %s", m.Err, how)
}

// readSystemClipboard is the clipboard unless ReadClipboard says otherwise.
func readSystemClipboard() (string, error) {
	if clipboard.Unsupported {
		return "", ErrNoClipboard
	}
	return clipboard.ReadAll()
}

// pasteCmd reads the clipboard in a command: a PasteMsg, or a PasteFailedMsg.
func (e *Model) pasteCmd() tea.Cmd {
	read := e.ReadClipboard
	if read == nil {
		read = readSystemClipboard
	}
	return func() tea.Msg {
		s, err := read()
		if err != nil {
			return PasteFailedMsg{Err: err}
		}
		return PasteMsg(s)
	}
}

// Update handles a key or a PasteMsg; changed reports whether the text changed, LastEdit how
// and Overflow whether a line move went past the first or last line. Keys reach a focused
// widget only; a PasteMsg is inserted even when blurred (the editor routes it). Text (see
// IsText) is inserted as it is, whatever its runes spell. The Paste key returns a command
// whose message is a PasteMsg or a PasteFailedMsg, both for the caller to route back.
func (e *Model) Update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	e.last, e.overflow = NoEdit, 0
	switch msg := msg.(type) {
	case PasteMsg:
		return e.did(Paste, e.insert(string(msg))), nil
	case tea.KeyMsg:
		if !e.focused {
			return false, nil
		}
		if IsText(msg) {
			text, kind := string(msg.Runes), Insert
			if msg.Type == tea.KeySpace {
				text = " "
			}
			if msg.Paste {
				kind = Paste
			}
			return e.did(kind, e.insert(text)), nil
		}
		return e.key(msg)
	}
	return false, nil
}

// did records an edit when the text changed, and passes changed on.
func (e *Model) did(kind Edit, changed bool) bool {
	if changed {
		e.last = kind
	}
	return changed
}

// LastEdit is the kind of change the last Update made: NoEdit when the text did not change.
// An editor keeping an undo history takes State before Update and, when LastEdit is not
// NoEdit, keeps it as a step (or folds it into the step before for a run of Insert).
func (e *Model) LastEdit() Edit { return e.last }

// Overflow reports whether the last Update was a line move (↑/↓, ctrl+p/ctrl+n) past the
// text: -1 up from the first screen line, 1 down from the last, 0 otherwise. In the body the
// cursor still goes to the line's start or end; in a one-line field it stays and every line
// move overflows. The editor moves the focus to the previous or next field on it.
func (e *Model) Overflow() int { return e.overflow }

// key handles a key that is not text.
func (e *Model) key(k tea.KeyMsg) (bool, tea.Cmd) {
	km := e.KeyMap
	switch {
	case key.Matches(k, km.Newline):
		if e.single {
			return false, nil
		}
		return e.did(Newline, e.insert("\n")), nil
	case key.Matches(k, km.Backspace):
		switch {
		case e.col > 0:
			e.deleteRange(e.row, e.col-1, e.row, e.col)
		case e.row > 0:
			e.deleteRange(e.row-1, len(e.lines[e.row-1]), e.row, 0)
		default:
			return false, nil
		}
		return e.did(DeleteChar, true), nil
	case key.Matches(k, km.Delete):
		switch {
		case e.col < len(e.lines[e.row]):
			e.deleteRange(e.row, e.col, e.row, e.col+1)
		case e.row < len(e.lines)-1:
			e.deleteRange(e.row, e.col, e.row+1, 0)
		default:
			return false, nil
		}
		return e.did(DeleteChar, true), nil
	case key.Matches(k, km.DeleteWordLeft):
		r, c := e.wordLeft()
		if r == e.row && c == e.col {
			return false, nil
		}
		e.deleteRange(r, c, e.row, e.col)
		return e.did(Kill, true), nil
	case key.Matches(k, km.DeleteWordRight):
		r, c := e.wordRight()
		if r == e.row && c == e.col {
			return false, nil
		}
		e.deleteRange(e.row, e.col, r, c)
		return e.did(Kill, true), nil
	case key.Matches(k, km.KillToEnd):
		switch {
		case e.col < len(e.lines[e.row]):
			e.deleteRange(e.row, e.col, e.row, len(e.lines[e.row]))
		case e.row < len(e.lines)-1:
			e.deleteRange(e.row, e.col, e.row+1, 0)
		default:
			return false, nil
		}
		return e.did(Kill, true), nil
	case key.Matches(k, km.KillToStart):
		if e.col == 0 {
			return false, nil
		}
		e.deleteRange(e.row, 0, e.row, e.col)
		return e.did(Kill, true), nil
	case key.Matches(k, km.Paste):
		return false, e.pasteCmd()
	case key.Matches(k, km.Left):
		if e.col > 0 {
			e.col--
		} else if e.row > 0 {
			e.row--
			e.col = len(e.lines[e.row])
		}
	case key.Matches(k, km.Right):
		if e.col < len(e.lines[e.row]) {
			e.col++
		} else if e.row < len(e.lines)-1 {
			e.row++
			e.col = 0
		}
	case key.Matches(k, km.WordLeft):
		e.row, e.col = e.wordLeft()
	case key.Matches(k, km.WordRight):
		e.row, e.col = e.wordRight()
	case key.Matches(k, km.Home):
		e.col = 0
	case key.Matches(k, km.End):
		e.col = len(e.lines[e.row])
	case key.Matches(k, km.Begin):
		e.row, e.col = 0, 0
	case key.Matches(k, km.Finish):
		e.row = len(e.lines) - 1
		e.col = len(e.lines[e.row])
	case key.Matches(k, km.Up):
		e.lineMove(-1)
		return false, nil
	case key.Matches(k, km.Down):
		e.lineMove(1)
		return false, nil
	default:
		return false, nil
	}
	e.moved()
	return false, nil
}

// lineMove moves to the screen line above (-1) or below (1), noting an overflow at an edge.
func (e *Model) lineMove(dir int) {
	if e.single {
		e.overflow = dir
		return
	}
	seg, starts := e.segmentOf(e.row, e.col)
	if dir < 0 && e.row == 0 && seg == 0 || dir > 0 && e.row == len(e.lines)-1 && seg == len(starts)-1 {
		e.overflow = dir
	}
	e.vertical(dir)
}
