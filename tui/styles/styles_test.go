package styles

import (
	"math"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// luminance is the WCAG relative luminance of a colour as a 256-colour or true-colour terminal
// shows it.
func luminance(t *testing.T, c lipgloss.TerminalColor) float64 {
	t.Helper()
	col, ok := c.(lipgloss.Color)
	if !ok || col == "" {
		t.Fatalf("colour %#v is not an explicit colour", c)
	}
	rgb := termenv.ConvertToRGB(termenv.ANSI256.Color(string(col)))
	lin := func(v float64) float64 {
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(rgb.R) + 0.7152*lin(rgb.G) + 0.0722*lin(rgb.B)
}

// contrast is the WCAG contrast ratio of two colours, 1 to 21.
func contrast(t *testing.T, a, b lipgloss.TerminalColor) float64 {
	t.Helper()
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// Every colour text is written in reads at 4.5:1 or more (WCAG AA) on white for the light
// palette and on black for the dark one: the faint hints, the help and the placeholders too,
// which were 1.9:1 on white. The robot badge and the active tab (accentText on accentBg) too.
func TestContrast(t *testing.T) {
	const min = 4.5
	for _, c := range []struct {
		name string
		dark bool
		bg   lipgloss.Color
	}{{"light on white", false, "#FFFFFF"}, {"dark on black", true, "#000000"}} {
		t.Run(c.name, func(t *testing.T) {
			p := basePalette(c.dark) // the colours as chosen, not as this terminal's profile converts them
			for name, fg := range map[string]lipgloss.TerminalColor{
				"text": p.text, "muted": p.muted, "faint": p.faint, "accent": p.accent, "ok": p.ok,
				"warn": p.warn, "bad": p.bad, "mention": p.mention,
			} {
				if r := contrast(t, fg, c.bg); r < min {
					t.Errorf("palette %s %v: contrast %.2f, want ≥ %.1f", name, fg, r, min)
				}
			}
			if r := contrast(t, p.accentText, p.accentBg); r < min {
				t.Errorf("accentText on accentBg: contrast %.2f, want ≥ %.1f", r, min)
			}
			// The styles as drawn: hints, help and placeholders, and the text on a background.
			st := New(c.dark, false)
			for name, s := range map[string]lipgloss.Style{
				"Frame.Hint": st.Frame.Hint, "Frame.Version": st.Frame.Version, "Editor.Hint": st.Editor.Hint,
				"Editor.Placeholder": st.Editor.Placeholder, "Preview.Hint": st.Preview.Hint,
				"Preview.CardURL": st.Preview.CardURL, "Dialog.Hint": st.Dialog.Hint, "Dialog.Muted": st.Dialog.Muted,
				"List.Hint": st.List.Hint, "List.Placeholder": st.List.Placeholder, "List.Item": st.List.Item,
				"Help.ShortKey": st.Help.ShortKey, "Help.ShortDesc": st.Help.ShortDesc,
				"Help.ShortSeparator": st.Help.ShortSeparator, "Help.FullKey": st.Help.FullKey,
				"Help.FullDesc": st.Help.FullDesc, "Help.Ellipsis": st.Help.Ellipsis,
				"Status.Seg": st.Status.Seg, "Status.MsgInfo": st.Status.MsgInfo,
			} {
				if r := contrast(t, s.GetForeground(), c.bg); r < min {
					t.Errorf("%s: contrast %.2f on %s, want ≥ %.1f", name, r, c.bg, min)
				}
			}
			for name, s := range map[string]lipgloss.Style{"Status.Robot": st.Status.Robot, "Frame.TabActive": st.Frame.TabActive} {
				if r := contrast(t, s.GetForeground(), s.GetBackground()); r < min {
					t.Errorf("%s: contrast %.2f, want ≥ %.1f", name, r, min)
				}
			}
		})
	}
}
