package dingtalk

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseWebhook(t *testing.T) {
	const tok = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		in      string
		custom  bool
		wantURL string
		wantErr string
	}{
		{"bare token", tok, false, DefaultEndpoint, ""},
		{"bare token with spaces around", "  " + tok + "\n", false, DefaultEndpoint, ""},
		{"full URL", "https://oapi.dingtalk.com/robot/send?access_token=" + tok, false, DefaultEndpoint, ""},
		{"stale sign dropped", "https://oapi.dingtalk.com/robot/send?access_token=" + tok + "&timestamp=1&sign=abc", false, DefaultEndpoint, ""},
		{"http upgraded", "http://oapi.dingtalk.com/robot/send?access_token=" + tok, false, DefaultEndpoint, ""},
		{"custom host refused", "http://127.0.0.1:8765/robot/send?access_token=" + tok, false, "", "allow_custom_host"},
		{"custom host allowed", "http://127.0.0.1:8765/robot/send?access_token=" + tok, true, "http://127.0.0.1:8765/robot/send", ""},
		{"no token", "https://oapi.dingtalk.com/robot/send", false, "", "no access_token"},
		{"empty", "", false, "", "no webhook"},
		{"bad scheme", "ftp://oapi.dingtalk.com/robot/send?access_token=x", false, "", "scheme"},
		{"token with quote", `abc"def`, false, "", "characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := ParseWebhook(tt.in, tt.custom)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), tok) {
					t.Fatal("error leaks the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.URL != tt.wantURL || ep.Token != tok {
				t.Fatalf("got %+v", ep)
			}
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{"abc", "https://oapi.dingtalk.com/robot/send?access_token=abc", "http://[::1]:80/x?access_token=%zz", "://", "https://h/?access_token=a&access_token=b"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, custom bool) {
		ep, err := ParseWebhook(in, custom)
		if err != nil {
			// Whatever looks like a token (a long alphanumeric run, bare or after access_token=)
			// must not be quoted back.
			cands := []string{strings.TrimSpace(in)}
			if u, perr := url.Parse(in); perr == nil {
				cands = append(cands, u.Query().Get("access_token"))
			}
			for _, tok := range cands {
				if len(tok) >= 8 && alnum(tok) && strings.Contains(err.Error(), tok) {
					t.Fatalf("error quotes the token: %v", err)
				}
			}
			return
		}
		if ep.Token == "" || ep.URL == "" {
			t.Fatalf("accepted %q without token or URL: %+v", in, ep)
		}
		if !custom && !strings.HasPrefix(ep.URL, "https://"+DefaultHost) {
			t.Fatalf("accepted a custom host without permission: %q → %s", in, ep.URL)
		}
	})
}

func TestHintFor(t *testing.T) {
	tests := map[string]struct {
		code int
		msg  string
		want string
	}{
		"keyword":   {310000, "keywords not in content", "keywords"},
		"sign":      {310000, "sign not match", "secret"},
		"new sign":  {310000, "description:机器人发送签名不匹配;solution:请确认签名", "secret"},
		"timestamp": {310000, "invalid timestamp", "clock"},
		"ip":        {310000, "ip 1.2.3.4 not in whitelist", "allow-list"},
		"token":     {300001, "token is not exist", "access_token="},
		"throttle":  {130101, "send too fast, exceed 20 times per minute", "20 messages a minute"},
		"size":      {460101, "body 大小不合法", "20000 bytes"},
		"unknown":   {99999, "?", "errcode 99999"},
	}
	for name, tt := range tests {
		if got := HintFor(tt.code, tt.msg); !strings.Contains(got, tt.want) {
			t.Errorf("%s: HintFor = %q, want %q", name, got, tt.want)
		}
	}
	for code := range errcodeHints {
		if HintFor(code, "") == "" {
			t.Errorf("no hint for %d", code)
		}
	}
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
