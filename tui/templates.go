package tui

import (
	"fmt"
	"maps"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/store"
	"github.com/dingbot/dingbot/tui/varform"
)

// filling is a template whose variables are being filled in (stateVars): the form, and what
// the preview shows meanwhile. The editor stays as it is until the form is applied.
type filling struct {
	tmpl *template.Template
	form *varform.Model
	// msg is the message the values render to, for the preview; nil before the first render.
	msg *dingtalk.Message
}

const templatesTitle = "Templates · type to filter, enter fills one in"

// openTemplates lists the templates (alt+g, f12): the built-in gallery and the user's.
func (m *Model) openTemplates() tea.Cmd {
	if m.opts.Templates == nil {
		return m.setStatus(statusWarn, "no templates here")
	}
	var items []picker.Item
	for _, info := range m.opts.Templates.List() {
		detail := info.Type.Name() + " · " + info.Source
		if info.Overrides {
			detail += " (over the built-in)"
		}
		if info.Description != "" {
			detail += " · " + info.Description
		}
		items = append(items, picker.Item{Label: info.Name, Detail: detail, Also: []string{info.Description}, Value: info.Name})
	}
	m.chooser = picker.New(m.st, templatesTitle,
		"no templates: add NAME.toml files to "+m.templatesDir(), items)
	m.state = stateTemplates
	return nil
}

func (m *Model) templatesDir() string {
	if m.opts.TemplatesDir != "" {
		return m.opts.TemplatesDir
	}
	return "the templates directory beside the config file"
}

// chooseTemplate opens the form of the template chosen in the gallery.
func (m *Model) chooseTemplate(picked []int) tea.Cmd {
	if len(picked) == 0 {
		m.state = stateCompose
		return nil
	}
	name, _ := m.chooser.Item(picked[0]).Value.(string)
	t, err := m.opts.Templates.Lookup(name)
	if err != nil {
		m.state = stateCompose
		return m.setStatus(statusBad, err.Error())
	}
	m.filling = &filling{tmpl: t, form: varform.New(m.st, t.Name(), t.Vars())}
	m.state = stateVars
	return tea.Batch(m.renderFilling(), m.setStatus(statusInfo, "template "+t.Name()+": fill its variables; the preview shows what they render to"))
}

// renderFilling renders the form's values and has the preview show them. A value missing or
// wrong shows under its field; the preview then fills what is missing with the samples.
func (m *Model) renderFilling() tea.Cmd {
	f := m.filling
	vals := f.form.Values()
	msg, err := f.tmpl.Render(vals, m.opts.Contacts)
	f.form.SetErrors(err)
	if err != nil {
		withSamples := f.tmpl.Samples()
		maps.Copy(withSamples, vals)
		if sm, serr := f.tmpl.Render(withSamples, m.opts.Contacts); serr == nil {
			msg, err = sm, nil
		}
	}
	if err == nil {
		f.msg = &msg
	}
	m.preview.Track()
	return m.renderNow()
}

// varsKey gives a key (or a pasted text) to the template's form.
func (m *Model) varsKey(msg tea.Msg) tea.Cmd {
	f := m.filling
	a, cmd := f.form.Update(msg)
	switch a := a.(type) {
	case varform.Canceled:
		m.filling = nil
		m.state = stateCompose
		return tea.Batch(cmd, m.renderNow(), m.setStatus(statusInfo, "template left: the message is as it was"))
	case varform.Changed:
		return tea.Batch(cmd, m.renderFilling())
	case varform.Applied:
		return tea.Batch(cmd, m.applyTemplate(a.Values))
	}
	return cmd
}

// applyTemplate puts what the template renders to into the editor, as one undo step (ctrl+z
// brings the message before it back), after keeping an unsent draft it replaces. Errors
// refuse it and show under their fields.
func (m *Model) applyTemplate(vals map[string]string) tea.Cmd {
	f := m.filling
	msg, err := f.tmpl.Render(vals, m.opts.Contacts)
	f.form.Try()
	f.form.SetErrors(err)
	if err != nil {
		return m.setStatus(statusBad, "not applied: "+firstError(err))
	}
	name := f.tmpl.Name()
	return m.keepThen("replaced by the template "+name, keptMsg{apply: func(m *Model) tea.Cmd { return m.templateApplied(msg, name) }})
}

// templateApplied replaces the editor's message with a rendered template.
func (m *Model) templateApplied(msg dingtalk.Message, name string) tea.Cmd {
	d := store.FromMessage(msg, m.opts.Contacts)
	d.Robot = m.currentRobot().Name
	m.form.Replace(d)
	m.unsent = !m.form.Empty()
	m.filling = nil
	m.state = stateCompose
	m.preview.Track()
	m.layout()
	return tea.Batch(m.contentChanged(), m.renderNow(),
		m.setStatus(statusInfo, fmt.Sprintf("template %s applied: a %s — ctrl+z brings the earlier message back", name, msg.Type.Name())))
}

// firstError is the first line of an error, for the status line.
func firstError(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

// previewing is what the preview shows: the template being filled while its form is open,
// else the editor's message.
func (m *Model) previewing() (msg dingtalk.Message, empty bool, mentions []dingtalk.Contact) {
	if m.filling != nil && m.filling.msg != nil {
		msg := *m.filling.msg
		var cs []dingtalk.Contact
		for _, mn := range store.FromMessage(msg, m.opts.Contacts).Mentions {
			cs = append(cs, dingtalk.Contact{Name: mn.Name, Mobile: mn.Mobile, UserID: mn.UserID})
		}
		return msg, false, cs
	}
	return m.form.Message(), m.form.Empty(), append([]dingtalk.Contact(nil), m.form.Mentions()...)
}

// varsView is the template's form in place of the editor, beside the preview.
func (m *Model) varsView(g layout) string {
	return m.sideBySide(g, m.filling.form.View(g.editorW, g.editorH+1))
}
