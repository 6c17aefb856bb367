package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// A line pasted without bracketing (or delivered at once by a slow link) that holds "@name" and
// a line break is text: the "@" in it does not open the mention picker, so the line break cannot
// choose someone (QA of issue 10).
func TestPastedAtAndLineBreakMentionNobody(t *testing.T) {
	opts := testOptions(t)
	opts.Contacts = chineseContacts
	r := startRaw(t, opts, 120, 40)
	r.write("\t", "")
	r.write("cc @wang\rthanks all", "thanks all")
	m := r.finish()
	if got := m.form.Body(); got != "cc @wang\nthanks all" {
		t.Fatalf("body %q, want the paste as it was", got)
	}
	if ms := m.form.Mentions(); len(ms) != 0 {
		t.Fatalf("the paste mentioned %v", ms)
	}
}

// "@" typed alone still opens the picker; enter right after it, nothing typed yet, is a new line,
// not the first contact.
func TestAtThenEnterIsANewLine(t *testing.T) {
	opts := testOptions(t)
	opts.Contacts = chineseContacts
	r := startRaw(t, opts, 120, 40)
	r.write("\t", "")
	r.write("meet ", "meet")
	r.write("@", "Mention")
	r.write("\r", "")
	r.write("next", "next")
	m := r.finish()
	if got := m.form.Body(); got != "meet @\nnext" {
		t.Fatalf("body %q", got)
	}
	if ms := m.form.Mentions(); len(ms) != 0 {
		t.Fatalf("@ and enter mentioned %v", ms)
	}
}

// Words typed at a choice (the action card's buttons toggle), even with spaces between them
// and even one key at a time, do not switch it; the status says where the focus is. A space
// after a pause switches it as always (QA of issue 10).
func TestWordsTypedAtAChoiceDoNotSwitchIt(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t") // action card
	d.typeText("Vote")
	d.key("tab", "tab") // the buttons toggle
	if !d.m.form.OnToggle() {
		t.Fatalf("focus %+v is not on the buttons toggle", d.m.form.Focused())
	}
	before := d.m.form.Snapshot().ButtonList
	d.typeText("a b @c")
	if got := d.m.form.Snapshot().ButtonList; got != before {
		t.Fatalf("typing words switched the choice: %v → %v", before, got)
	}
	if !strings.Contains(d.m.status.Text(), "not a text field") {
		t.Fatalf("status %q does not say the focus is on a choice", d.m.status.Text())
	}
	later := fixedNow.Add(2 * typingPause)
	d.m.now = func() time.Time { return later }
	d.key(" ")
	if got := d.m.form.Snapshot().ButtonList; got == before {
		t.Fatal("a space after a pause did not switch the choice")
	}
}

// After ctrl+z brings a removed row back, the status no longer says it was removed.
func TestUndoReplacesTheStatusOfWhatItTookBack(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("alt+t", "alt+t", "alt+t") // markdown → link → action card → feed card
	if d.m.form.Kind() != dingtalk.TypeFeedCard {
		t.Fatalf("kind %s", d.m.form.Kind())
	}
	d.typeText("first")
	d.key("enter") // add a second row
	d.key("ctrl+x")
	if !strings.Contains(d.m.status.Text(), "row removed") {
		t.Fatalf("status %q", d.m.status.Text())
	}
	d.key("ctrl+z")
	if s := d.m.status.Text(); strings.Contains(s, "row removed") || !strings.Contains(s, "undone") {
		t.Fatalf("after undo the status says %q", s)
	}
}

// Kept drafts say when as the history does ("just now"), not as a raw date (QA of issue 10).
func TestKeptDraftsSayWhenAsPeopleDo(t *testing.T) {
	d := inBody(t, "three hours of work")
	d.key("alt+n", "y")
	d.key("alt+k")
	if d.m.state != stateKept {
		t.Fatalf("alt+k: state %v", d.m.state)
	}
	v := d.view()
	if !strings.Contains(v, "just now") || !strings.Contains(v, "Weekly") || strings.Contains(v, fixedNow.Format("Jan 02 15:04")) {
		t.Fatalf("kept drafts list:\n%s", v)
	}
}

// A handle that notifies nobody is said before the markdown advice, so that the notes' limit
// does not hide it behind "+N more" (QA of issue 10).
func TestPeopleNotesComeBeforeMarkdownAdvice(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab") // no title: a problem, said first
	d.typeText("~~old~~ plan\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    indented code\n\n<div>x</div>\n\nping @13800008888 please")
	d.key("esc")
	v := flat(d.view())
	if !strings.Contains(v, "@13800008888 notifies nobody") {
		t.Fatalf("the unnotified handle is not on screen:\n%s", d.view())
	}
}
