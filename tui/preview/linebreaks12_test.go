package preview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
)

// The preview breaks a markdown line where DingTalk does, at "two spaces + \n", and joins one
// at a "\n" alone (QA F7: it joined them all), in a paragraph, a quote and a list item.
func TestPreviewKeepsHardLineBreaks(t *testing.T) {
	text := "**wangfang** opened pull request #482  \nLabels: payment,\nbug  \nReviewers: zhangwei\n\n> first line  \n> second line\n\n- item  \n  more"
	r := renderFor(t, dingtalk.NewMarkdown("T", text), testRobot, 60)
	var lines []string
	for _, l := range strings.Split(ansi.Strip(r.content), "\n") {
		if l = strings.Trim(strings.TrimSpace(l), "│ "); l != "" {
			lines = append(lines, l)
		}
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"wangfang opened pull request #482\nLabels: payment, bug\nReviewers: zhangwei\n", "first line\nsecond line\n", "item\nmore"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}

// BenchmarkPreviewRender20KBHardBreaks is BenchmarkPreviewRender20KB with every line ended by a
// hard break, as the relay's Git messages are: the breaks are found once more with goldmark.
func BenchmarkPreviewRender20KBHardBreaks(b *testing.B) {
	benchmarkRender(b, strings.ReplaceAll(markdownOf(20000), "\n", "  \n"))
}
