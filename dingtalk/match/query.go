package match

import (
	"strings"
	"unicode/utf8"
)

// query is what the user typed, prepared once for matching against many keys.
type query struct {
	empty bool
	// text is folded as field.text is: words separated by single spaces.
	text string
	// bare is text without separators, for the pinyin walk; cuts has bit i set when the user
	// separated words before bare[i] (a space in "zhang wei").
	bare  string
	cuts  uint64
	bytes uint64 // byteSet(bare)
	ascii bool
	// phone is set when the query could be (part of) a phone number: digits and local as in
	// field.
	phone         bool
	digits, local string
}

// maxQuery is the longest query, in bytes without separators, the pinyin walk takes on.
const maxQuery = 64

func compile(s string) query {
	var q query
	// Folded as names are, so that both agree on every rune.
	q.text = newField(s, true, nil).text
	bare := make([]byte, 0, len(q.text))
	for i := 0; i < len(q.text); i++ {
		if q.text[i] == ' ' {
			if len(bare) < maxQuery {
				q.cuts |= 1 << len(bare)
			}
			continue
		}
		bare = append(bare, q.text[i])
	}
	q.bare = string(bare)
	q.empty = q.text == ""
	q.bytes = byteSet(q.bare)
	q.ascii = true
	for i := 0; i < len(bare); i++ {
		if bare[i] >= utf8.RuneSelf {
			q.ascii = false
			break
		}
	}
	q.digits, q.local, q.phone = phoneDigits(s)
	return q
}

// phoneDigits reads s as a phone number: only digits, a leading + and the separators people
// write in numbers (spaces, dashes, dots, parentheses), full-width ones included. local drops
// China's country code: +86, 0086, or 86 before 11 digits starting with 1.
func phoneDigits(s string) (digits, local string, ok bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	var buf [32]byte
	b := buf[:0]
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= '０' && r <= '９':
			b = append(b, byte(r-'０'+'0'))
		case (r == '+' || r == '＋') && len(b) == 0 && !plus:
			plus = true
		case strings.ContainsRune(" -.()\u3000－（）", r):
		default:
			return "", "", false
		}
	}
	if len(b) == 0 {
		return "", "", false
	}
	digits = string(b)
	local = digits
	switch {
	case plus && strings.HasPrefix(digits, "86") && len(digits) > 2:
		local = digits[2:]
	case !plus && strings.HasPrefix(digits, "0086") && len(digits) > 4:
		local = digits[4:]
	case !plus && len(digits) == 13 && strings.HasPrefix(digits, "861"):
		local = digits[2:]
	}
	return digits, local, true
}
