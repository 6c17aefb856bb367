package tui

import (
	"math/rand/v2"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestRandomKeysNeverPanic presses thousands of random keys, from every state the keys reach,
// with a few resizes thrown in, and draws the screen after each: nothing may panic. Sends fail
// at once (the test client refuses anything but loopback), so failures are exercised too.
func TestRandomKeysNeverPanic(t *testing.T) {
	keys := []string{"tab", "shift+tab", "enter", "esc", "backspace", "up", "down", "left", "right",
		"pgup", "pgdown", "home", "end", "delete", " ",
		"ctrl+a", "ctrl+e", "ctrl+g", "ctrl+l", "ctrl+n", "ctrl+p", "ctrl+r", "ctrl+s", "ctrl+t", "ctrl+x", "ctrl+q",
		"ctrl+z", "ctrl+y", "ctrl+k", "ctrl+u", "ctrl+w", "alt+t", "alt+m", "alt+p", "alt+n", "alt+k", "alt+s", "f2", "f5",
		"a", "@", "#", "y", "n", "1", "?", "钉", "\n"}
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed*7919))
		d := newDriver(t, testOptions(t), 100, 30)
		for i := range 1500 {
			k := keys[rng.IntN(len(keys))]
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("seed %d step %d key %q: panic: %v", seed, i, k, r)
					}
				}()
				switch {
				case rng.IntN(100) == 0:
					d.send(tea.WindowSizeMsg{Width: 20 + rng.IntN(140), Height: 5 + rng.IntN(50)})
				case k == "\n":
					d.send(tea.KeyMsg{Type: tea.KeyEnter})
				default:
					d.send(keyMsg(k))
				}
				_ = d.m.View()
			}()
		}
	}
}
