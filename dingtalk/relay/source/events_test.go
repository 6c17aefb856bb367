package source

import "testing"

// The hosts' own names for event kinds (GitLab's pipeline and merge_request, GitHub's
// workflow_run and issues) are understood in a route's events, as what they mean.
func TestEventKindAliases(t *testing.T) {
	if errs := CheckEvents(SourceGitLab, []string{"pipeline.failed", "merge_request.merged", "note"}); len(errs) > 0 {
		t.Fatalf("GitLab's names refused: %v", errs)
	}
	if errs := CheckEvents(SourceGitHub, []string{"workflow_run", "issues.opened"}); len(errs) > 0 {
		t.Fatalf("GitHub's names refused: %v", errs)
	}
	failed := GitEvent{Host: SourceGitLab, Kind: KindWorkflow, Action: "completed",
		Workflow: GitWorkflow{Status: "completed", Conclusion: ConclusionFailure}}
	passed := failed
	passed.Workflow.Conclusion = ConclusionSuccess
	if !MatchEvents(SourceGitLab, []string{"pipeline.failed"}, failed) || MatchEvents(SourceGitLab, []string{"pipeline.failed"}, passed) {
		t.Fatal("pipeline.failed should post a failed pipeline and only that")
	}
	merged := GitEvent{Host: SourceGitLab, Kind: KindPullRequest, Action: "merged"}
	if !MatchEvents(SourceGitLab, []string{"merge_request.merged"}, merged) {
		t.Fatal("merge_request.merged should post a merged merge request")
	}
	if errs := CheckEvents(SourceGitLab, []string{"pipelines"}); len(errs) != 1 {
		t.Fatalf("a typo should still be refused: %v", errs)
	}
}
