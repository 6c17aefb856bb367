package tui

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
	"github.com/dingbot/dingbot/tui/store"
)

// draftDriver is the composer at w×h with d as its saved draft, for robot d.Robot.
func draftDriver(t *testing.T, d store.Draft, w, h int) *driver {
	t.Helper()
	opts := testOptions(t)
	d.Version = store.Version
	if err := store.Open(opts.StateDir).Save(1, d); err != nil {
		t.Fatal(err)
	}
	return newDriver(t, opts, w, h)
}

// Every message type, as the composer holds it: the payload view's tabs export exactly the
// body the composer sends and the dingbot send line for the same message, with nothing lost,
// and the JSON is never hard-wrapped.
func TestPayloadTabsExportWhatTheComposerSends(t *testing.T) {
	for _, g := range goldenDrafts {
		t.Run(g.name, func(t *testing.T) {
			dr := g.draft
			dr.Robot = "ops"
			d := draftDriver(t, dr, 80, 30)
			msg := d.m.form.Message()
			d.key("alt+p")
			if d.m.state != statePayload || len(d.m.export.tabs) != 3 {
				t.Fatalf("alt+p: state %v, %d tabs", d.m.state, len(d.m.export.tabs))
			}
			p, err := dingtalk.Prepare(testRobot, msg, dingtalk.PrepareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			jsonTab := d.m.export.tabs[0]
			if jsonTab.Copy != string(p.Body) {
				t.Fatalf("the JSON tab copies\n%s\nthe composer sends\n%s", jsonTab.Copy, p.Body)
			}
			// Each line of the pretty body is on one line of the view, however long.
			for _, l := range strings.Split(string(dingtalk.Indent(p.Body)), "\n") {
				if !strings.Contains(d.m.payloadText, l+"\n") {
					t.Fatalf("the JSON view wraps %q:\n%s", l, d.m.payloadText)
				}
			}
			d.key("3")
			cmd := export.DingbotSend(export.Target{Robot: "ops"}, msg)
			if got := d.m.export.tabs[d.m.export.tab]; got.Copy != cmd.Line || len(cmd.Lost) > 0 {
				t.Fatalf("the dingbot send tab copies\n%s\nwant\n%s\nlost %v", got.Copy, cmd.Line, cmd.Lost)
			}
			if !strings.Contains(ansi.Strip(d.view()), "dingbot send "+strings.ToLower(string(msg.Type))+" --robot ops") {
				t.Fatalf("the dingbot send tab is not shown:\n%s", ansi.Strip(d.view()))
			}
			d.key("shift+tab")
			if d.m.export.tab != 1 || !strings.Contains(d.m.payloadText, "curl -sS -X POST") || !strings.Contains(d.m.payloadText, "$DINGTALK_TOKEN") {
				t.Fatalf("shift+tab: tab %d\n%s", d.m.export.tab, d.m.payloadText)
			}
		})
	}
}

// A signing robot: no tab shows, copies or writes its token, secret or a signature; curl signs
// in the shell.
func TestPayloadExportsOfASigningRobotHoldNoSecret(t *testing.T) {
	dr := *goldenMarkdown()
	dr.Robot = "signed"
	d := draftDriver(t, dr, 120, 40)
	d.key("alt+p")
	var all strings.Builder
	for i := range 3 {
		d.key(string(rune('1' + i)))
		e := d.m.export.tabs[i]
		all.WriteString(e.Show + e.Copy + ansi.Strip(d.view()))
	}
	for _, s := range []string{"signedtoken", "SECsupersecretvalue0001", "supersecret"} {
		if strings.Contains(all.String(), s) {
			t.Fatalf("an export holds %q", s)
		}
	}
	curl := d.m.export.tabs[1].Copy
	if !strings.Contains(curl, "openssl dgst -sha256 -hmac \"$DINGTALK_SECRET\"") || !strings.Contains(curl, `&sign='"$sign"`) {
		t.Fatalf("the curl export of a signing robot does not sign:\n%s", curl)
	}
}

// ←/→ scroll the JSON sideways to what is past the edge; ↓ scrolls down.
func TestPayloadJSONScrollsSideways(t *testing.T) {
	d := draftDriver(t, goldenDrafts[0].draft, 80, 24)
	d.key("alt+p")
	tail := "Thanks @13800000000"
	if strings.Contains(ansi.Strip(d.view()), tail) {
		t.Fatal("the long line is not past the edge at 80 columns")
	}
	if !strings.Contains(ansi.Strip(d.view()), "→ scrolls") {
		t.Fatalf("nothing says the view is wider than the screen:\n%s", ansi.Strip(d.view()))
	}
	for range 10 {
		d.key("right")
	}
	if !strings.Contains(ansi.Strip(d.view()), tail) {
		t.Fatalf("→ did not bring the end of the line into view:\n%s", ansi.Strip(d.view()))
	}
	for range 10 {
		d.key("left")
	}
	if strings.Contains(ansi.Strip(d.view()), tail) || !strings.Contains(ansi.Strip(d.view()), "warnings: DingTalk accepts it") {
		t.Fatalf("← did not come back:\n%s", ansi.Strip(d.view()))
	}
	top := ansi.Strip(d.view())
	d.key("down", "down", "down")
	if ansi.Strip(d.view()) == top {
		t.Fatal("↓ did not scroll")
	}
	if !strings.Contains(ansi.Strip(d.view()), "c copy") || !strings.Contains(ansi.Strip(d.view()), "w write to a file") {
		t.Fatalf("the help line lacks the export keys:\n%s", ansi.Strip(d.view()))
	}
}

// w writes the tab's export to a file (0600), offering a name, and never replaces a file
// without a yes.
func TestPayloadWritesAFileAndAsksBeforeOverwriting(t *testing.T) {
	d := draftDriver(t, goldenDrafts[0].draft, 120, 40)
	d.key("alt+p", "w")
	if d.m.export.prompt == nil || d.m.export.prompt.Value() != "dingbot-message.json" {
		t.Fatalf("w: no prompt with a default name: %+v", d.m.export.prompt)
	}
	if !strings.Contains(ansi.Strip(d.view()), "write JSON to: dingbot-message.json") {
		t.Fatalf("the prompt is not shown:\n%s", ansi.Strip(d.view()))
	}
	d.send(tea.WindowSizeMsg{Width: 100, Height: 40}) // a resize keeps the prompt
	if d.m.export.prompt == nil || d.m.state != statePayload {
		t.Fatal("a resize closed the file prompt")
	}
	path := filepath.Join(t.TempDir(), "body q.json")
	d.key("ctrl+u")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(path), Paste: true}) // a paste goes to the prompt
	d.key("enter")
	b, err := os.ReadFile(path)
	if err != nil || string(b) != d.m.export.tabs[0].Copy {
		t.Fatalf("written %q (%v), want the exact body", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if d.m.export.prompt != nil || !strings.Contains(d.m.status.Text(), "wrote "+path) {
		t.Fatalf("after writing: prompt %v, status %q", d.m.export.prompt, d.m.status.Text())
	}

	// The dingbot send line to the same name: it exists, so nothing is written until y.
	d.key("3", "w", "ctrl+u")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(path), Paste: true})
	d.key("enter")
	if d.m.export.overwrite != path || !strings.Contains(ansi.Strip(d.view()), "exists: overwrite it?") {
		t.Fatalf("an existing file: overwrite %q\n%s", d.m.export.overwrite, ansi.Strip(d.view()))
	}
	if b, _ := os.ReadFile(path); string(b) != d.m.export.tabs[0].Copy {
		t.Fatal("the file changed before the yes")
	}
	d.key("n")
	if d.m.export.prompt == nil || d.m.export.overwrite != "" {
		t.Fatal("n: not back at the prompt")
	}
	d.key("enter", "y")
	b, _ = os.ReadFile(path)
	if string(b) != d.m.export.tabs[2].Copy {
		t.Fatalf("overwritten with %q, want the dingbot send line", b)
	}
	d.key("esc")
	if d.m.state != stateCompose {
		t.Fatal("esc did not close the payload")
	}
}

// In a real program, c writes the OSC 52 sequence with the tab's export to the terminal.
func TestPayloadCopyWritesOSC52ToTheTerminal(t *testing.T) {
	opts := testOptions(t)
	d := goldenMarkdown()
	if err := store.Open(opts.StateDir).Save(1, *d); err != nil {
		t.Fatal(err)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return fixedNow }
	out := &syncBuffer{}
	m.export.out = out
	in, feed := io.Pipe()
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignals())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if fm, err := p.Run(); err != nil {
			t.Errorf("program: %v", err)
		} else if fm.(Model).store != nil {
			fm.(Model).store.Release()
		}
	}()
	defer func() {
		p.Quit()
		feed.Close()
		<-done
	}()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	raw := func() string {
		out.mu.Lock()
		defer out.mu.Unlock()
		return out.b.String()
	}
	wait := func(s string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(raw(), s) && !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("the terminal never got %q", s)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("notifies @Alice")
	feed.Write([]byte("\x1bp")) // alt+p
	wait("dingbot send")
	feed.Write([]byte("c"))
	wait("copied the exact body")
	body, _ := dingtalk.Prepare(testRobot, goldenMessage(t), dingtalk.PrepareOptions{})
	wait("\x1b]52;c;" + base64.StdEncoding.EncodeToString(body.Body) + "\a")
	feed.Write([]byte("3"))
	wait("# sends the same message")
	feed.Write([]byte("c"))
	cmd := export.DingbotSend(export.Target{Robot: "ops"}, goldenMessage(t))
	wait("\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(cmd.Line)) + "\a")
	if bytes.Contains([]byte(raw()), []byte("tok123456")) {
		t.Fatal("the token reached the terminal")
	}
}

// goldenMessage is the golden markdown draft as the composer builds its message.
func goldenMessage(t *testing.T) dingtalk.Message {
	t.Helper()
	dr := draftDriver(t, *goldenMarkdown(), 120, 40)
	return dr.m.form.Message()
}
