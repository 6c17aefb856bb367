package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/template"
)

func TestPromptsListTheGallery(t *testing.T) {
	e := newEnv(t, envConfig{})
	res, err := e.client.ListPrompts(context.Background(), mcpgo.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]mcpgo.Prompt{}
	for _, p := range res.Prompts {
		byName[p.Name] = p
	}
	for _, info := range template.List() {
		p, ok := byName[info.Name]
		if tpl, _ := template.Lookup(info.Name); tpl.Data() != "" {
			if ok {
				t.Errorf("prompts/list offers %s, a template of %s payloads, which takes no arguments", info.Name, tpl.Data())
			}
			continue
		}
		if !ok {
			t.Errorf("prompts/list lacks %s", info.Name)
			continue
		}
		tpl, _ := template.Lookup(info.Name)
		vars := tpl.Vars()
		if len(p.Arguments) != len(vars) {
			t.Errorf("%s: %d arguments, want %d", info.Name, len(p.Arguments), len(vars))
			continue
		}
		for i, v := range vars {
			a := p.Arguments[i]
			if a.Name != v.Name || a.Required != v.Required || !strings.HasPrefix(a.Description, v.Desc) {
				t.Errorf("%s: argument %+v, want %+v", info.Name, a, v)
			}
		}
		if !strings.HasPrefix(p.Description, info.Description) {
			t.Errorf("%s: description %q", info.Name, p.Description)
		}
	}
	// Prompts are no tools: tools/list keeps its budget.
	tools, err := e.client.ListTools(context.Background(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if _, ok := byName[tool.Name]; ok {
			t.Errorf("%s is a tool too", tool.Name)
		}
	}
}

// TestPromptsToolCallSends gets every prompt with its template's samples, mentions filled, and
// makes the tool call the prompt names with exactly its arguments: the sandbox takes each.
func TestPromptsToolCallSends(t *testing.T) {
	e := newEnv(t, envConfig{})
	callRe := "by calling the tool "
	for _, info := range template.List() {
		tpl, _ := template.Lookup(info.Name)
		if tpl.Data() != "" {
			continue // not a prompt
		}
		args := tpl.Samples()
		for _, v := range tpl.Vars() {
			switch v.Name {
			case "notify":
				args[v.Name] = "Alice, Carol"
			case "approver":
				args[v.Name] = "Bob"
			}
		}
		res, err := e.client.GetPrompt(context.Background(), mcpgo.GetPromptRequest{Params: mcpgo.GetPromptParams{Name: info.Name, Arguments: args}})
		if err != nil {
			t.Fatalf("%s: %v", info.Name, err)
		}
		if len(res.Messages) != 1 {
			t.Fatalf("%s: %d messages", info.Name, len(res.Messages))
		}
		text := res.Messages[0].Content.(mcpgo.TextContent).Text
		_, rest, ok := strings.Cut(text, callRe)
		if !ok {
			t.Fatalf("%s: the prompt names no tool call:\n%s", info.Name, text)
		}
		tool, _, _ := strings.Cut(rest, " ")
		if tool != sendToolOf[info.Type] {
			t.Errorf("%s: tool %s, want %s", info.Name, tool, sendToolOf[info.Type])
		}
		start, end := strings.Index(text, "{"), strings.Index(text, "\n}")
		var toolArgs map[string]any
		if err := json.Unmarshal([]byte(text[start:end+2]), &toolArgs); err != nil {
			t.Fatalf("%s: the arguments are not JSON: %v\n%s", info.Name, err, text)
		}
		before := len(e.sb.Accepted())
		g := e.call(tool, toolArgs)
		if !g.r.OK {
			t.Errorf("%s: %s refused the prompt's arguments: %s", info.Name, tool, g.text)
			continue
		}
		acc := e.sb.Accepted()
		if len(acc) != before+1 {
			t.Fatalf("%s: the sandbox took %d messages", info.Name, len(acc)-before)
		}
		if _, ok := args["notify"]; ok {
			if n := acc[len(acc)-1].Notified; len(n) != 2 {
				t.Errorf("%s: notified %v, want Alice and Carol", info.Name, n)
			}
		}
	}
}

func TestPromptErrorsNameTheVariable(t *testing.T) {
	e := newEnv(t, envConfig{})
	_, err := e.client.GetPrompt(context.Background(), mcpgo.GetPromptRequest{Params: mcpgo.GetPromptParams{Name: "alert-firing", Arguments: map[string]string{"alertname": "X", "severity": "critical", "sumary": "y"}}})
	if err == nil {
		t.Fatal("a prompt without a required argument rendered")
	}
	for _, want := range []string{`template alert-firing: line 13: variable "summary" is missing (required)`, `unknown variable "sumary" (did you mean "summary"?)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
