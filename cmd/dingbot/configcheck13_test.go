package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/config"
)

// TestConfigValidateListsEveryProblemWithItsLine: dingbot config validate names each problem's
// line, tells errors from warnings, exits 1 on an error and 0 on warnings only.
func TestConfigValidateListsEveryProblemWithItsLine(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(`default_robot = "opz"

[robots.ops]
webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc"
secret = "nope"

[robots.spare]
webhook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef"
secret_env = "DINGBOT_TEST_UNSET_SECRET"

[robots.extra]
webhook = "https://oapi.dingtalk.com/robot/send?access_token=abcdefg"
colour = "red"

[[contacts]]
name = "Alice"
`)
	r := e.run("", "config", "validate")
	for _, want := range []string{
		e.config + `:1: error: default_robot "opz" is not a configured robot (did you mean "ops"?)`,
		e.config + ":5: error: robot ops: secret must start with SEC",
		e.config + ":9: warning: robot spare is unavailable here: $DINGBOT_TEST_UNSET_SECRET (its secret_env) is not set",
		e.config + `:13: error: robot extra: unknown key "robots.extra.colour"`,
		e.config + `:15: error: contact "Alice": give a mobile or a user_id (or both)`,
		"4 errors, 1 warning",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate does not say %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	if strings.Count(r.stdout, "default_robot") != 1 {
		t.Errorf("default_robot reported twice:\n%s", r.stdout)
	}

	r = e.run("", "config", "validate", "--json")
	var rep validateReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
		t.Fatalf("--json: exit %d, %v: %s", r.code, err, r.stdout)
	}
	if rep.OK || rep.Errors != 4 || rep.Warnings != 1 || rep.Problems[0].Line != 1 || len(rep.Robots) != 0 {
		t.Errorf("--json report: %+v", rep)
	}

	// A syntax error is refused with its line.
	e.writeConfig("[robots.ops]\nwebhook = \"x\nsecret = 1\n")
	r = e.run("", "config", "validate")
	if r.code != 1 || !strings.Contains(r.stdout, e.config+":2:") {
		t.Errorf("syntax error: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Warnings only: valid, exit 0.
	e.writeConfig(fmt.Sprintf("[robots.ops]\nwebhook = %q\nallow_custom_host = true\n[robots.spare]\nwebhook = %q\nallow_custom_host = true\nsecret_env = \"DINGBOT_TEST_UNSET_SECRET\"\n", e.webhook(testToken), e.webhook("sparetoken0001")))
	r = e.run("", "config", "validate")
	if r.code != 0 || !strings.Contains(r.stdout, "valid (1 robot, 0 contacts, 0 routes, 1 warning)") || !strings.Contains(r.stdout, ":7: warning:") {
		t.Errorf("warnings only: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, testToken) {
		t.Error("validate printed a token")
	}

	// No file and no robot in the environment: an error.
	r = e.run("", "--config", filepath.Join(e.dir, "none.toml"), "config", "validate")
	if r.code != 1 || !strings.Contains(r.stdout, "there is no config file at") {
		t.Errorf("missing file: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// editorScript writes an executable editor named vi (so that dingbot passes +LINE) that logs its
// arguments to calls and runs body with the file as $f and the call number as $n.
func editorScript(t *testing.T, dir, body string) (editor, calls string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	editor = filepath.Join(bin, "vi")
	calls = filepath.Join(dir, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\nn=$(wc -l < %q | tr -d ' ')\nfor f; do :; done\n%s\n", calls, calls, body)
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return editor, calls
}

// TestConfigEditChecksBeforeSaving drives dingbot config edit with a scripted editor: a missing
// config is created from the example; an edit with an error is reported with its line and
// reopened there, or kept aside with the config untouched and resumed next time; an edit
// without errors is saved, private.
func TestConfigEditChecksBeforeSaving(t *testing.T) {
	e := newEnv(t)
	e.config = filepath.Join(e.dir, "conf", "config.toml")
	good := fmt.Sprintf("[robots.ops]\nwebhook = %q\nallow_custom_host = true\n", e.webhook(testToken))
	bad := "[robots.ops]\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=abc\"\nsecret = \"nope\"\n"
	os.WriteFile(filepath.Join(e.dir, "good.toml"), []byte(good), 0o600)
	os.WriteFile(filepath.Join(e.dir, "bad.toml"), []byte(bad), 0o600)

	// First call: check the example is there, append the bad robot; second call: the good one.
	editor, calls := editorScript(t, e.dir, fmt.Sprintf(`grep -q "dingbot configuration" "$f" || exit 9
if [ "$n" = 1 ]; then cat %q >> "$f"; else cat %q > "$f"; fi`, filepath.Join(e.dir, "bad.toml"), filepath.Join(e.dir, "good.toml")))
	ed := []string{"VISUAL=" + editor, "EDITOR=" + editor}
	r := e.runEnv(ed, "r\n", "config", "edit")
	if r.code != 0 {
		t.Fatalf("edit: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"created " + e.config + " from the example", "error: robot ops: secret must start with SEC", "[r]eopen", "saved " + e.config} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("edit does not say %q:\n%s", want, r.stderr)
		}
	}
	log, _ := os.ReadFile(calls)
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	badLine := strings.Count(config.ExampleConfig, "\n") + 3 // the secret line of the appended robot
	if len(lines) != 2 || !strings.HasPrefix(lines[1], fmt.Sprintf("+%d ", badLine)) {
		t.Errorf("the editor was not reopened at the error's line %d: %q", badLine, lines)
	}
	if data, _ := os.ReadFile(e.config); string(data) != good {
		t.Errorf("saved config:\n%s", data)
	}
	if fi, err := os.Stat(e.config); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v %v", fi.Mode(), err)
	}

	// An error and no answer (end of input): the edit is kept aside, the config untouched.
	os.Remove(calls)
	editor, _ = editorScript(t, e.dir, fmt.Sprintf("cat %q > \"$f\"", filepath.Join(e.dir, "bad.toml")))
	r = e.runEnv(ed, "", "config", "edit")
	if r.code != 1 || !strings.Contains(r.stderr, "kept your edit in "+e.config+".edit") {
		t.Fatalf("kept aside: exit %d: %s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(e.config); string(data) != good {
		t.Errorf("the config changed:\n%s", data)
	}
	if data, _ := os.ReadFile(e.config + ".edit"); string(data) != bad {
		t.Errorf("the edit kept aside:\n%s", data)
	}
	// The next edit resumes from it.
	editor, _ = editorScript(t, e.dir, fmt.Sprintf(`grep -q 'secret = "nope"' "$f" || exit 9
sed 's/secret = "nope"/secret = %q/' "$f" > "$f.new" && mv "$f.new" "$f"`, testSecret))
	r = e.runEnv(ed, "", "config", "edit")
	if r.code != 0 || !strings.Contains(r.stderr, "resuming the edit kept aside") {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(e.config + ".edit"); err == nil {
		t.Error("the kept edit was not removed once saved")
	}
	if data, _ := os.ReadFile(e.config); !strings.Contains(string(data), testSecret) {
		t.Errorf("resumed edit not saved:\n%s", data)
	}
	if strings.Contains(r.stdout+r.stderr, testSecret) {
		t.Error("edit printed the secret")
	}

	// An editor that is not there: nothing changes, exit 2.
	before, _ := os.ReadFile(e.config)
	r = e.runEnv([]string{"VISUAL=dingbot-no-such-editor", "EDITOR="}, "", "config", "edit")
	if r.code != 2 || !strings.Contains(r.stderr, `editor "dingbot-no-such-editor" not found`) {
		t.Errorf("missing editor: exit %d: %s", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(e.config); string(after) != string(before) {
		t.Error("a failed editor changed the config")
	}

	// A config that is a symlink is saved where it points and stays a symlink.
	link := filepath.Join(e.dir, "link.toml")
	if err := os.Symlink(e.config, link); err != nil {
		t.Fatal(err)
	}
	editor, _ = editorScript(t, e.dir, `echo "# edited through a link" >> "$f"`)
	r = e.runEnv(ed, "", "--config", link, "config", "edit")
	if fi, err := os.Lstat(link); r.code != 0 || err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink: exit %d, %v: %s", r.code, err, r.stderr)
	}
	if data, _ := os.ReadFile(e.config); !strings.Contains(string(data), "# edited through a link") {
		t.Errorf("the edit did not reach the link's target:\n%s", data)
	}
}
