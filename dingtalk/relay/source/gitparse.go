package source

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// gitObject parses body as a JSON object for a Git host's parser. It returns a *SyntaxError
// for bad JSON, or the object's fields; a body that is valid JSON but no object leaves a
// problem in c and returns nil fields.
func gitObject(c *check, body []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		if se := syntaxError(c.Source, body, err); se != nil {
			return nil, se
		}
		if p, ok := typeProblem(err); ok {
			c.problem("%s", p)
			return nil, nil
		}
		return nil, fmt.Errorf("%s payload: %w", c.Source, err)
	}
	if fields == nil { // the document is null
		c.problem("the document: got a JSON null, want an object")
	}
	return fields, nil
}

// require reports the fields that are missing from fields, and, for each "obj.field" path,
// from the object obj when it is present and an object (obj itself missing or null is
// reported once, as obj).
func (c *check) require(fields map[string]json.RawMessage, paths ...string) {
	nested := map[string]map[string]json.RawMessage{}
	for _, p := range paths {
		obj, name, ok := strings.Cut(p, ".")
		if !ok {
			if raw, present := fields[p]; !present || string(raw) == "null" {
				c.Missing = append(c.Missing, p)
			}
			continue
		}
		sub, seen := nested[obj]
		if !seen {
			raw, present := fields[obj]
			if !present || string(raw) == "null" {
				if !slices.Contains(c.Missing, obj) {
					c.Missing = append(c.Missing, obj)
				}
			} else {
				_ = json.Unmarshal(raw, &sub) // not an object: reported when the body is decoded
			}
			nested[obj] = sub
		}
		if sub != nil {
			if raw, present := sub[name]; !present || string(raw) == "null" {
				c.Missing = append(c.Missing, p)
			}
		}
	}
}

// gitTime parses the times Git hosts send: RFC 3339 ("2026-11-30T09:14:27+08:00") and
// GitLab's "2026-11-30 01:14:27 UTC". A time in no known layout is zero: a webhook is not
// refused for a timestamp.
func gitTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// zeroSHA reports whether sha is Git's null object id (all zeros): the "before" of a created
// ref, the "after" of a deleted one.
func zeroSHA(sha string) bool { return sha != "" && strings.Trim(sha, "0") == "" }

// refName splits a ref into its branch or tag.
func refName(ref string) (branch, tag string) {
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return "", t
	}
	return strings.TrimPrefix(ref, "refs/heads/"), ""
}

// pushAction is the Action of a push or tag event.
func pushAction(created, deleted bool) string {
	switch {
	case deleted:
		return "deleted"
	case created:
		return "created"
	}
	return "pushed"
}

// oldestFirst puts commits in the order they were made when the host listed the head commit
// first (Gitea and GitLab list the newest first; GitHub the oldest).
func oldestFirst(commits []GitCommit, after string) []GitCommit {
	if len(commits) > 1 && commits[0].ID == after && commits[len(commits)-1].ID != after {
		slices.Reverse(commits)
	}
	return commits
}

// commit builds a GitCommit, its short id and title derived.
func commit(id, message, url string, author GitUser, ts string, added, removed, modified []string) GitCommit {
	return GitCommit{
		ID: id, ShortID: short(id), Message: message, Title: firstLine(message), URL: url,
		Author: author, Timestamp: gitTime(ts), Added: added, Removed: removed, Modified: modified,
	}
}

// runStatus normalizes a workflow run's, pipeline's or job's status to "queued",
// "in_progress", "waiting" or "completed".
func runStatus(status string) string {
	switch status {
	case "requested", "queued", "pending", "created", "waiting_for_resource", "preparing":
		return "queued"
	case "in_progress", "running", "canceling":
		return "in_progress"
	case "waiting", "blocked", "manual", "scheduled":
		return "waiting"
	case "completed", "success", "failed", "failure", "canceled", "cancelled", "skipped",
		"timed_out", "neutral", "action_required", "stale", "startup_failure":
		return "completed"
	}
	return status
}

// runConclusion normalizes a finished run's conclusion (GitLab: its final status).
func runConclusion(c string) string {
	switch c {
	case "failed", "startup_failure":
		return ConclusionFailure
	case "canceled", "stale":
		return ConclusionCancelled
	}
	return c
}

// prAction normalizes a pull request action shared by GitHub and Gitea.
func prAction(action string, merged bool) string {
	switch action {
	case "closed":
		if merged {
			return "merged"
		}
	case "synchronize":
		return "synchronized"
	case "label_updated":
		return "labeled"
	case "label_cleared":
		return "unlabeled"
	case "updated":
		return "edited"
	}
	return action
}

// gitLabAction normalizes GitLab's present-tense actions.
func gitLabAction(action string) string {
	switch action {
	case "open":
		return "opened"
	case "close":
		return "closed"
	case "reopen":
		return "reopened"
	case "merge":
		return "merged"
	case "update":
		return "edited"
	case "approval", "approved":
		return "approved"
	case "unapproval", "unapproved":
		return "unapproved"
	case "create":
		return "created"
	case "delete":
		return "deleted"
	}
	return action
}

// prState is a pull request's State: "open", "closed" or "merged".
func prState(state string, merged bool) string {
	switch {
	case merged || state == "merged":
		return "merged"
	case state == "opened" || state == "locked":
		return "open"
	}
	return state
}

// header returns the first of the named headers that is set.
func header(h http.Header, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(h.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// notRelayed is the IgnoredError for an event kind the relay does not render.
func notRelayed(src, event string) *IgnoredError {
	return &IgnoredError{Source: src, Reason: fmt.Sprintf("event %q is not relayed", event)}
}
