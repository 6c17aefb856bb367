package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

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

// BenchmarkKeystroke is one typed rune, Update and View, with a 20 000-byte markdown body.
func BenchmarkKeystroke(b *testing.B) {
	opts := Options{Robots: []dingtalk.Robot{testRobot}, Contacts: testContacts, Dark: true, GlamourStyle: "dark"}
	d := newDriver(b, opts, 120, 40)
	d.m.form.title.SetValue("Deploy report")
	d.m.form.focusField(fieldBody, 0)
	d.m.form.body.SetValue(markdownOf(20000 - 60))
	d.send(previewTickMsg(d.m.preview.seq))
	var m tea.Model = d.m
	key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, _ = m.Update(key)
		_ = m.View()
	}
}

func benchmarkRender(b *testing.B, size int) {
	opts := Options{Robots: []dingtalk.Robot{testRobot}, Contacts: testContacts, Dark: true, GlamourStyle: "dark"}
	m, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	req := renderRequest{
		msg:      dingtalk.NewMarkdown("Deploy report", markdownOf(size)),
		robot:    testRobot,
		contacts: testContacts,
		width:    58,
		md:       m.md,
		st:       m.st,
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := renderPreview(req); r.content == "" {
			b.Fatal("empty render")
		}
	}
}

// BenchmarkPreviewRender2KB is one preview render (Prepare and glamour) of 2 KB of markdown.
func BenchmarkPreviewRender2KB(b *testing.B) { benchmarkRender(b, 2000) }

// BenchmarkPreviewRender20KB is one preview render of 20 KB of markdown.
func BenchmarkPreviewRender20KB(b *testing.B) { benchmarkRender(b, 20000) }
