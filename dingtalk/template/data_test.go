package template_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

const alertTemplate = `description = "Alertmanager: the firing alerts of a group"
data = "alertmanager"
msgtype = "markdown"
title = "[{{ .Status | upper }}] {{ .CommonLabels.alertname }}"
text = '''
### {{ .CommonLabels.alertname | md }} ({{ len .Firing }} firing)
{{ range .Firing }}
- {{ .Annotations.summary | md }} on {{ .Labels.instance }} since {{ .StartsAt | time "Asia/Shanghai" "datetime" }}{{ with .EndsAt | time "UTC" "datetime" }} until {{ . }}{{ end }}
{{- end }}

{{ mention .CommonLabels.team }}
'''
`

func alertmanagerPayload(t *testing.T, file string) source.AlertmanagerPayload {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "relay", "source", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	am, err := source.Alertmanager(body)
	if err != nil {
		t.Fatal(err)
	}
	return am
}

func TestRenderDataAlertmanager(t *testing.T) {
	tpl := mustParse(t, "alert", alertTemplate)
	if tpl.Data() != "alertmanager" {
		t.Errorf("Data() = %q", tpl.Data())
	}
	am := alertmanagerPayload(t, "alertmanager-firing.json")
	cs := dingtalk.Contacts{{Name: "payments", Mobile: "13800000000"}}
	msg, err := tpl.RenderData(am, cs)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Type != dingtalk.TypeMarkdown || msg.Markdown.Title != "[FIRING] HighErrorRate" {
		t.Errorf("message = %+v", msg)
	}
	want := "### HighErrorRate (2 firing)\n\n" +
		"- checkout is failing more than 5% of requests on 10.0.3.17:8080 since 2026-11-30 16:14\n" +
		"- checkout is failing more than 5% of requests on 10.0.3.22:8080 since 2026-11-30 08:15\n\n" +
		"@13800000000"
	if msg.Markdown.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", msg.Markdown.Text, want)
	}
	if msg.At == nil || len(msg.At.AtMobiles) != 1 || msg.At.AtMobiles[0] != "13800000000" {
		t.Errorf("at = %+v, want the team's mobile", msg.At)
	}
	if missing := dingtalk.MissingMentions(msg); len(missing) != 0 {
		t.Errorf("mentions missing from the text: %v", missing)
	}

	// A data template renders only with data: Render says so, naming the data line.
	if _, err := tpl.Render(nil, cs); err == nil || !strings.Contains(err.Error(), `template alert: line 2: it renders alertmanager data`) {
		t.Errorf("Render of a data template: %v", err)
	}
}

func TestRenderDataIgnoresVars(t *testing.T) {
	// A template of variables renders data too: its required variables are not asked for,
	// and .service reads the data's key.
	tpl := mustParse(t, "deploy", deploy)
	msg, err := tpl.RenderData(map[string]any{"service": "api", "severity": "low", "owner": ""}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Markdown.Text != "### Deploying api\n\nSeverity LOW" {
		t.Errorf("text = %q", msg.Markdown.Text)
	}
}

func TestRenderDataErrorsNameTemplateAndLine(t *testing.T) {
	am := alertmanagerPayload(t, "alertmanager-firing.json")
	src := "data = \"alertmanager\"\nmsgtype = \"text\"\ntext = '''\n{{ .Status }}\n{{ range .Alerts }}{{ .StartAt }}{{ end }}\n'''\n"
	tpl := mustParse(t, "am", src)
	_, err := tpl.RenderData(am, nil)
	if err == nil || !strings.Contains(err.Error(), "template am: line 5: at {{ .StartAt }}: an alert has no field StartAt (did you mean .StartsAt?)") {
		t.Errorf("unknown field: %v", err)
	}
	src = "data = \"alertmanager\"\nmsgtype = \"text\"\ntext = '''\n{{ .Status }}\n{{ .CommonLabels.team | time \"UTC\" \"date\" }}\n'''\n"
	tpl = mustParse(t, "am", src)
	_, err = tpl.RenderData(am, nil)
	if err == nil || !strings.Contains(err.Error(), `template am: line 5: at {{ time "UTC" "date" }}: cannot read "payments" as a time`) {
		t.Errorf("bad helper value: %v", err)
	}
}

func TestParseDataTemplate(t *testing.T) {
	cases := []struct{ src, want string }{
		{"data = \"alertmanager\"\nmsgtype = \"text\"\ntext = \"{{ .Status }}\"\n\n[[vars]]\nname = \"x\"\n", `template d: line 5: a template with data = "alertmanager" takes no [[vars]]`},
		{"data = \"Alert Manager\"\nmsgtype = \"text\"\ntext = \"{{ .Status }}\"\n", `template d: line 1: data "Alert Manager"`},
		// Without data, fields still use declared variables only.
		{"msgtype = \"text\"\ntext = \"{{ .Status }}\"\n", `template d: line 2: variable "Status" is used but not declared`},
	}
	for _, c := range cases {
		_, err := template.Parse("d", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want %q", c.src, err, c.want)
		}
	}
}

func TestTimeHelperTakesTimes(t *testing.T) {
	at := time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC)
	var zero time.Time
	var nilTime *time.Time
	tpl := mustParse(t, "t", "data = \"generic\"\nmsgtype = \"text\"\ntext = '''{{ .v | time \"Asia/Shanghai\" \"datetime\" }}|'''\n")
	cases := []struct {
		v    any
		want string
	}{
		{at, "2024-05-01 09:30|"},
		{&at, "2024-05-01 09:30|"},
		{zero, "|"},
		{&zero, "|"},
		{nilTime, "|"},
		{"2024-05-01T01:30:00Z", "2024-05-01 09:30|"},
		{int64(1714527000), "2024-05-01 09:30|"},
	}
	for _, c := range cases {
		msg, err := tpl.RenderData(map[string]any{"v": c.v}, nil)
		if err != nil {
			t.Errorf("time on %#v: %v", c.v, err)
			continue
		}
		if msg.Text.Content != c.want {
			t.Errorf("time on %#v = %q, want %q", c.v, msg.Text.Content, c.want)
		}
	}
	if _, err := tpl.RenderData(map[string]any{"v": 1.5}, nil); err == nil || !strings.Contains(err.Error(), "cannot read a float64 as a time") {
		t.Errorf("time on a float: %v", err)
	}
}

func TestDurationAndSince(t *testing.T) {
	start := time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC)
	defer template.SetNow(func() time.Time { return start.Add(65*time.Minute + 20*time.Second) })()
	cases := []struct {
		text string
		data map[string]any
		want string
	}{
		{`{{ .d | duration }}`, map[string]any{"d": 65 * time.Minute}, "1h 5m"},
		{`{{ .d | duration }}`, map[string]any{"d": 26*time.Hour + 59*time.Minute}, "1d 2h"},
		{`{{ .d | duration }}`, map[string]any{"d": time.Hour + 30*time.Second}, "1h"},
		{`{{ .d | duration }}`, map[string]any{"d": 90 * time.Second}, "1m 30s"},
		{`{{ .d | duration }}`, map[string]any{"d": 400 * time.Millisecond}, "0s"},
		{`{{ .d | duration }}`, map[string]any{"d": "45s"}, "45s"},
		{`{{ duration .a .b }}`, map[string]any{"a": start, "b": start.Add(3 * time.Hour)}, "3h"},
		{`{{ .b | duration .a }}`, map[string]any{"a": start, "b": time.Time{}}, ""},
		{`{{ .a | since }}`, map[string]any{"a": start}, "1h 5m"},
		{`{{ .a | since }}`, map[string]any{"a": &start}, "1h 5m"},
		{`{{ .a | since }}`, map[string]any{"a": time.Time{}}, ""},
	}
	for _, c := range cases {
		tpl := mustParse(t, "d", "data = \"generic\"\nmsgtype = \"text\"\ntext = '''"+c.text+"|'''\n")
		msg, err := tpl.RenderData(c.data, nil)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		if msg.Text.Content != c.want+"|" {
			t.Errorf("%s on %v = %q, want %q", c.text, c.data, msg.Text.Content, c.want+"|")
		}
	}
}

// A field the data lacks is named in words, with the fields there are and the nearest one.
func TestRenderDataFieldErrorTeaches(t *testing.T) {
	am := alertmanagerPayload(t, "alertmanager-firing.json")
	cases := []struct{ text, want string }{
		{"{{ .status }}", `line 4: at {{ .status }}: the alertmanager payload has no field status (did you mean .Status?); its fields: Version, GroupKey, TruncatedAlerts, Status, Receiver, GroupLabels (a map: index it, .GroupLabels.KEY), CommonLabels (a map: index it, .CommonLabels.KEY), CommonAnnotations (a map: index it, .CommonAnnotations.KEY), ExternalURL, Alerts, Firing, Resolved`},
		{"{{ range .Alerts }}{{ .Lables.x }}{{ end }}", `at {{ .Lables.x }}: an alert has no field Lables (did you mean .Labels?); its fields: Status, Labels (a map: index it, .Labels.KEY), Annotations (a map: index it, .Annotations.KEY), StartsAt, EndsAt, GeneratorURL, Fingerprint, Firing`},
		{"{{ .Status.x }}", `text has no fields: .x reads a field of text`},
	}
	for _, c := range cases {
		tpl, err := template.Parse("mine", []byte("data = \"alertmanager\"\nmsgtype = \"text\"\ntext = '''\n"+c.text+"\n'''\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tpl.RenderData(am, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "source.") {
			t.Errorf("%s:\n got %v\nwant %s", c.text, err, c.want)
		}
	}
}

// A label one alert of the group lacks, or a key a generic payload lacks, reads as nothing:
// the message still goes (Alertmanager does not resend a group the relay refused with 422).
func TestRenderDataMissingKeysAreEmpty(t *testing.T) {
	am := alertmanagerPayload(t, "alertmanager-firing.json")
	delete(am.Alerts[1].Labels, "instance")
	tpl := mustParse(t, "am", "data = \"alertmanager\"\nmsgtype = \"text\"\ntext = '''\n{{ range .Alerts }}[{{ .Labels.instance }}]{{ end }} {{ .CommonLabels.nosuch }}.\n'''\n")
	msg, err := tpl.RenderData(am, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Text.Content; got != "[10.0.3.17:8080][] ." {
		t.Fatalf("got %q", got)
	}
	gen, err := source.Generic([]byte(`{"title":"t","nested":{"a":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	tpl = mustParse(t, "g", "data = \"generic\"\nmsgtype = \"text\"\ntext = '''\n{{ .title }}|{{ .owner }}|{{ .nested.b }}|{{ if .owner }}x{{ end }}\n'''\n")
	if msg, err = tpl.RenderData(gen, nil); err != nil || msg.Text.Content != "t|||" {
		t.Fatalf("generic: %q %v", msg.Text.Content, err)
	}
}
