package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManPage runs dingbot man through the binary: one page with a section for every command
// and every environment variable, that groff renders without a warning.
func TestManPage(t *testing.T) {
	e := newEnv(t)
	r := e.runEnv([]string{"SOURCE_DATE_EPOCH=0"}, "", "man")
	if r.code != 0 {
		t.Fatalf("dingbot man: exit %d: %s", r.code, r.stderr)
	}
	page := r.stdout
	if !strings.HasPrefix(page, ".nh\n.TH \"DINGBOT\" \"1\" \"Jan 1970\"") {
		t.Errorf("the page does not start with its .TH header:\n%.300s", page)
	}
	root := newRootCmd(streams{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}})
	n := 0
	for _, c := range allCommands(root)[1:] {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		n++
		if !strings.Contains(page, "\n.SS "+c.CommandPath()+"\n") {
			t.Errorf("the page has no section for %s", c.CommandPath())
		}
	}
	if n < 20 {
		t.Errorf("only %d commands", n)
	}
	for _, want := range []string{".SH ENVIRONMENT", ".SH COMMANDS", "DINGBOT_CONFIG", "RUNEWIDTH_EASTASIAN", "--secret-env", "dingbot template render"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("no groff to render the page with")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-rLL=100n")
	cmd.Stdin = strings.NewReader(page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	text, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("groff: %v: %s", err, stderr.String())
	}
	plain := stripOverstrike(string(text))
	for _, want := range []string{"dingbot send", "DINGBOT_STATE_DIR", "dingbot man | man -l -", "--config"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
}

// stripOverstrike removes groff's bold and underline (x\bx, _\bx) from its terminal output.
func stripOverstrike(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if i+1 < len(rs) && rs[i+1] == '\b' {
			i++
			continue
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// TestManDir: dingbot man --dir writes a page per command.
func TestManDir(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "man1")
	r := e.run("", "man", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"dingbot.1", "dingbot-send.1", "dingbot-outbox-drain.1", "dingbot-template-render.1", "dingbot-man.1"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Contains(b, []byte(".TH ")) {
			t.Errorf("%s is no man page", name)
		}
	}
	if r := e.run("", "man", "extra"); r.code != exitUsage {
		t.Errorf("dingbot man extra: exit %d, want %d", r.code, exitUsage)
	}
}

// The page's footer names a release tag as it is and a clone's pseudo-version as dev, which
// would otherwise run into the footer's date at 80 columns (QA 13).
func TestManVersionIsShort(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.0": "v1.2.0", "v1.2.0-rc.1": "v1.2.0-rc.1", "v1.2.0+dirty": "v1.2.0", "dev": "dev",
		"v0.0.0-20261202053243-b97b0f7c1d2e": "dev", "v0.0.1-SNAPSHOT-b97b0f7": "dev",
	} {
		if got := manVersion(in); got != want {
			t.Errorf("manVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
