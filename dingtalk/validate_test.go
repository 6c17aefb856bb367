package dingtalk

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	fifty1 := make([]string, 51)
	for i := range fifty1 {
		fifty1[i] = "1380000" + strings.Repeat("0", 4-len(itoa(i))) + itoa(i)
	}
	tests := []struct {
		name string
		msg  Message
		want string // substring of the error; "" means valid
	}{
		{"text ok", NewText("hi"), ""},
		{"text empty", NewText("  \n"), "text.content: is required"},
		{"text nil body", Message{Type: TypeText}, "needs text.content"},
		{"no type", Message{}, "msgtype: is required"},
		{"bad type", Message{Type: "image"}, `"image" is not a DingTalk message type`},
		{"markdown no title", NewMarkdown("", "x"), "markdown.title"},
		{"markdown no text", NewMarkdown("T", ""), "markdown.text"},
		{"link ok dingtalk scheme", NewLink("T", "x", "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fa&pc_slide=true", ""), ""},
		{"link bad url", NewLink("T", "x", "ftp://a", ""), "link.messageUrl: \"ftp://a\" must start with http://, https:// or dingtalk://"},
		{"link no host", NewLink("T", "x", "https://", ""), "has no host"},
		{"link missing url", NewLink("T", "x", "", ""), "link.messageUrl: is required"},
		{"link bad pic", NewLink("T", "x", "https://a", "pic.png"), "link.picUrl"},
		{"link dingtalk pic", NewLink("T", "x", "https://a", "dingtalk://dingtalkclient/page/link?url=x"), "link.picUrl: \"dingtalk://dingtalkclient/page/link?url=x\": a picture URL must start with http:// or https://"},
		{"feed dingtalk pic", NewFeedCard(FeedLink{"A", "dingtalk://dingtalkclient/page/link?url=x", "dingtalk://x"}), "feedCard.links[0].picURL"},
		{"card no button", NewActionCard(ActionCard{Title: "T", Text: "x"}), "needs a button"},
		{"card both", NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a", SingleURL: "https://a", Buttons: []Button{{"b", "https://b"}}}), "not both"},
		{"card half single", NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a"}), "actionCard.singleURL: is required"},
		{"card bad button", NewActionCard(ActionCard{Title: "T", Text: "x", Buttons: []Button{{"", "https://b"}}}), "actionCard.btns[0].title"},
		{"card orientation", NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a", SingleURL: "https://a", BtnOrientation: "horizontal"}), "btnOrientation"},
		{"card avatar", NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a", SingleURL: "https://a", HideAvatar: "yes"}), "hideAvatar"},
		{"feed empty", NewFeedCard(), "at least one link"},
		{"feed missing pic", NewFeedCard(FeedLink{"A", "https://a", ""}), "feedCard.links[0].picURL: is required"},
		{"link mention", withAt(NewLink("T", "x", "https://a", ""), &At{AtMobiles: []string{"13800000000"}}), "cannot mention"},
		{"feed mention", withAt(NewFeedCard(FeedLink{"A", "https://a", "https://p"}), &At{IsAtAll: true}), "cannot mention"},
		{"card mobile mention", withAt(NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a", SingleURL: "https://a"}), &At{AtMobiles: []string{"13800000000"}}), "only mention by userId"},
		{"card userid mention", withAt(NewActionCard(ActionCard{Title: "T", Text: "x", SingleTitle: "a", SingleURL: "https://a"}), &At{AtUserIDs: []string{"u1"}}), ""},
		{"bad mobile", withAt(NewText("x"), &At{AtMobiles: []string{"138-0000"}}), "is not a mobile number"},
		{"intl mobile", withAt(NewText("x"), &At{AtMobiles: []string{"+852-12345678"}}), ""},
		{"bad user id", withAt(NewText("x"), &At{AtUserIDs: []string{"a b"}}), "is not a DingTalk userId"},
		{"too many", withAt(NewText("x"), &At{AtMobiles: fifty1}), "mentions 51 people"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.msg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want *ValidationError containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPrepareSizeLimit(t *testing.T) {
	// {"msgtype":"text","text":{"content":"…"}} is 40 bytes around the content.
	r := Robot{Name: "r", Webhook: "tok"}
	exact := NewText(strings.Repeat("a", MaxBodyBytes-40))
	p, err := Prepare(r, exact, PrepareOptions{})
	if err != nil || p.Bytes != MaxBodyBytes {
		t.Fatalf("20000-byte body: bytes=%d err=%v", p.Bytes, err)
	}
	over := NewText(strings.Repeat("a", MaxBodyBytes-40+7))
	p, err = Prepare(r, over, PrepareOptions{})
	if err == nil || !strings.Contains(err.Error(), "is 20007 bytes, 7 over DingTalk's limit of 20000") {
		t.Fatalf("over-size error = %v", err)
	}
	if p == nil || p.Bytes != 20007 {
		t.Fatalf("Prepared should still report the size: %+v", p)
	}
	// Multi-byte characters count in bytes, not characters.
	cjk := NewText(strings.Repeat("钉", 6700))
	if _, err := Prepare(r, cjk, PrepareOptions{}); err == nil {
		t.Fatal("20100+ bytes of CJK text should be refused")
	}
}

func TestPrepareKeywords(t *testing.T) {
	r := Robot{Name: "ops", Webhook: "tok", Keywords: []string{"deploy", "告警"}}
	p, err := Prepare(r, NewMarkdown("告警: disk", "full"), PrepareOptions{})
	if err != nil || p.Keyword != "告警" {
		t.Fatalf("keyword in title: %v %v", p, err)
	}
	_, err = Prepare(r, NewText("hello"), PrepareOptions{})
	var ke *KeywordError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), `"deploy", "告警"`) {
		t.Fatalf("missing keyword error = %v", err)
	}
	p, err = Prepare(r, NewText("hello"), PrepareOptions{AppendKeyword: true})
	if err != nil || p.Message.Text.Content != "hello deploy" {
		t.Fatalf("append keyword: %q %v", p.Message.Text.Content, err)
	}
	card := NewActionCard(ActionCard{Title: "T", Text: "x", Buttons: []Button{{"deploy now", "https://a"}}})
	if _, err := Prepare(r, card, PrepareOptions{}); err != nil {
		t.Fatalf("keyword in a button title should count: %v", err)
	}
}

func TestPrepareInsertsMentionsWithoutTouchingInput(t *testing.T) {
	m := NewMarkdown("T", "done")
	m.At = &At{AtMobiles: []string{"13800000000"}}
	p, err := Prepare(Robot{Webhook: "tok"}, m, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Markdown.Text != "done" {
		t.Fatal("Prepare changed the caller's message")
	}
	if !strings.Contains(string(p.Body), `"text":"done\n\n@13800000000"`) || len(p.AddedMentions) != 1 {
		t.Fatalf("body = %s", p.Body)
	}
}

func withAt(m Message, at *At) Message { m.At = at; return m }

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestValidateRefusesInvalidUTF8WithOffset(t *testing.T) {
	for _, tt := range []struct {
		msg  Message
		want string
	}{
		{NewText("ok \xff then"), "text.content: is not valid UTF-8: byte 3 (0xff)"},
		{NewMarkdown("T\xc3", "body"), "markdown.title: is not valid UTF-8: byte 1 (0xc3)"},
		{NewText("hi"), ""},
	} {
		err := Validate(tt.msg)
		if tt.want == "" {
			if err != nil {
				t.Errorf("Validate(%+v) = %v", tt.msg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %q", err, tt.want)
		}
	}
	m := NewText("hi @x")
	m.At = &At{AtUserIDs: []string{"a\xfe"}}
	if err := Validate(m); err == nil || !strings.Contains(err.Error(), "at.atUserIds[0]: is not valid UTF-8: byte 1") {
		t.Errorf("Validate(bad userId) = %v", err)
	}
}

func TestMobilesAsDingTalkWritesThem(t *testing.T) {
	for s, ok := range map[string]bool{
		"13800000000": true, "+852-12345678": true, "+1-4155550100": true,
		"123": false, "1380000000": false, "138000000000": false, "23800000000": false,
		"+85212345678": false, "+852-123": false, "138 0000 0000": false, "": false,
	} {
		if ValidMobile(s) != ok {
			t.Errorf("ValidMobile(%q) = %v, want %v", s, !ok, ok)
		}
	}
}
