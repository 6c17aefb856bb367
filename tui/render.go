package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/glamour"
	gansi "github.com/charmbracelet/glamour/ansi"
	gstyles "github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
)

// markdownStyle is glamour's style and colour profile, decided once before the program starts.
type markdownStyle struct {
	config  gansi.StyleConfig
	profile termenv.Profile
}

// newMarkdownStyle picks glamour's style: notty without colour, GLAMOUR_STYLE when set (a
// standard name or a JSON file), otherwise dark or light. "auto" would query the terminal, so
// it means dark or light here too.
func newMarkdownStyle(opts Options, profile termenv.Profile) (markdownStyle, error) {
	ms := markdownStyle{profile: profile}
	name := strings.TrimSpace(opts.GlamourStyle)
	switch {
	case opts.NoColor:
		ms.config = gstyles.NoTTYStyleConfig
		ms.profile = max(profile, termenv.ANSI) // attributes at most: termenv orders Ascii last
	case name == "" || name == gstyles.AutoStyle:
		if opts.Dark {
			ms.config = gstyles.DarkStyleConfig
		} else {
			ms.config = gstyles.LightStyleConfig
		}
	case gstyles.DefaultStyles[name] != nil:
		ms.config = *gstyles.DefaultStyles[name]
	default:
		data, err := os.ReadFile(name)
		if err != nil {
			return ms, fmt.Errorf("GLAMOUR_STYLE %q is neither a glamour style (dark, light, notty, ascii, dracula, pink, tokyo-night) nor a readable JSON style file: %w", name, err)
		}
		if err := json.Unmarshal(data, &ms.config); err != nil {
			return ms, fmt.Errorf("GLAMOUR_STYLE %s: %w", name, err)
		}
	}
	// The preview pane is narrow: no document margin, no blank lines around the document.
	zero := uint(0)
	ms.config.Document.Margin = &zero
	ms.config.Document.BlockPrefix = ""
	ms.config.Document.BlockSuffix = ""
	return ms, nil
}

// renderRequest is everything one preview render needs, copied out of the model so that the
// render can run in a command while the user keeps typing.
type renderRequest struct {
	seq      int
	msg      dingtalk.Message
	robot    dingtalk.Robot
	contacts dingtalk.Contacts
	width    int
	md       markdownStyle
	st       *styles
	// empty is true for a blank editor: nothing to point out yet.
	empty bool
	// at is who the prepared message mentions; set by renderPreview.
	at *dingtalk.At
}

// note is one line of advice under the preview: a problem that stops the send, or a warning.
type note struct {
	problem bool
	text    string
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
}

// previewMsg carries a finished render back to Update.
type previewMsg renderResult

// renderPreview prepares the message for the robot and draws it as DingTalk will show it:
// the chat-list line, the robot's name, then the message. It is slow for long markdown (glamour)
// and must run in a command.
func renderPreview(req renderRequest) renderResult {
	res := renderResult{seq: req.seq, width: req.width}
	p, err := dingtalk.Prepare(req.robot, req.msg, dingtalk.PrepareOptions{})
	res.prepared, res.err = p, err
	shown := req.msg
	if p != nil && p.Body != nil {
		shown = p.Message
	}
	req.at = shown.At
	if !req.empty {
		res.notes = append(notesFor(p, err), unmentioned(shown, req.contacts)...)
	}
	res.keyword, res.keywordOK = dingtalk.MatchKeyword(shown, req.robot.Keywords)

	st := req.st
	w := max(20, req.width)
	var b strings.Builder
	title := shown.Title()
	if strings.TrimSpace(title) == "" {
		title = st.hint.Render("(no title)")
	} else {
		title = st.chatTitle.Render(truncate(oneLine(title), w-lipgloss.Width(req.robot.Name)-14))
	}
	b.WriteString(st.paneTitle.Render("Chat list") + "  " + st.avatar.Render("◆ "+req.robot.Name+": ") + title + "\n")
	b.WriteString(st.rule.Render(strings.Repeat("─", w)) + "\n")
	if shown.Type != dingtalk.TypeActionCard || shown.ActionCard == nil || shown.ActionCard.HideAvatar != "1" {
		b.WriteString(st.avatar.Render("◆ "+req.robot.Name) + "\n")
	}
	names := mentionNames(req.contacts)
	var body string
	switch shown.Type {
	case dingtalk.TypeText:
		body = frame(st, w, [][]string{textLines(st, displayMentions(shown.Text.Content, req.contacts, shown.At), w-4)})
	case dingtalk.TypeMarkdown:
		body = frame(st, w, [][]string{markdownLines(req, shown.Markdown.Text, w-4)})
	case dingtalk.TypeLink:
		body = linkCard(st, shown.Link, min(w, 60))
	case dingtalk.TypeActionCard:
		body = actionCard(req, shown.ActionCard, w)
	case dingtalk.TypeFeedCard:
		body = feedCard(st, shown.FeedCard, min(w, 60))
	}
	b.WriteString(highlightMentions(st, body, names, shown.At))
	if who := notifies(shown, req.contacts); who != "" {
		b.WriteString("\n" + st.muted.Render("notifies ") + st.mention.Render(who))
	}
	res.content = b.String()
	return res
}

// notesFor lists what Prepare found: problems first, then warnings.
func notesFor(p *dingtalk.Prepared, err error) []note {
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
			out = append(out, note{text: w.String()})
		}
	}
	return out
}

// unmentioned points out contacts whose @handle is typed in the text but who are not mentioned:
// DingTalk shows the bare number and notifies nobody.
func unmentioned(m dingtalk.Message, contacts dingtalk.Contacts) []note {
	body := m.Body()
	if !strings.Contains(body, "@") {
		return nil
	}
	var out []note
	for _, c := range contacts {
		h := c.Handle()
		if m.Type == dingtalk.TypeActionCard {
			h = c.UserID
		}
		if h == "" || !dingtalk.ContainsMention(body, h) {
			continue
		}
		listed := false
		if m.At != nil {
			for _, x := range append(append([]string(nil), m.At.AtMobiles...), m.At.AtUserIDs...) {
				listed = listed || x == h
			}
		}
		if !listed {
			out = append(out, note{text: fmt.Sprintf("@%s (%s) is typed but not mentioned, so not notified: ctrl+a to pick them", h, c.Name)})
		}
	}
	return out
}

// markdownLines renders markdown with glamour, using a fresh renderer: a TermRenderer is not
// safe for concurrent use.
func markdownLines(req renderRequest, text string, width int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{req.st.hint.Render("(empty)")}
	}
	out, err := renderMarkdown(displayMentions(linkTextOnly(stripFont(text)), req.contacts, req.at), width, req.md)
	if err != nil {
		return textLines(req.st, text, width)
	}
	return out
}

// renderMarkdown is glamour with the composer's style, trimmed of blank edges.
func renderMarkdown(text string, width int, md markdownStyle) ([]string, error) {
	r, err := glamour.NewTermRenderer(
		glamour.WithStyles(md.config),
		glamour.WithWordWrap(max(10, width)),
		glamour.WithColorProfile(md.profile),
	)
	if err != nil {
		return nil, err
	}
	out, err := r.Render(text)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(out, "\n")
	for len(lines) > 0 && strings.TrimSpace(ansi.Strip(lines[0])) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	return lines, nil
}

// textLines word-wraps plain text, as DingTalk shows a text message.
func textLines(st *styles, text string, width int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{st.hint.Render("(empty)")}
	}
	wrapped := ansi.Hardwrap(ansi.Wordwrap(text, width, ""), width, true)
	return strings.Split(wrapped, "\n")
}

var (
	fontTag    = regexp.MustCompile(`(?i)</?font\b[^>]*>`)
	inlineLink = regexp.MustCompile(`(^|[^!\\])\[([^\]\n]*)\]\(([^()\s]+)(\s+"[^"\n]*")?\)`)
)

// linkTextOnly shows links as DingTalk does, by their text alone: glamour prints the URL after
// the text unless the target is a bare "#".
func linkTextOnly(s string) string {
	if !strings.Contains(s, "](") {
		return s
	}
	return inlineLink.ReplaceAllString(s, "$1[$2](#)")
}

// stripFont keeps the text of DingTalk's <font color=…> tags, which glamour would drop.
func stripFont(s string) string { return fontTag.ReplaceAllString(s, "") }

// displayMentions shows "@13800000000" as "@Name" for contacts the message mentions, as DingTalk
// does; a number that is only typed stays a number.
func displayMentions(text string, contacts dingtalk.Contacts, at *dingtalk.At) string {
	if !strings.Contains(text, "@") || at.Empty() {
		return text
	}
	type rep struct{ handle, name string }
	var reps []rep
	for _, h := range append(append([]string(nil), at.AtMobiles...), at.AtUserIDs...) {
		if c, ok := contacts.ByHandle(h); ok && c.Name != "" {
			reps = append(reps, rep{h, c.Name})
		}
	}
	// Longer handles first, so that one handle that prefixes another is not replaced inside it.
	sort.SliceStable(reps, func(i, j int) bool { return len(reps[i].handle) > len(reps[j].handle) })
	for _, r := range reps {
		text = replaceMention(text, r.handle, r.name)
	}
	return text
}

// replaceMention replaces whole-word "@handle" mentions, as dingtalk.ContainsMention sees them.
func replaceMention(text, handle, name string) string {
	needle := "@" + handle
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(text[i:], needle)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(needle)
		whole := !(start > 0 && isWordByte(text[start-1]))
		if whole && end < len(text) {
			r, _ := utf8.DecodeRuneInString(text[end:])
			whole = !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
		}
		b.WriteString(text[i:start])
		if whole {
			b.WriteString("@" + name)
		} else {
			b.WriteString(needle)
		}
		i = end
	}
	if i == 0 {
		return text
	}
	b.WriteString(text[i:])
	return b.String()
}

func isWordByte(b byte) bool {
	return b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
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

// highlightMentions colours "@Name" for contacts and "@all" when everyone is notified.
func highlightMentions(st *styles, s string, names []string, at *dingtalk.At) string {
	if !strings.Contains(s, "@") {
		return s
	}
	if at != nil && at.IsAtAll {
		names = append(names, "all")
	}
	for _, n := range names {
		needle := "@" + n
		if strings.Contains(s, needle) {
			s = strings.ReplaceAll(s, needle, st.mention.Render(needle))
		}
	}
	return s
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

// frame draws a rounded box of outer width w around blocks separated by rules. The last block
// may be split into columns (side-by-side buttons) at the given inner offsets.
func frame(st *styles, w int, blocks [][]string, cols ...int) string {
	inner := max(1, w-4)
	bc := st.rule
	var b strings.Builder
	hline := func(left, mid, right string, marks []int) string {
		run := []rune(strings.Repeat("─", inner+2))
		for _, c := range marks {
			if c+1 < len(run) {
				run[c+1] = []rune(mid)[0]
			}
		}
		return bc.Render(left+string(run)+right) + "\n"
	}
	b.WriteString(hline("╭", "", "╮", nil))
	for i, blk := range blocks {
		last := i == len(blocks)-1
		if i > 0 {
			var marks []int
			if last {
				marks = cols
			}
			b.WriteString(hline("├", "┬", "┤", marks))
		}
		for _, l := range blk {
			b.WriteString(bc.Render("│") + " " + fit(l, inner) + " " + bc.Render("│") + "\n")
		}
	}
	var marks []int
	if len(blocks) > 1 {
		marks = cols
	}
	b.WriteString(strings.TrimSuffix(hline("╰", "┴", "╯", marks), "\n"))
	return b.String()
}

// linkCard draws a link message: title, text cut short, picture and where it leads.
func linkCard(st *styles, l *dingtalk.Link, w int) string {
	inner := max(1, w-4)
	var lines []string
	lines = append(lines, clip(textLinesStyled(st.cardTitle, orEmptyPlain(l.Title), inner), 2)...)
	text := textLinesStyled(st.cardText, l.Text, inner)
	if strings.TrimSpace(l.Text) == "" {
		text = nil
	}
	lines = append(lines, clip(text, 3)...)
	if l.PicURL != "" {
		lines = append(lines, st.picture.Render(" picture "))
	}
	lines = append(lines, st.cardURL.Render(truncate("↗ "+orDash(l.MessageURL), inner)))
	return frame(st, w, [][]string{lines})
}

// actionCard draws an action card: markdown text, then its buttons as DingTalk lays them out.
func actionCard(req renderRequest, a *dingtalk.ActionCard, w int) string {
	st := req.st
	inner := max(1, w-4)
	text := markdownLines(req, a.Text, inner)
	single := a.SingleTitle != "" || a.SingleURL != ""
	if single || len(a.Buttons) == 0 {
		label := a.SingleTitle
		if label == "" {
			label = "(button title)"
		}
		return frame(st, w, [][]string{text, {center(st.button.UnsetBorderStyle().Border(lipgloss.HiddenBorder(), false).Render(label+"  ›"), inner)}})
	}
	btn := func(b dingtalk.Button, width int) string {
		t := b.Title
		if t == "" {
			t = "(button)"
		}
		return center(st.button.UnsetBorderStyle().Border(lipgloss.HiddenBorder(), false).Render(truncate(t, width)), width)
	}
	if a.BtnOrientation == dingtalk.ButtonsHorizontal {
		n := len(a.Buttons)
		colW := (inner + 3 - 3*(n-1)) / n
		var parts []string
		var cols []int
		pos := 0
		for i, b := range a.Buttons {
			cw := colW
			if i == n-1 {
				cw = inner - pos
			}
			parts = append(parts, fit(btn(b, cw), cw))
			pos += cw
			if i < n-1 {
				cols = append(cols, pos+1)
				pos += 3
			}
		}
		row := strings.Join(parts, " "+st.rule.Render("│")+" ")
		return frame(st, w, [][]string{text, {row}}, cols...)
	}
	blocks := [][]string{text}
	for _, b := range a.Buttons {
		blocks = append(blocks, []string{btn(b, inner)})
	}
	return frame(st, w, blocks)
}

// feedCard draws a feed card: the first link large with its picture, the others as rows.
func feedCard(st *styles, f *dingtalk.FeedCard, w int) string {
	inner := max(1, w-4)
	var blocks [][]string
	for i, l := range f.Links {
		title := st.cardTitle.Render(truncate(orEmptyPlain(l.Title), inner-10))
		if i == 0 {
			pic := st.picture.Width(inner - 2).Align(lipgloss.Center).Render("picture")
			blocks = append(blocks, append(strings.Split(pic, "\n"), st.cardTitle.Render(truncate(orEmptyPlain(l.Title), inner))))
			continue
		}
		gap := inner - lipgloss.Width(title) - 7
		blocks = append(blocks, []string{title + strings.Repeat(" ", max(1, gap)) + st.picture.UnsetBorderStyle().Border(lipgloss.HiddenBorder(), false).Render("[pic]")})
	}
	if len(blocks) == 0 {
		blocks = [][]string{{st.hint.Render("(no links)")}}
	}
	return frame(st, w, blocks)
}

func textLinesStyled(s lipgloss.Style, text string, width int) []string {
	wrapped := ansi.Hardwrap(ansi.Wordwrap(text, width, ""), width, true)
	lines := strings.Split(wrapped, "\n")
	for i, l := range lines {
		lines[i] = s.Render(l)
	}
	return lines
}

// clip keeps at most n lines, marking the cut with an ellipsis.
func clip(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := append([]string(nil), lines[:n]...)
	out[n-1] = strings.TrimRight(ansi.Strip(out[n-1]), " ") + "…"
	return out
}

func center(s string, w int) string {
	return lipgloss.PlaceHorizontal(w, lipgloss.Center, s)
}

func truncate(s string, w int) string { return ansi.Truncate(s, max(1, w), "…") }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orEmptyPlain(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(title)"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "(link URL)"
	}
	return s
}
