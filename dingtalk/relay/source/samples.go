package source

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// samples holds a realistic payload of each source and event: samples/<source>-<event>.json.
//
//go:embed samples/*.json
var samples embed.FS

// The sample events of the Git hosts (their Kinds) and of the other sources.
var (
	gitSampleEvents   = []string{KindPush, KindTag, KindPullRequest, KindRelease, KindWorkflow, KindIssue, KindComment}
	alertSampleEvents = []string{StatusFiring, StatusResolved}
)

// sampleHeaders names, per Git host and sample event, the event header value the host sends.
var sampleHeaders = map[string]map[string]string{
	SourceGitHub: {KindPush: "push", KindTag: "push", KindPullRequest: "pull_request", KindRelease: "release",
		KindWorkflow: "workflow_run", KindIssue: "issues", KindComment: "issue_comment"},
	SourceGitLab: {KindPush: "Push Hook", KindTag: "Tag Push Hook", KindPullRequest: "Merge Request Hook",
		KindRelease: "Release Hook", KindWorkflow: "Pipeline Hook", KindIssue: "Issue Hook", KindComment: "Note Hook"},
	SourceGitea: {KindPush: "push", KindTag: "push", KindPullRequest: "pull_request", KindRelease: "release",
		KindWorkflow: "workflow_run", KindIssue: "issues", KindComment: "issue_comment"},
}

// SampleEvents lists the sample events of a source, the most common first: for the Git
// hosts "push", "tag", "pull_request", "release", "workflow", "issue", "comment"; for the
// others "firing" and "resolved". It returns nil for a source Names does not list.
func SampleEvents(source string) []string {
	switch source {
	case SourceGitHub, SourceGitLab, SourceGitea:
		return slices.Clone(gitSampleEvents)
	case SourceAlertmanager, SourceGrafana, SourceGeneric:
		return slices.Clone(alertSampleEvents)
	}
	return nil
}

// Sample returns a realistic payload of source and the headers its sender sets with it
// (Content-Type, User-Agent and, for the Git hosts, the event header: X-GitHub-Event: push).
// event is one of SampleEvents(source); "" picks the first. Samples carry no signature or
// token. Errors wrap ErrUnknownSource for an unknown source, and name the sample events for
// an unknown event.
func Sample(source, event string) (http.Header, []byte, error) {
	events := SampleEvents(source)
	if events == nil {
		return nil, nil, unknown(source)
	}
	if event == "" {
		event = events[0]
	}
	if !slices.Contains(events, event) {
		return nil, nil, fmt.Errorf("%s has no sample event %q (one of %s)", source, event, strings.Join(events, ", "))
	}
	body, err := samples.ReadFile("samples/" + source + "-" + event + ".json")
	if err != nil {
		return nil, nil, fmt.Errorf("sample %s %s: %w", source, event, err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	switch source {
	case SourceGitHub:
		h.Set("User-Agent", "GitHub-Hookshot/2f6b2a1")
		h.Set("X-GitHub-Event", sampleHeaders[source][event])
		h.Set("X-GitHub-Delivery", sampleDelivery(source, event))
		h.Set("X-GitHub-Hook-ID", "512345678")
	case SourceGitLab:
		h.Set("User-Agent", "GitLab/18.6.1")
		h.Set("X-Gitlab-Event", sampleHeaders[source][event])
		h.Set("X-Gitlab-Event-UUID", sampleDelivery(source, event))
		h.Set("X-Gitlab-Instance", "https://gitlab.example.cn")
	case SourceGitea:
		ev := sampleHeaders[source][event]
		h.Set("User-Agent", "Go-http-client/1.1")
		h.Set("X-Gitea-Event", ev)
		h.Set("X-Gitea-Event-Type", ev)
		h.Set("X-Gitea-Delivery", sampleDelivery(source, event))
		h.Set("X-GitHub-Event", ev) // Gitea sets GitHub's and Gogs's headers too
		h.Set("X-GitHub-Event-Type", ev)
		h.Set("X-Gogs-Event", ev)
	case SourceAlertmanager:
		h.Set("User-Agent", "Alertmanager/0.28.1")
	case SourceGrafana:
		h.Set("User-Agent", "Grafana")
	case SourceGeneric:
		h.Set("User-Agent", "curl/8.5.0")
	}
	return h, body, nil
}

// sampleDelivery is the sender's delivery id of a sample, a UUID of its own per source and
// event: the relay keys jobs by it, so two samples must not share one.
func sampleDelivery(source, event string) string {
	h := sha256.Sum256([]byte(source + "\x00" + event))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
