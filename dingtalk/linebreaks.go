package dingtalk

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// SoftBreaksJoined prepares markdown for a terminal renderer that keeps every line break of a
// paragraph (glamour.WithPreservedNewLines), so that it breaks lines where DingTalk does: a
// soft break (a "\n" alone) becomes a space, with the next line's indentation and quote
// markers; a hard break ("two spaces + \n") stays. hard reports whether md has any hard break:
// without one, md is returned as it is and a renderer that joins lines shows it right.
func SoftBreaksJoined(md string) (out string, hard bool) {
	if !strings.Contains(md, "  \n") && !strings.Contains(md, "\\\n") {
		return md, false
	}
	src := []byte(md)
	doc := lintParser.Parse(text.NewReader(src))
	var texts []*ast.Text
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*ast.Text); ok && entering {
			texts = append(texts, t)
			hard = hard || t.HardLineBreak()
		}
		return ast.WalkContinue, nil
	})
	if !hard {
		return md, false
	}
	var b strings.Builder
	last := 0
	for i, t := range texts[:len(texts)-1] {
		if !t.SoftLineBreak() || t.HardLineBreak() {
			continue
		}
		stop, next := t.Segment.Stop, texts[i+1].Segment.Start
		if stop < last || next <= stop || strings.Count(md[stop:next], "\n") != 1 || strings.Trim(md[stop:next], " \t\r\n>") != "" {
			continue
		}
		b.WriteString(md[last:stop])
		b.WriteByte(' ')
		last = next
	}
	b.WriteString(md[last:])
	return b.String(), true
}
