//go:build !windows

package main

import (
	"os/exec"
	"syscall"
)

// detach puts cmd in a session of its own: closing the terminal does not end it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
