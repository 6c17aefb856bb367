package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/tui/status"
)

// The status kinds, as the composer names them.
const (
	statusInfo = status.Info
	statusOK   = status.OK
	statusWarn = status.Warn
	statusBad  = status.Bad
)

// setStatus shows a message for statusTTL (twice as long for a failure).
func (m *Model) setStatus(kind status.Kind, text string) tea.Cmd {
	ttl := statusTTL
	if kind == statusBad {
		ttl *= 2
	}
	return m.setStatusFor(kind, text, ttl)
}

// setStatusFor shows a message for ttl.
func (m *Model) setStatusFor(kind status.Kind, text string, ttl time.Duration) tea.Cmd {
	expired := m.status.Set(kind, text)
	m.layout()
	return m.after(ttl, expired)
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

// statusFacts are what the status bar shows of the robot, the message and the draft.
func (m *Model) statusFacts() status.Facts {
	r := m.currentRobot()
	f := status.Facts{
		Robot: r.Name, Signed: r.Signed(), Keywords: r.Keywords,
		SendsLeft: m.sendsLeft, Usage: m.usage, Queued: m.queued,
		Ready: m.preview.Ready(),
	}
	f.Keyword, f.KeywordOK = m.preview.Keyword()
	if p := m.preview.Prepared(); p != nil && p.Body != nil {
		f.Bytes, f.HasBytes = p.Bytes, true
	}
	if m.saveErr != nil {
		f.SaveProblem = saveProblem(m.saveErr)
	}
	return f
}

// statusView is the status bar.
func (m *Model) statusView() string { return m.status.View(m.width, m.statusFacts()) }

// statusHeight is the status bar's height: more lines when a message is long.
func (m *Model) statusHeight() int { return m.status.Height(m.width, m.statusFacts()) }
