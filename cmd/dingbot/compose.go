package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/tui"
)

// runComposer opens the terminal composer. Colours are decided here, before the program starts,
// so that nothing queries the terminal while Bubble Tea owns its input.
func runComposer(ctx context.Context, g *globalFlags, file string, s streams) error {
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return usageError{fmt.Errorf("cannot open the file to compose: %w", err)}
		}
	}
	if !isTerminal(s.in) || !isTerminal(s.out) {
		return usagef("the composer needs a terminal; to send from a script use 'dingbot send' (see dingbot send --help), for agents 'dingbot --mcp'")
	}
	a, err := loadApp(ctx, *g, true)
	if err != nil {
		return err
	}
	a.warnConfig(s.err, "")
	if g.robot != "" {
		r, err := a.robot(g.robot)
		if err != nil {
			return err
		}
		a.defaultR = r.Name
	}
	if err, unavailable := a.cfg.Unavailable[a.defaultR]; unavailable || a.defaultR == "" {
		// Start on a robot that works; the warning above says why the default does not.
		if len(a.robots) == 0 {
			if err == nil {
				_, err = a.robot("")
			}
			return err
		}
		a.defaultR = a.robots[0].Name
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	opts := tui.Options{
		Robots:       a.robots,
		DefaultRobot: a.defaultR,
		PinRobot:     g.robot != "",
		Contacts:     a.cfg.Contacts,
		Client:       a.client,
		StateDir:     a.stateDir,
		File:         file,
		Notice:       a.notice,
		Dark:         darkBackground(),
		GlamourStyle: os.Getenv("GLAMOUR_STYLE"),
		NoColor:      noColor,
		Version:      buildVersion(),
	}
	if err := tui.Run(ctx, opts); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("composer: %w", err)
	}
	return nil
}

// darkBackground asks the terminal for its background colour, once, before the composer starts:
// the only command that asks (see internal/termguard).
func darkBackground() bool {
	return termenv.NewOutput(os.Stdout).HasDarkBackground()
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
