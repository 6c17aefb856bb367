package tui

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/match"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/textedit"
)

// The mention picker opens inline, as in DingTalk and Slack: an "@" typed at a word start in the
// body of a type that can mention opens it beside the editor, and what is typed after the "@"
// (still going into the body) filters it. ↑/↓, ctrl+p/ctrl+n, tab, enter and esc are the
// picker's while it is open; every other key is the body's. Enter replaces the "@query" typed
// with the chosen handle ("@13800000000 ") and mentions the person, as one undo step; esc
// closes the picker and leaves the text as typed. alt+m and f3 insert the "@" and open it.
//
// Wiring (keys.go, layout.go):
//   - composeKey, first (after quit): if cmd, ok := m.inlineKey(msg); ok { return m, cmd }
//   - after every key the body took (typed text, backspace, a move, a kill; not only inserts):
//     m.inlineMention(atTyped). It opens the picker only after an insert (LastEdit), and refilters or
//     closes it after anything else.
//   - View, in place of composeView while m.inlineOpen(): m.inlineView(g).

// mentionQuery finds a mention being typed at the end of word (the text before the cursor back to
// the last space): an "@" at a word start, or right after Chinese text or punctuation as DingTalk
// allows ("你好@张"), but not inside a Latin word ("mail@example"). It returns what follows the "@".
func mentionQuery(word string) (query string, ok bool) {
	i := strings.LastIndexByte(word, '@')
	if i < 0 {
		return "", false
	}
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(word[:i])
		if prev < utf8.RuneSelf && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || strings.ContainsRune("_.-+@", prev)) {
			return "", false
		}
	}
	return word[i+1:], true
}

// inlineOpen reports whether the inline mention picker is open over the compose screen.
func (m *Model) inlineOpen() bool {
	if m.state != stateCompose || m.chooser == nil || !m.chooser.Inline() {
		return false
	}
	_, esc := m.chooser.Tag().(dismissed)
	return !esc
}

// dismissed tags the closed inline picker that esc leaves in place of the open one: typing on
// in the same @word does not open it again.
type dismissed struct{ start int }

// dismiss closes the inline picker until the cursor leaves the @word it started at.
func (m *Model) dismiss() {
	_, start := m.form.WordBeforeCursor()
	m.chooser = picker.New(m.st, "", "", nil, picker.Inline(), picker.Tag(dismissed{start: start}))
}

// closeInline closes the inline mention picker, if it is open.
func (m *Model) closeInline() {
	if m.chooser != nil && m.chooser.Inline() {
		m.chooser = nil
	}
}

// inlineMention is called after every key the body took (typed text, a delete, a move): an "@"
// just typed at a word start opens the mention picker; while it is open, the text after the "@"
// filters it, and it closes once the cursor is no longer in such a word (a space typed, the "@"
// deleted, the cursor moved away). atTyped says the key was typed text ending in "@", the only
// key that opens the picker: an "@" inside a paste or a run of text that arrived at once never
// does, so a pasted line break cannot choose someone.
func (m *Model) inlineMention(atTyped bool) tea.Cmd {
	if m.state != stateCompose || !m.form.HasBody() || !m.form.CanMention() || m.form.Focused().Field != editor.FieldBody {
		m.closeInline()
		return nil
	}
	w, start := m.form.WordBeforeCursor()
	q, ok := mentionQuery(w)
	if m.chooser != nil && m.chooser.Inline() {
		if d, esc := m.chooser.Tag().(dismissed); esc {
			if ok && d.start == start {
				return nil
			}
			m.closeInline()
		}
	}
	open := m.inlineOpen()
	switch {
	case !ok:
		m.closeInline()
	case open:
		m.chooser.SetQuery(q)
	default:
		if field, edit := m.form.LastEdit(); field == editor.FieldBody && edit == textedit.Insert && atTyped {
			m.chooser = m.mentionPicker(q)
		}
	}
	return nil
}

// atWritten tags an inline picker opened by alt+m: what it wrote ("@", or " @" after a word).
type atWritten string

// mentionPicker is the inline mention picker filtered by q.
func (m *Model) mentionPicker(q string, more ...picker.Option) *picker.Model {
	items, opts := m.mentionItems()
	opts = append(opts, picker.Inline(), picker.Query(q), picker.Multi())
	opts = append(opts, more...)
	return picker.New(m.st, "Mention · enter inserts · tab ticks several · esc closes",
		"no contacts: add [[contacts]] with a name and mobile (or user_id) to the config; a mobile typed after @ can be mentioned as it is", items, opts...)
}

// inlineKey gives a key to the inline mention picker when it is open and the key is its own
// (↑/↓, ctrl+p/ctrl+n, pgup/pgdn, tab, enter, esc); handled is false for every other key, which
// goes to the body as usual. With nothing to choose, enter and the moves close the picker and
// go to the body (enter is a new line).
func (m *Model) inlineKey(msg tea.KeyMsg) (cmd tea.Cmd, handled bool) {
	if !m.inlineOpen() || textedit.IsText(msg) {
		return nil, false
	}
	pk := m.chooser.KeyMap
	switch {
	case key.Matches(msg, pk.Back):
		// The text stays as typed; only an "@" that alt+m wrote, with nothing typed after it,
		// goes with the picker.
		if at, ok := m.chooser.Tag().(atWritten); ok && m.chooser.Query() == "" {
			if w, _ := m.form.WordBeforeCursor(); strings.HasSuffix(w, "@") {
				m.form.ReplaceBeforeCursor(utf8.RuneCountInString(string(at)), "")
				m.closeInline()
				return m.contentChanged(), true
			}
		}
		m.dismiss()
		return nil, true
	case key.Matches(msg, pk.Choose, pk.Up, pk.Down, pk.PageUp, pk.PageDown, pk.Tick):
		if len(m.chooser.Matches()) == 0 {
			// Nothing to choose: the key is the body's (enter a new line, ↑/↓ a line move).
			m.closeInline()
			return nil, false
		}
		if key.Matches(msg, pk.Choose) && m.chooser.Query() == "" && len(m.chooser.Ticked()) == 0 {
			if _, byKey := m.chooser.Tag().(atWritten); !byKey {
				// "@" then enter, nothing typed after it: a new line, not the first contact.
				m.closeInline()
				return nil, false
			}
		}
		if key.Matches(msg, pk.Choose) && !m.chooser.CanChoose() {
			return m.setStatus(statusWarn, m.chooser.Item(m.chooser.Current()).Off), true
		}
	default:
		return nil, false
	}
	if a, ok := m.chooser.Update(msg).(picker.Chosen); ok {
		w, _ := m.form.WordBeforeCursor()
		q, _ := mentionQuery(w)
		return m.mentionChosen(a.Items, 1+utf8.RuneCountInString(q)), true
	}
	return nil, true
}

// mentionTarget is what a mention picker item mentions.
type mentionTarget struct {
	contact dingtalk.Contact
	// all is the @all entry.
	all bool
}

// mentionItems are the mention picker's entries: the contacts, then @all (last, so that an
// Enter without a thought never notifies the whole group). Those who cannot be mentioned in the
// current type are greyed, with the reason, and listed after them; a mobile (or, in an action
// card, a userId) typed that finds nobody is offered as it is.
func (m *Model) mentionItems() ([]picker.Item, []picker.Option) {
	kind := m.form.Kind()
	all := picker.Item{Label: "@all", Detail: "notify everyone in the group", Also: []string{"所有人", "everyone"}, Value: mentionTarget{all: true}}
	switch {
	case !m.form.CanAtAll():
		all.Off = "only text and markdown messages can @all"
	case m.form.AtAll():
		all.Detail = "on: choose it to turn @all off"
	}
	var items []picker.Item
	var opts []picker.Option
	for _, c := range m.opts.Contacts {
		it := picker.Item{Label: c.Name, Detail: contactDetail(c), Also: []string{c.Mobile, c.UserID}, Value: mentionTarget{contact: c}}
		it.Off = unmentionable(c, kind)
		if m.form.IsMentioned(c) {
			opts = append(opts, picker.Note(len(items), "(mentioned)"))
		}
		items = append(items, it)
	}
	items = append(items, all)
	opts = append(opts, picker.WithExtra(func(q string, matched int) []picker.Item {
		return rawMention(q, matched, kind)
	}))
	return items, opts
}

// unmentionable says why c cannot be mentioned in a message of type kind, or "".
func unmentionable(c dingtalk.Contact, kind dingtalk.MsgType) string {
	switch {
	case c.Mobile == "" && c.UserID == "":
		return "no mobile or userId: add mobile or user_id to the contact"
	case kind == dingtalk.TypeActionCard && c.UserID == "":
		return "action cards mention by userId; add user_id to the contact"
	}
	return ""
}

// userIDLike is a word that may be a DingTalk userId.
var userIDLike = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// rawMention offers what was typed as a mention when it finds nobody: a mobile number (in text
// and markdown; an action card says why not), or in an action card a userId.
func rawMention(q string, matched int, kind dingtalk.MsgType) []picker.Item {
	if q == "" || matched > 0 {
		return nil
	}
	if mob, ok := match.Mobile(q); ok {
		it := picker.Item{Label: "mention " + mob + " (not in your contacts)", Value: mentionTarget{contact: dingtalk.Contact{Name: mob, Mobile: mob}}}
		if kind == dingtalk.TypeActionCard {
			it.Off = "action cards mention by userId: a mobile notifies nobody"
		}
		return []picker.Item{it}
	}
	if kind == dingtalk.TypeActionCard && userIDLike.MatchString(q) {
		return []picker.Item{{Label: "mention userId " + q + " (not in your contacts)", Value: mentionTarget{contact: dingtalk.Contact{Name: q, UserID: q}}}}
	}
	return nil
}

// handleIn is what is written after "@" to notify c in a message of type kind.
func handleIn(c dingtalk.Contact, kind dingtalk.MsgType) string {
	if kind == dingtalk.TypeActionCard {
		return c.UserID
	}
	return c.Handle()
}

// mentionChosen replaces the n runes before the body's cursor (the "@query" typed) with the
// handles of the chosen ("@13800000000 "), mentions them and switches @all if it is among them,
// all as one undo step, and says who is mentioned. With n = 0 (the picker opened outside the
// body) the editor writes the handles at the body's cursor.
func (m *Model) mentionChosen(items []picker.Item, n int) tea.Cmd {
	kind := m.form.Kind()
	var cs []dingtalk.Contact
	// handles are what to write after "@", who the name of each.
	var handles, who []string
	all, added := false, 0
	for _, it := range items {
		t, ok := it.Value.(mentionTarget)
		if !ok || it.Off != "" {
			continue
		}
		if t.all {
			all = true
			if !m.form.AtAll() {
				handles, who = append(handles, "all"), append(who, "@all")
			}
			continue
		}
		cs = append(cs, t.contact)
		handles, who = append(handles, handleIn(t.contact, kind)), append(who, t.contact.Name)
		if !m.form.IsMentioned(t.contact) {
			added++
		}
	}
	if len(m.form.Mentions())+added > dingtalk.MaxMentions {
		return m.setStatus(statusBad, fmt.Sprintf("DingTalk notifies at most %d people per message", dingtalk.MaxMentions))
	}
	m.closeInline()
	var names, already []string
	var warn string
	atAll := m.form.AtAll()
	m.form.Edit(func() {
		if n > 0 {
			// The @query goes; each handle is written in its place unless the text has it
			// already (one is enough to notify).
			m.form.ReplaceBeforeCursor(n, "")
			body := m.form.Body()
			var write []string
			for i, h := range handles {
				if dingtalk.ContainsMention(body, h) {
					already = append(already, who[i])
					continue
				}
				write = append(write, h)
			}
			if len(write) > 0 {
				m.form.ReplaceBeforeCursor(0, "@"+strings.Join(write, " @")+" ")
			}
		}
		if all {
			atAll = m.form.ToggleAtAll()
		}
		if len(cs) > 0 {
			names, warn, _ = m.form.Mention(cs)
		}
	})
	cmds := []tea.Cmd{m.contentChanged()}
	var said []string
	if all {
		if atAll {
			said = append(said, "@all on: everyone in the group is notified")
		} else {
			said = append(said, "@all off")
		}
	}
	if len(names) > 0 {
		said = append(said, "mentioned "+strings.Join(names, ", ")+" · delete an @handle from the text to unmention")
	}
	if len(already) > 0 {
		said = append(said, strings.Join(already, ", ")+" already in the text: not written twice")
	}
	switch {
	case warn != "":
		cmds = append(cmds, m.setStatus(statusWarn, warn))
	case len(said) > 0:
		cmds = append(cmds, m.setStatus(statusInfo, strings.Join(said, " · ")))
	}
	return tea.Batch(cmds...)
}

// inlineView draws the compose screen with the inline mention picker where the preview was:
// beside the editor on a wide screen, under it on a narrow one.
func (m *Model) inlineView(g layout) string {
	head := m.st.Frame.PaneTitle.Render("Compose") + m.st.Frame.Hint.Render(" "+m.form.Kind().Name())
	left := cell.Fit(head, g.editorW) + "\n" + m.form.View()
	return m.besides(g, left, m.chooser.View(g.previewW, g.previewH))
}
