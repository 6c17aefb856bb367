package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
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

// cardContent is what the preview shows inside the card's frame, lines joined, without spaces.
func cardContent(content string) string {
	var b strings.Builder
	for _, l := range strings.Split(ansi.Strip(content), "\n") {
		if strings.HasPrefix(l, "│") && strings.HasSuffix(l, "│") {
			b.WriteString(strings.TrimSuffix(strings.TrimPrefix(l, "│"), "│"))
		}
	}
	return strings.NewReplacer(" ", "", "│", "", "[pic]", "").Replace(b.String())
}

func TestPreviewWrapsWhatHasNoSpacesAndCutsNothing(t *testing.T) {
	cjk := strings.Repeat("中文字符", 20) + "ABC"
	emoji := strings.Repeat("😀", 30) + "好END"
	url := "https://example.com/a/very/long/url/that/goes/on/and/on/forever/and/ever/without/a/space/END"
	long := "段落" + cjk + " " + emoji
	cases := map[string]struct {
		msg  dingtalk.Message
		want []string
	}{
		"markdown": {dingtalk.NewMarkdown("T", long+"\n\n- 列表"+cjk+"\n\n> 引用"+cjk+"\n\n## 标题"+cjk+"\n\n"+url), []string{long, "列表" + cjk, "引用" + cjk, "标题" + cjk, url}},
		"text":     {dingtalk.NewText(long + " " + url), []string{long, url}},
		"actionCard": {dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: long, SingleTitle: "打开" + cjk, SingleURL: "https://e.com"}),
			[]string{long, "打开" + cjk}},
		"actionCardButtons": {dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "x", BtnOrientation: dingtalk.ButtonsVertical,
			Buttons: []dingtalk.Button{{Title: "同意" + cjk, ActionURL: "https://e.com"}, {Title: "No", ActionURL: "https://e.com"}}}), []string{"同意" + cjk}},
		"link": {dingtalk.NewLink("T", "short", url, ""), []string{url}},
		"feedCard": {dingtalk.NewFeedCard(dingtalk.FeedLink{Title: cjk, MessageURL: "https://e.com", PicURL: "https://e.com/p.png"},
			dingtalk.FeedLink{Title: "第二" + cjk, MessageURL: "https://e.com", PicURL: "https://e.com/p.png"}), []string{cjk, "第二" + cjk}},
	}
	for name, c := range cases {
		for _, width := range []int{30, 50, 61} {
			r := renderFor(t, c.msg, testRobot, width)
			got := cardContent(r.content)
			for _, w := range c.want {
				if !strings.Contains(got, strings.ReplaceAll(w, " ", "")) {
					t.Errorf("%s at %d cells: %q is not all there:\n%s", name, width, w, ansi.Strip(r.content))
				}
			}
			for _, l := range strings.Split(r.content, "\n") {
				if lipgloss.Width(l) > width {
					t.Errorf("%s at %d cells: line wider than the pane: %q", name, width, ansi.Strip(l))
				}
			}
		}
	}
}

// Warnings under the preview wrap instead of being cut; what does not fit is counted, and the
// payload view lists every one in full.
func TestNotesWrapAndThePayloadListsThemAll(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("T")
	d.key("tab")
	d.typeText("first line\nsecond line ~~struck~~ <div>x</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n")
	notes := d.m.preview.notes
	if len(notes) < 4 {
		t.Fatalf("want several notes, got %+v", notes)
	}
	w := d.m.geometry().previewW
	lines := d.m.notesView(w)
	if len(lines) > d.m.maxNotes() {
		t.Fatalf("%d note lines, at most %d", len(lines), d.m.maxNotes())
	}
	var shown strings.Builder
	for _, l := range lines {
		if lipgloss.Width(l) > w {
			t.Errorf("note line wider than the pane: %q", l)
		}
		shown.WriteString(strings.TrimSpace(strings.TrimLeft(ansi.Strip(l), "!✗ ")) + " ")
	}
	first := "! " + notes[0].text
	if !strings.Contains(shown.String(), notes[0].text) {
		t.Fatalf("the first note is not shown in full: %q\n%s", first, shown.String())
	}
	if last := ansi.Strip(lines[len(lines)-1]); !regexp.MustCompile(`^\+\d+ more: ctrl\+p shows all$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	if !strings.Contains(d.view(), notes[0].text[:20]) {
		t.Fatalf("notes not on screen:\n%s", d.view())
	}
	payload := payloadText(testRobot, d.m.form.message(), fixedNow, 1000, testContacts)
	for _, n := range notes {
		if !strings.Contains(payload, n.text) {
			t.Errorf("payload lacks %q:\n%s", n.text, payload)
		}
	}
}

// GLAMOUR_STYLE=light draws the whole screen for a light background, dark for a dark one.
func TestGlamourStyleSetsThePaletteOfTheWholeScreen(t *testing.T) {
	light, dark := styles.New(false, false).Editor.Text.GetForeground(), styles.New(true, false).Editor.Text.GetForeground()
	for _, c := range []struct {
		style string
		dark  bool
		want  lipgloss.TerminalColor
	}{
		{"light", true, light},
		{"dark", false, dark},
		{"", true, dark},
		{"", false, light},
		{"notty", false, light},
	} {
		m, err := New(Options{Robots: []dingtalk.Robot{testRobot}, Dark: c.dark, GlamourStyle: c.style})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.st.Editor.Text.GetForeground(); got != c.want {
			t.Errorf("GLAMOUR_STYLE=%q, dark terminal %v: text colour %v, want %v", c.style, c.dark, got, c.want)
		}
	}
}

// "@Alicia Keys" is highlighted whole, in markdown (glamour styles word by word) and in text.
func TestMultiWordMentionHighlightedWhole(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	contacts := dingtalk.Contacts{{Name: "Alicia Keys", Mobile: "13700000000"}, {Name: "Alicia", Mobile: "13600000000"}}
	m, err := New(Options{Robots: []dingtalk.Robot{testRobot}, Contacts: contacts, Dark: true})
	if err != nil {
		t.Fatal(err)
	}
	at := &dingtalk.At{AtMobiles: []string{"13700000000"}}
	for _, msg := range []dingtalk.Message{
		dingtalk.NewMarkdown("T", "hi **there** @13700000000 and @Alicia\n\n- item @13700000000"),
		dingtalk.NewText("hi there @13700000000 and @Alicia"),
	} {
		msg.At = at
		r := renderPreview(renderRequest{msg: msg, robot: testRobot, contacts: contacts, width: 60, md: m.md, st: m.st})
		want := 1
		if msg.Type == dingtalk.TypeMarkdown {
			want = 2
		}
		if strings.Count(r.content, m.st.Preview.Mention.Render("@Alicia Keys")) != want+1 { // and "notifies"
			t.Errorf("%s: @Alicia Keys not highlighted whole:\n%q", msg.Type, r.content)
		}
		if !strings.Contains(ansi.Strip(r.content), "hi there @Alicia Keys and @Alicia") {
			t.Errorf("%s: text changed:\n%s", msg.Type, ansi.Strip(r.content))
		}
	}
	if got := highlightLine(m.st.Preview.Mention, "x @Alice y @Al", []string{"@Al"}); strings.Contains(got, m.st.Preview.Mention.Render("@Al")+"ice") {
		t.Errorf("@Al highlighted inside @Alice: %q", got)
	}
}

// A link card cannot mention anyone: its note does not send the user to ctrl+a.
func TestUnmentionedNoteFitsTheType(t *testing.T) {
	link := renderFor(t, dingtalk.NewLink("T", "ping @13800000000", "https://e.com", ""), testRobot, 60)
	md := renderFor(t, dingtalk.NewMarkdown("T", "ping @13800000000"), testRobot, 60)
	find := func(r renderResult) string {
		for _, n := range r.notes {
			if strings.Contains(n.text, "@13800000000 (Alice)") {
				return n.text
			}
		}
		return ""
	}
	if got := find(link); got == "" || strings.Contains(got, "ctrl+a") || !strings.Contains(got, "link cards cannot notify anyone") {
		t.Errorf("link card note %q", got)
	}
	if got := find(md); !strings.Contains(got, "ctrl+a to pick them") {
		t.Errorf("markdown note %q", got)
	}
}

// DingTalk shows neither "##" before headings nor names for @mobile in the chat-list title.
func TestHeadingsWithoutMarkersAndTitleAsTyped(t *testing.T) {
	msg := dingtalk.NewMarkdown("For @13800000000", "## Done\n\n### Next\n\nhi @13800000000")
	msg.At = &dingtalk.At{AtMobiles: []string{"13800000000"}}
	out := ansi.Strip(renderFor(t, msg, testRobot, 60).content)
	if strings.Contains(out, "#") {
		t.Errorf("heading markers shown:\n%s", out)
	}
	for _, want := range []string{"│ Done ", "│ Next ", "hi @Alice", "◆ ops: For @13800000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	m, err := New(Options{Robots: []dingtalk.Robot{testRobot}, GlamourStyle: "notty"})
	if err != nil {
		t.Fatal(err)
	}
	if m.md.config.H2.Prefix != "## " {
		t.Errorf("the plain style keeps its markers: %q", m.md.config.H2.Prefix)
	}
}

// <font color=…> text is drawn in its colour, as DingTalk does; not where it would not show,
// and never without colour.
func TestFontColourInThePreview(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	md := dingtalk.NewMarkdown("T", "a <font color=#ff0000>red words</font> b <font color='#00f'>blue</font>\n\n"+
		"- <font color=black>black</font> and red words\n\n<font color=green>**bold**</font>")
	render := func(opts Options) string {
		m, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		return renderPreview(renderRequest{msg: md, robot: testRobot, width: 60, md: m.md, st: m.st}).content
	}
	out := render(Options{Robots: []dingtalk.Robot{testRobot}, Dark: true})
	red := lipgloss.NewStyle().Foreground(lipgloss.Color("#ff0000")).Render("red words")
	if strings.Count(out, red) != 1 {
		t.Errorf("red words coloured %d times, want once:\n%q", strings.Count(out, red), out)
	}
	if !strings.Contains(out, lipgloss.NewStyle().Foreground(lipgloss.Color("#0000ff")).Render("blue")) {
		t.Errorf("#00f not coloured:\n%q", out)
	}
	if strings.Contains(out, lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")).Render("black")) {
		t.Errorf("black drawn on a dark background:\n%q", out)
	}
	if !strings.Contains(ansi.Strip(out), "a red words b blue") || !strings.Contains(ansi.Strip(out), "bold") {
		t.Errorf("text changed:\n%s", ansi.Strip(out))
	}
	plain := render(Options{Robots: []dingtalk.Robot{testRobot}, Dark: true, NoColor: true})
	if strings.Contains(plain, "38;2;255;0;0") {
		t.Errorf("colour without colour:\n%q", plain)
	}
}
