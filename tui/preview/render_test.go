package preview

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
)

var testContacts = dingtalk.Contacts{
	{Name: "Alice", Mobile: "13800000000"},
	{Name: "Bob", Mobile: "13900000000", UserID: "bob01"},
	{Name: "Carol", UserID: "carol"},
}

// testRobot is a robot that is never called.
var testRobot = dingtalk.Robot{Name: "ops", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=tok123456"}

func TestMain(m *testing.M) {
	// Plain text, whatever the terminal running the tests.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	os.Exit(m.Run())
}

// looks are the styles and the markdown style the composer picks for these options (a dark or
// light style name sets the screen's background too).
type looks struct {
	md markdownStyle
	st *styles.Styles
}

func looksFor(t testing.TB, opts MarkdownOptions) looks {
	t.Helper()
	md, err := NewMarkdown(opts, lipgloss.ColorProfile())
	if err != nil {
		t.Fatal(err)
	}
	st := styles.New(opts.DarkScreen, opts.NoColor)
	return looks{md: md, st: &st}
}

func renderFor(t *testing.T, msg dingtalk.Message, robot dingtalk.Robot, width int) renderResult {
	t.Helper()
	m := looksFor(t, MarkdownOptions{GlamourStyle: "dark", DarkScreen: true})
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

// Text and markdown wrap, anywhere if they must, and lose nothing.
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
		// Button labels and a feed card's titles are cut as DingTalk cuts them, with "…": see
		// TestPreviewButtonsAreCutNotWrapped and TestPreviewCardsKeepProportions.
		"actionCard": {dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: long, SingleTitle: "打开" + cjk, SingleURL: "https://e.com"}),
			[]string{long}},
		"link": {dingtalk.NewLink("T", "short", url, ""), []string{url}},
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

// "@Alicia Keys" is highlighted whole, in markdown (glamour styles word by word) and in text.
func TestMultiWordMentionHighlightedWhole(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	contacts := dingtalk.Contacts{{Name: "Alicia Keys", Mobile: "13700000000"}, {Name: "Alicia", Mobile: "13600000000"}}
	m := looksFor(t, MarkdownOptions{Dark: true, DarkScreen: true})
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

// A link card cannot mention anyone: its note does not send the user to the picker.
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
	if got := find(md); !strings.Contains(got, "type @ and pick Alice") || strings.Contains(got, "ctrl+a") {
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
	m := looksFor(t, MarkdownOptions{GlamourStyle: "notty"})
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
	render := func(opts MarkdownOptions) string {
		m := looksFor(t, opts)
		return renderPreview(renderRequest{msg: md, robot: testRobot, width: 60, md: m.md, st: m.st}).content
	}
	out := render(MarkdownOptions{Dark: true, DarkScreen: true})
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
	plain := render(MarkdownOptions{Dark: true, DarkScreen: true, NoColor: true})
	if strings.Contains(plain, "38;2;255;0;0") {
		t.Errorf("colour without colour:\n%q", plain)
	}
}

// A style file's document margin is dropped: the preview pane is narrow.
func TestStyleFileLosesItsMargin(t *testing.T) {
	style := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(style, []byte(`{"document":{"margin":4},"strong":{"bold":true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m := looksFor(t, MarkdownOptions{GlamourStyle: style})
	if *m.md.config.Document.Margin != 0 {
		t.Error("document margin kept")
	}
}
