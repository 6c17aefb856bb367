package template_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// checkMessage prepares msg as a send would and fails unless DingTalk takes it as it is: under
// 20 000 bytes, no lint warning (PC and phones show it alike), no mention added, no
// "<no value>", a short title. It returns the prepared body's size.
func checkMessage(t *testing.T, what string, msg dingtalk.Message) int {
	t.Helper()
	p, err := dingtalk.Prepare(dingtalk.Robot{Name: "check"}, msg, dingtalk.PrepareOptions{})
	if err != nil {
		t.Errorf("%s: Prepare: %v", what, err)
		return 0
	}
	for _, w := range p.Warnings {
		t.Errorf("%s: warning %s\n%s", what, w, msg.Body())
	}
	if len(p.AddedMentions) > 0 {
		t.Errorf("%s: Prepare added mentions %v", what, p.AddedMentions)
	}
	if strings.Contains(string(p.Body), "<no value>") {
		t.Errorf("%s: <no value> in %s", what, p.Body)
	}
	if title := msg.Title(); title == "" || len(title) > 100 || strings.Contains(title, "\n") {
		t.Errorf("%s: title %q: want one line of at most 100 bytes", what, title)
	}
	return p.Bytes
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nasty is n bytes of text that markdown, HTML and JSON all have to escape, over several lines.
func nasty(n int) string {
	const unit = "*bold* _x_ [l](u) <b>&</b> | `c` ~~s~~ \"q\" \\ # h\n- item\n1. one\nend "
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

func longURL(n int) string { return "https://example.com/" + strings.Repeat("p", n-20) }

// bigAlerts is an Alertmanager or Grafana body with n firing and n resolved alerts, every
// label, annotation and link as long as senders make them.
func bigAlerts(n int, grafana bool) map[string]any {
	common := map[string]any{"alertname": nasty(300), "severity": "critical"}
	for i := range 40 {
		common[fmt.Sprintf("common_%02d", i)] = nasty(200)
	}
	var alerts []any
	for i := range 2 * n {
		status, ends := "firing", "0001-01-01T00:00:00Z"
		if i%2 == 1 {
			status, ends = "resolved", "2026-11-30T10:00:00Z"
		}
		labels := map[string]any{}
		for k, v := range common {
			labels[k] = v
		}
		for j := range 30 {
			labels[fmt.Sprintf("label_%02d", j)] = fmt.Sprintf("%d-%s", i, nasty(200))
		}
		a := map[string]any{
			"status": status, "labels": labels, "startsAt": "2026-11-30T08:00:00Z", "endsAt": ends,
			"annotations":  map[string]any{"summary": nasty(5000), "description": nasty(5000), "runbook_url": longURL(990)},
			"generatorURL": longURL(990), "fingerprint": fmt.Sprint(i),
		}
		if grafana {
			values := map[string]any{}
			for j := range 50 {
				values[fmt.Sprintf("Q%02d", j)] = 1e9 + float64(j)/7
			}
			a["values"], a["silenceURL"], a["dashboardURL"], a["panelURL"] = values, longURL(990), longURL(990), longURL(990)
		}
		alerts = append(alerts, a)
	}
	body := map[string]any{
		"version": "4", "groupKey": "k", "status": "firing", "receiver": "r", "truncatedAlerts": 7,
		"groupLabels": map[string]any{"alertname": nasty(300)}, "commonLabels": common,
		"commonAnnotations": map[string]any{"summary": nasty(5000), "description": nasty(5000), "runbook_url": longURL(990)},
		"externalURL":       longURL(990), "alerts": alerts,
	}
	if grafana {
		body["orgId"], body["title"], body["state"], body["message"] = 1, nasty(2000), "alerting", nasty(5000)
	}
	return body
}

// Every built-in data template stays under DingTalk's 20 000 bytes, and lints clean, however
// big the payload (up to the relay's 1 MiB): lists stop and say how many more there are, long texts are cut, URLs too
// long to keep are left out.
func TestDataTemplatesStayUnderTheLimitOnBigPayloads(t *testing.T) {
	am, err := source.Alertmanager(mustJSON(t, bigAlerts(30, false)))
	if err != nil {
		t.Fatal(err)
	}
	gf, err := source.Grafana(mustJSON(t, bigAlerts(30, true)))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]any{}
	for i := range 300 {
		fields[fmt.Sprintf("field_%04d_%s", i, strings.Repeat("k", 100))] = map[string]any{"nested": nasty(3000), "list": []any{nasty(500), 1, true}}
	}
	var items []any
	for i := range 400 {
		items = append(items, map[string]any{"i": i, "text": nasty(2000)})
	}
	generic := func(v any) any {
		g, err := source.Generic(mustJSON(t, v))
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	user := source.GitUser{Login: nasty(300), Name: nasty(300)}
	repo := source.GitRepo{Name: nasty(300), FullName: nasty(300), URL: longURL(990)}
	var commits []source.GitCommit
	for i := range 20 {
		commits = append(commits, source.GitCommit{ID: fmt.Sprint(i), ShortID: fmt.Sprintf("%07d", i), Title: nasty(2000), Message: nasty(10000), URL: longURL(990), Author: user})
	}
	var people []source.GitUser
	var labels []string
	var jobs []source.GitJob
	for i := range 300 {
		people = append(people, source.GitUser{Login: fmt.Sprintf("user%d-%s", i, nasty(50))})
		labels = append(labels, nasty(100))
		jobs = append(jobs, source.GitJob{Name: nasty(300), Stage: nasty(100), Status: "completed", Conclusion: "failure", URL: longURL(990)})
	}
	pr := source.GitPullRequest{Number: 42, Title: nasty(3000), URL: longURL(990), Source: nasty(300), Target: nasty(300), Author: user, Body: nasty(60000), Assignees: people, Reviewers: people, Labels: labels}
	git := []source.GitEvent{
		{Host: "github", Kind: source.KindPush, Action: "pushed", Repo: repo, Sender: user, Branch: nasty(300), After: "9f3c2a7e41b0", CompareURL: longURL(990), Commits: commits, CommitsTotal: 5000, Forced: true},
		{Host: "gitlab", Kind: source.KindPullRequest, Action: "opened", Repo: repo, Sender: user, PullRequest: pr},
		{Host: "github", Kind: source.KindPullRequest, Action: "approved", Repo: repo, Sender: user, PullRequest: pr, Comment: source.GitComment{Body: nasty(60000)}},
		{Host: "github", Kind: source.KindRelease, Action: "published", Repo: repo, Sender: user, Release: source.GitRelease{Tag: nasty(300), Name: nasty(3000), URL: longURL(990), Body: nasty(60000)}},
		{Host: "gitlab", Kind: source.KindWorkflow, Action: "completed", Repo: repo, Sender: user, Workflow: source.GitWorkflow{Name: nasty(300), Number: 9, Status: "completed", Conclusion: "failure", URL: longURL(990), Branch: nasty(300), SHA: "9f3c2a7e41b0", Title: nasty(3000), Actor: user, Event: nasty(100), Duration: 3 * time.Hour, Jobs: jobs}},
		{Host: "github", Kind: source.KindIssue, Action: "opened", Repo: repo, Sender: user, Issue: source.GitIssue{Number: 7, Title: nasty(3000), URL: longURL(990), Body: nasty(60000), Labels: labels, Assignees: people}},
		{Host: "github", Kind: source.KindComment, Action: "created", Repo: repo, Sender: user, PullRequest: pr, Comment: source.GitComment{On: "pull_request", Body: nasty(60000), URL: longURL(990), Author: user}},
	}

	cases := []struct {
		template, what string
		data           any
		more           string // what the message says of the items it leaves out
	}{
		{"alert", "60 alerts", am, `and \d+ more firing`},
		{"grafana", "60 alerts", gf, `and \d+ more firing`},
		{"generic", "300 fields", generic(fields), `and \d+ more fields`},
		{"generic", "400 items", generic(items), `and \d+ more items`},
		{"generic", "a long title and text", generic(map[string]any{"title": nasty(5000), "text": nasty(100000), "url": longURL(990)}), ""},
	}
	for _, ev := range git {
		more := ""
		switch ev.Kind {
		case source.KindPush:
			more = `and \d+ more`
		case source.KindWorkflow:
			more = `and \d+ more`
		}
		cases = append(cases, struct {
			template, what string
			data           any
			more           string
		}{"git", ev.Kind + " " + ev.Action, ev, more})
	}
	for _, c := range cases {
		tpl, err := template.Lookup(c.template)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := tpl.RenderData(c.data, nil)
		if err != nil {
			t.Errorf("%s on %s: %v", c.template, c.what, err)
			continue
		}
		n := checkMessage(t, c.template+" on "+c.what, msg)
		t.Logf("%s on %s: %d bytes", c.template, c.what, n)
		if c.more != "" && !regexp.MustCompile(c.more).MatchString(msg.Body()) {
			t.Errorf("%s on %s does not say %q:\n%s", c.template, c.what, c.more, msg.Body())
		}
	}
}

// Every built-in data template renders every sample of every source it is for (the samples
// ship with the templates: source.Sample) into a message DingTalk takes as it is, and the
// sandbox accepts each.
func TestDataTemplatesRenderEverySample(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Limit: 1000})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	robot := dingtalk.Robot{Name: "sandbox", Webhook: srv.URL + "/robot/send?access_token=" + sandbox.DefaultToken, AllowCustomHost: true}
	client := dingtalk.NewClient(5 * time.Second)

	want := map[string][]string{"alert": {"alertmanager"}, "grafana": {"grafana"}, "git": {"github", "gitlab", "gitea"}, "generic": {"generic"}}
	seen := 0
	for _, info := range template.List() {
		tpl, _ := template.Lookup(info.Name)
		if info.Data != tpl.Data() {
			t.Errorf("%s: Info.Data %q, Data() %q", info.Name, info.Data, tpl.Data())
		}
		if tpl.Data() == "" {
			continue
		}
		seen++
		srcs := template.Sources(tpl.Data())
		if !slices.Equal(srcs, want[info.Name]) {
			t.Errorf("%s: Sources(%q) = %v, want %v", info.Name, tpl.Data(), srcs, want[info.Name])
		}
		if tpl.SampleSource() != srcs[0] {
			t.Errorf("%s: SampleSource %q, want %q", info.Name, tpl.SampleSource(), srcs[0])
		}
		for _, src := range srcs {
			if name, err := template.ForSource(src); err != nil || name != info.Name {
				t.Errorf("ForSource(%s) = %q, %v; want %s", src, name, err, info.Name)
			}
			if err := tpl.CheckSource(src); err != nil {
				t.Errorf("%s: CheckSource(%s): %v", info.Name, src, err)
			}
			for _, ev := range source.SampleEvents(src) {
				data, err := template.SamplePayload(src, ev)
				if err != nil {
					t.Errorf("%s %s sample: %v", src, ev, err)
					continue
				}
				what := fmt.Sprintf("%s on the %s %s sample", info.Name, src, ev)
				msg, err := tpl.RenderData(data, contacts)
				if err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
				checkMessage(t, what, msg)
				if _, err := client.Send(context.Background(), robot, msg); err != nil {
					t.Errorf("%s: the sandbox refused it: %v", what, err)
				}
			}
		}
		// RenderSample is the first source's first sample.
		msg, err := tpl.RenderSample(contacts)
		first, _ := template.SamplePayload(srcs[0], "")
		again, _ := tpl.RenderData(first, contacts)
		if err != nil || msg.Body() != again.Body() {
			t.Errorf("%s: RenderSample = %v, %v; want the %s sample", info.Name, msg.Body(), err, srcs[0])
		}
	}
	if seen != len(want) {
		t.Errorf("%d data templates in the gallery, want %d", seen, len(want))
	}
}

// The relay's default templates, and what a template that does not fit a source says.
func TestForSourceAndCheckSource(t *testing.T) {
	if _, err := template.ForSource("prometheus"); !errors.Is(err, source.ErrUnknownSource) || !strings.Contains(err.Error(), "alertmanager, generic, gitea") {
		t.Errorf("ForSource(prometheus): %v", err)
	}
	if got := template.Sources(""); got != nil {
		t.Errorf("Sources(\"\") = %v", got)
	}
	if got := template.Sources("nagios"); got != nil {
		t.Errorf("Sources(nagios) = %v", got)
	}
	alert, _ := template.Lookup("alert")
	ci, _ := template.Lookup("ci-result")
	odd := mustParse(t, "odd", "data = \"nagios\"\nmsgtype = \"text\"\ntext = \"{{ .x }}\"\n")
	cases := []struct {
		tpl  *template.Template
		src  string
		want string
	}{
		{alert, "grafana", `template alert: it renders alertmanager payloads (data = "alertmanager"), not grafana payloads (data = "grafana"); grafana renders grafana payloads`},
		{alert, "github", `template alert: it renders alertmanager payloads (data = "alertmanager"), not github payloads (data = "git"); git renders github payloads`},
		{ci, "alertmanager", `template ci-result: it is a template of variables (dingbot send --template ci-result), not of alertmanager payloads; alert renders alertmanager payloads`},
		{odd, "generic", `template odd: it renders data = "nagios", which no source parses into, not generic payloads (data = "generic"); generic renders generic payloads`},
		{alert, "nope", `unknown source "nope"`},
	}
	for _, c := range cases {
		if err := c.tpl.CheckSource(c.src); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s.CheckSource(%s) = %v\nwant %s", c.tpl.Name(), c.src, err, c.want)
		}
	}
	if _, err := odd.RenderSample(nil); err == nil || !strings.Contains(err.Error(), `template odd: line 1: no source's payloads are nagios data, so it has no sample`) {
		t.Errorf("RenderSample of data no source parses: %v", err)
	}
}

// A GitLab job allowed to fail is shown as such, not among the failed jobs.
func TestGitTemplateAllowedFailures(t *testing.T) {
	tm, err := template.Lookup("git")
	if err != nil {
		t.Fatal(err)
	}
	ev := source.GitEvent{Host: source.SourceGitLab, Kind: source.KindWorkflow, Action: "completed",
		Repo: source.GitRepo{FullName: "acme/app"},
		Workflow: source.GitWorkflow{Name: "Pipeline #1", Status: "completed", Conclusion: source.ConclusionSuccess, Jobs: []source.GitJob{
			{Name: "lint-experimental", Status: "completed", Conclusion: source.ConclusionFailure, AllowFailure: true},
			{Name: "unit", Status: "completed", Conclusion: source.ConclusionSuccess},
		}}}
	msg, err := tm.RenderData(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := msg.Markdown.Text
	if !strings.Contains(text, "**Allowed to fail**: lint-experimental") || strings.Contains(text, "Failed jobs") {
		t.Fatalf("allowed failure shown as:\n%s", text)
	}
}

// A payload's lines stay lines: the generic text and an alert's description break where the
// sender broke them (two spaces and a newline, which DingTalk shows as a line break).
func TestPayloadLinesStayLines(t *testing.T) {
	gen, err := source.Generic([]byte(`{"title":"Disk full","text":"run this\nthen that\n# not a heading"}`))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := template.Lookup("generic")
	msg, err := tm.RenderData(gen, nil)
	if err != nil || !strings.Contains(msg.Markdown.Text, "run this  \nthen that  \n\u2060# not a heading") {
		t.Fatalf("generic: %q %v", msg.Markdown.Text, err)
	}
	am := alertmanagerPayload(t, "alertmanager-firing.json")
	am.CommonAnnotations["description"] = "line one\nline two"
	tm, _ = template.Lookup("alert")
	msg, err = tm.RenderData(am, nil)
	if err != nil || !strings.Contains(msg.Markdown.Text, "> line one  \n> line two") {
		t.Fatalf("alert: %q %v", msg.Markdown.Text, err)
	}
}

// A GitLab pipeline started by a merge request says so in GitLab's words.
func TestGitLabMergeRequestPipelineWords(t *testing.T) {
	tm, _ := template.Lookup("git")
	ev := source.GitEvent{Host: source.SourceGitLab, Kind: source.KindWorkflow, Action: "completed", Sender: source.GitUser{Login: "lina"},
		Repo:     source.GitRepo{FullName: "acme/app"},
		Workflow: source.GitWorkflow{Name: "Pipeline #9", Event: "pull_request", Status: "completed", Conclusion: source.ConclusionSuccess, Actor: source.GitUser{Login: "lina"}}}
	msg, err := tm.RenderData(ev, nil)
	if err != nil || !strings.Contains(msg.Markdown.Text, "merge request by lina") {
		t.Fatalf("%q %v", msg.Markdown.Text, err)
	}
}
