package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// randomHex is n random lowercase hex digits, starting with a letter (so that it also passes
// for an environment variable name).
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "a" + hex.EncodeToString(b)[1:]
}

// leakedPart returns a part of 8 or more characters of one of secrets found in s, or "".
func leakedPart(s string, secrets ...string) string {
	for _, sec := range secrets {
		for i := 0; i+8 <= len(sec); i++ {
			if part := sec[i : i+8]; strings.Contains(s, part) {
				return part
			}
		}
	}
	return ""
}

// TestBinaryNeverEchoesMisplacedSecrets: the user pasted the robot's SEC… secret into
// secret_env, and a token into another robot's secret_env, or the secret into a mistyped key,
// or passed it as --robot. Nothing an agent or the log sees — instructions, tools/list, any
// result, the --log-file, stderr — holds the secret or the token, whole or any 8-character part.
func TestBinaryNeverEchoesMisplacedSecrets(t *testing.T) {
	secret := "SEC" + randomHex(t, 64)
	token := randomHex(t, 64)
	b := newBinEnv(t, sandbox.Options{})
	robots := fmt.Sprintf(`default_robot = "ops"

[robots.ops]
webhook = %q
allow_custom_host = true
`, sandbox.WebhookURL(b.url, opsToken))
	cases := []struct {
		name    string
		config  string
		args    []string
		explain string // list_robots still says what is wrong
	}{
		{"secret and token in secret_env", robots + fmt.Sprintf(`
[robots.pasted]
webhook = %q
allow_custom_host = true
secret_env = %q

[robots.tokenenv]
webhook = %q
allow_custom_host = true
secret_env = %q
`, sandbox.WebhookURL(b.url, alertToken), secret, sandbox.WebhookURL(b.url, opsToken), token), nil, "secret_env"},
		{"secret in a mistyped key", robots + fmt.Sprintf(`
[robots.pasted]
webhook = %q
allow_custom_host = true
secert = %q
`, sandbox.WebhookURL(b.url, alertToken), secret), nil, "secert"},
		{"token as an unknown top-level key", fmt.Sprintf("%s = \"x\"\nacces_token = %q\n", token, token) + robots, nil, "acces_token"},
		{"secret as --robot", robots, []string{"--robot", secret}, "unknown robot"},
		{"token as --robot", robots, []string{"--robot", token}, "unknown robot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.config(t, tc.config)
			logFile := filepath.Join(t.TempDir(), "mcp.log")
			c, stderr := b.stdioClient(t, append([]string{"--log-file", logFile}, tc.args...)...)
			var seen []string
			record := func(what string, v any) {
				raw, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if part := leakedPart(string(raw), secret, token); part != "" {
					t.Errorf("%s leaks %q: %s", what, part, raw)
				}
				seen = append(seen, string(raw))
			}
			init, err := c.Initialize(context.Background(), mcpgo.InitializeRequest{Params: mcpgo.InitializeParams{
				ProtocolVersion: mcpgo.LATEST_PROTOCOL_VERSION,
				ClientInfo:      mcpgo.Implementation{Name: "dingbot-test", Version: "1"},
			}})
			if err != nil {
				t.Fatal(err)
			}
			record("initialize (instructions)", init)
			tools, err := c.ListTools(context.Background(), mcpgo.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			record("tools/list", tools)
			call := func(tool string, args map[string]any) {
				res, err := c.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: tool, Arguments: args}})
				if err != nil {
					t.Fatalf("%s: %v", tool, err)
				}
				record(fmt.Sprintf("%s %v", tool, args), res)
			}
			call(toolListRobots, nil)
			if !strings.Contains(seen[len(seen)-1], tc.explain) {
				t.Errorf("list_robots does not explain the problem (%q): %s", tc.explain, seen[len(seen)-1])
			}
			call(toolListContacts, nil)
			for _, robot := range []any{nil, "pasted", "tokenenv", "ops"} {
				with := func(args map[string]any) map[string]any {
					if robot != nil {
						args["robot"] = robot
					}
					return args
				}
				call(toolSendText, with(map[string]any{"text": "hi"}))
				call(toolSendMarkdown, with(map[string]any{"title": "t", "text": "hi"}))
				call(toolSendLink, with(map[string]any{"title": "t", "text": "x", "messageUrl": "https://example.com"}))
				call(toolSendAction, with(map[string]any{"title": "t", "text": "x", "singleTitle": "Go", "singleURL": "https://example.com"}))
				call(toolSendFeed, with(map[string]any{"links": []any{map[string]any{"title": "a", "messageURL": "https://a.example", "picURL": "https://a.example/p.png"}}}))
				call(toolPreview, with(map[string]any{"msgtype": "text", "text": "hi"}))
			}
			_ = c.Close()
			logs, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			if part := leakedPart(string(logs), secret, token); part != "" {
				t.Errorf("--log-file leaks %q:\n%s", part, logs)
			}
			if part := leakedPart(stderr.String(), secret, token); part != "" {
				t.Errorf("stderr leaks %q:\n%s", part, stderr)
			}
		})
	}
}

// TestEchoedConfigIsMasked: whatever the caller of the mcp package puts in ConfigError or
// Unavailable, a value that looks like a secret or token is masked before an agent sees it.
func TestEchoedConfigIsMasked(t *testing.T) {
	secret := "SEC" + randomHex(t, 64)
	token := randomHex(t, 64)
	check := func(t *testing.T, e *env, calls map[string]map[string]any) {
		t.Helper()
		for tool, args := range calls {
			g := e.call(tool, args)
			raw, _ := json.Marshal(g.raw)
			if part := leakedPart(string(raw), secret, token); part != "" {
				t.Errorf("%s leaks %q: %s", tool, part, raw)
			}
			if !strings.Contains(string(raw), "REDACTED") {
				t.Errorf("%s does not show where a value was masked: %s", tool, raw)
			}
		}
		if part := leakedPart(e.logs.String(), secret, token); part != "" {
			t.Errorf("the log leaks %q:\n%s", part, e.logs)
		}
	}
	t.Run("config error", func(t *testing.T) {
		e := newEnv(t, envConfig{tweak: func(o *Options) {
			o.ConfigError = fmt.Errorf("unknown robot %q; secret_env: environment variable %s is not set", secret, token)
		}})
		check(t, e, map[string]map[string]any{
			toolListRobots:   nil,
			toolListContacts: nil,
			toolSendText:     {"text": "x"},
			toolPreview:      {"msgtype": "text", "text": "x"},
		})
	})
	t.Run("unavailable robot", func(t *testing.T) {
		e := newEnv(t, envConfig{tweak: func(o *Options) {
			o.Unavailable = map[string]error{"pasted": fmt.Errorf("robot pasted: secret_env: environment variable %s is not set; not %s", token, secret)}
		}})
		check(t, e, map[string]map[string]any{
			toolListRobots: nil,
			toolSendText:   {"text": "x", "robot": "pasted"},
			toolPreview:    {"msgtype": "text", "text": "x", "robot": "pasted"},
		})
	})
}
