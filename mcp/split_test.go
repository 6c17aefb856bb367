package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// longMarkdown is a report of about 45 000 bytes with what a split must not break: code blocks,
// a table, list items, CJK text and emoji.
func longMarkdown() string {
	var b strings.Builder
	b.WriteString("# 发布报告 🚀\n\n")
	for i := range 30 {
		fmt.Fprintf(&b, "## 第 %d 节 section\n\n", i+1)
		b.WriteString(strings.Repeat("构建通过，测试全部成功。Everything is green 👍🏽. ", 12) + "\n\n")
		b.WriteString("```go\n")
		for j := range 8 {
			fmt.Fprintf(&b, "fmt.Println(\"line %d of block %d\") // 注释\n", j, i)
		}
		b.WriteString("```\n\n")
		b.WriteString("| 名称 | 状态 |\n| --- | --- |\n")
		for j := range 5 {
			fmt.Fprintf(&b, "| job-%d-%d | ✅ 通过 |\n", i, j)
		}
		b.WriteString("\n- item one 一\n- item two 二 👨‍👩‍👧\n\n")
	}
	return b.String()
}

// arrivedParts turns the messages the sandbox accepted back into dingtalk messages.
func arrivedParts(t *testing.T, acc []sandbox.Arrival) []dingtalk.Message {
	t.Helper()
	var out []dingtalk.Message
	for _, a := range acc {
		out = append(out, decodeMessage(t, a.Body))
	}
	return out
}

func decodeMessage(t *testing.T, body []byte) dingtalk.Message {
	t.Helper()
	var m dingtalk.Message
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

// checkSplitDelivery checks that the sandbox received a split message's parts in order, each
// with its marker and the msgUuid the result lists, and that they join back into text.
func checkSplitDelivery(t *testing.T, g got, acc []sandbox.Arrival, text string) {
	t.Helper()
	g.wantOK(t)
	n := len(g.r.Parts)
	if n < 2 || len(acc) != n {
		t.Fatalf("%d parts in the result, %d accepted by the sandbox: %s", n, len(acc), g.raw.RawStructuredContent)
	}
	for i, a := range acc {
		p := g.r.Parts[i]
		if !p.Sent || p.Bytes > dingtalk.MaxBodyBytes || p.Bytes != len(a.Body) {
			t.Errorf("part %d: %+v, sandbox got %d bytes", i+1, p, len(a.Body))
		}
		if want := fmt.Sprintf("%s-%d", g.r.MsgUUID, i+1); p.MsgUUID != want || a.Message["msgUuid"] != want {
			t.Errorf("part %d: msgUuid %q in the result, %v at the sandbox, want %q", i+1, p.MsgUUID, a.Message["msgUuid"], want)
		}
		if marker := fmt.Sprintf("(%d/%d)", i+1, n); !strings.Contains(string(a.Body), marker) {
			t.Errorf("part %d lacks its marker %s", i+1, marker)
		}
		if !strings.Contains(g.text, fmt.Sprintf("Part %d/%d: %d bytes, msgUuid %s, sent", i+1, n, p.Bytes, p.MsgUUID)) {
			t.Errorf("text does not list part %d:\n%s", i+1, g.text)
		}
	}
	if got := dingtalk.JoinParts(arrivedParts(t, acc)); got != text {
		t.Errorf("the parts do not join back into the message (%d bytes, want %d)", len(got), len(text))
	}
}

func TestSplitMarkdownRoundTrip(t *testing.T) {
	e := newEnv(t, envConfig{})
	text := longMarkdown()
	args := map[string]any{"title": "Release 报告", "text": text, "split": true, "msgUuid": "release-42", "atMobiles": []any{"13800000000"}}
	g := e.call(toolSendMarkdown, args)
	acc := e.sb.Accepted()
	checkSplitDelivery(t, g, acc, text)
	if g.r.MsgUUID != "release-42" || g.r.Bytes <= dingtalk.MaxBodyBytes {
		t.Errorf("msgUuid %q bytes %d: want the message's own", g.r.MsgUUID, g.r.Bytes)
	}
	// The mention notifies once, with the last part.
	for i, a := range acc {
		if notified := len(a.Notified) > 0; notified != (i == len(acc)-1) {
			t.Errorf("part %d notified %v", i+1, a.Notified)
		}
	}
	// The same call again posts nothing twice: every part keeps its msgUuid.
	e.call(toolSendMarkdown, args).wantOK(t)
	if n := len(e.sb.Accepted()); n != len(acc) {
		t.Errorf("calling again posted %d messages, want %d", n, len(acc))
	}
}

func TestSplitActionCardKeepsItsButton(t *testing.T) {
	e := newEnv(t, envConfig{})
	g := e.call(toolSendAction, map[string]any{"title": "t", "text": longMarkdown(), "singleTitle": "Open", "singleURL": "https://example.com", "split": true})
	g.wantOK(t)
	acc := e.sb.Accepted()
	if len(acc) != len(g.r.Parts) || len(acc) < 2 {
		t.Fatalf("%d accepted, %d parts", len(acc), len(g.r.Parts))
	}
	for i, a := range acc {
		if a.Msgtype != "actionCard" || !strings.Contains(string(a.Body), `"singleURL":"https://example.com"`) {
			t.Errorf("part %d: %s", i+1, a.Body)
		}
	}
}

func TestTooLongWithoutSplitSaysSplit(t *testing.T) {
	e := newEnv(t, envConfig{})
	long := strings.Repeat("长", 7000)
	g := e.call(toolSendText, map[string]any{"text": long})
	g.wantFailure(t, KindInvalidMessage)
	if !strings.Contains(g.r.Hint, "split: true") || !strings.Contains(g.text, "split: true") {
		t.Errorf("hint %q does not offer split: true", g.r.Hint)
	}
	// A link card cannot be split, so its hint does not offer it, and it does not take split.
	l := e.call(toolSendLink, map[string]any{"title": "t", "text": long, "messageUrl": "https://example.com"})
	l.wantFailure(t, KindInvalidMessage)
	if strings.Contains(l.r.Hint, "split") {
		t.Errorf("link hint offers split: %q", l.r.Hint)
	}
	e.call(toolSendLink, map[string]any{"title": "t", "text": "x", "messageUrl": "https://example.com", "split": true}).wantFailure(t, KindInvalidArguments)
	// split on a message that fits sends it as it is.
	s := e.call(toolSendText, map[string]any{"text": "short", "split": true})
	s.wantOK(t)
	if len(s.r.Parts) != 0 || textOf(t, e.sb.Accepted()[0]) != "short" {
		t.Errorf("a short message with split: %s", s.raw.RawStructuredContent)
	}
	if n := len(e.sb.Arrivals()); n != 1 {
		t.Errorf("%d requests reached the sandbox, want only the short one", n)
	}
}

func TestPreviewShowsTheParts(t *testing.T) {
	e := newEnv(t, envConfig{})
	text := strings.Repeat("报警 line of an alert\n", 2000)
	g := e.call(toolPreview, map[string]any{"msgtype": "text", "text": text, "split": true, "robot": "alert"})
	g.wantOK(t)
	if len(g.r.Parts) < 2 || g.r.Body != nil || !strings.Contains(g.r.Hint, "split: true") {
		t.Fatalf("preview with split: %d parts, body %d bytes, hint %q", len(g.r.Parts), len(g.r.Body), g.r.Hint)
	}
	var msgs []dingtalk.Message
	for i, p := range g.r.Parts {
		if p.Sent || p.Bytes != len(p.Body) || p.Bytes > dingtalk.MaxBodyBytes {
			t.Errorf("part %d: sent %v, %d bytes, body %d", i+1, p.Sent, p.Bytes, len(p.Body))
		}
		msgs = append(msgs, decodeMessage(t, p.Body))
		if !strings.Contains(g.text, fmt.Sprintf("Part %d/%d: %d bytes, body:", i+1, len(g.r.Parts), p.Bytes)) {
			t.Errorf("text does not show part %d", i+1)
		}
	}
	if dingtalk.JoinParts(msgs) != text {
		t.Error("the previewed parts do not join back into the text")
	}
	// Without split: refused, and the hint says how to send it.
	n := e.call(toolPreview, map[string]any{"msgtype": "text", "text": text, "robot": "alert"})
	if n.r.OK || n.r.Error != KindInvalidMessage || !strings.Contains(n.r.Hint, "split: true") {
		t.Errorf("preview without split: %s", n.raw.RawStructuredContent)
	}
	// A long message missing the robot's keyword cannot be sent in parts either.
	k := e.call(toolPreview, map[string]any{"msgtype": "text", "text": strings.Repeat("x\n", 12000), "split": true, "robot": "alert"})
	if k.r.OK || k.r.Error != KindKeywordMissing {
		t.Errorf("long message without keyword: %s", k.raw.RawStructuredContent)
	}
	e.call(toolPreview, map[string]any{"msgtype": "link", "title": "t", "text": "x", "messageUrl": "https://example.com", "split": true}).wantFailure(t, KindInvalidArguments)
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("a preview reached the sandbox %d times", n)
	}
}

func TestSplitDryRunSendsNothing(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.DryRun = true }})
	g := e.call(toolSendText, map[string]any{"text": strings.Repeat("line\n", 5000), "split": true})
	g.wantOK(t)
	if !g.r.DryRun || len(g.r.Parts) < 2 || !strings.Contains(g.text, "NOT sent") {
		t.Errorf("dry run: %s\n%s", g.raw.RawStructuredContent, g.text)
	}
	for _, p := range g.r.Parts {
		if p.Sent || p.MsgUUID == "" {
			t.Errorf("dry-run part %+v", p)
		}
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("dry run reached the sandbox %d times", n)
	}
}

// TestSplitStopsAtTheFirstFailure: a robot with two sends left this minute posts two parts of
// three; the result says which went out and how to post the rest.
func TestSplitStopsAtTheFirstFailure(t *testing.T) {
	e := newEnv(t, envConfig{})
	for range 18 {
		e.call(toolSendText, map[string]any{"text": "tick"}).wantOK(t)
	}
	text := strings.Repeat("一行报告 a line of the report\n", 1400) // about 3 parts
	g := e.call(toolSendText, map[string]any{"text": text, "split": true})
	g.wantFailure(t, KindRateLimited)
	if len(g.r.Parts) != 3 {
		t.Fatalf("%d parts, want 3: %s", len(g.r.Parts), g.raw.RawStructuredContent)
	}
	for i, p := range g.r.Parts {
		if p.Sent != (i < 2) {
			t.Errorf("part %d sent = %v", i+1, p.Sent)
		}
	}
	if g.r.RetryAfterSeconds == nil || !strings.Contains(g.r.Hint, "parts 1-2 of 3 were posted") || !strings.Contains(g.r.Hint, g.r.MsgUUID) {
		t.Errorf("hint %q retryAfter %v", g.r.Hint, g.r.RetryAfterSeconds)
	}
	if strings.Contains(g.r.Hint, "nothing was sent") || !strings.Contains(g.text, "Part 3/3") || !strings.Contains(g.text, "not sent") {
		t.Errorf("text:\n%s", g.text)
	}
	acc := e.sb.Accepted()[18:]
	if len(acc) != 2 || acc[0].Message["msgUuid"] != g.r.MsgUUID+"-1" || acc[1].Message["msgUuid"] != g.r.MsgUUID+"-2" {
		t.Errorf("the sandbox got %d parts", len(acc))
	}
}

func TestBinarySplitTextRoundTrip(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	c, _ := b.stdioClient(t)
	text := strings.Repeat("构建 #42 的日志 build log line ✅\n", 1500)
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": text, "split": true})
	checkSplitDelivery(t, g, b.sb.Accepted(), text)
}
