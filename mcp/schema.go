package mcp

import (
	"bytes"
	"encoding/json"
	"slices"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
)

// Input schema helpers, so that every parameter is described and listed in a useful order.

// order lists the input properties in the given order in the schema agents see.
func order(names ...string) mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		t.InputSchema.PropertyOrder = names
		t.InputSchema.AdditionalProperties = false
	}
}

// noArguments declares a tool that takes no arguments, without the empty required list mcp-go
// would add.
func noArguments() mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		t.InputSchema = mcpgo.ToolInputSchema{}
		t.RawInputSchema = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
	}
}

func robotParam() mcpgo.ToolOption {
	return mcpgo.WithString("robot", mcpgo.Description(paramRobot))
}

func msgUUIDParam() mcpgo.ToolOption {
	return mcpgo.WithString("msgUuid", mcpgo.Description(paramMsgUUID))
}

func splitParam() mcpgo.ToolOption {
	return mcpgo.WithBoolean("split", mcpgo.Description(paramSplit))
}

// controlParams are the parameters that say how a send goes rather than what it posts: queue
// when there is an outbox, confirmToken in confirm mode.
func (ts *toolset) controlParams() []string {
	var out []string
	if ts.queues() {
		out = append(out, "queue")
	}
	if ts.confirming() {
		out = append(out, "confirmToken")
	}
	return out
}

// controlOptions declare controlParams.
func (ts *toolset) controlOptions() []mcpgo.ToolOption {
	var out []mcpgo.ToolOption
	if ts.queues() {
		desc := paramQueue
		if ts.opts.QueueWhenLimited {
			desc = paramQueueDefault
		}
		out = append(out, mcpgo.WithBoolean("queue", mcpgo.Description(desc)))
	}
	if ts.confirming() {
		out = append(out, mcpgo.WithString("confirmToken", mcpgo.Description(paramConfirmToken)))
	}
	return out
}

// mentionParams are the mention parameters. They carry no maxItems: DingTalk's 50 is the people
// of all three lists together, which sharedRules says and a schema cannot.
func mentionParams() []mcpgo.ToolOption {
	return []mcpgo.ToolOption{
		mcpgo.WithArray("atMobiles", mcpgo.Description(paramAtMobiles), mcpgo.WithStringItems()),
		mcpgo.WithArray("atUserIds", mcpgo.Description(paramAtUserIDs), mcpgo.WithStringItems()),
		mcpgo.WithArray("atNames", mcpgo.Description(paramAtNames), mcpgo.WithStringItems()),
		mcpgo.WithBoolean("atAll", mcpgo.Description(paramAtAll)),
	}
}

// object is the schema of an array item with string fields, all required. It leaves other
// fields open: dingbot reads the fields in any case ("actionUrl" for "actionURL") and names
// any it does not know in problems.
func object(fields ...[2]string) map[string]any {
	props := map[string]any{}
	required := make([]string, 0, len(fields))
	for _, f := range fields {
		props[f[0]] = map[string]any{"type": "string", "description": f[1]}
		required = append(required, f[0])
	}
	return map[string]any{"type": "object", "properties": props, "required": required}
}

var (
	buttonItem = object(
		[2]string{"title", "Button label."},
		[2]string{"actionURL", "URL the button opens."},
	)
	feedLinkItem = object(
		[2]string{"title", "Item title."},
		[2]string{"messageURL", "URL the item opens."},
		[2]string{"picURL", "Picture URL."},
	)
	orientationValues = []string{"0", "1", "vertical", "horizontal"}
	avatarValues      = []string{"0", "1"}
)

// orientations and avatars map accepted values to DingTalk's.
var (
	orientations = map[string]string{"0": "0", "1": "1", "vertical": "0", "horizontal": "1"}
	avatars      = map[string]string{"0": "0", "1": "1", "false": "0", "true": "1", "show": "0", "hide": "1"}
)

// Output schemas list the fields each tool returns. The fields sharedRules explains carry no
// description here; a tool's own fields carry a short one.

func prop(typ any, desc string) map[string]any {
	p := map[string]any{"type": typ}
	if desc != "" {
		p["description"] = desc
	}
	return p
}

// stringList is an output list of strings; the item type goes unsaid, every output list of
// plain values holds strings.
func stringList(desc string) map[string]any {
	return prop("array", desc)
}

// fields builds an output schema, its properties in order. It lists no required fields: which
// fields every result has is said once, in sharedRules, and the bytes go to describing them.
type fields struct {
	props map[string]any
	order []string
}

// with adds a property.
func (f *fields) with(name string, schema map[string]any) *fields {
	f.props[name] = schema
	f.order = append(f.order, name)
	return f
}

// schema is the output schema as it goes over the wire: mcp-go would add an empty required list.
func (f *fields) schema() json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"type":"object","properties":{`)
	for i, name := range f.order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, err := json.Marshal(f.props[name])
		if err != nil {
			panic(err) // the schemas are literals
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// commonOutput are the fields of every tool's result (commonFields).
func commonOutput() *fields {
	f := &fields{props: map[string]any{}}
	return f.with("ok", prop("boolean", "")).
		with("error", prop("string", "")).
		with("errmsg", prop("string", "")).
		with("hint", prop("string", "")).
		with("warnings", stringList("")).
		with("problems", stringList(""))
}

// messageOutput adds the fields of a message checked or sent; mentions adds mentionsAdded.
// sandbox is there only when the server serves dingbot's sandbox, the only robot it is ever true for.
func (ts *toolset) messageOutput(f *fields, mentions bool) *fields {
	f.with("robot", prop("string", "")).
		with("msgtype", prop("string", "")).
		with("bytes", prop("integer", ""))
	if ts.opts.Sandbox {
		f.with("sandbox", prop("boolean", ""))
	}
	f.with("sendsLeft", prop("integer", "")).
		with("msgUuid", prop("string", "")).
		with("body", prop("object", ""))
	if mentions {
		f.with("mentionsAdded", stringList(""))
	}
	return f
}

// sendOutput is the output schema of the send tool for messages of type t, a Result: its
// parameters decide whether mentions and parts can be in it, dry-run mode whether dryRun can.
func (ts *toolset) sendOutput(t dingtalk.MsgType) json.RawMessage {
	f := commonOutput().with("errcode", prop([]any{"integer", "null"}, ""))
	ts.messageOutput(f, slices.Contains(typeParams[t], "atMobiles"))
	if ts.opts.DryRun {
		f.with("dryRun", prop("boolean", ""))
	}
	f.with("retryAfterSeconds", prop("integer", "")).
		with("maybeDelivered", prop("boolean", "")).
		with("attempts", prop("integer", "")).
		with("resent", prop("boolean", "")).
		with("monthUsed", prop("integer", "")).
		with("monthlyQuota", prop("integer", ""))
	if slices.Contains(typeParams[t], "split") {
		f.with("parts", partsOutput())
	}
	if ts.queues() {
		f.with("queued", prop("boolean", "")).
			with("deliveryIds", stringList("")).
			with("position", prop("integer", "")).
			with("etaSeconds", prop("integer", ""))
	}
	if ts.confirming() {
		f.with("needsConfirmation", prop("boolean", "")).
			with("confirmToken", prop("string", ""))
	}
	return f.schema()
}

// partsOutput is the parts of a split message. What a part holds (msgUuid, bytes, sent, body) is
// said once, in sharedRules, not in each of the four tools that return parts.
func partsOutput() map[string]any { return prop("array", "") }

// previewOutput is preview_message's output schema (previewResult).
func (ts *toolset) previewOutput() json.RawMessage {
	return ts.messageOutput(commonOutput(), true).
		with("maxBytes", prop("integer", "")).
		with("keywordCheck", map[string]any{
			"type": "object",
			"properties": map[string]any{
				"ok":       prop("boolean", ""),
				"matched":  prop("string", ""),
				"keywords": stringList(""),
			},
		}).
		with("parts", partsOutput()).
		schema()
}

// withOutput sets a tool's output schema.
func withOutput(s json.RawMessage) mcpgo.ToolOption {
	return func(t *mcpgo.Tool) { t.RawOutputSchema = s }
}

// commonFields are the fields of every result, as commonOutput lists them.
type commonFields struct {
	OK       bool     `json:"ok"`
	Error    string   `json:"error,omitempty"`
	Errmsg   string   `json:"errmsg"`
	Hint     string   `json:"hint"`
	Warnings []string `json:"warnings"`
	Problems []string `json:"problems,omitempty"`
}

func commonOf(r Result) commonFields {
	return commonFields{OK: r.OK, Error: r.Error, Errmsg: r.Errmsg, Hint: r.Hint, Warnings: nonNil(r.Warnings), Problems: r.Problems}
}

// previewResult is a Result sent as preview_message's structured content, without the fields
// only a send has.
type previewResult Result

func (p previewResult) MarshalJSON() ([]byte, error) {
	type part struct {
		MsgUUID string          `json:"msgUuid,omitempty"`
		Bytes   int             `json:"bytes"`
		Body    json.RawMessage `json:"body"`
	}
	parts := make([]part, len(p.Parts))
	for i, pt := range p.Parts {
		parts[i] = part{pt.MsgUUID, pt.Bytes, pt.Body}
	}
	return json.Marshal(struct {
		commonFields
		Robot         string          `json:"robot"`
		MsgType       string          `json:"msgtype"`
		Bytes         int             `json:"bytes"`
		Sandbox       bool            `json:"sandbox,omitempty"`
		SendsLeft     *int            `json:"sendsLeft,omitempty"`
		MentionsAdded []string        `json:"mentionsAdded,omitempty"`
		MsgUUID       string          `json:"msgUuid,omitempty"`
		Body          json.RawMessage `json:"body,omitempty"`
		MaxBytes      *int            `json:"maxBytes"`
		Keyword       *KeywordCheck   `json:"keywordCheck,omitempty"`
		Parts         []part          `json:"parts,omitempty"`
	}{commonOf(Result(p)), p.Robot, p.MsgType, p.Bytes, p.Sandbox, p.SendsLeft, p.MentionsAdded, p.MsgUUID, p.Body, p.MaxBytes, p.Keyword, parts})
}
