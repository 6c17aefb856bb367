package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// streams are the process's standard streams, swapped in tests.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// globalFlags are the flags every face of dingbot shares.
type globalFlags struct {
	configPath string
	robot      string
	timeout    time.Duration
}

// sandboxToken is the access token of the built-in sandbox robot.
const sandboxToken = "sandbox"

// sandboxRobotName names the built-in sandbox robot in output.
const sandboxRobotName = "sandbox"

// app is what the composition root assembles once: the loaded config, the robots to offer, one
// client with the cross-process rate limiter, and, with no robot configured, an in-process sandbox.
type app struct {
	cfg *config.Config
	// configPath is where the config was looked for, whether or not the file exists.
	configPath string
	robots     []dingtalk.Robot
	defaultR   string
	client     *dingtalk.Client
	stateDir   string
	// sandbox is the built-in DingTalk emulator, when no robot is configured.
	sandbox *sandbox.Server
	// notice explains to the user where messages go when that is not obvious.
	notice string
}

// loadApp reads the config and prepares the client. With no robot configured anywhere and
// useSandbox set, it starts an in-process sandbox on loopback and offers its robot.
func loadApp(ctx context.Context, g globalFlags, useSandbox bool) (*app, error) {
	path := g.configPath
	if path != "" {
		// A file named on the command line must exist: falling back to the sandbox would turn a
		// typo into a "successful" send that went nowhere.
		if _, err := os.Stat(path); err != nil {
			return nil, usageError{configError{fmt.Errorf("--config %s: %w (create it with: dingbot config init --config %s)", path, unwrapPathError(err), path)}}
		}
	} else {
		p, err := config.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("find config: %w", err)
		}
		path = p
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{configError{err}}
	}
	stateDir, err := config.StateDir()
	if err != nil {
		return nil, fmt.Errorf("find state directory: %w", err)
	}
	client := dingtalk.NewClient(g.timeout)
	client.Limiter = ratelimit.New(filepath.Join(stateDir, "ratelimit"))
	a := &app{cfg: cfg, configPath: path, robots: cfg.Robots, defaultR: cfg.DefaultRobot, client: client, stateDir: stateDir}
	if cfg.Empty() && useSandbox {
		if err := a.startSandbox(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// startSandbox serves the built-in sandbox on a free loopback port for this process only.
func (a *app) startSandbox(ctx context.Context) error {
	base, srv, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{Robots: []sandbox.Robot{{Token: sandboxToken}}})
	if err != nil {
		return fmt.Errorf("start the built-in sandbox: %w", err)
	}
	a.sandbox = srv
	a.robots = []dingtalk.Robot{{
		Name:            sandboxRobotName,
		Webhook:         base + "/robot/send?access_token=" + sandboxToken,
		AllowCustomHost: true,
	}}
	a.defaultR = sandboxRobotName
	a.notice = "no robot configured: messages go to dingbot's built-in sandbox and nothing leaves this machine (run `dingbot config init` to add a real robot)"
	if env := os.Getenv(config.EnvConfig); env != "" {
		if _, err := os.Stat(env); err != nil {
			a.notice = fmt.Sprintf("no robot configured (%s names %s, which does not exist): messages go to dingbot's built-in sandbox and nothing leaves this machine", config.EnvConfig, env)
		}
	}
	return nil
}

// robot returns the robot called name, or the default robot when name is empty.
func (a *app) robot(name string) (dingtalk.Robot, error) {
	if a.sandbox != nil && (name == "" || name == sandboxRobotName) {
		return a.robots[0], nil
	}
	r, err := a.cfg.Robot(name)
	if err != nil {
		return dingtalk.Robot{}, usageError{err}
	}
	return r, nil
}

// warnConfig prints the config's warnings (a world-readable secret, say) to w. Warnings about
// other robots being unavailable are left out when a working robot was chosen: they are noise
// in a script that sends through another robot.
func (a *app) warnConfig(w io.Writer, chosen string) {
	for _, msg := range a.cfg.Warnings {
		if chosen != "" && a.aboutOtherUnavailableRobot(msg, chosen) {
			continue
		}
		fmt.Fprintln(w, "dingbot: warning:", msg)
	}
}

func (a *app) aboutOtherUnavailableRobot(warning, chosen string) bool {
	for name := range a.cfg.Unavailable {
		if name != chosen && strings.HasPrefix(warning, "robot "+name+" is unavailable") {
			return true
		}
	}
	return false
}

// unwrapPathError drops the path *os.PathError repeats, keeping "no such file or directory".
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// version is set at build time with -ldflags "-X main.version=…"; otherwise it comes from the
// module's build info.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// readContent returns the message content: the file's text with --file, standard input when the
// argument is "-", otherwise the arguments joined by spaces.
func readContent(args []string, file string, stdin io.Reader) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usagef("give the content either as an argument or with --file, not both")
	case file == "-":
		return readAll(stdin)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageError{fmt.Errorf("read --file: %w", err)}
		}
		return string(b), nil
	case len(args) == 1 && args[0] == "-":
		return readAll(stdin)
	case len(args) == 0:
		return "", usagef("no text given: pass it as an argument, with --file PATH, or as - to read standard input")
	}
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s, nil
}

func readAll(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("no standard input to read the content from")
	}
	b, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return string(b), nil
}
