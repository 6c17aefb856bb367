package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey routes a key by state.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch m.state {
	case stateMentions, stateRobots, stateHistory:
		if key.Matches(msg, k.Quit) {
			return m, m.askQuit()
		}
		switch m.chooser.update(msg, k) {
		case chooserCanceled:
			m.state = stateCompose
		case chooserChosen:
			return m, m.chosen()
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
		switch {
		case key.Matches(msg, k.Yes), m.confirm.action == confirmQuit && key.Matches(msg, k.Quit):
			return m, m.confirmed()
		case key.Matches(msg, k.No):
			m.confirm = nil
			m.state = stateCompose
		}
		return m, nil
	case stateSending:
		if key.Matches(msg, k.Cancel) || key.Matches(msg, k.Quit) {
			m.cancelSend()
		}
		return m, nil
	case stateError:
		switch {
		case key.Matches(msg, k.Dismiss):
			m.failure = nil
			m.state = stateCompose
		case key.Matches(msg, k.Payload):
			m.failure = nil
			return m, m.openPayload()
		case key.Matches(msg, k.Quit):
			m.failure = nil
			m.state = stateCompose
			return m, m.askQuit()
		}
		return m, nil
	}
	return m.composeKey(msg)
}

// chosen acts on a chooser's choice.
func (m *Model) chosen() tea.Cmd {
	picked := m.chooser.chosen()
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
		if m.unsent && !m.form.empty() {
			m.confirm = &confirmation{action: confirmReopen, title: "Replace the message in the editor?",
				lines: []string{"It has not been sent. It stays in the draft until you type again."}, yes: "replace", entry: e}
			m.state = stateConfirm
			return nil
		}
		return m.reopen(e)
	}
	return nil
}

// composeKey handles a key in the editor: the composer's keys first, then the focused field.
func (m Model) composeKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	f := &m.form
	switch {
	case key.Matches(msg, k.Quit):
		return m, m.askQuit()
	case key.Matches(msg, k.Help) && (msg.String() != "?" || !f.onText()):
		m.fullHelp = !m.fullHelp
		m.layout()
		return m, nil
	case key.Matches(msg, k.Send):
		return m, m.startSend()
	case key.Matches(msg, k.Type):
		f.cycleKind()
		m.preview.follow = true
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case key.Matches(msg, k.Next), key.Matches(msg, k.Prev):
		if key.Matches(msg, k.Next) {
			f.next(1)
		} else {
			f.next(-1)
		}
		m.preview.follow = true
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
		if m.unsent && !f.empty() {
			m.confirm = &confirmation{action: confirmNew, title: "Start a new message?",
				lines: []string{"This one has not been sent and will be discarded."}, yes: "discard it"}
			m.state = stateConfirm
			return m, nil
		}
		return m, m.clearMessage()
	case key.Matches(msg, k.PageUp):
		m.scrollPreview(-1)
		return m, nil
	case key.Matches(msg, k.PageDown):
		m.scrollPreview(1)
		return m, nil
	case f.onToggle() && key.Matches(msg, k.Toggle):
		f.toggle()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.inRow() && key.Matches(msg, k.AddRow):
		f.addRow()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.onLine() && msg.Type == tea.KeyEnter:
		// Enter in a one-line field moves on, as in a form.
		f.next(1)
		m.preview.follow = true
		m.followCursor()
		return m, nil
	case f.inRow() && key.Matches(msg, k.RemoveRow):
		f.removeRow()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	}
	changed, cmd := f.update(msg)
	if !changed {
		return m, cmd
	}
	m.preview.follow = true
	return m, tea.Batch(cmd, m.contentChanged())
}

// contentChanged marks the message unsent and schedules the preview and the draft save.
func (m *Model) contentChanged() tea.Cmd {
	m.unsent = !m.form.empty()
	return tea.Batch(m.schedulePreview(), m.scheduleDraft())
}

// askQuit quits, asking first when the message has not been sent.
func (m *Model) askQuit() tea.Cmd {
	if m.unsent && !m.form.empty() {
		m.confirm = &confirmation{action: confirmQuit, title: "Quit without sending?",
			lines: []string{"The draft is saved and comes back the next time you start dingbot."}, yes: "quit"}
		m.state = stateConfirm
		return nil
	}
	return m.quit()
}

// quit saves the draft, then ends the program.
func (m *Model) quit() tea.Cmd {
	if save := m.saveDraft(); save != nil {
		return tea.Sequence(save, tea.Quit)
	}
	return tea.Quit
}

// clearMessage empties the editor for a new message of the same type.
func (m *Model) clearMessage() tea.Cmd {
	m.form.clear()
	m.unsent = false
	m.preview.follow = true
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.setStatus(statusInfo, "new "+kindName(m.form.kind)))
}
