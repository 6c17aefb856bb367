package sandbox

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

var (
	headerStyle = lipgloss.NewStyle().Bold(true)
	faintStyle  = lipgloss.NewStyle().Faint(true)
	titleStyle  = lipgloss.NewStyle().Bold(true)
	rejectStyle = lipgloss.NewStyle().Foreground(lipgloss.Color("9"))
	warnStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("11"))
	okStyle     = lipgloss.NewStyle().Foreground(lipgloss.Color("10"))
	cardStyle   = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
)

// Render shows one arrival for a terminal about width columns wide: for an
// accepted message a header line and the content roughly as DingTalk shows it,
// with who gets notified; for anything else one line with errcode and errmsg.
// Tokens are shortened to 4 characters; signs are never shown.
func Render(a Arrival, width int) string {
	if width < 20 {
		width = 20
	}
	head := strings.Join(nonEmpty(a.Time.Format("15:04:05"), "robot "+redact(a.Token), a.Msgtype), "  ")
	var out string
	switch {
	case !a.Accepted:
		out = head + "  " + rejectStyle.Render(rejection(a))
	case a.Duplicate:
		out = headerStyle.Render(head) + "  " + faintStyle.Render("duplicate msgUuid: answered ok, not posted again")
	default:
		parts := []string{headerStyle.Render(head), renderContent(a, width)}
		parts = append(parts, mentionLines(a)...)
		out = strings.Join(nonEmpty(parts...), "\n")
	}
	if len(a.Token) >= 16 { // a real token pasted into the content; short ones are ordinary words
		out = strings.ReplaceAll(out, a.Token, redact(a.Token))
	}
	return out
}

// redact keeps the first 4 characters of a token; the default sandbox token is no secret.
func redact(token string) string {
	switch r := []rune(token); {
	case token == DefaultToken:
		return token
	case len(r) == 0:
		return "(unknown)"
	case len(r) <= 4:
		return "…"
	default:
		return string(r[:4]) + "…"
	}
}

func rejection(a Arrival) string {
	msg := strings.Join(strings.Fields(clean(a.Errmsg)), " ")
	switch a.Status {
	case 200:
		return fmt.Sprintf("✗ errcode %d: %s", a.Errcode, msg)
	case 0:
		return "✗ no answer: " + msg
	}
	return fmt.Sprintf("✗ HTTP %d: %s", a.Status, msg)
}

func renderContent(a Arrival, width int) string {
	m := a.Message
	body, _ := m[a.Msgtype].(map[string]any)
	str := func(o map[string]any, k string) string { s, _ := o[k].(string); return clean(s) }
	switch a.Msgtype {
	case "text":
		return str(body, "content")
	case "markdown":
		return faintStyle.Render("chat list: ") + titleStyle.Render(str(body, "title")) + "\n" +
			renderMarkdown(str(body, "text"), width)
	case "link":
		lines := []string{titleStyle.Render(str(body, "title")), str(body, "text"), "→ " + str(body, "messageUrl")}
		if p := str(body, "picUrl"); p != "" {
			lines = append(lines, "picture: "+p)
		}
		return card(width, lines...)
	case "actionCard":
		lines := []string{titleStyle.Render(str(body, "title")), renderMarkdown(str(body, "text"), width-4)}
		var btns []string
		if t, u := str(body, "singleTitle"), str(body, "singleURL"); t != "" && u != "" {
			btns = append(btns, button(t, u))
		} else {
			list, _ := body["btns"].([]any)
			for _, b := range list {
				b, _ := b.(map[string]any)
				btns = append(btns, button(str(b, "title"), str(b, "actionURL")))
			}
		}
		sep := "\n"
		if str(body, "btnOrientation") == "1" {
			sep = "  "
		}
		lines = append(lines, strings.Join(btns, sep))
		if str(body, "hideAvatar") == "1" {
			lines = append(lines, faintStyle.Render("(avatar hidden)"))
		}
		return card(width, lines...)
	case "feedCard":
		list, _ := body["links"].([]any)
		var lines []string
		for _, l := range list {
			l, _ := l.(map[string]any)
			lines = append(lines, titleStyle.Render("• "+str(l, "title")),
				"  → "+str(l, "messageURL"), "  picture: "+str(l, "picURL"))
		}
		return card(width, lines...)
	}
	return ""
}

func button(title, url string) string {
	return "[ " + title + " ] → " + url
}

func card(width int, lines ...string) string {
	return cardStyle.Width(width - 2).Render(strings.Join(nonEmpty(lines...), "\n"))
}

// renderMarkdown renders with glamour and falls back to the source if that fails.
func renderMarkdown(md string, width int) (out string) {
	defer func() {
		if recover() != nil {
			out = md
		}
	}()
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(glamourStyle()), glamour.WithWordWrap(width))
	if err != nil {
		return md
	}
	s, err := r.Render(md)
	if err != nil {
		return md
	}
	return trimPadding(strings.Trim(s, "\n"))
}

// trailingPadding matches the blank, possibly coloured, cells glamour pads each line with.
var trailingPadding = regexp.MustCompile(`(?m)(?:\x1b\[[0-9;]*m| )+$`)

// trimPadding drops glamour's padding to the wrap width so that copied or piped output has no
// trailing blanks, resetting colours where the padding was.
func trimPadding(s string) string {
	return trailingPadding.ReplaceAllStringFunc(s, func(pad string) string {
		if strings.Contains(pad, "\x1b") {
			return "\x1b[0m"
		}
		return ""
	})
}

// glamourStyle honours GLAMOUR_STYLE when it names a built-in style and
// otherwise picks "dark", or "ascii" when output has no colours (piped, or NO_COLOR set);
// it never asks the terminal.
func glamourStyle() string {
	if lipgloss.ColorProfile() == termenv.Ascii {
		return styles.AsciiStyle
	}
	s := os.Getenv("GLAMOUR_STYLE")
	if _, ok := styles.DefaultStyles[s]; ok && s != styles.AutoStyle {
		return s
	}
	return styles.DarkStyle
}

func mentionLines(a Arrival) []string {
	var lines []string
	if a.AtAll {
		lines = append(lines, okStyle.Render("notifies: everyone (isAtAll)"))
	} else if at, _ := a.Message["at"].(map[string]any); at["isAtAll"] == true {
		lines = append(lines, warnStyle.Render(fmt.Sprintf("⚠ isAtAll is ignored: msgtype %s cannot mention", a.Msgtype)))
	}
	if len(a.Notified) > 0 {
		lines = append(lines, okStyle.Render("notifies: @"+clean(strings.Join(a.Notified, ", @"))))
	}
	for _, id := range a.NotNotified {
		why := fmt.Sprintf("msgtype %s cannot mention", a.Msgtype)
		if a.Msgtype == "text" || a.Msgtype == "markdown" {
			why = fmt.Sprintf("%q is not in the text", "@"+id)
		}
		lines = append(lines, warnStyle.Render(fmt.Sprintf("⚠ will not notify @%s: %s", clean(id), clean(why))))
	}
	for _, note := range a.Ignored {
		lines = append(lines, warnStyle.Render("⚠ "+clean(note)))
	}
	return lines
}

// clean drops control characters (terminal escapes) from text that arrived
// over the network, keeping newlines and tabs.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
