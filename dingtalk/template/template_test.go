package template_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/template"
)

const deploy = `description = "A deploy"
msgtype = "markdown"
title = "Deploy {{ .service }}"
text = '''
### Deploying {{ .service | md }}

Severity {{ .severity | upper }}
{{ mention .owner }}
'''

[[vars]]
name = "service"
required = true
sample = "checkout"

[[vars]]
name = "severity"
required = true
sample = "high"

[[vars]]
name = "owner"
description = "a contact"
`

func mustParse(t *testing.T, name, src string) *template.Template {
	t.Helper()
	tpl, err := template.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestRenderErrorsNameTemplateLineAndVariable(t *testing.T) {
	tpl := mustParse(t, "deploy", deploy)
	_, err := tpl.Render(map[string]string{"service": "api"}, nil)
	if got, want := err.Error(), `template deploy: line 7: variable "severity" is missing (required)`; got != want {
		t.Fatalf("error:\n got %s\nwant %s", got, want)
	}
	var te *template.Error
	if !errors.As(err, &te) || te.Var != "severity" || te.Line != 7 {
		t.Errorf("error as *Error = %+v", te)
	}

	_, err = tpl.Render(map[string]string{"service": "api", "severity": "x", "sevrity": "y"}, nil)
	if got, want := err.Error(), `template deploy: unknown variable "sevrity" (did you mean "severity"?)`; got != want {
		t.Errorf("error:\n got %s\nwant %s", got, want)
	}

	// Every problem at once, so a form can mark each field.
	_, err = tpl.Render(map[string]string{"zzz": "1"}, nil)
	for _, want := range []string{`unknown variable "zzz"; its variables: service, severity, owner`, `"service" is missing`, `"severity" is missing`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRenderMentionRecordsAt(t *testing.T) {
	tpl := mustParse(t, "deploy", deploy)
	cs := dingtalk.Contacts{{Name: "张伟", Mobile: "13800000000"}}
	msg, err := tpl.Render(map[string]string{"service": "a*b", "severity": "high", "owner": "张伟"}, cs)
	if err != nil {
		t.Fatal(err)
	}
	want := "### Deploying a*b\n\nSeverity HIGH\n@13800000000"
	if msg.Markdown.Text != want || msg.Markdown.Title != "Deploy a*b" {
		t.Errorf("message = %+v, want text %q", msg.Markdown, want)
	}
	if msg.At == nil || len(msg.At.AtMobiles) != 1 || msg.At.AtMobiles[0] != "13800000000" {
		t.Errorf("at = %+v, want the mobile", msg.At)
	}
	if missing := dingtalk.MissingMentions(msg); len(missing) != 0 {
		t.Errorf("mentions missing from the text: %v", missing)
	}

	// An optional mention left out writes nothing and mentions nobody.
	msg, err = tpl.Render(map[string]string{"service": "a", "severity": "low"}, cs)
	if err != nil || msg.At != nil || strings.Contains(msg.Markdown.Text, "@") {
		t.Errorf("no owner: %+v %v", msg, err)
	}

	_, err = tpl.Render(map[string]string{"service": "a", "severity": "low", "owner": "张三"}, cs)
	if err == nil || !strings.Contains(err.Error(), `template deploy: line 8: variable "owner": mention: no contact named "张三"`) {
		t.Errorf("unknown contact: %v", err)
	}
}

func TestActionCardMentionNeedsUserID(t *testing.T) {
	tpl := mustParse(t, "card", `msgtype = "actionCard"
title = "T"
text = "ok {{ mention .who }}"
single_title = "Open"
single_url = "https://example.com"
[[vars]]
name = "who"
`)
	cs := dingtalk.Contacts{{Name: "Bob", Mobile: "13800000001"}, {Name: "Ann", UserID: "ann9"}}
	if _, err := tpl.Render(map[string]string{"who": "Bob"}, cs); err == nil || !strings.Contains(err.Error(), "userId") {
		t.Errorf("mobile only in an action card: %v", err)
	}
	msg, err := tpl.Render(map[string]string{"who": "Ann"}, cs)
	if err != nil || msg.ActionCard.Text != "ok @ann9" || msg.At.AtUserIDs[0] != "ann9" {
		t.Errorf("userId mention: %+v %v", msg.ActionCard, err)
	}
}

func TestParseErrorsHaveLines(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"undeclared", "msgtype = \"text\"\ntext = '''\nhello\n{{ .who }}\n'''\n", `template undeclared: line 4: variable "who" is used but not declared in [[vars]]`},
		{"typo", "msgtype = \"text\"\ntext = \"{{ .servce }}\"\n[[vars]]\nname = \"service\"\n", `template typo: line 2: variable "servce" is used but not declared in [[vars]] (did you mean "service"?)`},
		{"badfunc", "msgtype = \"text\"\n\ntext = '''\n\n{{ nosuch }}'''\n", `template badfunc: line 5: function "nosuch" not defined`},
		{"toml", "msgtype = \"text\"\ntext = \"x\"\ntitel = \"y\"\n", `template toml: line 3: unknown field "titel"`},
		{"type", "msgtype = \"txt\"\ntext = \"x\"\n", `template type: line 1: unknown message type "txt"`},
		{"field", "msgtype = \"text\"\ntext = \"x\"\nurl = \"https://e.com\"\n", `template field: line 3: url is not a field of a text message`},
		{"button", "msgtype = \"actionCard\"\ntitle = \"t\"\ntext = \"x\"\n[[buttons]]\ntitle = \"A\"\nurl = \"https://e\"\n[[buttons]]\ntitle = \"B\"\n", `template button: line 7: button 2 needs a title and a url`},
		{"choices", "msgtype = \"text\"\ntext = \"{{ .s }}\"\n[[vars]]\nname = \"s\"\nsample = \"c\"\nchoices = [\"a\", \"b\"]\n", `template choices: line 4: variable "s": "c" is not one of its choices (a, b)`},
	}
	for _, c := range cases {
		_, err := template.Parse(c.name, []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error\n got %v\nwant %s", c.name, err, c.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	src := "msgtype = \"text\"\ntext = '''{{ .v | %s }}'''\n[[vars]]\nname = \"v\"\n"
	cases := []struct{ pipe, in, want string }{
		{`time "Asia/Shanghai" "2006-01-02 15:04"`, "2024-05-01T01:30:00Z", "2024-05-01 09:30"},
		{`time "UTC" "datetime"`, "1714527000", "2024-05-01 01:30"},
		{`time "UTC" "clock"`, "1714527000000", "01:30"},
		{`time "+08:00" "date"`, "2024-04-30 23:00", "2024-04-30"},
		{`time "Asia/Shanghai" "rfc3339"`, "2024-05-01 09:30", "2024-05-01T09:30:00+08:00"},
		{`time "UTC" "date"`, "", ""},
		{`md`, "**a** [b](c) <i> 1. x", "**a** [b]\u2060(c) <\u2060i> 1. x"},
		{`md`, "# h\n- item\n3. third\n> q\n|a|b|\n[x]: http://e.example.com\n  + y", "\u2060# h\n\u2060- item\n\u20603. third\n\u2060> q\n\u2060|a|b|\n\u2060[x]: http://e.example.com\n  \u2060+ y"},
		{`md`, "pull_request _id_ snake_case_ ~~gone~~ ~/bin `code` a\\b", "pull_request _id_ snake_case_ ~\u2060~gone~\u2060~ ~/bin `code` a\\b"},
		{`md`, "3 > 2 < 4 and a<b", "3 > 2 < 4 and a<\u2060b"},
		{`md`, "by @wangfang, @13800000000 and @+852-1234; mail a@b.com; @ alone", "by @\u2060wangfang, @\u206013800000000 and @\u2060+852-1234; mail a@b.com; @ alone"},
		{`truncbytes 7`, "日本語テキスト", "日…"},
		{`truncbytes 9`, "日本語", "日本語"},
		{`truncbytes 2`, "日本", ""},
		{`lines | join ", "`, "a\n\n b \nc", "a, b, c"},
		{`split ";" | join " / "`, "a;b; ;c", "a / b / c"},
		{`join "+"`, "x\ny", "x+y"},
		{`default "none"`, " ", "none"},
		{`default "none"`, "set", "set"},
		{`upper`, "ab", "AB"},
		{`lower`, "AB", "ab"},
		{`trim`, "  ab \n", "ab"},
	}
	for _, c := range cases {
		tpl := mustParse(t, "h", strings.Replace(src, "%s", c.pipe, 1))
		msg, err := tpl.Render(map[string]string{"v": c.in}, nil)
		if err != nil {
			t.Errorf("%s on %q: %v", c.pipe, c.in, err)
			continue
		}
		if msg.Text.Content != c.want {
			t.Errorf("%s on %q = %q, want %q", c.pipe, c.in, msg.Text.Content, c.want)
		}
	}
	tpl := mustParse(t, "h", strings.Replace(src, "%s", `time "Mars/Olympus" "date"`, 1))
	if _, err := tpl.Render(map[string]string{"v": "2024-05-01"}, nil); err == nil || !strings.Contains(err.Error(), `template h: line 2: at {{ time "Mars/Olympus" "date" }}: unknown time zone "Mars/Olympus"`) {
		t.Errorf("bad zone: %v", err)
	}
	tpl = mustParse(t, "h", strings.Replace(src, "%s", `time "UTC" "date"`, 1))
	if _, err := tpl.Render(map[string]string{"v": "yesterday"}, nil); err == nil || !strings.Contains(err.Error(), `cannot read "yesterday" as a time`) {
		t.Errorf("bad time: %v", err)
	}
}

func TestDefaultAndChoices(t *testing.T) {
	tpl := mustParse(t, "d", "msgtype = \"text\"\ntext = \"{{ .tz }} {{ .s }}\"\n[[vars]]\nname = \"tz\"\ndefault = \"UTC\"\n[[vars]]\nname = \"s\"\nchoices = [\"up\", \"down\"]\n")
	msg, err := tpl.Render(nil, nil)
	if err != nil || msg.Text.Content != "UTC" {
		t.Errorf("defaults: %q %v", msg.Text.Content, err)
	}
	if _, err := tpl.Render(map[string]string{"s": "sideways"}, nil); err == nil || !strings.Contains(err.Error(), `template d: line 2: variable "s" is "sideways": want one of up, down`) {
		t.Errorf("choices: %v", err)
	}
}

func TestLoadUserTemplates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("alert-firing.toml", "description = \"ours\"\nmsgtype = \"text\"\ntext = \"fire\"\n")
	write("mine.toml", "description = \"mine\"\nmsgtype = \"text\"\ntext = \"hi\"\n")
	write("ci-result.toml", "msgtype = \"text\"\ntext = '''\n{{ .nope }}\n'''\n")
	write("notes.txt", "not a template")

	set, warnings := template.Load(dir)
	if len(warnings) != 1 {
		t.Fatalf("warnings = %v, want the broken ci-result.toml only", warnings)
	}
	want := filepath.Join(dir, "ci-result.toml") + `: template ci-result: line 3: variable "nope" is used but not declared in [[vars]] (the template is left out)`
	if warnings[0].Error() != want {
		t.Errorf("warning:\n got %s\nwant %s", warnings[0], want)
	}
	byName := map[string]template.Info{}
	for _, i := range set.List() {
		byName[i.Name] = i
	}
	if i := byName["alert-firing"]; i.Source != template.SourceUser || !i.Overrides || i.Description != "ours" {
		t.Errorf("override: %+v", i)
	}
	if i := byName["mine"]; i.Source != template.SourceUser || i.Path != filepath.Join(dir, "mine.toml") {
		t.Errorf("added: %+v", i)
	}
	if i := byName["ci-result"]; i.Source != template.SourceBuiltin {
		t.Errorf("a broken user template disables only itself: ci-result = %+v", i)
	}
	// The gallery itself is untouched.
	if i, _ := template.Lookup("alert-firing"); i.Info().Source != template.SourceBuiltin {
		t.Errorf("the built-in changed: %+v", i.Info())
	}
	if _, err := set.Lookup("alert-firng"); err == nil || !strings.Contains(err.Error(), `no template named "alert-firng" (did you mean "alert-firing"?)`) {
		t.Errorf("lookup: %v", err)
	}
	if s, w := template.Load(filepath.Join(dir, "absent")); len(w) != 0 || len(s.List()) != len(template.List()) {
		t.Errorf("absent dir: %v", w)
	}
}

// What a reader copies out of a message is what was sent: commands, globs, paths and URLs keep
// every character (QA: full-width look-alikes broke copied commands).
func TestMdKeepsWhatIsCopied(t *testing.T) {
	tpl, err := template.Parse("copy", []byte("msgtype = \"markdown\"\ntitle = \"t\"\ntext = \"{{ .s | md }}\"\n\n[[vars]]\nname = \"s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"rm -rf /var/tmp/build_*", `find . -name "*.gz"`, "*.example.cn", "__init__.py", "https://x.example.com/?q=*&a=`b`", "pull_request"} {
		msg, err := tpl.Render(map[string]string{"s": s}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Markdown.Text != s {
			t.Errorf("md(%q) = %q", s, msg.Markdown.Text)
		}
	}
}
