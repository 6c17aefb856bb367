package source

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// hubUser is a user as GitHub and Gitea send them (Gitea adds full_name and username).
type hubUser struct {
	Login    string `json:"login"`
	Username string `json:"username"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
	HTMLURL  string `json:"html_url"`
}

func (u *hubUser) user() GitUser {
	if u == nil {
		return GitUser{}
	}
	g := GitUser{Login: u.Login, Name: u.Name, Email: u.Email, URL: u.HTMLURL}
	if g.Login == "" {
		g.Login = u.Username
	}
	if g.Name == "" {
		g.Name = u.FullName
	}
	return g
}

type hubRepo struct {
	Name          string `json:"name"`
	FullName      string `json:"full_name"`
	HTMLURL       string `json:"html_url"`
	DefaultBranch string `json:"default_branch"`
	Private       bool   `json:"private"`
}

func (r *hubRepo) repo() GitRepo {
	if r == nil {
		return GitRepo{}
	}
	return GitRepo{Name: r.Name, FullName: r.FullName, URL: r.HTMLURL, DefaultBranch: r.DefaultBranch, Private: r.Private}
}

type hubCommit struct {
	ID        string   `json:"id"`
	Message   string   `json:"message"`
	Timestamp string   `json:"timestamp"`
	URL       string   `json:"url"`
	Author    hubUser  `json:"author"` // {name, email, username}
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
	Modified  []string `json:"modified"`
}

func (c hubCommit) commit() GitCommit {
	return commit(c.ID, c.Message, c.URL, c.Author.user(), c.Timestamp, c.Added, c.Removed, c.Modified)
}

type hubLabel struct {
	Name string `json:"name"`
}

func labelNames(ls []hubLabel) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

type hubBranch struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

type hubPR struct {
	Number             int        `json:"number"`
	HTMLURL            string     `json:"html_url"`
	State              string     `json:"state"`
	Title              string     `json:"title"`
	Body               string     `json:"body"`
	User               *hubUser   `json:"user"`
	Assignees          []hubUser  `json:"assignees"`
	RequestedReviewers []hubUser  `json:"requested_reviewers"`
	Labels             []hubLabel `json:"labels"`
	Draft              bool       `json:"draft"`
	Merged             bool       `json:"merged"`
	MergedBy           *hubUser   `json:"merged_by"`
	Head               hubBranch  `json:"head"`
	Base               hubBranch  `json:"base"`
}

func (p *hubPR) pr() GitPullRequest {
	if p == nil {
		return GitPullRequest{}
	}
	return GitPullRequest{
		Number: p.Number, Title: p.Title, URL: p.HTMLURL, State: prState(p.State, p.Merged),
		Merged: p.Merged, Draft: p.Draft, Source: p.Head.Ref, Target: p.Base.Ref, SHA: p.Head.SHA,
		Author: p.User.user(), MergedBy: p.MergedBy.user(), Body: p.Body,
		Assignees: gitUsers(p.Assignees), Reviewers: gitUsers(p.RequestedReviewers), Labels: labelNames(p.Labels),
	}
}

type hubIssue struct {
	Number      int        `json:"number"`
	HTMLURL     string     `json:"html_url"`
	State       string     `json:"state"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	User        *hubUser   `json:"user"`
	Labels      []hubLabel `json:"labels"`
	Assignees   []hubUser  `json:"assignees"`
	PullRequest *struct {
		HTMLURL string `json:"html_url"`
		Merged  bool   `json:"merged"` // Gitea
	} `json:"pull_request"` // set when the issue is a pull request
}

func (i *hubIssue) issue() GitIssue {
	if i == nil {
		return GitIssue{}
	}
	return GitIssue{
		Number: i.Number, Title: i.Title, URL: i.HTMLURL, State: i.State, Author: i.User.user(),
		Labels: labelNames(i.Labels), Assignees: gitUsers(i.Assignees), Body: i.Body,
	}
}

// asPR is an issue that is a pull request, as a GitPullRequest (issue_comment events carry
// the issue, not the pull request).
func (i *hubIssue) asPR() GitPullRequest {
	is := i.issue()
	url := is.URL
	merged := false
	if i.PullRequest != nil {
		merged = i.PullRequest.Merged
		if i.PullRequest.HTMLURL != "" {
			url = i.PullRequest.HTMLURL
		}
	}
	return GitPullRequest{
		Number: is.Number, Title: is.Title, URL: url, State: prState(is.State, merged), Merged: merged,
		Author: is.Author, Body: is.Body, Assignees: is.Assignees, Labels: is.Labels,
	}
}

type hubComment struct {
	HTMLURL  string   `json:"html_url"`
	Body     string   `json:"body"`
	User     *hubUser `json:"user"`
	CommitID string   `json:"commit_id"`
}

type hubRelease struct {
	TagName    string   `json:"tag_name"`
	Name       string   `json:"name"`
	HTMLURL    string   `json:"html_url"`
	Body       string   `json:"body"`
	Draft      bool     `json:"draft"`
	Prerelease bool     `json:"prerelease"`
	Author     *hubUser `json:"author"`
}

func (r *hubRelease) release() GitRelease {
	if r == nil {
		return GitRelease{}
	}
	return GitRelease{Tag: r.TagName, Name: r.Name, URL: r.HTMLURL, Body: r.Body,
		Prerelease: r.Prerelease, Draft: r.Draft, Author: r.Author.user()}
}

// hubRun is a GitHub workflow_run, or Gitea's (started_at, completed_at, trigger_actor).
type hubRun struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	DisplayTitle    string   `json:"display_title"`
	RunNumber       int      `json:"run_number"`
	Event           string   `json:"event"`
	Status          string   `json:"status"`
	Conclusion      string   `json:"conclusion"`
	HTMLURL         string   `json:"html_url"`
	HeadBranch      string   `json:"head_branch"`
	HeadSHA         string   `json:"head_sha"`
	Actor           *hubUser `json:"actor"`
	TriggeringActor *hubUser `json:"triggering_actor"`
	TriggerActor    *hubUser `json:"trigger_actor"`
	RunStartedAt    string   `json:"run_started_at"`
	StartedAt       string   `json:"started_at"`
	UpdatedAt       string   `json:"updated_at"`
	CompletedAt     string   `json:"completed_at"`
	HeadCommit      *struct {
		Message string `json:"message"`
	} `json:"head_commit"`
	PullRequests []struct {
		Number int       `json:"number"`
		Head   hubBranch `json:"head"`
		Base   hubBranch `json:"base"`
	} `json:"pull_requests"`
}

// hubPayload is the union of the GitHub and Gitea event payloads the relay reads.
type hubPayload struct {
	Action       string      `json:"action"`
	Ref          string      `json:"ref"`
	RefType      string      `json:"ref_type"`
	Before       string      `json:"before"`
	After        string      `json:"after"`
	Compare      string      `json:"compare"`     // GitHub
	CompareURL   string      `json:"compare_url"` // Gitea
	Created      bool        `json:"created"`
	Deleted      bool        `json:"deleted"`
	Forced       bool        `json:"forced"`
	Commits      []hubCommit `json:"commits"`
	TotalCommits int         `json:"total_commits"` // Gitea
	Pusher       *hubUser    `json:"pusher"`
	Repository   *hubRepo    `json:"repository"`
	Sender       *hubUser    `json:"sender"`
	PullRequest  *hubPR      `json:"pull_request"`
	Review       *struct {
		HTMLURL string   `json:"html_url"`
		Body    string   `json:"body"`
		State   string   `json:"state"` // GitHub: approved, changes_requested, commented
		User    *hubUser `json:"user"`
		Type    string   `json:"type"`    // Gitea: pull_request_review_approved, …_rejected, …_comment
		Content string   `json:"content"` // Gitea
	} `json:"review"`
	Issue       *hubIssue   `json:"issue"`
	IsPull      bool        `json:"is_pull"` // Gitea's issue_comment on a pull request
	Comment     *hubComment `json:"comment"`
	Release     *hubRelease `json:"release"`
	WorkflowRun *hubRun     `json:"workflow_run"`
	Workflow    *struct {
		Name string `json:"name"`
	} `json:"workflow"`
}

// hubRequired lists, by event, the fields an event of GitHub or Gitea must have.
var hubRequired = map[string][]string{
	"push":                        {"ref", "before", "after", "repository"},
	"pull_request":                {"action", "repository", "pull_request.number", "pull_request.title"},
	"pull_request_review":         {"action", "repository", "review", "pull_request.number", "pull_request.title"},
	"pull_request_review_comment": {"action", "repository", "comment", "pull_request.number"},
	"issues":                      {"action", "repository", "issue.number", "issue.title"},
	"issue_comment":               {"action", "repository", "comment", "issue.number"},
	"commit_comment":              {"repository", "comment.commit_id"},
	"release":                     {"action", "repository", "release.tag_name"},
	"workflow_run":                {"action", "repository", "workflow_run.status"},
}

// hubEvents are the GitHub events the relay renders (Gitea's are mapped onto them).
var hubEvents = []string{"push", "pull_request", "pull_request_review", "pull_request_review_comment",
	"issues", "issue_comment", "commit_comment", "release", "workflow_run"}

// guessHubEvent names the event of a body posted without its event header, from the fields
// only that event has; "" if none fits.
func guessHubEvent(f map[string]json.RawMessage) string {
	has := func(k string) bool { _, ok := f[k]; return ok }
	switch {
	case has("zen") && has("hook_id"):
		return "ping"
	case has("workflow_run"):
		return "workflow_run"
	case has("review") && has("pull_request"):
		return "pull_request_review"
	case has("comment") && has("pull_request"):
		return "pull_request_review_comment"
	case has("comment") && has("issue"):
		return "issue_comment"
	case has("comment"):
		return "commit_comment"
	case has("pull_request"):
		return "pull_request"
	case has("issue"):
		return "issues"
	case has("release"):
		return "release"
	case has("pusher") && has("ref"):
		return "push"
	}
	return ""
}

// hubDecode checks a GitHub or Gitea body for event's required fields and decodes it.
func hubDecode(c *check, fields map[string]json.RawMessage, body []byte, event string) (hubPayload, error) {
	var w hubPayload
	c.require(fields, hubRequired[event]...)
	if err := c.err(); err != nil {
		return w, err
	}
	decode(c, body, &w)
	return w, c.err()
}

// GitHub parses a GitHub webhook body into a GitEvent; h carries the X-GitHub-Event header
// (without it the event is recognised from the body). A ping and the events the relay does
// not render are an *IgnoredError; bad JSON a *SyntaxError; a body without the event's
// fields a *ShapeError.
func GitHub(h http.Header, body []byte) (GitEvent, error) {
	c := &check{ShapeError{Source: SourceGitHub}}
	fields, err := gitObject(c, body)
	if err != nil {
		return GitEvent{}, err
	}
	if err := c.err(); err != nil {
		return GitEvent{}, err
	}
	event := header(h, "X-GitHub-Event")
	if event == "" {
		if event = guessHubEvent(fields); event == "" {
			c.problem("no X-GitHub-Event header, and the body is none of the events the relay renders (%s)", strings.Join(hubEvents, ", "))
			return GitEvent{}, c.err()
		}
	}
	if event == "ping" {
		return GitEvent{}, &IgnoredError{Source: SourceGitHub, Reason: "ping event"}
	}
	if !slices.Contains(hubEvents, event) {
		return GitEvent{}, notRelayed(SourceGitHub, event)
	}
	w, err := hubDecode(c, fields, body, event)
	if err != nil {
		return GitEvent{}, err
	}
	return hubEvent(SourceGitHub, event, w), nil
}

// hubEvent converts a decoded GitHub or Gitea payload of a known event.
func hubEvent(host, event string, w hubPayload) GitEvent {
	e := GitEvent{Host: host, Event: event, Repo: w.Repository.repo(), Sender: w.Sender.user()}
	switch event {
	case "push":
		hubPush(&e, w)
	case "pull_request":
		e.Kind = KindPullRequest
		e.PullRequest = w.PullRequest.pr()
		e.Action = prAction(w.Action, e.PullRequest.Merged)
	case "pull_request_review":
		e.Kind = KindPullRequest
		e.PullRequest = w.PullRequest.pr()
		e.Action = reviewAction(w)
		e.Comment = GitComment{Body: w.Review.Body, URL: w.Review.HTMLURL, Author: w.Review.User.user(), On: KindPullRequest}
		if w.Review.Content != "" { // Gitea
			e.Comment.Body = w.Review.Content
		}
		if e.Comment.Author == (GitUser{}) {
			e.Comment.Author = e.Sender
		}
	case "pull_request_review_comment":
		e.Kind = KindComment
		e.Action = w.Action
		e.PullRequest = w.PullRequest.pr()
		e.Comment = w.Comment.comment(KindPullRequest)
	case "issues":
		e.Kind = KindIssue
		e.Action = prAction(w.Action, false)
		e.Issue = w.Issue.issue()
	case "issue_comment":
		e.Kind = KindComment
		e.Action = w.Action
		if w.Issue.PullRequest != nil || w.IsPull {
			e.PullRequest = w.Issue.asPR()
			e.Comment = w.Comment.comment(KindPullRequest)
		} else {
			e.Issue = w.Issue.issue()
			e.Comment = w.Comment.comment(KindIssue)
		}
	case "commit_comment":
		e.Kind = KindComment
		e.Action = w.Action
		if e.Action == "" {
			e.Action = "created"
		}
		e.Comment = w.Comment.comment("commit")
	case "release":
		e.Kind = KindRelease
		e.Action = prAction(w.Action, false)
		e.Release = w.Release.release()
		e.Tag = e.Release.Tag
	case "workflow_run":
		e.Kind = KindWorkflow
		e.Action = w.Action
		e.Workflow = hubWorkflow(w)
		if len(w.WorkflowRun.PullRequests) == 1 {
			p := w.WorkflowRun.PullRequests[0]
			e.PullRequest = GitPullRequest{Number: p.Number, Source: p.Head.Ref, Target: p.Base.Ref, SHA: p.Head.SHA, State: "open"}
		}
	}
	return e
}

// comment is c as a GitComment on an issue, a pull request or a commit.
func (c *hubComment) comment(on string) GitComment {
	if c == nil {
		return GitComment{On: on}
	}
	g := GitComment{Body: c.Body, URL: c.HTMLURL, Author: c.User.user(), On: on}
	if on == "commit" {
		g.Commit = c.CommitID
	}
	return g
}

// reviewAction is the Action of a review: "approved", "changes_requested" or "reviewed"
// when submitted, "review_dismissed" or "review_edited" otherwise.
func reviewAction(w hubPayload) string {
	switch w.Action {
	case "dismissed":
		return "review_dismissed"
	case "edited":
		return "review_edited"
	}
	state := w.Review.State
	if state == "" {
		state = w.Review.Type
	}
	switch state {
	case "approved", "APPROVED", "pull_request_review_approved":
		return "approved"
	case "changes_requested", "CHANGES_REQUESTED", "pull_request_review_rejected":
		return "changes_requested"
	}
	return "reviewed"
}

func hubPush(e *GitEvent, w hubPayload) {
	e.Ref, e.Before, e.After = w.Ref, w.Before, w.After
	e.Branch, e.Tag = refName(w.Ref)
	e.Kind = KindPush
	if e.Tag != "" {
		e.Kind = KindTag
	}
	e.CompareURL = w.Compare
	if e.CompareURL == "" {
		e.CompareURL = w.CompareURL
	}
	e.Created = w.Created || zeroSHA(w.Before)
	e.Deleted = w.Deleted || zeroSHA(w.After)
	e.Forced = w.Forced
	e.Action = pushAction(e.Created, e.Deleted)
	for _, c := range w.Commits {
		e.Commits = append(e.Commits, c.commit())
	}
	e.Commits = oldestFirst(e.Commits, w.After)
	e.CommitsTotal = max(w.TotalCommits, len(e.Commits))
	if e.Sender == (GitUser{}) {
		e.Sender = w.Pusher.user()
	}
	if w.Pusher != nil && e.Sender.Email == "" && (w.Pusher.Name == e.Sender.Login || w.Pusher.Login == e.Sender.Login) {
		e.Sender.Email = w.Pusher.Email // GitHub's pusher {name, email}: name is the login
	}
}

func hubWorkflow(w hubPayload) GitWorkflow {
	r := w.WorkflowRun
	name := r.Name
	if name == "" && w.Workflow != nil {
		name = w.Workflow.Name
	}
	title := r.DisplayTitle
	if title == "" && r.HeadCommit != nil {
		title = firstLine(r.HeadCommit.Message)
	}
	actor := r.TriggeringActor
	if actor == nil {
		actor = r.TriggerActor
	}
	if actor == nil {
		actor = r.Actor
	}
	wf := GitWorkflow{
		ID: r.ID, Name: name, Number: r.RunNumber, Event: r.Event, Status: runStatus(r.Status),
		URL: r.HTMLURL, Branch: r.HeadBranch, SHA: r.HeadSHA, Title: title, Actor: actor.user(),
	}
	start := r.RunStartedAt
	if start == "" {
		start = r.StartedAt
	}
	wf.StartedAt = gitTime(start)
	if wf.Status == "completed" {
		wf.Conclusion = runConclusion(r.Conclusion)
		end := r.CompletedAt
		if end == "" {
			end = r.UpdatedAt
		}
		wf.FinishedAt = gitTime(end)
		if !wf.StartedAt.IsZero() && wf.FinishedAt.After(wf.StartedAt) {
			wf.Duration = wf.FinishedAt.Sub(wf.StartedAt)
		}
	}
	return wf
}
