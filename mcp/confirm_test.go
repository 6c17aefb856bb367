package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// elicitor is the user behind an MCP client that can ask them: it answers every elicitation
// with action and remembers what it was asked.
type elicitor struct {
	mu     sync.Mutex
	action mcpgo.ElicitationResponseAction
	asked  []mcpgo.ElicitationParams
}

func (e *elicitor) Elicit(_ context.Context, req mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.asked = append(e.asked, req.Params)
	res := &mcpgo.ElicitationResult{ElicitationResponse: mcpgo.ElicitationResponse{Action: e.action}}
	if e.action == mcpgo.ElicitationResponseActionAccept {
		res.Content = map[string]any{}
	}
	return res, nil
}

func (e *elicitor) answer(a mcpgo.ElicitationResponseAction) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.action = a
}

// questions returns what the user was asked so far.
func (e *elicitor) questions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.asked))
	for i, p := range e.asked {
		out[i] = p.Message
	}
	return out
}

// Protocol eras a client may speak: from 2026-07-28 the server asks through a multi round-trip
// result, before it sends elicitation/create itself.
var eras = map[string]string{"modern": mcpgo.LATEST_PROTOCOL_VERSION, "legacy": mcpgo.LATEST_LEGACY_PROTOCOL_VERSION}

// elicitingClient connects an in-process client that asks the user through u, speaking version.
func (e *env) elicitingClient(t *testing.T, u *elicitor, version string) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClientWithOptions(newServer(e.opts, server.WithOutputSchemaValidation()), client.WithElicitationHandler(u))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(context.Background(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
		ProtocolVersion: version,
		ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
	}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func confirmMode(o *Options) { o.Confirm = true }

// TestConfirmAsksTheUser: in confirm mode a client that can ask the user shows them the robot,
// who is notified, the size and the first lines; accepted, the message is posted; declined or
// dismissed, nothing is, and the send fails as declined. Both protocol eras.
func TestConfirmAsksTheUser(t *testing.T) {
	for era, version := range eras {
		t.Run(era, func(t *testing.T) {
			e := newEnv(t, envConfig{tweak: confirmMode})
			u := &elicitor{action: mcpgo.ElicitationResponseActionAccept}
			c := e.elicitingClient(t, u, version)
			args := map[string]any{"text": "disk full on db1\nsecond line", "atNames": []any{"alice"}, "atUserIds": []any{"bob01"}}

			g := callTool(t, c, context.Background(), toolSendText, args)
			g.wantOK(t)
			acc := e.sb.Accepted()
			if len(acc) != 1 || g.r.NeedsConfirmation {
				t.Fatalf("accepted: %d posted, result %s", len(acc), g.raw.RawStructuredContent)
			}
			asked := u.questions()
			if len(asked) != 1 {
				t.Fatalf("the user was asked %d times, want once", len(asked))
			}
			for _, want := range []string{`robot "ops"`, "Notifies: mobiles 13800000000; userIds bob01", "disk full on db1", "second line",
				"Size: " + itoa(len(acc[0].Body)) + " of 20000 bytes"} {
				if !strings.Contains(asked[0], want) {
					t.Errorf("the question lacks %q:\n%s", want, asked[0])
				}
			}

			for _, action := range []mcpgo.ElicitationResponseAction{mcpgo.ElicitationResponseActionDecline, mcpgo.ElicitationResponseActionCancel} {
				u.answer(action)
				g := callTool(t, c, context.Background(), toolSendText, args)
				g.wantFailure(t, KindDeclined)
				if !strings.HasPrefix(g.r.Hint, "nothing was sent") {
					t.Errorf("%s: hint %q", action, g.r.Hint)
				}
				if n := len(e.sb.Arrivals()); n != 1 {
					t.Fatalf("%s: %d requests reached DingTalk, want the 1 accepted", action, n)
				}
			}
			if n := len(u.questions()); n != 3 {
				t.Errorf("the user was asked %d times, want 3", n)
			}

			// A dry run asks nobody.
			e.opts.DryRun = true
			dry := e.elicitingClient(t, u, version)
			callTool(t, dry, context.Background(), toolSendText, args).wantOK(t)
			if n := len(u.questions()); n != 3 {
				t.Errorf("a dry run asked the user")
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestConfirmTokenPath: a client that cannot ask the user gets the exact message and a token;
// the same call with the token posts that message byte for byte, once; a reused, expired,
// foreign or mismatched token is refused and posts nothing.
func TestConfirmTokenPath(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.Confirm, o.now = true, clock }})
	args := map[string]any{"text": "报警 deploy 42 done", "robot": "alert", "atMobiles": []any{"13800000000"}}

	ask := e.call(toolSendText, args)
	ask.wantOK(t)
	if !ask.r.NeedsConfirmation || ask.r.ConfirmToken == "" || len(ask.r.Body) == 0 || ask.r.Errcode != nil {
		t.Fatalf("no needsConfirmation: %s", ask.raw.RawStructuredContent)
	}
	if !strings.HasPrefix(ask.r.Hint, "nothing was sent") || !strings.Contains(ask.text, "NOT SENT") || !strings.Contains(ask.text, "Notifies: mobiles 13800000000") {
		t.Errorf("hint %q\n%s", ask.r.Hint, ask.text)
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("asking for approval posted %d", n)
	}

	with := func(kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range args {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	// The body changed: refused, and the token still approves the message it was given for.
	e.call(toolSendText, with("text", "报警 deploy 43 done", "confirmToken", ask.r.ConfirmToken)).wantFailure(t, KindConfirmationInvalid)
	e.call(toolSendText, with("atMobiles", []any{}, "confirmToken", ask.r.ConfirmToken)).wantFailure(t, KindConfirmationInvalid)
	e.call(toolSendText, with("msgUuid", "another-uuid", "confirmToken", ask.r.ConfirmToken)).wantFailure(t, KindConfirmationInvalid)
	// Another robot: refused.
	e.call(toolSendText, with("robot", "ops", "confirmToken", ask.r.ConfirmToken)).wantFailure(t, KindConfirmationInvalid)
	// A token never handed out: refused.
	e.call(toolSendText, with("confirmToken", "ct_made_up")).wantFailure(t, KindConfirmationInvalid)
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("refused tokens posted %d", n)
	}

	sent := e.call(toolSendText, with("confirmToken", ask.r.ConfirmToken))
	sent.wantOK(t)
	acc := e.sb.Accepted()
	if len(acc) != 1 || string(acc[0].Body) != string(ask.r.Body) || sent.r.MsgUUID != ask.r.MsgUUID {
		t.Fatalf("posted %d; body %s, approved %s", len(acc), acc[0].Body, ask.r.Body)
	}
	// Used once: a second post with it is refused.
	reuse := e.call(toolSendText, with("confirmToken", ask.r.ConfirmToken))
	reuse.wantFailure(t, KindConfirmationInvalid)
	if !strings.Contains(reuse.r.Errmsg, "already used") || !strings.Contains(reuse.r.Hint, "without confirmToken") {
		t.Errorf("reuse: %q, hint %q", reuse.r.Errmsg, reuse.r.Hint)
	}

	// Expired after 10 minutes.
	ask = e.call(toolSendText, args)
	advance(10*time.Minute - time.Second)
	fresh := e.call(toolSendText, args) // still valid: a minute ago
	advance(2 * time.Second)
	expired := e.call(toolSendText, with("confirmToken", ask.r.ConfirmToken))
	expired.wantFailure(t, KindConfirmationInvalid)
	if !strings.Contains(expired.r.Errmsg, "expired") {
		t.Errorf("expired: %q", expired.r.Errmsg)
	}
	e.call(toolSendText, with("confirmToken", fresh.r.ConfirmToken)).wantOK(t)
	if n := len(e.sb.Accepted()); n != 2 {
		t.Errorf("%d posted, want 2", n)
	}
}

// TestConfirmTokenSplit: a split message is approved as a whole: every part's body is shown,
// and the token posts exactly those parts.
func TestConfirmTokenSplit(t *testing.T) {
	e := newEnv(t, envConfig{tweak: confirmMode})
	args := map[string]any{"text": strings.Repeat("报警 a long line\n", 1500), "split": true}
	ask := e.call(toolSendText, args)
	ask.wantOK(t)
	if !ask.r.NeedsConfirmation || len(ask.r.Parts) < 2 || ask.r.Body != nil {
		t.Fatalf("split approval: %s", ask.raw.RawStructuredContent)
	}
	args["confirmToken"] = ask.r.ConfirmToken
	e.call(toolSendText, args).wantOK(t)
	acc := e.sb.Accepted()
	if len(acc) != len(ask.r.Parts) {
		t.Fatalf("posted %d parts, approved %d", len(acc), len(ask.r.Parts))
	}
	for i, p := range ask.r.Parts {
		if string(p.Body) != string(acc[i].Body) {
			t.Errorf("part %d: posted %.80s, approved %.80s", i+1, acc[i].Body, p.Body)
		}
	}
}

// TestConfirmAnswerIsBoundToTheMessage: the answer of a multi round-trip is bound to the
// message asked about: a client that sends the accept of one message with another gets
// confirmation_invalid.
func TestConfirmAnswerIsBoundToTheMessage(t *testing.T) {
	e := newEnv(t, envConfig{tweak: confirmMode})
	ts := newToolset(e.opts)
	send := ts.sendHandler(toolSendText, "text")
	req := func(text, state string) mcpgo.CallToolRequest {
		var r mcpgo.CallToolRequest
		r.Params.Name = toolSendText
		r.Params.Arguments = map[string]any{"text": text}
		if state != "" {
			r.Params.RequestState = state
			r.Params.InputResponses = mcpgo.InputResponses{confirmInput: mcpgo.NewElicitationInputResponse(mcpgo.ElicitationResult{
				ElicitationResponse: mcpgo.ElicitationResponse{Action: mcpgo.ElicitationResponseActionAccept}})}
		}
		return r
	}
	// A modern request from a client that elicits gets asked for input.
	ctx := server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{Modern: true,
		ProtocolVersion: mcpgo.LATEST_PROTOCOL_VERSION, ClientCapabilities: &mcpgo.ClientCapabilities{Elicitation: &mcpgo.ElicitationCapability{}}})
	res, err := send(ctx, req("first message", ""))
	if err != nil || !res.NeedsInput() || res.RequestState == "" {
		t.Fatalf("want an input request: %v %+v", err, res)
	}
	state := res.RequestState
	other, _ := send(ctx, req("second message", state))
	if !other.IsError || !strings.Contains(string(mustJSON(t, other.StructuredContent)), KindConfirmationInvalid) {
		t.Fatalf("an answer about another message was taken: %+v", other)
	}
	ok, _ := send(ctx, req("first message", state))
	if ok.IsError {
		t.Fatalf("the answer for this message was refused: %s", mustJSON(t, ok.StructuredContent))
	}
	again, _ := send(ctx, req("first message", state))
	if !again.IsError {
		t.Fatalf("one answer posted twice")
	}
	if n := len(e.sb.Accepted()); n != 1 {
		t.Errorf("%d posted, want 1", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failingUser is a client whose elicitation always fails.
type failingUser struct{}

func (failingUser) Elicit(context.Context, mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
	return nil, errors.New("the dialog could not open")
}

// TestConfirmFallsBackToTheToken: when a client that declared elicitation cannot ask after all
// (before 2026-07-28, where the server sends the request), approval goes through the agent:
// needsConfirmation and a token, with a warning, and nothing is posted.
func TestConfirmFallsBackToTheToken(t *testing.T) {
	e := newEnv(t, envConfig{tweak: confirmMode})
	c, err := client.NewInProcessClientWithOptions(newServer(e.opts), client.WithElicitationHandler(failingUser{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(context.Background(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{ProtocolVersion: mcpgo.LATEST_LEGACY_PROTOCOL_VERSION}}); err != nil {
		t.Fatal(err)
	}
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "hello"})
	g.wantOK(t)
	if !g.r.NeedsConfirmation || g.r.ConfirmToken == "" || len(g.r.Warnings) == 0 || !strings.Contains(g.r.Warnings[0], "could not ask the user") {
		t.Fatalf("fallback: %s", g.raw.RawStructuredContent)
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("%d requests reached DingTalk", n)
	}
}

// TestConfirmTokenOutlivesAFailedSend: a token whose send then posted nothing (rate limited)
// still approves the message: the same call posts it once the robot may send, and only once.
func TestConfirmTokenOutlivesAFailedSend(t *testing.T) {
	const window = 300 * time.Millisecond
	e := newEnv(t, envConfig{sandbox: sandbox.Options{Window: window}, tweak: func(o *Options) {
		o.Confirm = true
		lim := ratelimit.New(t.TempDir())
		lim.Window = window
		o.Client.Limiter = lim
	}})
	for range 20 {
		if wait, err := e.opts.Client.Limiter.Reserve(opsToken); wait != 0 || err != nil {
			t.Fatal(wait, err)
		}
	}
	args := map[string]any{"text": "approved once"}
	ask := e.call(toolSendText, args)
	args["confirmToken"] = ask.r.ConfirmToken
	held := e.call(toolSendText, args)
	held.wantFailure(t, KindRateLimited)
	if !strings.Contains(held.r.Hint, "confirmToken still approves") || !strings.Contains(held.text, "confirmToken still approves") {
		t.Errorf("hint %q", held.r.Hint)
	}
	time.Sleep(window + window/30 + 50*time.Millisecond) // the window, its margin and some

	e.call(toolSendText, args).wantOK(t)
	e.call(toolSendText, args).wantFailure(t, KindConfirmationInvalid)
	if acc := e.sb.Accepted(); len(acc) != 1 || string(acc[0].Body) != string(ask.r.Body) {
		t.Fatalf("posted %d", len(acc))
	}
}
