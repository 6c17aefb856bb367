package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSendTemplateReachesSandbox(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	vars := filepath.Join(e.dir, "ci.json")
	os.WriteFile(vars, []byte(`{"project":"api","status":"passed","url":"https://ci.example.com/1","branch":"main","failed_jobs":["x","y"],"notify":"Alice","duration":null}`), 0o600)

	r := e.run("", "send", "--template", "ci-result", "--vars-file", vars, "--var", "status=failed", "--var", "branch=dev", "--at-name", "Bob")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got := e.lastMessage()
	delete(got, "msgUuid")
	want := `{"at":{"atMobiles":["13800000000"],"atUserIds":["bob01"]},"markdown":{"text":"### ❌ api: build failed\n\n- **Branch**: dev\n\n**Failed jobs**:\n\n- x\n- y\n\n[Open the build](https://ci.example.com/1)\n\n@13800000000\n\n@bob01","title":"❌ api failed on dev"},"msgtype":"markdown"}`
	if s := jsonString(got); s != want {
		t.Fatalf("sandbox received\n %s\nwant\n %s", s, want)
	}
	if !strings.Contains(r.stdout, "sent markdown message to robot ops") {
		t.Errorf("stdout: %s", r.stdout)
	}
	// The mention the template wrote notifies; the one --at-name added was written in too.
	acc := e.sb.Accepted()
	if n := acc[len(acc)-1].Notified; len(n) != 2 {
		t.Errorf("notified %v, want Alice and Bob", n)
	}
}

func TestSendTemplateErrorsSendNothing(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing required", []string{"send", "--template", "ci-result", "--var", "project=api", "--var", "status=failed"},
			`dingbot: template ci-result: line 20: variable "url" is missing (required)`},
		{"unknown variable", []string{"send", "--template", "ci-result", "--var", "project=api", "--var", "status=failed", "--var", "url=https://e.com", "--var", "brnach=x"},
			`dingbot: template ci-result: unknown variable "brnach" (did you mean "branch"?)`},
		{"not a choice", []string{"send", "--template", "ci-result", "--var", "project=api", "--var", "status=flaky", "--var", "url=https://e.com"},
			`variable "status" is "flaky": want one of passed, failed`},
		{"unknown template", []string{"send", "--template", "ci-reslt"},
			`--template: no template named "ci-reslt" (did you mean "ci-result"?)`},
		{"type and template", []string{"send", "markdown", "--template", "ci-result"},
			`--template ci-result decides the message type: leave out "markdown"`},
		{"type after template", []string{"send", "--template", "ci-result", "text"},
			`--template ci-result decides the message type: leave out "text"`},
		{"var without template", []string{"send", "text", "hi", "--var", "a=b"},
			`--var and --vars-file fill a template's variables`},
		{"bad var", []string{"send", "--template", "ci-result", "--var", "project"},
			`--var "project": write it as name=value`},
		{"unknown contact", []string{"send", "--template", "ci-result", "--var", "project=api", "--var", "status=failed", "--var", "url=https://e.com", "--var", "notify=Carol"},
			`mention: no contact named "Carol"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.run("", c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", r.code, r.stderr, c.want)
			}
		})
	}
	if n := len(e.sb.Arrivals()); n != 0 {
		t.Errorf("%d requests reached the sandbox, want none", n)
	}

	r := e.run("", "send", "--template", "ci-result", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 2 {
		t.Fatalf("--json: exit %d, %v: %s", r.code, err, r.stdout)
	}
	if res.OK || res.Msgtype != "markdown" || !strings.Contains(res.Errmsg, `variable "project" is missing (required)`) || !strings.Contains(res.Hint, "dingbot template show") {
		t.Errorf("--json result: %+v", res)
	}
}

func TestSendTemplateDryRunAndSandbox(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "send", "--template", "approval", "--var", "subject=Ship", "--var", "requester=Li", "--var", "approve_url=https://e.com/y", "--var", "reject_url=https://e.com/n", "--sandbox", "--dry-run", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	want := `{"msgtype":"actionCard","actionCard":{"title":"Approval: Ship","text":"### 📝 Ship\n\n- **Requested by**: Li","btns":[{"title":"Approve","actionURL":"https://e.com/y"},{"title":"Reject","actionURL":"https://e.com/n"}],"btnOrientation":"1","hideAvatar":"0"}`
	if !res.DryRun || !strings.HasPrefix(string(res.Body), want) {
		t.Errorf("dry run body:\n %s\nwant it to start\n %s", res.Body, want)
	}
}

func TestUserTemplates(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	dir := filepath.Join(e.dir, "templates")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "deploy.toml"), []byte(`description = "A deploy"
msgtype = "text"
text = "deploying {{ .service }} {{ mention .owner }}"

[[vars]]
name = "service"
required = true
sample = "checkout"

[[vars]]
name = "owner"
sample = "Alice"
`), 0o600)
	os.WriteFile(filepath.Join(dir, "alert-firing.toml"), []byte("description = \"ours\"\nmsgtype = \"text\"\ntext = \"\"\"\nfire {{ .what }}\"\"\"\n"), 0o600)

	r := e.run("", "template", "ls", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var list []templateJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, i := range list {
		sources[i.Name] = i.Source
	}
	if sources["deploy"] != "user" || sources["alert-firing"] != "built-in" || sources["ci-result"] != "built-in" {
		t.Errorf("sources: %v", sources)
	}
	want := filepath.Join(dir, "alert-firing.toml") + `: template alert-firing: line 4: variable "what" is used but not declared in [[vars]] (the template is left out)`
	if !strings.Contains(r.stderr, "dingbot: warning: "+want) {
		t.Errorf("stderr lacks the broken file's warning:\n%s", r.stderr)
	}

	r = e.run("", "send", "--template", "deploy", "--var", "service=api", "--var", "owner=alice")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := jsonString(e.lastMessage()["text"]); got != `{"content":"deploying api @13800000000"}` {
		t.Errorf("sent %s", got)
	}

	r = e.run("", "template", "show", "deploy", "--json")
	var show templateJSON
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || r.code != 0 {
		t.Fatalf("show: exit %d %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
	if show.Source != "user" || len(show.Variables) != 2 || !show.Variables[0].Required || show.Variables[1].Sample != "Alice" ||
		string(show.Body) != `{"msgtype":"text","text":{"content":"deploying checkout @13800000000"},"at":{"atMobiles":["13800000000"]}}` {
		t.Errorf("show: %+v body %s", show, show.Body)
	}
}

func TestTemplateShow(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "template", "show", "alert-firing")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"alert-firing: An alert started firing", "severity", "(one of critical, warning, info)", `"title": "[FIRING] HighErrorRate (critical)"`, "Send it: dingbot send --template alert-firing --var alertname=HighErrorRate --var severity=critical --var summary="} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = e.run("", "template", "show", "alert-firing", "--var", "severity=bad", "--json")
	var show templateJSON
	json.Unmarshal([]byte(r.stdout), &show)
	if r.code != 2 || !strings.Contains(show.Error, `variable "severity" is "bad"`) || show.Body != nil {
		t.Errorf("a bad --var: exit %d %+v", r.code, show)
	}
	r = e.run("", "template", "show", "alert-fring")
	if r.code != 2 || !strings.Contains(r.stderr, `no template named "alert-fring" (did you mean "alert-firing"?)`) {
		t.Errorf("unknown name: exit %d %s", r.code, r.stderr)
	}
}
