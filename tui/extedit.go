package tui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// editorReadyMsg says the body was written to a file for $EDITOR.
type editorReadyMsg struct {
	path string
	// original is the text written to the file.
	original string
	err      error
}

// editorDoneMsg says $EDITOR exited.
type editorDoneMsg struct {
	path     string
	original string
	err      error
}

// editorResultMsg carries the edited body back, and how the editor ended.
type editorResultMsg struct {
	text     string
	original string
	// runErr is how the editor failed (it may still have written the file); readErr says the
	// file could not be read back, and path where it was left.
	runErr  error
	readErr error
	path    string
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
				dir = "" // an unusable state directory: the system's temporary directory will do
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
		return editorReadyMsg{path: f.Name(), original: body}
	}
}

// editorText is the editor to run: $VISUAL, else $EDITOR, else vi.
func editorText() string {
	editor := strings.TrimSpace(os.Getenv("VISUAL"))
	if editor == "" {
		editor = strings.TrimSpace(os.Getenv("EDITOR"))
	}
	if editor == "" {
		editor = "vi"
	}
	return editor
}

// editorCommand runs $VISUAL, else $EDITOR, else vi, on the file. As git does, the variable is
// shell text: it may quote a path with spaces or carry arguments ("code --wait"). Windows has
// no sh: there it is split at spaces.
func editorCommand(path string) *exec.Cmd {
	editor := editorText()
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
	path, original := msg.path, msg.original
	return tea.ExecProcess(editorCommand(path), func(err error) tea.Msg {
		return editorDoneMsg{path: path, original: original, err: err}
	})
}

// editorDone reads the file back in a command, whatever the editor's exit status: an editor
// that exits non-zero (vim after an error) may have written it. The file is removed once read.
func (m *Model) editorDone(msg editorDoneMsg) tea.Cmd {
	return func() tea.Msg {
		res := editorResultMsg{original: msg.original, runErr: msg.err, path: msg.path}
		data, err := os.ReadFile(msg.path)
		if err != nil {
			res.readErr = err
			return res
		}
		os.Remove(msg.path)
		res.text = string(data)
		return res
	}
}

// editorResult puts the edited text into the body. A failed editor keeps what it wrote, and the
// status says how it ended.
func (m *Model) editorResult(msg editorResultMsg) tea.Cmd {
	if msg.readErr != nil {
		return m.setStatus(statusBad, editorFailure(msg.runErr)+"could not read the edited text back ("+msg.readErr.Error()+"); the text is unchanged")
	}
	text := strings.TrimSuffix(msg.text, "\n")
	changed := text != strings.TrimSuffix(msg.original, "\n")
	if msg.runErr != nil {
		if !changed {
			return m.setStatus(statusBad, editorFailure(msg.runErr)+"the text is unchanged")
		}
		m.setBody(text)
		return tea.Batch(m.contentChanged(), m.renderNow(),
			m.setStatus(statusWarn, editorFailure(msg.runErr)+"your edits were kept: check the text"))
	}
	if !changed || text == m.form.body.Value() {
		return m.setStatus(statusInfo, "no change from the editor")
	}
	m.setBody(text)
	return tea.Batch(m.contentChanged(), m.renderNow(), m.setStatus(statusInfo, "text updated from the editor"))
}

func (m *Model) setBody(text string) {
	m.form.body.SetValue(text)
	m.form.focusField(fieldBody, 0)
	m.preview.follow = true
}

// editorFailure says how the editor ended, naming a command that was not found; "" when it
// exited well.
func editorFailure(err error) string {
	if err == nil {
		return ""
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		switch code := ee.ExitCode(); {
		case code == 127 && runtime.GOOS != "windows":
			return fmt.Sprintf("editor command not found: %s (set $VISUAL or $EDITOR to an installed editor); ", firstWord(editorText()))
		case code == 126 && runtime.GOOS != "windows":
			return fmt.Sprintf("editor %s could not be run (not executable); ", firstWord(editorText()))
		case code >= 0:
			return fmt.Sprintf("the editor (%s) exited with status %d; ", firstWord(editorText()), code)
		}
	}
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Sprintf("editor command not found: %s (set $VISUAL or $EDITOR to an installed editor); ", firstWord(editorText()))
	}
	return "the editor failed (" + err.Error() + "); "
}

// firstWord is the command of shell text, for messages.
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.Trim(f[0], `'"`)
	}
	return s
}
