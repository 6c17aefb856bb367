package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/preview"
)

// wideWidth is the narrowest terminal that gets editor and preview side by side; bothWidth
// the narrowest that gets the editor beside both previews, PC and phone (preview.BothWidth),
// with some 45 cells left for the editor. Narrower, the preview shows one device at a time,
// switched with alt+v (switchDevice).
const (
	wideWidth = 100
	bothWidth = 150
)

func (m *Model) wide() bool { return m.width >= wideWidth }

// layout is where each part goes for the current size.
type layout struct {
	bodyH            int
	editorW, editorH int
	previewW         int
	previewH         int
}

func (m *Model) geometry() layout {
	helpH := 1
	if m.fullHelp && m.state == stateCompose {
		helpH = lipgloss.Height(m.fullHelpView())
	}
	var l layout
	l.bodyH = max(4, m.height-1-m.statusHeight()-helpH)
	if m.wide() {
		sep := 2 + lipgloss.Width("│")
		l.editorW = (m.width - sep) / 2
		if m.width >= bothWidth {
			l.editorW = m.width - sep - preview.BothWidth
		}
		l.previewW = m.width - l.editorW - sep
		l.editorH = l.bodyH - 1
		l.previewH = l.bodyH
	} else {
		l.editorW, l.previewW = m.width, m.width
		l.editorH = max(5, (l.bodyH-1)*11/20)
		l.previewH = max(1, l.bodyH-l.editorH-1)
	}
	return l
}

// The smallest terminal the composer draws in; below it a notice asks for more room.
const (
	minWidth  = 40
	minHeight = 14
)

// tooSmallView asks for a larger terminal. Keys still work and the draft is still saved.
func (m *Model) tooSmallView() string {
	msg := fmt.Sprintf("dingbot needs at least %d×%d; this terminal is %d×%d. Enlarge it: your draft is safe (ctrl+q quits).",
		minWidth, minHeight, m.width, m.height)
	return ansi.Hardwrap(ansi.Wordwrap(msg, m.width, ""), m.width, true)
}

// resize reflows everything at once and re-renders the preview for the new width.
func (m *Model) resize(w, h int) tea.Cmd {
	widthChanged := w != m.width
	m.width, m.height = w, h
	before := m.preview.Width()
	m.layout()
	var cmds []tea.Cmd
	if m.preview.Width() != before {
		cmds = append(cmds, m.renderNow())
	}
	if widthChanged && m.state == statePayload {
		cmds = append(cmds, m.openPayload()) // wrapped for the old width
	}
	if m.preview.Both() && strings.HasSuffix(m.status.Text(), m.keys.Device.Help().Key+" switches back") {
		// Said when one device was shown; wide enough now for both, it is no longer true.
		cmds = append(cmds, m.setStatus(statusInfo, "the preview shows PC and phone side by side"))
	}
	return tea.Batch(cmds...)
}

// layout sizes the components for the current screen.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	g := m.geometry()
	m.form.SetSize(g.editorW, g.editorH)
	m.preview.SetSize(g.previewW, g.previewH, m.maxNotes())
	m.preview.SetDeviceKey(m.keys.Device.Help().Key)
	m.payload.Width = m.width
	m.payload.Height = max(1, g.bodyH-2)
	m.help.Width = m.width
}

// View draws the screen: header, the editor and preview (or a picker or view over them), the
// status bar and the help. It only arranges what Update and the commands prepared.
func (m Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return m.tooSmallView()
	}
	g := m.geometry()
	var body string
	switch m.state {
	case stateMentions, stateRobots:
		body = m.sideBySide(g, m.chooser.View(g.editorW, g.editorH+1))
	case stateHistory:
		body = m.historyView(g)
	case stateKept:
		body = m.keptView(g)
	case stateTemplates:
		body = m.sideBySide(g, m.chooser.View(g.editorW, g.editorH+1))
	case stateVars:
		body = m.varsView(g)
	case statePayload:
		body = m.payloadView(g)
	default:
		if m.inlineOpen() {
			body = m.inlineView(g)
		} else {
			body = m.composeView(g)
		}
	}
	switch m.state {
	case stateConfirm:
		body = cell.Overlay(body, m.confirm.dlg.View(m.width), m.width, g.bodyH)
	case stateSending:
		body = cell.Overlay(body, m.sending.View(m.width), m.width, g.bodyH)
	case stateError:
		body = cell.Overlay(body, m.failure.View(m.width), m.width, g.bodyH)
	}
	screen := m.headerView() + "\n" + body + "\n" + m.statusView() + "\n" + m.helpView()
	if m.opts.EastAsian {
		// Box-drawing runes are two cells wide here: cut rather than let lines wrap.
		lines := strings.Split(screen, "\n")
		for i, l := range lines {
			lines[i] = ansi.Truncate(l, m.width, "")
		}
		screen = strings.Join(lines, "\n")
	}
	return screen
}

// composeView is the editor and the preview, side by side or stacked.
func (m *Model) composeView(g layout) string {
	head := m.st.Frame.PaneTitle.Render("Compose") + m.st.Frame.Hint.Render(" "+m.form.Kind().Name())
	editor := cell.Fit(head, g.editorW) + "\n" + m.form.View()
	return m.sideBySide(g, editor)
}

// sideBySide puts left (the editor or a picker, editorH+1 lines) next to or above the preview.
func (m *Model) sideBySide(g layout, left string) string {
	return m.besides(g, left, m.preview.View(g.previewW, g.previewH))
}

// besides puts left next to right on a wide screen, a rule between them, or above it.
func (m *Model) besides(g layout, left, right string) string {
	if !m.wide() {
		return left + "\n" + right
	}
	ll, rl := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	sep := m.st.Frame.Rule.Render("│")
	for i := 0; i < g.bodyH; i++ {
		l, r := "", ""
		if i < len(ll) {
			l = ll[i]
		}
		if i < len(rl) {
			r = rl[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(cell.Fit(l, g.editorW) + " " + sep + " " + r)
	}
	return b.String()
}

// headerView is the name, the five message types with the current one marked, and whether
// the message is sent.
func (m *Model) headerView() string {
	st := m.st
	left := st.Frame.HeaderName.Render(" dingbot ")
	for _, t := range dingtalk.MsgTypes {
		if t == m.form.Kind() {
			left += st.Frame.TabActive.Render(string(t))
		} else {
			left += st.Frame.Tab.Render(string(t))
		}
	}
	left += st.Frame.Hint.Render(" " + m.keys.Type.Help().Key)
	var right string
	switch {
	case m.form.Empty():
	case m.unsent:
		right = st.Frame.Warning.Render("● unsent")
	case m.queuedNow != nil:
		right = st.Frame.Warning.Render("● queued")
	default:
		right = st.Frame.Good.Render("✓ sent")
	}
	if v := headerVersion(m.opts.Version); v != "" {
		right += st.Frame.Version.Render("  " + v + " ")
	}
	return cell.Spread(left, right, m.width)
}

func (m *Model) helpView() string {
	keys := m.helpFor()
	if m.fullHelp && m.state == stateCompose {
		// bubbles/help drops columns that do not fit but pads the last one: cut every line.
		lines := strings.Split(m.fullHelpView(), "\n")
		for i, l := range lines {
			lines[i] = cell.Fit(l, m.width)
		}
		return strings.Join(lines, "\n")
	}
	return cell.Fit(m.help.ShortHelpView(keys.short), m.width)
}

// maxNotes is how many lines of problems and warnings fit under the preview.
func (m *Model) maxNotes() int {
	if m.wide() {
		return 6
	}
	return 3
}

// schedulePreview asks for a render once typing pauses for previewDelay.
func (m *Model) schedulePreview() tea.Cmd {
	return m.after(previewDelay, preview.TickMsg(m.preview.Next()))
}

// renderNow asks for a render at once: a new type, robot, size or mention.
func (m *Model) renderNow() tea.Cmd {
	m.preview.Next()
	return m.startRender()
}

// startRender renders the current version in a command, one render at a time.
func (m *Model) startRender() tea.Cmd {
	if !m.loaded {
		return nil
	}
	msg, empty, mentions := m.previewing()
	return m.preview.Start(preview.Request{
		Msg:      msg,
		Robot:    m.currentRobot(),
		Contacts: m.opts.Contacts,
		Empty:    empty,
		Mentions: mentions,
	})
}

// rendered puts a finished render on screen unless a newer one is already there; a render of
// what is in the editor now also brings the mentions in step with the text.
func (m *Model) rendered(msg preview.RenderedMsg) tea.Cmd {
	again, current, shown := m.preview.Show(msg)
	var next tea.Cmd
	if again {
		next = m.startRender()
	}
	if !shown {
		return next
	}
	if current && m.filling == nil {
		next = tea.Batch(next, m.dropDeletedMentions(preview.Result(msg).InText()))
	}
	m.layout()
	if m.preview.Tracking() {
		m.followCursor()
	}
	return next
}

// switchDevice shows the other device's preview, when the preview shows one.
func (m *Model) switchDevice() tea.Cmd {
	if !m.preview.SwitchDevice() {
		return m.setStatus(statusInfo, "the preview shows PC and phone side by side: the terminal is wide enough for both")
	}
	what := "PC"
	if m.preview.Device() == preview.DevicePhone {
		what = "a phone without the new renderer (tables and code as typed, HTML blank, @names plain)"
	}
	return tea.Batch(m.renderNow(), m.setStatus(statusInfo, "preview on "+what+"; "+m.keys.Device.Help().Key+" switches back"))
}

// followCursor scrolls the preview to the part of the message being edited.
func (m *Model) followCursor() { m.preview.Follow(m.form.Position()) }
