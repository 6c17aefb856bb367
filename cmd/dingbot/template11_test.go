package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A variable a helper cannot take is named, once, however many fields use it; every error
// of a template is its own "dingbot:" line.
func TestSendTemplateHelperErrorNamesVariableOnce(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "send", "--template", "daily-report", "--var", "author=x", "--var", "date=yesterday", "--var", "done=a", "--dry-run")
	want := `dingbot: template daily-report: line 3: variable "date": cannot read "yesterday" as a time (write it like`
	if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "cannot read") != 1 {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and one %q", r.code, r.stderr, want)
	}
	r = e.run("", "send", "--template", "daily-report", "--var", "author=x", "--var", "date=yesterday", "--var", "done=a", "--dry-run", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 2 {
		t.Fatalf("--json: exit %d, %v: %s", r.code, err, r.stdout)
	}
	if strings.Count(res.Errmsg, "cannot read") != 1 || strings.Contains(res.Errmsg, "\n") || !strings.Contains(res.Errmsg, `variable "date"`) {
		t.Errorf("--json errmsg: %q", res.Errmsg)
	}

	r = e.run("", "send", "--template", "ci-result", "--var", "project=api", "--var", "status=failed", "--var", "url=https://e.com", "--var", "notify=Alice,Carol")
	if want := `dingbot: template ci-result: line 23: variable "notify": mention: no contact named "Carol"`; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant %q", r.code, r.stderr, want)
	}

	// Two errors: two lines, each with the prefix.
	r = e.run("", "send", "--template", "ci-result", "--var", "status=failed", "--var", "url=https://e.com", "--var", "brnach=x")
	for _, want := range []string{"dingbot: template ci-result: unknown variable \"brnach\"", "dingbot: template ci-result: line 3: variable \"project\" is missing (required)"} {
		if !strings.Contains(r.stderr, want+"") || strings.Count(r.stderr, strings.TrimPrefix(want, "dingbot: ")) != 1 {
			t.Errorf("stderr:\n%s\nwant once %q", r.stderr, want)
		}
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
	r = e.run("", "template", "show", "ci-result", "--var", "project=", "--var", "brnach=x")
	for _, want := range []string{"dingbot: template ci-result: unknown variable \"brnach\"", "dingbot: template ci-result: line 3: variable \"project\" is missing (required)"} {
		if r.code != 2 || strings.Count(r.stderr, want) != 1 {
			t.Errorf("show: exit %d, stderr:\n%s\nwant once %q", r.code, r.stderr, want)
		}
	}
}

// The "Send it:" line template show prints sends exactly the sample shown above it: every
// sample variable, multi-line ones in $'…\n…' quoting (never a ⏎ posted into the group).
func TestTemplateShowSendLineSendsTheSample(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	e.standardConfig()
	env := append(e.environ(), "PATH="+filepath.Dir(binPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
	withoutUUID := regexp.MustCompile(`,"msgUuid":"[^"]*"}$`)
	r := e.run("", "template", "ls", "--json")
	var list []templateJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) == 0 {
		t.Fatalf("ls: %v %s", err, r.stdout)
	}
	multiLine := false
	for _, info := range list {
		if info.Data != "" {
			continue // no send line: see TestTemplateShowPayloadTemplate
		}
		r := e.run("", "template", "show", info.Name)
		if r.code != 0 {
			t.Fatalf("show %s: exit %d: %s", info.Name, r.code, r.stderr)
		}
		_, rest, ok := strings.Cut(r.stdout, "The sample as it would be sent (")
		_, rest, ok2 := strings.Cut(rest, "):\n")
		var shown json.RawMessage
		if !ok || !ok2 || json.NewDecoder(strings.NewReader(rest)).Decode(&shown) != nil {
			t.Fatalf("show %s prints no sample body:\n%s", info.Name, r.stdout)
		}
		var want bytes.Buffer
		json.Compact(&want, shown)
		_, line, ok := strings.Cut(r.stdout, "\nSend it: ")
		line, _, _ = strings.Cut(line, "\n")
		if !ok || strings.Contains(line, "⏎") {
			t.Fatalf("show %s: send line %q", info.Name, line)
		}
		multiLine = multiLine || strings.Contains(line, `\n`)
		run := exec.Command("bash", "-c", line)
		run.Env, run.Dir = env, e.dir
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\nline: %s", info.Name, err, out, line)
		}
		acc := e.sb.Accepted()
		got := withoutUUID.ReplaceAllString(string(acc[len(acc)-1].Body), "}")
		if got != want.String() {
			t.Errorf("%s: the line\n %s\nsent\n %s\nshown\n %s", info.Name, line, got, want.String())
		}
	}
	if !multiLine {
		t.Error("no template's line has a multi-line value: the gallery's samples changed, test one")
	}
}
