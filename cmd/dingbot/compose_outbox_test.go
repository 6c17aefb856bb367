//go:build linux

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// The composer drains the outbox while it runs: a message `send --queue` left with no drainer
// goes out once the composer starts, and its status bar counts the robot's month.
func TestComposerDrainsTheOutbox(t *testing.T) {
	e, _ := robotsEnv(t, 1, sandbox.Options{})
	r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "text", "queued before the composer", "--queue")
	if r.code != 0 {
		t.Fatalf("send --queue: exit %d: %s", r.code, r.stderr)
	}
	if n := len(e.sb.Accepted()); n != 0 {
		t.Fatalf("the sandbox got %d messages before a drainer ran", n)
	}
	p := e.startComposer()
	p.waitScreen("1 this month")
	deadline := time.Now().Add(10 * time.Second)
	for len(e.sb.Accepted()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the composer did not deliver the queued message; screen:\n%s", p.screen())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.lastMessage()["text"].(map[string]any)["content"]; !strings.Contains(got.(string), "queued before the composer") {
		t.Fatalf("sandbox got %v", got)
	}
	p.keys("\x11") // ctrl+q
	p.waitExit()
	for _, j := range e.outboxJobs() {
		if j.State != "sent" {
			t.Fatalf("job %+v left in the outbox", j)
		}
	}
}

// A message the composer could not deliver before it quit (its robot is paused) stays in the
// outbox, and the composer says so on the way out.
func TestComposerSaysWhatIsStillQueued(t *testing.T) {
	if _, err := exec.LookPath("env"); err != nil {
		t.Skip("no env")
	}
	e, _ := robotsEnv(t, 1, sandbox.Options{Limit: 1})
	noDrainer := []string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}
	e.run("", "send", "text", "first")
	if r := e.run("", "send", "text", "second"); r.code == 0 {
		t.Fatalf("the sandbox did not throttle the robot: %s", r.stdout)
	}
	if r := e.runEnv(noDrainer, "", "send", "text", "third", "--queue"); r.code != 0 {
		t.Fatalf("send --queue: exit %d: %s", r.code, r.stderr)
	}
	p := e.startOnPTY("env", append(noDrainer, binPath)...)
	p.waitScreen("1 queued")
	p.keys("\x11") // ctrl+q
	p.waitExit()
	if !strings.Contains(p.screen(), "dingbot: 1 message(s) still queued: they go out as soon as their robot may send") {
		t.Fatalf("screen after quitting:\n%s", p.screen())
	}
	jobs := e.outboxJobs()
	if len(jobs) != 1 || jobs[0].State != "queued" {
		t.Fatalf("outbox %+v", jobs)
	}
}

// A broken default robot is not silently replaced: the composer says on screen that it starts
// on another robot, and why.
func TestComposerSaysTheDefaultRobotIsBroken(t *testing.T) {
	e, _ := robotsEnv(t, 2, sandbox.Options{})
	e.writeConfig(strings.Replace(fileText(t, e.config), `default_robot = "r0"`, "default_robot = \"ops\"\n[robots.ops]\nwebhook = \"0123456789abcdef0123\"\nsecret_env = \"DINGBOT_TEST_UNSET\"", 1))
	p := e.startComposer()
	// Inside the composer, not only on stderr behind the full screen.
	p.waitAltScreen("default robot ops is unavailable: $DINGBOT_TEST_UNSET (its secret_env) is not set; starting on robot r0 instead")
	p.keys("\x11")
	p.waitExit()
}

func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
