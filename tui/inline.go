package tui

import (
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// bodyWords is what the inline mention needs of the editor: the word before the body's cursor
// and a way to replace it. The editor provides it when the body has the focus.
type bodyWords interface {
	WordBeforeCursor() (word string, start int)
}

// mentionQuery finds a mention being typed at the end of word (the text before the cursor back to
// the last space): an "@" at a word start, or right after Chinese text or punctuation as DingTalk
// allows ("你好@张"), but not inside a Latin word ("mail@example"). It returns what follows the "@".
func mentionQuery(word string) (query string, ok bool) {
	for i := len(word) - 1; i >= 0; i-- {
		if word[i] != '@' {
			continue
		}
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(word[:i])
			if prev < utf8.RuneSelf && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '_' || prev == '.' || prev == '-' || prev == '@') {
				return "", false
			}
		}
		return word[i+1:], true
	}
	return "", false
}

// inlineMention is called after each typed insert in the body: an "@" at a word start opens the
// mention picker over the body, and what follows it filters the picker.
func (m *Model) inlineMention() tea.Cmd {
	b, ok := any(&m.form).(bodyWords)
	if !ok || !m.form.HasBody() || !m.form.CanMention() {
		return nil
	}
	w, _ := b.WordBeforeCursor()
	if _, ok := mentionQuery(w); !ok {
		return nil
	}
	return nil
}
