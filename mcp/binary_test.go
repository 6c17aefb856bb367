package mcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// These tests run the real dingbot binary with --mcp, as an agent's MCP client does: built once
// from ./cmd/dingbot, configured through DINGBOT_CONFIG and DINGBOT_STATE_DIR, talking to a
// sandbox on loopback. -short skips them.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// dingbotBinary builds ./cmd/dingbot once per test run.
func dingbotBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the dingbot binary")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "dingbot-mcp-test")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "dingbot")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/dingbot")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/dingbot: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// binEnv is a sandbox on loopback and a config file whose robots post to it.
type binEnv struct {
	sb       *sandbox.Server
	url      string
	cfgPath  string
	env      []string
	arrivals chan sandbox.Arrival
	// inflight counts the requests the sandbox's HTTP server is serving right now.
	inflight *atomic.Int32
}

// config replaces the config file.
func (b *binEnv) config(t testing.TB, toml string) {
	t.Helper()
	if err := os.WriteFile(b.cfgPath, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newBinEnv starts a sandbox and writes a config with robots ops (default) and alert (signed,
// keyword 报警) on it, and one contact.
func newBinEnv(t testing.TB, sbOpts sandbox.Options) *binEnv {
	t.Helper()
	arrivals := make(chan sandbox.Arrival, 256)
	sbOpts.OnArrival = func(a sandbox.Arrival) {
		select {
		case arrivals <- a:
		default:
		}
	}
	sbOpts.Robots = []sandbox.Robot{{Token: opsToken}, {Token: alertToken, Secret: alertSecret, Keywords: []string{"报警"}}}
	sb := sandbox.New(sbOpts)
	inflight := &atomic.Int32{}
	handler := readBodyFirst(sb)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	configTOML := fmt.Sprintf(`default_robot = "ops"

[robots.ops]
webhook = %q
allow_custom_host = true

[robots.alert]
webhook = %q
secret = %q
keywords = ["报警"]
allow_custom_host = true

[[contacts]]
name = "Alice"
mobile = "13800000000"
`, sandbox.WebhookURL(srv.URL, opsToken), sandbox.WebhookURL(srv.URL, alertToken), alertSecret)
	cfg := filepath.Join(dir, "config.toml")
	b := &binEnv{
		sb:       sb,
		url:      srv.URL,
		cfgPath:  cfg,
		arrivals: arrivals,
		inflight: inflight,
		env: []string{
			"DINGBOT_CONFIG=" + cfg,
			"DINGBOT_STATE_DIR=" + filepath.Join(dir, "state"),
			"DINGTALK_BOT_ACCESS_TOKEN=", "DINGTALK_BOT_SECRET=",
			"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"),
			// Anything not on loopback would go to a proxy that is not there: no test leaves the machine.
			"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=",
		},
	}
	b.config(t, configTOML)
	return b
}

// stdioClient starts dingbot --mcp with args through mcp-go's stdio client and initializes it.
func (b *binEnv) stdioClient(t testing.TB, args ...string) (*client.Client, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	c, err := client.NewStdioMCPClientWithOptions(dingbotBinary(t), b.env, append([]string{"--mcp"}, args...),
		transport.WithCommandStderrWriter(stderr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	initialize(t, c)
	return c, stderr
}

func TestBinaryTools(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	c, stderr := b.stdioClient(t)
	tools, err := c.ListTools(t.Context(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// The server drains the outbox, so sends can be queued: delivery_status is served too.
	if got := toolNames(tools.Tools); !slicesEqual(got, sorted(append(allTools, toolDeliveries))) {
		t.Fatalf("tools = %v", got)
	}
	call := func(name string, args map[string]any) got { return callTool(t, c, context.Background(), name, args) }

	g := call("send_text_message", map[string]any{"text": "from the binary", "atNames": []any{"alice"}})
	g.wantOK(t)
	acc := b.sb.Accepted()
	if len(acc) != 1 || !strings.Contains(textOf(t, acc[0]), "@13800000000") {
		t.Fatalf("sandbox accepted %d: %+v", len(acc), acc)
	}
	call("send_markdown_message", map[string]any{"title": "报警", "text": "**disk** full", "robot": "alert"}).wantOK(t)
	call("send_link_message", map[string]any{"title": "t", "text": "x", "messageUrl": "https://example.com"}).wantOK(t)
	call("send_action_card", map[string]any{"title": "t", "text": "x", "singleTitle": "Go", "singleURL": "https://example.com"}).wantOK(t)
	call("send_feed_card", map[string]any{"links": []any{map[string]any{"title": "a", "messageURL": "https://a.example", "picURL": "https://a.example/p.png"}}}).wantOK(t)
	if n := len(b.sb.Accepted()); n != 5 {
		t.Errorf("sandbox accepted %d, want 5", n)
	}

	p := call("preview_message", map[string]any{"msgtype": "text", "text": "hi", "atMobiles": []any{"13800000000"}})
	p.wantOK(t)
	if !strings.Contains(string(p.r.Body), "hi @13800000000") {
		t.Errorf("preview body = %s", p.r.Body)
	}
	r := call("list_robots", nil)
	r.wantOK(t)
	if !strings.Contains(r.text, "ops (default; 16 sends left") || !strings.Contains(r.text, "alert (signed; messages must contain one of: 报警; 19 sends left") {
		t.Errorf("list_robots:\n%s", r.text)
	}
	call("list_contacts", nil).wantOK(t)

	call("send_text_message", map[string]any{"text": "no keyword", "robot": "alert"}).wantFailure(t, KindKeywordMissing)
	call("send_text_message", map[string]any{"text": "x", "robot": "nope"}).wantFailure(t, KindUnknownRobot)
	call("send_text_message", map[string]any{"text": "x", "atNames": []any{"Zed"}}).wantFailure(t, KindUnknownContact)
	call("send_text_message", map[string]any{"txt": "x"}).wantFailure(t, KindInvalidArguments)
	call("send_link_message", map[string]any{"title": "t", "text": "x", "messageUrl": "ftp://x"}).wantFailure(t, KindInvalidMessage)
	b.sb.SetFault(sandbox.FaultHTML500)
	call("send_text_message", map[string]any{"text": "x"}).wantFailure(t, KindBadResponse)
	b.sb.SetFault(sandbox.FaultInvalidJSON)
	call("send_text_message", map[string]any{"text": "x"}).wantFailure(t, KindBadResponse)
	b.sb.SetFault(sandbox.NoFault)
	if n := len(b.sb.Accepted()); n != 5 {
		t.Errorf("failures reached the sandbox as accepted messages: %d", n)
	}
	for _, s := range secrets {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("stderr leaks a secret:\n%s", stderr)
		}
	}
}

func TestBinaryTimeout(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{Delay: 2 * time.Second})
	c, _ := b.stdioClient(t, "--timeout", "200ms")
	g := callTool(t, c, context.Background(), "send_text_message", map[string]any{"text": "slow"})
	g.wantFailure(t, KindTimeout)
	wantMaybeDelivered(t, g)
}

func TestBinaryWrongSecret(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.config(t, fmt.Sprintf("[robots.alert]\nwebhook = %q\nsecret = %q\nallow_custom_host = true\n", sandbox.WebhookURL(b.url, alertToken), wrongSecret))
	c, _ := b.stdioClient(t)
	g := callTool(t, c, context.Background(), "send_text_message", map[string]any{"text": "报警"})
	g.wantFailure(t, KindDingTalk)
	if g.r.Errcode == nil || *g.r.Errcode != 310000 || !strings.Contains(g.r.Hint, "secret") {
		t.Errorf("errcode %v hint %q", g.r.Errcode, g.r.Hint)
	}
}

func TestBinaryDryRunAndReadOnly(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	c, _ := b.stdioClient(t, "--dry-run", "--robot", "alert")
	g := callTool(t, c, context.Background(), "send_text_message", map[string]any{"text": "报警 test"})
	g.wantOK(t)
	if !g.r.DryRun || g.r.Robot != "alert" || len(g.r.Body) == 0 {
		t.Errorf("dry run result: %s", g.raw.RawStructuredContent)
	}
	ro, _ := b.stdioClient(t, "--read-only")
	tools, err := ro.ListTools(t.Context(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := toolNames(tools.Tools); !slicesEqual(got, sorted(append(readOnlyTools, toolDeliveries))) {
		t.Errorf("--read-only tools = %v", got)
	}
	if n := len(b.sb.Arrivals()); n != 0 {
		t.Errorf("dry run reached the sandbox %d times", n)
	}
}

func TestBinaryRateLimitUnderConcurrency(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	c, _ := b.stdioClient(t)
	const calls = 50
	results := make([]got, calls)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range calls {
		wg.Go(func() {
			results[i] = callTool(t, c, context.Background(), "send_text_message", map[string]any{"text": fmt.Sprint("load ", i)})
		})
	}
	wg.Wait()
	var ok, limited int
	for _, g := range results {
		switch {
		case g.r.OK:
			ok++
		case g.r.Error == KindRateLimited && g.r.RetryAfterSeconds != nil:
			limited++
		default:
			t.Errorf("unexpected result: %s", g.raw.RawStructuredContent)
		}
	}
	if ok != 20 || limited != 30 {
		t.Errorf("%d sent and %d rate-limited, want 20 and 30", ok, limited)
	}
	if n := len(b.sb.Arrivals()); n != 20 {
		t.Errorf("%d requests reached the sandbox, want exactly 20", n)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("50 calls took %v: rate-limited calls must not wait", d)
	}
}

func TestBinaryCancellation(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{Delay: 5 * time.Second})
	c, _ := b.stdioClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "send_text_message", Arguments: map[string]any{"text": "slow"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call error = %v", err)
	}
	select {
	case a := <-b.arrivals:
		if a.Accepted || !strings.Contains(a.Errmsg, "went away") {
			t.Errorf("sandbox saw %+v", a)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the request was aborted only after %v", d)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("notifications/cancelled did not abort the HTTP request")
	}
	if n := len(b.sb.Accepted()); n != 0 {
		t.Errorf("sandbox accepted %d", n)
	}
	callTool(t, c, context.Background(), "list_robots", nil).wantOK(t)
}

// TestBinaryStdoutIsProtocolOnly reads every byte the process writes to stdout and checks that
// each line is a JSON-RPC message: with a good config, a broken one, no config (built-in
// sandbox), and failing sends.
func TestBinaryStdoutIsProtocolOnly(t *testing.T) {
	bin := dingbotBinary(t)
	cases := map[string]string{
		"good config":   "",
		"broken config": "default_robot = \"ops\"\ndefault_robto = \"typo\"\n",
		"syntax error":  "[robots.ops\n",
		"no robot":      "# nothing configured: the built-in sandbox robot\n",
		"bad --robot":   "",
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			b := newBinEnv(t, sandbox.Options{})
			if cfg != "" {
				b.config(t, cfg)
			}
			args := []string{"--mcp"}
			if name == "bad --robot" {
				args = append(args, "--robot", "nope")
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), b.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			s := newRawSession(t, stdin, stdout)
			results := exercise(t, s)
			broken := name == "broken config" || name == "syntax error" || name == "bad --robot"
			for key, res := range results {
				st := structuredOf(res)
				if broken && st["error"] != KindConfig {
					t.Errorf("%s: want config_error, got %v", key, st)
				}
			}
			if name == "good config" && structuredOf(results["sent"])["ok"] != true {
				t.Errorf("send failed: %v", results["sent"])
			}
			if name == "no robot" && structuredOf(results["sent"])["sandbox"] != true {
				t.Errorf("send without a robot does not say sandbox: %v", results["sent"])
			}
			_ = stdin.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("dingbot --mcp exited with %v when stdin closed; stderr:\n%s", err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("dingbot --mcp did not exit when stdin closed")
			}
			<-s.done
			s.checkAllFrames()
		})
	}
}

// BenchmarkBinaryStartToInitialize measures process start to the initialize response.
func BenchmarkBinaryStartToInitialize(b *testing.B) {
	env := newBinEnv(b, sandbox.Options{})
	bin := dingbotBinary(b)
	for b.Loop() {
		c, err := client.NewStdioMCPClientWithOptions(bin, env.env, []string{"--mcp"})
		if err != nil {
			b.Fatal(err)
		}
		initialize(b, c)
		b.StopTimer()
		_ = c.Close()
		b.StartTimer()
	}
}

// BenchmarkBinaryPreview is one tool call over real stdio pipes to the dingbot process.
func BenchmarkBinaryPreview(b *testing.B) {
	env := newBinEnv(b, sandbox.Options{})
	c, _ := env.stdioClient(b)
	req := mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "preview_message", Arguments: map[string]any{"msgtype": "markdown", "title": "t", "text": "**x**"}}}
	for b.Loop() {
		if res, err := c.CallTool(context.Background(), req); err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestBinaryReadOnlyToolsNeverWaitBehindSends: with 20 sends hanging on a slow DingTalk, the
// read-only tools still answer at once, over the real binary's stdio.
func TestBinaryReadOnlyToolsNeverWaitBehindSends(t *testing.T) {
	const hanging = 20
	b := newBinEnv(t, sandbox.Options{Delay: 10 * time.Second})
	c, _ := b.stdioClient(t, "--timeout", "5s")
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		_ = c.Close()
		wg.Wait()
	}()
	for i := range hanging {
		wg.Go(func() {
			_, _ = c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: toolSendText, Arguments: map[string]any{"text": fmt.Sprint("hang ", i)}}})
		})
	}
	// Wait until the sends hold every worker the server has (mcp-go's pool had 16).
	deadline := time.Now().Add(5 * time.Second)
	for b.inflight.Load() < 16 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := b.inflight.Load(); n < 16 {
		t.Fatalf("only %d sends reached the sandbox", n)
	}
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{toolListRobots, nil},
		{toolListContacts, nil},
		{toolPreview, map[string]any{"msgtype": "text", "text": "hi"}},
	} {
		start := time.Now()
		callCtx, stop := context.WithTimeout(context.Background(), 3*time.Second)
		g := callTool(t, c, callCtx, call.tool, call.args)
		stop()
		g.wantOK(t)
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%s took %v behind %d hanging sends", call.tool, d, hanging)
		}
	}
	// Every send reaches the sandbox in the end: none waits for a worker (a loaded machine may
	// take a moment to start the last goroutines).
	deadline = time.Now().Add(5 * time.Second)
	for b.inflight.Load() < hanging && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := b.inflight.Load(); n != hanging {
		t.Errorf("%d sends in flight, want all %d: a send waited for a worker", n, hanging)
	}
}

// TestBinaryZeroConfigIsTheSandbox: with no robot configured, --mcp still starts, serves the
// built-in sandbox on purpose and says so, in its instructions and in every send result.
func TestBinaryZeroConfigIsTheSandbox(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	if err := os.Remove(b.cfgPath); err != nil {
		t.Fatal(err)
	}
	b.env = append(b.env, "DINGBOT_CONFIG=") // no config file at all: the default path, absent
	stderr := &syncBuffer{}
	c, err := client.NewStdioMCPClientWithOptions(dingbotBinary(t), b.env, []string{"--mcp"}, transport.WithCommandStderrWriter(stderr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	init := initialize(t, c)
	if !strings.Contains(init.Instructions, "local sandbox") || !strings.Contains(init.Instructions, "posts nothing to any real group") {
		t.Errorf("instructions do not say that only the sandbox is served:\n%s", init.Instructions)
	}
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "hello"})
	g.wantOK(t)
	if !g.r.Sandbox || !strings.Contains(g.text, "sandbox") {
		t.Errorf("a send without a robot does not say it went to the sandbox: %s\n%s", g.raw.RawStructuredContent, g.text)
	}
	r := callTool(t, c, context.Background(), toolListRobots, nil)
	r.wantOK(t)
	if !strings.Contains(r.r.Hint, "sandbox") {
		t.Errorf("list_robots hint: %q", r.r.Hint)
	}
	if n := len(b.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the test's sandbox: the built-in one must be used", n)
	}
}
