package tui

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/extedit"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/status"
	"github.com/dingbot/dingbot/tui/store"
	"github.com/dingbot/dingbot/tui/styles"
	"github.com/dingbot/dingbot/tui/textedit"
)

// state is what the screen is showing; the editor is always underneath.
type state int

const (
	stateCompose state = iota
	stateMentions
	stateRobots
	stateHistory
	statePayload
	stateConfirm
	stateSending
	stateError
	stateKept
	// stateTemplates is the template gallery, stateVars a template's variables being filled.
	stateTemplates
	stateVars
)

// Model is the composer: one top-level model with a small state enum (as in glow), plain
// components drawn at a given size, and every slow thing (rendering, saving, sending) in a
// command.
type Model struct {
	opts Options
	ctx  context.Context
	// terminal is where the program draws (Run sets standard output): OSC 52 copies go there.
	// Nil in tests and other hosts, which then copy nothing.
	terminal io.Writer
	// typedOnToggle is when text was last typed with the focus on a choice (see composeKey).
	typedOnToggle time.Time
	// now and after are the clock: what time it is, and a message delivered after a delay.
	now   func() time.Time
	after func(time.Duration, tea.Msg) tea.Cmd

	keys    keyMap
	st      *styles.Styles
	md      preview.Markdown
	help    help.Model
	sending *dialog.Sending

	width, height int
	state         state
	fullHelp      bool
	// loaded turns true once the draft and the file are in; keys wait in pending until then.
	loaded  bool
	pending []tea.Msg

	robot     int
	sendsLeft int
	// usage is the current robot's month (nil: not counted); queued how many of its messages
	// wait in the outbox.
	usage  *dingtalk.QuotaUsage
	queued int

	form   editor.Form
	unsent bool

	preview preview.Pane

	// store keeps the draft, the kept drafts and the history; nil without a state directory.
	store    *store.Store
	draftSeq int
	// draftDirty says a change is not saved yet; draftMaxPending that a draftMaxTickMsg is on
	// its way.
	draftDirty, draftMaxPending bool
	// saveErr is why the draft is not being saved (shown until a save works again);
	// saveResultSeq is the newest save whose result came back.
	saveErr       error
	saveResultSeq int
	// kept are the kept drafts the alt+k list shows.
	kept    []store.Kept
	entries []store.Entry

	chooser *picker.Model
	// filling is the template whose variables are being filled (stateVars).
	filling *filling
	confirm *question
	payload viewport.Model
	// payloadText is what the payload view shows; export its tabs and file prompt.
	payloadText string
	export      exportView

	sendID  int
	cancel  context.CancelFunc
	posting *posting
	failure *dialog.Failure
	// failPost is what q and f send again from the failure: what is left of the send.
	failPost *posting
	// unknownOutcome is the last send that may or may not have been posted (a timeout after the
	// body left). Sending the same message to the same robot again reuses its msgUuid, so
	// DingTalk posts it at most once.
	unknownOutcome *idempotentSend

	// outboxEvents are the outbox's job changes (nil without an outbox); awaiting are the
	// messages queued from here, by job ID, until they are delivered or fail; queuedNow is the
	// one the editor holds, while it is queued.
	outboxEvents <-chan delivery.Job
	awaiting     map[string]*queuedSend
	queuedNow    *queuedSend

	status status.Bar
	// noticeExpiry ends the start notice (Options.Notice).
	noticeExpiry status.ExpiredMsg
}

func newModel(opts Options, robot int, md preview.Markdown) Model {
	st := styles.New(opts.darkScreen(), opts.NoColor)
	h := help.New()
	h.Styles = st.Help
	m := Model{
		opts:      opts,
		ctx:       context.Background(),
		now:       time.Now,
		after:     afterDelay,
		keys:      newKeyMap(),
		st:        &st,
		md:        md,
		help:      h,
		sending:   dialog.NewSending(&st),
		robot:     robot,
		sendsLeft: -1,
		form:      editor.New(&st),
		preview:   preview.NewPane(&st, md),
		payload:   viewport.New(0, 0),
		awaiting:  map[string]*queuedSend{},
		status:    status.New(&st),
	}
	if opts.StateDir != "" {
		m.store = store.Open(opts.StateDir)
		recordSends(opts.Client, m.store)
	}
	if opts.Notice != "" {
		m.noticeExpiry = m.status.Set(statusInfo, opts.Notice)
	}
	return m
}

// Init loads the draft and the file, and asks how many sends are left.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadStart(), m.refreshSendsLeft(), m.after(sendsLeftEvery, sendsLeftTickMsg{}), m.listenOutbox()}
	if m.status.Text() != "" {
		cmds = append(cmds, m.after(noticeTTL, m.noticeExpiry))
	}
	if m.preview.Mouse() {
		cmds = append(cmds, tea.EnableMouseCellMotion)
	}
	return tea.Batch(cmds...)
}

// afterDelay delivers msg after d.
func afterDelay(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// currentRobot is the robot messages go to.
func (m *Model) currentRobot() dingtalk.Robot { return m.opts.Robots[m.robot] }

// Update handles one message. It does no IO and nothing slow: those are commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, tea.Batch(m.resize(msg.Width, msg.Height), m.renderHistoryPreview())
	case tea.KeyMsg:
		if !m.loaded {
			if key := msg.String(); key == "ctrl+c" || key == "ctrl+q" {
				return m, tea.Quit
			}
			m.pending = append(m.pending, msg)
			return m, nil
		}
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case startMsg:
		return m.started(msg)
	case preview.TickMsg:
		if m.preview.IsCurrent(msg) {
			return m, m.startRender()
		}
	case preview.RenderedMsg:
		return m, m.rendered(msg)
	case draftTickMsg:
		if int(msg) == m.draftSeq && m.draftDirty {
			return m, m.saveDraft()
		}
	case draftMaxTickMsg:
		m.draftMaxPending = false
		if m.draftDirty {
			return m, m.saveDraft()
		}
	case draftSavedMsg:
		return m, m.draftSaved(msg)
	case quitBlockedMsg:
		return m, m.quitBlocked(msg)
	case keptMsg:
		return m, m.keptDone(msg)
	case keptListMsg:
		return m, m.keptListed(msg)
	case sendsLeftMsg:
		if msg.robot == m.currentRobot().Name {
			m.sendsLeft, m.usage, m.queued = msg.n, msg.usage, msg.queued
		}
	case sendsLeftTickMsg:
		return m, tea.Batch(m.refreshSendsLeft(), m.after(sendsLeftEvery, sendsLeftTickMsg{}))
	case status.ExpiredMsg:
		if m.status.Expire(msg) {
			m.layout()
		}
	case preparedMsg:
		return m, m.prepared(msg)
	case sendDoneMsg:
		return m, m.sent(msg)
	case testSentMsg:
		return m, m.testSent(msg)
	case queuedMsg:
		return m, m.queuedDone(msg)
	case outboxEventMsg:
		return m, m.outboxEvent(msg)
	case spinner.TickMsg:
		if m.state == stateSending {
			return m, m.sending.Spin(msg)
		}
	case historyLoadedMsg:
		return m, m.historyLoaded(msg)
	case historyPreviewMsg:
		m.historyPreviewed(msg)
		return m, nil
	case historySavedMsg:
		if msg.err != nil {
			return m, m.setStatus(statusWarn, "sent, but not written to the history: "+msg.err.Error())
		}
	case payloadEvent:
		cmd := m.onPayload(msg)
		return m, cmd
	case extedit.ReadyMsg:
		return m, m.editorReady(msg)
	case extedit.DoneMsg:
		return m, extedit.Collect(msg)
	case extedit.ResultMsg:
		return m, m.editorResult(msg)
	case textedit.PasteMsg:
		// The clipboard, read for ctrl+v: it goes to the focused field.
		if m.state == stateVars && m.filling != nil {
			return m, m.varsKey(msg)
		}
		if m.state == stateCompose && m.loaded {
			return m, m.edit(msg)
		}
	case textedit.PasteFailedMsg:
		return m, m.setStatus(statusWarn, msg.Status())
	}
	return m, nil
}

// started applies the loaded draft (or the new message from the file), then replays keys
// typed meanwhile.
func (m Model) started(msg startMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if msg.saveErr != nil {
		m.saveErr = msg.saveErr
	}
	if d := msg.draft; d != nil {
		before := m.robot
		if pinned := m.currentRobot().Name; m.opts.PinRobot && d.Robot != pinned {
			// The robot asked for wins over the one the draft was written for.
			if d.Robot != "" && !d.Blank() {
				msg.notices = append(msg.notices, "sending with robot "+pinned+" as asked; the draft was written for "+d.Robot)
			}
			d.Robot = pinned
		}
		m.restore(*d)
		if m.robot != before {
			cmds = append(cmds, m.refreshSendsLeft())
		}
		if u := m.unknownOutcome; u != nil {
			msg.notices = append(msg.notices, "the last send of this message got no answer and may have been posted: sending it again to "+u.robot+" reuses its msgUuid, so DingTalk posts it at most once")
		}
	}
	if len(msg.notices) > 0 {
		cmds = append(cmds, m.scheduleDraft())
	}
	// One message says it all, after the start notice if there is one; it stays as long as that.
	if says := append(msg.notices, msg.problems...); len(says) > 0 {
		kind := statusInfo
		if len(msg.problems) > 0 {
			kind = statusWarn
		}
		if m.opts.Notice != "" && m.status.Text() == m.opts.Notice {
			says = append([]string{m.opts.Notice}, says...)
		}
		cmds = append(cmds, m.setStatusFor(kind, strings.Join(says, " · "), noticeTTL))
	}
	m.loaded = true
	cmds = append(cmds, m.renderNow())
	pending := m.pending
	m.pending = nil
	var model tea.Model = m
	for _, k := range pending {
		var cmd tea.Cmd
		model, cmd = model.Update(k)
		cmds = append(cmds, cmd)
	}
	return model, tea.Batch(cmds...)
}

// openEditor hands the body to $EDITOR: extedit writes it to a private temporary file, runs
// the editor and reads it back, each step a command whose message comes back here.
func (m *Model) openEditor() tea.Cmd {
	if !m.form.HasBody() {
		return m.setStatus(statusWarn, "a feed card has no text to edit")
	}
	return extedit.PrepareAt(m.opts.StateDir, m.form.Body(), m.form.BodyLine())
}

// editorReady runs the editor on the prepared file.
func (m *Model) editorReady(msg extedit.ReadyMsg) tea.Cmd {
	if msg.Err != nil {
		return m.setStatus(statusBad, "could not open the editor: "+msg.Err.Error())
	}
	return extedit.Run(msg)
}

// editorResult puts the edited text into the body. A failed editor keeps what it wrote, and the
// status says how it ended.
func (m *Model) editorResult(msg extedit.ResultMsg) tea.Cmd {
	if msg.ReadErr != nil {
		return m.setStatus(statusBad, extedit.Failure(msg.RunErr)+"could not read the edited text back ("+msg.ReadErr.Error()+"); the text is unchanged")
	}
	text := strings.TrimSuffix(msg.Text, "\n")
	changed := text != strings.TrimSuffix(msg.Original, "\n")
	if msg.RunErr != nil {
		if !changed {
			return m.setStatus(statusBad, extedit.Failure(msg.RunErr)+"the text is unchanged")
		}
		m.setBody(text)
		return tea.Batch(m.contentChanged(), m.renderNow(),
			m.setStatus(statusWarn, extedit.Failure(msg.RunErr)+"your edits were kept: check the text"))
	}
	if !changed || text == m.form.Body() {
		return m.setStatus(statusInfo, "no change from the editor")
	}
	m.setBody(text)
	return tea.Batch(m.contentChanged(), m.renderNow(), m.setStatus(statusInfo, "text updated from the editor"))
}

func (m *Model) setBody(text string) {
	m.form.SetBody(text)
	m.preview.Track()
}

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
