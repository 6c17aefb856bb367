package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Mouse mode is off by default, so that the terminal's own selection (drag, double-click, the
// middle button) keeps working; turned on (alt+s, f9, --mouse), the wheel scrolls the preview
// and shift+drag selects text in most terminals.
const (
	mouseOnText  = "mouse on: the wheel scrolls the preview; shift+drag selects text"
	mouseOffText = "mouse off: select text with the mouse as usual"
)

// toggleMouse turns mouse mode on or off: the terminal reports the mouse only while it is on.
func (m *Model) toggleMouse() tea.Cmd {
	on := !m.preview.Mouse()
	m.preview.SetMouse(on)
	if on {
		return tea.Batch(tea.EnableMouseCellMotion, m.setStatus(statusInfo, mouseOnText))
	}
	return tea.Batch(tea.DisableMouse, m.setStatus(statusInfo, mouseOffText))
}

// mouse handles a mouse event: the wheel over the preview scrolls it. Over the editor the wheel
// does nothing: the editor shows where the cursor is, and a wheel that moved the cursor would
// move where typing goes. Nothing else of the mouse is used.
func (m *Model) mouse(ev tea.MouseMsg) tea.Cmd {
	if !m.previewShown() || !m.overPreview(ev.X, ev.Y) {
		return nil
	}
	m.preview.Wheel(ev)
	return nil
}

// previewShown says whether the screen shows the preview: composing (the inline picker takes its
// place) or choosing a mention or robot beside it.
func (m *Model) previewShown() bool {
	switch m.state {
	case stateCompose:
		return !m.inlineOpen()
	case stateMentions, stateRobots:
		return true
	}
	return false
}

// overPreview says whether the cell at x, y (0-based, as the terminal reports it) is in the
// preview pane: right of the editor when wide, under it otherwise (see View and sideBySide).
func (m *Model) overPreview(x, y int) bool {
	if m.width < minWidth || m.height < minHeight {
		return false
	}
	g := m.geometry()
	top, bottom := 1, 1+g.bodyH // the header is one line
	if m.wide() {
		return y >= top && y < bottom && x >= g.editorW+2+lipgloss.Width("│")
	}
	return y >= top+g.editorH+1 && y < bottom
}
