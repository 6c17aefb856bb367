package dingtalk

import (
	"strings"
	"testing"
)

func TestLintMarkdown(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // substrings, one per expected warning, in order
	}{
		{"clean", "# Title\n\n**bold** and *it*\n\n- a\n- b\n\n1. one\n2. two\n\n> quote\n\n<font color=#ff0000>red</font>", nil},
		{"two spaces break", "line one  \nline two", nil},
		{"soft break", "line one\nline two\nline three", []string{"lines 1, 2"}},
		{"table", "| a | b |\n|---|:-:|\n| 1 | 2 |", []string{"tables render only"}},
		{"code block", "text\n\n```go\nx := 1\n<div>\n```\n", []string{"code blocks"}},
		{"html", "hi <div>x</div> <span>y</span> <div>z</div>", []string{"<div>", "<span>"}},
		{"html in inline code ignored", "use `<div>` here", nil},
		{"strike", "~~old~~ new", []string{"strikethrough"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LintMarkdown(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings = %v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].String(), w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func BenchmarkLintMarkdown20KB(b *testing.B) {
	text := strings.Repeat("## Heading\n\nSome **bold** text with a [link](https://a.example).\n- item\n", 250)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		LintMarkdown(text)
	}
}
