package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
)

func renderFor(t *testing.T, msg dingtalk.Message, robot dingtalk.Robot, width int) renderResult {
	t.Helper()
	m, err := New(Options{Robots: []dingtalk.Robot{robot}, Contacts: testContacts, GlamourStyle: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	return renderPreview(renderRequest{msg: msg, robot: robot, contacts: testContacts, width: width, md: m.md, st: m.st})
}

func TestPreviewShowsMentionedNumbersAsNames(t *testing.T) {
	msg := dingtalk.NewMarkdown("T", "hi @13800000000 and @13900000000")
	msg.At = &dingtalk.At{AtMobiles: []string{"13800000000"}}
	r := renderFor(t, msg, testRobot, 60)
	out := ansi.Strip(r.content)
	if !strings.Contains(out, "hi @Alice and @13900000000") {
		t.Fatalf("only the mentioned number becomes a name:\n%s", out)
	}
	var found bool
	for _, n := range r.notes {
		found = found || strings.Contains(n.text, "@13900000000 (Bob) is typed but not mentioned")
	}
	if !found {
		t.Fatalf("no note about Bob: %+v", r.notes)
	}
}

func TestPreviewLinksShowTheirTextOnly(t *testing.T) {
	cases := map[string]string{
		"see [the docs](https://e.com/x)":           "see [the docs](#)",
		`[a](https://e.com "title") and [b](u)`:     "[a](#) and [b](#)",
		"![img](https://e.com/p.png)":               "![img](https://e.com/p.png)",
		`\[not a link](x)`:                          `\[not a link](x)`,
		"[dt](dingtalk://dingtalkclient/page/link)": "[dt](#)",
	}
	for in, want := range cases {
		if got := linkTextOnly(in); got != want {
			t.Errorf("linkTextOnly(%q) = %q, want %q", in, got, want)
		}
	}
	r := renderFor(t, dingtalk.NewMarkdown("T", "see [the docs](https://e.com/x) now <font color=#ff0000>red</font>"), testRobot, 60)
	out := ansi.Strip(r.content)
	if !strings.Contains(out, "see the docs now red") || strings.Contains(out, "https://e.com/x") {
		t.Fatalf("preview:\n%s", out)
	}
}

func TestPreviewChatListLineAndNotes(t *testing.T) {
	robot := dingtalk.Robot{Name: "alerts", Webhook: "tok", Keywords: []string{"deploy"}}
	r := renderFor(t, dingtalk.NewMarkdown("Weekly report", "line one\nline two"), robot, 60)
	out := ansi.Strip(r.content)
	if !strings.HasPrefix(out, "Chat list  ◆ alerts: Weekly report") {
		t.Fatalf("chat-list line:\n%s", out)
	}
	if r.keywordOK {
		t.Fatal("keyword reported present")
	}
	var problem, warning bool
	for _, n := range r.notes {
		problem = problem || (n.problem && strings.Contains(n.text, "keywords (deploy)"))
		warning = warning || (!n.problem && strings.Contains(n.text, "single line break"))
	}
	if !problem || !warning {
		t.Fatalf("notes %+v", r.notes)
	}
	for _, l := range strings.Split(r.content, "\n") {
		if lipgloss.Width(l) > 60 {
			t.Fatalf("line wider than the pane: %q", l)
		}
	}
}

func TestPreviewButtonsFollowOrientation(t *testing.T) {
	card := dingtalk.ActionCard{Title: "T", Text: "x", Buttons: []dingtalk.Button{{Title: "Yes", ActionURL: "https://e.com"}, {Title: "No", ActionURL: "https://e.com"}}}
	card.BtnOrientation = dingtalk.ButtonsVertical
	stacked := ansi.Strip(renderFor(t, dingtalk.NewActionCard(card), testRobot, 40).content)
	card.BtnOrientation = dingtalk.ButtonsHorizontal
	card.HideAvatar = "1"
	side := ansi.Strip(renderFor(t, dingtalk.NewActionCard(card), testRobot, 40).content)
	if !regexp.MustCompile(`Yes\s+│\n├─+┤\n│\s+No`).MatchString(stacked) {
		t.Fatalf("stacked buttons:\n%s", stacked)
	}
	if !regexp.MustCompile(`Yes\s+│\s+No`).MatchString(side) || strings.Contains(side, "\n◆ ops\n") {
		t.Fatalf("side-by-side buttons, no avatar:\n%s", side)
	}
}

func TestNoColorScreenHasNoColour(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	opts := testOptions(t)
	opts.NoColor = true
	opts.GlamourStyle = ""
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("# Heading\n\n**bold** and [a link](https://e.com) @13800000000")
	d.key("ctrl+a", "enter")
	screen := d.view()
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7]);`).MatchString(screen) ||
		regexp.MustCompile(`\x1b\[[0-9;]*[34]8;[25];`).MatchString(screen) {
		t.Fatalf("colour escape codes with NoColor:\n%q", screen)
	}
	colour := newDriver(t, testOptions(t), 120, 40)
	colour.typeText("Weekly")
	if !strings.Contains(colour.view(), "38;2;") {
		t.Fatal("the colour screen has no colour: the check above proves nothing")
	}
}
