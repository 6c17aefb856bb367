// Package status is the composer's status bar: the robot and what it may send, the message's
// size and keyword, and a transient message that expires (as in glow and crush).
package status

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// Kind says how a status message looks.
type Kind int

const (
	Info Kind = iota
	OK
	Warn
	Bad
)

// ExpiredMsg clears the status message it names, unless a newer one replaced it. Set returns
// it; the composer delivers it when the message's time is up.
type ExpiredMsg int

// Facts are what the bar shows besides the message.
type Facts struct {
	// Robot is the robot's name; Signed whether it signs; Keywords its keywords.
	Robot    string
	Signed   bool
	Keywords []string
	// SendsLeft is how many sends are left this minute (-1: unknown).
	SendsLeft int
	// Usage is the robot's month (nil: not counted); Queued how many of its messages wait.
	Usage  *dingtalk.QuotaUsage
	Queued int
	// Bytes is the prepared body's size; HasBytes says there is one.
	Bytes    int
	HasBytes bool
	// Ready says a render of the message is done: Keyword is the robot keyword it holds, and
	// KeywordOK false when it needs one.
	Ready     bool
	Keyword   string
	KeywordOK bool
	// SaveProblem, when not empty, is why the draft is not being saved: said above the bar.
	SaveProblem string
}

// Bar is the status bar and its transient message.
type Bar struct {
	text string
	kind Kind
	id   int
	st   *styles.Styles
}

// New returns an empty bar.
func New(st *styles.Styles) Bar { return Bar{st: st} }

// Set shows a message until the returned ExpiredMsg comes back.
func (b *Bar) Set(kind Kind, text string) ExpiredMsg {
	b.id++
	b.text, b.kind = text, kind
	return ExpiredMsg(b.id)
}

// Append adds text to the message shown.
func (b *Bar) Append(text string) { b.text += text }

// Expire clears the message msg names, unless a newer one replaced it; it reports whether the
// message went.
func (b *Bar) Expire(msg ExpiredMsg) bool {
	if int(msg) != b.id {
		return false
	}
	b.text, b.kind = "", Info
	return true
}

// Text is the message shown, "" for none.
func (b *Bar) Text() string { return b.text }

// Height is the bar's height in lines: more when a message is long.
func (b *Bar) Height(w int, f Facts) int { return strings.Count(b.View(w, f), "\n") + 1 }

// View is the status bar: robot, signing, keywords, sends left, the month, the queued, size,
// then the message.
func (b *Bar) View(w int, f Facts) string {
	st := b.st
	segs := []string{st.Status.Robot.Render("◆ " + f.Robot)}
	if f.Signed {
		segs = append(segs, st.Status.Seg.Render("signed"))
	} else {
		segs = append(segs, st.Status.Seg.Render("unsigned"))
	}
	if len(f.Keywords) > 0 {
		segs = append(segs, b.keywordStatus(f))
	}
	if f.SendsLeft >= 0 {
		s := st.Status.Seg
		switch {
		case f.SendsLeft == 0:
			s = st.Status.Bad
		case f.SendsLeft < 5:
			s = st.Status.Warn
		}
		segs = append(segs, s.Render(fmt.Sprintf("%d/20 left this min", f.SendsLeft)))
	}
	if f.Usage != nil {
		segs = append(segs, b.monthStatus(f.Robot, *f.Usage))
	}
	if f.Queued > 0 {
		segs = append(segs, st.Status.Warn.Render(fmt.Sprintf("%d queued", f.Queued)))
	}
	if f.HasBytes {
		s := st.Status.Seg
		switch {
		case f.Bytes > dingtalk.MaxBodyBytes:
			s = st.Status.Bad
		case f.Bytes > dingtalk.MaxBodyBytes*9/10:
			s = st.Status.Warn
		}
		segs = append(segs, s.Render(fmt.Sprintf("%d/%d bytes", f.Bytes, dingtalk.MaxBodyBytes)))
	}
	left := strings.Join(segs, st.Status.Rule.Render("│"))
	// A draft that is not being saved is said above the bar for as long as it lasts.
	var out strings.Builder
	if f.SaveProblem != "" {
		out.WriteString(wrapAbove("✗ draft NOT saved: "+f.SaveProblem, st.Status.MsgBad, w))
	}
	if b.text == "" {
		return out.String() + cell.Fit(left, w)
	}
	if lipgloss.Width(left)+1+lipgloss.Width(b.text) <= w {
		return out.String() + cell.Fit(left+" "+b.style().Render(b.text), w)
	}
	// A long message gets up to two lines of its own above the bar.
	out.WriteString(wrapAbove(b.text, b.style(), w))
	return out.String() + cell.Fit(left, w)
}

// wrapAbove is text on up to two lines of its own, for above the status bar.
func wrapAbove(text string, style lipgloss.Style, w int) string {
	lines := strings.Split(ansi.Wordwrap(text, max(10, w-1), ""), "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], lines[1]+" "+strings.Join(lines[2:], " "))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(cell.Fit(" "+style.Render(l), w) + "\n")
	}
	return b.String()
}

func (b *Bar) style() lipgloss.Style {
	switch b.kind {
	case OK:
		return b.st.Status.MsgOK
	case Warn:
		return b.st.Status.MsgWarn
	case Bad:
		return b.st.Status.MsgBad
	}
	return b.st.Status.MsgInfo
}

// usedUp reports whether a monthly quota of u is used up.
func usedUp(u dingtalk.QuotaUsage) bool {
	return u.Limit > 0 && u.Used >= u.Limit || u.OrgLimit > 0 && u.OrgUsed >= u.OrgLimit
}

// monthStatus is the robot's sends this month: "37/100 this month" with a monthly_quota, "37
// this month" without; marked "!" from 80 % of a quota (the robot's or the organisation's, which
// is then shown too) and "✗" when one is used up, so that it reads without colour as well.
func (b *Bar) monthStatus(robot string, u dingtalk.QuotaUsage) string {
	st := b.st
	text := fmt.Sprintf("%d this month", u.Used)
	if u.Limit > 0 {
		text = fmt.Sprintf("%d/%d this month", u.Used, u.Limit)
	}
	if u.OrgLimit > 0 && u.OrgUsed*5 >= u.OrgLimit*4 {
		text += fmt.Sprintf(" (org %d/%d)", u.OrgUsed, u.OrgLimit)
	}
	switch {
	case usedUp(u):
		return st.Status.Bad.Render("✗ " + text)
	case u.Warning(robot) != "":
		return st.Status.Warn.Render("! " + text)
	}
	return st.Status.Seg.Render(text)
}

// keywordStatus says whether the message holds one of the robot's keywords, as the last
// render found (matching 20 000 bytes is no work for View).
func (b *Bar) keywordStatus(f Facts) string {
	st := b.st
	switch {
	case !f.Ready:
		return st.Status.Seg.Render("keywords: " + strings.Join(f.Keywords, ", "))
	case f.KeywordOK:
		return st.Status.OK.Render("✓ keyword " + f.Keyword)
	}
	return st.Status.Bad.Render("✗ needs keyword: " + strings.Join(f.Keywords, " | "))
}
