package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
)

// openMentions shows the contacts, the people already mentioned ticked.
func (m *Model) openMentions() tea.Cmd {
	if !m.form.canMention() {
		return m.setStatus(statusWarn, kindName(m.form.kind)+"s cannot mention anyone: use text, markdown or an action card")
	}
	items := make([]choice, len(m.opts.Contacts))
	var pre []int
	for i, c := range m.opts.Contacts {
		items[i] = choice{label: c.Name, detail: contactDetail(c)}
		for _, mc := range m.form.mentions {
			if sameContact(c, mc) {
				pre = append(pre, i)
			}
		}
	}
	m.chooser = newChooser(m.st, "Mention · tab selects several, enter inserts",
		"no contacts: add [[contacts]] with a name and mobile to the config", items, true)
	m.chooser.preselect(pre...)
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

// applyMentions makes the chosen contacts the mentioned ones: newcomers get "@handle" at the
// cursor, people no longer chosen leave the list (their text stays: it is the user's).
func (m *Model) applyMentions(chosen []int) tea.Cmd {
	var next []dingtalk.Contact
	var added []string
	var warn string
	for _, i := range chosen {
		c := m.opts.Contacts[i]
		if c.Handle() == "" {
			warn = c.Name + " has neither mobile nor userId: cannot be mentioned"
			continue
		}
		known := false
		for _, mc := range m.form.mentions {
			known = known || sameContact(c, mc)
		}
		if !known && m.form.kind == dingtalk.TypeActionCard && c.UserID == "" {
			warn = "action cards notify people by userId only, and " + c.Name + " has none"
			continue
		}
		next = append(next, c)
		if !known {
			added = append(added, m.form.handleFor(c))
		}
	}
	// Mentions restored from a draft or the history but not among the contacts stay.
	for _, mc := range m.form.mentions {
		if _, ok := m.opts.Contacts.ByHandle(mc.Handle()); !ok {
			next = append(next, mc)
		}
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
	} else if len(added) > 0 {
		cmds = append(cmds, m.setStatus(statusInfo, "mentioned "+strings.Join(namesOf(added, m.opts.Contacts), ", ")))
	}
	return tea.Batch(cmds...)
}

func namesOf(handles []string, cs dingtalk.Contacts) []string {
	out := make([]string, len(handles))
	for i, h := range handles {
		out[i] = h
		if c, ok := cs.ByHandle(h); ok {
			out[i] = c.Name
		}
	}
	return out
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
