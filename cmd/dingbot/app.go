package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/history"
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
	// mouse starts the composer with mouse mode on (--mouse on dingbot and dingbot compose).
	mouse bool
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
	// missingConfig says that $DINGBOT_CONFIG names a file that does not exist.
	missingConfig string
	// state is the shared state (rate limits, quota, outbox); stateErr why it could not be
	// opened, in which case every send fails with it.
	state    *sharedState
	stateErr error
	// history is the history all faces share: the client files every send it posts there (the
	// built-in sandbox's as robot "sandbox"), and the outbox files what it queues; face says
	// which face this process is (cli unless the command says otherwise).
	history *history.History
	face    history.Face
}

// sandboxMode says when loadApp serves the built-in sandbox.
type sandboxMode int

const (
	sandboxNever   sandboxMode = iota // real robots only
	sandboxIfEmpty                    // the zero-config default of the composer and the MCP server
	sandboxAlways                     // send --sandbox: the user asked for it
)

// loadApp reads the config and prepares the client. With no robot configured anywhere and
// useSandbox set, it starts an in-process sandbox on loopback and offers its robot.
//
// Its sends are filed in the history as the composer's (the MCP server says it is itself).
func loadApp(ctx context.Context, g globalFlags, useSandbox bool) (*app, error) {
	mode := sandboxNever
	if useSandbox {
		mode = sandboxIfEmpty
	}
	a, err := loadAppWith(ctx, g, mode)
	if a != nil {
		a.face = history.FaceComposer
	}
	return a, err
}

// loadAppWith is loadApp with the sandbox chosen by mode.
func loadAppWith(ctx context.Context, g globalFlags, mode sandboxMode) (*app, error) {
	path := g.configPath
	missing := ""
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
		if env := os.Getenv(config.EnvConfig); env != "" {
			if _, err := os.Stat(env); err != nil {
				missing = fmt.Sprintf("%s names %s, which does not exist", config.EnvConfig, env)
			}
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{configError{err}}
	}
	stateDir, err := config.StateDir()
	if err != nil {
		return nil, &dingtalk.StateError{Dir: "(unknown)", Op: "find", Err: err}
	}
	client := dingtalk.NewClient(g.timeout)
	client.OrgMonthlyQuota = cfg.OrgMonthlyQuota
	state, stateErr := openState(ctx, cfg, stateDir)
	if stateErr != nil {
		broken := brokenState{stateErr}
		client.Limiter, client.Meter = broken, broken
	} else {
		client.Limiter, client.Meter = state.limiter, state.meter
	}
	if missing != "" && !cfg.Empty() {
		cfg.Warnings = append(cfg.Warnings, missing+": only robots from the environment are used")
	}
	a := &app{cfg: cfg, configPath: path, missingConfig: missing, robots: cfg.Robots, defaultR: cfg.DefaultRobot, client: client, stateDir: stateDir, state: state, stateErr: stateErr,
		history: history.Open(stateDir), face: history.FaceCLI}
	// Every send any face posts is filed once, by the client (a dry run posts nothing); copies of
	// the client (the outbox's) file theirs too. The history names robots, never webhooks.
	client.Posted = a.history.Recorder(a.currentFace, client.Now, nil)
	if state != nil {
		state.store = recordingStore{Store: state.store, h: a.history, face: a.currentFace}
	}
	if mode == sandboxAlways || (mode == sandboxIfEmpty && cfg.Empty()) {
		if err := a.startSandbox(ctx); err != nil {
			return nil, err
		}
		if mode == sandboxAlways {
			a.notice = "--sandbox: messages go to dingbot's built-in sandbox and nothing leaves this machine"
		}
	}
	return a, nil
}

// noRobotError is the error of a send with no robot at all.
type noRobotError struct{ error }

func (e noRobotError) Unwrap() error { return e.error }

// noRobotError explains that send has no robot to send with, and the three ways to get one.
func (a *app) noRobot() error {
	where := "no robot is configured"
	switch {
	case a.missingConfig != "":
		where = "no robot is configured (" + a.missingConfig + ")"
	case a.cfg.Path == "":
		where = "no robot is configured (there is no config file at " + a.configPath + ")"
	}
	return usageError{configError{noRobotError{fmt.Errorf("%s and nothing was sent: run `dingbot config init` and paste the robot's webhook, set %s, give --webhook URL, or pass --sandbox to send to dingbot's built-in sandbox on purpose", where, config.EnvToken)}}}
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
	if a.missingConfig != "" {
		// What it means first, the (possibly long) path last: a narrow status line cuts the end.
		a.notice = fmt.Sprintf("no robot configured: messages go to dingbot's built-in sandbox and nothing leaves this machine (%s)", a.missingConfig)
	}
	return nil
}

// robot returns the robot called name, or the default robot when name is empty.
func (a *app) robot(name string) (dingtalk.Robot, error) {
	if a.sandbox != nil && (name == "" || name == sandboxRobotName) {
		return a.robots[0], nil
	}
	r, err := a.cfg.Robot(name)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, config.ErrUnknownRobot):
		return dingtalk.Robot{}, unknownRobotError{err}
	}
	// The robot is configured but broken (or no default is usable): a config problem.
	return dingtalk.Robot{}, usageError{configError{err}}
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

// maxInputBytes caps what --file and standard input may hold. A DingTalk message is at most
// 20 000 bytes; the cap leaves room for text that is trimmed or split, and keeps a wrong path
// (a video, /dev/zero) from eating memory.
const maxInputBytes = 1 << 20

// readContent returns the message content: the file's text with --file, standard input when the
// argument is "-", otherwise the arguments joined by spaces.
func readContent(args []string, file string, stdin io.Reader) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usagef("give the content either as an argument or with --file, not both")
	case file == "-":
		return readAll(stdin)
	case file != "":
		return readFile(file)
	case len(args) == 1 && args[0] == "-":
		return readAll(stdin)
	case len(args) == 0:
		return "", usagef("no text given: pass it as an argument, with --file PATH, or as - to read standard input")
	}
	return strings.Join(args, " "), nil
}

// readFile reads --file, refusing a file over maxInputBytes before reading any of it.
func readFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", usageError{fmt.Errorf("read --file: %w", err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", usageError{fmt.Errorf("read --file: %w", err)}
	}
	if fi.IsDir() {
		return "", usagef("--file %s is a directory: give a text file", path)
	}
	if fi.Mode().IsRegular() && fi.Size() > maxInputBytes {
		return "", usagef("--file %s is %s; dingbot reads at most %s (a DingTalk message is at most %d bytes)", path, sizeString(fi.Size()), sizeString(maxInputBytes), dingtalk.MaxBodyBytes)
	}
	return readCapped(f, "--file "+path)
}

func readAll(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("no standard input to read the content from")
	}
	return readCapped(r, "standard input")
}

// readCapped reads r whole, failing as soon as it holds more than maxInputBytes.
func readCapped(r io.Reader, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return "", usageError{fmt.Errorf("read %s: %w", what, err)}
	}
	if len(b) > maxInputBytes {
		return "", usagef("%s holds more than %s; dingbot reads at most that much (a DingTalk message is at most %d bytes)", what, sizeString(maxInputBytes), dingtalk.MaxBodyBytes)
	}
	// Editors on Windows may save a byte-order mark; it is no part of the message.
	return strings.TrimPrefix(string(b), "\ufeff"), nil
}

// sizeString writes a byte count for people: 600 MB, 1 MiB, 512 bytes.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
