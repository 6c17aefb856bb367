package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/tui"
)

// One history for every face: what `dingbot send` and `dingbot --mcp` post is filed once each,
// delivered, refused (with the errcode) or maybe delivered (a timeout), with robot names and
// never a token, secret or signature; `dingbot history` lists it, and the composer's history
// shows it with its status marks and faces.
func TestHistorySharedByEveryFace(t *testing.T) {
	e := newEnv(t)
	slow := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: "slowtoken00000000000000000000000000000000000000000000000000000001"}}, Delay: 3 * time.Second})
	slowSrv := httptest.NewServer(slow)
	t.Cleanup(slowSrv.Close)
	e.writeConfig(fmt.Sprintf(`default_robot = "ops"

[robots.ops]
webhook = %q
secret = %q
allow_custom_host = true

[robots.ghost]
webhook = %q
allow_custom_host = true

[robots.slow]
webhook = %q
allow_custom_host = true
`, e.webhook(testToken), testSecret, e.webhook("ghosttoken000000000000000000000000000000000000000000000000000001"),
		slowSrv.URL+"/robot/send?access_token=slowtoken00000000000000000000000000000000000000000000000000000001"))

	if r := e.run("", "send", "text", "hello", "history"); r.code != 0 {
		t.Fatalf("send: %d %s", r.code, r.stderr)
	}
	if r := e.run("", "send", "--robot", "ghost", "text", "nobody", "home"); r.code == 0 {
		t.Fatalf("a send to an unknown token succeeded: %s", r.stdout)
	}
	if r := e.run("", "--timeout", "300ms", "send", "--robot", "slow", "text", "too", "late"); r.code == 0 {
		t.Fatalf("a send that timed out succeeded: %s", r.stdout)
	}
	// A dry run posts nothing and files nothing.
	if r := e.run("", "send", "--dry-run", "text", "only", "a", "look"); r.code != 0 {
		t.Fatalf("dry run: %d %s", r.code, r.stderr)
	}

	// The MCP server, through a real MCP client over pipes.
	c, err := client.NewStdioMCPClient(binPath, e.environ(), "--mcp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if _, err := c.Initialize(ctx, mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{ProtocolVersion: mcpgo.LATEST_PROTOCOL_VERSION, ClientInfo: mcpgo.Implementation{Name: "t", Version: "1"}}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "send_text_message", Arguments: map[string]any{"text": "from an agent"}}})
	if err != nil || res.IsError {
		t.Fatalf("mcp send: %v %+v", err, res)
	}
	_ = c.Close()

	r := e.run("", "history", "--json")
	if r.code != 0 {
		t.Fatalf("history: %d %s", r.code, r.stderr)
	}
	var got []historyJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(got) != 4 {
		t.Fatalf("%d entries, want 4 (the dry run filed?): %s", len(got), r.stdout)
	}
	want := []struct{ robot, face, status, title string }{
		{"ops", "mcp", "delivered", "from an agent"},
		{"slow", "cli", "maybe_delivered", "too late"},
		{"ghost", "cli", "failed", "nobody home"},
		{"ops", "cli", "delivered", "hello history"},
	}
	for i, w := range want {
		g := got[i]
		if g.Robot != w.robot || g.Face != w.face || g.Status != w.status || g.Title != w.title || !strings.HasPrefix(g.MsgUUID, "dingbot-") {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
	if got[2].Errcode == 0 || got[2].Errmsg == "" {
		t.Errorf("the refusal's errcode is not kept: %+v", got[2])
	}
	if !strings.Contains(got[1].Errmsg, "timeout") {
		t.Errorf("the timeout is not said: %+v", got[1])
	}
	if r := e.run("", "history", "-n", "1"); r.code != 0 || !strings.Contains(r.stdout, "✓ delivered") || strings.Contains(r.stdout, "hello history") {
		t.Errorf("history -n 1: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	state := filepath.Join(e.dir, "state")
	data, err := os.ReadFile(filepath.Join(state, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testToken, testSecret, "sign=", "access_token", "ghosttoken", "slowtoken", "timestamp="} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the history file holds %q:\n%s", secret, data)
		}
	}

	// The composer's history, on the same state directory.
	m, err := tui.New(tui.Options{
		Robots:   []dingtalk.Robot{{Name: "ops", Webhook: e.webhook(testToken), Secret: testSecret, AllowCustomHost: true}},
		StateDir: state, Client: dingtalk.NewClient(time.Second), Dark: true, GlamourStyle: "dark", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(140, 45))
	t.Cleanup(func() { _ = tm.Quit() })
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlL})
	var screen string
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		screen += string(b)
		return strings.Contains(screen, "✓ from an agent") && strings.Contains(screen, "from mcp") &&
			strings.Contains(screen, "? too late") && strings.Contains(screen, "✗ nobody home") &&
			strings.Contains(screen, "✗ failed · errcode") && strings.Contains(screen, "✓ hello history")
	}, teatest.WithDuration(5*time.Second))
}

// A queued message is filed as queued by the face that queued it, and the drainer's delivery
// turns the same entry delivered (one entry, by its msgUuid).
func TestHistoryFollowsTheOutbox(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	if r := e.run("", "send", "--queue", "text", "queued", "one"); r.code != 0 {
		t.Fatalf("send --queue: %d %s", r.code, r.stderr)
	}
	entries := func() []historyJSON {
		t.Helper()
		r := e.run("", "history", "--json")
		var got []historyJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v: %s %s", err, r.stdout, r.stderr)
		}
		return got
	}
	got := entries()
	if len(got) != 1 || got[0].Status != "queued" && got[0].Status != "delivered" || got[0].Face != "cli" {
		t.Fatalf("after send --queue: %+v", got)
	}
	if r := e.run("", "outbox", "drain", "--wait"); r.code != 0 {
		t.Fatalf("drain: %d %s", r.code, r.stderr)
	}
	if got = entries(); len(got) != 1 || got[0].Status != "delivered" || got[0].Face != "cli" || got[0].Title != "queued one" {
		t.Fatalf("after the drain: %+v", got)
	}
	if len(e.sb.Accepted()) != 1 {
		t.Fatalf("sandbox accepted %d", len(e.sb.Accepted()))
	}
}
