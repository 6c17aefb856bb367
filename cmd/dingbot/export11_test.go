package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// withoutUUID is a received body with the msgUuid every send adds (the last field) taken out.
var withoutUUID = regexp.MustCompile(`,"msgUuid":"[^"]*"}$`)

// TestExportedSendLineReproducesComposerSend is issue 11's flow: messages of every type, as
// the composer's editor builds them (trimmed fields, both card switches set, mentions by mobile
// or, on an action card, by userId), are sent once as the composer sends them and once by
// running their exported `dingbot send` line with bash; the sandbox receives the same body.
func TestExportedSendLineReproducesComposerSend(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	e.standardConfig()
	ops := dingtalk.Robot{Name: "ops", Webhook: e.webhook(testToken), Secret: testSecret, AllowCustomHost: true}

	text := dingtalk.NewText("disk full on db1 — it's 95%\n  see $HOME and `df -h`\t\\n")
	text.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, IsAtAll: true}
	md := dingtalk.NewMarkdown("Release 'v1.2'", "# Release 1.2\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\necho \"$PATH\"\n```\n- **fast** <b>x</b> & y\n")
	md.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, AtUserIDs: []string{"bob01"}}
	buttons := dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Ship 1.2?", Text: "All checks **green**.\n\nReview: @bob01 please", BtnOrientation: "1", HideAvatar: "1",
		Buttons: []dingtalk.Button{{Title: "Approve", ActionURL: "https://example.com/y?a=1&b=2"}, {Title: "Reject 拒绝", ActionURL: "dingtalk://dingtalkclient/page/link?url=x"}}})
	buttons.At = &dingtalk.At{AtUserIDs: []string{"bob01"}}
	single := dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Incident 7", Text: "-- read the runbook", BtnOrientation: "0", HideAvatar: "0",
		SingleTitle: "Open runbook", SingleURL: "https://example.com/rb"})
	msgs := []dingtalk.Message{
		text,
		md,
		dingtalk.NewMarkdown("-T", "- one\n- two"),
		dingtalk.NewLink("Release 1.2", "What's new: *everything*", "https://example.com/r/1.2", "https://example.com/p.png"),
		buttons,
		single,
		dingtalk.NewFeedCard(dingtalk.FeedLink{Title: "Notes", MessageURL: "https://example.com/n", PicURL: "https://example.com/n.png"},
			dingtalk.FeedLink{Title: "迁移指南 guide", MessageURL: "https://example.com/g?x=1", PicURL: "https://example.com/g.png"}),
	}
	// Templates as the composer's gallery form applies them (tui's TestTemplateFilledPreviewed
	// AppliedAndUndone checks the editor holds exactly template.Render's message), with a mention
	// of a contact by name: the exported line reproduces them too.
	contacts := dingtalk.Contacts{{Name: "Alice", Mobile: "13800000000"}, {Name: "Bob", UserID: "bob01"}}
	for _, tc := range []struct {
		name string
		vars map[string]string
	}{
		{"ci-result", map[string]string{"project": "payments", "status": "failed", "url": "https://ci.example.com/payments/7", "failed_jobs": "test (linux)\nlint", "notify": "Alice"}},
		{"approval", nil},
		{"oncall-handover", nil},
	} {
		tpl, err := template.Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		vars := tc.vars
		if vars == nil {
			vars = tpl.Samples()
		}
		msg, err := tpl.Render(vars, contacts)
		if err != nil {
			t.Fatalf("template %s: %v", tc.name, err)
		}
		msgs = append(msgs, msg)
	}
	client := dingtalk.NewClient(0)
	// The binary's own directory first on PATH, so that the line's "dingbot" is the one built.
	env := append(e.environ(), "PATH="+filepath.Dir(binPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
	for i, msg := range msgs {
		// The composer's send.
		if _, err := client.SendWith(context.Background(), ops, msg, dingtalk.PrepareOptions{}); err != nil {
			t.Fatalf("message %d (%s): the composer's send: %v", i, msg.Type, err)
		}
		acc := e.sb.Accepted()
		want := withoutUUID.ReplaceAllString(string(acc[len(acc)-1].Body), "}")

		cmd := export.DingbotSend(export.Target{Robot: "ops"}, msg)
		if len(cmd.Lost) > 0 {
			t.Fatalf("message %d (%s): the line loses %v", i, msg.Type, cmd.Lost)
		}
		if strings.Contains(cmd.Line, testToken) || strings.Contains(cmd.Line, testSecret) {
			t.Fatalf("the line holds a secret: %s", cmd.Line)
		}
		run := exec.Command("bash", "-c", cmd.Line)
		run.Env = env
		out, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("message %d (%s): %v\n%s\nline:\n%s", i, msg.Type, err, out, cmd.Line)
		}
		acc = e.sb.Accepted()
		got := string(acc[len(acc)-1].Body)
		if !withoutUUID.MatchString(got) {
			t.Fatalf("message %d: the dingbot send body carries no msgUuid: %s", i, got)
		}
		if got = withoutUUID.ReplaceAllString(got, "}"); got != want {
			t.Fatalf("message %d (%s): dingbot send posted\n %s\nthe composer posts\n %s\nline:\n%s", i, msg.Type, got, want, cmd.Line)
		}
	}
}
