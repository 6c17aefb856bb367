package tui

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/preview"
)

// exportView is the payload view's state: its tabs (JSON, curl, dingbot send), the one shown,
// and the file prompt of w.
type exportView struct {
	tabs []preview.Export
	tab  int
	// prompt asks where w writes; nil when closed. overwrite is the path that exists and waits
	// for a yes.
	prompt    *textinput.Model
	overwrite string
	// wide says a line of the tab is wider than the screen: ←/→ scroll to it.
	wide bool
	// out is where the OSC 52 sequence of c goes: the terminal (nil: standard output, which the
	// program draws on).
	out io.Writer
}

// payloadEvent is a message of the payload view.
type payloadEvent interface{ payloadEvent() }

// payloadMsg is the payload view's tabs, built in a command.
type payloadMsg []preview.Export

// exportWrittenMsg is the outcome of writing an export to a file.
type exportWrittenMsg struct {
	path   string
	exists bool // the file exists and nothing was written
	err    error
}

func (payloadMsg) payloadEvent()       {}
func (exportWrittenMsg) payloadEvent() {}

// payloadKeys are the payload view's own keys.
var payloadKeys = struct {
	Tab, Copy, Write, Sideways, Scroll, Close key.Binding
}{
	Tab:      key.NewBinding(key.WithKeys("tab", "shift+tab", "1", "2", "3"), key.WithHelp("tab", "JSON/curl/dingbot send")),
	Copy:     key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy")),
	Write:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write to a file")),
	Sideways: key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "sideways")),
	Scroll:   key.NewBinding(key.WithKeys("up", "down", "pgup", "pgdown"), key.WithHelp("↑/↓/pgup/pgdn", "scroll")),
	Close:    key.NewBinding(key.WithKeys("esc", "q", "alt+p", "f4"), key.WithHelp("esc", "close")),
}

// payloadHelp is the help line of the payload view.
func (m *Model) payloadHelp() []key.Binding {
	if m.export.overwrite != "" {
		return []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "overwrite")), key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "another name"))}
	}
	if m.export.prompt != nil {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "write")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	k := payloadKeys
	return []key.Binding{k.Tab, k.Copy, k.Write, k.Sideways, k.Scroll, k.Close}
}

// openPayload shows the exact request that would be sent, and its exports.
func (m *Model) openPayload() tea.Cmd {
	// Opened afresh, it starts at the top with the tab last shown; rebuilt for a new width, it
	// keeps its place and the file prompt.
	if m.state != statePayload {
		m.payload.GotoTop()
		m.payload.SetXOffset(0)
		m.export.tabs, m.export.prompt, m.export.overwrite = nil, nil, ""
		m.payload.SetContent(m.st.Frame.Hint.Render("preparing…"))
	}
	m.state = statePayload
	m.payload.SetHorizontalStep(8)
	msg, r, now, width, contacts := m.form.Message(), m.currentRobot(), m.now(), m.width, m.opts.Contacts
	t := m.exportTarget()
	return func() tea.Msg { return payloadMsg(preview.Exports(r, msg, now, width, contacts, t)) }
}

// exportTarget is how a `dingbot send` line names the current robot: --sandbox for the
// built-in sandbox (the only robot when none is configured), else --robot NAME.
func (m *Model) exportTarget() export.Target {
	r := m.currentRobot()
	if len(m.opts.Robots) == 1 && r.Name == "sandbox" {
		if ep, err := r.Endpoint(); err == nil && ep.Token == "sandbox" {
			if u, err := url.Parse(ep.URL); err == nil {
				if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
					return export.Target{Sandbox: true}
				}
			}
		}
	}
	return export.Target{Robot: r.Name}
}

// onPayload handles the payload view's messages.
func (m *Model) onPayload(msg payloadEvent) tea.Cmd {
	switch msg := msg.(type) {
	case payloadMsg:
		m.export.tabs = msg
		m.showTab()
	case exportWrittenMsg:
		switch {
		case msg.exists:
			m.export.overwrite = msg.path
			return m.setStatus(statusWarn, msg.path+" exists: y overwrites it, n chooses another name")
		case msg.err != nil:
			return m.setStatus(statusBad, "not written: "+msg.err.Error())
		}
		m.export.prompt, m.export.overwrite = nil, ""
		return m.setStatus(statusInfo, "wrote "+msg.path+" (mode 0600)")
	}
	return nil
}

// showTab puts the current tab's text in the view.
func (m *Model) showTab() {
	if len(m.export.tabs) == 0 {
		return
	}
	m.export.tab = (m.export.tab + len(m.export.tabs)) % len(m.export.tabs)
	m.payloadText = m.export.tabs[m.export.tab].Show
	m.payload.SetContent(m.payloadText)
	m.export.wide = false
	for _, l := range strings.Split(m.payloadText, "\n") {
		if ansi.StringWidth(l) > m.payload.Width {
			m.export.wide = true
			break
		}
	}
}

// current is the tab shown, if the tabs are in.
func (m *Model) current() (preview.Export, bool) {
	if len(m.export.tabs) == 0 {
		return preview.Export{}, false
	}
	return m.export.tabs[m.export.tab], true
}

// payloadKey handles a key in the payload view.
func (m *Model) payloadKey(msg tea.KeyMsg) tea.Cmd {
	e := &m.export
	switch {
	case e.overwrite != "":
		switch msg.String() {
		case "y", "Y":
			path := e.overwrite
			e.overwrite = ""
			return m.writeExport(path, true)
		case "n", "N", "esc":
			e.overwrite = ""
		}
		return nil
	case e.prompt != nil:
		if key.Matches(msg, m.keys.Quit) {
			e.prompt = nil
			return m.askQuit()
		}
		switch msg.String() {
		case "esc":
			e.prompt = nil
			m.layout()
			return nil
		case "enter":
			path := strings.TrimSpace(e.prompt.Value())
			if path == "" {
				return m.setStatus(statusWarn, "give a file name")
			}
			return m.writeExport(path, false)
		}
		var cmd tea.Cmd
		*e.prompt, cmd = e.prompt.Update(msg)
		return cmd
	}
	if textRun(msg) {
		return nil
	}
	k := payloadKeys
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.askQuit()
	case key.Matches(msg, k.Close):
		m.state = stateCompose
	case key.Matches(msg, k.Tab):
		switch msg.String() {
		case "tab":
			e.tab++
		case "shift+tab":
			e.tab--
		default:
			e.tab = int(msg.Runes[0] - '1')
		}
		m.payload.GotoTop()
		m.payload.SetXOffset(0)
		m.showTab()
	case key.Matches(msg, k.Copy):
		return m.copyExport()
	case key.Matches(msg, k.Write):
		t, ok := m.current()
		if !ok || t.Copy == "" {
			return m.setStatus(statusWarn, "nothing to write: the JSON tab says why")
		}
		in := textinput.New()
		in.Prompt = "write " + t.Name + " to: "
		in.SetValue(t.File)
		in.CursorEnd()
		in.Width = max(10, m.width-lenRunes(in.Prompt)-2)
		// A steady cursor: a blinking one would tick for as long as the prompt is open.
		in.Cursor.SetMode(cursor.CursorStatic)
		in.Focus()
		e.prompt = &in
		return nil
	default:
		var cmd tea.Cmd
		m.payload, cmd = m.payload.Update(msg)
		return cmd
	}
	return nil
}

func lenRunes(s string) int { return len([]rune(s)) }

// copyExport copies the tab's export to the clipboard with OSC 52, through the terminal.
func (m *Model) copyExport() tea.Cmd {
	t, ok := m.current()
	if !ok || t.Copy == "" {
		return m.setStatus(statusWarn, "nothing to copy: the JSON tab says why")
	}
	out := m.export.out
	if out == nil {
		out = m.terminal
	}
	if out == nil {
		return m.setStatus(statusWarn, "nothing copied: no terminal to pass the copy to (OSC 52)")
	}
	text := t.Copy
	return tea.Batch(func() tea.Msg {
		termenv.NewOutput(out).Copy(text)
		return nil
	}, m.setStatus(statusInfo, "copied "+t.What+" (OSC 52: your terminal must allow it)"))
}

// writeExport writes the tab's export to path (0600), in a command. It never replaces a file
// unless overwrite: an existing file is reported, for the user to say yes.
func (m *Model) writeExport(path string, overwrite bool) tea.Cmd {
	t, ok := m.current()
	if !ok || t.Copy == "" {
		return nil
	}
	data := t.Copy
	if strings.HasSuffix(path, ".sh") && t.Name != "JSON" {
		data = "#!/usr/bin/env bash\n" + data
	}
	return func() tea.Msg {
		p := path
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(home, rest)
			}
		}
		flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if overwrite {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(p, flags, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return exportWrittenMsg{path: path, exists: true}
		}
		if err != nil {
			return exportWrittenMsg{path: path, err: err}
		}
		_, err = f.WriteString(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil && overwrite {
			err = os.Chmod(p, 0o600)
		}
		if err != nil {
			return exportWrittenMsg{path: path, err: fmt.Errorf("write %s: %w", path, err)}
		}
		return exportWrittenMsg{path: path}
	}
}

// payloadView is the payload over the whole body: the tabs, the tab's text (scrolling both
// ways) and, while w asks, the file prompt.
func (m *Model) payloadView(g layout) string {
	title := m.st.Frame.PaneTitle.Render("Payload") + m.st.Frame.Hint.Render(" · robot "+m.currentRobot().Name+"  ")
	for i, t := range m.export.tabs {
		style := m.st.Frame.Tab
		if i == m.export.tab {
			style = m.st.Frame.TabActive
		}
		title += style.Render(t.Name)
	}
	pos := ""
	vp := m.payload
	if m.export.prompt != nil || m.export.overwrite != "" {
		vp.Height = max(1, vp.Height-1)
	}
	if m.export.wide {
		pos = "wider than the screen: → scrolls  "
		if x := vp.HorizontalScrollPercent(); x > 0 {
			pos = fmt.Sprintf("← %3.0f%% →  ", x*100)
		}
	}
	if vp.TotalLineCount() > vp.Height {
		pos += fmt.Sprintf("%3.0f%%", vp.ScrollPercent()*100)
	}
	lines := []string{cell.Spread(title, m.st.Frame.Hint.Render(pos), m.width), m.st.Frame.Rule.Render(cell.Rule(m.width))}
	lines = append(lines, strings.Split(vp.View(), "\n")...)
	bottom := ""
	switch {
	case m.export.overwrite != "":
		bottom = m.st.Frame.PaneTitle.Render(m.export.overwrite+" exists: overwrite it?") + m.st.Frame.Hint.Render("  y overwrites · n chooses another name")
	case m.export.prompt != nil:
		bottom = m.export.prompt.View()
	}
	for len(lines) < g.bodyH {
		lines = append(lines, "")
	}
	lines = lines[:g.bodyH]
	if bottom != "" {
		lines[g.bodyH-1] = bottom
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}
