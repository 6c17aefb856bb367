package match

import (
	"testing"
	"unicode/utf8"
)

// FuzzMatch: any name and query, however odd, match without panicking, the ranges fall inside
// the name in order, and a key ranks as its score says.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"张伟", "zw"}, {"Müller", "mueller"}, {"Mu\u0308ller", "mul"}, {"Jean-Luc Picard", "jlp"},
		{"Ｔｏｍ", "ｔｏ"}, {"单田芳", "shan tian"}, {"Strauß", "straus"}, {"a\xffb", "\xff"},
		{"", "@"}, {"13800000000", "+86 138"}, {"ǅemal", "dz"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, query string) {
		k := NewKey(name, query, "13800000000")
		score, ok := k.Match(query)
		rs := k.Ranges(query)
		n := utf8.RuneCountInString(name)
		end := 0
		for _, r := range rs {
			if r.Start < end || r.End <= r.Start || r.End > n {
				t.Fatalf("Ranges(%q, %q) = %v: out of order or outside %d runes", name, query, rs, n)
			}
			end = r.End
		}
		if !ok {
			t.Fatalf("%q does not match a key built with it as a field", query)
		}
		other := NewKey("x")
		if s2, ok2 := other.Match(query); ok2 && s2 > score {
			if got := Rank(query, []Key{k, other}); got[0] != 1 {
				t.Fatalf("Rank puts %v first, scores %d and %d", got, score, s2)
			}
		}
	})
}
