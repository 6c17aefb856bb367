package template_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/template"
)

var contacts = dingtalk.Contacts{
	{Name: "张伟", Mobile: "13800000000"},
	{Name: "Alice", Mobile: "13900000000", UserID: "alice01"},
}

// TestGalleryPostsToSandbox renders every built-in at its samples, and again with its mention
// variables filled, and posts each to the sandbox: DingTalk's rules, as the sandbox checks them,
// accept every one, and the people mentioned are really notified.
func TestGalleryPostsToSandbox(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Limit: 1000})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	robot := dingtalk.Robot{Name: "sandbox", Webhook: srv.URL + "/robot/send?access_token=" + sandbox.DefaultToken, AllowCustomHost: true}
	client := dingtalk.NewClient(5 * time.Second)

	infos := template.List()
	want := []string{"alert", "alert-firing", "alert-resolved", "approval", "ci-result", "daily-report", "generic", "git", "grafana", "oncall-handover", "release-notes"}
	if len(infos) != len(want) {
		t.Fatalf("gallery has %d templates, want %d: %v", len(infos), len(want), infos)
	}
	for i, info := range infos {
		if info.Name != want[i] || info.Source != template.SourceBuiltin || info.Description == "" {
			t.Errorf("gallery[%d] = %+v, want %s, built-in, with a description", i, info, want[i])
		}
	}
	variables := 0
	for _, info := range infos {
		tpl, err := template.Lookup(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Data() != "" {
			continue // a payload's template: see TestDataTemplatesRenderEverySample
		}
		variables++
		for _, v := range tpl.Vars() {
			if v.Required && v.Sample == "" {
				t.Errorf("%s: required variable %s has no sample", info.Name, v.Name)
			}
		}
		variants := map[string]map[string]string{"samples": tpl.Samples()}
		withMention := tpl.Samples()
		for _, v := range tpl.Vars() {
			switch v.Name {
			case "notify":
				withMention[v.Name] = "张伟, Alice"
			case "approver":
				withMention[v.Name] = "Alice"
			}
		}
		variants["mentions"] = withMention
		for variant, vars := range variants {
			msg, err := tpl.Render(vars, contacts)
			if err != nil {
				t.Errorf("%s (%s): %v", info.Name, variant, err)
				continue
			}
			if msg.Type != info.Type {
				t.Errorf("%s: type %s, want %s", info.Name, msg.Type, info.Type)
			}
			p, err := dingtalk.Prepare(robot, msg, dingtalk.PrepareOptions{})
			if err != nil {
				t.Errorf("%s (%s): Prepare: %v", info.Name, variant, err)
				continue
			}
			if len(p.AddedMentions) > 0 {
				t.Errorf("%s (%s): Prepare had to add %v: the template should write its mentions", info.Name, variant, p.AddedMentions)
			}
			if strings.Contains(string(p.Body), "<no value>") {
				t.Errorf("%s (%s): body holds <no value>: %s", info.Name, variant, p.Body)
			}
			if _, err := client.Send(context.Background(), robot, msg); err != nil {
				t.Errorf("%s (%s): the sandbox refused it: %v", info.Name, variant, err)
				continue
			}
			acc := sb.Accepted()
			got := acc[len(acc)-1]
			if variant != "mentions" || msg.At.Empty() {
				continue
			}
			// Text and markdown notify those in "at" whose @ is in the text; an action card
			// notifies by @userId in its text alone.
			switch msg.Type {
			case dingtalk.TypeActionCard:
				for _, u := range msg.At.AtUserIDs {
					if !dingtalk.ContainsMention(msg.Body(), u) {
						t.Errorf("%s: the card's text lacks @%s", info.Name, u)
					}
				}
			default:
				if len(got.Notified) != msg.At.Count() {
					t.Errorf("%s: the sandbox notified %v, want everyone in %+v", info.Name, got.Notified, msg.At)
				}
			}
		}
	}
	if n := len(sb.Accepted()); n != 2*variables {
		t.Errorf("sandbox accepted %d messages, want %d", n, 2*variables)
	}
}
