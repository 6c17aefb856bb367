// Package editor is the composer's form: the fields of the five DingTalk message types, the
// body editor, and who is mentioned. It knows what a message is made of, not how it is sent.
//
// Every field is a textedit widget with readline's keys; Update takes text and editing keys
// for the focused field, never a command key, so the caller passes text (textedit.IsText) to
// Update before it matches any binding of its own.
//
// Undo and Redo go back and forth over the changes to any field: a run of typing is one step
// per word, every kill, paste, new line and replacement its own, and so are the changes made
// by methods: RemoveRow, AddRow, Toggle, CycleKind, Mention, ToggleAtAll, SetBody, SetTitle
// and ReplaceBeforeCursor each record one step. A caller making several changes that belong
// together (replacing the "@zh" being typed with a mention, say) wraps them in Edit, which
// records them as one step. Load and Clear start a new history.
package editor

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/dingbot/dingbot/dingtalk"
)

// KeyMap is the form's keys: moving between fields, toggles and rows. The body's editing keys
// are textedit's.
type KeyMap struct {
	Next, Prev, Toggle, AddRow, RemoveRow, Undo, Redo key.Binding
}

// DefaultKeyMap is the form's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Next:      b([]string{"tab"}, "tab", "next field"),
		Prev:      b([]string{"shift+tab"}, "shift+tab", "previous field"),
		AddRow:    b([]string{"enter"}, "enter", "add row"),
		RemoveRow: b([]string{"ctrl+x"}, "ctrl+x", "remove row"),
		Toggle:    b([]string{" ", "enter", "left", "right"}, "space", "toggle"),
		Undo:      b([]string{"ctrl+z"}, "ctrl+z", "undo"),
		Redo:      b([]string{"ctrl+y"}, "ctrl+y", "redo"),
	}
}

// Kind is the message type being written.
func (f *Form) Kind() dingtalk.MsgType { return f.kind }

// Title is the title as typed; Body the body.
func (f *Form) Title() string { return f.title.Value() }
func (f *Form) Body() string  { return f.body.Value() }

// BodyLine is the body's line the cursor is on, from 1, for opening an editor there.
func (f *Form) BodyLine() int { row, _ := f.body.Cursor(); return row + 1 }

// SetTitle replaces the title, as one undo step.
func (f *Form) SetTitle(s string) { f.Edit(func() { f.title.SetValue(s) }) }

// SetBody replaces the body and gives it the focus, the cursor at its end, as one undo step.
func (f *Form) SetBody(text string) {
	f.Edit(func() {
		f.body.SetValue(text)
		f.focusField(FieldBody, 0)
	})
}

// WordBeforeCursor is the body's text between the last space (or the line's start) and the
// cursor, and the column where it starts (see textedit.Model.WordBeforeCursor).
func (f *Form) WordBeforeCursor() (word string, start int) { return f.body.WordBeforeCursor() }

// ReplaceBeforeCursor replaces the n runes before the body's cursor with s, as one undo step,
// and reports whether the text changed.
func (f *Form) ReplaceBeforeCursor(n int, s string) (changed bool) {
	f.Edit(func() { changed = f.body.ReplaceBeforeCursor(n, s) })
	return changed
}

// Mentions are the people mentioned; AtAll says whether everyone is.
func (f *Form) Mentions() []dingtalk.Contact { return f.mentions }
func (f *Form) AtAll() bool                  { return f.atAll }

// ToggleAtAll switches @all (the caller checks CanAtAll), as one undo step, and says whether
// it is now on.
func (f *Form) ToggleAtAll() bool {
	f.Edit(func() { f.atAll = !f.atAll })
	return f.atAll
}

// Position is where the cursor is in the message as DingTalk lays it out, from 0 (the top) to
// 1 (the bottom): the top for the title, the same share of the way down as the cursor in the
// body, the focused link of a feed card, the bottom for buttons and the rest, which DingTalk
// shows under the text.
func (f *Form) Position() float64 {
	switch f.Focused().Field {
	case FieldTitle:
		return 0
	case FieldBody:
		lines := max(1, f.body.LineCount()-1)
		return float64(f.body.Line()) / float64(lines)
	}
	if f.kind == dingtalk.TypeFeedCard {
		// Links are listed in order: follow the focused one.
		return float64(f.Focused().Row) / float64(max(1, len(f.links)-1))
	}
	return 1
}

// Mention adds contacts to the mentioned ones and writes "@handle" at the body's cursor for
// each whose handle the text lacks. Nobody is removed here: deleting an @handle from the text
// does that (see Forget). It returns the names of those mentioned and why someone could not
// be; ok is false, and nothing changes, when DingTalk would not notify so many. It is one undo
// step.
func (f *Form) Mention(cs []dingtalk.Contact) (names []string, warn string, ok bool) {
	f.Edit(func() { names, warn, ok = f.mention(cs) })
	return names, warn, ok
}

func (f *Form) mention(cs []dingtalk.Contact) (names []string, warn string, ok bool) {
	next := append([]dingtalk.Contact(nil), f.mentions...)
	var added []string
	body := f.body.Value()
	for _, c := range cs {
		if c.Handle() == "" {
			warn = c.Name + " has neither mobile nor userId: cannot be mentioned"
			continue
		}
		if f.kind == dingtalk.TypeActionCard && c.UserID == "" {
			warn = "action cards notify people by userId only, and " + c.Name + " has none"
			continue
		}
		known := false
		for _, mc := range next {
			known = known || sameContact(c, mc)
		}
		if !known {
			next = append(next, c)
		}
		if h := f.handleFor(c); !dingtalk.ContainsMention(body, h) {
			added = append(added, h)
		}
		names = append(names, c.Name)
	}
	if len(next) > dingtalk.MaxMentions {
		return nil, "", false
	}
	f.mentions = next
	f.insertMentions(added)
	return names, warn, true
}

// IsMentioned reports whether c is among the mentioned.
func (f *Form) IsMentioned(c dingtalk.Contact) bool {
	for _, mc := range f.mentions {
		if sameContact(c, mc) {
			return true
		}
	}
	return false
}

// Forget keeps the mentions in step with the text: someone whose @handle was in the text and
// has been deleted from it is no longer mentioned. Mentions never written in the text
// (restored from history, say) stay: sending writes their @handle in. inText is from a render
// of the current content; the names of those no longer mentioned are returned.
func (f *Form) Forget(inText map[dingtalk.Contact]bool) (dropped []string) {
	if f.seenInText == nil {
		f.seenInText = map[dingtalk.Contact]bool{}
	}
	var kept []dingtalk.Contact
	for _, c := range f.mentions {
		present, known := inText[c]
		switch {
		case !known:
			kept = append(kept, c)
		case present:
			f.seenInText[c] = true
			kept = append(kept, c)
		case f.seenInText[c]:
			delete(f.seenInText, c)
			dropped = append(dropped, c.Name)
		default:
			kept = append(kept, c)
		}
	}
	if len(dropped) > 0 {
		f.mentions = kept
	}
	return dropped
}

// joinHandles is "@a @b ".
func joinHandles(handles []string) string { return "@" + strings.Join(handles, " @") + " " }
