package varform

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/tui/styles"
)

func newForm() *Model {
	st := styles.New(true, true)
	return New(&st, "t", []template.Var{
		{Name: "a", Desc: "first", Required: true, Sample: "x"},
		{Name: "b", Choices: []string{"on", "off"}},
	})
}

func typeIn(f *Model, s string) Action {
	var a Action
	for _, r := range s {
		a, _ = f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return a
}

func TestKeysMoveApplyCancel(t *testing.T) {
	f := newForm()
	if a, ok := typeIn(f, "hi").(Changed); !ok || a.Values["a"] != "hi" {
		t.Fatalf("typing: %#v", a)
	}
	f.Update(tea.KeyMsg{Type: tea.KeyTab})
	if f.Focused() != 1 {
		t.Fatal("tab does not move on")
	}
	f.Update(tea.KeyMsg{Type: tea.KeyUp})
	if f.Focused() != 0 {
		t.Fatal("↑ does not move back")
	}
	// Enter on a field that is not the last moves on; on the last it applies.
	if a, _ := f.Update(tea.KeyMsg{Type: tea.KeyEnter}); a != nil || f.Focused() != 1 {
		t.Fatalf("enter on the first field: %#v", a)
	}
	// Text that spells a key is text.
	typeIn(f, "o")
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n\t")})
	if a, _ := f.Update(tea.KeyMsg{Type: tea.KeyEnter}); a == nil || a.(Applied).Values["b"] != "on " {
		t.Fatalf("enter on the last field: %#v", a)
	}
	if a, _ := f.Update(tea.KeyMsg{Type: tea.KeyEsc}); a != (Canceled{}) {
		t.Fatal("esc does not cancel")
	}
	if a, _ := f.Update(tea.KeyMsg{Type: tea.KeyCtrlS}); a == nil {
		t.Fatal("ctrl+s does not apply")
	}
}

func TestViewLabelsHintsAndErrorsUnderTheirField(t *testing.T) {
	f := newForm()
	v := ansi.Strip(f.View(60, 20))
	for _, want := range []string{"a *", "first", "e.g. x", "one of: on, off"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	err := &template.Error{Template: "t", Line: 4, Var: "a", Msg: `variable "a" is missing (required)`}
	f.SetErrors(err)
	if strings.Contains(ansi.Strip(f.View(60, 20)), "missing") {
		t.Fatal("a field not filled in yet shows missing")
	}
	f.Try()
	lines := strings.Split(ansi.Strip(f.View(60, 20)), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "a *") {
			if !strings.Contains(lines[i+2], `✗ line 4: variable "a" is missing`) {
				t.Fatalf("the error is not under its field:\n%s", strings.Join(lines, "\n"))
			}
			return
		}
	}
	t.Fatalf("no field a:\n%s", strings.Join(lines, "\n"))
}

// The focused field stays in view in a short box.
func TestViewKeepsFocusInView(t *testing.T) {
	st := styles.New(true, true)
	var vars []template.Var
	for _, n := range []string{"one", "two", "three", "four", "five", "six"} {
		vars = append(vars, template.Var{Name: n})
	}
	f := New(&st, "t", vars)
	for range 5 {
		f.Update(tea.KeyMsg{Type: tea.KeyTab})
	}
	v := ansi.Strip(f.View(40, 6))
	if !strings.Contains(v, "six") || strings.Count(v, "\n") != 5 {
		t.Fatalf("the focused field is out of view:\n%s", v)
	}
}

// VarOf finds the variable an error concerns: Var, a named variable, a quoted value, a .name.
func TestVarOf(t *testing.T) {
	vars := []template.Var{{Name: "due"}, {Name: "tz"}, {Name: "owner"}}
	vals := map[string]string{"due": "not a date", "tz": "UTC", "owner": "Bobby"}
	for _, c := range []struct {
		e    template.Error
		want string
	}{
		{template.Error{Var: "owner", Msg: "x"}, "owner"},
		{template.Error{Var: "nope", Msg: `.due`}, ""},
		{template.Error{Msg: `variable "tz" is bad`}, "tz"},
		{template.Error{Msg: `at {{ time .tz "datetime" }}: cannot read "not a date" as a time`}, "due"},
		{template.Error{Msg: `at {{ mention .owner }}: no contact named "Bobby"`}, "owner"},
		{template.Error{Msg: `at {{ .tz | x }}: broken`}, "tz"},
		{template.Error{Msg: `something else`}, ""},
	} {
		if got := VarOf(&c.e, vars, vals); got != c.want {
			t.Errorf("VarOf(%q, Var %q) = %q, want %q", c.e.Msg, c.e.Var, got, c.want)
		}
	}
}

// Errors are wrapped under their field, never cut, and the same problem shows once.
func TestErrorsWrappedOnce(t *testing.T) {
	f := newForm()
	typeIn(f, "zz")
	long := `cannot read "zz" as a time: write it like 2024-05-01T10:00:00+08:00, 2024-05-01 10:00 or as Unix seconds`
	f.SetErrors(errors.Join(&template.Error{Template: "t", Line: 3, Msg: long}, &template.Error{Template: "t", Line: 7, Msg: long}))
	v := ansi.Strip(f.View(40, 0))
	_, errs, _ := strings.Cut(v, "✗")
	if strings.Contains(errs, "…") || strings.Count(v, "✗") != 1 || !strings.Contains(errs, "Unix seconds") {
		t.Fatalf("the error:\n%s", v)
	}
}
