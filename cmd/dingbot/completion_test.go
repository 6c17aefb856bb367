package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs the shell completions' request (dingbot __complete ARGS… LAST) and returns the
// values offered (descriptions dropped) and the directive cobra ended with.
func (e *env) complete(args ...string) (values []string, directive string) {
	e.t.Helper()
	r := e.run("", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		e.t.Fatalf("__complete %q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, lines[len(lines)-1]
}

const (
	noFileComp = ":4"
	fileComp   = ":0"
)

func TestCompletionValues(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	// A robot whose secret lives in a variable that is not set: unavailable, still offered.
	cfg, _ := os.ReadFile(e.config)
	os.WriteFile(e.config, append(cfg, []byte(`
[robots.night]
webhook = "https://oapi.dingtalk.com/robot/send?access_token=ffffeeee0000111122223333"
secret_env = "DINGBOT_TEST_UNSET_SECRET"
`)...), 0o600)
	os.WriteFile(filepath.Join(e.dir, "notes.md"), []byte("# hi\n"), 0o600)
	os.Mkdir(filepath.Join(e.dir, "drafts"), 0o700)
	os.WriteFile(filepath.Join(e.dir, ".hidden"), nil, 0o600)

	tests := []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"send", "text", "--robot", ""}, []string{"alerts", "ops", "night"}, noFileComp},
		{[]string{"--robot", "o"}, []string{"ops"}, noFileComp},
		{[]string{"compose", "--robot", "A"}, []string{"alerts"}, noFileComp},
		{[]string{"outbox", "ls", "--robot", ""}, []string{"alerts", "ops", "night"}, noFileComp},
		{[]string{"send", "text", "hi", "--at-name", ""}, []string{"Alice", "Bob"}, noFileComp},
		{[]string{"send", "markdown", "--at-name", "al"}, []string{"Alice"}, noFileComp},
		{[]string{"send", "text", "--at", ""}, []string{"13800000000"}, noFileComp},
		{[]string{"send", "text", "--at-user", ""}, []string{"bob01"}, noFileComp},
		{[]string{"send", ""}, []string{"actioncard", "feedcard", "link", "markdown", "text"}, noFileComp},
		{[]string{"send", "m"}, []string{"markdown"}, noFileComp},
		{[]string{"send", "--template", "alert-"}, []string{"alert-firing", "alert-resolved"}, noFileComp},
		{[]string{"template", "show", "alert"}, []string{"alert", "alert-firing", "alert-resolved"}, noFileComp},
		{[]string{"template", "show", "alert", ""}, nil, noFileComp},
		{[]string{"template", "render", "--source", "git"}, []string{"gitea", "github", "gitlab"}, noFileComp},
		{[]string{"template", "render", "--source", "alertmanager", "--event", ""}, []string{"firing", "resolved"}, noFileComp},
		{[]string{"template", "fields", "--source", "github", "--event", "pu"}, []string{"push", "pull_request"}, noFileComp},
		{[]string{"template", "render", "--source", "github", "--template", ""}, []string{"git"}, noFileComp},
		{[]string{"template", "render", "--template", "g"}, []string{"generic", "git", "grafana"}, noFileComp},
		// dingbot FILE.md: the files beside the commands, a lone directory left open.
		{[]string{"no"}, []string{"notes.md"}, fileComp},
		{[]string{"dr"}, []string{"drafts/"}, ":2"},
		{[]string{"se"}, []string{"send", "serve"}, fileComp},
		{[]string{"notes.md", ""}, nil, noFileComp},
		{[]string{"send", "text", "--file", ""}, nil, fileComp},
		{[]string{"--config", ""}, nil, fileComp},
		{[]string{"compose", ""}, nil, fileComp},
		// Values that are no files complete no files.
		{[]string{"send", "markdown", "--title", ""}, nil, noFileComp},
		{[]string{"send", "text", ""}, nil, noFileComp},
		{[]string{"send", "--timeout", ""}, nil, noFileComp},
		{[]string{"outbox", "show", ""}, nil, noFileComp},
		{[]string{"man", "--dir", ""}, nil, ":16"},
		{[]string{"contacts", "B"}, []string{"Bob"}, noFileComp},
	}
	for _, tt := range tests {
		got, directive := e.complete(tt.args...)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) || directive != tt.directive {
			t.Errorf("dingbot __complete %q = %q %s, want %q %s", tt.args, got, directive, want, tt.directive)
		}
	}

	// The root's empty word offers every command and the files.
	got, _ := e.complete("")
	for _, w := range []string{"send", "template", "config.toml", "notes.md", "drafts/"} {
		if !slices.Contains(got, w) {
			t.Errorf("dingbot <TAB> lacks %q: %q", w, got)
		}
	}
	if slices.Contains(got, ".hidden") {
		t.Errorf("dingbot <TAB> offers a dotfile: %q", got)
	}
}

// Completion reads the config and nothing else: no state directory is made, and nothing a
// secret could leak through is printed, even with every flag's values asked for.
func TestCompletionHasNoSideEffectsAndNoSecrets(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	var all strings.Builder
	for _, args := range [][]string{
		{"--robot", ""}, {"send", "--at-name", ""}, {"send", "--at", ""}, {"send", "--at-user", ""},
		{"send", "--template", ""}, {""}, {"send", "text", "--webhook", ""},
	} {
		r := e.run("", append([]string{"__complete"}, args...)...)
		all.WriteString(r.stdout + r.stderr)
	}
	r := e.runEnv([]string{"DINGTALK_BOT_ACCESS_TOKEN=" + testToken, "DINGTALK_BOT_SECRET=" + testSecret}, "", "__complete", "--robot", "")
	all.WriteString(r.stdout + r.stderr)
	// --secret-env takes a variable's name: the names are offered, never the values.
	env := e.runEnv([]string{"DINGBOT_TEST_OPS_SECRET=" + testSecret}, "", "__complete", "send", "--secret-env", "DINGBOT_TEST_")
	all.WriteString(env.stdout + env.stderr)
	if !strings.HasPrefix(env.stdout, "DINGBOT_TEST_OPS_SECRET\n") {
		t.Errorf("--secret-env: %q", env.stdout)
	}
	if !strings.Contains(r.stdout, "default\t") {
		t.Errorf("the robot of DINGTALK_BOT_ACCESS_TOKEN is not offered:\n%s", r.stdout)
	}
	for _, secret := range []string{testToken, testSecret, "alerttoken0001", "access_token"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("completion printed %q:\n%s", secret, all.String())
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "state")); !os.IsNotExist(err) {
		t.Errorf("completion made the state directory (%v)", err)
	}

	// No config, or a broken one: nothing offered, no error.
	os.WriteFile(e.config, []byte("[robots.x\n"), 0o600)
	if got, directive := e.complete("--robot", ""); len(got) != 0 || directive != noFileComp {
		t.Errorf("broken config: %q %s", got, directive)
	}
}

// TestCompletionInBash completes through the script dingbot completion bash writes, in bash
// with bash-completion, as a user's TAB does. It is skipped where bash-completion is missing.
func TestCompletionInBash(t *testing.T) {
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("bash-completion is not installed")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	e.standardConfig()
	os.WriteFile(filepath.Join(e.dir, "notes.md"), []byte("# hi\n"), 0o600)
	script := `source ` + bashCompletion + `
source <(dingbot completion bash)
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); __start_dingbot 2>/dev/null; echo "$*|${COMPREPLY[*]}"; }
comp dingbot send text hi --robot ""
comp dingbot send --at-name A
comp dingbot template show alert-f
comp dingbot no
comp dingbot se
`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
	cmd.Env = append(e.environ(), "PATH="+filepath.Dir(binPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Dir = e.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	want := `dingbot send text hi --robot |alerts ops
dingbot send --at-name A|Alice
dingbot template show alert-f|alert-firing
dingbot no|notes.md
dingbot se|send serve
`
	if string(out) != want {
		t.Errorf("bash completes:\n%s\nwant:\n%s", out, want)
	}
}
