package dingtalk

import (
	"fmt"
	"regexp"
	"strings"
)

// Warning is advice about a message that DingTalk will accept but may not show as intended.
// Line is 1-based within the field's text, or 0 when the warning is not about one line.
type Warning struct {
	Field   string `json:"field,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	s := w.Message
	if w.Line > 0 {
		s = fmt.Sprintf("line %d: %s", w.Line, s)
	}
	if w.Field != "" {
		s = w.Field + ": " + s
	}
	return s
}

var (
	fencePattern     = regexp.MustCompile("^\\s{0,3}(```|~~~)")
	tableSepPattern  = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
	htmlTagPattern   = regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>`)
	strikePattern    = regexp.MustCompile(`~~[^~\s][^~]*~~`)
	blockStart       = regexp.MustCompile(`^\s{0,3}([#>|]|[-*+]\s|\d+[.)]\s|!\[|<font)`)
	inlineCodeMarker = regexp.MustCompile("`[^`]*`")
)

// LintMarkdown warns about markdown that DingTalk renders inconsistently or not at all:
// tables and code blocks (PC only), HTML other than <font> (blank on phones), strikethrough
// (not supported), and single line breaks (shown as spaces).
func LintMarkdown(text string) []Warning {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []Warning
	var softBreaks []int
	inFence := false
	seenTag := map[string]bool{}
	for i, line := range lines {
		n := i + 1
		if fencePattern.MatchString(line) {
			if !inFence {
				out = append(out, Warning{Line: n, Message: "code blocks render only on DingTalk for PC; phones show the raw text"})
			}
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if i+1 < len(lines) && strings.Contains(line, "|") && tableSepPattern.MatchString(lines[i+1]) && strings.Contains(lines[i+1], "|") {
			out = append(out, Warning{Line: n, Message: "tables render only on DingTalk for PC; phones show the raw text"})
		}
		plain := inlineCodeMarker.ReplaceAllString(line, "")
		for _, m := range htmlTagPattern.FindAllStringSubmatch(plain, -1) {
			tag := strings.ToLower(m[1])
			if tag == "font" || seenTag[tag] {
				continue
			}
			seenTag[tag] = true
			out = append(out, Warning{Line: n, Message: fmt.Sprintf("HTML <%s> renders on PC but shows blank on phones; only <font color=…> is safe", tag)})
		}
		if strikePattern.MatchString(plain) {
			out = append(out, Warning{Line: n, Message: "strikethrough (~~text~~) is not part of DingTalk's markdown"})
		}
		if i+1 < len(lines) && softBreak(line, lines[i+1]) {
			softBreaks = append(softBreaks, n)
		}
	}
	if len(softBreaks) > 0 {
		nums := make([]string, len(softBreaks))
		for i, n := range softBreaks {
			nums[i] = fmt.Sprint(n)
		}
		noun := "line " + nums[0]
		if len(nums) > 1 {
			noun = "lines " + strings.Join(nums, ", ")
		}
		out = append(out, Warning{Line: softBreaks[0], Message: fmt.Sprintf("single line break after %s is shown as a space: end the line with two spaces or leave a blank line", noun)})
	}
	return out
}

// softBreak reports whether the break between line and next is one DingTalk joins into a space.
func softBreak(line, next string) bool {
	if strings.TrimSpace(line) == "" || strings.TrimSpace(next) == "" {
		return false
	}
	if strings.HasSuffix(line, "  ") || strings.HasSuffix(line, "\\") || strings.HasSuffix(strings.TrimSpace(line), "<br>") {
		return false
	}
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "|") || fencePattern.MatchString(next) {
		return false
	}
	if blockStart.MatchString(next) || tableSepPattern.MatchString(next) {
		return false
	}
	return true
}
