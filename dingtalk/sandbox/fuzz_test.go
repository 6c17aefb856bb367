package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// FuzzServeHTTP sends arbitrary bodies: the sandbox must never panic and must
// always answer HTTP 200 with DingTalk's JSON.
func FuzzServeHTTP(f *testing.F) {
	f.Add([]byte(`{"msgtype":"text","text":{"content":"告警 hi @138"},"at":{"atMobiles":["138"]}}`))
	f.Add([]byte(`{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"告警","actionURL":"u"}]}}`))
	f.Add([]byte(`{"msgtype":"feedCard","feedCard":{"links":[{"title":"告警","messageURL":"u","picURL":"p"}]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := sandbox.New(sandbox.Options{
			Robots: []sandbox.Robot{{Token: "fuzz", Keywords: []string{"告警"}}},
		})
		req := httptest.NewRequest(http.MethodPost, "/robot/send?access_token=fuzz", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)

		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		var ans struct {
			Errcode *int    `json:"errcode"`
			Errmsg  *string `json:"errmsg"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || ans.Errcode == nil || ans.Errmsg == nil {
			t.Fatalf("answer %q is not DingTalk's JSON: %v", rec.Body.Bytes(), err)
		}
		all := s.Arrivals()
		if len(all) != 1 || all[0].Errcode != *ans.Errcode || all[0].Accepted != (*ans.Errcode == 0) {
			t.Fatalf("arrival %+v does not match answer %d", all, *ans.Errcode)
		}
		if *ans.Errcode == 0 && len(s.Accepted()) != 1 {
			t.Fatal("accepted but not recorded")
		}
		if out := sandboxview.Render(all[0], 40, sandboxview.Plain); strings.ContainsAny(out, "\x1b\x07\r") {
			t.Fatalf("control characters in the rendered arrival: %q", out)
		}
	})
}
