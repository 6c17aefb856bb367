package preview

import (
	"encoding/json"
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
	"github.com/dingbot/dingbot/tui/cell"
)

// markdownStyle is glamour's style and colour profile, decided once before the program starts.
type markdownStyle struct {
	config  gansi.StyleConfig
	profile termenv.Profile
	// dark says the screen is drawn for a dark background: <font> colours that would not
	// show on it are left out.
	dark bool
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
	return ms, nil
}

// markdownLines renders markdown with glamour, using a fresh renderer: a TermRenderer is not
// safe for concurrent use.
func markdownLines(req renderRequest, text string, width int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{req.st.Preview.Hint.Render("(empty)")}
	}
	out, err := renderMarkdown(displayMentions(linkTextOnly(stripFont(text)), req.contacts, req.at), width, req.md)
	if err != nil {
		return textLines(req.st, text, width)
	}
	return colourFonts(out, fontSpans(text), req.md)
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
				st := lipgloss.NewStyle().Foreground(sp.color)
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
