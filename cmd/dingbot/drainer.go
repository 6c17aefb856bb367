package main

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk/config"
)

// startBackgroundDrainer starts `dingbot outbox drain --wait` in its own session, detached from
// this terminal, so that what `send --queue` stored goes out although this command returns at
// once. Robots another process drains already are skipped by the lock; it ends when nothing is
// queued (or after an hour, leaving the rest to the next drainer). Failing to start it is not
// an error: the message is safely queued, and any drainer delivers it.
func startBackgroundDrainer(g *globalFlags, s streams) {
	if os.Getenv("DINGBOT_NO_BACKGROUND_DRAINER") != "" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	if lock := backgroundLock(); lock != nil {
		held, err := lock.TryLock()
		if err == nil && !held {
			return // a background drainer is running: it delivers this message too
		}
		_ = lock.Unlock()
	}
	args := []string{"outbox", "drain", "--wait", "--max-wait", "1h", "--quiet", "--background", "--timeout", g.timeout.String()}
	if g.configPath != "" {
		if abs, err := filepath.Abs(g.configPath); err == nil {
			args = append(args, "--config", abs)
		}
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = os.TempDir()
	cmd.Stdin, cmd.Stdout = nil, nil
	if dir, err := config.StateDir(); err == nil {
		if f, err := os.OpenFile(filepath.Join(dir, "outbox", "drainer.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			cmd.Stderr = f
			defer f.Close()
		}
	}
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return
	}
	_ = cmd.Process.Release()
}

// backgroundLock is held by the one background drainer of this state directory, so that a loop
// of `send --queue` starts one, not one a message. nil when there is no state directory.
func backgroundLock() *flock.Flock {
	dir, err := config.StateDir()
	if err != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "outbox"), 0o700); err != nil {
		return nil
	}
	return flock.New(filepath.Join(dir, "outbox", "background-drainer.lock"), flock.SetPermissions(0o600))
}
