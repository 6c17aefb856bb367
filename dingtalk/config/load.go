package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
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
	// Warnings echo what the user wrote; a secret written into the wrong key must not be shown.
	for i, w := range c.Warnings {
		c.Warnings[i] = dingtalk.MaskSecretLike(w)
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
			err = fileErr(err)
		}
		if perr := f.robotProblems[name]; perr != nil {
			// Unknown keys carry the file and line already.
			r, err = dingtalk.Robot{}, fmt.Errorf("robot %s: %w", SafeName(name), perr)
		}
		if err != nil {
			// A problem with one robot makes that robot unusable, not the whole config: the
			// others keep working, and asking for this one explains what to fix.
			c.disable(name, err)
			continue
		}
		c.Robots = append(c.Robots, r)
	}

	// A broken contact is left out, with a warning: the robots and the other contacts work.
	contacts, problems := contacts(f.Contacts, f.contactProblems)
	for _, p := range problems {
		err := fileErr(p.err)
		c.Warnings = append(c.Warnings, err.Error()+"; the contact is left out")
		if p.name != "" {
			if c.leftOut == nil {
				c.leftOut = map[string]error{}
			}
			c.leftOut[strings.ToLower(p.name)] = errors.Join(c.leftOut[strings.ToLower(p.name)], err)
		}
	}
	c.Contacts = contacts

	if err := c.applyEnv(f); err != nil {
		errs = append(errs, err)
	}
	// The relay's routes name robots: checked once every robot is known.
	c.buildServe(f)
	if f.OrgMonthlyQuota < 0 {
		errs = append(errs, fileErr(fmt.Errorf("org_monthly_quota %d: give a number of sends a month, or 0 for no cap", f.OrgMonthlyQuota)))
	}
	c.OrgMonthlyQuota = f.OrgMonthlyQuota
	c.MCP = f.MCP
	c.Redis = strings.TrimSpace(f.State.Redis)
	if env := strings.TrimSpace(os.Getenv(EnvRedis)); env != "" {
		c.Redis = env
	}
	if c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") && !strings.HasPrefix(c.Redis, "unix://") {
		errs = append(errs, fileErr(fmt.Errorf("[state] redis (or %s) %q must be a redis://, rediss:// or unix:// URL", EnvRedis, RedactURL(c.Redis))))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	c.DefaultRobot = strings.TrimSpace(f.DefaultRobot)
	switch {
	case c.DefaultRobot != "":
		_, unavailable := c.Unavailable[c.DefaultRobot]
		if _, ok := c.find(c.DefaultRobot); !ok && !unavailable {
			// A mistyped default disables only the default: every robot still works by name.
			c.badDefault = fileErr(fmt.Errorf("default_robot %q is not a configured robot%s; configured: %s", SafeName(c.DefaultRobot), c.suggestRobot(c.DefaultRobot), c.listNames()))
			c.Warnings = append(c.Warnings, c.badDefault.Error()+"; give a robot with --robot NAME, or fix default_robot")
			c.DefaultRobot = ""
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

	c.TestRobot = strings.TrimSpace(f.TestRobot)
	if c.TestRobot != "" {
		_, unavailable := c.Unavailable[c.TestRobot]
		if _, ok := c.find(c.TestRobot); !ok && !unavailable {
			// A mistyped test_robot disables only the test send: it is refused with this reason
			// rather than posted elsewhere.
			c.badTest = fileErr(fmt.Errorf("test_robot %q is not a configured robot%s; configured: %s", SafeName(c.TestRobot), c.suggestRobot(c.TestRobot), c.listNames()))
			c.Warnings = append(c.Warnings, c.badTest.Error()+"; test sends are refused until test_robot is fixed")
			c.TestRobot = ""
		}
	}
	return nil
}

// disable makes robot name unavailable for err, with a warning.
func (c *Config) disable(name string, err error) {
	if c.Unavailable == nil {
		c.Unavailable = map[string]error{}
	}
	c.Unavailable[name] = err
	var unset *unsetEnvError
	if errors.As(err, &unset) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("robot %s is unavailable until %s is set (its secret_env); the other robots work", SafeName(name), unset.name))
		return
	}
	c.Warnings = append(c.Warnings, fmt.Sprintf("robot %s is unavailable until its config is fixed: %v", SafeName(name), err))
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
		return dingtalk.Robot{}, fmt.Errorf("robot %s: "+format, append([]any{SafeName(name)}, args...)...)
	}
	if !printable(name) {
		return fail("the name contains control characters: rename the table [robots.NAME] to plain text")
	}
	r := dingtalk.Robot{
		Name:            name,
		Webhook:         strings.TrimSpace(rc.Webhook),
		Keywords:        rc.Keywords,
		AllowCustomHost: rc.AllowCustomHost,
		MonthlyQuota:    rc.MonthlyQuota,
	}
	if rc.MonthlyQuota < 0 {
		return fail("monthly_quota %d: give a number of sends a month, or 0 for no cap", rc.MonthlyQuota)
	}
	// ParseWebhook's errors never contain the token.
	if _, err := dingtalk.ParseWebhook(r.Webhook, r.AllowCustomHost); err != nil {
		return fail("webhook: %w", err)
	}
	secret, envName := strings.TrimSpace(rc.Secret), strings.TrimSpace(rc.SecretEnv)
	switch {
	case secret != "" && envName != "":
		return fail("set either secret or secret_env, not both")
	case envName != "" && dingtalk.LooksSecret(envName):
		// The secret itself pasted where the variable's name belongs: never echo it.
		return fail("secret_env must name an environment variable, but it holds what looks like a secret or token: move the value into a variable (export DINGBOT_%s_SECRET=…) and write secret_env = \"DINGBOT_%s_SECRET\", or use secret = \"SEC…\" in a file only you can read", envSuffix(name), envSuffix(name))
	case envName != "" && !envNamePattern.MatchString(envName):
		return fail("secret_env %q is not an environment variable name: use letters, digits and _ (e.g. DINGBOT_%s_SECRET)", dingtalk.MaskSecretLike(envName), envSuffix(name))
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

// envNamePattern is a portable environment variable name.
var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envSuffix turns a robot name into the part of a suggested variable name: OPS for "ops".
func envSuffix(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "ROBOT"
	}
	return b.String()
}

// unsetEnvError says a robot's secret_env names a variable that is not set. Only that robot is
// unusable: the config itself is fine.
type unsetEnvError struct{ robot, name string }

func (e *unsetEnvError) Error() string {
	return fmt.Sprintf("robot %s: secret_env: environment variable %s is not set (or is empty): export it, or use another robot", SafeName(e.robot), e.name)
}

// contacts validates the [[contacts]] entries and returns the usable ones, with a problem for
// each entry left out.
// contactProblem is why one [[contacts]] entry was left out.
type contactProblem struct {
	name string
	err  error
}

func contacts(list []ContactConfig, keyProblems map[int]error) (dingtalk.Contacts, []contactProblem) {
	var problems []contactProblem
	out := make(dingtalk.Contacts, 0, len(list))
	seen := map[string]int{}
	for i, cc := range list {
		c := dingtalk.Contact{
			Name:   strings.TrimSpace(cc.Name),
			Mobile: strings.TrimSpace(cc.Mobile),
			UserID: strings.TrimSpace(cc.UserID),
		}
		label := fmt.Sprintf("contact %q", SafeName(c.Name))
		var errs []error
		switch first, dup := seen[strings.ToLower(c.Name)]; {
		case c.Name == "":
			label = fmt.Sprintf("contact #%d", i+1)
			errs = append(errs, errors.New("name is required"))
		case !printable(c.Name):
			errs = append(errs, errors.New("the name contains control characters"))
		case dup:
			errs = append(errs, fmt.Errorf("duplicate name (also contact #%d); names must differ, ignoring case", first))
		default:
			seen[strings.ToLower(c.Name)] = i + 1
		}
		if c.Mobile == "" && c.UserID == "" {
			errs = append(errs, errors.New("give a mobile or a user_id (or both)"))
		}
		if err := keyProblems[i]; err != nil {
			errs = append(errs, err)
		}
		if c.Mobile != "" && !dingtalk.ValidMobile(c.Mobile) {
			errs = append(errs, fmt.Errorf("mobile %q is not a mobile number: %s", dingtalk.MaskSecretLike(c.Mobile), dingtalk.MobileRule))
		}
		if c.UserID != "" && !printable(c.UserID) {
			errs = append(errs, errors.New("user_id contains control characters"))
		}
		if len(errs) > 0 {
			for _, err := range errs {
				problems = append(problems, contactProblem{name: c.Name, err: fmt.Errorf("%s: %w", label, err)})
			}
			continue
		}
		out = append(out, c)
	}
	return out, problems
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
	// A bad variable disables only the robot it defines.
	if _, err := dingtalk.ParseWebhook(token, false); err != nil {
		c.disable(EnvRobotName, fmt.Errorf("robot %s: %s: %w", EnvRobotName, EnvToken, err))
		return nil
	}
	if secret != "" && !strings.HasPrefix(secret, "SEC") {
		c.disable(EnvRobotName, fmt.Errorf("robot %s: %s must start with SEC", EnvRobotName, EnvSecret))
		return nil
	}
	c.Robots = append(c.Robots, dingtalk.Robot{Name: EnvRobotName, Webhook: token, Secret: secret})
	slices.SortFunc(c.Robots, func(a, b dingtalk.Robot) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// fileHoldsSecret reports whether the file alone lets someone post: it holds a signing secret,
// or the access token of a robot that does not sign (its token is its only credential).
func fileHoldsSecret(f *File) bool {
	if u, err := url.Parse(strings.TrimSpace(f.State.Redis)); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return true
		}
	}
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
