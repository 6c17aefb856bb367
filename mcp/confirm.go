package mcp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
)

// Confirm mode: every send waits for the human's yes. A client that declares elicitation asks
// the user itself: clients of protocol 2026-07-28 and later through a multi round-trip request
// (the tool result asks for input and the client calls again with the answer), older ones
// through a server-initiated elicitation/create request. Any other client gets a result with
// needsConfirmation and a confirmToken, which the agent passes back once the user approves.
//
// A token binds the robot and the exact request bodies to post (msgUuid included), works once
// and expires after confirmTTL. The tokens live in memory: a restarted server knows none.

const (
	// confirmTTL is how long a confirm token stays valid.
	confirmTTL = 10 * time.Minute
	// maxConfirmations bounds the tokens kept; the oldest go first.
	maxConfirmations = 4096
	// confirmInput names the elicitation in a multi round-trip request.
	confirmInput = "confirm"
	// previewLines and previewWidth bound the first lines the user is shown.
	previewLines = 8
	previewWidth = 160
)

// confirmations are the confirm tokens handed out and not yet expired.
type confirmations struct {
	now func() time.Time

	mu     sync.Mutex
	tokens map[string]*confirmation
	order  []string // tokens oldest first, for pruning
}

// confirmation is what a token approves.
type confirmation struct {
	robot   string
	digest  [sha256.Size]byte
	msgUUID string
	expires time.Time
	used    bool
}

func newConfirmations(now func() time.Time) *confirmations {
	return &confirmations{now: now, tokens: map[string]*confirmation{}}
}

// issue hands out a token for posting the bodies whose digest is given through robot.
func (c *confirmations) issue(robot string, digest [sha256.Size]byte, msgUUID string) string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	token := "ct_" + base64.RawURLEncoding.EncodeToString(b[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune()
	for len(c.order) >= maxConfirmations {
		delete(c.tokens, c.order[0])
		c.order = c.order[1:]
	}
	c.tokens[token] = &confirmation{robot: robot, digest: digest, msgUUID: msgUUID, expires: c.now().Add(confirmTTL)}
	c.order = append(c.order, token)
	return token
}

// prune forgets the tokens that expired. c.mu is held.
func (c *confirmations) prune() {
	now := c.now()
	i := 0
	for i < len(c.order) {
		if t := c.tokens[c.order[i]]; t != nil && now.Before(t.expires) {
			break
		}
		delete(c.tokens, c.order[i])
		i++
	}
	c.order = c.order[i:]
}

// msgUUID is the msgUuid of the message token approves, or "" for an unknown token: a call
// that passes a token without its msgUuid (dingbot chose it) posts the body it showed.
func (c *confirmations) msgUUID(token string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[token]; t != nil {
		return t.msgUUID
	}
	return ""
}

// use spends token on posting the bodies with digest through robot. It fails, and leaves the
// token as it was, unless the token is known, unused, unexpired and approves exactly that.
func (c *confirmations) use(token, robot string, digest [sha256.Size]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tokens[strings.TrimSpace(token)]
	switch {
	case t == nil:
		return confirmError("confirmToken is not one this server handed out (or it expired more than 10 minutes ago, or the server restarted)")
	case t.used:
		return confirmError("confirmToken was already used: a token posts one message once")
	case !c.now().Before(t.expires):
		return confirmError("confirmToken expired: a token is valid for 10 minutes")
	case t.robot != robot:
		return confirmError(fmt.Sprintf("confirmToken approved a message for robot %q, not %q", t.robot, robot))
	case t.digest != digest:
		return confirmError("the message differs from the one the confirmToken approved (its text, mentions, msgUuid or another argument changed)")
	}
	t.used = true
	return nil
}

// release gives back a token spent on a send that then posted nothing: the user approved that
// message, which is still not in the group, so the same call may try again with it.
func (c *confirmations) release(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[strings.TrimSpace(token)]; t != nil {
		t.used = false
	}
}

func confirmError(msg string) error {
	return &toolError{kind: KindConfirmationInvalid, msg: msg,
		hint: "call the tool again without confirmToken to get the message's preview and a new token, show the user that message, and pass the new token only once they approve it"}
}

// confirmDigest is what a token binds: the robot and every request body to post, in order.
func confirmDigest(robot string, bodies [][]byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(robot))
	for _, b := range bodies {
		h.Write([]byte{0})
		h.Write(b)
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// pending is a message ready to post, as the user is asked about it.
type pending struct {
	robot  dingtalk.Robot
	msg    dingtalk.Message   // with its msgUuid
	whole  *dingtalk.Prepared // the message as one request (too long when split)
	parts  []dingtalk.Message // the parts to post, when split
	bodies [][]byte           // the request bodies to post, in order
}

// confirm gets the user's yes for posting m. It reports whether the send may go ahead; if not,
// the outcome is what the call returns: a refusal, a request for the client's input, or a
// result that needs a confirmToken. token is the confirmToken argument.
func (ts *toolset) confirm(ctx context.Context, verb string, req mcpgo.CallToolRequest, r Result, m *pending, token string) (outcome, bool) {
	digest := confirmDigest(m.robot.Name, m.bodies)
	if token = strings.TrimSpace(token); token != "" {
		if err := ts.confirms.use(token, m.robot.Name, digest); err != nil {
			return failed(verb, r, err), false
		}
		return outcome{}, true
	}
	if answer := server.ElicitationResponse(req.Params.InputResponses, confirmInput); answer != nil {
		// The client asked the user and calls again with the answer (multi round-trip).
		if err := ts.confirms.use(req.Params.RequestState, m.robot.Name, digest); err != nil {
			return failed(verb, r, err), false
		}
		return ts.answered(verb, r, answer.Action)
	}
	if clientElicits(ctx) {
		params := mcpgo.ElicitationParams{
			Message:         confirmMessage(m),
			RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{}},
		}
		if server.IsModernRequest(ctx) {
			state := ts.confirms.issue(m.robot.Name, digest, m.msg.MsgUUID)
			res := server.NewInputRequestBuilder(state).Elicit(confirmInput, params).ToolResult()
			return outcome{result: r, raw: res}, false
		}
		if srv := server.ServerFromContext(ctx); srv != nil {
			res, err := srv.RequestElicitation(ctx, mcpgo.ElicitationRequest{
				Request: mcpgo.Request{Method: string(mcpgo.MethodElicitationCreate)},
				Params:  params,
			})
			switch {
			case err == nil && res != nil:
				return ts.answered(verb, r, res.Action)
			case ctx.Err() != nil:
				return failed(verb, r, &dingtalk.TransportError{Kind: dingtalk.KindCanceled, Detail: "canceled while asking the user: " + ctx.Err().Error()}), false
			}
			ts.logger.Warn("asking the user failed: a confirmToken stands in", "tool", verb, "err", err)
			r.Warnings = append(r.Warnings, "your client could not ask the user to approve this message, so approval goes through you")
		}
	}
	return ts.needsConfirmation(r, m, digest), false
}

// answered is the outcome of the user's answer: accept lets the send go ahead.
func (ts *toolset) answered(verb string, r Result, action mcpgo.ElicitationResponseAction) (outcome, bool) {
	switch action {
	case mcpgo.ElicitationResponseActionAccept:
		return outcome{}, true
	case mcpgo.ElicitationResponseActionDecline:
		return failed(verb, r, &toolError{kind: KindDeclined, msg: "the user declined to post this message",
			hint: "do not send it again unless the user asks; ask them what to change"}), false
	}
	return failed(verb, r, &toolError{kind: KindDeclined, msg: "the user dismissed the request to post this message without approving it",
		hint: "do not send it again unless the user asks for it"}), false
}

// needsConfirmation is the result for a client that cannot ask the user: the exact message and
// a token approving it.
func (ts *toolset) needsConfirmation(r Result, m *pending, digest [sha256.Size]byte) outcome {
	r.OK, r.NeedsConfirmation = true, true
	r.ConfirmToken = ts.confirms.issue(m.robot.Name, digest, m.msg.MsgUUID)
	r.Errcode, r.Errmsg = nil, "not sent: waiting for the user's approval"
	if len(m.parts) > 0 {
		for i := range r.Parts {
			r.Parts[i].Body = m.bodies[i]
		}
	} else {
		r.Body = m.bodies[0]
	}
	r.Hint = "nothing was sent: show the user this message and ask whether to post it; only if they approve, call " + sendToolOf[m.msg.Type] + " again with the same arguments and confirmToken (valid once, for 10 minutes)"
	var b strings.Builder
	fmt.Fprintf(&b, "NOT SENT: this server needs the user's approval first.\n%s\nConfirm token: %s\nHint: %s.", confirmMessage(m), r.ConfirmToken, r.Hint)
	if len(m.parts) > 0 {
		b.WriteString(partsText(r.Parts))
	} else {
		b.WriteString("\nBody:\n")
		b.Write(dingtalk.Indent(m.bodies[0]))
	}
	return outcome{result: r, text: b.String()}
}

// clientElicits reports whether the client of this call can ask its user a form question:
// declared per request from protocol 2026-07-28, at initialize before.
func clientElicits(ctx context.Context) bool {
	var caps *mcpgo.ClientCapabilities
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		caps = info.ClientCapabilities
	} else if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		c := s.GetClientCapabilities()
		caps = &c
	}
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	e := caps.Elicitation
	return e.Form != nil || e.URL == nil // an empty elicitation capability means form mode
}

// confirmMessage is what the user is asked: the robot, who is notified, the size and the first
// lines.
func confirmMessage(m *pending) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Post this %s message to the DingTalk group of robot %q?\n", m.msg.Type, m.robot.Name)
	fmt.Fprintf(&b, "Notifies: %s\n", notified(m.whole.Message.At))
	size := 0
	for _, body := range m.bodies {
		size += len(body)
	}
	if len(m.parts) > 0 {
		fmt.Fprintf(&b, "Size: %d bytes in %d parts, posted in order\n", size, len(m.parts))
	} else {
		fmt.Fprintf(&b, "Size: %d of %d bytes\n", size, dingtalk.MaxBodyBytes)
	}
	lines := firstLines(m.whole.Message)
	b.WriteString("First lines:")
	for _, l := range lines {
		b.WriteString("\n  " + l)
	}
	return b.String()
}

// notified says whom a message notifies.
func notified(at *dingtalk.At) string {
	if at.Empty() {
		return "nobody"
	}
	var who []string
	if at.IsAtAll {
		who = append(who, "everyone in the group (@all)")
	}
	if len(at.AtMobiles) > 0 {
		who = append(who, "mobiles "+strings.Join(at.AtMobiles, ", "))
	}
	if len(at.AtUserIDs) > 0 {
		who = append(who, "userIds "+strings.Join(at.AtUserIDs, ", "))
	}
	return strings.Join(who, "; ")
}

// firstLines are the first lines a reader of m sees, each cut to previewWidth characters.
func firstLines(m dingtalk.Message) []string {
	var text []string
	switch {
	case m.Text != nil:
		text = []string{m.Text.Content}
	case m.Markdown != nil:
		text = []string{"[title] " + m.Markdown.Title, m.Markdown.Text}
	case m.Link != nil:
		text = []string{m.Link.Title, m.Link.Text, "[link] " + m.Link.MessageURL}
	case m.ActionCard != nil:
		text = []string{"[title] " + m.ActionCard.Title, m.ActionCard.Text}
		if m.ActionCard.SingleTitle != "" {
			text = append(text, "[button] "+m.ActionCard.SingleTitle+" → "+m.ActionCard.SingleURL)
		}
		for _, btn := range m.ActionCard.Buttons {
			text = append(text, "[button] "+btn.Title+" → "+btn.ActionURL)
		}
	case m.FeedCard != nil:
		for _, l := range m.FeedCard.Links {
			text = append(text, "[item] "+l.Title+" → "+l.MessageURL)
		}
	}
	var out []string
	for _, t := range text {
		for line := range strings.Lines(t) {
			line = strings.TrimRight(line, "\r\n")
			if strings.TrimSpace(line) == "" {
				continue
			}
			if len(out) == previewLines {
				return append(out, "…")
			}
			out = append(out, cut(line, previewWidth))
		}
	}
	return out
}

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
