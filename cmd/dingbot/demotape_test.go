//go:build linux

package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestDemoTapeReplays plays the part of demo.tape the recording shows (from the composer's
// start to its end) against the binary on a terminal, with the tape's config pointed at a
// sandbox: every Wait+Screen must come true and the sandbox must receive the message, so the
// README's `vhs demo.tape` records what it says.
func TestDemoTapeReplays(t *testing.T) {
	data, err := os.ReadFile("../../demo.tape")
	if err != nil {
		t.Fatal(err)
	}
	_, shown, ok := strings.Cut(string(data), "\nShow\n")
	if !ok {
		t.Fatal("demo.tape has no Show")
	}
	shown, _, _ = strings.Cut(shown, "\nHide\n")

	e := newEnv(t, sandbox.Robot{Token: "demo"})
	e.writeConfig(fmt.Sprintf(`[robots.demo]
webhook = %q
allow_custom_host = true

[[contacts]]
name = "Alice"
mobile = "13800000000"

[[contacts]]
name = "Bob"
mobile = "13900000000"
`, e.webhook("demo")))

	typed := regexp.MustCompile(`^Type "(.*)"$`)
	screen := regexp.MustCompile(`^Wait\+Screen(?:@\S+)? /(.*)/$`)
	keys := map[string]string{"Enter": "\r", "Tab": "\t", "Ctrl+S": "\x13", "Ctrl+Q": "\x11", "Ctrl+A": "\x01", "Escape": "\x1b"}
	var p *ptyComposer
	steps := 0
	for _, line := range strings.Split(shown, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "Sleep"):
			continue
		case p == nil:
			// The first command starts the composer (go run ./cmd/dingbot); the binary stands in.
			if line == `Type "go run ./cmd/dingbot"` {
				p = e.startComposer()
			}
			continue
		case strings.HasPrefix(line, "Type"):
			m := typed.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("cannot read %q", line)
			}
			if strings.HasPrefix(m[1], "cat ") {
				continue // the shell after the composer: the sandbox is checked below
			}
			// One key at a time, as VHS types (TypingSpeed): text that arrives in one read is
			// a paste to the composer, and an "@" inside a paste opens no mention picker.
			for _, r := range m[1] {
				p.keys(string(r))
				time.Sleep(3 * time.Millisecond)
			}
		case strings.HasPrefix(line, "Alt+"):
			p.keys("\x1b" + strings.TrimPrefix(line, "Alt+"))
		case keys[line] != "":
			p.keys(keys[line])
		case strings.HasPrefix(line, "Wait+Screen"):
			m := screen.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("cannot read %q", line)
			}
			if m[1] == "13800000000" {
				continue // the sandbox log, after the composer
			}
			p.waitAltScreen(m[1])
		case line == "Wait":
			p.waitExit()
		default:
			t.Fatalf("demo.tape: %q is not a step this test knows; teach it", line)
		}
		steps++
	}
	if p == nil || steps < 20 {
		t.Fatalf("replayed %d steps", steps)
	}
	acc := e.sb.Accepted()
	if len(acc) != 1 || !strings.Contains(string(acc[0].Body), `"atMobiles":["13800000000"]`) || !strings.Contains(string(acc[0].Body), "Weekly report") {
		t.Fatalf("the sandbox accepted %d messages: %+v", len(acc), acc)
	}
}
