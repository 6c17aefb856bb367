// Package picker is a filterable list: type to narrow it (fuzzy matching), move with the arrows,
// Enter to choose. The mention, robot, history and kept-draft lists are all pickers.
package picker

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

// Item is one entry of a picker.
type Item struct {
	Label  string
	Detail string
}

// Model is a filterable list. When Multi, Tab ticks the highlighted item (several can be ticked,
// whatever the filter shows) and Enter chooses the ticked items and the highlighted one.
type Model struct {
	// KeyMap is the picker's keys; DefaultKeyMap unless changed.
	KeyMap KeyMap

	st      *styles.Styles
	title   string
	empty   string
	items   []Item
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

// Option sets up a picker.
type Option func(*Model)

// Multi lets Tab tick several items.
func Multi() Option { return func(c *Model) { c.multi = true } }

// LabelsOnly filters on the labels alone, not the details.
func LabelsOnly() Option { return func(c *Model) { c.labelsOnly = true } }

// At puts the cursor on the i-th item.
func At(i int) Option { return func(c *Model) { c.cursor = i } }

// Note shows a short word after item i's label ("(mentioned)").
func Note(i int, note string) Option { return func(c *Model) { c.note[i] = note } }

// New returns a picker of items; empty is what it says when there are none.
func New(st *styles.Styles, title, empty string, items []Item, opts ...Option) *Model {
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
	c := &Model{KeyMap: DefaultKeyMap(), st: st, title: title, empty: empty, items: items, filter: f, note: map[int]string{}}
	c.refilter()
	for _, o := range opts {
		o(c)
	}
	return c
}

// KeyMap is the picker's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Tick, Choose, Back key.Binding
}

// DefaultKeyMap is the picker's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "ctrl+p"}, "↑", "up"),
		Down:     b([]string{"down", "ctrl+n"}, "↓", "down"),
		PageUp:   b([]string{"pgup"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
		Tick:     b([]string{"tab", "shift+tab"}, "tab", "select several"),
		Choose:   b([]string{"enter"}, "enter", "choose"),
		Back:     b([]string{"esc"}, "esc", "back"),
	}
}

// ShortHelp is the keys for a one-line help.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Choose, k.Back} }

// FullHelp is every key of the picker.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Tick, k.Choose, k.Back}}
}

// Multi reports whether several items can be ticked.
func (c *Model) Multi() bool { return c.multi }

// Current is the item under the cursor, or -1.
func (c *Model) Current() int {
	if c.cursor < 0 || c.cursor >= len(c.matches) {
		return -1
	}
	return c.matches[c.cursor]
}

// chosen is what Enter picks: the ticked items in the order they were ticked, then the
// highlighted one if it is not among them.
func (c *Model) chosen() []int {
	out := append([]int(nil), c.ticked...)
	if i := c.Current(); i >= 0 && !c.isTicked(i) {
		out = append(out, i)
	}
	return out
}

func (c *Model) isTicked(i int) bool {
	for _, v := range c.ticked {
		if v == i {
			return true
		}
	}
	return false
}

// toggle ticks or unticks item i.
func (c *Model) toggle(i int) {
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

// Action is what a key did to a picker: Chosen, Canceled, or nil while it stays open.
type Action interface{ isAction() }

// Chosen are the items Enter picked: the ticked ones in the order they were ticked, then the
// highlighted one if it is not among them. Never empty.
type Chosen struct{ Indices []int }

// Canceled says the picker was closed without a choice.
type Canceled struct{}

func (Chosen) isAction()   {}
func (Canceled) isAction() {}

// Update handles one key.
func (c *Model) Update(msg tea.KeyMsg) Action {
	k := c.KeyMap
	switch {
	case key.Matches(msg, k.Back):
		return Canceled{}
	case key.Matches(msg, k.Choose):
		if picked := c.chosen(); len(picked) > 0 {
			return Chosen{Indices: picked}
		}
		return nil
	case key.Matches(msg, k.Up):
		c.move(-1)
	case key.Matches(msg, k.Down):
		c.move(1)
	case key.Matches(msg, k.PageUp):
		c.move(-10)
	case key.Matches(msg, k.PageDown):
		c.move(10)
	case c.multi && key.Matches(msg, k.Tick):
		// The highlight stays: Enter then takes exactly what is ticked.
		c.toggle(c.Current())
	default:
		before := c.filter.Value()
		c.filter, _ = c.filter.Update(msg)
		if c.filter.Value() != before {
			c.refilter()
		}
	}
	return nil
}

func (c *Model) move(d int) {
	if len(c.matches) == 0 {
		return
	}
	c.cursor = min(max(0, c.cursor+d), len(c.matches)-1)
}

// refilter narrows the list to the items matching the filter, best match first.
func (c *Model) refilter() {
	q := strings.TrimSpace(c.filter.Value())
	c.matches = c.matches[:0]
	if q == "" {
		for i := range c.items {
			c.matches = append(c.matches, i)
		}
	} else {
		src := make([]string, len(c.items))
		for i, it := range c.items {
			src[i] = it.Label
			if !c.labelsOnly {
				src[i] += " " + it.Detail
			}
		}
		for _, m := range fuzzy.Find(q, src) {
			c.matches = append(c.matches, m.Index)
		}
	}
	c.cursor, c.offset = 0, 0
}

// Matches are the items the filter shows, best match first.
func (c *Model) Matches() []int { return c.matches }

// Ticked are the ticked items, in the order they were ticked.
func (c *Model) Ticked() []int { return c.ticked }

// View draws the picker in a box of the given size.
func (c *Model) View(width, height int) string {
	st := c.st
	var lines []string
	head := st.List.Title.Render(c.title)
	lines = append(lines, head, c.filter.View())
	if c.multi {
		// The ticked items, even those the filter hides.
		var names []string
		for _, i := range c.ticked {
			names = append(names, c.items[i].Label)
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
		label := st.List.ItemText.Render(it.Label)
		if n == c.cursor {
			pointer = st.List.ItemCursor.Render("▸ ")
			label = st.List.ItemCursor.Render(it.Label)
		}
		box := ""
		if c.multi {
			box = "[ ] "
			if c.isTicked(i) {
				box = st.List.ItemSelected.Render("[x] ")
				if n != c.cursor {
					label = st.List.ItemSelected.Render(it.Label)
				}
			}
		}
		line := pointer + box + label
		if note := c.note[i]; note != "" {
			line += " " + st.List.Hint.Render(note)
		}
		if it.Detail != "" {
			line += "  " + st.List.Item.Render(it.Detail)
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
