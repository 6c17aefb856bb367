package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
)

// Statuses of a doctor check.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "fail"
	checkSkip = "skip"
)

// doctorCheck is one line of dingbot doctor.
type doctorCheck struct {
	Check  string `json:"check"` // config, state_dir, redis, robot
	Robot  string `json:"robot,omitempty"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	// Verdict, Errcode and Errmsg are a robot probe's reading and DingTalk's answer.
	Verdict  dingtalk.ProbeVerdict `json:"verdict,omitempty"`
	Errcode  int                   `json:"errcode,omitempty"`
	Errmsg   string                `json:"errmsg,omitempty"`
	Problems []config.Problem      `json:"problems,omitempty"`
}

// doctorReport is dingbot doctor --json.
type doctorReport struct {
	OK     bool          `json:"ok"`
	Config string        `json:"config"`
	Checks []doctorCheck `json:"checks"`
	// Probes is how many requests went to DingTalk (each may count against the monthly quota).
	Probes int    `json:"probes"`
	Note   string `json:"note,omitempty"`
}

// quotaNote is what doctor says before probing.
const quotaNote = "each robot probe is one request to DingTalk: it posts nothing (its body has no msgtype, which DingTalk refuses after checking the token and the signature), but it may count against the organisation's monthly webhook quota; --no-probe skips the probes, or name the robots to probe"

type doctorFlags struct {
	noProbe bool
	jsonOut bool
}

func newDoctorCmd(g *globalFlags, s streams) *cobra.Command {
	df := &doctorFlags{}
	cmd := &cobra.Command{
		Use:   "doctor [ROBOT...]",
		Short: "Check the config, the state directory, Redis and each robot's token and signature",
		Long: `Check what dingbot needs: the config file (as 'dingbot config validate' does), that the state
directory is writable, that Redis answers when one is configured, and, for each robot (or the
robots named), whether DingTalk accepts its token and signature.

A robot is checked without posting anything: dingbot sends a signed request whose body has no
msgtype. DingTalk refuses it after checking the credentials, and its errmsg says how far it
got: "msgtype is null" (errcode 300001) means the token and the signature passed; "token is
not exist" means a wrong token; "sign not match" a wrong secret; "invalid timestamp" a clock
more than an hour off. Any other answer is reported as unknown, with DingTalk's errmsg: no
public source says what it means for the credentials. Each probe may count against the
organisation's monthly webhook quota: --no-probe skips them. Probes go through dingbot's rate
limit and monthly counts like a send; a paused robot is not probed.

Exit status: 0 when no check failed (warnings and unknowns allowed), 1 when one did, 2 for
bad usage.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.robot != "" {
				args = append(args, g.robot)
			}
			if df.noProbe && len(args) > 0 {
				return usagef("--no-probe checks no robot: leave out the robot names, or --no-probe")
			}
			return runDoctor(cmd.Context(), g, df, args, s)
		},
	}
	cmd.Flags().BoolVar(&df.noProbe, "no-probe", false, "do not send the probes (nothing reaches DingTalk)")
	cmd.Flags().BoolVar(&df.jsonOut, "json", false, "print the report as one JSON object")
	return cmd
}

func runDoctor(ctx context.Context, g *globalFlags, df *doctorFlags, names []string, s streams) error {
	path, err := configPath(g)
	if err != nil {
		return err
	}
	rep := doctorReport{Config: path}
	cfg, problems := config.Validate(path)
	cc := doctorCheck{Check: "config", Status: checkOK, Problems: problems}
	vr := newValidateReport(path, cfg, problems)
	switch {
	case vr.Errors > 0:
		cc.Status, cc.Detail = checkFail, fmt.Sprintf("%s: %s, %s (dingbot config validate lists them)", path, plural(vr.Errors, "error"), plural(vr.Warnings, "warning"))
	case vr.Warnings > 0:
		cc.Status, cc.Detail = checkWarn, fmt.Sprintf("%s: %s, %s", path, plural(len(vr.Robots), "robot"), plural(vr.Warnings, "warning"))
	default:
		cc.Detail = fmt.Sprintf("%s: %s, %s, %s", path, plural(len(vr.Robots), "robot"), plural(vr.Contacts, "contact"), plural(vr.Routes, "route"))
	}
	rep.Checks = append(rep.Checks, cc)
	rep.Checks = append(rep.Checks, checkStateDir())

	var a *app
	if cfg != nil {
		// The robots, the client and the shared state, as a send has them (nil: not loaded).
		if a, err = loadAppWith(ctx, *g, sandboxNever); err != nil {
			a = nil
		}
	}
	if a != nil && a.state != nil {
		defer a.state.close()
	}
	rep.Checks = append(rep.Checks, checkRedis(a))

	var robots []dingtalk.Robot
	if a != nil {
		s = s.redacting(a.cfg.Robots...)
		if len(names) > 0 {
			for _, n := range names {
				r, err := a.robot(n)
				if err != nil {
					return err
				}
				robots = append(robots, r)
			}
		} else {
			robots = a.cfg.Robots
		}
	} else if len(names) > 0 {
		return usageError{configError{errors.New("the config did not load, so no robot can be probed: run 'dingbot config validate'")}}
	}
	if len(robots) > 0 && !df.noProbe {
		rep.Note = quotaNote
		if !df.jsonOut {
			fmt.Fprintln(s.err, "dingbot: note:", quotaNote)
		}
	}
	for _, r := range robots {
		c := doctorCheck{Check: "robot", Robot: config.SafeName(r.Name)}
		if df.noProbe {
			c.Status, c.Detail = checkSkip, "not probed (--no-probe)"
			rep.Checks = append(rep.Checks, c)
			continue
		}
		res, err := a.client.Probe(ctx, r)
		if err != nil {
			c.Status, c.Detail = checkSkip, "not probed: "+err.Error()
			if errors.As(err, new(*dingtalk.StateError)) {
				c.Status = checkFail
			}
			rep.Checks = append(rep.Checks, c)
			continue
		}
		rep.Probes++
		c.Verdict, c.Errcode, c.Errmsg, c.Detail = res.Verdict, res.Errcode, res.Errmsg, res.Detail
		switch res.Verdict {
		case dingtalk.ProbeOK:
			c.Status = checkOK
		case dingtalk.ProbeUnknown:
			c.Status = checkWarn
		default:
			c.Status = checkFail
		}
		rep.Checks = append(rep.Checks, c)
	}
	if a != nil && len(names) == 0 {
		for _, p := range a.cfg.UnavailableRobots() {
			c := doctorCheck{Check: "robot", Robot: config.SafeName(p.Name), Status: checkFail, Detail: "unavailable: " + p.Reason}
			if strings.Contains(p.Reason, "(its secret_env) is not set") {
				c.Status = checkWarn
			}
			rep.Checks = append(rep.Checks, c)
		}
	}

	rep.OK = true
	for _, c := range rep.Checks {
		if c.Status == checkFail {
			rep.OK = false
		}
	}
	if df.jsonOut {
		if err := writeJSON(s.out, rep); err != nil {
			return err
		}
	} else {
		printDoctor(s, rep)
	}
	if !rep.OK {
		return exitError{exitProblems}
	}
	return nil
}

// printDoctor writes one line per check, the config's problems under it.
func printDoctor(s streams, rep doctorReport) {
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	for _, c := range rep.Checks {
		name := c.Check
		if c.Robot != "" {
			name = "robot " + c.Robot
		}
		detail := c.Detail
		if c.Errcode != 0 || c.Errmsg != "" {
			detail += fmt.Sprintf(" (errcode %d: %s)", c.Errcode, c.Errmsg)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, strings.ToUpper(c.Status), detail)
		for _, p := range c.Problems {
			fmt.Fprintf(tw, "\t\t%s\n", p)
		}
	}
	_ = tw.Flush()
	if rep.OK {
		fmt.Fprintf(s.err, "no check failed (%s sent to DingTalk)\n", plural(rep.Probes, "probe"))
	} else {
		fmt.Fprintf(s.err, "a check failed (%s sent to DingTalk)\n", plural(rep.Probes, "probe"))
	}
}

// checkStateDir checks that the state directory exists or can be made, and takes a file.
func checkStateDir() doctorCheck {
	c := doctorCheck{Check: "state_dir"}
	dir, err := config.StateDir()
	if err != nil {
		c.Status, c.Detail = checkFail, err.Error()
		return c
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.Status, c.Detail = checkFail, fmt.Sprintf("%s cannot be created: %v (point %s at a writable directory)", dir, unwrapPathError(err), config.EnvStateDir)
		return c
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err == nil {
		name := f.Name()
		_, err = f.WriteString("dingbot doctor\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		_ = os.Remove(name)
	}
	if err != nil {
		c.Status, c.Detail = checkFail, fmt.Sprintf("%s is not writable: %v (point %s at a writable directory)", dir, unwrapPathError(err), config.EnvStateDir)
		return c
	}
	c.Status, c.Detail = checkOK, filepath.Clean(dir)+" is writable"
	return c
}

// checkRedis reports whether the shared state in Redis answered when the app opened it.
func checkRedis(a *app) doctorCheck {
	c := doctorCheck{Check: "redis"}
	switch {
	case a == nil:
		c.Status, c.Detail = checkSkip, "the config did not load"
	case a.cfg.Redis == "":
		c.Status, c.Detail = checkSkip, "not configured: rate limits, counts and the outbox are kept in files under the state directory"
	case a.stateErr != nil:
		c.Status, c.Detail = checkFail, a.stateErr.Error()
		var se *dingtalk.StateError
		if errors.As(a.stateErr, &se) {
			c.Detail += ": " + se.Hint()
		}
	default:
		c.Status, c.Detail = checkOK, "Redis at "+config.RedactURL(a.cfg.Redis)+" answers"
	}
	return c
}
