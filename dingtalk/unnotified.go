package dingtalk

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unnotified is an @handle written in a message's text that notifies nobody, with the reason.
type Unnotified struct {
	Handle string // as written, without the @
	Reason string
}

// UnnotifiedHandles finds @mobile handles typed into the text that DingTalk will not turn into a
// notification: in text and markdown a mobile notifies only when it is also listed in
// at.atMobiles; action cards notify only by @userId, so a mobile there never notifies; link and
// feed cards notify nobody at all. Only handles that look like mobiles are reported: a word
// after @ may be a userId or just text, and cannot be told apart.
func UnnotifiedHandles(m Message) []Unnotified {
	body := m.Body()
	if !strings.Contains(body, "@") {
		return nil
	}
	var out []Unnotified
	seen := map[string]bool{}
	for _, h := range mobileHandles(body) {
		if seen[h] {
			continue
		}
		seen[h] = true
		switch m.Type {
		case TypeText, TypeMarkdown:
			if m.At != nil && contains(m.At.AtMobiles, h) {
				continue
			}
			out = append(out, Unnotified{h, "it is only written in the text; mention the number (at.atMobiles) to notify them"})
		case TypeActionCard:
			out = append(out, Unnotified{h, "action cards notify only by @userId (at.atUserIds); a mobile here is plain text"})
		case TypeLink:
			out = append(out, Unnotified{h, "link messages cannot notify anyone; text, markdown and action cards can"})
		}
	}
	return out
}

// unnotifiedWarnings turns UnnotifiedHandles into Prepare warnings.
func unnotifiedWarnings(m Message) []Warning {
	var ws []Warning
	for _, u := range UnnotifiedHandles(m) {
		ws = append(ws, Warning{Field: "at", Message: fmt.Sprintf("@%s notifies nobody: %s", u.Handle, u.Reason)})
	}
	return ws
}

// mobileHandles returns the handles after @ that are valid mobiles (13800000000, +852-12345678),
// written as whole words: not inside an e-mail address, not followed by more digits or letters.
func mobileHandles(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && isASCIIWord(text[i-1])) {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == '+' && j == i+1 || text[j] == '-' || text[j] >= '0' && text[j] <= '9') {
			j++
		}
		h := strings.TrimRight(text[i+1:j], "-")
		end := i + 1 + len(h)
		if h == "" || !ValidMobile(h) {
			continue
		}
		if end < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[end:]); unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
				continue
			}
		}
		out = append(out, h)
		i = end - 1
	}
	return out
}
