package relay_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// sample is a source's sample payload with its sender's headers, as a list for post.
func sample(t *testing.T, src, event string) ([]string, []byte) {
	t.Helper()
	h, body, err := source.Sample(src, event)
	if err != nil {
		t.Fatal(err)
	}
	var headers []string
	for k := range h {
		headers = append(headers, k, h.Get(k))
	}
	return headers, body
}

func gitWorld(t *testing.T) *world {
	return newWorld(t, []relay.Route{
		{Path: "/github", Source: "github", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret, SecretEnv: "GH_SECRET", MentionLabel: "sender"},
		{Path: "/gitea", Source: "gitea", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret, SecretEnv: "GITEA_SECRET"},
		{Path: "/gitlab", Source: "gitlab", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret, SecretEnv: "GITLAB_TOKEN"},
	}, noDrain)
}

// Each Git host authenticates as it does: GitHub and Gitea sign the body with HMAC-SHA256,
// GitLab sends the secret as a token. A missing, malformed or wrong credential is 401 with a
// hint naming the header and the secret's variable.
func TestGitAuth(t *testing.T) {
	w := gitWorld(t)
	ghHeaders, ghBody := sample(t, "github", "push")
	gtHeaders, gtBody := sample(t, "gitea", "push")
	glHeaders, glBody := sample(t, "gitlab", "push")
	form := "payload=" + url.QueryEscape(string(ghBody))
	formHeaders := append(append([]string(nil), ghHeaders...), "Content-Type", "application/x-www-form-urlencoded")
	// Set in order: the later X-GitHub-Event wins.
	pingHeaders := slices.Concat(ghHeaders, []string{"X-GitHub-Event", "ping"})
	pingBody := readTestdata(t, "github-ping.json")

	tests := []struct {
		name, path string
		body       []byte
		headers    []string
		status     int
		err, hint  string
	}{
		{"github signed", "/github", ghBody, slices.Concat(ghHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, ghBody)}), 202, "", ""},
		{"github signed form", "/github", []byte(form), slices.Concat(formHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, []byte(form))}), 202, "", ""},
		{"github form signed over the JSON", "/github", []byte(form), slices.Concat(formHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, ghBody)}), 401, "signature does not match the body", "GitHub: the webhook's Secret to the value of $GH_SECRET"},
		{"github ping", "/github", pingBody, slices.Concat(pingHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, pingBody)}), 200, "", ""},
		{"github ping unsigned", "/github", pingBody, pingHeaders, 401, "missing credentials", ""},
		{"github wrong secret", "/github", ghBody, slices.Concat(ghHeaders, []string{"X-Hub-Signature-256", hubSignature("nope", ghBody)}), 401, "X-Hub-Signature-256 signature does not match", "signs each body with it in X-Hub-Signature-256"},
		{"github sha1", "/github", ghBody, slices.Concat(ghHeaders, []string{"X-Hub-Signature-256", "sha1=" + hexHMAC(routeSecret, ghBody)}), 401, "is not sha256=<hex HMAC-SHA256 of the body>", ""},
		{"github not hex", "/github", ghBody, slices.Concat(ghHeaders, []string{"X-Hub-Signature-256", "sha256=zz"}), 401, "is not sha256=", ""},
		{"github missing", "/github", ghBody, ghHeaders, 401, "missing credentials: no X-Hub-Signature-256 header", "$GH_SECRET"},
		{"github with a bearer token", "/github", ghBody, slices.Concat(ghHeaders, bearer(routeSecret)), 401, "no X-Hub-Signature-256 header", ""},
		{"gitea signed", "/gitea", gtBody, slices.Concat(gtHeaders, []string{"X-Gitea-Signature", hexHMAC(routeSecret, gtBody)}), 202, "", ""},
		{"forgejo signed", "/gitea", gtBody, slices.Concat(gtHeaders, []string{"X-Forgejo-Signature", hexHMAC(routeSecret, gtBody)}), 202, "", ""},
		{"gitea hub signature", "/gitea", gtBody, slices.Concat(gtHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, gtBody)}), 202, "", ""},
		{"gitea wrong", "/gitea", gtBody, slices.Concat(gtHeaders, []string{"X-Gitea-Signature", hexHMAC(routeSecret+"x", gtBody)}), 401, "X-Gitea-Signature signature does not match", "Gitea: the webhook's Secret to the value of $GITEA_SECRET"},
		{"gitea missing", "/gitea", gtBody, gtHeaders, 401, "missing credentials: no X-Gitea-Signature or X-Forgejo-Signature or X-Hub-Signature-256 header", "in X-Gitea-Signature"},
		{"gitlab token", "/gitlab", glBody, slices.Concat(glHeaders, []string{"X-Gitlab-Token", routeSecret}), 202, "", ""},
		{"gitlab wrong", "/gitlab", glBody, slices.Concat(glHeaders, []string{"X-Gitlab-Token", routeSecret + "x"}), 401, "wrong credentials in the X-Gitlab-Token header", "GitLab: the webhook's Secret token to the value of $GITLAB_TOKEN: the sender then sends it in X-Gitlab-Token"},
		{"gitlab missing", "/gitlab", glBody, glHeaders, 401, "missing credentials: no X-Gitlab-Token header", "$GITLAB_TOKEN"},
		{"gitlab signature instead", "/gitlab", glBody, slices.Concat(glHeaders, []string{"X-Hub-Signature-256", hubSignature(routeSecret, glBody)}), 401, "no X-Gitlab-Token header", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := w.post(tc.path, tc.body, tc.headers...)
			if a.Status != tc.status || !strings.Contains(a.Error, tc.err) || !strings.Contains(a.Hint, tc.hint) {
				t.Fatalf("%d %s; want %d, error ~ %q, hint ~ %q", a.Status, a.Raw, tc.status, tc.err, tc.hint)
			}
			if a.Status == 200 && a.Ignored != "ping event" {
				t.Fatalf("ignored %q", a.Ignored)
			}
			if strings.Contains(a.Raw, routeSecret) {
				t.Fatalf("the secret is in the answer: %s", a.Raw)
			}
		})
	}
}

// A Git event reaches DingTalk rendered by its template; an event the relay does not relay
// (a star) is answered 200 with the reason and sends nothing.
func TestGitEventsReachDingTalk(t *testing.T) {
	w := newWorld(t, []relay.Route{
		{Path: "/github", Source: "github", Robots: []string{"ops"}, Template: "git-t", Secret: routeSecret, Events: []string{"*"}},
	})
	for _, event := range source.SampleEvents("github") {
		headers, body := sample(t, "github", event)
		a := w.post("/github", body, slices.Concat(headers, []string{"X-Hub-Signature-256", hubSignature(routeSecret, body)})...)
		if a.Status != http.StatusAccepted {
			t.Fatalf("%s: %d %s", event, a.Status, a.Raw)
		}
	}
	star := readTestdata(t, "github-star.json")
	a := w.post("/github", star, "X-GitHub-Event", "star", "X-Hub-Signature-256", hubSignature(routeSecret, star))
	if a.Status != http.StatusOK || !strings.Contains(a.Ignored, "star") {
		t.Fatalf("star: %d %s", a.Status, a.Raw)
	}
	n := len(source.SampleEvents("github"))
	got := w.waitAccepted(n)
	for _, arr := range got {
		text := arr.Message["text"].(map[string]any)["content"].(string)
		if !strings.HasPrefix(text, "github ") || !strings.Contains(text, keyword) {
			t.Fatalf("text %q", text)
		}
	}
	if len(w.sb.Arrivals()) != n {
		t.Fatalf("%d arrivals, want %d (the star sends nothing)", len(w.sb.Arrivals()), n)
	}
}
