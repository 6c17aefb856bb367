// Package profiletest holds what the composer's benchmarks and colour tests share: the colour
// profiles a terminal can have, a way to run under one, and realistic markdown of a given size.
// Only test files import it.
package profiletest

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Profiles are the colour profiles a terminal can have: TrueColor (COLORTERM=truecolor),
// ANSI256 (TERM=xterm-256color), ANSI (TERM=xterm) and Ascii (TERM=dumb, or not a terminal).
var Profiles = []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii}

// With gives lipgloss's default renderer the profile, as the terminal's TERM and COLORTERM give
// it when the composer runs, until the benchmark or test ends: styles built meanwhile (tui.New,
// the preview's markdown style) are built for it, as Run builds them.
func With(tb testing.TB, p termenv.Profile) {
	tb.Helper()
	was := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(p)
	tb.Cleanup(func() { lipgloss.SetColorProfile(was) })
}

// Markdown returns realistic markdown of about n bytes.
func Markdown(n int) string {
	const chunk = "## Deploy report\n\n" +
		"- **service**: api-gateway, [dashboard](https://example.com/d/1)\n" +
		"- status: healthy, latency p99 *120 ms*\n\n" +
		"> all checks passed; @13800000000 please review the rollout notes\n\n" +
		"1. build\n2. canary\n3. full rollout\n\n"
	var b strings.Builder
	for b.Len()+len(chunk) <= n {
		b.WriteString(chunk)
	}
	b.WriteString(strings.Repeat("x", n-b.Len()))
	return b.String()
}
