package relay

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// mention adds the contacts that rt.MentionLabel names in the payload and in the request's
// header of that name to msg.At, and writes their @handles into the text so that DingTalk
// notifies them. A name that matches no contact, or that the message type cannot mention,
// is logged; it never fails the request.
func (s *Server) mention(r *http.Request, rt *route, data any, msg *dingtalk.Message) {
	if rt.MentionLabel == "" {
		return
	}
	var names []string
	for _, v := range source.Values(data, rt.MentionLabel) {
		names = appendNames(names, v)
	}
	fromPayload := len(names)
	for _, v := range r.Header.Values(rt.MentionLabel) {
		names = appendNames(names, v)
	}
	if len(names) == 0 {
		return
	}
	at := dingtalk.At{}
	if msg.At != nil {
		at = *msg.At
	}
	for i, name := range names {
		// A header's value is never logged: it could be anything the sender put there.
		shown := "a value of the " + http.CanonicalHeaderKey(rt.MentionLabel) + " header"
		if i < fromPayload {
			shown = strconv.Quote(clip(name, 64))
		}
		c, ok := findContact(s.o.Contacts, name)
		if !ok {
			s.log.Warn("mention", "route", rt.Path, "label", rt.MentionLabel, "error", shown+" names no contact (by name, mobile or user_id): add it to [[contacts]]")
			continue
		}
		switch {
		case msg.Type == dingtalk.TypeLink || msg.Type == dingtalk.TypeFeedCard:
			s.log.Warn("mention", "route", rt.Path, "label", rt.MentionLabel, "error", "template "+rt.Template+" renders a "+msg.Type.Name()+", which cannot mention anyone")
			return
		case at.Count() >= dingtalk.MaxMentions:
			s.log.Warn("mention", "route", rt.Path, "label", rt.MentionLabel, "error", "DingTalk mentions at most 50 people a message: the others are left out")
			return
		case msg.Type == dingtalk.TypeActionCard && c.UserID == "":
			s.log.Warn("mention", "route", rt.Path, "label", rt.MentionLabel, "error", "contact "+c.Name+" has no user_id, which an action card needs to mention")
		case msg.Type == dingtalk.TypeActionCard:
			at.AtUserIDs = appendUnique(at.AtUserIDs, c.UserID)
		case c.Mobile != "":
			at.AtMobiles = appendUnique(at.AtMobiles, c.Mobile)
		case c.UserID != "":
			at.AtUserIDs = appendUnique(at.AtUserIDs, c.UserID)
		default:
			s.log.Warn("mention", "route", rt.Path, "label", rt.MentionLabel, "error", "contact "+c.Name+" has neither mobile nor user_id")
		}
	}
	if !at.Empty() {
		msg.At = &at
		dingtalk.InsertMentions(msg)
	}
}

// findContact matches a value to a contact by whole name (case-insensitive), or by mobile or
// userId. Unlike Contacts.Find it takes no prefix: a label is not a person typing a name, and
// "al" must not notify Alice.
func findContact(cs dingtalk.Contacts, v string) (dingtalk.Contact, bool) {
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "@"))
	if v == "" {
		return dingtalk.Contact{}, false
	}
	for _, c := range cs {
		if strings.EqualFold(c.Name, v) {
			return c, true
		}
	}
	return cs.ByHandle(v)
}

// appendNames adds the comma-separated names of v, trimmed, once each.
func appendNames(names []string, v string) []string {
	for n := range strings.SplitSeq(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = appendUnique(names, n)
		}
	}
	return names
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
