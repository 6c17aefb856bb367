//go:build linux

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// altScreen is what the composer shows once it has the full screen, as words (borders left out,
// so that text wrapped in a box reads as written): what was printed before is not in it.
func (p *ptyComposer) altScreen() string {
	p.mu.Lock()
	out := p.out.String()
	p.mu.Unlock()
	_, full, ok := strings.Cut(out, "\x1b[?1049h")
	if !ok {
		return ""
	}
	var words []string
	for _, w := range strings.Fields(ansi.Strip(full)) {
		if strings.Trim(w, "│╭╮╰╯─") != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// waitAltScreen waits until the full screen shows each of ss.
func (p *ptyComposer) waitAltScreen(ss ...string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		missing := ""
		for _, s := range ss {
			if !strings.Contains(p.altScreen(), s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-p.exited:
			p.t.Fatalf("dingbot exited (%v) before showing %q; screen:\n%s", p.err, missing, p.altScreen())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the full screen never showed %q:\n%s", missing, p.altScreen())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The config's warnings are shown inside the composer, not only printed behind the full
// screen; a default robot that cannot send is not silently replaced: the composer names it,
// says why, and names the robot it starts on. The broken robot is offered greyed in the robot
// picker (Options.Unavailable), never its secret.
func TestComposerShowsStartWarningsInside(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(fmt.Sprintf(`default_robot = "ops"

[robots.ops]
webhook = %q
secret_env = "DINGBOT_TEST_OPS_SECRET"
allow_custom_host = true

[robots.staging]
webhook = %q
secret = %q
allow_custom_host = true
`, e.webhook("opstoken0001"), e.webhook(testToken), testSecret))
	// Readable by others and holding a secret: a warning.
	if err := os.Chmod(e.config, 0o644); err != nil {
		t.Fatal(err)
	}
	p := e.startComposer()
	p.waitAltScreen("default robot ops is unavailable: $DINGBOT_TEST_OPS_SECRET (its secret_env) is not set; starting on robot staging instead",
		"Before you start", "is readable by other users", "chmod 600")
	// It stays until a key closes it; then the editor has the keys again.
	p.keys("\r")
	p.keys("Weekly")
	p.waitScreen("Weekly")
	if s := p.altScreen(); strings.Contains(s, testSecret[3:20]) || strings.Contains(s, testToken[:16]) {
		t.Fatalf("a credential is on screen:\n%s", s)
	}
	p.keys("\x11\x11") // ctrl+q twice: quit, the draft is saved
	p.waitExit()
}

// `dingbot FILE.md` opens at the top of the file, not scrolled to its end: the first lines are
// on screen, the last never was, and typing goes to the start of the body.
func TestComposerFileOpensAtTheTop(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("# Release notes\n\nfirst paragraph at the top\n\n")
	for i := range 120 {
		fmt.Fprintf(&b, "- item %d of the long list\n", i)
	}
	b.WriteString("\nlast line at the very end\n")
	file := e.dir + "/notes.md"
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	p := e.startComposer(file)
	p.waitAltScreen("new message from notes.md", "first paragraph at the top")
	p.keys("Z")
	p.waitAltScreen("Z# Release notes")
	if strings.Contains(p.altScreen(), "last line at the very end") {
		t.Fatalf("the end of the file was shown:\n%s", p.altScreen())
	}
	p.keys("\x11\x11")
	p.waitExit()
}
