package sandboxview_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// colored is how a terminal is drawn on: markdown is rendered, not echoed.
var colored = sandboxview.Colored("dark", termenv.ANSI256)

// fingerprint is how Render names the robot of longToken.
func fingerprint() string {
	sum := sha256.Sum256([]byte(longToken))
	return "…sha256:" + hex.EncodeToString(sum[:3])
}

const longToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func arrival(t *testing.T, body string) sandbox.Arrival {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	mt, _ := m["msgtype"].(string)
	return sandbox.Arrival{
		Time: time.Date(2025, 11, 21, 9, 30, 0, 0, time.Local), Token: longToken, Status: 200,
		Accepted: true, Errmsg: "ok", Msgtype: mt, Body: []byte(body), Message: m,
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		a    func(t *testing.T) sandbox.Arrival
		want []string
		not  []string
	}{
		{"text", func(t *testing.T) sandbox.Arrival {
			a := arrival(t, `{"msgtype":"text","text":{"content":"deploy done @138\u001b[31m"},"at":{"atMobiles":["138","139"]}}`)
			a.Notified, a.NotNotified = []string{"138"}, []string{"139"}
			return a
		}, []string{"09:30:00", fingerprint(), "text", "deploy done @138", "notifies: @138", "will not notify @139"}, []string{"\x1b[31m"}},
		{"markdown", func(t *testing.T) sandbox.Arrival {
			return arrival(t, `{"msgtype":"markdown","markdown":{"title":"Build #42","text":"## Release\n\n- **fast** item"}}`)
		}, []string{"markdown", "chat list: Build #42", "Release", "fast", "item"}, []string{"**fast**"}},
		{"link", func(t *testing.T) sandbox.Arrival {
			return arrival(t, `{"msgtype":"link","link":{"title":"Report","text":"weekly numbers","messageUrl":"https://e.x/r","picUrl":"https://e.x/p.png"}}`)
		}, []string{"Report", "weekly numbers", "https://e.x/r", "https://e.x/p.png", "╭"}, nil},
		{"actionCard", func(t *testing.T) sandbox.Arrival {
			return arrival(t, `{"msgtype":"actionCard","actionCard":{"title":"Approve?","text":"PR **#7**","btns":[{"title":"Yes","actionURL":"https://e.x/y"},{"title":"No","actionURL":"https://e.x/n"}],"btnOrientation":"1"}}`)
		}, []string{"Approve?", "#7", "[ Yes ] → https://e.x/y", "[ No ] → https://e.x/n"}, nil},
		{"feedCard", func(t *testing.T) sandbox.Arrival {
			return arrival(t, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"One","messageURL":"https://e.x/1","picURL":"https://e.x/1.png"},{"title":"Two","messageURL":"https://e.x/2","picURL":"https://e.x/2.png"}]}}`)
		}, []string{"One", "https://e.x/1", "Two", "https://e.x/2.png"}, nil},
		{"token inside content", func(t *testing.T) sandbox.Arrival {
			return arrival(t, `{"msgtype":"text","text":{"content":"oops `+longToken+`"}}`)
		}, []string{"oops REDACTED"}, nil},
		{"rejected", func(t *testing.T) sandbox.Arrival {
			return sandbox.Arrival{Token: longToken, Status: 200, Errcode: 310000, Errmsg: "keywords not in content", Msgtype: "text"}
		}, []string{"310000", "keywords not in content"}, []string{"\n"}},
		{"duplicate", func(t *testing.T) sandbox.Arrival {
			a := arrival(t, `{"msgtype":"text","text":{"content":"again"},"msgUuid":"x"}`)
			a.Duplicate = true
			return a
		}, []string{"duplicate"}, nil},
		{"fault", func(t *testing.T) sandbox.Arrival {
			return sandbox.Arrival{Status: 500, Errmsg: "fault: answered HTTP 500 with an HTML page"}
		}, []string{"HTTP 500", "HTML"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := sandboxview.Render(tt.a(t), 60, colored)
			out := ansi.Strip(raw)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(raw, w) {
					t.Errorf("unexpected %q in\n%s", w, out)
				}
			}
			if strings.Contains(raw, longToken) || strings.Contains(out, longToken[:4]) {
				t.Errorf("token leaked:\n%s", out)
			}
		})
	}
}

func TestRenderNeverShowsSign(t *testing.T) {
	// A rejected signed request: the arrival knows the body, not the query.
	sign := sandbox.Sign("SECsecret", 1700000000000)
	a := sandbox.Arrival{Token: longToken, Status: 200, Errcode: 310000, Errmsg: "description:机器人发送签名不匹配 (sign not match)"}
	if out := sandboxview.Render(a, 80, colored); strings.Contains(out, sign) || strings.Contains(out, "SECsecret") {
		t.Errorf("sign or secret shown: %s", out)
	}
}

// TestRenderPlainWhenPiped: without colours (piped, NO_COLOR) there are no escape codes and no
// trailing padding to the wrap width.
func TestRenderPlainWhenPiped(t *testing.T) {
	out := sandboxview.Render(arrival(t, `{"msgtype":"markdown","markdown":{"title":"T","text":"# Deploy\n\n- **api** ok"}}`), 80, sandboxview.Plain)
	if strings.Contains(out, "\x1b") {
		t.Fatalf("escape codes in plain output: %q", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Fatalf("trailing padding in %q", line)
		}
	}
	if !strings.Contains(out, "Deploy") || !strings.Contains(out, "api") {
		t.Fatalf("content missing: %s", out)
	}
}

// DingTalk breaks a markdown line at "two spaces + \n" and joins one at a "\n" alone: so does
// the preview, in paragraphs, quotes and lists (QA F7: it joined them all).
func TestRenderKeepsHardLineBreaks(t *testing.T) {
	body := `{"msgtype":"markdown","markdown":{"title":"t","text":"**wangfang** opened pull request #482  \nLabels: payment,\nbug  \nReviewers: zhangwei\n\n> first line  \n> second line\n\n- item  \n  more"}}`
	for _, st := range []sandboxview.Style{sandboxview.Plain, colored} {
		out := ansi.Strip(sandboxview.Render(arrival(t, body), 80, st))
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		got := strings.Join(lines, "\n")
		for _, want := range []string{"wangfang opened pull request #482\nLabels: payment, bug\nReviewers: zhangwei\n", "first line\n", "second line\n", "item\nmore"} {
			if !strings.Contains(strings.ReplaceAll(got, "*", ""), want) {
				t.Errorf("lacks %q:\n%s", want, got)
			}
		}
	}
}
