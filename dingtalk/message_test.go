package dingtalk

import (
	"strings"
	"testing"
)

func TestEncodeExactJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"text", NewText("hi <b> & you"), `{"msgtype":"text","text":{"content":"hi <b> & you"}}`},
		{"text with at", Message{Type: TypeText, Text: &Text{Content: "x @138"}, At: &At{AtMobiles: []string{"138"}, AtUserIDs: []string{"u1"}, IsAtAll: true}},
			`{"msgtype":"text","text":{"content":"x @138"},"at":{"atMobiles":["138"],"atUserIds":["u1"],"isAtAll":true}}`},
		{"empty at dropped", Message{Type: TypeText, Text: &Text{Content: "x"}, At: &At{}}, `{"msgtype":"text","text":{"content":"x"}}`},
		{"markdown uuid", Message{Type: TypeMarkdown, Markdown: &Markdown{Title: "T", Text: "# h"}, MsgUUID: "u-1"},
			`{"msgtype":"markdown","markdown":{"title":"T","text":"# h"},"msgUuid":"u-1"}`},
		{"link", NewLink("T", "x", "https://a.example", "https://a.example/p.png"),
			`{"msgtype":"link","link":{"title":"T","text":"x","messageUrl":"https://a.example","picUrl":"https://a.example/p.png"}}`},
		{"link no pic", NewLink("T", "x", "https://a.example", ""),
			`{"msgtype":"link","link":{"title":"T","text":"x","messageUrl":"https://a.example"}}`},
		{"action card single", NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "Go", SingleURL: "https://a.example", BtnOrientation: "0", HideAvatar: "1"}),
			`{"msgtype":"actionCard","actionCard":{"title":"T","text":"x","singleTitle":"Go","singleURL":"https://a.example","btnOrientation":"0","hideAvatar":"1"}}`},
		{"action card buttons", NewActionCard(ActionCard{Title: "T", Text: "x", Buttons: []Button{{"A", "https://a.example"}, {"B", "https://b.example"}}, BtnOrientation: "1"}),
			`{"msgtype":"actionCard","actionCard":{"title":"T","text":"x","btns":[{"title":"A","actionURL":"https://a.example"},{"title":"B","actionURL":"https://b.example"}],"btnOrientation":"1"}}`},
		{"feed card", NewFeedCard(FeedLink{"A", "https://a.example", "https://a.example/p.png"}),
			`{"msgtype":"feedCard","feedCard":{"links":[{"title":"A","messageURL":"https://a.example","picURL":"https://a.example/p.png"}]}}`},
		{"action card mentions live in its text only", Message{Type: TypeActionCard, ActionCard: &ActionCard{Title: "T", Text: "x @u1", SingleTitle: "Go", SingleURL: "https://a.example"}, At: &At{AtUserIDs: []string{"u1"}}},
			`{"msgtype":"actionCard","actionCard":{"title":"T","text":"x @u1","singleTitle":"Go","singleURL":"https://a.example"}}`},
		{"stray body of other type dropped", Message{Type: TypeText, Text: &Text{Content: "x"}, Markdown: &Markdown{Title: "a", Text: "b"}},
			`{"msgtype":"text","text":{"content":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("Encode:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseMsgType(t *testing.T) {
	for in, want := range map[string]MsgType{"text": TypeText, "Markdown": TypeMarkdown, "actioncard": TypeActionCard, "action-card": TypeActionCard, "FEEDCARD": TypeFeedCard, "link": TypeLink} {
		got, err := ParseMsgType(in)
		if err != nil || got != want {
			t.Errorf("ParseMsgType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMsgType("image"); err == nil || !strings.Contains(err.Error(), "actionCard") {
		t.Errorf("ParseMsgType(image) error = %v, want list of types", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	m := NewActionCard(ActionCard{Title: "T", Text: "x", Buttons: []Button{{"A", "https://a"}}})
	m.At = &At{AtUserIDs: []string{"u"}}
	c := m.Clone()
	c.ActionCard.Buttons[0].Title = "changed"
	c.At.AtUserIDs[0] = "v"
	c.ActionCard.Text = "y"
	if m.ActionCard.Buttons[0].Title != "A" || m.At.AtUserIDs[0] != "u" || m.ActionCard.Text != "x" {
		t.Fatal("Clone shares memory with the original")
	}
}
