package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// splittable reports whether messages of type t can be cut into parts (dingtalk.Split).
func splittable(t dingtalk.MsgType) bool {
	return t == dingtalk.TypeText || t == dingtalk.TypeMarkdown || t == dingtalk.TypeActionCard
}

// tooLong reports whether err says nothing but that the body is over DingTalk's limit: the one
// problem split solves.
func tooLong(err error) bool {
	var ve *dingtalk.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return false
	}
	for _, p := range ve.Problems {
		if p.Field != "body" {
			return false
		}
	}
	return true
}

// split cuts msg for robot. A failure that is not about the message's content (a message that
// would need too many parts, a keyword that reads like a part marker) is an invalid_message.
func split(robot dingtalk.Robot, msg dingtalk.Message) ([]dingtalk.Message, error) {
	parts, err := dingtalk.Split(robot, msg, dingtalk.SplitOptions{})
	var (
		ve *dingtalk.ValidationError
		ke *dingtalk.KeywordError
	)
	if err != nil && !errors.As(err, &ve) && !errors.As(err, &ke) {
		return nil, &toolError{kind: KindInvalidMessage, msg: err.Error(), hint: "this message cannot be split: shorten it"}
	}
	return parts, err
}

// cut splits m.msg, too long for one request, into parts, recorded in r and m. Each part's
// msgUuid derives from the message's, so calling again with the same arguments and msgUuid
// posts each part at most once.
func (ts *toolset) cut(r *Result, m *pending) error {
	parts, err := split(m.robot, m.msg)
	if err != nil {
		return err
	}
	r.Parts = make([]Part, len(parts))
	m.bodies = make([][]byte, len(parts))
	for i := range parts {
		p, err := dingtalk.Prepare(m.robot, parts[i], dingtalk.PrepareOptions{})
		if err == nil && parts[i].MsgUUID == "" {
			parts[i].MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
			p, err = dingtalk.Prepare(m.robot, parts[i], dingtalk.PrepareOptions{})
		}
		if err != nil {
			return fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
		r.Parts[i] = Part{MsgUUID: parts[i].MsgUUID, Bytes: p.Bytes}
		m.bodies[i] = p.Body
	}
	m.parts = parts
	return nil
}

// postParts posts m's parts in order, stopping at the first failure. With queue, the parts go
// to the outbox when the robot has fewer sends left this minute than parts, and the rest do
// when a part is held up.
func (ts *toolset) postParts(ctx context.Context, verb string, r Result, m *pending, queue bool) outcome {
	if left := ts.sendsLeft(m.robot); queue && left != nil && *left < len(m.parts) {
		return ts.enqueue(ctx, verb, r, m, 0, nil)
	}
	var (
		attempts int
		resent   bool
		last     *dingtalk.Result
		notes    strings.Builder
	)
	for i, part := range m.parts {
		res, err := ts.opts.Client.SendWith(ctx, m.robot, part, dingtalk.PrepareOptions{})
		if err != nil {
			if queue && heldUp(err) {
				return ts.enqueue(ctx, verb, r, m, i, err)
			}
			return ts.partFailed(verb, r, i, err)
		}
		r.Parts[i].Sent = true
		attempts += res.Attempts
		resent = resent || res.Resent
		if res.ResentAfter != nil {
			fmt.Fprintf(&notes, "\nPart %d/%d:%s", i+1, len(m.parts), strings.TrimPrefix(resentText(Result{MsgUUID: part.MsgUUID}, res.ResentAfter), "\n"))
		}
		last = res
	}
	r.OK, r.Errcode, r.Errmsg = true, intPtr(last.Errcode), last.Errmsg
	r.Attempts, r.Resent = intPtr(attempts), boolPtr(resent)
	r.SendsLeft = ts.sendsLeft(m.robot)
	r.month(last.Quota)
	if r.Sandbox {
		r.Hint = "posted to dingbot's local sandbox, not to a real DingTalk group"
	}
	return outcome{result: r, text: sentText(r, nil) + partsText(r.Parts) + notes.String()}
}

// partFailed is the outcome of a split send whose part i failed with err: which parts went out,
// and how to post the rest.
func (ts *toolset) partFailed(verb string, r Result, i int, err error) outcome {
	o := failed(verb, r, err)
	if i > 0 {
		hint := strings.TrimPrefix(o.result.Hint, "nothing was sent: ")
		posted := fmt.Sprintf("parts 1-%d of %d were posted", i, len(r.Parts))
		if i == 1 {
			posted = fmt.Sprintf("part 1 of %d was posted", len(r.Parts))
		}
		o.result.Hint = fmt.Sprintf("%s, part %d failed: %s; to post the rest, call again with the same arguments and msgUuid %q (no part is posted twice)",
			posted, i+1, hint, r.MsgUUID)
	}
	o.text = failureText(verb, o.result) + partsText(o.result.Parts)
	return o
}

// partsText lists the parts of a split message.
func partsText(parts []Part) string {
	var b strings.Builder
	for i, p := range parts {
		state := "not sent"
		switch {
		case p.Sent:
			state = "sent"
		case p.Body != nil:
			state = "body:\n" + string(dingtalk.Indent(p.Body))
		}
		fmt.Fprintf(&b, "\nPart %d/%d: %d bytes", i+1, len(parts), p.Bytes)
		if p.MsgUUID != "" {
			fmt.Fprintf(&b, ", msgUuid %s", p.MsgUUID)
		}
		b.WriteString(", " + state)
	}
	return b.String()
}

// monthText says how many sends a robot made this month, and of how many, or "" when unknown.
func monthText(used, quota *int) string {
	switch {
	case used == nil:
		return ""
	case quota != nil:
		return fmt.Sprintf(" %d of its %d sends this month used.", *used, *quota)
	}
	return fmt.Sprintf(" %d sends this month.", *used)
}
