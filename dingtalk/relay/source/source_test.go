package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAlertmanagerSamples(t *testing.T) {
	tests := []struct {
		file             string
		status, receiver string
		alerts, firing   int
		groupKey         string
		common           map[string]string
		first            Alert // Labels compared by the keys given
		secondStart      time.Time
	}{
		{
			file: "alertmanager-firing.json", status: "firing", receiver: "dingtalk-payments",
			alerts: 2, firing: 2,
			groupKey: `{}/{team="payments"}:{alertname="HighErrorRate", service="checkout"}`,
			common:   map[string]string{"severity": "critical", "service": "checkout"},
			first: Alert{Status: "firing", Labels: map[string]string{"instance": "10.0.3.17:8080", "owner": "zhangwei"},
				StartsAt: time.Date(2026, 11, 30, 8, 14, 27, 412e6, time.UTC), Fingerprint: "5e1c9b2a7d04f3e8"},
			secondStart: time.Date(2026, 11, 30, 0, 15, 57, 6e6, time.UTC),
		},
		{
			file: "alertmanager-resolved.json", status: "resolved", receiver: "dingtalk-ops",
			alerts: 1, firing: 0,
			groupKey: `{}:{alertname="NodeDiskAlmostFull"}`,
			common:   map[string]string{"severity": "warning", "mountpoint": "/var/lib/postgresql"},
			first: Alert{Status: "resolved", Labels: map[string]string{"instance": "db-2.internal:9100"},
				StartsAt: at("2026-11-29T22:03:12.5Z"), EndsAt: at("2026-11-30T01:47:42.5Z"), Fingerprint: "0c4f7d2e9b13a856"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := Alertmanager(sample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != "4" || p.Status != tt.status || p.Receiver != tt.receiver || p.GroupKey != tt.groupKey {
				t.Errorf("version %q status %q receiver %q groupKey %q", p.Version, p.Status, p.Receiver, p.GroupKey)
			}
			if p.ExternalURL != "http://alertmanager.example.com:9093" || p.TruncatedAlerts != 0 {
				t.Errorf("externalURL %q truncated %d", p.ExternalURL, p.TruncatedAlerts)
			}
			if len(p.Alerts) != tt.alerts || len(p.Firing()) != tt.firing || len(p.Resolved()) != tt.alerts-tt.firing {
				t.Errorf("%d alerts, %d firing, %d resolved", len(p.Alerts), len(p.Firing()), len(p.Resolved()))
			}
			for k, v := range tt.common {
				if p.CommonLabels[k] != v {
					t.Errorf("commonLabels[%s] = %q, want %q", k, p.CommonLabels[k], v)
				}
			}
			if p.CommonAnnotations["summary"] == "" || p.GroupLabels["alertname"] == "" {
				t.Errorf("commonAnnotations %v groupLabels %v", p.CommonAnnotations, p.GroupLabels)
			}
			a := p.Alerts[0]
			checkAlert(t, a, tt.first)
			if !strings.HasPrefix(a.GeneratorURL, "http://prometheus.example.com:9090/graph?") {
				t.Errorf("generatorURL %q", a.GeneratorURL)
			}
			if a.Annotations["summary"] == "" {
				t.Errorf("annotations %v", a.Annotations)
			}
			if !tt.secondStart.IsZero() && !p.Alerts[1].StartsAt.Equal(tt.secondStart) {
				t.Errorf("alerts[1].StartsAt = %v, want %v", p.Alerts[1].StartsAt, tt.secondStart)
			}
		})
	}
}

func checkAlert(t *testing.T, got, want Alert) {
	t.Helper()
	if got.Status != want.Status || got.Fingerprint != want.Fingerprint {
		t.Errorf("status %q fingerprint %q, want %q %q", got.Status, got.Fingerprint, want.Status, want.Fingerprint)
	}
	if !got.StartsAt.Equal(want.StartsAt) {
		t.Errorf("StartsAt = %v, want %v", got.StartsAt, want.StartsAt)
	}
	if !got.EndsAt.Equal(want.EndsAt) || got.EndsAt.IsZero() != want.EndsAt.IsZero() {
		t.Errorf("EndsAt = %v (zero %v), want %v", got.EndsAt, got.EndsAt.IsZero(), want.EndsAt)
	}
	if want.EndsAt.IsZero() && got.EndsAt != (time.Time{}) {
		t.Errorf("EndsAt = %#v, want time.Time{}", got.EndsAt)
	}
	for k, v := range want.Labels {
		if got.Labels[k] != v {
			t.Errorf("labels[%s] = %q, want %q", k, got.Labels[k], v)
		}
	}
}

func TestGrafanaSamples(t *testing.T) {
	tests := []struct {
		file                 string
		status, state, title string
		orgID                int64
		alerts, firing       int
		first                Alert
		values               map[string]float64
		dashboard            string
	}{
		{
			file: "grafana-firing.json", status: "firing", state: "alerting", title: "[FIRING:1] Slow checkout Web (web)",
			orgID: 1, alerts: 1, firing: 1,
			first: Alert{Status: "firing", Labels: map[string]string{"team": "web"},
				StartsAt: time.Date(2026, 11, 30, 1, 20, 0, 0, time.UTC), Fingerprint: "7b3e1f0a2c9d4e56"},
			values: map[string]float64{"A": 2.413, "C": 1}, dashboard: "https://grafana.example.com/d/web-slo?orgId=1",
		},
		{
			file: "grafana-resolved.json", status: "resolved", state: "ok", title: "[RESOLVED] Slow checkout Web (web)",
			orgID: 1, alerts: 1, firing: 0,
			first: Alert{Status: "resolved", Labels: map[string]string{"alertname": "Slow checkout"},
				StartsAt: at("2026-11-30T09:20:00+08:00"), EndsAt: at("2026-11-30T01:45:00Z"), Fingerprint: "7b3e1f0a2c9d4e56"},
			values: map[string]float64{"A": 0.812, "C": 0}, dashboard: "https://grafana.example.com/d/web-slo?orgId=1",
		},
		{
			file: "grafana-several.json", status: "firing", state: "alerting", title: "[FIRING:2, RESOLVED:1] High memory Infra",
			orgID: 3, alerts: 3, firing: 2,
			first: Alert{Status: "firing", Labels: map[string]string{"host": "cache-1", "severity": "warning"},
				StartsAt: at("2026-11-30T02:11:00Z"), Fingerprint: "1f2e3d4c5b6a7980"},
			values: map[string]float64{"B": 93.4, "C": 1}, dashboard: "https://grafana.example.com/d/hosts?orgId=3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			g, err := Grafana(sample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if g.Status != tt.status || g.State != tt.state || g.Title != tt.title || g.OrgID != tt.orgID || g.Version != "1" {
				t.Errorf("status %q state %q title %q orgId %d version %q", g.Status, g.State, g.Title, g.OrgID, g.Version)
			}
			if g.ExternalURL != "https://grafana.example.com/" || !strings.HasPrefix(g.GroupKey, "{}/") || g.Message == "" || g.Receiver == "" {
				t.Errorf("externalURL %q groupKey %q message %q receiver %q", g.ExternalURL, g.GroupKey, g.Message, g.Receiver)
			}
			if len(g.Alerts) != tt.alerts || len(g.Firing()) != tt.firing || len(g.Resolved()) != tt.alerts-tt.firing {
				t.Errorf("%d alerts, %d firing, %d resolved", len(g.Alerts), len(g.Firing()), len(g.Resolved()))
			}
			if g.CommonLabels["grafana_folder"] == "" || g.GroupLabels["alertname"] == "" {
				t.Errorf("commonLabels %v groupLabels %v", g.CommonLabels, g.GroupLabels)
			}
			a := g.Alerts[0]
			checkAlert(t, a.Alert, tt.first)
			if !reflect.DeepEqual(a.Values, tt.values) {
				t.Errorf("values %v, want %v", a.Values, tt.values)
			}
			if a.DashboardURL != tt.dashboard || !strings.HasPrefix(a.SilenceURL, "https://grafana.example.com/alerting/silence/new?") ||
				!strings.Contains(a.PanelURL, "viewPanel=") || !strings.HasPrefix(a.ValueString, "[ var=") {
				t.Errorf("dashboard %q silence %q panel %q valueString %q", a.DashboardURL, a.SilenceURL, a.PanelURL, a.ValueString)
			}
		})
	}
}

func TestGrafanaSeveralAlertsInOrder(t *testing.T) {
	g, err := Grafana(sample(t, "grafana-several.json"))
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, a := range g.Alerts {
		hosts = append(hosts, a.Labels["host"]+":"+a.Status)
	}
	if got := strings.Join(hosts, " "); got != "cache-1:firing cache-2:firing cache-3:resolved" {
		t.Errorf("alerts %s", got)
	}
	last := g.Alerts[2]
	if !last.EndsAt.Equal(at("2026-11-30T02:05:00Z")) || last.DashboardURL != "" || last.Values["B"] != 71.5 {
		t.Errorf("last alert %+v", last)
	}
	if r := g.Resolved(); len(r) != 1 || r[0].Labels["host"] != "cache-3" {
		t.Errorf("Resolved() = %+v", r)
	}
}

func TestGenericSamples(t *testing.T) {
	v, err := Generic(sample(t, "generic-firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %T, want an object", v)
	}
	if m["id"] != json.Number("9007199254740993") { // beyond float64's exact integers
		t.Errorf("id = %#v", m["id"])
	}
	job := m["job"].(map[string]any)
	if job["exit_code"] != json.Number("2") || job["duration_s"] != json.Number("412.75") || job["name"] != "nightly-backup" {
		t.Errorf("job = %#v", job)
	}
	if m["retry"] != false || m["note"] != nil || len(m["tags"].([]any)) != 2 {
		t.Errorf("retry %#v note %#v tags %#v", m["retry"], m["note"], m["tags"])
	}

	v, err = Generic(sample(t, "generic-resolved.json"))
	if err != nil {
		t.Fatal(err)
	}
	list, ok := v.([]any)
	if !ok || len(list) != 2 || list[1].(map[string]any)["job"] != "log-rotate" {
		t.Errorf("got %#v", v)
	}
}

func TestErrors(t *testing.T) {
	github := sample(t, "github-push.json")
	firing := string(sample(t, "alertmanager-firing.json"))
	tests := []struct {
		name  string
		parse func([]byte) error
		body  string
		kind  any // *SyntaxError or *ShapeError
		want  []string
	}{
		{"alertmanager gets a GitHub push", amErr, string(github), &ShapeError{},
			[]string{"alertmanager payload: missing required fields version, groupKey, status, receiver, alerts", "is this an Alertmanager webhook, version 4?"}},
		{"grafana gets a GitHub push", grErr, string(github), &ShapeError{},
			[]string{"grafana payload: missing required fields receiver, status, orgId, alerts", "Grafana"}},
		{"grafana gets Alertmanager's payload", grErr, firing, &ShapeError{},
			[]string{"missing required field orgId ("}},
		{"bad JSON, line and column", amErr, "{\n  \"version\": \"4\",\n  \"status\": firing\n}", &SyntaxError{},
			[]string{"alertmanager payload: invalid JSON at line 3, column 14 (byte 33): invalid character 'i'"}},
		{"truncated", grErr, firing[:200], &SyntaxError{}, []string{"grafana payload: invalid JSON at line 7, column 8 (byte 200): unexpected end of JSON input"}},
		{"empty body", amErr, " \n", &SyntaxError{}, []string{"alertmanager payload: invalid JSON: empty body"}},
		{"array instead of object", amErr, `[{"status":"firing"}]`, &ShapeError{}, []string{"got a JSON array, want an object"}},
		{"alert without fields", amErr,
			`{"version":"4","groupKey":"k","status":"firing","receiver":"r","alerts":[{"status":"firing","labels":{},"startsAt":"2026-11-30T00:00:00Z"},{"labels":{}}]}`,
			&ShapeError{}, []string{"alertmanager payload: missing required fields alerts[1].status, alerts[1].startsAt"}},
		{"bad time and status", amErr,
			`{"version":"4","groupKey":"k","status":"burning","receiver":"r","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}`,
			&ShapeError{}, []string{`status: "burning" is neither "firing" nor "resolved"`, `alerts[0].startsAt: "yesterday" is not an RFC 3339 time`}},
		{"label of the wrong type", amErr,
			`{"version":"4","groupKey":"k","status":"firing","receiver":"r","alerts":[{"status":"firing","labels":{"port":9100},"startsAt":"2026-11-30T00:00:00Z"}]}`,
			&ShapeError{}, []string{"alerts.labels: got a JSON number, want a string"}},
		{"generic bad JSON", genErr, `{"a": 1,}`, &SyntaxError{}, []string{"generic payload: invalid JSON at line 1, column 9 (byte 8): invalid character '}'"}},
		{"generic trailing text", genErr, "{\"a\": 1}\n{\"b\": 2}", &SyntaxError{}, []string{"line 2, column 1 (byte 9): text after the JSON document"}},
		{"generic scalar", genErr, `"hello"`, &ShapeError{}, []string{"the document is a JSON string; want an object or an array"}},
		{"generic empty", genErr, ``, &SyntaxError{}, []string{"empty body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.body))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if strings.HasPrefix(tt.name, "alert without") && strings.Contains(err.Error(), "is this") {
				t.Errorf("an alert's missing field should not ask whether the body is the source's: %v", err)
			}
			if reflect.TypeOf(err) != reflect.TypeOf(tt.kind) {
				t.Errorf("error is %T, want %T: %v", err, tt.kind, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func amErr(b []byte) error  { _, err := Alertmanager(b); return err }
func grErr(b []byte) error  { _, err := Grafana(b); return err }
func genErr(b []byte) error { _, err := Generic(b); return err }

func TestRead(t *testing.T) {
	b, err := Read(bytes.NewReader(make([]byte, MaxBody)))
	if err != nil || len(b) != MaxBody {
		t.Fatalf("a body of exactly MaxBody: %d bytes, %v", len(b), err)
	}
	r := &countingReader{r: bytes.NewReader(make([]byte, 4*MaxBody))}
	_, err = Read(r)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "over 1048576 bytes (1 MiB)") {
		t.Fatalf("err = %v", err)
	}
	if r.n > MaxBody+1 {
		t.Errorf("read %d bytes of an oversized body, want at most %d", r.n, MaxBody+1)
	}
	if _, err := Read(failingReader{}); err == nil || !strings.Contains(err.Error(), "read body: connection reset") {
		t.Errorf("err = %v", err)
	}
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// FuzzParse checks that no body makes a parser panic, and that every failure
// is one of the package's errors.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"version":"4","alerts":[null,{"startsAt":1}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) error{amErr, grErr, genErr} {
			err := parse(body)
			var se *SyntaxError
			var sh *ShapeError
			if err != nil && !errors.As(err, &se) && !errors.As(err, &sh) {
				t.Errorf("%T: %v", err, err)
			}
		}
	})
}
