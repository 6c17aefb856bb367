package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/store"
)

func wheel(x, y int, up bool) tea.MouseMsg {
	b := tea.MouseButtonWheelDown
	if up {
		b = tea.MouseButtonWheelUp
	}
	return tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: b}
}

// msgsOf runs a command and the commands of a batch it returns, for their messages.
func msgsOf(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, msgsOf(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func hasMsg(msgs []tea.Msg, want tea.Msg) bool {
	for _, m := range msgs {
		if m == want {
			return true
		}
	}
	return false
}

// longPreview is a driver whose preview is far longer than its pane, on screen, at the top.
func longPreview(t *testing.T, w, h int) *driver {
	t.Helper()
	d := newDriver(t, testOptions(t), w, h)
	d.m.form.SetTitle("Notes")
	d.m.form.SetBody(markdownOf(6000))
	d.send(preview.TickMsg(d.m.preview.Seq()))
	if !d.m.preview.Ready() {
		t.Fatal("the preview did not render")
	}
	d.m.preview.Follow(0)
	return d
}

// The wheel scrolls the preview only in mouse mode, which is off at start so that the terminal's
// own selection works; toggling asks the terminal for the mouse (and lets it go) and says so.
func TestMouseWheelScrollsPreview(t *testing.T) {
	d := longPreview(t, 120, 40)
	overPreview, overEditor := [2]int{100, 12}, [2]int{20, 12}

	d.send(wheel(overPreview[0], overPreview[1], false))
	if got := d.m.preview.YOffset(); got != 0 {
		t.Fatalf("mouse mode is off, yet the wheel scrolled the preview to %d", got)
	}

	cmd := d.m.toggleMouse()
	if !hasMsg(msgsOf(cmd), tea.EnableMouseCellMotion()) {
		t.Error("mouse mode on does not ask the terminal for the mouse")
	}
	if !strings.Contains(d.view(), "mouse on: the wheel scrolls the preview; shift+drag selects text") {
		t.Errorf("no word of mouse mode:\n%s", d.view())
	}
	if !strings.Contains(d.view(), "pgup/pgdn/wheel") {
		t.Errorf("the preview's title does not mention the wheel:\n%s", d.view())
	}

	d.send(wheel(overPreview[0], overPreview[1], false))
	d.send(wheel(overPreview[0], overPreview[1], false))
	if got := d.m.preview.YOffset(); got != 2*preview.WheelLines {
		t.Fatalf("two notches down scrolled the preview to %d, want %d", got, 2*preview.WheelLines)
	}
	if d.m.preview.Tracking() {
		t.Error("after the wheel, the preview still follows the cursor")
	}
	d.send(wheel(overPreview[0], overPreview[1], true))
	if got := d.m.preview.YOffset(); got != preview.WheelLines {
		t.Fatalf("a notch up scrolled the preview to %d, want %d", got, preview.WheelLines)
	}
	d.send(wheel(overEditor[0], overEditor[1], false))
	if got := d.m.preview.YOffset(); got != preview.WheelLines {
		t.Fatalf("the wheel over the editor scrolled the preview to %d", got)
	}
	d.send(tea.MouseMsg{X: overPreview[0], Y: overPreview[1], Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if got := d.m.preview.YOffset(); got != preview.WheelLines {
		t.Fatalf("a click scrolled the preview to %d", got)
	}

	cmd = d.m.toggleMouse()
	if !hasMsg(msgsOf(cmd), tea.DisableMouse()) {
		t.Error("mouse mode off does not let the terminal have the mouse back")
	}
	if !strings.Contains(d.view(), "mouse off: select text with the mouse as usual") {
		t.Errorf("no word of mouse mode off:\n%s", d.view())
	}
	d.send(wheel(overPreview[0], overPreview[1], false))
	if got := d.m.preview.YOffset(); got != preview.WheelLines {
		t.Fatalf("mouse mode is off again, yet the wheel scrolled the preview to %d", got)
	}
}

// On a narrow terminal the preview is under the editor: the wheel scrolls it there, and not
// over the editor above it.
func TestMouseWheelNarrow(t *testing.T) {
	d := longPreview(t, 80, 40)
	d.m.toggleMouse()
	g := d.m.geometry()
	d.send(wheel(10, 1+g.editorH-1, false))
	if got := d.m.preview.YOffset(); got != 0 {
		t.Fatalf("the wheel over the editor scrolled the preview to %d", got)
	}
	d.send(wheel(10, 1+g.editorH+1+2, false))
	if got := d.m.preview.YOffset(); got != preview.WheelLines {
		t.Fatalf("the wheel over the preview scrolled it to %d, want %d", got, preview.WheelLines)
	}
}

// In a real program, alt+s turns mouse mode on, and then wheel events from the terminal scroll
// the preview.
func TestFlowMouseWheel(t *testing.T) {
	opts := testOptions(t)
	d := &store.Draft{Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "Notes", Body: markdownOf(6000)}
	if err := store.Open(opts.StateDir).Save(1, *d); err != nil {
		t.Fatal(err)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "pgup/pgdn")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'s'}, Alt: true})
	waitFor(t, tm, "pgup/pgdn/wheel")
	// Wherever the preview starts, enough notches up bring it to its top; then four down, one up.
	for range 200 {
		tm.Send(wheel(100, 12, true))
	}
	for range 4 {
		tm.Send(wheel(100, 12, false))
	}
	tm.Send(wheel(100, 12, true))
	final := finalScreen(t, tm)
	if got := final.preview.YOffset(); got != 3*preview.WheelLines {
		t.Fatalf("to the top, four notches down and one up scrolled the preview to %d, want %d", got, 3*preview.WheelLines)
	}
}
