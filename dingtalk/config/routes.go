package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// ServeConfig is the [serve] table: how `dingbot serve` listens.
type ServeConfig struct {
	// Addr is host:port ("127.0.0.1:8080"); --addr overrides it.
	Addr string `toml:"addr"`
}

// RouteConfig is one [[routes]] entry as written.
type RouteConfig struct {
	Path         string   `toml:"path"`
	Source       string   `toml:"source"`
	Robots       []string `toml:"robots"`
	Template     string   `toml:"template"`
	MentionLabel string   `toml:"mention_label"`
	SecretEnv    string   `toml:"secret_env"`
	Digest       string   `toml:"digest"`
	Events       []string `toml:"events"`
}

// Route is one validated [[routes]] entry of the relay (dingbot serve): senders POST payloads
// of Source to Path, and each becomes a message to every robot of Robots.
type Route struct {
	// Path is the URL path senders POST to: it starts with "/" and is unique.
	Path string
	// Source names how payloads are parsed and senders authenticated (source.Names()).
	Source string
	// Robots are configured, usable robots' names.
	Robots []string
	// Template names the template that renders a payload ("" = the source's default).
	Template string
	// MentionLabel is the label, field or header whose values name contacts to @mention.
	MentionLabel string
	// Secret is what senders authenticate with, read from the environment variable SecretEnv
	// ("" = unauthenticated: loopback senders only). Never print it.
	Secret string
	// SecretEnv names the variable Secret came from, for messages.
	SecretEnv string
	// Digest gathers a robot's payloads into one summary message per interval (0: none).
	Digest time.Duration
	// Events are the events the route posts ("push", "pull_request.merged", "workflow",
	// "firing", "*", "default"); none means source.DefaultEvents.
	Events []string
	// Line is where the route is written in the config file.
	Line int
}

// String describes r without its secret: "/alertmanager (alertmanager → ops, oncall)".
func (r Route) String() string {
	return fmt.Sprintf("%s (%s → %s)", SafeName(r.Path), r.Source, SafeName(strings.Join(r.Robots, ", ")))
}

// GoString is String: %#v must not print the secret either.
func (r Route) GoString() string { return "config.Route{" + r.String() + "}" }

// MinDigest is the shortest digest interval a route may ask for.
const MinDigest = time.Second

// ReservedPaths are the relay's own endpoints; no route may take them.
var ReservedPaths = []string{"/healthz", "/readyz", "/metrics"}

// ServeErr says everything that is wrong with [serve] and [[routes]], one problem a line, each
// naming the file and line; nil when the relay can start. Only dingbot serve uses the routes:
// the other commands work whatever they hold.
func (c *Config) ServeErr() error { return errors.Join(c.serveProblems...) }

// buildServe validates [serve] and [[routes]] against the robots and the environment. A route
// with a problem is left out of Routes and its problems are kept for ServeErr.
func (c *Config) buildServe(f *File) {
	at := func(line int, format string, args ...any) error {
		switch {
		case c.Path == "":
			return fmt.Errorf(format, args...)
		case line == 0:
			return fmt.Errorf("%s: "+format, append([]any{c.Path}, args...)...)
		}
		return fmt.Errorf("%s:%d: "+format, append([]any{c.Path, line}, args...)...)
	}
	if f.serveProblem != nil {
		c.serveProblems = append(c.serveProblems, f.serveProblem)
	}
	c.Serve.Addr = strings.TrimSpace(f.Serve.Addr)
	if c.Serve.Addr != "" {
		if err := checkAddr(c.Serve.Addr); err != nil {
			c.serveProblems = append(c.serveProblems, at(f.lines.serve.at("addr"), "[serve] addr %q: %v", dingtalk.MaskSecretLike(SafeName(c.Serve.Addr)), err))
		}
	}
	paths := map[string]int{} // path -> line of the first route that has it
	for i, rc := range f.Routes {
		lines := f.lines.routes[i]
		start := lines.at("")
		r, errs := c.route(rc, lines, paths)
		label := fmt.Sprintf("route #%d", i+1)
		if r.Path != "" {
			label = fmt.Sprintf("route %q", SafeName(r.Path))
		}
		if perr := f.routeProblems[i]; perr != nil {
			// Unknown keys carry the file, the line and "routes." already.
			c.serveProblems = append(c.serveProblems, perr)
		}
		for _, e := range errs {
			c.serveProblems = append(c.serveProblems, at(e.line, "%s: %s", label, dingtalk.MaskSecretLike(e.msg)))
		}
		if len(errs) == 0 && f.routeProblems[i] == nil {
			r.Line = start
			c.Routes = append(c.Routes, r)
		}
	}
}

// lineError is a problem with one key of a route, at its line.
type lineError struct {
	line int
	msg  string
}

// route validates one [[routes]] entry. paths holds the paths of the routes before it.
func (c *Config) route(rc RouteConfig, lines *partLines, paths map[string]int) (Route, []lineError) {
	var errs []lineError
	fail := func(key, format string, args ...any) {
		errs = append(errs, lineError{lines.at(key), fmt.Sprintf(format, args...)})
	}
	r := Route{
		Path:         strings.TrimSpace(rc.Path),
		Source:       strings.TrimSpace(rc.Source),
		Template:     strings.TrimSpace(rc.Template),
		MentionLabel: strings.TrimSpace(rc.MentionLabel),
		SecretEnv:    strings.TrimSpace(rc.SecretEnv),
	}

	switch p := r.Path; {
	case p == "":
		fail("path", `path is required: the URL path senders POST to, like path = "/alertmanager"`)
	case !strings.HasPrefix(p, "/"):
		fail("path", "path %q must start with \"/\" (path = %q)", SafeName(p), "/"+SafeName(p))
	case strings.ContainsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '?' || r == '#' }) || !printable(p):
		fail("path", "path %q must be a plain URL path: no spaces, control characters, ? or #", SafeName(p))
	case path.Clean(p) != p:
		fail("path", "path %q is not a clean URL path (senders' requests would be redirected): write %q", SafeName(p), path.Clean(p))
	case slices.Contains(ReservedPaths, p):
		fail("path", "path %q is the relay's own endpoint (%s are): choose another path", p, strings.Join(ReservedPaths, ", "))
	default:
		if first, dup := paths[p]; dup {
			fail("path", "path %q is also the path of the route at line %d: each route needs its own path", SafeName(p), first)
		} else {
			paths[p] = lines.at("path")
		}
	}

	switch names := source.Names(); {
	case r.Source == "":
		fail("source", "source is required: one of %s", strings.Join(names, ", "))
	case !slices.Contains(names, r.Source):
		hint := ""
		if best := dingtalk.Nearest(r.Source, names); best != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", best)
		}
		fail("source", "source %q is not a source dingbot relays%s; sources: %s", SafeName(r.Source), hint, strings.Join(names, ", "))
	}

	if len(rc.Robots) == 0 {
		fail("robots", `robots is empty: name the robots that post the messages, like robots = ["ops"]`)
	}
	unavailable := map[string]string{}
	for _, p := range c.UnavailableRobots() {
		unavailable[p.Name] = p.Reason
	}
	for _, name := range rc.Robots {
		name = strings.TrimSpace(name)
		switch _, configured := c.find(name); {
		case name == "":
			fail("robots", "robots: a robot name is empty")
		case slices.Contains(r.Robots, name):
			fail("robots", "robots: %q is listed twice", SafeName(name))
		case unavailable[name] != "":
			fail("robots", "robot %s is unavailable: %s", SafeName(name), unavailable[name])
		case !configured:
			fail("robots", "robots: %q is not a configured robot%s; configured: %s", SafeName(name), c.suggestRobot(name), c.listNames())
		default:
			r.Robots = append(r.Robots, name)
		}
	}

	if !printable(r.Template) {
		fail("template", "template %q contains control characters", SafeName(r.Template))
	}
	if !printable(r.MentionLabel) {
		fail("mention_label", "mention_label %q contains control characters", SafeName(r.MentionLabel))
	}

	switch env := r.SecretEnv; {
	case env == "":
	case dingtalk.LooksSecret(env):
		// The secret itself pasted where the variable's name belongs: never echo it.
		fail("secret_env", "secret_env must name an environment variable, but it holds what looks like a secret or token: put the value in a variable (export DINGBOT_RELAY_TOKEN=…) and write secret_env = \"DINGBOT_RELAY_TOKEN\"")
	case !envNamePattern.MatchString(env):
		fail("secret_env", "secret_env %q is not an environment variable name: use letters, digits and _ (e.g. DINGBOT_RELAY_TOKEN)", SafeName(env))
	default:
		r.Secret = strings.TrimSpace(os.Getenv(env))
		if r.Secret == "" {
			fail("secret_env", "secret_env: environment variable %s is not set (or is empty): export it with the secret senders use (e.g. export %s=$(openssl rand -hex 32)), or remove secret_env to accept unauthenticated posts from this machine only", env, env)
		}
	}

	if slices.Contains(source.Names(), r.Source) {
		for _, e := range rc.Events {
			r.Events = append(r.Events, strings.TrimSpace(e))
		}
		for _, err := range source.CheckEvents(r.Source, r.Events) {
			fail("events", "%s", SafeName(err.Error()))
		}
	}

	if d := strings.TrimSpace(rc.Digest); d != "" {
		every, err := time.ParseDuration(d)
		switch {
		case err != nil:
			fail("digest", "digest %q is not a duration: write it like \"60s\" or \"5m\"", SafeName(d))
		case every < MinDigest:
			fail("digest", "digest %q is too short: give at least %v, or leave digest out to send every payload on its own", SafeName(d), MinDigest)
		default:
			r.Digest = every
		}
	}
	return r, errs
}

// checkAddr accepts host:port, :port and a bare port, as --addr does.
func checkAddr(addr string) error {
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("give host:port, such as 127.0.0.1:8080")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return errors.New("the port must be a number from 0 to 65535")
	}
	return nil
}
