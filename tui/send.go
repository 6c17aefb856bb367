package tui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/dingtalk"
)

// confirmAction is what a confirmation does on yes.
type confirmAction int

const (
	confirmSend confirmAction = iota
	confirmQuit
	// confirmQuitUnsaved quits although the draft could not be saved: the text is lost.
	confirmQuitUnsaved
	confirmNew
	confirmReopen
	// confirmRestore is not asked: it is what choosing a kept draft does.
	confirmRestore
)

// confirmation is a yes/no question over the editor, with a no and a yes button. Enter presses
// the highlighted one, which starts on no: only y, or moving to yes first, says yes.
type confirmation struct {
	action confirmAction
	title  string
	lines  []string
	yes    string
	// no labels the no button; "back" when empty.
	no string
	// onYes says the yes button is highlighted.
	onYes bool
	// entry is the history entry to reopen.
	entry historyEntry
	// msg and robot are what confirmSend sends.
	msg   dingtalk.Message
	robot dingtalk.Robot
}

// failure is a send that did not happen or was refused, described for people.
type failure struct {
	title string
	lines []string
	hint  string
}

// preparedMsg is the pre-send check: Prepare on exactly what would be sent.
type preparedMsg struct {
	prepared *dingtalk.Prepared
	err      error
	msg      dingtalk.Message
	robot    dingtalk.Robot
}

// sendDoneMsg is the client's answer.
type sendDoneMsg struct {
	id     int
	result *dingtalk.Result
	err    error
	msg    dingtalk.Message
	robot  dingtalk.Robot
	key    idempotentSend
}

// idempotentSend ties a msgUuid to the robot and body it was sent with (a SHA-256 of the body,
// hex: it is saved with the draft).
type idempotentSend struct {
	robot string
	body  string
	uuid  string
}

func bodyDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// msgUUID returns the msgUuid for sending msg to r: the one of the last send whose outcome is
// unknown when this is the same message to the same robot, otherwise a fresh one. msg's own
// MsgUUID is ignored, so a message reopened from history is a new message.
func (m *Model) msgUUID(r dingtalk.Robot, msg dingtalk.Message) idempotentSend {
	msg.MsgUUID = ""
	body, _ := msg.Encode()
	key := idempotentSend{robot: r.Name, body: bodyDigest(body)}
	if u := m.unknownOutcome; u != nil && u.robot == key.robot && u.body == key.body {
		key.uuid = u.uuid
		return key
	}
	// The size that counts is the prepared body, mentions inserted.
	size := len(body)
	if p, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{}); p != nil && err == nil {
		size = p.Bytes
	}
	key.uuid = dingtalk.NewMsgUUID(size)
	return key
}

// resends reports whether sending msg to r reuses the msgUuid of a send with an unknown outcome.
func (m *Model) resends(r dingtalk.Robot, msg dingtalk.Message) bool {
	u := m.unknownOutcome
	if u == nil || u.robot != r.Name {
		return false
	}
	msg.MsgUUID = ""
	body, _ := msg.Encode()
	return bodyDigest(body) == u.body
}

// startSend checks the message in a command; a valid one is then confirmed.
func (m *Model) startSend() tea.Cmd {
	msg, r := m.form.message(), m.currentRobot()
	return func() tea.Msg {
		if _, err := r.Endpoint(); err != nil {
			return preparedMsg{err: fmt.Errorf("robot %s: %w", r.Name, err), msg: msg, robot: r}
		}
		p, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
		return preparedMsg{prepared: p, err: err, msg: msg, robot: r}
	}
}

// prepared shows why a message cannot go, or asks to confirm it.
func (m *Model) prepared(pm preparedMsg) tea.Cmd {
	if m.state != stateCompose {
		return nil
	}
	if pm.err != nil {
		m.failure = describeFailure(pm.err)
		m.state = stateError
		return nil
	}
	c := &confirmation{action: confirmSend, title: "Send this " + kindName(pm.msg.Type) + "?", yes: "send", msg: pm.msg, robot: pm.robot}
	r := pm.robot
	how := "unsigned"
	if r.Signed() {
		how = "signed"
	}
	c.lines = append(c.lines, fmt.Sprintf("to robot %s (%s), %d bytes", m.st.key.Render(r.Name), how, pm.prepared.Bytes))
	who := notifies(pm.prepared.Message, m.opts.Contacts)
	if who == "" {
		who = "nobody is @mentioned"
	} else {
		who = "notifies " + m.st.mention.Render(who)
	}
	c.lines = append(c.lines, who)
	if len(pm.prepared.AddedMentions) > 0 {
		c.lines = append(c.lines, m.st.hint.Render("@"+strings.Join(pm.prepared.AddedMentions, " @")+" will be added to the text so they are notified"))
	}
	n := 0
	for _, w := range pm.prepared.Warnings {
		if w.Field != "at" {
			n++
		}
	}
	if n > 0 {
		c.lines = append(c.lines, m.st.warning.Render(fmt.Sprintf("%d warning(s) under the preview: DingTalk accepts it but may show it differently", n)))
	}
	if m.resends(pm.robot, pm.msg) {
		c.lines = append(c.lines, m.st.warning.Render("the last send of this message got no answer: this one carries the same msgUuid, so DingTalk posts it at most once"))
	}
	m.confirm = c
	m.state = stateConfirm
	return nil
}

// confirmed runs the action of the open confirmation.
func (m *Model) confirmed() tea.Cmd {
	c := m.confirm
	m.confirm = nil
	m.state = stateCompose
	switch c.action {
	case confirmSend:
		return m.send(c.robot, c.msg)
	case confirmQuit:
		return m.quit()
	case confirmQuitUnsaved:
		return tea.Quit
	case confirmNew:
		return m.keepThen("discarded with ctrl+n", keptMsg{action: confirmNew})
	case confirmReopen:
		return m.keepThen("replaced by a message reopened from the history", keptMsg{action: confirmReopen, entry: c.entry})
	}
	return nil
}

// send posts the message in a command; Esc cancels it through the context.
func (m *Model) send(r dingtalk.Robot, msg dingtalk.Message) tea.Cmd {
	m.state = stateSending
	m.sendID++
	id := m.sendID
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	client := m.opts.Client
	key := m.msgUUID(r, msg)
	msg.MsgUUID = key.uuid
	do := func() tea.Msg {
		defer cancel()
		res, err := client.SendWith(ctx, r, msg, dingtalk.PrepareOptions{})
		return sendDoneMsg{id: id, result: res, err: err, msg: msg, robot: r, key: key}
	}
	return tea.Batch(do, m.spinner.Tick)
}

// cancelSend stops the send under way.
func (m *Model) cancelSend() {
	if m.cancel != nil {
		m.cancel()
	}
}

// sent shows the outcome. A failure leaves the editor exactly as it was.
func (m *Model) sent(d sendDoneMsg) tea.Cmd {
	if d.id != m.sendID {
		return nil
	}
	m.cancel = nil
	if d.err != nil {
		// Whatever went before, the last send of this message did not go through.
		m.unsent = !m.form.empty()
		var te *dingtalk.TransportError
		if errors.As(d.err, &te) && te.Kind == dingtalk.KindCanceled && !te.MaybeDelivered {
			m.state = stateCompose
			return tea.Batch(m.refreshSendsLeft(), m.setStatus(statusWarn, "send canceled: nothing was posted"))
		}
		m.failure = describeFailure(d.err)
		// A send of the same message that may have been posted stays the one to reuse until a
		// send succeeds, even if a later attempt fails outright: the first may still be posted.
		if te != nil && te.MaybeDelivered && d.key.uuid != "" {
			m.unknownOutcome = &d.key
			m.failure.hint = "it may have been posted: sending this same message again is safe, it carries the same msgUuid (kept with the draft, also after a restart), so DingTalk posts it at most once"
		}
		m.state = stateError
		return tea.Batch(m.refreshSendsLeft(), m.saveDraft())
	}
	m.state = stateCompose
	m.unsent = false
	m.unknownOutcome = nil
	sentMsg := d.msg
	if d.result != nil && d.result.Prepared != nil {
		sentMsg = d.result.Prepared.Message
	}
	sentMsg.MsgUUID = "" // history keeps the message, not this one send of it
	entry := historyEntry{Time: m.now(), Robot: d.robot.Name, MsgType: sentMsg.Type, Message: sentMsg}
	text := fmt.Sprintf("✓ sent to %s", d.robot.Name)
	if d.result != nil {
		text += fmt.Sprintf(" · errcode %d %s", d.result.Errcode, d.result.Errmsg)
	}
	text += " · ctrl+n starts a new message"
	return tea.Batch(m.saveHistory(entry), m.saveDraft(), m.refreshSendsLeft(), m.setStatus(statusOK, text))
}

// describeFailure explains an error from Prepare or the client, with DingTalk's errcode and
// errmsg verbatim and what to do about it.
func describeFailure(err error) *failure {
	var (
		api *dingtalk.APIError
		tr  *dingtalk.TransportError
		rl  *dingtalk.RateLimitError
		ve  *dingtalk.ValidationError
		ke  *dingtalk.KeywordError
	)
	switch {
	case errors.As(err, &api):
		return &failure{
			title: "DingTalk refused the message",
			lines: []string{fmt.Sprintf("errcode %d: %s", api.Code, api.Message)},
			hint:  api.Hint,
		}
	case errors.As(err, &ke):
		return &failure{
			title: "Not sent: no keyword",
			lines: []string{fmt.Sprintf("robot %s accepts only messages containing one of: %s", ke.Robot, strings.Join(ke.Keywords, ", ")),
				"DingTalk would refuse it with errcode 310000 (keywords not in content)"},
			hint: "add one of the keywords to the title or text",
		}
	case errors.As(err, &ve):
		f := &failure{title: "Not sent: the message is not complete", hint: "fix these fields; nothing was sent"}
		for _, p := range ve.Problems {
			f.lines = append(f.lines, "• "+p.String())
		}
		return f
	case errors.As(err, &rl):
		return &failure{title: "Not sent: too many messages", lines: []string{rl.Error()}, hint: "wait, then send again"}
	case errors.As(err, &tr):
		f := &failure{title: "No answer from DingTalk", lines: []string{fmt.Sprintf("%s: %s", tr.Kind, tr.Detail), "to " + tr.URL}}
		if tr.Status != 0 {
			f.lines = append(f.lines, fmt.Sprintf("HTTP status %d", tr.Status))
		}
		switch {
		case tr.Kind == dingtalk.KindCanceled:
			f.title = "Send canceled"
		case tr.MaybeDelivered:
			f.hint = "the message may have been posted: check the group before sending again"
		default:
			f.hint = "nothing was posted: check the network or the webhook host, then send again"
		}
		if tr.MaybeDelivered && tr.Kind == dingtalk.KindCanceled {
			f.hint = "the message may have been posted: check the group before sending again"
		}
		return f
	}
	return &failure{title: "Not sent", lines: []string{err.Error()}}
}

// dialog draws a titled box no wider than the screen.
func (m *Model) dialog(title string, lines []string, footer string) string {
	widest := max(lipgloss.Width(title), lipgloss.Width(footer))
	for _, l := range lines {
		widest = max(widest, lipgloss.Width(l))
	}
	w := max(24, min(m.width-4, 72, widest+6))
	inner := w - 6
	var body []string
	body = append(body, m.st.dialogTitle.Render(title), "")
	for _, l := range lines {
		body = append(body, strings.Split(lipgloss.NewStyle().Width(inner).Render(l), "\n")...)
	}
	if footer != "" {
		body = append(body, "", footer)
	}
	return m.st.dialog.Width(w - 2).Render(strings.Join(body, "\n"))
}

// confirmView draws the question with its two buttons, the highlighted one in brackets (and
// reverse video), and the keys.
func (m *Model) confirmView() string {
	c := m.confirm
	no := c.no
	if no == "" {
		no = "back"
	}
	button := func(label string, on bool) string {
		if on {
			return m.st.buttonOn.Render("[ " + label + " ]")
		}
		return m.st.muted.Render("  " + label + "  ")
	}
	k := m.st.key
	footer := button(no, !c.onYes) + "  " + button(c.yes, c.onYes) + "\n" +
		k.Render("y") + m.st.muted.Render(" "+c.yes+"  ") + k.Render("n") + m.st.muted.Render("/") + k.Render("esc") +
		m.st.muted.Render(" "+no+"  ") + k.Render("enter") + m.st.muted.Render(" the one in [ ]")
	return m.dialog(c.title, c.lines, footer)
}

func (m *Model) sendingView() string {
	r := m.currentRobot()
	return m.dialog("Sending", []string{m.spinner.View() + " posting to " + r.Name + "…"}, m.st.muted.Render("esc cancels"))
}

func (m *Model) failureView() string {
	f := m.failure
	lines := append([]string(nil), f.lines...)
	if f.hint != "" {
		lines = append(lines, "", m.st.warning.Render("hint: "+f.hint))
	}
	lines = append(lines, "", m.st.muted.Render("Your message is unchanged."))
	return m.dialog(m.st.problem.Bold(true).Render(f.title), lines, m.st.key.Render("enter")+m.st.muted.Render("/")+m.st.key.Render("esc")+m.st.muted.Render(" back to the editor"))
}
