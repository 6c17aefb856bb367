package extedit

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// $VISUAL wins over $EDITOR, vi is the fallback, and the variable is shell text, as git reads
// it: a quoted path with spaces and arguments work.
func TestCommandIsShellText(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh -c is for Unix")
	}
	dir := filepath.Join(t.TempDir(), "my editors")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "ed it.sh")
	// Appends its arguments but the last to the file, which is the last argument.
	if err := os.WriteFile(script, []byte("#!/bin/sh\nfor f; do :; done\nn=$#\ni=1\nfor a; do [ $i -lt $n ] && printf '%s|' \"$a\" >>\"$f\"; i=$((i+1)); done\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "body with space.md")
	run := func(visual, editor string) string {
		t.Helper()
		t.Setenv("VISUAL", visual)
		t.Setenv("EDITOR", editor)
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Command(file).Run(); err != nil {
			t.Fatalf("VISUAL=%q EDITOR=%q: %v", visual, editor, err)
		}
		data, _ := os.ReadFile(file)
		return string(data)
	}
	quoted := "'" + script + "'"
	if got := run(quoted+` --wait "two words"`, "false"); got != "--wait|two words|" {
		t.Fatalf("VISUAL with quotes and arguments: %q", got)
	}
	if got := run("", quoted+" -n"); got != "-n|" {
		t.Fatalf("EDITOR when VISUAL is unset: %q", got)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "")
	if cmd := Command("/tmp/x.md"); !strings.Contains(strings.Join(cmd.Args, " "), "vi") {
		t.Fatalf("fallback %v", cmd.Args)
	}
}
