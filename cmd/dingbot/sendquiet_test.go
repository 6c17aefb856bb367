package main

import (
	"os"
	"strings"
	"testing"
)

func TestSendQuiet(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	// A config other users can read warns on every command; --quiet says nothing on success.
	os.Chmod(e.config, 0o644)
	if r := e.run("", "send", "text", "build passed"); !strings.Contains(r.stderr, "warning") || r.stdout == "" {
		t.Fatalf("without --quiet: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"send", "text", "build passed", "--quiet"},
		{"send", "-q", "markdown", "--title", "T", "--text", "**ok**"},
		{"send", "--template", "ci-result", "--var", "project=api", "--var", "status=passed", "--var", "url=https://ci.example.com/1", "--quiet"},
		{"send", "text", "dry", "--dry-run", "--quiet"},
	} {
		before := len(e.sb.Accepted())
		r := e.run("", args...)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
		if sent := len(e.sb.Accepted()) - before; (sent == 1) == (args[len(args)-2] == "--dry-run") {
			t.Errorf("%q: the sandbox got %d messages", args, sent)
		}
	}
	// Failures still say why on stderr, with the usual exit codes.
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"send", "text", "no keyword here", "--robot", "alerts", "--quiet"}, 2, "keyword"},
		{[]string{"send", "text", "hi", "--robot", "nobody", "--quiet"}, 2, "nobody"},
		{[]string{"send", "link", "--quiet"}, 2, "no text given"},
		{[]string{"send", "text", "hi", "--quiet", "--json"}, 2, "--quiet"},
	}
	for _, tt := range tests {
		r := e.run("", tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) || (tt.args[len(tt.args)-1] != "--json" && r.stdout != "") {
			t.Errorf("%q: exit %d (want %d), stdout %q, stderr %q (want %q)", tt.args, r.code, tt.code, r.stdout, r.stderr, tt.want)
		}
	}
	// DingTalk's refusal: errcode and errmsg on stderr, exit 1.
	r := e.run("", "send", "text", "hi", "--webhook", e.webhook("notatoken0001"), "--quiet")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "300001") {
		t.Errorf("refused: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
