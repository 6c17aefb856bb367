package source

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

type glUser struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

func (u *glUser) user() GitUser {
	if u == nil {
		return GitUser{}
	}
	return GitUser{Login: u.Username, Name: u.Name, Email: glEmail(u.Email)}
}

// glEmail drops the placeholder GitLab sends for a user without a public email.
func glEmail(e string) string {
	if e == "[REDACTED]" {
		return ""
	}
	return e
}

type glProject struct {
	Name              string `json:"name"`
	PathWithNamespace string `json:"path_with_namespace"`
	WebURL            string `json:"web_url"`
	DefaultBranch     string `json:"default_branch"`
	VisibilityLevel   *int   `json:"visibility_level"` // 0 private, 10 internal, 20 public
}

func (p *glProject) repo() GitRepo {
	if p == nil {
		return GitRepo{}
	}
	return GitRepo{Name: p.Name, FullName: p.PathWithNamespace, URL: p.WebURL, DefaultBranch: p.DefaultBranch,
		Private: p.VisibilityLevel != nil && *p.VisibilityLevel == 0}
}

type glCommit struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	Title     string `json:"title"`
	Timestamp string `json:"timestamp"`
	URL       string `json:"url"`
	Author    struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"author"`
	Added    []string `json:"added"`
	Modified []string `json:"modified"`
	Removed  []string `json:"removed"`
}

func (c glCommit) commit() GitCommit {
	g := commit(c.ID, c.Message, c.URL, GitUser{Name: c.Author.Name, Email: glEmail(c.Author.Email)}, c.Timestamp, c.Added, c.Removed, c.Modified)
	if g.Title == "" {
		g.Title = c.Title
	}
	return g
}

type glLabel struct {
	Title string `json:"title"`
}

func glLabels(ls []glLabel) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Title)
	}
	return out
}

// glAttributes is the union of object_attributes across merge request, issue, note and
// pipeline events.
type glAttributes struct {
	ID             int64           `json:"id"`
	IID            int             `json:"iid"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	URL            string          `json:"url"`
	State          string          `json:"state"`
	Action         string          `json:"action"`
	AuthorID       int64           `json:"author_id"`
	SourceBranch   string          `json:"source_branch"`
	TargetBranch   string          `json:"target_branch"`
	Draft          bool            `json:"draft"`
	WorkInProgress bool            `json:"work_in_progress"`
	LastCommit     *glCommit       `json:"last_commit"`
	Oldrev         string          `json:"oldrev"`
	Labels         []glLabel       `json:"labels"`
	Note           string          `json:"note"`
	NoteableType   string          `json:"noteable_type"`
	CommitID       string          `json:"commit_id"`
	Name           string          `json:"name"`
	Ref            string          `json:"ref"`
	Tag            bool            `json:"tag"`
	SHA            string          `json:"sha"`
	Source         json.RawMessage `json:"source"` // a pipeline's trigger (string); a merge request's project (object)
	Status         string          `json:"status"`
	CreatedAt      string          `json:"created_at"`
	FinishedAt     string          `json:"finished_at"`
	Duration       *float64        `json:"duration"`
}

// glMR is a merge request as a note or pipeline event embeds it.
type glMR struct {
	IID            int       `json:"iid"`
	Title          string    `json:"title"`
	Description    string    `json:"description"`
	URL            string    `json:"url"`
	State          string    `json:"state"`
	SourceBranch   string    `json:"source_branch"`
	TargetBranch   string    `json:"target_branch"`
	Draft          bool      `json:"draft"`
	WorkInProgress bool      `json:"work_in_progress"`
	LastCommit     *glCommit `json:"last_commit"`
	Labels         []glLabel `json:"labels"`
}

func (m *glMR) pr() GitPullRequest {
	if m == nil {
		return GitPullRequest{}
	}
	p := GitPullRequest{Number: m.IID, Title: m.Title, URL: m.URL, State: prState(m.State, false), Merged: m.State == "merged",
		Draft: m.Draft || m.WorkInProgress, Source: m.SourceBranch, Target: m.TargetBranch, Body: m.Description, Labels: glLabels(m.Labels)}
	if m.LastCommit != nil {
		p.SHA = m.LastCommit.ID
	}
	return p
}

// glIssue is an issue as a note event embeds it.
type glIssue struct {
	IID         int       `json:"iid"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	URL         string    `json:"url"`
	State       string    `json:"state"`
	Labels      []glLabel `json:"labels"`
}

// glBuild is a job of a pipeline.
type glBuild struct {
	ID           int64  `json:"id"`
	Stage        string `json:"stage"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	AllowFailure bool   `json:"allow_failure"`
}

type glPayload struct {
	ObjectKind        string        `json:"object_kind"`
	Before            string        `json:"before"`
	After             string        `json:"after"`
	Ref               string        `json:"ref"`
	UserName          string        `json:"user_name"`
	UserUsername      string        `json:"user_username"`
	UserEmail         string        `json:"user_email"`
	Commits           []glCommit    `json:"commits"`
	TotalCommitsCount int           `json:"total_commits_count"`
	Project           *glProject    `json:"project"`
	User              *glUser       `json:"user"`
	ObjectAttributes  *glAttributes `json:"object_attributes"`
	Assignees         []glUser      `json:"assignees"`
	Reviewers         []glUser      `json:"reviewers"`
	Labels            []glLabel     `json:"labels"`
	MergeRequest      *glMR         `json:"merge_request"`
	Issue             *glIssue      `json:"issue"`
	Commit            *glCommit     `json:"commit"`
	Builds            []glBuild     `json:"builds"`
	// Release Hook: the release's fields are at the top.
	Tag         string `json:"tag"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Action      string `json:"action"`
}

// gitLabKinds maps GitLab's object_kind to the event's Kind.
var gitLabKinds = map[string]string{
	"push":          KindPush,
	"tag_push":      KindTag,
	"merge_request": KindPullRequest,
	"pipeline":      KindWorkflow,
	"issue":         KindIssue,
	"work_item":     KindIssue,
	"note":          KindComment,
	"release":       KindRelease,
}

// gitLabHeaders maps X-Gitlab-Event to object_kind, for a body without object_kind.
var gitLabHeaders = map[string]string{
	"Push Hook":               "push",
	"Tag Push Hook":           "tag_push",
	"Merge Request Hook":      "merge_request",
	"Pipeline Hook":           "pipeline",
	"Issue Hook":              "issue",
	"Confidential Issue Hook": "issue",
	"Note Hook":               "note",
	"Confidential Note Hook":  "note",
	"Release Hook":            "release",
}

var gitLabRequired = map[string][]string{
	"push":          {"ref", "before", "after", "project"},
	"tag_push":      {"ref", "before", "after", "project"},
	"merge_request": {"project", "object_attributes.iid", "object_attributes.title"},
	"issue":         {"project", "object_attributes.iid", "object_attributes.title"},
	"work_item":     {"project", "object_attributes.iid", "object_attributes.title"},
	"note":          {"project", "object_attributes.note", "object_attributes.noteable_type"},
	"pipeline":      {"project", "object_attributes.status", "object_attributes.ref"},
	"release":       {"project", "tag", "action"},
}

// GitLab parses a GitLab webhook body into a GitEvent. The event is the body's object_kind,
// else the X-Gitlab-Event header in h ("Push Hook", "Merge Request Hook"…). The events the
// relay does not render (wiki, job, deployment…) are an *IgnoredError; bad JSON a
// *SyntaxError; a body without the event's fields a *ShapeError.
func GitLab(h http.Header, body []byte) (GitEvent, error) {
	c := &check{ShapeError{Source: SourceGitLab}}
	fields, err := gitObject(c, body)
	if err != nil {
		return GitEvent{}, err
	}
	if err := c.err(); err != nil {
		return GitEvent{}, err
	}
	hdr := header(h, "X-Gitlab-Event")
	var kind string
	if raw, ok := fields["object_kind"]; ok {
		if err := json.Unmarshal(raw, &kind); err != nil {
			c.problem("object_kind: got %s, want a string", raw)
			return GitEvent{}, c.err()
		}
	}
	if kind == "" {
		kind = gitLabHeaders[hdr]
	}
	switch {
	case kind == "" && hdr == "":
		c.Missing = append(c.Missing, "object_kind")
		return GitEvent{}, c.err()
	case kind == "":
		return GitEvent{}, notRelayed(SourceGitLab, hdr)
	case gitLabKinds[kind] == "":
		return GitEvent{}, notRelayed(SourceGitLab, kind)
	}
	c.require(fields, gitLabRequired[kind]...)
	if err := c.err(); err != nil {
		return GitEvent{}, err
	}
	var w glPayload
	decode(c, body, &w)
	if err := c.err(); err != nil {
		return GitEvent{}, err
	}
	event := hdr
	if event == "" {
		event = kind
	}
	e := GitEvent{Host: SourceGitLab, Event: event, Kind: gitLabKinds[kind], Repo: w.Project.repo(), Sender: w.User.user()}
	a := w.ObjectAttributes
	if a == nil {
		a = &glAttributes{}
	}
	switch e.Kind {
	case KindPush, KindTag:
		glPush(&e, w)
	case KindPullRequest:
		e.PullRequest = (&glMR{IID: a.IID, Title: a.Title, Description: a.Description, URL: a.URL, State: a.State,
			SourceBranch: a.SourceBranch, TargetBranch: a.TargetBranch, Draft: a.Draft, WorkInProgress: a.WorkInProgress,
			LastCommit: a.LastCommit, Labels: a.Labels}).pr()
		if len(w.Labels) > 0 {
			e.PullRequest.Labels = glLabels(w.Labels)
		}
		e.PullRequest.Assignees = gitUsers(w.Assignees)
		e.PullRequest.Reviewers = gitUsers(w.Reviewers)
		e.PullRequest.Author = glAuthor(w.User, a.AuthorID)
		e.Action = gitLabAction(a.Action)
		if a.Action == "update" && a.Oldrev != "" {
			e.Action = "synchronized"
		}
		if e.Action == "merged" {
			e.PullRequest.MergedBy = e.Sender
		}
	case KindIssue:
		e.Action = gitLabAction(a.Action)
		e.Issue = GitIssue{Number: a.IID, Title: a.Title, URL: a.URL, State: prState(a.State, false),
			Author: glAuthor(w.User, a.AuthorID), Labels: glLabels(a.Labels), Assignees: gitUsers(w.Assignees), Body: a.Description}
		if len(w.Labels) > 0 {
			e.Issue.Labels = glLabels(w.Labels)
		}
	case KindComment:
		if err := glNote(&e, w, a); err != nil {
			return GitEvent{}, err
		}
	case KindWorkflow:
		glPipeline(&e, w, a)
	case KindRelease:
		e.Action = gitLabAction(w.Action)
		if e.Action == "created" {
			e.Action = "published" // a GitLab release is public once created
		}
		e.Release = GitRelease{Tag: w.Tag, Name: w.Name, URL: w.URL, Body: w.Description}
		e.Tag = w.Tag
	}
	return e, nil
}

// glAuthor is the event's user when they are the object's author (GitLab sends only the
// author's id).
func glAuthor(u *glUser, authorID int64) GitUser {
	if u != nil && authorID != 0 && u.ID == authorID {
		return u.user()
	}
	return GitUser{}
}

func glPush(e *GitEvent, w glPayload) {
	e.Ref, e.Before, e.After = w.Ref, w.Before, w.After
	e.Branch, e.Tag = refName(w.Ref)
	e.Sender = GitUser{Login: w.UserUsername, Name: w.UserName, Email: glEmail(w.UserEmail)}
	e.Created, e.Deleted = zeroSHA(w.Before), zeroSHA(w.After)
	e.Action = pushAction(e.Created, e.Deleted)
	if !e.Created && !e.Deleted && e.Repo.URL != "" {
		e.CompareURL = fmt.Sprintf("%s/-/compare/%s...%s", e.Repo.URL, w.Before, w.After)
	}
	for _, c := range w.Commits {
		e.Commits = append(e.Commits, c.commit())
	}
	e.Commits = oldestFirst(e.Commits, w.After)
	e.CommitsTotal = max(w.TotalCommitsCount, len(e.Commits))
}

func glNote(e *GitEvent, w glPayload, a *glAttributes) error {
	e.Action = gitLabAction(a.Action)
	if e.Action == "" {
		e.Action = "created" // before GitLab 16.11 notes had no action
	}
	e.Comment = GitComment{Body: a.Note, URL: a.URL, Author: e.Sender}
	switch a.NoteableType {
	case "MergeRequest":
		e.Comment.On = KindPullRequest
		e.PullRequest = w.MergeRequest.pr()
	case "Issue":
		e.Comment.On = KindIssue
		if i := w.Issue; i != nil {
			e.Issue = GitIssue{Number: i.IID, Title: i.Title, URL: i.URL, State: prState(i.State, false),
				Labels: glLabels(i.Labels), Body: i.Description}
		}
	case "Commit":
		e.Comment.On = "commit"
		e.Comment.Commit = a.CommitID
		if e.Comment.Commit == "" && w.Commit != nil {
			e.Comment.Commit = w.Commit.ID
		}
	default:
		return &IgnoredError{Source: SourceGitLab, Reason: fmt.Sprintf("a comment on a %s is not relayed", strings.ToLower(a.NoteableType))}
	}
	return nil
}

func glPipeline(e *GitEvent, w glPayload, a *glAttributes) {
	var trigger string
	_ = json.Unmarshal(a.Source, &trigger) // a string for pipelines
	if trigger == "merge_request_event" {
		trigger = "pull_request"
	}
	name := a.Name
	if name == "" {
		name = "Pipeline"
	}
	wf := GitWorkflow{ID: a.ID, Name: name, Number: a.IID, Event: trigger, Status: runStatus(a.Status),
		URL: a.URL, SHA: a.SHA, Actor: e.Sender, FinishedAt: gitTime(a.FinishedAt)}
	if wf.URL == "" && e.Repo.URL != "" {
		wf.URL = fmt.Sprintf("%s/-/pipelines/%d", e.Repo.URL, a.ID)
	}
	switch {
	case a.Tag:
		e.Tag = strings.TrimPrefix(a.Ref, "refs/tags/")
	case strings.HasPrefix(a.Ref, "refs/merge-requests/") && w.MergeRequest != nil:
		wf.Branch = w.MergeRequest.SourceBranch // a merge request pipeline runs on refs/merge-requests/<iid>/head
	default:
		wf.Branch = strings.TrimPrefix(a.Ref, "refs/heads/")
	}
	if c := w.Commit; c != nil {
		wf.Title = c.Title
		if wf.Title == "" {
			wf.Title = firstLine(c.Message)
		}
	}
	if wf.Status == "completed" {
		wf.Conclusion = runConclusion(a.Status)
		if a.Duration != nil && *a.Duration > 0 && *a.Duration < math.MaxInt64/float64(time.Second) {
			wf.Duration = time.Duration(*a.Duration * float64(time.Second))
		}
	}
	wf.StartedAt = gitTime(a.CreatedAt)
	if wf.Duration > 0 && !wf.FinishedAt.IsZero() {
		wf.StartedAt = wf.FinishedAt.Add(-wf.Duration)
	}
	builds := slices.Clone(w.Builds)
	slices.SortStableFunc(builds, func(x, y glBuild) int { return cmp.Compare(x.ID, y.ID) }) // GitLab lists them newest first
	for _, b := range builds {
		j := GitJob{Name: b.Name, Stage: b.Stage, Status: runStatus(b.Status), AllowFailure: b.AllowFailure}
		if j.Status == "completed" {
			j.Conclusion = runConclusion(b.Status)
		}
		if e.Repo.URL != "" {
			j.URL = fmt.Sprintf("%s/-/jobs/%d", e.Repo.URL, b.ID)
		}
		wf.Jobs = append(wf.Jobs, j)
	}
	e.Workflow = wf
	switch wf.Status {
	case "queued":
		e.Action = "requested"
	default:
		e.Action = wf.Status
	}
	if w.MergeRequest != nil {
		e.PullRequest = w.MergeRequest.pr()
	}
}
