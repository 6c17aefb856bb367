package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// relayToken is a route's secret in these tests: no error or description may show it.
const relayToken = "relay-9f8e7d6c5b4a3921-token"

// routesDoc is a config with robots ops and oncall (and off, whose secret is missing), the
// given routes after them.
func routesDoc(routes string) string {
	return "[robots.ops]\nwebhook = \"" + token + "\"\n" +
		"[robots.oncall]\nwebhook = \"" + token + "\"\n" +
		"[robots.off]\nwebhook = \"" + token + "\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n" +
		routes
}

func TestRoutesLoad(t *testing.T) {
	cleanEnv(t)
	t.Setenv("RELAY_TOKEN", "  "+relayToken+"\n")
	path := writeConfig(t, routesDoc(`
[serve]
addr = "127.0.0.1:9090"

[[routes]]
path = "/alertmanager"
source = "alertmanager"
robots = ["ops", "oncall"]
template = "alert"
mention_label = "owner"
secret_env = "RELAY_TOKEN"
digest = "90s"
events = ["firing"]

[[routes]]
path = "/hooks/any"
source = "generic"
robots = ["ops"]
`))
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ServeErr(); err != nil {
		t.Fatalf("ServeErr: %v", err)
	}
	want := []Route{
		{Path: "/alertmanager", Source: "alertmanager", Robots: []string{"ops", "oncall"}, Template: "alert", MentionLabel: "owner",
			Secret: relayToken, SecretEnv: "RELAY_TOKEN", Digest: 90 * time.Second, Events: []string{"firing"}, Line: 12},
		{Path: "/hooks/any", Source: "generic", Robots: []string{"ops"}, Line: 22},
	}
	if len(c.Routes) != len(want) {
		t.Fatalf("routes %v, want %v", c.Routes, want)
	}
	for i := range want {
		if !reflect.DeepEqual(c.Routes[i], want[i]) {
			g, w := c.Routes[i], want[i]
			g.Secret, w.Secret = fmt.Sprint(g.Secret == relayToken), fmt.Sprint(w.Secret == relayToken)
			t.Errorf("route %d:\n%s\nwant\n%s", i, fields(g), fields(w))
		}
	}
	if c.Serve.Addr != "127.0.0.1:9090" {
		t.Errorf("[serve] addr %q", c.Serve.Addr)
	}
	// Described in every format without the secret.
	for _, s := range []string{c.Routes[0].String(), fmt.Sprint(c.Routes[0]), fmt.Sprintf("%+v", c.Routes), fmt.Sprintf("%#v", c.Routes[0])} {
		if strings.Contains(s, relayToken) {
			t.Errorf("a route's description shows its secret: %s", s)
		}
	}
	if got := c.Routes[0].String(); got != "/alertmanager (alertmanager → ops, oncall)" {
		t.Errorf("String() = %q", got)
	}
}

// fields shows every field of r (Route's own formats leave the secret out).
func fields(r Route) string {
	type plain Route
	return fmt.Sprintf("%+v", plain(r))
}

func TestRoutesInlineTables(t *testing.T) {
	cleanEnv(t)
	// Keys before the first table: routes as an inline array.
	path := writeConfig(t, `routes = [
  { path = "/a", source = "grafana", robots = ["ops"] },
  { path = "/b", source = "nope", robots = ["ops"] },
]
`+routesDoc(""))
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routes) != 1 || c.Routes[0].Path != "/a" || c.Routes[0].Line != 1 {
		t.Fatalf("routes %v (%v)", c.Routes, c.ServeErr())
	}
	if err := c.ServeErr(); err == nil || !strings.Contains(err.Error(), path+`:3: route "/b": source "nope"`) {
		t.Fatalf("ServeErr = %v", err)
	}
}

// TestRouteProblemsNameTheLine: every problem of [serve] and [[routes]] names the file and the
// line of the value at fault, all at once; the route is left out, and the rest of the config
// (robots, sends) works as before.
func TestRouteProblemsNameTheLine(t *testing.T) {
	sources := strings.Join(source.Names(), ", ")
	tests := []struct {
		name   string
		routes string
		env    map[string]string
		want   []string // each a line of ServeErr, after the file's path
	}{
		{"unknown source", "[[routes]]\npath = \"/am\"\nsource = \"alertmanger\"\nrobots = [\"ops\"]\n",
			nil, []string{`:10: route "/am": source "alertmanger" is not a source dingbot relays (did you mean "alertmanager"?); sources: ` + sources}},
		{"source missing", "[[routes]]\npath = \"/am\"\nrobots = [\"ops\"]\n",
			nil, []string{`:8: route "/am": source is required: one of ` + sources}},
		{"path without slash", "[[routes]]\nsource = \"generic\"\npath = \"hooks\"\nrobots = [\"ops\"]\n",
			nil, []string{`:10: route "hooks": path "hooks" must start with "/" (path = "/hooks")`}},
		{"path missing", "[[routes]]\nsource = \"generic\"\nrobots = [\"ops\"]\n",
			nil, []string{`:8: route #1: path is required`}},
		{"path with query", "[[routes]]\npath = \"/a?b=1\"\nsource = \"generic\"\nrobots = [\"ops\"]\n",
			nil, []string{`:9: route "/a?b=1": path "/a?b=1" must be a plain URL path`}},
		{"path not clean", "[[routes]]\npath = \"/a//b/\"\nsource = \"generic\"\nrobots = [\"ops\"]\n",
			nil, []string{`:9: route "/a//b/": path "/a//b/" is not a clean URL path (senders' requests would be redirected): write "/a/b"`}},
		{"reserved path", "[[routes]]\npath = \"/metrics\"\nsource = \"generic\"\nrobots = [\"ops\"]\n",
			nil, []string{`:9: route "/metrics": path "/metrics" is the relay's own endpoint (/healthz, /readyz, /metrics are): choose another path`}},
		{"duplicate path", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\n\n[[routes]]\npath = \"/x\"\nsource = \"grafana\"\nrobots = [\"ops\"]\n",
			nil, []string{`:14: route "/x": path "/x" is also the path of the route at line 9: each route needs its own path`}},
		{"no robots", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = []\n",
			nil, []string{`:11: route "/x": robots is empty: name the robots that post the messages, like robots = ["ops"]`}},
		{"robots missing", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\n",
			nil, []string{`:8: route "/x": robots is empty`}},
		{"unknown robot", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\", \"oncal\"]\n",
			nil, []string{`:11: route "/x": robots: "oncal" is not a configured robot (did you mean "oncall"?); configured: oncall, ops, off (unavailable)`}},
		{"unavailable robot", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"off\"]\n",
			nil, []string{`:11: route "/x": robot off is unavailable: $DINGBOT_TEST_UNSET_VAR (its secret_env) is not set`}},
		{"robot twice", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\", \"ops\"]\n",
			nil, []string{`:11: route "/x": robots: "ops" is listed twice`}},
		{"secret_env unset", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"DINGBOT_TEST_RELAY_UNSET\"\n",
			nil, []string{`:12: route "/x": secret_env: environment variable DINGBOT_TEST_RELAY_UNSET is not set (or is empty): export it`}},
		{"secret_env empty", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"RELAY_EMPTY\"\n",
			map[string]string{"RELAY_EMPTY": " \n"}, []string{`:12: route "/x": secret_env: environment variable RELAY_EMPTY is not set (or is empty)`}},
		{"secret in secret_env", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"" + token + "\"\n",
			nil, []string{`:12: route "/x": secret_env must name an environment variable, but it holds what looks like a secret or token`}},
		{"secret_env not a name", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"relay token\"\n",
			nil, []string{`:12: route "/x": secret_env "relay token" is not an environment variable name`}},
		{"digest not a duration", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\ndigest = \"60\"\n",
			nil, []string{`:12: route "/x": digest "60" is not a duration: write it like "60s" or "5m"`}},
		{"digest too short", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\ndigest = \"500ms\"\n",
			nil, []string{`:12: route "/x": digest "500ms" is too short: give at least 1s`}},
		{"unknown event kind", "[[routes]]\npath = \"/x\"\nsource = \"github\"\nrobots = [\"ops\"]\nevents = [\"push\", \"pullrequest\"]\n",
			nil, []string{`:12: route "/x": events: "pullrequest" is not an event kind of github (did you mean "pull_request"?); kinds: push, tag, pull_request, release, workflow, issue, comment`}},
		{"unknown event action", "[[routes]]\npath = \"/x\"\nsource = \"gitlab\"\nrobots = [\"ops\"]\nevents = [\"workflow.failed\", \"workflow.sucess\"]\n",
			nil, []string{`:12: route "/x": events: "workflow.sucess" is not an action of workflow (did you mean "workflow.success"?); workflow actions: requested, in_progress`}},
		{"alert events", "[[routes]]\npath = \"/x\"\nsource = \"grafana\"\nrobots = [\"ops\"]\nevents = [\"push\"]\n",
			nil, []string{`:12: route "/x": events: "push" is not an event kind of grafana; kinds: firing, resolved`}},
		{"generic events", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nevents = [\"*\"]\n",
			nil, []string{`:12: route "/x": events: a generic route has no event kinds to choose from`}},
		{"unknown key", "[[routes]]\npath = \"/x\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_evn = \"X\"\n",
			nil, []string{`:12: unknown key "routes.secret_evn" (did you mean "secret_env"?)`}},
		{"bad addr", "[serve]\naddr = \"localhost\"\n",
			nil, []string{`:9: [serve] addr "localhost": give host:port, such as 127.0.0.1:8080`}},
		{"unknown serve key", "[serve]\nadr = \"127.0.0.1:1\"\n",
			nil, []string{`:9: unknown key "serve.adr" (did you mean "addr"?)`}},
		{"several at once", "[[routes]]\npath = \"x\"\nsource = \"nope\"\nrobots = [\"nobody\"]\ndigest = \"soon\"\n",
			nil, []string{`:9: route "x": path "x" must start`, `:10: route "x": source "nope"`, `:11: route "x": robots: "nobody" is not a configured robot`, `:12: route "x": digest "soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, routesDoc(tt.routes))
			c, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v (a broken route must not stop the other commands)", err)
			}
			serr := c.ServeErr()
			if serr == nil {
				t.Fatalf("no problem, want %q", tt.want)
			}
			lines := strings.Split(serr.Error(), "\n")
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, path+w)
				}
				if !found {
					t.Errorf("ServeErr lacks a line %q:\n%s", path+w, serr)
				}
			}
			if len(lines) != len(tt.want) {
				t.Errorf("ServeErr has %d lines, want %d:\n%s", len(lines), len(tt.want), serr)
			}
			if strings.Contains(serr.Error(), token) {
				t.Errorf("ServeErr shows a token:\n%s", serr)
			}
			for _, r := range c.Routes {
				if strings.Contains(r.Path, "x") && tt.name != "duplicate path" {
					t.Errorf("the broken route %v was kept", r)
				}
			}
			// The robots work, and nothing about the relay is a warning for other commands.
			if _, err := c.Robot("ops"); err != nil {
				t.Errorf("Robot(ops): %v", err)
			}
			for _, w := range c.Warnings {
				if strings.Contains(w, "route") || strings.Contains(w, "serve") {
					t.Errorf("warning about the relay: %s", w)
				}
			}
		})
	}
}

// TestRouteSecretNeverShown: the route's secret read from the environment appears in no
// problem, whatever else is wrong with the route.
func TestRouteSecretNeverShown(t *testing.T) {
	cleanEnv(t)
	t.Setenv("RELAY_TOKEN", relayToken)
	path := writeConfig(t, routesDoc("[[routes]]\npath = \""+relayToken+"\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"RELAY_TOKEN\"\ndigest = \"x\"\n"))
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	serr := c.ServeErr()
	if serr == nil {
		t.Fatal("no problem")
	}
	// A value the user wrote in the file is theirs to see (the path here); the variable's value
	// is never shown but for what they wrote.
	if n := strings.Count(serr.Error(), relayToken); n > 2 {
		t.Errorf("the secret shows beyond the path the user wrote (%d times):\n%s", n, serr)
	}
}

func TestRouteTypeMismatches(t *testing.T) {
	for doc, want := range map[string]string{
		"[[routes]]\nrobots = \"ops\"\n":    `config.toml:2:10: robots must be a list of robot names like ["ops"], not a string`,
		"[[routes]]\ndigest = 60\n":         `config.toml:2:10: digest must be a string like "60s", not an integer`,
		"[routes]\npath = \"/x\"\n":         "config.toml:1:2: [routes] must be written [[routes]] (double brackets), one for each entry",
		"addr = \"127.0.0.1:8080\"\n":       `config.toml:1: unknown key "addr" (did you mean "addr" under [serve]?)`,
		"[[route]]\npath = \"/x\"\n":        `config.toml:1: unknown key "route" (did you mean "routes"?)`,
		"[serve]\naddr = 8080\n":            `config.toml:2:8: addr must be a string like "127.0.0.1:8080", not an integer`,
		"[[routes]]\n[routes.extra]\nx=1\n": `config.toml:2: unknown key "routes.extra"`,
	} {
		f, err := Parse("config.toml", []byte(doc))
		if err == nil {
			err = f.partProblems()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", doc, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "RouteConfig") || strings.Contains(err.Error(), "ServeConfig")) {
			t.Errorf("Parse(%q) leaks Go type names: %v", doc, err)
		}
	}
}
