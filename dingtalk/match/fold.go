package match

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// class is what a rune of a name is to the word splitter.
type class uint8

const (
	classSep    class = iota // spaces, punctuation, symbols: between words
	classHan                 // a Chinese character: a word of its own
	classLetter              // part of a word
	classDigit               // part of a number
	classMark                // a combining mark: belongs to the rune before it
)

func classify(r rune) class {
	switch {
	case r < 0x80:
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return classLetter
		case '0' <= r && r <= '9':
			return classDigit
		}
		return classSep
	case isHan(r):
		return classHan
	case unicode.IsMark(r):
		return classMark
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsDigit(r):
		return classDigit
	}
	return classSep
}

func isHan(r rune) bool { return r >= 0x2E80 && unicode.Is(unicode.Han, r) }

// special folds the letters that lose nothing a user would type by dropping a mark, but that
// Unicode does not decompose.
var special = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ł': "l", 'Ł': "l",
	'ı': "i", 'ħ': "h", 'Ħ': "h", 'ŋ': "n", 'Ŋ': "n",
}

// appendFold appends r as matching sees it: lower case, without accents, full-width forms
// narrowed, ligatures spelled out. umlaut reports an ä, ö or ü (German also writes ae, oe, ue).
func appendFold(b []byte, r rune) (_ []byte, umlaut bool) {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r)), false
	case isHan(r):
		return utf8.AppendRune(b, r), false
	}
	if s, ok := special[r]; ok {
		return append(b, s...), false
	}
	// Compatibility decomposition: full-width and half-width forms, ligatures, accents. Kana and
	// Hangul are left whole: decomposing them would change what a user typed.
	if !decomposes(r) {
		return utf8.AppendRune(b, unicode.ToLower(r)), false
	}
	var in [utf8.UTFMax]byte
	var buf [4 * utf8.UTFMax]byte
	d := norm.NFKD.Append(buf[:0], in[:utf8.EncodeRune(in[:], r)]...)
	var last rune
	for len(d) > 0 {
		c, n := utf8.DecodeRune(d)
		d = d[n:]
		switch {
		case c == 0x0308 && (last == 'a' || last == 'o' || last == 'u'):
			umlaut = true
		case unicode.Is(unicode.Mn, c):
		default:
			c = unicode.ToLower(c)
			if s, ok := special[c]; ok {
				b = append(b, s...)
			} else {
				b = utf8.AppendRune(b, c)
			}
			last = c
		}
	}
	return b, umlaut
}

// decomposes reports whether r goes through compatibility decomposition: Latin, Greek,
// Cyrillic and symbols, the ideographic space, Latin ligatures, full-width and half-width forms.
func decomposes(r rune) bool {
	return r < 0x3040 || (r >= 0xFB00 && r <= 0xFB06) || (r >= 0xFF00 && r <= 0xFFEF)
}

// foldString folds s whole, for tests and small inputs.
func foldString(s string) string {
	var b []byte
	for _, r := range s {
		b, _ = appendFold(b, r)
	}
	return string(b)
}

// hanCache holds each Chinese character's spellings once computed: names share few characters.
var hanCache sync.Map // rune → []string

// hanSpellings are the ways to type the Chinese character r: the character itself first, then
// each of its readings in pinyin without tones (ü written both v and u), every reading of a
// polyphonic character included. A character go-pinyin does not know has only itself.
func hanSpellings(r rune) []string {
	if v, ok := hanCache.Load(r); ok {
		return v.([]string)
	}
	sp := []string{string(r)}
	if readings, ok := pinyin.PinyinDict[int(r)]; ok {
		for _, reading := range strings.Split(readings, ",") {
			plain, withV := toneless(reading)
			sp = appendNew(sp, plain)
			if withV {
				sp = appendNew(sp, strings.ReplaceAll(plain, "v", "u"))
			}
		}
	}
	v, _ := hanCache.LoadOrStore(r, sp)
	return v.([]string)
}

// toneless writes a pinyin reading without its tone marks, ü as v.
func toneless(reading string) (string, bool) {
	b := make([]byte, 0, len(reading))
	withV := false
	for _, c := range norm.NFD.String(reading) {
		switch {
		case c == 0x0308 && len(b) > 0 && b[len(b)-1] == 'u':
			b[len(b)-1], withV = 'v', true
		case c == 'ü':
			b, withV = append(b, 'v'), true
		case unicode.Is(unicode.Mn, c):
		case c < 0x80:
			b = append(b, byte(unicode.ToLower(c)))
		default:
			b = utf8.AppendRune(b, unicode.ToLower(c))
		}
	}
	return string(b), withV
}

func appendNew(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
