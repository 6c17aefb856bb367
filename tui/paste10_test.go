package tui

import (
	"testing"
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
