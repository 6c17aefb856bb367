package preview

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
)

// renderOn renders msg for one device at width cells, with glamour's dark style.
func renderOn(t *testing.T, msg dingtalk.Message, d Device, width int) renderResult {
	t.Helper()
	m := looksFor(t, MarkdownOptions{GlamourStyle: "dark", DarkScreen: true})
	return renderPreview(renderRequest{msg: msg, robot: testRobot, contacts: testContacts, width: width, md: m.md, st: m.st, device: d})
}

// On PC tables and code blocks are drawn; on a phone without the new renderer they are the
// markdown as typed, fences and pipes and all, in a quote too.
func TestPhoneShowsTablesAndCodeAsTyped(t *testing.T) {
	md := "## Checks\n\n| svc | p99 |\n|---|---:|\n| api | 120 ms |\n\n```sh\nkubectl get pods\n```\n\n> quoted\n>\n> | a | b |\n> |---|---|\n\n    indented code"
	for _, msg := range []dingtalk.Message{
		dingtalk.NewMarkdown("T", md),
		dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: md, SingleTitle: "Open", SingleURL: "https://e.com"}),
	} {
		pc := ansi.Strip(renderOn(t, msg, DevicePC, 60).content)
		phone := ansi.Strip(renderOn(t, msg, DevicePhone, 40).content)
		for _, typed := range []string{"| svc | p99 |", "|---|---:|", "```sh", "│ | a | b |", "│ |---|---|", "    indented code"} {
			if !strings.Contains(phone, typed) {
				t.Errorf("%s: the phone does not show %q as typed:\n%s", msg.Type, typed, phone)
			}
			if strings.Contains(pc, strings.TrimPrefix(typed, "│ ")) {
				t.Errorf("%s: PC shows %q as typed:\n%s", msg.Type, typed, pc)
			}
		}
		if !regexp.MustCompile(`svc\s+│\s+p99`).MatchString(pc) || !strings.Contains(pc, "kubectl get pods") {
			t.Errorf("%s: PC draws no table or code:\n%s", msg.Type, pc)
		}
		for _, l := range strings.Split(phone, "\n") {
			if lipgloss.Width(l) > 40 {
				t.Errorf("%s: a phone's line is wider than its bubble: %q", msg.Type, l)
			}
		}
	}
}

// HTML other than <font> shows on PC (its text) and is blank on a phone; <font> shows on both.
func TestPhoneShowsHTMLBlank(t *testing.T) {
	msg := dingtalk.NewMarkdown("T", "hi <span>there</span> you, <font color=#ff0000>red</font>\n\n<div>\nblock html\n</div>\n\nend")
	pc := ansi.Strip(renderOn(t, msg, DevicePC, 60).content)
	phone := ansi.Strip(renderOn(t, msg, DevicePhone, 40).content)
	for _, s := range []string{"there", "block html"} {
		if !strings.Contains(pc, s) {
			t.Errorf("PC does not show %q:\n%s", s, pc)
		}
		if strings.Contains(phone, s) {
			t.Errorf("a phone shows %q:\n%s", s, phone)
		}
	}
	for _, s := range []string{"hi", "you", "red", "end"} {
		if !strings.Contains(phone, s) {
			t.Errorf("a phone lost %q:\n%s", s, phone)
		}
	}
}

// @names are highlighted on PC; on a phone only in a text message, not in markdown or an
// action card (where they still notify: the line under the bubble says whom).
func TestPhoneHighlightsMentionsInTextOnly(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	m := looksFor(t, MarkdownOptions{Dark: true, DarkScreen: true})
	at := &dingtalk.At{AtMobiles: []string{"13800000000"}}
	for _, msg := range []dingtalk.Message{
		dingtalk.NewText("thanks @13800000000"),
		dingtalk.NewMarkdown("T", "thanks @13800000000"),
		dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "thanks @13800000000", SingleTitle: "Open", SingleURL: "https://e.com"}),
	} {
		msg.At = at
		for _, d := range []Device{DevicePC, DevicePhone} {
			r := renderPreview(renderRequest{msg: msg, robot: testRobot, contacts: testContacts, width: 60, md: m.md, st: m.st, device: d})
			want := 2 // in the bubble and under it
			if d == DevicePhone && msg.Type != dingtalk.TypeText {
				want = 1
			}
			if got := strings.Count(r.content, m.st.Preview.Mention.Render("@Alice")); got != want {
				t.Errorf("%s on %s: @Alice highlighted %d times, want %d:\n%s", msg.Type, d.Name(), got, want, ansi.Strip(r.content))
			}
		}
	}
}

// A button's label is one line at every width: cut with "…" as DingTalk cuts it, never
// wrapped inside a word.
func TestPreviewButtonsAreCutNotWrapped(t *testing.T) {
	long := "Approve the rollout to production now"
	for _, orientation := range []string{dingtalk.ButtonsHorizontal, dingtalk.ButtonsVertical, "single"} {
		card := dingtalk.ActionCard{Title: "T", Text: "vote", BtnOrientation: orientation,
			Buttons: []dingtalk.Button{{Title: long, ActionURL: "https://e.com"}, {Title: "Reject", ActionURL: "https://e.com"}, {Title: "Ask me again later", ActionURL: "https://e.com"}}}
		if orientation == "single" {
			card = dingtalk.ActionCard{Title: "T", Text: "vote", SingleTitle: long + " and a lot more than fits", SingleURL: "https://e.com"}
		}
		for _, d := range []Device{DevicePC, DevicePhone} {
			out := ansi.Strip(renderOn(t, dingtalk.NewActionCard(card), d, d.bubble()).content)
			var label []string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "Appro") {
					label = append(label, l)
				}
				if w := strings.Fields(strings.Trim(l, "│ ")); len(w) > 0 && strings.Contains(long, w[0]) && !strings.HasPrefix(long, w[0]) {
					t.Errorf("%s on %s: a label wraps:\n%s", orientation, d.Name(), out)
				}
			}
			if len(label) != 1 || !strings.Contains(label[0], long) && !strings.Contains(label[0], "…") {
				t.Errorf("%s on %s: the label is neither whole nor cut with … on one line:\n%s", orientation, d.Name(), out)
			}
		}
	}
	// Cut, on a phone, stacked too.
	card := dingtalk.ActionCard{Title: "T", Text: "vote", BtnOrientation: dingtalk.ButtonsVertical,
		Buttons: []dingtalk.Button{{Title: long + " please", ActionURL: "https://e.com"}, {Title: "No", ActionURL: "https://e.com"}}}
	if out := ansi.Strip(renderOn(t, dingtalk.NewActionCard(card), DevicePhone, PhoneBubble).content); !strings.Contains(out, "│ Approve the rollout to production n… │") {
		t.Errorf("a stacked button on a phone is not cut:\n%s", out)
	}
}

// pictureSize is the width and height of the first run of shaded lines in a card.
func pictureSize(out string) (w, h int) {
	for _, l := range strings.Split(out, "\n") {
		n := strings.Count(l, "░")
		if n == 0 && h > 0 {
			break
		}
		if n > 0 {
			w = max(w, n+len("pic")*strings.Count(l, "pic")+len("picture")*strings.Count(l, "picture")-len("pic")*strings.Count(l, "picture"))
			h++
		}
	}
	return w, h
}

// Link and feed cards keep their proportions on PC and on a phone: the pictures scale with
// the bubble, and a link card's text and a feed card's titles stop where the picture ends.
func TestPreviewCardsKeepProportions(t *testing.T) {
	text := strings.Repeat("Faster previews and history you can reopen. ", 8)
	link := dingtalk.NewLink("Release 1.4 is out", text, "https://e.com/x", "https://e.com/p.png")
	feed := dingtalk.NewFeedCard(dingtalk.FeedLink{Title: "Release 1.4 is out", MessageURL: "https://e.com/1", PicURL: "https://e.com/1.png"})
	for _, c := range []struct {
		name string
		msg  dingtalk.Message
	}{{"link", link}, {"feed", feed}} {
		var ratios []float64
		for _, d := range []Device{DevicePC, DevicePhone} {
			out := ansi.Strip(renderOn(t, c.msg, d, 100).content)
			w, h := pictureSize(out)
			if w == 0 || h == 0 {
				t.Fatalf("%s on %s: no picture:\n%s", c.name, d.Name(), out)
			}
			inner := frameInner(d.bubble())
			ratios = append(ratios, float64(w)/float64(inner), float64(h)/float64(w))
			if c.name == "link" {
				if !strings.Contains(out, "…") {
					t.Errorf("link on %s: the text is not cut where the picture ends:\n%s", d.Name(), out)
				}
				if n := strings.Count(out, "░"); n == 0 || strings.Count(out, "\n│ ") > h+4 {
					t.Errorf("link on %s: more lines than the title, the picture and the URL:\n%s", d.Name(), out)
				}
			}
		}
		for i := 0; i < 2; i++ {
			if pc, phone := ratios[i], ratios[i+2]; phone < pc*0.7 || phone > pc*1.3 {
				t.Errorf("%s: proportion %d is %.2f on PC and %.2f on a phone", c.name, i, pc, phone)
			}
		}
	}
}

// The bubble is as wide as the device's, whatever the room: a wide pane does not stretch it.
func TestBubbleWidths(t *testing.T) {
	msg := dingtalk.NewText(strings.Repeat("word ", 60))
	for _, d := range []Device{DevicePC, DevicePhone} {
		out := ansi.Strip(renderOn(t, msg, d, 100).content)
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "╭") && lipgloss.Width(l) != d.bubble() {
				t.Errorf("%s: the bubble is %d cells, want %d", d.Name(), lipgloss.Width(l), d.bubble())
			}
		}
		if out := ansi.Strip(renderOn(t, msg, d, 30).content); !strings.Contains(out, "╭"+strings.Repeat("─", 28)+"╮") {
			t.Errorf("%s: a narrow pane does not narrow the bubble:\n%s", d.Name(), out)
		}
	}
}

// Render draws PC and phone side by side, under their headers, when the width holds both,
// and PC alone otherwise (as the history does at any width).
func TestRenderBothWhenWide(t *testing.T) {
	m := looksFor(t, MarkdownOptions{GlamourStyle: "dark", DarkScreen: true})
	req := Request{Msg: dingtalk.NewMarkdown("T", "| a |\n|---|\n| 1 |"), Robot: testRobot, Contacts: testContacts, Markdown: m.md, Styles: m.st}
	req.Width = BothWidth
	both := Render(req)
	first, _, _ := strings.Cut(ansi.Strip(both.Content()), "\n")
	if both.Device() != DeviceAuto || !strings.HasPrefix(first, "PC ") || !strings.Contains(first, "Phone · without the new renderer") {
		t.Fatalf("both: device %v, first line %q", both.Device(), first)
	}
	if !strings.Contains(ansi.Strip(both.Content()), "| 1 |") {
		t.Errorf("the phone's side does not show the table as typed:\n%s", ansi.Strip(both.Content()))
	}
	req.Width = BothWidth - 1
	if one := Render(req); one.Device() != DevicePC || strings.Contains(ansi.Strip(one.Content()), "| 1 |") {
		t.Errorf("narrower: device %v:\n%s", one.Device(), ansi.Strip(one.Content()))
	}
	req.Device = DevicePhone
	if one := Render(req); one.Device() != DevicePhone || !strings.Contains(ansi.Strip(one.Content()), "| 1 |") {
		t.Errorf("phone: device %v:\n%s", one.Device(), ansi.Strip(one.Content()))
	}
}

// A pane narrower than both devices shows one, switched by SwitchDevice, and says which in its
// title, with the key that switches; a wide one shows both and has nothing to switch.
func TestPaneSwitchesDevice(t *testing.T) {
	m := looksFor(t, MarkdownOptions{GlamourStyle: "dark", DarkScreen: true})
	p := NewPane(m.st, m.md)
	p.SetDeviceKey("alt+v")
	p.SetSize(70, 20, 3)
	show := func() string {
		p.Next()
		cmd := p.Start(Request{Msg: dingtalk.NewMarkdown("T", "| a |\n|---|\n| 1 |"), Robot: testRobot, Contacts: testContacts})
		p.Show(cmd().(RenderedMsg))
		return ansi.Strip(p.View(p.Width(), 20))
	}
	if v := show(); !strings.HasPrefix(v, "Preview on PC") || !strings.Contains(strings.SplitN(v, "\n", 2)[0], "alt+v phone") || strings.Contains(v, "| 1 |") {
		t.Fatalf("PC:\n%s", v)
	}
	if !p.SwitchDevice() || p.Device() != DevicePhone {
		t.Fatal("no switch to the phone")
	}
	if v := show(); !strings.HasPrefix(v, "Preview on a phone without the new renderer") || !strings.Contains(v, "alt+v PC") || !strings.Contains(v, "| 1 |") {
		t.Fatalf("phone:\n%s", v)
	}
	p.SetSize(BothWidth, 20, 3)
	if p.SwitchDevice() || p.Device() != DeviceAuto {
		t.Fatal("a wide pane switched")
	}
	if v := show(); !strings.HasPrefix(v, "Preview on PC and phone") || strings.Contains(v, "alt+v") {
		t.Fatalf("both:\n%s", v)
	}
}
