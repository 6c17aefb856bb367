package dingtalk

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// lintCase is a markdown text and the warnings LintMarkdown must give for it, each as
// "LINE: substring", in order. A case with no want must give no warning at all.
type lintCase struct {
	text string
	want []string
}

// lintRules is one row per rule of ../shared/dingtalk-robot-api.md ("Markdown that DingTalk
// renders", Mentions, Images, Links): texts where the rule fires, and look-alikes where it
// must not (they may still get other rules' warnings, listed in want).
var lintRules = []struct {
	rule  string
	fires []lintCase
	quiet []lintCase
}{
	{
		rule: "documented markdown is clean",
		quiet: []lintCase{
			{text: "# Title\n\n## Sub\n\n###### six\n\n**bold** and *italic*\n\n- a\n- b\n\n1. one\n2. two\n\n> quote\n\n[link](https://a.example) ![](https://a.example/p.png)"},
			{text: ""},
		},
	},
	{
		rule: "fenced code blocks are PC only",
		fires: []lintCase{
			{text: "text\n\n```go\nx := 1\n<div>\n```\n", want: []string{"3: code blocks render only on DingTalk for PC; phones show the raw text"}},
			{text: "~~~\nx\n~~~", want: []string{"1: code blocks render only on DingTalk for PC"}},
			{text: "text\n\n```\n```\n\nmore\n\n```\n```", want: []string{"3: code blocks render only on DingTalk for PC; phones show the raw text (also line 8)"}},
			{text: "- item\n\n  ```\n  x\n  ```", want: []string{"3: code blocks"}},
		},
		quiet: []lintCase{
			{text: "inline `code` is fine"},
			{text: "three ``` backticks inside a line"},
		},
	},
	{
		rule: "indented code blocks are PC only",
		fires: []lintCase{
			{text: "para\n\n    indented code\n    more", want: []string{"3: text indented by 4 spaces is a code block: it renders only on DingTalk for PC and phones show the raw text; remove the indent unless you mean code"}},
			{text: "\tafter a tab", want: []string{"1: text indented by 4 spaces is a code block"}},
		},
		quiet: []lintCase{
			{text: "para  \n    continued, not code"},
			{text: "- item\n\n    more of the item"},
		},
	},
	{
		rule: "tables are PC only, with or without outer pipes",
		fires: []lintCase{
			{text: "| a | b |\n|---|:-:|\n| 1 | 2 |", want: []string{"1: tables render only on DingTalk for PC; phones in organisations without the new renderer show the raw text"}},
			{text: "intro\n\na | b\n--|--\n1 | 2", want: []string{"3: tables render only on DingTalk for PC"}},
			{text: "> | a |\n> |---|", want: []string{"1: tables"}},
		},
		quiet: []lintCase{
			{text: "a | b | c  \nno delimiter row"},
			{text: "a | b\n---", want: nil}, // one delimiter cell for two header cells: a setext heading
			{text: "`| a |`"},
			{text: "```\n| a | b |\n|---|---|\n```", want: []string{"1: code blocks"}},
		},
	},
	{
		rule: "HTML other than <font> shows blank on phones",
		fires: []lintCase{
			{text: "hi <div>x</div> <span>y</span> <div>z</div>", want: []string{"1: HTML <div>, <span> render on PC but show blank on phones; only <font color=…> is safe"}},
			{text: "text\n\n<div>\nblock\n</div>", want: []string{"3: HTML <div> renders on PC but shows blank on phones; only <font color=…> is safe"}},
			{text: "a<br>\nb", want: []string{"1: HTML <br> renders on PC"}},
			{text: "<details>\n<summary>s</summary>\n\n<div>x</div>\n</details>", want: []string{"1: HTML <details>, <summary>, <div> render on PC"}},
			{text: "a\n\n<div>x</div>\n\n<p>y</p>", want: []string{"3: HTML <div>, <p> render on PC but show blank on phones; only <font color=…> is safe (also line 5)"}},
		},
		quiet: []lintCase{
			{text: "<font color=#ff0000>red</font> and <FONT COLOR=blue>blue</FONT>"},
			{text: "<font color=#ff0000>\nred\n</font>"},
			{text: "use `<div>` here"},
			{text: "```\n<div>\n```", want: []string{"1: code blocks"}},
			{text: "see <https://a.example> and a < b > c"},
			{text: "<!-- a comment -->"},
		},
	},
	{
		rule: "strikethrough is not documented",
		fires: []lintCase{
			{text: "~~old~~ new", want: []string{"1: strikethrough (~~text~~) is not documented by DingTalk and shows differently on PC and phones"}},
			{text: "a\n\nb ~~c~~ ~~d~~", want: []string{"3: strikethrough"}},
		},
		quiet: []lintCase{
			{text: "open 9:00~18:00, lunch 12~13"},
			{text: "`~~x~~` and ~~ spaced ~~"},
		},
	},
	{
		rule: "a single line break shows as a space",
		fires: []lintCase{
			{text: "line one\nline two\nline three", want: []string{"1: single line break is shown as a space: end the line with two spaces or leave a blank line (also line 2)"}},
			{text: "> quoted\n> on two lines", want: []string{"1: single line break"}},
			{text: "- item\n  continued", want: []string{"1: single line break"}},
			{text: "**bold**\nnext", want: []string{"1: single line break"}},
			{text: "windows\r\nline", want: []string{"1: single line break"}},
		},
		quiet: []lintCase{
			{text: "line one  \nline two"},
			{text: "windows  \r\nline"},
			{text: "para\n\nnext"},
			{text: "Title\n===\n\ntext"},
			{text: "Title\n---\n\ntext"},
			{text: "# Title\ntext"},
			{text: "text\n- item\n- item"},
		},
	},
	{
		rule: "a backslash line break is not documented",
		fires: []lintCase{
			{text: "a\\\nb", want: []string{"1: a backslash at the end of a line is not a documented DingTalk line break: end the line with two spaces instead"}},
		},
		quiet: []lintCase{
			{text: `path C:\dir\ and more`},
		},
	},
	{
		rule: "headings deeper than ###### are text",
		fires: []lintCase{
			{text: "####### seven", want: []string{"1: ####### is not a heading (DingTalk has # to ######): it shows as text"}},
			{text: "intro\n\n######## eight", want: []string{"3: ####### is not a heading"}},
			{text: "- a\n- ####### b", want: []string{"2: ####### is not a heading"}},
		},
		quiet: []lintCase{
			{text: "###### six"},
			{text: "`####### code`"},
			{text: "#hashtag"},
		},
	},
	{
		rule: "images need a public http(s) URL or @media_id",
		fires: []lintCase{
			{text: "![](./a.png)", want: []string{`1: image "./a.png" cannot show: DingTalk needs a public http(s) URL (or an @media_id from the media upload API)`}},
			{text: "text\n![chart](http://192.168.1.5/a.png)", want: []string{`2: image "http://192.168.1.5/a.png" cannot show`, "1: single line break"}},
			{text: "![](http://localhost:8080/a.png) ![](file:///tmp/a.png)", want: []string{`1: image "http://localhost:8080/a.png" cannot show`}},
			{text: "![](data:image/png;base64,AAAA)\n\n![](http://fileserver/a.png)", want: []string{`1: image "data:image/png;base64,AAAA" cannot show: DingTalk needs a public http(s) URL (or an @media_id from the media upload API) (also line 3)`}},
		},
		quiet: []lintCase{
			{text: "![](https://cdn.example.com/a.png) ![x](http://8.8.8.8/a.png)"},
			{text: "![](@lADPDgQ9qnh)"},
			{text: "`![](./a.png)`"},
		},
	},
	{
		rule: "links need http(s) or dingtalk://",
		fires: []lintCase{
			{text: "see [docs](./docs/x.md)", want: []string{`1: link "./docs/x.md" is not an http(s) or dingtalk:// URL: DingTalk cannot open it`}},
			{text: "[f](ftp://a.example/f)\n\n[m](mailto:a@b.example)", want: []string{`1: link "ftp://a.example/f" is not an http(s) or dingtalk:// URL: DingTalk cannot open it (also line 3)`}},
			{text: "[nothing]()", want: []string{`1: link "" is not an http(s)`}},
			{text: "a\n\n<ftp://a.example/f> [ref]\n\n[ref]: ./local", want: []string{`3: link "ftp://a.example/f" is not an http(s)`}},
		},
		quiet: []lintCase{
			{text: "[a](https://a.example) [b](HTTP://a.example) [c](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fa.example&pc_slide=true) [d](dtmd://dingtalkclient/sendMessage?content=hi)"},
			{text: "[x] is not a link, nor is `[y](./z)`"},
			{text: "<https://a.example> and <bob@a.example>"},
		},
	},
	{
		rule: "a dingtalk:// link needs its url= encoded",
		fires: []lintCase{
			{text: "[open](dingtalk://dingtalkclient/page/link?url=https://a.example/x&pc_slide=true)", want: []string{"1: the url= of a dingtalk:// link must be URL-encoded (https%3A%2F%2F…)"}},
		},
		quiet: []lintCase{
			{text: "[open](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fa.example%2Fx&pc_slide=false)"},
		},
	},
	{
		rule: "@mentions in markdown are not highlighted on phones",
		fires: []lintCase{
			{text: "deploy done\n\n@13800000000 @user123", want: []string{"3: @mentions in markdown notify but are not highlighted or tappable on phones: use a text message if the mention must stand out"}},
			{text: "请@manager01 看一下", want: []string{"1: @mentions in markdown"}},
			{text: "**@+852-12345678** and @all", want: []string{"1: @mentions in markdown"}},
		},
		quiet: []lintCase{
			{text: "mail bob@example.com"},
			{text: "`@13800000000` and meet @ 5pm"},
			{text: "[docs](https://a.example/@user)"},
		},
	},
}

func TestLintMarkdownRules(t *testing.T) {
	for _, r := range lintRules {
		if r.rule != "documented markdown is clean" && (len(r.fires) == 0 || len(r.quiet) == 0) {
			t.Errorf("rule %q needs a case that fires and a look-alike that does not", r.rule)
		}
		for i, c := range r.fires {
			t.Run(fmt.Sprintf("%s/fires/%d", r.rule, i), func(t *testing.T) { checkLint(t, c) })
		}
		for i, c := range r.quiet {
			t.Run(fmt.Sprintf("%s/look-alike/%d", r.rule, i), func(t *testing.T) { checkLint(t, c) })
		}
	}
}

func checkLint(t *testing.T, c lintCase) {
	t.Helper()
	got := LintMarkdown(c.text)
	want := append([]string(nil), c.want...)
	sortWant(want)
	if len(got) != len(want) {
		t.Fatalf("LintMarkdown(%q) = %q, want %q", c.text, got, want)
	}
	for i, w := range want {
		line, sub, _ := strings.Cut(w, ": ")
		if fmt.Sprint(got[i].Line) != line || !strings.Contains(got[i].Message, sub) {
			t.Errorf("LintMarkdown(%q)[%d] = %q, want line %s and %q", c.text, i, got[i], line, sub)
		}
	}
}

// sortWant orders wanted warnings by line, as LintMarkdown gives them (the table lists them
// in any order that reads well).
func sortWant(ws []string) {
	line := func(w string) int {
		var n int
		fmt.Sscanf(w, "%d:", &n)
		return n
	}
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && line(ws[j]) < line(ws[j-1]); j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

// TestLintMarkdownGroupsRepeats: a construct repeated all over a long text is one warning
// naming a few of its lines, not one warning per line.
func TestLintMarkdownGroupsRepeats(t *testing.T) {
	text := strings.Repeat("one\ntwo\n\n", 30) + strings.Repeat("<div>x</div>\n\n", 30)
	got := LintMarkdown(text)
	if len(got) != 2 {
		t.Fatalf("want one soft-break and one HTML warning, got %d: %q", len(got), got)
	}
	if got[0].Line != 1 || !strings.Contains(got[0].Message, "(also lines 4, 7, 10, 13, 16, 19, 22, 25, 28, and 20 more)") {
		t.Errorf("soft breaks: %q", got[0])
	}
	if got[1].Line != 91 || !strings.Contains(got[1].Message, "HTML <div> renders") || len(got[1].Message) > 200 {
		t.Errorf("HTML: %q", got[1])
	}
}

// TestPrepareLintsMarkdownAndActionCards is the finding where users meet it: Prepare (behind
// dingbot send, the composer's notes and MCP results) warns about an indented code block, and
// neither about a setext heading nor about a table without outer pipes as anything but a table.
func TestPrepareLintsMarkdownAndActionCards(t *testing.T) {
	text := "Weekly\n===\n\nstatus | owner\n--- | ---\nok | ann\n\n    kubectl get pods\n"
	r := Robot{Name: "ops", Webhook: "tok"}
	for _, m := range []Message{NewMarkdown("T", text), NewActionCard(ActionCard{Title: "T", Text: text, SingleTitle: "Open", SingleURL: "https://a.example"})} {
		p, err := Prepare(r, m, PrepareOptions{})
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		field := "markdown.text"
		if m.Type == TypeActionCard {
			field = "actionCard.text"
		}
		var got []string
		for _, w := range p.Warnings {
			got = append(got, w.String())
		}
		want := []string{
			field + ": line 4: tables render only on DingTalk for PC; phones in organisations without the new renderer show the raw text",
			field + ": line 8: text indented by 4 spaces is a code block: it renders only on DingTalk for PC and phones show the raw text; remove the indent unless you mean code",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s warnings:\n%s\nwant:\n%s", m.Type, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestPrepareMentionNoteOnce: a markdown mention is noted once, next to Prepare's own note about
// the @handle it added, and a text message gets no such note.
func TestPrepareMentionNoteOnce(t *testing.T) {
	r := Robot{Name: "ops", Webhook: "tok"}
	m := NewMarkdown("T", "deploy done")
	m.At = &At{AtMobiles: []string{"13800000000"}}
	p, err := Prepare(r, m, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.String())
	}
	want := "markdown.text: line 3: @mentions in markdown notify but are not highlighted or tappable on phones: use a text message if the mention must stand out\n" +
		"at: added @13800000000 to the text: DingTalk notifies only people whose @ appears in it"
	if strings.Join(got, "\n") != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	tm := NewText("deploy done")
	tm.At = m.At
	if p, err := Prepare(r, tm, PrepareOptions{}); err != nil || len(p.Warnings) != 1 || p.Warnings[0].Field != "at" {
		t.Errorf("text message warnings %v, %v", p.Warnings, err)
	}
}

func TestLintMarkdownConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := LintMarkdown("a | b\n--|--\n\n    code\n\nx\ny"); len(got) != 3 {
					t.Errorf("got %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzLintMarkdown: any text lints without panicking, and every line named is in the text.
func FuzzLintMarkdown(f *testing.F) {
	for _, r := range lintRules {
		for _, c := range append(append([]lintCase{}, r.fires...), r.quiet...) {
			f.Add(c.text)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Count(text, "\n") + 1
		for _, w := range LintMarkdown(text) {
			if w.Line < 1 || w.Line > lines {
				t.Fatalf("LintMarkdown(%q): %q names line %d of %d", text, w, w.Line, lines)
			}
		}
	})
}

func BenchmarkLintMarkdown20KB(b *testing.B) {
	text := strings.Repeat("## Heading\n\nSome **bold** text with a [link](https://a.example).\n- item\n", 250)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		LintMarkdown(text)
	}
}

// BenchmarkLintMarkdown20KBEveryRule lints 20 KB where every rule fires many times.
func BenchmarkLintMarkdown20KBEveryRule(b *testing.B) {
	var s strings.Builder
	for _, r := range lintRules {
		for _, c := range r.fires {
			s.WriteString(c.text + "\n\n")
		}
	}
	unit := s.String()
	text := strings.Repeat(unit, 20000/len(unit)+1)[:20000]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		LintMarkdown(text)
	}
}
