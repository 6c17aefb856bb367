package mcp

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// args reads a tool call's arguments leniently where the intent is clear (a number where a
// string is expected, one string where a list is, "actionUrl" for "actionURL") and collects a
// problem for everything else, so one result can list every mistake at once.
type args struct {
	raw      map[string]any
	allowed  []string
	problems []string
}

func newArgs(req mcpgo.CallToolRequest, allowed ...string) *args {
	a := &args{raw: map[string]any{}, allowed: allowed}
	switch v := req.Params.Arguments.(type) {
	case nil:
	case map[string]any:
		a.raw = v
	default:
		a.problem("arguments must be a JSON object with the tool's parameters")
	}
	return a
}

func (a *args) problem(format string, v ...any) {
	a.problems = append(a.problems, fmt.Sprintf(format, v...))
}

// lookup finds a parameter by its exact name, else by a case-insensitive match.
func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, v != nil
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, v != nil
		}
	}
	return nil, false
}

// has reports whether the parameter was given (and not null).
func (a *args) has(name string) bool {
	_, ok := lookup(a.raw, name)
	return ok
}

// str reads a string parameter; a missing required one is a problem.
func (a *args) str(name string, required bool) string {
	v, ok := lookup(a.raw, name)
	if !ok {
		if required {
			a.problem("%s: missing required argument", name)
		}
		return ""
	}
	s, ok := asString(v)
	if !ok {
		a.problem("%s: must be a string, got %s", name, jsonType(v))
	}
	return s
}

// strs reads a list of strings; a single string counts as a list of one.
func (a *args) strs(name string) []string {
	v, ok := lookup(a.raw, name)
	if !ok {
		return nil
	}
	if s, ok := asString(v); ok {
		return []string{s}
	}
	list, ok := v.([]any)
	if !ok {
		a.problem("%s: must be an array of strings, got %s", name, jsonType(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := asString(item)
		if !ok {
			a.problem("%s[%d]: must be a string, got %s", name, i, jsonType(item))
			continue
		}
		out = append(out, s)
	}
	return out
}

// boolean reads a true/false parameter, also accepting "true" and "false".
func (a *args) boolean(name string) bool {
	v, ok := lookup(a.raw, name)
	if !ok {
		return false
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if p, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
			return p
		}
	}
	a.problem("%s: must be true or false, got %s", name, jsonType(v))
	return false
}

// choice reads a string parameter that must map to one of the values of choices (keys compared
// case-insensitively). Booleans and numbers are read as their string forms ("true", "1").
func (a *args) choice(name string, choices map[string]string) string {
	v, ok := lookup(a.raw, name)
	if !ok {
		return ""
	}
	s, ok := asString(v)
	if b, isBool := v.(bool); isBool {
		s, ok = strconv.FormatBool(b), true
	}
	if ok {
		if out, found := choices[strings.ToLower(strings.TrimSpace(s))]; found {
			return out
		}
	}
	keys := make([]string, 0, len(choices))
	for k := range choices {
		keys = append(keys, strconv.Quote(k))
	}
	slices.Sort(keys)
	a.problem("%s: must be one of %s, got %s", name, strings.Join(keys, ", "), describe(v))
	return ""
}

// objects reads an array of objects whose values are strings, keyed by the canonical field
// names given; fields marked required by a trailing "!" must be present.
func (a *args) objects(name string, fields ...string) []map[string]string {
	v, ok := lookup(a.raw, name)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		a.problem("%s: must be an array of objects, got %s", name, jsonType(v))
		return nil
	}
	out := make([]map[string]string, 0, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			a.problem("%s[%d]: must be an object, got %s", name, i, jsonType(item))
			continue
		}
		got := map[string]string{}
		var names []string
		for _, f := range fields {
			field, required := strings.CutSuffix(f, "!")
			names = append(names, field)
			fv, ok := lookup(obj, field)
			if !ok {
				if required {
					a.problem("%s[%d].%s: missing required field", name, i, field)
				}
				continue
			}
			s, ok := asString(fv)
			if !ok {
				a.problem("%s[%d].%s: must be a string, got %s", name, i, field, jsonType(fv))
				continue
			}
			got[field] = s
		}
		for k := range obj {
			if !containsFold(names, k) {
				a.problem("%s[%d]: unknown field %q (fields: %s)", name, i, k, strings.Join(names, ", "))
			}
		}
		out = append(out, got)
	}
	return out
}

// robotWithheld stands in for a robot argument that looked like a webhook URL, token or secret.
const robotWithheld = "(withheld: not a robot name)"

// robot reads the robot parameter: the name to look up, and the value to show in results and
// logs. A value that looks like a webhook URL, an access token or a secret is never shown: it
// becomes a problem, and robotWithheld stands in for it.
func (a *args) robot() (name, shown string) {
	name = a.str("robot", false)
	if looksSecret(name) {
		a.problem("robot: must be the name of a configured robot, not a webhook URL, access token or secret (the value is not shown); robots are chosen by name from list_robots, and dingbot keeps their webhooks and secrets")
		return "", robotWithheld
	}
	return name, name
}

// looksSecret reports whether s looks like a DingTalk webhook URL, access token or signing
// secret rather than a name.
func looksSecret(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(l, "://") || strings.Contains(l, "access_token") || strings.Contains(l, "dingtalk.com") {
		return true
	}
	hex := strings.TrimPrefix(l, "sec")
	return len(hex) >= 32 && strings.Trim(hex, "0123456789abcdef") == ""
}

// err reports every problem found, unknown parameters included, as an invalid_arguments error.
func (a *args) err() error {
	var unknown []string
	for k := range a.raw {
		if !containsFold(a.allowed, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	takes := "takes no arguments"
	if len(a.allowed) > 0 {
		takes = "takes " + strings.Join(a.allowed, ", ")
	}
	for _, k := range unknown {
		if looksSecret(k) {
			k = "(withheld: looks like a webhook URL or token)"
		}
		a.problem("unknown argument %q: this tool %s", k, takes)
	}
	if len(a.problems) == 0 {
		return nil
	}
	hint := "correct the arguments as described and call again"
	if len(a.allowed) == 0 {
		hint = "this tool takes no arguments: call it again with none"
	}
	return &toolError{
		kind:     KindInvalidArguments,
		msg:      "invalid arguments: " + strings.Join(a.problems, "; "),
		hint:     hint,
		problems: a.problems,
	}
}

func asString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case float64:
		// A mobile number or userId sent as a JSON number.
		if s == math.Trunc(s) && math.Abs(s) < 1e18 {
			return strconv.FormatInt(int64(s), 10), true
		}
	}
	return "", false
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		if looksSecret(s) {
			return "a value that looks like a webhook URL or token (not shown)"
		}
		return strconv.Quote(s)
	}
	return jsonType(v)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
