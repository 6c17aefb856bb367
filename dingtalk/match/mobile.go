package match

import (
	"strings"
	"unicode/utf8"
)

// Mobile reads a mobile number typed in any common way and writes it as DingTalk expects:
// "138 0000 0000", "+86-138-0000-0000" and "８６１３８００００００００" give 13800000000;
// "+852 1234 5678" gives +852-12345678. Outside China the country code must be followed by a
// space or dash, since it cannot be told from the number otherwise. ok is false for anything
// else, such as a name, a userId or a number too short to be a mobile.
func Mobile(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	digits, local, ok := phoneDigits(s)
	if !ok {
		return "", false
	}
	plus := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "＋")
	if mainland(local) && (!plus || local != digits) {
		return local, true
	}
	if !plus {
		return "", false
	}
	// +CC then a separator: the country code is the first group of digits.
	_, n := utf8.DecodeRuneInString(s)
	rest := s[n:]
	end := strings.IndexFunc(rest, func(r rune) bool { return !('0' <= r && r <= '9' || '０' <= r && r <= '９') })
	if end <= 0 {
		return "", false
	}
	cc, _, _ := phoneDigits(rest[:end])
	number, _, _ := phoneDigits(rest[end:])
	if len(cc) > 4 || len(number) < 4 || len(number) > 14 || !strings.HasSuffix(digits, number) {
		return "", false
	}
	if cc == "86" && mainland(number) {
		return number, true
	}
	return "+" + cc + "-" + number, true
}

// mainland reports whether s is a mainland China mobile: 11 digits starting with 1.
func mainland(s string) bool { return len(s) == 11 && s[0] == '1' }
