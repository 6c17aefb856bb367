package dingtalk

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
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

// tableSepPattern matches a table's delimiter row ("|---|:-:|"). Split uses it to repeat a
// table's header in every part.
var tableSepPattern = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)

// lintParser is CommonMark with GFM tables and ~~strikethrough~~, so that both appear in the
// AST. A goldmark parser keeps no state between calls: it is safe for concurrent use.
var lintParser = goldmark.New(
	goldmark.WithExtensions(extension.Table),
	goldmark.WithParserOptions(parser.WithInlineParsers(
		util.Prioritized(doubleTilde{extension.NewStrikethroughParser()}, 500),
	)),
).Parser()

// doubleTilde is GFM's strikethrough for ~~text~~ only: a single tilde is not struck through,
// as in "9:00~18:00, 12~13".
type doubleTilde struct{ parser.InlineParser }

func (d doubleTilde) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if len(line) < 2 || line[1] != '~' {
		return nil
	}
	return d.InlineParser.Parse(parent, block, pc)
}

// lintRule is one thing DingTalk shows differently than CommonMark would, from
// ../shared/dingtalk-robot-api.md. Warnings come out one per rule, in this order on a line.
// What PC and phones do with each construct, and the warning's words, are the table of
// RenderRules; the rules here that it has no row for are about the markdown itself.
type lintRule int

const (
	ruleFencedCode lintRule = iota
	ruleIndentedCode
	ruleTable
	ruleHTML
	ruleStrike
	ruleDeepHeading
	ruleImage
	ruleLink
	ruleDingtalkURL
	ruleMention
	ruleBackslashBreak
	ruleSoftBreak
	numRules
)

// maxAlsoLines is how many more lines a warning names before it only counts the rest.
const maxAlsoLines = 9

// LintMarkdown warns about markdown that DingTalk renders differently on PC and phones, or not
// at all: code blocks, fenced or indented, and tables (PC only); HTML other than <font> (blank
// on phones); strikethrough; single line breaks (shown as spaces) and backslash ones (not
// documented); headings deeper than ######; images without a public http(s) URL; links
// DingTalk cannot open, and dingtalk:// links whose url= is not encoded; @mentions (not
// highlighted on phones). It parses md as CommonMark with goldmark and walks the tree, so code
// spans and blocks hide what they contain. A construct repeated is one warning on its first
// line, naming the others.
func LintMarkdown(md string) []Warning {
	if strings.Contains(md, "\r") {
		md = strings.ReplaceAll(md, "\r\n", "\n") // keeps every line's number
	}
	src := []byte(md)
	l := &linter{src: src, starts: lineStarts(src)}
	_ = ast.Walk(lintParser.Parse(text.NewReader(src)), l.visit)
	return l.warnings()
}

// linter collects, for each rule, the lines where it fires and what to name in its warning.
type linter struct {
	src    []byte
	starts []int // offset where each line starts
	lines  [numRules][]int
	detail [numRules]string // the first offending URL
	tags   []string         // HTML tag names, in order of appearance
}

func lineStarts(src []byte) []int {
	starts := make([]int, 1, 64)
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineOf is the 1-based line holding offset off.
func (l *linter) lineOf(off int) int {
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
}

func (l *linter) add(r lintRule, line int) {
	if line < 1 {
		line = 1
	}
	if ls := l.lines[r]; len(ls) == 0 || ls[len(ls)-1] != line {
		l.lines[r] = append(ls, line)
	}
}

func (l *linter) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	switch n := n.(type) {
	case *ast.FencedCodeBlock:
		l.add(ruleFencedCode, l.fenceLine(n))
	case *ast.CodeBlock:
		l.add(ruleIndentedCode, l.line(n))
	case *ast.CodeSpan:
		return ast.WalkSkipChildren, nil
	case *east.Table:
		l.add(ruleTable, l.line(n))
	case *east.Strikethrough:
		l.add(ruleStrike, l.line(n))
	case *ast.HTMLBlock:
		l.htmlBlock(n)
	case *ast.RawHTML:
		if tag := tagName(segmentsValue(n.Segments, l.src)); tag != "" {
			l.html(tag, l.line(n))
		}
	case *ast.Paragraph, *ast.TextBlock: // a TextBlock is a paragraph in a tight list
		l.deepHeadings(n)
	case *ast.Image:
		if !imageShows(string(n.Destination)) {
			l.addURL(ruleImage, l.line(n), string(n.Destination))
		}
		return ast.WalkSkipChildren, nil
	case *ast.Link:
		l.link(string(n.Destination), l.line(n))
	case *ast.AutoLink:
		if n.AutoLinkType == ast.AutoLinkURL {
			l.link(string(n.URL(l.src)), l.line(n))
		}
	case *ast.Text:
		l.text(n)
	}
	return ast.WalkContinue, nil
}

func (l *linter) addURL(r lintRule, line int, u string) {
	if len(l.lines[r]) == 0 {
		l.detail[r] = u
	}
	l.add(r, line)
}

func (l *linter) html(tag string, line int) {
	if tag == "font" {
		return
	}
	if !slices.Contains(l.tags, tag) {
		l.tags = append(l.tags, tag)
	}
	l.add(ruleHTML, line)
}

// htmlBlock notes the tags of an HTML block; comments, declarations and <font> alone are fine.
func (l *linter) htmlBlock(n *ast.HTMLBlock) {
	if n.HTMLBlockType >= ast.HTMLBlockType2 && n.HTMLBlockType <= ast.HTMLBlockType5 {
		return
	}
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		l.htmlTags(l.src[seg.Start:seg.Stop], l.line(n))
	}
	if n.HasClosure() {
		l.htmlTags(n.ClosureLine.Value(l.src), l.line(n))
	}
}

func (l *linter) htmlTags(b []byte, line int) {
	for i := 0; i < len(b); i++ {
		if b[i] == '<' {
			if tag := tagName(b[i:]); tag != "" {
				l.html(tag, line)
			}
		}
	}
}

// tagName is the lower-case name of the HTML tag b starts with ("div" for "</DIV>"), or "" when
// b starts with no tag (a comment, a declaration, "a < b").
func tagName(b []byte) string {
	if len(b) < 2 || b[0] != '<' {
		return ""
	}
	i := 1
	if b[i] == '/' {
		i++
	}
	j := i
	for j < len(b) && (isASCIILetter(b[j]) || (b[j] >= '0' && b[j] <= '9') || b[j] == '-') {
		j++
	}
	if j == i || !isASCIILetter(b[i]) {
		return ""
	}
	return strings.ToLower(string(b[i:j]))
}

func isASCIILetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

func segmentsValue(s *text.Segments, src []byte) []byte {
	if s.Len() == 1 {
		seg := s.At(0)
		return src[seg.Start:seg.Stop]
	}
	var b []byte
	for i := 0; i < s.Len(); i++ {
		seg := s.At(i)
		b = append(b, src[seg.Start:seg.Stop]...)
	}
	return b
}

// deepHeadings notes paragraph lines starting with seven or more #: CommonMark and DingTalk
// have headings # to ######, so these show as text.
func (l *linter) deepHeadings(n ast.Node) {
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b := l.src[seg.Start:seg.Stop]
		k := 0
		for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
			k++
		}
		h := k
		for h < len(b) && b[h] == '#' {
			h++
		}
		if h-k >= 7 && (h == len(b) || b[h] == ' ' || b[h] == '\t' || b[h] == '\n') {
			l.add(ruleDeepHeading, l.lineOf(seg.Start))
		}
	}
}

// link checks a link's destination: DingTalk opens http(s) and its own dingtalk:// links (and
// dtmd:// message links, which its message-link documentation describes).
func (l *linter) link(dest string, line int) {
	lower := strings.ToLower(dest)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "dtmd://"):
	case strings.HasPrefix(lower, "dingtalk://"):
		_, query, _ := strings.Cut(dest, "?")
		for _, p := range strings.Split(query, "&") {
			if v, ok := strings.CutPrefix(p, "url="); ok && strings.Contains(v, "://") {
				l.add(ruleDingtalkURL, line)
			}
		}
	default:
		l.addURL(ruleLink, line, dest)
	}
}

// imageShows reports whether DingTalk can show an image from dest: a public http(s) URL, or
// an @media_id from the media upload API.
func imageShows(dest string) bool {
	if len(dest) > 1 && dest[0] == '@' {
		return true
	}
	u, err := url.Parse(dest)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if ip := net.ParseIP(host); ip != nil {
		return !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified()
	}
	return strings.Contains(host, ".") && !strings.HasSuffix(host, ".localhost") && !strings.HasSuffix(host, ".local")
}

// text notes a soft line break at the end of a paragraph's line, a backslash line break, and
// @mentions.
func (l *linter) text(n *ast.Text) {
	seg := n.Segment
	switch {
	case n.SoftLineBreak() && inParagraph(n) && !afterBr(n, l.src):
		l.add(ruleSoftBreak, l.lineOf(seg.Start))
	case n.HardLineBreak() && seg.Stop < len(l.src) && l.src[seg.Stop] == '\\':
		l.add(ruleBackslashBreak, l.lineOf(seg.Start))
	}
	if len(l.lines[ruleMention]) == 0 && hasMention(l.src, seg.Start, seg.Stop) {
		l.add(ruleMention, l.lineOf(seg.Start))
	}
}

// inParagraph reports whether n is inline content of a paragraph or a tight list item (not of a heading: the line
// break of "Title\n===" is no soft break in the text).
func inParagraph(n ast.Node) bool {
	p := n.Parent()
	for p != nil && p.Type() == ast.TypeInline {
		p = p.Parent()
	}
	return p != nil && (p.Kind() == ast.KindParagraph || p.Kind() == ast.KindTextBlock)
}

// afterBr reports whether the empty text n ends a line right after <br>: its HTML warning
// covers that line.
func afterBr(n *ast.Text, src []byte) bool {
	prev, ok := n.PreviousSibling().(*ast.RawHTML)
	return ok && n.Segment.Len() == 0 && tagName(segmentsValue(prev.Segments, src)) == "br"
}

// hasMention reports whether src[start:stop] holds an @handle as DingTalk matches it: @ not
// inside a word (an e-mail address), followed by a mobile, +852-… or a userId.
func hasMention(src []byte, start, stop int) bool {
	for i := start; i < stop-1; i++ {
		if src[i] != '@' || (i > 0 && isASCIIWord(src[i-1])) {
			continue
		}
		if c := src[i+1]; isASCIIWord(c) || c == '+' {
			return true
		}
	}
	return false
}

// line is the line where n starts.
func (l *linter) line(n ast.Node) int {
	if off, ok := firstOffset(n); ok {
		return l.lineOf(off)
	}
	// An image or link with no text: the next text in its block is on its (last) line, or
	// it ends the block.
	for p := n; p != nil && p.Type() == ast.TypeInline; p = p.Parent() {
		for s := p.NextSibling(); s != nil; s = s.NextSibling() {
			if off, ok := firstOffset(s); ok {
				return l.lineOf(off)
			}
		}
		if b := p.Parent(); b != nil && b.Type() == ast.TypeBlock && b.Lines().Len() > 0 {
			return l.lineOf(b.Lines().At(b.Lines().Len() - 1).Start)
		}
	}
	return 0
}

// firstOffset is the source offset of the first text n holds, if any.
func firstOffset(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.Text:
		return n.Segment.Start, true
	case *ast.RawHTML:
		if n.Segments.Len() > 0 {
			return n.Segments.At(0).Start, true
		}
	case *ast.FencedCodeBlock:
		if n.Info != nil {
			return n.Info.Segment.Start, true
		}
		return 0, false // its lines start below its fence
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(0).Start, true
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if off, ok := firstOffset(c); ok {
			return off, true
		}
	}
	return 0, false
}

// fenceLine is the line of a fenced code block's opening fence. goldmark keeps no position for
// it: it is the line of the info string, else the line above the first line of code, else
// (an empty block) the first fence after the block before it.
func (l *linter) fenceLine(n *ast.FencedCodeBlock) int {
	if n.Info != nil {
		return l.lineOf(n.Info.Segment.Start)
	}
	if n.Lines().Len() > 0 {
		return l.lineOf(n.Lines().At(0).Start) - 1
	}
	from := 1
	if prev := n.PreviousSibling(); prev != nil {
		from = l.lastLine(prev) + 1
	} else if p := n.Parent(); p != nil && p.Kind() != ast.KindDocument {
		from = l.line(p)
	}
	from = max(from, 1)
	for i := from; i <= len(l.starts); i++ {
		b := l.src[l.starts[i-1]:]
		if end := bytes.IndexByte(b, '\n'); end >= 0 {
			b = b[:end]
		}
		b = bytes.TrimLeft(b, " \t>-*+0123456789.)") // list and quote markers
		if bytes.HasPrefix(b, []byte("```")) || bytes.HasPrefix(b, []byte("~~~")) {
			return i
		}
	}
	return from
}

// lastLine is the last line of block n.
func (l *linter) lastLine(n ast.Node) int {
	switch {
	case n.Kind() == ast.KindFencedCodeBlock:
		return l.fenceLine(n.(*ast.FencedCodeBlock)) + n.Lines().Len() + 1 // and its closing fence
	case n.Kind() == ast.KindHTMLBlock && n.(*ast.HTMLBlock).HasClosure():
		return l.lineOf(n.(*ast.HTMLBlock).ClosureLine.Start)
	case n.Type() == ast.TypeBlock && n.Lines().Len() > 0:
		return l.lineOf(n.Lines().At(n.Lines().Len() - 1).Start)
	case n.LastChild() != nil && n.LastChild().Type() == ast.TypeBlock:
		return l.lastLine(n.LastChild())
	}
	return l.line(n)
}

// warnings turns what the walk found into one warning per rule, ordered by line.
func (l *linter) warnings() []Warning {
	var out []Warning
	for r := lintRule(0); r < numRules; r++ {
		lines := l.lines[r]
		if len(lines) == 0 {
			continue
		}
		sort.Ints(lines)
		lines = slices.Compact(lines)
		msg := l.message(r)
		if r != ruleMention && len(lines) > 1 {
			msg += also(lines[1:])
		}
		out = append(out, Warning{Line: lines[0], Message: msg})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// also names more lines where the same warning applies: " (also lines 4, 7, and 3 more)".
func also(lines []int) string {
	var b strings.Builder
	b.WriteString(" (also line")
	if len(lines) > 1 {
		b.WriteString("s")
	}
	for i, n := range lines {
		if i == maxAlsoLines {
			fmt.Fprintf(&b, ", and %d more", len(lines)-i)
			break
		}
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %d", n)
	}
	b.WriteString(")")
	return b.String()
}

func (l *linter) message(r lintRule) string {
	switch r {
	case ruleFencedCode:
		return warningOf(ConstructFencedCode, nil)
	case ruleIndentedCode:
		return warningOf(ConstructIndentedCode, nil)
	case ruleTable:
		return warningOf(ConstructTable, nil)
	case ruleHTML:
		return warningOf(ConstructHTML, l.tags)
	case ruleStrike:
		return warningOf(ConstructStrike, nil)
	case ruleDeepHeading:
		return "####### is not a heading (DingTalk has # to ######): it shows as text"
	case ruleImage:
		return fmt.Sprintf("image %q cannot show: DingTalk needs a public http(s) URL (or an @media_id from the media upload API)", shorten(l.detail[r]))
	case ruleLink:
		return fmt.Sprintf("link %q is not an http(s) or dingtalk:// URL: DingTalk cannot open it", shorten(l.detail[r]))
	case ruleDingtalkURL:
		return "the url= of a dingtalk:// link must be URL-encoded (https%3A%2F%2F…)"
	case ruleMention:
		return warningOf(ConstructMention, nil)
	case ruleBackslashBreak:
		return "a backslash at the end of a line is not a documented DingTalk line break: end the line with two spaces instead"
	case ruleSoftBreak:
		return "single line break is shown as a space: end the line with two spaces or leave a blank line"
	}
	return ""
}

// shorten keeps a URL named in a warning short.
func shorten(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
