package extedit

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
		if err := Command(file, 0).Run(); err != nil {
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
	if cmd := Command("/tmp/x.md", 0); !strings.Contains(strings.Join(cmd.Args, " "), "vi") {
		t.Fatalf("fallback %v", cmd.Args)
	}
}

// The editor opens at the cursor's line: "+LINE FILE" where the editor takes it, FILE:LINE for
// Helix, --goto FILE:LINE for VS Code and its kin, just the file otherwise or without a line.
func TestArgsOpenAtTheLine(t *testing.T) {
	const f = "/tmp/dingbot-1.md"
	for _, c := range []struct {
		command string
		line    int
		want    []string
	}{
		{"vim", 7, []string{"+7", f}},
		{"/usr/bin/nvim", 12, []string{"+12", f}},
		{"vi", 1, []string{"+1", f}},
		{"emacs", 3, []string{"+3", f}},
		{"emacsclient", 3, []string{"+3", f}},
		{"nano", 4, []string{"+4", f}},
		{"micro", 5, []string{"+5", f}},
		{"kak", 6, []string{"+6", f}},
		{"hx", 8, []string{f + ":8"}},
		{"helix", 8, []string{f + ":8"}},
		{"code", 9, []string{"--goto", f + ":9"}},
		{"C:/Program Files/VS Code/Code.exe", 9, []string{"--goto", f + ":9"}},
		{"codium", 2, []string{"--goto", f + ":2"}},
		{"ed", 5, []string{f}},
		{"my-editor", 5, []string{f}},
		{"vim", 0, []string{f}},
		{"code", -1, []string{f}},
	} {
		if got := Args(c.command, f, c.line); !slices.Equal(got, c.want) {
			t.Errorf("Args(%q, line %d) = %q, want %q", c.command, c.line, got, c.want)
		}
	}
}

// The editor gets the line before the file, after the arguments written in $VISUAL: a vim that
// is a script here, named vim so that it is given +LINE.
func TestCommandOpensAtTheLine(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh -c is for Unix")
	}
	dir := t.TempDir()
	vim := filepath.Join(dir, "vim")
	if err := os.WriteFile(vim, []byte("#!/bin/sh\nfor f; do :; done\nprintf '%s|' \"$@\" >\"$f\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "body.md")
	t.Setenv("VISUAL", vim+" -u NONE")
	if err := Command(file, 3).Run(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(file); string(data) != "-u|NONE|+3|"+file+"|" {
		t.Fatalf("vim got %q", data)
	}
	// Prepare, the old way, leaves the line to the editor; PrepareAt carries it to Run.
	if msg := Prepare(t.TempDir(), "x")().(ReadyMsg); msg.Line != 0 || msg.Err != nil {
		t.Fatalf("Prepare: %+v", msg)
	}
	if msg := PrepareAt(t.TempDir(), "a\nb\nc", 3)().(ReadyMsg); msg.Line != 3 || msg.Err != nil {
		t.Fatalf("PrepareAt: %+v", msg)
	}
}

// A missing editor is named, with what to do: not "exit status 127".
func TestMissingEditorSaysWhatToDo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh -c is for Unix")
	}
	t.Setenv("VISUAL", "dingbot-no-such-vim")
	err := Command(filepath.Join(t.TempDir(), "x.md"), 2).Run()
	want := `editor "dingbot-no-such-vim" not found: set $VISUAL or $EDITOR to an installed editor (e.g. nano); `
	if got := Failure(err); got != want {
		t.Fatalf("Failure(%v) = %q, want %q", err, got, want)
	}
}
