package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/store"
)

type historyLoadedMsg struct {
	entries []store.Entry
	err     error
}

type historySavedMsg struct{ err error }

// openHistory shows the history; it is read in a command.
func (m *Model) openHistory() tea.Cmd {
	if m.store == nil {
		return m.setStatus(statusWarn, "no state directory: there is no history")
	}
	m.state = stateHistory
	m.entries = nil
	m.chooser = picker.New(m.st, "History · sent messages, newest first", "loading…", nil)
	ds := m.store
	return func() tea.Msg {
		es, err := ds.Latest()
		return historyLoadedMsg{entries: es, err: err}
	}
}

func (m *Model) historyLoaded(msg historyLoadedMsg) tea.Cmd {
	if m.state != stateHistory {
		return nil
	}
	m.entries = msg.entries
	items := make([]picker.Item, len(msg.entries))
	for i, e := range msg.entries {
		title := cell.OneLine(e.Message.Title())
		if title == "" {
			title = "(no title)"
		}
		items[i] = picker.Item{
			Label:  e.Time.Local().Format("Jan 02 15:04") + "  " + title,
			Detail: string(e.MsgType) + " → " + e.Robot,
		}
	}
	m.chooser = picker.New(m.st, "History · sent messages, newest first", "nothing sent yet", items)
	if msg.err != nil {
		return m.setStatus(statusBad, "history: "+msg.err.Error())
	}
	return nil
}

// saveHistory appends a sent message in a command.
func (m *Model) saveHistory(e store.Entry) tea.Cmd {
	if m.store == nil {
		return nil
	}
	ds := m.store
	return func() tea.Msg { return historySavedMsg{err: ds.Append(e)} }
}

// reopen puts a sent message back into the editor, to change and send again.
func (m *Model) reopen(e store.Entry) tea.Cmd {
	d := store.FromMessage(e.Message, m.opts.Contacts)
	d.Robot = e.Robot
	m.restore(d)
	m.unsent = true
	m.state = stateCompose
	m.preview.Track()
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.refreshSendsLeft(),
		m.setStatus(statusInfo, fmt.Sprintf("reopened the %s sent %s", e.MsgType.Name(), e.Time.Local().Format("Jan 02 15:04"))))
}

// historyView lists the history over the whole body, with the selected message's text below.
func (m *Model) historyView(g layout) string {
	body := ""
	if i := m.chooser.Current(); i >= 0 && i < len(m.entries) {
		e := m.entries[i]
		body = e.Message.Body()
		if body == "" {
			body = e.Message.Title()
		}
	}
	return m.listView(g, len(m.entries), body)
}

// listView is the chooser over the whole body, with the text of the highlighted item below.
func (m *Model) listView(g layout, n int, text string) string {
	listH := min(max(6, n+4), max(6, g.bodyH/2))
	list := m.chooser.View(m.width, listH)
	var detail []string
	if text != "" {
		detail = append(detail, m.st.List.Rule.Render(cell.Rule(m.width)))
		for _, l := range strings.Split(text, "\n") {
			detail = append(detail, m.st.List.Muted.Render(l))
		}
	}
	lines := strings.Split(list, "\n")
	lines = append(lines, detail...)
	for len(lines) < g.bodyH {
		lines = append(lines, "")
	}
	for i := range lines[:g.bodyH] {
		lines[i] = cell.Fit(lines[i], m.width)
	}
	return strings.Join(lines[:g.bodyH], "\n")
}
