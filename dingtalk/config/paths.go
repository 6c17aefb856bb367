package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the config lives: $DINGBOT_CONFIG, else dingbot/config.toml in the user's
// config directory (~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows).
func DefaultPath() (string, error) {
	if p := os.Getenv(EnvConfig); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: find the user config directory (or set %s): %w", EnvConfig, err)
	}
	return filepath.Join(dir, "dingbot", "config.toml"), nil
}

// StateDir is where dingbot keeps state (rate-limit counters, drafts, history):
// $DINGBOT_STATE_DIR, else $XDG_STATE_HOME/dingbot, else ~/.local/state/dingbot
// (macOS: ~/Library/Application Support/dingbot/state; Windows: %LocalAppData%\dingbot\state).
// It does not create the directory.
func StateDir() (string, error) {
	return stateDir(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func stateDir(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	if d := getenv(EnvStateDir); d != "" {
		// Absolute, so the rate-limit count does not depend on the current directory.
		return filepath.Abs(d)
	}
	// The XDG spec ignores relative paths.
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "dingbot"), nil
	}
	if goos == "windows" {
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "dingbot", "state"), nil
		}
		return "", errors.New("config: find the state directory: %LocalAppData% is not set (set " + EnvStateDir + ")")
	}
	h, err := home()
	if err == nil && h == "" {
		err = errors.New("$HOME is not set")
	}
	if err != nil {
		return "", fmt.Errorf("config: find the state directory (or set %s): %w", EnvStateDir, err)
	}
	if goos == "darwin" || goos == "ios" {
		return filepath.Join(h, "Library", "Application Support", "dingbot", "state"), nil
	}
	return filepath.Join(h, ".local", "state", "dingbot"), nil
}
