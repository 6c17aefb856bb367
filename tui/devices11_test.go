package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
)

// Issue 11: previews for PC and for phone.

// deviceDraft is markdown whose table and HTML a phone without the new renderer shows
// otherwise than PC.
func deviceDraft() *store.Draft {
	return &store.Draft{
		Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "Checks",
		Body:     "## Checks\n\n| svc | p99 |\n|---|--:|\n| api | 120 ms |\n\nsee <span>the board</span>\n\nThanks @13800000000",
		Mentions: []store.Mention{{Name: "Alice", Mobile: "13800000000"}},
	}
}

// On a terminal narrower than both previews, one device shows at a time: PC first, and
// alt+v (or f8) switches to a phone without the new renderer and back, from the text field,
// in a real program.
func TestFlowDeviceSwitch(t *testing.T) {
	tm := program(t, testOptions(t), deviceDraft(), 120, 40)
	waitForAll(t, tm, "Preview on PC", "alt+v phone", "notifies @Alice")
	tm.Send(keyMsg("alt+v"))
	waitForAll(t, tm, "Preview on a phone without the new renderer", "| api | 120 ms |")
	tm.Send(tea.KeyMsg{Type: tea.KeyF8})
	// The PC preview renders off the UI goroutine: wait for its text, not only the status.
	waitForAll(t, tm, "preview on PC; alt+v switches back", "see the board")
	m := finalScreen(t, tm)
	view := ansi.Strip(m.preview.View(m.preview.Width(), 30))
	if strings.Contains(view, "| api | 120 ms |") || !strings.Contains(view, "the board") {
		t.Fatalf("back on PC, the table is drawn and the HTML's text shown:\n%s", view)
	}
	if m.form.Body() != deviceDraft().Body {
		t.Fatalf("switching the device changed the text: %q", m.form.Body())
	}
}

// On a wide terminal both previews stand beside the editor; the device key says so and
// changes nothing.
func TestFlowBothDevicesOnAWideTerminal(t *testing.T) {
	d := newDriver(t, testOptions(t), 160, 40)
	d.key("tab")
	d.typeText("| svc | p99 |\n|---|--:|\n| api | 120 ms |\n\nsee <span>the board</span>")
	view := ansi.Strip(d.m.preview.View(d.m.preview.Width(), 40))
	for _, s := range []string{"Preview on PC and phone", "Phone · without the new renderer", "| api | 120 ms |", "see the board"} {
		if !strings.Contains(view, s) {
			t.Fatalf("no %q:\n%s", s, view)
		}
	}
	d.key("alt+v")
	if !strings.Contains(d.m.status.Text(), "side by side") || d.m.preview.Device() != 0 {
		t.Fatalf("alt+v on a wide terminal: status %q", d.m.status.Text())
	}
}

// The whole screen on a wide terminal: the editor, PC and phone.
func TestGoldenBothDevices(t *testing.T) {
	tm := program(t, testOptions(t), deviceDraft(), 160, 40)
	waitFor(t, tm, "Phone · without the new renderer")
	requireScreen(t, finalScreen(t, tm))
}
