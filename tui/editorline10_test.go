package tui

import (
	"os"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
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

// While the inline mention picker is open the help line names its keys, not the editor's.
func TestInlinePickerHelpNamesItsKeys(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	if strings.Contains(d.view(), "leave the text as typed") {
		t.Fatal("the picker's help shows with no picker open")
	}
	d.typeText("hi @zw")
	if !d.m.inlineOpen() {
		t.Fatal("the picker did not open")
	}
	if v := d.view(); !strings.Contains(v, "leave the text as typed") || !strings.Contains(v, "mention") {
		t.Fatalf("help line while the picker is open:\n%s", v)
	}
}
