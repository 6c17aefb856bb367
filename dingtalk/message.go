// Package dingtalk is the domain core of dingbot: DingTalk robot messages, their validation and
// mention rules, signing, the webhook client, typed errors with hints, and rate limiting.
// It knows nothing of the terminal UI or of MCP.
package dingtalk

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MsgType is DingTalk's msgtype value, with DingTalk's exact casing.
type MsgType string

// The five message types a custom robot can send.
const (
	TypeText       MsgType = "text"
	TypeMarkdown   MsgType = "markdown"
	TypeLink       MsgType = "link"
	TypeActionCard MsgType = "actionCard"
	TypeFeedCard   MsgType = "feedCard"
)

// MsgTypes lists every message type in the order users usually meet them.
var MsgTypes = []MsgType{TypeText, TypeMarkdown, TypeLink, TypeActionCard, TypeFeedCard}

// Name is the type as people say it: "text message", "markdown message", "link card",
// "action card", "feed card"; an unknown type is itself.
func (t MsgType) Name() string {
	switch t {
	case TypeText:
		return "text message"
	case TypeMarkdown:
		return "markdown message"
	case TypeLink:
		return "link card"
	case TypeActionCard:
		return "action card"
	case TypeFeedCard:
		return "feed card"
	}
	return string(t)
}

// ParseMsgType accepts a msgtype in any casing ("actioncard", "ActionCard", "action-card").
func ParseMsgType(s string) (MsgType, error) {
	norm := bytes.ToLower([]byte(s))
	norm = bytes.ReplaceAll(norm, []byte("-"), nil)
	norm = bytes.ReplaceAll(norm, []byte("_"), nil)
	for _, t := range MsgTypes {
		if string(bytes.ToLower([]byte(t))) == string(norm) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown message type %q: want one of text, markdown, link, actionCard, feedCard", s)
}

// Message is one robot message. Exactly one of the body fields matching Type is set.
// It encodes to the JSON DingTalk expects, field names and casing included.
type Message struct {
	Type       MsgType     `json:"msgtype"`
	Text       *Text       `json:"text,omitempty"`
	Markdown   *Markdown   `json:"markdown,omitempty"`
	Link       *Link       `json:"link,omitempty"`
	ActionCard *ActionCard `json:"actionCard,omitempty"`
	FeedCard   *FeedCard   `json:"feedCard,omitempty"`
	// At lists who is mentioned. It is left out of the JSON when nobody is.
	At *At `json:"at,omitempty"`
	// MsgUUID is DingTalk's idempotency key: a resend with the same value does not post twice.
	MsgUUID string `json:"msgUuid,omitempty"`
}

// Text is the body of a text message.
type Text struct {
	Content string `json:"content"`
}

// Markdown is the body of a markdown message. Title is what the chat list and the
// notification show; it is not rendered as a heading in the body.
type Markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Link is the body of a link message. PicURL is optional.
type Link struct {
	Title      string `json:"title"`
	Text       string `json:"text"`
	MessageURL string `json:"messageUrl"`
	PicURL     string `json:"picUrl,omitempty"`
}

// ActionCard is the body of an action card: either a whole-card button (SingleTitle and
// SingleURL) or a list of buttons (Buttons). Text is markdown.
type ActionCard struct {
	Title       string   `json:"title"`
	Text        string   `json:"text"`
	SingleTitle string   `json:"singleTitle,omitempty"`
	SingleURL   string   `json:"singleURL,omitempty"`
	Buttons     []Button `json:"btns,omitempty"`
	// BtnOrientation is "0" for buttons stacked vertically, "1" for side by side.
	BtnOrientation string `json:"btnOrientation,omitempty"`
	// HideAvatar is "0" to show the robot's avatar, "1" to hide it.
	HideAvatar string `json:"hideAvatar,omitempty"`
}

// Button is one button of an action card.
type Button struct {
	Title     string `json:"title"`
	ActionURL string `json:"actionURL"`
}

// FeedCard is the body of a feed card: a list of linked items with pictures.
type FeedCard struct {
	Links []FeedLink `json:"links"`
}

// FeedLink is one item of a feed card.
type FeedLink struct {
	Title      string `json:"title"`
	MessageURL string `json:"messageURL"`
	PicURL     string `json:"picURL"`
}

// At names who a message mentions.
type At struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	AtUserIDs []string `json:"atUserIds,omitempty"`
	IsAtAll   bool     `json:"isAtAll,omitempty"`
}

// Empty reports whether nobody is mentioned.
func (a *At) Empty() bool {
	return a == nil || (len(a.AtMobiles) == 0 && len(a.AtUserIDs) == 0 && !a.IsAtAll)
}

// Count is the number of people mentioned individually.
func (a *At) Count() int {
	if a == nil {
		return 0
	}
	return len(a.AtMobiles) + len(a.AtUserIDs)
}

// Orientation values for ActionCard.BtnOrientation.
const (
	ButtonsVertical   = "0"
	ButtonsHorizontal = "1"
)

// NewText returns a text message.
func NewText(content string) Message {
	return Message{Type: TypeText, Text: &Text{Content: content}}
}

// NewMarkdown returns a markdown message.
func NewMarkdown(title, text string) Message {
	return Message{Type: TypeMarkdown, Markdown: &Markdown{Title: title, Text: text}}
}

// NewLink returns a link message.
func NewLink(title, text, messageURL, picURL string) Message {
	return Message{Type: TypeLink, Link: &Link{Title: title, Text: text, MessageURL: messageURL, PicURL: picURL}}
}

// NewActionCard returns an action card message.
func NewActionCard(card ActionCard) Message {
	return Message{Type: TypeActionCard, ActionCard: &card}
}

// NewFeedCard returns a feed card message.
func NewFeedCard(links ...FeedLink) Message {
	return Message{Type: TypeFeedCard, FeedCard: &FeedCard{Links: links}}
}

// Clone returns a deep copy, so that preparing a message never changes the caller's value.
func (m Message) Clone() Message {
	c := m
	if m.Text != nil {
		t := *m.Text
		c.Text = &t
	}
	if m.Markdown != nil {
		md := *m.Markdown
		c.Markdown = &md
	}
	if m.Link != nil {
		l := *m.Link
		c.Link = &l
	}
	if m.ActionCard != nil {
		a := *m.ActionCard
		a.Buttons = append([]Button(nil), m.ActionCard.Buttons...)
		c.ActionCard = &a
	}
	if m.FeedCard != nil {
		c.FeedCard = &FeedCard{Links: append([]FeedLink(nil), m.FeedCard.Links...)}
	}
	if m.At != nil {
		c.At = &At{
			AtMobiles: append([]string(nil), m.At.AtMobiles...),
			AtUserIDs: append([]string(nil), m.At.AtUserIDs...),
			IsAtAll:   m.At.IsAtAll,
		}
	}
	return c
}

// Title is the line DingTalk shows in the chat list and notification for this message.
func (m Message) Title() string {
	switch m.Type {
	case TypeText:
		if m.Text != nil {
			return firstLine(m.Text.Content)
		}
	case TypeMarkdown:
		if m.Markdown != nil {
			return m.Markdown.Title
		}
	case TypeLink:
		if m.Link != nil {
			return m.Link.Title
		}
	case TypeActionCard:
		if m.ActionCard != nil {
			return m.ActionCard.Title
		}
	case TypeFeedCard:
		if m.FeedCard != nil && len(m.FeedCard.Links) > 0 {
			return m.FeedCard.Links[0].Title
		}
	}
	return ""
}

// Body is the main text of the message: text content, markdown text, link or card text.
func (m Message) Body() string {
	if p, _ := m.bodyField(); p != nil {
		return *p
	}
	return ""
}

// Encode returns the exact request body DingTalk receives: compact JSON with <, > and &
// left as they are (Go's default escaping would make dry runs unreadable and bodies larger).
// Only the body matching Type is encoded, and "at" only where DingTalk reads it (text and
// markdown) and only when someone is mentioned.
func (m Message) Encode() ([]byte, error) {
	out := Message{Type: m.Type, MsgUUID: m.MsgUUID}
	switch m.Type {
	case TypeText:
		out.Text = m.Text
	case TypeMarkdown:
		out.Markdown = m.Markdown
	case TypeLink:
		out.Link = m.Link
	case TypeActionCard:
		out.ActionCard = m.ActionCard
	case TypeFeedCard:
		out.FeedCard = m.FeedCard
	}
	// Only text and markdown carry "at"; an action card mentions by @userId in its text alone.
	if !m.At.Empty() && (m.Type == TypeText || m.Type == TypeMarkdown) {
		out.At = m.At
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Indent returns body pretty-printed for people, still without HTML escaping.
func Indent(body []byte) []byte {
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		return body
	}
	return buf.Bytes()
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
