package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk/config"
)

// envVar is one environment variable dingbot reads: the one table behind `dingbot help
// environment` and the "Environment:" line of each command's --help (TestEnvironmentTopicListsEveryVariable
// checks it against the code).
type envVar struct {
	// name is the variable, or for a variable whose name the user chooses, how it is given
	// (<secret_env>, <--secret-env>): such entries are listed but not on a command's line.
	name    string
	meaning string
	// affects lists the commands whose behaviour it changes, by path; a path covers its
	// subcommands, except "dingbot" itself, which is the composer and the MCP server.
	affects []string
	// library marks a variable read by a library or the Go runtime rather than dingbot's code.
	library bool
}

// Command groups of the table.
var (
	// envConfigCmds find the config file (or the templates beside it).
	envConfigCmds = []string{"dingbot", "dingbot compose", "dingbot send", "dingbot outbox", "dingbot serve", "dingbot config", "dingbot robots", "dingbot contacts", "dingbot template", "dingbot doctor"}
	// envRobotCmds load the robots from the config.
	envRobotCmds = []string{"dingbot", "dingbot compose", "dingbot send", "dingbot outbox", "dingbot serve", "dingbot robots", "dingbot contacts", "dingbot template render", "dingbot config validate", "dingbot config edit", "dingbot doctor"}
	// envStateCmds use the state directory.
	envStateCmds = []string{"dingbot", "dingbot compose", "dingbot send", "dingbot outbox", "dingbot serve", "dingbot robots", "dingbot contacts", "dingbot history", "dingbot doctor"}
	// envSendCmds queue, limit and deliver messages.
	envSendCmds = []string{"dingbot", "dingbot compose", "dingbot send", "dingbot outbox", "dingbot serve", "dingbot doctor"}
	// envComposerCmds run the composer.
	envComposerCmds = []string{"dingbot", "dingbot compose"}
	// envEditorCmds open an editor.
	envEditorCmds = []string{"dingbot", "dingbot compose", "dingbot config edit"}
	// envColorCmds draw messages in the terminal.
	envColorCmds = []string{"dingbot", "dingbot compose", "dingbot sandbox", "dingbot send", "dingbot template render"}
)

// envVars is every environment variable dingbot reads.
var envVars = []envVar{
	{name: config.EnvConfig, affects: envConfigCmds,
		meaning: "The config file's path, instead of dingbot/config.toml in the user config directory. --config wins over it; the templates directory is beside the config."},
	{name: config.EnvStateDir, affects: envStateCmds,
		meaning: "The state directory (rate-limit counters, quotas, the outbox, drafts, history), instead of $XDG_STATE_HOME/dingbot or ~/.local/state/dingbot (macOS: ~/Library/Application Support/dingbot/state; Windows: %LocalAppData%\\dingbot\\state). A relative path is made absolute."},
	{name: config.EnvToken, affects: envRobotCmds,
		meaning: "Adds a robot named \"default\" (as mcp-dingding-bot does): its access token or its whole webhook URL. A robot of that name in the config wins."},
	{name: config.EnvSecret, affects: envRobotCmds,
		meaning: "The SEC… signing secret of the robot " + config.EnvToken + " adds; ignored (with a warning) without it."},
	{name: config.EnvRedis, affects: envSendCmds,
		meaning: "A Redis URL (redis://… or rediss://…) that keeps rate limits, quotas, pauses and the outbox shared by every host; wins over [state] redis in the config."},
	{name: "DINGBOT_NO_BACKGROUND_DRAINER", affects: []string{"dingbot", "dingbot compose", "dingbot send", "dingbot outbox retry"},
		meaning: "When set (not empty), a queued message does not start a background `dingbot outbox drain --wait`; it waits in the outbox for `dingbot outbox drain` or a running relay."},
	{name: "<secret_env>", affects: envRobotCmds,
		meaning: "The variable a robot's secret_env (its SEC… signing secret) or a route's secret_env (the token senders must present) names in the config."},
	{name: "<--secret-env>", affects: []string{"dingbot send", "dingbot sandbox"},
		meaning: "The variable --secret-env NAME names holds the SEC… signing secret, so it stays out of the command line."},
	{name: "<--http-token-env>", affects: []string{"dingbot"},
		meaning: "With --mcp --http, the variable --http-token-env NAME names holds the bearer token HTTP clients must send."},
	{name: "XDG_STATE_HOME", affects: envStateCmds,
		meaning: "Without " + config.EnvStateDir + ", an absolute path here puts the state in $XDG_STATE_HOME/dingbot."},
	{name: "LocalAppData", affects: envStateCmds,
		meaning: "Windows: without " + config.EnvStateDir + " or XDG_STATE_HOME, the state goes to %LocalAppData%\\dingbot\\state."},
	{name: "HOME", affects: append(slices.Clone(envConfigCmds), "dingbot history"), library: true,
		meaning: "Finds ~/.config (the user config directory, also $XDG_CONFIG_HOME; %AppData% on Windows) and ~/.local/state."},
	{name: "HTTPS_PROXY", affects: envSendCmds, library: true,
		meaning: "A proxy for requests to DingTalk (https://), as Go's net/http reads it; also https_proxy."},
	{name: "HTTP_PROXY", affects: envSendCmds, library: true,
		meaning: "A proxy for plain http:// webhooks (a robot on another host's sandbox); also http_proxy."},
	{name: "NO_PROXY", affects: envSendCmds, library: true,
		meaning: "Hosts reached without the proxy (comma-separated; also no_proxy); loopback is never proxied."},
	{name: "XDG_CONFIG_HOME", affects: envConfigCmds, library: true,
		meaning: "The user config directory on Linux and BSD (default ~/.config), where dingbot/config.toml lives."},
	{name: "VISUAL", affects: envEditorCmds,
		meaning: "The editor the composer opens the body in (ctrl+o) and config edit opens the config in, default vi. As with git, it is shell text: it may carry arguments (code --wait)."},
	{name: "EDITOR", affects: envEditorCmds,
		meaning: "The editor when VISUAL is not set."},
	{name: "NO_COLOR", affects: envColorCmds,
		meaning: "When set, no colour: the composer, the sandbox's view and the previews of send --sandbox and template render print plain text (https://no-color.org)."},
	{name: "GLAMOUR_STYLE", affects: envColorCmds,
		meaning: "The glamour style of markdown previews: dark, light, dracula, tokyo-night, pink, notty, ascii, or a JSON style file's path. Default: dark or light after the terminal's background."},
	{name: "TERM", affects: envColorCmds,
		meaning: "TERM=dumb means no colour and no terminal queries; otherwise it tells how many colours the terminal shows."},
	{name: "COLORTERM", affects: envColorCmds,
		meaning: "truecolor or 24bit: previews use 24-bit colour."},
	{name: "SOURCE_DATE_EPOCH", affects: []string{"dingbot man"},
		meaning: "Seconds since 1970: the date the manual page carries, instead of today (reproducible builds)."},
	{name: "RUNEWIDTH_EASTASIAN", affects: envComposerCmds,
		meaning: "true (or 1): East Asian ambiguous-width characters (such as “ ” ○ ※) take two cells, as in a CJK terminal font; set it when the composer's borders go out of line."},
}

// envVarsFor lists the variables (by name, not the user-named ones) that affect the command at path.
func envVarsFor(path string) []string {
	var names []string
	for _, v := range envVars {
		if strings.HasPrefix(v.name, "<") {
			continue
		}
		if slices.ContainsFunc(v.affects, func(p string) bool { return envCovers(p, path) }) {
			names = append(names, v.name)
		}
	}
	return names
}

// envCovers reports whether the table's command path p covers the command at path.
func envCovers(p, path string) bool {
	if p == path {
		return true
	}
	return p != "dingbot" && strings.HasPrefix(path, p+" ")
}

// environmentHelp is the text of `dingbot help environment`.
func environmentHelp() string {
	var b strings.Builder
	b.WriteString(`dingbot reads these environment variables. Where a flag and a variable set the same thing, the
flag wins; each entry says how it meets the config file. Each command's --help names the ones
that affect it.

`)
	for _, v := range envVars {
		fmt.Fprintf(&b, "  %s\n", v.name)
		for _, line := range wrapWords(v.meaning, 92) {
			fmt.Fprintf(&b, "      %s\n", line)
		}
		if v.library {
			b.WriteString("      (read by the Go runtime or a library dingbot uses)\n")
		}
		for _, line := range wrapWords("Affects: "+strings.Join(v.affects, ", ")+".", 92) {
			fmt.Fprintf(&b, "      %s\n", line)
		}
		b.WriteString("\n")
	}
	b.WriteString(`<secret_env>, <--secret-env> and <--http-token-env> stand for variables whose names you choose.`)
	return b.String()
}

// wrapWords breaks s into lines of at most width columns, at spaces.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// newEnvironmentTopic is `dingbot help environment`, a help topic rather than a command.
func newEnvironmentTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "environment",
		Short: "The environment variables dingbot reads, and what they change",
		Long:  environmentHelp(),
	}
}

// addEnvironmentHelp ends the help of each command under root with the variables that affect
// it, from envVars, so the two cannot disagree. Call it once every command is added.
func addEnvironmentHelp(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if names := envVarsFor(c.CommandPath()); len(names) > 0 {
			long := c.Long
			if long == "" {
				long = c.Short
			}
			line := "Environment: " + strings.Join(names, ", ") + " (see dingbot help environment)."
			c.Long = strings.TrimRight(long, "\n") + "\n\n" + strings.Join(wrapWords(line, 100), "\n")
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
