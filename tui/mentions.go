package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/picker"
)

// openMentions shows the contacts to add. People already mentioned are marked, not ticked:
// the picker adds mentions; deleting an @handle from the text removes one.
func (m *Model) openMentions() tea.Cmd {
	if !m.form.canMention() {
		return m.setStatus(statusWarn, m.form.kind.Name()+"s cannot mention anyone: use text, markdown or an action card")
	}
	items := make([]picker.Item, len(m.opts.Contacts))
	opts := []picker.Option{picker.Multi()}
	for i, c := range m.opts.Contacts {
		items[i] = picker.Item{Label: c.Name, Detail: contactDetail(c)}
		for _, mc := range m.form.mentions {
			if sameContact(c, mc) {
				opts = append(opts, picker.Note(i, "(mentioned)"))
			}
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

func sameContact(a, b dingtalk.Contact) bool {
	return (a.Mobile != "" && a.Mobile == b.Mobile) || (a.UserID != "" && a.UserID == b.UserID)
}

// applyMentions adds the chosen contacts to the mentioned ones and writes "@handle" at the
// cursor for each whose handle the text lacks. Nobody is removed here: deleting an @handle from
// the text does that (see dropDeletedMentions).
func (m *Model) applyMentions(chosen []int) tea.Cmd {
	next := append([]dingtalk.Contact(nil), m.form.mentions...)
	var added, names []string
	var warn string
	body := m.form.body.Value()
	for _, i := range chosen {
		c := m.opts.Contacts[i]
		if c.Handle() == "" {
			warn = c.Name + " has neither mobile nor userId: cannot be mentioned"
			continue
		}
		if m.form.kind == dingtalk.TypeActionCard && c.UserID == "" {
			warn = "action cards notify people by userId only, and " + c.Name + " has none"
			continue
		}
		known := false
		for _, mc := range next {
			known = known || sameContact(c, mc)
		}
		if !known {
			next = append(next, c)
		}
		if h := m.form.handleFor(c); !dingtalk.ContainsMention(body, h) {
			added = append(added, h)
		}
		names = append(names, c.Name)
	}
	if len(next) > dingtalk.MaxMentions {
		return m.setStatus(statusBad, fmt.Sprintf("DingTalk notifies at most %d people per message", dingtalk.MaxMentions))
	}
	m.form.mentions = next
	m.form.insertMentions(added)
	m.state = stateCompose
	cmds := []tea.Cmd{m.contentChanged()}
	if warn != "" {
		cmds = append(cmds, m.setStatus(statusWarn, warn))
	} else if len(names) > 0 {
		cmds = append(cmds, m.setStatus(statusInfo, "mentioned "+strings.Join(names, ", ")+" · delete an @handle from the text to unmention"))
	}
	return tea.Batch(cmds...)
}

// dropDeletedMentions keeps the mentions in step with the text: someone whose @handle was in
// the text and has been deleted from it is no longer mentioned. Mentions never written in the
// text (restored from history, say) stay: sending writes their @handle in. inText is from a
// render of the current content.
func (m *Model) dropDeletedMentions(inText map[dingtalk.Contact]bool) tea.Cmd {
	f := &m.form
	if f.seenInText == nil {
		f.seenInText = map[dingtalk.Contact]bool{}
	}
	var kept []dingtalk.Contact
	var dropped []string
	for _, c := range f.mentions {
		k := c
		present, known := inText[k]
		switch {
		case !known:
			kept = append(kept, c)
		case present:
			f.seenInText[k] = true
			kept = append(kept, c)
		case f.seenInText[k]:
			delete(f.seenInText, k)
			dropped = append(dropped, c.Name)
		default:
			kept = append(kept, c)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	f.mentions = kept
	return tea.Batch(m.contentChanged(), m.setStatus(statusInfo, strings.Join(dropped, ", ")+" no longer mentioned: the @handle was deleted from the text"))
}

// toggleAtAll switches @all.
func (m *Model) toggleAtAll() tea.Cmd {
	if !m.form.canAtAll() {
		return m.setStatus(statusWarn, "only text and markdown messages can @all")
	}
	m.form.atAll = !m.form.atAll
	text := "@all off"
	if m.form.atAll {
		text = "@all on: everyone in the group is notified"
	}
	return tea.Batch(m.contentChanged(), m.setStatus(statusInfo, text))
}
