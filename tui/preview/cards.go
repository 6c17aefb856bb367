package preview

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// frame draws a rounded box of outer width w around blocks separated by rules. The last block
// may be split into columns (side-by-side buttons) at the given inner offsets.
func frame(st *styles.Styles, w int, blocks [][]string, cols ...int) string {
	inner := frameInner(w)
	bc := st.Preview.Rule
	var b strings.Builder
	dash := lipgloss.Width("─")
	hline := func(left, mid, right string, marks []int) string {
		run := []rune(strings.Repeat("─", max(0, w-lipgloss.Width(left)-lipgloss.Width(right))/dash))
		for _, c := range marks {
			if i := (c + 1) / dash; i < len(run) {
				run[i] = []rune(mid)[0]
			}
		}
		return bc.Render(left+string(run)+right) + "\n"
	}
	b.WriteString(hline("╭", "", "╮", nil))
	side := bc.Render("│") // drawn once: a long message has a thousand lines
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
			b.WriteString(side + " " + cell.Fit(l, inner) + " " + side + "\n")
		}
	}
	var marks []int
	if len(blocks) > 1 {
		marks = cols
	}
	b.WriteString(strings.TrimSuffix(hline("╰", "┴", "╯", marks), "\n"))
	return b.String()
}

// frameInner is the width inside a frame of outer width w: borders and a space each side.
func frameInner(w int) int { return max(1, w-2*lipgloss.Width("│")-2) }

// picture draws a picture w×h cells, shaded, its label in the middle.
func picture(st *styles.Styles, w, h int, label string) []string {
	s := st.Preview.Picture.UnsetBorderStyle().Border(lipgloss.HiddenBorder(), false)
	shade := strings.Repeat("░", w)
	lines := make([]string, h)
	for i := range lines {
		lines[i] = s.Render(shade)
		if i == (h-1)/2 && w >= lipgloss.Width(label)+2 {
			pad := w - lipgloss.Width(label)
			lines[i] = s.Render(strings.Repeat("░", pad/2) + label + strings.Repeat("░", pad-pad/2))
		}
	}
	return lines
}

// thumbnail is the size of a square picture beside text in a card inner cells wide: a fifth
// (a link card) or an eighth (a feed card's row) of the width, half as many rows as cells, as
// a cell is twice as tall as wide. It scales with the bubble, so a card keeps its proportions
// on PC and on a phone.
func thumbnail(inner, part, least int) (w, h int) {
	w = max(least, inner/part)
	return w, max(1, (w+1)/2)
}

// linkCard draws a link message: the title (two lines at most), then its text beside a square
// picture, cut where the picture ends as DingTalk cuts it, and where it leads.
func linkCard(st *styles.Styles, l *dingtalk.Link, w int) string {
	inner := frameInner(w)
	var lines []string
	lines = append(lines, textLinesStyled(st.Preview.CardTitle, orEmptyPlain(l.Title), inner, 2)...)
	textW, rows := inner, 3
	var pic []string
	if l.PicURL != "" {
		pw, ph := thumbnail(inner, 5, 5)
		pic = picture(st, pw, ph, "pic")
		textW, rows = max(1, inner-pw-2), ph
	}
	var text []string
	if strings.TrimSpace(l.Text) != "" {
		text = textLinesStyled(st.Preview.CardText, l.Text, textW, rows)
	}
	for i := 0; i < max(len(text), len(pic)); i++ {
		var t, p string
		if i < len(text) {
			t = text[i]
		}
		if i < len(pic) {
			p = pic[i]
		}
		if pic == nil {
			lines = append(lines, t)
		} else {
			lines = append(lines, cell.Fit(t, textW)+"  "+p)
		}
	}
	for _, u := range cell.Wrap("↗ "+orDash(l.MessageURL), inner, "  ") {
		lines = append(lines, st.Preview.CardURL.Render(u))
	}
	return frame(st, w, [][]string{lines})
}

// buttonLines draws a button's label centred in width cells, on one line: a label too long
// ends in "…", as DingTalk cuts it, never wrapped.
func buttonLines(st *styles.Styles, label string, width int) []string {
	s := st.Preview.Button.UnsetBorderStyle().Border(lipgloss.HiddenBorder(), false)
	label = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(label)
	return []string{cell.Center(s.Render(cell.Truncate(label, width)), width)}
}

// actionCard draws an action card: markdown text, then its buttons as DingTalk lays them out.
func actionCard(req renderRequest, a *dingtalk.ActionCard, w int) string {
	st := req.st
	inner := frameInner(w)
	text := markdownLines(req, a.Text, inner)
	single := a.SingleTitle != "" || a.SingleURL != ""
	if single || len(a.Buttons) == 0 {
		label := a.SingleTitle
		if label == "" {
			label = "(button title)"
		}
		return frame(st, w, [][]string{text, buttonLines(st, label+"  ›", inner)})
	}
	btn := func(b dingtalk.Button, width int) []string {
		t := b.Title
		if t == "" {
			t = "(button)"
		}
		return buttonLines(st, t, width)
	}
	if a.BtnOrientation == dingtalk.ButtonsHorizontal {
		// Side by side the buttons share the width equally, as DingTalk draws them: the cells
		// that do not divide evenly go one each to the first buttons.
		n := len(a.Buttons)
		free := inner - 3*(n-1)
		colW, extra := free/n, free%n
		var cells [][]string
		var widths, cols []int
		pos, height := 0, 1
		for i, b := range a.Buttons {
			cw := colW
			if i < extra {
				cw++
			}
			cw = max(1, cw)
			cells = append(cells, btn(b, cw))
			widths = append(widths, cw)
			height = max(height, len(cells[i]))
			pos += cw
			if i < n-1 {
				cols = append(cols, pos+1)
				pos += 3
			}
		}
		rows := make([]string, height)
		for r := range rows {
			parts := make([]string, n)
			for i, c := range cells {
				if r < len(c) {
					parts[i] = cell.Fit(c[r], widths[i])
				} else {
					parts[i] = strings.Repeat(" ", widths[i])
				}
			}
			rows[r] = strings.Join(parts, " "+st.Preview.Rule.Render("│")+" ")
		}
		return frame(st, w, [][]string{text, rows}, cols...)
	}
	blocks := [][]string{text}
	for _, b := range a.Buttons {
		blocks = append(blocks, btn(b, inner))
	}
	return frame(st, w, blocks)
}

// feedCard draws a feed card: the first link large, a picture as wide as the card above its
// title, the others as rows, the title beside a square picture and cut where the picture ends.
// The pictures scale with the bubble: the card keeps its proportions on PC and on a phone.
func feedCard(st *styles.Styles, f *dingtalk.FeedCard, w int) string {
	inner := frameInner(w)
	var blocks [][]string
	for i, l := range f.Links {
		if i == 0 {
			pic := picture(st, inner, max(3, inner/9), "picture")
			blocks = append(blocks, append(pic, textLinesStyled(st.Preview.CardTitle, orEmptyPlain(l.Title), inner, 2)...))
			continue
		}
		pw, ph := thumbnail(inner, 8, 4)
		pic := picture(st, pw, ph, "")
		titleW := max(1, inner-pw-2)
		title := textLinesStyled(st.Preview.CardTitle, orEmptyPlain(l.Title), titleW, ph)
		row := make([]string, ph)
		for j := range row {
			t := ""
			if j < len(title) {
				t = title[j]
			}
			row[j] = cell.Fit(t, titleW) + "  " + pic[j]
		}
		blocks = append(blocks, row)
	}
	if len(blocks) == 0 {
		blocks = [][]string{{st.Preview.Hint.Render("(no links)")}}
	}
	return frame(st, w, blocks)
}

// textLinesStyled wraps text to width, words kept whole where they fit, and styles each line.
// With maxLines > 0 it keeps that many, the last ending in an ellipsis where the rest is cut.
func textLinesStyled(s lipgloss.Style, text string, width, maxLines int) []string {
	wrapped := ansi.Hardwrap(ansi.Wordwrap(text, width, ""), width, true)
	lines := strings.Split(wrapped, "\n")
	if maxLines > 0 && len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = ansi.Truncate(strings.TrimRight(lines[maxLines-1], " ")+"…", width, "…")
	}
	for i, l := range lines {
		lines[i] = s.Render(l)
	}
	return lines
}

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
