package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	texttmpl "text/template"
	"time"
	_ "time/tzdata" // time zones by name on systems without a zoneinfo database (Windows)
	"unicode/utf8"

	"github.com/dingbot/dingbot/dingtalk"
)

// mentions collects who a render mentions, and knows the field being written (for fits).
type mentions struct {
	contacts dingtalk.Contacts
	typ      dingtalk.MsgType
	at       dingtalk.At
	// out is the field being written: text/template writes as it goes, so its length is what
	// the field holds so far.
	out *strings.Builder
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
		"get":        get,
		"json":       toJSON,
		"kind":       kind,
		"head":       head,
		"skip":       skip,
		"except":     except,
		"pairs":      pairs,
		"links":      links,
		"keys":       keys,
		"oneline":    oneline,
		"fits":       m.fits,
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

// wordJoiner is the invisible character md puts after an @ that would read as a mention, and
// before a line's first character that would start a heading, a list, a quote or a table.
const wordJoiner = "\u2060"

// escapeMarkdown keeps a payload's text from taking over the message's layout while keeping
// every character the reader may copy as it was sent: a command, a path, a glob, a URL. An
// invisible word joiner (U+2060) breaks what would start a line's block ("# ", "- ", "1. ",
// "> ", "|", "[x]: "), a tag or an autolink ("<font"), a link ("](") and a mention: a
// payload's "@lina" is a GitHub login, nobody in the group, and only the mention helper
// mentions; and "~~" (strikethrough, shown differently on PC and phones). Emphasis characters (* _ ` ~) are left as typed: DingTalk documents no backslash
// escapes, and a look-alike would break what is copied; a pair of them may render as
// emphasis, which loses no character. Line breaks stay.
func escapeMarkdown(s string) string {
	var b strings.Builder
	lineStart := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next, _ := utf8.DecodeRuneInString(s[i+size:])
		switch {
		case r == '@' && (i == 0 || !isWordByte(s[i-1])) && i+1 < len(s) && (isWordByte(s[i+1]) || s[i+1] == '+'):
			b.WriteString("@" + wordJoiner)
			i, lineStart = i+1, false
			continue
		case lineStart && strings.ContainsRune("#-+=>[|:", r):
			b.WriteString(wordJoiner)
		case lineStart && r >= '0' && r <= '9':
			// "1. item" or "1) item" would start a list.
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				b.WriteString(wordJoiner)
			}
		}
		switch {
		case r == '<' && (next == '/' || next == '!' || next == '?' || (next < utf8.RuneSelf && isWordByte(byte(next)))):
			b.WriteString("<" + wordJoiner)
		case r == ']' && next == '(':
			b.WriteString("]" + wordJoiner)
		case r == '~' && next == '~':
			// Strikethrough shows differently on PC and phones: keep "~~" from making one.
			b.WriteString("~" + wordJoiner)
		default:
			b.WriteString(s[i : i+size])
		}
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

// get is v's value at path, keys separated by dots ("alert.owner"), read through maps; "" when
// a key is missing, v is no map there or the value is null (never "<no value>"). It never
// fails, so that a template can ask a payload of any shape: {{ or (get "title" .) "Webhook" }}.
func get(path string, v any) any {
	for _, k := range strings.Split(path, ".") {
		rv := reflect.ValueOf(v)
		for rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return ""
			}
			rv = rv.Elem()
		}
		if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
			return ""
		}
		e := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()))
		if !e.IsValid() {
			return ""
		}
		v = e.Interface()
	}
	if v == nil {
		return ""
	}
	return v
}

// toJSON writes v as compact JSON, <, > and & as they are.
func toJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// kind names what v is as JSON: object, array, string, number, bool or null.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "bool"
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return "null"
		}
		return kind(rv.Elem().Interface())
	}
	return "object"
}

// list is v as a slice (or array) value, for head and skip.
func list(name string, v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.String:
		return rv, nil
	case reflect.Invalid:
		return reflect.ValueOf([]any{}), nil
	}
	return rv, fmt.Errorf("%s: cannot take items of a %T", name, v)
}

// head is the first n items of a list (all of them when it has fewer).
func head(n int, v any) (any, error) {
	rv, err := list("head", v)
	if err != nil {
		return nil, err
	}
	return rv.Slice(0, min(max(n, 0), rv.Len())).Interface(), nil
}

// skip is a list without its first n items (empty when it has no more).
func skip(n int, v any) (any, error) {
	rv, err := list("skip", v)
	if err != nil {
		return nil, err
	}
	return rv.Slice(min(max(n, 0), rv.Len()), rv.Len()).Interface(), nil
}

// except is the map m (the last argument) without the keys the other arguments name: a string
// names a key; a map drops each key it holds with the same value. {{ .Labels | except
// $.CommonLabels "alertname" }} are an alert's own labels.
func except(args ...any) (map[string]any, error) {
	if len(args) == 0 {
		return nil, errors.New("except: give a map")
	}
	m, err := stringMap("except", args[len(args)-1])
	if err != nil {
		return nil, err
	}
	for _, a := range args[:len(args)-1] {
		if k, ok := a.(string); ok {
			delete(m, k)
			continue
		}
		drop, err := stringMap("except", a)
		if err != nil {
			return nil, err
		}
		for k, v := range drop {
			if w, ok := m[k]; ok && reflect.DeepEqual(w, v) {
				delete(m, k)
			}
		}
	}
	return m, nil
}

// pairs writes a map as key=value items in key order, joined by sep: "env=prod, team=web".
func pairs(sep string, v any) (string, error) {
	m, err := stringMap("pairs", v)
	if err != nil {
		return "", err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	items := make([]string, len(keys))
	for i, k := range keys {
		items[i] = k + "=" + fmt.Sprint(m[k])
	}
	return strings.Join(items, sep), nil
}

// stringMap copies a map with string keys (labels, a JSON object, query values) into a
// map[string]any; nil is an empty map.
func stringMap(name string, v any) (map[string]any, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Map && rv.IsNil()) {
		return map[string]any{}, nil
	}
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("%s: want a map, not a %T", name, v)
	}
	out := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out, nil
}

// maxLinkURL is the longest URL links writes: a longer one is left out rather than cut, since
// a cut URL leads nowhere (and one URL must not eat DingTalk's 20 000 bytes).
const maxLinkURL = 1000

// links writes markdown links, "[Dashboard](https://…) · [Silence](https://…)", from pairs of
// text and URL. A link whose URL is empty, not http(s) or over maxLinkURL bytes is left out; the
// text is put on one line and escaped, and characters that would end the link early are
// percent-encoded.
func links(args ...any) (string, error) {
	if len(args)%2 != 0 {
		return "", fmt.Errorf("links: give pairs of text and URL, not %d values", len(args))
	}
	var out []string
	for i := 0; i < len(args); i += 2 {
		text, u := fmt.Sprint(args[i]), strings.TrimSpace(fmt.Sprint(args[i+1]))
		if args[i+1] == nil || len(u) > maxLinkURL {
			continue
		}
		lower := strings.ToLower(u)
		if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			continue
		}
		u = linkURL.Replace(u)
		out = append(out, "["+linkText.Replace(escapeMarkdown(oneline(text)))+"]("+u+")")
	}
	return strings.Join(out, " · "), nil
}

// linkText writes a link text's brackets full-width: one would end the text early.
var linkText = strings.NewReplacer("[", "［", "]", "］")

// linkURL percent-encodes what would end a markdown link's destination early.
var linkURL = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\n", "%0A")

// keys are a map's keys, sorted; nil (or anything but a map) has none.
func keys(v any) []string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil
	}
	out := make([]string, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out = append(out, it.Key().String())
	}
	slices.Sort(out)
	return out
}

// oneline is v (a string, or anything as fmt prints it) on one line: runs of spaces and line
// breaks become one space, and it is trimmed.
func oneline(v any) string {
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return ""
		}
		s = fmt.Sprint(v)
	}
	return strings.Join(strings.Fields(s), " ")
}

// fitsBudget is the most a field may hold, as JSON encodes it, for fits: DingTalk takes 20 000
// bytes, and the rest (the title, the mentions and keyword a send adds, the JSON around the
// text) is given 4 000.
const fitsBudget = 16000

// fits reports whether n more bytes keep the field being written within fitsBudget, counting
// what it holds so far as JSON encodes it: a template asks it before each item of a long list
// and stops the list when the answer is no. While only parsing it is true.
func (m *mentions) fits(n int) bool {
	if m == nil || m.out == nil {
		return true
	}
	return jsonLen(m.out.String())+n <= fitsBudget
}

// jsonLen is the length of s as a JSON string's content (without HTML escaping), as
// dingtalk.Message bodies are encoded.
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n += 2
		case c < 0x20:
			n += 6
		case c < utf8.RuneSelf:
			n++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				n += 6 // \ufffd
			case r == '\u2028' || r == '\u2029':
				n += 6
			default:
				n += size
			}
			i += size
			continue
		}
		i++
	}
	return n
}

// isWordByte reports whether b is an ASCII letter, digit or '_', as DingTalk reads mentions.
func isWordByte(b byte) bool {
	return b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}
