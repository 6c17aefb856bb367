package preview

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
)

// Buttons side by side share the card's width equally, as DingTalk draws them: no two differ by
// more than the one cell that does not divide evenly (QA of issue 11: 30/27 on PC).
func TestSideBySideButtonsShareTheWidthEqually(t *testing.T) {
	req := renderRequestOf(t, "")
	for _, n := range []int{2, 3, 4} {
		for _, w := range []int{40, 60, 61, 62} {
			card := &dingtalk.ActionCard{Title: "T", Text: "vote", BtnOrientation: dingtalk.ButtonsHorizontal}
			for i := 0; i < n; i++ {
				card.Buttons = append(card.Buttons, dingtalk.Button{Title: "Approve the release now", ActionURL: "https://example.com"})
			}
			var row string
			for _, l := range strings.Split(ansi.Strip(actionCard(req, card, w)), "\n") {
				if strings.HasPrefix(l, "╰") {
					row = l
				}
			}
			parts := strings.Split(strings.Trim(row, "╰╯"), "┴")
			if len(parts) != n {
				t.Fatalf("%d buttons at %d: bottom %q", n, w, row)
			}
			lo, hi := 1<<30, 0
			for _, p := range parts {
				c := utf8.RuneCountInString(p)
				lo, hi = min(lo, c), max(hi, c)
			}
			if hi-lo > 1 {
				t.Errorf("%d buttons at %d cells: widths %d to %d (%q)", n, w, lo, hi, row)
			}
		}
	}
}
