package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// gitHeaders are the event headers each Git host sets, keyed by the testdata file's event
// segment (github-<event>[-variant].json).
func gitHeader(host, event string) http.Header {
	h := http.Header{}
	switch host {
	case SourceGitHub:
		h.Set("X-GitHub-Event", event)
	case SourceGitea:
		h.Set("X-Gitea-Event", event)
		h.Set("X-GitHub-Event", event)
	case SourceGitLab:
		for name, kind := range gitLabHeaders {
			if kind == event && !strings.HasPrefix(name, "Confidential") {
				h.Set("X-Gitlab-Event", name)
			}
		}
		if h.Get("X-Gitlab-Event") == "" {
			h.Set("X-Gitlab-Event", "Wiki Page Hook")
		}
	}
	return h
}

// parseFile parses testdata/<host>-<event>[-variant].json with the headers its host sends.
func parseFile(t *testing.T, name string) (GitEvent, error) {
	t.Helper()
	host, rest, _ := strings.Cut(strings.TrimSuffix(name, ".json"), "-")
	event, _, _ := strings.Cut(rest, "-")
	v, err := Parse(host, gitHeader(host, event), sample(t, name))
	if err != nil {
		return GitEvent{}, err
	}
	return v.(GitEvent), nil
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqs[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func logins(us []GitUser) []string { return displays(us) }

func TestGitHubPayloads(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, e GitEvent)
	}{
		{"github-push.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPush)
			eq(t, "Action", e.Action, "pushed")
			eq(t, "Event", e.Event, "push")
			eq(t, "Repo", e.Repo, GitRepo{Name: "dingbot", FullName: "dingbot/dingbot", URL: "https://github.com/dingbot/dingbot", DefaultBranch: "main"})
			eq(t, "Sender", e.Sender, GitUser{Login: "lina", Email: "lina@example.com", URL: "https://github.com/lina"})
			eq(t, "Ref", e.Ref, "refs/heads/main")
			eq(t, "Branch", e.Branch, "main")
			eq(t, "Tag", e.Tag, "")
			eq(t, "Before", e.Before, "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
			eq(t, "CompareURL", e.CompareURL, "https://github.com/dingbot/dingbot/compare/6113728f27ae...0d1a26e67d8f")
			eq(t, "CommitsTotal", e.CommitsTotal, 3)
			eq(t, "Created/Deleted/Forced", fmt.Sprint(e.Created, e.Deleted, e.Forced), "false false false")
			c := e.Commits[0]
			eq(t, "Commits[0].ShortID", c.ShortID, "4f2a9c1")
			eq(t, "Commits[0].Title", c.Title, "relay: verify X-Hub-Signature-256 in constant time")
			eq(t, "Commits[0].Author", c.Author, GitUser{Login: "lina", Name: "Li Na", Email: "lina@example.com"})
			eq(t, "Commits[0].URL", c.URL, "https://github.com/dingbot/dingbot/commit/4f2a9c1d8e3b7a6f5c4d3e2b1a0f9e8d7c6b5a49")
			eqs(t, "Commits[0].Added", c.Added, []string{"dingtalk/relay/auth.go"})
			if !c.Timestamp.Equal(time.Date(2026, 11, 30, 1, 12, 44, 0, time.UTC)) {
				t.Errorf("Commits[0].Timestamp = %v", c.Timestamp)
			}
			if !strings.Contains(c.Message, "\n\nGitHub signs the raw body") {
				t.Errorf("Message %q lost its body", c.Message)
			}
			eq(t, "HeadCommit().ID", e.HeadCommit().ID, e.After)
			eq(t, "ShortSHA", e.ShortSHA(), "0d1a26e")
			eq(t, "Summary", e.Summary(), "lina pushed 3 commits to dingbot/dingbot main")
		}},
		{"github-push-tag.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindTag)
			eq(t, "Action", e.Action, "created")
			eq(t, "Tag", e.Tag, "v0.9.0")
			eq(t, "Branch", e.Branch, "")
			eq(t, "Created", e.Created, true)
			eq(t, "Commits", len(e.Commits), 0)
			eq(t, "Summary", e.Summary(), "zhangwei pushed tag v0.9.0 to dingbot/dingbot")
		}},
		{"github-push-deleted.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPush)
			eq(t, "Action", e.Action, "deleted")
			eq(t, "Deleted", e.Deleted, true)
			eq(t, "Branch", e.Branch, "feature/relay-digest")
			eq(t, "ShortSHA", e.ShortSHA(), "") // After is all zeros
			eq(t, "URL", e.URL(), "https://github.com/dingbot/dingbot")
			eq(t, "Summary", e.Summary(), "liuyang deleted branch feature/relay-digest in dingbot/dingbot")
		}},
		{"github-push-forced.json", func(t *testing.T, e GitEvent) {
			eq(t, "Forced", e.Forced, true)
			eq(t, "Action", e.Action, "pushed")
			eq(t, "Summary", e.Summary(), "wangfang force-pushed 1 commit to dingbot/dingbot feature/serve")
		}},
		{"github-pull_request-opened.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPullRequest)
			eq(t, "Action", e.Action, "opened")
			p := e.PullRequest
			eq(t, "Number", p.Number, 124)
			eq(t, "Title", p.Title, "relay: authenticate senders as each platform does")
			eq(t, "URL", p.URL, "https://github.com/dingbot/dingbot/pull/124")
			eq(t, "State", p.State, "open")
			eq(t, "Merged/Draft", fmt.Sprint(p.Merged, p.Draft), "false false")
			eq(t, "Source", p.Source, "feature/relay-auth")
			eq(t, "Target", p.Target, "main")
			eq(t, "SHA", p.SHA, "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c")
			eq(t, "Author", p.Author.Login, "lina")
			eqs(t, "Assignees", logins(p.Assignees), []string{"lina"})
			eqs(t, "Reviewers", p.ReviewerLogins(), []string{"zhangwei", "wangfang"})
			eqs(t, "Labels", p.Labels, []string{"relay", "security"})
			if !strings.HasPrefix(p.Body, "Adds `dingbot serve`.") {
				t.Errorf("Body %q", p.Body)
			}
			eq(t, "ShortSHA", e.ShortSHA(), "9b8c7d6")
			eq(t, "URL()", e.URL(), p.URL)
		}},
		{"github-pull_request-merged.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "merged")
			eq(t, "Merged()", e.Merged(), true)
			eq(t, "State", e.PullRequest.State, "merged")
			eq(t, "MergedBy", e.PullRequest.MergedBy.Login, "zhangwei")
			eq(t, "Author", e.PullRequest.Author.Login, "wangfang")
			eq(t, "Summary", e.Summary(), "zhangwei merged pull request #121 in dingbot/dingbot: delivery: hold messages for a route's digest")
		}},
		{"github-pull_request_review.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPullRequest)
			eq(t, "Action", e.Action, "approved")
			eq(t, "Event", e.Event, "pull_request_review")
			eq(t, "Number", e.PullRequest.Number, 124)
			eq(t, "Comment.Body", e.Comment.Body, "LGTM, one nit on the error text.")
			eq(t, "Comment.Author", e.Comment.Author.Login, "zhangwei")
			eq(t, "Comment.URL", e.Comment.URL, "https://github.com/dingbot/dingbot/pull/124#pullrequestreview-2456789012")
		}},
		{"github-issues.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindIssue)
			eq(t, "Action", e.Action, "opened")
			i := e.Issue
			eq(t, "Number", i.Number, 131)
			eq(t, "State", i.State, "open")
			eq(t, "Author", i.Author.Login, "chenjing")
			eqs(t, "Labels", i.Labels, []string{"bug", "relay"})
			eqs(t, "Assignees", i.AssigneeLogins(), []string{"liuyang", "lina"})
			eq(t, "URL", i.URL, "https://github.com/dingbot/dingbot/issues/131")
			eq(t, "PullRequest", e.PullRequest.Number, 0)
		}},
		{"github-issue_comment.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindComment)
			eq(t, "Action", e.Action, "created")
			eq(t, "Comment.On", e.Comment.On, KindPullRequest)
			eq(t, "Comment.Author", e.Comment.Author.Login, "wangfang")
			eq(t, "Comment.Body", e.Comment.Body, "Could Gitea's X-Gitea-Signature share the HMAC path?")
			eq(t, "PullRequest.Number", e.PullRequest.Number, 124)
			eq(t, "PullRequest.URL", e.PullRequest.URL, "https://github.com/dingbot/dingbot/pull/124")
			eq(t, "Issue.Number", e.Issue.Number, 0) // the issue is the pull request
			eq(t, "URL()", e.URL(), "https://github.com/dingbot/dingbot/pull/124#issuecomment-2512345678")
			eq(t, "Summary", e.Summary(), "wangfang commented on pull request #124 in dingbot/dingbot")
		}},
		{"github-release.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindRelease)
			eq(t, "Action", e.Action, "published")
			r := e.Release
			eq(t, "Tag", r.Tag, "v0.9.0")
			eq(t, "Name", r.Name, "v0.9.0: the relay")
			eq(t, "URL", r.URL, "https://github.com/dingbot/dingbot/releases/tag/v0.9.0")
			eq(t, "Prerelease/Draft", fmt.Sprint(r.Prerelease, r.Draft), "false false")
			eq(t, "Author", r.Author.Login, "zhangwei")
			eq(t, "e.Tag", e.Tag, "v0.9.0")
			if !strings.HasPrefix(r.Body, "## Highlights") {
				t.Errorf("Body %q", r.Body)
			}
		}},
		{"github-workflow_run.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindWorkflow)
			eq(t, "Action", e.Action, "completed")
			w := e.Workflow
			eq(t, "Name", w.Name, "CI")
			eq(t, "Number", w.Number, 587)
			eq(t, "Event", w.Event, "pull_request")
			eq(t, "Status", w.Status, "completed")
			eq(t, "Conclusion", w.Conclusion, ConclusionFailure)
			eq(t, "URL", w.URL, "https://github.com/dingbot/dingbot/actions/runs/12198765432")
			eq(t, "Branch", w.Branch, "feature/relay-auth")
			eq(t, "SHA", w.ShortSHA(), "9b8c7d6")
			eq(t, "Title", w.Title, "relay: authenticate senders as each platform does")
			eq(t, "Actor", w.Actor.Login, "lina")
			eq(t, "Duration", w.Duration, 6*time.Minute+37*time.Second)
			eq(t, "Succeeded/Failed", fmt.Sprint(e.Succeeded(), e.Failed()), "false true")
			eq(t, "PullRequest.Number", e.PullRequest.Number, 124)
			eq(t, "Summary", e.Summary(), "CI failed on dingbot/dingbot feature/relay-auth: relay: authenticate senders as each platform does")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e, err := parseFile(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Host", e.Host, SourceGitHub)
			tt.check(t, e)
		})
	}
}

func TestGitLabPayloads(t *testing.T) {
	repo := GitRepo{Name: "payment-gateway", FullName: "platform/payment-gateway",
		URL: "https://gitlab.example.com/platform/payment-gateway", DefaultBranch: "main", Private: true}
	tests := []struct {
		file  string
		check func(t *testing.T, e GitEvent)
	}{
		{"gitlab-push.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPush)
			eq(t, "Event", e.Event, "Push Hook")
			eq(t, "Action", e.Action, "pushed")
			eq(t, "Sender", e.Sender, GitUser{Login: "lina", Name: "Li Na", Email: "lina@example.com"})
			eq(t, "Branch", e.Branch, "main")
			eq(t, "CommitsTotal", e.CommitsTotal, 2)
			eq(t, "CompareURL", e.CompareURL, "https://gitlab.example.com/platform/payment-gateway/-/compare/95790bf891e76fee5e1747ab589903a6a1f80f22...da1560886d4f094c3e6c9ef40349f7d38b5d27d7")
			eq(t, "Commits[0].Title", e.Commits[0].Title, "gateway: time out card auth after 8s")
			eq(t, "Commits[0].Author", e.Commits[0].Author, GitUser{Name: "Li Na", Email: "lina@example.com"})
			eq(t, "HeadCommit", e.HeadCommit().ShortID, "da15608")
		}},
		{"gitlab-push-created.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "created")
			eq(t, "Created", e.Created, true)
			eq(t, "CompareURL", e.CompareURL, "")
			eq(t, "URL()", e.URL(), "https://gitlab.example.com/platform/payment-gateway/-/commit/1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6")
		}},
		{"gitlab-tag_push.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindTag)
			eq(t, "Event", e.Event, "Tag Push Hook")
			eq(t, "Tag", e.Tag, "v3.2.0")
			eq(t, "Sender", e.Sender, GitUser{Login: "zhangwei", Name: "Zhang Wei"}) // [REDACTED] email dropped
		}},
		{"gitlab-merge_request-opened.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPullRequest)
			eq(t, "Event", e.Event, "Merge Request Hook")
			eq(t, "Action", e.Action, "opened")
			p := e.PullRequest
			eq(t, "Number", p.Number, 57)
			eq(t, "URL", p.URL, "https://gitlab.example.com/platform/payment-gateway/-/merge_requests/57")
			eq(t, "State", p.State, "open")
			eq(t, "Source/Target", p.Source+">"+p.Target, "fix/auth-timeout>main")
			eq(t, "SHA", p.SHA, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7")
			eq(t, "Author", p.Author.Login, "lina")
			eqs(t, "Assignees", p.AssigneeLogins(), []string{"lina"})
			eqs(t, "Reviewers", p.ReviewerLogins(), []string{"zhangwei", "wangfang"})
			eqs(t, "Labels", p.Labels, []string{"payments", "needs-review"})
			eq(t, "Summary", e.Summary(), "lina opened merge request #57 in platform/payment-gateway: gateway: time out card auth after 8s")
		}},
		{"gitlab-merge_request-merged.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "merged")
			eq(t, "State", e.PullRequest.State, "merged")
			eq(t, "Merged", e.PullRequest.Merged, true)
			eq(t, "MergedBy", e.PullRequest.MergedBy.Login, "zhangwei")
			eq(t, "Author", e.PullRequest.Author.Login, "") // GitLab sends only author_id; the merger is someone else
		}},
		{"gitlab-merge_request-update.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "synchronized")
			eq(t, "ShortSHA", e.ShortSHA(), "c0ffee0")
		}},
		{"gitlab-pipeline-failed.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindWorkflow)
			eq(t, "Event", e.Event, "Pipeline Hook")
			eq(t, "Action", e.Action, "completed")
			w := e.Workflow
			eq(t, "Name", w.Name, "Pipeline")
			eq(t, "ID/Number", fmt.Sprint(w.ID, w.Number), "88123 412")
			eq(t, "Status/Conclusion", w.Status+"/"+w.Conclusion, "completed/failure")
			eq(t, "URL", w.URL, "https://gitlab.example.com/platform/payment-gateway/-/pipelines/88123")
			eq(t, "Branch", w.Branch, "main")
			eq(t, "Event", w.Event, "push")
			eq(t, "Title", w.Title, "gateway: log the acquirer's reference")
			eq(t, "Actor", w.Actor.Login, "lina")
			eq(t, "Duration", w.Duration, 286*time.Second)
			if !w.FinishedAt.Equal(time.Date(2026, 11, 30, 2, 44, 58, 0, time.UTC)) || !w.StartedAt.Equal(w.FinishedAt.Add(-286*time.Second)) {
				t.Errorf("StartedAt %v FinishedAt %v", w.StartedAt, w.FinishedAt)
			}
			var jobs []string
			for _, j := range w.Jobs {
				jobs = append(jobs, j.Stage+"/"+j.Name+":"+j.Status+":"+j.Conclusion)
			}
			eqs(t, "Jobs", jobs, []string{"build/build:completed:success", "test/unit:completed:success",
				"test/integration:completed:failure", "deploy/deploy-staging:completed:skipped"})
			f := w.FailedJobs()
			if len(f) != 1 || f[0].Name != "integration" || f[0].URL != "https://gitlab.example.com/platform/payment-gateway/-/jobs/3821" {
				t.Errorf("FailedJobs() = %+v", f)
			}
			eq(t, "Failed", e.Failed(), true)
			eq(t, "Summary", e.Summary(), "Pipeline failed on platform/payment-gateway main: gateway: log the acquirer's reference")
		}},
		{"gitlab-pipeline-running.json", func(t *testing.T, e GitEvent) {
			w := e.Workflow
			eq(t, "Action", e.Action, "in_progress")
			eq(t, "Status/Conclusion", w.Status+"/"+w.Conclusion, "in_progress/")
			eq(t, "Name", w.Name, "MR pipeline")
			eq(t, "Branch", w.Branch, "fix/auth-timeout") // not refs/merge-requests/57/head
			eq(t, "Event", w.Event, "pull_request")
			eq(t, "Duration", w.Duration, 0)
			eq(t, "FinishedAt", w.FinishedAt.IsZero(), true)
			eq(t, "PullRequest.Number", e.PullRequest.Number, 57)
			eq(t, "Succeeded/Failed", fmt.Sprint(e.Succeeded(), e.Failed()), "false false")
		}},
		{"gitlab-issue.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindIssue)
			eq(t, "Action", e.Action, "opened")
			i := e.Issue
			eq(t, "Number", i.Number, 63)
			eq(t, "State", i.State, "open")
			eq(t, "Author", i.Author.Login, "chenjing")
			eqs(t, "Labels", i.Labels, []string{"bug"})
			eqs(t, "Assignees", i.AssigneeLogins(), []string{"liuyang", "lina"})
			eq(t, "URL", i.URL, "https://gitlab.example.com/platform/payment-gateway/-/issues/63")
		}},
		{"gitlab-note-merge_request.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindComment)
			eq(t, "Event", e.Event, "Note Hook")
			eq(t, "Action", e.Action, "created")
			eq(t, "Comment.On", e.Comment.On, KindPullRequest)
			eq(t, "Comment.Author", e.Comment.Author.Login, "wangfang")
			eq(t, "Comment.URL", e.Comment.URL, "https://gitlab.example.com/platform/payment-gateway/-/merge_requests/57#note_120301")
			eq(t, "PullRequest", fmt.Sprint(e.PullRequest.Number, " ", e.PullRequest.Title), "57 gateway: time out card auth after 8s")
		}},
		{"gitlab-note-commit.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "created") // no action before GitLab 16.11
			eq(t, "Comment.On", e.Comment.On, "commit")
			eq(t, "Comment.Commit", e.Comment.Commit, "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327")
			eq(t, "Summary", e.Summary(), "zhangwei commented on commit b6568db in platform/payment-gateway")
		}},
		{"gitlab-release.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindRelease)
			eq(t, "Action", e.Action, "published")
			eq(t, "Release", e.Release.Tag+" "+e.Release.Name+" "+e.Release.URL, "v3.2.0 v3.2.0 https://gitlab.example.com/platform/payment-gateway/-/releases/v3.2.0")
			eq(t, "Sender", e.Sender, GitUser{})
			eq(t, "Summary", e.Summary(), "Release v3.2.0 of platform/payment-gateway published")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e, err := parseFile(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Host", e.Host, SourceGitLab)
			eq(t, "Repo", e.Repo, repo)
			tt.check(t, e)
		})
	}
}

func TestGiteaPayloads(t *testing.T) {
	repo := GitRepo{Name: "deploy", FullName: "infra/deploy", URL: "https://git.example.com/infra/deploy", DefaultBranch: "main", Private: true}
	tests := []struct {
		file  string
		check func(t *testing.T, e GitEvent)
	}{
		{"gitea-push.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind", e.Kind, KindPush)
			eq(t, "Sender", e.Sender, GitUser{Login: "zhangwei", Name: "张伟", Email: "zhangwei@example.com", URL: "https://git.example.com/zhangwei"})
			eq(t, "CommitsTotal", e.CommitsTotal, 3)
			var titles []string
			for _, c := range e.Commits {
				titles = append(titles, c.Title)
			}
			// Gitea lists the newest first; GitEvent has the oldest first.
			eqs(t, "Commits", titles, []string{"ansible: pin nginx to 1.26", "ansible: reload nginx instead of restarting it", "inventory: add cache-3"})
			eq(t, "Commits[0].Message", e.Commits[0].Message, "ansible: pin nginx to 1.26\n")
			eq(t, "HeadCommit", e.HeadCommit().ID, e.After)
			eq(t, "Commits[2].Author", e.Commits[2].Author, GitUser{Login: "lina", Name: "李娜", Email: "lina@example.com"})
			eq(t, "CompareURL", e.CompareURL, "https://git.example.com/infra/deploy/compare/1b3d5f7a9c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d...4e6a8c0d2f3b5a7c9e1d3f5b7a9c1e3d5f7b9a1c")
		}},
		{"gitea-push-tag.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind/Action/Tag", e.Kind+"/"+e.Action+"/"+e.Tag, "tag/created/2026.11.30")
		}},
		{"gitea-pull_request-opened.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "opened")
			p := e.PullRequest
			eq(t, "Number/State", fmt.Sprint(p.Number, " ", p.State), "37 open")
			eq(t, "URL", p.URL, "https://git.example.com/infra/deploy/pulls/37")
			eq(t, "Author", p.Author, GitUser{Login: "zhangwei", Name: "张伟", Email: "zhangwei@example.com", URL: "https://git.example.com/zhangwei"})
			eqs(t, "Reviewers", p.ReviewerLogins(), []string{"lina", "wangfang"})
			eqs(t, "Labels", p.Labels, []string{"ansible"})
			eq(t, "Source", p.Source, "nginx-reload")
		}},
		{"gitea-pull_request-merged.json", func(t *testing.T, e GitEvent) {
			eq(t, "Action", e.Action, "merged")
			eq(t, "MergedBy", e.PullRequest.MergedBy.Login, "wangfang")
			eq(t, "State", e.PullRequest.State, "merged")
			eq(t, "Reviewers", len(e.PullRequest.Reviewers), 0) // null
		}},
		{"gitea-pull_request_approved.json", func(t *testing.T, e GitEvent) {
			eq(t, "Event", e.Event, "pull_request_approved")
			eq(t, "Kind/Action", e.Kind+"/"+e.Action, "pull_request/approved")
			eq(t, "Comment.Body", e.Comment.Body, "Looks right; reload keeps connections.")
			eq(t, "Comment.Author", e.Comment.Author.Login, "lina")
		}},
		{"gitea-issues.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind/Action", e.Kind+"/"+e.Action, "issue/opened")
			eq(t, "Issue", fmt.Sprint(e.Issue.Number, " ", e.Issue.Title, " ", e.Issue.Author.Login), "41 cache-2 disk at 91% liuyang")
			eqs(t, "Assignees", e.Issue.AssigneeLogins(), []string{"zhangwei"})
		}},
		{"gitea-issue_comment.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind/Action", e.Kind+"/"+e.Action, "comment/created")
			eq(t, "Comment.On", e.Comment.On, KindIssue)
			eq(t, "Issue.Number", e.Issue.Number, 41)
			eq(t, "Comment.URL", e.Comment.URL, "https://git.example.com/infra/deploy/issues/41#issuecomment-9921")
		}},
		{"gitea-release.json", func(t *testing.T, e GitEvent) {
			eq(t, "Kind/Action", e.Kind+"/"+e.Action, "release/published")
			eq(t, "Release.Tag", e.Release.Tag, "2026.11.30")
			eq(t, "Release.Author", e.Release.Author.Login, "zhangwei")
		}},
		{"gitea-workflow_run.json", func(t *testing.T, e GitEvent) {
			w := e.Workflow
			eq(t, "Kind/Action", e.Kind+"/"+e.Action, "workflow/completed")
			eq(t, "Name", w.Name, "lint") // from the workflow: Gitea's run has no name
			eq(t, "Status/Conclusion", w.Status+"/"+w.Conclusion, "completed/success")
			eq(t, "Number", w.Number, 311)
			eq(t, "Title", w.Title, "inventory: add cache-3")
			eq(t, "Actor", w.Actor.Login, "lina")
			eq(t, "Duration", w.Duration, 72*time.Second)
			eq(t, "Succeeded", e.Succeeded(), true)
			eq(t, "Summary", e.Summary(), "lint succeeded on infra/deploy main: inventory: add cache-3")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e, err := parseFile(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Host", e.Host, SourceGitea)
			eq(t, "Repo", e.Repo, repo)
			tt.check(t, e)
		})
	}
}

// Every Git testdata file is covered by a table above or is an event the relay ignores.
func TestGitTestdataCovered(t *testing.T) {
	files, _ := filepath.Glob("testdata/git*.json")
	ignored := []string{"github-ping.json", "github-star.json", "gitlab-wiki_page.json", "gitea-create.json"}
	for _, f := range files {
		name := filepath.Base(f)
		_, err := parseFile(t, name)
		var ig *IgnoredError
		switch {
		case slices.Contains(ignored, name):
			if !errors.As(err, &ig) {
				t.Errorf("%s: err = %v, want an *IgnoredError", name, err)
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestGitIgnored(t *testing.T) {
	tests := []struct {
		source string
		h      http.Header
		file   string
		reason string
	}{
		{SourceGitHub, gitHeader(SourceGitHub, "ping"), "github-ping.json", "ping event"},
		{SourceGitHub, gitHeader(SourceGitHub, "star"), "github-star.json", `event "star" is not relayed`},
		{SourceGitHub, nil, "github-ping.json", "ping event"}, // recognised without its header
		{SourceGitHub, gitHeader(SourceGitHub, "create"), "gitea-create.json", `event "create" is not relayed`},
		{SourceGitea, gitHeader(SourceGitea, "create"), "gitea-create.json", `event "create" is not relayed`},
		{SourceGitLab, gitHeader(SourceGitLab, "wiki_page"), "gitlab-wiki_page.json", `event "wiki_page" is not relayed`},
		{SourceGitLab, http.Header{"X-Gitlab-Event": {"Job Hook"}}, "generic-firing.json", `event "Job Hook" is not relayed`},
	}
	for _, tt := range tests {
		t.Run(tt.source+" "+tt.file, func(t *testing.T) {
			v, err := Parse(tt.source, tt.h, sample(t, tt.file))
			var ig *IgnoredError
			if !errors.As(err, &ig) || ig.Reason != tt.reason || ig.Source != tt.source {
				t.Fatalf("Parse = %v, %v; want ignored: %s", v, err, tt.reason)
			}
			if v != nil {
				t.Errorf("value %#v with the error", v)
			}
		})
	}
	snippet := `{"object_kind":"note","project":{"name":"p"},"user":{"username":"u"},
		"object_attributes":{"note":"hi","noteable_type":"Snippet","url":"https://gitlab.example.com/-/snippets/5#note_1"}}`
	_, err := GitLab(nil, []byte(snippet))
	var ig *IgnoredError
	if !errors.As(err, &ig) || ig.Reason != "a comment on a snippet is not relayed" {
		t.Errorf("snippet note: %v", err)
	}
}

// Without its event header a body is recognised by the fields only its event has.
func TestGitEventWithoutHeader(t *testing.T) {
	for _, tt := range []struct{ source, file, kind, action string }{
		{SourceGitHub, "github-push.json", KindPush, "pushed"},
		{SourceGitHub, "github-pull_request_review.json", KindPullRequest, "approved"},
		{SourceGitHub, "github-issue_comment.json", KindComment, "created"},
		{SourceGitHub, "github-workflow_run.json", KindWorkflow, "completed"},
		{SourceGitea, "gitea-push.json", KindPush, "pushed"},
		{SourceGitea, "gitea-release.json", KindRelease, "published"},
		{SourceGitLab, "gitlab-merge_request-merged.json", KindPullRequest, "merged"},
	} {
		v, err := Parse(tt.source, http.Header{}, sample(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		e := v.(GitEvent)
		if e.Kind != tt.kind || e.Action != tt.action || e.Event == "" {
			t.Errorf("%s: kind %q action %q event %q", tt.file, e.Kind, e.Action, e.Event)
		}
	}
}

func TestGitErrors(t *testing.T) {
	push := http.Header{"X-Github-Event": {"push"}}
	pr := http.Header{"X-Github-Event": {"pull_request"}}
	tests := []struct {
		name   string
		source string
		h      http.Header
		body   string
		kind   any
		want   []string
	}{
		{"bad JSON", SourceGitHub, push, "{\n  \"ref\": refs/heads/main\n}", &SyntaxError{},
			[]string{"github payload: invalid JSON at line 2, column 10"}},
		{"empty", SourceGitLab, nil, "", &SyntaxError{}, []string{"gitlab payload: invalid JSON: empty body"}},
		{"truncated", SourceGitea, nil, `{"ref": "refs/heads/main", "commits": [`, &SyntaxError{}, []string{"gitea payload: invalid JSON", "unexpected end of JSON input"}},
		{"an Alertmanager body to GitHub", SourceGitHub, push, string(sample(t, "alertmanager-firing.json")), &ShapeError{},
			[]string{"github payload: missing required fields ref, before, after, repository (is this a GitHub webhook?)"}},
		{"a pull request without its number", SourceGitHub, pr,
			`{"action":"opened","repository":{"full_name":"a/b"},"pull_request":{"title":"t"}}`, &ShapeError{},
			[]string{"github payload: missing required field pull_request.number"}},
		{"a pull request without pull_request", SourceGitea, http.Header{"X-Gitea-Event": {"pull_request"}},
			`{"action":"opened","repository":{"full_name":"a/b"},"pull_request":null}`, &ShapeError{},
			[]string{"gitea payload: missing required field pull_request (is this a Gitea webhook?)"}},
		{"a number of the wrong type", SourceGitHub, pr,
			`{"action":"opened","repository":{"full_name":"a/b"},"pull_request":{"number":"12","title":"t"}}`, &ShapeError{},
			[]string{"pull_request.number: got a JSON string, want a number"}},
		{"an array", SourceGitHub, push, `[{"ref":"refs/heads/main"}]`, &ShapeError{}, []string{"got a JSON array, want an object"}},
		{"null", SourceGitLab, nil, `null`, &ShapeError{}, []string{"got a JSON null, want an object"}},
		{"GitHub body unrecognised without a header", SourceGitHub, nil, `{"hello":"world"}`, &ShapeError{},
			[]string{"no X-GitHub-Event header, and the body is none of the events the relay renders (push, pull_request"}},
		{"Gitea body unrecognised without a header", SourceGitea, nil, `{"hello":"world"}`, &ShapeError{},
			[]string{"no X-Gitea-Event header"}},
		{"GitLab without object_kind or header", SourceGitLab, nil, `{"ref":"refs/heads/main"}`, &ShapeError{},
			[]string{"gitlab payload: missing required field object_kind (is this a GitLab webhook?)"}},
		{"GitLab object_kind of the wrong type", SourceGitLab, nil, `{"object_kind":7}`, &ShapeError{},
			[]string{"object_kind: got 7, want a string"}},
		{"GitLab push without its fields", SourceGitLab, http.Header{"X-Gitlab-Event": {"Push Hook"}}, string(sample(t, "generic-firing.json")), &ShapeError{},
			[]string{"gitlab payload: missing required fields ref, before, after, project"}},
		{"GitLab merge request without iid", SourceGitLab, nil,
			`{"object_kind":"merge_request","project":{"name":"p"},"object_attributes":{"title":"t"}}`, &ShapeError{},
			[]string{"missing required field object_attributes.iid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse(tt.source, tt.h, []byte(tt.body))
			if err == nil {
				t.Fatalf("no error; parsed %#v", v)
			}
			t.Log(err)
			if v != nil {
				t.Errorf("value %#v with the error", v)
			}
			if reflect.TypeOf(err) != reflect.TypeOf(tt.kind) {
				t.Errorf("error is %T, want %T", err, tt.kind)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestGitDataKind(t *testing.T) {
	for _, s := range []string{SourceGitHub, SourceGitLab, SourceGitea} {
		if k, err := DataKind(s); err != nil || k != "git" {
			t.Errorf("DataKind(%s) = %q, %v", s, k, err)
		}
	}
	if got := strings.Join(Names(), " "); got != "alertmanager generic gitea github gitlab grafana" {
		t.Errorf("Names() = %s", got)
	}
}

func TestGitEventMethods(t *testing.T) {
	var zero GitEvent
	if zero.ShortSHA() != "" || zero.URL() != "" || zero.HeadCommit().ID != "" || zero.Succeeded() || zero.Failed() || zero.Merged() {
		t.Errorf("zero GitEvent: %q %q", zero.ShortSHA(), zero.URL())
	}
	w := GitWorkflow{Status: "completed", Conclusion: ConclusionTimedOut}
	if !w.Failed() || w.Succeeded() || !w.Completed() {
		t.Errorf("timed out: failed %v succeeded %v", w.Failed(), w.Succeeded())
	}
	w = GitWorkflow{Status: "in_progress", Conclusion: ConclusionSuccess} // a conclusion before completion counts for nothing
	if w.Succeeded() || w.Completed() {
		t.Error("an unfinished run succeeded")
	}
	for _, tt := range []struct {
		e    GitEvent
		want string
	}{
		{GitEvent{Kind: KindPush, Created: true, Branch: "b", Repo: GitRepo{FullName: "o/r"}, Sender: GitUser{Name: "Li Na"}}, "Li Na created branch b in o/r"},
		{GitEvent{Kind: KindTag, Deleted: true, Tag: "v1", Repo: GitRepo{FullName: "o/r"}, Sender: GitUser{Email: "x@example.com"}}, "x@example.com deleted tag v1 in o/r"},
		{GitEvent{Kind: KindIssue, Action: "closed", Issue: GitIssue{Number: 3, Title: "t"}, Repo: GitRepo{FullName: "o/r"}}, "someone closed issue #3 in o/r: t"},
		{GitEvent{Host: SourceGitLab, Kind: KindPullRequest, Action: "changes_requested", PullRequest: GitPullRequest{Number: 2, Title: "t"}, Repo: GitRepo{FullName: "o/r"}, Sender: GitUser{Login: "a"}},
			"a requested changes on merge request #2 in o/r: t"},
		{GitEvent{Kind: KindWorkflow, Workflow: GitWorkflow{Name: "CI", Status: "queued"}, Repo: GitRepo{FullName: "o/r"}}, "CI is queued on o/r"},
		{GitEvent{Kind: KindWorkflow, Workflow: GitWorkflow{Name: "CI", Status: "completed", Conclusion: ConclusionCancelled, Branch: "main"}, Repo: GitRepo{FullName: "o/r"}}, "CI was cancelled on o/r main"},
	} {
		if got := tt.e.Summary(); got != tt.want {
			t.Errorf("Summary() = %q, want %q", got, tt.want)
		}
	}
}

// The normalizations agree across hosts: one template reads the three alike.
func TestGitNormalization(t *testing.T) {
	for _, tt := range []struct{ in, status, conclusion string }{
		{"requested", "queued", ""}, {"pending", "queued", ""}, {"waiting_for_resource", "queued", ""},
		{"running", "in_progress", ""}, {"manual", "waiting", ""},
		{"success", "completed", "success"}, {"failed", "completed", "failure"}, {"canceled", "completed", "cancelled"},
		{"skipped", "completed", "skipped"},
	} {
		st := runStatus(tt.in)
		c := ""
		if st == "completed" {
			c = runConclusion(tt.in)
		}
		if st != tt.status || c != tt.conclusion {
			t.Errorf("%s: %s/%s, want %s/%s", tt.in, st, c, tt.status, tt.conclusion)
		}
	}
	for _, tt := range []struct {
		in     string
		merged bool
		want   string
	}{{"closed", true, "merged"}, {"closed", false, "closed"}, {"synchronize", false, "synchronized"}, {"label_updated", false, "labeled"}, {"updated", false, "edited"}} {
		if got := prAction(tt.in, tt.merged); got != tt.want {
			t.Errorf("prAction(%s, %v) = %s, want %s", tt.in, tt.merged, got, tt.want)
		}
	}
	for in, want := range map[string]string{"open": "opened", "close": "closed", "reopen": "reopened", "merge": "merged", "approval": "approved", "create": "created"} {
		if got := gitLabAction(in); got != want {
			t.Errorf("gitLabAction(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]time.Time{
		"2026-11-30 02:44:58 UTC":    time.Date(2026, 11, 30, 2, 44, 58, 0, time.UTC),
		"2026-11-30T10:44:58+08:00":  time.Date(2026, 11, 30, 2, 44, 58, 0, time.UTC),
		"2015-04-08T21: 00:25-07:00": {}, // as GitLab's own documentation shows one
	} {
		if got := gitTime(in); !got.Equal(want) {
			t.Errorf("gitTime(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseGit checks that no body makes a Git host's parser panic, that every failure is
// one of the package's errors, and that a success is a GitEvent of a known kind.
func FuzzParseGit(f *testing.F) {
	files, _ := filepath.Glob("testdata/git*.json")
	more, _ := filepath.Glob("samples/git*.json")
	for _, name := range append(files, more...) {
		b, _ := os.ReadFile(name)
		f.Add(b, "")
	}
	f.Add([]byte(`{"object_kind":"pipeline","project":{},"object_attributes":{"status":"success","ref":"x","duration":1e300}}`), "")
	f.Add([]byte(`{"action":"completed","repository":{},"workflow_run":{"status":"completed","run_started_at":"x"}}`), "workflow_run")
	f.Add([]byte(`{"ref":"refs/tags/","before":"","after":"","repository":null}`), "push")
	f.Fuzz(func(t *testing.T, body []byte, event string) {
		for _, src := range []string{SourceGitHub, SourceGitLab, SourceGitea} {
			h := http.Header{}
			if event != "" {
				h.Set("X-GitHub-Event", event)
				h.Set("X-Gitea-Event", event)
				h.Set("X-Gitlab-Event", event)
			}
			v, err := Parse(src, h, body)
			var se *SyntaxError
			var sh *ShapeError
			var ig *IgnoredError
			if err != nil {
				if !errors.As(err, &se) && !errors.As(err, &sh) && !errors.As(err, &ig) {
					t.Errorf("%s: %T: %v", src, err, err)
				}
				continue
			}
			e, ok := v.(GitEvent)
			if !ok || !slices.Contains([]string{KindPush, KindTag, KindPullRequest, KindRelease, KindWorkflow, KindIssue, KindComment}, e.Kind) || e.Host != src {
				t.Errorf("%s: parsed %#v", src, v)
			}
			_ = e.Summary()
			_ = e.URL()
		}
	})
}

// A GitLab job allowed to fail (allow_failure) is a warning there, not a failure: it is in
// AllowedFailures, not FailedJobs.
func TestGitLabAllowedFailuresAreNotFailures(t *testing.T) {
	body, err := os.ReadFile("testdata/gitlab-pipeline-failed.json")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"X-Gitlab-Event": {"Pipeline Hook"}}
	v, err := Parse(SourceGitLab, h, body)
	if err != nil {
		t.Fatal(err)
	}
	failed := v.(GitEvent).Workflow.FailedJobs()
	if len(failed) == 0 {
		t.Fatal("the sample has no failed job")
	}
	// The same pipeline with its failed job allowed to fail.
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, b := range doc["builds"].([]any) {
		if b := b.(map[string]any); b["name"] == failed[0].Name {
			b["allow_failure"] = true
		}
	}
	marked, _ := json.Marshal(doc)
	v, err = Parse(SourceGitLab, h, []byte(marked))
	if err != nil {
		t.Fatal(err)
	}
	w := v.(GitEvent).Workflow
	if len(w.FailedJobs()) != len(failed)-1 || len(w.AllowedFailures()) != 1 || w.AllowedFailures()[0].Name != failed[0].Name {
		t.Fatalf("failed %+v, allowed %+v", w.FailedJobs(), w.AllowedFailures())
	}
}

// A pull request marked ready for review reads as a sentence.
func TestSummaryReadyForReview(t *testing.T) {
	e := GitEvent{Host: SourceGitHub, Kind: KindPullRequest, Action: "ready_for_review", Sender: GitUser{Login: "hubot"},
		Repo: GitRepo{FullName: "acme/app"}, PullRequest: GitPullRequest{Number: 7, Title: "Speed up"}}
	if got, want := e.Summary(), "hubot marked pull request #7 in acme/app ready for review: Speed up"; got != want {
		t.Fatalf("Summary() = %q, want %q", got, want)
	}
}
