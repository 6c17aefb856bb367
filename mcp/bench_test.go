package mcp

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// benchClient is an in-process client for a server whose robot posts to a loopback sandbox,
// without a rate limiter so that every iteration really sends.
func benchClient(b *testing.B, tweak func(*Options)) *client.Client {
	b.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Limit: 1 << 30}))
	b.Cleanup(srv.Close)
	opts := Options{
		Robots:       []dingtalk.Robot{{Name: "bench", Webhook: sandbox.WebhookURL(srv.URL, sandbox.DefaultToken), AllowCustomHost: true}},
		DefaultRobot: "bench",
		Client:       dingtalk.NewClient(0),
		Logger:       slog.New(slog.DiscardHandler),
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := clientFor(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	initialize(b, c)
	return c
}

func benchCall(b *testing.B, c *client.Client, name string, args map[string]any) {
	b.Helper()
	req := mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: name, Arguments: args}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
	}
}

var benchMarkdown = map[string]any{
	"title": "Deploy", "text": "## Deploy finished\n\n- service: **api**\n- version: v1.2.3\n\n[details](https://ci.example.com/1)",
	"atMobiles": []any{"13800000000"},
}

// BenchmarkSendMarkdown is one send_markdown_message call end to end: MCP framing, argument
// reading, Prepare, signing-free HTTP POST to a loopback sandbox and the structured result.
func BenchmarkSendMarkdown(b *testing.B) {
	benchCall(b, benchClient(b, nil), "send_markdown_message", benchMarkdown)
}

// BenchmarkSendMarkdownDryRun is the same call without the HTTP request: dingbot's own overhead.
func BenchmarkSendMarkdownDryRun(b *testing.B) {
	benchCall(b, benchClient(b, func(o *Options) { o.DryRun = true }), "send_markdown_message", benchMarkdown)
}

func BenchmarkPreview(b *testing.B) {
	args := map[string]any{"msgtype": "markdown"}
	for k, v := range benchMarkdown {
		args[k] = v
	}
	benchCall(b, benchClient(b, nil), "preview_message", args)
}

func BenchmarkListRobots(b *testing.B) {
	benchCall(b, benchClient(b, nil), "list_robots", nil)
}
