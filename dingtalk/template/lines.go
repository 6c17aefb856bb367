package template

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// keyLines says on which line of a template file each key and table starts, for errors. It
// reads the simple TOML the format documents (keys, [[tables]], multi-line strings); what it
// cannot place gets line 0 and the error names no line.
type keyLines struct {
	keys   map[string]int // "buttons[1].url" → line of `url =`
	values map[string]int // the line where the value's text starts
	tables map[string]int // "buttons[1]" → line of its [[buttons]]
}

var (
	tableRe = regexp.MustCompile(`^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]`)
	keyRe   = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+)\s*=\s*(.*)$`)
)

func scanKeys(src []byte) keyLines {
	kl := keyLines{keys: map[string]int{}, values: map[string]int{}, tables: map[string]int{}}
	counts := map[string]int{}
	table, closing := "", ""
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		if closing != "" {
			if strings.Contains(line, closing) {
				closing = ""
			}
			continue
		}
		if m := tableRe.FindStringSubmatch(line); m != nil {
			table = fmt.Sprintf("%s[%d]", m[1], counts[m[1]])
			counts[m[1]]++
			kl.tables[table] = n
			continue
		}
		m := keyRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key, rest := joinKey(table, m[1]), m[2]
		kl.keys[key], kl.values[key] = n, n
		for _, q := range []string{`'''`, `"""`} {
			if !strings.HasPrefix(rest, q) {
				continue
			}
			after := rest[len(q):]
			if strings.Contains(after, q) {
				break
			}
			closing = q
			if strings.TrimSpace(after) == "" {
				kl.values[key] = n + 1 // TOML drops the line break right after the opening quotes
			}
		}
	}
	return kl
}

// at is the line of key in table ("" for the top level), else the table's line.
func (kl keyLines) at(table, key string) int {
	if n, ok := kl.keys[joinKey(table, key)]; ok {
		return n
	}
	return kl.tables[table]
}

// value is the line where the value of key starts.
func (kl keyLines) value(table, key string) int {
	if n, ok := kl.values[joinKey(table, key)]; ok {
		return n
	}
	return kl.tables[table]
}

func (kl keyLines) table(t string) int { return kl.tables[t] }

// tomlError turns go-toml's errors into *Error with the line.
func tomlError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for _, e := range strict.Errors {
			row, _ := e.Position()
			errs = append(errs, &Error{Template: name, Line: row, Msg: fmt.Sprintf("unknown field %q (fields: name, description, msgtype, title, text, url, pic, single_title, single_url, btn_orientation, hide_avatar, [[buttons]], [[links]], [[vars]])", strings.Join(e.Key(), "."))})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return &Error{Template: name, Line: row, Msg: "TOML: " + de.Error()}
	}
	return &Error{Template: name, Msg: "TOML: " + err.Error()}
}

// execRe reads text/template's error text: "template: KEY:LINE[:COL]: [executing "KEY" at <X>: ]MSG".
var execRe = regexp.MustCompile(`^template: [^:]+:(\d+)(?::\d+)?: (?:executing "[^"]*" at <([^>]*)>: )?(.*)$`)

// execError places a text/template error of field f on the file's line.
func (t *Template) execError(f field, err error) *Error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	e := &Error{Template: t.info.Name, Line: f.line, Msg: err.Error()}
	m := execRe.FindStringSubmatch(err.Error())
	if m == nil {
		return e
	}
	var line int
	fmt.Sscan(m[1], &line)
	if f.line > 0 {
		e.Line = f.line + line - 1
	}
	msg := m[3]
	if _, after, ok := strings.Cut(msg, "error calling "); ok {
		if _, rest, ok := strings.Cut(after, ": "); ok {
			msg = rest
		}
	}
	if at := m[2]; at != "" {
		e.Msg = fmt.Sprintf("at {{ %s }}: %s", at, msg)
	} else {
		e.Msg = msg
	}
	return e
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
