package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// obj is a JSON object with its dotted path, for error messages.
type obj struct {
	m    map[string]any
	path string
}

func (o obj) name(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// caseHint points at a key that differs from key only in letter case.
func (o obj) caseHint(key string) string {
	var near []string
	for k := range o.m {
		if k != key && strings.EqualFold(k, key) {
			near = append(near, k)
		}
	}
	if len(near) == 0 {
		return ""
	}
	sort.Strings(near)
	return fmt.Sprintf(" (found %q: field names are case-sensitive)", near[0])
}

func (o obj) typeErr(key, want string) *apiError {
	return &apiError{codeMissingJSON, fmt.Sprintf("参数 %s 类型错误, 应为 %s", o.name(key), want)}
}

// str returns a string field. Null counts as absent, and a required field
// must be a non-empty string.
func (o obj) str(key string, required bool) (string, *apiError) {
	v, ok := o.m[key]
	if !ok || v == nil {
		if required {
			return "", missingParam(o.name(key) + o.caseHint(key))
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", o.typeErr(key, "string")
	}
	if s == "" && required {
		return "", missingParam(o.name(key))
	}
	return s, nil
}

// object returns a required object field.
func (o obj) object(key string) (obj, *apiError) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return obj{}, missingParam(o.name(key) + o.caseHint(key))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return obj{}, o.typeErr(key, "object")
	}
	return obj{m, o.name(key)}, nil
}

// list returns an optional array of objects.
func (o obj) list(key string) ([]obj, *apiError) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, o.typeErr(key, "array")
	}
	out := make([]obj, len(arr))
	for i, el := range arr {
		name := fmt.Sprintf("%s[%d]", o.name(key), i)
		m, ok := el.(map[string]any)
		if !ok {
			return nil, &apiError{codeMissingJSON, fmt.Sprintf("参数 %s 类型错误, 应为 object", name)}
		}
		out[i] = obj{m, name}
	}
	return out, nil
}

// strings returns an optional array of strings.
func (o obj) strings(key string) ([]string, *apiError) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, o.typeErr(key, "array of strings")
	}
	out := make([]string, len(arr))
	for i, el := range arr {
		s, ok := el.(string)
		if !ok {
			return nil, o.typeErr(key, "array of strings")
		}
		out[i] = s
	}
	return out, nil
}

// flag checks an optional "0"/"1" string field.
func (o obj) flag(key string) *apiError {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(string); ok && (s == "0" || s == "1") {
		return nil
	}
	return &apiError{codeMissingJSON, fmt.Sprintf("参数 %s 不合法, 应为 \"0\" 或 \"1\"", o.name(key))}
}
