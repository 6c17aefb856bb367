// Package dialog draws the boxes the composer puts over the editor: a yes/no question, a send
// under way, a failure explained. A dialog owns its keys and answers a key with an Action; the
// composer decides what the action does.
package dialog

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/tui/styles"
)

// Dialog is a box over the editor.
type Dialog interface {
	// Update answers a key with an Action, or nil when the key changes nothing outside.
	Update(tea.KeyMsg) Action
	// View draws the box for a screen w cells wide.
	View(w int) string
	help.KeyMap
}

// Action is what a key did in a dialog.
type Action interface{ isAction() }

type (
	// Yes says yes to a question.
	Yes struct{}
	// No says no to a question.
	No struct{}
	// Cancel stops the send under way.
	Cancel struct{}
	// Dismiss closes a failure, back to the editor.
	Dismiss struct{}
	// ShowPayload closes a failure for the payload view.
	ShowPayload struct{}
	// Queue puts the failed send in the outbox.
	Queue struct{}
	// Force asks to send over a used-up monthly quota.
	Force struct{}
)

func (Yes) isAction()         {}
func (No) isAction()          {}
func (Cancel) isAction()      {}
func (Dismiss) isAction()     {}
func (ShowPayload) isAction() {}
func (Queue) isAction()       {}
func (Force) isAction()       {}

// KeyMap is the dialogs' keys.
type KeyMap struct {
	Yes, No, Switch, Pick, Cancel, Dismiss, Payload, Queue, Force key.Binding
}

// DefaultKeyMap is the dialogs' keys. Enter never means yes: it presses the highlighted
// button, which starts on no.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Yes:     b([]string{"y", "Y"}, "y", "yes"),
		No:      b([]string{"n", "N", "esc"}, "n/esc", "no"),
		Switch:  b([]string{"left", "right", "tab", "shift+tab"}, "←/→", "switch button"),
		Pick:    b([]string{"enter"}, "enter", "press the highlighted button"),
		Cancel:  b([]string{"esc"}, "esc", "cancel"),
		Dismiss: b([]string{"enter", "esc"}, "enter/esc", "back to the editor"),
		Payload: b([]string{"alt+p", "f4"}, "alt+p", "payload"),
		Queue:   b([]string{"q"}, "q", "queue it"),
		Force:   b([]string{"f"}, "f", "send anyway"),
	}
}

// shortly is a binding with a shorter description, for the one-line help.
func shortly(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// box draws a titled box no wider than a screen of w cells.
func box(st *styles.Styles, w int, title string, lines []string, footer string) string {
	widest := max(lipgloss.Width(title), lipgloss.Width(footer))
	for _, l := range lines {
		widest = max(widest, lipgloss.Width(l))
	}
	bw := max(24, min(w-4, 72, widest+6))
	inner := bw - 6
	var body []string
	body = append(body, st.Dialog.Title.Render(title), "")
	for _, l := range lines {
		body = append(body, strings.Split(lipgloss.NewStyle().Width(inner).Render(l), "\n")...)
	}
	if footer != "" {
		body = append(body, "", footer)
	}
	return st.Dialog.Box.Width(bw - 2).Render(strings.Join(body, "\n"))
}

// Confirm is a yes/no question with a no and a yes button. Enter presses the highlighted one,
// which starts on no: only y, or moving to yes first, says yes.
type Confirm struct {
	KeyMap KeyMap
	Title  string
	Lines  []string
	// YesLabel and NoLabel label the buttons; NoLabel is "back" when empty.
	YesLabel, NoLabel string
	// OnYes says the yes button is highlighted.
	OnYes bool
	st    *styles.Styles
}

// NewConfirm asks title, explained by lines; yes labels the yes button, no the no button ("" is
// "back").
func NewConfirm(st *styles.Styles, title string, lines []string, yes, no string) *Confirm {
	return &Confirm{KeyMap: DefaultKeyMap(), Title: title, Lines: lines, YesLabel: yes, NoLabel: no, st: st}
}

// Update answers y with Yes, n or esc with No, enter with the highlighted button.
func (c *Confirm) Update(msg tea.KeyMsg) Action {
	k := c.KeyMap
	switch {
	case key.Matches(msg, k.Yes) || key.Matches(msg, k.Pick) && c.OnYes:
		return Yes{}
	case key.Matches(msg, k.No), key.Matches(msg, k.Pick):
		return No{}
	case key.Matches(msg, k.Switch):
		c.OnYes = !c.OnYes
	}
	return nil
}

// ShortHelp is the question's keys.
func (c *Confirm) ShortHelp() []key.Binding {
	k := c.KeyMap
	return []key.Binding{k.Yes, k.No, k.Switch, shortly(k.Pick, "highlighted button")}
}

// FullHelp is the question's keys.
func (c *Confirm) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }

// View draws the question with its two buttons, the highlighted one in brackets (and reverse
// video), and the keys.
func (c *Confirm) View(w int) string {
	st := c.st
	no := c.NoLabel
	if no == "" {
		no = "back"
	}
	button := func(label string, on bool) string {
		if on {
			return st.Dialog.ButtonOn.Render("[ " + label + " ]")
		}
		return st.Dialog.Muted.Render("  " + label + "  ")
	}
	k := st.Dialog.Key
	footer := button(no, !c.OnYes) + "  " + button(c.YesLabel, c.OnYes) + "\n" +
		k.Render("y") + st.Dialog.Muted.Render(" "+c.YesLabel+"  ") + k.Render("n") + st.Dialog.Muted.Render("/") + k.Render("esc") +
		st.Dialog.Muted.Render(" "+no+"  ") + k.Render("enter") + st.Dialog.Muted.Render(" the one in [ ]")
	return box(st, w, c.Title, c.Lines, footer)
}

// Sending is a send under way: a spinner and what is being posted.
type Sending struct {
	KeyMap KeyMap
	// What is being posted ("posting to ops…").
	What    string
	spinner spinner.Model
	st      *styles.Styles
}

// NewSending returns the sending box; Tick starts its spinner.
func NewSending(st *styles.Styles) *Sending {
	sp := spinner.New(spinner.WithSpinner(spinner.Dot), spinner.WithStyle(st.Dialog.Title))
	return &Sending{KeyMap: DefaultKeyMap(), spinner: sp, st: st}
}

// Tick returns the command that starts the spinner. The spinner is copied here, on the
// caller's goroutine, so that the command (run on another) never reads the box.
func (s *Sending) Tick() tea.Cmd { return s.spinner.Tick }

// Spin moves the spinner on one of its ticks.
func (s *Sending) Spin(msg spinner.TickMsg) tea.Cmd {
	var cmd tea.Cmd
	s.spinner, cmd = s.spinner.Update(msg)
	return cmd
}

// Update answers esc with Cancel.
func (s *Sending) Update(msg tea.KeyMsg) Action {
	if key.Matches(msg, s.KeyMap.Cancel) {
		return Cancel{}
	}
	return nil
}

// ShortHelp is the send's keys.
func (s *Sending) ShortHelp() []key.Binding { return []key.Binding{s.KeyMap.Cancel} }

// FullHelp is the send's keys.
func (s *Sending) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// View draws the spinner and what is being posted.
func (s *Sending) View(w int) string {
	return box(s.st, w, "Sending", []string{s.spinner.View() + " " + s.What}, s.st.Dialog.Muted.Render("esc cancels"))
}
