package tui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
	"github.com/dingbot/dingbot/tui/styles"
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
	// confirmForce sends over a used-up monthly quota, this once.
	confirmForce
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
	entry store.Entry
	// post is what confirmSend and confirmForce send.
	post *posting
}

// failure is a send that did not happen or was refused, described for people; with done, the
// report of a send that went through in parts.
type failure struct {
	title string
	lines []string
	hint  string
	done  bool
	// force offers f: send anyway over the monthly quota. queue offers q: put it in the outbox.
	// post is what they send: the message, or the parts of it not posted yet.
	force, queue bool
	post         *posting
}

// posting is a send: one message, or the parts of a split one, posted in order under one
// spinner and one context (esc cancels the rest).
type posting struct {
	id    int
	ctx   context.Context
	robot dingtalk.Robot
	// msg is the message as written (the history keeps it); parts are what is posted, each with
	// its msgUuid, derived from key. parts[0] is part first+1 of total.
	msg          dingtalk.Message
	parts        []dingtalk.Message
	first, total int
	key          idempotentSend
	// force sends over a used-up monthly quota (Client.IgnoreQuota), for this send only.
	force bool
	// results are DingTalk's answers to the parts posted so far.
	results []*dingtalk.Result
}

// rest is a new send of the parts not posted yet.
func (p *posting) rest() *posting {
	done := len(p.results)
	return &posting{robot: p.robot, msg: p.msg, parts: p.parts[done:], first: p.first + done, total: p.total, key: p.key, force: p.force}
}

// preparedMsg is the pre-send check: Prepare on exactly what would be sent, and, for a message
// too large for one, the parts dingtalk.Split cuts it into.
type preparedMsg struct {
	prepared *dingtalk.Prepared
	err      error
	msg      dingtalk.Message
	robot    dingtalk.Robot
	// parts, with their prepared sizes, are the message split for key's msgUuid.
	parts     []dingtalk.Message
	partBytes []int
	key       idempotentSend
	// refusal is why the robot may not send now (a pause, a used-up monthly quota).
	refusal error
}

// sendDoneMsg is the client's answer to one part of a send.
type sendDoneMsg struct {
	id     int
	result *dingtalk.Result
	err    error
}

// idempotentSend ties a msgUuid to the robot and body it was sent with (a SHA-256 of the body,
// hex: it is saved with the draft). The parts of a split message carry "<uuid>-i".
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
	return sendKey(m.unknownOutcome, r, msg, false)
}

// sendKey is msgUUID for a given last unknown outcome. A fresh msgUuid is left out when it would
// push the body over the limit, unless split: then each part gets "<uuid>-i" and room for it.
func sendKey(unknown *idempotentSend, r dingtalk.Robot, msg dingtalk.Message, split bool) idempotentSend {
	msg.MsgUUID = ""
	body, _ := msg.Encode()
	key := idempotentSend{robot: r.Name, body: bodyDigest(body)}
	if u := unknown; u != nil && u.robot == key.robot && u.body == key.body {
		key.uuid = u.uuid
		return key
	}
	if split {
		key.uuid = dingtalk.NewMsgUUID(0)
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

// splittable reports whether err says only that a message of type t is too large, and t is a
// type dingtalk.Split cuts.
func splittable(t dingtalk.MsgType, err error) bool {
	var ve *dingtalk.ValidationError
	if t != dingtalk.TypeText && t != dingtalk.TypeMarkdown && t != dingtalk.TypeActionCard || !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return false
	}
	for _, p := range ve.Problems {
		if p.Field != "body" {
			return false
		}
	}
	return true
}

// startSend checks the message in a command: a valid one, or one too large that splits, is then
// confirmed; a robot that may not send now (paused, its quota used up) is said first.
func (m *Model) startSend() tea.Cmd {
	msg, r, client, ctx, unknown := m.form.message(), m.currentRobot(), m.opts.Client, m.ctx, m.unknownOutcome
	return func() tea.Msg {
		pm := preparedMsg{msg: msg, robot: r}
		if _, err := r.Endpoint(); err != nil {
			pm.err = fmt.Errorf("robot %s: %w", r.Name, err)
			return pm
		}
		pm.prepared, pm.err = dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
		if splittable(msg.Type, pm.err) {
			pm.key = sendKey(unknown, r, msg, true)
			whole := msg
			whole.MsgUUID = pm.key.uuid
			parts, err := dingtalk.Split(r, whole, dingtalk.SplitOptions{})
			if err != nil {
				pm.err = fmt.Errorf("%w; it cannot be sent in parts either: %w", pm.err, err)
				return pm
			}
			pm.err, pm.parts = nil, parts
			for _, part := range parts {
				n := 0
				if p, err := dingtalk.Prepare(r, part, dingtalk.PrepareOptions{}); err == nil {
					n = p.Bytes
				}
				pm.partBytes = append(pm.partBytes, n)
			}
		}
		if pm.err == nil {
			pm.refusal = meterRefusal(ctx, client, r)
		}
		return pm
	}
}

// meterRefusal is what the client would refuse a send to r with now: a pause DingTalk imposed,
// or a used-up monthly quota (as Client.Send checks them), so that the user hears it before
// confirming. Nil when r may send, or when its state cannot be read: the send then says why.
func meterRefusal(ctx context.Context, c *dingtalk.Client, r dingtalk.Robot) error {
	ep, err := r.Endpoint()
	if c.Meter == nil || err != nil {
		return nil
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	if p, err := c.Meter.Paused(ctx, dingtalk.TokenKey(ep.Token), now); err == nil && p.Until.After(now) {
		if p.Errcode == 90030 {
			return &dingtalk.QuotaError{Robot: r.Name, Scope: "dingtalk", Until: p.Until}
		}
		return &dingtalk.PausedError{Robot: r.Name, Pause: p, Now: now}
	}
	u := c.Usage(ctx, r)
	if c.IgnoreQuota || u == nil {
		return nil
	}
	switch {
	case u.Limit > 0 && u.Used >= u.Limit:
		return &dingtalk.QuotaError{Robot: r.Name, Scope: "robot", Used: u.Used, Limit: u.Limit, Until: dingtalk.NextQuotaMonth(now)}
	case u.OrgLimit > 0 && u.OrgUsed >= u.OrgLimit:
		return &dingtalk.QuotaError{Robot: r.Name, Scope: "organisation", Used: u.OrgUsed, Limit: u.OrgLimit, Until: dingtalk.NextQuotaMonth(now)}
	}
	return nil
}

// newPosting is a send of msg to r: in parts when parts are given (cut for key's msgUuid),
// otherwise whole with the msgUuid msgUUID picks.
func (m *Model) newPosting(r dingtalk.Robot, msg dingtalk.Message, parts []dingtalk.Message, key idempotentSend) *posting {
	if parts == nil {
		key = m.msgUUID(r, msg)
		one := msg
		one.MsgUUID = key.uuid
		parts = []dingtalk.Message{one}
	}
	return &posting{robot: r, msg: msg, parts: parts, total: len(parts), key: key}
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
	post := m.newPosting(pm.robot, pm.msg, pm.parts, pm.key)
	if pm.refusal != nil {
		m.showFailure(post, pm.refusal)
		return nil
	}
	c := &confirmation{action: confirmSend, title: "Send this " + pm.msg.Type.Name() + "?", yes: "send", post: post}
	r := pm.robot
	how := "unsigned"
	if r.Signed() {
		how = "signed"
	}
	who := notifies(pm.prepared.Message, m.opts.Contacts)
	if n := len(pm.parts); n > 1 {
		c.title = fmt.Sprintf("Send this %s in %d parts?", pm.msg.Type.Name(), n)
		c.yes = fmt.Sprintf("send %d parts", n)
		sizes := make([]string, n)
		for i, b := range pm.partBytes {
			sizes[i] = fmt.Sprint(b)
		}
		c.lines = append(c.lines,
			fmt.Sprintf("to robot %s (%s), %d bytes: over DingTalk's limit of %d", m.st.Dialog.Key.Render(r.Name), how, pm.prepared.Bytes, dingtalk.MaxBodyBytes),
			fmt.Sprintf("split between blocks into %d messages, sent in order, each marked (1/%d)…: %s bytes", n, n, strings.Join(sizes, ", ")))
		if who != "" {
			who += " with the last part"
		}
	} else {
		c.lines = append(c.lines, fmt.Sprintf("to robot %s (%s), %d bytes", m.st.Dialog.Key.Render(r.Name), how, pm.prepared.Bytes))
	}
	if who == "" {
		who = "nobody is @mentioned"
	} else {
		who = "notifies " + m.st.Dialog.Mention.Render(who)
	}
	c.lines = append(c.lines, who)
	if len(pm.prepared.AddedMentions) > 0 {
		c.lines = append(c.lines, m.st.Dialog.Hint.Render("@"+strings.Join(pm.prepared.AddedMentions, " @")+" will be added to the text so they are notified"))
	}
	n := 0
	for _, w := range pm.prepared.Warnings {
		if w.Field != "at" {
			n++
		}
	}
	if n > 0 {
		c.lines = append(c.lines, m.st.Dialog.Warning.Render(fmt.Sprintf("%d warning(s) under the preview: DingTalk accepts it but may show it differently", n)))
	}
	if m.resends(pm.robot, pm.msg) {
		c.lines = append(c.lines, m.st.Dialog.Warning.Render("the last send of this message got no answer: this one carries the same msgUuid, so DingTalk posts it at most once"))
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
	case confirmSend, confirmForce:
		return m.send(c.post)
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

// send posts p's parts in order, each in a command; esc cancels through the context.
func (m *Model) send(p *posting) tea.Cmd {
	m.state = stateSending
	m.sendID++
	p.id = m.sendID
	ctx, cancel := context.WithCancel(m.ctx)
	p.ctx, m.cancel = ctx, cancel
	m.posting = p
	return tea.Batch(m.postNext(), m.spinner.Tick)
}

// postNext posts the first part of the send under way that has no answer yet.
func (m *Model) postNext() tea.Cmd {
	p := m.posting
	client := m.opts.Client
	if p.force {
		forced := *client
		forced.IgnoreQuota = true
		client = &forced
	}
	id, ctx, r, part := p.id, p.ctx, p.robot, p.parts[len(p.results)]
	return func() tea.Msg {
		res, err := client.SendWith(ctx, r, part, dingtalk.PrepareOptions{})
		return sendDoneMsg{id: id, result: res, err: err}
	}
}

// cancelSend stops the send under way.
func (m *Model) cancelSend() {
	if m.cancel != nil {
		m.cancel()
	}
}

// sent takes one part's answer: the next part goes, or the send is over. A failure leaves the
// editor exactly as it was.
func (m *Model) sent(d sendDoneMsg) tea.Cmd {
	p := m.posting
	if p == nil || d.id != m.sendID {
		return nil
	}
	if d.err == nil {
		p.results = append(p.results, d.result)
		if len(p.results) < len(p.parts) {
			return m.postNext()
		}
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.cancel, m.posting = nil, nil
	if d.err != nil {
		return m.sendFailed(p, d.err)
	}
	return m.sendSucceeded(p)
}

// sendFailed shows why the send stopped, and what can be done: queue it, send it anyway.
func (m *Model) sendFailed(p *posting, err error) tea.Cmd {
	// Whatever went before, the last send of this message did not go through.
	m.unsent = !m.form.empty()
	var te *dingtalk.TransportError
	errors.As(err, &te)
	posted := p.first + len(p.results)
	if te != nil && te.Kind == dingtalk.KindCanceled && !te.MaybeDelivered && posted == 0 {
		m.state = stateCompose
		return tea.Batch(m.refreshSendsLeft(), m.setStatus(statusWarn, "send canceled: nothing was posted"))
	}
	// A send of the same message that may have been posted stays the one to reuse until a send
	// succeeds, even if a later attempt fails outright: the first may still be posted. So does
	// a split one of which parts were posted: sent again, they carry the same msgUuids.
	maybe := te != nil && te.MaybeDelivered && p.key.uuid != ""
	if maybe || posted > 0 {
		key := p.key
		m.unknownOutcome = &key
	}
	m.showFailure(p, err)
	f := m.failure
	if maybe {
		f.hint = "it may have been posted: sending this same message again is safe, it carries the same msgUuid (kept with the draft, also after a restart), so DingTalk posts it at most once"
	}
	if p.total > 1 {
		f.title = fmt.Sprintf("%s (part %d of %d)", f.title, posted+1, p.total)
		f.lines = append(append(p.partLines(m.st, true), ""), f.lines...)
		if posted > 0 && !maybe {
			f.hint = strings.TrimPrefix(f.hint+"; ", "; ") + "sending this message again reuses the parts' msgUuids, so DingTalk shows the parts already posted once"
		}
	}
	return tea.Batch(m.refreshSendsLeft(), m.saveDraft())
}

// showFailure shows err as the failure of p, offering to queue what is left of it (a refusal
// for the rate limit or a pause) or to send it anyway (a used-up quota).
func (m *Model) showFailure(p *posting, err error) {
	f := describeFailure(err)
	f.post = p.rest()
	var api *dingtalk.APIError
	// A first request that may have been posted without a msgUuid is never sent again blindly.
	blind := errors.As(err, &api) && api.MaybeDelivered && p.key.uuid == ""
	f.queue = m.opts.Outbox != nil && queueable(err) && !blind
	m.failure = f
	m.state = stateError
}

// queueable reports whether err says the robot may not send now but will later: the outbox
// delivers such a message when it may.
func queueable(err error) bool {
	var (
		rl  *dingtalk.RateLimitError
		pe  *dingtalk.PausedError
		api *dingtalk.APIError
	)
	switch {
	case errors.As(err, &rl), errors.As(err, &pe):
		return true
	case errors.As(err, &api):
		return api.Code == 410100 || api.Code == 130101
	}
	return false
}

// sendSucceeded files the sent message in the history; a split one is reported part by part.
func (m *Model) sendSucceeded(p *posting) tea.Cmd {
	m.state = stateCompose
	m.unsent = false
	m.unknownOutcome = nil
	m.queuedNow = nil
	last := p.results[len(p.results)-1]
	sentMsg := p.msg
	if p.total == 1 && last != nil && last.Prepared != nil {
		sentMsg = last.Prepared.Message
	}
	sentMsg.MsgUUID = "" // history keeps the message, not this one send of it
	entry := store.Entry{Time: m.now(), Robot: p.robot.Name, MsgType: sentMsg.Type, Message: sentMsg}
	kind, warn := statusOK, ""
	if last != nil && last.Quota != nil {
		if warn = last.Quota.Warning(p.robot.Name); warn != "" {
			kind = statusWarn
		}
	}
	text := fmt.Sprintf("✓ sent to %s", p.robot.Name)
	switch {
	case p.total > 1:
		text += fmt.Sprintf(" in %d parts", p.total)
		m.failure = &failure{done: true, title: fmt.Sprintf("Sent to %s in %d parts", p.robot.Name, p.total), lines: p.partLines(m.st, false)}
		if warn != "" {
			m.failure.lines = append(m.failure.lines, "", m.st.Dialog.Warning.Render("! "+warn))
		}
		m.state = stateError
	case last != nil:
		text += fmt.Sprintf(" · errcode %d %s", last.Errcode, last.Errmsg)
	}
	if warn != "" {
		text += " · " + warn
	}
	text += " · ctrl+n starts a new message"
	return tea.Batch(m.saveHistory(entry), m.saveDraft(), m.refreshSendsLeft(), m.setStatus(kind, text))
}

// maxPartLines is how many parts a send report lists one by one; beyond, it counts them.
const maxPartLines = 8

// partLines says, part by part, what happened to a split send: posted (with DingTalk's answer),
// refused (when failed), not sent.
func (p *posting) partLines(st *styles.Styles, failed bool) []string {
	var out []string
	if p.first > 0 {
		out = append(out, st.Dialog.Good.Render(fmt.Sprintf("✓ parts 1–%d/%d", p.first, p.total))+" posted before")
	}
	posted := len(p.results)
	if len(p.parts) > maxPartLines && posted > 0 {
		out = append(out, st.Dialog.Good.Render(fmt.Sprintf("✓ parts %d–%d/%d", p.first+1, p.first+posted, p.total))+" posted")
	} else {
		for i, r := range p.results {
			line := st.Dialog.Good.Render(fmt.Sprintf("✓ part %d/%d", p.first+i+1, p.total)) + " posted"
			if r != nil {
				line += fmt.Sprintf(" · %d bytes · errcode %d %s", r.Bytes, r.Errcode, r.Errmsg)
			}
			out = append(out, line)
		}
	}
	next := p.first + posted + 1
	if failed {
		out = append(out, st.Dialog.Problem.Render(fmt.Sprintf("✗ part %d/%d not posted", next, p.total)))
		next++
	}
	switch {
	case next == p.total:
		out = append(out, st.Dialog.Muted.Render(fmt.Sprintf("· part %d/%d not sent", next, p.total)))
	case next < p.total:
		out = append(out, st.Dialog.Muted.Render(fmt.Sprintf("· parts %d–%d/%d not sent", next, p.total, p.total)))
	}
	return out
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
		qe  *dingtalk.QuotaError
		pe  *dingtalk.PausedError
	)
	switch {
	case errors.As(err, &qe):
		// The composer's way to send anyway is the f key, not --force.
		return &failure{title: "Not sent: monthly quota used up", lines: []string{qe.Error()},
			hint: strings.Replace(qe.Hint(), "pass --force", "press f", 1), force: qe.Scope != "dingtalk"}
	case errors.As(err, &pe):
		return &failure{title: "Not sent: the robot is paused", lines: []string{pe.Error()},
			hint: "dingbot holds this robot's sends, in every process, until the pause ends: DingTalk would refuse them"}
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
	body = append(body, m.st.Dialog.Title.Render(title), "")
	for _, l := range lines {
		body = append(body, strings.Split(lipgloss.NewStyle().Width(inner).Render(l), "\n")...)
	}
	if footer != "" {
		body = append(body, "", footer)
	}
	return m.st.Dialog.Box.Width(w - 2).Render(strings.Join(body, "\n"))
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
			return m.st.Dialog.ButtonOn.Render("[ " + label + " ]")
		}
		return m.st.Dialog.Muted.Render("  " + label + "  ")
	}
	k := m.st.Dialog.Key
	footer := button(no, !c.onYes) + "  " + button(c.yes, c.onYes) + "\n" +
		k.Render("y") + m.st.Dialog.Muted.Render(" "+c.yes+"  ") + k.Render("n") + m.st.Dialog.Muted.Render("/") + k.Render("esc") +
		m.st.Dialog.Muted.Render(" "+no+"  ") + k.Render("enter") + m.st.Dialog.Muted.Render(" the one in [ ]")
	return m.dialog(c.title, c.lines, footer)
}

func (m *Model) sendingView() string {
	what := "posting to " + m.currentRobot().Name + "…"
	if p := m.posting; p != nil {
		what = "posting to " + p.robot.Name + "…"
		if p.total > 1 {
			what = fmt.Sprintf("posting part %d of %d to %s…", p.first+len(p.results)+1, p.total, p.robot.Name)
		}
	}
	return m.dialog("Sending", []string{m.spinner.View() + " " + what}, m.st.Dialog.Muted.Render("esc cancels"))
}

func (m *Model) failureView() string {
	f := m.failure
	k := m.st.Dialog.Key
	lines := append([]string(nil), f.lines...)
	if f.hint != "" {
		lines = append(lines, "", m.st.Dialog.Warning.Render("hint: "+f.hint))
	}
	if f.done {
		return m.dialog(m.st.Dialog.Good.Bold(true).Render(f.title), lines, k.Render("enter")+m.st.Dialog.Muted.Render("/")+k.Render("esc")+m.st.Dialog.Muted.Render(" back to the editor"))
	}
	if f.queue || f.force {
		lines = append(lines, "")
	}
	if f.queue {
		what := "it"
		if n := len(f.post.parts); f.post.total > 1 {
			what = fmt.Sprintf("the %d part(s) left", n)
		}
		lines = append(lines, k.Render("q")+fmt.Sprintf(" queue %s: dingbot sends it as soon as robot %s may send (dingbot outbox ls lists it)", what, f.post.robot.Name))
	}
	if f.force {
		lines = append(lines, k.Render("f")+" send it anyway, over the quota (asks first)")
	}
	lines = append(lines, "", m.st.Dialog.Muted.Render("Your message is unchanged."))
	return m.dialog(m.st.Dialog.Problem.Bold(true).Render(f.title), lines, k.Render("enter")+m.st.Dialog.Muted.Render("/")+k.Render("esc")+m.st.Dialog.Muted.Render(" back to the editor"))
}
