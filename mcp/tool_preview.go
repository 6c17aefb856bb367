package mcp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
)

// previewTypes are the message types in the order preview_message lists their parameters.
var previewTypes = []dingtalk.MsgType{dingtalk.TypeText, dingtalk.TypeMarkdown, dingtalk.TypeLink, dingtalk.TypeActionCard, dingtalk.TypeFeedCard}

// previewParams are every parameter preview_message takes: msgtype, then every send tool's.
var previewParams = func() []string {
	out := []string{"msgtype"}
	for _, t := range previewTypes {
		for _, p := range sendParams(t) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}()

// previewValues say what the values of a parameter do, shorter than the send tool says it.
var previewValues = map[string]string{
	"btnOrientation": "0 stacked, 1 side by side",
	"hideAvatar":     "1 hides the avatar",
}

// previewMessage takes exactly what the send tools take: each parameter's schema is the send
// tool's, described by the message types it applies to.
func (ts *toolset) previewMessage(sends []server.ServerTool) server.ServerTool {
	props := map[string]any{}
	usedBy := map[string][]string{}   // parameter → message types
	required := map[string][]string{} // parameter → message types requiring it
	for _, t := range previewTypes {
		i := slices.IndexFunc(sends, func(st server.ServerTool) bool { return st.Tool.Name == sendToolOf[t] })
		if i < 0 {
			panic("no send tool for " + string(t))
		}
		in := sends[i].Tool.InputSchema
		for _, p := range sendParams(t) {
			props[p] = in.Properties[p]
			usedBy[p] = append(usedBy[p], string(t))
			if slices.Contains(in.Required, p) {
				required[p] = append(required[p], string(t))
			}
		}
	}
	for p, schema := range props {
		desc := "For " + strings.Join(usedBy[p], ", ")
		switch {
		case len(usedBy[p]) == len(previewTypes):
			continue // as described in every send tool
		case len(required[p]) == len(usedBy[p]):
			desc = "Required for " + strings.Join(usedBy[p], ", ")
		}
		if v, ok := previewValues[p]; ok {
			desc += ": " + v
		}
		s := maps.Clone(schema.(map[string]any))
		if items, ok := s["items"].(map[string]any); ok && items["properties"] != nil {
			// The item's fields, by name: their descriptions are in the send tool.
			s["items"] = map[string]any{"type": "object"}
			desc += ": [{" + strings.Join(items["required"].([]string), ", ") + "}]"
		}
		s["description"] = desc + "."
		props[p] = s
	}
	msgtypes := make([]string, len(dingtalk.MsgTypes))
	for i, t := range dingtalk.MsgTypes {
		msgtypes[i] = string(t)
	}
	props["msgtype"] = map[string]any{"type": "string", "enum": msgtypes,
		"description": "Picks the send tool's arguments."}
	tool := mcpgo.NewTool(toolPreview,
		mcpgo.WithDescription(fmt.Sprintf(descPreview, ts.notPreviewed())),
		annotations(true),
		order(previewParams...),
		withOutput(ts.previewOutput()),
	)
	tool.InputSchema.Properties = props
	tool.InputSchema.Required = []string{"msgtype"}
	return server.ServerTool{Tool: tool, Handler: ts.handle(tool.Name, ts.preview)}
}

// notPreviewed names the send tools' arguments preview_message does not take: they say how a
// send goes, not what it posts.
func (ts *toolset) notPreviewed() string {
	if c := ts.controlParams(); len(c) > 0 {
		return " except " + joinAnd(c)
	}
	return ""
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
		takes := sendParams(t)
		for _, p := range previewParams {
			if a.has(p) && p != "msgtype" && !slices.Contains(takes, p) {
				a.problem("%s: does not apply to a %s message, which takes %s", p, t, strings.Join(takes, ", "))
			}
		}
		msg = readMessage(a, t)
		// A send keeps the msgUuid given, so its body and parts show it too.
		msg.MsgUUID = strings.TrimSpace(a.str("msgUuid", false))
		r.MsgUUID = msg.MsgUUID
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
	send := fmt.Sprintf("call %s with the same fields", sendToolOf[t])
	r.OK = true
	r.Hint = "sendable: " + send + " to post it"
	if len(parts) > 0 {
		r.Body = nil
		for _, part := range parts {
			pp, err := dingtalk.Prepare(robot, part, dingtalk.PrepareOptions{})
			if err != nil {
				return failed(verb, r, err)
			}
			r.Parts = append(r.Parts, Part{MsgUUID: part.MsgUUID, Bytes: pp.Bytes, Body: pp.Body})
		}
		r.Hint = fmt.Sprintf("sendable in %d parts: %s (split: true) to post them in order", len(parts), send)
	}
	switch {
	case stateBroken:
		r.Hint = fmt.Sprintf("valid, but not sendable now: %s would fail with state_error until the user fixes dingbot's state directory (see the warning)", sendToolOf[t])
	case r.SendsLeft != nil && *r.SendsLeft == 0:
		r.Hint = fmt.Sprintf("sendable, but not right now: robot %q has no sends left this minute, so wait up to a minute before calling %s with the same fields", r.Robot, sendToolOf[t])
	case r.SendsLeft != nil && *r.SendsLeft < len(parts):
		r.Hint = fmt.Sprintf("sendable in %d parts, but robot %q has only %d sends left this minute: wait up to a minute, then %s", len(parts), r.Robot, *r.SendsLeft, send)
	}
	if r.Sandbox {
		r.Hint += " (to dingbot's local sandbox, not a real group)"
	}
	return outcome{result: r, text: previewText(r, p)}
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
