// Package cell measures, cuts, pads and places styled text in terminal cells. Every cell-width
// question of the composer goes through it (x/ansi underneath), so that one place decides how
// wide a character is.
package cell

import (
	"strings"
	"sync/atomic"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
)

// eastAsian holds the rune-width condition; set once from the composer's options.
var eastAsian atomic.Pointer[runewidth.Condition]

func init() { SetEastAsian(false) }

// SetEastAsian says whether East Asian ambiguous runes are two cells wide (RUNEWIDTH_EASTASIAN).
// The composer sets it once from its Options, before the program starts.
func SetEastAsian(on bool) {
	eastAsian.Store(&runewidth.Condition{EastAsianWidth: on, StrictEmojiNeutral: true})
}

// EastAsian reports whether East Asian ambiguous runes count two cells.
func EastAsian() bool { return eastAsian.Load().EastAsianWidth }

// RuneWidth is a rune's width in cells, counted as lipgloss counts them: East Asian ambiguous
// runes are one cell unless SetEastAsian(true).
func RuneWidth(r rune) int { return eastAsian.Load().RuneWidth(r) }

// Width is the width of the widest line of s, escape codes left out.
func Width(s string) int { return lipgloss.Width(s) }

// Fit cuts (with an ellipsis) or pads a line to exactly w cells.
func Fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	// A wide character at the cut leaves a cell over: pad it.
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

// Pad pads s with spaces to w cells; a wider s stays as it is.
func Pad(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// Spread puts left and right on one line of width w, cutting left if needed.
func Spread(left, right string, w int) string {
	rw := lipgloss.Width(right)
	if lipgloss.Width(left)+rw+1 > w {
		left = ansi.Truncate(left, max(0, w-rw-1), "…")
	}
	gap := w - lipgloss.Width(left) - rw
	return left + strings.Repeat(" ", max(0, gap)) + right
}

// Overlay draws box centred over bg, a screen of w×h. A wide character the box's edge would cut
// in half is replaced by a space, so every line keeps its width and what is right of the box
// (a pane's border) stays in its column.
func Overlay(bg, box string, w, h int) string {
	lines := strings.Split(bg, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	bl := strings.Split(box, "\n")
	bw := lipgloss.Width(box)
	x := max(0, (w-bw)/2)
	y := max(0, (h-len(bl))/2)
	for i, l := range bl {
		if y+i >= len(lines) {
			break
		}
		base := Fit(lines[y+i], w)
		end := x + lipgloss.Width(l)
		left := ansi.Truncate(base, x, "")
		if lw := ansi.StringWidth(left); lw < x {
			left += "\x1b[m" + strings.Repeat(" ", x-lw)
		}
		right := ansi.TruncateLeft(base, end, "")
		if rw, want := ansi.StringWidth(right), max(0, w-end); rw > want {
			// The first character straddles the edge: drop it for spaces.
			right = ansi.TruncateLeft(base, end+1, "")
			right = strings.Repeat(" ", max(0, want-ansi.StringWidth(right))) + right
		} else if rw < want {
			right = strings.Repeat(" ", want-rw) + right
		}
		lines[y+i] = left + l + right
	}
	return strings.Join(lines, "\n")
}

// Rule is a horizontal line w cells wide.
func Rule(w int) string { return strings.Repeat("─", max(0, w)/lipgloss.Width("─")) }

// Center centres s in w cells.
func Center(s string, w int) string {
	return lipgloss.PlaceHorizontal(w, lipgloss.Center, s)
}

// Truncate cuts s to w cells (at least one), ending in an ellipsis when cut.
func Truncate(s string, w int) string { return ansi.Truncate(s, max(1, w), "…") }

// OneLine folds runs of white space, newlines included, into single spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
