// Package match finds people in a list by what a user types, as DingTalk's own picker does:
// a name as written (any case, accents and full-width forms folded: muller finds Müller, ｔｏｍ
// finds Tom), the pinyin of a Chinese name in full, by syllable beginnings or by initials
// (zhangwei, zhang wei, zhangw, zhwei and zw find 张伟; every reading of a polyphonic character
// counts, so shan and dan find 单), Chinese and pinyin mixed (张w), a mobile number however it is
// written (138 0000 0000, +86-13800000000), a userId or any part of them.
//
// Matches rank as: the whole name, userId or number; its beginning, in whole words or syllables
// with the last one maybe cut short; initials and other shortened words from the first; a
// match starting at a later word or character, or inside a word; and last the letters of the
// name in order with a gap or two (zhagwei). A match on a mobile, userId or alias ranks a step
// below the same match on the name, unless it is the whole of it. Within a rank, fewer words
// left over come first; equal matches keep the list's order.
//
// # Using it in a picker
//
// Build one Key per person when the list is set, never while typing (about 1 µs each):
//
//	keys := make([]match.Key, len(contacts))
//	for i, c := range contacts {
//		keys[i] = match.NewKey(c.Name, c.Mobile, c.UserID)
//	}
//
// On each keystroke rank them by the text after "@" (a leading "@" is ignored, and an empty
// query keeps every person in order). RankBy puts people who cannot be mentioned in the current
// message type after all others; the picker shows them greyed, with the reason:
//
//	order := match.RankBy(typed, keys, func(i int) int {
//		if mentionable(contacts[i], msgType) {
//			return 0
//		}
//		return 1
//	})
//
// Ranking 5 000 people takes about a millisecond at most, so it can run in Update. For each row on
// screen, Key.Ranges says which runes of the name to highlight (lipgloss.StyleRunes takes rune
// indices); a person found by mobile or userId has none. When nothing matches, Mobile says
// whether the text is a mobile number to mention as typed, written as DingTalk wants it; any
// other word without spaces may be a userId.
//
// Pinyin readings come from the dictionary of github.com/mozillazg/go-pinyin (41 923 characters),
// kept without tones in pinyin.txt, which TestPinyinTable writes and checks: the package looks
// a character up there when a name is first matched, and costs nothing at start-up. Characters
// the dictionary lacks match only as themselves. Surnames are not told apart from other
// readings, so every reading of a polyphonic character matches.
package match
