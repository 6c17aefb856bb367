package preview

import (
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/quick"
	"github.com/alecthomas/chroma/v2/styles"
	gstyles "github.com/charmbracelet/glamour/styles"
	"github.com/muesli/termenv"
)

// TestCodeFormatterWritesWhatTerminal256Writes: the formatter glamour is given writes code as
// chroma's terminal256 does, in every style, for code of several languages. terminal256 breaks
// a tie between two nearest colours (charm's comments: 241 and 242) by map order, so it may
// differ from itself: the colour numbers are compared but for their last digit.
func TestCodeFormatterWritesWhatTerminal256Writes(t *testing.T) {
	codes := map[string]string{
		"go":     "package main\n\nimport \"fmt\"\n\n// main says hi\nfunc main() {\n\tfmt.Println(\"hi\", 42)\r\n}\n",
		"sh":     "kubectl rollout status deploy/search -n prod # wait\necho \"$HOME\" && exit 1\n",
		"json":   "{\"a\": [1, 2.5, true, null], \"b\": \"x\"}\n",
		"python": "def f(x):\n    return x ** 2  # square\n",
	}
	// glamour registers its "charm" style with the first code block it draws in colour.
	if _, err := glamourWith("```go\nx := 1\n```\n", 40, gstyles.DarkStyleConfig, termenv.TrueColor); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"charm", "monokai", "github", "dracula", "swapoff"} {
		style := styles.Get(name)
		if style.Name != name {
			t.Fatalf("no chroma style %s", name)
		}
		for lang, code := range codes {
			var want, got strings.Builder
			tokens, err := chroma.Coalesce(lexers.Get(lang)).Tokenise(nil, code)
			if err != nil {
				t.Fatal(err)
			}
			all := tokens.Tokens()
			if err := formatters.TTY256.Format(&want, style, chroma.Literator(all...)); err != nil {
				t.Fatal(err)
			}
			if err := formatters.Get(codeFormatter).Format(&got, style, chroma.Literator(all...)); err != nil {
				t.Fatal(err)
			}
			if sameButTies(got.String()) != sameButTies(want.String()) {
				t.Errorf("%s in %s (%s):\n got %q\nwant %q", lang, name, style.Name, got.String(), want.String())
			}
		}
	}
}

// sameButTies is s with the last digit of each 256-colour number left out.
func sameButTies(s string) string { return colour256.ReplaceAllString(s, "${1}_") }

var colour256 = regexp.MustCompile(`([34]8;5;\d*)\d`)

// TestUntaggedCodeLexedAsChromaLexesIt: a code block without a language is tokenised by the
// lexer chroma's quick.Highlight picks for it (Analyse, else Fallback), found at once.
func TestUntaggedCodeLexedAsChromaLexesIt(t *testing.T) {
	registerUntaggedLexer()
	for _, code := range []string{
		"fmt.Println(1)\n",
		"#!/bin/bash\necho hi\n",
		"<?xml version=\"1.0\"?>\n<a>b</a>\n",
		"<!DOCTYPE html>\n<html><body>x</body></html>\n",
		"plain words only\n",
	} {
		want := lexers.Analyse(code)
		if want == nil {
			want = lexers.Fallback
		}
		var a, b strings.Builder
		wantIt, err := chroma.Coalesce(want).Tokenise(nil, code)
		if err != nil {
			t.Fatal(err)
		}
		if err := formatters.TTY256.Format(&a, styles.Get("monokai"), wantIt); err != nil {
			t.Fatal(err)
		}
		if err := quick.Highlight(&b, code, "", "terminal256", "monokai"); err != nil {
			t.Fatal(err)
		}
		if sameButTies(a.String()) != sameButTies(b.String()) {
			t.Errorf("untagged %q (%s):\n got %q\nwant %q", code, want.Config().Name, b.String(), a.String())
		}
	}
}
