package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/tui/store"
)

// A template of payloads (the relay's grafana) has no variables to fill: chosen in the gallery,
// the sample Grafana payload it renders goes into the draft, to edit, the status says whose
// sample it is, and ctrl+z brings the earlier message back. A real Bubble Tea program.
func TestTemplateOfPayloadsOpensItsSample(t *testing.T) {
	opts := testOptions(t)
	opts.Templates = template.Builtin()
	tm := program(t, opts, &store.Draft{Type: dingtalk.TypeMarkdown, Title: "old title", Body: "the old body"}, 150, 45)
	waitForText(t, tm, "the old body")

	tm.Send(keyMsg("alt+g"))
	waitForText(t, tm, "Templates · type to filter")
	tm.Type("grafana")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	// The status, and the preview of the sample (both may come in one frame).
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		screen := strings.Join(strings.Fields(ansi.Strip(string(b))), " ")
		return strings.Contains(screen, "template grafana: the sample grafana payload (firing), rendered into the draft to edit") &&
			strings.Contains(screen, "Slow checkout") && strings.Contains(screen, "folder Web")
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))

	tm.Type("Edited ")
	waitForText(t, tm, "Edited")
	m := finalScreen(t, tm)
	if m.state != stateCompose || m.filling != nil {
		t.Fatalf("state %v, filling %v: want the editor", m.state, m.filling)
	}
	tpl, _ := template.Lookup("grafana")
	want, err := tpl.RenderSample(testContacts)
	if err != nil {
		t.Fatal(err)
	}
	got := m.form.Message()
	edited := strings.Replace(got.Title()+"\x00"+got.Body(), "Edited ", "", 1)
	if got.Type != dingtalk.TypeMarkdown || edited != want.Title()+"\x00"+want.Body() {
		t.Fatalf("the draft holds\n%q / %q\nwant the sample with \"Edited \" typed in\n%q / %q", got.Title(), got.Body(), want.Title(), want.Body())
	}
	if p, err := dingtalk.Prepare(testRobot, want, dingtalk.PrepareOptions{}); err != nil || len(p.Warnings) > 0 {
		t.Fatalf("the sample does not send as it is: %v %v", err, p.Warnings)
	}
}

// Undo after opening a sample brings back the message it replaced, as after applying a
// template of variables.
func TestTemplateSampleIsOneUndoStep(t *testing.T) {
	d := templateDriver(t)
	d.key("alt+g")
	d.typeText("git")
	d.key("enter")
	if d.m.state != stateCompose || !strings.Contains(d.m.status.Text(), "template git: the sample github payload (push), rendered into the draft to edit") {
		t.Fatalf("state %v, status %q", d.m.state, d.m.status.Text())
	}
	tpl, _ := template.Lookup("git")
	want, _ := tpl.RenderSample(testContacts)
	if d.m.form.Body() != want.Body() || d.m.form.Title() != want.Title() {
		t.Fatalf("body %q, want %q", d.m.form.Body(), want.Body())
	}
	d.key("ctrl+z")
	if d.m.form.Body() != "the old body" || d.m.form.Title() != "old title" {
		t.Fatalf("ctrl+z: title %q body %q", d.m.form.Title(), d.m.form.Body())
	}
}
