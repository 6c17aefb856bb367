package source

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// Every sample of every source parses, with the headers Sample gives, into the event it is
// named for; and every embedded file is some source's sample.
func TestSamples(t *testing.T) {
	used := map[string]bool{}
	for _, src := range Names() {
		events := SampleEvents(src)
		if len(events) == 0 {
			t.Errorf("%s has no samples", src)
		}
		for _, ev := range events {
			t.Run(src+"/"+ev, func(t *testing.T) {
				h, body, err := Sample(src, ev)
				if err != nil {
					t.Fatal(err)
				}
				used["samples/"+src+"-"+ev+".json"] = true
				if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") == "" {
					t.Errorf("headers %v", h)
				}
				v, err := Parse(src, h, body)
				if err != nil {
					t.Fatal(err)
				}
				switch d := v.(type) {
				case GitEvent:
					if d.Kind != ev || d.Host != src || d.Repo.FullName == "" || d.Sender.Display() == "" && src != SourceGitLab {
						t.Errorf("kind %q host %q repo %q sender %+v", d.Kind, d.Host, d.Repo.FullName, d.Sender)
					}
					if d.URL() == "" || d.URL() == d.Repo.URL && ev != KindTag {
						t.Errorf("URL() = %q", d.URL())
					}
					t.Log(d.Summary())
				case AlertmanagerPayload:
					if d.Status != ev {
						t.Errorf("status %q", d.Status)
					}
				case GrafanaPayload:
					if d.Status != ev {
						t.Errorf("status %q", d.Status)
					}
				}
			})
		}
	}
	err := fs.WalkDir(samples, "samples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !used[path] {
			t.Errorf("%s is no source's sample", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSampleHeadersNameTheEvent(t *testing.T) {
	for _, tt := range []struct{ src, ev, header, want string }{
		{SourceGitHub, "", "X-GitHub-Event", "push"},
		{SourceGitHub, KindWorkflow, "X-GitHub-Event", "workflow_run"},
		{SourceGitHub, KindIssue, "X-GitHub-Event", "issues"},
		{SourceGitLab, KindPullRequest, "X-Gitlab-Event", "Merge Request Hook"},
		{SourceGitLab, KindTag, "X-Gitlab-Event", "Tag Push Hook"},
		{SourceGitea, KindComment, "X-Gitea-Event", "issue_comment"},
		{SourceGitea, KindComment, "X-Gitea-Event-Type", "issue_comment"},
	} {
		h, _, err := Sample(tt.src, tt.ev)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Get(tt.header); got != tt.want {
			t.Errorf("%s %q: %s = %q, want %q", tt.src, tt.ev, tt.header, got, tt.want)
		}
	}
	h, body, err := Sample(SourceAlertmanager, "")
	if err != nil || !strings.Contains(string(body), `"status": "firing"`) || h.Get("User-Agent") == "" {
		t.Errorf("alertmanager's default sample: %v %v", h, err)
	}
}

func TestSampleErrors(t *testing.T) {
	if _, _, err := Sample("prometheus", ""); !errors.Is(err, ErrUnknownSource) {
		t.Errorf("unknown source: %v", err)
	}
	_, _, err := Sample(SourceGitLab, "star")
	if err == nil || !strings.Contains(err.Error(), `gitlab has no sample event "star" (one of push, tag, pull_request, release, workflow, issue, comment)`) {
		t.Errorf("unknown event: %v", err)
	}
	if SampleEvents("prometheus") != nil {
		t.Error("SampleEvents of an unknown source")
	}
	ev := SampleEvents(SourceGrafana)
	ev[0] = "changed"
	if !slices.Equal(SampleEvents(SourceGrafana), []string{"firing", "resolved"}) {
		t.Error("SampleEvents returned its own slice")
	}
}
