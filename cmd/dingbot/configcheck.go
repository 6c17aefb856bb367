package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/tui/extedit"
)

// Exit codes of dingbot config validate, config edit and doctor.
const (
	exitProblems = 1 // validate: the config has errors; edit: the edit was kept aside; doctor: a check failed
)

// validateReport is dingbot config validate --json.
type validateReport struct {
	Path     string           `json:"path"`
	OK       bool             `json:"ok"`
	Errors   int              `json:"errors"`
	Warnings int              `json:"warnings"`
	Problems []config.Problem `json:"problems"`
	Robots   []string         `json:"robots"`
	Contacts int              `json:"contacts"`
	Routes   int              `json:"routes"`
}

func newValidateReport(path string, cfg *config.Config, problems []config.Problem) validateReport {
	rep := validateReport{Path: path, Problems: problems, Robots: []string{}}
	if rep.Problems == nil {
		rep.Problems = []config.Problem{}
	}
	for _, p := range problems {
		if p.Severity == config.SeverityError {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	rep.OK = rep.Errors == 0
	if cfg != nil {
		for _, r := range cfg.Robots {
			rep.Robots = append(rep.Robots, config.SafeName(r.Name))
		}
		rep.Contacts, rep.Routes = len(cfg.Contacts), len(cfg.Routes)
	}
	return rep
}

// printProblems writes each problem as "FILE:LINE: severity: message", the form editors jump
// to, then a summary.
func printProblems(w io.Writer, rep validateReport) {
	for _, p := range rep.Problems {
		where := rep.Path
		if p.Line > 0 {
			where = fmt.Sprintf("%s:%d", rep.Path, p.Line)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", where, p.Severity, p.Message)
	}
	switch {
	case rep.Errors > 0:
		fmt.Fprintf(w, "%s: %s, %s: fix them and run 'dingbot config validate' again\n", rep.Path, plural(rep.Errors, "error"), plural(rep.Warnings, "warning"))
	default:
		fmt.Fprintf(w, "%s: valid (%s, %s, %s%s)\n", rep.Path, plural(len(rep.Robots), "robot"), plural(rep.Contacts, "contact"), plural(rep.Routes, "route"),
			map[bool]string{true: ", " + plural(rep.Warnings, "warning"), false: ""}[rep.Warnings > 0])
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func newConfigValidateCmd(g *globalFlags, s streams) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and list every problem with its line",
		Long: `Check the config file as dingbot reads it and list every problem, each with its line:
errors (the file is refused, or a robot, contact or route is left out) and warnings (an unset
secret_env variable, a file others can read). Nothing is sent.

Exit status: 0 when there is no error (warnings allowed), 1 when there is one, 2 for bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(g)
			if err != nil {
				return err
			}
			cfg, problems := config.Validate(path)
			rep := newValidateReport(path, cfg, problems)
			if jsonOut {
				if err := writeJSON(s.out, rep); err != nil {
					return err
				}
			} else {
				printProblems(s.out, rep)
			}
			if !rep.OK {
				return exitError{exitProblems}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as one JSON object")
	return cmd
}

func newConfigEditCmd(g *globalFlags, s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "edit",
		Short: "Open the config in $VISUAL or $EDITOR and check it before saving",
		Long: `Open the config file in $VISUAL, else $EDITOR, else vi (creating it from the commented
example if it does not exist). You edit a private copy beside it; when the editor exits, the
copy is checked as 'dingbot config validate' does. Without errors it replaces the config
(warnings are shown). With errors dingbot lists them and asks: [r]eopen the editor at the
first one, [s]ave anyway, or [k]eep the edit aside in CONFIG.edit and leave the config as it
was; the next 'dingbot config edit' resumes from CONFIG.edit. Your text is never thrown away.

Exit status: 0 when saved (or nothing changed), 1 when the edit was kept aside, 2 when the
editor could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(g)
			if err != nil {
				return err
			}
			return editConfig(path, s)
		},
	}
}

// editConfig runs the edit-check-save loop of dingbot config edit on the config at path.
func editConfig(path string, s streams) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := config.Init(path, false); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(s.err, "created %s from the example\n", path)
	}
	// A config that is a symlink (into a dotfiles repository) is saved where it points, and
	// stays a symlink.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	current, err := os.ReadFile(path)
	if err != nil {
		return usageError{fmt.Errorf("read the config: %w", err)}
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	aside := path + ".edit"
	text := current
	if pending, err := os.ReadFile(aside); err == nil {
		fmt.Fprintf(s.err, "resuming the edit kept aside in %s (delete it to start from the config)\n", aside)
		text = pending
	}
	answers := bufio.NewReader(s.in)
	line := 0
	for {
		edited, err := runEditor(path, text, line)
		if err != nil {
			return err
		}
		if bytes.Equal(edited, current) {
			_ = os.Remove(aside)
			fmt.Fprintf(s.err, "%s: no changes\n", path)
			return nil
		}
		cfg, problems, err := checkEdit(path, edited)
		if err != nil {
			if kerr := keepAside(aside, edited); kerr != nil {
				return fmt.Errorf("%w; and keeping the edit failed: %v", err, kerr)
			}
			return fmt.Errorf("%w (the edit is kept in %s)", err, aside)
		}
		rep := newValidateReport(path, cfg, problems)
		if rep.OK {
			if err := config.WriteFile(path, edited, mode); err != nil {
				if kerr := keepAside(aside, edited); kerr == nil {
					return fmt.Errorf("%w (the edit is kept in %s)", err, aside)
				}
				return err
			}
			_ = os.Remove(aside)
			printProblems(s.err, rep)
			fmt.Fprintf(s.err, "saved %s\n", path)
			return nil
		}
		printProblems(s.err, rep)
		fmt.Fprint(s.err, "[r]eopen the editor, [s]ave anyway, or [k]eep the edit aside and leave the config as it was? [r/s/k] ")
		answer, _ := answers.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "r", "reopen", "":
			if answer == "" {
				// No answer can come (end of input): keep it rather than loop.
				break
			}
			text, line = edited, firstErrorLine(problems)
			continue
		case "s", "save":
			if err := config.WriteFile(path, edited, mode); err != nil {
				if kerr := keepAside(aside, edited); kerr == nil {
					return fmt.Errorf("%w (the edit is kept in %s)", err, aside)
				}
				return err
			}
			_ = os.Remove(aside)
			fmt.Fprintf(s.err, "saved %s with its errors: the parts they are in are left out until fixed\n", path)
			return nil
		}
		if err := keepAside(aside, edited); err != nil {
			return fmt.Errorf("keep the edit: %w", err)
		}
		fmt.Fprintf(s.err, "\nkept your edit in %s; %s is unchanged. Run 'dingbot config edit' to go on from the edit\n", aside, path)
		return exitError{exitProblems}
	}
}

// runEditor writes text to a private file beside path, runs the editor on it (at line, when
// above 0) and returns what the file holds afterwards. The file is removed.
func runEditor(path string, text []byte, line int) ([]byte, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.toml")
	if err != nil {
		return nil, fmt.Errorf("create the file to edit: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write the file to edit: %w", err)
	}
	ed := extedit.Command(tmp, line)
	ed.Stdin, ed.Stdout, ed.Stderr = os.Stdin, os.Stdout, os.Stderr
	runErr := ed.Run()
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return nil, fmt.Errorf("read the edited file: %w", err)
	}
	if runErr != nil && bytes.Equal(edited, text) {
		// The editor failed and wrote nothing: there is nothing to check or keep.
		return nil, usageError{fmt.Errorf("%sthe config is unchanged", extedit.Failure(runErr))}
	}
	return edited, nil
}

// checkEdit validates the edited text as it would be read from path: from a private file
// beside it (templates are found beside the config), reporting its problems under path's name.
func checkEdit(path string, edited []byte) (*config.Config, []config.Problem, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".check-*.toml")
	if err != nil {
		return nil, nil, fmt.Errorf("check the edit: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(edited)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("check the edit: %w", err)
	}
	cfg, problems := config.Validate(tmp)
	for i := range problems {
		problems[i].Message = strings.ReplaceAll(problems[i].Message, tmp, path)
		problems[i].Message = strings.ReplaceAll(problems[i].Message, filepath.Base(tmp), filepath.Base(path))
	}
	return cfg, problems, nil
}

// keepAside writes the edit to aside, private.
func keepAside(aside string, edited []byte) error {
	return config.WriteFile(aside, edited, 0o600)
}

// firstLine is the line of the first error, for reopening the editor there.
func firstErrorLine(problems []config.Problem) int {
	for _, p := range problems {
		if p.Severity == config.SeverityError && p.Line > 0 {
			return p.Line
		}
	}
	return 0
}
