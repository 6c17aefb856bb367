package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// The tests in this file reproduce what issue 7 ("every promise holds") found in the CLI, each
// through the real binary.

func TestUnknownCommandsSuggestTheNearest(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sandbx"}, `unknown command "sandbx" for "dingbot" (did you mean "sandbox"?)`},
		{[]string{"sned", "text", "hi"}, `unknown command "sned" for "dingbot" (did you mean "send"?)`},
		{[]string{"config", "pth"}, `unknown command "pth" for "dingbot config" (did you mean "path"?)`},
		{[]string{"send", "txt", "hi"}, `unknown message type "txt" (did you mean "text"?)`},
	} {
		r := e.run("", tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("dingbot %v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

func TestInputIsCappedAndChecked(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	big := filepath.Join(e.dir, "big.md")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 600 MB file: refused from its size, before any of it is read.
	if err := f.Truncate(600 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bad := filepath.Join(e.dir, "latin1.md")
	os.WriteFile(bad, []byte("caf\xe9 ok"), 0o600)

	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"600 MB file", "", []string{"send", "markdown", "--file", big}, "is 600 MiB; dingbot reads at most 1 MiB"},
		{"endless device", "", []string{"send", "text", "--file", "/dev/zero"}, "--file /dev/zero holds more than 1 MiB"},
		{"large stdin", strings.Repeat("x", 1<<20+10), []string{"send", "text", "-"}, "standard input holds more than 1 MiB"},
		{"invalid UTF-8", "", []string{"send", "markdown", "--title", "T", "--file", bad}, "markdown.text: is not valid UTF-8: byte 3 (0xe9)"},
		{"short mobile", "", []string{"send", "text", "hi", "--at", "123"}, `"123" is not a mobile number: a mainland China mobile is 11 digits`},
		{"empty keyword", "", []string{"send", "text", "hi", "--webhook", e.webhook(testToken), "--keyword", ""}, "--keyword: a keyword is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := e.run(tt.stdin, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tt.want)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("%d requests reached the sandbox", n)
	}
}

// TestSecretsOutOfArgv: --secret-env and --secret - keep the secret out of ps and shell
// history, and a secret given where a name belongs is never printed back.
func TestSecretsOutOfArgv(t *testing.T) {
	e := newEnv(t)
	r := e.runEnv([]string{"MY_ROBOT_SECRET=" + testSecret}, "", "send", "text", "via env", "--webhook", e.webhook(testToken), "--secret-env", "MY_ROBOT_SECRET")
	if r.code != 0 {
		t.Fatalf("--secret-env: exit %d: %s", r.code, r.stderr)
	}
	r = e.run(testSecret+"\n", "send", "text", "via stdin", "--webhook", e.webhook(testToken), "--secret", "-")
	if r.code != 0 {
		t.Fatalf("--secret -: exit %d: %s", r.code, r.stderr)
	}
	if n := len(e.sb.Accepted()); n != 2 {
		t.Fatalf("sandbox accepted %d signed messages, want 2", n)
	}
	for _, args := range [][]string{
		{"send", "text", "x", "--webhook", e.webhook(testToken), "--secret-env", testSecret},
		{"send", "text", "x", "--webhook", e.webhook(testToken), "--secret-env", "UNSET_VAR_FOR_DINGBOT", "--json"},
		{"send", "text", "-", "--webhook", e.webhook(testToken), "--secret", "-"},
	} {
		r := e.run("", args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
		if strings.Contains(r.stdout+r.stderr, testSecret[3:15]) {
			t.Errorf("%v printed the secret:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

// TestSecretInWrongConfigKeyNeverEchoed: the secret pasted into secret_env, or a token there,
// is never printed by send, robots or a dry run.
func TestSecretInWrongConfigKeyNeverEchoed(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(fmt.Sprintf(`default_robot = "ops"
[robots.ops]
webhook = %q
secret_env = %q
[robots.alerts]
webhook = %q
allow_custom_host = true
secret_env = %q
[robots.spare]
webhook = %q
allow_custom_host = true
`, e.webhook(testToken), testSecret, e.webhook(testToken), testToken, e.webhook("sparetoken00001")))
	for _, args := range [][]string{
		{"send", "text", "hi"},
		{"send", "text", "hi", "--robot", "alerts", "--json"},
		{"send", "text", "hi", "--robot", "spare", "--dry-run"},
		{"robots"},
	} {
		r := e.run("", args...)
		out := r.stdout + r.stderr
		for _, part := range []string{testSecret[3:15], testSecret[50:], testToken[:12], testToken[40:52]} {
			if strings.Contains(out, part) {
				t.Errorf("%v printed part of a credential (%q):\n%s", args, part, out)
			}
		}
		if args[0] == "robots" && !strings.Contains(out, "secret_env must name an environment variable") {
			t.Errorf("robots does not explain the mistake:\n%s", out)
		}
	}
}

func TestBrokenConfigPartsDisableOnlyThemselves(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: testToken})
	e.writeConfig(fmt.Sprintf(`default_robot = "opz"
[robots.ops]
webhook = %q
allow_custom_host = true
[robots.alerts]
webhook = %q
allow_custom_host = true
[robots."evil\u001b]0;pwned\u0007"]
webhook = %q
allow_custom_host = true
[[contacts]]
name = "Nobody"
[[contacts]]
name = "Alice"
mobile = "13800000000"
`, e.webhook(testToken), e.webhook(testToken), e.webhook(testToken)))
	r := e.run("", "send", "text", "hi", "--robot", "ops", "--at-name", "Alice")
	if r.code != 0 {
		t.Fatalf("an explicit robot must work despite a mistyped default_robot: exit %d: %s", r.code, r.stderr)
	}
	r = e.run("", "send", "text", "hi")
	for _, want := range []string{`default_robot "opz" is not a configured robot (did you mean "ops"?)`, "configured: alerts, ops", "--robot NAME"} {
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("send without --robot: exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
		}
	}
	r = e.run("", "send", "text", "hi", "--robot", "alert")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown robot "alert" (did you mean "alerts"?)`) {
		t.Errorf("mistyped --robot: exit %d:\n%s", r.code, r.stderr)
	}
	r = e.run("", "robots")
	if strings.ContainsRune(r.stdout+r.stderr, 0x1b) || strings.ContainsRune(r.stdout+r.stderr, 0x07) {
		t.Errorf("robots printed a raw control character:\n%q", r.stdout+r.stderr)
	}
	if !strings.Contains(r.stderr, `contact #1`) && !strings.Contains(r.stderr, `contact "Nobody"`) {
		t.Errorf("robots does not warn about the broken contact:\n%s", r.stderr)
	}
}

// TestStateDirectoryFailures: a state directory that cannot be used is its own failure (exit
// 5, error state_error) naming the directory and the fix, and a damaged rate-limit state fails
// closed.
func TestStateDirectoryFailures(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	blocker := filepath.Join(e.dir, "not-a-dir")
	os.WriteFile(blocker, nil, 0o600)
	r := e.runEnv([]string{"DINGBOT_STATE_DIR=" + blocker}, "", "send", "text", "hi", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout %q: %v", r.stdout, err)
	}
	if r.code != 5 || res.Error != "state_error" || !strings.Contains(res.Errmsg, blocker) || !strings.Contains(res.Hint, "DINGBOT_STATE_DIR") {
		t.Fatalf("unusable state dir: exit %d, %+v", r.code, res)
	}

	// Damage every rate-limit state file: the next send is refused, later ones wait.
	if r := e.run("", "send", "text", "first"); r.code != 0 {
		t.Fatalf("first send: %d %s", r.code, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "state", "ratelimit", "*.json"))
	if len(files) == 0 {
		t.Fatal("no rate-limit state written")
	}
	for _, f := range files {
		os.WriteFile(f, []byte("{garbage"), 0o600)
	}
	r = e.run("", "send", "text", "second", "--no-wait")
	if r.code != 5 || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, "sends again in") {
		t.Fatalf("damaged state: exit %d: %s", r.code, r.stderr)
	}
	r = e.run("", "send", "text", "third", "--no-wait")
	if r.code != 4 {
		t.Fatalf("after the repair the window is full: exit %d, want 4: %s", r.code, r.stderr)
	}
	if n := len(e.sb.Accepted()); n != 1 {
		t.Fatalf("sandbox accepted %d, want only the first", n)
	}
}

// TestTimeoutHintNamesTheMsgUUID: the hint after a maybe-delivered failure names the msgUuid
// the request carried, and --json returns it.
func TestTimeoutHintNamesTheMsgUUID(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: testToken}}, Delay: 3 * time.Second})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	e := newEnv(t)
	r := e.run("", "send", "text", "slow", "--webhook", srv.URL+"/robot/send?access_token="+testToken, "--timeout", "400ms", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout %q: %v", r.stdout, err)
	}
	if r.code != 3 || res.MsgUUID == "" || !strings.Contains(res.Hint, "--msg-uuid "+res.MsgUUID) {
		t.Fatalf("timeout: exit %d, %+v", r.code, res)
	}
}

// TestCtrlCExits130: an interrupted send exits as shells expect.
func TestCtrlCExits130(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: testToken}}, Delay: 20 * time.Second})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	e := newEnv(t)
	cmd := exec.Command(binPath, "send", "text", "slow", "--webhook", srv.URL+"/robot/send?access_token="+testToken, "--timeout", "30s")
	cmd.Env = e.environ()
	var se bytes.Buffer
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The request is on its way long before this: the sandbox holds it for 20 s.
	time.Sleep(800 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("after ctrl+c: %v, want exit 130\n%s", err, se.String())
	}
}

// runEnv is run with extra environment variables; it gives up after a minute.
func (e *env) runEnv(extra []string, stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(e.environ(), extra...)
	cmd.Dir = e.dir
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run dingbot: %v", err)
	}
	return result{out.String(), errb.String(), code}
}
