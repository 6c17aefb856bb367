package cell

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapKeepsStylesAndIndent(t *testing.T) {
	line := "\x1b[1m│ \x1b[0m\x1b[31m" + strings.Repeat("中", 12) + "\x1b[0m"
	got := Wrap(line, 10, LeadIndent(line, 10))
	if len(got) != 3 {
		t.Fatalf("%d lines: %q", len(got), got)
	}
	for i, l := range got {
		if w := ansi.StringWidth(l); w > 10 {
			t.Errorf("line %d is %d cells: %q", i, w, l)
		}
		if !strings.HasPrefix(ansi.Strip(l), "│ ") {
			t.Errorf("line %d lost the quote bar: %q", i, ansi.Strip(l))
		}
		if i > 0 && !strings.Contains(l, "\x1b[31m") {
			t.Errorf("line %d lost its colour: %q", i, l)
		}
	}
	if joined := strings.ReplaceAll(ansi.Strip(strings.Join(got, "")), "│ ", ""); joined != strings.Repeat("中", 12) {
		t.Errorf("text changed: %q", joined)
	}
}

func TestFitIsExactlyTheWidth(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 4, "abc…"},
		{"中文中文", 4, "中… "}, // the ellipsis leaves a cell a wide rune cannot fill
		{"中文", 4, "中文"},
		{"\x1b[1m中文中文\x1b[m", 6, "中文… "},
	}
	for _, c := range cases {
		got := Fit(c.in, c.w)
		if ansi.Strip(got) != c.want || ansi.StringWidth(got) != c.w {
			t.Errorf("Fit(%q, %d) = %q (%d cells), want %q", c.in, c.w, got, ansi.StringWidth(got), c.want)
		}
	}
}

// A box drawn over wide characters never cuts one in half: the halves become spaces, and every
// line keeps the screen's width, so a border right of the box stays in its column.
func TestOverlayIsWideCharacterSafe(t *testing.T) {
	box := "+--+\n|ok|\n+--+"
	for w := 9; w <= 14; w++ {
		for shift := 0; shift < 2; shift++ {
			row := strings.Repeat(" ", shift) + strings.Repeat("中", (w-shift-1)/2)
			row = Pad(row, w-1) + "│"
			bg := strings.Join([]string{row, "\x1b[31m" + row + "\x1b[m", row, row, row}, "\n")
			got := strings.Split(Overlay(bg, box, w, 5), "\n")
			if len(got) != 5 {
				t.Fatalf("w=%d: %d lines", w, len(got))
			}
			x := (w - 4) / 2
			for i, l := range got {
				plain := ansi.Strip(l)
				if cw := ansi.StringWidth(l); cw != w {
					t.Errorf("w=%d shift=%d line %d is %d cells: %q", w, shift, i, cw, plain)
				}
				if !strings.HasSuffix(plain, "│") {
					t.Errorf("w=%d shift=%d line %d lost its border: %q", w, shift, i, plain)
				}
				if i >= 1 && i <= 3 {
					if mid := ansi.Cut(l, x, x+4); ansi.Strip(mid) != strings.Split(box, "\n")[i-1] {
						t.Errorf("w=%d shift=%d line %d: box at %d is %q: %q", w, shift, i, x, ansi.Strip(mid), plain)
					}
				}
				if strings.ContainsRune(plain, '\uFFFD') {
					t.Errorf("w=%d shift=%d line %d holds half a character: %q", w, shift, i, plain)
				}
			}
		}
	}
}

func TestOverlayOverAShortScreen(t *testing.T) {
	got := Overlay("ab", "[x]", 7, 3)
	want := "ab\n  [x]  \n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
