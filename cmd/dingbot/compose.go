package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/template"
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
	// The warnings are printed too: the full screen hides them, but they stay in the terminal
	// for after the composer, and for a composer that fails to start.
	a.warnConfig(s.err, "")
	opts, err := composerOptions(a, g, file)
	if err != nil {
		return err
	}
	// The composer drains the outbox while it runs, and offers to queue a send the rate limit or
	// a pause refuses. Not for the built-in sandbox: it ends with this process, and a message
	// queued for it could never be delivered.
	if a.stateErr == nil && a.sandbox == nil {
		if ob, err := a.outbox(delivery.Options{}); err == nil {
			opts.Outbox = ob
		}
	}
	testSendOptions(ctx, a, g, &opts)
	err = tui.Run(ctx, opts)
	if opts.Outbox != nil {
		handOverOutbox(a, g, s)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("composer: %w", err)
	}
	return nil
}

// composerOptions are the composer's robots, the robot to start on, and what to say at start:
// the config's warnings are shown inside the composer (the full screen hides stderr), and a
// default robot that cannot send is never replaced unannounced: the notice names it, says why,
// and names the robot used instead.
func composerOptions(a *app, g *globalFlags, file string) (tui.Options, error) {
	if g.robot != "" {
		r, err := a.robot(g.robot)
		if err != nil {
			return tui.Options{}, err
		}
		a.defaultR = r.Name
	}
	notice := a.notice
	var unavailable []config.RobotProblem
	if a.sandbox == nil {
		unavailable = a.cfg.UnavailableRobots()
	}
	warnings := a.cfg.Warnings
	if err, broken := a.cfg.Unavailable[a.defaultR]; broken || a.defaultR == "" {
		// Start on a robot that works, and say so on screen: a message must never go to
		// another group unannounced.
		if len(a.robots) == 0 {
			if err == nil {
				_, err = a.robot("")
			}
			return tui.Options{}, err
		}
		instead := config.SafeName(a.robots[0].Name)
		switch {
		case broken:
			reason := err.Error()
			for _, p := range unavailable {
				if p.Name == a.defaultR {
					reason = p.Reason
				}
			}
			notice = fmt.Sprintf("default robot %s is unavailable: %s; starting on robot %s instead (ctrl+r chooses another)", config.SafeName(a.defaultR), reason, instead)
			// The notice says it: the warning about the same robot would only repeat it.
			warnings = without(warnings, func(w string) bool {
				return strings.HasPrefix(w, "robot "+config.SafeName(a.defaultR)+" is unavailable")
			})
		default:
			if _, derr := a.robot(""); derr != nil && len(a.robots)+len(a.cfg.Unavailable) > 1 {
				why := derr.Error()
				notice = fmt.Sprintf("no default robot (%s): starting on robot %s instead (ctrl+r chooses another)", why, instead)
				first, _, _ := strings.Cut(why, "; ")
				warnings = without(warnings, func(w string) bool { return strings.HasPrefix(w, first) })
			}
		}
		a.defaultR = a.robots[0].Name
	}
	// The template gallery with the user's templates over it; a broken one is a warning inside
	// the composer, as the config's are.
	tdir := template.Dir(a.configPath)
	templates, terrs := template.Load(tdir)
	for _, e := range terrs {
		warnings = append(warnings, e.Error())
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	opts := tui.Options{
		Templates:    templates,
		TemplatesDir: tdir,
		Robots:       a.robots,
		DefaultRobot: a.defaultR,
		PinRobot:     g.robot != "",
		Contacts:     a.cfg.Contacts,
		Client:       a.client,
		StateDir:     a.stateDir,
		File:         file,
		Notice:       notice,
		Warnings:     warnings,
		Dark:         darkBackground(),
		GlamourStyle: os.Getenv("GLAMOUR_STYLE"),
		NoColor:      noColor,
		EastAsian:    eastAsianWidth(),
		Mouse:        g.mouse,
		Version:      buildVersion(),
	}
	for _, p := range unavailable {
		opts.Unavailable = append(opts.Unavailable, tui.UnavailableRobot{Name: p.Name, Reason: p.Reason})
	}
	return opts, nil
}

// testSendOptions says where the composer's test send posts: the robot test_robot names, the
// reason it cannot be used, or, without test_robot, the built-in sandbox (the composer's own
// when it runs on it, else one started on loopback at the first test send, for this process).
func testSendOptions(ctx context.Context, a *app, g *globalFlags, opts *tui.Options) {
	r, set, err := a.cfg.TestTarget()
	switch {
	case set && err != nil:
		reason := err.Error()
		for _, p := range a.cfg.UnavailableRobots() {
			if p.Name == a.cfg.TestRobot {
				reason = fmt.Sprintf("test_robot %s is unavailable: %s", config.SafeName(p.Name), p.Reason)
			}
		}
		opts.TestRobotProblem = dingtalk.MaskSecretLike(reason)
	case set:
		opts.TestRobot = &r
	case a.sandbox != nil:
		sb := a.robots[0]
		opts.TestSandbox = func(context.Context) (dingtalk.Robot, *dingtalk.Client, error) { return sb, nil, nil }
	default:
		opts.TestSandbox = lazySandbox(ctx, g.timeout, a.client.Posted)
	}
}

// lazySandbox starts the built-in sandbox on loopback the first time it is asked for, serving
// until ctx ends, and returns its robot with a client of its own: test posts to it count in no
// robot's rate limit or month. Its posts are filed in the history like every other send
// (posted: the app client's recorder), under the robot sandbox, marked [test].
func lazySandbox(ctx context.Context, timeout time.Duration, posted func(context.Context, string, dingtalk.Message, error)) func(context.Context) (dingtalk.Robot, *dingtalk.Client, error) {
	var (
		mu    sync.Mutex
		robot *dingtalk.Robot
	)
	client := dingtalk.NewClient(timeout)
	client.Posted = posted
	return func(context.Context) (dingtalk.Robot, *dingtalk.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if robot == nil {
			base, _, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{Robots: []sandbox.Robot{{Token: sandboxToken}}})
			if err != nil {
				return dingtalk.Robot{}, nil, err
			}
			robot = &dingtalk.Robot{Name: sandboxRobotName, Webhook: sandbox.WebhookURL(base, sandboxToken), AllowCustomHost: true}
		}
		return *robot, client, nil
	}
}

// without is ss but the strings drop says to leave out.
func without(ss []string, drop func(string) bool) []string {
	var out []string
	for _, s := range ss {
		if !drop(s) {
			out = append(out, s)
		}
	}
	return out
}

// handOverOutbox leaves what is still queued to a background drainer once the composer, which
// drained the outbox while it ran, has ended, and says how many messages wait.
func handOverOutbox(a *app, g *globalFlags, s streams) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	jobs, err := a.state.store.List(ctx, delivery.Filter{States: []delivery.State{delivery.Queued, delivery.Sending}})
	if err != nil || len(jobs) == 0 {
		return
	}
	startBackgroundDrainer(g, s)
	fmt.Fprintf(s.err, "dingbot: %d message(s) still queued: they go out as soon as their robot may send (dingbot outbox ls lists them)\n", len(jobs))
}

// darkBackground asks the terminal for its background colour, once, before the composer starts:
// the only command that asks (see internal/termguard).
func darkBackground() bool {
	return termenv.NewOutput(os.Stdout).HasDarkBackground()
}

// eastAsianWidth reports whether RUNEWIDTH_EASTASIAN asks for East Asian ambiguous characters
// two cells wide, as go-runewidth reads it: decided here, once, like the background.
func eastAsianWidth() bool {
	ea, err := strconv.ParseBool(os.Getenv("RUNEWIDTH_EASTASIAN"))
	return err == nil && ea
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
