package dingtalk

import (
	"strings"
	"testing"
)

// Every row's warning says what its columns say, and only rows where PC and phones differ warn:
// the lint's words cannot drift from the table the previews follow.
func TestRenderRulesWarningsAgree(t *testing.T) {
	words := map[Rendering]string{RawText: "raw text", Blank: "blank", Unhighlighted: "not highlighted", Undocumented: "not documented"}
	rules := RenderRules()
	if len(rules) != int(numConstructs) {
		t.Fatalf("%d rows for %d constructs", len(rules), numConstructs)
	}
	for i, r := range rules {
		if r.Construct != Construct(i) || RuleOf(r.Construct).Name != r.Name {
			t.Errorf("row %d is construct %d", i, r.Construct)
		}
		if r.PC == NotStated || r.Phone == NotStated {
			t.Errorf("%s: PC and phone must both be stated", r.Name)
		}
		if !r.Differs() {
			if r.Warning != "" {
				t.Errorf("%s: shown alike on PC and phones, yet warns %q", r.Name, r.Warning)
			}
			continue
		}
		if r.Warning == "" {
			t.Errorf("%s: shown differently (PC %s, phone %s) but no warning", r.Name, r.PC, r.Phone)
			continue
		}
		for _, w := range []string{r.Warning, r.Warnings} {
			if w == "" {
				continue
			}
			if want := words[r.Phone]; !strings.Contains(w, want) {
				t.Errorf("%s: phones show it %s but the warning does not say %q: %q", r.Name, r.Phone, want, w)
			}
			if r.PC == Rendered && !strings.Contains(w, "PC") && r.Phone != Unhighlighted {
				t.Errorf("%s: PC renders it but the warning does not say so: %q", r.Name, w)
			}
			if r.PhoneNew != NotStated && !strings.Contains(w, "new renderer") {
				t.Errorf("%s: the new renderer differs but the warning does not say so: %q", r.Name, w)
			}
		}
	}
	if got := RuleOf(ConstructTable).OnPhone(true); got != Rendered {
		t.Errorf("tables on a phone with the new renderer: %s", got)
	}
	if got := RuleOf(ConstructFencedCode).OnPhone(true); got != RawText {
		t.Errorf("code on a phone with the new renderer (not stated: as without it): %s", got)
	}
}

// The lint's warnings are the table's.
func TestLintWordsAreTheTables(t *testing.T) {
	cases := map[string]Construct{
		"| a | b |\n|---|---|\n| 1 | 2 |": ConstructTable,
		"```\nx\n```":                     ConstructFencedCode,
		"para\n\n    code":                ConstructIndentedCode,
		"~~old~~ new":                     ConstructStrike,
		"hi @13800000000":                 ConstructMention,
	}
	for md, c := range cases {
		ws := LintMarkdown(md)
		if len(ws) == 0 || !strings.HasPrefix(ws[0].Message, RuleOf(c).Warning) {
			t.Errorf("LintMarkdown(%q) = %v, want the table's %q", md, ws, RuleOf(c).Warning)
		}
	}
	if ws := LintMarkdown("a <div>x</div>"); len(ws) != 1 || ws[0].Message != strings.Replace(RuleOf(ConstructHTML).Warning, "%s", "<div>", 1) {
		t.Errorf("HTML: %v", ws)
	}
}

func TestFindDiffering(t *testing.T) {
	type span struct {
		c    Construct
		text string
	}
	cases := []struct {
		md   string
		want []span
	}{
		{"intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter", []span{{ConstructTable, "| a | b |\n|---|---|\n| 1 | 2 |"}}},
		{"| a |\n|---|", []span{{ConstructTable, "| a |\n|---|"}}},
		{"> | a |\n> |---|\n> | 1 |", []span{{ConstructTable, "> | a |\n> |---|\n> | 1 |"}}},
		{"x\n\n```go\nfmt.Println(1)\n\nmore\n```\ny", []span{{ConstructFencedCode, "```go\nfmt.Println(1)\n\nmore\n```"}}},
		{"```\nnever closed\n", []span{{ConstructFencedCode, "```\nnever closed"}}},
		{"```\n```", []span{{ConstructFencedCode, "```\n```"}}},
		{"para\n\n    code\n    more\n\nend", []span{{ConstructIndentedCode, "    code\n    more"}}},
		{"a <span>y</span> b <br> c <font color=red>r</font>", []span{{ConstructHTML, "<span>y</span>"}, {ConstructHTML, "<br>"}}},
		{"text\n\n<div>\nblock\n</div>\n\nend", []span{{ConstructHTML, "<div>\nblock\n</div>"}}},
		{"`<div>` stays\n\n```\n<p>\n```", []span{{ConstructFencedCode, "```\n<p>\n```"}}},
		{"**bold** [l](https://a.example) ![](https://a.example/p.png) @13800000000 ~~s~~", nil},
	}
	for _, c := range cases {
		got := FindDiffering(c.md)
		var spans []span
		for _, f := range got {
			spans = append(spans, span{f.Construct, c.md[f.Start:f.End]})
		}
		if len(spans) != len(c.want) {
			t.Errorf("FindDiffering(%q) = %q, want %q", c.md, spans, c.want)
			continue
		}
		for i := range spans {
			if spans[i] != c.want[i] {
				t.Errorf("FindDiffering(%q)[%d] = %q, want %q", c.md, i, spans[i], c.want[i])
			}
		}
	}
}
