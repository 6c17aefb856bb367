package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/preview"
)

// payloadMsg is the payload view's text, built in a command.
type payloadMsg string

// openPayload shows the exact request that would be sent.
func (m *Model) openPayload() tea.Cmd {
	m.state = statePayload
	m.payload.SetContent(m.st.Frame.Hint.Render("preparing…"))
	m.payload.GotoTop()
	msg, r, now, width, contacts := m.form.Message(), m.currentRobot(), m.now(), m.width, m.opts.Contacts
	return func() tea.Msg { return payloadMsg(preview.Payload(r, msg, now, width, contacts)) }
}

// payloadView is the payload over the whole body.
func (m *Model) payloadView(g layout) string {
	title := m.st.Frame.PaneTitle.Render("Payload") + m.st.Frame.Hint.Render(" · the exact request for robot "+m.currentRobot().Name)
	pct := ""
	if m.payload.TotalLineCount() > m.payload.Height {
		pct = m.st.Frame.Hint.Render(fmt.Sprintf("%3.0f%%", m.payload.ScrollPercent()*100))
	}
	lines := []string{cell.Spread(title, pct, m.width), m.st.Frame.Rule.Render(cell.Rule(m.width))}
	lines = append(lines, strings.Split(m.payload.View(), "\n")...)
	for len(lines) < g.bodyH {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], m.width)
	}
	return strings.Join(lines[:g.bodyH], "\n")
}
