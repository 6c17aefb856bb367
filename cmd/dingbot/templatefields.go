package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// fieldsJSON is dingbot template fields --json.
type fieldsJSON struct {
	Source string           `json:"source"`
	Event  string           `json:"event,omitempty"`
	Data   string           `json:"data"`
	Fields []template.Field `json:"fields"`
}

func newTemplateFieldsCmd(g *globalFlags, s streams) *cobra.Command {
	var (
		src, event, name string
		asJSON           bool
	)
	cmd := &cobra.Command{
		Use:   "fields --source SOURCE [--event EVENT]",
		Short: "List the fields a template of a source's payloads reads: name, type and the sample's value",
		Long: `List what a template of payloads (data = "alertmanager", …) can read from "." for a source:
every field, what it is and its value in the source's sample (--event picks the sample). An
indented field is one of each item of the list above it: inside {{ range .Alerts }} it is
{{ .Labels }}. A map is read by its key: {{ .Labels.severity }}, or {{ index .Labels "a-key" }}.

Write your own template in the templates directory beside the config (dingbot config path),
as NAME.toml; dingbot template show alert --toml prints a built-in one to start from.`,
		Example: `  dingbot template fields --source alertmanager
  dingbot template fields --source github --event pull_request
  dingbot template fields --template my-alert --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listFields(g, s, src, event, name, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&src, "source", "", "the payload's source: "+strings.Join(source.Names(), ", "))
	fl.StringVar(&event, "event", "", "which sample to read (firing, resolved; push, pull_request, workflow…)")
	fl.StringVar(&name, "template", "", "the source this template of payloads renders (instead of --source)")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object: source, event, data and the fields (path, name, depth, type, example)")
	return cmd
}

// listFields is dingbot template fields.
func listFields(g *globalFlags, s streams, src, event, name string, asJSON bool) error {
	src = strings.TrimSpace(src)
	if name != "" {
		set, _, err := loadTemplates(g, s.err)
		if err != nil {
			return err
		}
		if _, src, err = renderTemplate(set, &renderFlags{source: src, template: name}); err != nil {
			return err
		}
	}
	if src == "" {
		return usagef("--source: whose payload? One of %s", strings.Join(source.Names(), ", "))
	}
	data, err := source.DataKind(src)
	if err != nil {
		return usagef("--source: %v", err)
	}
	if event == "" {
		if events := source.SampleEvents(src); len(events) > 0 {
			event = events[0]
		}
	}
	if _, _, err := source.Sample(src, event); err != nil {
		return usagef("--event: %v", sampleEventHint(err, event, source.SampleEvents(src)))
	}
	payload, err := template.SamplePayload(src, event)
	if err != nil {
		return err
	}
	fields := template.Fields(payload)
	if asJSON {
		return writeJSON(s.out, fieldsJSON{Source: src, Event: event, Data: data, Fields: fields})
	}
	fmt.Fprintf(s.out, "A template with data = %q reads %s %s payload as \".\"; the examples are the %s %s sample's.\n\n", data, article(src), src, src, event)
	rows := [][]string{{"FIELD", "TYPE", "EXAMPLE"}}
	for _, f := range fields {
		rows = append(rows, []string{strings.Repeat("  ", f.Depth) + f.Name, f.Type, f.Example})
	}
	fmt.Fprint(s.out, table(rows))
	builtin, _ := template.ForSource(src)
	fmt.Fprintf(s.out, "\nAn indented field belongs to the one above it; under a list, to each of its items, read inside\n{{ range }}: {{ range .Alerts }}{{ .Labels.severity }}{{ end }}.\n")
	fmt.Fprintf(s.out, "Start from the built-in template: %s\n", copyLine(builtin, templatesDir(g)))
	return nil
}

// sampleEventHint adds a did-you-mean to a sample event source.Sample does not know.
func sampleEventHint(err error, event string, events []string) error {
	if near := dingtalk.Nearest(event, events); near != "" && near != event {
		return fmt.Errorf("%w (did you mean %s?)", err, near)
	}
	return err
}

// article is "a" or "an" for word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// copyLine is the shell line that copies template name into dir as my-NAME.toml, a template of
// one's own to edit.
func copyLine(name, dir string) string {
	return fmt.Sprintf("mkdir -p %s && dingbot template show %s --toml > %s", export.Quote(dir), export.Quote(name), export.Quote(filepath.Join(dir, "my-"+name+".toml")))
}
