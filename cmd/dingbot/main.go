// Command dingbot sends messages to DingTalk group robots: a terminal composer with a live
// preview (dingbot), an MCP server for AI agents (dingbot --mcp), one-line sends for scripts
// (dingbot send …) and a local DingTalk emulator (dingbot sandbox).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dingbot/dingbot/cmd/dingbot/internal/termguard"
)

// stopSignals end dingbot gracefully: the context is cancelled, so a send stops, the composer
// saves its draft and the MCP server closes. SIGHUP is a closed terminal, SIGQUIT ctrl+\.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

func main() {
	termguard.Restore()
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	got := make(chan os.Signal, 1)
	go func() {
		sig := <-sigs
		got <- sig
		cancel()
		// A second signal while dingbot winds down ends it at once, as shells expect, except
		// SIGHUP: a closing terminal sends it twice (the shell passes it on, then the kernel),
		// and the composer must get to save its draft.
		for {
			next := <-sigs
			if next == syscall.SIGHUP {
				continue
			}
			os.Exit(signalExitCode(next))
		}
	}()
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	select {
	case sig := <-got:
		if code != exitOK {
			// Interrupted: exit as shells report a process ended by that signal (130 for ctrl+c).
			code = signalExitCode(sig)
		}
	default:
	}
	os.Exit(code)
}

// signalExitCode is 128 plus the signal's number, the shell convention (130 for SIGINT).
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
