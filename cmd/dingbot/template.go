package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// templateError marks a template that cannot be found or filled (exit code 2).
type templateError struct{ err error }

func (e templateError) Error() string { return e.err.Error() }
func (e templateError) Unwrap() error { return e.err }

// loadTemplates returns the gallery with the user's templates (beside the config file) over it.
// Broken user templates are written to w as warnings.
func loadTemplates(g *globalFlags, w io.Writer) (*template.Set, string, error) {
	path, err := configPath(g)
	if err != nil {
		return nil, "", err
	}
	dir := template.Dir(path)
	set, warnings := template.Load(dir)
	for _, e := range warnings {
		fmt.Fprintln(w, "dingbot: warning:", e)
	}
	return set, dir, nil
}

// serverTemplates are the templates the MCP server offers as prompts: the gallery with the
// user's over it. Broken user templates are logged, never written to standard output.
func serverTemplates(configPath string, logger *slog.Logger) *template.Set {
	set, warnings := template.Load(template.Dir(configPath))
	for _, e := range warnings {
		logger.Warn("template left out", "err", e)
	}
	return set
}

// templateVars reads --vars-file, then --var over it.
func templateVars(varsFile string, vars []string) (map[string]string, error) {
	out := map[string]string{}
	if varsFile != "" {
		text, err := readFile(varsFile)
		if err != nil {
			return nil, err
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return nil, usagef("--vars-file %s: want a JSON object of variable names to values: %v", varsFile, err)
		}
		for k, v := range raw {
			s, err := varString(v)
			if err != nil {
				return nil, usagef("--vars-file %s: %q: %v", varsFile, k, err)
			}
			if v != nil {
				out[k] = s
			}
		}
	}
	for _, kv := range vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usagef(`--var %q: write it as name=value`, kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// varString is a JSON value as a template variable: strings as they are, numbers and booleans
// as JSON writes them, a list one item a line (the template's lines and join take it apart).
func varString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []any:
		items := make([]string, len(v))
		for i, x := range v {
			s, err := varString(x)
			if err != nil {
				return "", err
			}
			if _, isList := x.([]any); isList {
				return "", errors.New("a list inside a list: give a list of strings")
			}
			items[i] = s
		}
		return strings.Join(items, "\n"), nil
	}
	return "", errors.New("an object is not a value: give a string, a number, a boolean or a list of strings")
}

// sendTemplate sends the message the template --template renders with the variables given.
func sendTemplate(cmd *cobra.Command, g *globalFlags, f *sendFlags, s streams) error {
	vars, err := templateVars(f.varsFile, f.vars)
	if err != nil {
		return reportSend(s, f, sendOutcome{err: err})
	}
	set, _, err := loadTemplates(g, s.err)
	if err != nil {
		return reportSend(s, f, sendOutcome{err: err})
	}
	tpl, err := set.Lookup(f.template)
	if err != nil {
		return reportSend(s, f, sendOutcome{err: usageError{templateError{fmt.Errorf("--template: %w (dingbot template ls lists them)", err)}}})
	}
	return sendBuilt(cmd.Context(), g, f, s, nil, tpl.Type(), func(a *app) (dingtalk.Message, error) {
		msg, err := tpl.Render(vars, a.cfg.Contacts)
		if err != nil {
			return msg, usageError{templateError{err}}
		}
		return msg, nil
	})
}

func newTemplateCmd(g *globalFlags, s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "List, show and render message templates (dingbot send --template NAME, dingbot serve)",
		Long: `Templates turn a few variables into a whole message: an alert, a CI result, an approval card.
Templates of payloads (data = "alertmanager", …) turn what Alertmanager, Grafana, GitHub, GitLab,
Gitea or any JSON webhook posts to dingbot serve into a message: alert, grafana, git and generic
are the relay's defaults, and dingbot template render previews one on a sample payload or yours.

dingbot has a built-in gallery; your own templates go in the templates directory beside the
config file (dingbot config path shows it), one NAME.toml each. One with the name of a built-in
replaces it; a broken one is left out with a warning naming its file and line.
Send one with: dingbot send --template NAME --var key=value …`,
		Example: `  dingbot template ls
  dingbot template show alert-firing
  dingbot send --template alert-firing --var alertname=DiskFull --var severity=critical --var summary="db1 at 97%"
  dingbot template render --source alertmanager --sample`,
		Args: subcommandArgs,
	}
	var lsJSON bool
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the templates: name, message type, built-in or user, description",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, dir, err := loadTemplates(g, s.err)
			if err != nil {
				return err
			}
			infos := set.List()
			if lsJSON {
				out := make([]templateJSON, len(infos))
				for i, info := range infos {
					out[i] = infoJSON(info)
				}
				return writeJSON(s.out, out)
			}
			rows := [][]string{{"NAME", "TYPE", "RENDERS", "SOURCE", "DESCRIPTION"}}
			for _, i := range infos {
				src := i.Source
				if i.Overrides {
					src += " (replaces the built-in)"
				}
				rows = append(rows, []string{i.Name, string(i.Type), rendersColumn(i), src, i.Description})
			}
			if _, err := io.WriteString(s.out, table(rows)); err != nil {
				return err
			}
			fmt.Fprintf(s.err, "your templates: %s (NAME.toml); dingbot template show NAME shows one; those that render payloads are dingbot serve's (dingbot template render --template NAME --sample)\n", dir)
			return nil
		},
	}
	ls.Flags().BoolVar(&lsJSON, "json", false, "print a JSON array: name, type, source, description, path; data and sources for a template of payloads")

	var (
		showJSON, showTOML bool
		showVars           []string
	)
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a template's variables and its sample, rendered as it would be sent",
		Long: `Show a template's variables (required or not, description, default, sample) and the
request body its samples render to, as dingbot send --template would send it. --var replaces
a sample, to try a value; --json prints it all as one object.

--toml prints the template's file: copy it into the templates directory beside the config
(dingbot config path) as NAME.toml and edit it to make a template of your own. The fields a
template of payloads reads: dingbot template fields --source SOURCE.`,
		Example: `  dingbot template show ci-result
  dingbot template show ci-result --var status=passed --json
  dingbot template show alert --toml > ~/.config/dingbot/templates/my-alert.toml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// --toml is redirected into the templates directory: the shell has already
			// created the (empty) target, which must not be warned about as a broken template.
			warnTo := s.err
			if showTOML {
				warnTo = io.Discard
			}
			set, _, err := loadTemplates(g, warnTo)
			if err != nil {
				return err
			}
			tpl, err := set.Lookup(args[0])
			if err != nil {
				return usageError{err}
			}
			if showTOML {
				if showJSON || len(showVars) > 0 {
					return usagef("--toml prints the file alone: leave out --json and --var")
				}
				_, err := s.out.Write(tpl.Source())
				return err
			}
			given, err := templateVars("", showVars)
			if err != nil {
				return err
			}
			return showTemplate(g, s, tpl, given, showJSON)
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print one JSON object: the template, its variables, the body or the error")
	show.Flags().BoolVar(&showTOML, "toml", false, "print the template's file (TOML) alone, to copy into your templates directory and edit")
	show.Flags().StringArrayVar(&showVars, "var", nil, "name=value: render with this value instead of the sample (repeatable)")
	cmd.AddCommand(ls, show, newTemplateRenderCmd(g, s), newTemplateFieldsCmd(g, s))
	return cmd
}

// templateJSON is one template in --json output.
type templateJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Source      string `json:"source"`
	Description string `json:"description"`
	Path        string `json:"path,omitempty"`
	Overrides   bool   `json:"overrides_builtin,omitempty"`
	// Data and Sources: what a template of payloads renders (data = "git") and the relay
	// sources whose payloads those are (github, gitlab, gitea).
	Data      string    `json:"data,omitempty"`
	Sources   []string  `json:"sources,omitempty"`
	Variables []varJSON `json:"variables,omitempty"`
	// SampleSource and SampleEvent name the sample payload a template of payloads is shown with.
	SampleSource string `json:"sample_source,omitempty"`
	SampleEvent  string `json:"sample_event,omitempty"`
	// The sample, rendered: the exact body, its size, DingTalk's warnings, or why it failed.
	Body     json.RawMessage `json:"body,omitempty"`
	Bytes    int             `json:"bytes,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	Error    string          `json:"error,omitempty"`
}

type varJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Required    bool     `json:"required"`
	Sample      string   `json:"sample,omitempty"`
	Default     string   `json:"default,omitempty"`
	Choices     []string `json:"choices,omitempty"`
}

// prepare records msg, rendered with renderErr, as a robot would send it: its body, size and
// lint warnings, or the error (of rendering or of DingTalk's rules), which it returns.
func (out *templateJSON) prepare(msg dingtalk.Message, renderErr error) error {
	err := renderErr
	if err == nil {
		var p *dingtalk.Prepared
		p, err = dingtalk.Prepare(dingtalk.Robot{Name: "sample"}, msg, dingtalk.PrepareOptions{})
		if p != nil {
			out.Body, out.Bytes = p.Body, p.Bytes
			for _, w := range p.Warnings {
				out.Warnings = append(out.Warnings, w.String())
			}
		}
	}
	if err != nil {
		out.Error = err.Error()
	}
	return err
}

func infoJSON(i template.Info) templateJSON {
	return templateJSON{Name: i.Name, Type: string(i.Type), Source: i.Source, Description: i.Description, Path: i.Path, Overrides: i.Overrides,
		Data: i.Data, Sources: template.Sources(i.Data)}
}

// rendersColumn is what template ls says a template renders: "variables", or the sources
// whose payloads it renders ("alertmanager payloads", "github, gitlab, gitea payloads").
func rendersColumn(i template.Info) string {
	switch srcs := template.Sources(i.Data); {
	case i.Data == "":
		return "variables"
	case len(srcs) == 0:
		return fmt.Sprintf("%s data (no source)", i.Data)
	default:
		return strings.Join(srcs, ", ") + " payloads"
	}
}

// showTemplate prints tpl's variables and its sample rendered, prepared for a robot without
// keywords: the body dingbot send --template would post.
func showTemplate(g *globalFlags, s streams, tpl *template.Template, given map[string]string, asJSON bool) error {
	if tpl.Data() != "" {
		if len(given) > 0 {
			return usageError{templateError{fmt.Errorf("template %s takes no --var: %s (dingbot template render --template %s --file PAYLOAD renders one of yours)", tpl.Name(), dataOf(tpl), tpl.Name())}}
		}
		return showDataTemplate(g, s, tpl, asJSON)
	}
	contacts := renderContacts(g, s)
	vars := tpl.Samples()
	for k, v := range given {
		vars[k] = v
	}
	out := infoJSON(tpl.Info())
	for _, v := range tpl.Vars() {
		out.Variables = append(out.Variables, varJSON{Name: v.Name, Description: v.Desc, Required: v.Required, Sample: v.Sample, Default: v.Default, Choices: v.Choices})
	}
	msg, err := tpl.Render(vars, contacts)
	err = out.prepare(msg, err)
	if asJSON {
		if werr := writeJSON(s.out, out); werr != nil {
			return werr
		}
	} else {
		writeTemplateHuman(s.out, out, tpl, vars)
	}
	if err != nil {
		if !asJSON {
			fmt.Fprintln(s.err, prefixed("dingbot: ", err))
		}
		return exitError{code: exitUsage}
	}
	return nil
}

// writeTemplateHuman prints t for a person; vars are what it was rendered with, so that the
// "Send it:" line sends the very message shown.
func writeTemplateHuman(w io.Writer, t templateJSON, tpl *template.Template, vars map[string]string) {
	fmt.Fprintf(w, "%s: %s (%s", t.Name, t.Description, dingtalk.MsgType(t.Type).Name())
	if t.Path != "" {
		fmt.Fprintf(w, ", %s", t.Path)
	} else {
		fmt.Fprintf(w, ", %s", t.Source)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintln(w, "\nVariables:")
	rows := [][]string{{"  NAME", "REQUIRED", "DESCRIPTION", "SAMPLE"}}
	for _, v := range tpl.Vars() {
		desc := v.Desc
		if v.Default != "" {
			desc += fmt.Sprintf(" (default %s)", v.Default)
		}
		if len(v.Choices) > 0 {
			desc += " (one of " + strings.Join(v.Choices, ", ") + ")"
		}
		rows = append(rows, []string{"  " + v.Name, yesIf(v.Required), desc, oneLine(v.Sample)})
	}
	io.WriteString(w, table(rows))
	if t.Body != nil {
		fmt.Fprintf(w, "\nThe sample as it would be sent (%d of %d bytes):\n%s\n", t.Bytes, dingtalk.MaxBodyBytes, dingtalk.Indent(t.Body))
		for _, warn := range t.Warnings {
			fmt.Fprintln(w, "warning:", warn)
		}
	}
	line := []string{"dingbot", "send", "--template", export.Quote(t.Name)}
	for _, v := range tpl.Vars() {
		if val := vars[v.Name]; val != "" {
			line = append(line, "--var", v.Name+"="+export.Quote(val))
		}
	}
	fmt.Fprintf(w, "\nSend it: %s\n", strings.Join(line, " "))
}

// oneLine shows a multi-line value on one line, its breaks as ⏎.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ⏎ ") }

// prefixed is err written after prefix: joined errors (a template's several problems) one a
// line, each with the prefix, when nothing wraps the join with more words.
func prefixed(prefix string, err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		j, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		if e.Error() != err.Error() {
			break
		}
		var lines []string
		for _, x := range j.Unwrap() {
			if x != nil {
				lines = append(lines, prefixed(prefix, x))
			}
		}
		return strings.Join(lines, "\n")
	}
	return prefix + err.Error()
}

// showDataTemplate prints a template of payloads: what it renders, for which sources it is the
// relay's default, and its sample (the first source's first sample payload) as it would be sent.
func showDataTemplate(g *globalFlags, s streams, tpl *template.Template, asJSON bool) error {
	out := infoJSON(tpl.Info())
	out.SampleSource = tpl.SampleSource()
	if events := source.SampleEvents(out.SampleSource); len(events) > 0 {
		out.SampleEvent = events[0]
	}
	msg, err := tpl.RenderSample(renderContacts(g, s))
	err = out.prepare(msg, err)
	if asJSON {
		if werr := writeJSON(s.out, out); werr != nil {
			return werr
		}
	} else {
		w := s.out
		where := out.Source
		if out.Path != "" {
			where = out.Path
		}
		fmt.Fprintf(w, "%s: %s (%s, %s)\n", out.Name, out.Description, tpl.Type().Name(), where)
		fmt.Fprintf(w, "\nIt renders %s: dingbot serve posts what it renders for each payload a route with its template receives.\n", rendersColumn(tpl.Info()))
		var defaultFor []string
		for _, src := range out.Sources {
			if name, err := template.ForSource(src); err == nil && name == tpl.Name() {
				defaultFor = append(defaultFor, src)
			}
		}
		if len(defaultFor) > 0 {
			fmt.Fprintf(w, "It is the template of routes of source %s that name none.\n", strings.Join(defaultFor, ", "))
		}
		if out.Body != nil {
			fmt.Fprintf(w, "\nThe %s %s sample as it would be sent (%d of %d bytes):\n%s\n", out.SampleSource, out.SampleEvent, out.Bytes, dingtalk.MaxBodyBytes, dingtalk.Indent(out.Body))
			for _, warn := range out.Warnings {
				fmt.Fprintln(w, "warning:", warn)
			}
		}
		fmt.Fprintf(w, "\nPreview it: dingbot template render --template %s --sample", export.Quote(tpl.Name()))
		if events := source.SampleEvents(out.SampleSource); len(events) > 1 {
			fmt.Fprintf(w, " [--event %s]", strings.Join(events, "|"))
		}
		yours := "dingbot template render --template " + export.Quote(tpl.Name())
		if len(out.Sources) > 1 {
			yours += " --source " + strings.Join(out.Sources, "|")
		}
		if out.Data == "git" {
			yours += " --event EVENT" // a Git host names its event in a header
		}
		fmt.Fprintf(w, "\nA payload of yours: %s --file PAYLOAD.json\n", yours)
		fmt.Fprintf(w, "Its fields: dingbot template fields --source %s\n", out.SampleSource)
		fmt.Fprintf(w, "Its file, to make your own: %s\n", copyLine(tpl.Name(), templatesDir(g)))
	}
	if err != nil {
		if !asJSON {
			fmt.Fprintln(s.err, prefixed("dingbot: ", err))
		}
		return exitError{code: exitUsage}
	}
	return nil
}

// templatesDir is the directory of the user's templates, for hints; "TEMPLATES" when the
// config's path is unknown.
func templatesDir(g *globalFlags) string {
	path, err := configPath(g)
	if err != nil {
		return "TEMPLATES"
	}
	return template.Dir(path)
}
