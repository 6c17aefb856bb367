package tui

import (
	"bytes"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestSecretsNeverReachScreenOrState sends once successfully and once with a wrong secret,
// opens the payload view, and then proves that neither the token nor the secret nor a
// signature is on the screen or in any file under the state directory (draft, history).
func TestSecretsNeverReachScreenOrState(t *testing.T) {
	const (
		token  = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2"
		secret = "SECf0e1d2c3b4a5968778695a4b3c2d1e0f0e1d2c3b4a5968778695a4b3c2d1e0"
	)
	srv := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token, Secret: secret}}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	opts := testOptions(t)
	good := dingtalk.Robot{Name: "ops", Webhook: sandbox.WebhookURL(ts.URL, token), Secret: secret, AllowCustomHost: true}
	bad := good
	bad.Name, bad.Secret = "stale", secret[:len(secret)-1]+"x"
	opts.Robots, opts.DefaultRobot = []dingtalk.Robot{good, bad}, "ops"
	opts.Client = loopbackOnly()

	tm := program(t, opts, nil, 120, 40)
	tm.Type("Deploy 42")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("all green")
	tm.Send(keyMsg("alt+p"))
	waitFor(t, tm, "REDACTED")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "Send this")
	tm.Type("y")
	waitFor(t, tm, "sent to ops")

	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlR})
	waitFor(t, tm, "stale")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "Send this")
	tm.Type("y")
	waitFor(t, tm, "310000")
	time.Sleep(700 * time.Millisecond) // let the debounced draft save run
	finalScreen(t, tm)

	screen, _ := io.ReadAll(tm.FinalOutput(t))
	check := func(where string, b []byte) {
		t.Helper()
		for _, s := range []string{token, secret, secret[3:]} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret", where)
			}
		}
		if i := bytes.Index(b, []byte("sign=")); i >= 0 && !bytes.HasPrefix(b[i:], []byte("sign=REDACTED")) {
			t.Errorf("%s holds a signature", where)
		}
	}
	check("the screen", screen)
	files := 0
	filepath.Walk(opts.StateDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		check(path, b)
		return nil
	})
	if files == 0 {
		t.Fatal("nothing was saved under the state directory")
	}
	if h, err := os.ReadFile(filepath.Join(opts.StateDir, "history.jsonl")); err != nil || !strings.Contains(string(h), `"ops"`) {
		t.Fatalf("history should name the robot: %q %v", h, err)
	}
}
