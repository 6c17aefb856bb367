package template

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	texttmpl "text/template"
	"text/template/parse"

	"github.com/pelletier/go-toml/v2"

	"github.com/dingbot/dingbot/dingtalk"
)

// Sources of a template, in Info.Source.
const (
	SourceBuiltin = "built-in"
	SourceUser    = "user"
)

// Info describes a template for a list.
type Info struct {
	Name        string
	Description string
	Type        dingtalk.MsgType
	// Source is SourceBuiltin or SourceUser.
	Source string
	// Path is the user template's file; "" for a built-in.
	Path string
	// Overrides says a user template replaces the built-in of the same name.
	Overrides bool
	// Data is what a data template renders as "." (its data key, "alertmanager" for instance);
	// "" for a template of variables.
	Data string
}

// Var is one variable a template takes.
type Var struct {
	Name     string
	Desc     string
	Required bool
	// Sample is an example value: what template show and the MCP prompts render with.
	Sample string
	// Default is used when the variable is not given (or given empty).
	Default string
	// Choices, when set, are the only values accepted.
	Choices []string
}

// Template is one parsed template. It is safe for concurrent use.
type Template struct {
	info   Info
	vars   []Var
	spec   spec
	fields []field
	src    []byte
}

// Info describes t.
func (t *Template) Info() Info { return t.info }

// Name is the template's name.
func (t *Template) Name() string { return t.info.Name }

// Type is the message type t renders.
func (t *Template) Type() dingtalk.MsgType { return t.info.Type }

// Vars lists t's variables in the order the file declares them.
func (t *Template) Vars() []Var {
	out := make([]Var, len(t.vars))
	for i, v := range t.vars {
		v.Choices = append([]string(nil), v.Choices...)
		out[i] = v
	}
	return out
}

// Samples are t's variables at their sample values (those with none left out).
func (t *Template) Samples() map[string]string {
	m := make(map[string]string, len(t.vars))
	for _, v := range t.vars {
		if v.Sample != "" {
			m[v.Name] = v.Sample
		}
	}
	return m
}

// Data names what a data template renders as "." (the file's data key, "alertmanager" for
// instance); "" for a template of variables. See RenderData.
func (t *Template) Data() string { return t.spec.Data }

// Source is the template file as it was read.
func (t *Template) Source() []byte { return bytes.Clone(t.src) }

// spec is the file as TOML decodes it.
type spec struct {
	Name           string     `toml:"name"`
	Description    string     `toml:"description"`
	Data           string     `toml:"data"`
	MsgType        string     `toml:"msgtype"`
	Title          string     `toml:"title"`
	Text           string     `toml:"text"`
	URL            string     `toml:"url"`
	Pic            string     `toml:"pic"`
	SingleTitle    string     `toml:"single_title"`
	SingleURL      string     `toml:"single_url"`
	BtnOrientation string     `toml:"btn_orientation"`
	HideAvatar     *bool      `toml:"hide_avatar"`
	Buttons        []specLink `toml:"buttons"`
	Links          []specLink `toml:"links"`
	Vars           []specVar  `toml:"vars"`
}

type specLink struct {
	Title string `toml:"title"`
	URL   string `toml:"url"`
	Pic   string `toml:"pic"`
}

type specVar struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Required    bool     `toml:"required"`
	Sample      string   `toml:"sample"`
	Default     string   `toml:"default"`
	Choices     []string `toml:"choices"`
}

// field is one templated string of the file: where it is and its text.
type field struct {
	key  string // "title", "buttons[1].url", …
	text string
	line int // the file line of the value's first line
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Error is a problem with a template or with the variables given to it.
type Error struct {
	Template string
	// Line is the line of the template file, 0 when no line is concerned.
	Line int
	// Var is the variable concerned, "" when none is.
	Var string
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("template ")
	b.WriteString(e.Template)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads one template file. name is used when the file sets none (the file name without
// .toml). Every problem is an *Error with the line, joined.
func Parse(name string, src []byte) (*Template, error) {
	var s spec
	dec := toml.NewDecoder(bytes.NewReader(src)).DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, tomlError(name, err)
	}
	if s.Name != "" {
		name = s.Name
	}
	errf := func(line int, v, format string, a ...any) *Error {
		return &Error{Template: name, Line: line, Var: v, Msg: fmt.Sprintf(format, a...)}
	}
	lines := scanKeys(src)
	if !validName.MatchString(name) {
		return nil, errf(lines.at("", "name"), "", "name %q: use lower-case letters, digits, '.', '_' and '-'", name)
	}
	typ, err := dingtalk.ParseMsgType(s.MsgType)
	if s.MsgType == "" {
		err = errors.New("msgtype is missing: want one of text, markdown, link, actionCard, feedCard")
	}
	if err != nil {
		return nil, errf(lines.at("", "msgtype"), "", "%v", err)
	}
	t := &Template{info: Info{Name: name, Description: strings.TrimSpace(s.Description), Type: typ, Data: s.Data}, spec: s, src: bytes.Clone(src)}

	var errs []error
	if s.Data != "" {
		if !validName.MatchString(s.Data) {
			errs = append(errs, errf(lines.at("", "data"), "", "data %q: name what \".\" is with lower-case letters, digits, '.', '_' and '-' (alertmanager, grafana, generic)", s.Data))
		}
		if len(s.Vars) > 0 {
			errs = append(errs, errf(lines.table("vars[0]"), "", "a template with data = %q takes no [[vars]]: its \".\" is the data", s.Data))
		}
	}
	declared := map[string]int{}
	for i, v := range s.Vars {
		line := lines.at(fmt.Sprintf("vars[%d]", i), "name")
		switch {
		case !validVar.MatchString(v.Name):
			errs = append(errs, errf(line, v.Name, "variable name %q: use letters, digits and '_', starting with a letter", v.Name))
			continue
		case declared[v.Name] > 0:
			errs = append(errs, errf(line, v.Name, "variable %q is declared twice (first on line %d)", v.Name, declared[v.Name]))
			continue
		}
		declared[v.Name] = line
		if len(v.Choices) > 0 {
			for _, x := range []string{v.Sample, v.Default} {
				if x != "" && !contains(v.Choices, x) {
					errs = append(errs, errf(line, v.Name, "variable %q: %q is not one of its choices (%s)", v.Name, x, strings.Join(v.Choices, ", ")))
				}
			}
		}
		t.vars = append(t.vars, Var{Name: v.Name, Desc: strings.TrimSpace(v.Description), Required: v.Required, Sample: v.Sample, Default: v.Default, Choices: v.Choices})
	}

	add := func(table, key, text string) {
		if text != "" {
			t.fields = append(t.fields, field{key: joinKey(table, key), text: text, line: lines.value(table, key)})
		}
	}
	// The fields each type takes; any other field set is a mistake worth naming.
	allowed := map[dingtalk.MsgType][]string{
		dingtalk.TypeText:       {"text"},
		dingtalk.TypeMarkdown:   {"title", "text"},
		dingtalk.TypeLink:       {"title", "text", "url", "pic"},
		dingtalk.TypeActionCard: {"title", "text", "single_title", "single_url", "buttons", "btn_orientation", "hide_avatar"},
		dingtalk.TypeFeedCard:   {"links"},
	}[typ]
	set := map[string]bool{
		"title": s.Title != "", "text": s.Text != "", "url": s.URL != "", "pic": s.Pic != "",
		"single_title": s.SingleTitle != "", "single_url": s.SingleURL != "", "buttons": len(s.Buttons) > 0,
		"btn_orientation": s.BtnOrientation != "", "hide_avatar": s.HideAvatar != nil, "links": len(s.Links) > 0,
	}
	for _, k := range []string{"title", "text", "url", "pic", "single_title", "single_url", "buttons", "btn_orientation", "hide_avatar", "links"} {
		if set[k] && !contains(allowed, k) {
			errs = append(errs, errf(lines.at("", k), "", "%s is not a field of a %s (it takes %s)", k, typ.Name(), strings.Join(allowed, ", ")))
		}
	}
	for _, k := range allowed {
		if k == "pic" || k == "btn_orientation" || k == "hide_avatar" || k == "single_title" || k == "single_url" || k == "buttons" {
			continue
		}
		if !set[k] {
			errs = append(errs, errf(0, "", "a %s needs %s", typ.Name(), k))
		}
	}
	if typ == dingtalk.TypeActionCard {
		single := s.SingleTitle != "" || s.SingleURL != ""
		switch {
		case single && len(s.Buttons) > 0:
			errs = append(errs, errf(lines.at("", "single_title"), "", "an action card has either single_title and single_url or [[buttons]], not both"))
		case single && (s.SingleTitle == "" || s.SingleURL == ""):
			errs = append(errs, errf(lines.at("", "single_title"), "", "an action card's whole-card button needs both single_title and single_url"))
		case !single && len(s.Buttons) == 0:
			errs = append(errs, errf(0, "", "an action card needs single_title and single_url, or [[buttons]]"))
		}
		switch strings.ToLower(s.BtnOrientation) {
		case "", "vertical", "horizontal":
		default:
			errs = append(errs, errf(lines.at("", "btn_orientation"), "", "btn_orientation %q: use vertical or horizontal", s.BtnOrientation))
		}
	}
	for _, k := range []string{"title", "text", "url", "pic", "single_title", "single_url"} {
		if contains(allowed, k) {
			add("", k, *s.str(k))
		}
	}
	for i, b := range s.Buttons {
		table := fmt.Sprintf("buttons[%d]", i)
		if b.Pic != "" {
			errs = append(errs, errf(lines.at(table, "pic"), "", "a button has a title and a url, no pic"))
		}
		if b.Title == "" || b.URL == "" {
			errs = append(errs, errf(lines.table(table), "", "button %d needs a title and a url", i+1))
		}
		add(table, "title", b.Title)
		add(table, "url", b.URL)
	}
	for i, l := range s.Links {
		table := fmt.Sprintf("links[%d]", i)
		if l.Title == "" || l.URL == "" {
			errs = append(errs, errf(lines.table(table), "", "feed link %d needs a title and a url", i+1))
		}
		add(table, "title", l.Title)
		add(table, "url", l.URL)
		add(table, "pic", l.Pic)
	}

	// Every field must parse, and use only declared variables (a data template's "." is the
	// data: its fields are checked when it renders).
	for _, f := range t.fields {
		tree, err := f.parse(nil, false)
		if err != nil {
			errs = append(errs, t.execError(f, err))
			continue
		}
		if s.Data != "" {
			continue
		}
		for _, u := range usedVars(tree.Tree.Root, f.text) {
			if _, ok := declared[u.name]; !ok {
				msg := fmt.Sprintf("variable %q is used but not declared in [[vars]]", u.name)
				if near := dingtalk.Nearest(u.name, t.varNames()); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				errs = append(errs, errf(f.line+u.line-1, u.name, "%s", msg))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

var validVar = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func (s *spec) str(k string) *string {
	switch k {
	case "title":
		return &s.Title
	case "text":
		return &s.Text
	case "url":
		return &s.URL
	case "pic":
		return &s.Pic
	case "single_title":
		return &s.SingleTitle
	case "single_url":
		return &s.SingleURL
	}
	panic("template: no field " + k)
}

func joinKey(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

func (t *Template) varNames() []string {
	out := make([]string, len(t.vars))
	for i, v := range t.vars {
		out[i] = v.Name
	}
	return out
}

// parse parses the field's text with funcs (stand-ins when nil: parsing only checks names).
// A variable template's missing key is an error (a variable nobody set); a payload's is not
// (missingKeyOK): one alert of a group may lack a label the others have, and the message
// must still go.
func (f field) parse(funcs texttmpl.FuncMap, missingKeyOK bool) (*texttmpl.Template, error) {
	if funcs == nil {
		funcs = helpers(nil)
	}
	missing := "missingkey=error"
	if missingKeyOK {
		missing = "missingkey=zero"
	}
	return texttmpl.New(f.key).Option(missing).Funcs(funcs).Parse(f.text)
}

// use is a variable a field refers to, with the line (of the field) where it does.
type use struct {
	name string
	line int
}

// usedVars lists the variables a template refers to as .name or $.name. Inside range and with,
// where the dot is something else, only $.name counts.
func usedVars(root parse.Node, text string) []use {
	var out []use
	var walk func(n parse.Node, dotIsData bool)
	walk = func(n parse.Node, dotIsData bool) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, dotIsData)
			}
		case *parse.ActionNode:
			walk(n.Pipe, dotIsData)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c, dotIsData)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a, dotIsData)
			}
		case *parse.FieldNode:
			if dotIsData {
				out = append(out, use{n.Ident[0], lineIn(text, n.Position())})
			}
		case *parse.ChainNode:
			walk(n.Node, dotIsData)
		case *parse.VariableNode:
			if n.Ident[0] == "$" && len(n.Ident) > 1 {
				out = append(out, use{n.Ident[1], lineIn(text, n.Position())})
			}
		case *parse.IfNode:
			walk(n.Pipe, dotIsData)
			walk(n.List, dotIsData)
			walk(n.ElseList, dotIsData)
		case *parse.RangeNode:
			walk(n.Pipe, dotIsData)
			walk(n.List, false)
			walk(n.ElseList, dotIsData)
		case *parse.WithNode:
			walk(n.Pipe, dotIsData)
			walk(n.List, false)
			walk(n.ElseList, dotIsData)
		case *parse.TemplateNode:
			walk(n.Pipe, dotIsData)
		}
	}
	walk(root, true)
	return out
}

// lineIn is the 1-based line of byte offset pos in text.
func lineIn(text string, pos parse.Pos) int {
	p := min(max(int(pos), 0), len(text))
	return 1 + strings.Count(text[:p], "\n")
}
