package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// Tokens and secrets of the test robots; no result may ever contain them.
const (
	opsToken     = "ops0token0000000000000000000000000000000000000000000000000000000"
	alertToken   = "alert0token000000000000000000000000000000000000000000000000000000"
	alertSecret  = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	wrongSecret  = "SECffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	badSignToken = "badsign0token00000000000000000000000000000000000000000000000000000"
)

var secrets = []string{opsToken, alertToken, alertSecret, wrongSecret, badSignToken}

// env is an MCP server wired to a sandbox on loopback, and an in-process client talking to it.
type env struct {
	t      *testing.T
	sb     *sandbox.Server
	url    string
	opts   Options
	client *client.Client
	logs   *syncBuffer
}

type envConfig struct {
	sandbox sandbox.Options
	timeout time.Duration
	tweak   func(*Options)
}

// newEnv starts a sandbox with three robots — ops (unsigned), alert (signed, keyword 报警) and
// badsign (configured with the wrong secret) — and an in-process MCP client.
func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	sbOpts := cfg.sandbox
	sbOpts.Robots = []sandbox.Robot{
		{Token: opsToken},
		{Token: alertToken, Secret: alertSecret, Keywords: []string{"报警"}},
		{Token: badSignToken, Secret: alertSecret},
	}
	sb := sandbox.New(sbOpts)
	srv := httptest.NewServer(readBodyFirst(sb))
	t.Cleanup(srv.Close)

	timeout := cfg.timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	dc := dingtalk.NewClient(timeout)
	dc.Limiter = ratelimit.New(t.TempDir())
	dc.RetryDelay = time.Millisecond

	logs := &syncBuffer{}
	opts := Options{
		Robots: []dingtalk.Robot{
			{Name: "ops", Webhook: sandbox.WebhookURL(srv.URL, opsToken), AllowCustomHost: true},
			{Name: "alert", Webhook: sandbox.WebhookURL(srv.URL, alertToken), Secret: alertSecret, Keywords: []string{"报警"}, AllowCustomHost: true},
			{Name: "badsign", Webhook: sandbox.WebhookURL(srv.URL, badSignToken), Secret: wrongSecret, AllowCustomHost: true},
		},
		DefaultRobot: "ops",
		Contacts: dingtalk.Contacts{
			{Name: "Alice", Mobile: "13800000000"},
			{Name: "Bob", UserID: "bob01"},
			{Name: "Carol", Mobile: "+852-12345678", UserID: "carol"},
		},
		Client:  dc,
		Version: "test",
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
	}
	if cfg.tweak != nil {
		cfg.tweak(&opts)
	}
	e := &env{t: t, sb: sb, url: srv.URL, opts: opts, logs: logs}
	e.client = inProcessClient(t, opts)
	return e
}

func inProcessClient(t *testing.T, opts Options) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(newServer(opts, server.WithOutputSchemaValidation()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	return c
}

func initialize(t testing.TB, c *client.Client) *mcpgo.InitializeResult {
	t.Helper()
	res, err := c.Initialize(context.Background(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ProtocolVersion: mcpgo.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
	}})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return res
}

// readBodyFirst reads the request body before the sandbox sees the request, as DingTalk does.
// net/http notices a client that went away only once the body is read, so without this a
// sandbox Delay would never see a canceled request.
func readBodyFirst(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

// got is a tool result as an agent sees it: the structured content, decoded both loosely and
// into Result, and the text.
type got struct {
	raw     *mcpgo.CallToolResult
	fields  map[string]any
	r       Result
	text    string
	isError bool
}

func (e *env) call(name string, args map[string]any) got {
	e.t.Helper()
	return callTool(e.t, e.client, context.Background(), name, args)
}

func callTool(t testing.TB, c *client.Client, ctx context.Context, name string, args map[string]any) got {
	t.Helper()
	res, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: protocol error %v (tool failures must be isError results)", name, err)
	}
	return decodeResult(t, name, res)
}

func decodeResult(t testing.TB, name string, res *mcpgo.CallToolResult) got {
	t.Helper()
	g := got{raw: res, isError: res.IsError}
	if len(res.RawStructuredContent) == 0 {
		t.Fatalf("%s: result without structured content: %+v", name, res)
	}
	if err := json.Unmarshal(res.RawStructuredContent, &g.fields); err != nil {
		t.Fatalf("%s: structured content: %v", name, err)
	}
	if err := json.Unmarshal(res.RawStructuredContent, &g.r); err != nil {
		t.Fatalf("%s: structured content: %v", name, err)
	}
	for _, k := range alwaysPresent(name) {
		if _, ok := g.fields[k]; !ok {
			t.Errorf("%s: structured content lacks %q: %s", name, k, res.RawStructuredContent)
		}
	}
	checkOutputSchema(t, name, res.RawStructuredContent)
	if ws, ok := g.fields["warnings"].([]any); !ok || ws == nil {
		t.Errorf("%s: warnings is not an array: %s", name, res.RawStructuredContent)
	}
	if len(res.Content) == 0 {
		t.Fatalf("%s: result without text content", name)
	}
	tc, ok := res.Content[0].(mcpgo.TextContent)
	if !ok || strings.TrimSpace(tc.Text) == "" {
		t.Fatalf("%s: first content is not a non-empty text: %#v", name, res.Content[0])
	}
	g.text = tc.Text
	if g.isError != !g.r.OK && name != "preview_message" {
		t.Errorf("%s: isError %v but ok %v", name, g.isError, g.r.OK)
	}
	if g.isError && g.r.Error == "" {
		t.Errorf("%s: error result without an error kind: %s", name, res.RawStructuredContent)
	}
	whole, _ := json.Marshal(res)
	for _, s := range secrets {
		if strings.Contains(string(whole), s) {
			t.Errorf("%s: result leaks a token or secret: %s", name, whole)
		}
	}
	return g
}

// alwaysPresent are the fields every result of tool name has, success or failure.
func alwaysPresent(name string) []string {
	common := []string{"ok", "errmsg", "hint", "warnings"}
	switch {
	case isSendTool(name):
		return append(common, "errcode", "robot", "msgtype", "bytes")
	case name == toolPreview:
		return append(common, "robot", "msgtype", "bytes", "maxBytes")
	case name == toolListRobots:
		return append(common, "robot", "robots")
	case name == toolListContacts:
		return append(common, "contacts")
	}
	return common
}

// wantFailure checks a failed call's kind.
func (g got) wantFailure(t *testing.T, kind string) {
	t.Helper()
	if !g.isError || g.r.OK {
		t.Fatalf("want an isError result of kind %s, got isError=%v: %s\n%s", kind, g.isError, g.raw.RawStructuredContent, g.text)
	}
	if g.r.Error != kind {
		t.Fatalf("error kind = %q, want %q: %s\n%s", g.r.Error, kind, g.raw.RawStructuredContent, g.text)
	}
	if g.r.Hint == "" || g.r.Errmsg == "" {
		t.Errorf("failure without errmsg or hint: %s", g.raw.RawStructuredContent)
	}
	if !strings.Contains(g.text, "Hint:") {
		t.Errorf("failure text gives no hint: %s", g.text)
	}
}

func (g got) wantOK(t *testing.T) {
	t.Helper()
	if g.isError || !g.r.OK {
		t.Fatalf("want success, got isError=%v: %s\n%s", g.isError, g.raw.RawStructuredContent, g.text)
	}
}

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// textOf returns the "content" of a text message the sandbox accepted.
func textOf(t *testing.T, a sandbox.Arrival) string {
	t.Helper()
	switch a.Msgtype {
	case "text":
		return a.Message["text"].(map[string]any)["content"].(string)
	case "markdown":
		return a.Message["markdown"].(map[string]any)["text"].(string)
	}
	t.Fatalf("no text in a %s message", a.Msgtype)
	return ""
}

func strList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func mcpListTools() mcpgo.ListToolsRequest { return mcpgo.ListToolsRequest{} }

// clientFor starts an in-process client for a server with opts, not yet initialized.
func clientFor(opts Options) (*client.Client, error) {
	c, err := client.NewInProcessClient(NewServer(opts))
	if err != nil {
		return nil, err
	}
	return c, c.Start(context.Background())
}
