package textedit

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap is the editing keys: readline's, as in bubbles' textarea and gum write. The composer's
// commands live on keys with no editing meaning, so none of these is taken by the composer.
type KeyMap struct {
	// Moving: by character, word and line, to the line's ends and to the text's.
	Left, Right, Up, Down, WordLeft, WordRight, Home, End, Begin, Finish key.Binding
	// Changing: a new line, deleting a character, killing a word or to a line's end or start.
	Newline, Backspace, Delete, DeleteWordLeft, DeleteWordRight key.Binding
	KillToEnd, KillToStart, Paste                               key.Binding
}

// DefaultKeyMap is the editor's keys.
func DefaultKeyMap() KeyMap {
	k := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Left:            k("←/ctrl+b", "char left", "left", "ctrl+b"),
		Right:           k("→/ctrl+f", "char right", "right", "ctrl+f"),
		Up:              k("↑/ctrl+p", "line up", "up", "ctrl+p"),
		Down:            k("↓/ctrl+n", "line down", "down", "ctrl+n"),
		WordLeft:        k("alt+b/alt+←", "word left", "alt+b", "alt+left", "ctrl+left"),
		WordRight:       k("alt+f/alt+→", "word right", "alt+f", "alt+right", "ctrl+right"),
		Home:            k("ctrl+a/home", "line start", "ctrl+a", "home"),
		End:             k("ctrl+e/end", "line end", "ctrl+e", "end"),
		Begin:           k("alt+</ctrl+home", "text start", "alt+<", "ctrl+home"),
		Finish:          k("alt+>/ctrl+end", "text end", "alt+>", "ctrl+end"),
		Newline:         k("enter", "new line", "enter", "ctrl+m"),
		Backspace:       k("backspace/ctrl+h", "delete char before", "backspace", "ctrl+h"),
		Delete:          k("delete/ctrl+d", "delete char after", "delete", "ctrl+d"),
		DeleteWordLeft:  k("ctrl+w/alt+⌫", "kill word before", "ctrl+w", "alt+backspace"),
		DeleteWordRight: k("alt+d/alt+del", "kill word after", "alt+d", "alt+delete"),
		KillToEnd:       k("ctrl+k", "kill to line end", "ctrl+k"),
		KillToStart:     k("ctrl+u", "kill to line start", "ctrl+u"),
		Paste:           k("ctrl+v", "paste", "ctrl+v"),
	}
}

// ShortHelp is the editing keys worth a place in a one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.WordLeft, k.WordRight, k.KillToEnd, k.Paste}
}

// FullHelp is every editing key, by columns: moving by characters and lines, moving further,
// deleting, killing.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Left, k.Right, k.Up, k.Down},
		{k.WordLeft, k.WordRight, k.Home, k.End, k.Begin, k.Finish},
		{k.Newline, k.Backspace, k.Delete, k.Paste},
		{k.DeleteWordLeft, k.DeleteWordRight, k.KillToEnd, k.KillToStart},
	}
}

// IsText reports whether a key message is text to insert rather than a key: a bracketed paste,
// several runes at once (an input method committing a word, a laggy read, an unbracketed
// paste), a single rune without alt, or a space. Text must never be matched against a binding:
// the runes "left", "tab" or "ctrl+a" arriving in one read spell no key. In a text field, pass
// text to the field before any binding is tried; outside one, only a single rune may be a key.
func IsText(k tea.KeyMsg) bool {
	switch k.Type {
	case tea.KeyRunes:
		return len(k.Runes) > 0 && (k.Paste || len(k.Runes) > 1 || !k.Alt)
	case tea.KeySpace:
		return !k.Alt
	}
	return false
}
