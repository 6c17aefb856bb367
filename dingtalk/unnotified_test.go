package dingtalk

import (
	"strings"
	"testing"
)

func TestUnnotifiedHandles(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want []string // handles reported
	}{
		{"typed mobile not in atMobiles", NewText("deploy done @13800009999 please check"), []string{"13800009999"}},
		{"listed mobile notifies", Message{Type: TypeText, Text: &Text{Content: "hi @13800000000"}, At: &At{AtMobiles: []string{"13800000000"}}}, nil},
		{"international mobile in an action card", Message{Type: TypeActionCard, ActionCard: &ActionCard{Title: "T", Text: "approve @+852-12345678", SingleTitle: "go", SingleURL: "https://example.com"}, At: &At{AtMobiles: []string{"+852-12345678"}}}, []string{"+852-12345678"}},
		{"markdown, twice, reported once", NewMarkdown("T", "@13800009999 and again @13800009999"), []string{"13800009999"}},
		{"e-mail address is not a mention", NewText("mail ops@13800009999.cn"), nil},
		{"longer number is not the mobile", NewText("order @138000099991"), nil},
		{"not a mobile", NewText("ping @12345 and @alice"), nil},
		{"Chinese before the handle", NewText("请@13800009999 处理"), []string{"13800009999"}},
		{"letters right after are no handle, as ContainsMention sees it", NewText("请@13800009999处理"), nil},
		{"trailing dash is punctuation", NewText("@13800009999- done"), []string{"13800009999"}},
		{"link cannot notify", NewLink("T", "ping @13800009999", "https://example.com", ""), []string{"13800009999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, u := range UnnotifiedHandles(tt.msg) {
				got = append(got, u.Handle)
				if u.Reason == "" {
					t.Errorf("%s: no reason", u.Handle)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPrepareWarnsOfSilentHandles is the finding of issue 10 as dingbot send, MCP and the
// composer meet it: a hand-typed mobile that is no mention, and a mobile in an action card.
func TestPrepareWarnsOfSilentHandles(t *testing.T) {
	r := Robot{Name: "ops", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=x"}
	p, err := Prepare(r, NewText("disk full @13800009999"), PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(p.Warnings, "@13800009999 notifies nobody") {
		t.Errorf("warnings %v lack the typed mobile", p.Warnings)
	}
	card := Message{Type: TypeActionCard, ActionCard: &ActionCard{Title: "T", Text: "ok? @+852-12345678", SingleTitle: "go", SingleURL: "https://example.com"}}
	p, _ = Prepare(r, card, PrepareOptions{})
	if !hasWarning(p.Warnings, "action cards notify only by @userId") {
		t.Errorf("warnings %v lack the action card's mobile", p.Warnings)
	}
	// A mention chosen as a mention (at.atMobiles) raises nothing.
	m := NewText("disk full")
	m.At = &At{AtMobiles: []string{"13800009999"}}
	p, _ = Prepare(r, m, PrepareOptions{})
	if hasWarning(p.Warnings, "notifies nobody") {
		t.Errorf("a real mention was warned about: %v", p.Warnings)
	}
}

func hasWarning(ws []Warning, s string) bool {
	for _, w := range ws {
		if strings.Contains(w.Message, s) {
			return true
		}
	}
	return false
}
