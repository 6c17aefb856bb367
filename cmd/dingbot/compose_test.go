//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// The composer in a real terminal: the built binary on a pseudo-terminal, as a user runs it.

// ptyComposer is dingbot running on a pseudo-terminal whose master side the test holds.
type ptyComposer struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	exited chan struct{}
	// drained is closed when the terminal has nothing more to read.
	drained chan struct{}
	err     error
}

// ioctl runs one ioctl on f without making it blocking (Fd would), so that Close still ends a
// Read in progress and really closes the terminal.
func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// openPTY opens a pseudo-terminal of w×h cells: the master for the test, the slave for dingbot.
func openPTY(t *testing.T, w, h int) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal("unlockpt:", err)
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal("ptsname:", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := struct{ row, col, x, y uint16 }{uint16(h), uint16(w), 0, 0}
	if err := ioctl(master, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal("window size:", err)
	}
	return master, slave
}

// startComposer runs dingbot with args on a new terminal of its own (a new session, that
// terminal its controlling one, as a terminal emulator starts a shell).
func (e *env) startComposer(args ...string) *ptyComposer {
	e.t.Helper()
	return e.startOnPTY(binPath, args...)
}

// startOnPTY runs name with args as the first process of a new terminal.
func (e *env) startOnPTY(name string, args ...string) *ptyComposer {
	e.t.Helper()
	master, slave := openPTY(e.t, 160, 40)
	cmd := exec.Command(name, args...)
	cmd.Env = append(e.environ(), "TERM=xterm-256color", "VISUAL=", "EDITOR=", "PS1=$ ")
	cmd.Dir = e.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	slave.Close()
	p := &ptyComposer{t: e.t, cmd: cmd, master: master, exited: make(chan struct{}), drained: make(chan struct{})}
	go p.read()
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	e.t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		master.Close()
	})
	return p
}

// read collects the screen output and answers the cursor position query, as a terminal does
// (lipgloss asks the background colour, then the cursor position, before the program starts).
func (p *ptyComposer) read() {
	defer close(p.drained)
	buf := make([]byte, 32*1024)
	for {
		n, err := p.master.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if bytes.Contains(buf[:n], []byte("\x1b[6n")) {
				_, _ = p.master.Write([]byte("\x1b[1;1R"))
			}
		}
		if err != nil {
			return
		}
	}
}

// screen is everything shown so far as plain text, runs of blanks as one space.
func (p *ptyComposer) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(strings.Fields(ansi.Strip(p.out.String())), " ")
}

// waitScreen waits until the output shows s.
func (p *ptyComposer) waitScreen(s string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.screen(), s) {
		select {
		case <-p.exited:
			p.t.Fatalf("dingbot exited (%v) before showing %q; screen:\n%s", p.err, s, p.screen())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never showed %q:\n%s", s, p.screen())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *ptyComposer) keys(s string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// waitExit waits for dingbot to end.
func (p *ptyComposer) waitExit() {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.t.Fatalf("dingbot did not end; screen:\n%s", p.screen())
	}
	// What it printed last may still be in the terminal: read it to the end.
	select {
	case <-p.drained:
	case <-time.After(2 * time.Second):
	}
}

// draftFile is the composer's draft under the test's state directory.
func (e *env) draftFile() string { return filepath.Join(e.dir, "state", "draft.json") }

// A user types, and the terminal goes away (the window is closed: SIGHUP) or dingbot is told to
// stop (SIGTERM, SIGINT, SIGQUIT) before the typing pause that saves the draft: what was typed
// up to that instant is in the draft. The composer starts on its built-in sandbox and says so.
func TestComposerSavesTheDraftWhenStopped(t *testing.T) {
	stops := []struct {
		name string
		stop func(p *ptyComposer)
	}{
		{"terminal closed (SIGHUP)", func(p *ptyComposer) { p.master.Close() }},
		{"SIGTERM", func(p *ptyComposer) { _ = p.cmd.Process.Signal(syscall.SIGTERM) }},
		{"SIGINT", func(p *ptyComposer) { _ = p.cmd.Process.Signal(syscall.SIGINT) }},
		{"SIGQUIT", func(p *ptyComposer) { _ = p.cmd.Process.Signal(syscall.SIGQUIT) }},
		{"SIGHUP", func(p *ptyComposer) { _ = p.cmd.Process.Signal(syscall.SIGHUP) }},
	}
	for _, s := range stops {
		t.Run(s.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.startComposer()
			// No robot configured: the sandbox is said at start.
			p.waitScreen("messages go to dingbot's built-in sandbox and nothing leaves this machine")
			p.keys("Closing time\t")
			p.keys("typed the instant before the end")
			p.waitScreen("instant before the end")
			// The draft is saved half a second after typing pauses: stop before that.
			before, _ := os.ReadFile(e.draftFile())
			s.stop(p)
			p.waitExit()
			if strings.Contains(string(before), "instant before the end") {
				t.Log("the pause save came first; the draft below is from it")
			}
			data, err := os.ReadFile(e.draftFile())
			if err != nil || !strings.Contains(string(data), `"body": "typed the instant before the end"`) ||
				!strings.Contains(string(data), `"title": "Closing time"`) {
				t.Fatalf("draft after %s: %v\n%s\nscreen:\n%s", s.name, err, data, p.screen())
			}
			var ee *exec.ExitError
			if p.err != nil && !errors.As(p.err, &ee) {
				t.Fatalf("wait: %v", p.err)
			}
		})
	}
}

// Two composers on one state directory: the second is told at start and keeps its own draft.
func TestSecondComposerKeepsItsOwnDraft(t *testing.T) {
	e := newEnv(t)
	first := e.startComposer()
	first.waitScreen("built-in sandbox")
	first.keys("First user")
	first.waitScreen("First user")
	second := e.startComposer()
	// The status line may cut the notice's end (the sandbox notice before it names a long path).
	second.waitScreen("another dingbot composer has the draft open")
	second.keys("Second user")
	second.waitScreen("Second user")
	for _, p := range []*ptyComposer{second, first} {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		p.waitExit()
	}
	one, _ := os.ReadFile(e.draftFile())
	two, _ := os.ReadFile(filepath.Join(e.dir, "state", "draft-2.json"))
	if !strings.Contains(string(one), "First user") || !strings.Contains(string(two), "Second user") {
		t.Fatalf("draft.json:\n%s\ndraft-2.json:\n%s", one, two)
	}
}

// The usual way a terminal closes: dingbot runs in an interactive shell, the window is closed.
// The shell gets SIGHUP, passes it on to dingbot and exits, and then the kernel sends dingbot
// another SIGHUP: the second arrives while the draft is being saved.
func TestComposerInAShellSavesTheDraftWhenTheTerminalCloses(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for i := 0; i < 3; i++ {
		e := newEnv(t)
		p := e.startOnPTY(bash, "--norc", "--noprofile", "-i")
		p.keys(binPath + "\r")
		p.waitScreen("built-in sandbox")
		p.keys("Closing time")
		p.waitScreen("Closing time")
		p.master.Close()
		p.waitExit() // bash; dingbot may still be saving
		deadline := time.Now().Add(5 * time.Second)
		for {
			data, _ := os.ReadFile(e.draftFile())
			if strings.Contains(string(data), "Closing time") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %d: the draft was lost when the terminal closed: %q", i, data)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
