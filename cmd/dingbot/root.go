package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
)

// exitError carries an exit code for a failure that has already been reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes dingbot with args and returns the process exit code.
func run(ctx context.Context, args []string, s streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if len(args) > 0 && args[0] == "send" && slices.Contains(args, "--json") {
		// Even a flag dingbot could not parse gets the one JSON object --json promises.
		writeJSONResult(s.out, sendOutcome{err: usageError{err}})
		return exitUsage
	}
	fmt.Fprintln(s.err, "dingbot:", err)
	return exitCode(err)
}

// rootFlags are the flags of dingbot itself (the composer and the MCP server).
type rootFlags struct {
	mcp      bool
	dryRun   bool
	readOnly bool
	logFile  string
	file     string
	// http and httpTokenEnv serve MCP over HTTP (httpcmd.go).
	http         string
	httpTokenEnv string
	// confirm makes every MCP send ask the human first (also [mcp] confirm in the config).
	confirm bool
}

func newRootCmd(s streams) *cobra.Command {
	g := &globalFlags{}
	rf := &rootFlags{}
	root := &cobra.Command{
		Use:   "dingbot [FILE.md]",
		Short: "Write, preview and send DingTalk group robot messages",
		Long: `dingbot sends messages to DingTalk group robots.

  dingbot              opens the composer: write a message, preview it live, @mention, send
  dingbot FILE.md      opens the composer with that file loaded
  dingbot --mcp        serves the sending tools to AI agents over MCP (stdio)
  dingbot --mcp --http 127.0.0.1:8787   serves them over HTTP to several agents at once
  dingbot send …       sends one message from a script or a shell
  dingbot template ls  lists the message templates (dingbot send --template NAME --var k=v)
  dingbot history      lists what was sent, from every face, with what became of it
  dingbot sandbox      runs a local stand-in for DingTalk that checks requests as DingTalk does
  dingbot serve        relays webhooks (Alertmanager, Grafana, GitHub, GitLab, any JSON) into robots
  dingbot skill        prints an Agent Skill that teaches an agent to use dingbot send
  dingbot doctor       checks the config, the state, Redis and each robot's token and signature

With no robot configured, the composer and the MCP server use a built-in sandbox, and
'dingbot send --sandbox' sends to it: try everything before touching a real group. Add robots
with 'dingbot config init'.`,
		Args:          rootArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if g.timeout <= 0 {
				return usagef("--timeout %v: give a positive duration such as 10s or 1m", g.timeout)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if rf.mcp {
				if len(args) > 0 {
					return usagef("--mcp takes no file argument")
				}
				if g.mouse {
					return usagef("--mouse is for the composer, not --mcp")
				}
				return runMCP(cmd.Context(), g, rf, s)
			}
			if rf.dryRun || rf.readOnly || rf.confirm || rf.logFile != "" || rf.http != "" || rf.httpTokenEnv != "" {
				return usagef("--dry-run, --read-only, --confirm, --log-file, --http and --http-token-env go with --mcp")
			}
			file := rf.file
			if len(args) == 1 {
				file = args[0]
				if err := notACommand(cmd, file); err != nil {
					return err
				}
			}
			return runComposer(cmd.Context(), g, file, s)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "config file (default: $DINGBOT_CONFIG or the user config dir's dingbot/config.toml)")
	pf.StringVar(&g.robot, "robot", "", "robot to use, by name from the config (default: default_robot)")
	pf.DurationVar(&g.timeout, "timeout", dingtalk.DefaultTimeout, "time limit for one request to DingTalk")

	f := root.Flags()
	f.BoolVar(&rf.mcp, "mcp", false, "serve MCP for AI agents instead of opening the composer (over stdio; --http for HTTP)")
	f.BoolVar(&rf.dryRun, "dry-run", false, "with --mcp: send tools validate and report, but send nothing")
	f.BoolVar(&rf.readOnly, "read-only", false, "with --mcp: serve only the read-only tools")
	f.BoolVar(&rf.confirm, "confirm", false, "with --mcp: every send asks the human before posting (also [mcp] confirm = true in the config)")
	f.StringVar(&rf.logFile, "log-file", "", "with --mcp: write logs to this file instead of stderr")
	f.BoolVar(&g.mouse, "mouse", false, mouseFlagHelp)
	addHTTPFlags(f, rf)

	root.AddCommand(
		newSendCmd(g, s),
		newOutboxCmd(g, s),
		newSandboxCmd(s),
		newServeCmd(g, s),
		newConfigCmd(g, s),
		newDoctorCmd(g, s),
		newRobotsCmd(g, s),
		newContactsCmd(g, s),
		newComposeCmd(g, s),
		newSkillCmd(s),
		newTemplateCmd(g, s),
		newHistoryCmd(s),
		newManCmd(s), newEnvironmentTopic(),
		newVersionCmd(s),
	)
	root.SetVersionTemplate("dingbot {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	addCompletions(root, g)
	addEnvironmentHelp(root)
	return root
}

func newComposeCmd(g *globalFlags, s streams) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "compose [FILE.md]",
		Short: "Open the composer (the same as plain dingbot)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if file != "" {
					return usagef("give the file either as an argument or with --file")
				}
				file = args[0]
			}
			return runComposer(cmd.Context(), g, file, s)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "markdown file to load into the body")
	cmd.Flags().BoolVar(&g.mouse, "mouse", false, mouseFlagHelp)
	return cmd
}

// mouseFlagHelp is the help of --mouse, on dingbot and dingbot compose.
const mouseFlagHelp = "composer: start with mouse mode on, the wheel scrolls the preview (alt+s or f9 switches it; off, the terminal selects text as usual)"

// rootArgs allows one argument, a file to compose; more than one is a mistyped command.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return unknownCommand(cmd, args[0])
	}
	return nil
}

// notACommand refuses a composer file that does not exist but reads like a mistyped command
// (dingbot sandbx), so the user learns about the command instead of a missing file.
func notACommand(cmd *cobra.Command, arg string) error {
	if _, err := os.Stat(arg); err == nil {
		return nil
	}
	if len(suggestCommand(cmd, arg)) > 0 || !strings.ContainsAny(arg, "./\\") {
		return unknownCommand(cmd, arg)
	}
	return nil
}

// subcommandArgs refuses an unknown subcommand, with the nearest one, instead of printing help
// and exiting 0.
func subcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return nil
}

// suggestCommand lists cmd's subcommands within two edits of arg (or starting with it).
func suggestCommand(cmd *cobra.Command, arg string) []string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	return cmd.SuggestionsFor(arg)
}

// unknownCommand says that arg is no command of cmd and suggests the nearest.
func unknownCommand(cmd *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for %q", arg, cmd.CommandPath())
	if sug := suggestCommand(cmd, arg); len(sug) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", sug[0])
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	msg += "; commands: " + strings.Join(names, ", ") + " (see " + cmd.CommandPath() + " --help)"
	if cmd.Parent() == nil {
		msg += "; a file to compose must exist"
	}
	return usageError{errors.New(msg)}
}

// redacting returns streams that replace the robots' tokens and secrets in everything written,
// a last line of defence behind the redaction the dingtalk package already does.
func (s streams) redacting(robots ...dingtalk.Robot) streams {
	secrets := robotSecrets(robots...)
	if len(secrets) == 0 {
		return s
	}
	return streams{in: s.in, out: redactWriter{s.out, secrets}, err: redactWriter{s.err, secrets}}
}

// robotSecrets are the robots' access tokens and signing secrets: what output must never show.
func robotSecrets(robots ...dingtalk.Robot) []string {
	var secrets []string
	for _, r := range robots {
		if ep, err := r.Endpoint(); err == nil {
			secrets = append(secrets, ep.Token)
		}
		if r.Secret != "" {
			secrets = append(secrets, r.Secret)
		}
	}
	return secrets
}

// redactWriter replaces secrets in each write. dingbot writes whole lines at a time, so a secret
// is never split across two writes.
type redactWriter struct {
	w       io.Writer
	secrets []string
}

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, dingtalk.RedactSecrets(string(p), r.secrets...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
