package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
)

func TestRobotLookup(t *testing.T) {
	c := &Config{
		DefaultRobot: "ops",
		Robots:       []dingtalk.Robot{{Name: "alerts", Webhook: "a"}, {Name: "Ops", Webhook: "b"}, {Name: "ops", Webhook: "c"}},
	}
	tests := []struct {
		name, want, err string
	}{
		{"", "c", ""},
		{"ops", "c", ""},
		{" alerts ", "a", ""},
		{"ALERTS", "a", ""},
		{"Ops", "b", ""},
		{"prod", "", `unknown robot "prod"; configured: alerts, Ops, ops`},
	}
	for _, tt := range tests {
		r, err := c.Robot(tt.name)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || !errors.Is(err, ErrUnknownRobot) {
				t.Errorf("Robot(%q) error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || r.Webhook != tt.want {
			t.Errorf("Robot(%q) = %+v, %v; want webhook %q", tt.name, r, err, tt.want)
		}
	}
}

func TestRobotNoDefault(t *testing.T) {
	c := &Config{Robots: []dingtalk.Robot{{Name: "a"}, {Name: "b"}}}
	_, err := c.Robot("")
	if err == nil || !strings.Contains(err.Error(), "none is the default") || !strings.Contains(err.Error(), "a, b") {
		t.Fatalf("Robot(\"\") = %v", err)
	}
}

func TestRobotNoRobots(t *testing.T) {
	c := &Config{}
	if !c.Empty() {
		t.Fatal("Empty() = false")
	}
	for _, name := range []string{"", "ops"} {
		if _, err := c.Robot(name); !errors.Is(err, ErrNoRobots) {
			t.Errorf("Robot(%q) = %v, want ErrNoRobots", name, err)
		}
	}
	for _, hint := range []string{"dingbot config init", EnvToken} {
		if !strings.Contains(ErrNoRobots.Error(), hint) {
			t.Errorf("ErrNoRobots does not mention %s", hint)
		}
	}
}

func TestRedactSecret(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"SEC123", "SEC…sha256:8cdfb2"},
		{"SECabcdefghijklmnopqrstuvwxyz1234", "SEC…sha256:b44165"},
		{"abcdefghijklmnopqrstuvwxyz9876", "…sha256:56db0d"},
	}
	for _, tt := range tests {
		got := RedactSecret(tt.in)
		if got != tt.want {
			t.Errorf("RedactSecret(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(tt.in) > 3 && strings.Contains(got, tt.in[len(tt.in)-4:]) {
			t.Errorf("RedactSecret(%q) = %q shows part of the secret", tt.in, got)
		}
	}
}
