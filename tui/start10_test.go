package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/tui/status"
)

// flat is the screen as one line of words, borders left out, so that text wrapped in a box
// reads as written.
func flat(screen string) string {
	var words []string
	for _, w := range strings.Fields(screen) {
		if strings.Trim(w, "│╭╮╰╯─") != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// boxText is the text inside the widest box drawn with rounded corners (the dialog over the
// editor), as words.
func boxText(screen string) string {
	lines := strings.Split(screen, "\n")
	top, left, right := -1, -1, -1
	for n, l := range lines {
		r := []rune(l)
		for i, c := range r {
			if c != '╭' {
				continue
			}
			for j := i + 1; j < len(r) && r[j] == '─' || j < len(r) && r[j] == '╮'; j++ {
				if r[j] == '╮' && j-i > right-left {
					top, left, right = n, i, j
				}
			}
		}
	}
	var words []string
	for _, l := range lines[top+1:] {
		r := []rune(l)
		if top < 0 || right >= len(r) || r[left] == '╰' {
			break
		}
		words = append(words, strings.Fields(string(r[left+1:right]))...)
	}
	return strings.Join(words, " ")
}

// One start-up warning is said in the status line, with the start notice, and stays for
// noticeTTL: typing does not clear it.
func TestOneStartWarningIsInTheStatusLine(t *testing.T) {
	opts := testOptions(t)
	opts.Warnings = []string{"config.toml is readable by other users: chmod 600"}
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	if v := flat(d.view()); !strings.Contains(v, "config.toml is readable by other users: chmod 600") {
		t.Fatalf("the warning is not on screen:\n%s", d.view())
	}
	var expiry *timerMsg
	for i, tm := range d.timer {
		if e, ok := tm.msg.(status.ExpiredMsg); ok && e == d.m.noticeExpiry {
			expiry = &d.timer[i]
		}
	}
	if expiry == nil || expiry.d < noticeTTL {
		t.Fatalf("the warning's expiry %+v, want after noticeTTL (%v); timers %+v", expiry, noticeTTL, d.timer)
	}
}

// Several warnings (or a long one with the notice) are listed in a box over the editor at start,
// which stays until a key dismisses it; the notice is in it too, so that closing the box late
// loses nothing. Keys then go to the editor again.
func TestStartWarningsAreListedUntilDismissed(t *testing.T) {
	opts := testOptions(t)
	opts.Notice = "default robot prod is unavailable: $PROD_SECRET (its secret_env) is not set; starting on robot ops instead (ctrl+r chooses another)"
	opts.Warnings = []string{
		"config.toml is readable by other users and holds a robot secret: chmod 600 config.toml",
		`contact "A": unknown key "contacts.phone"; the contact is left out`,
	}
	for _, size := range [][2]int{{120, 40}, {60, 20}} {
		d := newDriver(t, opts, size[0], size[1])
		v := boxText(d.view())
		for _, want := range append([]string{"Before you start", "default robot prod is unavailable", "starting on robot ops instead"}, opts.Warnings...) {
			if !strings.Contains(v, want) {
				t.Fatalf("%v: %q is not on screen:\n%s", size, want, d.view())
			}
		}
		if d.m.state != stateError {
			t.Fatalf("%v: state %v, want the warnings box", size, d.m.state)
		}
		d.key("enter")
		if d.m.state != stateCompose || strings.Contains(flat(d.view()), "Before you start") {
			t.Fatalf("%v: enter did not close the warnings:\n%s", size, d.view())
		}
		d.typeText("Weekly")
		if got := d.m.form.Message().Markdown.Title; got != "Weekly" {
			t.Fatalf("%v: title %q after the warnings", size, got)
		}
	}
}

// No warning: no box, and the notice as before.
func TestNoStartWarningNoBox(t *testing.T) {
	opts := testOptions(t)
	opts.Notice = "--sandbox: messages go to dingbot's built-in sandbox"
	d := newDriver(t, opts, 120, 40)
	if d.m.state != stateCompose || d.m.status.Text() != opts.Notice {
		t.Fatalf("state %v, status %q", d.m.state, d.m.status.Text())
	}
}

// `dingbot FILE.md` opens at the top: the cursor at the start of the body, the editor and the
// preview showing the file's first lines, not its end.
func TestFileOpensAtTheTop(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Release notes\n\nfirst paragraph at the top\n\n")
	for i := range 120 {
		fmt.Fprintf(&b, "- item %d of the long list\n", i)
	}
	b.WriteString("\nlast line at the very end\n")
	file := filepath.Join(t.TempDir(), "notes.md")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t)
	opts.File = file
	d := newDriver(t, opts, 120, 40)
	v := d.view()
	if !strings.Contains(v, "first paragraph at the top") || strings.Contains(v, "last line at the very end") {
		t.Fatalf("the file did not open at the top:\n%s", v)
	}
	if got := d.m.form.Position(); got != 0 {
		t.Fatalf("cursor position %v, want 0 (the start of the body)", got)
	}
	d.typeText("X")
	if body := d.m.form.Body(); !strings.HasPrefix(body, "X# Release notes") {
		t.Fatalf("typing went elsewhere than the start of the body: %q…", body[:min(40, len(body))])
	}
}
