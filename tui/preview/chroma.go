package preview

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/lexers"
)

// untaggedLexer is the lexer chroma picks for a code block without a language, registered
// under the alias "" so that glamour finds it at once.
//
// glamour highlights each code block with chroma's quick.Highlight, which looks its language
// up with lexers.Get: a name that is not a lexer's name or alias ("" for a fence without one)
// is matched as a file name against every glob of every lexer, twice, some 5 ms per block.
// A body of a hundred small untagged code blocks took half a second. This lexer does what
// quick.Highlight does after the failed look-up (the lexer Get finds for "", else the one
// Analyse picks for the code, else Fallback), with the look-up done once.
type untaggedLexer struct {
	// got is what lexers.Get("") found before this lexer was registered: nil in chroma as it is.
	got chroma.Lexer
}

var registerUntagged sync.Once

// registerUntaggedLexer registers untaggedLexer once, before the first render.
func registerUntaggedLexer() {
	registerUntagged.Do(func() {
		lexers.Register(&untaggedLexer{got: lexers.Get("")})
	})
}

func (u *untaggedLexer) Config() *chroma.Config {
	return &chroma.Config{Name: "dingbot untagged code", Aliases: []string{""}}
}

// Tokenise tokenises text with the lexer quick.Highlight would pick for it.
func (u *untaggedLexer) Tokenise(options *chroma.TokeniseOptions, text string) (chroma.Iterator, error) {
	l := u.got
	if l == nil {
		l = lexers.Analyse(text)
	}
	if l == nil {
		l = lexers.Fallback
	}
	return chroma.Coalesce(l).Tokenise(options, text)
}

func (u *untaggedLexer) SetRegistry(*chroma.LexerRegistry) chroma.Lexer     { return u }
func (u *untaggedLexer) SetAnalyser(func(text string) float32) chroma.Lexer { return u }

// AnalyseText is 0: Analyse never picks this lexer for code.
func (u *untaggedLexer) AnalyseText(string) float32 { return 0 }

// codeFormatter is the name glamour is given for chroma's formatter: terminal256, glamour's
// own, with the escape sequences of a style's token types worked out once per style.
//
// chroma's terminal256 works them out again for every code block (a nearest-of-256 search for
// each colour of the style), some 0.2 ms a block: 25 ms for a body of a hundred small blocks.
const codeFormatter = "dingbot-terminal256"

func init() {
	formatters.Register(codeFormatter, &cachedTTY{themes: map[*chroma.Style]map[chroma.TokenType]string{}})
}

// cachedTTY writes what chroma's terminal256 writes, with each style's escape sequences kept.
type cachedTTY struct {
	mu     sync.Mutex
	themes map[*chroma.Style]map[chroma.TokenType]string
}

// theme is the escape sequence terminal256 starts each token type of the style with, read
// from what terminal256 writes for one token of each type, each a marker of its own.
func (c *cachedTTY) theme(style *chroma.Style) (map[chroma.TokenType]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.themes[style]; ok {
		return t, nil
	}
	types := style.Types()
	marker := func(i int) string { return "\x01" + strconv.Itoa(i) + "\x02" }
	tokens := make([]chroma.Token, len(types))
	for i, t := range types {
		tokens[i] = chroma.Token{Type: t, Value: marker(i)}
	}
	var b strings.Builder
	if err := formatters.TTY256.Format(&b, style, chroma.Literator(tokens...)); err != nil {
		return nil, err
	}
	out := b.String()
	theme := make(map[chroma.TokenType]string, len(types))
	for i, t := range types {
		k := strings.Index(out, marker(i))
		if k < 0 {
			return nil, fmt.Errorf("chroma's terminal256 left token type %v out", t)
		}
		theme[t] = out[:k]
		out = out[k+len(marker(i)):]
		if theme[t] != "" {
			out = strings.TrimPrefix(out, "\033[0m")
		}
	}
	c.themes[style] = theme
	return theme, nil
}

// Format is terminal256's Format, with the theme kept.
func (c *cachedTTY) Format(w io.Writer, style *chroma.Style, it chroma.Iterator) error {
	theme, err := c.theme(style)
	if err != nil {
		return err
	}
	for token := it(); token != chroma.EOF; token = it() {
		clr, ok := theme[token.Type]
		if !ok {
			clr, ok = theme[token.Type.SubCategory()]
			if !ok {
				clr, ok = theme[token.Type.Category()]
				if !ok {
					clr, ok = theme[chroma.Text]
					if !ok {
						clr = theme[chroma.Background]
					}
				}
			}
		}
		writeToken(w, clr, token.Value)
	}
	return nil
}

// writeToken is chroma's: each line of the text in the formatting, reset at the line's end.
func writeToken(w io.Writer, formatting, text string) {
	if formatting == "" {
		io.WriteString(w, text)
		return
	}
	for text != "" {
		line, rest, nl := text, "", ""
		if k := strings.IndexByte(text, '\n'); k >= 0 {
			line, nl, rest = text[:k], "\n", text[k+1:]
			if strings.HasSuffix(line, "\r") {
				line, nl = line[:len(line)-1], "\r\n"
			}
		}
		io.WriteString(w, formatting)
		io.WriteString(w, line)
		io.WriteString(w, "\033[0m")
		io.WriteString(w, nl)
		text = rest
	}
}
