package picker

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/tui/styles"
)

func keys(c *Model, names ...string) Action {
	var a Action
	for _, n := range names {
		var k tea.KeyMsg
		switch n {
		case "enter":
			k = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			k = tea.KeyMsg{Type: tea.KeyEsc}
		case "tab":
			k = tea.KeyMsg{Type: tea.KeyTab}
		case "down":
			k = tea.KeyMsg{Type: tea.KeyDown}
		default:
			k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(n)}
		}
		a = c.Update(k)
	}
	return a
}

var items = []Item{{Label: "Alice", Detail: "13800000000"}, {Label: "Bob", Detail: "userId bob01"}, {Label: "Carol", Detail: "userId carol"}}

func TestFilterAndChoose(t *testing.T) {
	st := styles.New(true, true)
	c := New(&st, "Mention", "none", items)
	if a := keys(c, "b", "o", "b"); a != nil {
		t.Fatalf("typing chose: %v", a)
	}
	if m := c.Matches(); len(m) == 0 || m[0] != 1 {
		t.Fatalf("matches %v", m)
	}
	if a, ok := keys(c, "enter").(Chosen); !ok || !slices.Equal(a.Indices, []int{1}) {
		t.Fatalf("enter: %#v", a)
	}
	if _, ok := keys(c, "esc").(Canceled); !ok {
		t.Fatal("esc did not cancel")
	}
}

func TestMultiTicksInOrderAndLabelsOnly(t *testing.T) {
	st := styles.New(true, true)
	c := New(&st, "Mention", "none", items, Multi(), At(2), Note(0, "(mentioned)"))
	if a, ok := keys(c, "tab").(Chosen); ok {
		t.Fatalf("tab chose %v", a)
	}
	if a, ok := keys(c, "esc", "x").(Canceled); ok {
		t.Fatalf("%v", a)
	}
	c = New(&st, "Mention", "none", items, Multi(), At(2), Note(0, "(mentioned)"))
	keys(c, "tab")
	c.Update(tea.KeyMsg{Type: tea.KeyUp})
	c.Update(tea.KeyMsg{Type: tea.KeyUp})
	if a, ok := c.Update(tea.KeyMsg{Type: tea.KeyEnter}).(Chosen); !ok || !slices.Equal(a.Indices, []int{2, 0}) {
		t.Fatalf("ticked then highlighted: %#v", a)
	}
	if v := ansi.Strip(c.View(40, 8)); !strings.Contains(v, "1 ticked: Carol") || !strings.Contains(v, "Alice (mentioned)") {
		t.Fatalf("view:\n%s", v)
	}
	r := New(&st, "Robot", "none", items, LabelsOnly())
	keys(r, "u", "s", "e", "r")
	if len(r.Matches()) != 0 {
		t.Fatalf("details matched with LabelsOnly: %v", r.Matches())
	}
}
