package source

import (
	"fmt"
	"strings"
	"time"
)

// The kinds of GitEvent.
const (
	KindPush        = "push"         // commits pushed to a branch (or a branch created or deleted)
	KindTag         = "tag"          // a tag pushed or deleted
	KindPullRequest = "pull_request" // a GitHub or Gitea pull request, a GitLab merge request
	KindRelease     = "release"      // a release published, edited or deleted
	KindWorkflow    = "workflow"     // a GitHub or Gitea workflow run, a GitLab pipeline
	KindIssue       = "issue"        // an issue opened, closed, edited…
	KindComment     = "comment"      // a comment on an issue, a pull request or a commit
)

// The normalized conclusions of a finished workflow (GitEvent.Workflow.Conclusion).
const (
	ConclusionSuccess   = "success"
	ConclusionFailure   = "failure"
	ConclusionCancelled = "cancelled"
	ConclusionSkipped   = "skipped"
	ConclusionTimedOut  = "timed_out"
	ConclusionNeutral   = "neutral"
	ConclusionActionReq = "action_required"
)

// GitEvent is a GitHub, GitLab or Gitea webhook, normalized so that one
// template (data = "git") renders the three hosts alike. Fields that do not
// apply to the event are zero: a push has no PullRequest, so
// {{ .PullRequest.Number }} is 0 and {{ .PullRequest.Title }} is "".
//
// Action is normalized across hosts: "opened", "closed", "merged" (a merged
// pull or merge request, never "closed"), "reopened", "edited",
// "synchronized" (new commits on a pull request), "approved",
// "changes_requested", "published", "created", "deleted", "requested",
// "in_progress", "completed"… and for pushes "pushed", "created" (a new
// branch or tag) or "deleted". Actions the hosts add later pass through as sent.
type GitEvent struct {
	Host   string `json:"host"`   // "github", "gitlab" or "gitea"
	Event  string `json:"event"`  // the raw event name: "push", "Merge Request Hook", "pull_request"
	Kind   string `json:"kind"`   // KindPush, KindTag, KindPullRequest, KindRelease, KindWorkflow, KindIssue, KindComment
	Action string `json:"action"` // normalized, see above

	Repo   GitRepo `json:"repo"`
	Sender GitUser `json:"sender"` // who caused the event (the pusher of a push)

	// Push and tag events.
	Ref          string      `json:"ref"`         // "refs/heads/main", "refs/tags/v1.2.0"
	Branch       string      `json:"branch"`      // "main" (push); a pull request's or workflow's branch is theirs
	Tag          string      `json:"tag"`         // "v1.2.0" (tag push, release)
	Before       string      `json:"before"`      // the ref's commit before the push (all zeros when created)
	After        string      `json:"after"`       // after it (all zeros when deleted)
	CompareURL   string      `json:"compare_url"` // the diff between Before and After
	Commits      []GitCommit `json:"commits"`     // oldest first; the hosts send at most 20 (GitLab the newest 20), CommitsTotal counts all
	CommitsTotal int         `json:"commits_total"`
	Forced       bool        `json:"forced"`
	Created      bool        `json:"created"` // the branch or tag is new
	Deleted      bool        `json:"deleted"` // the branch or tag was deleted

	PullRequest GitPullRequest `json:"pull_request"` // pull_request; a comment or review on one
	Release     GitRelease     `json:"release"`
	Workflow    GitWorkflow    `json:"workflow"`
	Issue       GitIssue       `json:"issue"`   // issue; a comment on one
	Comment     GitComment     `json:"comment"` // comment; the body of a review
}

// GitRepo is the repository (GitLab: project) of an event.
type GitRepo struct {
	Name          string `json:"name"`      // "dingbot"
	FullName      string `json:"full_name"` // "dingbot/dingbot", GitLab's path_with_namespace
	URL           string `json:"url"`       // its web page
	DefaultBranch string `json:"default_branch"`
	Private       bool   `json:"private"`
}

// GitUser is a person as the host names them. Login is the username (the
// best key for mention_label and contacts); Name and Email are set when the
// host sends them (commit authors have Name and Email, often no Login).
type GitUser struct {
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
	URL   string `json:"url"` // their profile page, when sent
}

// GitCommit is one commit of a push.
type GitCommit struct {
	ID        string    `json:"id"`       // the full SHA
	ShortID   string    `json:"short_id"` // its first 7 characters
	Message   string    `json:"message"`  // the whole message
	Title     string    `json:"title"`    // the message's first line
	URL       string    `json:"url"`
	Author    GitUser   `json:"author"`
	Timestamp time.Time `json:"timestamp"`
	Added     []string  `json:"added"`
	Removed   []string  `json:"removed"`
	Modified  []string  `json:"modified"`
}

// GitPullRequest is a pull request (GitLab: merge request).
type GitPullRequest struct {
	Number    int       `json:"number"` // GitLab's iid, the !number people use
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	State     string    `json:"state"` // "open", "closed" or "merged"
	Merged    bool      `json:"merged"`
	Draft     bool      `json:"draft"`
	Source    string    `json:"source"` // the branch merged from
	Target    string    `json:"target"` // the branch merged into
	SHA       string    `json:"sha"`    // the source branch's head commit
	Author    GitUser   `json:"author"`
	MergedBy  GitUser   `json:"merged_by"`
	Body      string    `json:"body"`
	Assignees []GitUser `json:"assignees"`
	Reviewers []GitUser `json:"reviewers"` // requested reviewers
	Labels    []string  `json:"labels"`
}

// GitRelease is a release.
type GitRelease struct {
	Tag        string  `json:"tag"`
	Name       string  `json:"name"`
	URL        string  `json:"url"`
	Body       string  `json:"body"` // the release notes, Markdown
	Prerelease bool    `json:"prerelease"`
	Draft      bool    `json:"draft"`
	Author     GitUser `json:"author"`
}

// GitWorkflow is a GitHub Actions or Gitea Actions workflow run, or a GitLab
// pipeline.
type GitWorkflow struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`   // the workflow's name; a GitLab pipeline's name, else "Pipeline"
	Number int    `json:"number"` // the run number (GitLab: the pipeline's iid)
	Event  string `json:"event"`  // what triggered it: "push", "pull_request", "schedule"…
	// Status is "queued", "in_progress", "waiting" or "completed".
	Status string `json:"status"`
	// Conclusion is set once Status is "completed": "success", "failure",
	// "cancelled", "skipped", "timed_out", "neutral" or "action_required".
	Conclusion string        `json:"conclusion"`
	URL        string        `json:"url"`
	Branch     string        `json:"branch"`
	SHA        string        `json:"sha"`
	Title      string        `json:"title"` // the head commit's title (GitHub: display_title)
	Actor      GitUser       `json:"actor"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"` // zero until completed
	Duration   time.Duration `json:"duration"`    // zero until completed
	Jobs       []GitJob      `json:"jobs"`        // GitLab sends the pipeline's jobs; GitHub and Gitea do not
}

// GitJob is one job of a GitLab pipeline.
type GitJob struct {
	Name       string `json:"name"`
	Stage      string `json:"stage"`
	Status     string `json:"status"`     // as GitWorkflow.Status
	Conclusion string `json:"conclusion"` // as GitWorkflow.Conclusion
	URL        string `json:"url"`
	// AllowFailure: the job may fail without failing its pipeline (GitLab's allow_failure);
	// such a failure is a warning, not in FailedJobs.
	AllowFailure bool `json:"allow_failure,omitempty"`
}

// GitIssue is an issue.
type GitIssue struct {
	Number    int       `json:"number"` // GitLab's iid, the #number people use
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	State     string    `json:"state"` // "open" or "closed"
	Author    GitUser   `json:"author"`
	Labels    []string  `json:"labels"`
	Assignees []GitUser `json:"assignees"`
	Body      string    `json:"body"`
}

// GitComment is a comment, or a pull request review's body.
type GitComment struct {
	Body   string  `json:"body"`
	URL    string  `json:"url"`
	Author GitUser `json:"author"`
	On     string  `json:"on"`     // "issue", "pull_request" or "commit"
	Commit string  `json:"commit"` // the commented commit's SHA, when On is "commit"
}

// ShortSHA is the first 7 characters of the event's commit: the head of a
// push, a pull request or a workflow run.
func (e GitEvent) ShortSHA() string {
	for _, s := range []string{e.After, e.PullRequest.SHA, e.Workflow.SHA, e.Comment.Commit} {
		if s != "" && strings.Trim(s, "0") != "" {
			return short(s)
		}
	}
	return ""
}

// HeadCommit is the last commit of a push (the zero GitCommit if none).
func (e GitEvent) HeadCommit() GitCommit {
	if len(e.Commits) == 0 {
		return GitCommit{}
	}
	return e.Commits[len(e.Commits)-1]
}

// Succeeded reports whether the event is a completed workflow that succeeded.
func (e GitEvent) Succeeded() bool { return e.Workflow.Succeeded() }

// Failed reports whether the event is a completed workflow that failed
// (failure or timed_out).
func (e GitEvent) Failed() bool { return e.Workflow.Failed() }

// Merged reports whether the event is a pull request being merged.
func (e GitEvent) Merged() bool { return e.Kind == KindPullRequest && e.Action == "merged" }

// URL is the event's main link: the pull request, issue, release, workflow
// run or comment, the compare view of a push, else the repository.
func (e GitEvent) URL() string {
	var candidates []string
	switch e.Kind {
	case KindComment:
		candidates = []string{e.Comment.URL, e.PullRequest.URL, e.Issue.URL}
	case KindPullRequest:
		candidates = []string{e.PullRequest.URL}
	case KindIssue:
		candidates = []string{e.Issue.URL}
	case KindRelease:
		candidates = []string{e.Release.URL}
	case KindWorkflow:
		candidates = []string{e.Workflow.URL}
	case KindPush, KindTag:
		if !e.Deleted {
			candidates = []string{e.CompareURL, e.HeadCommit().URL}
		}
	}
	for _, u := range append(candidates, e.Repo.URL) {
		if u != "" {
			return u
		}
	}
	return ""
}

// Summary is a one-line description of the event, for titles and digests:
// "lina pushed 3 commits to dingbot/dingbot main",
// "zhangwei merged pull request #42 in dingbot/dingbot: Add serve",
// "CI failed on dingbot/dingbot main: Fix flaky test".
func (e GitEvent) Summary() string {
	who := e.Sender.Display()
	if who == "" {
		who = "someone"
	}
	repo := e.Repo.FullName
	switch e.Kind {
	case KindPush:
		switch {
		case e.Deleted:
			return fmt.Sprintf("%s deleted branch %s in %s", who, e.Branch, repo)
		case e.Created && e.CommitsTotal == 0:
			return fmt.Sprintf("%s created branch %s in %s", who, e.Branch, repo)
		}
		verb := "pushed"
		if e.Forced {
			verb = "force-pushed"
		}
		return fmt.Sprintf("%s %s %d %s to %s %s", who, verb, e.CommitsTotal, plural(e.CommitsTotal, "commit", "commits"), repo, e.Branch)
	case KindTag:
		if e.Deleted {
			return fmt.Sprintf("%s deleted tag %s in %s", who, e.Tag, repo)
		}
		return fmt.Sprintf("%s pushed tag %s to %s", who, e.Tag, repo)
	case KindPullRequest:
		if e.Action == "ready_for_review" {
			return fmt.Sprintf("%s marked %s #%d in %s ready for review: %s", who, e.prNoun(), e.PullRequest.Number, repo, e.PullRequest.Title)
		}
		return fmt.Sprintf("%s %s %s #%d in %s: %s", who, actionVerb(e.Action), e.prNoun(), e.PullRequest.Number, repo, e.PullRequest.Title)
	case KindIssue:
		return fmt.Sprintf("%s %s issue #%d in %s: %s", who, actionVerb(e.Action), e.Issue.Number, repo, e.Issue.Title)
	case KindComment:
		on := fmt.Sprintf("issue #%d", e.Issue.Number)
		switch e.Comment.On {
		case KindPullRequest:
			on = fmt.Sprintf("%s #%d", e.prNoun(), e.PullRequest.Number)
		case "commit":
			on = "commit " + short(e.Comment.Commit)
		}
		return fmt.Sprintf("%s commented on %s in %s", who, on, repo)
	case KindRelease:
		name := e.Release.Name
		if name == "" {
			name = e.Release.Tag
		}
		if e.Sender.Display() == "" { // GitLab does not say who
			return fmt.Sprintf("Release %s of %s %s", name, repo, actionVerb(e.Action))
		}
		return fmt.Sprintf("%s %s release %s of %s", who, actionVerb(e.Action), name, repo)
	case KindWorkflow:
		w := e.Workflow
		where := repo
		if w.Branch != "" {
			where += " " + w.Branch
		}
		s := fmt.Sprintf("%s %s on %s", w.Name, runVerb(w), where)
		if w.Title != "" {
			s += ": " + w.Title
		}
		return s
	}
	return fmt.Sprintf("%s: %s %s", repo, e.Event, e.Action)
}

// runVerb says how a workflow run stands, for Summary.
func runVerb(w GitWorkflow) string {
	if w.Status == "completed" {
		switch w.Conclusion {
		case ConclusionSuccess:
			return "succeeded"
		case ConclusionFailure:
			return "failed"
		case ConclusionCancelled:
			return "was cancelled"
		case ConclusionSkipped:
			return "was skipped"
		case ConclusionTimedOut:
			return "timed out"
		case ConclusionActionReq:
			return "needs action"
		}
		return "completed"
	}
	switch w.Status {
	case "queued":
		return "is queued"
	case "in_progress":
		return "is running"
	case "waiting":
		return "is waiting"
	}
	return strings.ReplaceAll(w.Status, "_", " ")
}

// prNoun is what the host calls a pull request.
func (e GitEvent) prNoun() string {
	if e.Host == SourceGitLab {
		return "merge request"
	}
	return "pull request"
}

// actionVerb turns a normalized action into words for Summary.
func actionVerb(action string) string {
	switch action {
	case "synchronized":
		return "pushed to"
	case "review_requested":
		return "requested review on"
	case "changes_requested":
		return "requested changes on"
	case "reviewed":
		return "reviewed"
	case "":
		return "updated"
	}
	return strings.ReplaceAll(action, "_", " ")
}

// Display is the user's login, else their name, else their email.
func (u GitUser) Display() string {
	switch {
	case u.Login != "":
		return u.Login
	case u.Name != "":
		return u.Name
	}
	return u.Email
}

// Succeeded reports whether the run completed with success.
func (w GitWorkflow) Succeeded() bool {
	return w.Status == "completed" && w.Conclusion == ConclusionSuccess
}

// Failed reports whether the run completed with failure or timed out.
func (w GitWorkflow) Failed() bool {
	return w.Status == "completed" && (w.Conclusion == ConclusionFailure || w.Conclusion == ConclusionTimedOut)
}

// Completed reports whether the run has finished, whatever its conclusion.
func (w GitWorkflow) Completed() bool { return w.Status == "completed" }

// ShortSHA is the first 7 characters of the run's commit.
func (w GitWorkflow) ShortSHA() string { return short(w.SHA) }

// FailedJobs lists the jobs that failed and were not allowed to (GitLab pipelines only).
func (w GitWorkflow) FailedJobs() []GitJob { return w.failed(false) }

// AllowedFailures lists the jobs that failed but were allowed to (GitLab's allow_failure,
// shown there as warnings).
func (w GitWorkflow) AllowedFailures() []GitJob { return w.failed(true) }

func (w GitWorkflow) failed(allowed bool) []GitJob {
	var out []GitJob
	for _, j := range w.Jobs {
		if (j.Conclusion == ConclusionFailure || j.Conclusion == ConclusionTimedOut) && j.AllowFailure == allowed {
			out = append(out, j)
		}
	}
	return out
}

// AssigneeLogins lists the assignees' Display names, for templates
// ({{ join .PullRequest.AssigneeLogins ", " }}).
func (p GitPullRequest) AssigneeLogins() []string { return displays(p.Assignees) }

// ReviewerLogins lists the requested reviewers' Display names.
func (p GitPullRequest) ReviewerLogins() []string { return displays(p.Reviewers) }

// AssigneeLogins lists the assignees' Display names.
func (i GitIssue) AssigneeLogins() []string { return displays(i.Assignees) }

func displays(us []GitUser) []string {
	out := make([]string, 0, len(us))
	for _, u := range us {
		if d := u.Display(); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// short is the first 7 characters of a SHA.
func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// firstLine is a commit message's title.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimRight(s, "\r ")
}

// gitUsers converts a host's list of users (GitHub's, GitLab's) into GitUsers.
func gitUsers[U any, P interface {
	*U
	user() GitUser
}](us []U) []GitUser {
	var out []GitUser
	for i := range us {
		out = append(out, P(&us[i]).user())
	}
	return out
}
