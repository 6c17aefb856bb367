package main

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// addCompletions teaches the shell completions (dingbot completion bash|zsh|fish|powershell)
// the values of dingbot's flags and arguments: robot and contact names from the config,
// template names, sources and events, and files for the composer's argument. They read the
// config and the templates directory and nothing else: no state, no network, nothing written,
// and never a secret (names, mobiles and userIds only, as dingbot contacts prints them).
func addCompletions(root *cobra.Command, g *globalFlags) {
	done := map[*pflag.Flag]bool{}
	register := func(cmd *cobra.Command, name string, fn cobra.CompletionFunc) {
		f := cmd.Flag(name)
		if f == nil || done[f] {
			return
		}
		done[f] = true
		_ = cmd.RegisterFlagCompletionFunc(name, fn)
	}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		register(cmd, "robot", completeRobots(g))
		register(cmd, "at-name", completeContacts(g, func(name, mobile, userID string) (string, string) { return name, first(mobile, userID) }))
		register(cmd, "at", completeContacts(g, func(name, mobile, _ string) (string, string) { return mobile, name }))
		register(cmd, "at-user", completeContacts(g, func(name, _, userID string) (string, string) { return userID, name }))
		register(cmd, "source", completeSources)
		register(cmd, "event", completeEvents)
		if cmd.Name() == "send" && cmd.Parent() == root {
			register(cmd, "template", completeTemplates(g, false))
		} else {
			register(cmd, "template", completeTemplates(g, true))
		}
		registerTheRest(cmd, done)
		if cmd.ValidArgsFunction == nil && len(cmd.ValidArgs) == 0 && cmd != root {
			switch {
			case cmd.Name() == "compose":
				// compose [FILE.md]: the shell's own file completion.
			case cmd.Name() == "contacts" && cmd.Parent() == root:
				cmd.ValidArgsFunction = completeContacts(g, func(name, mobile, userID string) (string, string) { return name, first(mobile, userID) })
			case cmd.Name() == "doctor" && cmd.Parent() == root:
				cmd.ValidArgsFunction = completeRobots(g)
			default:
				cmd.ValidArgsFunction = cobra.NoFileCompletions
			}
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	root.ValidArgsFunction = completeComposerFile
	if show, _, err := root.Find([]string{"template", "show"}); err == nil && show.Name() == "show" {
		show.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return templateCompletions(g, toComplete, func(template.Info) bool { return true }), cobra.ShellCompDirectiveNoFileComp
		}
	}
}

// fileFlags and dirFlags name the flags that take a file or a directory: the shell's own
// completion offers them. envFlags take the name of an environment variable.
var (
	fileFlags = []string{"config", "file", "vars-file", "log-file"}
	dirFlags  = []string{"dir", "install"}
	envFlags  = []string{"secret-env", "http-token-env"}
)

// registerTheRest completes the flags of cmd that have no completion yet: directories for
// dirFlags, variable names (never values) for envFlags, and nothing at all, rather than files,
// for the other flags that take a value. fileFlags keep the shell's file completion.
func registerTheRest(cmd *cobra.Command, done map[*pflag.Flag]bool) {
	visit := func(f *pflag.Flag) {
		if done[f] || f.Value.Type() == "bool" || slices.Contains(fileFlags, f.Name) {
			return
		}
		if _, ok := cmd.GetFlagCompletionFunc(f.Name); ok {
			return
		}
		done[f] = true
		switch {
		case slices.Contains(dirFlags, f.Name):
			_ = cmd.RegisterFlagCompletionFunc(f.Name, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return nil, cobra.ShellCompDirectiveFilterDirs
			})
		case slices.Contains(envFlags, f.Name):
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeEnvNames)
		default:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.NoFileCompletions)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.PersistentFlags().VisitAll(visit)
}

// completeEnvNames offers the names of the environment's variables, never their values.
func completeEnvNames(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "" && strings.HasPrefix(name, toComplete) && completable(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// completionConfig loads the config --config (or the default path) names, quietly: a missing or
// broken config completes nothing.
func completionConfig(g *globalFlags) *config.Config {
	path, err := configPath(g)
	if err != nil {
		return nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil
	}
	return cfg
}

// completable reports whether s can be offered to a shell as one word: printable, one line, no
// tab (the completion protocol's separator).
func completable(s string) bool {
	return s != "" && config.SafeName(s) == s && !strings.ContainsAny(s, "\t\n\r")
}

// hasPrefixFold is strings.HasPrefix ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix))
}

// completeRobots offers the config's robots by name, the default one described as such.
func completeRobots(g *globalFlags) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg := completionConfig(g)
		if cfg == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		add := func(name, desc string) {
			if completable(name) && hasPrefixFold(name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(name, desc))
			}
		}
		for _, r := range cfg.Robots {
			desc := "robot"
			if r.Name == cfg.DefaultRobot {
				desc = "the default robot"
			}
			add(r.Name, desc)
		}
		for _, name := range slices.Sorted(maps.Keys(cfg.Unavailable)) {
			add(name, "unavailable here (see dingbot robots)")
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeContacts offers one value of each contact (pick returns it and its description).
func completeContacts(g *globalFlags, pick func(name, mobile, userID string) (value, desc string)) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg := completionConfig(g)
		if cfg == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, c := range cfg.Contacts {
			v, desc := pick(c.Name, c.Mobile, c.UserID)
			if completable(v) && hasPrefixFold(v, toComplete) {
				out = append(out, cobra.CompletionWithDesc(v, desc))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeTemplates offers the templates: of payloads (dingbot template render and fields, for
// --source's payloads when it is given) or of variables (dingbot send --template).
func completeTemplates(g *globalFlags, payloads bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		src, _ := cmd.Flags().GetString("source")
		return templateCompletions(g, toComplete, func(i template.Info) bool {
			if !payloads {
				return i.Data == ""
			}
			return i.Data != "" && (src == "" || slices.Contains(template.Sources(i.Data), src))
		}), cobra.ShellCompDirectiveNoFileComp
	}
}

func templateCompletions(g *globalFlags, toComplete string, keep func(template.Info) bool) []cobra.Completion {
	set, _, err := loadTemplates(g, io.Discard)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, i := range set.List() {
		if keep(i) && completable(i.Name) && strings.HasPrefix(i.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(i.Name, firstLine(i.Description)))
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.ReplaceAll(s, "\t", " ")
}

// completeSources offers the relay's payload sources.
func completeSources(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, s := range source.Names() {
		if strings.HasPrefix(s, toComplete) {
			out = append(out, s)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeEvents offers the sample events of --source, or of every source when it is not given.
func completeEvents(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	srcs := source.Names()
	if src, _ := cmd.Flags().GetString("source"); src != "" {
		srcs = []string{src}
	}
	var out []cobra.Completion
	for _, s := range srcs {
		for _, e := range source.SampleEvents(s) {
			if strings.HasPrefix(e, toComplete) && !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeComposerFile offers, beside the commands cobra lists, the files and directories
// toComplete starts (dingbot FILE.md opens the composer with it): the shells fall back to files
// only when nothing else matches, and dingbot's first argument is either.
func completeComposerFile(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || cmd.Flags().Changed("mcp") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	dir, base := filepath.Split(toComplete)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	entries, err := os.ReadDir(readDir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var out []cobra.Completion
	onlyDir := false
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) || !completable(name) {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(readDir, name)); err == nil {
				isDir = fi.IsDir()
			}
		}
		if isDir {
			name += "/"
		}
		out = append(out, dir+name)
		onlyDir = isDir
	}
	commands := 0
	for _, c := range cmd.Commands() {
		if (c.IsAvailableCommand() || c.Name() == "help") && strings.HasPrefix(c.Name(), toComplete) {
			commands++
		}
	}
	directive := cobra.ShellCompDirectiveDefault
	if len(out) == 1 && commands == 0 && onlyDir {
		// A lone directory: let the user carry on into it rather than end the word.
		directive |= cobra.ShellCompDirectiveNoSpace
	}
	return out, directive
}
