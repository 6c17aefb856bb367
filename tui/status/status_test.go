package status

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/tui/styles"
)

func TestAStaleExpiryKeepsTheNewerMessage(t *testing.T) {
	st := styles.New(true, true)
	b := New(&st)
	first := b.Set(Info, "first")
	b.Set(Warn, "second")
	if b.Expire(first) || b.Text() != "second" {
		t.Fatalf("stale expiry cleared %q", b.Text())
	}
}

func TestLongMessageGoesAboveTheBar(t *testing.T) {
	st := styles.New(true, true)
	b := New(&st)
	f := Facts{Robot: "ops", SendsLeft: -1, Keywords: []string{"deploy"}, Ready: true, Keyword: "deploy", KeywordOK: true}
	if h := b.Height(60, f); h != 1 {
		t.Fatalf("no message: %d lines", h)
	}
	b.Set(Info, strings.Repeat("a long notice ", 8))
	v := b.View(60, f)
	if h := b.Height(60, f); h != 3 || !strings.Contains(ansi.Strip(v), "✓ keyword deploy") {
		t.Fatalf("%d lines:\n%s", h, ansi.Strip(v))
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) != 60 {
			t.Fatalf("line of %d cells: %q", ansi.StringWidth(l), ansi.Strip(l))
		}
	}
}
