//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// testSendConfig has robot ops (the default) and robot tg, both on the test's sandbox, and the
// given top-level lines.
func (e *env) testSendConfig(top string) {
	e.writeConfig(fmt.Sprintf(`%sdefault_robot = "ops"

[robots.ops]
webhook = %q
allow_custom_host = true

[robots.tg]
webhook = %q
allow_custom_host = true
`, top, e.webhook("opstoken0001"), e.webhook("tgtoken00001")))
}

// In the composer, alt+e posts the message to test_robot's robot, marked [test], and says so;
// the draft stays unsent: quitting still asks.
func TestComposerTestSendToTestRobot(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: "opstoken0001"}, sandbox.Robot{Token: "tgtoken00001"})
	e.testSendConfig("test_robot = \"tg\"\n")
	p := e.startComposer()
	p.waitAltScreen("Compose")
	p.keys("Weekly\t")
	p.keys("shipped")
	p.waitAltScreen("shipped")
	p.keys("\x1be") // alt+e
	p.waitAltScreen("test sent to test robot tg, marked [test]")
	acc := e.sb.Accepted()
	if len(acc) != 1 || acc[0].Token != "tgtoken00001" {
		t.Fatalf("accepted %+v, want one message to robot tg", acc)
	}
	md, _ := acc[0].Message["markdown"].(map[string]any)
	if md["title"] != "[test] Weekly" || !strings.HasPrefix(fmt.Sprint(md["text"]), "[test]") {
		t.Fatalf("posted %v, want it marked [test]", acc[0].Message)
	}
	p.keys("\x11") // ctrl+q: the message is unsent, so it asks
	p.waitAltScreen("Quit without sending?")
	p.keys("\x11")
	p.waitExit()
}

// Without test_robot, alt+e posts to the built-in sandbox, started for it: nothing reaches the
// configured robots, and the status says nothing left the machine.
func TestComposerTestSendWithoutTestRobotUsesTheBuiltInSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: "opstoken0001"}, sandbox.Robot{Token: "tgtoken00001"})
	e.testSendConfig("")
	p := e.startComposer()
	p.waitAltScreen("Compose")
	p.keys("Weekly\tshipped")
	p.waitAltScreen("shipped")
	p.keys("\x1b[18~") // f7
	p.waitAltScreen("test sent to the built-in sandbox, marked [test]; nothing left this machine")
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("a test send without test_robot reached a configured robot: %d arrivals", n)
	}
	p.keys("\x11\x11")
	p.waitExit()
	// Filed in the shared history like every send, under the robot sandbox, marked.
	if r := e.run("", "history"); r.code != 0 || !strings.Contains(r.stdout, "sandbox") || !strings.Contains(r.stdout, "[test] Weekly") {
		t.Fatalf("dingbot history (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A mistyped test_robot is warned about at start with the nearest name, and a test send then
// says so and posts nothing.
func TestComposerMistypedTestRobot(t *testing.T) {
	e := newEnv(t, sandbox.Robot{Token: "opstoken0001"}, sandbox.Robot{Token: "tgtoken00001"})
	e.testSendConfig("test_robot = \"tgg\"\n")
	p := e.startComposer()
	p.waitAltScreen(`test_robot "tgg" is not a configured robot (did you mean "tg"?)`)
	p.keys("\r") // close the start warning, if it is a box
	p.keys("Weekly\tshipped")
	p.waitAltScreen("shipped")
	p.keys("\x1be")
	p.waitAltScreen("Test send not posted")
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Fatalf("%d arrivals", n)
	}
	p.keys("\r")
	p.waitAltScreen("ctrl+s send")
	p.keys("\x11")
	p.waitAltScreen("Quit without sending?")
	p.keys("\x11")
	p.waitExit()
}

// With no robot configured, the composer runs on the built-in sandbox, and alt+e posts there
// too, marked, leaving the draft unsent.
func TestComposerTestSendZeroConfig(t *testing.T) {
	e := newEnv(t)
	p := e.startComposer()
	p.waitAltScreen("no robot configured")
	p.keys("Weekly\tshipped")
	p.waitAltScreen("shipped")
	p.keys("\x1be")
	p.waitAltScreen("test sent to the built-in sandbox, marked [test]; nothing left this machine", "still unsent")
	p.keys("\x11")
	p.waitAltScreen("Quit without sending?")
	p.keys("\x11")
	p.waitExit()
}
