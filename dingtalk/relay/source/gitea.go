package source

import (
	"net/http"
	"strings"
)

// giteaEvents maps the events Gitea names in X-Gitea-Event to the GitHub event of the same
// shape (Gitea's payloads follow GitHub's); the events it does not list are not relayed.
var giteaEvents = map[string]string{
	"push":                  "push",
	"pull_request":          "pull_request", // also assign, label, milestone, sync, review request
	"pull_request_approved": "pull_request_review",
	"pull_request_rejected": "pull_request_review",
	"pull_request_comment":  "pull_request_review", // a review's comment
	"issues":                "issues",
	"issue_comment":         "issue_comment", // is_pull: a comment on a pull request
	"release":               "release",
	"workflow_run":          "workflow_run", // Gitea Actions, Gitea 1.24 and later
}

// Gitea parses a Gitea (or Forgejo) webhook body into a GitEvent; h carries the
// X-Gitea-Event header (else X-Forgejo-Event, X-Gogs-Event or X-GitHub-Event, which Gitea
// also sets; without any the event is recognised from the body). The events the relay does
// not render are an *IgnoredError; bad JSON a *SyntaxError; a body without the event's fields
// a *ShapeError.
func Gitea(h http.Header, body []byte) (GitEvent, error) {
	c := &check{ShapeError{Source: SourceGitea}}
	fields, err := gitObject(c, body)
	if err != nil {
		return GitEvent{}, err
	}
	if err := c.err(); err != nil {
		return GitEvent{}, err
	}
	raw := header(h, "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event", "X-GitHub-Event")
	event := giteaEvents[raw]
	switch {
	case raw == "":
		if event = guessHubEvent(fields); event == "" || event == "ping" || event == "commit_comment" || event == "pull_request_review_comment" {
			c.problem("no X-Gitea-Event header, and the body is none of the events the relay renders (%s)", strings.Join(giteaEventNames(), ", "))
			return GitEvent{}, c.err()
		}
		raw = event
	case event == "":
		return GitEvent{}, notRelayed(SourceGitea, raw)
	}
	w, err := hubDecode(c, fields, body, event)
	if err != nil {
		return GitEvent{}, err
	}
	e := hubEvent(SourceGitea, event, w)
	e.Event = raw
	return e, nil
}

func giteaEventNames() []string {
	return []string{"push", "pull_request", "pull_request_approved", "pull_request_rejected", "pull_request_comment",
		"issues", "issue_comment", "release", "workflow_run"}
}
