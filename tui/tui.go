// Package tui is dingbot's terminal composer: write a DingTalk message, preview it live, send it.
package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	gstyles "github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/preview"
)

// Options configure the composer. Everything that depends on the terminal (background, colour)
// is decided by the caller before the program starts: the composer never queries the terminal.
type Options struct {
	// Robots are the robots to send with; at least one. Their secrets are never shown.
	Robots []dingtalk.Robot
	// Unavailable are the robots configured but unusable here (a secret_env not set, a config
	// problem), with their reasons, secret-like text already masked: the robot picker shows them
	// greyed, not selectable. They are not in Robots.
	Unavailable []UnavailableRobot
	// DefaultRobot names the robot selected at start; empty means the first.
	DefaultRobot string
	// PinRobot makes DefaultRobot win over the robot a saved draft was written for (the user
	// asked for this robot, e.g. with --robot). Without it the draft's robot is restored.
	PinRobot bool
	// Templates are the templates alt+g (f12) offers: the built-in gallery and the user's
	// (template.Load); nil offers none. TemplatesDir is where the user's live, to say so.
	Templates    *template.Set
	TemplatesDir string
	// Contacts are the people the mention picker offers.
	Contacts dingtalk.Contacts
	// Client sends; Client.SendsLeft reports sends left this minute. Nil means a default client.
	Client *dingtalk.Client
	// StateDir holds the draft and the history (created 0700). Empty keeps nothing on disk.
	StateDir string
	// File is a markdown file to start from: a new markdown message whose text is the file
	// and whose title is its first heading (or first line), to DefaultRobot, nobody mentioned.
	// An unsent draft it replaces is kept in draft.previous.json under StateDir.
	File string
	// Notice is shown in the status bar at start.
	Notice string
	// Warnings are problems found before the start (the config's, secret-like text masked),
	// shown inside the composer: one in the status line with the notice, several in a box over
	// the editor, with the notice, until a key closes it.
	Warnings []string
	// Dark says the terminal background is dark.
	Dark bool
	// GlamourStyle is GLAMOUR_STYLE: a glamour style name or a JSON style file; "" picks by Dark.
	// A light or dark style name also sets the palette of the whole screen, over Dark.
	GlamourStyle string
	// NoColor draws a plain screen: no colour, attributes only.
	NoColor bool
	// EastAsian counts East Asian ambiguous characters (box drawing, some symbols) two cells
	// wide, as terminals set up for CJK do (RUNEWIDTH_EASTASIAN): lines are cut to the screen.
	EastAsian bool
	// Mouse starts with mouse mode on (--mouse): the wheel scrolls the preview. Off, the
	// terminal's own selection works; alt+s or f9 switches it either way.
	Mouse bool
	// Version is shown in the header.
	Version string
	// TestRobot is the robot the test send (alt+e, f7) posts to: the config's test_robot. Nil
	// (and no TestRobotProblem), test sends go to TestSandbox.
	TestRobot *dingtalk.Robot
	// TestRobotProblem is why the config's test_robot cannot be used (it names no robot, or one
	// unavailable here), secret-like text masked: a test send says it and posts nowhere.
	TestRobotProblem string
	// TestSandbox returns the built-in sandbox's robot, starting the sandbox the first time, and
	// the client to post to it with (nil: Client); test sends go there when no test_robot is
	// set. Nil: a test send says to set test_robot.
	TestSandbox func(context.Context) (dingtalk.Robot, *dingtalk.Client, error)
	// Outbox, if set, is drained while the composer runs, and a send refused for the rate limit
	// or a pause can be queued in it; the status bar shows how many messages wait for the
	// robot. Nil hides the choice.
	Outbox *delivery.Outbox
}

// UnavailableRobot is a configured robot that cannot send from here, and why.
type UnavailableRobot struct {
	Name, Reason string
}

// New returns the composer's model, ready for tea.NewProgram (or teatest).
func New(opts Options) (Model, error) {
	if len(opts.Robots) == 0 {
		return Model{}, errors.New("the composer needs at least one robot")
	}
	robot := 0
	if opts.DefaultRobot != "" {
		robot = -1
		for i, r := range opts.Robots {
			if r.Name == opts.DefaultRobot {
				robot = i
			}
		}
		if robot < 0 {
			return Model{}, fmt.Errorf("default robot %q is not among the configured robots", opts.DefaultRobot)
		}
	}
	if opts.Client == nil {
		opts.Client = dingtalk.NewClient(0)
	}
	cell.SetEastAsian(opts.EastAsian)
	md, err := preview.NewMarkdown(preview.MarkdownOptions{
		GlamourStyle: opts.GlamourStyle, Dark: opts.Dark, DarkScreen: opts.darkScreen(), NoColor: opts.NoColor,
	}, lipgloss.ColorProfile())
	if err != nil {
		return Model{}, err
	}
	m := newModel(opts, robot, md)
	m.preview.SetMouse(opts.Mouse)
	m.startWarnings()
	return m, nil
}

// maxStatusWarning is how long the notice and one warning may be together to be said in the
// status line (two lines of it on a narrow screen); anything longer is listed in a box.
const maxStatusWarning = 100

// startWarnings shows Options.Warnings: one short warning in the status line with the notice,
// for noticeTTL (Init schedules it); more, or a long one, in a box over the editor that stays
// until enter or esc closes it, the notice first, so that nothing is missed behind the full
// screen.
func (m *Model) startWarnings() {
	var ws []string
	for _, w := range m.opts.Warnings {
		if w = strings.TrimSpace(w); w != "" {
			ws = append(ws, w)
		}
	}
	notice := m.opts.Notice
	switch {
	case len(ws) == 0:
		return
	case len(ws) == 1 && utf8.RuneCountInString(notice)+utf8.RuneCountInString(ws[0]) <= maxStatusWarning:
		text := "! " + ws[0]
		if notice != "" {
			text = notice + " · " + text
		}
		// The start notice is the status text: what the draft says at start is added to it.
		m.opts.Notice = text
		m.noticeExpiry = m.status.Set(statusWarn, text)
		return
	}
	var lines []string
	if notice != "" {
		lines = append(lines, notice, "")
	}
	for _, w := range ws {
		lines = append(lines, m.st.Dialog.Warning.Render("! ")+w)
	}
	// The notice may itself be a problem (a broken default robot): the title counts nothing,
	// so that it never disagrees with the list.
	m.failure, m.failPost = dialog.NewNotice(m.st, "Before you start", lines), nil
	m.state = stateError
}

// Run opens the composer full screen and returns when the user quits or ctx ends. The draft
// is saved once more on the way out, whatever ended the program.
func Run(ctx context.Context, opts Options) error {
	// Pin what lipgloss would otherwise ask the terminal, and keep attributes (the cursor is
	// reverse video) when colour is off.
	lipgloss.SetHasDarkBackground(opts.darkScreen())
	if opts.NoColor && os.Getenv("TERM") != "dumb" {
		lipgloss.SetColorProfile(termenv.ANSI)
	}
	m, err := New(opts)
	if err != nil {
		return err
	}
	m.ctx = ctx
	m.terminal = os.Stdout
	stop := m.startOutbox(ctx)
	defer stop()
	// A cancelled ctx (a signal: main cancels it on SIGINT, SIGTERM, SIGHUP and SIGQUIT) ends the
	// program at once, and it returns the model as it was then: that draft is saved below.
	// Bubble Tea's own signal handler stays off: on a signal that also cancels ctx, it can block
	// forever sending to the finished program, and Run then never returns nor saves.
	final, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithoutSignalHandler()).Run()
	if m.store != nil {
		defer m.store.Release()
	}
	if fm, ok := final.(Model); ok {
		if serr := fm.saveNow(); serr != nil {
			err = errors.Join(fmt.Errorf("the draft was not saved: %w", serr), ignoreStop(err, ctx))
		}
	}
	if err = ignoreStop(err, ctx); err == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// startOutbox drains the outbox in a goroutine and subscribes the composer to its changes, until
// ctx ends or stop is called; stop waits for the drainer to return (a delivery under way is
// put back in the queue with its msgUuid, for the next drainer).
func (m *Model) startOutbox(ctx context.Context) (stop func()) {
	ob := m.opts.Outbox
	if ob == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	m.outboxEvents = ob.Subscribe(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ob.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// ignoreStop drops the error Bubble Tea returns when a signal or ctx ended it: that is a way to
// quit, not a failure.
func ignoreStop(err error, ctx context.Context) error {
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// darkScreen says whether to draw for a dark background: GLAMOUR_STYLE when it names a light or
// a dark style, so that the preview and the rest of the screen match, otherwise Dark.
func (o Options) darkScreen() bool {
	switch strings.TrimSpace(o.GlamourStyle) {
	case gstyles.LightStyle:
		return false
	case gstyles.DarkStyle, gstyles.DraculaStyle, gstyles.TokyoNightStyle, gstyles.PinkStyle:
		return true
	}
	return o.Dark
}

// Timings of the composer; variables so that tests can shorten them.
var (
	previewDelay   = 100 * time.Millisecond
	draftDelay     = 500 * time.Millisecond
	draftMaxWait   = time.Second
	statusTTL      = 4 * time.Second
	noticeTTL      = 12 * time.Second
	sendsLeftEvery = 10 * time.Second
)
