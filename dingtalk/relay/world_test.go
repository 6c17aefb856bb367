package relay_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// The secrets of the test world: the route's, and the robots' as DingTalk knows them. None of
// them may appear in a log line or an answer.
const (
	routeSecret = "relay-route-secret-7f3a9c"
	opsToken    = "0123456789abcdef0123456789abcdef01234567ops"
	opsSecret   = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
	oncallToken = "fedcba9876543210fedcba9876543210fedcba98oncall"
	keyword     = "告警"
)

var contacts = dingtalk.Contacts{
	{Name: "zhangwei", Mobile: "13800000001"},
	{Name: "lina", UserID: "lina01"},
	{Name: "Wang Fang", Mobile: "13800000003", UserID: "wangfang"},
}

// Templates parsed here, so that the tests read exactly what they render.
var testTemplates = map[string]string{
	"am": `
data = "alertmanager"
msgtype = "markdown"
title = "[{{ .Status | upper }}] {{ .CommonLabels.alertname }}"
text = '''
### [{{ .Status | upper }}] {{ .CommonLabels.alertname | md }}
{{ range .Alerts }}
- {{ .Labels.instance }}: {{ .Annotations.summary | md }}{{ end }}
'''
`,
	"am-text": `
data = "alertmanager"
msgtype = "text"
text = "{{ .Status }} {{ .CommonLabels.alertname }}"
`,
	"am-broken": `
data = "alertmanager"
msgtype = "markdown"
title = "x"
text = '''
first line
{{ .NoSuchField }}
'''
`,
	"am-empty": `
data = "alertmanager"
msgtype = "text"
text = "{{ if false }}never{{ end }}"
`,
	"am-notitle": `
data = "alertmanager"
msgtype = "markdown"
title = "{{ if false }}never{{ end }}"
text = "{{ .Status }}"
`,
	"am-firing-only": `
data = "alertmanager"
msgtype = "text"
text = '''
{{ if eq .Status "firing" }}{{ .Status }} {{ .CommonLabels.alertname }}{{ end }}
'''
`,
	"am-link": `
data = "alertmanager"
msgtype = "link"
title = "{{ .CommonLabels.alertname }}"
text = "{{ .Status }}"
url = "https://example.com/alerts"
`,
	"grafana-t": `
data = "grafana"
msgtype = "text"
text = "{{ .Title }}"
`,
	"git-t": `
data = "git"
msgtype = "text"
text = "{{ .Host }} {{ .Kind }} {{ .Action }} {{ .Repo.Name }}"
`,
	"generic": `
data = "generic"
msgtype = "text"
text = "{{ .event }} on {{ .job.host }}"
`,
	"vars": `
msgtype = "text"
text = "{{ .x }}"

[[vars]]
name = "x"
`,
}

func lookupTemplate(name string) (*template.Template, error) {
	src, ok := testTemplates[name]
	if !ok {
		return template.Lookup(name)
	}
	return template.Parse(name, []byte(src))
}

// world is a relay in front of a real outbox on a spool in a temp dir, delivering to the
// sandbox as DingTalk over loopback: robot "ops" is signed and has a keyword, "oncall" has
// neither.
type world struct {
	t      testing.TB
	sb     *sandbox.Server
	sbURL  string
	store  *faultyStore
	spool  *spool.Spool
	ob     *delivery.Outbox
	relay  *relay.Server
	url    string // the relay's base URL
	logs   *syncBuffer
	robots map[string]dingtalk.Robot
	opts   relay.Options
	// noDrain: the outbox does not run.
	noDrain bool
	// responses are the raw answers the relay gave, for the secrets test.
	responses []string
}

// worldOption changes the world before its relay is made.
type worldOption func(*world)

// noDrain leaves the outbox stopped: what the relay stores stays queued.
func noDrain(w *world) { w.noDrain = true }

func withOptions(f func(*relay.Options)) worldOption { return func(w *world) { f(&w.opts) } }

func newWorld(t testing.TB, routes []relay.Route, opts ...worldOption) *world {
	t.Helper()
	// The rate limit is the outbox's to keep (its tests); here it would only slow the bursts.
	sb := sandbox.New(sandbox.Options{Limit: 1000, Robots: []sandbox.Robot{
		{Token: opsToken, Secret: opsSecret, Keywords: []string{keyword}},
		{Token: oncallToken},
	}})
	sbSrv := httptest.NewServer(sb)
	t.Cleanup(sbSrv.Close)
	w := &world{t: t, sb: sb, sbURL: sbSrv.URL, logs: &syncBuffer{}, robots: map[string]dingtalk.Robot{
		"ops":    {Name: "ops", Webhook: sandbox.WebhookURL(sbSrv.URL, opsToken), Secret: opsSecret, Keywords: []string{keyword}, AllowCustomHost: true},
		"oncall": {Name: "oncall", Webhook: sandbox.WebhookURL(sbSrv.URL, oncallToken), AllowCustomHost: true},
		// A robot DingTalk does not know: its messages fail with errcode 300001.
		"gone": {Name: "gone", Webhook: sandbox.WebhookURL(sbSrv.URL, "no-such-token-0000000000"), AllowCustomHost: true},
	}}
	sp, err := spool.Open(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	w.spool = sp
	w.store = &faultyStore{Store: sp}
	client := dingtalk.NewClient(5 * time.Second)
	client.Meter, client.RetryDelay = sp, 0
	w.ob = delivery.New(w.store, delivery.Options{
		Sender:      client,
		Robot:       w.robot,
		Poll:        20 * time.Millisecond,
		MaxAttempts: 1,
	})
	w.opts = relay.Options{
		Routes:    routes,
		Templates: lookupTemplate,
		Contacts:  contacts,
		Outbox:    w.ob,
		Robots:    []string{"gone", "oncall", "ops"},
		Logger:    slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Quota: func(ctx context.Context, robot string) (int, int, error) {
			r, err := w.robot(robot)
			if err != nil {
				return 0, 0, err
			}
			key, err := dingtalk.RobotKey(r)
			if err != nil {
				return 0, 0, err
			}
			used, _, err := sp.Used(ctx, key, dingtalk.QuotaMonth(time.Now()))
			return used, 3000, err
		},
	}
	for _, o := range opts {
		o(w)
	}
	w.relay, err = relay.New(w.opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if !w.noDrain {
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.ob.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	srv := httptest.NewServer(w.relay)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

func (w *world) robot(name string) (dingtalk.Robot, error) {
	r, ok := w.robots[name]
	if !ok {
		return r, fmt.Errorf("unknown robot %q", name)
	}
	return r, nil
}

// answer is a relay's answer, decoded.
type answer struct {
	Status     int              `json:"-"`
	Header     http.Header      `json:"-"`
	Raw        string           `json:"-"`
	Error      string           `json:"error"`
	Hint       string           `json:"hint"`
	Ignored    string           `json:"ignored"`
	Digest     string           `json:"digest"`
	Deliveries []relay.Delivery `json:"deliveries"`
	Failed     []relay.Failure  `json:"failed"`
}

// post sends body to the relay's path with headers, over loopback.
func (w *world) post(path string, body []byte, headers ...string) answer {
	w.t.Helper()
	return w.do(http.MethodPost, path, body, headers...)
}

func (w *world) do(method, path string, body []byte, headers ...string) answer {
	w.t.Helper()
	req, err := http.NewRequest(method, w.url+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && method != http.MethodHead {
		if err := json.Unmarshal(raw, &a); err != nil {
			w.t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
		}
	}
	w.responses = append(w.responses, a.Raw)
	return a
}

// waitAccepted waits until the sandbox has accepted n messages and returns them.
func (w *world) waitAccepted(n int) []sandbox.Arrival {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := w.sb.Accepted()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("sandbox accepted %d messages, want %d; arrivals: %+v", len(got), n, w.sb.Arrivals())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitJob waits until the job is finished and returns it.
func (w *world) waitJob(id string) delivery.Job {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := w.spool.Get(context.Background(), id)
		if err == nil && j.State.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("job %s not finished: %+v %v", id, j, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logLines are the relay's log lines, decoded.
func (w *world) logLines() []map[string]any {
	w.t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(w.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			w.t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// requestLog is the log line of the last request to route.
func (w *world) requestLog(route string) map[string]any {
	w.t.Helper()
	var last map[string]any
	for _, l := range w.logLines() {
		if l["msg"] == "request" && l["route"] == route {
			last = l
		}
	}
	if last == nil {
		w.t.Fatalf("no request line for %s in %s", route, w.logs.String())
	}
	return last
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("source", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hubSignature(secret string, body []byte) string {
	return "sha256=" + hexHMAC(secret, body)
}

func hexHMAC(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func bearer(s string) []string { return []string{"Authorization", "Bearer " + s} }

// syncBuffer is a bytes.Buffer for a logger written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// faultyStore is the real spool, whose Add fails for one robot key while failKey is set: a
// disk or Redis that gives way under one robot's queue. With lie set, the failing Add stores
// the jobs before it reports its error, as a Redis write whose answer timed out does.
type faultyStore struct {
	delivery.Store
	failKey atomic.Value // string
	lie     atomic.Bool
}

func (f *faultyStore) Add(ctx context.Context, jobs ...delivery.Job) ([]delivery.Job, error) {
	if k, _ := f.failKey.Load().(string); k != "" {
		for _, j := range jobs {
			if j.Key != k && k != "*" {
				continue
			}
			if f.lie.Load() {
				if _, err := f.Store.Add(ctx, jobs...); err != nil {
					return nil, err
				}
				return nil, &dingtalk.StateError{Dir: "redis://127.0.0.1:6379/0", Op: "add", Err: context.DeadlineExceeded}
			}
			return nil, &dingtalk.StateError{Dir: "/var/lib/dingbot/outbox", Op: "write", Err: errors.New("no space left on device")}
		}
	}
	return f.Store.Add(ctx, jobs...)
}

func (w *world) failAdds(robot string) {
	w.t.Helper()
	if robot == "" || robot == "*" {
		w.store.failKey.Store(robot)
		return
	}
	key, err := dingtalk.RobotKey(w.robots[robot])
	if err != nil {
		w.t.Fatal(err)
	}
	w.store.failKey.Store(key)
}
