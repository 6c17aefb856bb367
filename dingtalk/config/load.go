package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// Load reads the config file at path, validates it and applies the environment. A missing file
// (or an empty path) is not an error: it yields a config with no robots, unless
// DINGTALK_BOT_ACCESS_TOKEN provides one.
//
// If DINGTALK_BOT_ACCESS_TOKEN is set and no robot named "default" is configured, Load adds
// robot "default" (webhook from that variable, secret from DINGTALK_BOT_SECRET). If
// default_robot is not set, the default robot is "default" when present, or the only robot when
// there is exactly one.
func Load(path string) (*Config, error) {
	c := &Config{}
	f := &File{}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read config: %w", err)
		default:
			if f, err = Parse(path, data); err != nil {
				return nil, err
			}
			c.Path = path
		}
	}
	if err := c.build(f); err != nil {
		return nil, err
	}
	if c.Path != "" && fileHoldsSecret(f) {
		if w := permissionWarning(c.Path); w != "" {
			c.Warnings = append(c.Warnings, w)
		}
	}
	return c, nil
}

// build validates f and fills c from it and the environment. Errors name the file and the
// robot or contact; all of them are reported at once.
func (c *Config) build(f *File) error {
	var errs []error
	fileErr := func(err error) error {
		if c.Path == "" {
			return err
		}
		return fmt.Errorf("%s: %w", c.Path, err)
	}
	names := make([]string, 0, len(f.Robots))
	for name := range f.Robots {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fileErr(errors.New("a robot has an empty name: write [robots.NAME]")))
			continue
		}
		r, err := robot(name, f.Robots[name])
		if err != nil {
			// A problem with one robot makes that robot unusable, not the whole config: the
			// others keep working, and asking for this one explains what to fix.
			if c.Unavailable == nil {
				c.Unavailable = map[string]error{}
			}
			c.Unavailable[name] = fileErr(err)
			var unset *unsetEnvError
			if errors.As(err, &unset) {
				c.Warnings = append(c.Warnings, fmt.Sprintf("robot %s is unavailable until %s is set (its secret_env); the other robots work", name, unset.name))
			} else {
				c.Warnings = append(c.Warnings, fmt.Sprintf("robot %s is unavailable until its config is fixed: %v", name, fileErr(err)))
			}
			continue
		}
		c.Robots = append(c.Robots, r)
	}

	contacts, cerrs := contacts(f.Contacts)
	for _, err := range cerrs {
		errs = append(errs, fileErr(err))
	}
	c.Contacts = contacts

	if err := c.applyEnv(f); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	c.DefaultRobot = strings.TrimSpace(f.DefaultRobot)
	switch {
	case c.DefaultRobot != "":
		_, unavailable := c.Unavailable[c.DefaultRobot]
		if _, ok := c.find(c.DefaultRobot); !ok && !unavailable {
			if c.Empty() {
				return fileErr(fmt.Errorf("default_robot %q: no robots are configured (add a [robots.%s] table)", c.DefaultRobot, c.DefaultRobot))
			}
			return fileErr(fmt.Errorf("default_robot %q is not a configured robot; configured: %s", c.DefaultRobot, strings.Join(c.Names(), ", ")))
		}
	case len(c.Robots) == 1 && len(c.Unavailable) == 0:
		c.DefaultRobot = c.Robots[0].Name
	case len(c.Robots) == 0 && len(c.Unavailable) == 1:
		for name := range c.Unavailable {
			c.DefaultRobot = name
		}
	default:
		if _, ok := c.find(EnvRobotName); ok {
			c.DefaultRobot = EnvRobotName
		}
	}
	return nil
}

func (c *Config) find(name string) (dingtalk.Robot, bool) {
	for _, r := range c.Robots {
		if r.Name == name {
			return r, true
		}
	}
	return dingtalk.Robot{}, false
}

// robot validates one [robots.NAME] table and resolves its secret.
func robot(name string, rc RobotConfig) (dingtalk.Robot, error) {
	if strings.TrimSpace(name) == "" {
		return dingtalk.Robot{}, errors.New("a robot has an empty name: write [robots.NAME]")
	}
	fail := func(format string, args ...any) (dingtalk.Robot, error) {
		return dingtalk.Robot{}, fmt.Errorf("robot %s: "+format, append([]any{name}, args...)...)
	}
	r := dingtalk.Robot{
		Name:            name,
		Webhook:         strings.TrimSpace(rc.Webhook),
		Keywords:        rc.Keywords,
		AllowCustomHost: rc.AllowCustomHost,
	}
	// ParseWebhook's errors never contain the token.
	if _, err := dingtalk.ParseWebhook(r.Webhook, r.AllowCustomHost); err != nil {
		return fail("webhook: %w", err)
	}
	secret, envName := strings.TrimSpace(rc.Secret), strings.TrimSpace(rc.SecretEnv)
	switch {
	case secret != "" && envName != "":
		return fail("set either secret or secret_env, not both")
	case envName != "":
		v, ok := os.LookupEnv(envName)
		if !ok || strings.TrimSpace(v) == "" {
			return dingtalk.Robot{}, &unsetEnvError{robot: name, name: envName}
		}
		secret = strings.TrimSpace(v)
		if !strings.HasPrefix(secret, "SEC") {
			return fail("the secret in $%s must start with SEC", envName)
		}
	case secret != "" && !strings.HasPrefix(secret, "SEC"):
		return fail("secret must start with SEC")
	}
	r.Secret = secret
	for _, k := range rc.Keywords {
		if strings.TrimSpace(k) == "" {
			return fail("keywords: a keyword is empty")
		}
	}
	if len(rc.Keywords) > 10 {
		return fail("keywords: %d given, but a DingTalk robot has at most 10", len(rc.Keywords))
	}
	return r, nil
}

// unsetEnvError says a robot's secret_env names a variable that is not set. Only that robot is
// unusable: the config itself is fine.
type unsetEnvError struct{ robot, name string }

func (e *unsetEnvError) Error() string {
	return fmt.Sprintf("robot %s: secret_env: environment variable %s is not set (or is empty): export it, or use another robot", e.robot, e.name)
}

// mobilePattern is a mainland number (digits) or +CC-number, as DingTalk writes them.
var mobilePattern = regexp.MustCompile(`^(\d{3,20}|\+\d{1,4}-\d{3,20})$`)

// contacts validates the [[contacts]] entries.
func contacts(list []ContactConfig) (dingtalk.Contacts, []error) {
	var errs []error
	out := make(dingtalk.Contacts, 0, len(list))
	seen := map[string]int{}
	for i, cc := range list {
		c := dingtalk.Contact{
			Name:   strings.TrimSpace(cc.Name),
			Mobile: strings.TrimSpace(cc.Mobile),
			UserID: strings.TrimSpace(cc.UserID),
		}
		label := fmt.Sprintf("contact %q", c.Name)
		if c.Name == "" {
			label = fmt.Sprintf("contact #%d", i+1)
			errs = append(errs, fmt.Errorf("%s: name is required", label))
		} else if first, dup := seen[strings.ToLower(c.Name)]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate name (also contact #%d); names must differ, ignoring case", label, first))
		} else {
			seen[strings.ToLower(c.Name)] = i + 1
		}
		if c.Mobile == "" && c.UserID == "" {
			errs = append(errs, fmt.Errorf("%s: give a mobile or a user_id (or both)", label))
		}
		if c.Mobile != "" && !mobilePattern.MatchString(c.Mobile) {
			errs = append(errs, fmt.Errorf("%s: mobile %q must be digits, or +CC-digits outside mainland China (e.g. +852-12345678)", label, c.Mobile))
		}
		out = append(out, c)
	}
	return out, errs
}

// applyEnv adds robot "default" from DINGTALK_BOT_ACCESS_TOKEN and DINGTALK_BOT_SECRET.
func (c *Config) applyEnv(f *File) error {
	token := strings.TrimSpace(os.Getenv(EnvToken))
	secret := strings.TrimSpace(os.Getenv(EnvSecret))
	if token == "" {
		if secret != "" {
			c.Warnings = append(c.Warnings, EnvSecret+" is set but "+EnvToken+" is not: the secret is ignored")
		}
		return nil
	}
	if _, ok := f.Robots[EnvRobotName]; ok {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s is set but the config already has a robot named %q: the variable is ignored", EnvToken, EnvRobotName))
		return nil
	}
	if _, err := dingtalk.ParseWebhook(token, false); err != nil {
		return fmt.Errorf("%s: %w", EnvToken, err)
	}
	if secret != "" && !strings.HasPrefix(secret, "SEC") {
		return fmt.Errorf("%s must start with SEC", EnvSecret)
	}
	c.Robots = append(c.Robots, dingtalk.Robot{Name: EnvRobotName, Webhook: token, Secret: secret})
	slices.SortFunc(c.Robots, func(a, b dingtalk.Robot) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// fileHoldsSecret reports whether the file alone lets someone post: it holds a signing secret,
// or the access token of a robot that does not sign (its token is its only credential).
func fileHoldsSecret(f *File) bool {
	for _, rc := range f.Robots {
		unsigned := strings.TrimSpace(rc.Secret) == "" && strings.TrimSpace(rc.SecretEnv) == ""
		if strings.TrimSpace(rc.Secret) != "" || (unsigned && strings.TrimSpace(rc.Webhook) != "") {
			return true
		}
	}
	return false
}

// permissionWarning warns about a file holding a secret that other users can read.
func permissionWarning(path string) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("%s is readable by other users and holds a robot secret or the token of an unsigned robot: chmod 600 %s", filepath.Base(path), path)
}
