package mcp

import (
	"bytes"
	"encoding/json"
	"flag"
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
	for _, want := range []string{"DingTalk group", "list_robots", "preview_message", "sandbox", "Dry-run"} {
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
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestToolSnapshots keeps what agents see of each tool in __toolsnaps__/<tool>.snap, so that
// every change to a name, description, schema or annotation is a reviewed diff.
// Run `go test ./mcp -run TestToolSnapshots -update` to accept a change.
func TestToolSnapshots(t *testing.T) {
	tools := listTools(t, Options{})
	dir := "__toolsnaps__"
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, tool := range tools {
		file := filepath.Join(dir, tool.Name+".snap")
		seen[filepath.Base(file)] = true
		got := snapshot(t, tool)
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
		if !seen[e.Name()] {
			if *update {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			} else {
				t.Errorf("stale snapshot %s: no such tool", e.Name())
			}
		}
	}
}

// snapshot is the tool as agents receive it, pretty-printed in wire order, with <, > and &
// unescaped for reading.
func snapshot(t *testing.T, tool mcpgo.Tool) []byte {
	t.Helper()
	raw, err := json.Marshal(tool)
	if err != nil {
		t.Fatal(err)
	}
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

// TestDescriptionQuality checks what the rubric asks of each description: purpose first, when
// to use it against its siblings, effects, DingTalk's limits and rules, failures, and a
// description for every parameter.
func TestDescriptionQuality(t *testing.T) {
	common := []string{"DingTalk"}
	send := []string{
		"group chat", "webhook", "Use it", "cannot be edited or recalled", "quota", "20 messages per minute",
		"20000 bytes", "keyword", "isError", "hint", "errcode", "maybeDelivered", "retryAfterSeconds", "preview_message",
	}
	want := map[string][]string{
		"send_text_message":     append(slices.Clone(send), "@mobile", "at most 50", "send_markdown_message"),
		"send_markdown_message": append(slices.Clone(send), "@mobile", "at most 50", "headings", "**bold**", "PC", "line break", "title appears only"),
		"send_link_message":     append(slices.Clone(send), "cannot mention", "send_feed_card"),
		"send_action_card":      append(slices.Clone(send), "singleTitle", "buttons", "headings", "PC"),
		"send_feed_card":        append(slices.Clone(send), "cannot @mention", "send_link_message"),
		"preview_message":       {"without sending", "20000", "keyword", "warnings", "Read-only", "posts nothing", "Use it", "send_*", "isError"},
		"list_robots":           {"Read-only", "keywords", "20 sends per minute", "default", "never shows webhook", "Use it"},
		"list_contacts":         {"Read-only", "atNames", "mobile", "userId", "Use it"},
	}
	// Said once in the robot parameter, not in every send tool's first sentence.
	forbidden := map[string][]string{
		"send_action_card": {"notifies nobody"},
		"send_feed_card":   {"title or text"},
		"preview_message":  {"isError is true only when the arguments cannot be read or the robot is unknown"},
	}
	want["send_action_card"] = append(want["send_action_card"], "@userId in text", "atMobiles or atUserIds", "send_text_message")
	want["send_feed_card"] = append(want["send_feed_card"], "an item's title")
	want["preview_message"] = append(want["preview_message"], "cannot send", "broken dingbot setup")
	verb := regexp.MustCompile(`^(Send|Check|List) `)
	for _, tool := range listTools(t, Options{}) {
		t.Run(tool.Name, func(t *testing.T) {
			d := tool.Description
			if tool.Title == "" || tool.Annotations.Title != tool.Title {
				t.Errorf("title %q, annotation title %q", tool.Title, tool.Annotations.Title)
			}
			if !verb.MatchString(d) {
				t.Errorf("description does not start with its purpose: %.60q", d)
			}
			if minLen := 350 + 350*boolInt(!slices.Contains(readOnlyTools, tool.Name)); len(d) < minLen {
				t.Errorf("description is only %d characters, want at least %d", len(d), minLen)
			}
			if len(d) > 2600 {
				t.Errorf("description is %d characters: keep it dense", len(d))
			}
			for _, w := range append(slices.Clone(common), want[tool.Name]...) {
				if !strings.Contains(d, w) {
					t.Errorf("description does not mention %q", w)
				}
			}
			for _, w := range append(forbidden[tool.Name], "holds each robot's webhook") {
				if strings.Contains(d, w) {
					t.Errorf("description still says %q", w)
				}
			}
			a := tool.Annotations
			if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
				t.Fatalf("annotations not all set: %+v", a)
			}
			readOnly := slices.Contains(readOnlyTools, tool.Name)
			if *a.ReadOnlyHint != readOnly || *a.DestructiveHint || *a.IdempotentHint != readOnly || *a.OpenWorldHint != !readOnly {
				t.Errorf("annotations readOnly=%v destructive=%v idempotent=%v openWorld=%v", *a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint)
			}
			if tool.InputSchema.AdditionalProperties != false {
				t.Errorf("input schema accepts unknown properties")
			}
			for name, p := range tool.InputSchema.Properties {
				checkDescribed(t, name, p)
			}
			if tool.OutputSchema.Type != "object" {
				t.Fatalf("no output schema")
			}
			for _, k := range []string{"ok", "errcode", "errmsg", "hint", "robot", "msgtype", "bytes", "warnings"} {
				if !slices.Contains(tool.OutputSchema.Required, k) {
					t.Errorf("output schema does not require %q", k)
				}
			}
			for name, p := range tool.OutputSchema.Properties {
				checkDescribed(t, "output "+name, p)
			}
		})
	}
}

// checkDescribed fails for a schema property, or a property of its items, without a description.
func checkDescribed(t *testing.T, name string, p any) {
	t.Helper()
	m, _ := p.(map[string]any)
	if d, _ := m["description"].(string); len(d) < 15 {
		t.Errorf("parameter %s has no useful description: %q", name, d)
	}
	for _, nested := range []any{m["properties"], mapOf(m["items"])["properties"]} {
		props, _ := nested.(map[string]any)
		for k, v := range props {
			checkDescribed(t, name+"."+k, v)
		}
	}
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
