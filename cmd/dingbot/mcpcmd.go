package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/dingbot/dingbot/mcp"
)

// runMCP serves the MCP tools on standard input and output. Standard output carries protocol
// frames only: logs go to standard error or --log-file, and a broken config becomes a tool error
// the agent can read rather than a server that dies on start.
func runMCP(ctx context.Context, g *globalFlags, rf *rootFlags, s streams) error {
	logOut := s.err
	if rf.logFile != "" {
		f, err := os.OpenFile(rf.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return usageError{fmt.Errorf("open --log-file: %w", err)}
		}
		defer f.Close()
		logOut = f
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	opts := mcp.Options{Version: buildVersion(), Logger: logger, DryRun: rf.dryRun, ReadOnly: rf.readOnly}
	a, err := loadApp(ctx, *g, true)
	if err != nil {
		logger.Error("config", "err", err)
		opts.ConfigError = err
	} else {
		for _, w := range a.cfg.Warnings {
			logger.Warn(w)
		}
		opts.Robots, opts.DefaultRobot, opts.Contacts = a.robots, a.defaultR, a.cfg.Contacts
		opts.Client, opts.Sandbox, opts.Unavailable = a.client, a.sandbox != nil, a.cfg.Unavailable
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
	}
	var in io.Reader = s.in
	if in == nil {
		in = os.Stdin
	}
	return mcp.ServeStdio(ctx, opts, in, s.out)
}
