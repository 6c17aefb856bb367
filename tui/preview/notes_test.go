package preview

import (
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
)

// bigMarkdown is markdown of about n bytes in paragraphs, which dingtalk.Split cuts between.
func bigMarkdown(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString("A paragraph of the rollout notes that goes on for a while, as such notes do.\n\n")
	}
	return b.String()
}

func notesOf(r renderResult) []string {
	var out []string
	for _, n := range r.notes {
		out = append(out, n.text)
	}
	return out
}

func withText(notes []string, s string) []string {
	var out []string
	for _, n := range notes {
		if strings.Contains(n, s) {
			out = append(out, n)
		}
	}
	return out
}

// A markdown message over 20 000 bytes is sent in parts when ctrl+s is confirmed: its note says
// so, in how many parts, and not "shorten the text", which the send dialog then contradicts.
func TestOversizeNoteSaysParts(t *testing.T) {
	r := renderFor(t, dingtalk.NewMarkdown("Rollout", bigMarkdown(45000)), testRobot, 60)
	notes := notesOf(r)
	if got := withText(notes, "shorten"); len(got) > 0 {
		t.Errorf("a message sent in parts is told to be shortened: %q", got)
	}
	if got := withText(notes, "it would be split into 3 parts"); len(got) != 1 || !strings.Contains(got[0], "bytes, 20 000 at most") {
		t.Errorf("no note of the 3 parts with the size: %q", notes)
	}
	for _, n := range r.notes {
		if n.problem {
			t.Errorf("a message ctrl+s sends in parts has a problem note: %q", n.text)
		}
	}
}

// A link message cannot be split: its note says to shorten it, by how much, and nothing of parts.
func TestOversizeLinkSaysShorten(t *testing.T) {
	r := renderFor(t, dingtalk.NewLink("T", strings.Repeat("long text ", 2500), "https://e.com", ""), testRobot, 60)
	notes := notesOf(r)
	if got := withText(notes, "shorten"); len(got) != 1 || !strings.Contains(got[0], "over DingTalk's limit") {
		t.Errorf("no note on how to shorten: %q", notes)
	}
	if got := withText(notes, "parts"); len(got) > 0 {
		t.Errorf("a link message is said to go in parts: %q", got)
	}
}

// A contact's number typed but not mentioned has one note, the composer's: it names the contact
// and the picker. A number that is nobody's keeps Prepare's own warning, once.
func TestOneNotePerUnnotifiedHandle(t *testing.T) {
	msg := dingtalk.NewMarkdown("T", "ping @13900000000 and @13800009999, again @13900000000")
	notes := notesOf(renderFor(t, msg, testRobot, 60))
	bob := withText(notes, "@13900000000")
	if len(bob) != 1 || !strings.Contains(bob[0], "(Bob)") || !strings.Contains(bob[0], "type @ and pick Bob") {
		t.Errorf("notes on Bob's number: %q, want one naming Bob and the picker", bob)
	}
	other := withText(notes, "@13800009999")
	if len(other) != 1 || !strings.Contains(other[0], "notifies nobody") {
		t.Errorf("notes on a number that is nobody's: %q, want Prepare's one", other)
	}
}

// In an action card a contact's mobile notifies nobody: one note, which gives the userId to
// write instead, or says the contact has none.
func TestActionCardMobileNote(t *testing.T) {
	card := dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "ping @13900000000 and @13800000000", SingleTitle: "Open", SingleURL: "https://e.com"})
	notes := notesOf(renderFor(t, card, testRobot, 60))
	bob := withText(notes, "@13900000000")
	if len(bob) != 1 || !strings.Contains(bob[0], "write @bob01 instead") {
		t.Errorf("notes on Bob's mobile in an action card: %q", bob)
	}
	alice := withText(notes, "@13800000000")
	if len(alice) != 1 || !strings.Contains(alice[0], "Alice has none") {
		t.Errorf("notes on Alice's mobile in an action card: %q", alice)
	}
}
