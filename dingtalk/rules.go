package dingtalk

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// Construct is a piece of markdown (in a markdown message or an action card) that DingTalk's
// clients show in their own way.
type Construct int

const (
	ConstructHeading Construct = iota
	ConstructList
	ConstructQuote
	ConstructLink
	ConstructImage
	ConstructFont
	ConstructTable
	ConstructFencedCode
	ConstructIndentedCode
	ConstructHTML
	ConstructStrike
	// ConstructMention is an @mobile or @userId in a markdown message or an action card;
	// ConstructTextMention one in a text message.
	ConstructMention
	ConstructTextMention
	numConstructs
)

// Rendering is how a client shows a construct.
type Rendering int

const (
	// NotStated: the reference says nothing of it (for a phone with the new renderer: as
	// without it).
	NotStated Rendering = iota
	// Rendered: as markdown means it (a table drawn, an @name highlighted and tappable).
	Rendered
	// RawText: the markdown as typed, as plain text.
	RawText
	// Blank: nothing at all.
	Blank
	// Unhighlighted: the text shows, but as plain text (an @name neither highlighted nor
	// tappable, though it still notifies).
	Unhighlighted
	// Undocumented: DingTalk does not document it and the clients show it differently.
	Undocumented
)

func (r Rendering) String() string {
	switch r {
	case Rendered:
		return "rendered"
	case RawText:
		return "raw text"
	case Blank:
		return "blank"
	case Unhighlighted:
		return "not highlighted"
	case Undocumented:
		return "undocumented, differs"
	}
	return "not stated"
}

// RenderRule is how DingTalk for PC and for phones show one construct, from the reference
// (shared/dingtalk-robot-api.md, "Markdown that DingTalk renders"). Phone is a phone in an
// organisation without DingTalk's new server-side markdown renderer (rolled out since 2026,
// organisation by organisation); PhoneNew one with it, where the reference says.
type RenderRule struct {
	Construct Construct
	// Name is what the construct is called in messages ("tables").
	Name     string
	PC       Rendering
	Phone    Rendering
	PhoneNew Rendering
	// Warning is what the lint says where the construct appears, "" for nothing; Warnings is
	// the same of several (HTML names its tags: %s). Both agree with PC, Phone and PhoneNew
	// (TestRenderRulesWarningsAgree).
	Warning, Warnings string
}

// OnPhone is how a phone shows the construct: without the new renderer, or with it (where the
// reference says nothing of the new renderer, as without it).
func (r RenderRule) OnPhone(newRenderer bool) Rendering {
	if newRenderer && r.PhoneNew != NotStated {
		return r.PhoneNew
	}
	return r.Phone
}

// Differs reports whether PC and a phone without the new renderer show the construct
// differently.
func (r RenderRule) Differs() bool { return r.PC != r.Phone || r.PC == Undocumented }

// renderRules is the table, in Construct order.
var renderRules = [numConstructs]RenderRule{
	{Construct: ConstructHeading, Name: "headings # to ######", PC: Rendered, Phone: Rendered},
	{Construct: ConstructList, Name: "lists (- item, 1. item)", PC: Rendered, Phone: Rendered},
	{Construct: ConstructQuote, Name: "quotes (> text)", PC: Rendered, Phone: Rendered},
	{Construct: ConstructLink, Name: "links [text](url)", PC: Rendered, Phone: Rendered},
	{Construct: ConstructImage, Name: "images ![](url)", PC: Rendered, Phone: Rendered},
	{Construct: ConstructFont, Name: "<font color=…>", PC: Rendered, Phone: Rendered},
	{Construct: ConstructTable, Name: "tables", PC: Rendered, Phone: RawText, PhoneNew: Rendered,
		Warning: "tables render only on DingTalk for PC; phones in organisations without the new renderer show the raw text"},
	{Construct: ConstructFencedCode, Name: "code blocks", PC: Rendered, Phone: RawText,
		Warning: "code blocks render only on DingTalk for PC; phones show the raw text"},
	{Construct: ConstructIndentedCode, Name: "text indented by 4 spaces (a code block)", PC: Rendered, Phone: RawText,
		Warning: "text indented by 4 spaces is a code block: it renders only on DingTalk for PC and phones show the raw text; remove the indent unless you mean code"},
	{Construct: ConstructHTML, Name: "HTML other than <font>", PC: Rendered, Phone: Blank,
		Warning:  "HTML %s renders on PC but shows blank on phones; only <font color=…> is safe",
		Warnings: "HTML %s render on PC but show blank on phones; only <font color=…> is safe"},
	{Construct: ConstructStrike, Name: "strikethrough (~~text~~)", PC: Undocumented, Phone: Undocumented,
		Warning: "strikethrough (~~text~~) is not documented by DingTalk and shows differently on PC and phones"},
	{Construct: ConstructMention, Name: "@mentions in markdown and action cards", PC: Rendered, Phone: Unhighlighted,
		Warning: "@mentions in markdown notify but are not highlighted or tappable on phones: use a text message if the mention must stand out"},
	{Construct: ConstructTextMention, Name: "@mentions in text messages", PC: Rendered, Phone: Rendered},
}

// RenderRules is the table of how DingTalk for PC and for phones show markdown: the lint's
// warnings and the composer's two previews both follow it.
func RenderRules() []RenderRule { return append([]RenderRule(nil), renderRules[:]...) }

// RuleOf is the table's row for c.
func RuleOf(c Construct) RenderRule {
	if c < 0 || c >= numConstructs {
		panic(fmt.Sprintf("dingtalk: no render rule for construct %d", int(c)))
	}
	return renderRules[c]
}

// warningOf is the lint's warning for c; for HTML, naming the tags.
func warningOf(c Construct, tags []string) string {
	r := RuleOf(c)
	if c != ConstructHTML {
		return r.Warning
	}
	list := "<" + strings.Join(tags, ">, <") + ">"
	if len(tags) == 1 {
		return fmt.Sprintf(r.Warning, list)
	}
	return fmt.Sprintf(r.Warnings, list)
}

// Found is where a construct is in a markdown text: bytes Start to End of it. A block (a
// table, a code block, an HTML block) is whole lines, from the start of its first to the end
// of its last, without the newline; inline HTML is a tag, or an opening tag through its
// closing one.
type Found struct {
	Construct  Construct
	Start, End int
}

// FindDiffering lists, in order, the tables, code blocks (fenced and indented) and HTML other
// than <font> in md: the constructs a phone without the new renderer shows differently from
// PC (see RenderRules), where a preview for phones must show them otherwise. md is parsed as
// the lint parses it; code spans and blocks hide what they contain.
func FindDiffering(md string) []Found {
	src := []byte(md)
	l := &linter{src: src, starts: lineStarts(src)}
	var out []Found
	covered := 0 // inline HTML up to here is part of a span already found
	block := func(c Construct, first, last int) {
		first, last = max(first, 1), min(max(last, first), len(l.starts))
		end := len(src)
		if last < len(l.starts) {
			end = l.starts[last] - 1
		}
		out = append(out, Found{Construct: c, Start: l.starts[first-1], End: end})
	}
	descend := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			first := l.fenceLine(n)
			last := first + n.Lines().Len()
			if last < len(l.starts) && isFenceLine(l.lineText(last+1)) {
				last++
			}
			block(ConstructFencedCode, first, last)
			return false
		case *ast.CodeBlock:
			lines := n.Lines()
			if lines.Len() == 0 {
				return false
			}
			block(ConstructIndentedCode, l.lineOf(lines.At(0).Start), l.lineOf(lines.At(lines.Len()-1).Start))
			return false
		case *east.Table:
			first := l.line(n)
			last := first + 1 // the delimiter row
			if off, ok := lastOffset(n); ok {
				last = max(last, l.lineOf(off))
			}
			block(ConstructTable, first, last)
			return false
		case *ast.HTMLBlock:
			if n.HTMLBlockType >= ast.HTMLBlockType2 && n.HTMLBlockType <= ast.HTMLBlockType5 || onlyFont(n, src) {
				return false
			}
			block(ConstructHTML, l.line(n), l.lastLine(n))
			return false
		case *ast.CodeSpan:
			return false
		case *ast.RawHTML:
			if n.Segments.Len() == 0 {
				return false
			}
			start := n.Segments.At(0).Start
			tag := segmentsValue(n.Segments, src)
			name := tagName(tag)
			if start < covered || name == "" || name == "font" {
				return false
			}
			end := n.Segments.At(n.Segments.Len() - 1).Stop
			if tag[1] != '/' && !strings.HasSuffix(strings.TrimSpace(string(tag)), "/>") {
				for s := n.NextSibling(); s != nil; s = s.NextSibling() {
					if c, ok := s.(*ast.RawHTML); ok && c.Segments.Len() > 0 {
						if v := segmentsValue(c.Segments, src); v[1] == '/' && tagName(v) == name {
							end = c.Segments.At(c.Segments.Len() - 1).Stop
							break
						}
					}
				}
			}
			covered = end
			out = append(out, Found{Construct: ConstructHTML, Start: start, End: end})
			return false
		}
		return true
	}
	_ = ast.Walk(lintParser.Parse(text.NewReader(src)), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if descend(n) {
			return ast.WalkContinue, nil
		}
		return ast.WalkSkipChildren, nil
	})
	return out
}

// lineText is line n (1-based) without its newline.
func (l *linter) lineText(n int) string {
	if n < 1 || n > len(l.starts) {
		return ""
	}
	b := l.src[l.starts[n-1]:]
	if end := strings.IndexByte(string(b), '\n'); end >= 0 {
		b = b[:end]
	}
	return string(b)
}

// isFenceLine reports whether a line, past the marks of quotes and lists, is a code fence.
func isFenceLine(line string) bool {
	line = strings.TrimLeft(line, " \t>-*+0123456789.)")
	return strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~")
}

// onlyFont reports whether every tag of an HTML block is <font>.
func onlyFont(n *ast.HTMLBlock, src []byte) bool {
	var b []byte
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b = append(b, src[seg.Start:seg.Stop]...)
	}
	if n.HasClosure() {
		b = append(b, n.ClosureLine.Value(src)...)
	}
	found := false
	for i := range b {
		if b[i] == '<' {
			if t := tagName(b[i:]); t != "" {
				if t != "font" {
					return false
				}
				found = true
			}
		}
	}
	return found
}

// lastOffset is the source offset of the last text n holds, if any.
func lastOffset(n ast.Node) (int, bool) {
	for c := n.LastChild(); c != nil; c = c.PreviousSibling() {
		if off, ok := lastOffset(c); ok {
			return off, true
		}
	}
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start, true
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(n.Lines().Len() - 1).Start, true
	}
	return 0, false
}
