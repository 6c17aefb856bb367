package picker

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/tui/styles"
)

var people = []Item{
	{Label: "李娜", Also: []string{"13700000000"}},
	{Label: "Hans Müller", Also: []string{"hmueller"}},
	{Label: "张伟", Also: []string{"13800000000"}},
	{Label: "王芳", Also: []string{"wangf01"}},
}

func labels(c *Model) []string {
	var out []string
	for _, i := range c.Matches() {
		out = append(out, c.Item(i).Label)
	}
	return out
}

// typeText sends s one rune at a time, as a terminal does for typing.
func typeText(c *Model, s string) {
	for _, r := range s {
		c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func TestPinyinInitialsAccentsMobilesUserIDs(t *testing.T) {
	st := styles.New(true, true)
	for q, want := range map[string]string{
		"zhang": "张伟", "zw": "张伟", "zhangwei": "张伟", "张": "张伟",
		"muller": "Hans Müller", "MÜLLER": "Hans Müller", "hm": "Hans Müller",
		"138 0000 0000": "张伟", "wangf01": "王芳", "lina": "李娜",
	} {
		c := New(&st, "Mention", "none", people)
		typeText(c, q)
		if got := labels(c); len(got) == 0 || got[0] != want {
			t.Errorf("%q found %v, want %s first", q, got, want)
		}
	}
}

func TestFilterTakesTextThatSpellsKeys(t *testing.T) {
	st := styles.New(true, true)
	items := []Item{{Label: "tab stops"}, {Label: "left wing"}, {Label: "the end"}}
	for _, word := range []string{"tab", "left", "end", "esc", "enter"} {
		c := New(&st, "Robot", "none", items, Multi())
		if a := c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(word)}); a != nil {
			t.Fatalf("%q in one read acted: %#v", word, a)
		}
		if c.Query() != word || len(c.Ticked()) != 0 {
			t.Fatalf("%q in one read: query %q, ticked %v", word, c.Query(), c.Ticked())
		}
	}
	c := New(&st, "Robot", "none", items)
	typeText(c, "end")
	if got := labels(c); !slices.Equal(got, []string{"the end"}) {
		t.Fatalf("end typed found %v", got)
	}
	// Editing keys work in the filter: ctrl+w kills the word.
	c.Update(tea.KeyMsg{Type: tea.KeyCtrlW})
	if c.Query() != "" || len(c.Matches()) != 3 {
		t.Fatalf("ctrl+w left %q, %v", c.Query(), labels(c))
	}
}

func TestOffItemsLastGreyedAndNotChosen(t *testing.T) {
	st := styles.New(true, true)
	items := []Item{
		{Label: "张伟", Also: []string{"13800000000"}, Off: "action cards mention by userId; add user_id to the contact"},
		{Label: "张伟国", Also: []string{"zwg"}},
	}
	c := New(&st, "Mention", "none", items, Multi())
	typeText(c, "zw")
	if got := labels(c); !slices.Equal(got, []string{"张伟国", "张伟"}) {
		t.Fatalf("order %v: the one that cannot be mentioned goes last", got)
	}
	if v := ansi.Strip(c.View(100, 8)); !strings.Contains(v, "张伟  · action cards mention by userId; add user_id to the contact") {
		t.Fatalf("no reason shown:\n%s", v)
	}
	c.Update(tea.KeyMsg{Type: tea.KeyDown})
	c.Update(tea.KeyMsg{Type: tea.KeyTab})
	if len(c.Ticked()) != 0 {
		t.Fatalf("ticked an item that cannot be chosen: %v", c.Ticked())
	}
	if a := c.Update(tea.KeyMsg{Type: tea.KeyEnter}); a != nil {
		t.Fatalf("chose an item that cannot be chosen: %#v", a)
	}
}

func TestExtraItemsFromTheQuery(t *testing.T) {
	st := styles.New(true, true)
	extra := func(q string, matched int) []Item {
		if matched > 0 || q == "" {
			return nil
		}
		return []Item{{Label: "mention " + q + " (not in your contacts)", Value: q}}
	}
	c := New(&st, "Mention", "none", people, WithExtra(extra))
	typeText(c, "13800009999")
	a, ok := c.Update(tea.KeyMsg{Type: tea.KeyEnter}).(Chosen)
	if !ok || len(a.Items) != 1 || a.Items[0].Value != "13800009999" || a.Indices[0] != len(people) {
		t.Fatalf("enter: %#v", a)
	}
}

func TestInlineFilteredByCaller(t *testing.T) {
	st := styles.New(true, true)
	c := New(&st, "Mention", "none", people, Inline(), Query("zw"))
	if got := labels(c); len(got) == 0 || got[0] != "张伟" {
		t.Fatalf("inline zw: %v", got)
	}
	if a := c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}); a != nil || c.Query() != "zw" {
		t.Fatalf("inline took text: %#v %q", a, c.Query())
	}
	if strings.Contains(ansi.Strip(c.View(40, 6)), "filter:") {
		t.Fatal("inline picker shows a filter field")
	}
	c.SetQuery("muller")
	if a, ok := c.Update(tea.KeyMsg{Type: tea.KeyCtrlN}).(Chosen); ok {
		t.Fatalf("ctrl+n chose: %v", a)
	}
	if a, ok := c.Update(tea.KeyMsg{Type: tea.KeyEnter}).(Chosen); !ok || a.Items[0].Label != "Hans Müller" {
		t.Fatalf("enter after SetQuery(muller): %#v", a)
	}
}

func TestMatchedRunesHighlighted(t *testing.T) {
	lipgloss.SetColorProfile(termenv.ANSI)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	st := styles.New(true, false)
	c := New(&st, "Mention", "none", people)
	typeText(c, "zw")
	v := c.View(60, 8)
	// 张 and 伟 are each underlined; the other names, not shown, are not.
	underlined := regexp.MustCompile(`\x1b\[([0-9]+;)*4(;[0-9]+)*m张\x1b\[0m\x1b\[([0-9]+;)*4(;[0-9]+)*m伟`)
	if !underlined.MatchString(v) {
		t.Fatalf("zw not highlighted in 张伟: %q", v)
	}
}

func TestDeletableAsksToDeleteAndUndo(t *testing.T) {
	st := styles.New(true, true)
	c := New(&st, "History", "none", people)
	if a := c.Update(tea.KeyMsg{Type: tea.KeyCtrlX}); a != nil {
		t.Fatalf("ctrl+x in a picker that is not deletable: %#v", a)
	}
	c = New(&st, "History", "none", people, Deletable())
	typeText(c, "lina")
	if a, ok := c.Update(tea.KeyMsg{Type: tea.KeyDelete}).(Delete); !ok || a.Index != 0 || a.Item.Label != "李娜" {
		t.Fatalf("delete: %#v", a)
	}
	if _, ok := c.Update(tea.KeyMsg{Type: tea.KeyCtrlZ}).(Undo); !ok {
		t.Fatal("ctrl+z did not ask for the deleted item back")
	}
	if a := c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("delete")}); a != nil || c.Query() != "linadelete" {
		t.Fatalf("\"delete\" typed in one read: %#v, query %q", a, c.Query())
	}
}

func TestWhyWrapsAtWords(t *testing.T) {
	st := styles.New(true, true)
	c := New(&st, "Mention", "none", []Item{{Label: "张伟", Off: "action cards mention by userId; add user_id to the contact"}})
	v := ansi.Strip(c.View(49, 8))
	if !strings.Contains(v, "\naction cards mention by userId; add user_id to   \nthe contact  ") {
		t.Fatalf("the reason is not wrapped at a word:\n%s", v)
	}
}
