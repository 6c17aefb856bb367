package tui

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
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
	// stale says the values typed since do not render: msg is of the last ones that did.
	stale bool
	// samples says msg fills required variables still empty with their samples.
	samples bool
}

// Labels of the preview's title while a template is filled.
const (
	labelSamples = "required fields still empty use their samples"
	labelStale   = "stale: as of the last valid values"
)

// label is what the preview's title says of msg.
func (f *filling) label() string {
	switch {
	case f.stale && f.samples:
		return labelStale + "; " + labelSamples
	case f.stale:
		return labelStale
	case f.samples:
		return labelSamples
	}
	return ""
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
		if srcs := template.Sources(info.Data); len(srcs) > 0 {
			detail += " · renders " + strings.Join(srcs, ", ") + " payloads"
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
	if t.Data() != "" {
		return m.openSample(t)
	}
	m.filling = &filling{tmpl: t, form: varform.New(m.st, t.Name(), t.Vars())}
	m.state = stateVars
	return tea.Batch(m.renderFilling(), m.setStatus(statusInfo, "template "+t.Name()+": fill its variables; the preview shows what they render to"))
}

// openSample puts what a template of payloads (data = "alertmanager"…) renders for its
// source's sample payload into the editor, to edit: such a template has no variables to fill,
// and the relay renders each payload it receives the same way. Like applying a template, it is
// one undo step, after keeping an unsent draft it replaces.
func (m *Model) openSample(t *template.Template) tea.Cmd {
	m.state = stateCompose
	src := t.SampleSource()
	msg, err := t.RenderSample(m.opts.Contacts)
	if err != nil {
		return m.setStatus(statusBad, "template "+t.Name()+": no sample to open: "+firstError(err))
	}
	event := ""
	if events := source.SampleEvents(src); len(events) > 0 {
		event = " (" + events[0] + ")"
	}
	status := fmt.Sprintf("template %s: the sample %s payload%s, rendered into the draft to edit — ctrl+z brings the earlier message back", t.Name(), src, event)
	return m.keepThen("replaced by the sample of the template "+t.Name(), keptMsg{apply: func(m *Model) tea.Cmd { return m.templateApplied(msg, status) }})
}

// renderFilling renders the form's values and has the preview show them: what applying
// would give, but with required variables still empty at their samples (the title says so).
// Values that do not render leave the last render that did, marked stale. Every error shows
// under the field it concerns.
func (m *Model) renderFilling() tea.Cmd {
	f := m.filling
	msg, samples, ok, err := previewRender(f.tmpl, f.form.Values(), m.opts.Contacts)
	f.form.SetErrors(err)
	if ok {
		f.msg, f.stale, f.samples = &msg, false, samples
	} else {
		f.stale = true
	}
	m.preview.SetLabel(f.label())
	m.preview.Track()
	return m.renderNow()
}

// previewRender renders vals for the preview, the required variables still empty (and with
// no default) at their samples; samples says some were. ok says msg rendered. err is every
// error of vals themselves: Render's of vals (a missing variable stops it before the fields
// run) joined with those of the render with samples that concern no sample.
func previewRender(t *template.Template, vals map[string]string, contacts dingtalk.Contacts) (msg dingtalk.Message, samples, ok bool, err error) {
	msg, err = t.Render(vals, contacts)
	if err == nil {
		return msg, false, true, nil
	}
	withSamples := maps.Clone(vals)
	filled := map[string]bool{}
	vars := t.Vars()
	for _, v := range vars {
		if v.Required && v.Default == "" && v.Sample != "" && strings.TrimSpace(vals[v.Name]) == "" {
			withSamples[v.Name] = v.Sample
			filled[v.Name] = true
		}
	}
	if len(filled) == 0 {
		return msg, false, false, err
	}
	msg, serr := t.Render(withSamples, contacts)
	errs := []error{err}
	for _, e := range flattenErr(serr) {
		var te *template.Error
		if errors.As(e, &te) && filled[varform.VarOf(te, vars, withSamples)] {
			continue // a sample's, or the missing value already named
		}
		errs = append(errs, e)
	}
	return msg, true, serr == nil, errors.Join(errs...)
}

// flattenErr unjoins errors.Join'ed errors.
func flattenErr(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErr(e)...)
		}
		return out
	}
	return []error{err}
}

// varsKey gives a key (or a pasted text) to the template's form.
func (m *Model) varsKey(msg tea.Msg) tea.Cmd {
	f := m.filling
	a, cmd := f.form.Update(msg)
	switch a := a.(type) {
	case varform.Canceled:
		m.filling = nil
		m.state = stateCompose
		m.preview.SetLabel("")
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
	if err != nil {
		// The preview's render names the problems Render stops before (a helper's, while a
		// required value is missing) too.
		_, _, _, all := previewRender(f.tmpl, vals, m.opts.Contacts)
		f.form.SetErrors(all)
		if n := len(flattenErr(all)); n > 1 {
			return m.setStatus(statusBad, fmt.Sprintf("not applied: %d problems, each shown under its variable", n))
		}
		return m.setStatus(statusBad, "not applied: "+firstError(err))
	}
	f.form.SetErrors(nil)
	name := f.tmpl.Name()
	status := fmt.Sprintf("template %s applied (%s) — ctrl+z brings the earlier message back", name, msg.Type.Name())
	return m.keepThen("replaced by the template "+name, keptMsg{apply: func(m *Model) tea.Cmd { return m.templateApplied(msg, status) }})
}

// templateApplied replaces the editor's message with a rendered template and says status.
func (m *Model) templateApplied(msg dingtalk.Message, status string) tea.Cmd {
	d := store.FromMessage(msg, m.opts.Contacts)
	d.Robot = m.currentRobot().Name
	m.form.Replace(d)
	m.unsent = !m.form.Empty()
	m.filling = nil
	m.state = stateCompose
	m.preview.SetLabel("")
	m.preview.Track()
	m.layout()
	return tea.Batch(m.contentChanged(), m.renderNow(), m.setStatus(statusInfo, status))
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
