package tui

import (
	"os"
	"testing"

	"github.com/dingbot/dingbot/tui/extedit"
)

// ctrl+o opens $EDITOR at the line the cursor is on, not at line 1 (issue 10).
func TestEditorOpensAtTheCursorLine(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.key("tab")
	d.typeText("one\ntwo\nthree\nfour")
	d.key("ctrl+p", "ctrl+p") // up to "two"
	ready := d.m.openEditor()().(extedit.ReadyMsg)
	if ready.Err != nil {
		t.Fatal(ready.Err)
	}
	defer os.Remove(ready.Path)
	if ready.Line != 2 {
		t.Fatalf("the editor opens at line %d, the cursor is on line 2", ready.Line)
	}
	if args := extedit.Args("vim", ready.Path, ready.Line); len(args) != 2 || args[0] != "+2" {
		t.Fatalf("vim would get %q", args)
	}
}
