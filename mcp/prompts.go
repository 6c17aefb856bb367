package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// prompts offers every message template of variables as an MCP prompt: its variables are the
// prompt's arguments, and the prompt gives the agent the rendered message and the exact tool
// call that sends it. Prompts are not tools, so they cost nothing in tools/list. The relay's
// templates of payloads (data = "alertmanager"…) take no arguments an agent could give, and
// are left out.
func prompts(opts Options) []server.ServerPrompt {
	set := opts.Templates
	if set == nil {
		set = template.Builtin()
	}
	var out []server.ServerPrompt
	for _, tpl := range set.Templates() {
		if tpl.Data() != "" {
			continue
		}
		out = append(out, server.ServerPrompt{Prompt: promptOf(tpl), Handler: promptHandler(opts, tpl)})
	}
	return out
}

func promptOf(tpl *template.Template) mcpgo.Prompt {
	info := tpl.Info()
	popts := []mcpgo.PromptOption{mcpgo.WithPromptDescription(fmt.Sprintf("%s (a DingTalk %s from dingbot's %s template %s; it is rendered, not sent: the result says which tool call sends it)", info.Description, info.Type.Name(), info.Source, info.Name))}
	for _, v := range tpl.Vars() {
		desc := v.Desc
		if len(v.Choices) > 0 {
			desc += "; one of " + strings.Join(v.Choices, ", ")
		}
		if v.Default != "" {
			desc += "; default " + v.Default
		}
		if v.Sample != "" {
			desc += "; e.g. " + strings.ReplaceAll(v.Sample, "\n", "\\n")
		}
		aopts := []mcpgo.ArgumentOption{mcpgo.ArgumentDescription(desc)}
		if v.Required {
			aopts = append(aopts, mcpgo.RequiredArgument())
		}
		popts = append(popts, mcpgo.WithArgument(v.Name, aopts...))
	}
	return mcpgo.NewPrompt(info.Name, popts...)
}

// promptHandler renders tpl with the prompt's arguments. A missing or unknown argument is an
// error naming it.
func promptHandler(opts Options, tpl *template.Template) server.PromptHandlerFunc {
	return func(ctx context.Context, req mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
		msg, err := tpl.Render(req.Params.Arguments, opts.Contacts)
		if err != nil {
			return nil, fmt.Errorf("%w (the arguments are the template's variables: prompts/list names them)", err)
		}
		tool := sendToolOf[msg.Type]
		args, err := json.MarshalIndent(toolArgs(msg), "", "  ")
		if err != nil {
			return nil, fmt.Errorf("template %s: encode the tool arguments: %w", tpl.Name(), err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Send this %s, rendered from dingbot's template %s, to the DingTalk group by calling the tool %s with exactly these arguments", msg.Type.Name(), tpl.Name(), tool)
		b.WriteString(" (add \"robot\" to post through a robot other than the default one):\n\n")
		b.Write(args)
		b.WriteString("\n\nA posted message cannot be recalled: unless the user asked for exactly this message, show it to them and get a yes first (preview_message shows how DingTalk will display it).")
		if opts.ReadOnly {
			fmt.Fprintf(&b, " This server is read-only, so %s is not available here: preview_message can check it, and the user can send it another way.", tool)
		}
		if p, _ := dingtalk.Prepare(dingtalk.Robot{}, msg, dingtalk.PrepareOptions{}); p != nil {
			for _, w := range p.Warnings {
				b.WriteString("\nNote: " + w.String())
			}
		}
		return mcpgo.NewGetPromptResult(tpl.Info().Description, []mcpgo.PromptMessage{
			mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent(b.String())),
		}), nil
	}
}

// toolArgs are the arguments of the send tool that posts msg, as that tool reads them.
func toolArgs(msg dingtalk.Message) map[string]any {
	a := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	mentions := func() {
		if msg.At == nil {
			return
		}
		if len(msg.At.AtMobiles) > 0 {
			a["atMobiles"] = msg.At.AtMobiles
		}
		if len(msg.At.AtUserIDs) > 0 {
			a["atUserIds"] = msg.At.AtUserIDs
		}
		if msg.At.IsAtAll {
			a["atAll"] = true
		}
	}
	switch msg.Type {
	case dingtalk.TypeText:
		set("text", msg.Text.Content)
		mentions()
	case dingtalk.TypeMarkdown:
		set("title", msg.Markdown.Title)
		set("text", msg.Markdown.Text)
		mentions()
	case dingtalk.TypeLink:
		set("title", msg.Link.Title)
		set("text", msg.Link.Text)
		set("messageUrl", msg.Link.MessageURL)
		set("picUrl", msg.Link.PicURL)
	case dingtalk.TypeActionCard:
		// An action card notifies by the @userId in its text, which the template wrote.
		c := msg.ActionCard
		set("title", c.Title)
		set("text", c.Text)
		set("singleTitle", c.SingleTitle)
		set("singleURL", c.SingleURL)
		if len(c.Buttons) > 0 {
			a["buttons"] = c.Buttons
		}
		set("btnOrientation", c.BtnOrientation)
		set("hideAvatar", c.HideAvatar)
	case dingtalk.TypeFeedCard:
		a["links"] = msg.FeedCard.Links
	}
	return a
}
