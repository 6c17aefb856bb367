// Package mcp serves dingbot's DingTalk sending tools to AI agents over the Model Context Protocol.
//
// The tools are thin: every DingTalk rule (mentions, keywords, limits, validation) lives in package
// dingtalk, and this package only turns tool arguments into dingtalk values and dingtalk results
// and errors into structured tool results an agent can act on.
package mcp

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"slices"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// Options configure the MCP server.
type Options struct {
	// Robots are the configured robots. Agents choose one by name only; they can never pass a
	// webhook URL or a secret.
	Robots []dingtalk.Robot
	// DefaultRobot is used when a tool call names no robot.
	DefaultRobot string
	// DefaultProblem, when set, says why there is no usable default robot (default_robot names
	// no robot, or a broken one): a call that names no robot gets it instead of another robot.
	DefaultProblem error
	// Contacts are the people agents may mention by name (atNames).
	Contacts dingtalk.Contacts
	// Templates are offered as prompts (prompts.go); nil offers the built-in gallery.
	Templates *template.Set
	// Client sends the messages. Its WaitForSlot should be false, so that a rate-limited send
	// fails at once with the seconds to wait instead of blocking the agent.
	Client *dingtalk.Client
	// DryRun makes every send tool validate and report without sending.
	DryRun bool
	// ReadOnly serves only the tools annotated read-only.
	ReadOnly bool
	// Sandbox says the only robot is dingbot's built-in sandbox: nothing reaches DingTalk.
	Sandbox bool
	// ConfigError is a configuration problem found at start-up, in the config file or the flags
	// (e.g. --robot naming no robot). When set, every tool returns it as an error result, so the
	// agent can tell the user, while the server keeps speaking MCP.
	ConfigError error
	// Unavailable are robots configured correctly but unusable here (their secret_env variable
	// is unset), with the reason; naming one gives that reason instead of "unknown robot".
	Unavailable map[string]error
	// Confirm makes every send ask the human before it posts: through MCP elicitation when the
	// client declares it, else with a result that needs a confirmToken (confirm.go). Dry runs
	// post nothing and ask nothing.
	Confirm bool
	// Outbox, when set, is dingbot's outbox, drained by the caller while the server runs: a send
	// held up (rate limited, paused, or split into more parts than the robot may send now) can
	// be queued there (the queue argument), and delivery_status reports on what was queued. It
	// is ignored in dry-run and sandbox mode.
	Outbox *delivery.Outbox
	// QueueWhenLimited makes queue default to true: held-up sends are queued unless a call
	// passes queue: false.
	QueueWhenLimited bool
	// Version is reported as the server version.
	Version string
	// Logger receives one line per tool call. Nil discards logs. It must never write to stdout.
	Logger *slog.Logger

	// now is the clock of confirm tokens; nil means time.Now. Tests set it.
	now func() time.Time
}

// Tool names.
const (
	toolSendText     = "send_text_message"
	toolSendMarkdown = "send_markdown_message"
	toolSendLink     = "send_link_message"
	toolSendAction   = "send_action_card"
	toolSendFeed     = "send_feed_card"
	toolPreview      = "preview_message"
	toolListRobots   = "list_robots"
	toolListContacts = "list_contacts"
	toolDeliveries   = "delivery_status"
)

// NewServer returns an MCP server named "dingbot" offering the tools that opts allow.
func NewServer(opts Options) *server.MCPServer {
	return newServer(opts)
}

// newServer is NewServer with extra mcp-go options; tests add output schema validation. It is
// not on in production: a result that failed validation would turn a message already posted
// into an error result, and the agent might send it again.
func newServer(opts Options, extra ...server.ServerOption) *server.MCPServer {
	served := tools(newToolset(opts))
	s := server.NewMCPServer("dingbot", version(opts.Version), append([]server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithInstructions(instructions(opts, served)),
	}, extra...)...)
	s.AddTools(served...)
	s.AddPrompts(prompts(opts)...)
	return s
}

// ServeStdio serves MCP on in/out until in closes or ctx ends. Nothing but protocol frames is
// written to out. Every tool call runs on its own goroutine, so that no call (above all a
// read-only one) waits behind sends hanging on a slow DingTalk. A call still running when in
// closes is canceled. mcp-go keeps one stdio session per process, so only one ServeStdio may
// run at a time.
func ServeStdio(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	logger := loggerOf(opts)
	srv := NewServer(opts)
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(log.New(slogWriter{logger}, "", 0))
	w := &frameWriter{w: out}
	calls := newCallDispatcher(srv, w, logger)
	stdio.SetContextFunc(calls.session)
	pr, pw := io.Pipe()
	go calls.forward(in, pw)
	logger.Info("mcp server started", "version", version(opts.Version), "robots", len(opts.Robots),
		"dry_run", opts.DryRun, "read_only", opts.ReadOnly, "sandbox", opts.Sandbox,
		"confirm", opts.Confirm, "queue_when_limited", opts.QueueWhenLimited)
	err := stdio.Listen(ctx, pr, w)
	_ = pr.CloseWithError(io.ErrClosedPipe) // forward stops at its next line
	calls.stop()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		err = nil
	}
	logger.Info("mcp server stopped", "err", err)
	return err
}

// tools lists every tool the server offers, send tools first. In read-only mode it keeps those
// annotated read-only.
func tools(ts *toolset) []server.ServerTool {
	sends := []server.ServerTool{
		ts.sendTextMessage(),
		ts.sendMarkdownMessage(),
		ts.sendLinkMessage(),
		ts.sendActionCard(),
		ts.sendFeedCard(),
	}
	all := slices.Concat(sends, []server.ServerTool{ts.previewMessage(sends), ts.listRobots(), ts.listContacts()})
	if ts.queues() {
		all = append(all, ts.deliveryStatus())
	}
	if ts.opts.ReadOnly {
		all = slices.DeleteFunc(all, func(st server.ServerTool) bool { return !isReadOnly(st.Tool) })
	}
	return all
}

func isReadOnly(t mcpgo.Tool) bool {
	return hint(t.Annotations.ReadOnlyHint, false)
}

// hint is an annotation's value: def, MCP's default, when it is left out.
func hint(h *bool, def bool) bool {
	if h == nil {
		return def
	}
	return *h
}

func version(v string) string {
	if v == "" {
		return "dev"
	}
	return v
}

// instructions are the rules every tool shares, then how this server is set up.
func instructions(opts Options, served []server.ServerTool) string {
	var b strings.Builder
	b.WriteString(sharedRules)
	switch {
	case opts.ConfigError != nil:
		b.WriteString("\ndingbot is misconfigured (its config file or this server's command-line flags), so every tool reports the problem: tell the user, who must fix it and restart the server.")
	case opts.Sandbox:
		b.WriteString("\nNo robot is configured: the only robot is dingbot's local sandbox, which checks messages like DingTalk but posts nothing to any real group (results say sandbox: true). Its sends have the same limit of 20 messages a minute and are counted in dingbot's monthly counts (monthUsed), though no DingTalk quota is spent. The user can add a robot to the config (or set DINGTALK_BOT_ACCESS_TOKEN) to send for real.")
	}
	if opts.DryRun {
		b.WriteString("\nDry-run mode: send tools validate and show the body but send nothing (results say dryRun: true).")
	}
	ts := toolset{opts: opts}
	if ts.queues() && !opts.ReadOnly {
		b.WriteString("\n" + queueRules)
		if opts.QueueWhenLimited {
			b.WriteString(" " + queueDefaultRule)
		}
	}
	if ts.queues() {
		b.WriteString("\n" + outboxRule)
	}
	if ts.confirming() && !opts.ReadOnly {
		b.WriteString("\n" + confirmRules)
	}
	if opts.ReadOnly {
		names := make([]string, len(served))
		for i, st := range served {
			names[i] = st.Tool.Name
		}
		b.WriteString("\nRead-only mode: only " + joinAnd(names) + " are available.")
	}
	return b.String()
}

// joinAnd joins names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// toolset holds what every tool handler shares. It is read-only after construction, so handlers
// may run concurrently.
type toolset struct {
	opts   Options
	logger *slog.Logger
	// confirms are the confirm tokens handed out; the one thing handlers change, under its lock.
	confirms *confirmations
}

func newToolset(opts Options) *toolset {
	if opts.Client != nil && opts.Client.WaitForSlot {
		// An agent must learn at once that a robot is rate-limited, not wait up to a minute.
		c := *opts.Client
		c.WaitForSlot = false
		opts.Client = &c
	}
	now := opts.now
	if now == nil {
		now = time.Now
	}
	return &toolset{opts: opts, logger: loggerOf(opts), confirms: newConfirmations(now)}
}

// queues reports whether sends can be queued: there is an outbox, and sends post for real.
func (ts *toolset) queues() bool {
	return ts.opts.Outbox != nil && !ts.opts.DryRun && !ts.opts.Sandbox
}

// confirming reports whether sends wait for the human's yes.
func (ts *toolset) confirming() bool { return ts.opts.Confirm && !ts.opts.DryRun }

func loggerOf(opts Options) *slog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// slogWriter adapts mcp-go's *log.Logger output to slog, so it never reaches stdout.
type slogWriter struct{ logger *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.logger.Warn("mcp transport", "msg", strings.TrimSpace(string(p)))
	return len(p), nil
}

// annotations gives every tool its behaviour hints. mcp-go's NewTool would claim destructive,
// open-world tools; MCP reads a hint left out as its default (readOnly false, destructive true,
// idempotent false, openWorld true), and destructive and idempotent only matter when readOnly
// is false. A send tool says that it is not destructive (it adds, never overwrites) and that it
// reaches DingTalk (open world), which clients may not assume; it leaves readOnly and idempotent
// false to their defaults, since every byte of tools/list is carried in each agent's context. A
// read-only tool says that it is read-only and local. Tools carry no display title: the names
// read well.
func annotations(readOnly bool) mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		t.Annotations = mcpgo.ToolAnnotation{DestructiveHint: mcpgo.ToBoolPtr(false), OpenWorldHint: mcpgo.ToBoolPtr(true)}
		if readOnly {
			t.Annotations = mcpgo.ToolAnnotation{ReadOnlyHint: mcpgo.ToBoolPtr(true), OpenWorldHint: mcpgo.ToBoolPtr(false)}
		}
	}
}
