package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// The tests run the real binary, built once, against a sandbox on loopback.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dingbot-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "dingbot")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dingbot:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	testToken  = "0f3a9c1e7b5d4f2a8e6c0b9d7f1a3e5c2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a"
	testSecret = "SEC9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b"
)

// env is an isolated home for one test: its own config, state and sandbox.
type env struct {
	t      *testing.T
	dir    string
	sb     *sandbox.Server
	srv    *httptest.Server
	config string
}

func newEnv(t *testing.T, robots ...sandbox.Robot) *env {
	t.Helper()
	if len(robots) == 0 {
		robots = []sandbox.Robot{{Token: testToken, Secret: testSecret}}
	}
	sb := sandbox.New(sandbox.Options{Robots: robots})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &env{t: t, dir: t.TempDir(), sb: sb, srv: srv}
}

// webhook is the sandbox URL for token.
func (e *env) webhook(token string) string { return e.srv.URL + "/robot/send?access_token=" + token }

// writeConfig writes a config file and returns its path.
func (e *env) writeConfig(toml string) {
	e.t.Helper()
	e.config = filepath.Join(e.dir, "config.toml")
	if err := os.WriteFile(e.config, []byte(toml), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// standardConfig has a signed robot "ops" (default), a keyword robot "alerts" and contacts.
func (e *env) standardConfig() {
	e.writeConfig(fmt.Sprintf(`default_robot = "ops"

[robots.ops]
webhook = %q
secret = %q
allow_custom_host = true

[robots.alerts]
webhook = %q
keywords = ["告警", "alert"]
allow_custom_host = true

[[contacts]]
name = "Alice"
mobile = "13800000000"

[[contacts]]
name = "Bob"
user_id = "bob01"
`, e.webhook(testToken), testSecret, e.webhook("alerttoken0001")))
}

type result struct {
	stdout, stderr string
	code           int
}

func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	return e.runEnv(nil, stdin, args...)
}

func (e *env) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DINGTALK_") || strings.HasPrefix(kv, "DINGBOT_") || strings.HasPrefix(kv, "HTTP") || strings.HasPrefix(kv, "http") {
			continue
		}
		env = append(env, kv)
	}
	cfg := e.config
	if cfg == "" {
		cfg = filepath.Join(e.dir, "absent.toml")
	}
	// Loopback is never proxied; anything else would go to a proxy that is not there, so no test
	// can leave the machine.
	return append(env, "DINGBOT_CONFIG="+cfg, "DINGBOT_STATE_DIR="+filepath.Join(e.dir, "state"),
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9")
}

func (e *env) lastMessage() map[string]any {
	e.t.Helper()
	acc := e.sb.Accepted()
	if len(acc) == 0 {
		e.t.Fatal("the sandbox accepted nothing")
	}
	return acc[len(acc)-1].Message
}

func jsonString(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(buf.String())
}

func TestSendEveryTypeReachesSandbox(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	notes := filepath.Join(e.dir, "notes.md")
	os.WriteFile(notes, []byte("# Release 1.2\n\n- **fast** <b>\n"), 0o600)

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string // JSON the sandbox must have received
	}{
		{"text from args with mention", "", []string{"send", "text", "build", "42", "passed", "--at", "13800000000"},
			`{"at":{"atMobiles":["13800000000"]},"msgtype":"text","text":{"content":"build 42 passed @13800000000"}}`},
		{"text from stdin", "from stdin\n", []string{"send", "text", "-"},
			`{"msgtype":"text","text":{"content":"from stdin"}}`},
		{"markdown from file, title from heading, mention by name", "", []string{"send", "markdown", "--file", notes, "--at-name", "alice", "--at-user", "bob01"},
			`{"at":{"atMobiles":["13800000000"],"atUserIds":["bob01"]},"markdown":{"text":"# Release 1.2\n\n- **fast** <b>\n\n@13800000000 @bob01","title":"Release 1.2"},"msgtype":"markdown"}`},
		{"markdown at all with uuid", "", []string{"send", "markdown", "--title", "T", "--text", "hi", "--at-all", "--msg-uuid", "u-1"},
			`{"at":{"isAtAll":true},"markdown":{"text":"hi","title":"T"},"msgUuid":"u-1","msgtype":"markdown"}`},
		{"link", "", []string{"send", "link", "--title", "Release", "--text", "notes", "--url", "https://example.com/r", "--pic", "https://example.com/p.png"},
			`{"link":{"messageUrl":"https://example.com/r","picUrl":"https://example.com/p.png","text":"notes","title":"Release"},"msgtype":"link"}`},
		{"action card buttons", "", []string{"send", "actioncard", "--title", "Ship?", "--text", "ship 1.2", "--button", "Approve=https://example.com/y?a=1", "--button", "Reject=https://example.com/n", "--orientation", "horizontal"},
			`{"actionCard":{"btnOrientation":"1","btns":[{"actionURL":"https://example.com/y?a=1","title":"Approve"},{"actionURL":"https://example.com/n","title":"Reject"}],"hideAvatar":"0","text":"ship 1.2","title":"Ship?"},"msgtype":"actionCard"}`},
		{"action card single", "", []string{"send", "actioncard", "--title", "Read", "--text", "more", "--single-title", "Open", "--single-url", "dingtalk://dingtalkclient/page/link?url=x", "--hide-avatar"},
			`{"actionCard":{"btnOrientation":"0","hideAvatar":"1","singleTitle":"Open","singleURL":"dingtalk://dingtalkclient/page/link?url=x","text":"more","title":"Read"},"msgtype":"actionCard"}`},
		{"feed card", "", []string{"send", "feedcard", "--link", "A|https://example.com/a|https://example.com/a.png", "--link", "B|https://example.com/b|https://example.com/b.png"},
			`{"feedCard":{"links":[{"messageURL":"https://example.com/a","picURL":"https://example.com/a.png","title":"A"},{"messageURL":"https://example.com/b","picURL":"https://example.com/b.png","title":"B"}]},"msgtype":"feedCard"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.sb.Accepted())
			r := e.run(tt.stdin, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if len(e.sb.Accepted()) != before+1 {
				t.Fatalf("sandbox accepted %d new messages, want 1", len(e.sb.Accepted())-before)
			}
			got := e.lastMessage()
			// Every send carries a msgUuid (a fresh one unless given), printed with the result.
			uuid, _ := got["msgUuid"].(string)
			if uuid == "" || !strings.Contains(r.stdout, "msgUuid "+uuid) {
				t.Fatalf("msgUuid %q not sent or not printed: %s", uuid, r.stdout)
			}
			if !strings.Contains(tt.want, `"msgUuid"`) {
				delete(got, "msgUuid")
			}
			if got := jsonString(got); got != tt.want {
				t.Fatalf("sandbox received\n %s\nwant\n %s", got, tt.want)
			}
			if !strings.Contains(r.stdout, "sent ") {
				t.Errorf("stdout = %q, want a sent line", r.stdout)
			}
		})
	}
}

func TestSendExitCodesAndHints(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: testToken, Secret: testSecret}, sandbox.Robot{Token: "alerttoken0001", Keywords: []string{"告警", "alert"}})
	e.standardConfig()
	closed := closedPort(t)

	tests := []struct {
		name       string
		args       []string
		code       int
		stderr     []string
		beforeFunc func()
	}{
		{"wrong secret is DingTalk 310000", []string{"send", "text", "x", "--secret", "SECwrongwrongwrongwrongwrong"}, 1,
			[]string{"errcode 310000", "hint:", "secret"}, nil},
		{"unknown token is 300001", []string{"send", "text", "x", "--webhook", e.webhook("nosuchtoken123")}, 1,
			[]string{"errcode 300001", "access_token="}, nil},
		{"keyword missing refused before sending", []string{"send", "text", "hello", "--robot", "alerts"}, 2,
			[]string{`"告警", "alert"`, "--append-keyword"}, nil},
		{"append keyword", []string{"send", "text", "hello", "--robot", "alerts", "--append-keyword"}, 0, nil, nil},
		{"invalid message", []string{"send", "link", "--title", "T", "--text", "x", "--url", "ftp://x"}, 2,
			[]string{"link.messageUrl", "must start with http://"}, nil},
		{"bad mobile", []string{"send", "text", "x", "--at", "12-34"}, 2, []string{"is not a mobile number"}, nil},
		{"unknown contact", []string{"send", "text", "x", "--at-name", "Zed"}, 2, []string{`no contact named "Zed"`, "Alice"}, nil},
		{"unknown robot", []string{"send", "text", "x", "--robot", "nope"}, 2, []string{"nope", "ops"}, nil},
		{"mention on link", []string{"send", "link", "--title", "T", "--text", "x", "--url", "https://e", "--at", "13800000000"}, 2, []string{"cannot mention"}, nil},
		{"too large", []string{"send", "text", strings.Repeat("x", 20001)}, 2, []string{"over DingTalk's limit of 20000"}, nil},
		{"bad button", []string{"send", "actioncard", "--title", "T", "--text", "x", "--button", "NoURL"}, 2, []string{`"Title=URL"`}, nil},
		{"connection refused", []string{"send", "text", "x", "--webhook", "http://" + closed + "/robot/send?access_token=" + testToken}, 3,
			[]string{"could not connect", "nothing was posted"}, nil},
		{"html 500", []string{"send", "text", "x"}, 3, []string{"HTTP 500", "HTML page"}, func() { e.sb.SetFault(sandbox.FaultHTML500) }},
		{"invalid json", []string{"send", "text", "x"}, 3, []string{"not DingTalk's JSON answer"}, func() { e.sb.SetFault(sandbox.FaultInvalidJSON) }},
		{"dropped connection", []string{"send", "text", "x"}, 3, []string{"send to"}, func() { e.sb.SetFault(sandbox.FaultDropConnection) }},
		{"timeout", []string{"send", "text", "x", "--timeout", "300ms"}, 3, []string{"timeout", "may have been posted"}, func() { e.sb.SetDelay(2 * time.Second) }},
		{"custom host needs permission", []string{"send", "text", "x", "--config", writeFile(t, "[robots.x]\nwebhook = \"http://127.0.0.1:1/robot/send?access_token=abc\"\n")}, 2,
			[]string{"allow_custom_host"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sb.SetFault(sandbox.NoFault)
			e.sb.SetDelay(0)
			if tt.beforeFunc != nil {
				tt.beforeFunc()
			}
			r := e.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
	e.sb.SetFault(sandbox.NoFault)
	e.sb.SetDelay(0)
}

func TestSendJSONOutput(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "send", "markdown", "--title", "T", "--text", "a\nb", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"ok", "errcode", "errmsg", "hint", "robot", "msgtype", "bytes"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing %q in %s", k, r.stdout)
		}
	}
	if got["ok"] != true || got["errcode"] != float64(0) || got["robot"] != "ops" || got["msgtype"] != "markdown" || got["bytes"].(float64) < 50 {
		t.Errorf("unexpected result %s", r.stdout)
	}
	if ws, _ := got["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "single line break") {
		t.Errorf("want the soft-break warning, got %v", got["warnings"])
	}

	r = e.run("", "send", "text", "x", "--secret", "SECwrongwrongwrongwrong", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"errcode":310000`) || !strings.Contains(r.stdout, `"ok":false`) || r.stderr != "" {
		t.Fatalf("refused send: exit %d stdout %s stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestDryRunShowsExactBodyAndSendsNothing(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "send", "markdown", "--title", "T", "--text", "<font color=#f00>red</font> & more", "--at", "13800000000", "--dry-run", "--msg-uuid", "u-7")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if len(e.sb.Arrivals()) != 0 {
		t.Fatal("dry run reached the sandbox")
	}
	wantBody := `{"msgtype":"markdown","markdown":{"title":"T","text":"<font color=#f00>red</font> & more\n\n@13800000000"},"at":{"atMobiles":["13800000000"]},"msgUuid":"u-7"}`
	if !strings.Contains(r.stdout, wantBody) {
		t.Fatalf("dry run body:\n%s\nwant\n%s", r.stdout, wantBody)
	}
	if !strings.Contains(r.stdout, "access_token=REDACTED") || !strings.Contains(r.stdout, "sign=REDACTED") || !strings.Contains(r.stdout, "timestamp=") {
		t.Fatalf("dry run URL not redacted as expected:\n%s", r.stdout)
	}
}

// TestNoRobotIsNeverASuccess: with no robot configured (no config, or $DINGBOT_CONFIG naming
// a file that does not exist) send fails with exit 2 and says how to add a robot or use
// --sandbox, even with CI=true; --sandbox sends to the built-in sandbox on purpose.
func TestNoRobotIsNeverASuccess(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"send", "text", "deploy done"},
		{"send", "text", "deploy done", "--json"},
		{"send", "markdown", "--text", "# done", "--dry-run"},
	} {
		cmd := exec.Command(binPath, args...)
		cmd.Env = append(e.environ(), "CI=true")
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		out := so.String() + se.String()
		if code != 2 || strings.Contains(so.String(), "sent ") || !strings.Contains(out, "dingbot config init") || !strings.Contains(out, "--sandbox") || !strings.Contains(out, "absent.toml, which does not exist") {
			t.Fatalf("%v with no robot: exit %d\nstdout %s\nstderr %s", args, code, so.String(), se.String())
		}
		if len(e.sb.Arrivals()) != 0 {
			t.Fatal("something was sent")
		}
	}
	r := e.run("", "send", "markdown", "--text", "# Hello\n\nworld", "--sandbox")
	if r.code != 0 {
		t.Fatalf("--sandbox: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "built-in sandbox") || !strings.Contains(r.stdout, "robot sandbox") {
		t.Fatalf("no sandbox notice:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
	if r := e.run("", "send", "text", "x", "--sandbox", "--robot", "ops"); r.code != 2 || !strings.Contains(r.stderr, "leave out --robot") {
		t.Fatalf("--sandbox with --robot: exit %d: %s", r.code, r.stderr)
	}
}

func TestEnvCompatibilityWithMcpDingdingBot(t *testing.T) {
	e := newEnv(t)
	// The env robot points at oapi.dingtalk.com, which tests must never reach: use --dry-run.
	cmd := exec.Command(binPath, "send", "text", "via env", "--dry-run")
	cmd.Env = append(e.environ(), "DINGTALK_BOT_ACCESS_TOKEN=https://oapi.dingtalk.com/robot/send?access_token="+testToken, "DINGTALK_BOT_SECRET="+testSecret)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, se.String())
	}
	if !strings.Contains(so.String(), "https://oapi.dingtalk.com/robot/send?access_token=REDACTED&sign=REDACTED&timestamp=") || !strings.Contains(se.String(), "robot default") {
		t.Fatalf("env robot not used:\n%s\n%s", so.String(), se.String())
	}
}

// TestSecretsNeverLeak runs every failure path with a known token and secret and proves that
// neither, nor any signature, appears in anything dingbot prints.
func TestSecretsNeverLeak(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: testToken, Secret: testSecret})
	e.standardConfig()
	closed := closedPort(t)
	signPattern := regexp.MustCompile(`sign=[^R&\s"]`)
	runs := []struct {
		args   []string
		before func()
	}{
		{[]string{"send", "text", "ok"}, nil},
		{[]string{"send", "text", "ok", "--json"}, nil},
		{[]string{"send", "text", "ok", "--dry-run"}, nil},
		{[]string{"send", "text", "ok", "--dry-run", "--json"}, nil},
		{[]string{"send", "text", "x", "--secret", testSecret + "x"}, nil},
		{[]string{"send", "text", "x", "--webhook", e.webhook(testToken) + "x", "--secret", testSecret}, nil},
		{[]string{"send", "text", "x", "--webhook", testToken, "--secret", testSecret, "--dry-run", "-v"}, nil},
		{[]string{"send", "text", "x", "--webhook", "http://" + closed + "/robot/send?access_token=" + testToken, "--secret", testSecret}, nil},
		{[]string{"send", "text", "x", "--webhook", "http://" + closed + "/robot/send?access_token=" + testToken, "--secret", testSecret, "--json"}, nil},
		{[]string{"send", "text", "x"}, func() { e.sb.SetFault(sandbox.FaultHTML500) }},
		{[]string{"send", "text", "x"}, func() { e.sb.SetFault(sandbox.FaultInvalidJSON) }},
		{[]string{"send", "text", "x"}, func() { e.sb.SetFault(sandbox.FaultDropConnection) }},
		{[]string{"send", "text", "x", "--timeout", "200ms", "--msg-uuid", "u1"}, func() { e.sb.SetDelay(time.Second) }},
		{[]string{"send", "text", "x", "--at", "bad"}, nil},
		{[]string{"send", "text", "x", "--webhook", "http://127.0.0.1:9/?access_token=" + testToken + "&x=\"", "--secret", "notSEC" + testSecret}, nil},
		{[]string{"robots"}, nil},
		{[]string{"config", "path"}, nil},
	}
	for i, run := range runs {
		e.sb.SetFault(sandbox.NoFault)
		e.sb.SetDelay(0)
		if run.before != nil {
			run.before()
		}
		r := e.run("", run.args...)
		all := r.stdout + r.stderr
		for _, secret := range []string{testToken, testSecret, testSecret[3:]} {
			if strings.Contains(all, secret) {
				t.Errorf("run %d %v leaked a secret:\n%s", i, run.args, all)
			}
		}
		if signPattern.MatchString(all) {
			t.Errorf("run %d %v leaked a signature:\n%s", i, run.args, all)
		}
	}
	e.sb.SetFault(sandbox.NoFault)
	e.sb.SetDelay(0)
	// The state directory must not hold the token either (rate-limit files are keyed by hash).
	filepath.Walk(filepath.Join(e.dir, "state"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		if strings.Contains(path, testToken) || bytes.Contains(b, []byte(testToken)) || bytes.Contains(b, []byte(testSecret)) {
			t.Errorf("state file %s holds a secret", path)
		}
		return nil
	})
}

// TestRateLimitAcrossProcesses starts 25 `dingbot send --no-wait` processes at once against one
// robot: exactly 20 reach the sandbox and the other 5 exit 4 with the seconds to wait.
func TestRateLimitAcrossProcesses(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	const n = 25
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.run("", "send", "text", fmt.Sprintf("message %d", i), "--no-wait", "--json")
		}()
	}
	wg.Wait()
	sent, limited := 0, 0
	for _, r := range results {
		switch r.code {
		case 0:
			sent++
		case 4:
			limited++
			if !strings.Contains(r.stdout, `"retry_after_seconds":`) || !strings.Contains(r.stdout, `"error":"rate_limited"`) {
				t.Errorf("rate-limited output lacks retry_after_seconds: %s", r.stdout)
			}
		default:
			t.Errorf("unexpected exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
	}
	if sent != 20 || limited != 5 {
		t.Fatalf("sent %d, rate limited %d; want 20 and 5", sent, limited)
	}
	if got := len(e.sb.Accepted()); got != 20 {
		t.Fatalf("sandbox accepted %d messages, want 20", got)
	}
	for _, a := range e.sb.Arrivals() {
		if !a.Accepted {
			t.Fatalf("the sandbox rejected a message (errcode %d): the local limit let too many through", a.Errcode)
		}
	}
}

func TestConfigInitPathAndRobots(t *testing.T) {
	e := newEnv(t)
	e.config = filepath.Join(e.dir, "sub", "config.toml")
	r := e.run("", "config", "path")
	if strings.TrimSpace(r.stdout) != e.config {
		t.Fatalf("config path = %q, want %q", r.stdout, e.config)
	}
	if r = e.run("", "config", "init"); r.code != 0 {
		t.Fatalf("config init: %d %s", r.code, r.stderr)
	}
	info, err := os.Stat(e.config)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("config mode = %v, %v; want 0600", info.Mode(), err)
	}
	if r = e.run("", "config", "init"); r.code != 2 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("second init should refuse without --force: %d %s", r.code, r.stderr)
	}
	if r = e.run("", "config", "init", "--force"); r.code != 0 {
		t.Fatalf("init --force: %d %s", r.code, r.stderr)
	}

	e.standardConfig()
	r = e.run("", "robots")
	if r.code != 0 {
		t.Fatalf("robots: %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, config.RedactSecret(testSecret)) || strings.Contains(r.stdout, testSecret[len(testSecret)-4:]) || !strings.Contains(r.stdout, "告警, alert") || !strings.Contains(r.stdout, "20") {
		t.Fatalf("robots output:\n%s", r.stdout)
	}
	r = e.run("", "contacts")
	if !strings.Contains(r.stdout, "Alice") || !strings.Contains(r.stdout, "bob01") {
		t.Fatalf("contacts output:\n%s", r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"send", "bogus"},
		{"send", "text", "x", "--robot", "a", "--webhook", "b"},
		{"send", "feedcard"},
		{"send", "text", "a", "--file", "x.md"},
		{"--dry-run"},
		{"sandbox", "--addr", "0.0.0.0:0"},
	} {
		if r := e.run("", args...); r.code != 2 && !(args[1] == "bogus" && r.code != 0) {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	r := e.run("", "send", "text", "x", "--config", writeFile(t, "[robots.a]\nwebhok = \"x\"\n"))
	if r.code != 2 || !strings.Contains(r.stderr, ":2:") || !strings.Contains(r.stderr, "webhok") {
		t.Fatalf("strict config error: %d %s", r.code, r.stderr)
	}
}

func TestComposerNeedsTerminal(t *testing.T) {
	e := newEnv(t)
	r := e.run("")
	if r.code != 2 || !strings.Contains(r.stderr, "dingbot send") {
		t.Fatalf("composer without a terminal: %d %s", r.code, r.stderr)
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDingTalkThrottleExplained: when DingTalk itself throttles the robot (another tool used up
// its 20 a minute), the refusal is exit 4, as the refusals of the pause that follows, with
// errcode 410100, the hint and the ten minutes to wait.
func TestDingTalkThrottleExplained(t *testing.T) {
	e := &env{t: t, dir: t.TempDir()}
	e.sb = sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: testToken, Secret: testSecret}}, Limit: 2})
	e.srv = httptest.NewServer(e.sb)
	t.Cleanup(e.srv.Close)
	e.standardConfig()
	for i := range 2 {
		if r := e.run("", "send", "text", "x"); r.code != 0 {
			t.Fatalf("send %d: exit %d %s", i, r.code, r.stderr)
		}
	}
	r := e.run("", "send", "text", "x")
	if r.code != 4 || !strings.Contains(r.stderr, "errcode 410100") || !strings.Contains(r.stderr, "10 minutes") {
		t.Fatalf("throttled send: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSandboxNeverPassesForARealSend: with --json too, a send to the built-in sandbox says so
// on stderr and in the object, and a --config that does not exist is an error, not the sandbox.
func TestSandboxNeverPassesForARealSend(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "send", "text", "build ok", "--json", "--sandbox")
	if r.code != 0 || !strings.Contains(r.stderr, "built-in sandbox") || !strings.Contains(r.stdout, `"sandbox":true`) {
		t.Fatalf("--sandbox --json: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	r = e.run("", "send", "text", "build ok", "--config", filepath.Join(e.dir, "typo.toml"))
	if r.code != 2 || !strings.Contains(r.stderr, "typo.toml") || !strings.Contains(r.stderr, "no such file") {
		t.Fatalf("missing --config: exit %d\n%s", r.code, r.stderr)
	}
}

// TestJSONWhateverHappened: --json prints one object even for flags dingbot cannot parse, a
// missing message type and a broken config.
func TestJSONWhateverHappened(t *testing.T) {
	e := newEnv(t)
	bad := writeFile(t, "x = 1\n")
	for _, tt := range []struct {
		args []string
		kind string
	}{
		{[]string{"send", "text", "hi", "--json", "--bogus"}, "usage"},
		{[]string{"send", "--json"}, "usage"},
		{[]string{"send", "text", "hi", "--json", "--config", bad}, "config_error"},
		{[]string{"send", "text", "hi", "--json", "--timeout", "0s"}, "usage"},
		{[]string{"send", "text", "hi", "--json", "--secret", "nosec"}, "usage"},
	} {
		r := e.run("", tt.args...)
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 2 {
			t.Errorf("%v: exit %d, stdout %q is not one JSON object", tt.args, r.code, r.stdout)
			continue
		}
		if got["ok"] != false || got["error"] != tt.kind {
			t.Errorf("%v: %s, want error %q", tt.args, r.stdout, tt.kind)
		}
	}
}
