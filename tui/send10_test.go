package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// composeAndSend types a markdown message and sends it with ctrl+s, y.
func composeAndSend(d *driver, title, text string) {
	d.t.Helper()
	d.typeText(title)
	d.key("tab")
	d.typeText(text)
	d.key("ctrl+s", "y")
}

// Sending the same message to the same robot again says so first, with the time, and Enter
// goes back: no duplicate without a word. y sends it again, as a new message (a new msgUuid:
// a deliberate resend, not a retry).
func TestResendOfTheSameMessageSaysSoFirst(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	// The history files a send at the client's clock.
	opts.Client.Now = func() time.Time { return fixedNow }
	d := newDriver(t, opts, 120, 40)
	composeAndSend(d, "Weekly", "hello")
	if n := len(srv.Accepted()); n != 1 || d.m.state != stateCompose {
		t.Fatalf("first send: %d accepted, state %v", n, d.m.state)
	}
	// Three minutes later, the same message again.
	d.m.now = func() time.Time { return fixedNow.Add(3 * time.Minute) }
	d.key("ctrl+s")
	v := boxText(d.view())
	want := "Send it again? You sent this exact message to ops at " + fixedNow.Local().Format("15:04") + " (3 min ago)."
	if d.m.state != stateConfirm || !strings.Contains(v, want) || !strings.Contains(d.view(), "[ back ]") {
		t.Fatalf("the confirmation does not say %q with the highlight on back:\n%s", want, d.view())
	}
	d.key("enter")
	if n := len(srv.Accepted()); n != 1 || d.m.state != stateCompose {
		t.Fatalf("enter on the resend question: %d accepted, state %v", n, d.m.state)
	}
	d.key("ctrl+s", "y")
	acc := srv.Accepted()
	if len(acc) != 2 {
		t.Fatalf("y did not send again: %d accepted", len(acc))
	}
	first, second := decodeArrivals(t, acc[:1])[0], decodeArrivals(t, acc[1:])[0]
	if first.MsgUUID == "" || first.MsgUUID == second.MsgUUID {
		t.Fatalf("the resend reused msgUuid %q (first %q): DingTalk would drop it", second.MsgUUID, first.MsgUUID)
	}
}

// Only the same message to the same robot: changed text, or another robot, asks as usual.
func TestChangedMessageOrOtherRobotIsNoResend(t *testing.T) {
	opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"}, sandbox.Robot{Token: "alerts"})
	d := newDriver(t, opts, 120, 40)
	composeAndSend(d, "Weekly", "hello")
	d.typeText("!")
	d.key("ctrl+s")
	if v := boxText(d.view()); d.m.state != stateConfirm || strings.Contains(v, "You sent this exact message") {
		t.Fatalf("a changed message is called a resend:\n%s", d.view())
	}
	d.key("esc", "backspace")
	d.key("ctrl+r", "down", "enter") // robot alerts
	if d.m.currentRobot().Name != "alerts" {
		t.Fatalf("robot %s", d.m.currentRobot().Name)
	}
	d.key("ctrl+s")
	if v := boxText(d.view()); d.m.state != stateConfirm || strings.Contains(v, "You sent this exact message") {
		t.Fatalf("the same message to another robot is called a resend:\n%s", d.view())
	}
}

// The resend is found in the history: after a restart too, said with the date when not today.
func TestResendIsFoundAfterARestart(t *testing.T) {
	opts, srv := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
	opts.Client.Now = func() time.Time { return fixedNow }
	d := newDriver(t, opts, 120, 40)
	composeAndSend(d, "Weekly", "hello")
	if err := d.m.saveNow(); err != nil {
		t.Fatal(err)
	}
	d.exit()
	again := newDriver(t, opts, 120, 40)
	again.m.now = func() time.Time { return fixedNow.Add(50 * time.Hour) }
	again.key("ctrl+s")
	want := "You sent this exact message to ops at " + fixedNow.Local().Format("Jan 2 15:04") + " (2 days ago)"
	if v := boxText(again.view()); !strings.Contains(v, want) {
		t.Fatalf("after a restart, the confirmation does not say %q:\n%s", want, again.view())
	}
	again.key("enter")
	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("%d accepted", n)
	}
}
