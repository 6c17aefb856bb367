package preview

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// markdownStyle is glamour's style and colour profile, decided once before the program starts.
type markdownStyle struct {
	// config is the style, its colours already converted to the profile (see styleForProfile).
	config  gansi.StyleConfig
	profile termenv.Profile
	// dark says the screen is drawn for a dark background: <font> colours that would not
	// show on it are left out.
	dark bool
	// fast, when set, draws the same screen as config at a fraction of the cost (see
	// newFastStyle); nil when the style cannot be drawn so.
	fast *fastStyle
}

// newMarkdownStyle picks glamour's style: GLAMOUR_STYLE when set (a standard name or a JSON
// file), otherwise dark or light. "auto" would query the terminal, so it means dark or light
// here too. Without colour the style stays and the Ascii profile drops its colours: bold and
// underline remain, which NO_COLOR allows.
func newMarkdownStyle(opts MarkdownOptions, profile termenv.Profile) (markdownStyle, error) {
	ms := markdownStyle{profile: profile, dark: opts.DarkScreen}
	if opts.NoColor {
		ms.profile = termenv.Ascii
	}
	name := strings.TrimSpace(opts.GlamourStyle)
	switch {
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
	if name != gstyles.AsciiStyle && name != gstyles.NoTTYStyle {
		// DingTalk shows a heading large and bold, never its "##": drop glamour's markers, except
		// in the plain styles, where nothing else sets a heading apart.
		for _, h := range []*gansi.StyleBlock{&ms.config.H1, &ms.config.H2, &ms.config.H3, &ms.config.H4, &ms.config.H5, &ms.config.H6} {
			if strings.Contains(h.Prefix, "#") && strings.Trim(h.Prefix, "# ") == "" {
				h.Prefix = ""
			}
		}
	}
	ms.config = styleForProfile(ms.config, ms.profile)
	registerUntaggedLexer()
	ms.fast = newFastStyle(ms.config, ms.profile)
	return ms, nil
}

// markdownLines renders markdown with glamour, using a fresh renderer: a TermRenderer is not
// safe for concurrent use.
func markdownLines(req renderRequest, text string, width int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{req.st.Preview.Hint.Render("(empty)")}
	}
	src := text
	var raws *rawBlocks
	if req.device == DevicePhone {
		src, raws = phoneMarkdown(text)
	}
	out, err := renderMarkdown(displayMentions(linkTextOnly(stripFont(src)), req.contacts, req.at), width, req.md)
	if err != nil {
		return textLines(req.st, text, width)
	}
	out = raws.put(out, width, func(s string) string { return displayMentions(s, req.contacts, req.at) })
	return colourFonts(out, fontSpans(src), req.md)
}

// fontSpan is the text of a <font color=…> tag and its colour.
type fontSpan struct {
	text  string
	color lipgloss.Color
}

var (
	fontTagged = regexp.MustCompile(`(?i)<font\b[^>]*?\bcolor\s*=\s*["']?(#[0-9a-f]{6}|#[0-9a-f]{3}|[a-z]+)\b["']?[^>]*>([^<\n]*)</font>`)
	// plainSpan is text glamour shows as it is: no markdown, no mention to rename.
	plainSpan  = regexp.MustCompile("^[^*_`\\[\\]<>\\\\~@#|]+$")
	colorNames = map[string]string{
		"red": "#ff0000", "green": "#008000", "blue": "#0000ff", "orange": "#ffa500", "yellow": "#ffff00",
		"purple": "#800080", "gray": "#808080", "grey": "#808080", "black": "#000000", "white": "#ffffff",
	}
)

// fontSpans lists DingTalk's <font color=…> spans of plain text, in order.
func fontSpans(text string) []fontSpan {
	if !strings.Contains(text, "<") {
		return nil
	}
	var out []fontSpan
	for _, m := range fontTagged.FindAllStringSubmatch(text, -1) {
		inner := strings.TrimSpace(m[2])
		c := strings.ToLower(m[1])
		if n, ok := colorNames[c]; ok {
			c = n
		}
		if len(c) == 4 && c[0] == '#' {
			c = string([]byte{'#', c[1], c[1], c[2], c[2], c[3], c[3]})
		}
		if len(c) != 7 || c[0] != '#' || inner == "" || !plainSpan.MatchString(inner) {
			continue
		}
		out = append(out, fontSpan{text: inner, color: lipgloss.Color(c)})
	}
	return out
}

// colourFonts draws the text of <font color=…> tags in their colour, as DingTalk does, finding
// each span's text in order in the rendered lines. A span broken over two lines, or a colour
// that would not show on the background, stays as glamour drew it; without colour, nothing
// changes.
func colourFonts(lines []string, spans []fontSpan, md markdownStyle) []string {
	if len(spans) == 0 || md.profile == termenv.Ascii {
		return lines
	}
	texts := make([]string, len(lines))
	ats := make([][]int, len(lines))
	for i, l := range lines {
		texts[i], ats[i] = visibleText(l)
	}
	ranges := make([][]styledRange, len(lines))
	li, off := 0, 0
	for _, sp := range spans {
		for lj := li; lj < len(lines); lj++ {
			from := 0
			if lj == li {
				from = off
			}
			k := strings.Index(texts[lj][from:], sp.text)
			if k < 0 {
				continue
			}
			start := from + k
			if shows(sp.color, md.dark) {
				st := lipgloss.NewStyle().Foreground(lipgloss.Color(styles.ProfileColour(md.profile, string(sp.color))))
				ranges[lj] = append(ranges[lj], styledRange{start, start + len(sp.text), st})
			}
			li, off = lj, start+len(sp.text)
			break
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = restyle(l, texts[i], ats[i], ranges[i])
	}
	return out
}

// shows reports whether a colour (#rrggbb) can be read on the background.
func shows(c lipgloss.Color, dark bool) bool {
	var r, g, b int
	if _, err := fmt.Sscanf(string(c), "#%02x%02x%02x", &r, &g, &b); err != nil {
		return false
	}
	lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 255
	if dark {
		return lum > 0.06
	}
	return lum < 0.94
}

// renderMarkdown is glamour with the composer's style, trimmed of blank edges.
func renderMarkdown(text string, width int, md markdownStyle) ([]string, error) {
	out, err := glamourRender(text, width, md)
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
	// glamour wraps at spaces only: a long run of CJK, emoji or a URL stays too wide. Break it
	// anywhere rather than cut it.
	var wrapped []string
	for _, l := range lines {
		if lipgloss.Width(l) <= width {
			wrapped = append(wrapped, l)
			continue
		}
		wrapped = append(wrapped, cell.Wrap(l, width, cell.LeadIndent(l, width))...)
	}
	return wrapped, nil
}

// glamourRender is glamour's rendering of text: by the fast style when there is one and it
// can draw the text (see fastStyle.draws), otherwise by the style as it is.
func glamourRender(text string, width int, md markdownStyle) (string, error) {
	if md.fast != nil && md.fast.draws(text) {
		out, err := glamourWith(text, width, md.fast.config, md.profile)
		if err == nil {
			if painted, ok := md.fast.paint(out); ok {
				return painted, nil
			}
		}
	}
	return glamourWith(text, width, md.config, md.profile)
}

// glamourWith renders with a fresh renderer: a TermRenderer is not safe for concurrent use.
// Lines break where DingTalk breaks them: at "two spaces + \n", not at a "\n" alone.
func glamourWith(text string, width int, config gansi.StyleConfig, profile termenv.Profile) (string, error) {
	text, hard := dingtalk.SoftBreaksJoined(text)
	opts := []glamour.TermRendererOption{
		glamour.WithStyles(config),
		glamour.WithWordWrap(max(10, width)),
		glamour.WithColorProfile(profile),
		glamour.WithChromaFormatter(codeFormatter),
	}
	if hard {
		opts = append(opts, glamour.WithPreservedNewLines())
	}
	r, err := glamour.NewTermRenderer(opts...)
	if err != nil {
		return "", err
	}
	return r.Render(text)
}

// styleForProfile converts every colour of a glamour style to the one the profile would draw
// it in (a #rrggbb to the nearest of 256 or 16 colours, a 256-colour number to the nearest of
// 16), once: glamour converts each colour again for every piece of text it styles, and on a
// 16-colour terminal (TERM=xterm) each conversion is a nearest-colour search in HSLuv. The
// colours of code (chroma) stay as they are: chroma wants #rrggbb and converts them itself.
func styleForProfile(c gansi.StyleConfig, p termenv.Profile) gansi.StyleConfig {
	if p != termenv.ANSI && p != termenv.ANSI256 {
		return c // TrueColor draws colours as they are; Ascii draws none
	}
	convertPrimitives(reflect.ValueOf(&c).Elem(), p)
	return c
}

// convertPrimitives converts the colours of every StylePrimitive in v, a struct of glamour's
// style, without following pointers (the chroma settings): the colour strings are replaced,
// never written through, as they are shared with glamour's standard styles.
func convertPrimitives(v reflect.Value, p termenv.Profile) {
	if v.Kind() != reflect.Struct {
		return
	}
	if sp, ok := v.Addr().Interface().(*gansi.StylePrimitive); ok {
		sp.Color = profileColourOf(sp.Color, p)
		sp.BackgroundColor = profileColourOf(sp.BackgroundColor, p)
		return
	}
	for i := 0; i < v.NumField(); i++ {
		convertPrimitives(v.Field(i), p)
	}
}

func profileColourOf(c *string, p termenv.Profile) *string {
	if c == nil {
		return nil
	}
	s := styles.ProfileColour(p, *c)
	return &s
}

// fastStyle is a glamour style that leaves the document's text colour out, and the colour
// (as SGR parameters) paint puts back.
//
// glamour pads every line to the wrap width with spaces, each drawn in the style of its
// block: with a document colour (dark, light and most styles have one), each of those spaces
// is an escape sequence of its own, which every writer of glamour then reads again. For 20 KB
// of markdown that is some 790 KB of output, most of the time of a render, for spaces that
// look the same without colour. Without the document colour glamour writes plain spaces, and
// the text that had the document colour has none; paint gives it back.
type fastStyle struct {
	config gansi.StyleConfig
	sgr    string
	// rules are the characters of a table's rules (lipgloss draws them without colour),
	// which paint leaves as they are inside a table.
	rules string
}

// Marks the fast style writes around what paint must leave as it is: zero-width CSI sequences
// that glamour's writers pass on and paint removes. Nothing else writes them: glamour drops
// control characters of the markdown.
const (
	markCodeStart = "\x1b[5991z"
	markCodeEnd   = "\x1b[5992z"
	markTable     = "\x1b[5993z"
	markTableEnd  = "\x1b[5994z"
	markIndent    = "\x1b[5995z"
	markIndentEnd = "\x1b[5996z"
)

// newFastStyle is the fast form of a style, or nil when the document colour is not only a
// text colour: a background, underline and the like show on the padding too.
func newFastStyle(c gansi.StyleConfig, p termenv.Profile) *fastStyle {
	d := c.Document.StylePrimitive
	if p == termenv.Ascii || d.Color == nil || d.BackgroundColor != nil || isSet(d.Underline) ||
		isSet(d.CrossedOut) || isSet(d.Overlined) || isSet(d.Inverse) {
		return nil
	}
	col := p.Color(*d.Color)
	if col == nil {
		return nil
	}
	f := &fastStyle{config: c, sgr: col.Sequence(false)}
	f.config.Document.Color = nil
	// Code highlighted by chroma (a theme or chroma colours, as CodeBlockElement decides) is
	// written as chroma draws it, without the document colour: what chroma leaves without
	// colour has the terminal's. Marked, paint leaves it so.
	if c.CodeBlock.Theme != "" || c.CodeBlock.Chroma != nil {
		f.config.CodeBlock.BlockPrefix = c.CodeBlock.BlockPrefix + markCodeStart
		f.config.CodeBlock.BlockSuffix = markCodeEnd + c.CodeBlock.BlockSuffix
	}
	// A table's rules are written by lipgloss without colour, its cells' text in the document
	// colour: marked, paint colours the cells' text and leaves the rules as they are. glamour
	// writes the marks around the table and around each piece of a cell's text as well (the
	// cells have the table's style), always in pairs, so the table is where marks are open.
	f.config.Table.BlockPrefix = c.Table.BlockPrefix + markTable
	f.config.Table.BlockSuffix = markTableEnd + c.Table.BlockSuffix
	// A block's indent token (a quote's "│ ") is drawn in the document colour before each line
	// of what the block holds, tables too: marked, paint colours it even inside a table.
	markIndentTokens(reflect.ValueOf(&f.config).Elem())
	border := lipgloss.NormalBorder()
	if t := c.Table; t.RowSeparator != nil && t.ColumnSeparator != nil {
		border = lipgloss.Border{Top: *t.RowSeparator, Bottom: *t.RowSeparator, Left: *t.ColumnSeparator, Right: *t.ColumnSeparator}
		if t.CenterSeparator != nil {
			border.Middle = *t.CenterSeparator
		}
	}
	f.rules = border.Top + border.Bottom + border.Left + border.Right + border.TopLeft + border.TopRight +
		border.BottomLeft + border.BottomRight + border.MiddleLeft + border.MiddleRight + border.Middle +
		border.MiddleTop + border.MiddleBottom
	return f
}

// draws reports whether the fast style draws text as the style does: not when a table's text
// may hold a character of the table's rules, which paint would leave without colour.
func (f *fastStyle) draws(text string) bool {
	return !strings.ContainsAny(text, f.rules) || !mayHoldTable(text)
}

func isSet(b *bool) bool { return b != nil && *b }

// markIndentTokens puts the indent marks around the indent token of every StyleBlock in v, a
// struct of glamour's style, without following pointers; the tokens are replaced, never
// written through, as they are shared with glamour's standard styles.
func markIndentTokens(v reflect.Value) {
	if v.Kind() != reflect.Struct {
		return
	}
	if sb, ok := v.Addr().Interface().(*gansi.StyleBlock); ok {
		if sb.IndentToken != nil {
			tok := markIndent + *sb.IndentToken + markIndentEnd
			sb.IndentToken = &tok
		}
	}
	for i := 0; i < v.NumField(); i++ {
		markIndentTokens(v.Field(i))
	}
}

// paint puts the document colour on the text of a fast render that has no foreground colour,
// outside code blocks and a table's rules, and removes the marks. ok is false when the marks
// do not pair up: then it must be drawn by the style as it is.
//
// One more difference is undone at the end of a line that glamour broke inside a span drawn on
// the background (a code span, a link's underline): the style drew the first padding space in
// the span's look and reset it, where the fast style's padding keeps the look to the line's end.
func (f *fastStyle) paint(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	on := "\x1b[" + f.sgr + "m"
	var st sgrState
	code := false
	table := 0  // marks open: inside a table when > 0
	indent := 0 // indent tokens open, which nest: a quote's token can hold another's
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\x1b':
			n := escapeLen(s[i:])
			seq := s[i : i+n]
			i += n
			switch seq {
			case markCodeStart:
				if code {
					return "", false
				}
				code = true
				continue
			case markCodeEnd:
				if !code {
					return "", false
				}
				code = false
				continue
			case markTable:
				table++
				continue
			case markTableEnd:
				if table == 0 {
					return "", false
				}
				table--
				continue
			case markIndent:
				indent++
				continue
			case markIndentEnd:
				if indent == 0 {
					return "", false
				}
				indent--
				continue
			}
			if n >= 3 && seq[1] == '[' && seq[n-1] == 'm' {
				st.apply(seq[2 : n-1])
			}
			b.WriteString(seq)
		case c == '\n':
			b.WriteByte(c)
			i++
		default:
			j := i
			for j < len(s) && s[j] != '\x1b' && s[j] != '\n' {
				j++
			}
			run := s[i:j]
			i = j
			core := strings.TrimRight(run, " ")
			trail := run[len(core):]
			switch {
			case st.fg || code || strings.TrimLeft(core, " ") == "":
				b.WriteString(core)
			case table > 0 && indent == 0:
				f.paintCells(&b, core, on)
			default:
				colourText(&b, core, on)
			}
			if len(trail) > 1 && st.onBlank && !code && lineEndsAt(s, j) {
				b.WriteString(trail[:1])
				b.WriteString("\x1b[0m")
				st = sgrState{}
				trail = trail[1:]
			}
			b.WriteString(trail)
		}
	}
	if code || table != 0 || indent != 0 {
		return "", false
	}
	return b.String(), true
}

// colourText writes text, its leading spaces as they are and the rest in the colour on.
func colourText(b *strings.Builder, text, on string) {
	k := len(text) - len(strings.TrimLeft(text, " "))
	b.WriteString(text[:k])
	if k == len(text) {
		return
	}
	b.WriteString(on)
	b.WriteString(text[k:])
	b.WriteString("\x1b[39m")
}

// paintCells writes a run of a table's line: the characters of its rules as they are, the
// cells' text in the colour on.
func (f *fastStyle) paintCells(b *strings.Builder, run, on string) {
	for run != "" {
		k := strings.IndexAny(run, f.rules)
		if k < 0 {
			colourText(b, run, on)
			return
		}
		colourText(b, run[:k], on)
		_, n := utf8.DecodeRuneInString(run[k:])
		for k+n < len(run) {
			r, m := utf8.DecodeRuneInString(run[k+n:])
			if !strings.ContainsRune(f.rules, r) {
				break
			}
			n += m
		}
		b.WriteString(run[k : k+n])
		run = run[k+n:]
	}
}

// lineEndsAt reports whether only escape sequences are left of s's line from i.
func lineEndsAt(s string, i int) bool {
	for i < len(s) && s[i] == '\x1b' {
		i += escapeLen(s[i:])
	}
	return i >= len(s) || s[i] == '\n'
}

// escapeLen is the length of the escape sequence s starts with: CSI, OSC (ended by BEL or ST),
// or ESC and one byte.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return len(s)
	case ']':
		for i := 2; i < len(s); i++ {
			if s[i] == '\a' {
				return i + 1
			}
			if s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	return 2
}

// sgrState is what paint follows of the SGR state: whether a foreground colour is set, and
// whether anything that shows on a blank (background, underline, reverse, strike, overline).
type sgrState struct {
	fg      bool
	onBlank bool
	blank   [5]bool // background, underline, reverse, strike, overline
}

// apply updates the state with the parameters of an SGR sequence.
func (st *sgrState) apply(params string) {
	if params == "" {
		*st = sgrState{}
		return
	}
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		if k := strings.IndexByte(p, ':'); k >= 0 {
			p = p[:k] // 38:2::r:g:b, 4:3 and the like carry their arguments
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			continue
		}
		switch {
		case n == 0:
			*st = sgrState{}
		case n == 39:
			st.fg = false
		case n >= 30 && n <= 37, n >= 90 && n <= 97:
			st.fg = true
		case n >= 40 && n <= 47, n >= 100 && n <= 107:
			st.blank[0] = true
		case n == 49:
			st.blank[0] = false
		case n == 4 || n == 24:
			st.blank[1] = n == 4 && ps[i] != "4:0"
		case n == 7 || n == 27:
			st.blank[2] = n == 7
		case n == 9 || n == 29:
			st.blank[3] = n == 9
		case n == 53 || n == 55:
			st.blank[4] = n == 53
		case n == 38 || n == 48 || n == 58:
			switch n {
			case 38:
				st.fg = true
			case 48:
				st.blank[0] = true
			}
			if strings.Contains(ps[i], ":") || i+1 >= len(ps) {
				continue
			}
			switch ps[i+1] {
			case "5":
				i += 2
			case "2":
				i += 4
			}
		}
	}
	st.onBlank = st.blank != [5]bool{}
}

// mayHoldTable reports whether text may hold a GFM table: one of its lines, past the marks of
// quotes and lists, is only pipes, dashes, colons and spaces, with a pipe and a dash, as every
// table's delimiter row is.
func mayHoldTable(text string) bool {
	if !strings.Contains(text, "|") {
		return false
	}
	for line := range strings.Lines(text) {
		line = strings.TrimLeft(line, " \t>*+-0123456789.)")
		line = strings.TrimRight(line, "\r\n")
		if strings.Trim(line, " \t|:-") == "" && strings.Contains(line, "|") && strings.Contains(line, "-") {
			return true
		}
	}
	return false
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
func stripFont(s string) string {
	if !strings.Contains(s, "<") {
		return s // the expression would read all of s to find nothing
	}
	return fontTag.ReplaceAllString(s, "")
}

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
