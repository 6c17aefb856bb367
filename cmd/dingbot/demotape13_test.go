//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoTapeSetupIsQuiet runs the hidden set-up of demo.tape that writes the config (with the
// tape's /tmp/dingbot-demo moved into a temporary directory; no build, no sandbox) and checks the
// config it leaves: the composer must open on it without a "Before you start" warning, which
// would take the keys the tape types next (VHS recorded the title typed into the warning).
func TestDemoTapeSetupIsQuiet(t *testing.T) {
	data, err := os.ReadFile("../../demo.tape")
	if err != nil {
		t.Fatal(err)
	}
	hidden, _, ok := strings.Cut(string(data), "\nShow\n")
	if !ok {
		t.Fatal("demo.tape has no Show")
	}
	dir := filepath.Join(t.TempDir(), "dingbot-demo")
	typed := regexp.MustCompile("^Type (?:\"(.*)\"|`(.*)`)$")
	var script []string
	for _, line := range strings.Split(hidden, "\n") {
		m := typed.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		cmd := m[1] + m[2]
		if strings.Contains(cmd, "go build") || strings.Contains(cmd, "sandbox") || strings.HasPrefix(cmd, "until ") {
			continue
		}
		script = append(script, strings.ReplaceAll(cmd, "/tmp/dingbot-demo", dir))
	}
	if len(script) < 3 {
		t.Fatalf("found %d set-up commands in demo.tape: %q", len(script), script)
	}
	script = append(script, `"$DINGBOT" config validate`)
	cmd := exec.Command("bash", "-c", "umask 022\n"+strings.Join(script, "\n"))
	cmd.Env = append(os.Environ(), "DINGBOT="+binPath, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the set-up failed: %v\n%s", err, out)
	}
	info, err := os.Stat(filepath.Join(dir, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("the tape's config is mode %v: others can read the robot's token, and the composer opens with a warning over the keys the tape types", mode)
	}
	if strings.Contains(string(out), "warning:") || !strings.Contains(string(out), "valid") {
		t.Errorf("config validate warns about the tape's config:\n%s", out)
	}
}
