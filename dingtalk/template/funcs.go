package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	texttmpl "text/template"
	"time"
	_ "time/tzdata" // time zones by name on systems without a zoneinfo database (Windows)
	"unicode/utf8"

	"github.com/dingbot/dingbot/dingtalk"
)

// mentions collects who a render mentions.
type mentions struct {
	contacts dingtalk.Contacts
	typ      dingtalk.MsgType
	at       dingtalk.At
}

// helpers is the template function map; m records mentions (nil while only parsing).
func helpers(m *mentions) texttmpl.FuncMap {
	return texttmpl.FuncMap{
		"time":       timeIn,
		"since":      since,
		"duration":   duration,
		"md":         escapeMarkdown,
		"truncbytes": truncBytes,
		"mention":    m.mention,
		"join":       join,
		"split":      split,
		"lines":      func(s string) []string { return split("\n", s) },
		"default":    func(def, v string) string { return cond(strings.TrimSpace(v) == "", def, v) },
		"upper":      strings.ToUpper,
		"lower":      strings.ToLower,
		"trim":       strings.TrimSpace,
	}
}

func cond[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// namedLayouts are the layouts time knows by name.
var namedLayouts = map[string]string{
	"datetime": "2006-01-02 15:04",
	"date":     "2006-01-02",
	"clock":    "15:04",
	"rfc3339":  time.RFC3339,
}

// inputLayouts are the ways a time may be written in a variable, tried in order.
var inputLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// timeIn writes v, a time, in zone tz with layout. v is a time.Time or *time.Time (zero or nil
// writes ""), Unix seconds or milliseconds as a number, or a string (see inputLayouts); a
// time written without a zone is taken to be in tz already.
func timeIn(tz, layout string, v any) (string, error) {
	if t, err := toTime(v, time.UTC); err == nil && t.IsZero() {
		return "", nil // nothing to write, whatever tz says
	}
	loc, err := location(tz)
	if err != nil {
		return "", err
	}
	t, err := toTime(v, loc)
	if err != nil || t.IsZero() {
		return "", err
	}
	if l, ok := namedLayouts[layout]; ok {
		layout = l
	}
	return t.In(loc).Format(layout), nil
}

// toTime reads v as a time; "", a zero time and a nil pointer are the zero time.
func toTime(v any, loc *time.Location) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case *time.Time:
		if v == nil {
			return time.Time{}, nil
		}
		return *v, nil
	case string:
		if v = strings.TrimSpace(v); v == "" {
			return time.Time{}, nil
		}
		return parseTime(v, loc)
	case json.Number:
		return parseTime(v.String(), loc)
	case int:
		return parseTime(strconv.Itoa(v), loc)
	case int64:
		return parseTime(strconv.FormatInt(v, 10), loc)
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("cannot read a %T as a time", v)
}

// now is the clock since reads; tests set it.
var now = time.Now

// since is how long ago t was, as duration writes it; a zero time is "".
func since(v any) (string, error) {
	t, err := toTime(v, time.UTC)
	if err != nil || t.IsZero() {
		return "", err
	}
	return formatDuration(now().Sub(t)), nil
}

// duration writes a time.Duration (or a string time.ParseDuration reads, like "90s") as
// "1h 5m"; given two times, the time from the first to the second, "" when either is zero.
func duration(args ...any) (string, error) {
	switch len(args) {
	case 1:
		switch d := args[0].(type) {
		case time.Duration:
			return formatDuration(d), nil
		case string:
			if strings.TrimSpace(d) == "" {
				return "", nil
			}
			pd, err := time.ParseDuration(strings.TrimSpace(d))
			if err != nil {
				return "", &badValue{value: d, err: fmt.Errorf("cannot read %q as a duration (write it like 90s or 1h5m)", d)}
			}
			return formatDuration(pd), nil
		}
		return "", fmt.Errorf("duration: cannot read a %T as a duration", args[0])
	case 2:
		from, err := toTime(args[0], time.UTC)
		if err != nil {
			return "", err
		}
		to, err := toTime(args[1], time.UTC)
		if err != nil || from.IsZero() || to.IsZero() {
			return "", err
		}
		return formatDuration(to.Sub(from)), nil
	}
	return "", fmt.Errorf("duration: takes a duration or two times, not %d values", len(args))
}

// formatDuration writes d by its two largest units, rounded down: "2d 3h", "1h 5m", "1m 30s",
// "45s"; a zero part is left out ("1h"), and under a second is "0s".
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var parts []string
	for i, u := range units {
		n := d / u.size
		if n == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
		if i+1 < len(units) {
			if next := (d - n*u.size) / units[i+1].size; next > 0 {
				parts = append(parts, fmt.Sprintf("%d%s", next, units[i+1].name))
			}
		}
		break
	}
	if len(parts) == 0 {
		return "0s"
	}
	return sign + strings.Join(parts, " ")
}

func location(tz string) (*time.Location, error) {
	switch tz {
	case "", "UTC", "utc", "Z":
		return time.UTC, nil
	case "Local", "local":
		return time.Local, nil
	}
	if len(tz) == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':' {
		if t, err := time.Parse("-07:00", tz); err == nil {
			_, off := t.Zone()
			return time.FixedZone(tz, off), nil
		}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use a name like Asia/Shanghai, UTC, Local or an offset like +08:00", tz)
	}
	return loc, nil
}

func parseTime(v string, loc *time.Location) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > 1e12 || n < -1e12 { // milliseconds
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	for _, l := range inputLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &badValue{value: v, err: fmt.Errorf("cannot read %q as a time (write it like 2024-05-01T10:00:00+08:00, 2024-05-01 10:00 or as Unix seconds)", v)}
}

// markdownInline are the characters escapeMarkdown puts a backslash before anywhere.
const markdownInline = "\\`*_[]<>|~"

// escapeMarkdown makes s show as typed in markdown: no bold, links, code, HTML or tables, and
// no heading, list or quote started by a line's first character. Line breaks stay.
func escapeMarkdown(s string) string {
	var b strings.Builder
	lineStart := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf && strings.ContainsRune(markdownInline, r):
			b.WriteByte('\\')
		case lineStart && (r == '#' || r == '-' || r == '+' || r == '='):
			b.WriteByte('\\')
		case lineStart && r >= '0' && r <= '9':
			// "1. item" or "1) item" would start a list: escape its dot.
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				b.WriteString(s[i:j])
				b.WriteByte('\\')
				b.WriteByte(s[j])
				i, lineStart = j+1, false
				continue
			}
		}
		b.WriteString(s[i : i+size])
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
		i += size
	}
	return b.String()
}

// truncBytes cuts s to at most n bytes at a character boundary; a cut text ends with "…"
// (3 bytes), within the n.
func truncBytes(n int, s string) (string, error) {
	if n < 0 {
		return "", errors.New("truncbytes: the length is negative")
	}
	if len(s) <= n {
		return s, nil
	}
	const ell = "…"
	if n < len(ell) {
		return cutRunes(s, n), nil
	}
	return cutRunes(s, n-len(ell)) + ell, nil
}

// cutRunes is the longest prefix of s of at most n bytes that ends on a character boundary.
func cutRunes(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// mention writes the contact's @handle and records it in the message's at.
func (m *mentions) mention(name string) (string, error) {
	name = strings.TrimSpace(name)
	if m == nil || name == "" {
		return "", nil
	}
	switch m.typ {
	case dingtalk.TypeLink, dingtalk.TypeFeedCard:
		return "", fmt.Errorf("mention %q: a %s cannot mention anyone", name, m.typ.Name())
	}
	c, err := m.contacts.Find(name)
	if err != nil {
		return "", &badValue{value: name, err: fmt.Errorf("mention: %w", err)}
	}
	switch {
	case m.typ == dingtalk.TypeActionCard && c.UserID == "":
		return "", &badValue{value: name, err: fmt.Errorf("mention %q: an action card notifies by userId only, and this contact has none (add user_id to the contact)", c.Name)}
	case m.typ == dingtalk.TypeActionCard:
		m.at.AtUserIDs = appendUnique(m.at.AtUserIDs, c.UserID)
		return "@" + c.UserID, nil
	case c.Mobile != "":
		m.at.AtMobiles = appendUnique(m.at.AtMobiles, c.Mobile)
		return "@" + c.Mobile, nil
	case c.UserID != "":
		m.at.AtUserIDs = appendUnique(m.at.AtUserIDs, c.UserID)
		return "@" + c.UserID, nil
	}
	return "", &badValue{value: name, err: fmt.Errorf("mention %q: the contact has neither mobile nor user_id", c.Name)}
}

func appendUnique(list []string, v string) []string {
	if contains(list, v) {
		return list
	}
	return append(list, v)
}

// join joins a list; a string is one item a line.
func join(sep string, v any) (string, error) {
	switch l := v.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case string:
		return strings.Join(split("\n", l), sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, sep), nil
	}
	return "", fmt.Errorf("join: cannot join a %T", v)
}

// split cuts s at sep, trims the items and drops empty ones.
func split(sep, s string) []string {
	if sep == "" {
		sep = "\n"
	}
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// badValue is a helper's complaint about a value it was given (not about how the template
// calls it): the error then names the variable the value came from.
type badValue struct {
	value string
	err   error
}

func (e *badValue) Error() string { return e.err.Error() }
func (e *badValue) Unwrap() error { return e.err }
