package match

import (
	_ "embed" // pinyinTable
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
// polyphonic character included. A character the table does not know has only itself.
func hanSpellings(r rune) []string {
	if v, ok := hanCache.Load(r); ok {
		return v.([]string)
	}
	sp := []string{string(r)}
	for reading := range strings.FieldsSeq(pinyinOf(r)) {
		sp = appendNew(sp, reading)
		if strings.Contains(reading, "v") {
			sp = appendNew(sp, strings.ReplaceAll(reading, "v", "u"))
		}
	}
	v, _ := hanCache.LoadOrStore(r, sp)
	return v.([]string)
}

// pinyinTable is go-pinyin's dictionary (github.com/mozillazg/go-pinyin v0.21.0) without
// tones: a line per character, "<hex code point> <reading>...", ü written v, sorted by code
// point. Embedded as text, it costs nothing until a name is matched, where go-pinyin's map
// costs every dingbot process 4 ms and 2 MB at start-up. TestPinyinTable writes it (-update).
//
//go:embed pinyin.txt
var pinyinTable string

// pinyinOf is r's line of pinyinTable without its code point, "" if the table lacks r: a binary
// search over the lines.
func pinyinOf(r rune) string {
	lo, hi := 0, len(pinyinTable) // a line starts in [lo, hi)
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := strings.LastIndexByte(pinyinTable[:mid], '\n') + 1
		end := start + strings.IndexByte(pinyinTable[start:], '\n')
		code, readings, _ := strings.Cut(pinyinTable[start:end], " ")
		n, err := strconv.ParseUint(code, 16, 32)
		switch {
		case err != nil:
			return ""
		case rune(n) == r:
			return readings
		case rune(n) < r:
			lo = end + 1
		default:
			hi = start
		}
	}
	return ""
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
