package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/picker"
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

// handleKey routes a key by state.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch m.state {
	case stateMentions, stateRobots, stateHistory, stateKept:
		if key.Matches(msg, k.Quit) {
			return m, m.askQuit()
		}
		switch a := m.chooser.Update(msg).(type) {
		case picker.Canceled:
			m.state = stateCompose
		case picker.Chosen:
			return m, m.chosen(a.Indices)
		}
		return m, nil
	case statePayload:
		switch {
		case key.Matches(msg, k.Quit):
			return m, m.askQuit()
		case key.Matches(msg, k.Close):
			m.state = stateCompose
		default:
			var cmd tea.Cmd
			m.payload, cmd = m.payload.Update(msg)
			return m, cmd
		}
		return m, nil
	case stateConfirm:
		if m.confirm.quit && key.Matches(msg, k.Quit) {
			return m, m.confirmed()
		}
		switch m.confirm.dlg.Update(msg).(type) {
		case dialog.Yes:
			return m, m.confirmed()
		case dialog.No:
			m.confirm = nil
			m.state = stateCompose
		}
		return m, nil
	case stateSending:
		if _, cancel := m.sending.Update(msg).(dialog.Cancel); cancel || key.Matches(msg, k.Quit) {
			m.cancelSend()
		}
		return m, nil
	case stateError:
		if key.Matches(msg, k.Quit) {
			m.failure = nil
			m.state = stateCompose
			return m, m.askQuit()
		}
		switch m.failure.Update(msg).(type) {
		case dialog.Queue:
			if m.failPost != nil {
				return m, m.queue()
			}
		case dialog.Force:
			if m.failPost != nil {
				m.askForce()
			}
		case dialog.Dismiss:
			m.failure = nil
			m.state = stateCompose
		case dialog.ShowPayload:
			m.failure = nil
			return m, m.openPayload()
		}
		return m, nil
	}
	return m.composeKey(msg)
}

// chosen acts on a picker's choice.
func (m *Model) chosen(picked []int) tea.Cmd {
	switch m.state {
	case stateMentions:
		return m.applyMentions(picked)
	case stateRobots:
		if len(picked) == 0 {
			m.state = stateCompose
			return nil
		}
		return m.chooseRobot(picked[0])
	case stateHistory:
		if len(picked) == 0 || picked[0] >= len(m.entries) {
			return nil
		}
		e := m.entries[picked[0]]
		if m.unsent && !m.form.Empty() {
			m.ask("Replace the message in the editor?", []string{"It has not been sent. " + m.keptWhere()}, "replace", "",
				func(m *Model) tea.Cmd {
					return m.keepThen("replaced by a message reopened from the history", keptMsg{action: replaceReopen, entry: e})
				})
			return nil
		}
		return m.reopen(e)
	case stateKept:
		if len(picked) == 0 || picked[0] >= len(m.kept) {
			return nil
		}
		m.state = stateCompose
		return m.keepThen("swapped for a kept draft", keptMsg{action: replaceRestore, restore: m.kept[picked[0]]})
	}
	return nil
}

// composeKey handles a key in the editor: the composer's keys first, then the focused field.
func (m Model) composeKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	f := &m.form
	ek := f.KeyMap
	switch {
	case key.Matches(msg, k.Quit):
		return m, m.askQuit()
	case key.Matches(msg, k.Help) && (msg.String() != "?" || !f.OnText()):
		m.fullHelp = !m.fullHelp
		m.layout()
		return m, nil
	case key.Matches(msg, k.Send):
		return m, m.startSend()
	case key.Matches(msg, k.Type):
		f.CycleKind()
		m.preview.Track()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case key.Matches(msg, ek.Next), key.Matches(msg, ek.Prev):
		if key.Matches(msg, ek.Next) {
			f.Next(1)
		} else {
			f.Next(-1)
		}
		m.preview.Track()
		m.followCursor()
		return m, nil
	case key.Matches(msg, k.Mention):
		return m, m.openMentions()
	case key.Matches(msg, k.AtAll):
		return m, m.toggleAtAll()
	case key.Matches(msg, k.Robot):
		return m, m.openRobots()
	case key.Matches(msg, k.Payload):
		return m, m.openPayload()
	case key.Matches(msg, k.Editor):
		return m, m.openEditor()
	case key.Matches(msg, k.History):
		return m, m.openHistory()
	case key.Matches(msg, k.New):
		if m.unsent && !f.Empty() {
			m.ask("Start a new message?", []string{"This one has not been sent. " + m.keptWhere()}, "new message", "",
				func(m *Model) tea.Cmd { return m.keepThen("discarded with ctrl+n", keptMsg{action: replaceNew}) })
			return m, nil
		}
		return m, m.clearMessage()
	case key.Matches(msg, k.Kept):
		return m, m.openKept()
	case key.Matches(msg, k.PageUp):
		m.preview.Page(-1)
		return m, nil
	case key.Matches(msg, k.PageDown):
		m.preview.Page(1)
		return m, nil
	case f.OnToggle() && key.Matches(msg, ek.Toggle):
		f.Toggle()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.InRow() && key.Matches(msg, ek.AddRow):
		f.AddRow()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.OnLine() && msg.Type == tea.KeyEnter:
		// Enter in a one-line field moves on, as in a form.
		f.Next(1)
		m.preview.Track()
		m.followCursor()
		return m, nil
	case f.InRow() && key.Matches(msg, ek.RemoveRow):
		f.RemoveRow()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	}
	changed, cmd := f.Update(msg)
	if !changed {
		return m, cmd
	}
	m.preview.Track()
	return m, tea.Batch(cmd, m.contentChanged())
}

// contentChanged marks the message unsent and schedules the preview and the draft save.
func (m *Model) contentChanged() tea.Cmd {
	m.unsent = !m.form.Empty()
	m.queuedNow = nil
	return tea.Batch(m.schedulePreview(), m.scheduleDraft())
}

// askQuit quits, asking first when the message has not been sent. When the draft cannot be
// saved the question says so, and no is the way back to the text.
func (m *Model) askQuit() tea.Cmd {
	if !m.unsent || m.form.Empty() {
		return m.quit()
	}
	if m.store == nil || m.saveErr != nil {
		m.askQuitUnsaved(m.saveErr)
		return nil
	}
	m.ask("Quit without sending?", []string{"The draft is saved on the way out and comes back the next time you start dingbot."}, "quit", "",
		(*Model).quit).quit = true
	return nil
}

// askQuitUnsaved asks before quitting with a draft that could not be saved: quitting loses it.
func (m *Model) askQuitUnsaved(err error) {
	lines := []string{m.st.Dialog.Problem.Render("The draft is NOT saved: quitting now loses this message.")}
	if err != nil {
		lines = append(lines, saveProblem(err))
	} else {
		lines = append(lines, "There is no state directory to save it in.")
	}
	lines = append(lines, "Keep editing, fix the directory and the draft is saved again; or copy the text out (ctrl+o opens it in $EDITOR).")
	m.ask("Quit and lose the message?", lines, "quit, losing it", "keep editing", func(*Model) tea.Cmd { return tea.Quit })
}

// quitBlockedMsg says the draft could not be saved on the way out: the program goes on.
type quitBlockedMsg struct{ err error }

// quit saves the draft, then ends the program. If an unsent message cannot be saved, it does
// not quit: it says so and asks.
func (m *Model) quit() tea.Cmd {
	if m.store == nil || !m.loaded {
		return tea.Quit
	}
	mustKeep := m.unsent && !m.form.Empty()
	m.draftSeq++
	m.draftDirty = false
	ds, seq, d := m.store, m.draftSeq, m.snapshot()
	return func() tea.Msg {
		if err := ds.Save(seq, d); err != nil && mustKeep {
			return quitBlockedMsg{err: err}
		}
		return tea.QuitMsg{}
	}
}

func (m *Model) quitBlocked(msg quitBlockedMsg) tea.Cmd {
	m.saveErr = msg.err
	m.state = stateCompose
	m.askQuitUnsaved(msg.err)
	m.layout()
	return nil
}

// clearMessage empties the editor for a new message of the same type.
func (m *Model) clearMessage() tea.Cmd {
	m.form.Clear()
	m.unsent = false
	m.preview.Track()
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.setStatus(statusInfo, "new "+m.form.Kind().Name()))
}
