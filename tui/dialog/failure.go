package dialog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
)

// Failure is a send that did not happen or was refused, described for people; with Done, the
// report of a send that went through in parts.
type Failure struct {
	KeyMap KeyMap
	Title  string
	Lines  []string
	Hint   string
	Done   bool
	// Notice makes it a notice (the warnings at start): a warning's title, and only enter or esc
	// to close it.
	Notice bool
	// Force offers f: send anyway over the monthly quota. Queue offers q: put it in the outbox
	// (QueueWhat, "it" or "the 2 part(s) left", for Robot).
	Force, Queue     bool
	QueueWhat, Robot string
	st               *styles.Styles
}

// NewFailure explains err (see Describe) in a box drawn with st.
func NewFailure(st *styles.Styles, err error) *Failure {
	f := Describe(err)
	f.st = st
	return f
}

// NewReport is the report of a send that went through, in parts: lines say what became of each.
func NewReport(st *styles.Styles, title string, lines []string) *Failure {
	return &Failure{KeyMap: DefaultKeyMap(), Done: true, Title: title, Lines: lines, st: st}
}

// NewNotice is a notice to read before going on, such as the warnings found at start: it
// stays until enter or esc closes it.
func NewNotice(st *styles.Styles, title string, lines []string) *Failure {
	return &Failure{KeyMap: DefaultKeyMap(), Notice: true, Title: title, Lines: lines, st: st}
}

// Update answers enter or esc with Dismiss, alt+p or f4 with ShowPayload, and q and f with Queue and
// Force when they are offered.
func (f *Failure) Update(msg tea.KeyMsg) Action {
	k := f.KeyMap
	switch {
	case f.Notice:
		if key.Matches(msg, k.Dismiss) {
			return Dismiss{}
		}
	case f.Queue && key.Matches(msg, k.Queue):
		return Queue{}
	case f.Force && key.Matches(msg, k.Force):
		return Force{}
	case key.Matches(msg, k.Dismiss):
		return Dismiss{}
	case key.Matches(msg, k.Payload):
		return ShowPayload{}
	}
	return nil
}

// ShortHelp is the failure's keys: q and f only when offered.
func (f *Failure) ShortHelp() []key.Binding {
	k := f.KeyMap
	if f.Notice {
		return []key.Binding{k.Dismiss}
	}
	if f.Done {
		return []key.Binding{k.Dismiss, k.Payload}
	}
	k.Queue.SetEnabled(f.Queue)
	k.Force.SetEnabled(f.Force)
	return []key.Binding{k.Dismiss, k.Queue, k.Force, k.Payload}
}

// FullHelp is the failure's keys.
func (f *Failure) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }

// View draws the failure: what happened, the hint, what q and f do, and that the message is
// unchanged.
func (f *Failure) View(w int) string {
	st := f.st
	k := st.Dialog.Key
	lines := append([]string(nil), f.Lines...)
	if f.Hint != "" {
		lines = append(lines, "", st.Dialog.Warning.Render("hint: "+f.Hint))
	}
	if f.Notice {
		return box(st, w, st.Dialog.Warning.Bold(true).Render(f.Title), lines, k.Render("enter")+st.Dialog.Muted.Render("/")+k.Render("esc")+st.Dialog.Muted.Render(" close"))
	}
	if f.Done {
		return box(st, w, st.Dialog.Good.Bold(true).Render(f.Title), lines, k.Render("enter")+st.Dialog.Muted.Render("/")+k.Render("esc")+st.Dialog.Muted.Render(" back to the editor"))
	}
	if f.Queue || f.Force {
		lines = append(lines, "")
	}
	if f.Queue {
		lines = append(lines, k.Render("q")+fmt.Sprintf(" queue %s: dingbot sends it as soon as robot %s may send (dingbot outbox ls lists it)", f.QueueWhat, f.Robot))
	}
	if f.Force {
		lines = append(lines, k.Render("f")+" send it anyway, over the quota (asks first)")
	}
	lines = append(lines, "", st.Dialog.Muted.Render("Your message is unchanged."))
	return box(st, w, st.Dialog.Problem.Bold(true).Render(f.Title), lines, k.Render("enter")+st.Dialog.Muted.Render("/")+k.Render("esc")+st.Dialog.Muted.Render(" back to the editor"))
}

// Describe explains an error from Prepare or the client, with DingTalk's errcode and errmsg
// verbatim and what to do about it.
func Describe(err error) *Failure {
	f := describe(err)
	f.KeyMap = DefaultKeyMap()
	return f
}

func describe(err error) *Failure {
	var (
		api *dingtalk.APIError
		tr  *dingtalk.TransportError
		rl  *dingtalk.RateLimitError
		ve  *dingtalk.ValidationError
		ke  *dingtalk.KeywordError
		qe  *dingtalk.QuotaError
		pe  *dingtalk.PausedError
	)
	switch {
	case errors.As(err, &qe):
		// The composer's way to send anyway is the f key, not --force.
		return &Failure{Title: "Not sent: monthly quota used up", Lines: []string{qe.Error()},
			Hint: strings.Replace(qe.Hint(), "pass --force", "press f", 1), Force: qe.Scope != "dingtalk"}
	case errors.As(err, &pe):
		return &Failure{Title: "Not sent: the robot is paused", Lines: []string{pe.Error()},
			Hint: "dingbot holds this robot's sends, in every process, until the pause ends: DingTalk would refuse them"}
	case errors.As(err, &api):
		return &Failure{
			Title: "DingTalk refused the message",
			Lines: []string{fmt.Sprintf("errcode %d: %s", api.Code, api.Message)},
			Hint:  api.Hint,
		}
	case errors.As(err, &ke):
		return &Failure{
			Title: "Not sent: no keyword",
			Lines: []string{fmt.Sprintf("robot %s accepts only messages containing one of: %s", ke.Robot, strings.Join(ke.Keywords, ", ")),
				"DingTalk would refuse it with errcode 310000 (keywords not in content)"},
			Hint: "add one of the keywords to the title or text",
		}
	case errors.As(err, &ve):
		f := &Failure{Title: "Not sent: the message is not complete", Hint: "fix these fields; nothing was sent"}
		for _, p := range ve.Problems {
			f.Lines = append(f.Lines, "• "+p.String())
		}
		return f
	case errors.As(err, &rl):
		return &Failure{Title: "Not sent: too many messages", Lines: []string{rl.Error()}, Hint: "wait, then send again"}
	case errors.As(err, &tr):
		f := &Failure{Title: "No answer from DingTalk", Lines: []string{fmt.Sprintf("%s: %s", tr.Kind, tr.Detail), "to " + tr.URL}}
		if tr.Status != 0 {
			f.Lines = append(f.Lines, fmt.Sprintf("HTTP status %d", tr.Status))
		}
		switch {
		case tr.Kind == dingtalk.KindCanceled:
			f.Title = "Send canceled"
		case tr.MaybeDelivered:
			f.Hint = "the message may have been posted: check the group before sending again"
		default:
			f.Hint = "nothing was posted: check the network or the webhook host, then send again"
		}
		if tr.MaybeDelivered && tr.Kind == dingtalk.KindCanceled {
			f.Hint = "the message may have been posted: check the group before sending again"
		}
		return f
	}
	return &Failure{Title: "Not sent", Lines: []string{err.Error()}}
}
