package tui

import (
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// No irreversible action follows from its key and Enter: its question starts on no. Tested
// elsewhere: send (TestSendConfirmationEnterDoesNotSend), a resend (TestResendOfTheSame…), a
// new message (TestNewMessageEnterKeepsTheMessage…), quitting with a draft that cannot be saved
// (TestUnwritableStateDirIsSaidAndTheTextKept), sending over the quota
// (TestFlowQuotaUsedUpRefusesAndSendsAnyway). Here: quitting unsent, reopening from the history.
func TestKeyThenEnterNeverActs(t *testing.T) {
	t.Run("quit unsent", func(t *testing.T) {
		d := newDriver(t, testOptions(t), 120, 40)
		d.typeText("Weekly")
		d.key("ctrl+q")
		if d.m.state != stateConfirm || !strings.Contains(d.view(), "[ back ]") {
			t.Fatalf("ctrl+q on unsent work: no question on back:\n%s", d.view())
		}
		d.key("enter")
		if d.quit || d.m.state != stateCompose || d.m.form.Title() != "Weekly" {
			t.Fatalf("ctrl+q, enter: quit %v, state %v, title %q", d.quit, d.m.state, d.m.form.Title())
		}
	})
	t.Run("reopen from the history over unsent work", func(t *testing.T) {
		opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops"})
		d := newDriver(t, opts, 120, 40)
		composeAndSend(d, "First", "one")
		d.key("alt+n")
		d.typeText("Unsent work")
		d.key("ctrl+l")
		if d.m.state != stateHistory {
			t.Fatalf("no history:\n%s", d.view())
		}
		d.key("enter")
		if d.m.state != stateConfirm || !strings.Contains(d.view(), "[ back ]") {
			t.Fatalf("reopening over unsent work: no question on back:\n%s", d.view())
		}
		d.key("enter")
		if d.m.state != stateCompose || d.m.form.Title() != "Unsent work" {
			t.Fatalf("ctrl+l, enter, enter: state %v, title %q", d.m.state, d.m.form.Title())
		}
	})
}

// Bringing back a kept draft with its key and Enter asks nothing, and loses nothing: the
// message it replaces is kept in its turn, and comes back the same way.
func TestRestoringAKeptDraftKeepsTheOneItReplaces(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("Older")
	d.key("alt+n", "y") // Older is kept
	d.typeText("Newer")
	d.key("alt+k")
	if d.m.state != stateKept || !strings.Contains(d.view(), "Older") {
		t.Fatalf("kept drafts:\n%s", d.view())
	}
	d.key("enter")
	if d.m.form.Title() != "Older" {
		t.Fatalf("title %q after bringing Older back", d.m.form.Title())
	}
	d.key("alt+k")
	if !strings.Contains(d.view(), "Newer") {
		t.Fatalf("the draft Older replaced is not kept:\n%s", d.view())
	}
	d.key("enter")
	if d.m.form.Title() != "Newer" {
		t.Fatalf("title %q after bringing Newer back", d.m.form.Title())
	}
}
