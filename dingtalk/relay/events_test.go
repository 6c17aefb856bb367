package relay_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/relay"
)

// edit returns a sample's JSON with top-level or nested fields replaced (path "a.b" → value).
func edit(t *testing.T, body []byte, set map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for path, v := range set {
		m := doc
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = v
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signedPost posts a GitHub event to path, signed as GitHub signs it.
func (w *world) github(path, event string, body []byte, extra ...string) answer {
	w.t.Helper()
	return w.post(path, body, slices.Concat([]string{"X-GitHub-Event", event, "X-Hub-Signature-256", hubSignature(routeSecret, body)}, extra)...)
}

// F6: a CI run is requested, in progress, then completed, and a pull request is pushed to
// and labeled: by default a Git route posts the finished run and none of the rest, each
// answered 200 with why and the events line that would post it.
func TestGitRouteDefaultsPostWhatATeamReads(t *testing.T) {
	w := newWorld(t, []relay.Route{
		{Path: "/github", Source: "github", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret},
		{Path: "/gitlab", Source: "gitlab", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret},
	})
	_, wf := sample(t, "github", "workflow")
	_, pr := sample(t, "github", "pull_request")
	_, comment := sample(t, "github", "comment")
	ignored := []struct {
		name, event string
		body        []byte
		why         string
	}{
		{"run requested", "workflow_run", edit(t, wf, map[string]any{"action": "requested", "workflow_run.status": "queued", "workflow_run.conclusion": nil}), "workflow.requested is not among the events route /github posts by default"},
		{"run in progress", "workflow_run", edit(t, wf, map[string]any{"action": "in_progress", "workflow_run.status": "in_progress", "workflow_run.conclusion": nil}), `events = ["default", "workflow.in_progress"]`},
		{"run skipped", "workflow_run", edit(t, wf, map[string]any{"workflow_run.conclusion": "skipped"}), `events = ["default", "workflow.skipped"]`},
		{"pull request pushed to", "pull_request", edit(t, pr, map[string]any{"action": "synchronize"}), `events = ["default", "pull_request.synchronized"]`},
		{"pull request labeled", "pull_request", edit(t, pr, map[string]any{"action": "labeled"}), "pull_request.labeled is not among"},
		{"comment", "issue_comment", comment, `comment.created is not among the events route /github posts by default (push, tag, pull_request (opened, reopened, closed, merged, ready_for_review, review_requested, approved, changes_requested), release (published), workflow (success, failure, cancelled, timed_out, action_required), issue (opened, closed, reopened)); to post it, give the route events = ["default", "comment"]`},
	}
	for _, tc := range ignored {
		a := w.github("/github", tc.event, tc.body)
		if a.Status != http.StatusOK || !strings.Contains(a.Ignored, tc.why) || !strings.Contains(a.Ignored, "pull_request (opened, reopened, closed, merged, ready_for_review, review_requested, approved, changes_requested)") {
			t.Errorf("%s: %d %s; want 200 ignored ~ %q", tc.name, a.Status, a.Raw, tc.why)
		}
		if l := w.requestLog("/github"); l["ignored"] != a.Ignored || l["error"] != nil {
			t.Errorf("%s: log line %v", tc.name, l)
		}
	}
	glRunning := readTestdata(t, "gitlab-pipeline-running.json")
	if a := w.post("/gitlab", glRunning, "X-Gitlab-Event", "Pipeline Hook", "X-Gitlab-Token", routeSecret); a.Status != http.StatusOK || !strings.Contains(a.Ignored, "workflow.in_progress") {
		t.Errorf("GitLab pipeline running: %d %s", a.Status, a.Raw)
	}

	posted := 0
	for _, ev := range []struct {
		event string
		body  []byte
	}{
		{"workflow_run", wf}, {"pull_request", pr},
		{"pull_request", edit(t, pr, map[string]any{"action": "ready_for_review"})},
		{"pull_request", edit(t, pr, map[string]any{"action": "closed", "pull_request.merged": true})},
	} {
		if a := w.github("/github", ev.event, ev.body); a.Status != http.StatusAccepted {
			t.Errorf("%s: %d %s", ev.event, a.Status, a.Raw)
		}
		posted++
	}
	glFailed := readTestdata(t, "gitlab-pipeline-failed.json")
	if a := w.post("/gitlab", glFailed, "X-Gitlab-Event", "Pipeline Hook", "X-Gitlab-Token", routeSecret); a.Status != http.StatusAccepted {
		t.Errorf("GitLab pipeline failed: %d %s", a.Status, a.Raw)
	}
	posted++
	got := w.waitAccepted(posted)
	var texts []string
	for _, arr := range got {
		texts = append(texts, arr.Message["text"].(map[string]any)["content"].(string))
	}
	if len(w.sb.Arrivals()) != posted || !strings.Contains(strings.Join(texts, "\n"), "github workflow completed") ||
		!strings.Contains(strings.Join(texts, "\n"), "github pull_request merged") {
		t.Fatalf("DingTalk got %q, want the %d posted only", texts, posted)
	}
}

// F6: a route's events choose what it posts: only failed runs; everything; firing alerts only.
func TestRouteEventsChooseWhatIsPosted(t *testing.T) {
	am := amRoute("oncall")
	am.Events = []string{"firing"}
	w := newWorld(t, []relay.Route{
		{Path: "/failures", Source: "github", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret, Events: []string{"workflow.failure", "pull_request.merged"}},
		{Path: "/all", Source: "github", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret, Events: []string{"*"}},
		am,
	})
	_, wf := sample(t, "github", "workflow")
	success := edit(t, wf, map[string]any{"workflow_run.conclusion": "success"})
	running := edit(t, wf, map[string]any{"action": "in_progress", "workflow_run.status": "in_progress", "workflow_run.conclusion": nil})
	_, push := sample(t, "github", "push")
	for _, tc := range []struct {
		path, event string
		body        []byte
		status      int
		ignored     string
	}{
		{"/failures", "workflow_run", wf, 202, ""},
		{"/failures", "workflow_run", success, 200, `workflow.success is not among the events route /failures posts (workflow.failure, pull_request.merged); to post it, give the route events = ["workflow.failure", "pull_request.merged", "workflow.success"]`},
		{"/failures", "push", push, 200, `push.pushed is not among the events route /failures posts (workflow.failure, pull_request.merged); to post it, give the route events = ["workflow.failure", "pull_request.merged", "push"]`},
		{"/all", "workflow_run", running, 202, ""},
		{"/all", "workflow_run", success, 202, ""},
	} {
		if a := w.github(tc.path, tc.event, tc.body); a.Status != tc.status || !strings.HasPrefix(a.Ignored, tc.ignored) || (tc.ignored == "") != (a.Ignored == "") {
			t.Errorf("%s %s: %d %s; want %d ignored %q", tc.path, tc.event, a.Status, a.Raw, tc.status, tc.ignored)
		}
	}
	if a := w.post("/alertmanager", readTestdata(t, "alertmanager-resolved.json"), bearer(routeSecret)...); a.Status != 200 || !strings.Contains(a.Ignored, `resolved is not among the events route /alertmanager posts (firing)`) {
		t.Errorf("resolved: %d %s", a.Status, a.Raw)
	}
	if a := w.post("/alertmanager", readTestdata(t, "alertmanager-firing.json"), bearer(routeSecret)...); a.Status != 202 {
		t.Errorf("firing: %d %s", a.Status, a.Raw)
	}
	w.waitAccepted(4)
	if n := len(w.sb.Arrivals()); n != 4 {
		t.Fatalf("%d arrivals, want 4", n)
	}
}

// F6: a template that renders nothing drops the payload: 200 ignored, not a 422 the sender
// marks as a failed delivery.
func TestTemplateRenderingNothingIgnores(t *testing.T) {
	w := newWorld(t, []relay.Route{
		{Path: "/am", Source: "alertmanager", Robots: []string{"oncall"}, Template: "am-firing-only"},
		{Path: "/empty", Source: "alertmanager", Robots: []string{"oncall"}, Template: "am-empty"},
	})
	if a := w.post("/am", readTestdata(t, "alertmanager-resolved.json")); a.Status != 200 || a.Ignored != "template am-firing-only rendered nothing" {
		t.Fatalf("resolved: %d %s", a.Status, a.Raw)
	}
	if a := w.post("/empty", readTestdata(t, "alertmanager-firing.json")); a.Status != 200 || a.Ignored != "template am-empty rendered nothing" {
		t.Fatalf("empty: %d %s", a.Status, a.Raw)
	}
	if a := w.post("/am", readTestdata(t, "alertmanager-firing.json")); a.Status != 202 {
		t.Fatalf("firing: %d %s", a.Status, a.Raw)
	}
	w.waitAccepted(1)
	if n := countJobs(t, w); n != 1 {
		t.Fatalf("%d jobs, want the firing one", n)
	}
}

// F6: events that cannot match are refused when the relay starts, with what there is.
func TestNewRefusesUnknownEvents(t *testing.T) {
	for _, tc := range []struct {
		source string
		events []string
		want   string
	}{
		{"github", []string{"pull_request.merge"}, `"pull_request.merge" is not an action of pull_request (did you mean "pull_request.merged"?)`},
		{"github", []string{"pullrequest"}, `"pullrequest" is not an event kind of github (did you mean "pull_request"?); kinds: push, tag, pull_request, release, workflow, issue, comment`},
		{"gitlab", []string{"push", "push"}, `"push" is listed twice`},
		{"alertmanager", []string{"fired"}, `kinds: firing, resolved`},
		{"generic", []string{"*"}, "a generic route has no event kinds"},
	} {
		_, err := relay.New(relay.Options{Outbox: newWorld(t, nil, noDrain).ob, Robots: []string{"ops"}, Templates: lookupTemplate,
			Routes: []relay.Route{{Path: "/x", Source: tc.source, Robots: []string{"ops"}, Events: tc.events}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v; want ~ %q", tc.source, tc.events, err, tc.want)
		}
	}
}

// N2: a typo of a route's path is a 404 that does not tell the sender the routes, but the log
// line names the route meant.
func TestUnknownPathLogsTheNearestRoute(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops"), {Path: "/hooks", Source: "generic", Robots: []string{"ops"}, Template: "generic"}}, noDrain)
	a := w.post("/hook", []byte(`{}`))
	if a.Status != http.StatusNotFound || strings.Contains(a.Raw, "/hooks") {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	if l := w.requestLog("unmatched"); l["nearest_route"] != "/hooks" {
		t.Fatalf("log line %v", l)
	}
	w.post("/zzzzzzzzzz", []byte(`{}`))
	if l := w.requestLog("unmatched"); l["nearest_route"] != nil {
		t.Fatalf("log line %v names a route for a path like none", l)
	}
}
