// Package varform is the form that fills a template's variables: one one-line field a
// variable (its name as the label, its description as a hint, its sample as the placeholder,
// required ones marked, choices listed), the template's errors under the field they name. It
// owns its keys (tab/shift+tab/↑/↓ move, enter on the last field or ctrl+s applies, esc
// cancels) and its view; what the values render to is its caller's.
package varform

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
	"github.com/dingbot/dingbot/tui/textedit"
)

// KeyMap is the form's own keys; the fields' editing keys are textedit's.
type KeyMap struct {
	Next, Prev, Apply, Cancel key.Binding
}

// DefaultKeyMap is the form's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next variable")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous")),
		Apply:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp is the keys for a one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Apply, k.Cancel}
}

// Action is what a key did to the form: Applied, Canceled, Changed, or nil.
type Action interface{ action() }

// Applied asks the caller to apply the values (enter on the last field, or ctrl+s).
type Applied struct{ Values map[string]string }

// Canceled says the form was closed without applying.
type Canceled struct{}

// Changed says a value changed: the caller renders again and hands back the errors (SetErrors).
type Changed struct{ Values map[string]string }

func (Applied) action()  {}
func (Canceled) action() {}
func (Changed) action()  {}

// Model is the form of one template's variables.
type Model struct {
	KeyMap KeyMap

	st     *styles.Styles
	name   string
	vars   []template.Var
	fields []textedit.Model
	focus  int
	// touched fields were edited or left; a missing value shows as an error only there, or
	// everywhere once applying was tried.
	touched []bool
	tried   bool
	// errs are the errors of the last render by variable ("" for the template's own).
	errs map[string][]*template.Error
	// other are errors that are no *template.Error.
	other []string
}

// New returns the form of template name's variables, the first field focused.
func New(st *styles.Styles, name string, vars []template.Var) *Model {
	e := st.Editor
	ts := textedit.Styles{Text: e.Text, Placeholder: e.Placeholder, Cursor: e.Cursor, PromptOn: e.PromptOn, PromptOff: e.PromptOff}
	f := &Model{KeyMap: DefaultKeyMap(), st: st, name: name, vars: vars, touched: make([]bool, len(vars))}
	for _, v := range vars {
		ph := v.Sample
		if ph == "" {
			ph = v.Default
		}
		if ph != "" {
			ph = "e.g. " + ph
		}
		f.fields = append(f.fields, textedit.NewLine(ts, "", ph))
	}
	f.setFocus(0)
	return f
}

// Name is the template's name.
func (f *Model) Name() string { return f.name }

// Focused is the index of the focused variable.
func (f *Model) Focused() int { return f.focus }

// Values are the variables given, by name: the empty ones are left out, so that their
// default applies.
func (f *Model) Values() map[string]string {
	out := map[string]string{}
	for i, v := range f.vars {
		if s := strings.TrimSpace(f.fields[i].Value()); s != "" {
			out[v.Name] = f.fields[i].Value()
		}
	}
	return out
}

// SetValue sets variable name's value (the sample, for a start); false if there is none.
func (f *Model) SetValue(name, value string) bool {
	for i, v := range f.vars {
		if v.Name == name {
			f.fields[i].SetValue(value)
			return true
		}
	}
	return false
}

// SetErrors shows err (Render's, nil when it rendered) under the fields its *template.Error
// values concern (VarOf), each once; the rest above the fields.
func (f *Model) SetErrors(err error) {
	f.errs, f.other = nil, nil
	seen := map[string]bool{}
	values := f.Values()
	for _, e := range flatten(err) {
		var te *template.Error
		if errors.As(e, &te) {
			v := VarOf(te, f.vars, values)
			// The same problem met in several fields (a variable used twice) shows once.
			if k := v + "\x00" + te.Msg; seen[k] {
				continue
			} else {
				seen[k] = true
			}
			if f.errs == nil {
				f.errs = map[string][]*template.Error{}
			}
			f.errs[v] = append(f.errs[v], te)
			continue
		}
		if !seen[e.Error()] {
			seen[e.Error()] = true
			f.other = append(f.other, e.Error())
		}
	}
}

var (
	quotedVar = regexp.MustCompile(`variable "([A-Za-z][A-Za-z0-9_]*)"`)
	dottedVar = regexp.MustCompile(`\$?\.([A-Za-z][A-Za-z0-9_]*)\b`)
)

// VarOf is the variable of vars an error concerns, "" when none is found: its Var; else a
// variable the message names (variable "x"); else the variable whose value (of values) the
// message quotes, as helpers quote what they cannot read; else the first .name in the message.
func VarOf(e *template.Error, vars []template.Var, values map[string]string) string {
	declared := func(name string) bool {
		for _, v := range vars {
			if v.Name == name {
				return true
			}
		}
		return false
	}
	if e.Var != "" {
		if declared(e.Var) {
			return e.Var
		}
		return ""
	}
	for _, m := range quotedVar.FindAllStringSubmatch(e.Msg, -1) {
		if declared(m[1]) {
			return m[1]
		}
	}
	best, at := "", -1
	for _, v := range vars {
		val := values[v.Name]
		for _, s := range []string{val, strings.TrimSpace(val)} {
			if strings.TrimSpace(s) == "" {
				continue
			}
			if i := strings.Index(e.Msg, strconv.Quote(s)); i >= 0 && (at < 0 || i < at) {
				best, at = v.Name, i
			}
		}
	}
	if best != "" {
		return best
	}
	for _, m := range dottedVar.FindAllStringSubmatch(e.Msg, -1) {
		if declared(m[1]) {
			return m[1]
		}
	}
	return ""
}

// Try marks that applying was tried: every error shows, missing values too.
func (f *Model) Try() { f.tried = true }

// Errors are the errors shown for variable name (what the view writes under its field).
func (f *Model) Errors(name string) []string {
	var out []string
	i := f.index(name)
	for _, e := range f.errs[name] {
		if i >= 0 && !f.tried && !f.touched[i] && strings.TrimSpace(f.fields[i].Value()) == "" {
			continue // not filled in yet: a missing value is no news
		}
		out = append(out, describe(e))
	}
	return out
}

func (f *Model) index(name string) int {
	for i, v := range f.vars {
		if v.Name == name {
			return i
		}
	}
	return -1
}

// describe is an error as written under its field: the line and what is wrong.
func describe(e *template.Error) string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// flatten unjoins errors.Join'ed errors.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func (f *Model) setFocus(i int) {
	if len(f.fields) == 0 {
		return
	}
	if f.focus < len(f.fields) && f.focus != i {
		f.touched[f.focus] = true
	}
	f.fields[f.focus].Blur()
	f.focus = (i + len(f.fields)) % len(f.fields)
	f.fields[f.focus].Focus()
}

// Update handles a key, or a textedit.PasteMsg for the focused field.
func (f *Model) Update(msg tea.Msg) (Action, tea.Cmd) {
	if p, ok := msg.(textedit.PasteMsg); ok {
		if len(f.fields) == 0 {
			return nil, nil
		}
		if changed, cmd := f.fields[f.focus].Update(p); changed {
			return Changed{Values: f.Values()}, cmd
		}
		return nil, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, nil
	}
	// Text is text in a field, whatever its runes spell.
	if !textedit.IsText(k) || len(f.fields) == 0 {
		switch {
		case key.Matches(k, f.KeyMap.Cancel):
			return Canceled{}, nil
		case key.Matches(k, f.KeyMap.Apply):
			return f.apply(), nil
		case k.Type == tea.KeyEnter:
			if f.focus == len(f.fields)-1 || len(f.fields) == 0 {
				return f.apply(), nil
			}
			f.setFocus(f.focus + 1)
			return nil, nil
		case key.Matches(k, f.KeyMap.Next):
			f.setFocus(f.focus + 1)
			return nil, nil
		case key.Matches(k, f.KeyMap.Prev):
			f.setFocus(f.focus - 1)
			return nil, nil
		}
	}
	if len(f.fields) == 0 {
		return nil, nil
	}
	changed, cmd := f.fields[f.focus].Update(k)
	if o := f.fields[f.focus].Overflow(); o != 0 {
		f.setFocus(f.focus + o) // ctrl+p / ctrl+n in a one-line field: the next field
	}
	if changed {
		f.touched[f.focus] = true
		return Changed{Values: f.Values()}, cmd
	}
	return nil, cmd
}

func (f *Model) apply() Action {
	if len(f.fields) > 0 {
		f.touched[f.focus] = true
	}
	f.tried = true
	return Applied{Values: f.Values()}
}

// View draws the form in width cells, at most height lines, the focused field and its
// errors in view. Errors are wrapped, never cut.
func (f *Model) View(width, height int) string {
	e := f.st.Editor
	bad := f.st.Status.MsgBad
	var lines []string
	// errLines are msg's lines in width, after the prefix ("✗ ", indented).
	errLines := func(indent, msg string) []string {
		w := max(1, width-len(indent)-2)
		var out []string
		for i, l := range strings.Split(ansi.Wrap(cell.OneLine(msg), w, ""), "\n") {
			mark := "✗ "
			if i > 0 {
				mark = "  "
			}
			out = append(out, bad.Render(indent+mark+l))
		}
		return out
	}
	focusLine, focusEnd := 0, 0
	lines = append(lines, cell.Fit(e.Hint.Render("Template "+f.name+" · enter on the last field or ctrl+s applies · esc cancels"), width))
	for _, o := range f.other {
		lines = append(lines, errLines("", o)...)
	}
	for _, msg := range f.Errors("") {
		lines = append(lines, errLines("", msg)...)
	}
	if len(f.vars) == 0 {
		lines = append(lines, "", cell.Fit(e.Hint.Render("this template has no variables: enter applies it"), width))
	}
	for i, v := range f.vars {
		lines = append(lines, "")
		label := e.Label
		if i == f.focus {
			label = e.LabelFocused
			focusLine = len(lines)
		}
		head := label.Render(v.Name)
		if v.Required {
			head += e.Marker.Render(" *")
		}
		hint := v.Desc
		if len(v.Choices) > 0 {
			if hint != "" {
				hint += " · "
			}
			hint += "one of: " + strings.Join(v.Choices, ", ")
		}
		if v.Default != "" {
			if hint != "" {
				hint += " · "
			}
			hint += "default " + v.Default
		}
		if hint != "" {
			head += e.Hint.Render("  " + cell.OneLine(hint))
		}
		lines = append(lines, cell.Fit(head, width))
		fl := &f.fields[i]
		fl.SetSize(max(1, width-2), 1)
		lines = append(lines, cell.Fit("  "+fl.View(), width))
		for _, msg := range f.Errors(v.Name) {
			lines = append(lines, errLines("  ", msg)...)
		}
		if i == f.focus {
			focusEnd = len(lines) - 1
		}
	}
	// Keep the focused field (label, input and errors) in view, the title line on top.
	start := 0
	if height > 0 && focusEnd+1 > height {
		start = min(focusEnd+1-height, focusLine-1)
		start = max(0, min(start, len(lines)-1))
		if start > 0 {
			lines[start] = lines[0]
		}
	}
	lines = lines[start:]
	if height > 0 {
		if len(lines) > height {
			lines = lines[:height]
		}
		for len(lines) < height {
			lines = append(lines, "")
		}
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], width)
	}
	return strings.Join(lines, "\n")
}

// Index is the position of variable name in the form, -1 if it has none.
func (f *Model) Index(name string) int { return f.index(name) }
