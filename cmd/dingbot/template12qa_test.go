package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// A template of one's own that names a field the payload lacks is told, in words, what the
// payload is, the fields it has and the one meant (QA F3: it said "can't evaluate field
// status in type source.AlertmanagerPayload").
func TestTemplateRenderFieldErrorTeaches(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	dir := filepath.Join(e.dir, "templates")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "my-alert.toml"), []byte(`description = "mine"
msgtype = "text"
data = "alertmanager"
text = '''{{ .status }} {{ range .alerts }}{{ .labels.alertname }}{{ end }}'''
`), 0o600)
	r := e.run("", "template", "render", "--template", "my-alert", "--sample")
	want := "dingbot: template my-alert: line 4: at {{ .status }}: the alertmanager payload has no field status (did you mean .Status?); its fields: Version, GroupKey, TruncatedAlerts, Status, Receiver, GroupLabels (a map: index it, .GroupLabels.KEY)"
	if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "source.") {
		t.Errorf("exit %d\n%s\nwant %q", r.code, r.stderr, want)
	}
	if !strings.Contains(r.stderr, "dingbot template fields --source alertmanager") {
		t.Errorf("the error does not say where the fields are listed:\n%s", r.stderr)
	}
}

// template show NAME --toml prints the built-in's file: a copy beside the config renders as
// the built-in does; template fields lists what a source's payload holds, with the sample's
// values (QA F3: nothing said what a payload template receives).
func TestTemplateFieldsAndShowTOML(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	for _, name := range []string{"alert", "git"} {
		// As the shell runs "show --toml > templates/my-NAME.toml": the target exists, empty.
		dir := filepath.Join(e.dir, "templates")
		os.MkdirAll(dir, 0o700)
		os.WriteFile(filepath.Join(dir, "my-"+name+".toml"), nil, 0o600)
		r := e.run("", "template", "show", name, "--toml")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "description = ") || !strings.Contains(r.stdout, "data = ") || r.stderr != "" {
			t.Fatalf("show %s --toml: exit %d\n%s\n%s", name, r.code, r.stdout, r.stderr)
		}
		os.WriteFile(filepath.Join(dir, "my-"+name+".toml"), []byte(r.stdout), 0o600)
		mine, r1 := e.renderJSON("", "--template", "my-"+name, "--sample")
		builtin, r2 := e.renderJSON("", "--template", name, "--sample")
		if r1.code != 0 || r2.code != 0 || string(mine.Body) != string(builtin.Body) {
			t.Errorf("my-%s renders %s, the built-in %s", name, mine.Body, builtin.Body)
		}
		r = e.run("", "template", "show", name)
		if !strings.Contains(r.stdout, "Its file, to make your own: mkdir -p ") || !strings.Contains(r.stdout, "dingbot template show "+name+" --toml > ") {
			t.Errorf("show %s does not say how to copy it:\n%s", name, r.stdout)
		}
	}

	r := e.run("", "template", "fields", "--source", "alertmanager")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\.Status +text +firing$`),
		regexp.MustCompile(`(?m)^\.Alerts +list of alerts +2$`),
		regexp.MustCompile(`(?m)^  \.Labels +map of text \(index it: \.Alerts\[\]\.Labels\.KEY\) +alertname=HighErrorRate `),
		regexp.MustCompile(`(?m)^  \.StartsAt +time +2026-`),
		regexp.MustCompile(`(?m)^\.Firing +list of alerts +2 \(fields as under \.Alerts\)$`),
		regexp.MustCompile(`dingbot template show alert --toml > `),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("fields --source alertmanager lacks %s:\n%s", want, r.stdout)
		}
	}
	r = e.run("", "template", "fields", "--source", "github", "--event", "pull_request", "--json")
	var fj fieldsJSON
	if err := json.Unmarshal([]byte(r.stdout), &fj); err != nil || r.code != 0 || fj.Data != "git" {
		t.Fatalf("fields --json: exit %d %v\n%s", r.code, err, r.stdout)
	}
	found := false
	for _, f := range fj.Fields {
		if f.Path == ".PullRequest.Title" && f.Type == "text" && f.Example == "payment: retry idempotent charges on 502" && f.Depth == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no .PullRequest.Title of the sample in %+v", fj.Fields)
	}
	r = e.run("", "template", "fields", "--source", "generic")
	if !regexp.MustCompile(`(?m)^  \.host +text +backup-1$`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^\.id +number +`).MatchString(r.stdout) {
		t.Errorf("fields --source generic:\n%s", r.stdout)
	}
	r = e.run("", "template", "fields", "--template", "alert")
	if r.code != 0 || !strings.Contains(r.stdout, `reads an alertmanager payload`) {
		t.Errorf("fields --template alert: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.run("", "template", "fields", "--source", "github", "--event", "pullrequest")
	if r.code != 2 || !strings.Contains(r.stderr, "(did you mean pull_request?)") {
		t.Errorf("fields --event pullrequest: exit %d %s", r.code, r.stderr)
	}
}

// QA N3, N4: the generic sample is "the generic sample"; the summary is set apart from the
// preview; a mistyped --event gets a did-you-mean; a GitLab file names its event itself.
func TestTemplateRenderNits(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "template", "render", "--source", "generic", "--sample")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "\ndingbot: generic sample rendered with template generic") {
		t.Errorf("generic: exit %d %q", r.code, r.stderr)
	}
	r = e.run("", "template", "render", "--source", "github", "--event", "pullrequest", "--sample")
	if r.code != 2 || !strings.Contains(r.stderr, "(did you mean pull_request?)") {
		t.Errorf("--event pullrequest: exit %d %s", r.code, r.stderr)
	}
	body, err := os.ReadFile(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", "gitlab-merge_request-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, r := e.renderJSON(string(body), "--source", "gitlab", "--file", "-")
	if r.code != 0 || out.Event != "Merge Request Hook" || !strings.Contains(string(out.Body), "merge request !") {
		t.Errorf("gitlab --file without --event: exit %d %+v %s", r.code, out, out.Body)
	}
}

// The git template (QA F8, N5): a description keeps its lines in the quote, as DingTalk shows
// "two spaces + \n"; nothing is escaped with a backslash (DingTalk's markdown has no escapes,
// so a reader could see them); a trigger reads as words; a merge request's assignees are
// shown; "marked pull request #N ready for review". Every sample renders without one.
func TestTemplateRenderGitReadsWell(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	for _, src := range []string{"alertmanager", "grafana", "github", "gitlab", "gitea", "generic"} {
		for _, ev := range source.SampleEvents(src) {
			out, r := e.renderJSON("", "--source", src, "--event", ev, "--sample")
			if r.code != 0 || strings.Contains(string(out.Body), `\\`) {
				t.Errorf("%s %s: exit %d, a backslash in %s", src, ev, r.code, out.Body)
			}
		}
	}
	testdata := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	text := func(src, event string, payload map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(payload)
		out, r := e.renderJSON(string(b), "--source", src, "--event", event, "--file", "-")
		var body struct{ Markdown struct{ Title, Text string } }
		if r.code != 0 || json.Unmarshal(out.Body, &body) != nil || len(out.Warnings) > 0 {
			t.Fatalf("%s %s: exit %d %+v", src, event, r.code, out)
		}
		if strings.Contains(body.Markdown.Text, `\`) {
			t.Errorf("%s %s: a backslash in %q", src, event, body.Markdown.Text)
		}
		return body.Markdown.Title + "\n" + body.Markdown.Text
	}

	mr := testdata("gitlab-merge_request-opened.json")
	attrs := mr["object_attributes"].(map[string]any)
	attrs["description"] = "Fixes the viewport on **mobile**\n\n1. first\n2. second"
	mr["assignees"] = []any{map[string]any{"username": "liuyang", "name": "Liu Yang"}}
	got := text("gitlab", "pull_request", mr)
	for _, want := range []string{"> Fixes the viewport on **mobile**  \n> \u20601. first  \n> \u20602. second", "Assignees: liuyang"} {
		if !strings.Contains(got, want) {
			t.Errorf("gitlab MR lacks %q:\n%s", want, got)
		}
	}

	pr := testdata("github-pull_request-opened.json")
	pr["action"] = "ready_for_review"
	got = text("github", "pull_request", pr)
	if !regexp.MustCompile(`(?m)^🔀 \S+ marked pull request #\d+ ready for review in `).MatchString(got) ||
		!regexp.MustCompile(`\*\*\S+\*\* marked pull request #\d+ ready for review`).MatchString(got) {
		t.Errorf("ready_for_review:\n%s", got)
	}

	wf := testdata("github-workflow_run.json")
	wf["workflow_run"].(map[string]any)["event"] = "pull_request"
	got = text("github", "workflow_run", wf)
	if !regexp.MustCompile(`(?m)^pull request by \S+$`).MatchString(got) {
		t.Errorf("workflow triggered by a pull request:\n%s", got)
	}
}
