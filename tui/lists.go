package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/history"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/store"
)

// openMentions opens the mention picker (alt+m, f3). In the body it writes the "@" at the cursor
// and opens the picker inline, as if the "@" had been typed; elsewhere it opens the picker with
// a filter of its own, and the handles chosen go to the body's cursor. People already mentioned
// are marked: the picker adds mentions; deleting an @handle from the text removes one.
func (m *Model) openMentions() tea.Cmd {
	if !m.form.CanMention() {
		return m.setStatus(statusWarn, m.form.Kind().Name()+"s cannot mention anyone: use text, markdown or an action card")
	}
	if m.form.Focused().Field == editor.FieldBody {
		at := "@"
		if w, _ := m.form.WordBeforeCursor(); w != "" {
			if _, ok := mentionQuery(w + "@"); !ok {
				at = " @"
			}
		}
		m.form.ReplaceBeforeCursor(0, at)
		m.chooser = m.mentionPicker("", picker.Tag(atWritten(at)))
		return m.contentChanged()
	}
	items, opts := m.mentionItems()
	m.chooser = picker.New(m.st, "Mention · tab ticks, enter inserts",
		"no contacts: add [[contacts]] with a name and mobile (or user_id) to the config", items, append(opts, picker.Multi())...)
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

// applyMentions mentions the chosen entries of the mention picker (the editor writes their
// @handle at the body's cursor) and says who, or why someone could not be.
func (m *Model) applyMentions(chosen []int) tea.Cmd {
	items := make([]picker.Item, len(chosen))
	for i, c := range chosen {
		items[i] = m.chooser.Item(c)
	}
	m.state = stateCompose
	return m.mentionChosen(items, 0)
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

// openRobots shows the robots, the current one under the cursor, and after them the robots
// configured but unusable here, greyed with the reason (they cannot be chosen).
func (m *Model) openRobots() tea.Cmd {
	items := make([]picker.Item, 0, len(m.opts.Robots)+len(m.opts.Unavailable))
	for _, r := range m.opts.Robots {
		items = append(items, picker.Item{Label: r.Name, Detail: robotDetail(r)})
	}
	for _, u := range m.opts.Unavailable {
		items = append(items, picker.Item{Label: u.Name, Off: "unavailable: " + u.Reason})
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

// historyLoadedMsg carries the history, read in a command (after a delete or a restore too).
type historyLoadedMsg struct {
	entries []store.Entry
	err     error
	// deleted or restored is the entry just deleted or brought back; undo the deletions
	// ctrl+z can take back, the last one last; at the entry to highlight, query the filter.
	deleted, restored *store.Entry
	undo              historyUndo
	at                int
	query             string
}

// historyUndo are the history entries deleted since the history was opened, the last one last:
// ctrl+z brings them back one by one.
type historyUndo []store.Entry

// historyTag is what the history picker keeps (picker.Tag): the deletions ctrl+z can take back,
// and the preview of the highlighted entry, drawn again only when it or the width changes.
type historyTag struct {
	undo       historyUndo
	previewKey string
	preview    string
}

// historySavedMsg says a change to the history failed (or not).
type historySavedMsg struct{ err error }

const historyTitle = "History · sent messages, newest first · enter reopens · ctrl+x deletes"

// openHistory shows the history; it is read in a command.
func (m *Model) openHistory() tea.Cmd {
	if m.store == nil {
		return m.setStatus(statusWarn, "no state directory: there is no history")
	}
	m.state = stateHistory
	m.entries = nil
	m.chooser = picker.New(m.st, historyTitle, "loading…", nil)
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
	now := m.now()
	items := make([]picker.Item, len(msg.entries))
	for i, e := range msg.entries {
		items[i] = picker.Item{
			Label:  cell.Pad(relativeTime(e.Time, now), 17) + e.Status.Mark() + " " + entrySummary(e.Message),
			Detail: entryDetail(e),
			Also:   []string{e.Robot, string(e.Face), e.Status.Label()},
		}
	}
	m.chooser = picker.New(m.st, historyTitle, "nothing sent yet", items,
		picker.Deletable(), picker.Tag(&historyTag{undo: msg.undo}), picker.Query(msg.query), picker.At(min(msg.at, len(items)-1)))
	render := m.renderHistoryPreview()
	switch {
	case msg.err != nil:
		return tea.Batch(render, m.setStatus(statusBad, "history: "+msg.err.Error()))
	case msg.deleted != nil:
		return tea.Batch(render, m.setStatus(statusInfo, fmt.Sprintf("deleted %q (%s) from the history · ctrl+z brings it back",
			entrySummary(msg.deleted.Message), relativeTime(msg.deleted.Time, now))))
	case msg.restored != nil:
		return tea.Batch(render, m.setStatus(statusInfo, fmt.Sprintf("brought back %q (%s)", entrySummary(msg.restored.Message), relativeTime(msg.restored.Time, now))))
	}
	return render
}

// listAction acts on what a list's key asked for besides choosing and closing: in the history,
// delete the highlighted message (ctrl+x, delete) or bring the last one deleted back (ctrl+z).
// Wiring (keys.go, handleKey's list case): every picker.Action other than Chosen and Canceled
// comes here: default: if a != nil { return m, m.listAction(a) }.
func (m *Model) listAction(a picker.Action) tea.Cmd {
	if m.state != stateHistory || m.store == nil {
		return nil
	}
	var undo historyUndo
	if tag, ok := m.chooser.Tag().(*historyTag); ok {
		undo = tag.undo
	}
	ds, query := m.store, m.chooser.Query()
	switch a := a.(type) {
	case picker.Delete:
		if a.Index < 0 || a.Index >= len(m.entries) {
			return nil
		}
		e := m.entries[a.Index]
		undo = append(undo[:len(undo):len(undo)], e)
		return func() tea.Msg {
			if err := ds.Delete(e); err != nil {
				es, _ := ds.Latest()
				return historyLoadedMsg{entries: es, err: fmt.Errorf("could not delete: %w", err), undo: undo[:len(undo)-1], at: a.Index, query: query}
			}
			es, err := ds.Latest()
			return historyLoadedMsg{entries: es, err: err, deleted: &e, undo: undo, at: a.Index, query: query}
		}
	case picker.Undo:
		if len(undo) == 0 {
			return m.setStatus(statusInfo, "nothing deleted to bring back")
		}
		e := undo[len(undo)-1]
		undo = undo[:len(undo)-1]
		return func() tea.Msg {
			if err := ds.Restore(e); err != nil {
				es, _ := ds.Latest()
				return historyLoadedMsg{entries: es, err: fmt.Errorf("could not bring it back: %w", err), undo: append(undo, e), query: query}
			}
			es, err := ds.Latest()
			at := 0
			for i, o := range es {
				if o.Time.Equal(e.Time) && o.Robot == e.Robot {
					at = i
					break
				}
			}
			return historyLoadedMsg{entries: es, err: err, restored: &e, undo: undo, at: at, query: query}
		}
	}
	return nil
}

// relativeTime says when, as people say it: "just now", "5 min ago", "today 09:12",
// "yesterday 14:02", "Mon 14:02", "Mar 02 14:02", "2024-03-02".
func relativeTime(t, now time.Time) string {
	t = t.In(now.Location())
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Format("Jan 02 15:04")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	}
	day := func(x time.Time) time.Time {
		y, mo, dd := x.Date()
		return time.Date(y, mo, dd, 0, 0, 0, 0, x.Location())
	}
	days := int(day(now).Sub(day(t)).Hours()/24 + 0.5)
	switch {
	case days == 0:
		return "today " + t.Format("15:04")
	case days == 1:
		return "yesterday " + t.Format("15:04")
	case days < 7:
		return t.Format("Mon 15:04")
	case t.Year() == now.Year():
		return t.Format("Jan 02 15:04")
	}
	return t.Format("2006-01-02")
}

// entryDetail is a history row's second part: robot, type, who was notified, the face it was
// sent from when not the composer, and what became of it unless delivered.
func entryDetail(e store.Entry) string {
	parts := []string{e.Robot, e.MsgType.Name()}
	if at := e.Message.At; at != nil {
		if n := len(at.AtMobiles) + len(at.AtUserIDs); n == 1 {
			parts = append(parts, "1 mention")
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d mentions", n))
		}
		if at.IsAtAll {
			parts = append(parts, "@all")
		}
	}
	if e.Face != "" && e.Face != history.FaceComposer {
		parts = append(parts, "from "+string(e.Face))
	}
	switch e.Status {
	case history.Delivered, "":
	case history.Failed:
		what := "✗ failed"
		if e.Errcode != 0 {
			what += fmt.Sprintf(" · errcode %d %s", e.Errcode, cell.OneLine(plainText(e.Errmsg)))
		} else if e.Errmsg != "" {
			what += ": " + cell.OneLine(plainText(e.Errmsg))
		}
		parts = append(parts, what)
	default:
		parts = append(parts, e.Status.Mark()+" "+e.Status.Label())
	}
	return strings.Join(parts, " · ")
}

// entrySummary is the title of a message, or the first line of its text with the markdown and
// any control characters taken out.
func entrySummary(msg dingtalk.Message) string {
	if t := cell.OneLine(plainText(msg.Title())); t != "" && (msg.Type != dingtalk.TypeText) {
		return t
	}
	for _, l := range strings.Split(plainText(msg.Body()), "\n") {
		if l = cell.OneLine(stripMarkdown(l)); l != "" {
			return l
		}
	}
	if t := cell.OneLine(plainText(msg.Title())); t != "" {
		return t
	}
	return "(no text)"
}

// plainText drops escape sequences and control characters, keeping line breaks and tabs.
func plainText(s string) string {
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) {
			return -1
		}
		return r
	}, s)
}

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdLead     = regexp.MustCompile(`^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+\[[ xX]\]\s+|[-*+]\s+|\d+[.)]\s+)+`)
	mdEmphasis = regexp.MustCompile("\\*\\*|__|~~|`+|\\*")
	mdRule     = regexp.MustCompile("^\\s*(?:[-*_=]\\s*){3,}$|^\\s*(?:```|~~~)")
)

// stripMarkdown is one line of markdown as read: no heading, quote or list marks, links and
// images as their text, no emphasis marks; rules and code fences are empty.
func stripMarkdown(l string) string {
	if mdRule.MatchString(l) {
		return ""
	}
	l = mdLead.ReplaceAllString(l, "")
	l = mdImage.ReplaceAllString(l, "$1")
	l = mdLink.ReplaceAllString(l, "$1")
	return mdEmphasis.ReplaceAllString(l, "")
}

// recordSends makes client file every send it posts in the store's history, as sent from the
// composer, unless it files them already (dingbot's app gives every face's client the hook).
// It sets the client itself, so an outbox delivering with the same client files its sends too.
func recordSends(client *dingtalk.Client, s *store.Store) {
	if client == nil || s == nil || client.Posted != nil {
		return
	}
	now := func() time.Time {
		if client.Now != nil {
			return client.Now()
		}
		return time.Now()
	}
	client.Posted = s.History().Recorder(func() history.Face { return history.FaceComposer }, now, nil)
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

// historyView lists the history over the whole body, with the highlighted message below as
// DingTalk shows it, for the robot it went to and the contacts as they are now. The preview is
// rendered in a command (renderHistoryPreview); until it is back, the view says so.
func (m *Model) historyView(g layout) string {
	var below []string
	if key, ok := m.historyPreviewKey(); ok {
		tag, _ := m.chooser.Tag().(*historyTag)
		if tag != nil && tag.previewKey == key {
			below = strings.Split(tag.preview, "\n")
		} else {
			below = []string{m.st.List.Muted.Render("drawing the preview…")}
		}
	}
	return m.listViewWith(g, len(m.entries), below)
}

// historyPreviewMsg is the highlighted history entry drawn as DingTalk shows it.
type historyPreviewMsg struct{ key, text string }

// historyPreviewKey names what the history preview shows now: the highlighted entry at the
// screen's width. ok is false when nothing is highlighted.
func (m *Model) historyPreviewKey() (string, bool) {
	if m.state != stateHistory || m.chooser == nil {
		return "", false
	}
	i := m.chooser.Current()
	if i < 0 || i >= len(m.entries) {
		return "", false
	}
	e := m.entries[i]
	return fmt.Sprintf("%d/%d/%s/%s", i, m.width, e.Robot, e.Time.Format(time.RFC3339Nano)), true
}

// renderHistoryPreview draws the highlighted entry in a command, off the UI goroutine, when the
// highlight or the width changed since the last one drawn.
func (m *Model) renderHistoryPreview() tea.Cmd {
	key, ok := m.historyPreviewKey()
	if !ok {
		return nil
	}
	if tag, _ := m.chooser.Tag().(*historyTag); tag == nil || tag.previewKey == key {
		return nil
	}
	e := m.entries[m.chooser.Current()]
	r := dingtalk.Robot{Name: e.Robot}
	for _, o := range m.opts.Robots {
		if o.Name == e.Robot {
			r = o
		}
	}
	req := preview.Request{Msg: e.Message, Robot: r, Contacts: m.opts.Contacts, Width: m.width, Markdown: m.md, Styles: m.st}
	muted := m.st.List.Muted
	return func() tea.Msg {
		text := preview.Render(req).Content()
		if strings.TrimSpace(ansi.Strip(text)) == "" {
			text = muted.Render(plainText(e.Message.Body()))
		}
		return historyPreviewMsg{key: key, text: text}
	}
}

// historyPreviewed keeps a drawn preview if it is still the one to show.
func (m *Model) historyPreviewed(msg historyPreviewMsg) {
	if key, ok := m.historyPreviewKey(); ok && key == msg.key {
		if tag, _ := m.chooser.Tag().(*historyTag); tag != nil {
			tag.previewKey, tag.preview = msg.key, msg.text
		}
	}
}

// listView is the chooser over the whole body, with the text of the highlighted item below.
func (m *Model) listView(g layout, n int, text string) string {
	var detail []string
	for _, l := range strings.Split(text, "\n") {
		detail = append(detail, m.st.List.Muted.Render(l))
	}
	if text == "" {
		detail = nil
	}
	return m.listViewWith(g, n, detail)
}

// listViewWith is the chooser over the whole body, with the lines given (drawn already) below.
func (m *Model) listViewWith(g layout, n int, below []string) string {
	listH := min(max(6, n+4), max(6, g.bodyH/2))
	list := m.chooser.View(m.width, listH)
	var detail []string
	if len(below) > 0 {
		detail = append(append(detail, m.st.List.Rule.Render(cell.Rule(m.width))), below...)
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
	// apply, when set, is what replaces it instead of action (a template applied).
	apply func(*Model) tea.Cmd
	// kept is the draft that was kept; nil when there was nothing to keep.
	kept *store.Draft
	err  error
}

// keptWhere tells, in a confirmation, what becomes of the unsent draft being replaced.
func (m *Model) keptWhere() string {
	if m.store == nil {
		return "Without a state directory it cannot be brought back."
	}
	return "It is kept: " + m.keys.Kept.Help().Key + " brings it back."
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
		return m.setStatus(statusWarn, "nothing replaced: the text changed meanwhile (the earlier version is kept: "+m.keys.Kept.Help().Key+")")
	}
	var cmd tea.Cmd
	switch {
	case msg.apply != nil:
		cmd = msg.apply(m)
	case msg.action == replaceNew:
		cmd = m.clearMessage()
	case msg.action == replaceReopen:
		cmd = m.reopen(msg.entry)
	case msg.action == replaceRestore:
		cmd = m.restoreKept(msg.restore)
	}
	if msg.kept != nil {
		m.status.Append(" · the replaced draft is kept: " + m.keys.Kept.Help().Key + " brings it back")
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
	now := m.now()
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
			Label:  cell.Pad(relativeTime(k.Time, now), 17) + title,
			Detail: k.Draft.Type.Name() + " · " + k.Reason,
		}
	}
	m.chooser = picker.New(m.st, keptTitle, "no kept drafts: an unsent draft that a new message ("+m.keys.New.Help().Key+"), the history or a file replaces is kept here", items)
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
		m.setStatus(statusInfo, fmt.Sprintf("brought back the %s %s %s", d.Type.Name(), k.Reason, relativeTime(k.Time, m.now()))))
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
