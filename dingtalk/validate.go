package dingtalk

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxBodyBytes is the largest request body DingTalk accepts (errcode 460101 beyond it).
const MaxBodyBytes = 20000

// MaxMentions is the most people one message may mention individually.
const MaxMentions = 50

// mobilePattern is a mainland China mobile (11 digits starting with 1) or, outside the mainland,
// "+CC-number" with a 1–4 digit country code and 4–14 digits, as DingTalk writes them.
var mobilePattern = regexp.MustCompile(`^(1\d{10}|\+\d{1,4}-\d{4,14})$`)

// ValidMobile reports whether s is written as DingTalk expects a mobile number: 11 digits in
// mainland China ("13800000000") or "+CC-number" elsewhere ("+852-12345678").
func ValidMobile(s string) bool { return mobilePattern.MatchString(s) }

// MobileRule says how a mobile number must be written, for error messages.
const MobileRule = "a mainland China mobile is 11 digits starting with 1 (13800000000); elsewhere write +CC-number (+852-12345678)"

// Validate checks a message against DingTalk's rules for its type: required fields, URL
// schemes, button settings and mentions. It does not check the encoded size; Prepare does.
func Validate(m Message) error {
	var v validator
	v.checkUTF8(m)
	v.message(m)
	return v.err()
}

type validator struct{ problems []Problem }

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

func (v *validator) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		v.add(field, "is required and must not be empty")
	}
}

func (v *validator) url(field, value string, required bool) {
	if value == "" {
		if required {
			v.add(field, "is required")
		}
		return
	}
	if err := checkURL(value); err != nil {
		v.add(field, "%v", err)
	}
}

// picture checks an image URL: DingTalk fetches it, so only http(s) makes sense.
func (v *validator) picture(field, value string, required bool) {
	v.url(field, value, required)
	if value != "" && strings.HasPrefix(value, "dingtalk:") {
		v.add(field, "%q: a picture URL must start with http:// or https://", value)
	}
}

// checkURL accepts http(s) URLs with a host and dingtalk:// links.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL", s)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host", s)
		}
		return nil
	case "dingtalk":
		return nil
	}
	return fmt.Errorf("%q must start with http://, https:// or dingtalk://", s)
}

func (v *validator) message(m Message) {
	switch m.Type {
	case TypeText:
		if m.Text == nil {
			v.add("text", "a text message needs text.content")
			return
		}
		v.required("text.content", m.Text.Content)
	case TypeMarkdown:
		if m.Markdown == nil {
			v.add("markdown", "a markdown message needs a title and text")
			return
		}
		v.required("markdown.title", m.Markdown.Title)
		v.required("markdown.text", m.Markdown.Text)
	case TypeLink:
		if m.Link == nil {
			v.add("link", "a link message needs title, text and messageUrl")
			return
		}
		v.required("link.title", m.Link.Title)
		v.required("link.text", m.Link.Text)
		v.url("link.messageUrl", m.Link.MessageURL, true)
		v.picture("link.picUrl", m.Link.PicURL, false)
	case TypeActionCard:
		if m.ActionCard == nil {
			v.add("actionCard", "an action card needs title, text and a button")
			return
		}
		v.actionCard(m.ActionCard)
	case TypeFeedCard:
		if m.FeedCard == nil || len(m.FeedCard.Links) == 0 {
			v.add("feedCard.links", "a feed card needs at least one link")
			return
		}
		for i, l := range m.FeedCard.Links {
			f := fmt.Sprintf("feedCard.links[%d]", i)
			v.required(f+".title", l.Title)
			v.url(f+".messageURL", l.MessageURL, true)
			v.picture(f+".picURL", l.PicURL, true)
		}
	case "":
		v.add("msgtype", "is required: text, markdown, link, actionCard or feedCard")
		return
	default:
		v.add("msgtype", "%q is not a DingTalk message type: use text, markdown, link, actionCard or feedCard", m.Type)
		return
	}
	v.mentions(m)
}

func (v *validator) actionCard(a *ActionCard) {
	v.required("actionCard.title", a.Title)
	v.required("actionCard.text", a.Text)
	single := a.SingleTitle != "" || a.SingleURL != ""
	switch {
	case single && len(a.Buttons) > 0:
		v.add("actionCard", "set either singleTitle and singleURL (one button for the whole card) or btns, not both: DingTalk ignores btns when singleTitle is set")
	case single:
		v.required("actionCard.singleTitle", a.SingleTitle)
		v.url("actionCard.singleURL", a.SingleURL, true)
	case len(a.Buttons) == 0:
		v.add("actionCard", "needs a button: singleTitle and singleURL, or btns with a title and actionURL each")
	}
	for i, b := range a.Buttons {
		f := fmt.Sprintf("actionCard.btns[%d]", i)
		v.required(f+".title", b.Title)
		v.url(f+".actionURL", b.ActionURL, true)
	}
	if o := a.BtnOrientation; o != "" && o != "0" && o != "1" {
		v.add("actionCard.btnOrientation", `is %q: use "0" for buttons stacked vertically or "1" for side by side`, o)
	}
	if h := a.HideAvatar; h != "" && h != "0" && h != "1" {
		v.add("actionCard.hideAvatar", `is %q: use "0" to show the robot's avatar or "1" to hide it`, h)
	}
}

func (v *validator) mentions(m Message) {
	at := m.At
	if at.Empty() {
		return
	}
	switch m.Type {
	case TypeLink, TypeFeedCard:
		v.add("at", "%s messages cannot mention anyone: use text, markdown or an action card", m.Type)
		return
	case TypeActionCard:
		if len(at.AtMobiles) > 0 || at.IsAtAll {
			v.add("at", "an action card can only mention by userId (written as @userId in its text); mobiles and @all need a text or markdown message")
		}
	}
	if n := at.Count(); n > MaxMentions {
		v.add("at", "mentions %d people; DingTalk allows at most %d in one message", n, MaxMentions)
	}
	for i, mob := range at.AtMobiles {
		if !ValidMobile(mob) {
			v.add(fmt.Sprintf("at.atMobiles[%d]", i), "%q is not a mobile number: %s", mob, MobileRule)
		}
	}
	for i, id := range at.AtUserIDs {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, " \t\r\n@") {
			v.add(fmt.Sprintf("at.atUserIds[%d]", i), "%q is not a DingTalk userId", id)
		}
	}
}
