package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// syncBuffer is a bytes.Buffer written by one goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sandboxProc is a running `dingbot sandbox`.
type sandboxProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	base     string      // http://127.0.0.1:PORT
	out, err *syncBuffer // with a terminal, everything is in out
	done     chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://[0-9.:]+)/robot/send`)

// startSandbox runs `dingbot sandbox --addr 127.0.0.1:0 args...` with stdin and the extra
// environment, on pipes or, with onTerminal, on a terminal that never answers a query. It
// returns once the sandbox says where it listens.
func startSandbox(t *testing.T, onTerminal bool, stdin string, env []string, args ...string) *sandboxProc {
	t.Helper()
	e := newEnv(t)
	cmd := exec.Command(binPath, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(e.environ(), env...)
	cmd.Dir = e.dir
	p := &sandboxProc{t: t, cmd: cmd, out: &syncBuffer{}, err: &syncBuffer{}, done: make(chan struct{})}
	copied := make(chan struct{})
	if onTerminal {
		cmd.Env = append(cmd.Env, "TERM=xterm-256color")
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		go func() { io.Copy(p.out, tty); close(copied) }()
		go func() { cmd.Wait(); tty.Close(); <-copied; close(p.done) }()
	} else {
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stdout, cmd.Stderr = p.out, p.err
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { cmd.Wait(); close(p.done) }()
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(p.out.String() + p.err.String()); m != nil {
			p.base = m[1]
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("dingbot sandbox ended:\n%s\n%s", p.out, p.err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dingbot sandbox did not say where it listens:\n%q\n%q", p.out, p.err)
		}
	}
}

// waitFor waits until the output has n lines containing s.
func (p *sandboxProc) waitFor(s string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.out.String(), s) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %d × %q in\n%q", n, s, p.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends the sandbox as ctrl+c does.
func (p *sandboxProc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Fatal("dingbot sandbox did not stop on ctrl+c")
	}
}

// post sends body to the sandbox, signed with secret unless it is empty.
func (p *sandboxProc) post(token, secret, body string) {
	p.t.Helper()
	u := p.base + "/robot/send?access_token=" + url.QueryEscape(token)
	if secret != "" {
		ts := time.Now().UnixMilli()
		u += fmt.Sprintf("&timestamp=%d&sign=%s", ts, url.QueryEscape(sandbox.Sign(secret, ts)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
}

// TestSandboxPrintsNoSecretAndNoEscape: what `dingbot sandbox` prints never shows its secret,
// its token or a sign, even when a message contains them, and nothing that arrives from the
// network reaches the terminal as an escape sequence.
func TestSandboxPrintsNoSecretAndNoEscape(t *testing.T) {
	p := startSandbox(t, false, "", []string{"DINGBOT_TEST_SANDBOX_SECRET=" + testSecret},
		"--token", testToken, "--secret-env", "DINGBOT_TEST_SANDBOX_SECRET")
	sign := url.QueryEscape(sandbox.Sign(testSecret, 1700000000000))
	const osc, clear = `\u001b]0;pwned\u0007`, `\u001b[2J`
	bodies := []string{
		`{"msgtype":"text","text":{"content":"leak ` + testSecret + ` ` + testToken + ` sign=` + sign + `"}}`,
		`{"msgtype":"markdown","markdown":{"title":"T` + osc + clear + `","text":"pwned ` + osc + clear + ` &#27;[2J"}}`,
		`{"msgtype":"link","link":{"title":"` + osc + `pwned","text":"` + clear + `","messageUrl":"https://e.x/` + osc + `"}}`,
		`{"msgtype":"text","text":{"content":"pwned","` + testSecret + osc + `":1}}`,
	}
	for _, b := range bodies {
		p.post(testToken, testSecret, b)
	}
	p.post(testToken, "", `{"msgtype":"text`+osc+`","text":{"content":"x"}}`) // unsigned: rejected, the reason shown
	p.waitFor(" robot ", len(bodies)+1)
	p.stop()

	all := p.out.String() + p.err.String()
	for _, leak := range []string{testSecret, testSecret[3:15], testToken, testToken[:12], sign, "\x1b", "\x07"} {
		if strings.Contains(all, leak) {
			t.Errorf("output shows %q:\n%s", leak, all)
		}
	}
	for _, want := range []string{"REDACTED", "pwned", "errcode 310000", "signed (secret from $DINGBOT_TEST_SANDBOX_SECRET)", "after 5 requests: 4 posted"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
}

// TestSandboxOnASilentTerminal: on a terminal that never answers, `dingbot sandbox` starts at
// once without querying it, draws in colour, and still lets no escape sequence from the network
// through.
func TestSandboxOnASilentTerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs a Unix pty")
	}
	start := time.Now()
	p := startSandbox(t, true, "", nil)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("started after %v: waiting for a terminal's answer?", d)
	}
	p.post(sandbox.DefaultToken, "", `{"msgtype":"markdown","markdown":{"title":"T\u001b]0;pwned\u0007","text":"# pwned \u001b[2J\n\n- **bold** &#27;]0;x&#7;"}}`)
	p.waitFor("bold", 1)
	p.stop()
	out := p.out.String()
	for _, q := range []string{"\x1b]11;?", "\x1b]10;?", "\x1b[6n"} {
		if strings.Contains(out, q) {
			t.Errorf("queried the terminal (%q):\n%q", q, out)
		}
	}
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no colours on a terminal:\n%q", out)
	}
	if rest := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(out, ""); strings.ContainsAny(rest, "\x1b\x07") {
		t.Errorf("an escape sequence other than colours reached the terminal:\n%q", rest)
	}
}

// TestSandboxSecretFromStdin: --secret - reads the secret from standard input, out of argv.
func TestSandboxSecretFromStdin(t *testing.T) {
	p := startSandbox(t, false, testSecret+"\n", nil, "--secret", "-")
	p.post(sandbox.DefaultToken, testSecret, `{"msgtype":"text","text":{"content":"signed hello"}}`)
	p.post(sandbox.DefaultToken, "SECwrong0000000000", `{"msgtype":"text","text":{"content":"forged"}}`)
	p.waitFor(" robot ", 2)
	p.stop()
	out := p.out.String()
	if !strings.Contains(out, "signed hello") || !strings.Contains(out, "errcode 310000") || strings.Contains(out, "forged") {
		t.Errorf("a signed and a forged message:\n%s", out)
	}
	if !strings.Contains(p.err.String(), "signed (secret read from standard input)") || strings.Contains(p.out.String()+p.err.String(), testSecret) {
		t.Errorf("banner:\n%s", p.err)
	}
}

// TestSandboxSecretErrorsNeverEchoIt: a secret given where a variable's name belongs, a
// variable that is not set or holds no SEC… secret, or a secret on stdin that is not one: the
// error says what is wrong, never the value.
func TestSandboxSecretErrorsNeverEchoIt(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name  string
		stdin string
		env   string
		args  []string
		want  string
		never string
	}{
		{"secret as the name", "", "", []string{"--secret-env", testSecret}, "looks like the secret itself, give the variable's name", testSecret[3:12]},
		{"token as the name", "", "", []string{"--secret-env", testToken}, "looks like the secret itself", testToken[:12]},
		{"short SEC value as the name", "", "", []string{"--secret-env", "SECabc"}, "looks like the secret itself", "SECabc"},
		{"not a name", "", "", []string{"--secret-env", "my secret=x"}, "name of an environment variable", "my secret"},
		{"unset", "", "", []string{"--secret-env", "DINGBOT_TEST_UNSET"}, "--secret-env DINGBOT_TEST_UNSET: the variable is not set", ""},
		{"not SEC in the variable", "", "DINGBOT_TEST_S=hunter2hunter2", []string{"--secret-env", "DINGBOT_TEST_S"}, "DINGBOT_TEST_S: the secret in it must start with SEC", "hunter2"},
		{"empty stdin", "", "", []string{"--secret", "-"}, "standard input was empty", ""},
		{"not SEC on stdin", "hunter2hunter2\n", "", []string{"--secret", "-"}, "must start with SEC", "hunter2"},
		{"not SEC in the flag", "", "", []string{"--secret", "hunter2hunter2"}, "must start with SEC", "hunter2"},
		{"both", "", "", []string{"--secret", testSecret, "--secret-env", "X"}, "give the secret once", testSecret[3:12]},
		{"keep none", "", "", []string{"--keep", "0"}, "--keep", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binPath, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, tt.args...)...)
			cmd.Env = e.environ()
			if tt.env != "" {
				cmd.Env = append(cmd.Env, tt.env)
			}
			cmd.Stdin = strings.NewReader(tt.stdin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage {
				t.Fatalf("%v (want exit %d)\n%s%s", err, exitUsage, out.String(), errb.String())
			}
			all := out.String() + errb.String()
			if !strings.Contains(all, tt.want) {
				t.Errorf("error lacks %q:\n%s", tt.want, all)
			}
			if tt.never != "" && strings.Contains(all, tt.never) {
				t.Errorf("error shows %q:\n%s", tt.never, all)
			}
		})
	}
}
