package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestHeaderShortVersion runs the composer at 80 columns with the versions a binary can carry:
// the header shows a release tag, or "dev" for a pseudo-version or a snapshot, and never cuts
// the type tabs.
func TestHeaderShortVersion(t *testing.T) {
	for _, c := range []struct{ version, shown string }{
		{"v1.2.0", "v1.2.0"},
		{"v1.2.0+dirty", "v1.2.0"},
		{"v10.20.30-rc", "v10.20.30-rc"}, // the widest shown
		{"v0.0.0-20261202045913-3cfafd9abcde", "dev"},
		{"v1.2.1-0.20261202045913-3cfafd9abcde+dirty", "dev"},
		{"v0.0.0-SNAPSHOT-3cfafd9", "dev"},
		{"dev", "dev"},
	} {
		t.Run(c.version, func(t *testing.T) {
			opts := testOptions(t)
			opts.Version = c.version
			tm := program(t, opts, goldenMarkdown(), 80, 24)
			waitFor(t, tm, "notifies @Alice")
			header := strings.SplitN(ansi.Strip(finalScreen(t, tm).View()), "\n", 2)[0]
			if w := ansi.StringWidth(header); w > 80 {
				t.Errorf("header is %d cells wide: %q", w, header)
			}
			if !strings.Contains(header, "text  markdown  link  actionCard  feedCard") {
				t.Errorf("the type tabs are cut: %q", header)
			}
			if !strings.HasSuffix(header, "● unsent  "+c.shown+" ") {
				t.Errorf("header ends %q, want the unsent mark and %q", header, c.shown)
			}
			if c.shown == "v1.2.0" && !strings.Contains(header, "alt+t") {
				t.Errorf("a release tag cut the type key's hint: %q", header)
			}
		})
	}
}
