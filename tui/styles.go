package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// palette is the handful of colours the composer uses, chosen once for a dark or light
// background. Explicit colours only: lipgloss.AdaptiveColor would query the terminal.
type palette struct {
	text, muted, faint, accent, accentText, ok, warn, bad, mention, border lipgloss.TerminalColor
}

func newPalette(dark, noColor bool) palette {
	if noColor {
		n := lipgloss.NoColor{}
		return palette{n, n, n, n, n, n, n, n, n, n}
	}
	if dark {
		return palette{
			text:       lipgloss.Color("252"),
			muted:      lipgloss.Color("245"),
			faint:      lipgloss.Color("239"),
			accent:     lipgloss.Color("#3296FA"),
			accentText: lipgloss.Color("#FFFFFF"),
			ok:         lipgloss.Color("#4FD08A"),
			warn:       lipgloss.Color("#F5A623"),
			bad:        lipgloss.Color("#FF6B6B"),
			mention:    lipgloss.Color("#5CB3FF"),
			border:     lipgloss.Color("238"),
		}
	}
	return palette{
		text:       lipgloss.Color("235"),
		muted:      lipgloss.Color("242"),
		faint:      lipgloss.Color("250"),
		accent:     lipgloss.Color("#0A6CFF"),
		accentText: lipgloss.Color("#FFFFFF"),
		ok:         lipgloss.Color("#1A7F37"),
		warn:       lipgloss.Color("#9A6700"),
		bad:        lipgloss.Color("#CF222E"),
		mention:    lipgloss.Color("#0A6CFF"),
		border:     lipgloss.Color("252"),
	}
}

// styles holds every style of the composer, so that one place decides how it looks.
type styles struct {
	// Frame.
	header, headerName, tab, tabActive, version lipgloss.Style
	paneTitle, rule                             lipgloss.Style
	// Editor.
	label, labelFocused, marker, hint, toggleOn, toggleOff lipgloss.Style
	inputText, placeholder, cursor                         lipgloss.Style
	body                                                   textEditStyles
	chip, chipAll, muted                                   lipgloss.Style
	// Preview.
	chatList, chatTitle, avatar, bubble, mention lipgloss.Style
	card, cardTitle, cardText, cardURL, picture  lipgloss.Style
	button                                       lipgloss.Style
	warning, problem, good                       lipgloss.Style
	// Status bar.
	statusRobot, statusSeg, statusOK, statusWarn, statusBad lipgloss.Style
	msgInfo, msgOK, msgWarn, msgBad                         lipgloss.Style
	// Dialogs and lists.
	dialog, dialogTitle, key, buttonOn       lipgloss.Style
	itemCursor, itemSelected, itemText, item lipgloss.Style
	help                                     help.Styles
	code                                     lipgloss.Style
}

func newStyles(dark, noColor bool) styles {
	p := newPalette(dark, noColor)
	s := lipgloss.NewStyle
	bold := s().Bold(true)

	st := styles{
		header:     s().Foreground(p.muted),
		headerName: bold.Foreground(p.accent),
		tab:        s().Foreground(p.muted).Padding(0, 1),
		tabActive:  bold.Foreground(p.accentText).Background(p.accent).Padding(0, 1),
		version:    s().Foreground(p.faint),
		paneTitle:  bold.Foreground(p.muted),
		rule:       s().Foreground(p.border),

		label:        s().Foreground(p.muted),
		labelFocused: bold.Foreground(p.accent),
		marker:       s().Foreground(p.accent),
		hint:         s().Foreground(p.faint).Italic(true),
		toggleOn:     bold.Foreground(p.text),
		toggleOff:    s().Foreground(p.muted),
		inputText:    s().Foreground(p.text),
		placeholder:  s().Foreground(p.faint).Italic(true),
		cursor:       s().Reverse(true),
		chip:         s().Foreground(p.mention),
		chipAll:      bold.Foreground(p.warn),
		muted:        s().Foreground(p.muted),

		chatList:  s().Border(lipgloss.RoundedBorder()).BorderForeground(p.border).Padding(0, 1),
		chatTitle: s().Foreground(p.text),
		avatar:    bold.Foreground(p.accent),
		bubble:    s().Border(lipgloss.RoundedBorder()).BorderForeground(p.border).Padding(0, 1),
		mention:   bold.Foreground(p.mention),
		card:      s().Border(lipgloss.RoundedBorder()).BorderForeground(p.border).Padding(0, 1),
		cardTitle: bold.Foreground(p.text),
		cardText:  s().Foreground(p.muted),
		cardURL:   s().Foreground(p.faint).Underline(true),
		picture:   s().Foreground(p.muted).Border(lipgloss.NormalBorder()).BorderForeground(p.border),
		button:    s().Foreground(p.accent).Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Align(lipgloss.Center),
		warning:   s().Foreground(p.warn),
		problem:   s().Foreground(p.bad),
		good:      s().Foreground(p.ok),

		statusRobot: bold.Foreground(p.accentText).Background(p.accent).Padding(0, 1),
		statusSeg:   s().Foreground(p.muted).Padding(0, 1),
		statusOK:    s().Foreground(p.ok).Padding(0, 1),
		statusWarn:  s().Foreground(p.warn).Padding(0, 1),
		statusBad:   bold.Foreground(p.bad).Padding(0, 1),
		msgInfo:     s().Foreground(p.text),
		msgOK:       bold.Foreground(p.ok),
		msgWarn:     s().Foreground(p.warn),
		msgBad:      bold.Foreground(p.bad),

		dialog:       s().Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Padding(1, 2),
		dialogTitle:  bold.Foreground(p.accent),
		key:          bold.Foreground(p.text),
		buttonOn:     bold.Reverse(true),
		itemCursor:   bold.Foreground(p.accent),
		itemSelected: bold.Foreground(p.ok),
		itemText:     s().Foreground(p.text),
		item:         s().Foreground(p.muted),
		code:         s().Foreground(p.text),
	}
	if noColor {
		// Without colour, emphasis comes from attributes alone.
		st.tabActive = bold.Reverse(true).Padding(0, 1)
		st.statusRobot = bold.Reverse(true).Padding(0, 1)
		st.labelFocused = bold.Underline(true)
		st.mention = bold.Underline(true)
		st.chip = bold
		st.itemCursor = bold.Reverse(true)
	}
	st.help = help.Styles{
		Ellipsis:       s().Foreground(p.faint),
		ShortKey:       s().Foreground(p.muted),
		ShortDesc:      s().Foreground(p.faint),
		ShortSeparator: s().Foreground(p.faint),
		FullKey:        s().Foreground(p.muted),
		FullDesc:       s().Foreground(p.faint),
		FullSeparator:  s().Foreground(p.faint),
	}
	st.body = textEditStyles{
		text:        s().Foreground(p.text),
		placeholder: s().Foreground(p.faint).Italic(true),
		cursor:      st.cursor,
		promptOn:    s().Foreground(p.accent),
		promptOff:   s().Foreground(p.border),
	}
	return st
}
