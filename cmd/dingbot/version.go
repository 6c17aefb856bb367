package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version, commit and date (the commit's) are stamped by a release build (.goreleaser.yaml):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=<sha> -X main.date=<RFC 3339>"
//
// Unstamped, they come from the module's build info: the module version of
// 'go install github.com/dingbot/dingbot/cmd/dingbot@v1.2.0', the VCS revision of a clone.
var version, commit, date string

// versionInfo is what 'dingbot version' prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Date     string `json:"date"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// currentVersion reads the stamped values, falling back to the build info for each one missing.
func currentVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, Date: date,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				if v.Date == "" {
					v.Date = s.Value
				}
			case "vcs.modified":
				v.Modified = commit == "" && s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	if v.Date == "" {
		v.Date = "unknown"
	}
	return v
}

// buildVersion is dingbot's version: a release tag, a module pseudo-version, or "dev".
func buildVersion() string { return currentVersion().Version }

func newVersionCmd(s streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print dingbot's version, commit and date",
		Long: `Print dingbot's version, the commit it was built from and that commit's date.

A release binary carries its tag, commit and date. 'go install …@v1.2.0' gives the module
version; a build from a clone gives the commit and its time where Go could read them from git
(otherwise "unknown"), and "dev" or a pseudo-version.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := currentVersion()
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			commit := v.Commit
			if v.Modified {
				commit += " (modified)"
			}
			_, err := fmt.Fprintf(s.out, "dingbot %s\ncommit  %s\ndate    %s\ngo      %s %s\n",
				v.Version, commit, v.Date, v.Go, v.Platform)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object: version, commit, date, go, platform")
	return cmd
}
