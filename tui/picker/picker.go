// Package picker is a filterable list: type to narrow it, move with the arrows, Enter to choose.
// The mention, robot, history and kept-draft lists are all pickers. Items are found as people
// are found in DingTalk (see dingtalk/match): by their label as written, accents and case
// folded, by the pinyin of a Chinese label in full or by initials, and by the other strings an
// item carries (mobiles, userIds).
package picker

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk/match"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
	"github.com/dingbot/dingbot/tui/textedit"
)

// Item is one entry of a picker.
type Item struct {
	Label  string
	Detail string
	// Also are more strings that find the item: a mobile, a userId, an alias.
	Also []string
	// Off says why the item cannot be chosen: it is listed after the others, greyed, with the
	// reason, and Enter and Tab pass it by.
	Off string
	// Value is the caller's, handed back in Chosen.
	Value any
}

// Extra returns items computed from what is typed, shown after the matching items: "mention
// 13800009999 (not in your contacts)". matched is how many items the query found.
type Extra func(query string, matched int) []Item

// Model is a filterable list. When Multi, Tab ticks the highlighted item (several can be ticked,
// whatever the filter shows) and Enter chooses the ticked items and the highlighted one.
type Model struct {
	// KeyMap is the picker's keys; DefaultKeyMap unless changed.
	KeyMap KeyMap

	st     *styles.Styles
	title  string
	empty  string
	items  []Item
	keys   []match.Key
	multi  bool
	filter textedit.Model
	// query is what the list is filtered by: the filter field's text, or what SetQuery gave.
	query string
	// inline pickers have no filter field: the caller filters them with SetQuery (the text after
	// an @ typed in the body).
	inline bool
	extra  Extra
	// extras are the items extra made for the current query; their indices follow items'.
	extras  []Item
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
	// at is the item the cursor starts on, or -1.
	at int
	// tag is the caller's.
	tag any
}

// Deletable lets ctrl+x or delete ask to remove the highlighted item (Update says Delete; the
// caller removes it and gives the picker its new items) and ctrl+z ask for the last removal
// back (Update says Undo).
func Deletable() Option {
	return func(c *Model) {
		c.KeyMap.Delete.SetEnabled(true)
		c.KeyMap.Undo.SetEnabled(true)
	}
}

// Option sets up a picker.
type Option func(*Model)

// Multi lets Tab tick several items.
func Multi() Option { return func(c *Model) { c.multi = true } }

// LabelsOnly filters on the labels alone, not the other strings of the items.
func LabelsOnly() Option { return func(c *Model) { c.labelsOnly = true } }

// At puts the cursor on the i-th item.
func At(i int) Option { return func(c *Model) { c.at = i } }

// Note shows a short word after item i's label ("(mentioned)").
func Note(i int, note string) Option { return func(c *Model) { c.note[i] = note } }

// Inline makes a picker without a filter field, for a list shown while the user types
// elsewhere: the caller passes the text to filter by with SetQuery.
func Inline() Option { return func(c *Model) { c.inline = true } }

// Tag keeps a value of the caller's with the picker (see Model.Tag).
func Tag(v any) Option { return func(c *Model) { c.tag = v } }

// WithExtra adds items made from what is typed (see Extra).
func WithExtra(f Extra) Option { return func(c *Model) { c.extra = f } }

// Query starts the picker filtered by q.
func Query(q string) Option { return func(c *Model) { c.query = q } }

// New returns a picker of items; empty is what it says when there are none.
func New(st *styles.Styles, title, empty string, items []Item, opts ...Option) *Model {
	f := textedit.NewLine(textedit.Styles{
		Text: st.List.Text, Placeholder: st.List.Placeholder, Cursor: st.List.Cursor,
		PromptOn: st.List.Label, PromptOff: st.List.Label,
	}, "filter: ", "type to filter")
	f.Focus()
	c := &Model{KeyMap: DefaultKeyMap(), st: st, title: title, empty: empty, items: items, filter: f, note: map[int]string{}, at: -1}
	for _, o := range opts {
		o(c)
	}
	c.keys = make([]match.Key, len(items))
	for i, it := range items {
		if c.labelsOnly {
			c.keys[i] = match.NewKey(it.Label)
		} else {
			c.keys[i] = match.NewKey(it.Label, it.Also...)
		}
	}
	if c.query != "" && !c.inline {
		c.filter.SetValue(c.query)
	}
	c.refilter()
	if c.at >= 0 {
		for n, i := range c.matches {
			if i == c.at {
				c.cursor = n
			}
		}
	}
	return c
}

// KeyMap is the picker's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Tick, Choose, Back key.Binding
	// Delete and Undo are enabled by Deletable.
	Delete, Undo key.Binding
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
		Delete:   key.NewBinding(key.WithKeys("ctrl+x", "delete"), key.WithHelp("ctrl+x", "delete"), key.WithDisabled()),
		Undo:     key.NewBinding(key.WithKeys("ctrl+z"), key.WithHelp("ctrl+z", "undo delete"), key.WithDisabled()),
	}
}

// ShortHelp is the keys for a one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Choose, k.Delete, k.Undo, k.Back}
}

// FullHelp is every key of the picker.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Tick, k.Choose, k.Delete, k.Undo, k.Back}}
}

// Multi reports whether several items can be ticked.
func (c *Model) Multi() bool { return c.multi }

// Tag is the value given with the Tag option, or nil.
func (c *Model) Tag() any { return c.tag }

// Inline reports whether the picker is filtered by its caller (see Inline).
func (c *Model) Inline() bool { return c.inline }

// Current is the item under the cursor, or -1. Items made by Extra follow the others: their
// indices start at len(items).
func (c *Model) Current() int {
	if c.cursor < 0 || c.cursor >= len(c.matches) {
		return -1
	}
	return c.matches[c.cursor]
}

// Item returns item i, one of those made by Extra when i is past the others.
func (c *Model) Item(i int) Item {
	if i < len(c.items) {
		return c.items[i]
	}
	return c.extras[i-len(c.items)]
}

// chosen is what Enter picks: the ticked items in the order they were ticked, then the
// highlighted one if it is not among them and can be chosen.
func (c *Model) chosen() []int {
	out := append([]int(nil), c.ticked...)
	if i := c.Current(); i >= 0 && !c.isTicked(i) && c.Item(i).Off == "" {
		out = append(out, i)
	}
	return out
}

// CanChoose reports whether Enter would choose something.
func (c *Model) CanChoose() bool { return len(c.chosen()) > 0 }

func (c *Model) isTicked(i int) bool {
	for _, v := range c.ticked {
		if v == i {
			return true
		}
	}
	return false
}

// toggle ticks or unticks item i. Items that cannot be chosen, and the ones Extra makes (they
// change with the query), are not ticked.
func (c *Model) toggle(i int) {
	if i < 0 || i >= len(c.items) || c.items[i].Off != "" {
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
// highlighted one if it is not among them. Never empty. Items holds each of them.
type Chosen struct {
	Indices []int
	Items   []Item
}

// Canceled says the picker was closed without a choice.
type Canceled struct{}

// Delete asks the caller to remove item Index (see Deletable).
type Delete struct {
	Index int
	Item  Item
}

// Undo asks the caller to bring back the item it removed last (see Deletable).
type Undo struct{}

func (Chosen) isAction()   {}
func (Canceled) isAction() {}
func (Delete) isAction()   {}
func (Undo) isAction()     {}

// Update handles one key. Text (see textedit.IsText) goes to the filter as text, whatever its
// runes spell: "tab" or "end" arriving in one read filters by that word. An inline picker has no
// filter: text is its caller's.
func (c *Model) Update(msg tea.KeyMsg) Action {
	k := c.KeyMap
	text := textedit.IsText(msg)
	switch {
	case text && c.inline:
		return nil
	case text:
		c.typed(msg)
	case key.Matches(msg, k.Back):
		return Canceled{}
	case key.Matches(msg, k.Choose):
		picked := c.chosen()
		if len(picked) == 0 {
			return nil
		}
		a := Chosen{Indices: picked}
		for _, i := range picked {
			a.Items = append(a.Items, c.Item(i))
		}
		return a
	case key.Matches(msg, k.Up):
		c.move(-1)
	case key.Matches(msg, k.Down):
		c.move(1)
	case key.Matches(msg, k.PageUp):
		c.move(-10)
	case key.Matches(msg, k.PageDown):
		c.move(10)
	case key.Matches(msg, k.Delete):
		if i := c.Current(); i >= 0 && i < len(c.items) {
			return Delete{Index: i, Item: c.items[i]}
		}
	case key.Matches(msg, k.Undo):
		return Undo{}
	case key.Matches(msg, k.Tick):
		if c.multi {
			// The highlight stays: Enter then takes exactly what is ticked.
			c.toggle(c.Current())
		}
	case !c.inline:
		c.typed(msg)
	}
	return nil
}

// typed passes a key to the filter field.
func (c *Model) typed(msg tea.KeyMsg) {
	if changed, _ := c.filter.Update(msg); changed {
		c.query = c.filter.Value()
		c.refilter()
	}
}

// SetQuery filters the list by q, as if it had been typed.
func (c *Model) SetQuery(q string) {
	if q == c.query {
		return
	}
	c.query = q
	if !c.inline {
		c.filter.SetValue(q)
	}
	c.refilter()
}

// Query is what the list is filtered by.
func (c *Model) Query() string { return c.query }

func (c *Model) move(d int) {
	if len(c.matches) == 0 {
		return
	}
	c.cursor = min(max(0, c.cursor+d), len(c.matches)-1)
}

// refilter narrows the list to the items matching the query, best match first, items that
// cannot be chosen last; then come the items Extra makes of the query.
func (c *Model) refilter() {
	q := strings.TrimSpace(c.query)
	c.matches = match.RankBy(q, c.keys, func(i int) int {
		if c.items[i].Off != "" {
			return 1
		}
		return 0
	})
	c.extras = nil
	if c.extra != nil {
		c.extras = c.extra(q, len(c.matches))
		// Offered rather than found: they go first only when nothing else can be chosen.
		first := true
		for _, i := range c.matches {
			first = first && c.items[i].Off != ""
		}
		var extra []int
		for j := range c.extras {
			extra = append(extra, len(c.items)+j)
		}
		if first {
			c.matches = append(extra, c.matches...)
		} else {
			c.matches = append(c.matches, extra...)
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
	lines = append(lines, head)
	if !c.inline {
		c.filter.SetSize(width, 1)
		lines = append(lines, c.filter.View())
	}
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
	// Under the head: why the highlighted item cannot be chosen, in full (two lines at most).
	why := []string{""}
	if i := c.Current(); i >= 0 && c.Item(i).Off != "" {
		why = strings.Split(ansi.Hardwrap(ansi.Wordwrap(c.Item(i).Off, width, ""), width, true), "\n")
		if len(why) > 2 {
			why = append(why[:1], cell.Truncate(strings.Join(why[1:], " "), width))
		}
		for j := range why {
			why[j] = st.List.Hint.Render(why[j])
		}
	}
	lines = append(lines, why...)
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
	q := strings.TrimSpace(c.query)
	for n := c.offset; n < len(c.matches) && n < c.offset+rows; n++ {
		lines = append(lines, cell.Fit(c.row(n, q), width))
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], width)
	}
	return strings.Join(lines[:height], "\n")
}

// row draws the n-th match: pointer, tick box, label with the runes the query matched
// highlighted, note, detail; an item that cannot be chosen greyed, with the reason.
func (c *Model) row(n int, q string) string {
	st := c.st
	i := c.matches[n]
	it := c.Item(i)
	labelStyle := st.List.ItemText
	pointer := "  "
	switch {
	case it.Off != "":
		labelStyle = st.List.Muted
		if n == c.cursor {
			pointer = st.List.Muted.Render("▸ ")
		}
	case n == c.cursor:
		pointer = st.List.ItemCursor.Render("▸ ")
		labelStyle = st.List.ItemCursor
	}
	box := ""
	if c.multi {
		box = "[ ] "
		switch {
		case it.Off != "" || i >= len(c.items):
			box = "    "
		case c.isTicked(i):
			box = st.List.ItemSelected.Render("[x] ")
			if n != c.cursor {
				labelStyle = st.List.ItemSelected
			}
		}
	}
	label := labelStyle.Render(it.Label)
	if q != "" && i < len(c.items) {
		if rs := c.keys[i].Ranges(q); len(rs) > 0 {
			var idx []int
			for _, r := range rs {
				for x := r.Start; x < r.End; x++ {
					idx = append(idx, x)
				}
			}
			label = lipgloss.StyleRunes(it.Label, idx, labelStyle.Underline(true), labelStyle)
		}
	}
	line := pointer + box + label
	if note := c.note[i]; note != "" {
		line += " " + st.List.Hint.Render(note)
	}
	if it.Off != "" {
		line += "  " + st.List.Hint.Render("· "+it.Off)
	}
	if it.Detail != "" {
		line += "  " + st.List.Item.Render(it.Detail)
	}
	return line
}
