package template

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// Field is one thing a template of payloads can read from its data, for dingbot template
// fields: where it is, what it is in plain words and what it holds in the sample.
type Field struct {
	// Path is how a template reads it from ".": .Status, .Alerts, and for what each item of a
	// list holds, inside {{ range .Alerts }}, .Alerts[].Labels.
	Path string `json:"path"`
	// Name is the last part of Path, as written inside a range or with: .Labels.
	Name string `json:"name"`
	// Depth is how many lists or structures Path goes through (0 for a field of ".").
	Depth int `json:"depth"`
	// Type is what it is, in words: "text", "number", "time", "list of alerts", "map of text
	// (index it: .Labels.severity)".
	Type string `json:"type"`
	// Example is its value in the data given, shortened; "" when it is empty there.
	Example string `json:"example,omitempty"`
}

// typeNames are the relay's data types in words: with an article, and plural.
var typeNames = map[reflect.Type][2]string{
	reflect.TypeFor[source.AlertmanagerPayload](): {"the alertmanager payload", "alertmanager payloads"},
	reflect.TypeFor[source.Alert]():               {"an alert", "alerts"},
	reflect.TypeFor[source.GrafanaPayload]():      {"the grafana payload", "grafana payloads"},
	reflect.TypeFor[source.GrafanaAlert]():        {"a grafana alert", "grafana alerts"},
	reflect.TypeFor[source.GitEvent]():            {"the git event (github, gitlab, gitea)", "git events"},
	reflect.TypeFor[source.GitRepo]():             {"a repository", "repositories"},
	reflect.TypeFor[source.GitUser]():             {"a user", "users"},
	reflect.TypeFor[source.GitCommit]():           {"a commit", "commits"},
	reflect.TypeFor[source.GitPullRequest]():      {"a pull request", "pull requests"},
	reflect.TypeFor[source.GitRelease]():          {"a release", "releases"},
	reflect.TypeFor[source.GitWorkflow]():         {"a workflow run", "workflow runs"},
	reflect.TypeFor[source.GitJob]():              {"a job", "jobs"},
	reflect.TypeFor[source.GitIssue]():            {"an issue", "issues"},
	reflect.TypeFor[source.GitComment]():          {"a comment", "comments"},
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	numberType   = reflect.TypeFor[json.Number]()
	durationType = reflect.TypeFor[time.Duration]()
)

// typeWords is t in words, with an article for a structure ("an alert") and plural when many.
func typeWords(t reflect.Type, many bool) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n, ok := typeNames[t]; ok {
		if many {
			return n[1]
		}
		return n[0]
	}
	s := func(one, more string) string {
		if many {
			return more
		}
		return one
	}
	switch {
	case t == timeType:
		return s("time", "times")
	case t == durationType:
		return s("duration", "durations")
	case t == numberType:
		return s("number", "numbers")
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return s("true or false", "true or false values")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return s("number", "numbers")
	case reflect.Slice, reflect.Array:
		return s("list of ", "lists of ") + typeWords(t.Elem(), true)
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return s("object", "objects")
		}
		return s("map of ", "maps of ") + typeWords(t.Elem(), true)
	case reflect.Interface:
		return s("value", "values")
	case reflect.Struct:
		words := strings.ToLower(strings.Join(camelWords(t.Name()), " "))
		if many {
			return words + "s"
		}
		return article(words) + " " + words
	}
	return t.String()
}

func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

// camelWords splits GitPullRequest into Git, Pull, Request.
func camelWords(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

// member is a field or a method a template can read from a structure.
type member struct {
	name   string
	typ    reflect.Type
	method bool
}

// members are the exported fields (an embedded structure's promoted ones, not itself) and the
// methods a template can call without arguments, fields first, in declaration order.
func members(t reflect.Type) []member {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []member
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		out = append(out, member{name: f.Name, typ: f.Type})
	}
	for i := range t.NumMethod() {
		m := t.Method(i)
		if m.Type.NumIn() != 1 || m.Type.NumOut() == 0 || m.Type.NumOut() > 2 || m.Name == "String" {
			continue
		}
		out = append(out, member{name: m.Name, typ: m.Type.Out(0), method: true})
	}
	return out
}

// Fields lists what a template of payloads can read from data (a sample payload, parsed:
// SamplePayload): every field and method of its structures, what each list item holds and
// the keys of a JSON document, with the data's values as examples. A structure met again
// (.Firing holds the alerts .Alerts does) is not listed twice.
func Fields(data any) []Field {
	w := &fieldWalker{seen: map[reflect.Type]string{}}
	w.walk(reflect.ValueOf(data), "", 0)
	return w.out
}

type fieldWalker struct {
	out  []Field
	seen map[reflect.Type]string // a structure type → the path it was listed under
}

// walk lists the members of v (a structure, a JSON object) under path.
func (w *fieldWalker) walk(v reflect.Value, path string, depth int) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		w.seen[v.Type()] = path
		for _, m := range members(v.Type()) {
			var fv reflect.Value
			if m.method {
				fv = v.MethodByName(m.name).Call(nil)[0]
			} else {
				fv = v.FieldByName(m.name)
			}
			w.add(path+"."+m.name, m.name, depth, fv, m.typ)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.Interface {
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			name := k.String()
			p := path + "." + name
			if !isIdent(name) {
				p = fmt.Sprintf("(get %q %s)", name, cond(path == "", ".", path))
			}
			w.add(p, name, depth, v.MapIndex(k), nil)
		}
	}
}

// add lists one field of type typ (nil: v's own) with v's value as the example, then what it
// holds.
func (w *fieldWalker) add(path, name string, depth int, v reflect.Value, typ reflect.Type) {
	for v.IsValid() && v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if typ == nil || typ.Kind() == reflect.Interface {
		if v.IsValid() && !(v.Kind() == reflect.Interface && v.IsNil()) {
			typ = v.Type()
		} else {
			typ = reflect.TypeFor[any]()
		}
	}
	f := Field{Path: path, Name: "." + name, Depth: depth, Type: typeWords(typ, false)}
	if typ.Kind() == reflect.Map && typ.Elem().Kind() != reflect.Interface {
		f.Type += fmt.Sprintf(" (index it: %s.KEY)", path)
	}
	if typ.Kind() == reflect.Map && typ.Elem().Kind() == reflect.Interface && v.IsValid() && v.Len() == 0 {
		f.Type = "object, empty here"
	}
	elem := typ
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	if seen, ok := w.seen[elem]; ok && elem.Kind() == reflect.Struct {
		f.Example = "(fields as under " + strings.TrimSuffix(seen, "[]") + ")"
		w.out = append(w.out, f)
		return
	}
	f.Example = example(v)
	if (elem.Kind() == reflect.Slice || elem.Kind() == reflect.Array) && v.IsValid() {
		if s, ok := w.seen[derefType(elem.Elem())]; ok && derefType(elem.Elem()).Kind() == reflect.Struct {
			f.Example = strings.TrimSpace(f.Example + " (fields as under " + strings.TrimSuffix(s, "[]") + ")")
			w.out = append(w.out, f)
			return
		}
	}
	w.out = append(w.out, f)
	switch elem.Kind() {
	case reflect.Struct:
		w.walk(v, path, depth+1)
	case reflect.Map:
		w.walk(v, path, depth+1)
	case reflect.Slice, reflect.Array:
		if !v.IsValid() {
			return
		}
		et := derefType(elem.Elem())
		if v.Len() > 0 {
			w.walk(v.Index(0), path+"[]", depth+1)
		} else if et.Kind() == reflect.Struct && et != timeType {
			w.walk(reflect.Zero(et), path+"[]", depth+1)
		}
	}
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func isIdent(s string) bool { return identRe.MatchString(s) }

// example shows v shortly: text quoted as it is, a list by its length and first item, a map by
// its first pairs; "" for an empty value.
func example(v reflect.Value) string {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return ""
	}
	switch v.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if v.Type() != durationType {
			return fmt.Sprint(v.Interface())
		}
	}
	if v.IsZero() {
		return ""
	}
	switch {
	case v.Type() == timeType:
		return v.Interface().(time.Time).Format(time.RFC3339)
	case v.Type() == durationType:
		return v.Interface().(time.Duration).String()
	}
	switch v.Kind() {
	case reflect.String:
		return shorten(oneline(v.String()), 60)
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if n == 0 {
			return ""
		}
		first := v.Index(0)
		for first.Kind() == reflect.Interface && !first.IsNil() {
			first = first.Elem()
		}
		if first.Kind() == reflect.String {
			items := make([]string, 0, min(n, 3))
			for i := range min(n, 3) {
				items = append(items, fmt.Sprint(v.Index(i).Interface()))
			}
			return shorten(fmt.Sprintf("%d: %s", n, strings.Join(items, ", ")), 60)
		}
		return fmt.Sprintf("%d", n)
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		if v.Type().Elem().Kind() == reflect.Interface {
			names := make([]string, len(keys))
			for i, k := range keys {
				names[i] = fmt.Sprint(k.Interface())
			}
			return shorten("keys: "+strings.Join(names, ", "), 60)
		}
		pairs := make([]string, 0, len(keys))
		for _, k := range keys {
			pairs = append(pairs, fmt.Sprintf("%v=%v", k.Interface(), v.MapIndex(k).Interface()))
		}
		return shorten(strings.Join(pairs, " "), 60)
	case reflect.Struct:
		return ""
	}
	return shorten(fmt.Sprint(v.Interface()), 60)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fieldErrRe reads text/template's "can't evaluate field X in type T".
var fieldErrRe = regexp.MustCompile(`can't evaluate field (\w+) in type (\S+)$`)

// explainField rewrites e, an error of a field data lacks, for people: it names the type in
// words, the field nearest the one written and the fields there are; src, when not "", is the
// source whose fields dingbot template fields lists.
func explainField(e *Error, data any, src string) {
	m := fieldErrRe.FindStringSubmatch(e.Msg)
	if m == nil || data == nil {
		return
	}
	name, typeName := m[1], m[2]
	t := findType(reflect.TypeOf(data), typeName, map[reflect.Type]bool{})
	if t == nil {
		return
	}
	prefix := strings.TrimSuffix(e.Msg, m[0])
	var names []string
	for _, mb := range members(t) {
		names = append(names, mb.name)
	}
	what := typeWords(t, false)
	msg := fmt.Sprintf("%s has no field %s", what, name)
	if k := derefType(t).Kind(); k != reflect.Struct {
		msg = fmt.Sprintf("%s has no fields: .%s reads a field of %s", what, name, what)
	}
	near := ""
	for _, n := range names {
		if strings.EqualFold(n, name) {
			near = n
		}
	}
	if near == "" {
		near = dingtalk.Nearest(name, names)
	}
	if near != "" {
		msg += fmt.Sprintf(" (did you mean .%s?)", near)
	}
	if len(names) > 0 {
		var list []string
		for _, mb := range members(t) {
			s := mb.name
			if mt := derefType(mb.typ); mt.Kind() == reflect.Map && mt.Elem().Kind() != reflect.Interface {
				s += fmt.Sprintf(" (a map: index it, .%s.KEY)", mb.name)
			}
			list = append(list, s)
		}
		msg += "; its fields: " + strings.Join(list, ", ")
	}
	if src != "" {
		msg += fmt.Sprintf(" (dingbot template fields --source %s lists every field with an example)", src)
	}
	e.Msg = prefix + msg
}

// findType is the type named typeName (as reflect writes it: source.Alert) among t and the
// types it holds.
func findType(t reflect.Type, typeName string, seen map[reflect.Type]bool) reflect.Type {
	if t == nil || seen[t] {
		return nil
	}
	seen[t] = true
	if t.String() == typeName {
		return t
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return findType(t.Elem(), typeName, seen)
	case reflect.Struct:
		for _, m := range members(t) {
			if f := findType(m.typ, typeName, seen); f != nil {
				return f
			}
		}
	}
	return nil
}
