package match

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key is one candidate prepared for matching: its name and the other strings that find it.
// Build it once, when the list is set; it is read-only afterwards, safe to share between
// goroutines, and cheap to copy.
type Key struct {
	name   string
	fields []field // fields[0] is the name
}

// NewKey prepares a candidate called name that is also found by each of more: a mobile number
// (matched by its digits, with or without +86, spaces or dashes), a userId, an alias. Empty
// strings are skipped.
func NewKey(name string, more ...string) Key {
	k := Key{name: name, fields: make([]field, 1, 1+len(more))}
	k.fields[0] = newField(name, true, nil)
	for _, s := range more {
		if strings.TrimSpace(s) != "" {
			k.fields = append(k.fields, newField(s, false, nil))
		}
	}
	return k
}

// Name is the name the key was built with.
func (k Key) Name() string { return k.name }

// field is one string of a key as matching sees it.
type field struct {
	// text is the string folded (lower case, no accents, full-width narrowed), its words
	// separated by single spaces.
	text  string
	units []unit
	// spell is the name typed out: each word as folded, each Chinese character as its first
	// reading. Only the name has one; the fuzzy pass reads it.
	spell string
	// bytes has bit b&63 set for every byte b of every spelling: a query with a byte outside
	// it cannot match the field's text.
	bytes uint64
	// phone is set for a field that is a phone number: digits are all its digits, local the
	// same without China's +86.
	phone         bool
	digits, local string
}

// unit is a word of a field, or one Chinese character.
type unit struct {
	at, end int32 // bytes of field.text
	rs, re  int32 // runes of the field as written
	sp      int32 // offset in field.spell
	han     bool
	first   uint64 // bit b&63 for the first byte b of each spelling
	// spellings are the ways to type the unit. A word: as folded, then with ae/oe/ue for ä/ö/ü.
	// A Chinese character: itself (typed whole or not at all), then its pinyin readings.
	spellings []string
}

// maxUnits is how many words of a field the pinyin walk looks at.
const maxUnits = 32

// newField splits s into words and Chinese characters and folds it. runeOf, when not nil,
// receives for each byte of the folded text the index of the rune of s it came from.
func newField(s string, name bool, runeOf *[]int32) field {
	var f field
	if !name {
		if d, local, ok := phoneDigits(s); ok {
			f.phone, f.digits, f.local = true, d, local
			return f
		}
	}
	b := make([]byte, 0, len(s)+len(s)/4)
	var (
		ubuf      [16]unit
		units     = ubuf[:0]
		umlauts   []int32 // bytes of b holding an a, o or u written with an umlaut
		open      bool    // the last unit is a word that may go on
		openClass class
		prevLower bool
		space     bool
		ri        int32 = -1
	)
	for _, r := range s {
		ri++
		c := classify(r)
		switch c {
		case classSep:
			open, prevLower = false, false
			space = len(b) > 0
			continue
		case classMark:
			if open {
				if r == 0x0308 && len(b) > 0 && strings.IndexByte("aou", b[len(b)-1]) >= 0 {
					umlauts = append(umlauts, int32(len(b)-1))
				}
				b, _ = appendFold(b, r)
				u := &units[len(units)-1]
				u.end, u.re = int32(len(b)), ri+1
				f.mark(runeOf, len(b), ri)
			}
			continue
		}
		if space {
			b = append(b, ' ')
			f.mark(runeOf, len(b), ri)
			space = false
		}
		at := len(b)
		var umlaut bool
		b, umlaut = appendFold(b, r)
		if umlaut {
			umlauts = append(umlauts, int32(at))
		}
		if !open || c == classHan || c != openClass || (prevLower && unicode.IsUpper(r)) {
			units = append(units, unit{at: int32(at), rs: ri, han: c == classHan})
		}
		u := &units[len(units)-1]
		u.end, u.re = int32(len(b)), ri+1
		open, openClass, prevLower = c != classHan, c, unicode.IsLower(r)
		f.mark(runeOf, len(b), ri)
	}
	f.text = string(b)
	f.units = slices.Clone(units)
	f.spellUnits(umlauts, name)
	return f
}

// mark records that the folded bytes up to n came from rune ri.
func (f *field) mark(runeOf *[]int32, n int, ri int32) {
	if runeOf == nil {
		return
	}
	for len(*runeOf) < n {
		*runeOf = append(*runeOf, ri)
	}
}

// spellUnits fills in each unit's spellings and, for a name, the spell.
func (f *field) spellUnits(umlauts []int32, name bool) {
	words := 0
	for _, u := range f.units {
		if !u.han {
			words++
		}
	}
	words += len(umlauts)
	backing := make([]string, 0, words) // never grows: the units' slices stay valid
	var spell []byte
	if name {
		spell = make([]byte, 0, len(f.text)+2*len(f.units))
	}
	for i := range f.units {
		u := &f.units[i]
		word := f.text[u.at:u.end]
		if u.han {
			r, _ := utf8.DecodeRuneInString(word)
			u.spellings = hanSpellings(r)
		} else {
			start := len(backing)
			backing = append(backing, word)
			if alt := withUmlautE(word, u.at, umlauts); alt != word {
				backing = append(backing, alt)
			}
			u.spellings = backing[start:len(backing):len(backing)]
		}
		for _, sp := range u.spellings {
			u.first |= 1 << (sp[0] & 63)
			f.bytes |= byteSet(sp)
		}
		if name {
			u.sp = int32(len(spell))
			if u.han && len(u.spellings) > 1 {
				spell = append(spell, u.spellings[1]...)
			} else {
				spell = append(spell, word...)
			}
		}
	}
	f.spell = string(spell)
}

// withUmlautE writes word (folded, starting at byte at of its field) with an e after each
// vowel that had an umlaut: Müller as mueller.
func withUmlautE(word string, at int32, umlauts []int32) string {
	var b []byte
	last := 0
	for _, p := range umlauts {
		i := int(p - at)
		if i < 0 || i >= len(word) {
			continue
		}
		b = append(append(b, word[last:i+1]...), 'e')
		last = i + 1
	}
	if b == nil {
		return word
	}
	return string(append(b, word[last:]...))
}

// byteSet has bit b&63 set for every byte b of s.
func byteSet(s string) uint64 {
	var set uint64
	for i := 0; i < len(s); i++ {
		set |= 1 << (s[i] & 63)
	}
	return set
}
