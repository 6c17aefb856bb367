package preview

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// renderRequest is everything one preview render needs, copied out of the model so that the
// render can run in a command while the user keeps typing.
type renderRequest struct {
	seq      int
	msg      dingtalk.Message
	robot    dingtalk.Robot
	contacts dingtalk.Contacts
	width    int
	md       markdownStyle
	st       *styles.Styles
	// empty is true for a blank editor: nothing to point out yet.
	empty bool
	// mentions are the people the editor mentions.
	mentions []dingtalk.Contact
	// at is who the prepared message mentions; set by renderPreview.
	at *dingtalk.At
	// device is the client drawn for: DevicePC (or DeviceAuto) or DevicePhone.
	device Device
}

// note is one line of advice under the preview: a problem that stops the send, or a warning.
type note struct {
	problem bool
	// people marks a note about who is or is not notified: shown before the markdown advice,
	// so that it is not the one the notes' limit hides.
	people bool
	text   string
}

// renderResult is a finished preview.
type renderResult struct {
	seq      int
	width    int
	content  string
	prepared *dingtalk.Prepared
	err      error // from dingtalk.Prepare: *ValidationError, *KeywordError or nil
	notes    []note
	// keyword is the robot keyword the message holds; keywordOK is false when it needs one.
	keyword   string
	keywordOK bool
	// inText says which mentions have their @handle in the text.
	inText map[dingtalk.Contact]bool
	// device is the client drawn for; DeviceAuto for both.
	device Device
}

// previewMsg carries a finished render back to Update.
type previewMsg renderResult

// renderPreview prepares the message for the robot and draws it as DingTalk will show it on
// one device (PC unless req.device is DevicePhone), following dingtalk.RenderRules: the
// chat-list line, the robot's name, then the message in a bubble as wide as the device's. It
// is slow for long markdown (glamour) and must run in a command.
func renderPreview(req renderRequest) renderResult {
	if req.device != DevicePhone {
		req.device = DevicePC
	}
	res := renderResult{seq: req.seq, width: req.width, device: req.device}
	p, err := dingtalk.Prepare(req.robot, req.msg, dingtalk.PrepareOptions{})
	res.prepared, res.err = p, err
	shown := req.msg
	if p != nil && p.Body != nil {
		shown = p.Message
	}
	req.at = shown.At
	if !req.empty {
		res.notes = previewNotes(req.robot, p, err, req.msg, req.contacts)
	}
	res.keyword, res.keywordOK = dingtalk.MatchKeyword(shown, req.robot.Keywords)
	res.inText = mentionsInText(req.msg.Body(), req.mentions)

	st := req.st
	w := max(20, req.width)
	var b strings.Builder
	chat := st.Preview.PaneTitle.Render("Chat list") + "  " + st.Preview.Avatar.Render("◆ "+req.robot.Name+": ")
	// The chat list shows a title as typed: DingTalk turns @mobile into a name in the text only.
	// A text message has no title: the list shows its text.
	title := shown.Title()
	if shown.Type == dingtalk.TypeText {
		title = displayMentions(title, req.contacts, shown.At)
	}
	if strings.TrimSpace(title) == "" {
		title = st.Preview.Hint.Render("(no title)")
	} else {
		title = st.Preview.ChatTitle.Render(cell.Truncate(cell.OneLine(title), w-lipgloss.Width(chat)))
	}
	b.WriteString(chat + title + "\n")
	b.WriteString(st.Preview.Rule.Render(cell.Rule(w)) + "\n")
	if shown.Type != dingtalk.TypeActionCard || shown.ActionCard == nil || shown.ActionCard.HideAvatar != "1" {
		b.WriteString(st.Preview.Avatar.Render("◆ "+req.robot.Name) + "\n")
	}
	names := mentionNames(req.contacts)
	bw := min(w, req.device.bubble())
	var body string
	switch shown.Type {
	case dingtalk.TypeText:
		body = frame(st, bw, [][]string{textLines(st, displayMentions(shown.Text.Content, req.contacts, shown.At), frameInner(bw))})
	case dingtalk.TypeMarkdown:
		body = frame(st, bw, [][]string{markdownLines(req, shown.Markdown.Text, frameInner(bw))})
	case dingtalk.TypeLink:
		body = linkCard(st, shown.Link, bw)
	case dingtalk.TypeActionCard:
		body = actionCard(req, shown.ActionCard, bw)
	case dingtalk.TypeFeedCard:
		body = feedCard(st, shown.FeedCard, bw)
	}
	if highlighted(req.device, shown.Type) {
		body = highlightMentions(st, body, names, shown.At)
	}
	b.WriteString(body)
	if who := notifies(shown, req.contacts); who != "" {
		b.WriteString("\n" + st.Preview.Muted.Render("notifies ") + st.Preview.Mention.Render(who))
	}
	res.content = b.String()
	return res
}

// highlighted reports whether the device highlights @names in a message of type t: phones do
// in text messages only (dingtalk.ConstructMention, ConstructTextMention).
func highlighted(d Device, t dingtalk.MsgType) bool {
	c := dingtalk.ConstructMention
	if t == dingtalk.TypeText {
		c = dingtalk.ConstructTextMention
	}
	r := dingtalk.RuleOf(c)
	if d == DevicePhone {
		return r.Phone == dingtalk.Rendered
	}
	return r.PC == dingtalk.Rendered
}

// previewNotes is the advice shown under the preview and in the payload view: what Prepare
// found, then contacts typed but not notified. A message too large for one that ctrl+s sends
// in parts says so instead of "shorten the text"; an @handle that notifies nobody has one note,
// the composer's (naming the contact) when it is a contact's, Prepare's otherwise.
func previewNotes(r dingtalk.Robot, p *dingtalk.Prepared, err error, msg dingtalk.Message, contacts dingtalk.Contacts) []note {
	shown := msg
	if p != nil && p.Body != nil {
		shown = p.Message
	}
	typed, handles := unmentioned(shown, contacts)
	var notes []note
	if split, ok := splitNote(r, msg, p, err); ok {
		notes = append(split, notesFor(p, nil, handles)...)
	} else {
		notes = append(notesFor(p, err, handles), split...)
	}
	notes = append(notes, typed...)
	rank := func(n note) int {
		switch {
		case n.problem:
			return 0
		case n.people:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(notes, func(a, b note) int { return rank(a) - rank(b) })
	return notes
}

// uuidPlaceholder is as long as the msgUuid a send gives a split message, so that the parts
// counted for the preview are the parts sent.
var uuidPlaceholder = "dingbot-" + strings.Repeat("0", 32)

// splitNote says, for a message too large for one that ctrl+s offers to send in parts, into
// how many parts it would be split (ok: the note replaces Prepare's "shorten the text"), or
// that it cannot be split either (ok false: the note follows Prepare's).
func splitNote(r dingtalk.Robot, msg dingtalk.Message, p *dingtalk.Prepared, err error) (notes []note, ok bool) {
	if !splittable(msg.Type, err) {
		return nil, false
	}
	size := ""
	if p != nil && p.Bytes > 0 {
		size = fmt.Sprintf(" (%s bytes, %s at most)", thousands(p.Bytes), thousands(dingtalk.MaxBodyBytes))
	}
	msg.MsgUUID = uuidPlaceholder
	parts, serr := dingtalk.Split(r, msg, dingtalk.SplitOptions{})
	if serr != nil {
		return []note{{problem: true, text: "it cannot be sent in parts either: " + serr.Error()}}, false
	}
	if len(parts) < 2 {
		return nil, false
	}
	return []note{{text: fmt.Sprintf("too large for one message%s: it would be split into %d parts between blocks, sent in order, each marked (1/%d)…; ctrl+s asks first", size, len(parts), len(parts))}}, true
}

// thousands writes n with a space between thousands, as the notes write sizes: 20 000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

// notesFor lists what Prepare found: problems first, then warnings, but for the handles the
// composer has its own note on (see unmentioned).
func notesFor(p *dingtalk.Prepared, err error, covered map[string]bool) []note {
	var out []note
	var ve *dingtalk.ValidationError
	var ke *dingtalk.KeywordError
	switch {
	case errors.As(err, &ve):
		for _, pr := range ve.Problems {
			out = append(out, note{problem: true, text: pr.String()})
		}
	case errors.As(err, &ke):
		out = append(out, note{problem: true, text: fmt.Sprintf("needs one of robot %s's keywords (%s) in the title or text, or DingTalk refuses it (errcode 310000)", ke.Robot, strings.Join(ke.Keywords, ", "))})
	case err != nil:
		out = append(out, note{problem: true, text: err.Error()})
	}
	if p != nil {
		for _, w := range p.Warnings {
			if coveredWarning(w, covered) {
				continue
			}
			out = append(out, note{text: w.String(), people: w.Field == "at"})
		}
	}
	return out
}

// coveredWarning reports whether w is Prepare's "@handle notifies nobody" for a handle the
// composer has its own note on.
func coveredWarning(w dingtalk.Warning, covered map[string]bool) bool {
	if w.Field != "at" || !strings.HasPrefix(w.Message, "@") {
		return false
	}
	h, _, ok := strings.Cut(w.Message[1:], " notifies nobody")
	return ok && covered[h]
}

// unmentioned points out contacts whose @mobile or @userId is typed in the text but who will
// not be notified: DingTalk shows the bare handle and notifies nobody. It names the contact
// and how to mention them (typing @ opens the picker), one note per handle, and returns the
// handles it has a note on.
func unmentioned(m dingtalk.Message, contacts dingtalk.Contacts) ([]note, map[string]bool) {
	body := m.Body()
	if !strings.Contains(body, "@") {
		return nil, nil
	}
	var listed []string
	if m.At != nil {
		listed = append(append(listed, m.At.AtMobiles...), m.At.AtUserIDs...)
	}
	var out []note
	handles := map[string]bool{}
	for _, c := range contacts {
		for _, h := range []string{c.Mobile, c.UserID} {
			if h == "" || handles[h] || !dingtalk.ContainsMention(body, h) {
				continue
			}
			var text string
			isMobile := h == c.Mobile
			switch {
			case m.Type == dingtalk.TypeLink || m.Type == dingtalk.TypeFeedCard:
				text = fmt.Sprintf("@%s (%s) is plain text here: %ss cannot notify anyone; text, markdown and action cards can", h, c.Name, m.Type.Name())
			case m.Type == dingtalk.TypeActionCard && isMobile && c.UserID != "":
				text = fmt.Sprintf("@%s (%s) notifies nobody: action cards mention by userId; write @%s instead (type @ and pick %s)", h, c.Name, c.UserID, c.Name)
			case m.Type == dingtalk.TypeActionCard && isMobile:
				text = fmt.Sprintf("@%s (%s) notifies nobody: action cards mention by userId, and %s has none in the contacts", h, c.Name, c.Name)
			case slices.Contains(listed, h):
				continue
			default:
				text = fmt.Sprintf("@%s (%s) is typed but not mentioned, so not notified: type @ and pick %s to mention them", h, c.Name, c.Name)
			}
			handles[h] = true
			out = append(out, note{text: text, people: true})
		}
	}
	return out, handles
}

// textLines word-wraps plain text, as DingTalk shows a text message.
func textLines(st *styles.Styles, text string, width int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{st.Preview.Hint.Render("(empty)")}
	}
	wrapped := ansi.Hardwrap(ansi.Wordwrap(text, width, ""), width, true)
	return strings.Split(wrapped, "\n")
}

// mentionNames lists the contacts' names, longest first.
func mentionNames(cs dingtalk.Contacts) []string {
	var names []string
	for _, c := range cs {
		if c.Name != "" {
			names = append(names, c.Name)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	return names
}

// highlightMentions colours "@Name" for contacts and "@all" when everyone is notified. glamour
// styles a paragraph word by word, so a name of several words ("@Alicia Keys") has escape codes
// between its words: matches are found in the visible text of each line.
func highlightMentions(st *styles.Styles, s string, names []string, at *dingtalk.At) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var needles []string
	if at != nil && at.IsAtAll {
		needles = append(needles, "@all")
	}
	for _, n := range names {
		needles = append(needles, "@"+n)
	}
	// Longer first, so that "@Alicia Keys" wins over "@Alicia".
	sort.SliceStable(needles, func(i, j int) bool { return len(needles[i]) > len(needles[j]) })
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, "@") {
			lines[i] = highlightLine(st.Preview.Mention, l, needles)
		}
	}
	return strings.Join(lines, "\n")
}

// escapeCode matches the terminal escape sequences glamour and lipgloss write: CSI and OSC.
var escapeCode = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)`)

// highlightLine styles each needle found in the visible text of one line.
func highlightLine(style lipgloss.Style, line string, needles []string) string {
	text, at := visibleText(line)
	var found []styledRange
	taken := make([]bool, len(text))
	for _, n := range needles {
		for from := 0; ; {
			k := strings.Index(text[from:], n)
			if k < 0 {
				break
			}
			start, end := from+k, from+k+len(n)
			from = start + 1
			if slices.Contains(taken[start:end], true) || !mentionEnds(text, end) {
				continue
			}
			for x := start; x < end; x++ {
				taken[x] = true
			}
			found = append(found, styledRange{start, end, style})
		}
	}
	return restyle(line, text, at, found)
}

// visibleText is a line without its escape codes, and where each of its bytes is in the line.
func visibleText(line string) (string, []int) {
	codes := escapeCode.FindAllStringIndex(line, -1)
	plain := make([]byte, 0, len(line))
	at := make([]int, 0, len(line))
	for i, c := 0, 0; i < len(line); {
		if c < len(codes) && i == codes[c][0] {
			i = codes[c][1]
			c++
			continue
		}
		plain = append(plain, line[i])
		at = append(at, i)
		i++
	}
	return string(plain), at
}

// styledRange is a part of a line's visible text, from byte start to end, to draw in style.
type styledRange struct {
	start, end int
	style      lipgloss.Style
}

// restyle draws the ranges of a line's visible text (from visibleText) in their styles. After a
// range, the style in force at its end is set again (the colours and attributes set since the
// last reset, and the other escape codes inside the range), so what follows keeps its style.
func restyle(line, text string, at []int, ranges []styledRange) string {
	if len(ranges) == 0 {
		return line
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].start < ranges[j].start })
	codes := escapeCode.FindAllStringIndex(line, -1)
	var b strings.Builder
	prev := 0
	for _, r := range ranges {
		rawStart, rawEnd := at[r.start], at[r.end-1]+1
		if rawStart < prev {
			continue // overlaps the one before
		}
		b.WriteString(line[prev:rawStart])
		b.WriteString(r.style.Render(text[r.start:r.end]))
		since := 0 // the first code after the last reset before rawEnd
		for k, c := range codes {
			if c[0] >= rawEnd {
				break
			}
			if isSGRReset(line[c[0]:c[1]]) {
				since = k + 1
			}
		}
		for k, c := range codes {
			if c[0] >= rawEnd {
				break
			}
			code := line[c[0]:c[1]]
			if sgr := strings.HasSuffix(code, "m") && strings.HasPrefix(code, "\x1b["); (sgr && k >= since) || (!sgr && c[0] >= rawStart) {
				b.WriteString(code)
			}
		}
		prev = rawEnd
	}
	b.WriteString(line[prev:])
	return b.String()
}

// isSGRReset reports whether an escape code resets every colour and attribute.
func isSGRReset(code string) bool { return code == "\x1b[0m" || code == "\x1b[m" }

// mentionEnds reports whether a name ending at end is whole: "@Al" is not in "@Alice".
func mentionEnds(text string, end int) bool {
	if end >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
}

// notifies names who the message will notify, for the line under the bubble.
func notifies(m dingtalk.Message, contacts dingtalk.Contacts) string {
	if m.At.Empty() {
		return ""
	}
	var who []string
	if m.At.IsAtAll {
		who = append(who, "@all")
	}
	for _, h := range append(append([]string(nil), m.At.AtMobiles...), m.At.AtUserIDs...) {
		if c, ok := contacts.ByHandle(h); ok && c.Name != "" {
			who = append(who, "@"+c.Name)
		} else {
			who = append(who, "@"+h)
		}
	}
	return strings.Join(who, " ")
}
