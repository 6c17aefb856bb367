package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

func newSandboxCmd(s streams) *cobra.Command {
	var (
		addr     string
		robot    sandbox.Robot
		keywords []string
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local DingTalk webhook that checks requests as DingTalk does",
		Long: `Run a local stand-in for DingTalk's robot webhook on loopback.

It answers POST /robot/send exactly as the API page describes DingTalk: the access token, the
signature and its one-hour timestamp window, keywords, Content-Type, the 20000-byte body limit,
JSON and msgtype, required fields per type, and 20 messages a minute before a 10-minute throttle.
Every arrival is printed: accepted messages rendered as DingTalk shows them, rejections with
errcode and reason. Point dingbot or any other tool at the URL it prints.`,
		Example: `  dingbot sandbox
  dingbot sandbox --addr 127.0.0.1:8765 --secret SECtest --keywords deploy,alert
  dingbot send text "hello" --webhook "http://127.0.0.1:8765/robot/send?access_token=sandbox"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usagef("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8765", addr)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return usagef("--addr %q: the sandbox serves only loopback addresses (127.0.0.1, ::1, localhost)", addr)
			}
			if robot.Secret != "" && !strings.HasPrefix(robot.Secret, "SEC") {
				return usagef("--secret must start with SEC, as DingTalk's secrets do")
			}
			for _, k := range keywords {
				if k = strings.TrimSpace(k); k != "" {
					robot.Keywords = append(robot.Keywords, k)
				}
			}
			width := 80
			if f, ok := s.out.(*os.File); ok {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
					width = w
				}
			}
			var mu sync.Mutex
			opts := sandbox.Options{
				Robots: []sandbox.Robot{robot},
				OnArrival: func(a sandbox.Arrival) {
					mu.Lock()
					defer mu.Unlock()
					fmt.Fprintln(s.out, sandbox.Render(a, width))
				},
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			base, _, err := sandbox.Start(ctx, addr, opts)
			if err != nil {
				return fmt.Errorf("start sandbox: %w", err)
			}
			printSandboxBanner(s, base, robot)
			<-ctx.Done()
			fmt.Fprintln(s.err, "dingbot: sandbox stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8765", "loopback address to listen on (port 0 picks a free one)")
	cmd.Flags().StringVar(&robot.Token, "token", sandboxToken, "access token the sandbox robot answers to")
	cmd.Flags().StringVar(&robot.Secret, "secret", "", "make the robot signed with this SEC… secret")
	cmd.Flags().StringSliceVar(&keywords, "keywords", nil, "security keywords a message must contain (comma-separated)")
	return cmd
}

func printSandboxBanner(s streams, base string, r sandbox.Robot) {
	token := r.Token
	if token != sandboxToken {
		token = "<your --token>"
	}
	fmt.Fprintf(s.err, "DingTalk sandbox listening on %s/robot/send?access_token=%s\n", base, token)
	security := []string{}
	if r.Secret != "" {
		security = append(security, "signed (secret as given by --secret)")
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
	if r.Secret != "" {
		fmt.Fprint(s.err, " --secret SEC…")
	}
	fmt.Fprintln(s.err)
	fmt.Fprintln(s.err, "stop:  Ctrl+C")
}
