package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/store"
)

// keptMsg says the editor's unsent draft was kept (or could not be), and what replaces it.
type keptMsg struct {
	action  replacement
	entry   store.Entry
	restore store.Kept
	// kept is the draft that was kept; nil when there was nothing to keep.
	kept *store.Draft
	err  error
}

// keptWhere tells, in a confirmation, what becomes of the unsent draft being replaced.
func (m *Model) keptWhere() string {
	if m.store == nil {
		return "Without a state directory it cannot be brought back."
	}
	return "It is kept: ctrl+z brings it back."
}

// keepThen keeps the editor's unsent draft among the kept drafts, in a command, then does what
// replaces it. If it cannot be kept, nothing is replaced.
func (m *Model) keepThen(reason string, then keptMsg) tea.Cmd {
	if m.store == nil || !m.unsent || m.form.Empty() {
		return m.keptDone(then)
	}
	ds, d, now := m.store, m.snapshot(), m.now()
	then.kept = &d
	return func() tea.Msg {
		then.err = ds.KeepReplaced(d, reason, now)
		return then
	}
}

// keptDone replaces the editor's message once the old one is safe.
func (m *Model) keptDone(msg keptMsg) tea.Cmd {
	if msg.err != nil {
		return m.setStatus(statusBad, "nothing replaced: the unsent draft could not be kept ("+saveProblem(msg.err)+")")
	}
	if msg.kept != nil && !msg.kept.SameContent(m.snapshot()) {
		return m.setStatus(statusWarn, "nothing replaced: the text changed meanwhile (the earlier version is kept: ctrl+z)")
	}
	var cmd tea.Cmd
	switch msg.action {
	case replaceNew:
		cmd = m.clearMessage()
	case replaceReopen:
		cmd = m.reopen(msg.entry)
	case replaceRestore:
		cmd = m.restoreKept(msg.restore)
	}
	if msg.kept != nil {
		m.status.Append(" · the replaced draft is kept: ctrl+z brings it back")
		m.layout()
	}
	return cmd
}

// keptListMsg carries the kept drafts, read in a command.
type keptListMsg struct {
	kept []store.Kept
	err  error
}

// openKept lists the kept drafts: unsent drafts that were replaced, and drafts left by other
// composers.
func (m *Model) openKept() tea.Cmd {
	if m.store == nil {
		return m.setStatus(statusWarn, "no state directory: no drafts are kept")
	}
	m.state = stateKept
	m.kept = nil
	m.chooser = picker.New(m.st, keptTitle, "loading…", nil)
	ds := m.store
	return func() tea.Msg {
		ks, err := ds.ListKept()
		return keptListMsg{kept: ks, err: err}
	}
}

const keptTitle = "Kept drafts · unsent drafts that were replaced, newest first · enter brings one back"

func (m *Model) keptListed(msg keptListMsg) tea.Cmd {
	if m.state != stateKept {
		return nil
	}
	m.kept = msg.kept
	items := make([]picker.Item, len(msg.kept))
	for i, k := range msg.kept {
		title := cell.OneLine(k.Draft.Title)
		if title == "" {
			title = cell.OneLine(firstLine(k.Draft.Body))
		}
		if title == "" && len(k.Draft.Links) > 0 {
			title = cell.OneLine(k.Draft.Links[0].Title)
		}
		if title == "" {
			title = "(no title)"
		}
		items[i] = picker.Item{
			Label:  k.Time.Local().Format("Jan 02 15:04") + "  " + title,
			Detail: string(k.Draft.Type) + " · " + k.Reason,
		}
	}
	m.chooser = picker.New(m.st, keptTitle, "no kept drafts: an unsent draft that ctrl+n, the history or a file replaces is kept here", items)
	if msg.err != nil && !errors.Is(msg.err, fs.ErrNotExist) {
		return m.setStatus(statusBad, "kept drafts: "+msg.err.Error())
	}
	return nil
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "#>-*+ ")); t != "" {
			return t
		}
	}
	return ""
}

// keptView lists the kept drafts with the highlighted one's text below.
func (m *Model) keptView(g layout) string {
	text := ""
	if i := m.chooser.Current(); i >= 0 && i < len(m.kept) {
		d := m.kept[i].Draft
		text = d.Body
		if text == "" {
			text = d.Title
		}
	}
	return m.listView(g, len(m.kept), text)
}

// restoreKept puts a kept draft back into the editor, saves it there and then removes the kept
// copy (only once the save worked).
func (m *Model) restoreKept(k store.Kept) tea.Cmd {
	m.restore(k.Draft)
	m.unsent = !m.form.Empty()
	m.state = stateCompose
	m.preview.Track()
	m.draftSeq++
	m.draftDirty = false
	ds, seq, d := m.store, m.draftSeq, m.snapshot()
	save := func() tea.Msg {
		err := ds.Save(seq, d)
		if err == nil {
			_ = ds.DropKept(k)
		}
		return draftSavedMsg{seq: seq, err: err}
	}
	return tea.Batch(m.renderNow(), m.refreshSendsLeft(), save,
		m.setStatus(statusInfo, fmt.Sprintf("brought back the %s %s %s", d.Type.Name(), k.Reason, k.Time.Local().Format("Jan 02 15:04"))))
}

// saveProblem says why the draft is not saved, naming the directory and the fix.
func saveProblem(err error) string {
	var se *dingtalk.StateError
	if !errors.As(err, &se) {
		return err.Error()
	}
	cause := se.Err
	for {
		var pe *fs.PathError
		if errors.As(cause, &pe) && pe.Err != cause {
			cause = pe.Err
			continue
		}
		break
	}
	return fmt.Sprintf("the state directory %s cannot be used (%s: %v): make it writable, or set DINGBOT_STATE_DIR to a writable directory", se.Dir, se.Op, cause)
}
