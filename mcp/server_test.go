package mcp

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

var update = flag.Bool("update", false, "rewrite the tool snapshots in __toolsnaps__")

var allTools = []string{
	"send_text_message", "send_markdown_message", "send_link_message", "send_action_card", "send_feed_card",
	"preview_message", "list_robots", "list_contacts",
}

var readOnlyTools = []string{"preview_message", "list_robots", "list_contacts"}

// fullOptions serve every tool and every field: an outbox, queueing by default, confirm mode.
func fullOptions() Options {
	return Options{Outbox: listingOutbox(), QueueWhenLimited: true, Confirm: true}
}

func listTools(t *testing.T, opts Options) []mcpgo.Tool {
	t.Helper()
	c := inProcessClient(t, opts)
	res, err := c.ListTools(t.Context(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Tools
}

func toolNames(tools []mcpgo.Tool) []string {
	var names []string
	for _, t := range tools {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}

func TestInitialize(t *testing.T) {
	c, err := clientFor(Options{Version: "1.2.3", Sandbox: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res := initialize(t, c)
	if res.ServerInfo.Name != "dingbot" || res.ServerInfo.Version != "1.2.3" {
		t.Errorf("server info = %+v", res.ServerInfo)
	}
	for _, want := range []string{"DingTalk group", "list_robots", "preview_message", "sandbox: true", "Dry-run", "dryRun: true"} {
		if !strings.Contains(res.Instructions, want) {
			t.Errorf("instructions lack %q:\n%s", want, res.Instructions)
		}
	}
	if res.Capabilities.Tools == nil {
		t.Error("tools capability not advertised")
	}
}

func TestToolSets(t *testing.T) {
	if got, want := toolNames(listTools(t, Options{})), sorted(allTools); !slices.Equal(got, want) {
		t.Errorf("tools = %v, want %v", got, want)
	}
	if got, want := toolNames(listTools(t, Options{ReadOnly: true})), sorted(readOnlyTools); !slices.Equal(got, want) {
		t.Errorf("read-only tools = %v, want %v", got, want)
	}
	// With an outbox, delivery_status too; read-only, it stays in read-only mode.
	if got, want := toolNames(listTools(t, Options{Outbox: listingOutbox()})), sorted(append(allTools, toolDeliveries)); !slices.Equal(got, want) {
		t.Errorf("tools with an outbox = %v, want %v", got, want)
	}
	if got, want := toolNames(listTools(t, Options{Outbox: listingOutbox(), ReadOnly: true})), sorted(append(readOnlyTools, toolDeliveries)); !slices.Equal(got, want) {
		t.Errorf("read-only tools with an outbox = %v, want %v", got, want)
	}
	// Dry runs and the sandbox queue nothing.
	for _, opts := range []Options{{Outbox: listingOutbox(), DryRun: true}, {Outbox: listingOutbox(), Sandbox: true}} {
		if got := toolNames(listTools(t, opts)); slices.Contains(got, toolDeliveries) {
			t.Errorf("dry run %v, sandbox %v: tools = %v", opts.DryRun, opts.Sandbox, got)
		}
	}
	c := inProcessClient(t, Options{ReadOnly: true})
	res, err := c.Initialize(t.Context(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{ProtocolVersion: mcpgo.LATEST_PROTOCOL_VERSION}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Instructions, "Read-only mode: only preview_message, list_robots and list_contacts are available.") {
		t.Errorf("read-only instructions:\n%s", res.Instructions)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestToolSnapshots keeps what agents see of each tool in __toolsnaps__/<tool>.snap, so that
// every change to a name, description, schema or annotation is a reviewed diff.
// Run `go test ./mcp -run TestToolSnapshots -update` to accept a change.
//
// The snapshots show the tools as a server with an outbox lists them (queue and delivery_status
// included); __toolsnaps__/confirm shows them in confirm mode, with queueing the default.
func TestToolSnapshots(t *testing.T) {
	checkSnapshots(t, "__toolsnaps__", Options{Outbox: listingOutbox()})
	checkSnapshots(t, filepath.Join("__toolsnaps__", "confirm"), fullOptions())
}

func checkSnapshots(t *testing.T, dir string, opts Options) {
	t.Helper()
	var list struct{ Tools []json.RawMessage }
	if err := json.Unmarshal(toolsListJSON(t, opts), &list); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, raw := range list.Tools {
		var tool struct{ Name string }
		if err := json.Unmarshal(raw, &tool); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, tool.Name+".snap")
		seen[filepath.Base(file)] = true
		got := snapshot(t, raw)
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no snapshot (run go test ./mcp -run TestToolSnapshots -update): %v", tool.Name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s changed; if intended, run go test ./mcp -run TestToolSnapshots -update and review the diff:\n%s", tool.Name, lineDiff(string(want), string(got)))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !seen[e.Name()] && !e.IsDir() {
			if *update {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			} else {
				t.Errorf("stale snapshot %s: no such tool", e.Name())
			}
		}
	}
}

// snapshot is a tool as tools/list sends it, pretty-printed in wire order, with <, > and &
// unescaped for reading.
func snapshot(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	out := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(buf.String())
	return []byte(out + "\n")
}

// lineDiff shows the lines of want and got that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}

// TestInstructionsSayTheSharedRules: what every tool shares is in the server instructions, once.
func TestInstructionsSayTheSharedRules(t *testing.T) {
	for _, w := range []string{
		"DingTalk group", "list_robots", "default robot", "never accepted or shown",
		"visible to the whole group", "cannot be edited or recalled", "preview_message",
		"20 messages a minute", "rate_limited", "retryAfterSeconds", "20000 bytes", "split: true",
		"monthly webhook quota", "even one DingTalk refuses", "quota_exhausted",
		"security keywords", "a button label", "an item's title",
		"@mobile or @userId", "mentionsAdded", "+852-12345678", "list_contacts", "At most 50", "only group members",
		"msgUuid", "a resend after a timeout with the same msgUuid does not post twice", "dingtalk://dingtalkclient/page/link?url=", "pc_slide=true",
		"**bold**", "only on PC", "line break", "chat list and notification",
		"isError", "errcode", "errmsg", "problems", "hint", "never retry blindly", "maybeDelivered", "resent",
		"at the end of a text, on a last line of markdown", "parts, one per part", "msgUuid, bytes, sent",
		"highlighted and tappable on phones", "not in markdown", "since 2024",
		"still returns ok", "cannot tell",
		"Robots only send", "cannot read the group", "not localhost or an intranet", "preview_message cannot check that",
		"call again with the same arguments and msgUuid", "parts already posted are not posted twice",
		"cannot see a revoked token",
	} {
		if !strings.Contains(sharedRules, w) {
			t.Errorf("instructions do not say %q", w)
		}
	}
	for _, kind := range []string{
		KindInvalidArguments, KindConfig, KindUnknownRobot, KindRobotMisconfigured, KindUnknownContact,
		KindInvalidMessage, KindKeywordMissing, KindRateLimited, KindQuota, KindDingTalk, KindTimeout,
		KindConnection, KindBadResponse, KindCanceled, KindState, KindInternal,
	} {
		if !strings.Contains(sharedRules, kind) {
			t.Errorf("instructions do not name the failure kind %s", kind)
		}
	}
}

// TestInstructionsPerMode: what the instructions add in each mode is true of that mode.
func TestInstructionsPerMode(t *testing.T) {
	ob := listingOutbox()
	for _, m := range []struct {
		name      string
		opts      Options
		want, not []string
	}{
		{"sandbox", Options{Sandbox: true},
			[]string{"sandbox: true", "same limit of 20 messages a minute", "counted in dingbot's monthly counts"}, []string{"Queued sends"}},
		{"outbox", Options{Outbox: ob},
			[]string{"Queued sends", "while this server runs", "dingbot outbox drain", "same state", "keeps its entries", "delivery_status",
				"send it again only if it says failed", "or unknown and the user agrees"},
			[]string{"even if you stop", "pruned", "Never send a queued message again", "onfirm"}},
		{"confirm", Options{Confirm: true}, []string{"Confirm mode: the user approves every send"}, nil},
		{"read-only outbox", Options{Outbox: ob, ReadOnly: true},
			[]string{"delivery_status", "keeps its entries"}, []string{"with queue: true, a send"}},
		{"plain", Options{}, nil, []string{"Queued sends", "delivery_status", "onfirm"}},
	} {
		got := instructions(m.opts, tools(newToolset(m.opts)))
		for _, w := range m.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: instructions do not say %q:\n%s", m.name, w, got)
			}
		}
		for _, w := range m.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: instructions say %q:\n%s", m.name, w, got)
			}
		}
	}
}

// TestDescriptionQuality checks what the rubric asks of each tool: purpose first, when to use it
// against its siblings, what is particular to it, explicit and honest annotations, and a
// description for every parameter. The rules all tools share are in the instructions.
func TestDescriptionQuality(t *testing.T) {
	want := map[string][]string{
		"send_text_message":     {"plain-text", "@mention", "tappable on phones", "send_markdown_message", "send_action_card or send_link_message"},
		"send_markdown_message": {"markdown", "headings", "send_text_message", "send_action_card", "Phones and PCs", "preview"},
		"send_link_message":     {"link card", "messageUrl", "send_feed_card", "send_markdown_message"},
		"send_action_card":      {"buttons", "Needs singleTitle and singleURL", "or buttons (at least one)", "not both", "Split parts each carry the buttons", "send_link_message", "Mention by @userId in text"},
		"send_feed_card":        {"items", "picture", "send_link_message", "no body text", "keywords count in item titles only"},
		"preview_message":       {"without sending", "exact JSON body", "its size", "keyword", "every problem dingbot can detect", "Posts nothing", "no quota", "Use it", "invalid_message", "exactly the matching send tool's arguments except queue and confirmToken", "not isError"},
		"list_robots":           {"robots", "default", "Use it", "keywords", "no DingTalk call", "usable false"},
		"list_contacts":         {"@mention by name", "not DingTalk's directory", "atNames", "unique prefix", "not listed", "atMobiles", "atUserIds"},
		"delivery_status":       {"state of DingTalk messages queued by a send with queue: true", "deliveryIds", "delivered", "failed", "nothing posted", "send it as a new message", "unknown", "ask the user", "only with their yes", "resend it with its msgUuid", "not_found", "no such id in this outbox", "errcode", "hint", "rather than sending a queued message again"},
	}
	// outputs are what particular output fields must say, by their path.
	outputs := map[string]map[string]string{
		"list_robots": {
			"robot": "Name of the default robot; empty if none.", "robots.sendsLeft": "null: unknown", "robots.problem": "Why it cannot send",
			"orgMonthlyQuota": "The organisation's monthly cap, if set.",
		},
	}
	// params are what particular parameters must say.
	params := map[string]map[string][]string{
		"send_text_message":     {"atMobiles": {"13800000000 or +852-12345678"}},
		"send_markdown_message": {"title": {"not in the body"}, "atMobiles": {"13800000000 or +852-12345678"}},
		"send_action_card":      {"title": {"not in the body"}, "btnOrientation": {"0/vertical (default): stacked", "1/horizontal: side by side"}},
		"send_feed_card":        {"links": {"messageURL, picURL"}},
		"send_link_message":     {"messageUrl": {"dingtalk://"}, "picUrl": {"http(s) only"}, "text": {"long text is cut in display"}},
		"preview_message": {"buttons": {"[{title, actionURL}]"}, "links": {"[{title, messageURL, picURL}]"},
			"btnOrientation": {"For actionCard: 0 stacked, 1 side by side."}, "hideAvatar": {"For actionCard: 1 hides the avatar."}},
	}
	// What a send does to the group, in its own description, in every mode that posts.
	for _, o := range []Options{{}, {Outbox: listingOutbox()}, fullOptions()} {
		for _, tool := range listTools(t, o) {
			if isSendTool(tool.Name) && !strings.Contains(tool.Description, "Posts to the group now; no recall.") {
				t.Errorf("%s does not say that it posts at once for the group to see, for good:\n%s", tool.Name, tool.Description)
			}
		}
	}
	verb := regexp.MustCompile(`^(Send|Check|List|Report) `)
	opts := fullOptions()
	rules := instructions(opts, tools(newToolset(opts)))
	for _, tool := range listTools(t, opts) {
		t.Run(tool.Name, func(t *testing.T) {
			d := tool.Description
			if !verb.MatchString(d) || !strings.Contains(strings.SplitN(d, ". ", 2)[0], "DingTalk") && tool.Name != toolListContacts {
				t.Errorf("description does not start with its purpose: %.60q", d)
			}
			if len(d) < 150 || len(d) > 600 {
				t.Errorf("description is %d characters, want 150 to 600", len(d))
			}
			for _, w := range want[tool.Name] {
				if !strings.Contains(d, w) {
					t.Errorf("description does not mention %q", w)
				}
			}
			// Hints left out read as MCP's defaults: readOnly false, destructive true, idempotent
			// false, openWorld true; destructive and idempotent count only when readOnly is false.
			a := tool.Annotations
			readOnly := slices.Contains(readOnlyTools, tool.Name) || tool.Name == toolDeliveries
			if got := hint(a.ReadOnlyHint, false); got != readOnly {
				t.Errorf("readOnlyHint = %v", got)
			}
			if !readOnly && (hint(a.DestructiveHint, true) || hint(a.IdempotentHint, false)) {
				t.Errorf("a send tool must say it is not destructive nor idempotent: %+v", a)
			}
			if got := hint(a.OpenWorldHint, true); got != !readOnly {
				t.Errorf("openWorldHint = %v: the read-only tools are local, the send tools reach DingTalk", got)
			}
			// Said, not left to the defaults: a send tool that it reaches DingTalk and is not
			// destructive, a read-only tool that it is read-only and local.
			if a.OpenWorldHint == nil || (readOnly && a.ReadOnlyHint == nil) || (!readOnly && a.DestructiveHint == nil) {
				t.Errorf("annotations leave a hint that matters to its default: %+v", a)
			}
			if !readOnly && !strings.Contains(d, postingNote(opts)) {
				t.Errorf("a send tool's description does not say that posting is at once and final (%q)", postingNote(opts))
			}
			for name, ws := range params[tool.Name] {
				pd, _ := mapOf(tool.InputSchema.Properties[name])["description"].(string)
				for _, w := range ws {
					if !strings.Contains(pd, w) {
						t.Errorf("%s: description %q does not say %q", name, pd, w)
					}
				}
			}
			if p, ok := tool.InputSchema.Properties["links"]; ok && fmt.Sprint(mapOf(p)["minItems"]) != "1" {
				t.Errorf("links: minItems %v, want 1", mapOf(p)["minItems"])
			}
			if tool.InputSchema.AdditionalProperties != false {
				t.Errorf("input schema accepts unknown properties")
			}
			for name, p := range tool.InputSchema.Properties {
				checkDescribed(t, name, p, true)
			}
			out := wireOutputSchema(t, tool)
			if out["type"] != "object" {
				t.Fatalf("no output schema")
			}
			// An output field carries a description unless the instructions or the tool's
			// description name it.
			for name, p := range mapOf(out["properties"]) {
				checkOutputDescribed(t, name, p, rules+" "+d)
			}
			for path, w := range outputs[tool.Name] {
				if got := outputDescription(out, path); !strings.Contains(got, w) {
					t.Errorf("output field %s: description %q does not say %q", path, got, w)
				}
			}
		})
	}
}

// TestOutputSchemasListOnlyTheirTools: the list tools return no message fields, and
// preview_message none that only a send returns.
func TestOutputSchemasListOnlyTheirTools(t *testing.T) {
	sendOnly := []string{"errcode", "dryRun", "retryAfterSeconds", "maybeDelivered", "attempts", "resent", "monthUsed", "monthlyQuota"}
	notIn := map[string][]string{
		toolListRobots:   append([]string{"msgtype", "bytes", "body", "msgUuid", "parts", "keywordCheck", "maxBytes"}, sendOnly...),
		toolListContacts: append([]string{"robot", "msgtype", "bytes", "body", "msgUuid", "parts", "keywordCheck", "maxBytes"}, sendOnly...),
		toolPreview:      sendOnly,
		toolSendLink:     {"parts", "mentionsAdded", "keywordCheck", "maxBytes"},
		toolSendFeed:     {"parts", "mentionsAdded", "keywordCheck", "maxBytes"},
		toolSendAction:   {"mentionsAdded", "keywordCheck", "maxBytes"},
		toolSendText:     {"keywordCheck", "maxBytes", "dryRun", "sandbox"},
	}
	for _, tool := range listTools(t, Options{}) {
		props := mapOf(wireOutputSchema(t, tool)["properties"])
		for _, f := range notIn[tool.Name] {
			if _, ok := props[f]; ok {
				t.Errorf("%s: output schema lists %s, which it never returns", tool.Name, f)
			}
		}
	}
	// Only the send tools queue and ask for approval, and only with an outbox, in confirm mode.
	queueFields := []string{"queued", "deliveryIds", "position", "etaSeconds"}
	confirmFields := []string{"needsConfirmation", "confirmToken"}
	for _, m := range []struct {
		opts           Options
		queue, confirm bool
	}{
		{Options{}, false, false},
		{Options{Outbox: listingOutbox()}, true, false},
		{Options{Confirm: true}, false, true},
		{fullOptions(), true, true},
		{Options{Outbox: listingOutbox(), Confirm: true, DryRun: true}, false, false},
	} {
		for _, tool := range listTools(t, m.opts) {
			props := mapOf(wireOutputSchema(t, tool)["properties"])
			in := tool.InputSchema.Properties
			for _, f := range queueFields {
				if _, ok := props[f]; ok != (m.queue && isSendTool(tool.Name)) {
					t.Errorf("%s (queue %v): output lists %s: %v", tool.Name, m.queue, f, ok)
				}
			}
			for _, f := range confirmFields {
				if _, ok := props[f]; ok != (m.confirm && isSendTool(tool.Name)) {
					t.Errorf("%s (confirm %v): output lists %s: %v", tool.Name, m.confirm, f, ok)
				}
			}
			if _, ok := in["queue"]; ok != (m.queue && isSendTool(tool.Name)) {
				t.Errorf("%s (queue %v): takes queue: %v", tool.Name, m.queue, ok)
			}
			if _, ok := in["confirmToken"]; ok != (m.confirm && isSendTool(tool.Name)) {
				t.Errorf("%s (confirm %v): takes confirmToken: %v", tool.Name, m.confirm, ok)
			}
		}
	}
	for _, tool := range listTools(t, fullOptions()) {
		if tool.Name != toolDeliveries {
			continue
		}
		props := mapOf(wireOutputSchema(t, tool)["properties"])
		for _, f := range append([]string{"robot", "msgtype", "bytes", "body", "msgUuid", "parts"}, sendOnly...) {
			if _, ok := props[f]; ok {
				t.Errorf("%s: output schema lists %s, which it never returns", tool.Name, f)
			}
		}
	}
	// Dry-run and sandbox results say so, and only then do the schemas list those fields.
	for _, tool := range listTools(t, Options{DryRun: true, Sandbox: true}) {
		props := mapOf(wireOutputSchema(t, tool)["properties"])
		_, dry := props["dryRun"]
		_, sb := props["sandbox"]
		if dry != isSendTool(tool.Name) || sb != (isSendTool(tool.Name) || tool.Name == toolPreview) {
			t.Errorf("%s in dry-run sandbox mode: dryRun listed %v, sandbox %v", tool.Name, dry, sb)
		}
	}
}

// outputDescription is the description of the output field at path: names joined by dots,
// through the items of arrays.
func outputDescription(schema map[string]any, path string) string {
	p := schema
	for _, name := range strings.Split(path, ".") {
		if items := mapOf(p["items"]); items != nil {
			p = items
		}
		p = mapOf(mapOf(p["properties"])[name])
	}
	d, _ := p["description"].(string)
	return d
}

// wireOutputSchema is tool's output schema as clients receive it.
func wireOutputSchema(t *testing.T, tool mcpgo.Tool) map[string]any {
	t.Helper()
	raw, err := json.Marshal(tool)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		OutputSchema map[string]any `json:"outputSchema"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	return wire.OutputSchema
}

// checkDescribed fails for a schema property, or a property of its items, without a
// description; nested says whether the items' properties must be described too.
func checkDescribed(t *testing.T, name string, p any, nested bool) {
	t.Helper()
	m, _ := p.(map[string]any)
	if d, _ := m["description"].(string); len(d) < 8 {
		t.Errorf("parameter %s has no useful description: %q", name, d)
	}
	if !nested {
		return
	}
	for _, props := range []any{m["properties"], mapOf(m["items"])["properties"]} {
		for k, v := range mapOf(props) {
			checkDescribed(t, name+"."+k, v, true)
		}
	}
}

// checkOutputDescribed fails for an output field, or a field of its items, that has no
// description and is not named in said.
func checkOutputDescribed(t *testing.T, name string, p any, said string) {
	t.Helper()
	m := mapOf(p)
	field := name[strings.LastIndex(name, ".")+1:]
	if d, _ := m["description"].(string); len(d) < 8 && !regexp.MustCompile(`\b`+field+`\b`).MatchString(said) {
		t.Errorf("output field %s is neither described nor named in the instructions or the description", name)
	}
	for _, props := range []any{m["properties"], mapOf(m["items"])["properties"]} {
		for k, v := range mapOf(props) {
			checkOutputDescribed(t, name+"."+k, v, said)
		}
	}
}

// sentence ends at a full stop, question or exclamation mark followed by a space, or a line end.
var sentenceEnd = regexp.MustCompile(`[.!?](\s+|$)|\n+`)

// TestNoRepeatedSentences: a sentence of 40 characters or more appears in one tool only, its
// description and parameter descriptions together; a rule all tools share belongs in the
// instructions. Output schemas are exempt: the send tools share theirs.
func TestNoRepeatedSentences(t *testing.T) {
	seen := map[string]string{} // sentence → tool
	for _, tool := range listTools(t, fullOptions()) {
		texts := []string{tool.Description}
		for _, p := range tool.InputSchema.Properties {
			texts = append(texts, descriptions(p)...)
		}
		mine := map[string]bool{}
		for _, text := range texts {
			for _, s := range sentenceEnd.Split(text, -1) {
				s = strings.TrimSpace(s)
				if len(s) < 40 || mine[s] {
					continue
				}
				mine[s] = true
				if other, ok := seen[s]; ok {
					t.Errorf("%s and %s both say %q", other, tool.Name, s)
				}
				seen[s] = tool.Name
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d long sentences found: the splitting is broken", len(seen))
	}
}

// descriptions are the descriptions in a schema and in every schema nested in it.
func descriptions(schema any) []string {
	var out []string
	switch v := schema.(type) {
	case map[string]any:
		if d, ok := v["description"].(string); ok {
			out = append(out, d)
		}
		for k, sub := range v {
			if k != "description" {
				out = append(out, descriptions(sub)...)
			}
		}
	case []any:
		for _, sub := range v {
			out = append(out, descriptions(sub)...)
		}
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
