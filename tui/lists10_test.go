package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
)

// Broken robots are in the robot picker, greyed with their reason, and cannot be chosen.
func TestRobotPickerShowsUnavailableRobots(t *testing.T) {
	opts := testOptions(t)
	opts.Unavailable = []UnavailableRobot{{Name: "oncall", Reason: "secret_env ONCALL_SECRET is not set"}}
	d := newDriver(t, opts, 120, 40)
	d.key("ctrl+r")
	screen := d.view()
	if !strings.Contains(screen, "oncall  · unavailable: secret_env ONCALL_SECRET") {
		t.Fatalf("the broken robot is not listed with its reason:\n%s", screen)
	}
	if i := strings.Index(screen, "oncall"); i < strings.Index(screen, "signed") {
		t.Fatalf("the broken robot is not listed after the others:\n%s", screen)
	}
	d.typeText("oncall")
	if !strings.Contains(d.view(), "│ unavailable: secret_env ONCALL_SECRET is not set") && !strings.Contains(d.view(), "\nunavailable: secret_env ONCALL_SECRET is not set") {
		t.Fatalf("the highlighted broken robot does not say why in full:\n%s", d.view())
	}
	d.key("enter")
	if d.m.state != stateRobots || d.m.currentRobot().Name != "ops" {
		t.Fatalf("enter chose a broken robot: state %v, robot %s", d.m.state, d.m.currentRobot().Name)
	}
	d.key("esc")
	if d.m.state != stateCompose {
		t.Fatal("esc did not close the robot picker")
	}
}

func historyDriver(t *testing.T) (*driver, *store.Store) {
	t.Helper()
	opts := testOptions(t)
	s := store.Open(opts.StateDir)
	md := dingtalk.NewMarkdown("周报", "# 本周\n**完成** [登录修复](https://x)")
	md.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, IsAtAll: true}
	text := dingtalk.NewText("\x1b[31mred\x1b[0m alert\x07 on db-1\nsecond line")
	text.At = &dingtalk.At{AtMobiles: []string{"13800000000", "13900000000"}}
	for _, e := range []store.Entry{
		{Time: time.Date(2025, 3, 13, 14, 2, 0, 0, time.UTC), Robot: "alerts", MsgType: dingtalk.TypeText, Message: text},
		{Time: fixedNow.Add(-2 * time.Minute), Robot: "ops", MsgType: dingtalk.TypeMarkdown, Message: md},
	} {
		if err := s.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return newDriver(t, opts, 120, 40), s
}

// History rows say when as people do, name the robot and the type, show the title or the first
// line of the text without markdown or control characters, and count the mentions.
func TestHistoryRowsAreHumanised(t *testing.T) {
	d, _ := historyDriver(t)
	d.key("ctrl+l")
	screen := d.view()
	for _, want := range []string{
		"2 min ago        ✓ 周报  ops · markdown message · 1 mention · @all",
		"yesterday 14:02  ✓ red alert on db-1  alerts · text message · 2 mentions",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("no row %q:\n%s", want, screen)
		}
	}
	// The highlighted message below is drawn by the preview, in its styles; the message's own
	// escape sequences and control characters never reach the screen.
	if strings.Contains(screen, "\x1b[31m") || strings.ContainsAny(screen, "\x07") || strings.Contains(screen, "2025-03-1") {
		t.Fatalf("raw control characters or times on screen:\n%q", screen)
	}
	if got := entrySummary(dingtalk.NewActionCard(dingtalk.ActionCard{Text: "> **注意**：`deploy` 已完成"})); got != "注意：deploy 已完成" {
		t.Fatalf("summary of an untitled card: %q", got)
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{2 * time.Minute, "2 min ago"},
		{3 * time.Hour, "today 06:26"},
		{20 * time.Hour, "yesterday 13:26"},
		{3 * 24 * time.Hour, "Tue 09:26"},
		{30 * 24 * time.Hour, "Feb 12 09:26"},
		{400 * 24 * time.Hour, "2024-02-08"},
	} {
		if got := relativeTime(now.Add(-c.ago), now); got != c.want {
			t.Errorf("%v ago: %q, want %q", c.ago, got, c.want)
		}
	}
}

// ctrl+x deletes the highlighted history row; ctrl+z brings it back, in its place.
func TestHistoryDeleteCanBeUndone(t *testing.T) {
	d, s := historyDriver(t)
	d.key("ctrl+l", "ctrl+x")
	if d.m.state != stateHistory {
		t.Fatalf("delete left the history: state %v", d.m.state)
	}
	es, _ := s.Latest()
	if len(es) != 1 || es[0].Robot != "alerts" {
		t.Fatalf("after ctrl+x the store holds %+v", es)
	}
	if strings.Contains(d.view(), "2 min ago        ✓ 周报") || !strings.Contains(d.m.status.Text(), "ctrl+z brings it back") {
		t.Fatalf("the deleted row is still shown, or no way back is said (%q):\n%s", d.m.status.Text(), d.view())
	}
	d.send(tea.KeyMsg{Type: tea.KeyCtrlZ})
	es, _ = s.Latest()
	if len(es) != 2 || es[0].Robot != "ops" || !strings.Contains(d.view(), "2 min ago        ✓ 周报") {
		t.Fatalf("ctrl+z did not bring it back: %+v\n%s", es, d.view())
	}
	// Delete, as the key, deletes too; enter on what is left reopens it.
	d.key("down", "delete")
	if es, _ = s.Latest(); len(es) != 1 || es[0].Robot != "ops" {
		t.Fatalf("after delete the store holds %+v", es)
	}
	d.send(tea.KeyMsg{Type: tea.KeyCtrlZ})
	d.send(tea.KeyMsg{Type: tea.KeyCtrlZ})
	if !strings.Contains(d.m.status.Text(), "nothing deleted to bring back") {
		t.Fatalf("status %q", d.m.status.Text())
	}
}

// The highlighted history entry is drawn as DingTalk shows it in a command, not in View: moving
// the highlight returns the render as a command and the view says it is coming until it is back.
func TestHistoryPreviewRendersOffTheUIGoroutine(t *testing.T) {
	d, _ := historyDriver(t)
	d.key("ctrl+l")
	if !strings.Contains(flat(d.view()), "本周") {
		t.Fatalf("the first entry's preview is not shown:\n%s", d.view())
	}
	model, cmd := d.m.Update(keyMsg("down"))
	d.m = model.(Model)
	if cmd == nil {
		t.Fatal("moving the highlight asked for no render")
	}
	if v := d.view(); !strings.Contains(v, "drawing the preview") {
		t.Fatalf("before the render is back the view shows:\n%s", v)
	}
	d.run(cmd)
	if v := flat(d.view()); strings.Contains(v, "drawing the preview") || !strings.Contains(v, "alert on db-1") {
		t.Fatalf("after the render the view shows:\n%s", d.view())
	}
}
