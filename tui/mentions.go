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
	if !m.form.CanMention() {
		return m.setStatus(statusWarn, m.form.Kind().Name()+"s cannot mention anyone: use text, markdown or an action card")
	}
	items := make([]picker.Item, len(m.opts.Contacts))
	opts := []picker.Option{picker.Multi()}
	for i, c := range m.opts.Contacts {
		items[i] = picker.Item{Label: c.Name, Detail: contactDetail(c)}
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
