package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
)

// A dialog drawn over Chinese text cuts no wide character in half: every line of the screen
// keeps the terminal's width, and the preview's border right of the dialog stays in its column.
func TestDialogOverChineseKeepsEveryLineWhole(t *testing.T) {
	for _, w := range []int{100, 101, 120, 121} {
		var body []string
		for i := range 14 {
			// Lines starting at odd and even columns, so that some wide character straddles
			// each edge of the dialog.
			body = append(body, strings.Repeat("a", i%2)+strings.Repeat("部署完成所有检查通过", 8))
		}
		opts := testOptions(t)
		saveDraftFile(t, opts.StateDir, store.Draft{Type: dingtalk.TypeMarkdown, Title: "周报", Body: strings.Join(body, "\n\n")})
		d := newDriver(t, opts, w, 30)
		before := strings.Split(d.view(), "\n")
		d.key("ctrl+s")
		screen := d.view()
		if !strings.Contains(screen, "Send this markdown message?") {
			t.Fatalf("width %d: no confirmation:\n%s", w, screen)
		}
		after := strings.Split(screen, "\n")
		if len(after) != len(before) {
			t.Fatalf("width %d: %d lines, were %d", w, len(after), len(before))
		}
		for i, l := range after {
			plain := ansi.Strip(l)
			if cw := ansi.StringWidth(l); cw != w {
				t.Errorf("width %d: line %d is %d cells wide:\n%s", w, i, cw, plain)
			}
			// The preview's right border (│, ╮, ┤, ╯) is where it was before the dialog opened.
			if b := []rune(ansi.Strip(before[i])); len(b) > 0 && strings.ContainsRune("│╮┤╯", b[len(b)-1]) {
				if a := []rune(plain); len(a) == 0 || a[len(a)-1] != b[len(b)-1] {
					t.Errorf("width %d: line %d lost the preview's border %q:\n%s", w, i, string(b[len(b)-1]), plain)
				}
			}
		}
	}
}

// saveDraftFile saves d as the draft a composer on dir starts with.
func saveDraftFile(t *testing.T, dir string, d store.Draft) {
	t.Helper()
	if err := store.Open(dir).Save(1, d); err != nil {
		t.Fatal(err)
	}
}
