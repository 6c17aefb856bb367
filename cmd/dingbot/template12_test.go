package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// renderResult runs dingbot template render … --json and decodes its one object.
func (e *env) renderJSON(stdin string, args ...string) (renderJSON, result) {
	e.t.Helper()
	r := e.run(stdin, append(append([]string{"template", "render"}, args...), "--json")...)
	var out renderJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		e.t.Fatalf("template render %v --json: exit %d, not one JSON object (%v):\n%s\n%s", args, r.code, err, r.stdout, r.stderr)
	}
	return out, r
}

// Every sample of every source renders with the source's default template into a message
// DingTalk takes as it is (under 20 000 bytes, no warning), shown in the terminal preview as
// DingTalk shows it; nothing is sent.
func TestTemplateRenderEverySample(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	defaults := map[string]string{"alertmanager": "alert", "grafana": "grafana", "github": "git", "gitlab": "git", "gitea": "git", "generic": "generic"}
	for _, src := range source.Names() {
		for _, ev := range source.SampleEvents(src) {
			out, r := e.renderJSON("", "--source", src, "--event", ev, "--sample")
			if r.code != 0 || out.Error != "" {
				t.Errorf("%s %s: exit %d: %s", src, ev, r.code, out.Error)
				continue
			}
			var msg map[string]any
			if out.Template != defaults[src] || out.Source != src || out.Event != ev || out.Msgtype != "markdown" ||
				json.Unmarshal(out.Body, &msg) != nil || out.Bytes != len(out.Body) || out.Bytes > dingtalk.MaxBodyBytes || len(out.Warnings) > 0 {
				t.Errorf("%s %s: %+v (body %s)", src, ev, out, out.Body)
			}
		}
	}
	// The preview, on standard output: the chat-list title and the text as DingTalk shows them.
	r := e.run("", "template", "render", "--source", "alertmanager", "--sample")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"chat list: 🔥 HighErrorRate: 2 firing", "### 🔥 HighErrorRate", "#### Firing (2)", "instance=10.0.3.17:8080", "Runbook https://runbooks.example.com/checkout/high-error-rate"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the preview lacks %q:\n%s", want, r.stdout)
		}
	}
	if want := "dingbot: alertmanager firing sample rendered with template alert: markdown message of 1026 bytes (DingTalk takes 20000); nothing was sent"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr:\n%s\nwant %q", r.stderr, want)
	}
	r = e.run("", "template", "render", "--source", "gitlab", "--event", "workflow", "--sample")
	if r.code != 0 || !strings.Contains(r.stdout, "chat list: ✅ Pipeline succeeded on ops/billing main") {
		t.Errorf("gitlab workflow: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached DingTalk (the sandbox), want none", n)
	}
}

// A payload of one's own: a file, standard input; a Git host's file with --event, a sample
// event's name or the header's value; a request the relay ignores says so.
func TestTemplateRenderPayloads(t *testing.T) {
	e := newEnv(t)
	testdata := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	out, r := e.renderJSON("", "--source", "grafana", "--file", testdata("grafana-several.json"))
	if r.code != 0 || out.Template != "grafana" || !strings.Contains(string(out.Body), `"title":"🔥 High memory: 2 firing, 1 resolved"`) {
		t.Errorf("--file: exit %d %+v %s", r.code, out, out.Body)
	}
	out, r = e.renderJSON(`{"title":"Backup failed","text":"db-1: exit 2","url":"https://ci.example.com/9"}`, "--source", "generic", "--file", "-")
	if want := `{"msgtype":"markdown","markdown":{"title":"Backup failed","text":"### Backup failed\n\ndb-1: exit 2\n\n[Open](https://ci.example.com/9)"}}`; r.code != 0 || string(out.Body) != want {
		t.Errorf("--file -: exit %d\n got %s\nwant %s", r.code, out.Body, want)
	}

	body, err := os.ReadFile(testdata("gitlab-merge_request-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"pull_request", "Merge Request Hook"} {
		out, r = e.renderJSON(string(body), "--source", "gitlab", "--event", ev, "--file", "-")
		if r.code != 0 || out.Template != "git" || !strings.Contains(string(out.Body), "merged") || !strings.Contains(string(out.Body), "merge request !") {
			t.Errorf("gitlab --event %q: exit %d %+v %s", ev, r.code, out, out.Body)
		}
	}
	// GitHub's body does not say which event it is (GitLab's object_kind does).
	gh, err := os.ReadFile(testdata("github-pull_request-opened.json"))
	if err != nil {
		t.Fatal(err)
	}
	r = e.run(string(gh), "template", "render", "--source", "github", "--file", "-")
	if want := "dingbot: --event: github names its event in a header, not in the payload: give one of push, tag, pull_request"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("no --event: exit %d %s", r.code, r.stderr)
	}

	ping, err := os.ReadFile(testdata("github-ping.json"))
	if err != nil {
		t.Fatal(err)
	}
	r = e.run(string(ping), "template", "render", "--source", "github", "--event", "ping", "--file", "-")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "dingbot: the relay ignores this github request (") || !strings.Contains(r.stderr, "posts nothing") {
		t.Errorf("ping: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out, r = e.renderJSON(string(ping), "--source", "github", "--event", "ping", "--file", "-")
	if r.code != 0 || out.Ignored == "" || out.Body != nil {
		t.Errorf("ping --json: exit %d %+v", r.code, out)
	}
}

// Errors teach: what is wrong, and what would be right.
func TestTemplateRenderErrorsTeach(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	bad := filepath.Join(e.dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"status\": firing\n}"), 0o600)
	cases := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"--source", "prometheus", "--sample"}, "", `dingbot: --source: unknown source "prometheus" (one of alertmanager, generic, gitea, github, gitlab, grafana)`},
		{[]string{"--sample"}, "", "dingbot: --source: which payload is it? One of alertmanager, generic, gitea, github, gitlab, grafana"},
		{[]string{"--source", "alertmanager"}, "", "dingbot: which payload? --sample renders alertmanager's sample (--event: firing, resolved), --file PATH a payload of yours"},
		{[]string{"--source", "alertmanager", "--sample", "--file", bad}, "", "dingbot: --sample or --file: give one payload"},
		{[]string{"--source", "grafana", "--template", "alert", "--sample"}, "", `dingbot: template alert: it renders alertmanager payloads (data = "alertmanager"), not grafana payloads (data = "grafana"); grafana renders grafana payloads`},
		{[]string{"--source", "alertmanager", "--template", "ci-result", "--sample"}, "", "dingbot: template ci-result: it is a template of variables (dingbot send --template ci-result), not of alertmanager payloads; alert renders alertmanager payloads"},
		{[]string{"--template", "ci-result", "--sample"}, "", "dingbot: template ci-result renders no payload: it is a template of variables"},
		{[]string{"--template", "alrt", "--sample"}, "", `dingbot: --template: no template named "alrt" (did you mean "alert"?)`},
		{[]string{"--source", "github", "--event", "star", "--sample"}, "", `dingbot: --event: github has no sample event "star" (one of push, tag, pull_request, release, workflow, issue, comment)`},
		{[]string{"--source", "alertmanager", "--event", "firing", "--file", bad}, "", "dingbot: --event firing: alertmanager payloads say what they are"},
		{[]string{"--source", "alertmanager", "--file", bad}, "", "dingbot: --file " + bad + ": alertmanager payload: invalid JSON at line 2, column 14"},
		{[]string{"--source", "alertmanager", "--file", "-"}, `{"version":"4"}`, "dingbot: --file -: alertmanager payload: missing required fields groupKey, status, receiver, alerts"},
		{[]string{"--source", "alertmanager", "--file", filepath.Join(e.dir, "absent.json")}, "", "dingbot: read --file: open " + filepath.Join(e.dir, "absent.json")},
	}
	for _, c := range cases {
		r := e.run(c.stdin, append([]string{"template", "render"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("render %v: exit %d\nstdout: %s\nstderr: %s\nwant exit 2 and %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
		out, r := e.renderJSON(c.stdin, c.args...)
		if r.code != 2 || !strings.Contains("dingbot: "+out.Error, c.want) {
			t.Errorf("render %v --json: exit %d, error %q", c.args, r.code, out.Error)
		}
	}
}

// A user's template of payloads renders with --template alone (the source is the one its data
// names) and appears in template ls as rendering those payloads; a template of variables does
// not.
func TestTemplateRenderUserTemplateAndList(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	dir := filepath.Join(e.dir, "templates")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "short-alert.toml"), []byte(`description = "One line per group"
data = "alertmanager"
msgtype = "text"
text = "{{ .Status | upper }}: {{ index .CommonLabels \"alertname\" }} ({{ len .Alerts }}) {{ mention \"Alice\" }}"
`), 0o600)
	out, r := e.renderJSON("", "--template", "short-alert", "--sample", "--event", "resolved")
	if r.code != 0 || out.Source != "alertmanager" || out.Event != "resolved" ||
		string(out.Body) != `{"msgtype":"text","text":{"content":"RESOLVED: NodeDiskAlmostFull (1) @13800000000"},"at":{"atMobiles":["13800000000"]}}` {
		t.Errorf("user template: exit %d %+v %s", r.code, out, out.Body)
	}

	// The README's example fields of a Git event, from any of the three hosts.
	os.WriteFile(filepath.Join(dir, "repo-line.toml"), []byte(`data = "git"
msgtype = "text"
text = "{{ .Repo.FullName }}: {{ .Kind }}"
`), 0o600)
	for _, src := range []string{"github", "gitlab", "gitea"} {
		out, r := e.renderJSON("", "--template", "repo-line", "--source", src, "--sample")
		if r.code != 0 || !regexp.MustCompile(`^\{"msgtype":"text","text":\{"content":"[\w.-]+/[\w.-]+: push"\}\}$`).Match(out.Body) {
			t.Errorf("%s: exit %d %+v %s", src, r.code, out, out.Body)
		}
	}

	r = e.run("", "template", "ls")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^NAME +TYPE +RENDERS +SOURCE +DESCRIPTION$`),
		regexp.MustCompile(`(?m)^alert +markdown +alertmanager payloads +built-in +Alertmanager's notification`),
		regexp.MustCompile(`(?m)^git +markdown +github, gitlab, gitea payloads +built-in `),
		regexp.MustCompile(`(?m)^short-alert +text +alertmanager payloads +user +One line per group$`),
		regexp.MustCompile(`(?m)^ci-result +markdown +variables +built-in `),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("template ls lacks %s:\n%s", want, r.stdout)
		}
	}
	r = e.run("", "template", "ls", "--json")
	var list []templateJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	for _, i := range list {
		switch i.Name {
		case "git":
			if i.Data != "git" || strings.Join(i.Sources, ",") != "github,gitlab,gitea" {
				t.Errorf("git: %+v", i)
			}
		case "ci-result":
			if i.Data != "" || i.Sources != nil {
				t.Errorf("ci-result: %+v", i)
			}
		}
	}
}

// template show of a template of payloads: what it renders, that it is the relay's default,
// its sample as it would be sent, and a line that previews it (run here: the same body).
func TestTemplateShowPayloadTemplate(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	for _, name := range []string{"alert", "grafana", "git", "generic"} {
		r := e.run("", "template", "show", name)
		if r.code != 0 {
			t.Fatalf("show %s: exit %d: %s", name, r.code, r.stderr)
		}
		for _, want := range []string{name + ": ", "It renders ", "It is the template of routes of source ", "sample as it would be sent (", "Preview it: dingbot template render --template " + name + " --sample"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("show %s lacks %q:\n%s", name, want, r.stdout)
			}
		}
		var show templateJSON
		rj := e.run("", "template", "show", name, "--json")
		if err := json.Unmarshal([]byte(rj.stdout), &show); err != nil || rj.code != 0 || show.Body == nil || show.SampleSource == "" || show.SampleEvent == "" || show.Variables != nil {
			t.Fatalf("show %s --json: exit %d %v %+v", name, rj.code, err, show)
		}
		_, line, _ := strings.Cut(r.stdout, "Preview it: ")
		line, _, _ = strings.Cut(line, " [")
		line, _, _ = strings.Cut(line, "\n")
		run := exec.Command("bash", "-c", line+" --json")
		run.Env = append(e.environ(), "PATH="+filepath.Dir(binPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
		run.Dir = e.dir
		got, err := run.Output()
		var out renderJSON
		if err != nil || json.Unmarshal(got, &out) != nil || string(out.Body) != string(show.Body) || out.Source != show.SampleSource || out.Event != show.SampleEvent {
			t.Errorf("%s: %q --json gave %s (%v), want the body shown %s", name, line, got, err, show.Body)
		}
	}
	r := e.run("", "template", "show", "alert", "--var", "severity=x")
	if r.code != 2 || !strings.Contains(r.stderr, `dingbot: template alert takes no --var: it renders alertmanager payloads (data = "alertmanager")`) {
		t.Errorf("show alert --var: exit %d %s", r.code, r.stderr)
	}
}
