package source

import (
	"reflect"
	"testing"
)

func TestValuesAlertmanager(t *testing.T) {
	firing, err := Alertmanager(sample(t, "alertmanager-firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := Alertmanager(sample(t, "alertmanager-resolved.json"))
	if err != nil {
		t.Fatal(err)
	}
	several := AlertmanagerPayload{
		CommonLabels:      map[string]string{"team": "ops"},
		CommonAnnotations: map[string]string{"escalate": "chenjing"},
		Alerts: []Alert{
			{Labels: map[string]string{"owner": "lina, zhangwei"}, Annotations: map[string]string{"oncall": "wangfang"}},
			{Labels: map[string]string{"owner": "zhangwei"}, Annotations: map[string]string{"oncall": "liuyang"}},
			{Labels: map[string]string{"owner": ""}, Annotations: map[string]string{"oncall": "wangfang"}},
		},
	}
	tests := []struct {
		name string
		data any
		key  string
		want []string
	}{
		{"an alert's label", firing, "owner", []string{"zhangwei"}},
		{"a common label", firing, "team", []string{"payments"}},
		{"a common annotation", resolved, "summary", []string{"Disk /var/lib/postgresql on db-2.internal is 91% full"}},
		{"no such label", firing, "nobody", nil},
		{"every alert's label, split and deduplicated", several, "owner", []string{"lina", "zhangwei"}},
		{"the common label wins", several, "team", []string{"ops"}},
		{"every alert's annotation", several, "oncall", []string{"wangfang", "liuyang"}},
		{"the common annotation", several, "escalate", []string{"chenjing"}},
		{"a pointer", &several, "owner", []string{"lina", "zhangwei"}},
		{"an empty key", firing, "", nil},
	}
	for _, tt := range tests {
		if got := Values(tt.data, tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Values(%q) = %#v, want %#v", tt.name, tt.key, got, tt.want)
		}
	}
}

func TestValuesGrafana(t *testing.T) {
	g, err := Grafana(sample(t, "grafana-several.json"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]string{
		"host":      {"cache-1", "cache-2", "cache-3"},
		"severity":  {"warning"},
		"summary":   {"cache-1 uses 93% of its memory", "cache-2 uses 95% of its memory", "cache-3 uses 90% of its memory"},
		"team":      nil,
		"alertname": {"High memory"},
	} {
		if got := Values(g, key); !reflect.DeepEqual(got, want) {
			t.Errorf("Values(%q) = %#v, want %#v", key, got, want)
		}
		if got := Values(&g, key); !reflect.DeepEqual(got, want) {
			t.Errorf("Values(&g, %q) = %#v, want %#v", key, got, want)
		}
	}
	var nilPayload *GrafanaPayload
	if got := Values(nilPayload, "host"); got != nil {
		t.Errorf("nil payload: %#v", got)
	}
}

func TestValuesGit(t *testing.T) {
	parse := func(name string) GitEvent {
		t.Helper()
		e, err := parseFile(t, name)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	push := parse("github-push.json")
	pr := parse("github-pull_request-opened.json")
	merged := parse("github-pull_request-merged.json")
	issue := parse("gitlab-issue.json")
	comment := parse("gitea-issue_comment.json")
	run := parse("github-workflow_run.json")
	release := parse("gitea-release.json")
	tests := []struct {
		name string
		e    GitEvent
		key  string
		want []string
	}{
		{"the pusher", push, "sender", []string{"lina"}},
		{"a push's authors", push, "author", []string{"lina", "zhangwei"}},
		{"committers", push, "committers", []string{"lina", "zhangwei"}},
		{"a pull request's author", pr, "author", []string{"lina"}},
		{"reviewers", pr, "reviewers", []string{"zhangwei", "wangfang"}},
		{"assignees of a pull request", pr, "assignees", []string{"lina"}},
		{"names are case-insensitive", pr, "Reviewers", []string{"zhangwei", "wangfang"}},
		{"merged_by", merged, "merged_by", []string{"zhangwei"}},
		{"assignees of an issue", issue, "assignees", []string{"liuyang", "lina"}},
		{"an issue's author", issue, "author", []string{"chenjing"}},
		{"a comment's author", comment, "author", []string{"zhangwei"}},
		{"a workflow's actor", run, "author", []string{"lina"}},
		{"actor", run, "actor", []string{"lina"}},
		{"a release's author", release, "author", []string{"zhangwei"}},
		{"no reviewers on a push", push, "reviewers", nil},
		{"a dotted path to a user", pr, "pull_request.author", []string{"lina"}},
		{"a dotted path to a list of users", pr, "pull_request.reviewers", []string{"zhangwei", "wangfang"}},
		{"a dotted path to a string", pr, "repo.name", []string{"dingbot"}},
		{"a dotted path to labels", pr, "pull_request.labels", []string{"relay", "security"}},
		{"a dotted path to a number", pr, "pull_request.number", []string{"124"}},
		{"a path through commits", push, "commits.author.email", []string{"lina@example.com", "zhangwei@example.com"}},
		{"a pointer", pr, "author", []string{"lina"}},
		{"nothing there", pr, "pull_request.milestone", nil},
	}
	for _, tt := range tests {
		var data any = tt.e
		if tt.name == "a pointer" {
			data = &pr
		}
		if got := Values(data, tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Values(%q) = %#v, want %#v", tt.name, tt.key, got, tt.want)
		}
	}
}

func TestValuesGeneric(t *testing.T) {
	obj, err := Generic(sample(t, "generic-firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := Generic(sample(t, "generic-resolved.json"))
	if err != nil {
		t.Fatal(err)
	}
	nested, err := Generic([]byte(`{"alert": {"owner": ["lina", "zhangwei", "lina", ""], "team": "ops"},
		"alerts": [{"owner": "wangfang"}, {"owner": "liuyang; chenjing"}, {"owner": "wangfang, lina"}],
		"a.b": "dotted", "id": 9007199254740993, "page": true, "none": null}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data any
		key  string
		want []string
	}{
		{"a top-level string", obj, "owner", []string{"lina"}},
		{"a nested string", obj, "job.host", []string{"backup-1"}},
		{"an array of strings", obj, "tags", []string{"backup", "prod"}},
		{"a number keeps its digits", nested, "id", []string{"9007199254740993"}},
		{"a boolean", nested, "page", []string{"true"}},
		{"null", nested, "none", nil},
		{"an object is no value", obj, "job", nil},
		{"a nested array, deduplicated", nested, "alert.owner", []string{"lina", "zhangwei"}},
		{"through an array of objects", nested, "alerts.owner", []string{"wangfang", "liuyang; chenjing", "lina"}},
		{"a top-level array", list, "job", []string{"nightly-backup", "log-rotate"}},
		{"a key with a dot", nested, "a.b", []string{"dotted"}},
		{"a missing path", nested, "alert.owner.name", nil},
		{"past a string", obj, "owner.name", nil},
	}
	for _, tt := range tests {
		if got := Values(tt.data, tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Values(%q) = %#v, want %#v", tt.name, tt.key, got, tt.want)
		}
	}
	if got := Values(nil, "owner"); got != nil {
		t.Errorf("nil data: %#v", got)
	}
}
