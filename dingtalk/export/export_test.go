package export_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

const (
	token  = "5a1f0c9e7d3b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"
	secret = "SEC0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8"
)

// messages are one of each type, with what makes quoting and mentions hard.
func messages() []dingtalk.Message {
	text := dingtalk.NewText("disk full on db1 — it's 95%\nsee $HOME `now` \\n")
	text.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, IsAtAll: true}
	md := dingtalk.NewMarkdown("Deploy 'v1.2'", "# Build 42\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```go\nfmt.Println(\"hi\")\n```\n\t<b>x</b> & y")
	md.At = &dingtalk.At{AtUserIDs: []string{"bob01"}}
	return []dingtalk.Message{
		text,
		md,
		dingtalk.NewLink("Release 1.2", "What's new", "https://example.com/r?a=1&b=2", "https://example.com/p.png"),
		dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Ship?", Text: "ship 1.2\n\n@bob01", BtnOrientation: "1", HideAvatar: "1",
			Buttons: []dingtalk.Button{{Title: "Approve", ActionURL: "https://example.com/y?a=1"}, {Title: "Reject", ActionURL: "dingtalk://dingtalkclient/page/link?url=x"}}}),
		dingtalk.NewFeedCard(dingtalk.FeedLink{Title: "A", MessageURL: "https://example.com/a", PicURL: "https://example.com/a.png"},
			dingtalk.FeedLink{Title: "B 的", MessageURL: "https://example.com/b", PicURL: "https://example.com/b.png"}),
	}
}

func TestQuoteIsReadBackExactlyByBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, s := range []string{"", "plain", "-x", "it's", "a b", "$HOME `x` \"q\" \\", "line1\nline2\n", "tab\there\r\x1bend", "中文 @138 ✓", "'", "\\'\n'", "*?[a]"} {
		out, err := exec.Command("bash", "-c", "printf %s "+export.Quote(s)).Output()
		if err != nil {
			t.Fatalf("%q: quoted %s: %v", s, export.Quote(s), err)
		}
		if string(out) != s {
			t.Errorf("bash read %s as %q, want %q", export.Quote(s), out, s)
		}
	}
}

// TestCurlPostsTheExactBody runs the curl export with bash against a sandbox on loopback, for a
// signing robot and a plain one: the sandbox checks token, timestamp and sign as DingTalk does.
func TestCurlPostsTheExactBody(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl", "sed", "date"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s here", tool)
		}
	}
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token, Secret: secret}, {Token: "plaintoken0001"}}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	robots := []dingtalk.Robot{
		{Name: "ops", Webhook: srv.URL + "/robot/send?access_token=" + token, Secret: secret, AllowCustomHost: true},
		{Name: "plain", Webhook: srv.URL + "/robot/send?access_token=plaintoken0001", AllowCustomHost: true},
	}
	for _, r := range robots {
		for _, msg := range messages() {
			p, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			script, err := export.Curl(r, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{token, secret, "plaintoken0001", "sign=" + dingtalk.Sign(secret, 0)[:4]} {
				if strings.Contains(script, s) {
					t.Fatalf("the curl export holds a secret (%.6s…):\n%s", s, script)
				}
			}
			if r.Signed() != strings.Contains(script, "openssl") {
				t.Fatalf("robot %s (signed %v): the script signs %v:\n%s", r.Name, r.Signed(), !r.Signed(), script)
			}
			tok := strings.TrimPrefix(r.Webhook, srv.URL+"/robot/send?access_token=")
			before := len(sb.Accepted())
			out, err := runBash(script, "DINGTALK_TOKEN="+tok, "DINGTALK_SECRET="+r.Secret)
			if err != nil {
				t.Fatalf("robot %s, %s: %v\n%s\nscript:\n%s", r.Name, msg.Type, err, out, script)
			}
			if !strings.Contains(out, `"errcode":0`) {
				t.Fatalf("robot %s, %s: the sandbox answered %s\nscript:\n%s", r.Name, msg.Type, out, script)
			}
			acc := sb.Accepted()
			if len(acc) != before+1 || !bytes.Equal(acc[len(acc)-1].Body, p.Body) {
				t.Fatalf("robot %s, %s: the sandbox received\n%s\nwant\n%s", r.Name, msg.Type, acc[len(acc)-1].Body, p.Body)
			}
		}
	}
	// Without the variables it stops before posting, and says which one is missing.
	p, _ := dingtalk.Prepare(robots[0], messages()[0], dingtalk.PrepareOptions{})
	script, _ := export.Curl(robots[0], p)
	before := len(sb.Arrivals())
	out, err := runBash(script, "DINGTALK_TOKEN="+token)
	if err == nil || !strings.Contains(out, "DINGTALK_SECRET") {
		t.Fatalf("without DINGTALK_SECRET: err %v, output %s", err, out)
	}
	if len(sb.Arrivals()) != before {
		t.Fatal("the script posted without the secret")
	}
}

// runBash runs script with a clean DINGTALK_* environment and no proxy for loopback.
func runBash(script string, env ...string) (string, error) {
	cmd := exec.Command("bash", "-c", script)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DINGTALK_") || strings.HasPrefix(strings.ToUpper(kv), "HTTP") || strings.HasPrefix(strings.ToUpper(kv), "ALL_PROXY") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestDingbotSendLines(t *testing.T) {
	msgs := messages()
	got := export.DingbotSend(export.Target{Robot: "ops"}, msgs[0])
	want := "dingbot send text --robot ops \\\n  --at 13800000000 \\\n  --at-all \\\n  -- $'disk full on db1 — it\\'s 95%\\nsee $HOME `now` \\\\n'\n"
	if got.Line != want || len(got.Lost) != 0 {
		t.Fatalf("text:\n%s\nlost %v\nwant\n%s", got.Line, got.Lost, want)
	}
	card := export.DingbotSend(export.Target{Sandbox: true}, msgs[3])
	for _, part := range []string{"dingbot send actioncard --sandbox", "--orientation horizontal", "--hide-avatar",
		"--button 'Approve=https://example.com/y?a=1'", "--button 'Reject=dingtalk://dingtalkclient/page/link?url=x'"} {
		if !strings.Contains(card.Line, part) {
			t.Errorf("action card line lacks %q:\n%s", part, card.Line)
		}
	}
	if strings.Contains(card.Line, "msgUuid") || strings.Contains(card.Line, "--msg-uuid") {
		t.Fatalf("the line carries a msgUuid: %s", card.Line)
	}
	// What --button and --link cannot carry is said, not silently lost.
	odd := dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "x", Buttons: []dingtalk.Button{{Title: "a=b", ActionURL: "https://e.com"}}, BtnOrientation: "0", HideAvatar: "0"})
	if c := export.DingbotSend(export.Target{}, odd); len(c.Lost) != 1 || !strings.Contains(c.Lost[0], "a=b") {
		t.Fatalf("button with = in its title: lost %v", c.Lost)
	}
	feed := dingtalk.NewFeedCard(dingtalk.FeedLink{Title: "a|b", MessageURL: "https://e.com", PicURL: "https://e.com/p"})
	if c := export.DingbotSend(export.Target{}, feed); len(c.Lost) != 1 {
		t.Fatalf("feed item with |: lost %v", c.Lost)
	}
	if c := export.DingbotSend(export.Target{}, dingtalk.NewText("-")); !strings.Contains(c.Line, "--file - \\\n  <<< -") {
		t.Fatalf("a lone - must come through standard input: %s", c.Line)
	}
	if c := export.DingbotSend(export.Target{}, dingtalk.NewMarkdown("T", "-x")); !strings.Contains(c.Line, "--text=-x") {
		t.Fatalf("a text starting with - must not look like a flag: %s", c.Line)
	}
}

func TestJSONIsTheExactBody(t *testing.T) {
	r := dingtalk.Robot{Name: "ops", Webhook: token, Secret: secret}
	for _, msg := range messages() {
		p, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if export.JSON(p) != string(p.Body) {
			t.Fatalf("JSON is not the body: %s", export.JSON(p))
		}
		if !strings.Contains(export.PrettyJSON(p), "\n  \"msgtype\"") {
			t.Fatalf("pretty JSON is not indented: %s", export.PrettyJSON(p))
		}
	}
}
