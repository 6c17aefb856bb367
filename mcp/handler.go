package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
)

// outcome is what a tool's logic decides: the structured result, the text beside it, and
// whether the call failed.
type outcome struct {
	result Result
	// structured replaces result as the structured content when a tool adds data of its own;
	// it embeds result.
	structured any
	text       string
	isError    bool
	// raw, when set, is the whole tool result: a request for the client's input (confirm.go).
	raw *mcpgo.CallToolResult
}

// content is the structured content of tool name's result: what the logic gave, else result in
// the shape the tool's output schema requires.
func (o outcome) content(name string) any {
	if o.structured != nil {
		return o.structured
	}
	return shape(name, o.result)
}

// shape completes a bare Result with the fields tool name's output schema requires, so that
// every result, failures and panics included, matches the schema the tool declares (clients
// such as the TypeScript SDK reject a result that does not, whether or not isError is set).
func shape(name string, r Result) any {
	switch name {
	case toolListRobots:
		return robotsResult{Result: r, Robots: []RobotInfo{}}
	case toolListContacts:
		return contactsResult{r, []ContactInfo{}}
	case toolDeliveries:
		return deliveriesResult{commonFields: commonOf(r), Deliveries: []DeliveryInfo{}}
	case toolPreview:
		if r.MaxBytes == nil {
			r.MaxBytes = intPtr(dingtalk.MaxBodyBytes)
		}
		return previewResult(r)
	}
	return r
}

// failed is the outcome of tool verb's call that failed with err before or while sending.
func failed(verb string, r Result, err error) outcome {
	r.fail(err)
	if isSendTool(verb) {
		r.sendFailed()
	}
	return outcome{result: r, text: failureText(verb, r), isError: true}
}

func isSendTool(name string) bool { return strings.HasPrefix(name, "send_") }

// handle turns a tool's logic into an mcp-go handler that logs the call and turns a panic into
// an error result, so a bug never becomes a protocol error or a crash.
func (ts *toolset) handle(name string, logic func(context.Context, mcpgo.CallToolRequest) outcome) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcpgo.CallToolRequest) (res *mcpgo.CallToolResult, err error) {
		start := time.Now()
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				ts.logger.Error("tool panicked", "tool", name, "panic", p, "stack", string(debug.Stack()))
				o = failed(name, newResult("", ""), fmt.Errorf("internal error in %s: %v", name, p))
				res, err = toolResult(o.content(name), o.text, true), nil
			}
			ts.log(name, o, time.Since(start))
		}()
		o = logic(ctx, req)
		if o.raw != nil {
			return o.raw, nil
		}
		return toolResult(o.content(name), o.text, o.isError), nil
	}
}

func (ts *toolset) log(name string, o outcome, d time.Duration) {
	attrs := []any{"tool", name, "robot", o.result.Robot, "msgtype", o.result.MsgType,
		"ok", o.result.OK, "bytes", o.result.Bytes, "duration", d.Round(time.Microsecond)}
	level := slog.LevelInfo
	if o.isError {
		level = slog.LevelWarn
		attrs = append(attrs, "error", o.result.Error, "errmsg", o.result.Errmsg)
		if o.result.Errcode != nil {
			attrs = append(attrs, "errcode", *o.result.Errcode)
		}
	}
	if o.result.DryRun {
		attrs = append(attrs, "dry_run", true)
	}
	switch {
	case o.raw != nil:
		attrs = append(attrs, "asked_user", true)
	case o.result.NeedsConfirmation:
		attrs = append(attrs, "needs_confirmation", true)
	case o.result.Queued:
		attrs = append(attrs, "queued", len(o.result.DeliveryIDs))
	}
	if o.result.Attempts != nil {
		attrs = append(attrs, "attempts", *o.result.Attempts)
	}
	ts.logger.Log(context.Background(), level, "tool call", attrs...)
}
