package source

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Values returns the values named key in data, a value Parse returned, for a route's
// mention_label: the names of the contacts to @mention. The result is deduplicated, in
// order of first appearance, without empty strings; nil when key names nothing.
//
//   - Alertmanager and Grafana: the group's common label key; else every alert's label key;
//     else the common annotation, else every alert's annotation.
//   - Git hosts (GitEvent): "sender", "author" (of the pull request, issue, comment or
//     release; of the commits of a push; the actor of a workflow), "assignees",
//     "reviewers", "committers" (the commits' authors), "merged_by", "actor"; users give
//     their login (GitUser.Display). Any other key is a dotted path of GitEvent's JSON
//     names: "pull_request.author", "repo.name".
//   - Generic JSON: a dotted path ("owner", "alert.owner"); arrays on the way are walked
//     element by element; strings, numbers and booleans are values.
//
// A label or string value listing several names separated by commas ("lina, zhangwei")
// gives each name.
func Values(data any, key string) []string {
	if key == "" {
		return nil
	}
	var vs values
	switch d := data.(type) {
	case AlertmanagerPayload:
		vs.alerts(key, d.CommonLabels, d.CommonAnnotations, len(d.Alerts), func(i int) Alert { return d.Alerts[i] })
	case *AlertmanagerPayload:
		if d != nil {
			return Values(*d, key)
		}
	case GrafanaPayload:
		vs.alerts(key, d.CommonLabels, d.CommonAnnotations, len(d.Alerts), func(i int) Alert { return d.Alerts[i].Alert })
	case *GrafanaPayload:
		if d != nil {
			return Values(*d, key)
		}
	case GitEvent:
		vs.git(d, key)
	case *GitEvent:
		if d != nil {
			return Values(*d, key)
		}
	default:
		vs.path(data, strings.Split(key, "."))
	}
	return vs.out
}

// values gathers the values of one call, deduplicated.
type values struct {
	out  []string
	seen map[string]bool
}

// add adds s, split at commas.
func (vs *values) add(s string) {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" || vs.seen[part] {
			continue
		}
		if vs.seen == nil {
			vs.seen = map[string]bool{}
		}
		vs.seen[part] = true
		vs.out = append(vs.out, part)
	}
}

func (vs *values) users(us ...GitUser) {
	for _, u := range us {
		vs.add(u.Display())
	}
}

func (vs *values) alerts(key string, commonLabels, commonAnnotations map[string]string, n int, alert func(int) Alert) {
	if v := commonLabels[key]; v != "" {
		vs.add(v)
		return
	}
	for i := range n {
		vs.add(alert(i).Labels[key])
	}
	if len(vs.out) > 0 {
		return
	}
	if v := commonAnnotations[key]; v != "" {
		vs.add(v)
		return
	}
	for i := range n {
		vs.add(alert(i).Annotations[key])
	}
}

func (vs *values) git(e GitEvent, key string) {
	committers := func() {
		for _, c := range e.Commits {
			vs.users(c.Author)
		}
	}
	switch strings.ToLower(key) {
	case "sender", "pusher":
		vs.users(e.Sender)
	case "author":
		switch e.Kind {
		case KindPullRequest:
			vs.users(e.PullRequest.Author)
		case KindIssue:
			vs.users(e.Issue.Author)
		case KindComment:
			vs.users(e.Comment.Author)
		case KindRelease:
			vs.users(e.Release.Author)
		case KindWorkflow:
			vs.users(e.Workflow.Actor)
		case KindPush, KindTag:
			committers()
		}
	case "assignees", "assignee":
		vs.users(e.PullRequest.Assignees...)
		vs.users(e.Issue.Assignees...)
	case "reviewers", "reviewer":
		vs.users(e.PullRequest.Reviewers...)
	case "committers", "commit_authors":
		committers()
	case "merged_by":
		vs.users(e.PullRequest.MergedBy)
	case "actor":
		vs.users(e.Workflow.Actor)
	default:
		b, err := json.Marshal(e)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) == nil {
			vs.path(doc, strings.Split(key, "."))
		}
	}
}

// path walks a decoded JSON document along a dotted path, adding the values at its end.
func (vs *values) path(v any, path []string) {
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			vs.path(el, path)
		}
		return
	case map[string]any:
		if len(path) == 0 {
			if isUser(x) { // a GitUser of GitEvent's JSON form
				vs.users(GitUser{Login: str(x["login"]), Name: str(x["name"]), Email: str(x["email"])})
			}
			return
		}
		if el, ok := x[strings.Join(path, ".")]; ok { // a key with dots in it
			vs.path(el, nil)
			return
		}
		vs.path(x[path[0]], path[1:])
		return
	}
	if len(path) > 0 {
		return
	}
	switch x := v.(type) {
	case string:
		vs.add(x)
	case json.Number:
		vs.add(x.String())
	case bool:
		vs.add(strconv.FormatBool(x))
	}
}

func isUser(m map[string]any) bool {
	_, login := m["login"]
	_, email := m["email"]
	return login && email
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
