package store

import (
	"path/filepath"
	"reflect"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// Draft is everything in the editor, as saved under the state directory while the user types.
type Draft struct {
	Version     int                 `json:"version"`
	Robot       string              `json:"robot,omitempty"`
	Type        dingtalk.MsgType    `json:"msgtype"`
	Title       string              `json:"title,omitempty"`
	Body        string              `json:"body,omitempty"`
	MessageURL  string              `json:"messageUrl,omitempty"`
	PicURL      string              `json:"picUrl,omitempty"`
	ButtonList  bool                `json:"buttonList,omitempty"`
	SingleTitle string              `json:"singleTitle,omitempty"`
	SingleURL   string              `json:"singleURL,omitempty"`
	Buttons     []dingtalk.Button   `json:"buttons,omitempty"`
	Horizontal  bool                `json:"horizontal,omitempty"`
	HideAvatar  bool                `json:"hideAvatar,omitempty"`
	Links       []dingtalk.FeedLink `json:"links,omitempty"`
	Mentions    []Mention           `json:"mentions,omitempty"`
	AtAll       bool                `json:"atAll,omitempty"`
	// Sent is true when this exact content was sent, so a restart does not call it unsent.
	Sent bool `json:"sent,omitempty"`
	// MaybeDelivered is the last send of this draft whose outcome is unknown (no answer after
	// the body left): sending the same message to the same robot again reuses its msgUuid,
	// even after a restart, so DingTalk posts it at most once.
	MaybeDelivered *PendingSend `json:"maybeDelivered,omitempty"`
}

// PendingSend is a send that may have been posted: the robot, the msgUuid it carried and a
// digest of its body (the body itself is the draft).
type PendingSend struct {
	Robot      string `json:"robot"`
	MsgUUID    string `json:"msgUuid"`
	BodySHA256 string `json:"bodySha256"`
}

// Mention is a mentioned person as the draft keeps them.
type Mention struct {
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	UserID string `json:"userId,omitempty"`
}

// Version is the draft format written.
const Version = 1

// FromFile is a new markdown message started from a file: the file is its text, its first
// heading (or first line) its title, nobody is mentioned.
func FromFile(name, text, robot string) Draft {
	return Draft{
		Version: Version,
		Robot:   robot,
		Type:    dingtalk.TypeMarkdown,
		Title:   titleFrom(name, text),
		Body:    strings.TrimSuffix(text, "\n"),
	}
}

// MaxFileTitle is the longest title taken from a file's first line, in runes.
const MaxFileTitle = 60

// titleFrom is a markdown file's first heading, else its first line of text (shortened), else
// its name.
func titleFrom(name, text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for _, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") {
			if h := strings.TrimSpace(strings.TrimLeft(t, "#")); h != "" {
				return h
			}
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), ">-*+ "))
		t = strings.Trim(t, "*_`")
		if t == "" {
			continue
		}
		if r := []rune(t); len(r) > MaxFileTitle {
			t = strings.TrimSpace(string(r[:MaxFileTitle-1])) + "…"
		}
		return t
	}
	base := filepath.Base(name)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Blank reports whether a draft holds nothing to lose.
func (d *Draft) Blank() bool {
	return strings.TrimSpace(d.Title+d.Body+d.MessageURL+d.PicURL+d.SingleTitle+d.SingleURL) == "" &&
		len(d.Buttons) == 0 && len(d.Links) == 0 && len(d.Mentions) == 0 && !d.AtAll
}

// SameContent reports whether two drafts are the same message, whatever their version or state.
func (d *Draft) SameContent(o Draft) bool {
	a, b := *d, o
	a.Version, b.Version, a.Sent, b.Sent = 0, 0, false, false
	a.MaybeDelivered, b.MaybeDelivered = nil, nil
	return reflect.DeepEqual(a, b)
}

// FromMessage turns a sent message back into a draft; handles of contacts become their names.
func FromMessage(msg dingtalk.Message, contacts dingtalk.Contacts) Draft {
	d := Draft{Version: Version, Type: msg.Type}
	switch {
	case msg.Text != nil && msg.Type == dingtalk.TypeText:
		d.Body = msg.Text.Content
	case msg.Markdown != nil && msg.Type == dingtalk.TypeMarkdown:
		d.Title, d.Body = msg.Markdown.Title, msg.Markdown.Text
	case msg.Link != nil && msg.Type == dingtalk.TypeLink:
		d.Title, d.Body, d.MessageURL, d.PicURL = msg.Link.Title, msg.Link.Text, msg.Link.MessageURL, msg.Link.PicURL
	case msg.ActionCard != nil && msg.Type == dingtalk.TypeActionCard:
		a := msg.ActionCard
		d.Title, d.Body = a.Title, a.Text
		d.SingleTitle, d.SingleURL = a.SingleTitle, a.SingleURL
		d.Buttons = append(d.Buttons, a.Buttons...)
		d.ButtonList = len(a.Buttons) > 0 && a.SingleTitle == "" && a.SingleURL == ""
		d.Horizontal = a.BtnOrientation == dingtalk.ButtonsHorizontal
		d.HideAvatar = a.HideAvatar == "1"
	case msg.FeedCard != nil && msg.Type == dingtalk.TypeFeedCard:
		d.Links = append(d.Links, msg.FeedCard.Links...)
	}
	if msg.At != nil {
		d.AtAll = msg.At.IsAtAll
		for _, h := range append(append([]string(nil), msg.At.AtMobiles...), msg.At.AtUserIDs...) {
			if c, ok := contacts.ByHandle(h); ok {
				d.Mentions = append(d.Mentions, Mention{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID})
			} else if dingtalk.ValidMobile(h) {
				d.Mentions = append(d.Mentions, Mention{Name: h, Mobile: h})
			} else {
				d.Mentions = append(d.Mentions, Mention{Name: h, UserID: h})
			}
		}
	}
	return d
}
