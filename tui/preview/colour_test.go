package preview

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	gansi "github.com/charmbracelet/glamour/ansi"
	gstyles "github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
)

// screenCell is what a terminal shows in one cell: a character and the look it is drawn with.
type screenCell struct {
	r      string
	fg, bg string
	attrs  uint16
}

const (
	attrBold = 1 << iota
	attrFaint
	attrItalic
	attrUnderline
	attrBlink
	attrReverse
	attrConceal
	attrStrike
	attrOverline
)

// visible is the part of a cell's look that shows: on a blank, only what draws on the
// background does.
func (c screenCell) visible() screenCell {
	if strings.TrimSpace(c.r) != "" {
		return c
	}
	return screenCell{r: " ", bg: c.bg, attrs: c.attrs & (attrUnderline | attrReverse | attrStrike | attrOverline)}
}

// screenOf is what a terminal shows for s, line by line, as it interprets SGR sequences.
// Any other escape sequence fails the test: the preview writes none.
func screenOf(t *testing.T, s string) [][]screenCell {
	t.Helper()
	var out [][]screenCell
	var row []screenCell
	var st screenCell
	for i := 0; i < len(s); {
		switch s[i] {
		case '\x1b':
			n := escapeLen(s[i:])
			seq := s[i : i+n]
			i += n
			if n < 3 || seq[1] != '[' || seq[n-1] != 'm' {
				t.Fatalf("unexpected escape sequence %q", seq)
			}
			st = applySGR(st, seq[2:n-1])
		case '\n':
			out = append(out, row)
			row = nil
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			c := st
			c.r = string(r)
			row = append(row, c.visible())
		}
	}
	return append(out, row)
}

func applySGR(st screenCell, params string) screenCell {
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		n, _ := strconv.Atoi(ps[i])
		switch {
		case n == 0:
			st = screenCell{}
		case n == 1:
			st.attrs |= attrBold
		case n == 2:
			st.attrs |= attrFaint
		case n == 3:
			st.attrs |= attrItalic
		case n == 4:
			st.attrs |= attrUnderline
		case n == 5:
			st.attrs |= attrBlink
		case n == 7:
			st.attrs |= attrReverse
		case n == 8:
			st.attrs |= attrConceal
		case n == 9:
			st.attrs |= attrStrike
		case n == 22:
			st.attrs &^= attrBold | attrFaint
		case n == 23:
			st.attrs &^= attrItalic
		case n == 24:
			st.attrs &^= attrUnderline
		case n == 25:
			st.attrs &^= attrBlink
		case n == 27:
			st.attrs &^= attrReverse
		case n == 28:
			st.attrs &^= attrConceal
		case n == 29:
			st.attrs &^= attrStrike
		case n == 53:
			st.attrs |= attrOverline
		case n == 55:
			st.attrs &^= attrOverline
		case n >= 30 && n <= 37, n >= 90 && n <= 97:
			st.fg = ps[i]
		case n == 39:
			st.fg = ""
		case n >= 40 && n <= 47, n >= 100 && n <= 107:
			st.bg = ps[i]
		case n == 49:
			st.bg = ""
		case n == 38 || n == 48:
			k := 3
			if i+1 < len(ps) && ps[i+1] == "2" {
				k = 5
			}
			c := strings.Join(ps[i:min(len(ps), i+k)], ";")[3:]
			if n == 38 {
				st.fg = c
			} else {
				st.bg = c
			}
			i += k - 1
		}
	}
	return st
}

// sameScreen fails the test where two renders look different on a terminal.
func sameScreen(t *testing.T, what, want, got string) {
	t.Helper()
	ws, gs := screenOf(t, want), screenOf(t, got)
	if len(ws) != len(gs) {
		t.Errorf("%s: %d lines, want %d", what, len(gs), len(ws))
		return
	}
	for i := range ws {
		if fmt.Sprint(ws[i]) != fmt.Sprint(gs[i]) {
			for j := 0; j < max(len(ws[i]), len(gs[i])); j++ {
				var w, g screenCell
				if j < len(ws[i]) {
					w = ws[i][j]
				}
				if j < len(gs[i]) {
					g = gs[i][j]
				}
				if w != g {
					gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
					t.Errorf("%s: line %d cell %d: %+v, want %+v\nline: %q\nwant: %q", what, i, j, g, w, gl[i], wl[i])
					return
				}
			}
		}
	}
}

// everyConstruct is markdown with each construct glamour draws, nested where it can be. Its
// code has no comment: chroma draws the dark style's comment colour (#676767, as far from 241
// as from 242) in either at random, as it picks the nearest colour by walking a map.
const everyConstruct = `# Title one
## Deploy report
### Third
#### Fourth
##### Fifth
###### Sixth

Plain text with **bold**, *italic*, ***both***, ~~struck~~, ` + "`code span`" + `, a [link](https://example.com/a)
and an autolink https://example.com/auto, an <b>inline</b> tag, an image ![logo](https://example.com/l.png)
and a very long word Supercalifragilisticexpialidocious_and_then_some_more_characters_to_wrap.
A hard break follows  
here, 中文的句子也要换行，因为它们很长很长很长很长很长很长很长很长很长很长很长很长很长, and emoji 🎉🎉.

- item one with **bold** text that runs on long enough to wrap onto a second line of the list
- item two
  - nested *item* with ` + "`code`" + `
    1. deep ordered
    2. second deep
- [ ] task open
- [x] task done

3. starts at three
4. four

> a quote with **bold** and a [link](https://example.com/q) that runs long enough to wrap around
> > a nested quote
>
> - a list in a quote
> 1. ordered in a quote

---

` + "```go" + `
func main() {
	fmt.Println("hello", 42)
}
` + "```" + `

` + "```" + `
plain fenced code without a language
` + "```" + `

    indented code block

<div>an html block</div>

***

Last paragraph, with a trailing line.
`

// tableMarkdown has tables as reports hold them: styled cells, a cell long enough to wrap, a
// table without outer pipes, one in a quote and one in a list, one of a single column.
const tableMarkdown = `Before the table.

| Name | Role | Link |
|:-----|:----:|-----:|
| **Alice** | dev | [site](https://example.com/a) |
| Bob | *ops* | ` + "`x`" + ` |
| ~~Carol~~ | ***lead*** of the whole platform team, on call this week | <b>b</b> @13800000000 |

After the table, a paragraph long enough to wrap in a narrow preview.

Service | p99
--- | ---
api-gateway | 120 ms
search | **310 ms**

> | quoted | table |
> |---|---|
> | a | b |

- a list with a table:

  | in | list |
  |----|------|
  | 1  | 2    |

| only |
|------|
| one column |

Last line.
`

// standardStyles are glamour's styles, by the names GLAMOUR_STYLE takes.
var standardStyles = []string{"dark", "light", "dracula", "pink", "tokyo-night", "notty", "ascii"}

// TestFastMarkdownLooksTheSame checks that the preview's glamour rendering (colours converted to
// the profile once, the fast style where there is one) looks on a terminal exactly as glamour's
// own rendering of the standard style looks, for every standard style and colour profile.
func TestFastMarkdownLooksTheSame(t *testing.T) {
	texts := map[string]string{
		"every construct": everyConstruct,
		"table":           tableMarkdown,
		"report":          markdownOf(3000),
		"table report":    tableMarkdownOf(3000),
	}
	for _, name := range append(customStyles(t), standardStyles...) {
		for _, p := range benchProfiles {
			t.Run(filepath.Base(name)+"/"+p.Name(), func(t *testing.T) {
				withProfile(t, p)
				md, err := newMarkdownStyle(MarkdownOptions{Dark: true, DarkScreen: true, GlamourStyle: name}, p)
				if err != nil {
					t.Fatal(err)
				}
				// The style as it was before any of this: the same style, unconverted.
				plain, err := newMarkdownStyle(MarkdownOptions{Dark: true, DarkScreen: true, GlamourStyle: name}, termenv.TrueColor)
				if err != nil {
					t.Fatal(err)
				}
				for what, text := range texts {
					for _, width := range []int{24, 58} {
						want, err := glamourWith(text, width, plain.config, p)
						if err != nil {
							t.Fatal(err)
						}
						got, err := glamourRender(text, width, md)
						if err != nil {
							t.Fatal(err)
						}
						sameScreen(t, fmt.Sprintf("%s at %d", what, width), want, got)
					}
				}
			})
		}
	}
}

// customStyles writes GLAMOUR_STYLE files for what the standard styles do not have: code in a
// chroma theme that leaves text without colour (chroma's "bw"), a document with a bold colour,
// one with a background and one underlined (drawn by the style as it is).
func customStyles(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	yes, bg := true, "236"
	var out []string
	for name, change := range map[string]func(*gansi.StyleConfig){
		"bw-code":    func(c *gansi.StyleConfig) { c.CodeBlock.Chroma, c.CodeBlock.Theme = nil, "bw" },
		"bold":       func(c *gansi.StyleConfig) { c.Document.Bold = &yes },
		"background": func(c *gansi.StyleConfig) { c.Document.BackgroundColor = &bg },
		"underline":  func(c *gansi.StyleConfig) { c.Document.Underline = &yes },
	} {
		c := gstyles.DarkStyleConfig
		change(&c)
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".json")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, file)
	}
	return out
}

// TestFastStyleIsUsed checks that the default styles get the fast style on every colour profile
// that draws colour, tables included, and that a table whose text holds a character of its rules
// (which paint would leave without colour) does not.
func TestFastStyleIsUsed(t *testing.T) {
	for _, name := range []string{"", "dark", "light", "dracula", "tokyo-night"} {
		for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI} {
			md, err := newMarkdownStyle(MarkdownOptions{Dark: name != "light", DarkScreen: name != "light", GlamourStyle: name}, p)
			if err != nil {
				t.Fatal(err)
			}
			if md.fast == nil {
				t.Errorf("style %q on %s: no fast style", name, p.Name())
				continue
			}
			out, err := glamourWith(everyConstruct, 58, md.fast.config, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := md.fast.paint(out); !ok {
				t.Errorf("style %q on %s: the fast render of every construct was refused", name, p.Name())
			}
			if !md.fast.draws(tableMarkdown) {
				t.Errorf("style %q on %s: the fast style does not draw tables", name, p.Name())
			}
			out, err = glamourWith(tableMarkdown, 58, md.fast.config, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := md.fast.paint(out); !ok {
				t.Errorf("style %q on %s: the fast render of tables was refused", name, p.Name())
			}
			ruled := "| a │ b | c |\n|---|---|\n| ─ | ┼ |\n"
			if md.fast.draws(ruled) {
				t.Errorf("style %q on %s: the fast style draws a table holding its rules' characters", name, p.Name())
			}
			if !md.fast.draws("a quote:\n\n> │ drawn by glamour, typed here\n") {
				t.Errorf("style %q on %s: the fast style refuses a rule character outside a table", name, p.Name())
			}
		}
	}
	for _, p := range benchProfiles {
		md, err := newMarkdownStyle(MarkdownOptions{Dark: true, DarkScreen: true, NoColor: true}, p)
		if err != nil {
			t.Fatal(err)
		}
		if md.fast != nil {
			t.Errorf("NO_COLOR on %s has a fast style", p.Name())
		}
	}
}

func TestMayHoldTable(t *testing.T) {
	for text, want := range map[string]bool{
		"| a | b |\n|---|---|\n| 1 | 2 |": true,
		"a | b\n--|--\n1 | 2":             true,
		"> | a |\n> |:-:|":                true,
		"- | a |\n  | - |":                true,
		"plain | pipe\nno delimiter":      false,
		"heading\n---":                    false,
		"- item\n- item":                  false,
	} {
		if got := mayHoldTable(text); got != want {
			t.Errorf("mayHoldTable(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestProfileColour checks that a colour converted once (styles.ProfileColour) is drawn exactly
// as termenv draws the colour itself, for every colour of glamour's standard styles and of
// DingTalk's <font> names, every 256-colour number, and a grid over #rrggbb. The palette's own
// colours are checked in tui/styles.
func TestProfileColour(t *testing.T) {
	colours := map[string]bool{}
	for _, c := range colorNames {
		colours[c] = true
	}
	for _, sc := range gstyles.DefaultStyles {
		forEachColour(*sc, func(c string) { colours[c] = true })
	}
	for i := 0; i < 256; i++ {
		colours[strconv.Itoa(i)] = true
	}
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				colours[fmt.Sprintf("#%02x%02x%02x", r, g, b)] = true
			}
		}
	}
	colours["not a colour"] = true
	for _, p := range benchProfiles {
		for c := range colours {
			conv := styles.ProfileColour(p, c)
			if want, got := sequenceOf(p, c), sequenceOf(p, conv); want != got {
				t.Errorf("%s: %q draws as %q, converted %q as %q", p.Name(), c, want, conv, got)
			}
		}
	}
}

func sequenceOf(p termenv.Profile, c string) string {
	col := p.Color(c)
	if col == nil {
		return "<nil>"
	}
	return col.Sequence(false) + "/" + col.Sequence(true)
}

// forEachColour calls f with each colour of a glamour style, chroma's included.
func forEachColour(sc gansi.StyleConfig, f func(string)) {
	prims := []gansi.StylePrimitive{sc.Document.StylePrimitive, sc.BlockQuote.StylePrimitive, sc.Paragraph.StylePrimitive,
		sc.List.StylePrimitive, sc.Heading.StylePrimitive, sc.H1.StylePrimitive, sc.H2.StylePrimitive, sc.H3.StylePrimitive,
		sc.H4.StylePrimitive, sc.H5.StylePrimitive, sc.H6.StylePrimitive, sc.Text, sc.Strikethrough, sc.Emph, sc.Strong,
		sc.HorizontalRule, sc.Item, sc.Enumeration, sc.Task.StylePrimitive, sc.Link, sc.LinkText, sc.Image, sc.ImageText,
		sc.Code.StylePrimitive, sc.CodeBlock.StylePrimitive, sc.Table.StylePrimitive, sc.HTMLBlock.StylePrimitive, sc.HTMLSpan.StylePrimitive}
	for _, p := range prims {
		for _, c := range []*string{p.Color, p.BackgroundColor} {
			if c != nil {
				f(*c)
			}
		}
	}
}

// TestStyleForProfileLeavesChroma checks that converting a style leaves code colours (chroma
// wants #rrggbb) and glamour's standard styles (shared through pointers) as they were.
func TestStyleForProfileLeavesChroma(t *testing.T) {
	before := *gstyles.DarkStyleConfig.Document.Color
	chroma := *gstyles.DarkStyleConfig.CodeBlock.Chroma.Keyword.Color
	c := styleForProfile(gstyles.DarkStyleConfig, termenv.ANSI)
	if *gstyles.DarkStyleConfig.Document.Color != before {
		t.Errorf("the standard style changed: %q", *gstyles.DarkStyleConfig.Document.Color)
	}
	if *c.Document.Color == before {
		t.Errorf("the document colour %q was not converted", before)
	}
	if *c.CodeBlock.Chroma.Keyword.Color != chroma {
		t.Errorf("a chroma colour was converted: %q, want %q", *c.CodeBlock.Chroma.Keyword.Color, chroma)
	}
}

// TestFastPreviewLooksTheSame checks the whole preview (mentions and <font> colours drawn over
// glamour's text) by the fast style against the style as it is.
func TestFastPreviewLooksTheSame(t *testing.T) {
	text := "## Report for @13800000000\n\nAll checks passed; @13800000000 please review, then <font color=#ff0000>red words</font> and " +
		"<font color=green>green</font> after, **@bob01 in bold** too.\n\n- @13800000000 in a list\n> @carol in a quote\n\n" + markdownOf(2000) +
		"\n\n| who | what |\n|---|---|\n| @13800000000 | <font color=#ff0000>red cell</font> |\n| @carol | **bold** |\n\n" + tableMarkdownOf(1500)
	for _, p := range benchProfiles {
		t.Run(p.Name(), func(t *testing.T) {
			withProfile(t, p)
			req := renderRequestOf(t, "")
			msg := dingtalk.NewMarkdown("Report", text)
			msg.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, AtUserIDs: []string{"bob01", "carol"}}
			req.msg = msg
			got := renderPreview(req).content
			req.md.fast = nil
			want := renderPreview(req).content
			sameScreen(t, "preview", want, got)
			if p != termenv.Ascii && got == want {
				t.Error("the fast style drew the same bytes: is it used?")
			}
		})
	}
}

// TestRestyleKeepsStyleAfterRange checks that text after a highlighted mention keeps the style
// it had: the mention's own reset does not leave it in the terminal's colour.
func TestRestyleKeepsStyleAfterRange(t *testing.T) {
	withProfile(t, termenv.TrueColor)
	line := "\x1b[38;5;252mhi @Alice and more\x1b[0m"
	text, at := visibleText(line)
	mention := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#5CB3FF"))
	got := restyle(line, text, at, []styledRange{{3, 9, mention}})
	s := screenOf(t, got)[0]
	for i, c := range s {
		inMention := i >= 3 && i < 9
		if c.r != " " && !inMention && c.fg != "5;252" {
			t.Errorf("cell %d %q: fg %q, want 5;252 (%q)", i, c.r, c.fg, got)
		}
		if inMention && c.attrs&attrBold == 0 {
			t.Errorf("cell %d %q is not bold (%q)", i, c.r, got)
		}
	}
}
