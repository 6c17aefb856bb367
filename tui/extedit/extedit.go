// Package extedit hands a text to the user's editor ($VISUAL, else $EDITOR, else vi) and back,
// as a chain of Bubble Tea commands: Prepare writes a private temporary file, Run hands the
// terminal to the editor, Collect reads the file back. Each step's result is a message.
package extedit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// ReadyMsg says the text was written to a file for the editor.
type ReadyMsg struct {
	Path string
	// Original is the text written to the file.
	Original string
	// Line is the line the editor opens at, from 1; 0 leaves it to the editor.
	Line int
	Err  error
}

// DoneMsg says the editor exited.
type DoneMsg struct {
	Path     string
	Original string
	Err      error
}

// ResultMsg carries the edited text back, and how the editor ended.
type ResultMsg struct {
	Text     string
	Original string
	// RunErr is how the editor failed (it may still have written the file); ReadErr says the
	// file could not be read back, and Path where it was left.
	RunErr  error
	ReadErr error
	Path    string
}

// Prepare writes text to a private temporary file in dir (the system's temporary directory
// when dir is empty or unusable), in a command. The editor opens it where it likes (PrepareAt
// names the line).
func Prepare(dir, text string) tea.Cmd { return PrepareAt(dir, text, 0) }

// PrepareAt is Prepare for an editor that opens the file at line (from 1; 0 for none): the line
// of the cursor, so that the user goes on where they were.
func PrepareAt(dir, text string, line int) tea.Cmd {
	return func() tea.Msg {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				dir = "" // an unusable state directory: the system's temporary directory will do
			}
		}
		f, err := os.CreateTemp(dir, "dingbot-*.md")
		if err != nil {
			return ReadyMsg{Err: err}
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return ReadyMsg{Err: err}
		}
		return ReadyMsg{Path: f.Name(), Original: text, Line: max(0, line)}
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

// Command runs $VISUAL, else $EDITOR, else vi, on the file, at line when it is above 0 and
// the editor is one that takes a line (see Args). As git does, the variable is shell text: it
// may quote a path with spaces or carry arguments ("code --wait"). Windows has no sh: there it
// is split at spaces.
func Command(path string, line int) *exec.Cmd {
	editor := editorText()
	args := Args(firstWord(editor), path, line)
	if runtime.GOOS == "windows" {
		words := strings.Fields(editor)
		return exec.Command(words[0], append(words[1:], args...)...)
	}
	return exec.Command("sh", append([]string{"-c", editor + ` "$@"`, editor}, args...)...)
}

// Args are the arguments that open path at line in the editor run by command (a name or a
// path): "+LINE FILE" for the vi family, Emacs, nano, micro, Kakoune and others that take it,
// "FILE:LINE" for Helix (every version reads it; only recent ones take +LINE), "--goto
// FILE:LINE" for VS Code and its kin; just the file for an editor not known here, or no line.
func Args(command, path string, line int) []string {
	if line <= 0 {
		return []string{path}
	}
	name := strings.ToLower(strings.TrimSuffix(filepath.Base(command), ".exe"))
	switch name {
	case "vi", "vim", "nvim", "gvim", "mvim", "nvi", "view", "vim.basic", "vim.tiny",
		"emacs", "emacsclient", "nano", "pico", "micro", "kak", "joe", "mg", "jed", "ne", "gedit":
		return []string{"+" + strconv.Itoa(line), path}
	case "hx", "helix", "subl", "sublime_text", "zed":
		return []string{path + ":" + strconv.Itoa(line)}
	case "code", "code-insiders", "codium", "vscodium", "cursor", "windsurf":
		return []string{"--goto", path + ":" + strconv.Itoa(line)}
	}
	return []string{path}
}

// Run hands the terminal to the editor on a prepared file (msg.Err must be nil).
func Run(msg ReadyMsg) tea.Cmd {
	path, original := msg.Path, msg.Original
	return tea.ExecProcess(Command(path, msg.Line), func(err error) tea.Msg {
		return DoneMsg{Path: path, Original: original, Err: err}
	})
}

// Collect reads the file back in a command, whatever the editor's exit status: an editor that
// exits non-zero (vim after an error) may have written it. The file is removed once read.
func Collect(msg DoneMsg) tea.Cmd {
	return func() tea.Msg {
		res := ResultMsg{Original: msg.Original, RunErr: msg.Err, Path: msg.Path}
		data, err := os.ReadFile(msg.Path)
		if err != nil {
			res.ReadErr = err
			return res
		}
		os.Remove(msg.Path)
		res.Text = string(data)
		return res
	}
}

// Failure says how the editor ended, naming a command that was not found, ending in "; " for
// what follows; "" when it exited well.
func Failure(err error) string {
	if err == nil {
		return ""
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		switch code := ee.ExitCode(); {
		case code == 127 && runtime.GOOS != "windows":
			return notFound()
		case code == 126 && runtime.GOOS != "windows":
			return fmt.Sprintf("editor %s could not be run (not executable); ", firstWord(editorText()))
		case code >= 0:
			return fmt.Sprintf("the editor (%s) exited with status %d; ", firstWord(editorText()), code)
		}
	}
	if errors.Is(err, exec.ErrNotFound) {
		return notFound()
	}
	return "the editor failed (" + err.Error() + "); "
}

// notFound says the editor is not installed, and what to do.
func notFound() string {
	return fmt.Sprintf("editor %q not found: set $VISUAL or $EDITOR to an installed editor (e.g. nano); ", firstWord(editorText()))
}

// firstWord is the command of shell text, for messages.
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.Trim(f[0], `'"`)
	}
	return s
}
