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

// openMentions shows the contacts to add. People already mentioned are marked, not ticked:
// the picker adds mentions; deleting an @handle from the text removes one.
func (m *Model) openMentions() tea.Cmd {
	if !m.form.CanMention() {
		return m.setStatus(statusWarn, m.form.Kind().Name()+"s cannot mention anyone: use text, markdown or an action card")
	}
	items := make([]picker.Item, len(m.opts.Contacts))
	opts := []picker.Option{picker.Multi()}
	for i, c := range m.opts.Contacts {
		items[i] = picker.Item{Label: c.Name, Detail: contactDetail(c), Also: []string{c.Mobile, c.UserID}}
		if m.form.IsMentioned(c) {
			opts = append(opts, picker.Note(i, "(mentioned)"))
		}
	}
	m.chooser = picker.New(m.st, "Mention · tab ticks, enter inserts",
		"no contacts: add [[contacts]] with a name and mobile to the config", items, opts...)
	m.state = stateMentions
	return nil
}

func contactDetail(c dingtalk.Contact) string {
	var parts []string
	if c.Mobile != "" {
		parts = append(parts, c.Mobile)
	}
	if c.UserID != "" {
		parts = append(parts, "userId "+c.UserID)
	}
	return strings.Join(parts, " · ")
}

// applyMentions mentions the chosen contacts (the form writes their @handle at the cursor) and
// says who, or why someone could not be.
func (m *Model) applyMentions(chosen []int) tea.Cmd {
	cs := make([]dingtalk.Contact, len(chosen))
	for i, c := range chosen {
		cs[i] = m.opts.Contacts[c]
	}
	names, warn, ok := m.form.Mention(cs)
	if !ok {
		return m.setStatus(statusBad, fmt.Sprintf("DingTalk notifies at most %d people per message", dingtalk.MaxMentions))
	}
	m.state = stateCompose
	cmds := []tea.Cmd{m.contentChanged()}
	if warn != "" {
		cmds = append(cmds, m.setStatus(statusWarn, warn))
	} else if len(names) > 0 {
		cmds = append(cmds, m.setStatus(statusInfo, "mentioned "+strings.Join(names, ", ")+" · delete an @handle from the text to unmention"))
	}
	return tea.Batch(cmds...)
}

// dropDeletedMentions unmentions those whose @handle was deleted from the text (see
// editor.Form.Forget), and says so.
func (m *Model) dropDeletedMentions(inText map[dingtalk.Contact]bool) tea.Cmd {
	dropped := m.form.Forget(inText)
	if len(dropped) == 0 {
		return nil
	}
	return tea.Batch(m.contentChanged(), m.setStatus(statusInfo, strings.Join(dropped, ", ")+" no longer mentioned: the @handle was deleted from the text"))
}

// toggleAtAll switches @all.
func (m *Model) toggleAtAll() tea.Cmd {
	if !m.form.CanAtAll() {
		return m.setStatus(statusWarn, "only text and markdown messages can @all")
	}
	text := "@all off"
	if m.form.ToggleAtAll() {
		text = "@all on: everyone in the group is notified"
	}
	return tea.Batch(m.contentChanged(), m.setStatus(statusInfo, text))
}

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
