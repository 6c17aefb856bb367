//go:build !unix

package spool

import "os"

// killSelf ends the process at once; the crash tests that rely on SIGKILL run on unix only.
func killSelf() { os.Exit(137) }
