package source

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// A route's events (events = [...] in the config) choose which payloads it posts. Each entry
// is a kind ("push": every action of it), a kind and an action ("pull_request.merged"; a
// workflow's conclusion counts as an action too: "workflow.failure"), "*" (everything) or
// "default" (DefaultEvents). A route that names none posts DefaultEvents.
const (
	EventsAll     = "*"
	EventsDefault = "default"
)

// The kinds of an Alertmanager or Grafana payload: the group's status.
var alertKinds = []string{StatusFiring, StatusResolved}

// gitActions are the normalized actions of each Git event kind (GitEvent.Action), and for a
// workflow its conclusions: what "kind.action" may name.
var gitActions = map[string][]string{
	KindPush: {"pushed", "created", "deleted"},
	KindTag:  {"pushed", "created", "deleted"},
	KindPullRequest: {"opened", "reopened", "closed", "merged", "edited", "synchronized", "labeled", "unlabeled",
		"assigned", "unassigned", "review_requested", "review_request_removed", "ready_for_review",
		"converted_to_draft", "locked", "unlocked", "auto_merge_enabled", "auto_merge_disabled", "enqueued",
		"dequeued", "milestoned", "demilestoned", "approved", "unapproved", "changes_requested", "reviewed",
		"review_dismissed", "review_edited"},
	KindRelease: {"published", "created", "released", "prereleased", "edited", "deleted", "unpublished"},
	KindWorkflow: {"requested", "in_progress", "waiting", "completed",
		ConclusionSuccess, ConclusionFailure, ConclusionCancelled, ConclusionSkipped, ConclusionTimedOut,
		ConclusionNeutral, ConclusionActionReq},
	KindIssue: {"opened", "closed", "reopened", "edited", "deleted", "labeled", "unlabeled", "assigned",
		"unassigned", "transferred", "pinned", "unpinned", "locked", "unlocked", "milestoned", "demilestoned"},
	KindComment: {"created", "edited", "deleted"},
}

// actionAliases are the hosts' other words for a workflow's conclusion (GitLab's).
var actionAliases = map[string]string{"failed": ConclusionFailure, "canceled": ConclusionCancelled}

// kindAliases are the hosts' own names for the kinds, as their webhook settings and headers
// spell them: a user who writes GitLab's "pipeline" or GitHub's "workflow_run" means workflow.
var kindAliases = map[string]string{
	"pipeline": KindWorkflow, "workflow_run": KindWorkflow,
	"merge_request": KindPullRequest, "pull_request_review": KindPullRequest,
	"issues": KindIssue, "tag_push": KindTag, "note": KindComment, "issue_comment": KindComment,
}

// splitEvent splits an events entry into its kind and action, the aliases resolved.
func splitEvent(e string) (kind, action string, hasAction bool) {
	kind, action, hasAction = strings.Cut(strings.TrimSpace(e), ".")
	if k, ok := kindAliases[kind]; ok {
		kind = k
	}
	if a, ok := actionAliases[action]; ok && kind == KindWorkflow {
		action = a
	}
	return kind, action, hasAction
}

// gitKinds lists the Git kinds in the order messages name them.
var gitKinds = []string{KindPush, KindTag, KindPullRequest, KindRelease, KindWorkflow, KindIssue, KindComment}

// gitDefault is what a Git route posts unless it names its events: what a team wants to read
// in its group. Finished workflows only (not requested or in progress, nor skipped), the
// moments of a pull request that ask someone to act or close it (not every push to it, label
// or edit), issues opened or closed, pushes, tags and published releases. Comments are left
// out: bots comment on every push.
var gitDefault = []string{
	KindPush, KindTag,
	"pull_request.opened", "pull_request.reopened", "pull_request.closed", "pull_request.merged",
	"pull_request.ready_for_review", "pull_request.review_requested", "pull_request.approved",
	"pull_request.changes_requested",
	"release.published",
	"workflow.success", "workflow.failure", "workflow.cancelled", "workflow.timed_out", "workflow.action_required",
	"issue.opened", "issue.closed", "issue.reopened",
}

// isGit reports whether src is a Git host.
func isGit(src string) bool {
	return src == SourceGitHub || src == SourceGitLab || src == SourceGitea
}

// EventKinds lists the kinds a route of src may name in its events; nil for a source whose
// payloads have no kinds (generic: a template that renders nothing drops a payload).
func EventKinds(src string) []string {
	switch {
	case isGit(src):
		return slices.Clone(gitKinds)
	case src == SourceAlertmanager || src == SourceGrafana:
		return slices.Clone(alertKinds)
	}
	return nil
}

// EventActions lists the actions "kind.action" may name for a kind of src.
func EventActions(src, kind string) []string {
	if !isGit(src) {
		return nil
	}
	return slices.Clone(gitActions[kind])
}

// DefaultEvents is what a route of src posts when it names no events: for the Git hosts
// the entries of gitDefault, for the other sources everything ("*").
func DefaultEvents(src string) []string {
	if isGit(src) {
		return slices.Clone(gitDefault)
	}
	return []string{EventsAll}
}

// CheckEvents returns a problem for each entry of events that src cannot match: an unknown
// kind or action (with the ones there are), or events on a source without kinds.
func CheckEvents(src string, events []string) []error {
	if len(events) == 0 {
		return nil
	}
	kinds := EventKinds(src)
	if kinds == nil {
		return []error{fmt.Errorf("events: a %s route has no event kinds to choose from; a template that renders nothing (all its text blank) drops a payload", src)}
	}
	var errs []error
	seen := map[string]bool{}
	for _, e := range events {
		e = strings.TrimSpace(e)
		if seen[e] {
			errs = append(errs, fmt.Errorf("events: %q is listed twice", e))
			continue
		}
		seen[e] = true
		if e == EventsAll || e == EventsDefault {
			continue
		}
		kind, action, hasAction := splitEvent(e)
		if !slices.Contains(kinds, kind) {
			hint := ""
			if best := dingtalk.Nearest(kind, kinds); best != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", best)
			}
			errs = append(errs, fmt.Errorf("events: %q is not an event kind of %s%s; kinds: %s, or \"kind.action\", %q (everything) or %q", e, src, hint, strings.Join(kinds, ", "), EventsAll, EventsDefault))
			continue
		}
		if !hasAction {
			continue
		}
		actions := EventActions(src, kind)
		if !slices.Contains(actions, action) {
			hint := ""
			if best := dingtalk.Nearest(action, actions); best != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", kind+"."+best)
			}
			if actions == nil {
				errs = append(errs, fmt.Errorf("events: %q: %s %s has no actions; write %q", e, src, kind, kind))
				continue
			}
			errs = append(errs, fmt.Errorf("events: %q is not an action of %s%s; %s actions: %s", e, kind, hint, kind, strings.Join(actions, ", ")))
		}
	}
	return errs
}

// EventOf names the event parsed data is: its kind and the actions it matches ("workflow",
// ["completed", "failure"]); "" for data without kinds (generic JSON).
func EventOf(data any) (kind string, actions []string) {
	switch d := data.(type) {
	case GitEvent:
		actions = []string{d.Action}
		if d.Kind == KindWorkflow && d.Workflow.Conclusion != "" {
			actions = append(actions, d.Workflow.Conclusion)
		}
		return d.Kind, actions
	case *GitEvent:
		return EventOf(*d)
	case AlertmanagerPayload:
		return d.Status, nil
	case *AlertmanagerPayload:
		return d.Status, nil
	case GrafanaPayload:
		return d.Status, nil
	case *GrafanaPayload:
		return d.Status, nil
	}
	return "", nil
}

// EventName is how messages name the event of data: "pull_request.labeled",
// "workflow.skipped" (a finished workflow by its conclusion), "resolved".
func EventName(data any) string {
	kind, actions := EventOf(data)
	switch {
	case kind == "":
		return ""
	case len(actions) == 0:
		return kind
	}
	return kind + "." + actions[len(actions)-1]
}

// MatchEvents reports whether a route of src whose events are events (none: DefaultEvents)
// posts data. Data without a kind always matches.
func MatchEvents(src string, events []string, data any) bool {
	kind, actions := EventOf(data)
	if kind == "" {
		return true
	}
	if len(events) == 0 {
		events = DefaultEvents(src)
	}
	for _, e := range events {
		switch e = strings.TrimSpace(e); e {
		case EventsAll:
			return true
		case EventsDefault:
			if MatchEvents(src, DefaultEvents(src), data) {
				return true
			}
			continue
		}
		k, a, hasAction := splitEvent(e)
		if k == kind && (!hasAction || slices.Contains(actions, a)) {
			return true
		}
	}
	return false
}
