package dingtalk

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// SplitOptions say how Split cuts a message.
type SplitOptions struct {
	// MaxBytes is the largest encoded request body of one part; 0 (or more than MaxBodyBytes)
	// means MaxBodyBytes, 20000.
	MaxBytes int
	// Prepare is how each part will be prepared (AppendKeyword).
	Prepare PrepareOptions
}

// newMsgUUIDLen is the length of a msgUuid made by NewMsgUUID ("dingbot-" and 32 hex digits).
const newMsgUUIDLen = len("dingbot-") + 32

// minSplitBudget is the fewest encoded bytes of text a part must have room for.
const minSplitBudget = 32

// maxSplitDigits bounds the number of parts to 9999.
const maxSplitDigits = 4

// Split cuts m into parts that each fit in o.MaxBytes once prepared for robot r with o.Prepare
// (mentions inserted, keyword appended, msgUuid included), or returns []Message{m} when m
// already fits (with room for a msgUuid when it has none). JoinParts gives back m's text
// exactly.
//
// Only text, markdown and action cards can be split; a link or feed card that does not fit is
// a *ValidationError saying by how many bytes it is over. A message that does not fit and has
// other problems (an empty field, no keyword while o.Prepare does not append one) gets the
// error Prepare would give, since no split could be sent.
//
// Markdown (and an action card's text) is cut between blocks: paragraphs, headings (kept with
// the block after them), lists, quotes, code blocks and tables. A block is cut only when it
// alone does not fit in a part: a list between its items, an item between its nested items and
// lines, a fenced code block between lines (closed at the end of the part and re-opened with
// the same fence and info string in the next), a table between rows (its header and separator
// repeated in the next part). A line too long for a part is cut after a space or CJK
// punctuation, a word between grapheme clusters (never inside an emoji sequence), and only a
// cluster longer than a part between its characters. Nothing is ever cut inside a UTF-8
// character. Text messages are cut between paragraphs, lines, words and clusters.
//
// What the reader sees: a markdown or action card part is titled "Title (2/3)", which the chat
// list and the notification show, and its text ends with a paragraph "(2/3)" (with ", code block
// continues" or ", table continues" when the next part re-opens a cut block). A text part starts
// with "(2/3) ", so the chat list shows it too. Where a part lacks the robot's keyword and the
// message had one (or o.Prepare.AppendKeyword is set), the keyword is written next to the
// marker; an action card's buttons are repeated on every part.
//
// Mentions (m.At) go on the last part only, with their @handles written next to its marker when
// its text lacks them: people are notified once, when the whole message has arrived, rather
// than pulled into part 1 while the rest still waits for the robot's rate limit.
//
// When m has a MsgUUID, part i gets "<MsgUUID>-i", so resending the whole split is idempotent
// part by part. Otherwise the parts have none, and each leaves room for one from NewMsgUUID.
func Split(r Robot, m Message, o SplitOptions) ([]Message, error) {
	limit := o.MaxBytes
	switch {
	case limit < 0:
		return nil, fmt.Errorf("split: MaxBytes is %d, want 0 (20000) or more", limit)
	case limit == 0 || limit > MaxBodyBytes:
		limit = MaxBodyBytes
	}
	p, err := Prepare(r, m, o.Prepare)
	if p == nil || p.Body == nil {
		return nil, err
	}
	size := p.Bytes
	if m.MsgUUID == "" {
		size += msgUUIDOverhead + newMsgUUIDLen
	}
	if size <= limit {
		return []Message{m}, nil
	}
	switch m.Type {
	case TypeText, TypeMarkdown, TypeActionCard:
	default:
		return nil, &ValidationError{Problems: []Problem{{Field: "body", Message: fmt.Sprintf(
			"is %d bytes, %d over the limit of %d, and a %s message cannot be split (only text, markdown and action cards can): shorten it",
			size, size-limit, limit, m.Type)}}}
	}
	if err := Validate(m); err != nil {
		return nil, err
	}
	if len(r.Keywords) > 0 && !o.Prepare.AppendKeyword {
		if _, ok := MatchKeyword(m, r.Keywords); !ok {
			return nil, &KeywordError{Robot: r.Name, Keywords: r.Keywords, MsgType: m.Type}
		}
	}
	s := newSplitter(r, m, limit)
	parts, err := s.split()
	if err != nil {
		return nil, err
	}
	// The guarantee is checked, not assumed: every part passes Prepare within the limit, and the
	// parts join back to the text.
	for i, part := range parts {
		pp, err := Prepare(r, part, o.Prepare)
		if err != nil {
			return nil, fmt.Errorf("split: part %d of %d: %w", i+1, len(parts), err)
		}
		size := pp.Bytes
		if part.MsgUUID == "" {
			size += msgUUIDOverhead + newMsgUUIDLen
		}
		if size > limit {
			return nil, fmt.Errorf("split: part %d of %d is %d bytes, over the limit of %d", i+1, len(parts), size, limit)
		}
	}
	if JoinParts(parts) != s.text {
		return nil, fmt.Errorf("split: the parts would not read back as the message: does keyword %q look like a part marker such as \"(1/%d)\"?", s.kw, len(parts))
	}
	return parts, nil
}

// JoinParts returns the text of the message Split cut into parts: each part's marker, the
// keyword and mentions Split wrote next to it, the fences it closed and re-opened and the table
// headers it repeated are dropped. It works on the parts as Split returned them or as Prepare
// made them ready (Prepare adds nothing to them). Given one unsplit message, it returns its
// text. The title of a markdown part is the original title followed by " (i/n)".
func JoinParts(parts []Message) string {
	return strings.Join(partTexts(parts), "")
}

// partTexts returns, for each part, the stretch of the original text it carries.
func partTexts(parts []Message) []string {
	n := len(parts)
	bodies := make([]string, n)
	kinds := make([]cutKind, n)
	for i, p := range parts {
		bodies[i], kinds[i] = parsePart(p, i+1, n)
	}
	out := make([]string, n)
	for i, body := range bodies {
		if i > 0 {
			switch kinds[i-1] {
			case cutFence, cutFenceMid:
				body = dropLines(body, 1)
			case cutTable:
				body = dropLines(body, 2)
			}
		}
		if k := kinds[i]; (k == cutFence || k == cutFenceMid) && i+1 < n {
			first, _, _ := strings.Cut(bodies[i+1], "\n")
			if close, ok := fenceOpening(first); ok {
				body = strings.TrimSuffix(body, close)
				if k == cutFenceMid {
					body = strings.TrimSuffix(body, "\n")
				}
			}
		}
		out[i] = body
	}
	return out
}

// parsePart returns the text of part i of n without what Split added around it, and how the
// text was cut at its end. A message without a marker is returned whole.
func parsePart(m Message, i, n int) (string, cutKind) {
	body := m.Body()
	marker := "(" + strconv.Itoa(i) + "/" + strconv.Itoa(n)
	if m.Type == TypeText {
		j := strings.Index(body, marker+") ")
		if j < 0 {
			return body, cutPlain
		}
		return body[j+len(marker)+2:], cutPlain
	}
	j := strings.LastIndex(body, "\n\n"+marker)
	if j < 0 {
		return body, cutPlain
	}
	rest := body[j+2+len(marker):]
	for k := cutFence; k <= cutTable; k++ {
		if strings.HasPrefix(rest, k.continues()+")") {
			return body[:j], k
		}
	}
	if strings.HasPrefix(rest, ")") {
		return body[:j], cutPlain
	}
	return body, cutPlain
}

// dropLines removes the first k lines of s.
func dropLines(s string, k int) string {
	for ; k > 0; k-- {
		_, s, _ = strings.Cut(s, "\n")
	}
	return s
}

// cutKind says what a cut between two parts interrupts, and so what Split adds around it.
type cutKind uint8

const (
	cutPlain    cutKind = iota // nothing added
	cutFence                   // between lines of a code block: closed, then re-opened
	cutFenceMid                // inside a line of a code block: closed on a new line, then re-opened
	cutTable                   // between table rows: the header and separator repeated
)

// continues is what the marker of a part says when the next part re-opens what it cut.
func (k cutKind) continues() string {
	switch k {
	case cutFence:
		return ", code block continues"
	case cutFenceMid:
		return ", code line continues"
	case cutTable:
		return ", table continues"
	}
	return ""
}

// longestContinues is the cut kind with the longest marker, for sizing every part.
const longestContinues = cutFence

// reopen is what a cut inside a code block or a table repeats.
type reopen struct {
	kind  cutKind // cutFence or cutTable
	head  string  // the fence's opening line, or the table's header and separator lines
	close string  // the closing fence (indentation and fence characters), for code blocks
	cost  int     // encoded bytes of head and close
}

// nodeKind is what a node of the split tree is.
type nodeKind uint8

const (
	kDoc   nodeKind = iota // the whole text
	kGroup                 // blocks kept together when they fit: a heading and what follows, a block and its blank lines
	kLines                 // a paragraph, quote, heading or run of blank lines: its lines
	kList                  // a list: its items
	kItem                  // a list item: its first line, then its blocks
	kFence                 // a fenced code block: its lines, the first and last kept with their neighbours
	kTable                 // a table: header, separator and first row together, then rows
	kLine                  // one line: its words
	kWord                  // one word: cut between grapheme clusters, or runes in a cluster too long
)

// node is a span of the text [start, end) whose kids tile it. A cut lies between two kids of a
// node, and inside a kid only when the kid alone does not fit in a part.
type node struct {
	start, end int
	kind       nodeKind
	kids       []*node
	built      bool    // kids of a line are found only when needed
	st         *reopen // for fences and tables
	fenceOpen  bool    // the opening line of a fence: cutting inside it re-opens nothing
}

func group(kind nodeKind, kids ...*node) *node {
	return &node{start: kids[0].start, end: kids[len(kids)-1].end, kind: kind, kids: kids, built: true}
}

// cut is where a part ends.
type cut struct {
	pos  int
	kind cutKind
	st   *reopen
}

// close is what is written after the part's text.
func (c cut) close() string {
	switch c.kind {
	case cutFence:
		return c.st.close
	case cutFenceMid:
		return "\n" + c.st.close
	}
	return ""
}

// head is what the next part starts with.
func (c cut) head() string {
	if c.kind == cutPlain {
		return ""
	}
	return c.st.head
}

// piece is one part's text before markers: text[start:end] with head before and close after.
type piece struct {
	start, end  int
	head, close string
	kind        cutKind
}

type splitter struct {
	r        Robot
	m        Message
	limit    int
	text     string
	markdown bool
	kw       string  // the keyword written into parts that lack one, or ""
	pre      []int32 // pre[i] is the encoded length of text[:i] inside a JSON string
	budget   int     // encoded bytes of text (with a re-opened head and a close) one part holds
	root     *node
}

func newSplitter(r Robot, m Message, limit int) *splitter {
	s := &splitter{r: r, m: m.Clone(), limit: limit, text: m.Body(), markdown: m.Type != TypeText}
	if len(r.Keywords) > 0 {
		if k, ok := MatchKeyword(m, r.Keywords); ok {
			s.kw = k
		} else {
			s.kw = r.Keywords[0] // Split was told to append one
		}
	}
	s.pre = make([]int32, len(s.text)+1)
	for i := 0; i < len(s.text); {
		r, size := utf8.DecodeRuneInString(s.text[i:])
		e := int32(escRune(r, size))
		for j := 1; j < size; j++ {
			s.pre[i+j] = s.pre[i] + e // inside a rune: counted whole, so never chosen as a cut
		}
		s.pre[i+size] = s.pre[i] + e
		i += size
	}
	s.root = s.parse()
	return s
}

// split cuts the text, trying one digit for the part numbers, then two, and so on.
func (s *splitter) split() ([]Message, error) {
	for digits := 1; digits <= maxSplitDigits; digits++ {
		most := 1
		for range digits {
			most *= 10
		}
		most--
		if err := s.setBudget(most); err != nil {
			return nil, err
		}
		pieces, err := s.pieces(most)
		if err != nil {
			return nil, err
		}
		if pieces == nil {
			continue
		}
		parts := make([]Message, len(pieces))
		for i, pc := range pieces {
			parts[i] = s.compose(i+1, len(pieces), pc.head+s.text[pc.start:pc.end]+pc.close, pc.kind, i == len(pieces)-1)
		}
		return parts, nil
	}
	return nil, fmt.Errorf("split: the message would need more than %d parts of at most %d bytes", 9999, s.limit)
}

// setBudget sizes every part for the worst case among at most most parts: the longest
// marker, the keyword, every mention, the msgUuid.
func (s *splitter) setBudget(most int) error {
	body, err := s.compose(most, most, "", longestContinues, true).Encode()
	if err != nil {
		return err
	}
	overhead := len(body)
	if s.m.MsgUUID == "" {
		overhead += msgUUIDOverhead + newMsgUUIDLen
	}
	s.budget = s.limit - overhead
	if s.budget < minSplitBudget {
		return fmt.Errorf("split: a part of at most %d bytes has no room for text: its title, marker, keyword, mentions and msgUuid alone take %d bytes", s.limit, overhead)
	}
	return nil
}

// pieces cuts the text into at most most pieces, or returns nil when it needs more.
func (s *splitter) pieces(most int) ([]piece, error) {
	var out []piece
	start, head := 0, ""
	for {
		if len(out) == most {
			return nil, nil
		}
		avail := s.budget - escString(head)
		if s.size(start, len(s.text)) <= avail {
			return append(out, piece{start: start, end: len(s.text), head: head}), nil
		}
		c, err := s.next(start, avail)
		if err != nil {
			return nil, err
		}
		out = append(out, piece{start: start, end: c.pos, head: head, close: c.close(), kind: c.kind})
		start, head = c.pos, c.head()
	}
}

// next finds the end of a part that starts at start and holds avail encoded bytes.
func (s *splitter) next(start, avail int) (cut, error) {
	room := avail
	for range 8 {
		limit := s.reach(start, room)
		if limit <= start {
			break
		}
		c, ok := s.farthest(s.root, start, limit, nil)
		if !ok || c.pos <= start {
			break
		}
		if x := escString(c.close()); s.size(start, c.pos)+x > avail {
			room = avail - x
			continue
		}
		return c, nil
	}
	return cut{}, fmt.Errorf("split: found no place to cut the text after byte %d", start)
}

// size is the encoded length of text[i:j].
func (s *splitter) size(i, j int) int { return int(s.pre[j] - s.pre[i]) }

// reach is the farthest position after start whose text up to it encodes in room bytes.
func (s *splitter) reach(start, room int) int {
	want := s.pre[start] + int32(room)
	return start + sort.Search(len(s.text)-start+1, func(k int) bool { return s.pre[start+k] > want }) - 1
}

// tooBig reports whether n alone does not fit in a part.
func (s *splitter) tooBig(n *node) bool { return s.size(n.start, n.end) > s.budget }

// usable reports whether a cut may re-open st: what it repeats must leave room for text.
func (s *splitter) usable(st *reopen) bool { return st != nil && st.cost <= s.budget/2 }

// farthest returns the cut farthest from start (where the part begins), at most limit, that
// may be made inside n: between two of its kids, or inside the kid at limit when that kid alone
// does not fit in a part or the part began inside it. fence is the code block n lies in, if
// any. It requires start < limit, n.start < limit < n.end.
func (s *splitter) farthest(n *node, start, limit int, fence *reopen) (cut, bool) {
	if n.kind == kWord {
		return s.inWord(n, start, limit, fence)
	}
	kids := s.kidsOf(n)
	k := sort.Search(len(kids), func(i int) bool { return kids[i].end > limit })
	kid := kids[k]
	here := s.between(n, fence)
	if kid.start == limit {
		here.pos = limit
		return here, true
	}
	inner := fence
	if n.kind == kFence {
		inner = nil
		if s.usable(n.st) {
			inner = n.st
		}
	}
	if kid.fenceOpen {
		inner = nil
	}
	if s.tooBig(kid) || kid.start <= start {
		if c, ok := s.farthest(kid, start, limit, inner); ok {
			return c, true
		}
	}
	if kid.start > start && kid.start > n.start {
		here.pos = kid.start
		return here, true
	}
	return cut{}, false
}

// between is the kind of a cut between two kids of n.
func (s *splitter) between(n *node, fence *reopen) cut {
	switch {
	case n.kind == kTable && s.usable(n.st):
		return cut{kind: cutTable, st: n.st}
	case n.kind == kFence && s.usable(n.st):
		return cut{kind: cutFence, st: n.st}
	case fence != nil && n.kind == kLine:
		return cut{kind: cutFenceMid, st: fence}
	case fence != nil:
		return cut{kind: cutFence, st: fence}
	}
	return cut{}
}

// inWord cuts inside a word: after the last whole grapheme cluster that reaches no farther
// than limit, or, when the cluster at limit alone does not fit in a part (or the part began in
// it), after the last whole rune.
func (s *splitter) inWord(w *node, start, limit int, fence *reopen) (cut, bool) {
	c := cut{}
	if fence != nil {
		c = cut{kind: cutFenceMid, st: fence}
	}
	from := max(start, w.start)
	pos, state := from, -1
	for pos < limit {
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s.text[pos:w.end], state)
		if pos+len(cluster) > limit {
			if pos > from {
				c.pos = pos
				return c, true
			}
			if pos > start && s.size(pos, pos+len(cluster)) <= s.budget {
				return cut{}, false // the part ends before this cluster instead
			}
			break
		}
		pos += len(cluster)
	}
	if pos == limit && pos > from {
		c.pos = pos
		return c, true
	}
	for q := limit; q > from; q-- {
		if utf8.RuneStart(s.text[q]) {
			c.pos = q
			return c, true
		}
	}
	return cut{}, false
}

// kidsOf returns n's kids, finding the words of a line the first time they are needed.
func (s *splitter) kidsOf(n *node) []*node {
	if !n.built {
		n.built = true
		n.kids = s.words(n)
	}
	return n.kids
}

// words cuts a line after runs of spaces and after CJK punctuation.
func (s *splitter) words(l *node) []*node {
	var out []*node
	start, brk := l.start, false
	for i := l.start; i < l.end; {
		r, size := utf8.DecodeRuneInString(s.text[i:l.end])
		if brk && !isSpaceRune(r) {
			out = append(out, &node{start: start, end: i, kind: kWord, built: true})
			start = i
		}
		brk = isSpaceRune(r) || strings.ContainsRune("，。、；：！？）」』】》", r)
		i += size
	}
	return append(out, &node{start: start, end: l.end, kind: kWord, built: true})
}

func isSpaceRune(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u3000'
}

// compose builds part i of n with body as its text, adding the marker, the keyword when the
// part lacks one, and on the last part the mentions.
func (s *splitter) compose(i, n int, body string, kind cutKind, last bool) Message {
	msg := s.m.Clone()
	msg.At = nil
	if last && s.m.At != nil {
		msg.At = s.m.Clone().At
	}
	if s.m.MsgUUID != "" {
		msg.MsgUUID = s.m.MsgUUID + "-" + strconv.Itoa(i)
	}
	marker := "(" + strconv.Itoa(i) + "/" + strconv.Itoa(n)
	switch msg.Type {
	case TypeMarkdown:
		msg.Markdown.Title += " " + marker + ")"
	case TypeActionCard:
		msg.ActionCard.Title += " " + marker + ")"
	}
	field, _ := msg.bodyField()
	*field = body
	var extras []string
	if s.kw != "" {
		if _, ok := MatchKeyword(msg, s.r.Keywords); !ok {
			extras = append(extras, s.kw)
		}
	}
	if last {
		for _, h := range MissingMentions(msg) {
			extras = append(extras, "@"+h)
		}
	}
	tail := strings.Join(extras, " ")
	if msg.Type == TypeText {
		if tail != "" {
			tail += " "
		}
		*field = tail + marker + ") " + body
		return msg
	}
	if tail != "" {
		tail = " " + tail
	}
	*field = body + "\n\n" + marker + kind.continues() + ")" + tail
	return msg
}

// escRune is the length of one rune (size bytes of UTF-8) inside a JSON string written by
// Message.Encode: HTML characters are left alone, control characters, quotes, backslashes,
// U+2028, U+2029 and invalid bytes are escaped.
func escRune(r rune, size int) int {
	switch {
	case r == '"' || r == '\\' || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20, r == '\u2028', r == '\u2029', r == utf8.RuneError && size == 1:
		return 6
	}
	return size
}

// escString is the encoded length of s inside a JSON string.
func escString(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n += escRune(r, size)
		i += size
	}
	return n
}

// The markdown (or plain text) structure the cuts follow.

// parse builds the split tree: markdown blocks, or paragraphs for a text message.
func (s *splitter) parse() *node {
	var lines []*node
	for i := 0; i < len(s.text); {
		j := strings.IndexByte(s.text[i:], '\n')
		end := len(s.text)
		if j >= 0 {
			end = i + j + 1
		}
		lines = append(lines, &node{start: i, end: end, kind: kLine})
		i = end
	}
	var kids []*node
	if s.markdown {
		kids = s.blocks(lines, 0)
	} else {
		for i := 0; i < len(lines); {
			j := i
			for j < len(lines) && !s.blank(lines[j]) {
				j++
			}
			for j < len(lines) && s.blank(lines[j]) {
				j++
			}
			kids = append(kids, group(kLines, lines[i:j]...))
			i = j
		}
	}
	return &node{start: 0, end: len(s.text), kind: kDoc, kids: kids, built: true}
}

// lineText is the line without its line break.
func (s *splitter) lineText(l *node) string {
	return strings.TrimSuffix(strings.TrimSuffix(s.text[l.start:l.end], "\n"), "\r")
}

func (s *splitter) blank(l *node) bool { return strings.TrimSpace(s.lineText(l)) == "" }

// blocks parses lines into markdown blocks; base is the column where their content starts
// (inside a list item, the item's content column).
func (s *splitter) blocks(ls []*node, base int) []*node {
	var out []*node
	var heading []bool
	for i := 0; i < len(ls); {
		if s.blank(ls[i]) {
			j := i
			for j < len(ls) && s.blank(ls[j]) {
				j++
			}
			out, heading = append(out, group(kLines, ls[i:j]...)), append(heading, false)
			i = j
			continue
		}
		text := s.lineText(ls[i])
		top := indentCols(text)-base <= 3
		var n *node
		head := false
		j := i + 1
		switch {
		case top && isFence(text):
			var closed bool
			j, closed = s.fenceEnd(ls, i)
			n = s.fence(ls[i:j], closed)
		case top && isHeading(text):
			n, head = group(kLines, ls[i]), true
		case s.tableStart(ls, i):
			for j = i + 2; j < len(ls) && !s.blank(ls[j]) && strings.Contains(s.lineText(ls[j]), "|") && !isFence(s.lineText(ls[j])); j++ {
			}
			n = s.table(ls[i:j])
		case top && isListItem(text):
			n, j = s.list(ls, i, base)
		case top && isQuote(text):
			for j < len(ls) && !s.blank(ls[j]) {
				j++
			}
			n = group(kLines, ls[i:j]...)
		default:
			for j < len(ls) && !s.blank(ls[j]) && !s.interrupts(ls, j, base) {
				j++
			}
			n = group(kLines, ls[i:j]...)
		}
		k := j
		for k < len(ls) && s.blank(ls[k]) {
			k++
		}
		if k > j {
			n = group(kGroup, n, group(kLines, ls[j:k]...))
		}
		out, heading = append(out, n), append(heading, head)
		i = k
	}
	// A heading stays with the block after it when both fit in a part.
	for k := len(out) - 2; k >= 0; k-- {
		if heading[k] {
			out[k] = group(kGroup, out[k], out[k+1])
			out = append(out[:k+1], out[k+2:]...)
		}
	}
	return out
}

// interrupts reports whether line j starts a block that ends the paragraph before it.
func (s *splitter) interrupts(ls []*node, j, base int) bool {
	text := s.lineText(ls[j])
	if indentCols(text)-base <= 3 && (isFence(text) || isHeading(text) || isQuote(text) || isListItem(text)) {
		return true
	}
	return s.tableStart(ls, j)
}

// tableStart reports whether line i is a table's header: it has a "|" and the next line is a
// separator row.
func (s *splitter) tableStart(ls []*node, i int) bool {
	if i+1 >= len(ls) || !strings.Contains(s.lineText(ls[i]), "|") {
		return false
	}
	sep := s.lineText(ls[i+1])
	return strings.Contains(sep, "|") && tableSepPattern.MatchString(sep)
}

// table makes a table node: header, separator and first row stay together; a cut between
// later rows repeats the header and separator.
func (s *splitter) table(ls []*node) *node {
	h := min(3, len(ls))
	kids := append([]*node{group(kLines, ls[:h]...)}, ls[h:]...)
	n := group(kTable, kids...)
	head := s.text[ls[0].start:ls[1].end]
	n.st = &reopen{kind: cutTable, head: head, cost: escString(head)}
	return n
}

// fenceEnd is the index after the line closing the fence opened by line i, or len(ls) when
// nothing closes it.
func (s *splitter) fenceEnd(ls []*node, i int) (int, bool) {
	open := strings.TrimLeft(s.lineText(ls[i]), " \t")
	c := open[:1]
	run := len(open) - len(strings.TrimLeft(open, c))
	for j := i + 1; j < len(ls); j++ {
		t := strings.TrimSpace(s.lineText(ls[j]))
		if len(t) >= run && strings.Trim(t, c) == "" {
			return j + 1, true
		}
	}
	return len(ls), false
}

// fence makes a code block node. Its opening line stays with the first line of code and its
// closing line with the last, so no part holds an empty code block.
func (s *splitter) fence(ls []*node, closed bool) *node {
	ls[0].fenceOpen = true
	var kids []*node
	switch {
	case len(ls) == 1:
		kids = ls
	case closed && len(ls) <= 3:
		kids = []*node{group(kLines, ls...)}
	case closed:
		kids = append([]*node{group(kLines, ls[0], ls[1])}, ls[2:len(ls)-2]...)
		kids = append(kids, group(kLines, ls[len(ls)-2:]...))
	default:
		kids = append([]*node{group(kLines, ls[0], ls[1])}, ls[2:]...)
	}
	n := group(kFence, kids...)
	if len(ls) >= 2 {
		head := s.text[ls[0].start:ls[0].end]
		close, _ := fenceOpening(s.lineText(ls[0]))
		n.st = &reopen{kind: cutFence, head: head, close: close, cost: escString(head) + escString(close) + 1}
	}
	return n
}

// list parses the list starting at line i; it returns the list and the index after its last
// non-blank line.
func (s *splitter) list(ls []*node, i, base int) (*node, int) {
	var items []*node
	for {
		content := listContentCol(s.lineText(ls[i]))
		j, afterBlank := i+1, false
		for j < len(ls) {
			if s.blank(ls[j]) {
				afterBlank = true
				j++
				continue
			}
			text := s.lineText(ls[j])
			col := indentCols(text)
			if col >= content {
				afterBlank = false
				j++
				continue
			}
			if afterBlank || col-base <= 3 && (isListItem(text) || isFence(text) || isHeading(text) || isQuote(text)) {
				break
			}
			j++ // a lazy continuation line
		}
		sibling := j < len(ls) && indentCols(s.lineText(ls[j]))-base <= 3 && isListItem(s.lineText(ls[j]))
		end := j
		if !sibling {
			for end > i+1 && s.blank(ls[end-1]) {
				end--
			}
		}
		kids := append([]*node{ls[i]}, s.blocks(ls[i+1:end], content)...)
		items = append(items, group(kItem, kids...))
		if !sibling {
			return group(kList, items...), end
		}
		i = j
	}
}

// indentCols is the column where text's content starts, tabs stopping every 4 columns.
func indentCols(text string) int {
	col := 0
	for _, c := range []byte(text) {
		switch c {
		case ' ':
			col++
		case '\t':
			col += 4 - col%4
		default:
			return col
		}
	}
	return col
}

// fenceOpening returns the indentation and fence characters that open a fenced code block on
// this line (what closes it), if the line opens one.
func fenceOpening(text string) (string, bool) {
	rest := strings.TrimLeft(text, " \t")
	if len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return "", false
	}
	run := len(rest) - len(strings.TrimLeft(rest, rest[:1]))
	if run < 3 || (rest[0] == '`' && strings.Contains(rest[run:], "`")) {
		return "", false
	}
	return text[:len(text)-len(rest)+run], true
}

func isFence(text string) bool { _, ok := fenceOpening(text); return ok }

func isHeading(text string) bool {
	t := strings.TrimLeft(text, " \t")
	n := len(t) - len(strings.TrimLeft(t, "#"))
	return n >= 1 && n <= 6 && (n == len(t) || t[n] == ' ' || t[n] == '\t')
}

func isQuote(text string) bool { return strings.HasPrefix(strings.TrimLeft(text, " \t"), ">") }

func isListItem(text string) bool { return listContentCol(text) >= 0 }

// listContentCol is the column where a list item's content starts, or -1 when the line
// starts no list item ("- x", "* x", "+ x", "1. x", "1) x").
func listContentCol(text string) int {
	col := indentCols(text)
	rest := strings.TrimLeft(text, " \t")
	w := 0
	switch {
	case rest == "":
		return -1
	case rest[0] == '-' || rest[0] == '*' || rest[0] == '+':
		w = 1
	default:
		for w < len(rest) && w < 9 && rest[w] >= '0' && rest[w] <= '9' {
			w++
		}
		if w == 0 || w == len(rest) || (rest[w] != '.' && rest[w] != ')') {
			return -1
		}
		w++
	}
	after := rest[w:]
	if after == "" {
		return col + w + 1
	}
	if after[0] != ' ' && after[0] != '\t' {
		return -1
	}
	spaces := len(after) - len(strings.TrimLeft(after, " "))
	if spaces == 0 || spaces > 4 || spaces == len(after) {
		return col + w + 1
	}
	return col + w + spaces
}
