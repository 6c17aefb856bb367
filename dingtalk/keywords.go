package dingtalk

import "strings"

// visibleText gathers every field of m that people read, where DingTalk looks for keywords.
func visibleText(m Message) []string {
	var out []string
	switch m.Type {
	case TypeText:
		if m.Text != nil {
			out = append(out, m.Text.Content)
		}
	case TypeMarkdown:
		if m.Markdown != nil {
			out = append(out, m.Markdown.Title, m.Markdown.Text)
		}
	case TypeLink:
		if m.Link != nil {
			out = append(out, m.Link.Title, m.Link.Text)
		}
	case TypeActionCard:
		if a := m.ActionCard; a != nil {
			out = append(out, a.Title, a.Text, a.SingleTitle)
			for _, b := range a.Buttons {
				out = append(out, b.Title)
			}
		}
	case TypeFeedCard:
		if m.FeedCard != nil {
			for _, l := range m.FeedCard.Links {
				out = append(out, l.Title)
			}
		}
	}
	return out
}

// MatchKeyword returns the first of keywords that the message's title or text contains, and
// whether one does. With no keywords every message matches.
func MatchKeyword(m Message, keywords []string) (string, bool) {
	if len(keywords) == 0 {
		return "", true
	}
	texts := visibleText(m)
	for _, k := range keywords {
		if k == "" {
			continue
		}
		for _, t := range texts {
			if strings.Contains(t, k) {
				return k, true
			}
		}
	}
	return "", false
}

// AppendKeyword adds keyword to the end of the message's main text (for a feed card, to the
// first item's title) so that a robot secured by keywords accepts it.
func AppendKeyword(m *Message, keyword string) {
	if body, sep := m.bodyField(); body != nil {
		*body = joinTail(*body, sep, keyword)
		return
	}
	if m.Type == TypeFeedCard && m.FeedCard != nil && len(m.FeedCard.Links) > 0 {
		m.FeedCard.Links[0].Title = joinTail(m.FeedCard.Links[0].Title, " ", keyword)
	}
}
