package tui

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/tui/store"
)

// program starts the composer in a real Bubble Tea program of w×h cells, with the draft d
// saved beforehand, and the test clock.
func program(t *testing.T, opts Options, d *store.Draft, w, h int) *teatest.TestModel {
	t.Helper()
	tm, _ := programStore(t, opts, d, w, h)
	return tm
}

// programStore is program, also returning the composer's draft store: releasing it is what
// the composer's process ending (a crash, kill -9) does to its lock.
func programStore(t *testing.T, opts Options, d *store.Draft, w, h int) (*teatest.TestModel, *store.Store) {
	t.Helper()
	if ea, _ := strconv.ParseBool(os.Getenv("RUNEWIDTH_EASTASIAN")); ea {
		t.Skip("screens are drawn with East Asian ambiguous runes one cell wide; RUNEWIDTH_EASTASIAN is set")
	}
	if d != nil {
		if err := store.Open(opts.StateDir).Save(1, *d); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h)), m.store
}

// waitFor waits until the screen shows s.
func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// requireScreen compares a screen with its golden file. glamour writes bold and underline
// even without colour, so escape sequences are dropped: the goldens are about what is where.
func requireScreen(t *testing.T, m Model) {
	t.Helper()
	golden.RequireEqual(t, []byte(ansi.Strip(m.View())+"\n"))
}

// finalScreen ends the program and returns its last screen.
func finalScreen(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
}

var goldenDrafts = []struct {
	name  string
	draft store.Draft
	// ready is text only the finished preview shows.
	ready string
}{
	{"markdown", store.Draft{
		Type:  dingtalk.TypeMarkdown,
		Title: "Weekly report",
		Body: "## Done this week\n\n- shipped the **composer**\n- fixed [the login bug](https://example.com/bug/42)\n\n" +
			"> numbers are up 12%\n\nThanks @13800000000 ",
		Mentions: []store.Mention{{Name: "Alice", Mobile: "13800000000"}},
	}, "notifies @Alice"},
	{"text", store.Draft{
		Type:     dingtalk.TypeText,
		Body:     "Deploy of api-gateway finished, all checks green. @13900000000 please verify",
		Mentions: []store.Mention{{Name: "Bob", Mobile: "13900000000", UserID: "bob01"}},
		AtAll:    true,
	}, "notifies @all @Bob"},
	{"link", store.Draft{
		Type:       dingtalk.TypeLink,
		Title:      "Release 1.4 is out",
		Body:       "Faster previews, history you can reopen, and a payload view that shows the exact JSON. Read the notes for everything that changed in this release.",
		MessageURL: "https://example.com/releases/1.4",
		PicURL:     "https://example.com/releases/1.4.png",
	}, "↗ https://example.com"},
	{"actionCard", store.Draft{
		Type:        dingtalk.TypeActionCard,
		Title:       "Approve the rollout?",
		Body:        "### Rollout 2025-03\n\nCanary is **healthy** for 2 hours.",
		SingleTitle: "Open the dashboard",
		SingleURL:   "https://example.com/dash",
	}, "Open the dashboard  ›"},
	{"actionCardButtons", store.Draft{
		Type:       dingtalk.TypeActionCard,
		Title:      "Ship it?",
		Body:       "Vote for the **release**.",
		ButtonList: true,
		Buttons:    []dingtalk.Button{{Title: "Yes", ActionURL: "https://e.com/y"}, {Title: "No", ActionURL: "https://e.com/n"}},
		Horizontal: true,
	}, "┬"},
	{"feedCard", store.Draft{
		Type: dingtalk.TypeFeedCard,
		Links: []dingtalk.FeedLink{
			{Title: "Release 1.4 is out", MessageURL: "https://e.com/1", PicURL: "https://e.com/1.png"},
			{Title: "How we test the composer", MessageURL: "https://e.com/2", PicURL: "https://e.com/2.png"},
		},
	}, "░░░░"},
}

// TestGolden is every message type in a wide and a narrow terminal.
func TestGolden(t *testing.T) {
	sizes := []struct {
		name string
		w, h int
	}{{"wide", 120, 40}, {"narrow", 80, 40}}
	for _, g := range goldenDrafts {
		for _, s := range sizes {
			t.Run(g.name+"_"+s.name, func(t *testing.T) {
				d := g.draft
				d.Version, d.Robot = store.Version, "ops"
				tm := program(t, testOptions(t), &d, s.w, s.h)
				waitFor(t, tm, g.ready)
				requireScreen(t, finalScreen(t, tm))
			})
		}
	}
}

func goldenMarkdown() *store.Draft {
	d := goldenDrafts[0].draft
	d.Version, d.Robot = store.Version, "ops"
	return &d
}

func TestGoldenMentionPicker(t *testing.T) {
	tm := program(t, testOptions(t), goldenMarkdown(), 120, 40)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(keyMsg("alt+m"))
	tm.Type("o")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	waitFor(t, tm, "1 ticked")
	requireScreen(t, finalScreen(t, tm))
}

func TestGoldenPayload(t *testing.T) {
	tm := program(t, testOptions(t), goldenMarkdown(), 120, 40)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(keyMsg("alt+p"))
	waitFor(t, tm, "dingbot send")
	requireScreen(t, finalScreen(t, tm))
}

func TestGoldenConfirm(t *testing.T) {
	tm := program(t, testOptions(t), goldenMarkdown(), 120, 40)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	requireScreen(t, finalScreen(t, tm))
}

func TestGoldenErrorKeyword(t *testing.T) {
	opts := testOptions(t)
	d := goldenMarkdown()
	d.Robot = "alerts"
	tm := program(t, opts, d, 120, 40)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "back to the editor")
	requireScreen(t, finalScreen(t, tm))
}

func TestGoldenErrorDingTalk(t *testing.T) {
	opts, _ := withSandbox(t, testOptions(t), sandbox.Robot{Token: "ops", Secret: "SECright"})
	opts.Robots[0].Secret = "SECwrong"
	tm := program(t, opts, goldenMarkdown(), 80, 30)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "[ back ]")
	tm.Type("y")
	waitFor(t, tm, "back to the editor")
	requireScreen(t, finalScreen(t, tm))
}

func TestGoldenFullHelp(t *testing.T) {
	tm := program(t, testOptions(t), goldenMarkdown(), 120, 40)
	waitFor(t, tm, "notifies @Alice")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlG})
	waitFor(t, tm, "fewer keys")
	requireScreen(t, finalScreen(t, tm))
}
