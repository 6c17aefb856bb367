package sandboxview_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

const (
	testToken  = "0f3a9c1e7b5d4f2a8e6c0b9d7f1a3e5c2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a"
	testSecret = "SEC9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b"
)

// arrivals sends each body to a sandbox on loopback serving a signed robot and returns what the
// sandbox saw, as its OnArrival hears it.
func arrivals(t *testing.T, bodies ...string) []sandbox.Arrival {
	t.Helper()
	var (
		mu  sync.Mutex
		got []sandbox.Arrival
	)
	s := sandbox.New(sandbox.Options{
		Robots: []sandbox.Robot{{Token: testToken, Secret: testSecret}},
		OnArrival: func(a sandbox.Arrival) {
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
		},
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, b := range bodies {
		ts := time.Now().UnixMilli()
		u := fmt.Sprintf("%s/robot/send?access_token=%s&timestamp=%d&sign=%s", srv.URL, testToken, ts,
			url.QueryEscape(sandbox.Sign(testSecret, ts)))
		resp, err := http.Post(u, "application/json", strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

// colours matches the colour sequences Render writes itself.
var colours = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestRenderSendsNoEscapeSequence: escape sequences in a message's title and text (raw, or as
// markdown character references), in field names and mentions never reach the terminal.
func TestRenderSendsNoEscapeSequence(t *testing.T) {
	const osc, clear = `\u001b]0;pwned\u0007`, `\u001b[2J`
	const refs = `&#27;]0;pwned&#7; &#x1b;[2J &#155;2J`
	bodies := []string{
		`{"msgtype":"text","text":{"content":"a` + osc + clear + `b\u009b2J\r\u0008c"}}`,
		`{"msgtype":"markdown","markdown":{"title":"T` + osc + clear + `","text":"# H` + osc + `\n\n` + clear + refs + `"}}`,
		`{"msgtype":"link","link":{"title":"` + osc + `","text":"` + clear + `","messageUrl":"https://e.x/` + clear + `","picUrl":"` + osc + `"}}`,
		`{"msgtype":"actionCard","actionCard":{"title":"` + osc + `","text":"` + clear + refs + `","btns":[{"title":"` + clear + `","actionURL":"` + osc + `"}]}}`,
		`{"msgtype":"feedCard","feedCard":{"links":[{"title":"` + osc + `","messageURL":"` + clear + `","picURL":"x"}]}}`,
		`{"msgtype":"text","text":{"content":"@138` + osc + `","x` + clear + `":1},"at":{"atMobiles":["138` + osc + `","139` + clear + `"]}}`,
		`{"msgtype":"text` + osc + `","text":{"content":"x"}}`, // rejected: the reason is shown
	}
	all := arrivals(t, bodies...)
	if len(all) != len(bodies) {
		t.Fatalf("%d arrivals", len(all))
	}
	for i, a := range all {
		for _, st := range []struct {
			name  string
			style sandboxview.Style
		}{{"plain", sandboxview.Plain}, {"colored", colored}} {
			out := sandboxview.Render(a, 60, st.style)
			if st.style == sandboxview.Plain && strings.Contains(out, "\x1b") {
				t.Errorf("body %d, %s: ESC in %q", i, st.name, out)
			}
			if rest := colours.ReplaceAllString(out, ""); strings.ContainsAny(rest, "\x1b\x07\x08\r\u009b") {
				t.Errorf("body %d, %s: control character in %q", i, st.name, rest)
			}
			if !strings.Contains(out, "pwned") && !strings.Contains(out, "2J") {
				t.Errorf("body %d, %s: the text itself is gone: %q", i, st.name, out)
			}
		}
	}
}

// TestRenderMasksSecrets: the robot's secret and token, a sign and anything that looks like a
// secret are masked wherever the message put them, whatever the style.
func TestRenderMasksSecrets(t *testing.T) {
	sign := url.QueryEscape(sandbox.Sign(testSecret, 1700000000000))
	other := "SECaaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999" // some other robot's
	leaks := "secret " + testSecret + " token " + testToken + " encoded " + url.QueryEscape(testSecret) +
		" url https://oapi.dingtalk.com/robot/send?access_token=" + testToken + "&timestamp=1&sign=" + sign +
		" other " + other
	bodies := []string{
		`{"msgtype":"text","text":{"content":"` + leaks + `"}}`,
		`{"msgtype":"markdown","markdown":{"title":"` + testSecret + `","text":"` + leaks + `"}}`,
		`{"msgtype":"link","link":{"title":"` + testSecret + `","text":"` + leaks + `","messageUrl":"https://e.x/?sign=` + sign + `"}}`,
		`{"msgtype":"actionCard","actionCard":{"title":"t","text":"` + leaks + `","singleTitle":"` + testToken + `","singleURL":"https://e.x/` + testSecret + `"}}`,
		`{"msgtype":"feedCard","feedCard":{"links":[{"title":"` + testSecret + `","messageURL":"` + testToken + `","picURL":"x"}]}}`,
		`{"msgtype":"text","text":{"content":"@` + testToken + `","` + testSecret + `":1},"at":{"atUserIds":["` + testToken + `","` + testSecret + `"]}}`,
		`{"msgtype":"` + testSecret + `","text":{"content":"x"}}`,
		`{"msgtype":"markdown","markdown":{"title":"t","text":"&#83;EC` + testSecret[3:] + `"}}`,
		`{"msgtype":"markdown","markdown":{"title":"t","text":"# sign=` + sign + `\n\n- **ok** sign=abc"}}`, // masked up to the colour code, not through it
	}
	all := arrivals(t, bodies...)
	if len(all) != len(bodies) {
		t.Fatalf("%d arrivals", len(all))
	}
	for i, a := range all {
		for _, style := range []sandboxview.Style{sandboxview.Plain, colored} {
			out := sandboxview.Render(a, 200, style)
			if rest := colours.ReplaceAllString(out, ""); strings.Contains(rest, "[0m") || strings.Contains(rest, "\x1b") {
				t.Errorf("body %d: masking broke a colour sequence: %q", i, out)
			}
			for _, leak := range []string{testSecret, testSecret[3:20], testToken, testToken[:20], url.QueryEscape(testSecret), sign, other} {
				if strings.Contains(out, leak) {
					t.Errorf("body %d shows %q:\n%s", i, leak, out)
				}
			}
		}
	}
	// What is not secret stays readable.
	if out := sandboxview.Render(all[0], 200, sandboxview.Plain); !strings.Contains(out, "https://oapi.dingtalk.com/robot/send?access_token=REDACTED&timestamp=1&sign=REDACTED") {
		t.Errorf("the URL is not shown masked:\n%s", out)
	}
}
