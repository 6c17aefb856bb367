package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// mcp-go's stdio server serves tool calls from a fixed pool of workers (at most 100) and, once
// its queue is full, on the read loop itself: sends hanging on a slow DingTalk would make
// list_robots or a preview wait for one of them to end. callDispatcher takes every tools/call
// off the input before mcp-go sees it and serves each on its own goroutine, as mcp-go already
// serves every other request; all else (initialize, notifications/cancelled, ...) goes on to
// mcp-go unchanged. Hung sends are bounded by the rate limit: beyond 20 a minute per robot a
// send fails at once.
type callDispatcher struct {
	srv    *server.MCPServer
	out    *frameWriter
	logger *slog.Logger

	ready   chan struct{} // closed once mcp-go hands over the session context
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	stopped bool
	calls   sync.WaitGroup
}

func newCallDispatcher(srv *server.MCPServer, out *frameWriter, logger *slog.Logger) *callDispatcher {
	return &callDispatcher{srv: srv, out: out, logger: logger, ready: make(chan struct{})}
}

// session is mcp-go's context func: it receives the context that carries the stdio session,
// which tool calls need (notifications/cancelled finds a call by its session and id).
func (d *callDispatcher) session(ctx context.Context) context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil && !d.stopped {
		d.ctx, d.cancel = context.WithCancel(ctx)
		close(d.ready)
	}
	return ctx
}

// forward copies in to mcp-go's input pw line by line, keeping back the tool calls it serves
// itself. It returns when in ends or mcp-go stops reading. The client's answers to the server's
// own requests (elicitation/create in confirm mode) go on to mcp-go, which hands each to the
// tool call waiting for it: forward never waits for a call, so an answer is never stuck behind
// the call that asked for it.
func (d *callDispatcher) forward(in io.Reader, pw *io.PipeWriter) {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && (err != nil || !d.dispatch(line)) {
			if _, werr := pw.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			_ = pw.CloseWithError(err) // io.EOF reads as a clean end
			return
		}
	}
}

// dispatch serves line on its own goroutine if it is a tools/call request, and reports whether
// it took it.
func (d *callDispatcher) dispatch(line []byte) bool {
	var msg struct {
		Method string `json:"method"`
		ID     any    `json:"id"`
	}
	if json.Unmarshal(line, &msg) != nil || msg.Method != string(mcpgo.MethodToolsCall) || msg.ID == nil {
		return false
	}
	<-d.ready
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return true // the server is shutting down: nobody reads the answer
	}
	ctx := d.ctx
	raw := json.RawMessage(bytes.TrimSpace(line))
	d.calls.Go(func() { d.serve(ctx, msg.ID, raw) })
	return true
}

func (d *callDispatcher) serve(ctx context.Context, id any, raw json.RawMessage) {
	var resp mcpgo.JSONRPCMessage
	func() {
		defer func() {
			if p := recover(); p != nil {
				d.logger.Error("tools/call panicked", "panic", p)
				resp = mcpgo.NewJSONRPCError(mcpgo.NewRequestId(id), mcpgo.INTERNAL_ERROR, fmt.Sprintf("internal error: %v", p), nil)
			}
		}()
		resp = d.srv.HandleMessage(ctx, raw)
	}()
	if resp == nil {
		return
	}
	frame, err := json.Marshal(resp)
	if err != nil {
		d.logger.Error("encode tools/call response", "err", err)
		return
	}
	if _, err := d.out.Write(append(frame, '\n')); err != nil {
		d.logger.Warn("write tools/call response", "err", err)
	}
}

// stop cancels the calls still running and waits until their answers are written.
func (d *callDispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	if d.cancel != nil {
		d.cancel()
	} else {
		close(d.ready) // mcp-go never started: release a dispatch waiting for it
	}
	d.mu.Unlock()
	d.calls.Wait()
}

// frameWriter writes whole frames to w one at a time: mcp-go and the dispatcher share stdout,
// and each writes a frame with a single Write.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (f *frameWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(p)
}
