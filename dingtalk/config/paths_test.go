package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	t.Setenv(EnvConfig, "/etc/dingbot.toml")
	if p, err := DefaultPath(); err != nil || p != "/etc/dingbot.toml" {
		t.Errorf("with %s: %q, %v", EnvConfig, p, err)
	}
	t.Setenv(EnvConfig, "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg/config")
	t.Setenv("HOME", "/home/u")
	t.Setenv("AppData", `C:\Users\u\AppData\Roaming`)
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("dingbot", "config.toml")) {
		t.Errorf("DefaultPath = %q", p)
	}
}

func TestStateDir(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	noHome := func() (string, error) { return "", errors.New("$HOME is not defined") }
	tests := []struct {
		name string
		goos string
		env  map[string]string
		home func() (string, error)
		want string
		err  bool
	}{
		{"override", "linux", map[string]string{EnvStateDir: "/s", "XDG_STATE_HOME": "/x"}, home, "/s", false},
		{"xdg", "linux", map[string]string{"XDG_STATE_HOME": "/x"}, home, filepath.Join("/x", "dingbot"), false},
		{"xdg relative ignored", "linux", map[string]string{"XDG_STATE_HOME": "rel"}, home, filepath.Join("/home/u", ".local", "state", "dingbot"), false},
		{"linux", "linux", nil, home, filepath.Join("/home/u", ".local", "state", "dingbot"), false},
		{"freebsd", "freebsd", nil, home, filepath.Join("/home/u", ".local", "state", "dingbot"), false},
		{"darwin", "darwin", nil, home, filepath.Join("/home/u", "Library", "Application Support", "dingbot", "state"), false},
		{"xdg on darwin", "darwin", map[string]string{"XDG_STATE_HOME": "/x"}, home, filepath.Join("/x", "dingbot"), false},
		{"windows", "windows", map[string]string{"LocalAppData": "/lad"}, home, filepath.Join("/lad", "dingbot", "state"), false},
		{"windows without LocalAppData", "windows", nil, home, "", true},
		{"no home", "linux", nil, noHome, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stateDir(tt.goos, func(k string) string { return tt.env[k] }, tt.home)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), EnvStateDir) {
					t.Fatalf("stateDir = %q, %v; want an error mentioning %s", got, err, EnvStateDir)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("stateDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestStateDirEnv(t *testing.T) {
	t.Setenv(EnvStateDir, "/tmp/dingbot-state")
	if d, err := StateDir(); err != nil || d != "/tmp/dingbot-state" {
		t.Errorf("StateDir = %q, %v", d, err)
	}
}
