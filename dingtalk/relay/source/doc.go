// Package source parses the bodies that webhook senders POST to the relay
// (dingbot serve) into the typed values its templates render.
//
// Each route of the relay names a source. The relay reads the request body
// with Read (refused over MaxBody), parses it with the source's function and
// renders the route's template with the result as ".":
//
//	body, err := source.Read(r.Body)          // ErrTooLarge over 1 MiB: 413
//	am, err := source.Alertmanager(body)      // *SyntaxError or *ShapeError: 400 with err.Error() as the reason
//	// then the route's template, executed with am as ".":
//	// {{ .Status }}: {{ range .Alerts }}{{ .Labels.instance }} {{ end }}
//
// A template declares the data it renders (data = "alertmanager" in its file) and
// Template.RenderData executes it with the parsed payload as ".".
//
// The sources:
//
//   - Alertmanager: Alertmanager's webhook payload, version 4 (webhook_config).
//     A group of alerts with its status, group, common labels and annotations.
//   - Grafana: Grafana's unified alerting webhook contact point, the same
//     shape plus orgId, title, state, message and per alert the silence,
//     dashboard and panel links and the query values.
//   - GitHub, GitLab and Gitea (also Forgejo): their webhooks, parsed into one
//     GitEvent (data = "git") so that one template renders the three hosts.
//   - Generic: any JSON object or array, numbers as json.Number so that ids
//     and large integers print as sent.
//
// In templates the fields have their Go names (.Status, .CommonLabels,
// .Alerts, .StartsAt); labels and annotations are maps, so
// {{ .CommonLabels.severity }} or {{ index .Labels "alert-name" }} read them.
// Times are time.Time; an alert still firing has a zero EndsAt
// ({{ if .EndsAt.IsZero }}). Firing and Resolved select the alerts by status.
//
// # Git hosts
//
// A Git host names its event in a header: X-GitHub-Event ("push",
// "pull_request", "workflow_run"…), X-Gitlab-Event ("Push Hook", "Merge
// Request Hook", "Pipeline Hook"…; the body's object_kind is read first) or
// X-Gitea-Event (Gitea also sets X-Gitea-Event-Type, X-Gogs-Event and
// X-GitHub-Event). Without the header a body is recognised by the fields only
// its event has. GitEvent.Kind says what happened, the same for every host:
//
//	push          commits pushed to a branch, or a branch created or deleted
//	tag           a tag pushed or deleted
//	pull_request  a pull request, or a GitLab merge request: opened, merged, approved…
//	release       a release published, edited or deleted
//	workflow      a GitHub or Gitea Actions workflow run, a GitLab pipeline
//	issue         an issue opened, closed, edited…
//	comment       a comment on an issue, a pull request or a commit
//
// Action and the states are normalized: a merged pull request's Action is
// "merged" (not GitHub's and Gitea's "closed" with merged set, not GitLab's
// "merge"); GitLab's "open" is "opened"; a workflow's Status is "queued",
// "in_progress", "waiting" or "completed" and, once completed, its
// Conclusion "success", "failure", "cancelled", "skipped"… (GitLab's
// "failed" is "failure", "canceled" is "cancelled"). Commits are oldest
// first. Fields that do not apply are zero, never nil structs:
// {{ .PullRequest.Title }} on a push is "". Methods help templates:
// {{ .Summary }} is a one-line description, {{ .URL }} the event's main link,
// {{ .ShortSHA }}, {{ if .Succeeded }}, {{ if .Workflow.Failed }},
// {{ range .Workflow.FailedJobs }} (GitLab), {{ .Sender.Display }}.
//
// A GitHub ping and the events the relay does not render (star, fork, create,
// delete, wiki pages, jobs…) are an *IgnoredError: the relay answers 200 and
// sends nothing.
//
// # Mentions
//
// Values(data, key) gives the names a route's mention_label selects: an
// alert label or annotation (common first, else every alert's), a GitEvent
// person ("sender", "author", "assignees", "reviewers", "committers",
// "merged_by", "actor": their login) or any dotted path of GitEvent's JSON
// names, or a dotted path into generic JSON. Values are deduplicated and a
// value listing names with commas gives each.
//
// # Samples
//
// Sample(source, event) returns a realistic payload of every source with the
// headers its sender sets, for previews (dingbot template render --sample)
// and tests; SampleEvents lists a source's events ("push", "tag"… for the Git
// hosts, "firing" and "resolved" for the others).
//
// Errors say what is wrong so that the sender's operator can fix it: bad JSON
// gives a *SyntaxError with the line, column and byte offset; a body of
// another shape (a GitHub push posted to an Alertmanager route) gives a
// *ShapeError listing the required fields that are missing and the fields of
// the wrong type or value. The package imports only the standard library.
package source
