package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/relay"
)

// FuzzServeHTTP sends arbitrary bodies, paths, methods and headers: the relay must never
// panic (a recovered panic is a 500), must answer one of its documented statuses with JSON
// (but for /metrics), and a 202 must list jobs that are in the store.
func FuzzServeHTTP(f *testing.F) {
	f.Add(uint8(0), uint8(0), "application/json", "", readTestdata(f, "alertmanager-firing.json"))
	f.Add(uint8(0), uint8(1), "application/json", "", readTestdata(f, "generic-firing.json"))
	f.Add(uint8(0), uint8(2), "application/json", "Bearer "+routeSecret, readTestdata(f, "grafana-firing.json"))
	f.Add(uint8(0), uint8(1), "application/x-www-form-urlencoded", "", []byte(`payload=%7B%22a%22%3A1%7D`))
	f.Add(uint8(1), uint8(3), "", "", []byte(nil))
	f.Add(uint8(2), uint8(4), "text/plain", "Basic Og==", []byte(`{"version":"4","alerts":[{}]}`))
	f.Add(uint8(0), uint8(1), "application/json", "", []byte(`[1, {"event": null}, "x"]`))

	w := newWorld(f, []relay.Route{
		{Path: "/am", Source: "alertmanager", Robots: []string{"ops", "oncall"}, Template: "am", MentionLabel: "owner"},
		{Path: "/open", Source: "generic", Robots: []string{"oncall"}, Template: "generic", MentionLabel: "owner"},
		{Path: "/grafana", Source: "grafana", Robots: []string{"ops"}, Template: "grafana-t", Secret: routeSecret},
	}, noDrain, withOptions(func(o *relay.Options) { o.MaxBody = 16 << 10 }))
	paths := []string{"/am", "/open", "/grafana", "/healthz", "/nope", "/readyz", "/am/"}
	methods := []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodHead}
	allowed := map[int]bool{200: true, 202: true, 400: true, 401: true, 404: true, 405: true, 413: true, 422: true}

	f.Fuzz(func(t *testing.T, method, path uint8, contentType, auth string, body []byte) {
		req := httptest.NewRequest(methods[int(method)%len(methods)], paths[int(path)%len(paths)], bytes.NewReader(body))
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Owner", auth)
		rec := httptest.NewRecorder()
		w.relay.ServeHTTP(rec, req)

		if !allowed[rec.Code] {
			t.Fatalf("%s %s: status %d: %s", req.Method, req.URL.Path, rec.Code, rec.Body)
		}
		if req.Method == http.MethodHead {
			return
		}
		var ans struct {
			Error      string           `json:"error"`
			Deliveries []relay.Delivery `json:"deliveries"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("answer %q is not JSON: %v", rec.Body, err)
		}
		if rec.Code >= 400 && ans.Error == "" {
			t.Fatalf("status %d without an error: %s", rec.Code, rec.Body)
		}
		if rec.Code == 202 {
			if len(ans.Deliveries) == 0 {
				t.Fatalf("202 without deliveries: %s", rec.Body)
			}
			for _, d := range ans.Deliveries {
				if _, err := w.spool.Get(context.Background(), d.ID); err != nil || d.MsgUUID == "" {
					t.Fatalf("delivery %+v not stored: %v", d, err)
				}
			}
		}
		if strings.Contains(rec.Body.String(), routeSecret) && !strings.Contains(string(body), routeSecret) {
			t.Fatalf("the secret is in the answer: %s", rec.Body)
		}
	})
}
