package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/history"
	"github.com/dingbot/dingbot/mcp"
)

// runMCP serves the MCP tools on standard input and output, or with --http over HTTP
// (httpcmd.go). Standard output carries protocol frames only: logs go to standard error or
// --log-file, and a broken config becomes a tool error the agent can read rather than a server
// that dies on start.
func runMCP(ctx context.Context, g *globalFlags, rf *rootFlags, s streams) error {
	httpOpts, err := httpOptions(rf)
	if err != nil {
		return err
	}
	logOut := s.err
	if rf.logFile != "" {
		f, err := os.OpenFile(rf.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return usageError{fmt.Errorf("open --log-file: %w", err)}
		}
		defer f.Close()
		logOut = f
	}
	mask := &logMask{w: logOut}
	if httpOpts != nil && httpOpts.Token != "" {
		mask.secrets = append(mask.secrets, httpOpts.Token)
	}
	logger := slog.New(slog.NewTextHandler(mask, &slog.HandlerOptions{Level: slog.LevelInfo}))

	opts := mcp.Options{Version: buildVersion(), Logger: logger, DryRun: rf.dryRun, ReadOnly: rf.readOnly, Confirm: rf.confirm}
	a, err := loadApp(ctx, *g, true)
	if err != nil {
		logger.Error("config", "err", err)
		opts.ConfigError = err
	} else {
		a.face = history.FaceMCP
		for _, w := range a.cfg.Warnings {
			logger.Warn(w)
		}
		opts.Robots, opts.DefaultRobot, opts.Contacts = a.robots, a.defaultR, a.cfg.Contacts
		opts.Templates = serverTemplates(a.configPath, logger)
		if a.sandbox == nil {
			// The built-in sandbox's token is the word "sandbox" and no secret.
			mask.add(a.robots)
		}
		opts.Client, opts.Sandbox, opts.Unavailable = a.client, a.sandbox != nil, a.cfg.Unavailable
		opts.Confirm = opts.Confirm || a.cfg.MCP.Confirm
		opts.QueueWhenLimited = a.cfg.MCP.QueueWhenLimited
		if _, err := a.robot(""); err != nil && g.robot == "" && a.sandbox == nil && len(a.robots) > 0 {
			// default_robot names no robot, or a broken one: say so rather than pick another.
			opts.DefaultProblem = err
			logger.Warn("no usable default robot", "err", err)
		}
		if g.robot != "" {
			if _, err := a.robot(g.robot); err != nil {
				logger.Error("--robot", "err", err)
				opts.ConfigError = err
			}
			opts.DefaultRobot = g.robot
		}
		if a.notice != "" {
			logger.Info(a.notice)
		}
		ob, stop := serveOutbox(ctx, a, rf, logger)
		if stop != nil {
			defer stop()
		}
		// Sends held up can be queued in the outbox this server drains.
		opts.Outbox = ob
	}
	if httpOpts != nil {
		return mcp.ServeHTTP(ctx, opts, *httpOpts)
	}
	var in io.Reader = s.in
	if in == nil {
		in = os.Stdin
	}
	return mcp.ServeStdio(ctx, opts, in, s.out)
}

// serveOutbox delivers the outbox (what `send --queue`, other processes and this server's
// queued sends put there) while the server runs, and returns it with the function that stops
// it; nil when there is nothing to drain: the shared state could not be opened, the only robot
// is the built-in sandbox (it ends with this process, so nothing can be queued for it), or
// --dry-run asked this process to send nothing. It logs to the server's logger, never to
// standard output.
func serveOutbox(ctx context.Context, a *app, rf *rootFlags, logger *slog.Logger) (*delivery.Outbox, func()) {
	if a.stateErr != nil || a.sandbox != nil || rf.dryRun {
		return nil, nil
	}
	ob, err := a.outbox(delivery.Options{Logger: logger})
	if err != nil {
		logger.Warn("outbox", "err", err)
		return nil, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ob.Run(ctx)
	}()
	logger.Info("delivering the outbox while the server runs", "state", a.describeState())
	return ob, func() {
		cancel()
		<-done
	}
}

// logMask masks secrets in every log line: the configured robots' tokens and secrets, and
// anything that looks like a secret or token (one pasted into the wrong key, or given as
// --robot). slog writes a whole record at a time, so a secret is never split across writes.
type logMask struct {
	w       io.Writer
	secrets []string // set before the server starts, read-only afterwards
}

// add masks the tokens and secrets of robots from now on.
func (m *logMask) add(robots []dingtalk.Robot) {
	m.secrets = append(m.secrets, robotSecrets(robots...)...)
}

func (m *logMask) Write(p []byte) (int, error) {
	line := dingtalk.MaskSecretLike(dingtalk.RedactSecrets(string(p), m.secrets...))
	if _, err := io.WriteString(m.w, line); err != nil {
		return 0, err
	}
	return len(p), nil
}
