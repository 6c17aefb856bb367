package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
		r := e.run("", "template", "show", name, "--toml")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "description = ") || !strings.Contains(r.stdout, "data = ") {
			t.Fatalf("show %s --toml: exit %d\n%s\n%s", name, r.code, r.stdout, r.stderr)
		}
		dir := filepath.Join(e.dir, "templates")
		os.MkdirAll(dir, 0o700)
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
