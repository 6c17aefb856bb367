package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// renderFlags are the flags of dingbot template render.
type renderFlags struct {
	source, event, file, template string
	sample, json                  bool
}

func newTemplateRenderCmd(g *globalFlags, s streams) *cobra.Command {
	f := &renderFlags{}
	cmd := &cobra.Command{
		Use:   "render --source SOURCE (--sample | --file PATH) [--event EVENT] [--template NAME]",
		Short: "Render a webhook payload into the message dingbot serve posts, and preview it; nothing is sent",
		Long: `Render a payload as the relay (dingbot serve) does for a route of --source: parse it, render
it with the route's template (--template; by default the source's built-in one: alert, grafana,
git or generic) and show the message as DingTalk will, with its size and DingTalk's warnings.
Nothing is sent.

The payload is the source's sample (--sample; --event picks one: firing or resolved, for the
Git hosts push, tag, pull_request, release, workflow, issue or comment) or a file (--file PATH,
- for standard input). A Git host's file needs --event: one of those, or the event header's
value as the host sends it (X-GitHub-Event: workflow_run, X-Gitlab-Event: Pipeline Hook).

Sources: ` + strings.Join(source.Names(), ", ") + `.`,
		Example: `  dingbot template render --source alertmanager --sample
  dingbot template render --source github --event pull_request --sample
  dingbot template render --source gitlab --event workflow --file pipeline.json --json
  curl -s https://example.com/hook.json | dingbot template render --source generic --file -
  dingbot template render --template my-alert --sample`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderPayload(g, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.source, "source", "", "the payload's source: "+strings.Join(source.Names(), ", ")+" (default: the one --template renders)")
	fl.BoolVar(&f.sample, "sample", false, "render the source's sample payload")
	fl.StringVar(&f.event, "event", "", "which sample (firing, resolved; push, pull_request, workflow…), or a Git host's event for --file")
	fl.StringVarP(&f.file, "file", "f", "", "render the payload in this file (- reads standard input)")
	fl.StringVar(&f.template, "template", "", "the template to render with (default: the source's built-in one)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object: source, event, template, the message's body, bytes and warnings, or the error")
	return cmd
}

// renderJSON is dingbot template render --json.
type renderJSON struct {
	Source   string          `json:"source,omitempty"`
	Event    string          `json:"event,omitempty"`
	Template string          `json:"template,omitempty"`
	Msgtype  string          `json:"msgtype,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	Bytes    int             `json:"bytes,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	// Ignored is why the relay posts nothing for this payload (a ping).
	Ignored string `json:"ignored,omitempty"`
	Error   string `json:"error,omitempty"`
}

// renderPayload is dingbot template render.
func renderPayload(g *globalFlags, s streams, f *renderFlags) error {
	out := renderJSON{Source: f.source, Event: f.event}
	fail := func(err error) error {
		if f.json {
			out.Error = err.Error()
			if werr := writeJSON(s.out, out); werr != nil {
				return werr
			}
		} else {
			fmt.Fprintln(s.err, prefixed("dingbot: ", err))
		}
		return exitError{code: exitCode(err)}
	}
	set, _, err := loadTemplates(g, s.err)
	if err != nil {
		return fail(err)
	}
	tpl, src, err := renderTemplate(set, f)
	if err != nil {
		return fail(err)
	}
	out.Source, out.Template = src, tpl.Name()
	h, body, event, err := renderInput(s, f, src)
	if err != nil {
		return fail(err)
	}
	out.Event = event
	data, err := source.Parse(src, h, body)
	var ignored *source.IgnoredError
	switch {
	case errors.As(err, &ignored):
		out.Ignored = ignored.Reason
		if f.json {
			return writeJSON(s.out, out)
		}
		hint := ""
		if near := dingtalk.Nearest(event, source.SampleEvents(src)); !f.sample && near != "" && near != event {
			hint = fmt.Sprintf(" (did you mean --event %s?)", near)
		}
		fmt.Fprintf(s.err, "dingbot: the relay ignores this %s request (%s): it answers 200 and posts nothing%s\n", src, ignored.Reason, hint)
		return nil
	case err != nil:
		from := "the sample"
		if !f.sample {
			from = "--file " + f.file
		}
		return fail(usageError{fmt.Errorf("%s: %w", from, err)})
	}
	msg, err := tpl.RenderData(data, renderContacts(g, s))
	if err != nil {
		return fail(usageError{templateError{err}})
	}
	out.Msgtype = string(msg.Type)
	p, err := dingtalk.Prepare(dingtalk.Robot{Name: "preview"}, msg, dingtalk.PrepareOptions{})
	if p != nil {
		out.Body, out.Bytes = p.Body, p.Bytes
		for _, w := range p.Warnings {
			out.Warnings = append(out.Warnings, w.String())
		}
	}
	if err != nil {
		return fail(usageError{fmt.Errorf("DingTalk would refuse the message template %s renders (the relay answers 422): %w", tpl.Name(), err)})
	}
	if f.json {
		return writeJSON(s.out, out)
	}
	preview, err := previewBody(s.out, p.Body)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(s.out, preview)
	fmt.Fprintln(s.err) // a blank line: the preview ends, what follows is dingbot's
	for _, w := range out.Warnings {
		fmt.Fprintln(s.err, "dingbot: warning:", w)
	}
	what := "payload"
	if f.sample {
		// generic's samples are two documents, not events of the sender's.
		what = "sample"
		if events := source.SampleEvents(src); src != source.SourceGeneric || (len(events) > 0 && event != events[0]) {
			what = fmt.Sprintf("%s sample", event)
		}
	}
	fmt.Fprintf(s.err, "dingbot: %s %s rendered with template %s: %s message of %d bytes (DingTalk takes %d); nothing was sent\n",
		src, what, tpl.Name(), msg.Type, p.Bytes, dingtalk.MaxBodyBytes)
	return nil
}

// renderTemplate picks the template and the source: --template, else the source's built-in
// one; --source, else the first source the template renders. A template that does not render
// the source says which it renders.
func renderTemplate(set *template.Set, f *renderFlags) (*template.Template, string, error) {
	src := strings.TrimSpace(f.source)
	if src != "" {
		if _, err := source.DataKind(src); err != nil {
			return nil, "", usagef("--source: %v", err)
		}
	}
	name := strings.TrimSpace(f.template)
	switch {
	case name == "" && src == "":
		return nil, "", usagef("--source: which payload is it? One of %s (or --template NAME, for the source it renders)", strings.Join(source.Names(), ", "))
	case name == "":
		var err error
		if name, err = template.ForSource(src); err != nil {
			return nil, "", usagef("--source %s: %v: give --template NAME", src, err)
		}
	}
	tpl, err := set.Lookup(name)
	if err != nil {
		return nil, "", usageError{templateError{fmt.Errorf("--template: %w (dingbot template ls lists them)", err)}}
	}
	if src == "" {
		srcs := template.Sources(tpl.Data())
		if len(srcs) == 0 {
			return nil, "", usageError{templateError{fmt.Errorf("template %s renders no payload: %s; give --source and a template of its payloads, or send it with dingbot send --template %s", tpl.Name(), dataOf(tpl), tpl.Name())}}
		}
		src = srcs[0]
	}
	if err := tpl.CheckSource(src); err != nil {
		return nil, "", usageError{templateError{err}}
	}
	return tpl, src, nil
}

// renderInput is the payload to render, the headers its sender would set with it, and its
// event (the sample's, or --event).
func renderInput(s streams, f *renderFlags, src string) (http.Header, []byte, string, error) {
	events := source.SampleEvents(src)
	switch {
	case f.sample && f.file != "":
		return nil, nil, "", usagef("--sample or --file: give one payload")
	case f.sample:
		event := f.event
		if event == "" && len(events) > 0 {
			event = events[0]
		}
		h, body, err := source.Sample(src, event)
		if err != nil {
			return nil, nil, "", usagef("--event: %v", sampleEventHint(err, event, events))
		}
		return h, body, event, nil
	case f.file == "":
		return nil, nil, "", usagef("which payload? --sample renders %s's sample (--event: %s), --file PATH a payload of yours (- reads standard input)", src, strings.Join(events, ", "))
	}
	var r io.Reader
	if f.file == "-" {
		if s.in == nil {
			return nil, nil, "", usagef("--file -: no standard input to read the payload from")
		}
		r = s.in
	} else {
		fh, err := os.Open(f.file)
		if err != nil {
			return nil, nil, "", usageError{fmt.Errorf("read --file: %w", err)}
		}
		defer fh.Close()
		r = fh
	}
	body, err := source.Read(r)
	if err != nil {
		return nil, nil, "", usageError{fmt.Errorf("read --file %s: %w (the relay refuses it too: 413)", f.file, err)}
	}
	event := f.event
	if event == "" && src == source.SourceGitLab {
		event = gitlabEvent(body)
	}
	h, err := eventHeaders(src, event)
	return h, body, event, err
}

// gitlabHooks are X-Gitlab-Event's values by the object_kind of the payload.
var gitlabHooks = map[string]string{
	"push": "Push Hook", "tag_push": "Tag Push Hook", "merge_request": "Merge Request Hook",
	"pipeline": "Pipeline Hook", "issue": "Issue Hook", "note": "Note Hook", "release": "Release Hook",
	"build": "Job Hook", "wiki_page": "Wiki Page Hook", "deployment": "Deployment Hook",
	"feature_flag": "Feature Flag Hook", "emoji": "Emoji Hook",
}

// gitlabEvent is the X-Gitlab-Event a GitLab payload is sent with, read from its object_kind
// (a confidential issue or note's header differs only in the word "Confidential"); "" when
// the body names none.
func gitlabEvent(body []byte) string {
	var kind struct {
		ObjectKind string `json:"object_kind"`
	}
	if json.Unmarshal(body, &kind) != nil {
		return ""
	}
	return gitlabHooks[kind.ObjectKind]
}

// eventHeaders are the headers a payload of src is sent with for --file: a Git host names its
// event in a header, which --event gives (a sample event's name, or the header's value);
// other sources need none.
func eventHeaders(src, event string) (http.Header, error) {
	kind, _ := source.DataKind(src)
	events := source.SampleEvents(src)
	if kind != "git" {
		if event != "" {
			return nil, usagef("--event %s: %s payloads say what they are; --event picks one of its samples (%s) with --sample", event, src, strings.Join(events, ", "))
		}
		return http.Header{"Content-Type": {"application/json"}}, nil
	}
	if event == "" {
		return nil, usagef("--event: %s names its event in a header, not in the payload: give one of %s, or the header's value as %s sends it", src, strings.Join(events, ", "), src)
	}
	if slices.Contains(events, event) {
		h, _, err := source.Sample(src, event)
		return h, err
	}
	h, _, err := source.Sample(src, "")
	if err != nil {
		return nil, err
	}
	for k := range h {
		if strings.HasSuffix(k, "-Event") {
			h.Set(k, event)
		}
	}
	return h, nil
}

// renderContacts are the config's contacts, for the mentions a template writes; a config that
// cannot be read is a warning.
func renderContacts(g *globalFlags, s streams) dingtalk.Contacts {
	path, err := configPath(g)
	if err != nil {
		return nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(s.err, "dingbot: warning: the config cannot be read, so mentions know no contacts:", err)
		return nil
	}
	return cfg.Contacts
}

// previewBody shows a request body as DingTalk would show the message, the way dingbot send
// shows what its built-in sandbox received: it is posted to an in-process sandbox (no network)
// and its arrival drawn.
func previewBody(w io.Writer, body []byte) (string, error) {
	const token = sandbox.DefaultToken // named as it is, "sandbox", in the preview's head
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token}}})
	req := httptest.NewRequest(http.MethodPost, sandbox.Path+"?access_token="+token, bytes.NewReader(body))
	req.Header.Set("Content-Type", dingtalk.ContentType)
	sb.ServeHTTP(httptest.NewRecorder(), req)
	arr := sb.Arrivals()
	if len(arr) == 0 {
		return "", errors.New("preview: the sandbox saw no request")
	}
	return sandboxview.Render(arr[0], 80, sandboxview.StyleFor(w, os.Getenv)), nil
}

// dataOf says what a template renders, for people: "variables", or "alertmanager payloads
// (data = \"alertmanager\")".
func dataOf(t *template.Template) string {
	if t.Data() == "" {
		return "it is a template of variables"
	}
	if srcs := template.Sources(t.Data()); len(srcs) > 0 {
		return fmt.Sprintf("it renders %s payloads (data = %q)", strings.Join(srcs, ", "), t.Data())
	}
	return fmt.Sprintf("its data = %q is no source's", t.Data())
}
