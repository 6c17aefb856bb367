package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// On a terminal too narrow for both devices, the phone preview's title keeps the key that
// switches back to PC (QA of issue 11: at 100 columns it was cut off).
func TestPhoneTitleKeepsTheSwitchKey(t *testing.T) {
	for _, w := range []int{100, 120, 149} {
		d := inBody(t, "hello")
		d.send(tea.WindowSizeMsg{Width: w, Height: 40})
		d.key("alt+v")
		if v := flat(d.view()); !strings.Contains(v, "alt+v PC") {
			t.Errorf("%d columns: the phone preview's title lacks alt+v PC:\n%s", w, d.view())
		}
	}
}

// After a resize wide enough for both devices, the status no longer says one device is shown.
func TestDeviceStatusFollowsAResize(t *testing.T) {
	d := inBody(t, "hello")
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.key("alt+v")
	if !strings.Contains(d.m.status.Text(), "switches back") {
		t.Fatalf("status %q", d.m.status.Text())
	}
	d.send(tea.WindowSizeMsg{Width: 170, Height: 40})
	if s := d.m.status.Text(); strings.Contains(s, "switches back") || !strings.Contains(s, "side by side") {
		t.Fatalf("after widening, the status says %q", s)
	}
}
