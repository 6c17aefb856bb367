package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"
)

// choice is one entry of a chooser.
type choice struct {
	label  string
	detail string
}

// chooser is a filterable list: type to narrow it (fuzzy matching), move with the arrows,
// Tab to select several when multi is set, Enter to choose. The mention, robot and history
// pickers are all choosers.
type chooser struct {
	title    string
	empty    string
	items    []choice
	multi    bool
	filter   textinput.Model
	matches  []int
	cursor   int
	offset   int
	selected map[int]bool
	// order keeps the selection in the order it was made.
	order []int
	// touched is set once anything was selected, so that unticking everyone means nobody.
	touched bool
}

func newChooser(st *styles, title, empty string, items []choice, multi bool) *chooser {
	f := textinput.New()
	f.Prompt = "filter: "
	f.PromptStyle = st.label
	f.TextStyle = st.inputText
	f.Placeholder = "type to filter"
	f.PlaceholderStyle = st.placeholder
	f.Cursor.Style = st.cursor
	f.Cursor.SetMode(cursor.CursorStatic)
	f.KeyMap.AcceptSuggestion = key.NewBinding(key.WithDisabled())
	f.Focus()
	c := &chooser{title: title, empty: empty, items: items, multi: multi, filter: f, selected: map[int]bool{}}
	c.refilter()
	return c
}

// preselect marks items as already selected.
func (c *chooser) preselect(idx ...int) {
	for _, i := range idx {
		if !c.selected[i] {
			c.selected[i] = true
			c.order = append(c.order, i)
			c.touched = true
		}
	}
}

// current is the item under the cursor, or -1.
func (c *chooser) current() int {
	if c.cursor < 0 || c.cursor >= len(c.matches) {
		return -1
	}
	return c.matches[c.cursor]
}

// chosen is the selection in the order it was made; if nothing was ever selected, the item
// under the cursor.
func (c *chooser) chosen() []int {
	if c.multi && (len(c.order) > 0 || c.touched) {
		return append([]int(nil), c.order...)
	}
	if i := c.current(); i >= 0 {
		return []int{i}
	}
	return nil
}

func (c *chooser) toggle(i int) {
	if i < 0 {
		return
	}
	c.touched = true
	if c.selected[i] {
		delete(c.selected, i)
		for j, v := range c.order {
			if v == i {
				c.order = append(c.order[:j], c.order[j+1:]...)
				break
			}
		}
		return
	}
	c.selected[i] = true
	c.order = append(c.order, i)
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
		if len(c.chosen()) == 0 && !c.multi {
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
	case c.multi && msg.String() == "tab":
		c.toggle(c.current())
		c.move(1)
	case c.multi && msg.String() == "shift+tab":
		c.toggle(c.current())
		c.move(-1)
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
			src[i] = it.label + " " + it.detail
		}
		for _, m := range fuzzy.Find(q, src) {
			c.matches = append(c.matches, m.Index)
		}
	}
	c.cursor, c.offset = 0, 0
}

// view draws the chooser in a box of the given size.
func (c *chooser) view(st *styles, width, height int) string {
	var lines []string
	head := st.dialogTitle.Render(c.title)
	if c.multi {
		head += st.hint.Render(fmt.Sprintf("  %d selected", len(c.order)))
	}
	lines = append(lines, head, c.filter.View(), "")
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
		lines = append(lines, st.hint.Render(msg))
	}
	for n := c.offset; n < len(c.matches) && n < c.offset+rows; n++ {
		i := c.matches[n]
		it := c.items[i]
		pointer := "  "
		label := st.itemText.Render(it.label)
		if n == c.cursor {
			pointer = st.itemCursor.Render("▸ ")
			label = st.itemCursor.Render(it.label)
		}
		box := ""
		if c.multi {
			box = "[ ] "
			if c.selected[i] {
				box = st.itemSelected.Render("[x] ")
			}
		}
		line := pointer + box + label
		if it.detail != "" {
			line += "  " + st.item.Render(it.detail)
		}
		lines = append(lines, fit(line, width))
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = fit(lines[i], width)
	}
	return strings.Join(lines[:height], "\n")
}
