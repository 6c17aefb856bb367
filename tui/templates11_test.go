package tui

import (
	"bytes"
	"os"
	"path/filepath"
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

// wideTemplateDriver is the composer on a terminal wide and tall enough for the whole form
// beside both previews, with the given templates.
func wideTemplateDriver(t *testing.T, set *template.Set) *driver {
	t.Helper()
	opts := testOptions(t)
	opts.Templates = set
	return newDriver(t, opts, 170, 70)
}

// openTemplate opens the gallery and chooses the template called name.
func openTemplate(t *testing.T, d *driver, name string) {
	t.Helper()
	d.key("alt+g")
	d.typeText(name)
	d.key("enter")
	if d.m.state != stateVars || d.m.filling == nil || d.m.filling.tmpl.Name() != name {
		t.Fatalf("choosing %s: state %v", name, d.m.state)
	}
}

// splitScreen is the screen's left side (the form) and right side (the preview), lines
// stripped of colour.
func splitScreen(d *driver) (form, preview []string) {
	for _, l := range strings.Split(ansi.Strip(d.view()), "\n") {
		left, right, _ := strings.Cut(l, " │ ")
		form = append(form, strings.TrimRight(left, " "))
		preview = append(preview, strings.TrimRight(right, " "))
	}
	return form, preview
}

// underField is what the form shows under variable name's input, up to the next variable:
// its error lines, joined by spaces.
func underField(t *testing.T, form []string, name string) string {
	t.Helper()
	for i, l := range form {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != name {
			continue
		}
		var out []string
		for _, e := range form[i+2:] {
			if strings.TrimSpace(e) == "" {
				break
			}
			out = append(out, strings.TrimSpace(e))
		}
		return strings.Join(out, " ")
	}
	t.Fatalf("no field %s in the form:\n%s", name, strings.Join(form, "\n"))
	return ""
}

// fillField focuses variable name's field and types value (after clearing it).
func fillField(t *testing.T, d *driver, name, value string) {
	t.Helper()
	i := d.m.filling.form.Index(name)
	if i < 0 {
		t.Fatalf("no variable %s", name)
	}
	for d.m.filling.form.Focused() != i {
		d.key("tab")
	}
	d.key("ctrl+u")
	d.typeText(value)
}

// The approval template with a due date that is no date: the error shows under due, whole;
// the preview keeps the last values that rendered and says it is stale, never the samples of
// fields typed into; an empty optional field renders empty, and only while required fields
// are empty does the preview use their samples, saying so in its title.
func TestTemplateBadValuePreviewAndErrorUnderField(t *testing.T) {
	d := wideTemplateDriver(t, template.Builtin())
	openTemplate(t, d, "approval")
	_, pv := splitScreen(d)
	if p := strings.Join(pv, "\n"); !strings.Contains(p, "required fields still empty use their samples") {
		t.Fatalf("nothing typed: the preview's title does not say it uses samples:\n%s", p)
	}
	fillField(t, d, "subject", "Ship it")
	fillField(t, d, "requester", "Han Meimei")
	fillField(t, d, "approve_url", "https://example.com/a")
	fillField(t, d, "reject_url", "https://example.com/r")
	_, pv = splitScreen(d)
	p := strings.Join(pv, "\n")
	if !strings.Contains(p, "Ship it") || strings.Contains(p, "samples") {
		t.Fatalf("required fields filled: the preview does not show them alone:\n%s", p)
	}
	for _, sample := range []string{"Canary at 5%", "Details", "Decide by", "3 services"} {
		if strings.Contains(p, sample) {
			t.Fatalf("an empty optional field shows its sample %q:\n%s", sample, p)
		}
	}
	fillField(t, d, "due", "not a date")
	form, pv := splitScreen(d)
	p = strings.Join(pv, "\n")
	under := underField(t, form, "due")
	if !strings.Contains(under, "✗") || !strings.Contains(under, `cannot read "not a date"`) || !strings.Contains(under, "Unix seconds") || strings.Contains(under, "…") {
		t.Fatalf("under due: %q\n%s", under, strings.Join(form, "\n"))
	}
	for _, other := range []string{"subject", "tz", "details"} {
		if u := underField(t, form, other); strings.Contains(u, "✗") {
			t.Fatalf("the due error shows under %s too: %q", other, u)
		}
	}
	if !strings.Contains(p, "as of the last valid values") || !strings.Contains(p, "Ship it") {
		t.Fatalf("a bad due: the preview does not keep the last good render marked stale:\n%s", p)
	}
	for _, sample := range []string{"Canary at 5%", "Details", "2024-05-01"} {
		if strings.Contains(p, sample) {
			t.Fatalf("a bad due: the preview shows the sample %q:\n%s", sample, p)
		}
	}
	// ctrl+s is refused and the error stays under due, not cut at the bottom.
	d.key("ctrl+s")
	if d.m.state != stateVars {
		t.Fatalf("applied with a bad due: state %v", d.m.state)
	}
	form, _ = splitScreen(d)
	if under := underField(t, form, "due"); !strings.Contains(under, "Unix seconds") {
		t.Fatalf("after ctrl+s, under due: %q\n%s", under, strings.Join(form, "\n"))
	}
	// Cleared, due is empty: the preview is what applying gives.
	fillField(t, d, "due", "")
	_, pv = splitScreen(d)
	p = strings.Join(pv, "\n")
	if strings.Contains(p, "as of the last valid values") || strings.Contains(p, "Decide by") || strings.Contains(p, "Details") || strings.Contains(p, "Canary") {
		t.Fatalf("due cleared: the preview:\n%s", p)
	}
	d.key("ctrl+s")
	if d.m.state != stateCompose || strings.Contains(d.m.form.Body(), "Canary") {
		t.Fatalf("apply: state %v body %q", d.m.state, d.m.form.Body())
	}
}

// A user template mentioning an owner who is no contact: the error shows under owner, whole,
// at the same time as a required field's missing error under its own field; the preview
// is marked stale.
func TestTemplateUnknownContactUnderOwner(t *testing.T) {
	dir := t.TempDir()
	src := `description = "a service's handover"
msgtype = "markdown"
title = "Handover: {{ .service }}"
text = '''
### {{ .service }}

owned by {{ mention .owner }}
'''

[[vars]]
name = "service"
required = true
sample = "payments"

[[vars]]
name = "owner"
required = true
sample = "Alice"
`
	if err := os.WriteFile(filepath.Join(dir, "handover.toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	set, errs := template.Load(dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d := wideTemplateDriver(t, set)
	openTemplate(t, d, "handover")
	fillField(t, d, "owner", "Bobby")
	form, pv := splitScreen(d)
	under := underField(t, form, "owner")
	if !strings.Contains(under, `"Bobby"`) || !strings.Contains(under, "Alice, Bob, Carol") || strings.Contains(under, "…") {
		t.Fatalf("under owner: %q\n%s", under, strings.Join(form, "\n"))
	}
	if p := strings.Join(pv, "\n"); !strings.Contains(p, "as of the last valid values") {
		t.Fatalf("an unknown owner: the preview is not marked stale:\n%s", p)
	}
	d.key("ctrl+s")
	if d.m.state != stateVars {
		t.Fatalf("applied: state %v", d.m.state)
	}
	form, _ = splitScreen(d)
	if u := underField(t, form, "service"); !strings.Contains(u, "missing") {
		t.Fatalf("under service: %q\n%s", u, strings.Join(form, "\n"))
	}
	if u := underField(t, form, "owner"); !strings.Contains(u, `"Bobby"`) {
		t.Fatalf("with service missing, under owner: %q\n%s", u, strings.Join(form, "\n"))
	}
	for _, l := range form {
		if strings.Contains(l, "✗") && strings.Contains(l, "…") {
			t.Fatalf("an error is cut: %q\n%s", l, strings.Join(form, "\n"))
		}
	}
	fillField(t, d, "service", "billing")
	fillField(t, d, "owner", "Carol")
	if _, pv := splitScreen(d); !strings.Contains(strings.Join(pv, "\n"), "billing") || strings.Contains(strings.Join(pv, "\n"), "last valid") {
		t.Fatalf("fixed: the preview:\n%s", strings.Join(pv, "\n"))
	}
}
