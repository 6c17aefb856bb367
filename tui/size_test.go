package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// TestEverySizeAndState draws every screen at every terminal size from tiny to large: nothing
// panics, no line is wider than the terminal, and the screen is never taller than it.
func TestEverySizeAndState(t *testing.T) {
	screens := map[string][]string{
		"compose": nil,
		"picker":  {"alt+m"},
		"robots":  {"ctrl+r"},
		"payload": {"alt+p"},
		"history": {"ctrl+l"},
		"help":    {"ctrl+g"},
		"confirm": {"ctrl+s"},
		"quit":    {"ctrl+q"},
	}
	for name, keys := range screens {
		d := newDriver(t, testOptions(t), 120, 40)
		d.typeText("Weekly report")
		d.key("tab")
		d.typeText("# Done\n\n- shipped **it**\n\n| a | b |\n|---|---|\n")
		d.key(keys...)
		for w := 1; w <= 130; w += 7 {
			for h := 1; h <= 45; h += 4 {
				var screen string
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s at %dx%d: panic: %v", name, w, h, r)
						}
					}()
					d.send(tea.WindowSizeMsg{Width: w, Height: h})
					screen = d.m.View()
				}()
				lines := strings.Split(screen, "\n")
				if len(lines) > h && w >= minWidth && h >= minHeight {
					t.Errorf("%s at %dx%d: %d lines", name, w, h, len(lines))
				}
				for _, l := range lines {
					if lw := ansi.StringWidth(l); lw > w {
						t.Errorf("%s at %dx%d: a line is %d wide: %q", name, w, h, lw, ansi.Strip(l))
						break
					}
				}
			}
		}
	}
}
