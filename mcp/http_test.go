package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// The HTTP tests talk to dingbot --mcp --http through mcp-go's Streamable HTTP client, as a
// team's agents do: the real binary where the command line matters, in-process where a test
// needs to see inside. Every server listens on 127.0.0.1 only.

// httpProc is dingbot --mcp --http running on 127.0.0.1.
type httpProc struct {
	url    string
	stderr *syncBuffer
	cmd    *exec.Cmd
	done   chan struct{}
	err    error // cmd.Wait's, once done is closed
}

var listeningURL = regexp.MustCompile(`msg="mcp http server listening" url=(\S+)`)

// startHTTP runs dingbot --mcp --http 127.0.0.1:0 with args and extra environment, and waits
// until it listens.
func (b *binEnv) startHTTP(t testing.TB, extraEnv []string, args ...string) *httpProc {
	t.Helper()
	cmd := exec.Command(dingbotBinary(t), append([]string{"--mcp", "--http", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), b.env...), extraEnv...)
	p := &httpProc{stderr: &syncBuffer{}, cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.After(10 * time.Second)
	for {
		if m := listeningURL.FindStringSubmatch(p.stderr.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("dingbot --mcp --http exited before listening: %v\n%s", p.err, p.stderr)
		case <-deadline:
			t.Fatalf("dingbot --mcp --http is not listening after 10s:\n%s", p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stop interrupts the server as ctrl+c does and returns its exit code.
func (p *httpProc) stop(t testing.TB) int {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("dingbot --mcp --http did not stop within 15s of SIGINT:\n%s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// httpClient connects mcp-go's Streamable HTTP client to url with headers and initializes it.
func httpClient(t testing.TB, url string, headers map[string]string) *client.Client {
	t.Helper()
	c, err := dialHTTP(t, url, headers)
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	return c
}

func dialHTTP(t testing.TB, url string, headers map[string]string) (*client.Client, error) {
	t.Helper()
	// Quiet: a client closed after its server says so on the default logger.
	c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(headers), transport.WithHTTPLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, c.Start(context.Background())
}

// post sends one raw JSON-RPC request, as a browser or a curious script would.
func post(t testing.TB, url string, headers map[string]string, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// reply is a tool result as these tests read it: the fields every version of the tools keeps.
type reply struct {
	raw     *mcpgo.CallToolResult
	fields  map[string]any
	isError bool
}

// call calls a tool and checks that the result, whatever it says, carries no token or secret.
func call(t testing.TB, c *client.Client, ctx context.Context, name string, args map[string]any) reply {
	t.Helper()
	res, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: protocol error %v (tool failures must be isError results)", name, err)
	}
	r := reply{raw: res, isError: res.IsError}
	if err := json.Unmarshal(res.RawStructuredContent, &r.fields); err != nil {
		t.Fatalf("%s: structured content: %v", name, err)
	}
	whole, _ := json.Marshal(res)
	for _, s := range secrets {
		if strings.Contains(string(whole), s) {
			t.Errorf("%s: result leaks a token or secret: %s", name, whole)
		}
	}
	return r
}

func (r reply) ok() bool     { return r.fields["ok"] == true && !r.isError }
func (r reply) kind() string { k, _ := r.fields["error"].(string); return k }

func (r reply) wantOK(t testing.TB) {
	t.Helper()
	if !r.ok() {
		t.Fatalf("want success, got isError=%v: %s", r.isError, r.raw.RawStructuredContent)
	}
}

func (r reply) wantKind(t testing.TB, kind string) {
	t.Helper()
	if r.ok() || !r.isError || r.kind() != kind {
		t.Fatalf("want an isError result of kind %s, got isError=%v: %s", kind, r.isError, r.raw.RawStructuredContent)
	}
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

func randomToken(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

const sessionOpened = `msg="mcp http session opened"`

// waitLogs waits until the server has logged substr want times, and says how many it logged
// otherwise. The log reaches the test through a pipe, a moment after the server wrote it.
func (p *httpProc) waitLogs(t testing.TB, substr string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(p.stderr.String(), substr) < want && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if n := strings.Count(p.stderr.String(), substr); n != want {
		t.Errorf("logged %q %d times, want %d:\n%s", substr, n, want, p.stderr)
	}
}

// legacyClient connects mcp-go's client with the initialize handshake of 2025-11-25, the
// protocol of today's agents, where the server hands out a session.
func legacyClient(t testing.TB, url string, headers map[string]string) *client.Client {
	t.Helper()
	c, err := dialHTTP(t, url, headers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(t.Context(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ProtocolVersion: mcpgo.LATEST_LEGACY_PROTOCOL_VERSION,
		ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

// TestBinaryHTTPServesTheTools: on loopback, with no token, an agent initializes, lists the
// same tools as over stdio and posts a message that reaches the group.
func TestBinaryHTTPServesTheTools(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	p := b.startHTTP(t, nil)
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") || !strings.HasSuffix(p.url, "/mcp") {
		t.Fatalf("listening on %s, want http://127.0.0.1:PORT/mcp", p.url)
	}
	// The newest protocol (2026-07-28) has no handshake and no sessions; mcp-go's client asks
	// server/discover instead.
	c, err := dialHTTP(t, p.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := initialize(t, c)
	if res.ServerInfo.Name != "dingbot" || res.Instructions == "" {
		t.Errorf("initialize: %+v", res)
	}
	list, err := c.ListTools(t.Context(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := toolNames(list.Tools), toolNames(listTools(t, Options{Outbox: listingOutbox()})); !slices.Equal(got, want) {
		t.Errorf("tools over HTTP %v, want %v", got, want)
	}
	call(t, c, t.Context(), toolSendText, map[string]any{"text": "hello over http", "atNames": []any{"Alice"}}).wantOK(t)
	// alert is signed and wants its keyword 报警: a message without it is refused before sending.
	legacy := legacyClient(t, p.url, nil)
	call(t, legacy, t.Context(), toolSendText, map[string]any{"text": "no keyword", "robot": "alert"}).wantKind(t, KindKeywordMissing)
	call(t, legacy, t.Context(), toolSendText, map[string]any{"text": "报警 over http", "robot": "alert"}).wantOK(t)
	acc := b.sb.Accepted()
	if len(acc) != 2 || textOf(t, acc[0]) != "hello over http @13800000000" || textOf(t, acc[1]) != "报警 over http" {
		t.Fatalf("the sandbox accepted %v, want the two messages", acc)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGINT, want 0\n%s", code, p.stderr)
	}
	p.waitLogs(t, sessionOpened, 1) // the legacy client's
	logs := p.stderr.String()
	if !strings.Contains(logs, `msg="mcp http server stopped"`) {
		t.Errorf("the logs do not show a clean stop:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the logs leak a token or secret:\n%s", logs)
		}
	}
}

// TestBinaryHTTPRateLimitAcrossSessions: 50 concurrent sends over 5 HTTP sessions share one
// robot's limit: exactly 20 reach DingTalk and 30 are told to wait.
func TestBinaryHTTPRateLimitAcrossSessions(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	p := b.startHTTP(t, nil)
	const sessions, perSession = 5, 10
	clients := make([]*client.Client, sessions)
	for i := range clients {
		clients[i] = legacyClient(t, p.url, nil)
	}
	p.waitLogs(t, sessionOpened, sessions)
	results := make([]reply, sessions*perSession)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		wg.Go(func() {
			results[i] = call(t, clients[i%sessions], context.Background(), toolSendText, map[string]any{"text": fmt.Sprint("load ", i)})
		})
	}
	wg.Wait()
	var ok, limited int
	for _, g := range results {
		switch {
		case g.ok():
			ok++
		case g.kind() == KindRateLimited && g.fields["retryAfterSeconds"] != nil:
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

// TestBinaryHTTPRefusesToStartBeyondLoopback: an address other machines can reach needs a
// token, and dingbot says so and exits 2 before it listens.
func TestBinaryHTTPRefusesToStartBeyondLoopback(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"any address", nil, []string{"--http", "0.0.0.0:0"}, "--http-token-env"},
		{"any IPv6 address", nil, []string{"--http", "[::]:0"}, "--http-token-env"},
		{"a host name", nil, []string{"--http", "dingbot.example:8787"}, "--http-token-env"},
		{"a LAN address", nil, []string{"--http", "192.0.2.10:8787"}, "--http-token-env"},
		{"an unset token variable", []string{"DINGBOT_TEST_HTTP_TOKEN="}, []string{"--http", "0.0.0.0:0", "--http-token-env", "DINGBOT_TEST_HTTP_TOKEN"}, "DINGBOT_TEST_HTTP_TOKEN: the variable is not set"},
		{"a short token", []string{"DINGBOT_TEST_HTTP_TOKEN=abc"}, []string{"--http", "127.0.0.1:0", "--http-token-env", "DINGBOT_TEST_HTTP_TOKEN"}, "too short"},
		{"the token itself in argv", nil, []string{"--http", "0.0.0.0:0", "--http-token-env", "0123456789abcdef0123456789abcdef"}, "looks like the token itself"},
		{"a token without --http", nil, []string{"--http-token-env", "DINGBOT_TEST_HTTP_TOKEN"}, "goes with --http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, dingbotBinary(t), append([]string{"--mcp"}, tc.args...)...)
			cmd.Env = append(append(os.Environ(), b.env...), tc.env...)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("exit %v, want 2:\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "listening") {
				t.Errorf("output does not say %q, or says it listens:\n%s", tc.want, out)
			}
			if strings.Contains(string(out), "0123456789abcdef0123456789abcdef") {
				t.Errorf("the token was echoed:\n%s", out)
			}
		})
	}
}

// TestBinaryHTTPToken: with --http-token-env, a request without the token or with a wrong one
// gets 401 with a WWW-Authenticate challenge and opens no session; the right one works. The
// token never shows in the logs.
func TestBinaryHTTPToken(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	token, wrong := randomToken(t), randomToken(t)
	p := b.startHTTP(t, []string{"DINGBOT_TEST_HTTP_TOKEN=" + token}, "--http-token-env", "DINGBOT_TEST_HTTP_TOKEN")
	if !strings.Contains(p.stderr.String(), `auth="bearer token"`) {
		t.Errorf("the log does not say the server wants a token:\n%s", p.stderr)
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		invalid bool
	}{
		{"no token", nil, false},
		{"wrong token", map[string]string{"Authorization": "Bearer " + wrong}, true},
		{"token prefix", map[string]string{"Authorization": "Bearer " + token[:len(token)-1]}, true},
		{"basic auth", map[string]string{"Authorization": "Basic " + token}, false},
		{"token without scheme", map[string]string{"Authorization": token}, false},
	} {
		resp := post(t, p.url, tc.headers, initializeBody)
		challenge := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, "Bearer ") {
			t.Errorf("%s: %s, WWW-Authenticate %q; want 401 with a Bearer challenge", tc.name, resp.Status, challenge)
		}
		if tc.invalid != strings.Contains(challenge, `error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, challenge)
		}
		if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
			t.Errorf("%s: a refused request got session %s", tc.name, id)
		}
	}
	for _, version := range []string{mcpgo.LATEST_LEGACY_PROTOCOL_VERSION, mcpgo.LATEST_PROTOCOL_VERSION} {
		if err := dialHTTPInit(t, p.url, version, map[string]string{"Authorization": "Bearer " + wrong}); err == nil {
			t.Errorf("mcp-go's client (%s) initialized with a wrong token", version)
		}
	}
	// The log is written in order: once a later request's line is there, a session any refused
	// request opened would be too.
	post(t, p.url, map[string]string{"Origin": "http://marker.example"}, initializeBody)
	p.waitLogs(t, "origin=http://marker.example", 1)
	if n := strings.Count(p.stderr.String(), sessionOpened); n != 0 {
		t.Fatalf("refused requests opened %d sessions:\n%s", n, p.stderr)
	}
	refused := strings.Count(p.stderr.String(), `status=401`)
	if refused < 7 {
		t.Errorf("%d refusals logged, want one for each of the 7 requests at least:\n%s", refused, p.stderr)
	}
	c := legacyClient(t, p.url, map[string]string{"Authorization": "Bearer " + token})
	call(t, c, t.Context(), toolListRobots, nil).wantOK(t)
	call(t, c, t.Context(), toolSendText, map[string]any{"text": "with the token"}).wantOK(t)
	modern := httpClient(t, p.url, map[string]string{"Authorization": "Bearer " + token})
	call(t, modern, t.Context(), toolSendText, map[string]any{"text": "with the token, sessionless"}).wantOK(t)
	if n := len(b.sb.Accepted()); n != 2 {
		t.Errorf("the sandbox accepted %d messages, want 2", n)
	}
	p.waitLogs(t, sessionOpened, 1)
	p.stop(t)
	logs := p.stderr.String()
	if strings.Contains(logs, token) || strings.Contains(logs, wrong) {
		t.Errorf("the logs show a bearer token:\n%s", logs)
	}
	if n := strings.Count(logs, `status=401`); n != refused {
		t.Errorf("%d refusals logged, want the %d before: the right token was refused\n%s", n, refused, logs)
	}
}

// dialHTTPInit connects and initializes with version, returning initialize's error.
func dialHTTPInit(t testing.TB, url, version string, headers map[string]string) error {
	t.Helper()
	c, err := dialHTTP(t, url, headers)
	if err != nil {
		return err
	}
	_, err = c.Initialize(t.Context(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ProtocolVersion: version,
		ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
	}})
	return err
}

// TestBinaryHTTPOrigin: a web page from another site (DNS rebinding) is refused with 403; a
// page on this machine, or no Origin at all, is served.
func TestBinaryHTTPOrigin(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	p := b.startHTTP(t, nil)
	host := strings.TrimSuffix(strings.TrimPrefix(p.url, "http://"), "/mcp")
	for _, tc := range []struct {
		headers map[string]string
		want    int
	}{
		{map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{map[string]string{"Origin": "http://evil.example:" + strings.Split(host, ":")[1]}, http.StatusForbidden},
		{map[string]string{"Origin": "https://127.0.0.1.evil.example"}, http.StatusForbidden},
		{map[string]string{"Origin": "null"}, http.StatusForbidden},
		// DNS rebinding: the browser names the attacker's host, now pointing at 127.0.0.1.
		{map[string]string{"Origin": "http://evil.example", "Host": "evil.example"}, http.StatusForbidden},
		{map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{nil, http.StatusOK},
		{map[string]string{"Origin": "http://localhost:3000"}, http.StatusOK},
		{map[string]string{"Origin": "http://" + host}, http.StatusOK},
		{map[string]string{"Origin": "http://[::1]:8080"}, http.StatusOK},
	} {
		resp := post(t, p.url, tc.headers, initializeBody)
		if resp.StatusCode != tc.want {
			t.Errorf("headers %v: %s, want %d", tc.headers, resp.Status, tc.want)
		}
		if resp.StatusCode == http.StatusForbidden && resp.Header.Get("Mcp-Session-Id") != "" {
			t.Errorf("headers %v: refused, yet got a session", tc.headers)
		}
	}
	p.waitLogs(t, `status=403`, 6)
	p.waitLogs(t, sessionOpened, 4) // the allowed requests only
}

// TestBinaryHTTPStopsGracefully: SIGINT while a send is on its way lets it finish and answer,
// then dingbot exits 0.
func TestBinaryHTTPStopsGracefully(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{Delay: 500 * time.Millisecond})
	p := b.startHTTP(t, nil)
	c := legacyClient(t, p.url, nil)
	type outcome struct {
		res *mcpgo.CallToolResult
		err error
	}
	result := make(chan outcome, 1)
	go func() {
		res, err := c.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: toolSendText, Arguments: map[string]any{"text": "in flight"}}})
		result <- outcome{res, err}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for b.inflight.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if b.inflight.Load() == 0 {
		t.Fatal("the send never reached the sandbox")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-result:
		if o.err != nil || o.res.IsError {
			t.Fatalf("the send in flight failed: %v %+v", o.err, o.res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the send in flight got no answer")
	}
	<-p.done
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0:\n%s", code, p.stderr)
	}
	if len(b.sb.Accepted()) != 1 {
		t.Errorf("the sandbox accepted %d messages, want 1", len(b.sb.Accepted()))
	}
	if !strings.Contains(p.stderr.String(), `msg="mcp http server stopped"`) {
		t.Errorf("no clean stop in the logs:\n%s", p.stderr)
	}
}

// hangingDingTalk answers no request until the request is canceled, and counts the requests it
// holds.
func hangingDingTalk(t *testing.T) (url string, holding *atomic.Int32) {
	t.Helper()
	holding = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		holding.Add(1)
		defer holding.Add(-1)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, holding
}

// serveHTTPEnv serves e's options over HTTP on 127.0.0.1 in-process, with token if set.
func serveHTTPEnv(t *testing.T, e *env, token string) (*httpServer, string) {
	t.Helper()
	hs := newHTTPServer(e.opts, token, "127.0.0.1")
	srv := httptest.NewServer(hs)
	t.Cleanup(func() {
		srv.Close()
		_ = hs.streamable.Shutdown(context.Background())
	})
	return hs, srv.URL + HTTPPath
}

// TestHTTPReadOnlyToolsNeverWaitBehindSends: with 40 sends hanging on a dead DingTalk across two
// sessions, the read-only tools answer at once, in a third session and in a busy one. mcp-go
// serves each HTTP request on its own goroutine, with no pool a send could fill.
func TestHTTPReadOnlyToolsNeverWaitBehindSends(t *testing.T) {
	const hanging = 40
	dead, holding := hangingDingTalk(t)
	e := newEnv(t, envConfig{timeout: time.Minute, tweak: func(o *Options) {
		o.Client.Limiter = nil // 40 sends to one robot, all in flight at once
		o.Robots[0].Webhook = sandbox.WebhookURL(dead, opsToken)
	}})
	_, url := serveHTTPEnv(t, e, "")
	busy := []*client.Client{legacyClient(t, url, nil), httpClient(t, url, nil)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := range hanging {
		wg.Go(func() {
			_, _ = busy[i%2].CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: toolSendText, Arguments: map[string]any{"text": fmt.Sprint("hang ", i)}}})
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for holding.Load() < hanging && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if n := holding.Load(); n != hanging {
		t.Fatalf("%d of %d sends reached DingTalk: a send waited for a worker", n, hanging)
	}
	fresh := legacyClient(t, url, nil)
	for _, c := range []*client.Client{fresh, busy[0]} {
		for _, tc := range []struct {
			tool string
			args map[string]any
		}{
			{toolListRobots, nil},
			{toolListContacts, nil},
			{toolPreview, map[string]any{"msgtype": "text", "text": "hi"}},
		} {
			start := time.Now()
			callCtx, stop := context.WithTimeout(context.Background(), 3*time.Second)
			g := call(t, c, callCtx, tc.tool, tc.args)
			stop()
			g.wantOK(t)
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("%s took %v behind %d hanging sends", tc.tool, d, hanging)
			}
		}
	}
}

// TestHTTPChecks: the token and Origin checks in front of mcp-go, request by request.
func TestHTTPChecks(t *testing.T) {
	e := newEnv(t, envConfig{})
	token := randomToken(t)
	hs, url := serveHTTPEnv(t, e, token)
	bearer := "Bearer " + token
	for _, tc := range []struct {
		name    string
		path    string
		headers map[string]string
		want    int
	}{
		{"right token", HTTPPath, map[string]string{"Authorization": bearer}, http.StatusOK},
		{"scheme in any case", HTTPPath, map[string]string{"Authorization": "bearer " + token}, http.StatusOK},
		{"no token", HTTPPath, nil, http.StatusUnauthorized},
		{"empty bearer", HTTPPath, map[string]string{"Authorization": "Bearer "}, http.StatusUnauthorized},
		{"token with extra", HTTPPath, map[string]string{"Authorization": bearer + "x"}, http.StatusUnauthorized},
		{"foreign Origin, right token", HTTPPath, map[string]string{"Authorization": bearer, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"loopback Origin", HTTPPath, map[string]string{"Authorization": bearer, "Origin": "http://127.0.0.1"}, http.StatusOK},
		{"other path", "/", map[string]string{"Authorization": bearer}, http.StatusNotFound},
	} {
		before := hs.sessions.opened.Load()
		resp := post(t, strings.TrimSuffix(url, HTTPPath)+tc.path, tc.headers, initializeBody)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
		}
		opened := hs.sessions.opened.Load() - before
		if (tc.want == http.StatusOK) != (opened == 1) {
			t.Errorf("%s: %d sessions opened", tc.name, opened)
		}
	}
	// A body over maxHTTPBody is cut off, not read into memory whole.
	huge := strings.Replace(initializeBody, `"name":"curl"`, `"name":"`+strings.Repeat("x", maxHTTPBody)+`"`, 1)
	before := hs.sessions.opened.Load()
	if resp := post(t, url, map[string]string{"Authorization": bearer}, huge); resp.StatusCode == http.StatusOK || hs.sessions.opened.Load() != before {
		t.Errorf("a body over %d bytes: %s", maxHTTPBody, resp.Status)
	}
	if strings.Contains(e.logs.String(), token) {
		t.Errorf("the logs show the token:\n%s", e.logs)
	}
}

// TestOriginAllowed: beyond loopback, a page from the host the request was sent to is allowed
// when that host is an IP address (no DNS answer can rebind it) or the name the server listens
// on; any other name could be an attacker's, rebound.
func TestOriginAllowed(t *testing.T) {
	hs := &httpServer{host: "dingbot.internal"}
	for _, tc := range []struct {
		host, origin string
		want         bool
	}{
		{"10.0.0.5:8787", "", true},
		{"10.0.0.5:8787", "http://10.0.0.5:8787", true},
		{"10.0.0.5:8787", "http://10.0.0.5", true},
		{"[fd00::5]:8787", "http://[fd00::5]:8787", true},
		{"10.0.0.5:8787", "http://10.0.0.6:8787", false},
		{"dingbot.internal:8787", "https://dingbot.internal", true},
		{"dingbot.internal:8787", "https://other.internal", false},
		{"evil.example:8787", "http://evil.example:8787", false},
		{"10.0.0.5:8787", "http://localhost:5173", true},
		{"10.0.0.5:8787", "http://127.0.0.9", true},
		{"10.0.0.5:8787", "null", false},
		{"10.0.0.5:8787", "file://", false},
		{"10.0.0.5:8787", "chrome-extension://abc", false},
		{"10.0.0.5:8787", "http://%zz", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://"+tc.host+HTTPPath, nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := hs.originAllowed(r); got != tc.want {
			t.Errorf("Host %s, Origin %q: allowed %v, want %v", tc.host, tc.origin, got, tc.want)
		}
	}
}

// TestHTTPAddress: only loopback addresses go without a token.
func TestHTTPAddress(t *testing.T) {
	for _, tc := range []struct {
		in, addr string
		loopback bool
	}{
		{":8787", "127.0.0.1:8787", true},
		{"8787", "127.0.0.1:8787", true},
		{"localhost:8787", "127.0.0.1:8787", true},
		{"127.0.0.1:0", "127.0.0.1:0", true},
		{"127.0.0.2:8787", "127.0.0.2:8787", true},
		{"[::1]:8787", "[::1]:8787", true},
		{"0.0.0.0:8787", "0.0.0.0:8787", false},
		{"[::]:8787", "[::]:8787", false},
		{"10.1.2.3:8787", "10.1.2.3:8787", false},
		{"localhost.evil.example:8787", "localhost.evil.example:8787", false},
	} {
		addr, loopback, err := HTTPAddress(tc.in)
		if err != nil || addr != tc.addr || loopback != tc.loopback {
			t.Errorf("HTTPAddress(%q) = %q, %v, %v; want %q, %v", tc.in, addr, loopback, err, tc.addr, tc.loopback)
		}
		err = CheckHTTP(HTTPOptions{Addr: tc.in})
		if tc.loopback != (err == nil) || (!tc.loopback && !errors.Is(err, ErrTokenRequired)) {
			t.Errorf("CheckHTTP(%q) without a token: %v", tc.in, err)
		}
		if err := CheckHTTP(HTTPOptions{Addr: tc.in, Token: "0123456789abcdefXYZ"}); err != nil {
			t.Errorf("CheckHTTP(%q) with a token: %v", tc.in, err)
		}
	}
	for _, bad := range []string{"", "host", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1"} {
		if _, _, err := HTTPAddress(bad); err == nil {
			t.Errorf("HTTPAddress(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"short", "with space inside 0123", "tab\t0123456789abcdef"} {
		if err := CheckHTTP(HTTPOptions{Addr: ":0", Token: bad}); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

// TestServeHTTPShutdownCancelsHungCalls: a call still running when the shutdown timeout ends is
// canceled, and ServeHTTP returns soon after instead of waiting for DingTalk.
func TestServeHTTPShutdownCancelsHungCalls(t *testing.T) {
	dead, holding := hangingDingTalk(t)
	e := newEnv(t, envConfig{timeout: time.Minute, tweak: func(o *Options) {
		o.Robots[0].Webhook = sandbox.WebhookURL(dead, opsToken)
	}})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	urls := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- ServeHTTP(ctx, e.opts, HTTPOptions{Addr: "127.0.0.1:0", ShutdownTimeout: 100 * time.Millisecond, OnListen: func(u string) { urls <- u }})
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-served:
		t.Fatal(err)
	}
	c := legacyClient(t, url, nil)
	called := make(chan error, 1)
	go func() {
		_, err := c.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: toolSendText, Arguments: map[string]any{"text": "hangs"}}})
		called <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for holding.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	start := time.Now()
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeHTTP: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeHTTP still running 5s after its context ended")
	}
	if d := time.Since(start); d > 100*time.Millisecond+abortGrace {
		t.Errorf("shutdown took %v", d)
	}
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Error("the hung call never returned")
	}
	for holding.Load() != 0 && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(2 * time.Millisecond)
	}
	if holding.Load() != 0 {
		t.Error("the request to DingTalk is still open")
	}
	for _, want := range []string{"canceling them", `msg="mcp http server stopped"`} {
		if !strings.Contains(e.logs.String(), want) {
			t.Errorf("the logs lack %q:\n%s", want, e.logs)
		}
	}
}
