package tui

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/dingbot/dingbot/dingtalk"
)

// keyMap is every key the composer knows, with its help text: one place says which keys exist.
type keyMap struct {
	// Composing.
	Send     key.Binding
	Type     key.Binding
	Mention  key.Binding
	AtAll    key.Binding
	Robot    key.Binding
	Payload  key.Binding
	Editor   key.Binding
	History  key.Binding
	New      key.Binding
	Kept     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Help     key.Binding
	Quit     key.Binding

	// Dialogs and views.
	Close  key.Binding
	Scroll key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Send:     b([]string{"ctrl+s"}, "ctrl+s", "send"),
		Type:     b([]string{"ctrl+t"}, "ctrl+t", "message type"),
		Mention:  b([]string{"ctrl+a"}, "ctrl+a", "@mention"),
		AtAll:    b([]string{"ctrl+e"}, "ctrl+e", "@all"),
		Robot:    b([]string{"ctrl+r"}, "ctrl+r", "robot"),
		Payload:  b([]string{"ctrl+p"}, "ctrl+p", "payload"),
		Editor:   b([]string{"ctrl+o"}, "ctrl+o", "$EDITOR"),
		History:  b([]string{"ctrl+l"}, "ctrl+l", "history"),
		New:      b([]string{"ctrl+n"}, "ctrl+n", "new message"),
		Kept:     b([]string{"ctrl+z"}, "ctrl+z", "kept drafts"),
		PageUp:   b([]string{"pgup"}, "pgup", "scroll preview up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "scroll preview down"),
		Help:     b([]string{"ctrl+g", "?"}, "ctrl+g", "more keys"),
		Quit:     b([]string{"ctrl+c", "ctrl+q"}, "ctrl+q", "quit"),

		Close:  b([]string{"esc", "ctrl+p", "q"}, "esc", "close"),
		Scroll: b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓/pgup/pgdn", "scroll"),
	}
}

// shortly is a binding with a shorter description, for the one-line help.
func shortly(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// helpKeys adapts a set of bindings to bubbles/help.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// helpFor returns the keys that matter in the current state.
func (m *Model) helpFor() helpKeys {
	k := m.keys
	switch m.state {
	case stateMentions:
		pk := m.chooser.KeyMap
		return helpKeys{short: []key.Binding{pk.Up, pk.Down, shortly(pk.Tick, "tick several"), shortly(pk.Choose, "insert highlighted + ticked"), shortly(pk.Back, "cancel")}}
	case stateRobots, stateHistory:
		return helpKeys{short: m.chooser.KeyMap.ShortHelp()}
	case stateKept:
		pk := m.chooser.KeyMap
		return helpKeys{short: []key.Binding{pk.Up, pk.Down, shortly(pk.Choose, "bring it back"), pk.Back}}
	case statePayload:
		return helpKeys{short: []key.Binding{k.Scroll, k.Close}}
	case stateConfirm:
		return helpKeys{short: m.confirm.dlg.ShortHelp()}
	case stateSending:
		return helpKeys{short: m.sending.ShortHelp()}
	case stateError:
		return helpKeys{short: m.failure.ShortHelp()}
	}
	if m.fullHelp {
		k.Help.SetHelp("ctrl+g", "fewer keys")
	}
	ek := m.form.KeyMap
	rows := m.form.InRow()
	ek.AddRow.SetEnabled(rows)
	ek.RemoveRow.SetEnabled(rows)
	ek.Toggle.SetEnabled(m.form.OnToggle())
	bodyless := !m.form.HasBody()
	k.Editor.SetEnabled(!bodyless)
	k.Mention.SetEnabled(m.form.CanMention())
	k.AtAll.SetEnabled(m.form.CanAtAll())
	// The header shows ctrl+t beside the types, so the short help can leave it out.
	short := []key.Binding{shortly(ek.Next, "field"), ek.Toggle, shortly(ek.AddRow, "row"),
		shortly(k.Mention, "mention"), k.Send, shortly(k.Help, "more"), k.Quit}
	// The full help lists the keys of the type's rows and toggles wherever the focus is.
	hasRows := m.form.Kind() == dingtalk.TypeActionCard || m.form.Kind() == dingtalk.TypeFeedCard
	fullAdd, fullRemove, fullToggle := ek.AddRow, ek.RemoveRow, ek.Toggle
	fullAdd.SetEnabled(hasRows)
	fullRemove.SetEnabled(hasRows)
	fullToggle.SetEnabled(m.form.Kind() == dingtalk.TypeActionCard)
	if hasRows {
		fullAdd.SetHelp("enter", "add a row")
		fullRemove.SetHelp("ctrl+x", "remove a row")
	}
	// Three columns fit 80 cells.
	full := [][]key.Binding{
		{ek.Next, ek.Prev, k.Type, fullToggle, fullAdd, fullRemove},
		{k.Mention, k.AtAll, k.Robot, k.Send, k.Payload, k.Editor},
		{k.History, k.New, k.Kept, k.PageUp, k.PageDown, k.Help, k.Quit},
	}
	return helpKeys{short: short, full: full}
}
