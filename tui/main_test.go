package tui

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/preview"
)

func TestMain(m *testing.M) {
	// Goldens hold plain text: no colour, whatever the terminal running the tests.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	os.Exit(m.Run())
}

// fixedNow is the clock of every test.
var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

var testContacts = dingtalk.Contacts{
	{Name: "Alice", Mobile: "13800000000"},
	{Name: "Bob", Mobile: "13900000000", UserID: "bob01"},
	{Name: "Carol", UserID: "carol"},
}

// testRobot is a robot that is never called.
var testRobot = dingtalk.Robot{Name: "ops", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=tok123456"}

// loopbackOnly is the client of every test: requests to anything but loopback fail at once,
// so no test can reach DingTalk or any other host, whatever keys it presses.
func loopbackOnly() *dingtalk.Client {
	c := dingtalk.NewClient(5 * time.Second)
	inner := c.HTTP.Transport
	c.HTTP.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if ip := net.ParseIP(r.URL.Hostname()); r.URL.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("tests never leave loopback: refused %s", r.URL.Host)
		}
		return inner.RoundTrip(r)
	})
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func testOptions(t *testing.T) Options {
	t.Helper()
	return Options{
		Client:       loopbackOnly(),
		Robots:       []dingtalk.Robot{testRobot, {Name: "alerts", Webhook: "alertstoken", Keywords: []string{"告警", "deploy"}}, {Name: "signed", Webhook: "signedtoken", Secret: "SECsupersecretvalue0001"}},
		Contacts:     testContacts,
		StateDir:     stateDir(t),
		Dark:         true,
		GlamourStyle: "dark",
		Version:      "test",
	}
}

// stateDir is a temporary state directory removed after the test. A save the program started
// just before it ended may still be writing, so removal is retried for a moment (t.TempDir fails
// the test when a file appears while it cleans up).
func stateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dingbot-tui-state")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if err := os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return dir
}

// timerMsg is what the test clock delivers instead of waiting.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// driver runs a Model without a program: messages in, commands run at once. Debounce timers
// fire immediately; status expiry and the sends-left poll never do, so screens stay put.
type driver struct {
	t     testing.TB
	m     Model
	quit  bool
	timer []timerMsg
}

func newDriver(t testing.TB, opts Options, w, h int) *driver {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	m.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d, msg} }
	}
	d := &driver{t: t, m: m}
	d.run(m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	model, cmd := d.m.Update(msg)
	d.m = model.(Model)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil, spinner.TickMsg:
	case tea.QuitMsg:
		d.quit = true
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case timerMsg:
		switch msg.msg.(type) {
		case preview.TickMsg, draftTickMsg:
			d.send(msg.msg)
		default:
			d.timer = append(d.timer, msg)
		}
	default:
		// tea.Sequence's message is unexported: a slice of commands, run in order.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ {
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		d.send(msg)
	}
}

// key sends one key by name ("ctrl+s", "tab", "enter") or types runes.
func (d *driver) key(names ...string) {
	d.t.Helper()
	for _, n := range names {
		d.send(keyMsg(n))
	}
}

func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		if r == '\n' {
			d.send(tea.KeyMsg{Type: tea.KeyEnter})
			continue
		}
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (d *driver) view() string { return d.m.View() }

// exit ends the composer as its process ending would, without saving: the lock on its draft
// file goes with it, so the next composer on the state directory gets the same draft file.
func (d *driver) exit() {
	if d.m.store != nil {
		d.m.store.Release()
	}
}

var namedKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace, " ": tea.KeySpace,
	"ctrl+a": tea.KeyCtrlA, "ctrl+c": tea.KeyCtrlC, "ctrl+e": tea.KeyCtrlE, "ctrl+g": tea.KeyCtrlG,
	"ctrl+l": tea.KeyCtrlL, "ctrl+n": tea.KeyCtrlN, "ctrl+o": tea.KeyCtrlO, "ctrl+p": tea.KeyCtrlP,
	"ctrl+q": tea.KeyCtrlQ, "ctrl+r": tea.KeyCtrlR, "ctrl+s": tea.KeyCtrlS, "ctrl+t": tea.KeyCtrlT,
	"ctrl+x": tea.KeyCtrlX, "ctrl+d": tea.KeyCtrlD, "ctrl+k": tea.KeyCtrlK, "ctrl+u": tea.KeyCtrlU,
	"ctrl+w": tea.KeyCtrlW, "home": tea.KeyHome, "end": tea.KeyEnd, "ctrl+home": tea.KeyCtrlHome,
	"ctrl+end": tea.KeyCtrlEnd, "delete": tea.KeyDelete,
	"ctrl+z": tea.KeyCtrlZ, "ctrl+y": tea.KeyCtrlY, "ctrl+v": tea.KeyCtrlV, "ctrl+b": tea.KeyCtrlB,
	"ctrl+f": tea.KeyCtrlF, "ctrl+h": tea.KeyCtrlH, "f2": tea.KeyF2, "f3": tea.KeyF3, "f4": tea.KeyF4,
	"f5": tea.KeyF5, "f6": tea.KeyF6, "f9": tea.KeyF9,
}

func keyMsg(name string) tea.KeyMsg {
	if t, ok := namedKeys[name]; ok {
		return tea.KeyMsg{Type: t}
	}
	if rest, ok := strings.CutPrefix(name, "alt+"); ok {
		if t, ok := namedKeys[rest]; ok {
			return tea.KeyMsg{Type: t, Alt: true}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(rest), Alt: true}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}
