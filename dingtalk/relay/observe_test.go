package relay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/digest"
)

// scrape returns /metrics once it has every line of want (the delivery counters follow the
// outbox asynchronously), or fails with what it had.
func (w *world) scrape(want ...string) string {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := w.do(http.MethodGet, "/metrics", nil)
		if a.Status != 200 {
			w.t.Fatalf("metrics: %d %s", a.Status, a.Raw)
		}
		lines := strings.Split(a.Raw, "\n")
		missing := slices.DeleteFunc(slices.Clone(want), func(l string) bool { return slices.Contains(lines, l) })
		if len(missing) == 0 {
			return a.Raw
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("metrics lack %q:\n%s", missing, a.Raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// /metrics counts requests by route and code, messages queued, delivered and failed by robot
// (and errcode), and reads the outbox depth and the quota at scrape.
func TestMetrics(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops", "gone")})
	body := readTestdata(t, "alertmanager-firing.json")
	a := w.post("/alertmanager", body, bearer(routeSecret)...)
	if a.Status != 202 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	w.post("/alertmanager", body) // 401
	w.post("/nowhere", body)      // 404
	for _, d := range a.Deliveries {
		w.waitJob(d.ID)
	}
	w.scrape(
		`dingbot_relay_requests_total{code="202",route="/alertmanager"} 1`,
		`dingbot_relay_requests_total{code="401",route="/alertmanager"} 1`,
		`dingbot_relay_requests_total{code="404",route="unmatched"} 1`,
		`dingbot_relay_request_duration_seconds_count{route="/alertmanager"} 2`,
		`dingbot_messages_queued_total{robot="ops"} 1`,
		`dingbot_messages_queued_total{robot="gone"} 1`,
		`dingbot_messages_queued_total{robot="oncall"} 0`,
		`dingbot_messages_delivered_total{robot="ops"} 1`,
		`dingbot_messages_failed_total{errcode="300001",robot="gone"} 1`,
		`dingbot_outbox_depth{robot="ops"} 0`,
		`dingbot_quota_used{robot="ops"} 1`,
		`dingbot_quota_limit{robot="ops"} 3000`,
	)
}

// The outbox depth counts what waits in the store, queued or held for a digest.
func TestMetricsOutboxDepth(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("ops", "oncall"),
		{Path: "/digest", Source: "generic", Robots: []string{"ops"}, Template: "generic", Digest: time.Hour},
	}, noDrain, func(w *world) { w.opts.Digester = digest.New(w.ob, digest.Options{}) })
	body := readTestdata(t, "alertmanager-firing.json")
	for range 3 {
		if a := w.post("/alertmanager", body, bearer(routeSecret)...); a.Status != 202 {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
	}
	if a := w.post("/digest", readTestdata(t, "generic-firing.json")); a.Status != 202 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	w.scrape(`dingbot_outbox_depth{robot="ops"} 4`, `dingbot_outbox_depth{robot="oncall"} 3`, `dingbot_outbox_depth{robot="gone"} 0`,
		`dingbot_messages_queued_total{robot="ops"} 4`)
}

// Mentions come from the payload's label and from the request header of the same name; a
// name matches a contact by whole name, mobile or userId, and one that matches nothing is
// logged (a header's value never is) without failing the request.
func TestMentions(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("oncall")})
	body := readTestdata(t, "alertmanager-firing.json")

	a := w.post("/alertmanager", body, append(bearer(routeSecret), "Owner", "lina, 13800000003, zhang, stranger-in-header")...)
	if a.Status != 202 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	arr := w.waitAccepted(1)[0]
	want := []string{"13800000001", "13800000003", "lina01"}
	got := slices.Sorted(slices.Values(arr.Notified))
	if !slices.Equal(got, want) || len(arr.NotNotified) != 0 {
		t.Fatalf("notified %v (not %v), want %v; message %v", arr.Notified, arr.NotNotified, want, arr.Message)
	}
	var warnings []string
	for _, l := range w.logLines() {
		if l["msg"] == "mention" {
			warnings = append(warnings, l["error"].(string))
		}
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings %q, want one for zhang and one for the stranger", warnings)
	}
	for _, wr := range warnings {
		if !strings.Contains(wr, "a value of the Owner header names no contact") {
			t.Fatalf("warning %q", wr)
		}
	}
	if strings.Contains(w.logs.String(), "stranger-in-header") || strings.Contains(w.logs.String(), `"zhang"`) {
		t.Fatalf("a header's value was logged: %s", w.logs.String())
	}

	// A payload's own unknown owner is named in the warning.
	w.logs.mu.Lock()
	w.logs.b.Reset()
	w.logs.mu.Unlock()
	ghost := bytes.Replace(body, []byte(`"owner": "zhangwei"`), []byte(`"owner": "ghost"`), 1)
	if a := w.post("/alertmanager", ghost, bearer(routeSecret)...); a.Status != 202 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	if !strings.Contains(w.logs.String(), `\"ghost\" names no contact`) {
		t.Fatalf("no warning naming the payload's ghost: %s", w.logs.String())
	}
}

// A template whose message type cannot mention (a link card) still relays; the mention is
// logged as impossible.
func TestMentionLinkCard(t *testing.T) {
	r := amRoute("oncall")
	r.Template = "am-link"
	w := newWorld(t, []relay.Route{r})
	if a := w.post("/alertmanager", readTestdata(t, "alertmanager-firing.json"), bearer(routeSecret)...); a.Status != 202 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	if arr := w.waitAccepted(1)[0]; arr.Msgtype != "link" || arr.Message["at"] != nil {
		t.Fatalf("arrival %+v", arr.Message)
	}
	if !strings.Contains(w.logs.String(), "renders a link card, which cannot mention anyone") {
		t.Fatalf("logs: %s", w.logs.String())
	}
}

// No log line and no answer ever holds the route's secret, a robot's token or secret, a
// signature, or a credential header's value, whatever the sender gets right or wrong.
func TestNoSecretsInLogsOrAnswers(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("ops", "oncall"),
		{Path: "/json", Source: "generic", Robots: []string{"ops"}, Template: "generic", Secret: routeSecret, MentionLabel: "Authorization"},
		{Path: "/github", Source: "github", Robots: []string{"ops"}, Template: "git-t", Secret: routeSecret, MentionLabel: "X-Hub-Signature-256"},
	})
	ghHeaders, gh := sample(t, "github", "pull_request")
	goodSig, badSig := hubSignature(routeSecret, gh), hubSignature(routeSecret+"x", gh)
	am := readTestdata(t, "alertmanager-firing.json")
	generic := readTestdata(t, "generic-firing.json")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+routeSecret))
	var stored []string
	for _, tc := range []struct {
		path    string
		body    []byte
		headers []string
	}{
		{"/alertmanager", am, bearer(routeSecret)},
		{"/alertmanager", am, []string{"Authorization", basic}},
		{"/alertmanager", am, bearer(routeSecret + "-wrong")},
		{"/alertmanager", am, []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(routeSecret+":x"))}},
		{"/alertmanager", am, []string{"Authorization", "Token " + routeSecret}},
		{"/alertmanager", []byte(`{"version":"4",`), bearer(routeSecret)},
		{"/json", generic, bearer(routeSecret)}, // the mention label reads the Authorization header
		{"/github", gh, append(slices.Clone(ghHeaders), "X-Hub-Signature-256", goodSig)},
		{"/github", gh, append(slices.Clone(ghHeaders), "X-Hub-Signature-256", badSig)},
		{"/" + routeSecret, am, nil},
	} {
		a := w.post(tc.path, tc.body, tc.headers...)
		for _, d := range a.Deliveries {
			stored = append(stored, d.ID)
		}
	}
	if len(stored) != 6 {
		t.Fatalf("stored %d jobs, want 6", len(stored))
	}
	for _, id := range stored {
		if j := w.waitJob(id); j.State != delivery.Sent {
			t.Fatalf("job %+v", j) // ops is signed: its requests carried sign=
		}
	}
	logs := w.logs.String()
	if !strings.Contains(logs, `"status":401`) || !strings.Contains(logs, `"status":202`) {
		t.Fatalf("the requests were not logged: %s", logs)
	}
	for _, text := range append([]string{logs}, w.responses...) {
		for _, secret := range []string{routeSecret, opsToken, opsSecret, oncallToken, "sign=", "access_token", base64.StdEncoding.EncodeToString([]byte("user:" + routeSecret)),
			strings.TrimPrefix(goodSig, "sha256="), strings.TrimPrefix(badSig, "sha256=")} {
			if strings.Contains(text, secret) {
				t.Fatalf("%q appears in %s", secret, text)
			}
		}
	}
	// The outbox's own jobs name robots, never webhooks.
	jobs, err := w.spool.List(context.Background(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if strings.Contains(j.Msg.Body(), routeSecret) {
			t.Fatalf("job %s holds the route's secret", j.ID)
		}
	}
}
