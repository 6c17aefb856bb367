package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

const (
	token  = "0123456789abcdef0123456789abcdef"
	secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef"
	hook   = "https://oapi.dingtalk.com/robot/send?access_token=" + token
)

// cleanEnv clears the variables Load reads, so the tests do not see the developer's.
func cleanEnv(t *testing.T) {
	t.Helper()
	t.Setenv(EnvToken, "")
	t.Setenv(EnvSecret, "")
}

// writeConfig writes doc to a private config file and returns its path.
func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	cleanEnv(t)
	t.Setenv("OPS_SECRET", secret)
	path := writeConfig(t, `
default_robot = "ops"

[robots.ops]
webhook = "`+hook+`"
secret_env = "OPS_SECRET"
keywords = ["deploy"]

[robots.alerts]
webhook = "  `+token+`  "
secret = "`+secret+`"

[robots.local]
webhook = "http://127.0.0.1:8765/robot/send?access_token=sandbox"
allow_custom_host = true

[[contacts]]
name = " Alice "
mobile = "13800000000"
user_id = "alice01"

[[contacts]]
name = "Bob"
mobile = "+852-12345678"

[[contacts]]
name = "Carol"
user_id = "carol"
`)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.DefaultRobot != "ops" || c.Empty() {
		t.Fatalf("Load = %+v", c)
	}
	want := []dingtalk.Robot{
		{Name: "alerts", Webhook: token, Secret: secret},
		{Name: "local", Webhook: "http://127.0.0.1:8765/robot/send?access_token=sandbox", AllowCustomHost: true},
		{Name: "ops", Webhook: hook, Secret: secret, Keywords: []string{"deploy"}},
	}
	if len(c.Robots) != len(want) {
		t.Fatalf("robots %+v", c.Robots)
	}
	for i, r := range c.Robots {
		w := want[i]
		if r.Name != w.Name || r.Webhook != w.Webhook || r.Secret != w.Secret || r.AllowCustomHost != w.AllowCustomHost || strings.Join(r.Keywords, ",") != strings.Join(w.Keywords, ",") {
			t.Errorf("robot %d = %+v, want %+v", i, r, w)
		}
	}
	wantContacts := dingtalk.Contacts{
		{Name: "Alice", Mobile: "13800000000", UserID: "alice01"},
		{Name: "Bob", Mobile: "+852-12345678"},
		{Name: "Carol", UserID: "carol"},
	}
	if len(c.Contacts) != 3 || c.Contacts[0] != wantContacts[0] || c.Contacts[1] != wantContacts[1] || c.Contacts[2] != wantContacts[2] {
		t.Errorf("contacts %+v", c.Contacts)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q", c.Warnings)
	}
}

func TestLoadMissingFile(t *testing.T) {
	cleanEnv(t)
	for _, path := range []string{"", filepath.Join(t.TempDir(), "nope", "config.toml")} {
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%q): %v", path, err)
		}
		if !c.Empty() || c.Path != "" || c.DefaultRobot != "" {
			t.Errorf("Load(%q) = %+v, want empty", path, c)
		}
		if _, err := c.Robot(""); !errors.Is(err, ErrNoRobots) {
			t.Errorf("Robot on empty config: %v, want ErrNoRobots", err)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	cleanEnv(t)
	_, err := Load(t.TempDir()) // a directory
	if err == nil || !strings.HasPrefix(err.Error(), "read config: ") {
		t.Fatalf("Load(dir) = %v", err)
	}
}

func TestLoadParseErrorNamesPath(t *testing.T) {
	cleanEnv(t)
	path := writeConfig(t, "[robots.ops]\nwebhok = \"x\"\n")
	_, err := Load(path)
	if err != nil {
		t.Fatalf("an unknown key inside a robot must disable only that robot: %v", err)
	}
	path = writeConfig(t, "defualt_robot = \"ops\"\n[robots.ops]\nwebhook = \"x\"\n")
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), path+`:1: unknown key "defualt_robot" (did you mean "default_robot"?)`) {
		t.Fatalf("Load = %v", err)
	}
}

// TestUnknownKeyDisablesOnlyItsPart: a mistyped key inside one robot or one contact leaves that
// robot unavailable (or that contact out), explained with the line, while the rest works.
func TestUnknownKeyDisablesOnlyItsPart(t *testing.T) {
	cleanEnv(t)
	path := writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\nsecert = \"SECx\"\n[robots.alerts]\nwebhook = \""+token+"\"\n[[contacts]]\nname = \"A\"\nphone = \"13800000000\"\n[[contacts]]\nname = \"B\"\nuser_id = \"b\"\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Robot("ops"); err == nil || !strings.Contains(err.Error(), path+`:3: unknown key "robots.ops.secert" (did you mean "secret"?)`) {
		t.Fatalf("Robot(ops) = %v", err)
	}
	if _, err := c.Robot("alerts"); err != nil {
		t.Fatal(err)
	}
	if len(c.Contacts) != 1 || c.Contacts[0].Name != "B" {
		t.Fatalf("contacts %+v, want only B", c.Contacts)
	}
	if w := strings.Join(c.Warnings, "\n"); !strings.Contains(w, `contact "A"`) || !strings.Contains(w, `unknown key "contacts.phone"`) {
		t.Fatalf("warnings %q", w)
	}
}

func TestLoadValidation(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		env  map[string]string
		want string
	}{
		{"webhook required", "[robots.ops]\nsecret = \"SECx\"\n", nil, "robot ops: webhook: no webhook"},
		{"webhook blank", "[robots.ops]\nwebhook = \"  \"\n", nil, "robot ops: webhook: no webhook"},
		{"webhook foreign host", "[robots.ops]\nwebhook = \"https://evil.example.com/robot/send?access_token=" + token + "\"\n", nil, "robot ops: webhook: webhook host \"evil.example.com\" is not oapi.dingtalk.com"},
		{"webhook without token", "[robots.ops]\nwebhook = \"https://oapi.dingtalk.com/robot/send\"\n", nil, "robot ops: webhook: webhook URL has no access_token"},
		{"webhook bad token", "[robots.ops]\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=ab%22cd" + token + "\"\n", nil, "robot ops: webhook: access token contains characters"},
		{"secret prefix", "[robots.ops]\nwebhook = \"" + token + "\"\nsecret = \"abc123\"\n", nil, "robot ops: secret must start with SEC"},
		{"secret and secret_env", "[robots.ops]\nwebhook = \"" + token + "\"\nsecret = \"SECa\"\nsecret_env = \"X\"\n", map[string]string{"X": "SECb"}, "robot ops: set either secret or secret_env, not both"},
		{"secret_env prefix", "[robots.ops]\nwebhook = \"" + token + "\"\nsecret_env = \"BAD_SECRET\"\n", map[string]string{"BAD_SECRET": "nope"}, "robot ops: the secret in $BAD_SECRET must start with SEC"},
		{"eleven keywords", "[robots.ops]\nwebhook = \"" + token + "\"\nkeywords = [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]\n", nil, "keywords: 11 given, but a DingTalk robot has at most 10"},
		{"empty keyword", "[robots.ops]\nwebhook = \"" + token + "\"\nkeywords = [\"a\", \" \"]\n", nil, "robot ops: keywords: a keyword is empty"},
		{"empty robot name", "[robots.\"\"]\nwebhook = \"" + token + "\"\n", nil, "a robot has an empty name"},
		{"env token invalid", "", map[string]string{EnvToken: "https://evil.example.com/robot/send?access_token=" + token}, EnvToken + ": webhook host"},
		{"env secret prefix", "", map[string]string{EnvToken: token, EnvSecret: "nope"}, EnvSecret + " must start with SEC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, tt.doc)
			c, err := Load(path)
			if err == nil {
				// A problem with one robot leaves that robot unavailable, with a warning, and
				// explained when it is asked for.
				if len(c.Warnings) == 0 || len(c.Unavailable) == 0 {
					t.Fatalf("no error and no unavailable robot, want %q", tt.want)
				}
				for name := range c.Unavailable {
					_, err = c.Robot(name)
				}
				if err == nil {
					t.Fatalf("unavailable robot returned no error, want %q", tt.want)
				}
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "SECa") || strings.Contains(err.Error(), "SECb") {
				t.Errorf("error %q contains a credential", err)
			}
			if _, fromEnv := tt.env[EnvToken]; !fromEnv && !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadReportsAllErrors(t *testing.T) {
	cleanEnv(t)
	// Robot problems do not stop the config: each robot's problem is reported, the rest work.
	path := writeConfig(t, "[robots.a]\nsecret = \"x\"\n[robots.b]\nwebhook = \""+token+"\"\nsecret = \"y\"\n[robots.ok]\nwebhook = \""+token+"\"\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(c.Warnings, "\n")
	for _, want := range []string{path + ": robot a: webhook", path + ": robot b: secret must start with SEC"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings %q lack %q", warnings, want)
		}
	}
	if r, err := c.Robot("ok"); err != nil || r.Name != "ok" {
		t.Fatalf("Robot(ok) = %v, %v", r, err)
	}
}

func TestLoadEnvFallback(t *testing.T) {
	t.Run("adds default robot", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, hook)
		t.Setenv(EnvSecret, secret)
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Robot("")
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "default" || r.Webhook != hook || r.Secret != secret || c.DefaultRobot != "default" {
			t.Errorf("robot %+v, default %q", r, c.DefaultRobot)
		}
	})
	t.Run("bare token without secret", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, token)
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := c.Robot("default"); r.Webhook != token || r.Signed() {
			t.Errorf("robot %+v", r)
		}
	})
	t.Run("becomes default among several", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, token)
		path := writeConfig(t, "[robots.ops]\nwebhook = \"x1\"\n[robots.zeta]\nwebhook = \"x2\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.DefaultRobot != "default" || strings.Join(c.Names(), ",") != "default,ops,zeta" {
			t.Errorf("default %q, robots %q", c.DefaultRobot, c.Names())
		}
	})
	t.Run("default_robot in file wins", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, token)
		path := writeConfig(t, "default_robot = \"ops\"\n[robots.ops]\nwebhook = \"x1\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.DefaultRobot != "ops" || len(c.Robots) != 2 {
			t.Errorf("default %q, robots %q", c.DefaultRobot, c.Names())
		}
	})
	t.Run("default_robot may name the env robot", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, token)
		path := writeConfig(t, "default_robot = \"default\"\n[robots.ops]\nwebhook = \"x1\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.DefaultRobot != "default" {
			t.Errorf("default %q", c.DefaultRobot)
		}
	})
	t.Run("configured default robot wins over env", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvToken, token)
		path := writeConfig(t, "[robots.default]\nwebhook = \"fromfile\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Robots) != 1 || c.Robots[0].Webhook != "fromfile" {
			t.Errorf("robots %+v", c.Robots)
		}
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "is ignored") {
			t.Errorf("warnings %q", c.Warnings)
		}
	})
	t.Run("secret without token warns", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(EnvSecret, secret)
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if !c.Empty() || len(c.Warnings) != 1 || strings.Contains(c.Warnings[0], secret) {
			t.Errorf("config %+v", c)
		}
	})
}

func TestLoadOnlyRobotIsDefault(t *testing.T) {
	cleanEnv(t)
	c, err := Load(writeConfig(t, "[robots.ops]\nwebhook = \"x1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultRobot != "ops" {
		t.Errorf("default %q, want ops", c.DefaultRobot)
	}
	c, err = Load(writeConfig(t, "[robots.a]\nwebhook = \"x1\"\n[robots.b]\nwebhook = \"x2\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultRobot != "" {
		t.Errorf("default %q, want none among several", c.DefaultRobot)
	}
}

func TestPermissionWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	cleanEnv(t)
	withSecret := "[robots.ops]\nwebhook = \"x1\"\nsecret = \"" + secret + "\"\n"
	path := writeConfig(t, withSecret)

	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("0600 file: warnings %q", c.Warnings)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "config.toml is readable by other users and holds a robot secret or the token of an unsigned robot: chmod 600 " + path
	if len(c.Warnings) != 1 || c.Warnings[0] != want {
		t.Errorf("0644 file: warnings %q, want %q", c.Warnings, want)
	}

	// No secret in the file (secret_env keeps it elsewhere): no warning.
	t.Setenv("OPS_SECRET", secret)
	noSecret := writeConfig(t, "[robots.ops]\nwebhook = \"x1\"\nsecret_env = \"OPS_SECRET\"\n")
	if err := os.Chmod(noSecret, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Load(noSecret)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("file without secret: warnings %q", c.Warnings)
	}

	// An unsigned robot's token is its only credential: that file is worth protecting too.
	unsigned := writeConfig(t, "[robots.ops]\nwebhook = \"x1\"\n")
	if err := os.Chmod(unsigned, 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = Load(unsigned); err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "chmod 600") {
		t.Errorf("unsigned robot's token in a 0644 file: warnings %q, %v", c.Warnings, err)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	cleanEnv(t)
	t.Setenv(EnvRedis, "")
	// As written, the example configures no robot: dingbot stays on its sandbox.
	c, err := Load(writeConfig(t, ExampleConfig))
	if err != nil || !c.Empty() {
		t.Fatalf("Load(example) = %+v, %v; want an empty config", c, err)
	}
	filled := strings.Replace(uncommentExample(), `secret = "SEC..."`, `secret = "`+secret+`"`, 1)
	c, err = Load(writeConfig(t, filled))
	if err != nil {
		t.Fatalf("filled-in example: %v", err)
	}
	r, err := c.Robot("")
	if err != nil || r.Name != "ops" || r.Secret != secret {
		t.Fatalf("Robot(\"\") = %+v, %v", r, err)
	}
	if len(c.Contacts) != 1 || len(c.Robots) != 2 {
		t.Fatalf("filled-in example: %d robots, %d contacts", len(c.Robots), len(c.Contacts))
	}
	// The quotas, the shared state and the MCP server's table load as the comments say.
	if r.MonthlyQuota != 100 || c.OrgMonthlyQuota != 3000 {
		t.Errorf("filled-in example: monthly_quota %d, org_monthly_quota %d", r.MonthlyQuota, c.OrgMonthlyQuota)
	}
	if c.Redis != "redis://127.0.0.1:6379/0" {
		t.Errorf("filled-in example: redis %q", c.Redis)
	}
	if !c.MCP.Confirm || !c.MCP.QueueWhenLimited {
		t.Errorf("filled-in example: [mcp] %+v", c.MCP)
	}
	// The relay's route needs its secret in the environment; with it, the route loads.
	if err := c.ServeErr(); err == nil || !strings.Contains(err.Error(), "DINGBOT_RELAY_TOKEN is not set") {
		t.Errorf("filled-in example without the relay's secret: ServeErr %v", err)
	}
	t.Setenv("DINGBOT_RELAY_TOKEN", "relay-example-token")
	c, err = Load(writeConfig(t, filled))
	if err != nil || c.ServeErr() != nil {
		t.Fatalf("filled-in example: %v, %v", err, c.ServeErr())
	}
	want := Route{Path: "/alertmanager", Source: "alertmanager", Robots: []string{"ops"}, Template: "alert", MentionLabel: "owner",
		Secret: "relay-example-token", SecretEnv: "DINGBOT_RELAY_TOKEN", Digest: time.Minute, Events: []string{"firing"}}
	if len(c.Routes) != 1 || c.Serve.Addr != "127.0.0.1:8080" {
		t.Fatalf("filled-in example: routes %v, [serve] %+v", c.Routes, c.Serve)
	}
	got := c.Routes[0]
	got.Line = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filled-in example: route %#v (secret from $%s), want %#v", got, got.SecretEnv, want)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("filled-in example: warnings %q", c.Warnings)
	}
}

// TestUnsetSecretEnvDisablesOnlyThatRobot: a robot whose secret_env variable is missing cannot
// be used, says why when asked for, and leaves the other robots working.
func TestUnsetSecretEnvDisablesOnlyThatRobot(t *testing.T) {
	for _, env := range []map[string]string{nil, {"DINGBOT_TEST_UNSET_VAR": ""}} {
		cleanEnv(t)
		for k, v := range env {
			t.Setenv(k, v)
		}
		path := writeConfig(t, "default_robot = \"ops\"\n[robots.ops]\nwebhook = \""+token+"\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n[robots.other]\nwebhook = \""+token+"\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.Empty() || len(c.Robots) != 1 || c.Robots[0].Name != "other" {
			t.Fatalf("robots = %+v", c.Robots)
		}
		for _, name := range []string{"", "ops"} {
			_, err := c.Robot(name)
			if err == nil || !strings.Contains(err.Error(), "environment variable DINGBOT_TEST_UNSET_VAR is not set") || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("Robot(%q) error = %v", name, err)
			}
		}
		if r, err := c.Robot("other"); err != nil || r.Name != "other" {
			t.Fatalf("Robot(other) = %v, %v", r, err)
		}
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "robot ops is unavailable until DINGBOT_TEST_UNSET_VAR is set") {
			t.Fatalf("warnings = %q", c.Warnings)
		}
	}
	// The only robot being unavailable is not "no robot configured": nothing falls back to the sandbox.
	cleanEnv(t)
	c, err := Load(writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n"))
	if err != nil || c.Empty() {
		t.Fatalf("Load = %+v, %v; want a non-empty config", c, err)
	}
	if _, err := c.Robot(""); err == nil || errors.Is(err, ErrNoRobots) || !strings.Contains(err.Error(), "DINGBOT_TEST_UNSET_VAR") {
		t.Fatalf("Robot(\"\") = %v, want the unset variable explained", err)
	}
}

// TestBrokenPartsDisableOnlyThemselves: a broken contact or a mistyped default_robot leaves the
// rest of the config working, with a warning that names the problem, lists what is configured
// and suggests the nearest name.
func TestBrokenPartsDisableOnlyThemselves(t *testing.T) {
	contactCases := []struct{ name, doc, want string }{
		{"contact without name", "[[contacts]]\nmobile = \"13800000000\"\n", "contact #1: name is required"},
		{"contact without handle", "[[contacts]]\nname = \"Alice\"\n", `contact "Alice": give a mobile or a user_id`},
		{"duplicate contact", "[[contacts]]\nname = \"Alice\"\nuser_id = \"a\"\n[[contacts]]\nname = \"alice\"\nuser_id = \"b\"\n", `contact "alice": duplicate name (also contact #1)`},
		{"mobile letters", "[[contacts]]\nname = \"Alice\"\nmobile = \"138-abc\"\n", `contact "Alice": mobile "138-abc" is not a mobile number`},
		{"mobile too short", "[[contacts]]\nname = \"Alice\"\nmobile = \"123\"\n", `contact "Alice": mobile "123" is not a mobile number: a mainland China mobile is 11 digits`},
		{"mobile plus without dash", "[[contacts]]\nname = \"Alice\"\nmobile = \"+85212345678\"\n", `contact "Alice": mobile "+85212345678" is not a mobile number`},
		{"mobile spaces inside", "[[contacts]]\nname = \"Alice\"\nmobile = \"138 0000 0000\"\n", `contact "Alice": mobile "138 0000 0000" is not a mobile number`},
		{"control characters", "[[contacts]]\nname = \"Al\\u001b[31mice\"\nmobile = \"13800000000\"\n", `contact "Al\\x1b[31mice": the name contains control characters`},
	}
	for _, tt := range contactCases {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			path := writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\n"+tt.doc+"[[contacts]]\nname = \"Bob\"\nuser_id = \"bob01\"\n")
			c, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v (a broken contact must not stop the config)", err)
			}
			warnings := strings.Join(c.Warnings, "\n")
			if !strings.Contains(warnings, path+": "+tt.want) || !strings.Contains(warnings, "left out") {
				t.Fatalf("warnings %q, want %q", warnings, tt.want)
			}
			if strings.ContainsRune(warnings, 0x1b) {
				t.Fatalf("warnings carry a raw escape: %q", warnings)
			}
			if _, err := c.Robot("ops"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Contacts.Find("Bob"); err != nil {
				t.Fatalf("the good contact is gone: %+v", c.Contacts)
			}
		})
	}

	t.Run("mistyped default_robot", func(t *testing.T) {
		cleanEnv(t)
		path := writeConfig(t, "default_robot = \"opz\"\n[robots.ops]\nwebhook = \""+token+"\"\n[robots.alerts]\nwebhook = \""+token+"\"\n[robots.off]\nwebhook = \""+token+"\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n")
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		want := `default_robot "opz" is not a configured robot (did you mean "ops"?); configured: alerts, ops, off (unavailable)`
		if !strings.Contains(strings.Join(c.Warnings, "\n"), want) {
			t.Fatalf("warnings %q lack %q", c.Warnings, want)
		}
		if _, err := c.Robot(""); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--robot NAME") {
			t.Fatalf("Robot(\"\") = %v, want %q", err, want)
		}
		for _, name := range []string{"ops", "alerts"} {
			if r, err := c.Robot(name); err != nil || r.Name != name {
				t.Fatalf("Robot(%s) = %v, %v: an explicit robot must work", name, r, err)
			}
		}
		if _, err := c.Robot("alert"); err == nil || !strings.Contains(err.Error(), `(did you mean "alerts"?); configured: alerts, ops, off (unavailable)`) {
			t.Fatalf("Robot(alert) = %v", err)
		}
	})

	t.Run("default_robot without robots", func(t *testing.T) {
		cleanEnv(t)
		c, err := Load(writeConfig(t, "default_robot = \"prod\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Empty() || !strings.Contains(strings.Join(c.Warnings, "\n"), `default_robot "prod" is not a configured robot; configured: none`) {
			t.Fatalf("warnings %q", c.Warnings)
		}
	})
}

// TestSecretInWrongKeyNeverEchoed: a secret or token pasted into secret_env, a key name or a
// mobile is never printed back, in warnings or errors.
func TestSecretInWrongKeyNeverEchoed(t *testing.T) {
	const secret = "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	for _, doc := range []string{
		"[robots.ops]\nwebhook = \"" + token + "\"\nsecret_env = \"" + secret + "\"\n",
		"[robots.ops]\nwebhook = \"" + token + "\"\nsecret_env = \"" + token + "\"\n",
		"[robots.ops]\nwebhook = \"" + token + "\"\nsecret_env = \"" + secret[:20] + " x\"\n",
		"[robots.ops]\nwebhook = \"" + token + "\"\n" + secret + " = 1\n",
		"[robots.ops]\nwebhook = \"" + token + "\"\nsecrte = \"" + secret + "\"\n",
		"[robots.ops]\nwebhook = \"" + token + "\"\nsecret = " + secret + "\n",
		"[[contacts]]\nname = \"A\"\nmobile = \"" + secret + "\"\n",
	} {
		cleanEnv(t)
		c, err := Load(writeConfig(t, doc))
		var text []string
		if err != nil {
			text = append(text, err.Error())
		} else {
			text = append(text, c.Warnings...)
			for _, e := range c.Unavailable {
				text = append(text, e.Error())
			}
			for _, p := range c.UnavailableRobots() {
				text = append(text, p.Reason)
			}
			if _, err := c.Robot("ops"); err != nil {
				text = append(text, err.Error())
			}
		}
		all := strings.Join(text, "\n")
		if all == "" {
			t.Errorf("config %q: no error or warning at all", doc)
		}
		for _, part := range []string{secret[3:15], secret[40:52], token[:12], token[20:32]} {
			if strings.Contains(all, part) {
				t.Errorf("config %q: output contains part of a credential %q:\n%s", doc, part, all)
			}
		}
	}
}

func TestQuotaAndStateSettings(t *testing.T) {
	cleanEnv(t)
	path := writeConfig(t, "org_monthly_quota = 3000\n[state]\nredis = \"redis://:hunter2pass@127.0.0.1:6379/0\"\n[robots.ops]\nwebhook = \""+token+"\"\nmonthly_quota = 100\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Robot("ops")
	if err != nil || r.MonthlyQuota != 100 || c.OrgMonthlyQuota != 3000 || c.Redis != "redis://:hunter2pass@127.0.0.1:6379/0" {
		t.Fatalf("robot %+v, org %d, redis %q, %v", r, c.OrgMonthlyQuota, c.Redis, err)
	}
	t.Setenv(EnvRedis, "redis://10.1.2.3:6379/1")
	if c, _ = Load(path); c.Redis != "redis://10.1.2.3:6379/1" {
		t.Fatalf("%s does not win: %q", EnvRedis, c.Redis)
	}
	t.Setenv(EnvRedis, "http://:pw@x")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "must be a redis://") || strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("bad redis URL: %v", err)
	}
	if got := RedactURL("redis://user:hunter2pass@host:6379/0"); strings.Contains(got, "hunter2pass") {
		t.Fatalf("RedactURL = %q", got)
	}
}

// TestMCPSettings: the [mcp] table reaches the config; without it both settings are off.
func TestMCPSettings(t *testing.T) {
	cleanEnv(t)
	c, err := Load(writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\n[mcp]\nconfirm = true\nqueue_when_limited = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.MCP.Confirm || !c.MCP.QueueWhenLimited {
		t.Fatalf("[mcp] = %+v", c.MCP)
	}
	if c, err = Load(writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\n")); err != nil || c.MCP != (MCPConfig{}) {
		t.Fatalf("no [mcp] table: %+v, %v", c.MCP, err)
	}
}

// TestUnavailableRobotsSayWhyInAFewWords: the composer's robot picker shows each broken robot
// with its reason, sorted, without repeating the file and the robot's name.
func TestUnavailableRobotsSayWhyInAFewWords(t *testing.T) {
	cleanEnv(t)
	path := writeConfig(t, "[robots.ops]\nwebhook = \""+token+"\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n"+
		"[robots.bad]\nwebhook = \""+token+"\"\nsecret = \"nope\"\n[robots.ok]\nwebhook = \""+token+"\"\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []RobotProblem{
		{Name: "bad", Reason: "secret must start with SEC"},
		{Name: "ops", Reason: "$DINGBOT_TEST_UNSET_VAR (its secret_env) is not set"},
	}
	if got := c.UnavailableRobots(); !reflect.DeepEqual(got, want) {
		t.Fatalf("UnavailableRobots() = %q, want %q", got, want)
	}
	if got := (&Config{}).UnavailableRobots(); len(got) != 0 {
		t.Fatalf("no unavailable robot: %q", got)
	}
}
