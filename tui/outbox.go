package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/tui/store"
)

// queuedSend is a message queued from the composer, followed until all its jobs are delivered
// (then it goes into the history) or one fails.
type queuedSend struct {
	robot  string
	entry  store.Entry
	left   int
	failed bool
}

// queuedMsg is the outcome of putting a send in the outbox: the jobs stored, and why the rest
// were not.
type queuedMsg struct {
	post *posting
	jobs []delivery.Job
	err  error
}

// outboxEventMsg is one change of a job in the outbox; ok is false once the outbox stopped.
type outboxEventMsg struct {
	job delivery.Job
	ok  bool
}

// listenOutbox waits for the outbox's next change, in a command.
func (m *Model) listenOutbox() tea.Cmd {
	ch := m.outboxEvents
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		j, ok := <-ch
		return outboxEventMsg{job: j, ok: ok}
	}
}

// queue puts the failed send (what is left of it) in the outbox, part by part in order, with
// the msgUuids it was sent with.
func (m *Model) queue() tea.Cmd {
	p := m.failPost
	m.failure, m.failPost = nil, nil
	m.state = stateCompose
	ob, ctx := m.opts.Outbox, m.ctx
	return func() tea.Msg {
		q := queuedMsg{post: p}
		for _, part := range p.parts {
			jobs, err := ob.Submit(ctx, p.robot.Name, part, delivery.SubmitOptions{Force: p.force})
			if err != nil {
				q.err = err
				break
			}
			q.jobs = append(q.jobs, jobs...)
		}
		return q
	}
}

// queuedDone says where the queued message is and follows its jobs.
func (m *Model) queuedDone(q queuedMsg) tea.Cmd {
	p := q.post
	var qs *queuedSend
	if len(q.jobs) > 0 {
		msg := p.msg
		msg.MsgUUID = ""
		qs = &queuedSend{robot: p.robot.Name, left: len(q.jobs),
			entry: store.Entry{Time: m.now(), Robot: p.robot.Name, MsgType: msg.Type, Message: msg}}
		for _, j := range q.jobs {
			m.awaiting[j.ID] = qs
		}
	}
	if q.err != nil {
		text := "✗ not queued: " + q.err.Error()
		if len(q.jobs) > 0 {
			text = fmt.Sprintf("✗ %d of %d parts queued (%s…), the rest not: %v", len(q.jobs), len(p.parts), q.jobs[0].ID, q.err)
		}
		return tea.Batch(m.refreshSendsLeft(), m.setStatus(statusBad, text))
	}
	m.unsent = false
	m.queuedNow = qs
	what := "queued"
	if len(q.jobs) > 1 {
		what = fmt.Sprintf("%d parts queued", len(q.jobs))
	}
	text := fmt.Sprintf("%s for robot %s as %s: it goes out as soon as the robot may send", what, p.robot.Name, q.jobs[0].ID)
	return tea.Batch(m.saveDraft(), m.refreshSendsLeft(), m.setStatusFor(statusInfo, text, noticeTTL))
}

// outboxEvent follows a change in the outbox: the queued count of the robot shown, and the fate
// of the messages queued from here.
func (m *Model) outboxEvent(e outboxEventMsg) tea.Cmd {
	if !e.ok {
		return nil
	}
	j := e.job
	cmds := []tea.Cmd{m.listenOutbox()}
	if key, err := dingtalk.RobotKey(m.currentRobot()); err == nil && key == j.Key {
		cmds = append(cmds, m.refreshSendsLeft())
	}
	qs := m.awaiting[j.ID]
	if qs == nil || !j.State.Finished() {
		return tea.Batch(cmds...)
	}
	delete(m.awaiting, j.ID)
	if j.State == delivery.Sent {
		qs.left--
		if qs.left > 0 || qs.failed {
			return tea.Batch(cmds...)
		}
		if m.queuedNow == qs {
			m.queuedNow = nil
		}
		return tea.Batch(append(cmds, m.saveHistory(qs.entry),
			m.setStatus(statusOK, fmt.Sprintf("✓ the queued message was delivered to %s (%s)", qs.robot, j.ID)))...)
	}
	qs.failed = true
	if m.queuedNow == qs {
		m.queuedNow = nil
		m.unsent = !m.form.Empty()
		cmds = append(cmds, m.saveDraft())
	}
	text := fmt.Sprintf("✗ the message queued for %s was not delivered (%s): %s · dingbot outbox show %s", qs.robot, j.State, j.Error, j.ID)
	return tea.Batch(append(cmds, m.setStatusFor(statusBad, text, noticeTTL))...)
}

// askForce asks before sending over a used-up monthly quota; no is the default.
func (m *Model) askForce() {
	post := *m.failPost
	post.force = true
	lines := append(append([]string(nil), m.failure.Lines...), "",
		"dingbot counts it all the same, and DingTalk may still refuse it (errcode 90030) if the organisation's own quota is used up.")
	m.failure, m.failPost = nil, nil
	m.ask("Send over the monthly quota?", lines, "send anyway", "", func(m *Model) tea.Cmd { return m.send(&post) })
}
