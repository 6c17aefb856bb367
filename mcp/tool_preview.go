package mcp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
)

// previewParams are every parameter preview_message takes, in the order agents see them.
var previewParams = []string{
	"msgtype", "title", "text", "messageUrl", "picUrl", "singleTitle", "singleURL", "buttons",
	"btnOrientation", "hideAvatar", "links", "atMobiles", "atUserIds", "atNames", "atAll", "split", "robot",
}

func (ts *toolset) previewMessage() server.ServerTool {
	msgtypes := make([]string, len(dingtalk.MsgTypes))
	for i, t := range dingtalk.MsgTypes {
		msgtypes[i] = string(t)
	}
	only := func(types, desc string) mcpgo.PropertyOption {
		return mcpgo.Description("(" + types + ") " + desc)
	}
	opts := []mcpgo.ToolOption{
		mcpgo.WithDescription(descPreview),
		annotations("Preview DingTalk message", true),
		mcpgo.WithString("msgtype", mcpgo.Required(), mcpgo.Enum(msgtypes...), mcpgo.Description(
			"Message type, deciding which other fields apply: text and markdown as in send_text_message and send_markdown_message, link as in send_link_message, actionCard as in send_action_card, feedCard as in send_feed_card.")),
		mcpgo.WithString("title", only("markdown, link, actionCard; required there", "Title shown in the chat list and notification (the card title for link).")),
		mcpgo.WithString("text", only("text, markdown, link, actionCard; required there", "Message text: plain for text and link, DingTalk markdown for markdown and actionCard.")),
		mcpgo.WithString("messageUrl", only("link; required", "URL the card opens: "+paramURL)),
		mcpgo.WithString("picUrl", only("link; optional", "Thumbnail image URL (http:// or https://).")),
		mcpgo.WithString("singleTitle", only("actionCard", "Label of the single full-width button; give with singleURL instead of buttons.")),
		mcpgo.WithString("singleURL", only("actionCard", "URL the single button opens: "+paramURL)),
		mcpgo.WithArray("buttons", only("actionCard", "Buttons, each {title, actionURL}, instead of singleTitle and singleURL."), mcpgo.Items(buttonItem), mcpgo.MinItems(1)),
		mcpgo.WithString("btnOrientation", mcpgo.Enum(orientationValues...), only("actionCard", "\"0\" or \"vertical\" stacks the buttons (default), \"1\" or \"horizontal\" puts them side by side.")),
		mcpgo.WithString("hideAvatar", mcpgo.Enum(avatarValues...), only("actionCard", "\"1\" hides the robot's avatar, \"0\" shows it (default).")),
		mcpgo.WithArray("links", only("feedCard; required", "Items, each {title, messageURL, picURL}, in display order."), mcpgo.Items(feedLinkItem), mcpgo.MinItems(1)),
		mcpgo.WithArray("atMobiles", only("text, markdown", paramAtMobiles), mcpgo.WithStringItems()),
		mcpgo.WithArray("atUserIds", only("text, markdown", paramAtUserIDs), mcpgo.WithStringItems()),
		mcpgo.WithArray("atNames", only("text, markdown", paramAtNames), mcpgo.WithStringItems()),
		mcpgo.WithBoolean("atAll", only("text, markdown", paramAtAll)),
		mcpgo.WithBoolean("split", only("text, markdown, actionCard", "true: show the parts a send with split would post.")),
		mcpgo.WithString("robot", mcpgo.Description("Name of the robot to check against (its keywords and sends left), from list_robots; omit for the default robot. Webhook URLs, tokens and secrets are not accepted.")),
		order(previewParams...),
		outputSchema(func(props map[string]any) []string {
			messageOutput(props)
			partsOutput(props, true)
			props["body"] = map[string]any{"type": "object", "description": "The exact JSON body that would be posted to the webhook, mentions inserted."}
			props["maxBytes"] = prop("integer", "DingTalk's limit for bytes: 20000.")
			props["keywordCheck"] = map[string]any{
				"type":        "object",
				"description": "The robot's keyword rule: ok is true when the robot has no keywords or the message contains one (matched). Absent when the robot or the message could not be read (isError true).",
				"properties": map[string]any{
					"ok":       prop("boolean", "Whether DingTalk's keyword check would pass."),
					"matched":  prop("string", "The keyword found, or empty."),
					"keywords": stringList("The robot's keywords; a message must contain at least one."),
				},
				"required": []string{"ok", "matched", "keywords"},
			}
			return []string{"maxBytes"}
		}),
	}
	tool := mcpgo.NewTool(toolPreview, opts...)
	return server.ServerTool{Tool: tool, Handler: ts.handle(tool.Name, ts.preview)}
}

func (ts *toolset) preview(_ context.Context, req mcpgo.CallToolRequest) outcome {
	const verb = toolPreview
	a := newArgs(req, previewParams...)
	robotName, shown := a.robot()
	r := newResult(shown, "")
	if err := ts.configFailure(); err != nil {
		return failed(verb, r, err)
	}
	var t dingtalk.MsgType
	if raw := a.str("msgtype", true); raw != "" {
		var err error
		if t, err = dingtalk.ParseMsgType(raw); err != nil {
			a.problem("msgtype: %v", err)
		}
	}
	var msg dingtalk.Message
	var names []string
	splitAsked := false
	if t != "" {
		r.MsgType = string(t)
		takes := typeParams[t]
		for _, p := range previewParams {
			if a.has(p) && p != "msgtype" && p != "robot" && !slices.Contains(takes, p) {
				a.problem("%s: does not apply to a %s message, which takes %s", p, t, strings.Join(takes, ", "))
			}
		}
		msg = readMessage(a, t)
		if slices.Contains(takes, "atNames") {
			names = a.strs("atNames")
		}
		splitAsked = slices.Contains(takes, "split") && a.boolean("split")
	}
	robot, err := ts.resolve(a, &r, &msg, names, robotName)
	if err != nil {
		return failed(verb, r, err)
	}
	r.MaxBytes = intPtr(dingtalk.MaxBodyBytes)
	r.SendsLeft = ts.sendsLeft(robot)

	p, err := dingtalk.Prepare(robot, msg, dingtalk.PrepareOptions{})
	var parts []dingtalk.Message
	if err != nil && splitAsked && tooLong(err) {
		parts, err = split(robot, msg)
	}
	var (
		ve *dingtalk.ValidationError
		ke *dingtalk.KeywordError
		te *toolError
	)
	if err != nil && !errors.As(err, &ve) && !errors.As(err, &ke) && !errors.As(err, &te) {
		return failed(verb, r, err)
	}
	r.fromPrepared(p)
	stateBroken := ts.warnUnsendable(&r, robot)
	r.Body = p.Body
	kw := KeywordCheck{Keywords: nonNil(robot.Keywords)}
	kw.Matched, kw.OK = dingtalk.MatchKeyword(p.Message, robot.Keywords)
	r.Keyword = &kw
	if err != nil {
		r.fail(err)
		switch {
		case ke != nil:
			r.Hint = fmt.Sprintf("DingTalk would refuse this message (errcode 310000): put one of robot %q's keywords (%s) in %s", robot.Name, strings.Join(robot.Keywords, ", "), dingtalk.KeywordPlace(t))
		case te != nil:
			r.Hint = "DingTalk would refuse this message as too long, and it cannot be split: shorten it"
		case tooLong(err) && splittable(t):
			r.Hint = "DingTalk would refuse this message as too long: shorten it, or send it with split: true to post it in parts"
		default:
			r.Hint = "DingTalk would refuse this message: fix the problems, preview again, then send"
		}
		return outcome{result: r, text: previewText(r, p)}
	}
	send := fmt.Sprintf("call send_%s with the same fields", sendToolSuffix(t))
	r.OK = true
	r.Hint = "sendable: " + send + " to post it"
	if len(parts) > 0 {
		r.Body = nil
		for _, part := range parts {
			pp, err := dingtalk.Prepare(robot, part, dingtalk.PrepareOptions{})
			if err != nil {
				return failed(verb, r, err)
			}
			r.Parts = append(r.Parts, Part{Bytes: pp.Bytes, Body: pp.Body})
		}
		r.Hint = fmt.Sprintf("sendable in %d parts: %s (split: true) to post them in order", len(parts), send)
	}
	switch {
	case stateBroken:
		r.Hint = fmt.Sprintf("valid, but not sendable now: send_%s would fail with state_error until the user fixes dingbot's state directory (see the warning)", sendToolSuffix(t))
	case r.SendsLeft != nil && *r.SendsLeft == 0:
		r.Hint = fmt.Sprintf("sendable, but not right now: robot %q has no sends left this minute, so wait up to a minute before calling send_%s with the same fields", r.Robot, sendToolSuffix(t))
	case r.SendsLeft != nil && *r.SendsLeft < len(parts):
		r.Hint = fmt.Sprintf("sendable in %d parts, but robot %q has only %d sends left this minute: wait up to a minute, then %s", len(parts), r.Robot, *r.SendsLeft, send)
	}
	if r.Sandbox {
		r.Hint += " (to dingbot's local sandbox, not a real group)"
	}
	return outcome{result: r, text: previewText(r, p)}
}

// sendToolSuffix names the send tool for a message type.
func sendToolSuffix(t dingtalk.MsgType) string {
	switch t {
	case dingtalk.TypeText:
		return "text_message"
	case dingtalk.TypeMarkdown:
		return "markdown_message"
	case dingtalk.TypeLink:
		return "link_message"
	case dingtalk.TypeActionCard:
		return "action_card"
	}
	return "feed_card"
}

func previewText(r Result, p *dingtalk.Prepared) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Preview of a %s message for robot %q (nothing was sent): ", r.MsgType, r.Robot)
	if r.OK {
		b.WriteString("DingTalk would accept it")
	} else {
		fmt.Fprintf(&b, "DingTalk would REFUSE it (%s)", r.Error)
	}
	if len(r.Parts) > 0 {
		fmt.Fprintf(&b, " in %d parts; %d bytes in one", len(r.Parts), r.Bytes)
	} else {
		fmt.Fprintf(&b, "; %d of %d bytes", r.Bytes, dingtalk.MaxBodyBytes)
	}
	if k := r.Keyword; k != nil && len(k.Keywords) > 0 {
		if k.OK {
			fmt.Fprintf(&b, "; keyword %q found", k.Matched)
		} else {
			fmt.Fprintf(&b, "; none of the keywords %s found", strings.Join(k.Keywords, ", "))
		}
	}
	b.WriteString(".")
	for _, pr := range r.Problems {
		b.WriteString("\nProblem: " + pr)
	}
	for _, w := range r.Warnings {
		b.WriteString("\nWarning: " + w)
	}
	if r.Hint != "" {
		b.WriteString("\nHint: " + r.Hint + ".")
	}
	switch {
	case len(r.Parts) > 0:
		b.WriteString(partsText(r.Parts))
	case p != nil && len(p.Body) > 0:
		b.WriteString("\nBody:\n")
		b.Write(dingtalk.Indent(p.Body))
	}
	return b.String()
}
