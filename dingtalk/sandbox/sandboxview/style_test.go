package sandboxview_test

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// TestStyleForNeverColoursAPipe: output that is not a terminal is drawn plain, whatever the
// environment says, and deciding so asks nothing of any terminal.
func TestStyleForNeverColoursAPipe(t *testing.T) {
	env := map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor", "GLAMOUR_STYLE": "light"}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, out := range []io.Writer{w, &bytes.Buffer{}} {
		if got := sandboxview.StyleFor(out, func(k string) string { return env[k] }); got != sandboxview.Plain {
			t.Errorf("%T: %+v, want Plain", out, got)
		}
	}
}

func TestColored(t *testing.T) {
	dark := sandboxview.Colored("dark", termenv.ANSI256)
	for _, name := range []string{"", "auto", "bogus", "ascii", "notty"} {
		if got := sandboxview.Colored(name, termenv.ANSI256); got != dark {
			t.Errorf("Colored(%q) = %+v, want dark", name, got)
		}
	}
	if sandboxview.Colored("dark", termenv.Ascii) != sandboxview.Plain {
		t.Error("no colours is not Plain")
	}
	light := sandboxview.Colored("light", termenv.ANSI256)
	a := arrival(t, `{"msgtype":"markdown","markdown":{"title":"T","text":"# Deploy\n\n- **api** ok"}}`)
	if l, d := sandboxview.Render(a, 60, light), sandboxview.Render(a, 60, dark); l == d || !strings.Contains(l, "\x1b[") {
		t.Errorf("GLAMOUR_STYLE=light draws as dark:\n%q\n%q", l, d)
	}
}
