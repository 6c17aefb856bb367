package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/tui/cell"
)

// statusKind says how a status message looks.
type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusWarn
	statusBad
)

// status is a transient message in the status bar; it expires (as in glow and crush).
type status struct {
	text string
	kind statusKind
}

// statusExpiredMsg clears the status message it names, unless a newer one replaced it.
type statusExpiredMsg int

// setStatus shows a message for statusTTL.
func (m *Model) setStatus(kind statusKind, text string) tea.Cmd {
	ttl := statusTTL
	if kind == statusBad {
		ttl *= 2
	}
	return m.setStatusFor(kind, text, ttl)
}

// setStatusFor shows a message for ttl.
func (m *Model) setStatusFor(kind statusKind, text string, ttl time.Duration) tea.Cmd {
	m.statusID++
	m.status = status{text: text, kind: kind}
	m.layout()
	return m.after(ttl, statusExpiredMsg(m.statusID))
}

// sendsLeftMsg reports what a robot may send: its sends left this minute (-1: unknown), its
// month so far (nil: not counted) and how many of its messages wait in the outbox (-1: no
// outbox, or it cannot be read).
type sendsLeftMsg struct {
	robot  string
	n      int
	usage  *dingtalk.QuotaUsage
	queued int
}

type sendsLeftTickMsg struct{}

// refreshSendsLeft asks the client and the outbox in a command: the rate limiter, the meter
// and the outbox read files, or Redis.
func (m *Model) refreshSendsLeft() tea.Cmd {
	client, r, ctx, ob := m.opts.Client, m.currentRobot(), m.ctx, m.opts.Outbox
	return func() tea.Msg {
		return sendsLeftMsg{robot: r.Name, n: client.SendsLeft(r), usage: client.Usage(ctx, r), queued: queuedFor(ctx, ob, r)}
	}
}

// queuedFor counts robot r's messages waiting in the outbox (queued or being sent), or -1.
func queuedFor(ctx context.Context, ob *delivery.Outbox, r dingtalk.Robot) int {
	if ob == nil {
		return -1
	}
	key, err := dingtalk.RobotKey(r)
	if err != nil {
		return -1
	}
	jobs, err := ob.Store().List(ctx, delivery.Filter{Key: key, States: []delivery.State{delivery.Queued, delivery.Sending}})
	if err != nil {
		return -1
	}
	return len(jobs)
}

// usedUp reports whether a monthly quota of u is used up.
func usedUp(u dingtalk.QuotaUsage) bool {
	return u.Limit > 0 && u.Used >= u.Limit || u.OrgLimit > 0 && u.OrgUsed >= u.OrgLimit
}

// monthStatus is the robot's sends this month: "37/100 this month" with a monthly_quota, "37
// this month" without; marked "!" from 80 % of a quota (the robot's or the organisation's, which
// is then shown too) and "✗" when one is used up, so that it reads without colour as well.
func (m *Model) monthStatus(r dingtalk.Robot, u dingtalk.QuotaUsage) string {
	text := fmt.Sprintf("%d this month", u.Used)
	if u.Limit > 0 {
		text = fmt.Sprintf("%d/%d this month", u.Used, u.Limit)
	}
	if u.OrgLimit > 0 && u.OrgUsed*5 >= u.OrgLimit*4 {
		text += fmt.Sprintf(" (org %d/%d)", u.OrgUsed, u.OrgLimit)
	}
	switch {
	case usedUp(u):
		return m.st.Status.Bad.Render("✗ " + text)
	case u.Warning(r.Name) != "":
		return m.st.Status.Warn.Render("! " + text)
	}
	return m.st.Status.Seg.Render(text)
}

// statusView is the status bar: robot, signing, keywords, sends left, the month, the queued,
// size, then the message.
func (m *Model) statusView() string {
	st := m.st
	r := m.currentRobot()
	segs := []string{st.Status.Robot.Render("◆ " + r.Name)}
	if r.Signed() {
		segs = append(segs, st.Status.Seg.Render("signed"))
	} else {
		segs = append(segs, st.Status.Seg.Render("unsigned"))
	}
	if len(r.Keywords) > 0 {
		segs = append(segs, m.keywordStatus(r))
	}
	if m.sendsLeft >= 0 {
		s := st.Status.Seg
		switch {
		case m.sendsLeft == 0:
			s = st.Status.Bad
		case m.sendsLeft < 5:
			s = st.Status.Warn
		}
		segs = append(segs, s.Render(fmt.Sprintf("%d/20 left this min", m.sendsLeft)))
	}
	if m.usage != nil {
		segs = append(segs, m.monthStatus(r, *m.usage))
	}
	if m.queued > 0 {
		segs = append(segs, st.Status.Warn.Render(fmt.Sprintf("%d queued", m.queued)))
	}
	if p := m.preview.prepared; p != nil && p.Body != nil {
		s := st.Status.Seg
		switch {
		case p.Bytes > dingtalk.MaxBodyBytes:
			s = st.Status.Bad
		case p.Bytes > dingtalk.MaxBodyBytes*9/10:
			s = st.Status.Warn
		}
		segs = append(segs, s.Render(fmt.Sprintf("%d/%d bytes", p.Bytes, dingtalk.MaxBodyBytes)))
	}
	left := strings.Join(segs, st.Status.Rule.Render("│"))
	// A draft that is not being saved is said above the bar for as long as it lasts.
	var b strings.Builder
	if m.saveErr != nil {
		b.WriteString(m.wrapAbove("✗ draft NOT saved: "+saveProblem(m.saveErr), st.Status.MsgBad))
	}
	if m.status.text == "" {
		return b.String() + cell.Fit(left, m.width)
	}
	if lipgloss.Width(left)+1+lipgloss.Width(m.status.text) <= m.width {
		return b.String() + cell.Fit(left+" "+m.statusStyle().Render(m.status.text), m.width)
	}
	// A long message gets up to two lines of its own above the bar.
	b.WriteString(m.wrapAbove(m.status.text, m.statusStyle()))
	return b.String() + cell.Fit(left, m.width)
}

// wrapAbove is text on up to two lines of its own, for above the status bar.
func (m *Model) wrapAbove(text string, style lipgloss.Style) string {
	lines := strings.Split(ansi.Wordwrap(text, max(10, m.width-1), ""), "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], lines[1]+" "+strings.Join(lines[2:], " "))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(cell.Fit(" "+style.Render(l), m.width) + "\n")
	}
	return b.String()
}

// statusHeight is the status bar's height: two lines when the message is long.
func (m *Model) statusHeight() int {
	return strings.Count(m.statusView(), "\n") + 1
}

func (m *Model) statusStyle() lipgloss.Style {
	switch m.status.kind {
	case statusOK:
		return m.st.Status.MsgOK
	case statusWarn:
		return m.st.Status.MsgWarn
	case statusBad:
		return m.st.Status.MsgBad
	}
	return m.st.Status.MsgInfo
}

// keywordStatus says whether the message holds one of the robot's keywords, as the last
// render found (matching 20 000 bytes is no work for View).
func (m *Model) keywordStatus(r dingtalk.Robot) string {
	switch {
	case !m.preview.ready:
		return m.st.Status.Seg.Render("keywords: " + strings.Join(r.Keywords, ", "))
	case m.preview.keywordOK:
		return m.st.Status.OK.Render("✓ keyword " + m.preview.keyword)
	}
	return m.st.Status.Bad.Render("✗ needs keyword: " + strings.Join(r.Keywords, " | "))
}
