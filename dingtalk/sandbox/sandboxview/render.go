// Package sandboxview shows sandbox arrivals on a terminal, roughly as DingTalk shows the
// messages. It is apart from the sandbox so that the emulator (an http.Handler) carries no
// terminal renderer.
//
// Everything shown is safe to print: the secrets and tokens of the sandbox's robots, signatures
// and anything that looks like a secret are masked (sandbox.Arrival.Mask), and no control
// character or escape sequence from the network reaches the terminal; the only escape codes in
// the output are the colours Render adds itself.
package sandboxview

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// Style is how Render draws. The zero value is Plain.
type Style struct {
	markdown string          // a glamour built-in style; "" when plain
	profile  termenv.Profile // colours, when not plain
}

// Plain draws without colours or any escape code: for a pipe, a file, NO_COLOR or TERM=dumb.
var Plain = Style{}

// Colored draws markdown in the glamour built-in style named markdown ("dark" if it names none)
// and everything with the colours of profile (termenv.Ascii draws plain).
func Colored(markdown string, profile termenv.Profile) Style {
	if profile == termenv.Ascii {
		return Plain
	}
	if _, ok := styles.DefaultStyles[markdown]; !ok || markdown == styles.AutoStyle ||
		markdown == styles.AsciiStyle || markdown == styles.NoTTYStyle {
		markdown = styles.DarkStyle
	}
	return Style{markdown: markdown, profile: profile}
}

// StyleFor decides once, from the environment alone, how to draw on out: Plain unless out is a
// terminal and neither NO_COLOR nor TERM=dumb says otherwise; then GLAMOUR_STYLE if it names a
// built-in style, else "dark". It never queries the terminal (some never answer).
func StyleFor(out io.Writer, getenv func(string) string) Style {
	f, ok := out.(interface{ Fd() uintptr })
	if !ok || !isTerminal(f.Fd()) || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return Plain
	}
	profile := termenv.ANSI256
	switch ct := strings.ToLower(getenv("COLORTERM")); {
	case ct == "truecolor" || ct == "24bit":
		profile = termenv.TrueColor
	case !strings.Contains(getenv("TERM"), "256") && ct == "":
		profile = termenv.ANSI
	}
	return Colored(getenv("GLAMOUR_STYLE"), profile)
}

func isTerminal(fd uintptr) bool { return term.IsTerminal(int(fd)) }

// drawing holds Render's lipgloss styles for one Style.
type drawing struct {
	Style
	header, faint, title, reject, warn, ok, card lipgloss.Style
}

func newDrawing(st Style) drawing {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	if st != Plain {
		r.SetColorProfile(st.profile)
	}
	r.SetHasDarkBackground(st.markdown != styles.LightStyle) // never asked of the terminal
	return drawing{
		Style:  st,
		header: r.NewStyle().Bold(true),
		faint:  r.NewStyle().Faint(true),
		title:  r.NewStyle().Bold(true),
		reject: r.NewStyle().Foreground(lipgloss.Color("9")),
		warn:   r.NewStyle().Foreground(lipgloss.Color("11")),
		ok:     r.NewStyle().Foreground(lipgloss.Color("10")),
		card:   r.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
	}
}

// Render shows one arrival for a terminal about width columns wide: for an accepted message a
// header line and the content roughly as DingTalk shows it, with who gets notified; for anything
// else one line with errcode and errmsg. The robot is named by a fingerprint of its token;
// secrets, tokens and signatures are masked, and nothing from the network can send the
// terminal an escape sequence.
func Render(a sandbox.Arrival, width int, st Style) string {
	if width < 20 {
		width = 20
	}
	d := newDrawing(st)
	text := func(s string) string { return a.Mask(printable(s)) }
	head := strings.Join(nonEmpty(a.Time.Format("15:04:05"), "robot "+shortToken(a.Token), text(a.Msgtype)), "  ")
	var out string
	switch {
	case !a.Accepted:
		out = head + "  " + d.reject.Render(rejection(a, text))
	case a.Duplicate:
		out = d.header.Render(head) + "  " + d.faint.Render("duplicate msgUuid: answered ok, not posted again")
	default:
		parts := []string{d.header.Render(head), d.content(a, width, text)}
		parts = append(parts, d.mentionLines(a, text)...)
		out = strings.Join(nonEmpty(parts...), "\n")
	}
	// Once more over the whole: markdown turns character references such as &#27; into the
	// characters themselves, after the texts were cleaned.
	return a.Mask(safe(out, st != Plain))
}

// shortToken names a robot without any character of its token: a short fingerprint (the first
// hex digits of the token's SHA-256, as the config shows secrets). The default sandbox token is
// no secret.
func shortToken(token string) string {
	switch token {
	case sandbox.DefaultToken:
		return token
	case "":
		return "(unknown)"
	}
	sum := sha256.Sum256([]byte(token))
	return "…sha256:" + hex.EncodeToString(sum[:3])
}

func rejection(a sandbox.Arrival, text func(string) string) string {
	msg := strings.Join(strings.Fields(text(a.Errmsg)), " ")
	switch a.Status {
	case 200:
		return fmt.Sprintf("✗ errcode %d: %s", a.Errcode, msg)
	case 0:
		return "✗ no answer: " + msg
	}
	return fmt.Sprintf("✗ HTTP %d: %s", a.Status, msg)
}

func (d drawing) content(a sandbox.Arrival, width int, text func(string) string) string {
	body, _ := a.Message[a.Msgtype].(map[string]any)
	str := func(o map[string]any, k string) string { s, _ := o[k].(string); return text(s) }
	switch a.Msgtype {
	case "text":
		return str(body, "content")
	case "markdown":
		return d.faint.Render("chat list: ") + d.title.Render(str(body, "title")) + "\n" +
			d.markdown(str(body, "text"), width)
	case "link":
		lines := []string{d.title.Render(str(body, "title")), str(body, "text"), "→ " + str(body, "messageUrl")}
		if p := str(body, "picUrl"); p != "" {
			lines = append(lines, "picture: "+p)
		}
		return d.box(width, lines...)
	case "actionCard":
		lines := []string{d.title.Render(str(body, "title")), d.markdown(str(body, "text"), width-4)}
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
			lines = append(lines, d.faint.Render("(avatar hidden)"))
		}
		return d.box(width, lines...)
	case "feedCard":
		list, _ := body["links"].([]any)
		var lines []string
		for _, l := range list {
			l, _ := l.(map[string]any)
			lines = append(lines, d.title.Render("• "+str(l, "title")),
				"  → "+str(l, "messageURL"), "  picture: "+str(l, "picURL"))
		}
		return d.box(width, lines...)
	}
	return ""
}

func button(title, url string) string {
	return "[ " + title + " ] → " + url
}

func (d drawing) box(width int, lines ...string) string {
	return d.card.Width(width - 2).Render(strings.Join(nonEmpty(lines...), "\n"))
}

// markdown renders with glamour and falls back to the source if that fails.
func (d drawing) markdown(md string, width int) (out string) {
	defer func() {
		if recover() != nil {
			out = md
		}
	}()
	style, profile := d.Style.markdown, d.profile
	if d.Style == Plain {
		style, profile = styles.AsciiStyle, termenv.Ascii
	}
	// DingTalk breaks a line at "two spaces + \n" only: keep those, join the rest.
	md, hard := dingtalk.SoftBreaksJoined(md)
	opts := []glamour.TermRendererOption{glamour.WithStandardStyle(style), glamour.WithColorProfile(profile),
		glamour.WithWordWrap(width)}
	if hard {
		opts = append(opts, glamour.WithPreservedNewLines())
	}
	r, err := glamour.NewTermRenderer(opts...)
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

func (d drawing) mentionLines(a sandbox.Arrival, text func(string) string) []string {
	var lines []string
	if a.AtAll {
		lines = append(lines, d.ok.Render("notifies: everyone (isAtAll)"))
	} else if at, _ := a.Message["at"].(map[string]any); at["isAtAll"] == true {
		lines = append(lines, d.warn.Render(fmt.Sprintf("⚠ isAtAll is ignored: msgtype %s cannot mention", text(a.Msgtype))))
	}
	if len(a.Notified) > 0 {
		lines = append(lines, d.ok.Render("notifies: @"+text(strings.Join(a.Notified, ", @"))))
	}
	for _, id := range a.NotNotified {
		why := fmt.Sprintf("msgtype %s cannot mention", a.Msgtype)
		if a.Msgtype == "text" || a.Msgtype == "markdown" {
			why = fmt.Sprintf("%q is not in the text", "@"+id)
		}
		lines = append(lines, d.warn.Render(fmt.Sprintf("⚠ will not notify @%s: %s", text(id), text(why))))
	}
	for _, note := range a.Ignored {
		lines = append(lines, d.warn.Render("⚠ "+text(note)))
	}
	return lines
}

// printable drops control characters (C0 but newline and tab, DEL, C1) from text that arrived
// over the network: with them every escape sequence loses its ESC.
func printable(s string) string {
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

// safe is printable for rendered output: with keepColors it keeps the colour sequences
// (ESC [ digits and semicolons m) that the renderer wrote; every other ESC, control character
// and invalid byte goes.
func safe(s string, keepColors bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == 0x1b && keepColors {
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sgrLen is the length of the colour sequence s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c == ';' || (c >= '0' && c <= '9'):
		default:
			return 0
		}
	}
	return 0
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
