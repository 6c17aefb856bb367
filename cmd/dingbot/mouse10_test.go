//go:build linux

package main

import (
	"strings"
	"testing"
)

// Mouse mode is off by default, so the terminal's own selection works; --mouse starts the
// composer with it on (the terminal is asked to report the mouse: CSI ?1002h), and f9 turns it
// off again (CSI ?1002l).
func TestComposerMouseModeIsOffUnlessAsked(t *testing.T) {
	const enable, disable = "\x1b[?1002h", "\x1b[?1002l"
	e := newEnv(t)
	p := e.startComposer()
	p.waitAltScreen("sandbox")
	p.keys("hello")
	p.waitAltScreen("hello")
	if out := p.output(); strings.Contains(out, enable) {
		t.Fatalf("the mouse was asked for without --mouse")
	}
	p.keys("\x11\x11")
	p.waitExit()

	p = e.startComposer("--mouse")
	p.waitAltScreen("sandbox")
	p.keys("x")
	p.waitAltScreen("x")
	if !strings.Contains(p.output(), enable) {
		t.Fatalf("--mouse did not ask the terminal for the mouse")
	}
	p.keys("\x1b[20~") // f9
	p.waitAltScreen("mouse off")
	if !strings.Contains(p.output(), disable) {
		t.Fatalf("f9 did not let the mouse go")
	}
	p.keys("\x11\x11")
	p.waitExit()
}

// output is everything the composer wrote so far.
func (p *ptyComposer) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}
