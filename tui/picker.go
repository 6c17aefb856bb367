package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"

	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// choice is one entry of a chooser.
type choice struct {
	label  string
	detail string
}

// chooser is a filterable list: type to narrow it (fuzzy matching), move with the arrows,
// Enter to choose. When multi is set, Tab ticks the highlighted item (several can be ticked,
// whatever the filter shows) and Enter chooses the ticked items and the highlighted one. The
// mention, robot and history pickers are all choosers.
type chooser struct {
	title   string
	empty   string
	items   []choice
	multi   bool
	filter  textinput.Model
	matches []int
	cursor  int
	offset  int
	// ticked are the items ticked in a multi chooser, in the order they were ticked.
	ticked []int
	// note is a short word shown after an item's label ("mentioned").
	note map[int]string
	// labelsOnly filters on the labels alone: robots' details ("signed", "keywords: …") are
	// alike, and would match nearly anything typed.
	labelsOnly bool
}

func newChooser(st *styles.Styles, title, empty string, items []choice, multi bool) *chooser {
	f := textinput.New()
	f.Prompt = "filter: "
	f.PromptStyle = st.List.Label
	f.TextStyle = st.List.Text
	f.Placeholder = "type to filter"
	f.PlaceholderStyle = st.List.Placeholder
	f.Cursor.Style = st.List.Cursor
	f.Cursor.SetMode(cursor.CursorStatic)
	f.KeyMap.AcceptSuggestion = key.NewBinding(key.WithDisabled())
	f.Focus()
	c := &chooser{title: title, empty: empty, items: items, multi: multi, filter: f, note: map[int]string{}}
	c.refilter()
	return c
}

// current is the item under the cursor, or -1.
func (c *chooser) current() int {
	if c.cursor < 0 || c.cursor >= len(c.matches) {
		return -1
	}
	return c.matches[c.cursor]
}

// chosen is what Enter picks: the ticked items in the order they were ticked, then the
// highlighted one if it is not among them.
func (c *chooser) chosen() []int {
	out := append([]int(nil), c.ticked...)
	if i := c.current(); i >= 0 && !c.isTicked(i) {
		out = append(out, i)
	}
	return out
}

func (c *chooser) isTicked(i int) bool {
	for _, v := range c.ticked {
		if v == i {
			return true
		}
	}
	return false
}

// toggle ticks or unticks item i.
func (c *chooser) toggle(i int) {
	if i < 0 {
		return
	}
	for j, v := range c.ticked {
		if v == i {
			c.ticked = append(c.ticked[:j], c.ticked[j+1:]...)
			return
		}
	}
	c.ticked = append(c.ticked, i)
}

// chooserResult says what a key did to a chooser.
type chooserResult int

const (
	chooserOpen chooserResult = iota
	chooserChosen
	chooserCanceled
)

// update handles one key.
func (c *chooser) update(msg tea.KeyMsg, k keyMap) chooserResult {
	switch {
	case key.Matches(msg, k.Back):
		return chooserCanceled
	case key.Matches(msg, k.Choose):
		if len(c.chosen()) == 0 {
			return chooserOpen
		}
		return chooserChosen
	case key.Matches(msg, k.Up):
		c.move(-1)
	case key.Matches(msg, k.Down):
		c.move(1)
	case msg.String() == "pgup":
		c.move(-10)
	case msg.String() == "pgdown":
		c.move(10)
	case c.multi && (msg.String() == "tab" || msg.String() == "shift+tab"):
		// The highlight stays: Enter then takes exactly what is ticked.
		c.toggle(c.current())
	default:
		before := c.filter.Value()
		c.filter, _ = c.filter.Update(msg)
		if c.filter.Value() != before {
			c.refilter()
		}
	}
	return chooserOpen
}

func (c *chooser) move(d int) {
	if len(c.matches) == 0 {
		return
	}
	c.cursor = min(max(0, c.cursor+d), len(c.matches)-1)
}

// refilter narrows the list to the items matching the filter, best match first.
func (c *chooser) refilter() {
	q := strings.TrimSpace(c.filter.Value())
	c.matches = c.matches[:0]
	if q == "" {
		for i := range c.items {
			c.matches = append(c.matches, i)
		}
	} else {
		src := make([]string, len(c.items))
		for i, it := range c.items {
			src[i] = it.label
			if !c.labelsOnly {
				src[i] += " " + it.detail
			}
		}
		for _, m := range fuzzy.Find(q, src) {
			c.matches = append(c.matches, m.Index)
		}
	}
	c.cursor, c.offset = 0, 0
}

// view draws the chooser in a box of the given size.
func (c *chooser) view(st *styles.Styles, width, height int) string {
	var lines []string
	head := st.List.Title.Render(c.title)
	lines = append(lines, head, c.filter.View())
	if c.multi {
		// The ticked items, even those the filter hides.
		var names []string
		for _, i := range c.ticked {
			names = append(names, c.items[i].label)
		}
		if len(names) == 0 {
			lines = append(lines, st.List.Hint.Render("nothing ticked · enter takes the highlighted one"))
		} else {
			lines = append(lines, st.List.ItemSelected.Render(fmt.Sprintf("%d ticked: %s", len(names), strings.Join(names, ", "))))
		}
	}
	lines = append(lines, "")
	rows := max(1, height-len(lines))
	if c.cursor < c.offset {
		c.offset = c.cursor
	}
	if c.cursor >= c.offset+rows {
		c.offset = c.cursor - rows + 1
	}
	if len(c.matches) == 0 {
		msg := "no match"
		if len(c.items) == 0 {
			msg = c.empty
		}
		lines = append(lines, st.List.Hint.Render(msg))
	}
	for n := c.offset; n < len(c.matches) && n < c.offset+rows; n++ {
		i := c.matches[n]
		it := c.items[i]
		pointer := "  "
		label := st.List.ItemText.Render(it.label)
		if n == c.cursor {
			pointer = st.List.ItemCursor.Render("▸ ")
			label = st.List.ItemCursor.Render(it.label)
		}
		box := ""
		if c.multi {
			box = "[ ] "
			if c.isTicked(i) {
				box = st.List.ItemSelected.Render("[x] ")
				if n != c.cursor {
					label = st.List.ItemSelected.Render(it.label)
				}
			}
		}
		line := pointer + box + label
		if note := c.note[i]; note != "" {
			line += " " + st.List.Hint.Render(note)
		}
		if it.detail != "" {
			line += "  " + st.List.Item.Render(it.detail)
		}
		lines = append(lines, cell.Fit(line, width))
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], width)
	}
	return strings.Join(lines[:height], "\n")
}
