package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // substrings of the error, in order
	}{
		{
			name: "unknown robot key with line",
			doc:  "default_robot = \"ops\"\n\n[robots.ops]\nwebhook = \"tok\"\n\n\nsecert = \"SECx\"\n",
			want: []string{`config.toml:7: unknown key "robots.ops.secert"`, `did you mean "secret"?`},
		},
		{
			name: "unknown top-level table",
			doc:  "[robot.ops]\nwebhook = \"tok\"\n",
			want: []string{`config.toml:1: unknown key "robot.ops"`, `did you mean "robots"?`},
		},
		{
			name: "unknown contact key",
			doc:  "[[contacts]]\nname = \"A\"\nphone = \"1380\"\n",
			want: []string{`config.toml:3: unknown key "contacts.phone"`},
		},
		{
			name: "several unknown keys",
			doc:  "colour = 1\n[robots.ops]\nwebhook = \"tok\"\nextra = true\n",
			want: []string{`config.toml:1: unknown key "colour"`, `config.toml:4: unknown key "robots.ops.extra"`},
		},
		{
			name: "unknown mcp key",
			doc:  "[mcp]\nconfirn = true\n",
			want: []string{`config.toml:2: unknown key "mcp.confirn"`, `did you mean "confirm"?`},
		},
		{
			name: "mcp setting outside its table",
			doc:  "queue_when_limited = true\n",
			want: []string{`config.toml:1: unknown key "queue_when_limited"`, `did you mean "queue_when_limited" under [mcp]?`},
		},
		{
			name: "mcp setting not a boolean",
			doc:  "[mcp]\nconfirm = \"yes\"\n",
			want: []string{"config.toml:2:", "confirm must be true or false, not a string"},
		},
		{
			name: "quoted key",
			doc:  "[robots.ops]\n\"web.hook\" = 1\n",
			want: []string{`config.toml:2: unknown key "robots.ops.\"web.hook\""`},
		},
		{
			name: "syntax error with line and column",
			doc:  "default_robot = \"ops\"\n[robots.ops]\nwebhook = \n",
			want: []string{"config.toml:3:"},
		},
		{
			name: "unterminated string",
			doc:  "default_robot = \"ops\n",
			want: []string{"config.toml:1:"},
		},
		{
			name: "unclosed array",
			doc:  "[robots.ops]\nkeywords = [\n\"a\",\n",
			want: []string{"config.toml:4:1:"},
		},
		{
			name: "type mismatch string",
			doc:  "default_robot = 5\n",
			want: []string{"config.toml:1:17: default_robot must be a string naming a robot, not an integer"},
		},
		{
			name: "type mismatch keywords",
			doc:  "[robots.ops]\nkeywords = \"deploy\"\n",
			want: []string{`config.toml:2:12: keywords must be a list of strings like ["deploy"], not a string`},
		},
		{
			name: "type mismatch bool",
			doc:  "[robots.ops]\nallow_custom_host = \"yes\"\n",
			want: []string{"config.toml:2:21: allow_custom_host must be true or false, not a string"},
		},
		{
			name: "type mismatch mobile",
			doc:  "[[contacts]]\nname = \"A\"\nmobile = 13800000000\n",
			want: []string{`config.toml:3:10: mobile must be a string like "13800000000", not an integer`},
		},
		{
			name: "robots not a table",
			doc:  "robots = 3\n",
			want: []string{"config.toml:1:10: robots must be robot tables like [robots.ops], not an integer"},
		},
		{
			name: "duplicate key",
			doc:  "default_robot = \"a\"\ndefault_robot = \"b\"\n",
			want: []string{"config.toml: ", "already defined"},
		},
		{
			name: "robots as array of tables",
			doc:  "[[robots]]\nwebhook = \"x\"\n",
			want: []string{"config.toml: robots must be robot tables like [robots.ops], not an array table"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("config.toml", []byte(tt.doc))
			if err == nil {
				// Unknown keys inside a robot or a contact disable only that part.
				err = f.partProblems()
			}
			if err == nil {
				t.Fatalf("no error for %q", tt.doc)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, w)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(strings.ReplaceAll(msg, "config.toml", ""), "toml: ") || strings.Contains(msg, "config.File") || strings.Contains(msg, "config.RobotConfig") {
				t.Errorf("error %q leaks go-toml or Go type names", msg)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	doc := `
default_robot = "ops"

[robots.ops]
webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc"
secret = "SECabc"
keywords = ["deploy", "alert"]

[robots.sandbox]
webhook = "http://127.0.0.1:8765/robot/send?access_token=sandbox"
allow_custom_host = true

[[contacts]]
name = "Alice"
mobile = "13800000000"
user_id = "alice01"

[[contacts]]
name = "Bob"
user_id = "bob"
`
	f, err := Parse("config.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if f.DefaultRobot != "ops" || len(f.Robots) != 2 || len(f.Contacts) != 2 {
		t.Fatalf("parsed %+v", f)
	}
	ops := f.Robots["ops"]
	if ops.Secret != "SECabc" || len(ops.Keywords) != 2 || ops.AllowCustomHost {
		t.Errorf("ops = %+v", ops)
	}
	if !f.Robots["sandbox"].AllowCustomHost {
		t.Error("sandbox allow_custom_host not decoded")
	}
	if f.Contacts[0] != (ContactConfig{Name: "Alice", Mobile: "13800000000", UserID: "alice01"}) {
		t.Errorf("contact = %+v", f.Contacts[0])
	}
}

func TestParseEmpty(t *testing.T) {
	for _, doc := range []string{"", "\n", "# only a comment\n"} {
		f, err := Parse("config.toml", []byte(doc))
		if err != nil || f == nil || len(f.Robots) != 0 {
			t.Errorf("Parse(%q) = %+v, %v", doc, f, err)
		}
	}
}

func TestExampleConfigParses(t *testing.T) {
	f, err := Parse("example", []byte(ExampleConfig))
	if err != nil {
		t.Fatalf("ExampleConfig does not parse: %v", err)
	}
	// Everything is commented out: an untouched file keeps dingbot on its sandbox.
	if len(f.Robots) != 0 || f.DefaultRobot != "" || len(f.Contacts) != 0 || f.OrgMonthlyQuota != 0 || f.State != (StateConfig{}) || f.MCP != (MCPConfig{}) || f.Serve != (ServeConfig{}) || len(f.Routes) != 0 {
		t.Errorf("ExampleConfig should configure nothing until edited: %+v", f)
	}
}

// uncommentExample turns the example's commented settings into real ones, as a user would.
func uncommentExample() string {
	var lines []string
	for line := range strings.Lines(ExampleConfig) {
		if s, ok := strings.CutPrefix(line, "# "); ok && (strings.Contains(s, " = ") || strings.HasPrefix(s, "[")) {
			line = s
		}
		if strings.HasPrefix(line, "secret_env = \"DINGBOT_OPS_SECRET\"") {
			continue // one of secret and secret_env
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "")
}

// TestExampleConfigCommentedBlocks checks that the commented-out examples parse once uncommented.
func TestExampleConfigCommentedBlocks(t *testing.T) {
	doc := uncommentExample()
	if _, err := Parse("uncommented", []byte(doc)); err != nil {
		t.Fatalf("uncommented example does not parse: %v\n%s", err, doc)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		key  []string
		want string
	}{
		{[]string{"robots", "ops", "secert"}, "secret"},
		{[]string{"robots", "ops", "Webhok"}, "webhook"},
		{[]string{"robots", "ops", "keyword"}, "keywords"},
		{[]string{"contacts", "userid"}, "user_id"},
		{[]string{"default"}, ""},
		{[]string{"defualt_robot"}, "default_robot"},
		{[]string{"contact"}, "contacts"},
		{[]string{"mcp", "queue_when_limted"}, "queue_when_limited"},
		{[]string{"confirm"}, "confirm"},
		{[]string{"robots", "ops", "zzzzzz"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		got := suggest(tt.key)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, `"`+tt.want+`"`) {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestParseAcceptsByteOrderMark(t *testing.T) {
	f, err := Parse("config.toml", []byte("\ufeffdefault_robot = \"ops\"\n[robots.ops]\nwebhook = \"tok\"\n"))
	if err != nil {
		t.Fatalf("a config saved with a UTF-8 BOM: %v", err)
	}
	if f.DefaultRobot != "ops" || f.Robots["ops"].Webhook != "tok" {
		t.Fatalf("parsed %+v", f)
	}
}

// TestManyUnknownKeysStayFast: reporting unknown keys is linear in the file's size (go-toml's
// strict decoder took half a minute for 40 000), and the error stays short.
func TestManyUnknownKeysStayFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("[robots.ops]\nwebhook = \"tok\"\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "k%d = \"v\"\n", i)
	}
	start := time.Now()
	_, err := Parse("config.toml", []byte(b.String()))
	took := time.Since(start)
	if err == nil {
		t.Fatal("no error for 40 000 unknown keys")
	}
	if took > 2*time.Second {
		t.Errorf("40 000 unknown keys took %v", took)
	}
	msg := err.Error()
	for _, want := range []string{`config.toml:3: unknown key "robots.ops.k0"`, "and 39980 more unknown keys"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%.500s", want, msg)
		}
	}
	if len(msg) > 5000 {
		t.Errorf("error is %d bytes long", len(msg))
	}
}

func TestUnknownKeysInInlineTablesAndArrays(t *testing.T) {
	for doc, want := range map[string]string{
		"robots = { ops = { webhook = \"t\", colour = 1 } }\n":              `config.toml:1: unknown key "robots.ops.colour"`,
		"contacts = [ { name = \"A\", user_id = \"a\" }, { phone = 1 } ]\n": `config.toml:1: unknown key "contacts.phone"`,
		"[robots]\nops.webhook = \"t\"\nops.secrte = \"x\"\n":               `config.toml:3: unknown key "robots.ops.secrte" (did you mean "secret"?)`,
	} {
		f, err := Parse("config.toml", []byte(doc))
		if err == nil {
			err = f.partProblems()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", doc, err, want)
		}
	}
}

// partProblems joins the problems of robots and contacts that Parse set aside.
func (f *File) partProblems() error {
	var errs []error
	for _, e := range f.robotProblems {
		errs = append(errs, e)
	}
	for _, e := range f.contactProblems {
		errs = append(errs, e)
	}
	for _, e := range f.routeProblems {
		errs = append(errs, e)
	}
	return errors.Join(append(errs, f.serveProblem)...)
}
