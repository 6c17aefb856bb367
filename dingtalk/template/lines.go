package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template/parse"

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
			errs = append(errs, &Error{Template: name, Line: row, Msg: fmt.Sprintf("unknown field %q (fields: name, description, data, msgtype, title, text, url, pic, single_title, single_url, btn_orientation, hide_avatar, [[buttons]], [[links]], [[vars]])", strings.Join(e.Key(), "."))})
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

// execAtRe reads where an execution error happened: "template: KEY:LINE:COL: executing …".
var execAtRe = regexp.MustCompile(`^template: [^:]+:(\d+):(\d+): executing `)

// renderError is execError for an error of executing field f (parsed as tree) with data. When
// a helper could not take a value and that value came from a variable feeding the helper (see
// feeders), the error names the variable instead of quoting the action.
func (t *Template) renderError(f field, tree *parse.Tree, data map[string]any, err error) *Error {
	e := t.execError(f, err)
	var bad *badValue
	if !errors.As(err, &bad) || tree == nil {
		return e
	}
	value := strings.TrimSpace(bad.value)
	m := execAtRe.FindStringSubmatch(err.Error())
	if m == nil || value == "" {
		return e
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	for _, name := range feeders(tree.Root, offsetOf(f.text, line, col)) {
		if s, _ := data[name].(string); strings.Contains(s, value) {
			e.Var = name
			e.Msg = fmt.Sprintf("variable %q: %s", name, bad.err)
			return e
		}
	}
	return e
}

// offsetOf is the byte offset of column col (0-based, in bytes) of line (1-based) in text.
func offsetOf(text string, line, col int) parse.Pos {
	off := 0
	for ; line > 1; line-- {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return parse.Pos(off + col)
}

// feeders lists the variables whose values reach the function call at pos: its arguments, the
// commands piped into it, through a range's or with's dot and through $variables, in order.
func feeders(root *parse.ListNode, pos parse.Pos) []string {
	// dot is what the dot stands for: the data itself, or values of these variables.
	type dot struct {
		data bool
		vars []string
	}
	env := map[string][]string{}
	var (
		found []string
		done  bool
	)
	var varsOf func(n parse.Node, d dot) []string
	varsOf = func(n parse.Node, d dot) []string {
		switch n := n.(type) {
		case *parse.FieldNode:
			if d.data {
				return n.Ident[:1]
			}
			return d.vars
		case *parse.DotNode:
			if d.data {
				return nil
			}
			return d.vars
		case *parse.VariableNode:
			if n.Ident[0] == "$" {
				if len(n.Ident) > 1 {
					return n.Ident[1:2]
				}
				return nil
			}
			return env[n.Ident[0]]
		case *parse.ChainNode:
			return varsOf(n.Node, d)
		case *parse.PipeNode:
			var out []string
			for _, c := range n.Cmds {
				out = append(out, varsOf(c, d)...)
			}
			return out
		case *parse.CommandNode:
			var out []string
			for _, a := range n.Args {
				out = append(out, varsOf(a, d)...)
			}
			return out
		}
		return nil
	}
	var pipe func(p *parse.PipeNode, d dot) []string
	pipe = func(p *parse.PipeNode, d dot) []string {
		if p == nil {
			return nil
		}
		var fed []string // what the commands so far pass down the pipeline
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				if inner, ok := a.(*parse.PipeNode); ok {
					pipe(inner, d)
				}
			}
			fed = append(fed, varsOf(c, d)...)
			if _, call := c.Args[0].(*parse.IdentifierNode); call && c.Position() == pos && !done {
				found, done = slices.Clone(fed), true
			}
		}
		for _, v := range p.Decl {
			env[v.Ident[0]] = fed
		}
		return fed
	}
	var walk func(n parse.Node, d dot)
	walk = func(n parse.Node, d dot) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, d)
			}
		case *parse.ActionNode:
			pipe(n.Pipe, d)
		case *parse.TemplateNode:
			pipe(n.Pipe, d)
		case *parse.IfNode:
			pipe(n.Pipe, d)
			walk(n.List, d)
			walk(n.ElseList, d)
		case *parse.RangeNode:
			vs := pipe(n.Pipe, d)
			walk(n.List, dot{vars: vs})
			walk(n.ElseList, d)
		case *parse.WithNode:
			vs := pipe(n.Pipe, d)
			walk(n.List, dot{vars: vs})
			walk(n.ElseList, d)
		}
	}
	walk(root, dot{data: true})
	return dedupe(found)
}

// dedupe drops repeats from list, keeping the first of each.
func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
