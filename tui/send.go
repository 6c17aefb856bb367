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

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/history"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/store"
	"github.com/dingbot/dingbot/tui/styles"
)

// question is a yes/no dialog over the editor and what yes does.
type question struct {
	dlg *dialog.Confirm
	yes func(*Model) tea.Cmd
	// quit says a second quit key means yes: nothing is lost, the draft is saved.
	quit bool
}

// ask puts a question over the editor; yes runs on yes. no labels the no button ("" is "back").
func (m *Model) ask(title string, lines []string, yesLabel, no string, yes func(*Model) tea.Cmd) *question {
	q := &question{dlg: dialog.NewConfirm(m.st, title, lines, yesLabel, no), yes: yes}
	m.confirm = q
	m.state = stateConfirm
	return q
}

// replacement is what replaces the editor's message once its unsent draft is kept.
type replacement int

const (
	replaceNew replacement = iota
	replaceReopen
	replaceRestore
)

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
	// resend says key reuses the msgUuid of the last send, whose outcome is unknown.
	resend bool
	// refusal is why the robot may not send now (a pause, a used-up monthly quota).
	refusal error
	// sentBefore is when this exact message (msgUuid aside) was last sent to this robot: the
	// robot's latest entry in the history. Zero when it was not.
	sentBefore time.Time
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

// sendKey returns the msgUuid for sending msg to r: the one of the last send whose outcome is
// unknown when this is the same message to the same robot, otherwise a fresh one. msg's own
// MsgUUID is ignored, so a message reopened from history is a new message. A fresh msgUuid is left out when it would
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
func resends(unknown *idempotentSend, r dingtalk.Robot, msg dingtalk.Message) bool {
	u := unknown
	if u == nil || u.robot != r.Name {
		return false
	}
	msg.MsgUUID = ""
	body, _ := msg.Encode()
	return bodyDigest(body) == u.body
}

// startSend checks the message in a command: a valid one, or one too large that splits, is then
// confirmed; a robot that may not send now (paused, its quota used up) is said first.
func (m *Model) startSend() tea.Cmd {
	msg, r, client, ctx, unknown, ds := m.form.Message(), m.currentRobot(), m.opts.Client, m.ctx, m.unknownOutcome, m.store
	return func() tea.Msg {
		pm := preparedMsg{msg: msg, robot: r}
		if _, err := r.Endpoint(); err != nil {
			pm.err = fmt.Errorf("robot %s: %w", r.Name, err)
			return pm
		}
		pm.prepared, pm.err = dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
		if preview.Splittable(msg.Type, pm.err) {
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
			if pm.parts == nil {
				// Encoding and preparing the message for its msgUuid is work for here, not Update.
				pm.key = sendKey(unknown, r, msg, false)
			}
			pm.resend = resends(unknown, r, msg)
			pm.refusal = meterRefusal(ctx, client, r)
			pm.sentBefore = sentBefore(ds, r, msg, pm.prepared)
		}
		return pm
	}
}

// sentBefore is when msg was last sent to r, if the robot's latest entry in the history (one
// that was or may have been delivered) is
// this exact message (msgUuid aside): as written (a split send keeps it so) or as prepared,
// mentions inserted (a whole send keeps that). Zero otherwise, or without a history.
func sentBefore(ds *store.Store, r dingtalk.Robot, msg dingtalk.Message, p *dingtalk.Prepared) time.Time {
	if ds == nil {
		return time.Time{}
	}
	entries, _ := ds.Latest()
	for _, e := range entries {
		if e.Robot != r.Name || e.Status == history.Failed || e.Status == history.Queued {
			continue
		}
		sent := messageDigest(e.Message)
		if sent == messageDigest(msg) || p != nil && sent == messageDigest(p.Message) {
			return e.Time
		}
		return time.Time{}
	}
	return time.Time{}
}

// messageDigest is the digest of msg's body without its msgUuid.
func messageDigest(msg dingtalk.Message) string {
	msg.MsgUUID = ""
	body, _ := msg.Encode()
	return bodyDigest(body)
}

// ago says how long before now t was, for people: "just now", "3 min ago", "2 h ago",
// "4 days ago".
func ago(t, now time.Time) string {
	switch d := now.Sub(t); {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// sentAt is when t was, for people: the time today, the date and time before.
func sentAt(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("Jan 2 2006 15:04")
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
// otherwise whole with key's msgUuid (from sendKey).
func newPosting(r dingtalk.Robot, msg dingtalk.Message, parts []dingtalk.Message, key idempotentSend) *posting {
	if parts == nil {
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
		m.failure, m.failPost = dialog.NewFailure(m.st, pm.err), nil
		m.state = stateError
		return nil
	}
	post := newPosting(pm.robot, pm.msg, pm.parts, pm.key)
	if pm.refusal != nil {
		m.showFailure(post, pm.refusal)
		return nil
	}
	title, yes := "Send this "+pm.msg.Type.Name()+"?", "send"
	var lines []string
	r := pm.robot
	how := "unsigned"
	if r.Signed() {
		how = "signed"
	}
	who := preview.Notifies(pm.prepared.Message, m.opts.Contacts)
	if n := len(pm.parts); n > 1 {
		title = fmt.Sprintf("Send this %s in %d parts?", pm.msg.Type.Name(), n)
		yes = fmt.Sprintf("send %d parts", n)
		sizes := make([]string, n)
		for i, b := range pm.partBytes {
			sizes[i] = fmt.Sprint(b)
		}
		lines = append(lines,
			fmt.Sprintf("to robot %s (%s), %d bytes: over DingTalk's limit of %d", m.st.Dialog.Key.Render(r.Name), how, pm.prepared.Bytes, dingtalk.MaxBodyBytes),
			fmt.Sprintf("split between blocks into %d messages, sent in order, each marked (1/%d)…: %s bytes", n, n, strings.Join(sizes, ", ")))
		if who != "" {
			who += " with the last part"
		}
	} else {
		lines = append(lines, fmt.Sprintf("to robot %s (%s), %d bytes", m.st.Dialog.Key.Render(r.Name), how, pm.prepared.Bytes))
	}
	if who == "" {
		who = "nobody is @mentioned"
	} else {
		who = "notifies " + m.st.Dialog.Mention.Render(who)
	}
	lines = append(lines, who)
	if len(pm.prepared.AddedMentions) > 0 {
		lines = append(lines, m.st.Dialog.Hint.Render("@"+strings.Join(pm.prepared.AddedMentions, " @")+" will be added to the text so they are notified"))
	}
	n := 0
	for _, w := range pm.prepared.Warnings {
		if w.Field != "at" {
			n++
		}
	}
	if n > 0 {
		lines = append(lines, m.st.Dialog.Warning.Render(fmt.Sprintf("%d warning(s) under the preview: DingTalk accepts it but may show it differently", n)))
	}
	if pm.resend {
		lines = append(lines, m.st.Dialog.Warning.Render("the last send of this message got no answer: this one carries the same msgUuid, so DingTalk posts it at most once"))
	}
	if !pm.sentBefore.IsZero() {
		// A deliberate resend is a new message: a new msgUuid, so DingTalk posts it again.
		now := m.now()
		title = "Send it again?"
		if n := len(pm.parts); n > 1 {
			title = fmt.Sprintf("Send it again, in %d parts?", n)
		}
		yes = "send again"
		lines = append([]string{m.st.Dialog.Warning.Render(fmt.Sprintf("You sent this exact message to %s at %s (%s).",
			r.Name, sentAt(pm.sentBefore, now), ago(pm.sentBefore, now))), ""}, lines...)
	}
	m.ask(title, lines, yes, "", func(m *Model) tea.Cmd { return m.send(post) })
	return nil
}

// confirmed runs what yes does to the open question.
func (m *Model) confirmed() tea.Cmd {
	q := m.confirm
	m.confirm = nil
	m.state = stateCompose
	return q.yes(m)
}

// send posts p's parts in order, each in a command; esc cancels through the context.
func (m *Model) send(p *posting) tea.Cmd {
	m.state = stateSending
	m.sendID++
	p.id = m.sendID
	ctx, cancel := context.WithCancel(m.ctx)
	p.ctx, m.cancel = ctx, cancel
	m.posting = p
	return tea.Batch(m.postNext(), m.sending.Tick())
}

// postNext posts the first part of the send under way that has no answer yet.
func (m *Model) postNext() tea.Cmd {
	p := m.posting
	m.sending.What = m.sendingWhat()
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
	m.unsent = !m.form.Empty()
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
		f.Hint = "it may have been posted: sending this same message again is safe, it carries the same msgUuid (kept with the draft, also after a restart), so DingTalk posts it at most once"
	}
	if p.total > 1 {
		f.Title = fmt.Sprintf("%s (part %d of %d)", f.Title, posted+1, p.total)
		f.Lines = append(append(p.partLines(m.st, true), ""), f.Lines...)
		if posted > 0 && !maybe {
			f.Hint = strings.TrimPrefix(f.Hint+"; ", "; ") + "sending this message again reuses the parts' msgUuids, so DingTalk shows the parts already posted once"
		}
	}
	return tea.Batch(m.refreshSendsLeft(), m.saveDraft())
}

// showFailure shows err as the failure of p, offering to queue what is left of it (a refusal
// for the rate limit or a pause) or to send it anyway (a used-up quota).
func (m *Model) showFailure(p *posting, err error) {
	f := dialog.NewFailure(m.st, err)
	post := p.rest()
	var api *dingtalk.APIError
	// A first request that may have been posted without a msgUuid is never sent again blindly.
	blind := errors.As(err, &api) && api.MaybeDelivered && p.key.uuid == ""
	f.Queue = m.opts.Outbox != nil && queueable(err) && !blind
	f.QueueWhat, f.Robot = "it", post.robot.Name
	if post.total > 1 {
		f.QueueWhat = fmt.Sprintf("the %d part(s) left", len(post.parts))
	}
	m.failure, m.failPost = f, post
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

// sendSucceeded says the message was sent (the client filed it in the history); a split one is
// reported part by part.
func (m *Model) sendSucceeded(p *posting) tea.Cmd {
	m.state = stateCompose
	m.unsent = false
	m.unknownOutcome = nil
	m.queuedNow = nil
	last := p.results[len(p.results)-1]
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
		m.failure, m.failPost = dialog.NewReport(m.st, fmt.Sprintf("Sent to %s in %d parts", p.robot.Name, p.total), p.partLines(m.st, false)), nil
		if warn != "" {
			m.failure.Lines = append(m.failure.Lines, "", m.st.Dialog.Warning.Render("! "+warn))
		}
		m.state = stateError
	case last != nil:
		text += fmt.Sprintf(" · errcode %d %s", last.Errcode, last.Errmsg)
	}
	if warn != "" {
		text += " · " + warn
	}
	text += " · " + m.keys.New.Help().Key + " starts a new message"
	return tea.Batch(m.saveDraft(), m.refreshSendsLeft(), m.setStatus(kind, text))
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

// sendingWhat says what the send under way posts.
func (m *Model) sendingWhat() string {
	what := "posting to " + m.currentRobot().Name + "…"
	if p := m.posting; p != nil {
		what = "posting to " + p.robot.Name + "…"
		if p.total > 1 {
			what = fmt.Sprintf("posting part %d of %d to %s…", p.first+len(p.results)+1, p.total, p.robot.Name)
		}
	}
	return what
}

// queuedSend is a message queued from the composer, followed until all its jobs are delivered
// or one fails (the history follows them by their msgUuids).
type queuedSend struct {
	robot  string
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
		qs = &queuedSend{robot: p.robot.Name, left: len(q.jobs)}
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
		return tea.Batch(append(cmds,
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
