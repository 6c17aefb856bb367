package styles

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestPaletteForProfile checks that the palette, converted once to the renderer's colour
// profile, is drawn exactly as termenv draws the colours as designed, on every profile: the
// conversion is only a saving, never a change of colour.
func TestPaletteForProfile(t *testing.T) {
	was := lipgloss.ColorProfile()
	t.Cleanup(func() { lipgloss.SetColorProfile(was) })
	for _, prof := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		lipgloss.SetColorProfile(prof)
		for _, dark := range []bool{true, false} {
			designed, converted := basePalette(dark), newPalette(dark, false)
			d, c := designed.all(), converted.all()
			for i := range d {
				want, got := sequenceOf(prof, string((*d[i]).(lipgloss.Color))), sequenceOf(prof, string((*c[i]).(lipgloss.Color)))
				if want != got {
					t.Errorf("%s dark=%v: colour %d %v draws as %q, converted %v as %q", prof.Name(), dark, i, *d[i], want, *c[i], got)
				}
			}
			if prof == termenv.ANSI && *c[0] == *d[0] && *c[3] == *d[3] {
				t.Errorf("dark=%v: the palette was not converted for ANSI", dark)
			}
		}
	}
}

// TestProfileColourCached checks that a conversion is the same the second time (from the
// cache) and that profiles with nothing to convert leave a colour as it is.
func TestProfileColourCached(t *testing.T) {
	for _, c := range []string{"#3296FA", "252", "not a colour", ""} {
		for _, p := range []termenv.Profile{termenv.ANSI256, termenv.ANSI} {
			first, second := ProfileColour(p, c), ProfileColour(p, c)
			if first != second {
				t.Errorf("%s %q: %q then %q", p.Name(), c, first, second)
			}
			if want, got := sequenceOf(p, c), sequenceOf(p, first); want != got {
				t.Errorf("%s %q draws as %q, converted %q as %q", p.Name(), c, want, first, got)
			}
		}
		for _, p := range []termenv.Profile{termenv.TrueColor, termenv.Ascii} {
			if got := ProfileColour(p, c); got != c {
				t.Errorf("%s %q converted to %q", p.Name(), c, got)
			}
		}
	}
}

func sequenceOf(p termenv.Profile, c string) string {
	col := p.Color(c)
	if col == nil {
		return "<nil>"
	}
	return col.Sequence(false) + "/" + col.Sequence(true)
}
