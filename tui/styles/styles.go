// Package styles holds every style of the composer, grouped by the part that draws with it, so
// that one place decides how the composer looks. It is a leaf: any part of tui may import it.
package styles

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// palette is the handful of colours the composer uses, chosen once for a dark or light
// background. Explicit colours only: lipgloss.AdaptiveColor would query the terminal.
//
// Every colour text is written in, faint hints included, reads at a WCAG contrast of 4.5:1 or
// more on a white background (light) or a black one (dark), and accentText on accentBg too
// (TestContrast); border draws only lines.
type palette struct {
	text, muted, faint, accent, accentText, accentBg, ok, warn, bad, mention, border lipgloss.TerminalColor
}

// newPalette is the palette for the background, its colours converted once to the colour
// profile of lipgloss's renderer, the one the styles are drawn with (see ProfileColour).
func newPalette(dark, noColor bool) palette {
	if noColor {
		n := lipgloss.NoColor{}
		return palette{n, n, n, n, n, n, n, n, n, n, n}
	}
	p := basePalette(dark)
	prof := lipgloss.ColorProfile()
	for _, c := range p.all() {
		if col, ok := (*c).(lipgloss.Color); ok {
			*c = lipgloss.Color(ProfileColour(prof, string(col)))
		}
	}
	return p
}

// all is every colour of the palette, to change in place.
func (p *palette) all() []*lipgloss.TerminalColor {
	return []*lipgloss.TerminalColor{&p.text, &p.muted, &p.faint, &p.accent, &p.accentText, &p.accentBg, &p.ok, &p.warn, &p.bad, &p.mention, &p.border}
}

// basePalette is the palette as designed, for a terminal of any colour.
func basePalette(dark bool) palette {
	if dark {
		return palette{
			text:       lipgloss.Color("252"),
			muted:      lipgloss.Color("248"),
			faint:      lipgloss.Color("244"),
			accent:     lipgloss.Color("#3296FA"),
			accentText: lipgloss.Color("#FFFFFF"),
			accentBg:   lipgloss.Color("#1F6FD1"),
			ok:         lipgloss.Color("#4FD08A"),
			warn:       lipgloss.Color("#F5A623"),
			bad:        lipgloss.Color("#FF6B6B"),
			mention:    lipgloss.Color("#5CB3FF"),
			border:     lipgloss.Color("238"),
		}
	}
	return palette{
		text:       lipgloss.Color("235"),
		muted:      lipgloss.Color("239"),
		faint:      lipgloss.Color("242"),
		accent:     lipgloss.Color("#0A6CFF"),
		accentText: lipgloss.Color("#FFFFFF"),
		accentBg:   lipgloss.Color("#0A6CFF"),
		ok:         lipgloss.Color("#1A7F37"),
		warn:       lipgloss.Color("#9A6700"),
		bad:        lipgloss.Color("#CF222E"),
		mention:    lipgloss.Color("#0A6CFF"),
		border:     lipgloss.Color("252"),
	}
}

// ProfileColour is the colour c (#rrggbb or a colour number) as the profile draws it: the
// number of the nearest of 256 or 16 colours where the profile has no more, or c itself.
// termenv converts a colour each time it draws one, and on a 16-colour terminal (TERM=xterm)
// each conversion is a nearest-colour search in HSLuv: converted once, a colour costs nothing
// more. The preview converts glamour's style and <font> colours with it too.
func ProfileColour(p termenv.Profile, c string) string {
	if p != termenv.ANSI && p != termenv.ANSI256 {
		return c
	}
	key := profileColourKey{p, c}
	if v, ok := profileColours.Load(key); ok {
		return v.(string)
	}
	out := c
	switch v := p.Color(c).(type) {
	case termenv.ANSIColor:
		out = strconv.Itoa(int(v))
	case termenv.ANSI256Color:
		out = strconv.Itoa(int(v))
	}
	if profileColoursN.Add(1) <= 4096 {
		profileColours.Store(key, out)
	}
	return out
}

type profileColourKey struct {
	p termenv.Profile
	c string
}

// profileColours caches ProfileColour: the composer's colours, glamour's and those of <font>
// tags, a handful in all, and at most 4096 whatever the markdown holds.
var (
	profileColours  sync.Map
	profileColoursN atomic.Int32
)

// Styles is every style of the composer, by the part that uses it.
type Styles struct {
	Frame   Frame
	Editor  Editor
	Preview Preview
	Status  Status
	Dialog  Dialog
	List    List
	Help    help.Styles
}

// Frame styles the header, the pane titles, the rules between panes and the full-screen views.
type Frame struct {
	Header, HeaderName, Tab, TabActive, Version lipgloss.Style
	PaneTitle, Rule, Hint, Muted                lipgloss.Style
	Warning, Good                               lipgloss.Style
}

// Editor styles the form: labels, toggles, one-line inputs, the body and the mentions.
type Editor struct {
	Label, LabelFocused, Marker, Hint, ToggleOn, ToggleOff lipgloss.Style
	// Text, Placeholder and Cursor are the inputs' (and the body's); PromptOn and PromptOff
	// the body's left bar, focused or not.
	Text, Placeholder, Cursor, PromptOn, PromptOff lipgloss.Style
	Chip, ChipAll                                  lipgloss.Style
}

// Preview styles the message as DingTalk shows it, and the notes under it.
type Preview struct {
	PaneTitle, Hint, Rule, Muted          lipgloss.Style
	ChatTitle, Avatar, Mention            lipgloss.Style
	CardTitle, CardText, CardURL, Picture lipgloss.Style
	Button                                lipgloss.Style
	Warning, Problem, Good                lipgloss.Style
}

// Status styles the status bar's segments and its transient message.
type Status struct {
	Robot, Seg, OK, Warn, Bad       lipgloss.Style
	MsgInfo, MsgOK, MsgWarn, MsgBad lipgloss.Style
	Rule                            lipgloss.Style
}

// Dialog styles the boxes drawn over the editor: questions, failures, the spinner.
type Dialog struct {
	Box, Title, Key, ButtonOn, Muted, Hint lipgloss.Style
	Warning, Problem, Good, Mention        lipgloss.Style
}

// List styles the pickers and the list views.
type List struct {
	Title, Label, Text, Placeholder, Cursor, Hint lipgloss.Style
	ItemCursor, ItemSelected, ItemText, Item      lipgloss.Style
	Muted, Rule                                   lipgloss.Style
}

// New returns the styles for a dark or light background; noColor draws with attributes only.
func New(dark, noColor bool) Styles {
	p := newPalette(dark, noColor)
	s := lipgloss.NewStyle
	bold := s().Bold(true)

	hint := s().Foreground(p.faint).Italic(true)
	muted := s().Foreground(p.muted)
	rule := s().Foreground(p.border)
	paneTitle := bold.Foreground(p.muted)
	warning := s().Foreground(p.warn)
	problem := s().Foreground(p.bad)
	good := s().Foreground(p.ok)
	text := s().Foreground(p.text)
	placeholder := s().Foreground(p.faint).Italic(true)
	cursor := s().Reverse(true)
	label := s().Foreground(p.muted)
	title := bold.Foreground(p.accent)
	mention := bold.Foreground(p.mention)

	st := Styles{
		Frame: Frame{
			Header:     s().Foreground(p.muted),
			HeaderName: bold.Foreground(p.accent),
			Tab:        s().Foreground(p.muted).Padding(0, 1),
			TabActive:  bold.Foreground(p.accentText).Background(p.accentBg).Padding(0, 1),
			Version:    s().Foreground(p.faint),
			PaneTitle:  paneTitle,
			Rule:       rule,
			Hint:       hint,
			Muted:      muted,
			Warning:    warning,
			Good:       good,
		},
		Editor: Editor{
			Label:        label,
			LabelFocused: bold.Foreground(p.accent),
			Marker:       s().Foreground(p.accent),
			Hint:         hint,
			ToggleOn:     bold.Foreground(p.text),
			ToggleOff:    s().Foreground(p.muted),
			Text:         text,
			Placeholder:  placeholder,
			Cursor:       cursor,
			PromptOn:     s().Foreground(p.accent),
			PromptOff:    s().Foreground(p.border),
			Chip:         s().Foreground(p.mention),
			ChipAll:      bold.Foreground(p.warn),
		},
		Preview: Preview{
			PaneTitle: paneTitle,
			Hint:      hint,
			Rule:      rule,
			Muted:     muted,
			ChatTitle: s().Foreground(p.text),
			Avatar:    bold.Foreground(p.accent),
			Mention:   mention,
			CardTitle: bold.Foreground(p.text),
			CardText:  s().Foreground(p.muted),
			CardURL:   s().Foreground(p.faint).Underline(true),
			Picture:   s().Foreground(p.muted).Border(lipgloss.NormalBorder()).BorderForeground(p.border),
			Button:    s().Foreground(p.accent).Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Align(lipgloss.Center),
			Warning:   warning,
			Problem:   problem,
			Good:      good,
		},
		Status: Status{
			Robot:   bold.Foreground(p.accentText).Background(p.accentBg).Padding(0, 1),
			Seg:     s().Foreground(p.muted).Padding(0, 1),
			OK:      s().Foreground(p.ok).Padding(0, 1),
			Warn:    s().Foreground(p.warn).Padding(0, 1),
			Bad:     bold.Foreground(p.bad).Padding(0, 1),
			MsgInfo: s().Foreground(p.text),
			MsgOK:   bold.Foreground(p.ok),
			MsgWarn: s().Foreground(p.warn),
			MsgBad:  bold.Foreground(p.bad),
			Rule:    rule,
		},
		Dialog: Dialog{
			Box:      s().Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Padding(1, 2),
			Title:    title,
			Key:      bold.Foreground(p.text),
			ButtonOn: bold.Reverse(true),
			Muted:    muted,
			Hint:     hint,
			Warning:  warning,
			Problem:  problem,
			Good:     good,
			Mention:  mention,
		},
		List: List{
			Title:        title,
			Label:        label,
			Text:         text,
			Placeholder:  placeholder,
			Cursor:       cursor,
			Hint:         hint,
			ItemCursor:   bold.Foreground(p.accent),
			ItemSelected: bold.Foreground(p.ok),
			ItemText:     s().Foreground(p.text),
			Item:         s().Foreground(p.muted),
			Muted:        muted,
			Rule:         rule,
		},
		Help: help.Styles{
			Ellipsis:       s().Foreground(p.faint),
			ShortKey:       s().Foreground(p.muted),
			ShortDesc:      s().Foreground(p.faint),
			ShortSeparator: s().Foreground(p.faint),
			FullKey:        s().Foreground(p.muted),
			FullDesc:       s().Foreground(p.faint),
			FullSeparator:  s().Foreground(p.faint),
		},
	}
	if noColor {
		// Without colour, emphasis comes from attributes alone.
		st.Frame.TabActive = bold.Reverse(true).Padding(0, 1)
		st.Status.Robot = bold.Reverse(true).Padding(0, 1)
		st.Editor.LabelFocused = bold.Underline(true)
		st.Preview.Mention = bold.Underline(true)
		st.Dialog.Mention = bold.Underline(true)
		st.Editor.Chip = bold
		st.List.ItemCursor = bold.Reverse(true)
	}
	return st
}
