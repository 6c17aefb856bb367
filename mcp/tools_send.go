package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
)

// sendAnnotations: a send posts to a group (not read-only, open world), adds rather than
// overwrites (not destructive), and posts again when repeated (not idempotent).
func sendAnnotations() mcpgo.ToolOption { return annotations(false) }

// commonParams are the parameters every send tool takes after its message's (typeParams).
var commonParams = []string{"robot", "msgUuid"}

// sendParams are the parameters the send tool for messages of type t takes, in order.
func sendParams(t dingtalk.MsgType) []string {
	return slices.Concat(typeParams[t], commonParams)
}

// sendToolOf names the send tool for each message type.
var sendToolOf = map[dingtalk.MsgType]string{
	dingtalk.TypeText:       toolSendText,
	dingtalk.TypeMarkdown:   toolSendMarkdown,
	dingtalk.TypeLink:       toolSendLink,
	dingtalk.TypeActionCard: toolSendAction,
	dingtalk.TypeFeedCard:   toolSendFeed,
}

// sendTool is the send tool for messages of type t: its message parameters, then the shared ones.
// desc takes postingNote.
func (ts *toolset) sendTool(t dingtalk.MsgType, desc string, params ...mcpgo.ToolOption) server.ServerTool {
	if slices.Contains(typeParams[t], "split") {
		params = append(params, splitParam())
	}
	opts := append([]mcpgo.ToolOption{mcpgo.WithDescription(fmt.Sprintf(desc, postingNote(ts.opts))), sendAnnotations()}, params...)
	opts = append(opts, robotParam(), msgUUIDParam())
	opts = append(opts, ts.controlOptions()...)
	opts = append(opts, order(slices.Concat(sendParams(t), ts.controlParams())...), withOutput(ts.sendOutput(t)))
	tool := mcpgo.NewTool(sendToolOf[t], opts...)
	return server.ServerTool{Tool: tool, Handler: ts.sendHandler(tool.Name, t)}
}

func (ts *toolset) sendTextMessage() server.ServerTool {
	return ts.sendTool(dingtalk.TypeText, descSendText, append([]mcpgo.ToolOption{
		mcpgo.WithString("text", mcpgo.Required(), mcpgo.Description("Plain text.")),
	}, mentionParams()...)...)
}

func (ts *toolset) sendMarkdownMessage() server.ServerTool {
	return ts.sendTool(dingtalk.TypeMarkdown, descSendMarkdown, append([]mcpgo.ToolOption{
		mcpgo.WithString("title", mcpgo.Required(), mcpgo.Description(paramTitle)),
		mcpgo.WithString("text", mcpgo.Required(), mcpgo.Description("DingTalk markdown.")),
	}, mentionParams()...)...)
}

func (ts *toolset) sendLinkMessage() server.ServerTool {
	return ts.sendTool(dingtalk.TypeLink, descSendLink,
		mcpgo.WithString("title", mcpgo.Required(), mcpgo.Description("Card title, also in the chat list.")),
		mcpgo.WithString("text", mcpgo.Required(), mcpgo.Description("Plain-text summary; long text is cut in display.")),
		mcpgo.WithString("messageUrl", mcpgo.Required(), mcpgo.Description("URL the card opens; dingtalk:// too.")),
		mcpgo.WithString("picUrl", mcpgo.Description("Thumbnail URL, http(s) only.")),
	)
}

func (ts *toolset) sendActionCard() server.ServerTool {
	return ts.sendTool(dingtalk.TypeActionCard, descSendActionCard,
		mcpgo.WithString("title", mcpgo.Required(), mcpgo.Description(paramTitle)),
		mcpgo.WithString("text", mcpgo.Required(), mcpgo.Description("Card body, DingTalk markdown.")),
		mcpgo.WithString("singleTitle", mcpgo.Description("Label of the single button.")),
		mcpgo.WithString("singleURL", mcpgo.Description("URL the single button opens.")),
		mcpgo.WithArray("buttons", mcpgo.Description("Buttons in display order."), mcpgo.Items(buttonItem)),
		mcpgo.WithString("btnOrientation", mcpgo.Enum(orientationValues...), mcpgo.Description(
			"0/vertical (default): stacked; 1/horizontal: side by side.")),
		mcpgo.WithString("hideAvatar", mcpgo.Enum(avatarValues...), mcpgo.Description("1 hides the robot's avatar.")),
	)
}

func (ts *toolset) sendFeedCard() server.ServerTool {
	return ts.sendTool(dingtalk.TypeFeedCard, descSendFeedCard,
		mcpgo.WithArray("links", mcpgo.Required(), mcpgo.Description(
			"Items in display order; spelled messageURL, picURL."),
			mcpgo.MinItems(1), mcpgo.Items(feedLinkItem)),
	)
}

// sendHandler reads a message of type t, prepares it for the chosen robot with dingtalk.Prepare
// and sends it with the client, or only reports it in a dry run.
func (ts *toolset) sendHandler(name string, t dingtalk.MsgType) server.ToolHandlerFunc {
	verb := name
	return ts.handle(name, func(ctx context.Context, req mcpgo.CallToolRequest) outcome {
		a := newArgs(req, slices.Concat(sendParams(t), ts.controlParams())...)
		robotName, shown := a.robot()
		uuid := strings.TrimSpace(a.str("msgUuid", false))
		c := ts.controls(a, req)
		r := newResult(shown, t)
		if err := ts.configFailure(); err != nil {
			return failed(verb, r, err)
		}
		msg := readMessage(a, t)
		names := a.strs("atNames")
		robot, err := ts.resolve(a, &r, &msg, names, robotName)
		if err != nil {
			return failed(verb, r, err)
		}
		msg.MsgUUID = uuid
		if uuid == "" && c.approval != "" {
			// The message the user approved carries the msgUuid dingbot chose for it.
			msg.MsgUUID = ts.confirms.msgUUID(c.approval)
		}
		if msg.MsgUUID == "" {
			msg.MsgUUID = freshMsgUUID(robot, msg)
		}
		return ts.send(ctx, verb, req, r, robot, msg, a.boolean("split"), c)
	})
}

// sendControls say how a send goes rather than what it posts.
type sendControls struct {
	// queue puts a held-up send in the outbox instead of failing it.
	queue bool
	// token is the confirmToken argument; approval the token the call comes back with, that or
	// a multi round-trip's request state.
	token, approval string
}

// controls reads the controlParams of a send call.
func (ts *toolset) controls(a *args, req mcpgo.CallToolRequest) sendControls {
	var c sendControls
	if ts.queues() {
		c.queue = ts.opts.QueueWhenLimited
		if a.has("queue") {
			c.queue = a.boolean("queue")
		}
	}
	if ts.confirming() {
		c.token = strings.TrimSpace(a.str("confirmToken", false))
		c.approval = c.token
		if c.approval == "" && req.Params.InputResponses != nil {
			c.approval = req.Params.RequestState
		}
	}
	return c
}

// send prepares msg for robot and posts it, unless the server runs dry. With split, a message
// too long for one request is cut into parts, sent in order. In confirm mode it asks the user
// first; with c.queue a send held up goes to the outbox.
func (ts *toolset) send(ctx context.Context, verb string, req mcpgo.CallToolRequest, r Result, robot dingtalk.Robot, msg dingtalk.Message, split bool, c sendControls) outcome {
	// Prepare first, even though SendWith prepares again: a refused message still reports its
	// size, warnings and body.
	p, err := dingtalk.Prepare(robot, msg, dingtalk.PrepareOptions{})
	r.fromPrepared(p)
	r.MsgUUID = msg.MsgUUID
	m := &pending{robot: robot, msg: msg, whole: p}
	switch {
	case err != nil && split && tooLong(err):
		if err := ts.cut(&r, m); err != nil {
			return failed(verb, r, err)
		}
	case err != nil:
		if p != nil {
			r.Body = p.Body
		}
		return failed(verb, r, err)
	default:
		m.bodies = [][]byte{p.Body}
	}
	if ts.opts.DryRun {
		return ts.dryRun(r, m)
	}
	if ts.opts.Client == nil {
		return failed(verb, r, fmt.Errorf("no DingTalk client is configured"))
	}
	if ts.confirming() {
		if o, ok := ts.confirm(ctx, verb, req, r, m, c.token); !ok {
			return o
		}
		if c.token != "" {
			o := ts.post(ctx, verb, r, m, c.queue)
			if o.isError && nothingPosted(o.result) {
				ts.confirms.release(c.token)
				o.result.Hint += "; the confirmToken still approves this message, for the rest of its 10 minutes"
				o.text = failureText(verb, o.result) + partsText(o.result.Parts)
			}
			return o
		}
	}
	return ts.post(ctx, verb, r, m, c.queue)
}

// nothingPosted reports whether a failed send surely posted nothing: no part went out and no
// request may have been posted.
func nothingPosted(r Result) bool {
	for _, p := range r.Parts {
		if p.Sent {
			return false
		}
	}
	return r.MaybeDelivered == nil || !*r.MaybeDelivered
}

// post sends m, prepared and approved, or queues it when it is held up and queue is set.
func (ts *toolset) post(ctx context.Context, verb string, r Result, m *pending, queue bool) outcome {
	if len(m.parts) > 0 {
		return ts.postParts(ctx, verb, r, m, queue)
	}
	robot, msg, p := m.robot, m.msg, m.whole
	res, err := ts.opts.Client.SendWith(ctx, robot, msg, dingtalk.PrepareOptions{})
	if err != nil {
		if queue && heldUp(err) {
			return ts.enqueue(ctx, verb, r, m, 0, err)
		}
		return failed(verb, r, err)
	}
	r.OK, r.Errcode, r.Errmsg = true, intPtr(res.Errcode), res.Errmsg
	r.attempts(res.Resent)
	r.SendsLeft = ts.sendsLeft(robot)
	r.month(res.Quota)
	if r.Sandbox {
		r.Hint = "posted to dingbot's local sandbox, not to a real DingTalk group"
	}
	return outcome{result: r, text: sentText(r, p) + resentText(r, res.ResentAfter)}
}

// dryRun reports a message that is valid for its robot, and sends nothing.
func (ts *toolset) dryRun(r Result, m *pending) outcome {
	r.OK, r.DryRun = true, true
	r.SendsLeft = ts.sendsLeft(m.robot)
	ts.warnUnsendable(&r, m.robot)
	if len(m.parts) > 0 {
		r.Hint = fmt.Sprintf("dry run: valid for this robot in %d parts, none sent", len(m.parts))
		return outcome{result: r, text: sentText(r, nil) + partsText(r.Parts)}
	}
	r.Body = m.whole.Body
	r.Hint = "dry run: the message is valid for this robot and was not sent"
	return outcome{result: r, text: sentText(r, m.whole)}
}

// resentText says that a successful send needed a second request, and why.
func resentText(r Result, first *dingtalk.TransportError) string {
	if first == nil {
		return ""
	}
	if first.MaybeDelivered && r.MsgUUID != "" {
		return fmt.Sprintf("\nThe first request got no answer (%s: %s), so it was resent once with the same msgUuid %q: DingTalk posts a msgUuid at most once, so the group shows the message once.",
			first.Kind, first.Detail, r.MsgUUID)
	}
	return fmt.Sprintf("\nThe first request never left this machine (%s: %s), so it was resent once.", first.Kind, first.Detail)
}

// sentText is the human-readable summary of a message sent or validated.
func sentText(r Result, p *dingtalk.Prepared) string {
	var b strings.Builder
	switch {
	case r.DryRun && len(r.Parts) > 0:
		fmt.Fprintf(&b, "Dry run: the %s message (%d bytes) is valid for robot %q in %d parts and was NOT sent.", r.MsgType, r.Bytes, r.Robot, len(r.Parts))
	case r.DryRun:
		fmt.Fprintf(&b, "Dry run: the %s message is valid for robot %q and was NOT sent (%d of %d bytes).", r.MsgType, r.Robot, r.Bytes, dingtalk.MaxBodyBytes)
	case len(r.Parts) > 0:
		fmt.Fprintf(&b, "Sent the %s message (%d bytes) via robot %q in %d parts, in order: DingTalk answered errcode %d (%s) to each.", r.MsgType, r.Bytes, r.Robot, len(r.Parts), *r.Errcode, r.Errmsg)
		if r.SendsLeft != nil {
			fmt.Fprintf(&b, " %d sends left for this robot this minute.", *r.SendsLeft)
		}
		b.WriteString(monthText(r.MonthUsed, r.MonthlyQuota))
	default:
		fmt.Fprintf(&b, "Sent the %s message via robot %q: DingTalk answered errcode %d (%s); %d of %d bytes.", r.MsgType, r.Robot, *r.Errcode, r.Errmsg, r.Bytes, dingtalk.MaxBodyBytes)
		if r.SendsLeft != nil {
			fmt.Fprintf(&b, " %d sends left for this robot this minute.", *r.SendsLeft)
		}
		b.WriteString(monthText(r.MonthUsed, r.MonthlyQuota))
	}
	if r.Sandbox {
		b.WriteString(" This robot is dingbot's local sandbox: nothing reached a real DingTalk group.")
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nWarnings:")
		for _, w := range r.Warnings {
			b.WriteString("\n- " + w)
		}
	}
	if r.DryRun && p != nil {
		b.WriteString("\nBody:\n")
		b.Write(dingtalk.Indent(p.Body))
	}
	return b.String()
}

// freshMsgUUID is a new idempotency key for one send. With it the client may resend once when
// the outcome is unknown, and the agent can retry with it safely. A message so close to 20000
// bytes that the key would push it over goes without.
func freshMsgUUID(r dingtalk.Robot, msg dingtalk.Message) string {
	p, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
	if err != nil {
		// Refused anyway; the key only shows in the result.
		return dingtalk.NewMsgUUID(0)
	}
	return dingtalk.NewMsgUUID(p.Bytes)
}

// resolve finishes reading a message call: the arguments must have read cleanly, named contacts
// become mentions, and the robot must be usable. It records the robot in r, even a failing one.
func (ts *toolset) resolve(a *args, r *Result, msg *dingtalk.Message, names []string, robotName string) (dingtalk.Robot, error) {
	if err := a.err(); err != nil {
		return dingtalk.Robot{}, err
	}
	if err := ts.resolveMentions(msg, names); err != nil {
		return dingtalk.Robot{}, err
	}
	robot, err := ts.usableRobot(robotName)
	if err != nil {
		if robot.Name != "" {
			r.Robot = robot.Name
		}
		return robot, err
	}
	r.Robot, r.Sandbox = robot.Name, ts.isSandbox(robot)
	return robot, nil
}
