package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
)

func newConfigCmd(g *globalFlags, s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Create, locate, edit or check the config file",
		Args:  subcommandArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented example config (mode 0600) to edit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(g)
			if err != nil {
				return err
			}
			if err := config.Init(path, force); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(s.out, "wrote %s\nedit it: put your robot's webhook (and SEC… secret if it signs), then run 'dingbot robots'\n", path)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing config")
	pathCmd := &cobra.Command{
		Use:   "path",
		Short: "Print where dingbot reads its config",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(g)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, path)
			return nil
		},
	}
	cmd.AddCommand(initCmd, pathCmd, newConfigValidateCmd(g, s), newConfigEditCmd(g, s))
	return cmd
}

func configPath(g *globalFlags) (string, error) {
	if g.configPath != "" {
		return g.configPath, nil
	}
	p, err := config.DefaultPath()
	if err != nil {
		return "", fmt.Errorf("find config: %w", err)
	}
	return p, nil
}

func newRobotsCmd(g *globalFlags, s streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "robots",
		Short: "List the configured robots (secrets shown only as a fingerprint)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := loadApp(cmd.Context(), *g, false)
			if err != nil {
				return err
			}
			a.warnConfig(s.err, "")
			if asJSON {
				return writeJSON(s.out, robotsJSON(cmd.Context(), a))
			}
			if len(a.robots) == 0 && len(a.cfg.Unavailable) == 0 {
				advice := "run 'dingbot config init'"
				if _, err := os.Stat(a.configPath); err == nil {
					advice = "add a [robots.NAME] table to it"
				}
				fmt.Fprintf(s.err, "no robots configured in %s\n%s, or set DINGTALK_BOT_ACCESS_TOKEN (and DINGTALK_BOT_SECRET)\n", a.configPath, advice)
				return nil
			}
			tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDEFAULT\tSIGNING\tKEYWORDS\tHOST\tSENDS LEFT\tTHIS MONTH")
			for _, r := range a.robots {
				def := yesIf(r.Name == a.defaultR)
				signing := "unsigned"
				if r.Secret != "" {
					signing = config.RedactSecret(r.Secret)
				}
				host := "oapi.dingtalk.com"
				if ep, err := r.Endpoint(); err == nil {
					host = strings.TrimPrefix(strings.TrimPrefix(ep.URL, "https://"), "http://")
					host, _, _ = strings.Cut(host, "/")
				}
				left := "?"
				if n := a.client.SendsLeft(r); n >= 0 {
					left = fmt.Sprint(n)
				}
				month := quotaLine(a.client.Usage(cmd.Context(), r))
				var (
					paused *dingtalk.PausedError
					quota  *dingtalk.QuotaError
				)
				switch err := a.client.Check(cmd.Context(), r); {
				case errors.As(err, &paused):
					left = "paused " + paused.Wait().Round(time.Second).String()
				case errors.As(err, &quota) && quota.Scope == "dingtalk":
					month += " (stopped: 90030)"
				case errors.As(err, &quota):
					month += " (used up)"
				}
				kw := strings.Join(r.Keywords, ", ")
				if kw == "" {
					kw = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", config.SafeName(r.Name), def, signing, kw, host, left, month)
			}
			for _, name := range slices.Sorted(maps.Keys(a.cfg.Unavailable)) {
				fmt.Fprintf(tw, "%s\t%s\tunavailable (see the warning above)\t\t\t\t\n", config.SafeName(name), yesIf(name == a.defaultR))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			org := ""
			if a.cfg.OrgMonthlyQuota > 0 && len(a.robots) > 0 {
				if u := a.client.Usage(cmd.Context(), a.robots[0]); u != nil {
					org = fmt.Sprintf("; the organisation: %d of %d webhook sends", u.OrgUsed, u.OrgLimit)
				}
			}
			fmt.Fprintf(s.err, "this month (China Standard Time) counts every request that may have reached DingTalk%s; state: %s\n", org, a.describeState())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array: name, default, available, signed, secret_fingerprint, keywords, host, sends_left, month (never a token or a secret)")
	return cmd
}

func yesIf(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
