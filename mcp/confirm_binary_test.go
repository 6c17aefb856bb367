package mcp

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// These tests run the real binary with confirm mode and queued sends, through mcp-go's client
// over stdio and over HTTP, with a user behind the client (an elicitation handler) or not.

// startClient starts c on tr, already started, and initializes it speaking version.
func startClient(t testing.TB, tr transport.Interface, version string, opts ...client.ClientOption) *client.Client {
	t.Helper()
	c := client.NewClient(tr, opts...)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(context.Background(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ProtocolVersion: version,
		ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

// elicitingStdioClient starts dingbot --mcp with args through mcp-go's stdio client, whose user
// answers through u.
func (b *binEnv) elicitingStdioClient(t testing.TB, u *elicitor, version string, args ...string) (*client.Client, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	tr := transport.NewStdioWithOptions(dingbotBinary(t), b.env, append([]string{"--mcp"}, args...), transport.WithCommandStderrWriter(stderr))
	if err := tr.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return startClient(t, tr, version, client.WithElicitationHandler(u)), stderr
}

// elicitingHTTPClient connects mcp-go's Streamable HTTP client, whose user answers through u.
func elicitingHTTPClient(t testing.TB, url string, u *elicitor, version string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, tr, version, client.WithElicitationHandler(u))
}

// stateDir is the state directory the binary uses.
func (b *binEnv) stateDir() string {
	for _, kv := range b.env {
		if v, ok := strings.CutPrefix(kv, "DINGBOT_STATE_DIR="); ok {
			return v
		}
	}
	panic("no DINGBOT_STATE_DIR")
}

// almostFull fills robot ops's window in the binary's rate-limit state with sends made a
// minute ago less free: the next send is rate limited, and slots free after free.
func (b *binEnv) almostFull(t testing.TB, free time.Duration) {
	t.Helper()
	lim := ratelimit.New(filepath.Join(b.stateDir(), "ratelimit"))
	// A send holds its slot for the window and a margin of 1/30 of it.
	start := time.Now().Add(free - time.Minute - 2*time.Second)
	for i := range 21 {
		at := start.Add(time.Duration(i) * time.Millisecond)
		lim.Now = func() time.Time { return at }
		wait, err := lim.Reserve(opsToken)
		switch {
		case err != nil:
			t.Fatal(err)
		case wait > 0 && i == 0:
			t.Fatal("the window is already full")
		case wait > 0:
			return
		}
	}
	t.Fatal("the window never filled")
}

// confirmRound sends one message three times through c, whose user accepts, declines and
// dismisses it: only the first is posted.
func confirmRound(t *testing.T, c *client.Client, u *elicitor, sb *sandbox.Server, text string) {
	t.Helper()
	before := len(sb.Arrivals())
	u.answer(mcpgo.ElicitationResponseActionAccept)
	args := map[string]any{"text": text, "atNames": []any{"alice"}}
	callTool(t, c, context.Background(), toolSendText, args).wantOK(t)
	if n := len(sb.Arrivals()) - before; n != 1 {
		t.Fatalf("accepted: %d requests reached DingTalk", n)
	}
	q := u.questions()
	last := q[len(q)-1]
	for _, want := range []string{`robot "ops"`, "Notifies: mobiles 13800000000", text, "of 20000 bytes"} {
		if !strings.Contains(last, want) {
			t.Errorf("the user was asked without %q:\n%s", want, last)
		}
	}
	for _, action := range []mcpgo.ElicitationResponseAction{mcpgo.ElicitationResponseActionDecline, mcpgo.ElicitationResponseActionCancel} {
		u.answer(action)
		callTool(t, c, context.Background(), toolSendText, args).wantFailure(t, KindDeclined)
	}
	if n := len(sb.Arrivals()) - before; n != 1 {
		t.Fatalf("declined or dismissed sends reached DingTalk: %d requests", n)
	}
}

// TestBinaryConfirm: dingbot --mcp --confirm asks the user of a client that can ask, over
// stdio, in both protocol eras: before 2026-07-28 the server sends elicitation/create on stdout
// and reads the answer from stdin, beside the tool call it holds.
func TestBinaryConfirm(t *testing.T) {
	for era, version := range eras {
		t.Run(era, func(t *testing.T) {
			b := newBinEnv(t, sandbox.Options{})
			u := &elicitor{}
			c, stderr := b.elicitingStdioClient(t, u, version, "--confirm")
			confirmRound(t, c, u, b.sb, "deploy 42 done")
			// Read-only tools ask nobody.
			callTool(t, c, context.Background(), toolListRobots, nil).wantOK(t)
			if n := len(u.questions()); n != 3 {
				t.Errorf("the user was asked %d times, want 3", n)
			}
			if !strings.Contains(stderr.String(), "confirm=true") {
				t.Errorf("the server does not log confirm mode:\n%s", stderr)
			}
		})
	}
}

// TestBinaryConfirmToken: confirm = true in the config; a client that cannot ask the user gets
// the message and a token, which posts it once.
func TestBinaryConfirmToken(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.appendConfig(t, "\n[mcp]\nconfirm = true\n")
	c, _ := b.stdioClient(t)
	args := map[string]any{"text": "release 1.2 is out"}
	ask := callTool(t, c, context.Background(), toolSendText, args)
	ask.wantOK(t)
	if !ask.r.NeedsConfirmation || ask.r.ConfirmToken == "" || len(b.sb.Arrivals()) != 0 {
		t.Fatalf("no approval asked: %s", ask.raw.RawStructuredContent)
	}
	changed := map[string]any{"text": "release 1.3 is out", "confirmToken": ask.r.ConfirmToken}
	callTool(t, c, context.Background(), toolSendText, changed).wantFailure(t, KindConfirmationInvalid)
	args["confirmToken"] = ask.r.ConfirmToken
	callTool(t, c, context.Background(), toolSendText, args).wantOK(t)
	callTool(t, c, context.Background(), toolSendText, args).wantFailure(t, KindConfirmationInvalid)
	acc := b.sb.Accepted()
	if len(acc) != 1 || string(acc[0].Body) != string(ask.r.Body) || len(b.sb.Arrivals()) != 1 {
		t.Fatalf("posted %d of %d requests; body %s, approved %s", len(acc), len(b.sb.Arrivals()), acc[0].Body, ask.r.Body)
	}
}

// appendConfig adds toml to the config file.
func (b *binEnv) appendConfig(t testing.TB, toml string) {
	t.Helper()
	data, err := os.ReadFile(b.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	b.config(t, string(data)+toml)
}

// TestBinaryQueuedThenDelivered: with queue_when_limited in the config, a send over the rate
// limit is queued by dingbot --mcp, which then delivers it as soon as a slot frees;
// delivery_status follows it from queued to delivered.
func TestBinaryQueuedThenDelivered(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.appendConfig(t, "\n[mcp]\nqueue_when_limited = true\n")
	c, stderr := b.stdioClient(t)
	b.almostFull(t, 1500*time.Millisecond)
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "queued by the server"})
	g.wantOK(t)
	if !g.r.Queued || len(g.r.DeliveryIDs) != 1 || g.r.Position == nil || g.r.EtaSeconds == nil || *g.r.EtaSeconds > 2 {
		t.Fatalf("not queued: %s", g.raw.RawStructuredContent)
	}
	followToDelivered(t, c, g.r.DeliveryIDs, 10*time.Second)
	acc := b.sb.Accepted()
	if len(acc) != 1 || acc[0].Message["msgUuid"] != g.r.MsgUUID || textOf(t, acc[0]) != "queued by the server" {
		t.Fatalf("the sandbox got %+v", acc)
	}
	for _, s := range secrets {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("stderr leaks a secret:\n%s", stderr)
		}
	}
}

// followToDelivered polls delivery_status through c until every id is delivered: queued (or
// sending) first, never failed.
func followToDelivered(t *testing.T, c *client.Client, ids []string, within time.Duration) {
	t.Helper()
	args := map[string]any{"deliveryIds": ids}
	deadline := time.Now().Add(within)
	seenQueued := false
	for {
		g := callTool(t, c, context.Background(), toolDeliveries, args)
		g.wantOK(t)
		list, _ := g.fields["deliveries"].([]any)
		done := len(list) == len(ids)
		for _, d := range list {
			state := mapOf(d)["state"]
			switch state {
			case string(delivery.Queued), string(delivery.Sending):
				seenQueued = true
				done = false
			case stateDelivered:
			default:
				t.Fatalf("delivery_status: %s", g.raw.RawStructuredContent)
			}
		}
		if done {
			if !seenQueued {
				t.Errorf("delivery_status never reported the message queued")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered within %v: %s", within, g.raw.RawStructuredContent)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBinaryHTTPConfirmAndQueue: dingbot --mcp --http --confirm asks the user of each session
// in both protocol eras; an approved send the rate limit holds up is queued and delivered.
func TestBinaryHTTPConfirmAndQueue(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	b.appendConfig(t, "\n[mcp]\nqueue_when_limited = true\n")
	p := b.startHTTP(t, nil, "--confirm")
	for era, version := range eras {
		t.Run(era, func(t *testing.T) {
			u := &elicitor{}
			c := elicitingHTTPClient(t, p.url, u, version)
			confirmRound(t, c, u, b.sb, "over HTTP, "+era)
		})
	}
	u := &elicitor{action: mcpgo.ElicitationResponseActionAccept}
	c := elicitingHTTPClient(t, p.url, u, mcpgo.LATEST_PROTOCOL_VERSION)
	b.almostFull(t, 1500*time.Millisecond)
	before := len(b.sb.Accepted())
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "approved, then queued"})
	g.wantOK(t)
	if !g.r.Queued || len(u.questions()) != 1 {
		t.Fatalf("asked %d times; result %s", len(u.questions()), g.raw.RawStructuredContent)
	}
	followToDelivered(t, c, g.r.DeliveryIDs, 10*time.Second)
	if acc := b.sb.Accepted(); len(acc) != before+1 || acc[before].Message["msgUuid"] != g.r.MsgUUID {
		t.Fatalf("the sandbox got %d more", len(acc)-before)
	}
}
