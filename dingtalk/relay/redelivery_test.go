package relay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/digest"
)

// F11: GitHub redelivers a delivery (its 202 was lost on the way back): the relay answers with
// the jobs stored the first time and DingTalk gets the message once; so does another relay on
// the same store (a restart, a load balancer). A new delivery of the same body is a new message.
func TestRedeliveryPostsOnce(t *testing.T) {
	w := newWorld(t, []relay.Route{
		{Path: "/github", Source: "github", Robots: []string{"ops", "oncall"}, Template: "git-t", Secret: routeSecret},
	})
	_, push := sample(t, "github", "push")
	const id = "11111111-2222-3333-4444-555555555555"
	first := w.github("/github", "push", push, "X-GitHub-Delivery", id)
	again := w.github("/github", "push", push, "X-GitHub-Delivery", id)
	if first.Status != 202 || again.Status != 202 || len(first.Deliveries) != 2 || len(again.Deliveries) != 2 ||
		first.Deliveries[0] != again.Deliveries[0] || first.Deliveries[1] != again.Deliveries[1] {
		t.Fatalf("first %d %s\nagain %d %s", first.Status, first.Raw, again.Status, again.Raw)
	}
	line := w.requestLog("/github")
	if line["sender_delivery"] != id || line["redelivered"] != true {
		t.Errorf("log line %v lacks the sender's delivery id", line)
	}

	// Another relay on the same store: it has never seen the delivery.
	other, err := relay.New(w.opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(other)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/github", strings.NewReader(string(push)))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", hubSignature(routeSecret, push))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("the other relay: %v %v", err, res)
	}
	res.Body.Close()

	fresh := w.github("/github", "push", push, "X-GitHub-Delivery", "99999999-2222-3333-4444-555555555555")
	if fresh.Status != 202 || fresh.Deliveries[0].ID == first.Deliveries[0].ID {
		t.Fatalf("a new delivery: %d %s", fresh.Status, fresh.Raw)
	}
	w.waitAccepted(4)
	time.Sleep(100 * time.Millisecond) // a duplicate would be drained by now
	if st := w.sb.Stats(); st.Arrivals != 4 {
		t.Fatalf("%d arrivals, want 4: each delivery once to each robot", st.Arrivals)
	}
	if n := countJobs(t, w); n != 4 {
		t.Fatalf("%d jobs, want 4", n)
	}
	if !strings.Contains(w.scrape(), `dingbot_messages_queued_total{robot="ops"} 2`) {
		t.Errorf("a redelivery was counted as queued again:\n%s", w.scrape())
	}
}

// F11: GitLab's Idempotency-Key (else X-Gitlab-Event-UUID), Gitea's X-Gitea-Delivery and a
// generic sender's Idempotency-Key key the jobs too; a digest route's held job is found again.
func TestRedeliveryKeysOfEachSender(t *testing.T) {
	held := amRoute("oncall")
	held.Path, held.Source, held.Template, held.Digest = "/digest", "generic", "generic", time.Minute
	w := newWorld(t, []relay.Route{
		{Path: "/gitlab", Source: "gitlab", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret},
		{Path: "/gitea", Source: "gitea", Robots: []string{"oncall"}, Template: "git-t", Secret: routeSecret},
		{Path: "/hooks", Source: "generic", Robots: []string{"oncall"}, Template: "generic"},
		held,
	}, noDrain, func(w *world) { w.opts.Digester = digest.New(w.ob, digest.Options{}) })
	glHeaders, gl := sample(t, "gitlab", "push")
	gtHeaders, gt := sample(t, "gitea", "push")
	generic := readTestdata(t, "generic-firing.json")
	for _, tc := range []struct {
		name, path string
		body       []byte
		headers    []string
		newID      []string // headers of a new delivery: a second job
	}{
		{"gitlab idempotency key", "/gitlab", gl, append(append([]string(nil), glHeaders...), "X-Gitlab-Token", routeSecret, "Idempotency-Key", "k-1", "X-Gitlab-Event-UUID", "u-1"),
			append(append([]string(nil), glHeaders...), "X-Gitlab-Token", routeSecret, "Idempotency-Key", "k-2", "X-Gitlab-Event-UUID", "u-1")},
		{"gitlab event uuid", "/gitlab", gl, append(append([]string(nil), glHeaders...), "X-Gitlab-Token", routeSecret, "X-Gitlab-Event-UUID", "u-3"),
			append(append([]string(nil), glHeaders...), "X-Gitlab-Token", routeSecret, "X-Gitlab-Event-UUID", "u-4")},
		{"gitea", "/gitea", gt, append(append([]string(nil), gtHeaders...), "X-Gitea-Signature", hexHMAC(routeSecret, gt), "X-Gitea-Delivery", "g-1"),
			append(append([]string(nil), gtHeaders...), "X-Gitea-Signature", hexHMAC(routeSecret, gt), "X-Gitea-Delivery", "g-2")},
		{"generic", "/hooks", generic, []string{"Idempotency-Key", "i-1"}, []string{"Idempotency-Key", "i-2"}},
		{"digest", "/digest", generic, append(bearer(routeSecret), "Idempotency-Key", "d-1"), append(bearer(routeSecret), "Idempotency-Key", "d-2")},
	} {
		a := w.post(tc.path, tc.body, tc.headers...)
		b := w.post(tc.path, tc.body, tc.headers...)
		c := w.post(tc.path, tc.body, tc.newID...)
		if a.Status != 202 || b.Status != 202 || c.Status != 202 || len(a.Deliveries) != 1 || len(b.Deliveries) != 1 ||
			a.Deliveries[0].ID != b.Deliveries[0].ID || a.Deliveries[0].MsgUUID != b.Deliveries[0].MsgUUID || c.Deliveries[0].ID == a.Deliveries[0].ID {
			t.Errorf("%s:\n%d %s\n%d %s\n%d %s", tc.name, a.Status, a.Raw, b.Status, b.Raw, c.Status, c.Raw)
		}
		if tc.path == "/digest" && (b.Deliveries[0].Due == nil || !b.Deliveries[0].Due.Equal(*a.Deliveries[0].Due)) {
			t.Errorf("digest: the held job's due is not given again: %s", b.Raw)
		}
	}
	jobs, err := w.spool.List(context.Background(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 10 {
		t.Fatalf("%d jobs, want 10 (two deliveries of five senders)", len(jobs))
	}
}
