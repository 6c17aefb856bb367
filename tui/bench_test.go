package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/preview"
)

// markdownOf returns realistic markdown of about n bytes.
func markdownOf(n int) string {
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

// benchProfiles are the colour profiles a terminal can have: TrueColor (COLORTERM=truecolor),
// ANSI256 (TERM=xterm-256color), ANSI (TERM=xterm) and Ascii (TERM=dumb, or not a terminal).
var benchProfiles = []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii}

// withProfile gives lipgloss's default renderer the profile, as the terminal's TERM and
// COLORTERM give it when the composer runs, until the benchmark ends: New then builds the
// glamour style and every lipgloss style for it, as Run does.
func withProfile(tb testing.TB, p termenv.Profile) {
	tb.Helper()
	was := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(p)
	tb.Cleanup(func() { lipgloss.SetColorProfile(was) })
}

// BenchmarkKeystroke is one typed rune, Update and View, with a 20 000-byte markdown body, on
// each colour profile.
func BenchmarkKeystroke(b *testing.B) {
	for _, p := range benchProfiles {
		b.Run(p.Name(), func(b *testing.B) {
			withProfile(b, p)
			opts := Options{Robots: []dingtalk.Robot{testRobot}, Contacts: testContacts, Dark: true, GlamourStyle: "dark"}
			d := newDriver(b, opts, 120, 40)
			d.m.form.SetTitle("Deploy report")
			d.m.form.SetBody(markdownOf(20000 - 60))
			d.send(preview.TickMsg(d.m.preview.Seq()))
			var m tea.Model = d.m
			key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, _ = m.Update(key)
				_ = m.View()
			}
		})
	}
}
