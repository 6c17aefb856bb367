package tui

import (
	"bytes"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// templateDriver is the composer with the built-in gallery and a markdown draft in the editor.
func templateDriver(t *testing.T) *driver {
	t.Helper()
	opts := testOptions(t)
	opts.Templates = template.Builtin()
	d := newDriver(t, opts, 120, 40)
	d.typeText("old title")
	d.key("tab")
	d.typeText("the old body")
	if got := d.m.form.Body(); got != "the old body" {
		t.Fatalf("body %q", got)
	}
	return d
}

// openCIResult opens the gallery with alt+g, filters it to ci-result and chooses it.
func openCIResult(t *testing.T, d *driver) {
	t.Helper()
	d.key("alt+g")
	if d.m.state != stateTemplates {
		t.Fatalf("alt+g: state %v", d.m.state)
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "ci-result") || !strings.Contains(v, "built-in") {
		t.Fatalf("the gallery does not list ci-result as built-in:\n%s", v)
	}
	d.typeText("ci-res")
	d.key("enter")
	if d.m.state != stateVars || d.m.filling == nil || d.m.filling.tmpl.Name() != "ci-result" {
		t.Fatalf("enter: state %v", d.m.state)
	}
}

// Pick ci-result, fill two variables, see the preview render them, apply: the editor holds
// the rendered message as one undo step, and ctrl+z brings the old one back. The payload
// view's dingbot send line reproduces the same body as dingbot send --template would send.
func TestTemplateFilledPreviewedAppliedAndUndone(t *testing.T) {
	d := templateDriver(t)
	openCIResult(t, d)
	v := ansi.Strip(d.view())
	for _, want := range []string{"project *", "the repository or pipeline", "one of: passed, failed", "e.g. dingbot"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the form lacks %q:\n%s", want, v)
		}
	}
	d.typeText("payments")
	d.key("tab")
	d.typeText("passed")
	d.key("tab")
	d.typeText("https://ci.example.com/payments/7")
	if v := ansi.Strip(d.view()); !strings.Contains(v, "payments: build passed") {
		t.Fatalf("the preview does not show the rendered template:\n%s", v)
	}
	if d.m.form.Body() != "the old body" {
		t.Fatalf("the editor changed before apply: %q", d.m.form.Body())
	}
	d.key("ctrl+s")
	if d.m.state != stateCompose {
		t.Fatalf("ctrl+s in the form: state %v", d.m.state)
	}
	vars := map[string]string{"project": "payments", "status": "passed", "url": "https://ci.example.com/payments/7"}
	want, err := template.Builtin().Lookup("ci-result")
	if err != nil {
		t.Fatal(err)
	}
	wantMsg, err := want.Render(vars, testContacts)
	if err != nil {
		t.Fatal(err)
	}
	got := d.m.form.Message()
	if got.Type != dingtalk.TypeMarkdown || got.Title() != wantMsg.Title() || got.Body() != wantMsg.Body() {
		t.Fatalf("applied\n%#v\nwant\n%#v", got, wantMsg)
	}
	// The same body as dingbot send --template ci-result --var … sends (msgUuid aside), and the
	// payload view's dingbot send line carries all of it.
	pa, err := dingtalk.Prepare(testRobot, got, dingtalk.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := dingtalk.Prepare(testRobot, wantMsg, dingtalk.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pa.Body, pb.Body) {
		t.Fatalf("the composer sends\n%s\ndingbot send --template sends\n%s", pa.Body, pb.Body)
	}
	d.key("alt+p")
	d.key("3")
	line := export.DingbotSend(export.Target{Robot: testRobot.Name}, got)
	if d.m.export.tabs[d.m.export.tab].Copy != line.Line || len(line.Lost) > 0 {
		t.Fatalf("the dingbot send tab copies\n%s\nwant\n%s (lost %v)", d.m.export.tabs[d.m.export.tab].Copy, line.Line, line.Lost)
	}
	d.key("esc")
	d.key("ctrl+z")
	if d.m.form.Body() != "the old body" || d.m.form.Title() != "old title" {
		t.Fatalf("ctrl+z: title %q body %q", d.m.form.Title(), d.m.form.Body())
	}
	d.key("ctrl+y")
	if d.m.form.Body() != wantMsg.Body() {
		t.Fatalf("ctrl+y: body %q", d.m.form.Body())
	}
}

// A required variable left empty: its error shows under its field with the line, and applying
// is refused; esc leaves the editor as it was. f12 opens the gallery too.
func TestTemplateMissingVariableRefused(t *testing.T) {
	d := templateDriver(t)
	d.send(tea.KeyMsg{Type: tea.KeyF12})
	if d.m.state != stateTemplates {
		t.Fatalf("f12: state %v", d.m.state)
	}
	d.key("esc")
	openCIResult(t, d)
	if v := ansi.Strip(d.view()); strings.Contains(v, "missing") {
		t.Fatalf("errors show before anything was filled:\n%s", v)
	}
	d.typeText("payments")
	d.key("tab")
	d.typeText("passed")
	d.key("ctrl+s")
	if d.m.state != stateVars {
		t.Fatalf("applied with url missing: state %v", d.m.state)
	}
	if d.m.form.Body() != "the old body" {
		t.Fatalf("the editor changed: %q", d.m.form.Body())
	}
	lines := strings.Split(ansi.Strip(d.view()), "\n")
	found := false
	for i, l := range lines {
		if strings.Contains(l, "url *") {
			if i+2 < len(lines) && strings.Contains(lines[i+2], "✗ line") && strings.Contains(lines[i+2], "missing") {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no error under url:\n%s", strings.Join(lines, "\n"))
	}
	// A value outside the choices is named too.
	d.key("shift+tab", "ctrl+u")
	d.typeText("green")
	if v := ansi.Strip(d.view()); !strings.Contains(v, "green") || !strings.Contains(v, "✗") {
		t.Fatalf("a bad choice is not shown:\n%s", v)
	}
	d.key("esc")
	if d.m.state != stateCompose || d.m.form.Body() != "the old body" || d.m.filling != nil {
		t.Fatalf("esc: state %v body %q", d.m.state, d.m.form.Body())
	}
}
