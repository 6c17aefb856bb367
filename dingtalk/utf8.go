package dingtalk

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// checkUTF8 reports every string field of m that is not valid UTF-8, with the byte offset of
// the first bad byte. DingTalk takes UTF-8 JSON only, and encoding would silently replace the
// bad bytes, so the message would not say what the user wrote.
func (v *validator) checkUTF8(m Message) {
	walkStrings(reflect.ValueOf(m), "", func(field, s string) {
		if utf8.ValidString(s) {
			return
		}
		off := 0
		for off < len(s) {
			r, size := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		v.add(field, "is not valid UTF-8: byte %d (0x%02x) starts no character; save the text as UTF-8", off, s[off])
	})
}

// walkStrings calls fn with the JSON path and value of every string inside v.
func walkStrings(v reflect.Value, path string, fn func(field, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		fn(path, v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			walkStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if path != "" {
				name = path + "." + name
			}
			walkStrings(v.Field(i), name, fn)
		}
	}
}
