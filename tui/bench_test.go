package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/internal/profiletest"
	"github.com/dingbot/dingbot/tui/preview"
)

// BenchmarkKeystroke is one typed rune, Update and View, with a 20 000-byte markdown body, on
// each colour profile.
func BenchmarkKeystroke(b *testing.B) {
	for _, p := range benchProfiles {
		b.Run(p.Name(), func(b *testing.B) {
			withProfile(b, p)
			opts := Options{Robots: []dingtalk.Robot{testRobot}, Contacts: testContacts, Dark: true, GlamourStyle: "dark"}
			d := newDriver(b, opts, 120, 40)
			d.m.form.SetTitle("Deploy report")
			d.m.form.SetBody(markdownOf(20000 - 60))
			d.send(preview.TickMsg(d.m.preview.Seq()))
			var m tea.Model = d.m
			key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, _ = m.Update(key)
				_ = m.View()
			}
		})
	}
}

// The shared helpers of tui/internal/profiletest, under the names this package's tests use.
var (
	markdownOf    = profiletest.Markdown
	benchProfiles = profiletest.Profiles
	withProfile   = profiletest.With
)
