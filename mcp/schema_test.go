package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// Every result of every tool, success or failure, must match the output schema the tool declares:
// MCP clients such as the TypeScript SDK validate structuredContent against it and reject the
// whole call (-32602) when it does not match, isError or not. mcp-go's own output validation
// skips isError results, so these tests validate with a JSON Schema validator of their own.

// compileOutputSchemas compiles the output schema of each tool exactly as it goes over the wire.
// strict also refuses a result field the schema does not list, so that a schema lists every
// field its tool returns.
func compileOutputSchemas(tools []mcpgo.Tool, strict bool) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	out := map[string]*jsonschema.Schema{}
	for _, tool := range tools {
		raw, err := json.Marshal(tool)
		if err != nil {
			return nil, err
		}
		var wire struct {
			OutputSchema json.RawMessage `json:"outputSchema"`
		}
		if err := json.Unmarshal(raw, &wire); err != nil {
			return nil, err
		}
		if len(wire.OutputSchema) == 0 {
			return nil, fmt.Errorf("%s declares no output schema", tool.Name)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(wire.OutputSchema))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tool.Name, err)
		}
		if strict {
			partsAsSaid(doc)
			closeObjects(doc)
		}
		url := "mem:///" + tool.Name + ".output.json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", tool.Name, err)
		}
		if out[tool.Name], err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("%s: %w", tool.Name, err)
		}
	}
	return out, nil
}

// outputSchemas are the compiled output schemas of all tools; they do not depend on Options.
var outputSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	var list []mcpgo.Tool
	for _, st := range tools(newToolset(fullOptions())) {
		list = append(list, st.Tool)
	}
	return compileOutputSchemas(list, false)
})

// partsAsSaid gives the parts of a split message the fields the instructions list for them
// (sharedRules), which the tools' schemas leave to the instructions.
func partsAsSaid(doc any) {
	parts := mapOf(mapOf(mapOf(doc)["properties"])["parts"])
	if parts == nil {
		return
	}
	parts["items"] = map[string]any{"type": "object", "properties": map[string]any{
		"msgUuid": map[string]any{"type": "string"},
		"bytes":   map[string]any{"type": "integer"},
		"sent":    map[string]any{"type": "boolean"},
		"body":    map[string]any{"type": "object"},
	}}
}

// closeObjects forbids properties an object schema, or any schema in it, does not list.
func closeObjects(schema any) {
	switch v := schema.(type) {
	case map[string]any:
		if _, ok := v["properties"]; ok {
			v["additionalProperties"] = false
		}
		for _, sub := range v {
			closeObjects(sub)
		}
	case []any:
		for _, sub := range v {
			closeObjects(sub)
		}
	}
}

// schemaError reports whether structured, a tool result's structuredContent, does not match
// the tool's output schema.
func schemaError(schemas map[string]*jsonschema.Schema, name string, structured []byte) error {
	s, ok := schemas[name]
	if !ok {
		return fmt.Errorf("no output schema for tool %s", name)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(structured))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// checkOutputSchema fails t when a result of tool name does not match its output schema.
func checkOutputSchema(t testing.TB, name string, structured []byte) {
	t.Helper()
	schemas, err := outputSchemas()
	if err != nil {
		t.Fatalf("compile output schemas: %v", err)
	}
	if err := schemaError(schemas, name, structured); err != nil {
		t.Errorf("%s: structuredContent does not match the output schema: %v\n%s", name, err, structured)
	}
}

// TestEveryResultMatchesOutputSchema drives every tool through its successes and each of its
// failure paths, in servers set up in every way that changes results, and validates each
// result against the schema the server itself lists for that tool, which must list every
// field the result has.
func TestEveryResultMatchesOutputSchema(t *testing.T) {
	unusable := dingtalk.Robot{Name: "elsewhere", Webhook: "https://example.com/robot/send?access_token=" + opsToken}
	gone := map[string]error{"gone": errors.New("config.toml: robot gone: secret_env: environment variable GONE_SECRET is not set (or is empty)")}
	webhookArg := "https://oapi.dingtalk.com/robot/send?access_token=" + opsToken
	valid := map[string]map[string]any{
		toolSendText:     {"text": "报警 disk full", "atMobiles": []any{"13800000000"}},
		toolSendMarkdown: {"title": "报警", "text": "# Disk\n\nfull", "atNames": []any{"bob"}},
		toolSendLink:     {"title": "报警 build", "text": "green", "messageUrl": "https://ci.example.com/1"},
		toolSendAction:   {"title": "报警", "text": "x", "singleTitle": "Open", "singleURL": "https://example.com"},
		toolSendFeed:     {"links": []any{map[string]any{"title": "报警 a", "messageURL": "https://a.example", "picURL": "https://a.example/p.png"}}},
		toolPreview:      {"msgtype": "text", "text": "报警 disk full", "atNames": []any{"alice"}},
		toolDeliveries:   {"deliveryIds": []any{"d-20260101T000000-00000000"}},
		toolListRobots:   nil,
		toolListContacts: nil,
	}
	// invalid makes a message DingTalk would refuse, for the tools that take one.
	invalid := map[string]map[string]any{
		toolSendText:     {"text": strings.Repeat("长", 7000)},
		toolSendMarkdown: {"title": "t", "text": "x", "atMobiles": []any{"call me"}},
		toolSendLink:     {"title": "t", "text": "x", "messageUrl": "ftp://example.com"},
		toolSendAction:   {"title": "t", "text": "x", "singleTitle": "Go", "singleURL": "mailto:x@example.com"},
		toolSendFeed:     {"links": []any{map[string]any{"title": "a", "messageURL": "ftp://a", "picURL": "https://a.example/p.png"}}},
		toolPreview:      {"msgtype": "link", "title": "t", "text": "x", "messageUrl": "ftp://example.com"},
	}
	with := func(args map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range args {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	// calls are the argument sets tried on each tool in every setup.
	calls := func(tool string) []map[string]any {
		v := valid[tool]
		out := []map[string]any{nil, {}, {"x": 1}, v, {"robot": webhookArg}}
		if tool == toolListRobots || tool == toolListContacts {
			return append(out, map[string]any{"robot": "ops"})
		}
		out = append(out,
			with(v, "robot", "alert"), // keyword present: sent
			with(v, "robot", "ops"),
			with(v, "robot", "nope"),
			with(v, "robot", "gone"),
			with(v, "robot", "elsewhere"),
			with(v, "robot", "badsign"),
			with(v, "robot", webhookArg),
			with(v, "robot", 7),
			invalid[tool],
			with(v, "atNames", []any{"Zed"}),
			with(v, "unknown", true),
		)
		long := strings.Repeat("报警 a long line\n", 1500)
		switch tool {
		case toolSendText:
			out = append(out, map[string]any{"text": long, "split": true})
		case toolPreview:
			out = append(out, map[string]any{"msgtype": "markdown", "title": "报警", "text": long, "split": true})
		case toolSendMarkdown:
			out = append(out, map[string]any{"title": "报警", "text": long, "split": true})
		case toolSendAction:
			out = append(out, map[string]any{"title": "报警", "text": long, "singleTitle": "Open", "singleURL": "https://example.com", "split": true})
		}
		switch tool {
		case toolSendText, toolPreview:
			out = append(out, map[string]any{"msgtype": "text", "text": "no keyword", "robot": "alert"}, map[string]any{"text": "no keyword", "robot": "alert"})
		case toolSendMarkdown:
			out = append(out, map[string]any{"title": "t", "text": "no keyword", "robot": "alert"})
		case toolSendLink:
			out = append(out, map[string]any{"title": "t", "text": "x", "messageUrl": "https://x.example", "robot": "alert"})
		case toolSendAction:
			out = append(out, map[string]any{"title": "t", "text": "x", "singleTitle": "Go", "singleURL": "https://x.example", "robot": "alert"})
		case toolSendFeed:
			out = append(out, map[string]any{"links": []any{map[string]any{"title": "a", "messageURL": "https://a.example", "picURL": "https://a.example/p.png"}}, "robot": "alert"})
		}
		return out
	}
	base := func(o *Options) {
		o.Robots = append(o.Robots, unusable)
		o.Unavailable = gone
	}
	setups := []struct {
		name  string
		cfg   envConfig
		fault sandbox.Fault
		fill  bool // use up ops's 20 sends first
	}{
		{name: "normal", cfg: envConfig{tweak: base}},
		{name: "dry run", cfg: envConfig{tweak: func(o *Options) { base(o); o.DryRun = true }}},
		{name: "rate limited", cfg: envConfig{tweak: base}, fill: true},
		{name: "HTML 500", cfg: envConfig{tweak: base}, fault: sandbox.FaultHTML500},
		{name: "dropped connection", cfg: envConfig{tweak: base}, fault: sandbox.FaultDropConnection},
		{name: "config error", cfg: envConfig{tweak: func(o *Options) {
			o.Robots, o.Contacts, o.DefaultRobot = nil, nil, ""
			o.ConfigError = errors.New(`config.toml: line 4: unknown key "secert"`)
		}}},
		{name: "default unavailable", cfg: envConfig{tweak: func(o *Options) { base(o); o.DefaultRobot = "gone" }}},
		{name: "no default", cfg: envConfig{tweak: func(o *Options) { base(o); o.DefaultRobot = "" }}},
		{name: "no robots", cfg: envConfig{tweak: func(o *Options) { o.Robots, o.DefaultRobot, o.Contacts = nil, "", nil }}},
		{name: "only unavailable", cfg: envConfig{tweak: func(o *Options) { o.Robots, o.DefaultRobot, o.Unavailable = nil, "gone", gone }}},
		{name: "no client", cfg: envConfig{tweak: func(o *Options) { base(o); o.Client = nil }}},
		{name: "state directory broken", cfg: envConfig{tweak: func(o *Options) {
			base(o)
			o.Client.Limiter = ratelimit.New(filepath.Join(blockedStateDir(t), "ratelimit"))
		}}},
		{name: "monthly quota used up", cfg: envConfig{tweak: func(o *Options) {
			base(o)
			withMeter(t)(o)
			for i := range o.Robots {
				o.Robots[i].MonthlyQuota = 1
				if key, err := dingtalk.RobotKey(o.Robots[i]); err == nil {
					_, _, _ = o.Client.Meter.Count(context.Background(), key, dingtalk.QuotaMonth(time.Now()))
				}
			}
		}}},
		{name: "paused", cfg: envConfig{tweak: func(o *Options) {
			base(o)
			withMeter(t)(o)
			for _, r := range o.Robots {
				if key, err := dingtalk.RobotKey(r); err == nil {
					_ = o.Client.Meter.Pause(context.Background(), key, dingtalk.Pause{Until: time.Now().Add(time.Minute), Errcode: 410100, Reason: "throttled"})
				}
			}
		}}},
		{name: "queue when limited", cfg: envConfig{tweak: func(o *Options) {
			base(o)
			withOutbox(t, time.Minute, func(o *Options) { o.QueueWhenLimited = true })(o)
		}}, fill: true},
		{name: "confirm", cfg: envConfig{tweak: func(o *Options) { base(o); o.Confirm = true }}},
		{name: "confirm with an outbox", cfg: envConfig{tweak: func(o *Options) {
			base(o)
			withOutbox(t, time.Minute, func(o *Options) { o.Confirm = true })(o)
		}}},
		{name: "sandbox", cfg: envConfig{tweak: func(o *Options) {
			o.Robots, o.DefaultRobot, o.Sandbox = o.Robots[:1], "", true
			o.Robots[0].Name = "sandbox"
		}}},
	}

	seen := map[string]map[string]bool{} // tool → "ok" or error kind
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			e := newEnv(t, setup.cfg)
			listed, err := e.client.ListTools(t.Context(), mcpgo.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			schemas, err := compileOutputSchemas(listed.Tools, true)
			if err != nil {
				t.Fatal(err)
			}
			if setup.fill {
				for range 20 {
					e.call(toolSendText, map[string]any{"text": "tick"}).wantOK(t)
				}
			}
			queued := 0
			e.sb.SetFault(setup.fault)
			for _, tool := range toolNames(listed.Tools) {
				for _, args := range calls(tool) {
					res, err := e.client.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: tool, Arguments: args}})
					if err != nil {
						t.Fatalf("%s %v: protocol error %v", tool, args, err)
					}
					if err := schemaError(schemas, tool, res.RawStructuredContent); err != nil {
						t.Errorf("%s %v: structuredContent does not match the output schema: %v\n%s", tool, args, err, res.RawStructuredContent)
					}
					var r Result
					if err := json.Unmarshal(res.RawStructuredContent, &r); err != nil {
						t.Fatal(err)
					}
					if seen[tool] == nil {
						seen[tool] = map[string]bool{}
					}
					if r.Queued {
						queued++
					}
					if r.Queued && len(r.DeliveryIDs) > 0 && tool != toolDeliveries {
						// The ids a queued send returns are what delivery_status takes.
						st, err := e.client.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: toolDeliveries, Arguments: map[string]any{"deliveryIds": r.DeliveryIDs}}})
						if err != nil {
							t.Fatal(err)
						}
						if err := schemaError(schemas, toolDeliveries, st.RawStructuredContent); err != nil {
							t.Errorf("%s: structuredContent does not match the output schema: %v\n%s", toolDeliveries, err, st.RawStructuredContent)
						}
					}
					switch {
					case r.OK:
						seen[tool]["ok"] = true
					case r.Error != "":
						seen[tool][r.Error] = true
					}
				}
			}
			if setup.name == "queue when limited" && queued < 5 {
				t.Errorf("only %d sends were queued", queued)
			}
		})
	}

	// The sweep must have reached every path worth checking.
	sendKinds := []string{"ok", KindConfig, KindInvalidArguments, KindUnknownRobot, KindRobotMisconfigured,
		KindUnknownContact, KindInvalidMessage, KindKeywordMissing, KindRateLimited, KindQuota, KindDingTalk,
		KindBadResponse, KindConnection, KindState, KindInternal}
	want := map[string][]string{
		toolPreview:      {"ok", KindConfig, KindInvalidArguments, KindUnknownRobot, KindRobotMisconfigured, KindUnknownContact, KindInvalidMessage, KindKeywordMissing},
		toolListRobots:   {"ok", KindConfig, KindInvalidArguments},
		toolListContacts: {"ok", KindConfig, KindInvalidArguments},
		toolDeliveries:   {"ok", KindInvalidArguments},
	}
	for _, tool := range []string{toolSendText, toolSendMarkdown, toolSendLink, toolSendAction, toolSendFeed} {
		want[tool] = sendKinds
		if tool == toolSendLink || tool == toolSendAction || tool == toolSendFeed {
			want[tool] = slices.DeleteFunc(slices.Clone(sendKinds), func(k string) bool { return k == KindUnknownContact })
		}
	}
	for tool, kinds := range want {
		for _, k := range kinds {
			if !seen[tool][k] {
				t.Errorf("%s: no call ended in %s; the sweep misses a path", tool, k)
			}
		}
	}
}

// TestPanicResultMatchesOutputSchema: a tool whose logic panics still answers with a result
// that matches its output schema.
func TestPanicResultMatchesOutputSchema(t *testing.T) {
	ts := newToolset(fullOptions())
	var list []mcpgo.Tool
	for _, st := range tools(ts) {
		list = append(list, st.Tool)
	}
	schemas, err := compileOutputSchemas(list, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range tools(ts) {
		name := st.Tool.Name
		h := ts.handle(name, func(context.Context, mcpgo.CallToolRequest) outcome { panic("boom") })
		res, err := h(context.Background(), mcpgo.CallToolRequest{})
		if err != nil || res == nil || !res.IsError {
			t.Fatalf("%s: %v, %+v", name, err, res)
		}
		raw, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemaError(schemas, name, raw); err != nil {
			t.Errorf("%s: %v\n%s", name, err, raw)
		}
	}
}
