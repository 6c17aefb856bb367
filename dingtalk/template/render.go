package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// Render fills t with vars and returns the message, everyone mentioned with mention in its At.
// A declared variable left out is its default, or ""; a required one left out, a variable t
// does not declare, or a value outside a variable's choices is an *Error (all of them joined).
func (t *Template) Render(vars map[string]string, contacts dingtalk.Contacts) (dingtalk.Message, error) {
	if t.spec.Data != "" {
		return dingtalk.Message{}, &Error{Template: t.info.Name, Line: scanKeys(t.src).at("", "data"), Msg: fmt.Sprintf("it renders %s data (data = %q), not variables: the relay renders it with a payload", t.spec.Data, t.spec.Data)}
	}
	data, err := t.data(vars)
	if err != nil {
		return dingtalk.Message{}, err
	}
	return t.render(data, data, contacts)
}

// RenderData renders t with data as ".": {{ .Status }}, {{ range .Alerts }} of a
// source.AlertmanagerPayload, say. It is how the relay renders a payload. Variables play no
// part: t's [[vars]] are neither required nor set (a template with a data key declares none),
// so a field that reads a variable reads data's field or key of that name instead. Errors are
// *Error values naming the template and the line, as Render's; a field data lacks is one.
func (t *Template) RenderData(data any, contacts dingtalk.Contacts) (dingtalk.Message, error) {
	return t.render(data, nil, contacts)
}

// render executes t's fields with dot as "."; vars, when rendering variables, lets errors name
// the variable a bad value came from.
func (t *Template) render(dot any, vars map[string]any, contacts dingtalk.Contacts) (dingtalk.Message, error) {
	m := &mentions{contacts: contacts, typ: t.info.Type}
	funcs := helpers(m)
	out := map[string]string{}
	var errs []error
	for _, f := range t.fields {
		tt, err := f.parse(funcs, vars == nil)
		if err != nil {
			errs = append(errs, t.execError(f, err))
			continue
		}
		var b strings.Builder
		m.out = &b
		if err := tt.Execute(&b, dot); err != nil {
			e := t.renderError(f, tt.Tree, vars, err)
			if vars == nil {
				explainField(e, dot, t.SampleSource())
			}
			errs = append(errs, e)
			continue
		}
		out[f.key] = b.String()
		if vars == nil {
			// A key a payload lacks reads as nothing, as a label an alert lacks should:
			// text/template would print an absent JSON value as "<no value>".
			out[f.key] = strings.ReplaceAll(out[f.key], "<no value>", "")
		}
		if f.key == "text" {
			// The file's closing ''' sits on a line of its own: no part of the message.
			out[f.key] = strings.TrimRight(out[f.key], " \t\r\n")
		}
	}
	if err := errors.Join(once(errs)...); err != nil {
		return dingtalk.Message{}, err
	}
	msg := t.assemble(out)
	if !m.at.Empty() {
		at := m.at
		msg.At = &at
	}
	return msg, nil
}

// once keeps the first of errors that say the same (the same variable failing in several
// fields), noting the other lines in it.
func once(errs []error) []error {
	var out []error
	also := map[*Error][]string{}
	first := map[string]*Error{}
	for _, err := range errs {
		e, ok := err.(*Error)
		if !ok {
			out = append(out, err)
			continue
		}
		k := e.Var + "\x00" + e.Msg
		if f := first[k]; f != nil {
			if e.Line > 0 && e.Line != f.Line {
				also[f] = append(also[f], strconv.Itoa(e.Line))
			}
			continue
		}
		first[k] = e
		out = append(out, e)
	}
	for e, lines := range also {
		word := "line"
		if len(lines) > 1 {
			word = "lines"
		}
		e.Msg += fmt.Sprintf(" (also %s %s)", word, strings.Join(lines, ", "))
	}
	return out
}

// RenderSample renders t with every variable at its sample value; a data template renders the
// sample payload of its SampleSource.
func (t *Template) RenderSample(contacts dingtalk.Contacts) (dingtalk.Message, error) {
	if t.spec.Data == "" {
		return t.Render(t.Samples(), contacts)
	}
	src := t.SampleSource()
	if src == "" {
		return dingtalk.Message{}, &Error{Template: t.info.Name, Line: scanKeys(t.src).at("", "data"), Msg: fmt.Sprintf("no source's payloads are %s data, so it has no sample (the sources: %s)", t.spec.Data, strings.Join(source.Names(), ", "))}
	}
	data, err := SamplePayload(src, "")
	if err != nil {
		return dingtalk.Message{}, err
	}
	return t.RenderData(data, contacts)
}

// data checks vars against t's declarations and returns what the template sees.
func (t *Template) data(vars map[string]string) (map[string]any, error) {
	var errs []error
	names := t.varNames()
	given := slices.Sorted(func(yield func(string) bool) {
		for k := range vars {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range given {
		if contains(names, k) {
			continue
		}
		msg := fmt.Sprintf("unknown variable %q", k)
		if near := dingtalk.Nearest(k, names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		} else if len(names) > 0 {
			msg += "; its variables: " + strings.Join(names, ", ")
		} else {
			msg += "; it takes none"
		}
		errs = append(errs, &Error{Template: t.info.Name, Var: k, Msg: msg})
	}
	data := make(map[string]any, len(t.vars))
	for _, v := range t.vars {
		val := vars[v.Name]
		if strings.TrimSpace(val) == "" {
			val = v.Default
		}
		switch {
		case val == "" && v.Required:
			errs = append(errs, &Error{Template: t.info.Name, Line: t.firstUse(v.Name), Var: v.Name, Msg: fmt.Sprintf("variable %q is missing (required)", v.Name)})
		case val != "" && len(v.Choices) > 0 && !contains(v.Choices, val):
			errs = append(errs, &Error{Template: t.info.Name, Line: t.firstUse(v.Name), Var: v.Name, Msg: fmt.Sprintf("variable %q is %q: want one of %s", v.Name, val, strings.Join(v.Choices, ", "))})
		}
		data[v.Name] = val
	}
	return data, errors.Join(errs...)
}

// firstUse is the first file line where a field refers to the variable, else the line that
// declares it.
func (t *Template) firstUse(name string) int {
	re := regexp.MustCompile(`\.` + regexp.QuoteMeta(name) + `\b`)
	best := 0
	for _, f := range t.fields {
		if f.line == 0 {
			continue
		}
		for i, l := range strings.Split(f.text, "\n") {
			if re.MatchString(l) && (best == 0 || f.line+i < best) {
				best = f.line + i
			}
		}
	}
	if best > 0 {
		return best
	}
	kl := scanKeys(t.src)
	for i, v := range t.spec.Vars {
		if v.Name == name {
			return kl.at(fmt.Sprintf("vars[%d]", i), "name")
		}
	}
	return 0
}

// assemble builds the message from the rendered fields. Buttons and feed links whose title
// rendered empty are left out.
func (t *Template) assemble(out map[string]string) dingtalk.Message {
	s := &t.spec
	switch t.info.Type {
	case dingtalk.TypeText:
		return dingtalk.NewText(out["text"])
	case dingtalk.TypeMarkdown:
		return dingtalk.NewMarkdown(strings.TrimSpace(out["title"]), out["text"])
	case dingtalk.TypeLink:
		return dingtalk.NewLink(strings.TrimSpace(out["title"]), out["text"], strings.TrimSpace(out["url"]), strings.TrimSpace(out["pic"]))
	case dingtalk.TypeActionCard:
		card := dingtalk.ActionCard{
			Title:          strings.TrimSpace(out["title"]),
			Text:           out["text"],
			SingleTitle:    strings.TrimSpace(out["single_title"]),
			SingleURL:      strings.TrimSpace(out["single_url"]),
			BtnOrientation: dingtalk.ButtonsVertical,
			HideAvatar:     "0",
		}
		if strings.EqualFold(s.BtnOrientation, "horizontal") {
			card.BtnOrientation = dingtalk.ButtonsHorizontal
		}
		if s.HideAvatar != nil && *s.HideAvatar {
			card.HideAvatar = "1"
		}
		for i := range s.Buttons {
			k := fmt.Sprintf("buttons[%d].", i)
			if title := strings.TrimSpace(out[k+"title"]); title != "" {
				card.Buttons = append(card.Buttons, dingtalk.Button{Title: title, ActionURL: strings.TrimSpace(out[k+"url"])})
			}
		}
		return dingtalk.NewActionCard(card)
	case dingtalk.TypeFeedCard:
		var links []dingtalk.FeedLink
		for i := range s.Links {
			k := fmt.Sprintf("links[%d].", i)
			if title := strings.TrimSpace(out[k+"title"]); title != "" {
				links = append(links, dingtalk.FeedLink{Title: title, MessageURL: strings.TrimSpace(out[k+"url"]), PicURL: strings.TrimSpace(out[k+"pic"])})
			}
		}
		return dingtalk.NewFeedCard(links...)
	}
	return dingtalk.Message{Type: t.info.Type}
}
