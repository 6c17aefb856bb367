package match

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite pinyin.txt from go-pinyin's dictionary")

// TestPinyinTable checks that pinyin.txt is go-pinyin's dictionary without tones, every
// character and every reading; -update writes it.
func TestPinyinTable(t *testing.T) {
	runes := make([]int, 0, len(pinyin.PinyinDict))
	for r := range pinyin.PinyinDict {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	var b strings.Builder
	for _, r := range runes {
		fmt.Fprintf(&b, "%x", r)
		var seen []string
		for _, reading := range strings.Split(pinyin.PinyinDict[r], ",") {
			plain := toneless(reading)
			if plain == "" || strings.Trim(plain, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Fatalf("%c: reading %q is %q without its tone", rune(r), reading, plain)
			}
			if !slices.Contains(seen, plain) {
				seen = append(seen, plain)
				b.WriteString(" " + plain)
			}
		}
		b.WriteByte('\n')
	}
	want := b.String()
	if *update {
		if err := os.WriteFile("pinyin.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if pinyinTable != want {
		t.Fatalf("pinyin.txt is not go-pinyin's dictionary without tones: run go test ./dingtalk/match -run TestPinyinTable -update")
	}
	// Every character is found by the binary search, and nothing between them.
	for i, r := range runes {
		if got := pinyinOf(rune(r)); got == "" {
			t.Fatalf("pinyinOf(%c) = %q", rune(r), got)
		}
		if i > 0 && runes[i-1] < r-1 && pinyinOf(rune(r-1)) != "" {
			t.Fatalf("pinyinOf(%U), not in the dictionary, = %q", r-1, pinyinOf(rune(r-1)))
		}
	}
	for _, r := range []rune{0, 'a', 0x3006, 0x10FFFF} {
		if got := pinyinOf(r); got != "" {
			t.Errorf("pinyinOf(%U) = %q", r, got)
		}
	}
}

// toneless writes a pinyin reading without its tone marks, ü as v.
func toneless(reading string) string {
	b := make([]byte, 0, len(reading))
	for _, c := range norm.NFD.String(reading) {
		switch {
		case c == 0x0308 && len(b) > 0 && b[len(b)-1] == 'u':
			b[len(b)-1] = 'v'
		case c == 'ü':
			b = append(b, 'v')
		case unicode.Is(unicode.Mn, c):
		default:
			b = utf8.AppendRune(b, unicode.ToLower(c))
		}
	}
	return string(b)
}
