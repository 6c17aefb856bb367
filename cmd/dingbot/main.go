// Command dingbot sends messages to DingTalk group robots: a terminal composer with a live
// preview (dingbot), an MCP server for AI agents (dingbot --mcp), one-line sends for scripts
// (dingbot send …) and a local DingTalk emulator (dingbot sandbox).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
