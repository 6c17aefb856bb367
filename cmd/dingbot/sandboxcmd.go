package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// sandboxFlags are the flags of `dingbot sandbox`.
type sandboxFlags struct {
	addr      string
	token     string
	secret    string
	secretEnv string
	keywords  []string
	keep      int
	limit     int
	monthly   int
}

func newSandboxCmd(s streams) *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local DingTalk webhook that checks requests as DingTalk does",
		Long: `Run a local stand-in for DingTalk's robot webhook on loopback.

It answers POST /robot/send exactly as the API page describes DingTalk: the access token, the
signature and its one-hour timestamp window, keywords, Content-Type, the 20000-byte body limit,
JSON and msgtype, required fields per type, and 20 messages a minute before a 10-minute throttle.
Every arrival is printed: accepted messages rendered as DingTalk shows them, rejections with
errcode and reason. Point dingbot or any other tool at the URL it prints.

For a signed robot give the secret with --secret-env NAME (the name of an environment variable
that holds it) or --secret - (one line read from standard input, typed without echo on a
terminal): a value given as --secret SEC… is visible to other users in ps and stays in your shell
history.

What is printed never shows the secret, the token or a signature, even when a message contains
them, and nothing from the network can send escape codes to your terminal. Colours are used only
when standard output is a terminal (GLAMOUR_STYLE=light for a light background; NO_COLOR for
none); the terminal is never asked for its colours.

Every connection is bounded: headers must arrive within 10 s, a whole request within 30 s, and an
idle keep-alive connection is closed after 60 s. The sandbox keeps the last --keep arrivals in
memory, and remembers the last 10000 msgUuids per robot to answer a resend as DingTalk does.`,
		Example: `  dingbot sandbox
  dingbot sandbox --addr 127.0.0.1:8765 --secret-env DINGBOT_SECRET --keywords deploy,alert
  pass show dingtalk/sandbox | dingbot sandbox --secret -
  dingbot send text "hello" --webhook "http://127.0.0.1:8765/robot/send?access_token=sandbox"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			robot, err := f.robot(s)
			if err != nil {
				return err
			}
			if f.keep < 1 {
				return usagef("--keep %d: keep at least 1 arrival", f.keep)
			}
			if f.limit < 1 || f.monthly < 0 {
				return usagef("--limit takes a number of messages a minute (at least 1), --monthly-limit a number a month (0: none)")
			}
			robot.MonthlyLimit = f.monthly
			width := 80
			if file, ok := s.out.(*os.File); ok {
				if w, _, err := term.GetSize(int(file.Fd())); err == nil && w > 20 {
					width = w
				}
			}
			style := sandboxview.StyleFor(s.out, os.Getenv) // once, from the environment alone
			var mu sync.Mutex
			opts := sandbox.Options{
				Robots: []sandbox.Robot{robot},
				Keep:   f.keep,
				Limit:  f.limit,
				OnArrival: func(a sandbox.Arrival) {
					mu.Lock()
					defer mu.Unlock()
					fmt.Fprintln(s.out, sandboxview.Render(a, width, style))
				},
			}
			ctx := cmd.Context() // main cancels it on ctrl+c, SIGTERM, SIGHUP and SIGQUIT
			base, srv, err := sandbox.Start(ctx, f.addr, opts)
			if err != nil {
				return fmt.Errorf("start sandbox: %w", err)
			}
			if f.secret != "" && f.secret != "-" {
				fmt.Fprintln(s.err, "dingbot: warning: --secret on the command line is visible in ps and shell history; prefer --secret-env NAME or --secret -")
			}
			printSandboxBanner(s, base, robot, &f)
			<-ctx.Done()
			st := srv.Stats()
			fmt.Fprintf(s.err, "dingbot: sandbox stopped after %d requests: %d posted, %d duplicates, %d rejected\n",
				st.Arrivals, st.Posted, st.Duplicates, st.Rejected)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8765", "loopback address to listen on (port 0 picks a free one)")
	cmd.Flags().StringVar(&f.token, "token", sandboxToken, "access token the sandbox robot answers to")
	cmd.Flags().StringVar(&f.secretEnv, "secret-env", "", "make the robot signed with the SEC… secret in this environment variable (give its name)")
	cmd.Flags().StringVar(&f.secret, "secret", "", `make the robot signed with this SEC… secret; "-" reads it from standard input (a value here shows in ps and shell history: prefer --secret-env)`)
	cmd.Flags().StringSliceVar(&f.keywords, "keywords", nil, "security keywords a message must contain (comma-separated)")
	cmd.Flags().IntVar(&f.keep, "keep", sandbox.DefaultKeep, "how many of the newest arrivals to keep in memory")
	cmd.Flags().IntVar(&f.limit, "limit", 20, "messages a minute before the 10-minute throttle (410100), as DingTalk's 20; lower it to try throttling")
	cmd.Flags().IntVar(&f.monthly, "monthly-limit", 0, "calls a month before every call is answered 90030 webhook over limit (0: no cap)")
	return cmd
}

// robot checks the flags and returns the robot to serve. No error contains the secret.
func (f *sandboxFlags) robot(s streams) (sandbox.Robot, error) {
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return sandbox.Robot{}, usagef("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8765", dingtalk.MaskSecretLike(f.addr))
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return sandbox.Robot{}, usagef("--addr %q: the sandbox serves only loopback addresses (127.0.0.1, ::1, localhost)", dingtalk.MaskSecretLike(f.addr))
	}
	if strings.TrimSpace(f.token) == "" {
		return sandbox.Robot{}, usagef("--token must not be empty")
	}
	r := sandbox.Robot{Token: f.token}
	for _, k := range f.keywords {
		if k = strings.TrimSpace(k); k != "" {
			r.Keywords = append(r.Keywords, k)
		}
	}
	switch {
	case f.secret != "" && f.secretEnv != "":
		return r, usagef("give the secret once: --secret or --secret-env")
	case f.secretEnv != "":
		name := f.secretEnv
		if strings.HasPrefix(name, "SEC") || dingtalk.LooksSecret(name) {
			return r, usagef("--secret-env takes the name of an environment variable: that looks like the secret itself, give the variable's name (export DINGBOT_SECRET=… and pass --secret-env DINGBOT_SECRET)")
		}
		if !envName.MatchString(name) {
			return r, usagef("--secret-env takes the name of an environment variable (letters, digits and _, e.g. DINGBOT_SECRET)")
		}
		r.Secret = strings.TrimSpace(os.Getenv(name))
		if r.Secret == "" {
			return r, usagef("--secret-env %s: the variable is not set (or is empty)", name)
		}
		if !strings.HasPrefix(r.Secret, "SEC") {
			return r, usagef("--secret-env %s: the secret in it must start with SEC, as DingTalk's secrets do", name)
		}
	case f.secret == "-":
		if r.Secret, err = readSecret(s); err != nil {
			return r, err
		}
		if !strings.HasPrefix(r.Secret, "SEC") {
			return r, usagef("--secret -: the secret read from standard input must start with SEC, as DingTalk's secrets do")
		}
	case f.secret != "":
		r.Secret = strings.TrimSpace(f.secret)
		if !strings.HasPrefix(r.Secret, "SEC") {
			return r, usagef("--secret must start with SEC, as DingTalk's secrets do")
		}
	}
	return r, nil
}

// envName is what an environment variable's name may be.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readSecret reads the secret for --secret -: one line of standard input, typed without echo
// when standard input is a terminal.
func readSecret(s streams) (string, error) {
	if f, ok := s.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(s.err, "sandbox robot's secret (SEC…, not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.err)
		if err != nil {
			return "", usageError{fmt.Errorf("--secret -: read the terminal: %w", err)}
		}
		return strings.TrimSpace(string(b)), nil
	}
	if s.in == nil {
		return "", usagef("--secret -: no standard input to read the secret from")
	}
	line, err := bufio.NewReader(io.LimitReader(s.in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", usageError{fmt.Errorf("--secret -: read standard input: %w", err)}
	}
	if line = strings.TrimSpace(line); line == "" {
		return "", usagef("--secret -: standard input was empty; pipe the secret in, e.g. pass show dingtalk/sandbox | dingbot sandbox --secret -")
	}
	return line, nil
}

func printSandboxBanner(s streams, base string, r sandbox.Robot, f *sandboxFlags) {
	secretEnv := f.secretEnv
	token := r.Token
	if token != sandboxToken {
		token = "<your --token>"
	}
	fmt.Fprintf(s.err, "DingTalk sandbox listening on %s/robot/send?access_token=%s\n", base, token)
	security := []string{}
	if r.Secret != "" {
		source := "as given by --secret"
		switch {
		case secretEnv != "":
			source = "from $" + secretEnv
		case f.secret == "-":
			source = "read from standard input"
		}
		security = append(security, "signed (secret "+source+")")
	}
	if len(r.Keywords) > 0 {
		security = append(security, "keywords "+strings.Join(r.Keywords, ", "))
	}
	if len(security) == 0 {
		security = append(security, "unsigned, no keywords")
	}
	fmt.Fprintf(s.err, "robot: %s; 20 messages a minute, then throttled for 10 minutes\n", strings.Join(security, "; "))
	text := "hello"
	if len(r.Keywords) > 0 {
		text = "'hello " + r.Keywords[0] + "'"
	}
	fmt.Fprintf(s.err, "try:   dingbot send text %s --webhook '%s/robot/send?access_token=%s'", text, base, token)
	env := secretEnv
	if env == "" {
		env = "DINGBOT_SECRET"
	}
	if r.Secret != "" {
		fmt.Fprint(s.err, " --secret-env "+env)
	}
	fmt.Fprintln(s.err)
	if r.Secret != "" && secretEnv == "" {
		fmt.Fprintln(s.err, "       with DINGBOT_SECRET holding the same SEC… secret")
	}
	fmt.Fprintln(s.err, "stop:  Ctrl+C")
}
