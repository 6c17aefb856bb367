package editor

import (
	"fmt"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/textedit"
)

// SetSize gives the form the editor pane's size.
func (f *Form) SetSize(w, h int) {
	f.width, f.height = w, h
	f.layout()
}

// inputWidth is the width of single-line inputs: the pane less the marker and the label.
func (f *Form) inputWidth() int { return max(1, f.width-labelWidth-3) }

// layout sizes the inputs and gives the body what the other fields leave.
func (f *Form) layout() {
	w := f.inputWidth()
	f.allInputs(func(in *textedit.Model) { in.SetSize(w+1, 1) })
	f.body.SetSize(max(4, f.width), max(3, f.height-f.fixedLines()))
}

// fixedLines counts the lines of everything but the body's text.
func (f *Form) fixedLines() int {
	n := 1 // mentions or a hint
	for _, s := range f.slots() {
		if s.Field == FieldBody {
			n++ // its label
		} else {
			n++
		}
	}
	return n
}

// View draws the form in its pane. When the fields do not fit, it shows the part around the
// Focused one.
func (f *Form) View() string {
	st := f.st
	var lines []string
	focusStart, focusEnd := 0, 0
	cur := f.Focused()
	for _, s := range f.slots() {
		start := len(lines)
		focused := s == cur
		switch s.Field {
		case FieldBody:
			lines = append(lines, f.label(f.bodyLabel(), focused, 0)+st.Editor.Hint.Render(f.bodyHint()))
			lines = append(lines, strings.Split(f.body.View(), "\n")...)
		case FieldButtonMode:
			lines = append(lines, f.label("Buttons", focused, 0)+f.choice(!f.buttonList, "one for the card", "a list", focused))
		case FieldOrientation:
			lines = append(lines, f.label("Layout", focused, 0)+f.choice(!f.horizontal, "stacked", "side by side", focused))
		case FieldAvatar:
			lines = append(lines, f.label("Avatar", focused, 0)+f.choice(!f.hideAvatar, "shown", "hidden", focused))
		default:
			label, indent := f.fieldLabel(s)
			lines = append(lines, f.label(label, focused, indent)+f.input(s).View())
		}
		if focused {
			focusStart, focusEnd = start, len(lines)
		}
	}
	lines = append(lines, f.footer())

	if len(lines) > f.height && f.height > 0 {
		top := 0
		if focusEnd > f.height {
			top = focusEnd - f.height
		}
		if focusStart < top {
			top = focusStart
		}
		lines = lines[top:min(len(lines), top+f.height)]
	}
	for i, l := range lines {
		lines[i] = cell.Fit(l, f.width)
	}
	for len(lines) < f.height {
		lines = append(lines, strings.Repeat(" ", f.width))
	}
	return strings.Join(lines, "\n")
}

// label draws a field's label column, marked when the field has the focus.
func (f *Form) label(text string, focused bool, indent int) string {
	text = strings.Repeat(" ", indent) + text
	if focused {
		return f.st.Editor.Marker.Render("▌") + f.st.Editor.LabelFocused.Render(cell.Pad(text, labelWidth)) + " "
	}
	return " " + f.st.Editor.Label.Render(cell.Pad(text, labelWidth)) + " "
}

func (f *Form) fieldLabel(s Slot) (string, int) {
	switch s.Field {
	case FieldTitle:
		return "Title", 0
	case FieldMessageURL:
		return "Link URL", 0
	case FieldPicURL:
		return "Picture URL", 0
	case FieldSingleTitle:
		return "Button", 0
	case FieldSingleURL:
		return "Button URL", 0
	case FieldButtonTitle:
		return fmt.Sprintf("Button %d", s.Row+1), 0
	case FieldButtonURL, FieldFeedURL:
		return "URL", 2
	case FieldFeedTitle:
		return fmt.Sprintf("Link %d", s.Row+1), 0
	case FieldFeedPic:
		return "Picture", 2
	}
	return "", 0
}

func (f *Form) bodyLabel() string {
	if f.kind == dingtalk.TypeText {
		return "Content"
	}
	return "Text"
}

func (f *Form) bodyHint() string {
	switch f.kind {
	case dingtalk.TypeText:
		return "plain text"
	case dingtalk.TypeLink:
		return "plain text, cut short in the card"
	}
	return "markdown"
}

// choice draws a two-way toggle.
func (f *Form) choice(first bool, a, b string, focused bool) string {
	on, off := f.st.Editor.ToggleOn, f.st.Editor.ToggleOff
	mark := func(sel bool, s string) string {
		if sel {
			return on.Render("(•) " + s)
		}
		return off.Render("( ) " + s)
	}
	out := mark(first, a) + "  " + mark(!first, b)
	if focused {
		out += f.st.Editor.Hint.Render("  space")
	}
	return out
}

// footer says who is mentioned, or how rows are added.
func (f *Form) footer() string {
	st := f.st
	label := " " + st.Editor.Label.Render(cell.Pad("Mentions", labelWidth)) + " "
	switch {
	case f.InRow():
		return " " + st.Editor.Hint.Render("enter adds a row · ctrl+x removes this one")
	case !f.CanMention():
		if len(f.mentions) > 0 || f.atAll {
			return label + st.Editor.Hint.Render(string(f.kind)+" messages cannot mention anyone")
		}
		return ""
	case len(f.mentions) == 0 && !f.atAll && f.CanAtAll():
		return label + st.Editor.Hint.Render("nobody · type @ or alt+m to pick, @all too")
	case len(f.mentions) == 0 && !f.atAll:
		return label + st.Editor.Hint.Render("nobody · type @ or alt+m to pick (by userId)")
	}
	var chips []string
	if f.atAll && f.CanAtAll() {
		chips = append(chips, st.Editor.ChipAll.Render("@all"))
	}
	left := 0
	for _, c := range f.mentions {
		if f.kind == dingtalk.TypeActionCard && c.UserID == "" {
			left++
			continue
		}
		chips = append(chips, st.Editor.Chip.Render("@"+c.Name))
	}
	out := label + strings.Join(chips, " ")
	if left > 0 || (f.atAll && !f.CanAtAll()) {
		out += st.Editor.Hint.Render(" (action cards notify by userId only; others left out)")
	}
	return out
}
