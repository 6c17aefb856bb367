package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

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

// BenchmarkKeystroke is one typed rune, Update and View, with a 20 000-byte markdown body.
func BenchmarkKeystroke(b *testing.B) {
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
}
