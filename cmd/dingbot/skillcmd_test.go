package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// frontMatter splits a SKILL.md into its front matter's keys and its body. It accepts only what
// is certainly valid YAML: one "key: plain scalar" per line, no scalar a YAML parser would read
// differently (a colon and space, a comment, a leading indicator).
func frontMatter(t *testing.T, skill string) (map[string]string, string) {
	t.Helper()
	rest, ok := strings.CutPrefix(skill, "---\n")
	if !ok {
		t.Fatalf("the skill does not start with a front matter line ---:\n%.200s", skill)
	}
	head, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		t.Fatal("the front matter never ends with ---")
	}
	keys := map[string]string{}
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || !regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(k) {
			t.Errorf("front matter line %q is not key: value", line)
			continue
		}
		if strings.Contains(v, ": ") || strings.Contains(v, " #") || strings.ContainsAny(v[:1], `[]{}&*!|>'"%@`+"`#,?-") || strings.TrimSpace(v) != v {
			t.Errorf("front matter %s is not a plain YAML scalar: %q", k, v)
		}
		if _, dup := keys[k]; dup {
			t.Errorf("front matter repeats %s", k)
		}
		keys[k] = v
	}
	return keys, body
}

// TestSkillPrints: dingbot skill prints a SKILL.md an agent platform accepts: name dingbot and
// a description of when to use it, then the body.
func TestSkillPrints(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "skill")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("dingbot skill: exit %d\n%s", r.code, r.stderr)
	}
	if r.stdout != skillMD {
		t.Error("dingbot skill does not print the embedded SKILL.md as it is")
	}
	keys, body := frontMatter(t, r.stdout)
	if keys["name"] != "dingbot" {
		t.Errorf("name = %q, want dingbot", keys["name"])
	}
	desc := keys["description"]
	if len(desc) < 40 || len(desc) > 1024 || !strings.Contains(desc, "DingTalk") || !strings.Contains(desc, "Use it when") {
		t.Errorf("description does not say in one or two sentences what it is for and when: %q", desc)
	}
	if n := strings.Count(desc, ". "); n > 1 {
		t.Errorf("description has %d sentences, want one or two: %q", n+1, desc)
	}
	for _, want := range []string{"--json", "--dry-run", "--queue", "--split", "--msg-uuid", "maybe_delivered", "retry_after_seconds", "--secret-env", "hint", "Exit codes"} {
		if !strings.Contains(body, want) {
			t.Errorf("the skill's body never mentions %s", want)
		}
	}
	if r := e.run("", "skill", "--force"); r.code != 2 || !strings.Contains(r.stderr, "--install") {
		t.Errorf("skill --force without --install: exit %d\n%s", r.code, r.stderr)
	}
}

var (
	flagPattern    = regexp.MustCompile(`--[a-z][a-z0-9-]*`)
	codeSpan       = regexp.MustCompile("`([^`\n]+)`")
	dingbotCommand = regexp.MustCompile(`^dingbot((?: [a-z]+)*)`)
)

// TestSkillFlagsExist keeps the skill true to the CLI: every flag it names exists on dingbot
// send or one of its message types, and every command line it shows names real commands whose
// flags it takes.
func TestSkillFlagsExist(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard})
	send, _, err := root.Find([]string{"send"})
	if err != nil {
		t.Fatal(err)
	}
	sendTree := []*cobra.Command{send}
	sendTree = append(sendTree, send.Commands()...)
	for _, c := range sendTree {
		c.InitDefaultHelpFlag() // cobra adds --help when a command runs
	}
	for _, flag := range flagPattern.FindAllString(skillMD, -1) {
		name := strings.TrimPrefix(flag, "--")
		found := false
		for _, c := range sendTree {
			if c.Flag(name) != nil {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the skill mentions %s, which dingbot send does not have", flag)
		}
	}

	// Command lines: inline code and the lines of code blocks that start with "dingbot".
	var lines []string
	for _, m := range codeSpan.FindAllStringSubmatch(skillMD, -1) {
		lines = append(lines, m[1])
	}
	for _, line := range strings.Split(skillMD, "\n") {
		lines = append(lines, strings.TrimSpace(line))
	}
	checked := 0
	for _, line := range lines {
		line, _, _ = strings.Cut(line, " #") // a shell comment
		m := dingbotCommand.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		words := strings.Fields(m[1])
		cmd, rest, err := root.Find(words)
		if err != nil || len(rest) > 0 || cmd.CommandPath() != strings.Join(append([]string{"dingbot"}, words...), " ") {
			t.Errorf("%q: no such command (%v)", line, err)
			continue
		}
		cmd.InitDefaultHelpFlag()
		for _, flag := range flagPattern.FindAllString(line, -1) {
			if cmd.Flag(strings.TrimPrefix(flag, "--")) == nil {
				t.Errorf("%q: %s has no flag %s", line, cmd.CommandPath(), flag)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d command lines found in the skill", checked)
	}
}

// TestSkillInstall: --install DIR writes DIR/dingbot/SKILL.md, creating the directories, prints
// the path, and replaces an existing file only with --force.
func TestSkillInstall(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.dir, "agent", "skills")
	path := filepath.Join(dir, "dingbot", "SKILL.md")
	r := e.run("", "skill", "--install", dir)
	if r.code != 0 || strings.TrimSpace(r.stdout) != path {
		t.Fatalf("skill --install: exit %d, printed %q, want %q\n%s", r.code, r.stdout, path, r.stderr)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != skillMD {
		t.Fatalf("%s does not hold the skill: %v", path, err)
	}
	if err := os.WriteFile(path, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = e.run("", "skill", "--install", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "--force") || !strings.Contains(r.stderr, path) {
		t.Errorf("a second --install: exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != "edited by hand\n" {
		t.Error("a second --install without --force replaced the file")
	}
	r = e.run("", "skill", "--install", dir, "--force")
	if r.code != 0 || strings.TrimSpace(r.stdout) != path {
		t.Errorf("--install --force: exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != skillMD {
		t.Error("--install --force did not replace the file")
	}
	// A relative DIR is written relative to the working directory and printed absolute.
	r = e.run("", "skill", "--install", "rel")
	if want := filepath.Join(e.dir, "rel", "dingbot", "SKILL.md"); r.code != 0 || strings.TrimSpace(r.stdout) != want {
		t.Errorf("--install rel: exit %d, printed %q, want %q\n%s", r.code, r.stdout, want, r.stderr)
	}
}
