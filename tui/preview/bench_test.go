package preview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
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
// COLORTERM give it when the composer runs, until the benchmark or test ends: looksFor then
// builds the glamour style and every lipgloss style for it, as tui.New does.
func withProfile(tb testing.TB, p termenv.Profile) {
	tb.Helper()
	was := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(p)
	tb.Cleanup(func() { lipgloss.SetColorProfile(was) })
}

// renderRequestOf is a preview render of text as markdown, by the styles the composer builds for
// the current profile on a dark screen with glamour's dark style, as on most terminals.
func renderRequestOf(tb testing.TB, text string) renderRequest {
	tb.Helper()
	m := looksFor(tb, MarkdownOptions{GlamourStyle: "dark", Dark: true, DarkScreen: true})
	return renderRequest{
		msg:      dingtalk.NewMarkdown("Deploy report", text),
		robot:    testRobot,
		contacts: testContacts,
		width:    58,
		md:       m.md,
		st:       m.st,
	}
}

func benchmarkRender(b *testing.B, text string) {
	for _, p := range benchProfiles {
		b.Run(p.Name(), func(b *testing.B) {
			withProfile(b, p)
			req := renderRequestOf(b, text)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := renderPreview(req); r.content == "" {
					b.Fatal("empty render")
				}
			}
		})
	}
}

// BenchmarkPreviewRender2KB is one preview render (Prepare and glamour) of 2 KB of markdown,
// on each colour profile.
func BenchmarkPreviewRender2KB(b *testing.B) { benchmarkRender(b, markdownOf(2000)) }

// BenchmarkPreviewRender20KB is one preview render of 20 KB of markdown, on each colour profile.
func BenchmarkPreviewRender20KB(b *testing.B) { benchmarkRender(b, markdownOf(20000)) }
