// Package config loads dingbot's robots and contacts from TOML and the environment.
package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dingbot/dingbot/dingtalk"
)

// Environment variables the config honours.
const (
	// EnvConfig overrides the config file's path.
	EnvConfig = "DINGBOT_CONFIG"
	// EnvStateDir overrides the state directory (rate-limit state, drafts, history).
	EnvStateDir = "DINGBOT_STATE_DIR"
	// EnvToken adds a robot named "default" (mcp-dingding-bot compatibility): the access token
	// or the whole webhook URL.
	EnvToken = "DINGTALK_BOT_ACCESS_TOKEN"
	// EnvSecret is the signing secret of the robot EnvToken adds.
	EnvSecret = "DINGTALK_BOT_SECRET"
	// EnvRedis is the Redis URL that keeps rate limits, quotas, pauses and the outbox shared by
	// every host; it overrides [state] redis.
	EnvRedis = "DINGBOT_REDIS_URL"
)

// EnvRobotName is the name of the robot added from EnvToken.
const EnvRobotName = "default"

// RobotConfig is one [robots.NAME] table.
type RobotConfig struct {
	Webhook         string   `toml:"webhook"`
	Secret          string   `toml:"secret"`
	SecretEnv       string   `toml:"secret_env"`
	Keywords        []string `toml:"keywords"`
	AllowCustomHost bool     `toml:"allow_custom_host"`
	MonthlyQuota    int      `toml:"monthly_quota"`
}

// ContactConfig is one [[contacts]] entry.
type ContactConfig struct {
	Name   string `toml:"name"`
	Mobile string `toml:"mobile"`
	UserID string `toml:"user_id"`
}

// StateConfig is the [state] table: where shared state lives.
type StateConfig struct {
	// Redis is a redis:// or rediss:// URL; empty keeps state in local files.
	Redis string `toml:"redis"`
}

// MCPConfig is the [mcp] table: how `dingbot --mcp` serves agents.
type MCPConfig struct {
	// Confirm makes every send ask the human before it posts (--confirm).
	Confirm bool `toml:"confirm"`
	// QueueWhenLimited queues a send that is rate limited, paused or has more parts than the
	// robot's sends left, instead of failing it, unless the call passes queue: false.
	QueueWhenLimited bool `toml:"queue_when_limited"`
}

// File is the config file as written, before validation and the environment.
type File struct {
	DefaultRobot    string                 `toml:"default_robot"`
	TestRobot       string                 `toml:"test_robot"`
	OrgMonthlyQuota int                    `toml:"org_monthly_quota"`
	State           StateConfig            `toml:"state"`
	MCP             MCPConfig              `toml:"mcp"`
	Robots          map[string]RobotConfig `toml:"robots"`
	Contacts        []ContactConfig        `toml:"contacts"`
	Serve           ServeConfig            `toml:"serve"`
	Routes          []RouteConfig          `toml:"routes"`

	// Unknown keys inside one robot's table or one contact: they disable only that part.
	robotProblems   map[string]error
	contactProblems map[int]error
	// Unknown keys inside a route or [serve]: they stop only dingbot serve.
	routeProblems map[int]error
	serveProblem  error
	// lines are where the routes' and [serve]'s keys are written.
	lines keyLines
}

// Config is the validated configuration: the file plus the environment.
type Config struct {
	// Path is the file the config came from ("" if none was read).
	Path string
	// DefaultRobot names the robot used when none is given ("" if there is no obvious one).
	DefaultRobot string
	// TestRobot names the robot the composer's test send posts to (test_robot), "" when none is
	// set or it names no robot (TestTarget says why).
	TestRobot string
	// Robots are sorted by name, with secrets resolved (secret_env read from the environment).
	Robots []dingtalk.Robot
	// Contacts are the people who can be mentioned by name, in file order.
	Contacts dingtalk.Contacts
	// OrgMonthlyQuota caps all robots' sends together per month (0: count only).
	OrgMonthlyQuota int
	// Redis is the URL of the shared state ($DINGBOT_REDIS_URL or [state] redis), "" for local
	// files. It may hold a password: never print it (RedactURL).
	Redis string
	// MCP is the [mcp] table as written.
	MCP MCPConfig
	// Warnings are problems worth telling the user that do not stop dingbot, such as a secret in
	// a file other users can read.
	Warnings []string
	// Serve is the [serve] table: the relay's defaults.
	Serve ServeConfig
	// Routes are the relay's [[routes]] that are valid here, in file order, with their secrets
	// read from the environment. Routes with a problem are left out and explained by ServeErr.
	Routes []Route
	// Unavailable holds the robots that are configured correctly but cannot be used in this
	// environment (their secret_env variable is not set), with the reason. They are not in Robots;
	// asking for one by name returns its reason, so the other robots keep working.
	Unavailable map[string]error

	// badDefault explains a default_robot that names no robot; asking for the default returns it.
	badDefault error
	// badTest explains a test_robot that names no robot; TestTarget returns it.
	badTest error
	// leftOut explains each contact left out of Contacts, by its lower-case name.
	leftOut map[string]error
	// serveProblems are what is wrong with [serve] and [[routes]], each with the file and line:
	// dingbot serve refuses to start with any, the other commands do not use them.
	serveProblems []error
}

// ErrNoRobots is returned when a robot is asked for and none is configured.
var ErrNoRobots = errors.New("no robot configured: run `dingbot config init` and paste your robot's webhook into the config, or set " + EnvToken + " (and " + EnvSecret + " if the robot signs)")

// ErrUnknownRobot is wrapped by the error for a robot name that is not configured.
var ErrUnknownRobot = errors.New("unknown robot")

// Empty reports whether no robot is configured at all.
func (c *Config) Empty() bool { return len(c.Robots) == 0 && len(c.Unavailable) == 0 }

// Names lists the configured robots' names, sorted.
func (c *Config) Names() []string {
	names := make([]string, len(c.Robots))
	for i, r := range c.Robots {
		names[i] = r.Name
	}
	return names
}

// Robot returns the robot called name, or the default robot when name is "". A name matches
// exactly, else case-insensitively. Errors list the configured robots and suggest the nearest
// name.
func (c *Config) Robot(name string) (dingtalk.Robot, error) {
	if c.Empty() {
		return dingtalk.Robot{}, ErrNoRobots
	}
	name = strings.TrimSpace(name)
	if name == "" {
		switch {
		case c.DefaultRobot != "":
			name = c.DefaultRobot
		case c.badDefault != nil:
			return dingtalk.Robot{}, fmt.Errorf("%w; choose one with --robot NAME", c.badDefault)
		default:
			return dingtalk.Robot{}, fmt.Errorf("%d robots are configured and none is the default: choose one of %s (--robot NAME), or set default_robot in the config", len(c.Robots)+len(c.Unavailable), c.listNames())
		}
	}
	if err, ok := c.Unavailable[name]; ok {
		return dingtalk.Robot{}, err
	}
	for _, r := range c.Robots {
		if r.Name == name {
			return r, nil
		}
	}
	for _, r := range c.Robots {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return dingtalk.Robot{}, fmt.Errorf("%w %q%s; configured: %s", ErrUnknownRobot, dingtalk.MaskSecretLike(SafeName(name)), c.suggestRobot(name), c.listNames())
}

// TestTarget returns the robot test sends go to: the one test_robot names. set is false when
// test_robot is not set (test sends then go to the built-in sandbox); err says why the robot it
// names cannot be used (no such robot, or one unavailable here), so that a test send never
// falls back anywhere unannounced.
func (c *Config) TestTarget() (r dingtalk.Robot, set bool, err error) {
	switch {
	case c.badTest != nil:
		return dingtalk.Robot{}, true, c.badTest
	case c.TestRobot == "":
		return dingtalk.Robot{}, false, nil
	}
	if err, ok := c.Unavailable[c.TestRobot]; ok {
		return dingtalk.Robot{}, true, err
	}
	r, _ = c.find(c.TestRobot)
	return r, true, nil
}

// ContactProblem says why the contact called name was left out of Contacts, or nil.
func (c *Config) ContactProblem(name string) error {
	return c.leftOut[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "@")))]
}

// listNames lists the robots for an error: the usable ones, then the unavailable ones marked.
func (c *Config) listNames() string {
	names := c.Names()
	for i, n := range names {
		names[i] = SafeName(n)
	}
	var off []string
	for n := range c.Unavailable {
		off = append(off, SafeName(n)+" (unavailable)")
	}
	slices.Sort(off)
	names = append(names, off...)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// suggestRobot returns ` (did you mean "x"?)` for the robot name nearest to name, if one is close.
func (c *Config) suggestRobot(name string) string {
	all := c.Names()
	for n := range c.Unavailable {
		all = append(all, n)
	}
	slices.Sort(all)
	if best := dingtalk.Nearest(name, all); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", SafeName(best))
	}
	return ""
}

// SafeName renders a name from the config for a terminal: printable as it is, otherwise quoted
// with its control characters escaped, so that a name can never carry terminal escape codes.
func SafeName(name string) string {
	if printable(name) {
		return name
	}
	q := strconv.QuoteToGraphic(name)
	return q[1 : len(q)-1]
}

// printable reports whether s holds no control characters and is valid UTF-8.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u202e' {
			return false
		}
	}
	return true
}

// RobotProblem is a configured robot that cannot be used here, and why, in a few words fit to
// show next to its name (secret-like text masked).
type RobotProblem struct {
	Name   string
	Reason string
}

// UnavailableRobots lists the robots in Unavailable, sorted by name, each with a short reason:
// "$OPS_SECRET (its secret_env) is not set", or the config problem without the file and robot
// it already names.
func (c *Config) UnavailableRobots() []RobotProblem {
	out := make([]RobotProblem, 0, len(c.Unavailable))
	for name, err := range c.Unavailable {
		reason := err.Error()
		var unset *unsetEnvError
		if errors.As(err, &unset) {
			reason = "$" + unset.name + " (its secret_env) is not set"
		} else if _, rest, ok := strings.Cut(reason, "robot "+SafeName(name)+": "); ok {
			reason = rest
		}
		out = append(out, RobotProblem{Name: name, Reason: dingtalk.MaskSecretLike(reason)})
	}
	slices.SortFunc(out, func(a, b RobotProblem) int { return strings.Compare(a.Name, b.Name) })
	return out
}
