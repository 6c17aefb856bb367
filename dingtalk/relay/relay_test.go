package relay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/digest"
)

func amRoute(robots ...string) relay.Route {
	return relay.Route{Path: "/alertmanager", Source: "alertmanager", Robots: robots, Template: "am",
		MentionLabel: "owner", Secret: routeSecret, SecretEnv: "RELAY_TOKEN"}
}

// An Alertmanager group posted to the relay reaches every robot of the route through the
// outbox: a markdown message with the alerts, the robot's keyword, the owner @mentioned so
// that DingTalk notifies them, signed for the signed robot.
func TestAlertmanagerReachesDingTalk(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops", "oncall")})
	body := readTestdata(t, "alertmanager-firing.json")

	a := w.post("/alertmanager", body, bearer(routeSecret)...)
	if a.Status != http.StatusAccepted {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	if len(a.Deliveries) != 2 || a.Deliveries[0].Robot != "ops" || a.Deliveries[1].Robot != "oncall" {
		t.Fatalf("deliveries %+v", a.Deliveries)
	}
	// 202 means stored: the jobs are in the store when the answer arrives.
	for _, d := range a.Deliveries {
		j, err := w.spool.Get(context.Background(), d.ID)
		if err != nil {
			t.Fatalf("delivery %s is not in the store: %v", d.ID, err)
		}
		if j.MsgUUID == "" || j.MsgUUID != d.MsgUUID || d.Part != 1 || d.Parts != 1 {
			t.Fatalf("delivery %+v, job %+v", d, j)
		}
	}

	got := w.waitAccepted(2)
	byUUID := map[string]any{}
	for _, arr := range got {
		byUUID[arr.Message["msgUuid"].(string)] = arr
		if arr.Msgtype != "markdown" {
			t.Fatalf("msgtype %s", arr.Msgtype)
		}
		md := arr.Message["markdown"].(map[string]any)
		text := md["text"].(string)
		for _, want := range []string{"### [FIRING] HighErrorRate", "10.0.3.17:8080: checkout is failing", "10.0.3.22:8080", "@13800000001"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if md["title"] != "[FIRING] HighErrorRate" {
			t.Errorf("title %q", md["title"])
		}
		if !slices.Equal(arr.Notified, []string{"13800000001"}) || len(arr.NotNotified) != 0 {
			t.Errorf("notified %v, not notified %v", arr.Notified, arr.NotNotified)
		}
		switch arr.Token {
		case opsToken: // signed (the sandbox refuses a bad signature) and keyworded
			if !strings.Contains(text, keyword) {
				t.Errorf("ops's message lacks its keyword:\n%s", text)
			}
		case oncallToken:
			if strings.Contains(text, keyword) {
				t.Errorf("oncall has no keyword, yet it was added:\n%s", text)
			}
		default:
			t.Errorf("arrival for token %q", arr.Token)
		}
	}
	for _, d := range a.Deliveries {
		if byUUID[d.MsgUUID] == nil {
			t.Errorf("delivery %+v did not arrive by its msgUuid", d)
		}
		if j := w.waitJob(d.ID); j.State != delivery.Sent {
			t.Errorf("job %s is %s", d.ID, j.State)
		}
	}

	line := w.requestLog("/alertmanager")
	if line["status"] != float64(202) || line["level"] != "INFO" {
		t.Errorf("log line %v", line)
	}
	ids, _ := line["deliveries"].([]any)
	if len(ids) != 2 || ids[0] != a.Deliveries[0].ID || ids[1] != a.Deliveries[1].ID {
		t.Errorf("log line's deliveries %v, want %+v", line["deliveries"], a.Deliveries)
	}
	if _, ok := line["duration_ms"].(float64); !ok || line["remote"] == "" {
		t.Errorf("log line %v lacks duration or remote", line)
	}
}

// Every status code of the package doc, as a sender meets it.
func TestStatusCodes(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("ops"),
		{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic"},
		{Path: "/broken", Source: "alertmanager", Robots: []string{"oncall"}, Template: "am-broken"},
		{Path: "/notitle", Source: "alertmanager", Robots: []string{"oncall"}, Template: "am-notitle"},
	}, withOptions(func(o *relay.Options) { o.MaxBody = 64 << 10 }))
	am := readTestdata(t, "alertmanager-firing.json")
	generic := readTestdata(t, "generic-firing.json")
	big := append([]byte(`{"pad":"`), append(bytes.Repeat([]byte("x"), 70<<10), '"', '}')...)

	tests := []struct {
		name, method, path string
		body               []byte
		headers            []string
		chunked            bool
		status             int
		err, hint, allow   string
	}{
		{name: "stored", path: "/alertmanager", body: am, headers: bearer(routeSecret), status: 202},
		{name: "unauthenticated route from loopback", path: "/open", body: generic, status: 202},
		{name: "unknown path", path: "/nope", body: am, status: 404, err: "no route at this path", hint: "[[routes]]"},
		{name: "GET a route", method: "GET", path: "/alertmanager", status: 405, allow: "POST", err: "method GET", hint: "POST the alertmanager payload to /alertmanager"},
		{name: "POST healthz", path: "/healthz", status: 405, allow: "GET, HEAD"},
		{name: "too large", path: "/open", body: big, status: 413, err: "over 65536 bytes"},
		{name: "too large, chunked", path: "/open", body: big, chunked: true, status: 413, err: "over 65536 bytes"},
		{name: "bad JSON", path: "/open", body: []byte("{\n  \"a\": 1,\n}"), status: 400, err: "invalid JSON at line 3, column 1", hint: "route /open expects a JSON object or array"},
		{name: "empty body", path: "/open", status: 400, err: "empty body"},
		{name: "another source's payload", path: "/alertmanager", body: generic, headers: bearer(routeSecret), status: 400, err: "missing required fields version, groupKey, status, receiver, alerts", hint: "Alertmanager's webhook payload"},
		{name: "template fails", path: "/broken", body: am, status: 422, err: "template am-broken: line 7: at {{ .NoSuchField }}", hint: "fix template am-broken"},
		{name: "DingTalk would refuse", path: "/notitle", body: am, status: 422, err: "markdown.title", hint: "nothing was stored"},
		{name: "no credentials", path: "/alertmanager", body: am, status: 401, err: "missing credentials", hint: "$RELAY_TOKEN"},
		{name: "wrong credentials", path: "/alertmanager", body: am, headers: bearer("nope"), status: 401, err: "wrong credentials", hint: "Alertmanager: http_config.authorization.credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequest(method, w.url+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			var ans struct{ Error, Hint string }
			if err := json.Unmarshal(raw, &ans); err != nil {
				t.Fatalf("answer %q: %v", raw, err)
			}
			if tc.status >= 400 && ans.Error == "" {
				t.Fatalf("error answer without error: %s", raw)
			}
			if !strings.Contains(ans.Error, tc.err) || !strings.Contains(ans.Hint, tc.hint) {
				t.Fatalf("answer %s; want error ~ %q, hint ~ %q", raw, tc.err, tc.hint)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
	jobs, err := w.spool.List(context.Background(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d jobs stored, want 2 (the two 202s): %+v", len(jobs), jobs)
	}
}

func countJobs(t *testing.T, w *world) int {
	jobs, err := w.spool.List(context.Background(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}

// A route without a secret answers only senders on this machine; a route with one answers
// any peer that authenticates.
func TestUnauthenticatedRouteLoopbackOnly(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("ops"),
		{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic"},
	}, noDrain)
	generic := readTestdata(t, "generic-firing.json")
	serve := func(path, remote string, body []byte, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.RemoteAddr = remote
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		w.relay.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve("/open", "192.0.2.10:5555", generic); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "secret_env") {
		t.Fatalf("off loopback: %d %s", rec.Code, rec.Body)
	}
	for _, remote := range []string{"127.0.0.1:4000", "[::1]:4000", "127.8.9.10:1"} {
		if rec := serve("/open", remote, generic); rec.Code != http.StatusAccepted {
			t.Fatalf("from %s: %d %s", remote, rec.Code, rec.Body)
		}
	}
	am := readTestdata(t, "alertmanager-firing.json")
	if rec := serve("/alertmanager", "192.0.2.10:5555", am, bearer(routeSecret)...); rec.Code != http.StatusAccepted {
		t.Fatalf("authenticated, off loopback: %d %s", rec.Code, rec.Body)
	}
	if rec := serve("/alertmanager", "192.0.2.10:5555", am); rec.Code != http.StatusUnauthorized {
		t.Fatalf("unauthenticated, off loopback: %d %s", rec.Code, rec.Body)
	}
}

// Each bearer-auth source takes a bearer token or basic auth whose password is the secret,
// and refuses a missing or wrong one with 401 and a hint naming the header.
func TestBearerAuth(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("oncall"),
		{Path: "/grafana", Source: "grafana", Robots: []string{"oncall"}, Template: "grafana-t", Secret: routeSecret, SecretEnv: "GRAFANA_TOKEN"},
		{Path: "/json", Source: "generic", Robots: []string{"oncall"}, Template: "generic", Secret: routeSecret},
	}, noDrain)
	bodies := map[string][]byte{
		"/alertmanager": readTestdata(t, "alertmanager-firing.json"),
		"/grafana":      readTestdata(t, "grafana-firing.json"),
		"/json":         readTestdata(t, "generic-firing.json"),
	}
	basic := func(user, pass string) []string {
		return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
	}
	for path, body := range bodies {
		for _, tc := range []struct {
			name    string
			headers []string
			status  int
			err     string
		}{
			{"bearer", bearer(routeSecret), 202, ""},
			{"bearer, lower-case scheme", []string{"Authorization", "bearer " + routeSecret}, 202, ""},
			{"basic", basic("alertmanager", routeSecret), 202, ""},
			{"missing", nil, 401, "missing credentials: no Authorization header"},
			{"wrong bearer", bearer(routeSecret + "x"), 401, "wrong credentials in the Authorization header"},
			{"wrong basic", basic(routeSecret, "x"), 401, "wrong credentials in the Authorization header"},
			{"other scheme", []string{"Authorization", "Token " + routeSecret}, 401, "neither Bearer nor Basic"},
			{"empty bearer", []string{"Authorization", "Bearer "}, 401, "wrong credentials"},
		} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				a := w.post(path, body, tc.headers...)
				if a.Status != tc.status || !strings.Contains(a.Error, tc.err) {
					t.Fatalf("%d %s; want %d %q", a.Status, a.Raw, tc.status, tc.err)
				}
				if tc.status == 401 && !strings.Contains(a.Hint, "Authorization: Bearer") {
					t.Fatalf("hint %q does not name the header", a.Hint)
				}
				if tc.status == 401 && path == "/grafana" && !strings.Contains(a.Hint, "$GRAFANA_TOKEN") {
					t.Fatalf("hint %q does not name the secret's variable", a.Hint)
				}
			})
		}
	}
}

// Robot 1 stored, then the store fails for robot 2: the answer is 503 with robot 1's delivery
// and robot 2's failure; the sender's retry of the same body stores only robot 2, so robot 1's
// group gets the alert once.
func TestPartialFanOut(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops", "oncall")})
	body := readTestdata(t, "alertmanager-firing.json")

	w.failAdds("oncall")
	a := w.post("/alertmanager", body, bearer(routeSecret)...)
	if a.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	if len(a.Deliveries) != 1 || a.Deliveries[0].Robot != "ops" {
		t.Fatalf("deliveries %+v", a.Deliveries)
	}
	if len(a.Failed) != 1 || a.Failed[0].Robot != "oncall" || !strings.Contains(a.Failed[0].Error, "no space left on device") {
		t.Fatalf("failed %+v", a.Failed)
	}
	if !strings.Contains(a.Error, "robot oncall: ") || !strings.Contains(a.Hint, "send the same body again (within 10 minutes, to this relay) to store theirs alone") {
		t.Fatalf("answer %s", a.Raw)
	}
	opsID := a.Deliveries[0].ID
	if j := w.waitJob(opsID); j.State != delivery.Sent {
		t.Fatalf("ops's job %+v", j)
	}

	// Alertmanager retries: the store is back.
	w.failAdds("")
	b := w.post("/alertmanager", body, bearer(routeSecret)...)
	if b.Status != http.StatusAccepted || len(b.Deliveries) != 2 {
		t.Fatalf("retry: %d %s", b.Status, b.Raw)
	}
	if b.Deliveries[0].ID != opsID || b.Deliveries[1].Robot != "oncall" {
		t.Fatalf("retry's deliveries %+v, want ops's %s again and oncall's", b.Deliveries, opsID)
	}
	w.waitJob(b.Deliveries[1].ID)
	got := w.waitAccepted(2)
	if st := w.sb.Stats(); st.Posted != 2 || st.Arrivals != 2 {
		t.Fatalf("sandbox stats %+v, arrivals %+v", st, got)
	}
	// Once every robot is stored the relay forgets: the same body again is a new alert.
	c := w.post("/alertmanager", body, bearer(routeSecret)...)
	if c.Status != http.StatusAccepted || c.Deliveries[0].ID == opsID {
		t.Fatalf("third post: %d %s", c.Status, c.Raw)
	}
}

// A store that kept the job but answered an error (a Redis write whose answer timed out): the
// sender's retry finds the job under the ID it was first given, so the robot gets the alert
// once.
func TestRetryFindsAJobTheStoreKeptDespiteItsError(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops", "oncall")})
	body := readTestdata(t, "alertmanager-firing.json")
	w.store.lie.Store(true)
	w.failAdds("oncall")
	a := w.post("/alertmanager", body, bearer(routeSecret)...)
	if a.Status != http.StatusServiceUnavailable || len(a.Deliveries) != 1 || len(a.Failed) != 1 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	w.failAdds("")
	b := w.post("/alertmanager", body, bearer(routeSecret)...)
	if b.Status != http.StatusAccepted || len(b.Deliveries) != 2 || b.Deliveries[0] != a.Deliveries[0] {
		t.Fatalf("retry: %d %s", b.Status, b.Raw)
	}
	for _, d := range b.Deliveries {
		w.waitJob(d.ID)
	}
	w.waitAccepted(2)
	if st := w.sb.Stats(); st.Posted != 2 || st.Arrivals != 2 {
		t.Fatalf("sandbox stats %+v: a robot got the alert twice", st)
	}
	if n := countJobs(t, w); n != 2 {
		t.Fatalf("%d jobs stored, want 2", n)
	}
}

// When nothing can be stored the answer is 503 with the store's remedy, and nothing is sent.
func TestStoreDown(t *testing.T) {
	w := newWorld(t, []relay.Route{amRoute("ops", "oncall")})
	w.failAdds("*")
	a := w.post("/alertmanager", readTestdata(t, "alertmanager-firing.json"), bearer(routeSecret)...)
	if a.Status != http.StatusServiceUnavailable || len(a.Deliveries) != 0 || len(a.Failed) != 2 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	if !strings.Contains(a.Hint, "storing failed") || !strings.Contains(a.Hint, "/var/lib/dingbot/outbox writable") {
		t.Fatalf("hint %q", a.Hint)
	}
	if line := w.requestLog("/alertmanager"); line["level"] != "ERROR" || line["status"] != float64(503) || !strings.Contains(line["error"].(string), "no space left") {
		t.Fatalf("log line %v", line)
	}
}

// /healthz answers while the process serves; /readyz asks Options.Ready.
func TestHealthAndReady(t *testing.T) {
	var mu sync.Mutex
	var readyErr error
	w := newWorld(t, []relay.Route{amRoute("ops")}, noDrain, withOptions(func(o *relay.Options) {
		o.Ready = func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return readyErr
		}
	}))
	if a := w.do("GET", "/healthz", nil); a.Status != 200 || !strings.Contains(a.Raw, `"ok"`) {
		t.Fatalf("healthz %d %s", a.Status, a.Raw)
	}
	if a := w.do("HEAD", "/healthz", nil); a.Status != 200 {
		t.Fatalf("HEAD healthz %d", a.Status)
	}
	if a := w.do("GET", "/readyz", nil); a.Status != 200 {
		t.Fatalf("readyz %d %s", a.Status, a.Raw)
	}
	mu.Lock()
	readyErr = &dingtalk.StateError{Dir: "redis://127.0.0.1:6379/0", Op: "ping", Err: io.ErrUnexpectedEOF}
	mu.Unlock()
	a := w.do("GET", "/readyz", nil)
	if a.Status != 503 || !strings.Contains(a.Error, "not ready: shared state at redis://127.0.0.1:6379/0") || !strings.Contains(a.Hint, "Redis") {
		t.Fatalf("readyz %d %s", a.Status, a.Raw)
	}
}

// A Ready that hangs is cut short: /readyz answers 503 within its timeout.
func TestReadyTimesOut(t *testing.T) {
	relay.SetReadyTimeout(t, 50*time.Millisecond)
	w := newWorld(t, []relay.Route{amRoute("ops")}, noDrain, withOptions(func(o *relay.Options) {
		o.Ready = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	}))
	start := time.Now()
	a := w.do("GET", "/readyz", nil)
	if a.Status != 503 || !strings.Contains(a.Error, "deadline exceeded") || time.Since(start) > time.Second {
		t.Fatalf("readyz %d %s after %s", a.Status, a.Raw, time.Since(start))
	}
}

// A GitHub-style form-encoded body (payload=…) is decoded, and so is JSON that curl -d
// labels as a form.
func TestFormEncodedBodies(t *testing.T) {
	w := newWorld(t, []relay.Route{{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic"}}, noDrain)
	generic := readTestdata(t, "generic-firing.json")
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if a := w.post("/open", []byte("payload="+url.QueryEscape(string(generic))), form...); a.Status != 202 {
		t.Fatalf("form: %d %s", a.Status, a.Raw)
	}
	if a := w.post("/open", generic, form...); a.Status != 202 {
		t.Fatalf("JSON labelled a form: %d %s", a.Status, a.Raw)
	}
	if a := w.post("/open", []byte("data=1"), form...); a.Status != 400 || !strings.Contains(a.Error, "without a payload field") {
		t.Fatalf("form without payload: %d %s", a.Status, a.Raw)
	}
	jobs, _ := w.spool.List(context.Background(), delivery.Filter{})
	for _, j := range jobs {
		if j.Msg.Text == nil || j.Msg.Text.Content != "job.failed on backup-1" {
			t.Fatalf("job %+v", j.Msg)
		}
	}
}

// New refuses routes it could not serve, every problem at once, each naming its route.
func TestNewRefusesBadRoutes(t *testing.T) {
	ob := delivery.New(nil, delivery.Options{})
	base := relay.Options{Outbox: ob, Templates: lookupTemplate, Robots: []string{"ops"}}
	tests := []struct {
		name  string
		route relay.Route
		want  string
	}{
		{"unknown source", relay.Route{Path: "/x", Source: "jenkins", Robots: []string{"ops"}}, `route /x: unknown source "jenkins"`},
		{"no slash", relay.Route{Path: "x", Source: "generic", Robots: []string{"ops"}, Template: "generic"}, `path "x" does not start with /`},
		{"own endpoint", relay.Route{Path: "/metrics", Source: "generic", Robots: []string{"ops"}, Template: "generic"}, "the relay's own endpoint"},
		{"unknown robot", relay.Route{Path: "/x", Source: "generic", Robots: []string{"opps"}, Template: "generic"}, `unknown robot "opps"`},
		{"no robots", relay.Route{Path: "/x", Source: "generic", Template: "generic"}, "no robots"},
		{"template of other data", relay.Route{Path: "/x", Source: "generic", Robots: []string{"ops"}, Template: "am"}, `template am renders alertmanager data; a generic route needs one with data = "generic"`},
		{"template of variables", relay.Route{Path: "/x", Source: "generic", Robots: []string{"ops"}, Template: "vars"}, "renders variables, not a payload"},
		{"unknown template", relay.Route{Path: "/x", Source: "generic", Robots: []string{"ops"}, Template: "nope"}, "template: "},
		{"digest without digester", relay.Route{Path: "/x", Source: "generic", Robots: []string{"ops"}, Template: "generic", Digest: time.Minute}, "no digester"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.Routes = []relay.Route{tc.route}
			_, err := relay.New(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	o := base
	r := relay.Route{Path: "/x", Source: "generic", Robots: []string{"ops"}, Template: "generic"}
	o.Routes = []relay.Route{r, r}
	if _, err := relay.New(o); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("duplicate path: %v", err)
	}
	if _, err := relay.New(relay.Options{}); err == nil {
		t.Fatal("no outbox accepted")
	}
}

// The default template of each source is the built-in the plan names.
func TestDefaultTemplate(t *testing.T) {
	for src, want := range map[string]string{
		"alertmanager": "alert", "grafana": "grafana", "github": "git", "gitlab": "git", "gitea": "git", "generic": "generic", "jenkins": "",
	} {
		if got := relay.DefaultTemplate(src); got != want {
			t.Errorf("DefaultTemplate(%q) = %q, want %q", src, got, want)
		}
	}
}

// heldCall is one call of a test Holder.
type heldCall struct {
	route, robot string
	every        time.Duration
	msg          dingtalk.Message
	so           delivery.SubmitOptions
}

// recordingHolder stands in for the digester: it records what it is asked to hold.
type recordingHolder struct {
	mu    sync.Mutex
	calls []heldCall
	due   time.Time
	panic bool
}

func (h *recordingHolder) Hold(ctx context.Context, route, robot string, every time.Duration, m dingtalk.Message, so delivery.SubmitOptions) (delivery.Job, error) {
	if h.panic {
		panic("holder broke")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, heldCall{route, robot, every, m, so})
	return delivery.Job{ID: "d-held-" + robot, Robot: robot, State: "held", Due: h.due}, nil
}

// A route with a digest holds its messages in the digester instead of submitting them: the
// answer lists the held jobs with when their summary is due.
func TestDigestRouteHolds(t *testing.T) {
	due := time.Date(2026, 12, 1, 10, 1, 0, 0, time.UTC)
	h := &recordingHolder{due: due}
	r := amRoute("ops", "oncall")
	r.Digest = time.Minute
	w := newWorld(t, []relay.Route{r}, withOptions(func(o *relay.Options) { o.Digester = h }))
	a := w.post("/alertmanager", readTestdata(t, "alertmanager-firing.json"), bearer(routeSecret)...)
	if a.Status != 202 || a.Digest != "1m0s" || len(a.Deliveries) != 2 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	for i, d := range a.Deliveries {
		if d.Due == nil || !d.Due.Equal(due) || d.ID != "d-held-"+d.Robot {
			t.Fatalf("delivery %d: %+v", i, d)
		}
	}
	if len(h.calls) != 2 {
		t.Fatalf("held %d", len(h.calls))
	}
	for i, c := range h.calls {
		if c.route != "/alertmanager" || c.robot != []string{"ops", "oncall"}[i] || c.every != time.Minute ||
			!c.so.AppendKeyword || !c.so.Split || c.so.Force || !strings.HasPrefix(c.so.ID, "r-") || c.msg.Markdown == nil ||
			!strings.Contains(c.msg.Markdown.Text, "@13800000001") {
			t.Fatalf("call %d: %+v", i, c)
		}
	}
	if jobs := countJobs(t, w); jobs != 0 {
		t.Fatalf("%d jobs submitted to the outbox, want none", jobs)
	}
}

// A panic in a handler is a 500 with JSON, logged with the request; the relay goes on.
func TestPanicIsRecovered(t *testing.T) {
	r := amRoute("ops")
	r.Digest = time.Minute
	h := &recordingHolder{panic: true}
	w := newWorld(t, []relay.Route{r}, noDrain, withOptions(func(o *relay.Options) { o.Digester = h }))
	a := w.post("/alertmanager", readTestdata(t, "alertmanager-firing.json"), bearer(routeSecret)...)
	if a.Status != 500 || a.Error != "internal error" {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	line := w.requestLog("/alertmanager")
	if line["status"] != float64(500) || !strings.Contains(line["error"].(string), "holder broke") {
		t.Fatalf("log line %v", line)
	}
	if a := w.do("GET", "/healthz", nil); a.Status != 200 {
		t.Fatalf("after the panic: %d", a.Status)
	}
}

// A digest route with the real digester: a burst to one robot is answered 202 per request,
// held, and goes out as one summary once its window ends, mentions merged.
func TestDigestBurstIsOneSummary(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 10, 0, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var d *digest.Digester
	r := amRoute("ops")
	r.Digest = time.Minute
	w := newWorld(t, []relay.Route{r}, func(w *world) {
		d = digest.New(w.ob, digest.Options{Now: clock, Grace: time.Second})
		w.opts.Digester = d
	})
	body := readTestdata(t, "alertmanager-firing.json")
	for range 5 {
		a := w.post("/alertmanager", body, bearer(routeSecret)...)
		if a.Status != 202 || a.Digest != "1m0s" || len(a.Deliveries) != 1 || a.Deliveries[0].Due == nil ||
			!a.Deliveries[0].Due.Equal(time.Date(2026, 12, 1, 10, 1, 1, 0, time.UTC)) {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
	}
	if _, err := d.FlushOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(w.sb.Arrivals()); n != 0 {
		t.Fatalf("%d arrivals before the window ended", n)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if _, err := d.FlushOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	arr := w.waitAccepted(1)[0]
	text := arr.Message["markdown"].(map[string]any)["text"].(string)
	if !strings.Contains(text, "5 messages from /alertmanager") || !slices.Equal(arr.Notified, []string{"13800000001"}) || !strings.Contains(text, keyword) {
		t.Fatalf("summary %q, notified %v", text, arr.Notified)
	}
	// F9, F10: a summary, not a concatenation: the window in China time with its date and
	// zone (as the templates write times), a line per message, the mention once.
	line := "[FIRING] HighErrorRate" // template am writes no link
	want := "#### 5 messages from /alertmanager, 12-01 18:00–18:01 CST\n\n"
	for i := range 5 {
		want += fmt.Sprintf("%d. %s\n", i+1, line)
	}
	want += "\n@13800000001"
	if !strings.HasPrefix(text, want) || strings.Count(text, "@13800000001") != 1 {
		t.Fatalf("summary:\n%s\nwant it to start with\n%s", text, want)
	}
	sum := w.waitJob(digest.SummaryID("/alertmanager", "ops", time.Date(2026, 12, 1, 10, 1, 0, 0, time.UTC)))
	jobs, err := w.spool.List(context.Background(), delivery.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[delivery.State]int{}
	for _, j := range jobs {
		states[j.State]++
	}
	if sum.State != delivery.Sent || states[delivery.Digested] != 5 || states[delivery.Sent] != 1 || len(jobs) != 6 {
		t.Fatalf("summary %s, jobs by state %v", sum.State, states)
	}
	if n := w.sb.Stats().Arrivals; n != 1 {
		t.Fatalf("%d arrivals, want the one summary", n)
	}
}

// A burst of concurrent posts: every one is acknowledged with its own jobs, and every job
// reaches DingTalk once.
func TestConcurrentBurst(t *testing.T) {
	w := newWorld(t, []relay.Route{
		amRoute("ops", "oncall"),
		{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic"},
	})
	am := readTestdata(t, "alertmanager-firing.json")
	generic := readTestdata(t, "generic-firing.json")
	const n = 60
	var (
		mu  sync.Mutex
		ids = map[string]bool{}
		wg  sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, body, headers := "/alertmanager", am, bearer(routeSecret)
			if i%3 == 0 {
				path, body, headers = "/open", generic, nil
			}
			req, _ := http.NewRequest(http.MethodPost, w.url+path, bytes.NewReader(body))
			for k := 0; k+1 < len(headers); k += 2 {
				req.Header.Set(headers[k], headers[k+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var ans struct{ Deliveries []relay.Delivery }
			if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != 202 {
				t.Errorf("%s: %d %v", path, resp.StatusCode, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range ans.Deliveries {
				if ids[d.ID] {
					t.Errorf("delivery %s answered twice", d.ID)
				}
				ids[d.ID] = true
			}
		}()
	}
	wg.Wait()
	want := n/3 + 2*(n-n/3)
	if len(ids) != want {
		t.Fatalf("%d deliveries, want %d", len(ids), want)
	}
	for id := range ids {
		if j := w.waitJob(id); j.State != delivery.Sent {
			t.Fatalf("job %+v", j)
		}
	}
	uuids := map[string]bool{}
	for _, a := range w.waitAccepted(want) {
		uuids[a.Message["msgUuid"].(string)] = true
	}
	if st := w.sb.Stats(); st.Posted != want || st.Duplicates != 0 || len(uuids) != want {
		t.Fatalf("sandbox %+v, %d msgUuids; want %d posted once each", st, len(uuids), want)
	}
}

// A sender posting a body over the limit with an ordinary HTTP client gets the 413 and its
// reason, every time: the relay reads the rest of the body before answering, so the sender is
// not cut off mid-write with a connection reset.
func TestTooLargeIsAnsweredNotReset(t *testing.T) {
	w := newWorld(t, []relay.Route{{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic"}},
		withOptions(func(o *relay.Options) { o.MaxBody = 64 << 10 }))
	big := append([]byte(`{"pad":"`), append(bytes.Repeat([]byte("x"), 4<<20), '"', '}')...)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body io.Reader = bytes.NewReader(big)
			if i%2 == 1 {
				body = io.MultiReader(body) // no Content-Length: chunked
			}
			resp, err := http.Post(w.url+"/open", "application/json", body)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "over 65536 bytes") {
				errs <- fmt.Errorf("%d %s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
