package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/picker"
)

// openRobots shows the robots, the current one under the cursor.
func (m *Model) openRobots() tea.Cmd {
	items := make([]picker.Item, len(m.opts.Robots))
	for i, r := range m.opts.Robots {
		items[i] = picker.Item{Label: r.Name, Detail: robotDetail(r)}
	}
	m.chooser = picker.New(m.st, "Robot · type to filter, enter chooses", "no robots", items,
		picker.LabelsOnly(), picker.At(m.robot))
	m.state = stateRobots
	return nil
}

// robotDetail describes a robot without its token or secret.
func robotDetail(r dingtalk.Robot) string {
	var parts []string
	if r.Signed() {
		parts = append(parts, "signed")
	} else {
		parts = append(parts, "unsigned")
	}
	if len(r.Keywords) > 0 {
		parts = append(parts, "keywords: "+strings.Join(r.Keywords, ", "))
	}
	if ep, err := r.Endpoint(); err != nil {
		parts = append(parts, "invalid webhook")
	} else if host := hostOf(ep.URL); host != dingtalk.DefaultHost {
		parts = append(parts, "at "+host)
	}
	return strings.Join(parts, " · ")
}

func hostOf(u string) string {
	u = u[strings.Index(u, "://")+3:]
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

// chooseRobot switches to robot i.
func (m *Model) chooseRobot(i int) tea.Cmd {
	m.state = stateCompose
	if i < 0 || i >= len(m.opts.Robots) {
		return nil
	}
	if i != m.robot {
		// Sent with another robot is not sent with this one.
		m.unsent = !m.form.Empty()
	}
	m.robot = i
	m.sendsLeft, m.usage, m.queued = -1, nil, 0
	r := m.currentRobot()
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.refreshSendsLeft(), m.setStatus(statusInfo, "robot "+r.Name+": "+robotDetail(r)))
}
