package mcp

import (
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// Helpers for input schemas, so that every parameter is described and listed in a useful order.

// order lists the input properties in the given order in the schema agents see.
func order(names ...string) mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		t.InputSchema.PropertyOrder = names
		t.InputSchema.AdditionalProperties = false
	}
}

func robotParam() mcpgo.ToolOption {
	return mcpgo.WithString("robot", mcpgo.Description(paramRobot))
}

func msgUUIDParam() mcpgo.ToolOption {
	return mcpgo.WithString("msgUuid", mcpgo.Description(paramMsgUUID), mcpgo.MaxLength(128))
}

func splitParam() mcpgo.ToolOption {
	return mcpgo.WithBoolean("split", mcpgo.Description(paramSplit))
}

func mentionParams() []mcpgo.ToolOption {
	return []mcpgo.ToolOption{
		mcpgo.WithArray("atMobiles", mcpgo.Description(paramAtMobiles), mcpgo.WithStringItems()),
		mcpgo.WithArray("atUserIds", mcpgo.Description(paramAtUserIDs), mcpgo.WithStringItems()),
		mcpgo.WithArray("atNames", mcpgo.Description(paramAtNames), mcpgo.WithStringItems()),
		mcpgo.WithBoolean("atAll", mcpgo.Description(paramAtAll)),
	}
}

// object is the schema of an array item with string fields, all required.
func object(fields ...[2]string) map[string]any {
	props := map[string]any{}
	required := make([]string, 0, len(fields))
	for _, f := range fields {
		props[f[0]] = map[string]any{"type": "string", "description": f[1]}
		required = append(required, f[0])
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

var (
	buttonItem = object(
		[2]string{"title", "Button label, e.g. \"View build\"."},
		[2]string{"actionURL", "URL the button opens: " + paramURL},
	)
	feedLinkItem = object(
		[2]string{"title", "Item title, shown next to or over its picture."},
		[2]string{"messageURL", "URL the item opens: " + paramURL},
		[2]string{"picURL", "Picture URL (http:// or https://), required for every item; the first item's picture is shown large."},
	)
	orientationValues = []string{"0", "1", "vertical", "horizontal"}
	avatarValues      = []string{"0", "1"}
)

// orientations and avatars map accepted values to DingTalk's.
var (
	orientations = map[string]string{"0": "0", "1": "1", "vertical": "0", "horizontal": "1"}
	avatars      = map[string]string{"0": "0", "1": "1", "false": "0", "true": "1", "show": "0", "hide": "1"}
)

// Output schemas: the structured content of every result, success or failure.

var failureKinds = []any{
	KindInvalidArguments, KindConfig, KindUnknownRobot, KindRobotMisconfigured, KindUnknownContact,
	KindInvalidMessage, KindKeywordMissing, KindRateLimited, KindQuota, KindDingTalk, KindTimeout,
	KindConnection, KindBadResponse, KindCanceled, KindState, KindInternal,
}

func prop(typ any, desc string) map[string]any {
	return map[string]any{"type": typ, "description": desc}
}

func stringList(desc string) map[string]any {
	return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": desc}
}

// baseOutput is the part of the output schema shared by all tools.
func baseOutput() (map[string]any, []string) {
	props := map[string]any{
		"ok":       prop("boolean", "True when the call did what it was asked: the message was accepted by DingTalk (or validated in a dry run), the preview found it sendable, or the list was read."),
		"error":    map[string]any{"type": "string", "enum": failureKinds, "description": "Kind of failure; absent on success. state_error: dingbot's state directory (its per-robot send counts) cannot be used, so nothing is sent until the user fixes it as the hint says."},
		"errcode":  prop([]any{"integer", "null"}, "DingTalk's errcode when DingTalk answered (0 means accepted), otherwise null."),
		"errmsg":   prop("string", "DingTalk's errmsg verbatim, or dingbot's description of a failure found before sending."),
		"hint":     prop("string", "What to do about a failure, or a note about a success."),
		"robot":    prop("string", "Name of the robot used."),
		"msgtype":  prop("string", "DingTalk msgtype: text, markdown, link, actionCard or feedCard."),
		"bytes":    prop("integer", "Size of the JSON request body in bytes; DingTalk refuses more than 20000."),
		"warnings": stringList("Things to know that do not stop the call: markdown DingTalk shows differently than intended (PC-only, single line breaks), mentions dingbot added, a robot with no sends left this minute."),
	}
	return props, []string{"ok", "errcode", "errmsg", "hint", "robot", "msgtype", "bytes", "warnings"}
}

// messageOutput adds the fields about a message being prepared or sent.
func messageOutput(props map[string]any) {
	props["dryRun"] = prop("boolean", "True when the server runs with --dry-run: the message was validated but not sent.")
	props["sandbox"] = prop("boolean", "True when the robot is dingbot's local sandbox: nothing reached a real DingTalk group.")
	props["retryAfterSeconds"] = prop("integer", "With error rate_limited: seconds to wait before this robot can send again.")
	props["maybeDelivered"] = prop("boolean", "With a transport failure: true if the request left this machine, so the message may have been posted; do not resend without checking.")
	props["sendsLeft"] = prop("integer", "Messages this robot may still send in the current minute.")
	props["mentionsAdded"] = stringList("@handles dingbot appended to the text so that the people mentioned are notified.")
	props["msgUuid"] = prop("string", "DingTalk's idempotency key the message was sent with (the one given, or a fresh one): a call with the same msgUuid posts the message at most once.")
	props["problems"] = stringList("Everything wrong with the arguments or the message, one entry per problem.")
	props["body"] = map[string]any{"type": "object", "description": "The exact JSON body posted (or that would be posted) to the webhook, mentions inserted."}
}

func outputSchema(extra func(props map[string]any) []string) mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		props, required := baseOutput()
		if extra != nil {
			required = append(required, extra(props)...)
		}
		t.OutputSchema = mcpgo.ToolOutputSchema{Type: "object", Properties: props, Required: required, PropertyOrder: required}
	}
}

// sendOutput is a send tool's output schema; split adds the parts of a split message.
func sendOutput(split bool) mcpgo.ToolOption {
	return outputSchema(func(props map[string]any) []string {
		messageOutput(props)
		props["attempts"] = prop("integer", "Requests dingbot made for this send: 1, or 2 when it resent the message once after the first request failed (only with a msgUuid, or when the first never left this machine, and only within the one timeout). Absent when no request was made.")
		props["resent"] = prop("boolean", "True when a second request went out (attempts 2); the text says why the first failed. With the msgUuid DingTalk still posts the message at most once.")
		monthOutput(props)
		if split {
			partsOutput(props, false)
		}
		return nil
	})
}

// monthOutput adds a robot's month: its sends so far and its quota.
func monthOutput(props map[string]any) {
	props["monthUsed"] = prop("integer", "The robot's sends this month (China time), all dingbot processes together.")
	props["monthlyQuota"] = prop("integer", "The robot's monthly_quota, if set; reaching it gives quota_exhausted.")
}

// partsOutput adds the parts of a split message; a preview shows each one's body.
func partsOutput(props map[string]any, preview bool) {
	item := map[string]any{
		"msgUuid": prop("string", "The part's msgUuid: the message's, then -1, -2, ..."),
		"bytes":   prop("integer", "Size of the part's body."),
		"sent":    prop("boolean", "DingTalk accepted this part."),
	}
	desc := "With split: the parts, in order; sending stops at the first that fails."
	if preview {
		item = map[string]any{
			"bytes": prop("integer", "Size of the part's body."),
			"sent":  prop("boolean", "Always false: a preview sends nothing."),
			"body":  map[string]any{"type": "object", "description": "The part's exact JSON body."},
		}
		desc = "With split, when the message is too long: the parts a send would post, in order."
	}
	props["parts"] = map[string]any{
		"type":        "array",
		"description": desc,
		"items":       map[string]any{"type": "object", "properties": item, "required": []string{"bytes", "sent"}},
	}
}
