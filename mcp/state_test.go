package mcp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// blockedStateDir is a state directory that cannot be created: its path is a regular file.
func blockedStateDir(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// wantStateError checks a send refused because the state directory cannot be used: its own
// kind, the directory named, advice on fixing it, and nothing sent.
func wantStateError(t *testing.T, g got, dir string) {
	t.Helper()
	g.wantFailure(t, KindState)
	if !strings.Contains(g.r.Errmsg, dir) || !strings.Contains(g.r.Hint, "DINGBOT_STATE_DIR") || !strings.Contains(g.r.Hint, "writable") {
		t.Errorf("errmsg %q hint %q: want the directory and how to fix it", g.r.Errmsg, g.r.Hint)
	}
	if !strings.Contains(g.r.Hint, "nothing was sent") || g.r.MaybeDelivered != nil || g.r.Errcode != nil {
		t.Errorf("hint %q maybeDelivered %v errcode %v: want nothing sent", g.r.Hint, g.r.MaybeDelivered, g.r.Errcode)
	}
	if !strings.Contains(g.text, "state_error") || !strings.Contains(g.text, "DINGBOT_STATE_DIR") {
		t.Errorf("text: %s", g.text)
	}
}

func TestStateDirectoryFailureIsItsOwnKind(t *testing.T) {
	dir := blockedStateDir(t)
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.Client.Limiter = ratelimit.New(filepath.Join(dir, "ratelimit")) }})
	wantStateError(t, e.call(toolSendText, map[string]any{"text": "x"}), dir)
	wantStateError(t, e.call(toolSendMarkdown, map[string]any{"title": "报警", "text": "x", "robot": "alert"}), dir)
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox without a known rate-limit window", n)
	}
	// The read-only tools still work, and say that the count of sends left is unknown.
	g := e.call(toolListRobots, nil)
	g.wantOK(t)
	if !strings.Contains(strings.Join(g.r.Warnings, "\n"), dir) {
		t.Errorf("list_robots does not warn about the state directory: %v", g.r.Warnings)
	}
	e.call(toolPreview, map[string]any{"msgtype": "text", "text": "hi"}).wantOK(t)
}

// TestBinaryStateDirectoryFailure: DINGBOT_STATE_DIR names a regular file.
func TestBinaryStateDirectoryFailure(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	dir := blockedStateDir(t)
	b.env = append(b.env, "DINGBOT_STATE_DIR="+dir)
	c, stderr := b.stdioClient(t)
	wantStateError(t, callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "x"}), dir)
	if n := len(b.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
	callTool(t, c, context.Background(), toolListRobots, nil).wantOK(t)
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
