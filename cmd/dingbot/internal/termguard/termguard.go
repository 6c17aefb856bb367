// Package termguard keeps dingbot's commands from asking the terminal for its background colour.
//
// Bubble Tea v1 asks at package initialisation (lipgloss.HasDarkBackground in its init), in every
// command of a binary that links it. A terminal that never answers (script, ssh -tt, hook
// runners) then stalls each command for five seconds and shows the raw query. Go initialises a
// package whose only import is os before any package that needs termenv, so this package's init
// runs first: it sets TERM=dumb, under which termenv sends no query, and Restore, the first thing
// main does, puts TERM back. The composer, the one face that needs the answer, asks for it itself
// with a fresh termenv output before its program starts.
package termguard

import "os"

var (
	term, hadTerm = os.LookupEnv("TERM")
	restored      bool
)

func init() {
	os.Setenv("TERM", "dumb")
}

// Restore gives TERM back its value from the process's start. Call it first thing in main.
func Restore() {
	if restored {
		return
	}
	restored = true
	if hadTerm {
		os.Setenv("TERM", term)
	} else {
		os.Unsetenv("TERM")
	}
}
