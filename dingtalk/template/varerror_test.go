package template_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// templateErrors unjoins Render's error into its *template.Error values.
func templateErrors(t *testing.T, err error) []*template.Error {
	t.Helper()
	var out []*template.Error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var te *template.Error
		if !errors.As(err, &te) {
			t.Fatalf("not a *template.Error: %T %v", err, err)
		}
		out = append(out, te)
	}
	walk(err)
	return out
}

// A helper that cannot take a variable's value names the variable (found in the parse tree:
// piped into the helper, an argument, the dot of a range or with, a $variable), once however
// many fields fail the same way.
func TestHelperErrorNamesTheVariable(t *testing.T) {
	daily, err := template.Lookup("daily-report")
	if err != nil {
		t.Fatal(err)
	}
	_, err = daily.Render(map[string]string{"author": "x", "date": "yesterday", "done": "a"}, nil)
	errs := templateErrors(t, err)
	if len(errs) != 1 {
		t.Fatalf("%d errors, want 1:\n%v", len(errs), err)
	}
	e := errs[0]
	if e.Var != "date" || e.Line != 3 || !strings.HasPrefix(e.Error(), `template daily-report: line 3: variable "date": cannot read "yesterday" as a time (`) ||
		!strings.Contains(e.Msg, "2024-05-01") || !strings.Contains(e.Msg, "also line 5") {
		t.Errorf("error %+v:\n%s", e, e)
	}

	ci, err := template.Lookup("ci-result")
	if err != nil {
		t.Fatal(err)
	}
	cs := dingtalk.Contacts{{Name: "张伟", Mobile: "13800000000"}}
	_, err = ci.Render(map[string]string{"project": "p", "status": "failed", "url": "https://e.com", "notify": "张伟,Bob"}, cs)
	errs = templateErrors(t, err)
	if len(errs) != 1 || errs[0].Var != "notify" || errs[0].Line != 23 ||
		!strings.HasPrefix(errs[0].Error(), `template ci-result: line 23: variable "notify": `) || !strings.Contains(errs[0].Msg, `no contact named "Bob"`) {
		t.Errorf("errors: %v", err)
	}

	src := `msgtype = "text"
text = '''
{{ with .when }}{{ time "UTC" "date" . }}{{ end }}
{{ $w := .who }}{{ mention $w }}
{{ .start | time "UTC" "clock" }} {{ time "UTC" "clock" .stop }}
{{ .stop | time "UTC" "date" }}'''
[[vars]]
name = "when"
[[vars]]
name = "who"
[[vars]]
name = "start"
[[vars]]
name = "stop"
`
	tpl := mustParse(t, "multi", src)
	good := map[string]string{"when": "2024-05-01", "who": "张伟", "start": "2024-05-01 10:00", "stop": "2024-05-01 11:00"}
	if _, err := tpl.Render(good, cs); err != nil {
		t.Fatal(err)
	}
	// A field stops at its first error: one bad value at a time.
	for _, c := range []struct {
		name, bad string
		line      int
		also      string
	}{{"when", "soon", 3, ""}, {"who", "Zed", 4, ""}, {"start", "10:00", 5, ""}, {"stop", "later", 5, ""}} {
		vars := maps.Clone(good)
		vars[c.name] = c.bad
		_, err = tpl.Render(vars, cs)
		errs = templateErrors(t, err)
		if len(errs) != 1 || errs[0].Var != c.name || errs[0].Line != c.line || !strings.HasPrefix(errs[0].Msg, `variable "`+c.name+`": `) || !strings.Contains(errs[0].Msg, c.also) {
			t.Errorf("%s=%s: %v", c.name, c.bad, err)
		}
	}

	// A value the template itself writes (a literal, a default) is no variable's fault.
	tpl = mustParse(t, "lit", `msgtype = "text"
text = '{{ time "UTC" "date" "someday" }}{{ .v }}'
[[vars]]
name = "v"
`)
	_, err = tpl.Render(map[string]string{"v": "someday"}, nil)
	if errs = templateErrors(t, err); len(errs) != 1 || errs[0].Var != "" || !strings.Contains(errs[0].Msg, `at {{ time "UTC" "date" "someday" }}`) {
		t.Errorf("literal: %v", err)
	}
}
