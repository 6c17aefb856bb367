package dingtalk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestProbeReadsTheCredentials probes robots on the sandbox: each verdict comes from DingTalk's
// errmsg, and nothing is ever posted.
func TestProbeReadsTheCredentials(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token, Secret: secret}, {Token: "unsignedtoken01"}}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	hook := func(tok string) string { return srv.URL + "/robot/send?access_token=" + tok }
	robot := func(tok, sec string) dingtalk.Robot {
		return dingtalk.Robot{Name: "r", Webhook: hook(tok), Secret: sec, AllowCustomHost: true}
	}
	c := dingtalk.NewClient(5 * time.Second)
	late := dingtalk.NewClient(5 * time.Second)
	late.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	for _, tt := range []struct {
		name string
		c    *dingtalk.Client
		r    dingtalk.Robot
		want dingtalk.ProbeVerdict
		msg  string
	}{
		{"good signed", c, robot(token, secret), dingtalk.ProbeOK, "msgtype is null"},
		{"good unsigned", c, robot("unsignedtoken01", ""), dingtalk.ProbeOK, "msgtype is null"},
		{"bad token", c, robot("nosuchtoken0001", secret), dingtalk.ProbeBadToken, "token is not exist"},
		{"bad secret", c, robot(token, "SECnotthisrobotssecret0000"), dingtalk.ProbeBadSecret, "sign not match"},
		{"no secret", c, robot(token, ""), dingtalk.ProbeNoSecret, "invalid timestamp"},
		{"clock two hours late", late, robot(token, secret), dingtalk.ProbeClock, "invalid timestamp"},
	} {
		res, err := tt.c.Probe(context.Background(), tt.r)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if res.Verdict != tt.want || !strings.Contains(res.Errmsg, tt.msg) || res.Detail == "" {
			t.Errorf("%s: got %+v, want %s with %q", tt.name, res, tt.want, tt.msg)
		}
		if strings.Contains(res.Errmsg+res.Detail, token) || strings.Contains(res.Errmsg+res.Detail, secret[3:]) {
			t.Errorf("%s: a credential in %+v", tt.name, res)
		}
	}
	if n := len(sb.Accepted()); n != 0 {
		t.Fatalf("probes posted %d messages", n)
	}
	for _, a := range sb.Arrivals() {
		if string(a.Body) != dingtalk.ProbeBody {
			t.Fatalf("probe body %q", a.Body)
		}
	}
}

// TestProbeSaysUnknownWithoutEvidence: answers no public source explains are "unknown" with
// DingTalk's errmsg; no answer at all is "unreachable".
func TestProbeSaysUnknownWithoutEvidence(t *testing.T) {
	for _, answer := range []string{
		`{"errcode":310000,"errmsg":"ip 10.0.0.1 not in whitelist"}`,
		`{"errcode":300001,"errmsg":"something new"}`,
		`{"errcode":400102,"errmsg":"robot disabled"}`,
		`{"errcode":0,"errmsg":"ok"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(answer)) }))
		r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, Secret: secret, AllowCustomHost: true}
		res, err := dingtalk.NewClient(5*time.Second).Probe(context.Background(), r)
		srv.Close()
		if err != nil || res.Verdict != dingtalk.ProbeUnknown || res.Errmsg == "" {
			t.Errorf("%s: %+v %v", answer, res, err)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
	res, err := dingtalk.NewClient(2*time.Second).Probe(context.Background(), r)
	if err != nil || res.Verdict != dingtalk.ProbeUnreachable {
		t.Fatalf("closed server: %+v %v", res, err)
	}
}
