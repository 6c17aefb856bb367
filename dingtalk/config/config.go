// Package config loads dingbot's robots and contacts from TOML and the environment.
package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// Environment variables the config honours.
const (
	// EnvConfig overrides the config file's path.
	EnvConfig = "DINGBOT_CONFIG"
	// EnvStateDir overrides the state directory (rate-limit state, drafts, history).
	EnvStateDir = "DINGBOT_STATE_DIR"
	// EnvToken adds a robot named "default" (mcp-dingding-bot compatibility): the access token
	// or the whole webhook URL.
	EnvToken = "DINGTALK_BOT_ACCESS_TOKEN"
	// EnvSecret is the signing secret of the robot EnvToken adds.
	EnvSecret = "DINGTALK_BOT_SECRET"
)

// EnvRobotName is the name of the robot added from EnvToken.
const EnvRobotName = "default"

// RobotConfig is one [robots.NAME] table.
type RobotConfig struct {
	Webhook         string   `toml:"webhook"`
	Secret          string   `toml:"secret"`
	SecretEnv       string   `toml:"secret_env"`
	Keywords        []string `toml:"keywords"`
	AllowCustomHost bool     `toml:"allow_custom_host"`
}

// ContactConfig is one [[contacts]] entry.
type ContactConfig struct {
	Name   string `toml:"name"`
	Mobile string `toml:"mobile"`
	UserID string `toml:"user_id"`
}

// File is the config file as written, before validation and the environment.
type File struct {
	DefaultRobot string                 `toml:"default_robot"`
	Robots       map[string]RobotConfig `toml:"robots"`
	Contacts     []ContactConfig        `toml:"contacts"`
}

// Config is the validated configuration: the file plus the environment.
type Config struct {
	// Path is the file the config came from ("" if none was read).
	Path string
	// DefaultRobot names the robot used when none is given ("" if there is no obvious one).
	DefaultRobot string
	// Robots are sorted by name, with secrets resolved (secret_env read from the environment).
	Robots []dingtalk.Robot
	// Contacts are the people who can be mentioned by name, in file order.
	Contacts dingtalk.Contacts
	// Warnings are problems worth telling the user that do not stop dingbot, such as a secret in
	// a file other users can read.
	Warnings []string
	// Unavailable holds the robots that are configured correctly but cannot be used in this
	// environment (their secret_env variable is not set), with the reason. They are not in Robots;
	// asking for one by name returns its reason, so the other robots keep working.
	Unavailable map[string]error
}

// ErrNoRobots is returned when a robot is asked for and none is configured.
var ErrNoRobots = errors.New("no robot configured: run `dingbot config init` and paste your robot's webhook into the config, or set " + EnvToken + " (and " + EnvSecret + " if the robot signs)")

// ErrUnknownRobot is wrapped by the error for a robot name that is not configured.
var ErrUnknownRobot = errors.New("unknown robot")

// Empty reports whether no robot is configured at all.
func (c *Config) Empty() bool { return len(c.Robots) == 0 && len(c.Unavailable) == 0 }

// Names lists the configured robots' names, sorted.
func (c *Config) Names() []string {
	names := make([]string, len(c.Robots))
	for i, r := range c.Robots {
		names[i] = r.Name
	}
	return names
}

// Robot returns the robot called name, or the default robot when name is "". A name matches
// exactly, else case-insensitively.
func (c *Config) Robot(name string) (dingtalk.Robot, error) {
	if c.Empty() {
		return dingtalk.Robot{}, ErrNoRobots
	}
	name = strings.TrimSpace(name)
	if name == "" && c.DefaultRobot != "" {
		name = c.DefaultRobot
	}
	if err, ok := c.Unavailable[name]; ok {
		return dingtalk.Robot{}, err
	}
	if name == "" {
		if c.DefaultRobot == "" {
			return dingtalk.Robot{}, fmt.Errorf("%d robots are configured and none is the default: choose one of %s, or set default_robot in the config", len(c.Robots), strings.Join(c.Names(), ", "))
		}
		name = c.DefaultRobot
	}
	for _, r := range c.Robots {
		if r.Name == name {
			return r, nil
		}
	}
	for _, r := range c.Robots {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return dingtalk.Robot{}, fmt.Errorf("%w %q; configured: %s", ErrUnknownRobot, name, strings.Join(c.Names(), ", "))
}
