package template

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// builtinFor names the built-in template for each kind of data (source.DataKind): what a relay
// route renders when it names no template, and what dingbot template render uses by default.
var builtinFor = map[string]string{
	"alertmanager": "alert",
	"grafana":      "grafana",
	"git":          "git",
	"generic":      "generic",
}

// sourceOrder is the order sources are offered in: a data kind's first source gives its
// sample (GitHub's for data = "git").
var sourceOrder = []string{
	source.SourceAlertmanager, source.SourceGrafana, source.SourceGitHub,
	source.SourceGitLab, source.SourceGitea, source.SourceGeneric,
}

// ForSource names the built-in template that renders the payloads of a relay source
// ("alertmanager" → "alert", "github" → "git"): a route's template when it names none. Its
// error for a source the relay does not know lists those it does.
func ForSource(src string) (string, error) {
	data, err := source.DataKind(src)
	if err != nil {
		return "", err
	}
	name, ok := builtinFor[data]
	if !ok {
		return "", fmt.Errorf("source %s: no built-in template renders %s data", src, data)
	}
	return name, nil
}

// Sources lists the relay sources whose payloads a template with data = data renders
// (github, gitlab and gitea for "git"); none for a template of variables or data no source
// parses into.
func Sources(data string) []string {
	if data == "" {
		return nil
	}
	var out []string
	for _, s := range orderedSources() {
		if d, err := source.DataKind(s); err == nil && d == data {
			out = append(out, s)
		}
	}
	return out
}

// orderedSources are source.Names() in sourceOrder, any others after them.
func orderedSources() []string {
	names := source.Names()
	out := make([]string, 0, len(names))
	for _, s := range sourceOrder {
		if slices.Contains(names, s) {
			out = append(out, s)
		}
	}
	for _, s := range names {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CheckSource says whether t renders the payloads of source src: nil when its data is what
// src parses into, else an error saying what t is for (a template of variables, or another
// source's data) and which template renders src.
func (t *Template) CheckSource(src string) error {
	data, err := source.DataKind(src)
	if err != nil {
		return err
	}
	if t.spec.Data == data {
		return nil
	}
	hint := ""
	if name, err := ForSource(src); err == nil {
		hint = fmt.Sprintf("; %s renders %s payloads", name, src)
	}
	if t.spec.Data == "" {
		return &Error{Template: t.info.Name, Msg: fmt.Sprintf("it is a template of variables (dingbot send --template %s), not of %s payloads%s", t.info.Name, src, hint)}
	}
	srcs := Sources(t.spec.Data)
	what := fmt.Sprintf("data = %q, which no source parses into", t.spec.Data)
	if len(srcs) > 0 {
		what = fmt.Sprintf("%s payloads (data = %q)", strings.Join(srcs, ", "), t.spec.Data)
	}
	return &Error{Template: t.info.Name, Msg: fmt.Sprintf("it renders %s, not %s payloads (data = %q)%s", what, src, data, hint)}
}

// SampleSource is the source whose sample payload RenderSample renders for a data template
// (the first of Sources: github for data = "git"); "" for a template of variables.
func (t *Template) SampleSource() string {
	if srcs := Sources(t.spec.Data); len(srcs) > 0 {
		return srcs[0]
	}
	return ""
}

// SamplePayload is the sample payload of src for event ("" for its first: source.Sample),
// parsed as the relay parses a request: what a data template renders as ".".
func SamplePayload(src, event string) (any, error) {
	h, body, err := source.Sample(src, event)
	if err != nil {
		return nil, err
	}
	data, err := source.Parse(src, h, body)
	if err != nil {
		return nil, fmt.Errorf("the %s sample %s: %w", src, event, err)
	}
	return data, nil
}
