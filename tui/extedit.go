package tui

import (
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// editorReadyMsg says the body was written to a file for $EDITOR.
type editorReadyMsg struct {
	path string
	err  error
}

// editorDoneMsg says $EDITOR exited.
type editorDoneMsg struct {
	path string
	err  error
}

// editorResultMsg carries the edited body back.
type editorResultMsg struct {
	text string
	err  error
}

// openEditor writes the body to a private temporary file in a command; runEditor then hands
// the terminal to $EDITOR.
func (m *Model) openEditor() tea.Cmd {
	if !m.form.hasBody() {
		return m.setStatus(statusWarn, "a feed card has no text to edit")
	}
	dir, body := m.opts.StateDir, m.form.body.Value()
	return func() tea.Msg {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return editorReadyMsg{err: err}
			}
		}
		f, err := os.CreateTemp(dir, "dingbot-*.md")
		if err != nil {
			return editorReadyMsg{err: err}
		}
		_, err = f.WriteString(body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return editorReadyMsg{err: err}
		}
		return editorReadyMsg{path: f.Name()}
	}
}

// editorCommand runs $VISUAL, else $EDITOR, else vi, on the file. As git does, the variable is
// shell text: it may quote a path with spaces or carry arguments ("code --wait"). Windows has
// no sh: there it is split at spaces.
func editorCommand(path string) *exec.Cmd {
	editor := strings.TrimSpace(os.Getenv("VISUAL"))
	if editor == "" {
		editor = strings.TrimSpace(os.Getenv("EDITOR"))
	}
	if editor == "" {
		editor = "vi"
	}
	if runtime.GOOS == "windows" {
		args := strings.Fields(editor)
		return exec.Command(args[0], append(args[1:], path)...)
	}
	return exec.Command("sh", "-c", editor+` "$@"`, editor, path)
}

func (m *Model) runEditor(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		return m.setStatus(statusBad, "could not open the editor: "+msg.err.Error())
	}
	path := msg.path
	return tea.ExecProcess(editorCommand(path), func(err error) tea.Msg { return editorDoneMsg{path: path, err: err} })
}

// editorDone reads the file back in a command and removes it.
func (m *Model) editorDone(msg editorDoneMsg) tea.Cmd {
	path, runErr := msg.path, msg.err
	return func() tea.Msg {
		defer os.Remove(path)
		if runErr != nil {
			return editorResultMsg{err: runErr}
		}
		data, err := os.ReadFile(path)
		return editorResultMsg{text: string(data), err: err}
	}
}

// editorResult puts the edited text into the body; a failed editor changes nothing.
func (m *Model) editorResult(msg editorResultMsg) tea.Cmd {
	if msg.err != nil {
		return m.setStatus(statusBad, "editor: "+msg.err.Error()+"; the text is unchanged")
	}
	text := strings.TrimSuffix(msg.text, "\n")
	if text == m.form.body.Value() {
		return m.setStatus(statusInfo, "no change from the editor")
	}
	m.form.body.SetValue(text)
	m.form.focusField(fieldBody, 0)
	m.preview.follow = true
	return tea.Batch(m.contentChanged(), m.renderNow(), m.setStatus(statusInfo, "text updated from the editor"))
}
