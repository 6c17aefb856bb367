package dialog

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
)

var (
	enter = tea.KeyMsg{Type: tea.KeyEnter}
	right = tea.KeyMsg{Type: tea.KeyRight}
	esc   = tea.KeyMsg{Type: tea.KeyEsc}
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// Enter presses the highlighted button, which starts on no: only y, or moving to yes first,
// says yes.
func TestConfirmEnterStartsOnNo(t *testing.T) {
	st := styles.New(true, true)
	c := NewConfirm(&st, "Send?", []string{"to robot ops"}, "send", "")
	if _, ok := c.Update(enter).(No); !ok {
		t.Fatal("enter on a fresh question is not no")
	}
	if a := c.Update(right); a != nil || !c.OnYes {
		t.Fatalf("right: %v, on yes %v", a, c.OnYes)
	}
	if _, ok := c.Update(enter).(Yes); !ok {
		t.Fatal("enter on yes is not yes")
	}
	if _, ok := NewConfirm(&st, "Send?", nil, "send", "").Update(runes("y")).(Yes); !ok {
		t.Fatal("y is not yes")
	}
	if _, ok := c.Update(esc).(No); !ok {
		t.Fatal("esc is not no")
	}
	if v := ansi.Strip(c.View(80)); !strings.Contains(v, "[ send ]") || !strings.Contains(v, "  back  ") {
		t.Fatalf("view:\n%s", v)
	}
}

func TestFailureOffersQueueAndForceOnlyWhenSet(t *testing.T) {
	st := styles.New(true, true)
	f := NewFailure(&st, &dingtalk.QuotaError{Robot: "ops", Scope: "robot", Used: 5, Limit: 5})
	if !f.Force || f.Queue {
		t.Fatalf("quota: force %v queue %v", f.Force, f.Queue)
	}
	if a := f.Update(runes("q")); a != nil {
		t.Fatalf("q without a queue: %v", a)
	}
	if _, ok := f.Update(runes("f")).(Force); !ok {
		t.Fatal("f is not force")
	}
	g := NewFailure(&st, errors.New("boom"))
	if a := g.Update(runes("f")); a != nil {
		t.Fatalf("f without force: %v", a)
	}
	if _, ok := g.Update(enter).(Dismiss); !ok {
		t.Fatal("enter does not dismiss")
	}
	if v := ansi.Strip(g.View(80)); !strings.Contains(v, "Not sent") || !strings.Contains(v, "boom") || !strings.Contains(v, "Your message is unchanged.") {
		t.Fatalf("view:\n%s", v)
	}
}

// TestSendingTickRunsOffTheBox runs the spinner's start command on another goroutine while
// the box spins, as Bubble Tea does; under -race it fails if the command reads the box.
func TestSendingTickRunsOffTheBox(t *testing.T) {
	st := styles.New(true, true)
	s := NewSending(&st)
	tick := s.Tick()
	done := make(chan tea.Msg)
	go func() { done <- tick() }()
	s.Spin(spinner.TickMsg{})
	if _, ok := (<-done).(spinner.TickMsg); !ok {
		t.Fatal("Tick's command should produce a spinner tick")
	}
}
