package cell

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrap breaks a styled line into lines at most width cells wide, at any character: the
// preview never cuts what the user wrote. Long runs of CJK text, emoji and URLs have no spaces
// to break at, so word wrapping (glamour's included) leaves them too wide. Every line after
// the first starts with indent, and carries on the styles the cut line had opened.
func Wrap(s string, width int, indent string) []string {
	width = max(1, width)
	iw := ansi.StringWidth(indent)
	if iw >= width {
		indent, iw = "", 0
	}
	var out []string
	for first := true; ; first = false {
		w := width
		prefix := ""
		if !first {
			w, prefix = width-iw, indent
		}
		if ansi.StringWidth(s) <= w {
			if first || strings.TrimSpace(ansi.Strip(s)) != "" {
				out = append(out, prefix+s)
			}
			return out
		}
		head := ansi.Truncate(s, w, "")
		hw := ansi.StringWidth(head)
		if hw == 0 {
			// A character wider than the line: it goes on a line of its own.
			head = ansi.Truncate(s, 2, "")
			hw = ansi.StringWidth(head)
		}
		out = append(out, prefix+head)
		// TruncateLeft keeps the escape codes of what it drops: the rest stays styled.
		s = ansi.TruncateLeft(s, hw, "")
	}
}

// WrapLines wraps every line of a block with Wrap, without indent.
func WrapLines(lines []string, width int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, Wrap(l, width, "")...)
	}
	return out
}

// LeadIndent is the indent a wrapped line's continuation keeps: its leading spaces and quote
// bars ("│ "), styled as in the line, at most half the width.
func LeadIndent(s string, width int) string {
	plain := ansi.Strip(s)
	n := 0
	for _, r := range plain {
		if r != ' ' && r != '│' && r != '┃' {
			break
		}
		n += ansi.StringWidth(string(r))
	}
	if n == 0 || n > width/2 {
		return ""
	}
	return ansi.Truncate(s, n, "") + "\x1b[m"
}
