package dingtalk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ContainsMention reports whether text already holds "@handle" as a whole word, so that
// "@138" is not mistaken for "@13800000000".
func ContainsMention(text, handle string) bool {
	needle := "@" + handle
	for i := 0; ; {
		j := strings.Index(text[i:], needle)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(needle)
		i = start + 1
		// "a@b" is an e-mail address, not a mention; "请@张三" is a mention.
		if start > 0 && isASCIIWord(text[start-1]) {
			continue
		}
		if end == len(text) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(text[end:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-') {
			return true
		}
	}
}

// MissingMentions lists the handles of m.At that its text lacks, in order. DingTalk notifies a
// person mentioned in a text or markdown message only if "@handle" also appears in the text.
func MissingMentions(m Message) []string {
	if m.At.Empty() {
		return nil
	}
	var handles []string
	switch m.Type {
	case TypeText, TypeMarkdown:
		handles = append(append(handles, m.At.AtMobiles...), m.At.AtUserIDs...)
	case TypeActionCard:
		handles = append(handles, m.At.AtUserIDs...)
	default:
		return nil
	}
	body := m.Body()
	var missing []string
	for _, h := range handles {
		if h != "" && !ContainsMention(body, h) && !contains(missing, h) {
			missing = append(missing, h)
		}
	}
	return missing
}

// InsertMentions appends "@handle" for every mentioned person the text lacks, once each, so that
// DingTalk really notifies them. It returns the handles it added. Text gets them after a space,
// markdown and action cards on a line of their own.
func InsertMentions(m *Message) []string {
	missing := MissingMentions(*m)
	body, sep := m.mentionTarget()
	if len(missing) == 0 || body == nil {
		return nil
	}
	*body = joinTail(*body, sep, "@"+strings.Join(missing, " @"))
	return missing
}

// mentionTarget is the text where mentions are written and the separator placed before them:
// a space in text messages, a paragraph of their own in markdown and action cards.
func (m *Message) mentionTarget() (*string, string) {
	switch m.Type {
	case TypeText, TypeMarkdown, TypeActionCard:
		return m.bodyField()
	}
	return nil, ""
}

// bodyField points at the message's main text and says how to separate text appended to it:
// a space in plain text, a paragraph of its own in markdown. Nil when the body is missing or the
// type has no main text (feed cards).
func (m *Message) bodyField() (*string, string) {
	switch {
	case m.Type == TypeText && m.Text != nil:
		return &m.Text.Content, " "
	case m.Type == TypeMarkdown && m.Markdown != nil:
		return &m.Markdown.Text, "\n\n"
	case m.Type == TypeLink && m.Link != nil:
		return &m.Link.Text, " "
	case m.Type == TypeActionCard && m.ActionCard != nil:
		return &m.ActionCard.Text, "\n\n"
	}
	return nil, ""
}

// joinTail appends tail to s with sep, unless s is empty or already ends with a line break.
func joinTail(s, sep, tail string) string {
	trimmed := strings.TrimRight(s, " \t")
	switch {
	case trimmed == "":
		return tail
	case strings.HasSuffix(trimmed, "\n") && sep == " ":
		return trimmed + tail
	case strings.HasSuffix(trimmed, "\n\n"):
		return trimmed + tail
	case strings.HasSuffix(trimmed, "\n"):
		return trimmed + "\n" + tail
	}
	return trimmed + sep + tail
}

func isASCIIWord(b byte) bool {
	return b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
