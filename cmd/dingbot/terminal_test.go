package main

import (
	"bytes"
	"io"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestCommandsNeverQueryTheTerminal runs commands on a terminal that never answers (as script,
// ssh -tt and hook runners are): none may print a query or wait for its answer.
func TestCommandsNeverQueryTheTerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs a Unix pty")
	}
	e := newEnv(t)
	for _, args := range [][]string{
		{"version"},
		{"--help"},
		{"send", "text", "hello", "--sandbox"},
		{"send", "text", "hello", "--dry-run", "--sandbox"},
		{"config", "path"},
		{"robots"},
	} {
		t.Run(args[0], func(t *testing.T) {
			cmd := exec.Command(binPath, args...)
			cmd.Env = append(e.environ(), "TERM=xterm-256color")
			cmd.Dir = e.dir
			tty, err := pty.Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			defer tty.Close()
			var out bytes.Buffer
			copied := make(chan struct{})
			go func() { io.Copy(&out, tty); close(copied) }()
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("dingbot %v hung on a silent terminal", args)
			}
			took := time.Since(start)
			tty.Close()
			<-copied
			if took > 2*time.Second {
				t.Errorf("dingbot %v took %v on a terminal that does not answer queries", args, took)
			}
			for _, q := range []string{"\x1b]11;?", "\x1b]10;?", "\x1b[6n"} {
				if bytes.Contains(out.Bytes(), []byte(q)) {
					t.Errorf("dingbot %v queried the terminal (%q):\n%q", args, q, out.String())
				}
			}
		})
	}
}
