package preview

import (
	"strings"
	"testing"

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

func benchmarkRender(b *testing.B, size int) {
	m := looksFor(b, MarkdownOptions{GlamourStyle: "dark", Dark: true, DarkScreen: true})
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
