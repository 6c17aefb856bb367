package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
)

// notesWith are the preview's notes that hold s.
func notesWith(m Model, s string) []string {
	var out []string
	for _, n := range m.preview.Notes() {
		if strings.Contains(n, s) {
			out = append(out, n)
		}
	}
	return out
}

// A markdown message over 20 000 bytes, which ctrl+s offers to send in parts, is not told under
// the preview to be shortened: the note says in how many parts it goes.
func TestFlowOversizeNoteSaysParts(t *testing.T) {
	d := &store.Draft{Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "Rollout", Body: bigMarkdown(45000)}
	tm := program(t, testOptions(t), d, 120, 40)
	waitFor(t, tm, "split into 3 parts")
	m := finalScreen(t, tm)
	if got := notesWith(m, "shorten"); len(got) > 0 {
		t.Errorf("the preview says to shorten a message sent in parts: %q", got)
	}
	if got := notesWith(m, "it would be split into 3 parts"); len(got) != 1 {
		t.Errorf("notes %q", m.preview.Notes())
	}
	if screen := ansi.Strip(m.View()); strings.Contains(screen, "✗") {
		t.Errorf("a message sent in parts is drawn as a problem:\n%s", screen)
	}
}

// A contact's number typed but not mentioned has one note under the preview, naming the contact
// and how to pick them; dingtalk.Prepare's "notifies nobody" for the same number is not shown too.
func TestFlowOneNotePerUnnotifiedHandle(t *testing.T) {
	d := &store.Draft{Version: store.Version, Robot: "ops", Type: dingtalk.TypeMarkdown, Title: "T", Body: "ping @13900000000 please"}
	tm := program(t, testOptions(t), d, 120, 40)
	waitFor(t, tm, "(Bob)")
	m := finalScreen(t, tm)
	got := notesWith(m, "@13900000000")
	if len(got) != 1 || !strings.Contains(got[0], "type @ and pick Bob") {
		t.Errorf("notes on Bob's number: %q, want one that names Bob and the picker", got)
	}
}
