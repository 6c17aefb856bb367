package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
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
}

func (o outcome) content() any {
	if o.structured != nil {
		return o.structured
	}
	return o.result
}

// failed is the outcome of a call that failed with err before or while sending.
func failed(verb string, r Result, err error) outcome {
	r.fail(err)
	return outcome{result: r, text: failureText(verb, r), isError: true}
}

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
				res, err = toolResult(o.result, o.text, true), nil
			}
			ts.log(name, o, time.Since(start))
		}()
		o = logic(ctx, req)
		return toolResult(o.content(), o.text, o.isError), nil
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
	ts.logger.Log(context.Background(), level, "tool call", attrs...)
}
