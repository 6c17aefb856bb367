package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/dingbot/dingbot/dingtalk"
)

// Parse decodes a config file strictly: unknown keys, type mismatches and syntax errors are
// errors that begin with name and the line (and column) where they occur.
func Parse(name string, data []byte) (*File, error) {
	// Editors on Windows may save UTF-8 with a byte-order mark; TOML itself does not allow one.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	keys := unknownKeys(name, data)
	if err := keys.fatalError(name); err != nil {
		return nil, err
	}
	var f File
	dec := toml.NewDecoder(bytes.NewReader(data))
	if len(keys.robots)+len(keys.contacts)+len(keys.routes)+len(keys.serve) == 0 {
		// Strict as a second line of defence; with unknown keys inside robots, contacts, routes
		// or [serve] it would refuse the whole file, and those keys disable only their part.
		dec = dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(name, data, err)
	}
	for robot, errs := range keys.robots {
		if f.robotProblems == nil {
			f.robotProblems = map[string]error{}
		}
		f.robotProblems[robot] = partErrors(errs)
	}
	for i, errs := range keys.contacts {
		if f.contactProblems == nil {
			f.contactProblems = map[int]error{}
		}
		f.contactProblems[i] = partErrors(errs)
	}
	for i, errs := range keys.routes {
		if f.routeProblems == nil {
			f.routeProblems = map[int]error{}
		}
		f.routeProblems[i] = partErrors(errs)
	}
	if len(keys.serve) > 0 {
		f.serveProblem = partErrors(keys.serve)
	}
	f.lines = keys.lines
	return &f, nil
}

// decodeError turns go-toml's errors into "name:line:col: message" lines.
func decodeError(name string, data []byte, err error) error {
	var missing *toml.StrictMissingError
	if errors.As(err, &missing) {
		errs := make([]error, 0, len(missing.Errors))
		for _, e := range missing.Errors {
			line, _ := e.Position()
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q%s", name, line, dingtalk.MaskSecretLike(keyString(e.Key())), suggest(e.Key())))
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := message(de)
		if t := singleTable(data, line); t != "" && strings.HasSuffix(de.Error(), "cannot store a table in a slice") {
			// [routes] where [[routes]] is meant: go-toml names neither.
			msg = fmt.Sprintf("[%s] must be written [[%s]] (double brackets), one for each entry", t, t)
		}
		return fmt.Errorf("%s:%d:%d: %s", name, line, col, dingtalk.MaskSecretLike(msg))
	}
	return fmt.Errorf("%s: %s", name, dingtalk.MaskSecretLike(message(err)))
}

// singleTable returns NAME when line (1-based) of data is the header [NAME] of a table that
// is one of the config's arrays of tables, else "".
func singleTable(data []byte, line int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	h := strings.TrimSpace(lines[line-1])
	if i := strings.Index(h, "#"); i >= 0 {
		h = strings.TrimSpace(h[:i])
	}
	if !strings.HasPrefix(h, "[") || strings.HasPrefix(h, "[[") || !strings.HasSuffix(h, "]") {
		return ""
	}
	t := strings.TrimSpace(h[1 : len(h)-1])
	if !slices.Contains(arrayTables, t) {
		return ""
	}
	return t
}

// message is err's text without go-toml's prefix, with type mismatches in the file's terms
// ("keywords must be a list of strings, not a string") rather than Go's.
func message(err error) string {
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	m := mismatch.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	field := m[2]
	if i := strings.LastIndex(field, "."); i >= 0 {
		if j := strings.LastIndex(field[:i], "."); j >= 0 {
			field = field[j+1:]
		}
	}
	k, ok := fieldKeys[field]
	if !ok {
		return msg
	}
	return fmt.Sprintf("%s must be %s, not %s", k.key, k.want, article(m[1]))
}

var mismatch = regexp.MustCompile(`^cannot decode TOML (.+?) into struct field (\S+) of type .+$`)

// fieldKey is how a Go field is written in the file and what it must hold.
type fieldKey struct{ key, want string }

// fieldKeys maps "Type.Field" to its TOML key and a description of its value.
var fieldKeys = func() map[string]fieldKey {
	want := map[string]string{
		"default_robot":      "a string naming a robot",
		"test_robot":         "a string naming a robot",
		"org_monthly_quota":  "a whole number of sends a month (0: no cap)",
		"monthly_quota":      "a whole number of sends a month (0: no cap)",
		"state":              "a [state] table",
		"redis":              `a string like "redis://host:6379/0"`,
		"mcp":                "an [mcp] table",
		"confirm":            "true or false",
		"queue_when_limited": "true or false",
		"robots":             "robot tables like [robots.ops]",
		"contacts":           "[[contacts]] tables",
		"webhook":            "a string",
		"secret":             "a string",
		"secret_env":         "a string naming an environment variable",
		"keywords":           `a list of strings like ["deploy"]`,
		"allow_custom_host":  "true or false",
		"name":               "a string",
		"mobile":             `a string like "13800000000"`,
		"user_id":            "a string",
		"serve":              "a [serve] table",
		"addr":               `a string like "127.0.0.1:8080"`,
		"routes":             "[[routes]] tables",
		"path":               `a string like "/alertmanager"`,
		"source":             `a string naming a source, like "alertmanager"`,
		"template":           "a string naming a template",
		"mention_label":      "a string naming a label or field",
		"digest":             `a string like "60s"`,
		"events":             `a list of strings like ["push", "pull_request.merged"]`,
	}
	keys := map[string]fieldKey{}
	for _, v := range []any{File{}, RobotConfig{}, ContactConfig{}, StateConfig{}, MCPConfig{}, ServeConfig{}, RouteConfig{}} {
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			f := t.Field(i)
			k := f.Tag.Get("toml")
			keys[t.Name()+"."+f.Name] = fieldKey{key: k, want: want[k]}
		}
	}
	// A route's robots are names, not tables.
	keys["RouteConfig.Robots"] = fieldKey{key: "robots", want: `a list of robot names like ["ops"]`}
	return keys
}()

func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// keyString writes a dotted key as TOML would, quoting parts that are not bare keys.
func keyString(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if bareKey.MatchString(p) {
			out[i] = p
		} else {
			out[i] = strconv.Quote(p)
		}
	}
	return strings.Join(out, ".")
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Keys the file may hold, by where they appear.
var (
	topKeys     = []string{"default_robot", "test_robot", "org_monthly_quota", "state", "mcp", "robots", "contacts", "serve", "routes"}
	robotKeys   = []string{"webhook", "secret", "secret_env", "keywords", "allow_custom_host", "monthly_quota"}
	stateKeys   = []string{"redis"}
	mcpKeys     = []string{"confirm", "queue_when_limited"}
	contactKeys = []string{"name", "mobile", "user_id"}
	serveKeys   = []string{"addr"}
	routeKeys   = []string{"path", "source", "robots", "template", "mention_label", "secret_env", "digest", "events"}
)

// suggest returns ` (did you mean "x"?)` for an unknown key close to a known one.
func suggest(key []string) string {
	var known []string
	var part string
	switch {
	case len(key) == 0:
		return ""
	case len(key) == 1 && slices.Contains(mcpKeys, key[0]):
		// The MCP server's settings live in their own table.
		return fmt.Sprintf(" (did you mean %q under [mcp]?)", key[0])
	case len(key) == 1 && slices.Contains(serveKeys, key[0]):
		return fmt.Sprintf(" (did you mean %q under [serve]?)", key[0])
	case !slices.Contains(topKeys, key[0]):
		known, part = topKeys, key[0]
	case key[0] == "robots" && len(key) == 3:
		known, part = robotKeys, key[2]
	case key[0] == "contacts" && len(key) == 2:
		known, part = contactKeys, key[1]
	case key[0] == "state" && len(key) == 2:
		known, part = stateKeys, key[1]
	case key[0] == "mcp" && len(key) == 2:
		known, part = mcpKeys, key[1]
	case key[0] == "routes" && len(key) == 2:
		known, part = routeKeys, key[1]
	case key[0] == "serve" && len(key) == 2:
		known, part = serveKeys, key[1]
	default:
		return ""
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := dingtalk.EditDistance(strings.ToLower(part), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
