package tui

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
)

// markdownStyle is glamour's style and colour profile, decided once before the program starts.
type markdownStyle struct {
	config  gansi.StyleConfig
	profile termenv.Profile
}

// newMarkdownStyle picks glamour's style: GLAMOUR_STYLE when set (a standard name or a JSON
// file), otherwise dark or light. "auto" would query the terminal, so it means dark or light
// here too. Without colour the style stays and the Ascii profile drops its colours: bold and
// underline remain, which NO_COLOR allows.
func newMarkdownStyle(opts Options, profile termenv.Profile) (markdownStyle, error) {
	ms := markdownStyle{profile: profile}
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
	// glamour wraps at spaces only: a long run of CJK, emoji or a URL stays too wide. Break it
	// anywhere rather than cut it.
	var wrapped []string
	for _, l := range lines {
		if lipgloss.Width(l) <= width {
			wrapped = append(wrapped, l)
			continue
		}
		wrapped = append(wrapped, wrapCells(l, width, leadIndent(l, width))...)
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
