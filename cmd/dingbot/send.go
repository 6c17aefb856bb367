package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// sendFlags are the flags of every `dingbot send` subcommand.
type sendFlags struct {
	file          string
	webhook       string
	secret        string
	secretEnv     string
	sandbox       bool
	atMobiles     []string
	atUsers       []string
	atNames       []string
	atAll         bool
	msgUUID       string
	dryRun        bool
	jsonOut       bool
	noWait        bool
	appendKeyword bool
	keywords      []string

	title       string
	text        string
	messageURL  string
	picURL      string
	singleTitle string
	singleURL   string
	buttons     []string
	orientation string
	hideAvatar  bool
	links       []string
}

const sendExitCodes = `Exit codes:
  0    sent (with --dry-run: valid, nothing sent)
  1    DingTalk refused the message: errcode, errmsg and a hint on stderr
  2    bad usage, bad config, no robot, or an invalid message: nothing was sent
  3    network failure or timeout (the message says whether it may have been posted)
  4    rate limited (20 messages a minute per robot) and --no-wait given
  5    the state directory cannot be used: nothing was sent
  130  interrupted (ctrl+c); 128+N for another signal N`

func newSendCmd(g *globalFlags, s streams) *cobra.Command {
	f := &sendFlags{}
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send one message from a script or a shell",
		Long: `Send one message of any DingTalk type to a robot and exit.

The robot comes from --robot (a name in the config), --webhook (a token or the whole webhook
URL, with --secret-env or --secret - for signed robots), or the config's default robot. With no
robot configured, send fails (exit 2) rather than pretend: --sandbox sends to dingbot's
built-in sandbox on purpose, and nothing leaves this machine.

Every send carries a msgUuid (--msg-uuid, or a fresh one), printed with the result: DingTalk
posts a message with the same msgUuid once, so a resend after a timeout is safe with it.

Content comes from the arguments, from --file PATH, or from standard input when it is "-".
People mentioned with --at, --at-user or --at-name are written into the text as @handle when it
lacks them, because DingTalk notifies only people whose @ appears in the text.

` + sendExitCodes,
		Example: `  dingbot send text "build 42 passed" --at 13800000000
  echo "build 42 passed" | dingbot send text -
  dingbot send markdown --title Deploy --file notes.md --at-name Alice
  dingbot send link --title "Release 1.2" --text "What's new" --url https://example.com/r/1.2
  dingbot send actioncard --title Approve --text "Ship 1.2?" --button "Approve=https://example.com/y" --button "Reject=https://example.com/n"
  dingbot send feedcard --link "Notes|https://example.com/n|https://example.com/n.png"
  dingbot send markdown --title T --text "**hi**" --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				did := ""
				if sug := suggestCommand(cmd, args[0]); len(sug) > 0 {
					did = fmt.Sprintf(" (did you mean %q?)", sug[0])
				}
				err := usagef("unknown message type %q%s: use text, markdown, link, actioncard or feedcard", args[0], did)
				return reportSend(s, f, sendOutcome{err: err})
			}
			if !f.jsonOut {
				_ = cmd.Help()
			}
			return usagef("say which message type to send: text, markdown, link, actioncard or feedcard")
		},
	}
	p := cmd.PersistentFlags()
	p.StringVar(&f.webhook, "webhook", "", "send to this webhook: the access token or the whole URL (any host allowed)")
	p.StringVar(&f.secret, "secret", "", `signing secret (SEC…) for --webhook; "-" reads it from standard input (a value here is visible in ps and shell history: prefer --secret-env)`)
	p.StringVar(&f.secretEnv, "secret-env", "", "read the signing secret from this environment variable (e.g. DINGBOT_SECRET)")
	p.BoolVar(&f.sandbox, "sandbox", false, "send to dingbot's built-in sandbox: nothing leaves this machine")
	p.StringArrayVar(&f.atMobiles, "at", nil, "mention by mobile number, e.g. 13800000000 or +852-12345678 (repeatable)")
	p.StringArrayVar(&f.atUsers, "at-user", nil, "mention by DingTalk userId (repeatable)")
	p.StringArrayVar(&f.atNames, "at-name", nil, "mention a contact from the config by name (repeatable)")
	p.BoolVar(&f.atAll, "at-all", false, "mention everyone in the group")
	p.StringVar(&f.msgUUID, "msg-uuid", "", "idempotency key (default: a fresh one, printed): DingTalk posts a message with the same key once, so a resend after a timeout is safe")
	p.BoolVar(&f.dryRun, "dry-run", false, "print the exact request (token and sign redacted) and send nothing")
	p.BoolVar(&f.jsonOut, "json", false, "print one JSON object with ok, errcode, errmsg, hint, robot, msgtype, bytes")
	p.BoolVar(&f.noWait, "no-wait", false, "fail at once (exit 4) instead of waiting when the robot has sent 20 messages in the last minute")
	p.BoolVar(&f.appendKeyword, "append-keyword", false, "append the robot's first keyword when the message contains none")
	p.StringArrayVar(&f.keywords, "keyword", nil, "a security keyword of the robot (repeatable): checked before sending, used by --append-keyword; for --webhook robots")

	cmd.AddCommand(
		sendSub(g, s, f, "text [CONTENT|-]", "Send a plain text message", func(args []string) (dingtalk.Message, error) {
			content, err := readContent(args, f.file, s.in)
			if err != nil {
				return dingtalk.Message{}, err
			}
			return dingtalk.NewText(strings.TrimRight(content, "\n")), nil
		}, fileFlag(f)),
		sendSub(g, s, f, "markdown [TEXT|-]", "Send a markdown message", func(args []string) (dingtalk.Message, error) {
			text, err := textOrContent(f, args, s.in)
			if err != nil {
				return dingtalk.Message{}, err
			}
			title := f.title
			if title == "" {
				title = defaultTitle(text)
			}
			return dingtalk.NewMarkdown(title, text), nil
		}, fileFlag(f), titleFlag(f, "title shown in the chat list and notification (default: the first heading or line)"), textFlag(f)),
		sendSub(g, s, f, "link [TEXT|-]", "Send a link card", func(args []string) (dingtalk.Message, error) {
			text, err := textOrContent(f, args, s.in)
			if err != nil {
				return dingtalk.Message{}, err
			}
			return dingtalk.NewLink(f.title, strings.TrimSpace(text), f.messageURL, f.picURL), nil
		}, fileFlag(f), titleFlag(f, "card title (required)"), textFlag(f), func(c *cobra.Command) {
			c.Flags().StringVar(&f.messageURL, "url", "", "where the card leads: http(s):// or dingtalk:// (required)")
			c.Flags().StringVar(&f.picURL, "pic", "", "picture URL (optional)")
		}),
		sendSub(g, s, f, "actioncard [TEXT|-]", "Send an action card with one or several buttons", func(args []string) (dingtalk.Message, error) {
			return buildActionCard(f, args, s.in)
		}, fileFlag(f), titleFlag(f, "card title (required)"), textFlag(f), func(c *cobra.Command) {
			c.Flags().StringVar(&f.singleTitle, "single-title", "", "title of the one button that covers the whole card")
			c.Flags().StringVar(&f.singleURL, "single-url", "", "URL of the whole-card button")
			c.Flags().StringArrayVar(&f.buttons, "button", nil, `a button as "Title=URL" (repeatable)`)
			c.Flags().StringVar(&f.orientation, "orientation", "vertical", "buttons stacked (vertical) or side by side (horizontal)")
			c.Flags().BoolVar(&f.hideAvatar, "hide-avatar", false, "hide the robot's avatar")
		}),
		sendSub(g, s, f, "feedcard", "Send a feed card: a list of linked items with pictures", func(args []string) (dingtalk.Message, error) {
			return buildFeedCard(f, args)
		}, func(c *cobra.Command) {
			c.Flags().StringArrayVar(&f.links, "link", nil, `an item as "Title|MESSAGE_URL|PIC_URL" (repeatable)`)
		}),
	)
	return cmd
}

// sendExamples shows each message type in use, for its --help.
var sendExamples = map[string]string{
	"text": `  dingbot send text "build 42 passed" --at 13800000000
  echo "build 42 passed" | dingbot send text -
  dingbot send text "disk full on db1" --robot alerts --at-name Alice --no-wait`,
	"markdown": `  dingbot send markdown --title "Deploy" --file notes.md --at-name Alice
  dingbot send markdown --text $'# Build 42\n\n- **passed** in 3m' --dry-run
  git log -5 --format='- %s' | dingbot send markdown --title "Latest commits" -`,
	"link": `  dingbot send link --title "Release 1.2" --text "What's new" --url https://example.com/r/1.2
  dingbot send link --title "Dashboard" --text "Traffic this week" --url https://example.com/d --pic https://example.com/d.png`,
	"actioncard": `  dingbot send actioncard --title "Ship 1.2?" --text "All checks green." \
      --button "Approve=https://example.com/y" --button "Reject=https://example.com/n" --orientation horizontal
  dingbot send actioncard --title "Incident 7" --file incident.md --single-title "Open runbook" --single-url https://example.com/rb`,
	"feedcard": `  dingbot send feedcard \
      --link "Release notes|https://example.com/notes|https://example.com/notes.png" \
      --link "Migration guide|https://example.com/guide|https://example.com/guide.png"`,
}

func fileFlag(f *sendFlags) func(*cobra.Command) {
	return func(c *cobra.Command) {
		c.Flags().StringVar(&f.file, "file", "", `read the text from this file ("-" for standard input)`)
	}
}

func titleFlag(f *sendFlags, usage string) func(*cobra.Command) {
	return func(c *cobra.Command) { c.Flags().StringVar(&f.title, "title", "", usage) }
}

func textFlag(f *sendFlags) func(*cobra.Command) {
	return func(c *cobra.Command) {
		c.Flags().StringVar(&f.text, "text", "", "the text (markdown for markdown and action cards)")
	}
}

// sendSub builds one `send TYPE` subcommand around a function that turns its arguments into
// a message.
func sendSub(g *globalFlags, s streams, f *sendFlags, use, short string, build func([]string) (dingtalk.Message, error), flagSets ...func(*cobra.Command)) *cobra.Command {
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    short + ".\n\n" + sendExitCodes,
		Example: sendExamples[strings.Fields(use)[0]],
		RunE: func(cmd *cobra.Command, args []string) error {
			msg, err := build(args)
			if err != nil {
				return reportSend(s, f, sendOutcome{err: err})
			}
			return sendMessage(cmd.Context(), g, f, s, msg)
		},
	}
	for _, fs := range flagSets {
		fs(c)
	}
	return c
}

func textOrContent(f *sendFlags, args []string, stdin io.Reader) (string, error) {
	if f.text != "" {
		if len(args) > 0 || f.file != "" {
			return "", usagef("give the text once: with --text, --file or as an argument")
		}
		return f.text, nil
	}
	return readContent(args, f.file, stdin)
}

// defaultTitle is the first heading of markdown text, or else its first non-empty line.
func defaultTitle(text string) string {
	first := ""
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#") {
			return truncate(strings.TrimSpace(strings.TrimLeft(t, "#")), 64)
		}
		if first == "" {
			first = t
		}
	}
	return truncate(first, 64)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func buildActionCard(f *sendFlags, args []string, stdin io.Reader) (dingtalk.Message, error) {
	text, err := textOrContent(f, args, stdin)
	if err != nil {
		return dingtalk.Message{}, err
	}
	card := dingtalk.ActionCard{Title: f.title, Text: text, SingleTitle: f.singleTitle, SingleURL: f.singleURL}
	for _, b := range f.buttons {
		title, u, ok := strings.Cut(b, "=")
		if !ok || strings.TrimSpace(title) == "" || strings.TrimSpace(u) == "" {
			return dingtalk.Message{}, usagef(`--button %q: write it as "Title=URL"`, b)
		}
		card.Buttons = append(card.Buttons, dingtalk.Button{Title: strings.TrimSpace(title), ActionURL: strings.TrimSpace(u)})
	}
	switch strings.ToLower(f.orientation) {
	case "vertical", "v", "0", "":
		card.BtnOrientation = dingtalk.ButtonsVertical
	case "horizontal", "h", "1":
		card.BtnOrientation = dingtalk.ButtonsHorizontal
	default:
		return dingtalk.Message{}, usagef("--orientation %q: use vertical or horizontal", f.orientation)
	}
	if f.hideAvatar {
		card.HideAvatar = "1"
	} else {
		card.HideAvatar = "0"
	}
	return dingtalk.NewActionCard(card), nil
}

func buildFeedCard(f *sendFlags, args []string) (dingtalk.Message, error) {
	if len(args) > 0 {
		return dingtalk.Message{}, usagef(`a feed card has no text: give its items with --link "Title|MESSAGE_URL|PIC_URL"`)
	}
	if len(f.links) == 0 {
		return dingtalk.Message{}, usagef(`a feed card needs at least one --link "Title|MESSAGE_URL|PIC_URL"`)
	}
	var links []dingtalk.FeedLink
	for _, l := range f.links {
		parts := strings.Split(l, "|")
		if len(parts) != 3 {
			return dingtalk.Message{}, usagef(`--link %q: write it as "Title|MESSAGE_URL|PIC_URL"`, l)
		}
		links = append(links, dingtalk.FeedLink{Title: strings.TrimSpace(parts[0]), MessageURL: strings.TrimSpace(parts[1]), PicURL: strings.TrimSpace(parts[2])})
	}
	return dingtalk.NewFeedCard(links...), nil
}

// sendOutcome is everything reported about one send.
type sendOutcome struct {
	robot    string
	msgtype  dingtalk.MsgType
	prepared *dingtalk.Prepared
	url      string // redacted
	err      error
	dryRun   bool
	arrival  *sandbox.Arrival
	// sandbox is true when the robot is dingbot's built-in sandbox: nothing left the machine.
	sandbox bool
	// msgUUID is the idempotency key the message carried (or would have carried).
	msgUUID string
	// resent says a second request went out (the first one's outcome was unknown).
	resent bool
}

// sendMessage resolves the robot and mentions, then sends msg (or, with --dry-run, shows it).
func sendMessage(ctx context.Context, g *globalFlags, f *sendFlags, s streams, msg dingtalk.Message) error {
	out := sendOutcome{msgtype: msg.Type, dryRun: f.dryRun}
	a, robot, err := resolveRobot(ctx, g, f, s.in)
	if err != nil {
		out.err = err
		return reportSend(s, f, out)
	}
	out.robot = robot.Name
	if a.sandbox == nil {
		s = s.redacting(robot)
	}
	// stderr, whatever the output format: --json keeps stdout to one object, and a send to the
	// sandbox must never pass for a real one.
	if a.notice != "" {
		fmt.Fprintln(s.err, "dingbot:", a.notice)
	}
	a.warnConfig(s.err, robot.Name)
	out.sandbox = a.sandbox != nil

	if f.appendKeyword && len(robot.Keywords) == 0 {
		fmt.Fprintf(s.err, "dingbot: warning: --append-keyword: robot %s has no keywords configured, so nothing is appended (give them with --keyword, or keywords in the config)\n", robot.Name)
	}
	if err := addMentions(&msg, f, a); err != nil {
		out.err = err
		return reportSend(s, f, out)
	}
	opts := dingtalk.PrepareOptions{AppendKeyword: f.appendKeyword}
	msg.MsgUUID = f.msgUUID
	if msg.MsgUUID == "" {
		// Every send carries a key, so that the hint after a timeout ("resend with --msg-uuid")
		// can name one: DingTalk posts a message with the same key once.
		if p, err := dingtalk.Prepare(robot, msg, opts); err == nil {
			msg.MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
		}
	}
	out.msgUUID = msg.MsgUUID

	if f.dryRun {
		ep, err := robot.Endpoint()
		if err != nil {
			out.err = usageError{fmt.Errorf("robot %s: %w", robot.Name, err)}
			return reportSend(s, f, out)
		}
		out.url = dingtalk.Redacted(dingtalk.SignedURL(ep, robot.Secret, time.Now()))
		out.prepared, out.err = dingtalk.Prepare(robot, msg, opts)
		return reportSend(s, f, out)
	}

	if !f.noWait {
		a.client.WaitForSlot = true
		a.client.OnWait = waitReporter(s.err)
	}
	res, err := a.client.SendWith(ctx, robot, msg, opts)
	out.err = err
	if res != nil {
		out.prepared = res.Prepared
		out.resent = res.Resent
	} else {
		// The send failed: prepare again (cheap, no I/O) to report the size and warnings.
		out.prepared, _ = dingtalk.Prepare(robot, msg, opts)
	}
	var te *dingtalk.TransportError
	if errors.As(err, &te) {
		out.resent = te.Resent
	}
	if a.sandbox != nil && err == nil {
		if acc := a.sandbox.Accepted(); len(acc) > 0 {
			out.arrival = &acc[len(acc)-1]
		}
	}
	return reportSend(s, f, out)
}

// resolveRobot picks the robot from --sandbox, --webhook, --robot or the config's default.
func resolveRobot(ctx context.Context, g *globalFlags, f *sendFlags, stdin io.Reader) (*app, dingtalk.Robot, error) {
	if f.sandbox && (f.webhook != "" || g.robot != "") {
		return nil, dingtalk.Robot{}, usagef("--sandbox sends to the built-in sandbox: leave out --robot and --webhook")
	}
	for _, k := range f.keywords {
		if strings.TrimSpace(k) == "" {
			return nil, dingtalk.Robot{}, usagef("--keyword: a keyword is empty, and an empty keyword matches nothing DingTalk checks: give the robot's keyword, or leave the flag out")
		}
	}
	secret, err := secretFromFlags(f, stdin)
	if err != nil {
		return nil, dingtalk.Robot{}, err
	}
	mode := sandboxNever
	if f.sandbox {
		mode = sandboxAlways
	}
	a, err := loadAppWith(ctx, *g, mode)
	if err != nil {
		return nil, dingtalk.Robot{}, err
	}
	if f.webhook != "" {
		if g.robot != "" {
			return a, dingtalk.Robot{}, usagef("give either --robot or --webhook, not both")
		}
		r := dingtalk.Robot{Name: "webhook", Webhook: f.webhook, Secret: secret, Keywords: f.keywords, AllowCustomHost: true}
		if _, err := r.Endpoint(); err != nil {
			return a, r, usageError{fmt.Errorf("--webhook: %w", err)}
		}
		return a, r, nil
	}
	if a.sandbox == nil && a.cfg.Empty() {
		return a, dingtalk.Robot{}, a.noRobot()
	}
	r, err := a.robot(g.robot)
	if err != nil {
		return a, r, err
	}
	if secret != "" {
		r.Secret = secret
	}
	r.Keywords = append(r.Keywords, f.keywords...)
	return a, r, nil
}

// secretFromFlags returns the signing secret given by --secret, --secret - (standard input) or
// --secret-env, checked. Its errors never contain the secret.
func secretFromFlags(f *sendFlags, stdin io.Reader) (string, error) {
	var secret string
	switch {
	case f.secret != "" && f.secretEnv != "":
		return "", usagef("give the secret once: --secret or --secret-env")
	case f.secretEnv != "":
		if dingtalk.LooksSecret(f.secretEnv) {
			return "", usagef("--secret-env takes the name of an environment variable, but what was given looks like the secret itself: export DINGBOT_SECRET=… and pass --secret-env DINGBOT_SECRET")
		}
		v, ok := os.LookupEnv(f.secretEnv)
		if !ok || strings.TrimSpace(v) == "" {
			return "", usagef("--secret-env %s: the variable is not set (or is empty)", config.SafeName(f.secretEnv))
		}
		secret = strings.TrimSpace(v)
		if !strings.HasPrefix(secret, "SEC") {
			return "", usagef("--secret-env %s: the secret must start with SEC (copy it from the robot's security settings)", config.SafeName(f.secretEnv))
		}
		return secret, nil
	case f.secret == "-":
		if f.file == "-" || f.text == "-" {
			return "", usagef("--secret - and the content both want standard input: give the secret with --secret-env NAME")
		}
		line, err := readSecretLine(stdin)
		if err != nil {
			return "", err
		}
		secret = line
	default:
		secret = strings.TrimSpace(f.secret)
	}
	if secret != "" && !strings.HasPrefix(secret, "SEC") {
		return "", usagef("--secret must start with SEC (copy it from the robot's security settings)")
	}
	return secret, nil
}

// readSecretLine reads the first line of standard input: the secret, for --secret -.
func readSecretLine(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", usagef("--secret -: no standard input to read the secret from")
	}
	r := bufio.NewReader(io.LimitReader(stdin, 4096))
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", usageError{fmt.Errorf("--secret -: read standard input: %w", err)}
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", usagef("--secret -: standard input was empty; pipe the secret in, e.g. pass show dingtalk/ops | dingbot send … --secret -")
	}
	return line, nil
}

func addMentions(msg *dingtalk.Message, f *sendFlags, a *app) error {
	at := &dingtalk.At{IsAtAll: f.atAll}
	for _, m := range f.atMobiles {
		at.AtMobiles = appendNew(at.AtMobiles, strings.TrimPrefix(strings.TrimSpace(m), "@"))
	}
	for _, u := range f.atUsers {
		at.AtUserIDs = appendNew(at.AtUserIDs, strings.TrimPrefix(strings.TrimSpace(u), "@"))
	}
	if len(f.atNames) > 0 {
		if err := a.cfg.Contacts.MentionNames(at, f.atNames...); err != nil {
			return usageError{fmt.Errorf("--at-name: %w", err)}
		}
	}
	if !at.Empty() {
		msg.At = at
	}
	return nil
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// waitReporter tells the user, every ten seconds, how long a send still waits for a slot.
func waitReporter(w io.Writer) func(string, time.Duration) {
	last := -1
	return func(robot string, remaining time.Duration) {
		secs := int((remaining + time.Second - 1) / time.Second)
		if last >= 0 && last-secs < 10 && secs > 0 {
			return
		}
		last = secs
		fmt.Fprintf(w, "dingbot: robot %s has sent 20 messages in the last minute; waiting %ds for a free slot (--no-wait fails instead)\n", robot, secs)
	}
}

// jsonResult is the one object `dingbot send --json` prints, whatever happened.
type jsonResult struct {
	OK         bool     `json:"ok"`
	Errcode    *int     `json:"errcode"`
	Errmsg     string   `json:"errmsg"`
	Hint       string   `json:"hint"`
	Robot      string   `json:"robot"`
	Msgtype    string   `json:"msgtype"`
	Bytes      int      `json:"bytes"`
	Error      string   `json:"error,omitempty"`
	RetryAfter int      `json:"retry_after_seconds,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	MsgUUID    string   `json:"msg_uuid,omitempty"`
	Resent     bool     `json:"resent,omitempty"`
	// MaybeDelivered: the outcome is unknown; resend with msg_uuid to post at most once.
	MaybeDelivered bool            `json:"maybe_delivered,omitempty"`
	Sandbox        bool            `json:"sandbox,omitempty"`
	DryRun         bool            `json:"dry_run,omitempty"`
	URL            string          `json:"url,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
}

// reportSend prints the outcome for people or, with --json, as one object, and returns an error
// carrying the exit code.
func reportSend(s streams, f *sendFlags, o sendOutcome) error {
	if f.jsonOut {
		writeJSONResult(s.out, o)
	} else {
		writeHumanResult(s, o)
	}
	if o.err != nil {
		return exitError{code: exitCode(o.err)}
	}
	return nil
}

func writeJSONResult(w io.Writer, o sendOutcome) {
	r := jsonResult{OK: o.err == nil, Robot: o.robot, Msgtype: string(o.msgtype), DryRun: o.dryRun, URL: o.url, Error: errorKind(o.err), Sandbox: o.sandbox, MsgUUID: o.msgUUID, Resent: o.resent}
	if p := o.prepared; p != nil {
		r.Bytes = p.Bytes
		for _, w := range p.Warnings {
			r.Warnings = append(r.Warnings, w.String())
		}
		if o.dryRun && p.Body != nil {
			r.Body = p.Body
		}
	}
	var (
		api  *dingtalk.APIError
		rate *dingtalk.RateLimitError
	)
	switch {
	case o.err == nil:
		zero := 0
		r.Errcode, r.Errmsg = &zero, "ok"
		if o.dryRun {
			r.Errcode, r.Errmsg = nil, "dry run: valid, nothing sent"
		}
	case errors.As(o.err, &api):
		code := api.Code
		r.Errcode, r.Errmsg, r.Hint = &code, api.Message, api.Hint
		r.Resent, r.MaybeDelivered = api.Resent, api.MaybeDelivered
	default:
		r.Errmsg, r.Hint = o.err.Error(), localHint(o.err, o.msgUUID)
		var tr *dingtalk.TransportError
		if errors.As(o.err, &tr) {
			r.MaybeDelivered = tr.MaybeDelivered
		}
		if errors.As(o.err, &rate) {
			r.RetryAfter = int((rate.Wait + time.Second - 1) / time.Second)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
}

// localHint says what to do about a failure that happened before DingTalk answered. msgUUID
// is the key the message carried, for the resend advice.
func localHint(err error, msgUUID string) string {
	var (
		kw    *dingtalk.KeywordError
		val   *dingtalk.ValidationError
		rate  *dingtalk.RateLimitError
		tr    *dingtalk.TransportError
		state *dingtalk.StateError
	)
	switch {
	case errors.As(err, &kw):
		return "add one of the robot's keywords to " + dingtalk.KeywordPlace(kw.MsgType) + ", or pass --append-keyword"
	case errors.As(err, &val):
		return "fix the fields named above; nothing was sent"
	case errors.As(err, &rate):
		return "wait the given seconds, or drop --no-wait to let dingbot wait for a free slot"
	case errors.As(err, &tr):
		if tr.MaybeDelivered && msgUUID != "" {
			return "the message may have been posted: resend with --msg-uuid " + msgUUID + " and DingTalk posts it at most once"
		}
		if tr.MaybeDelivered {
			return "the message may have been posted: check the group before resending"
		}
		return "check the network, a proxy (HTTPS_PROXY) or the webhook host; nothing was posted"
	}
	if errors.As(err, &state) {
		return state.Hint()
	}
	if errors.As(err, new(noRobotError)) {
		return "dingbot config init writes a commented config to fill in; dingbot send … --sandbox tries everything locally"
	}
	if errors.As(err, new(configError)) {
		return "fix the config named above (dingbot config path shows where it is, dingbot robots what it holds); nothing was sent"
	}
	return "see dingbot send --help"
}

func writeHumanResult(s streams, o sendOutcome) {
	if p := o.prepared; p != nil {
		for _, w := range p.Warnings {
			fmt.Fprintln(s.err, "dingbot: warning:", w)
		}
	}
	var api *dingtalk.APIError
	switch {
	case o.err == nil && o.dryRun:
		fmt.Fprintf(s.out, "POST %s\nContent-Type: %s\n\n%s\n", o.url, dingtalk.ContentType, o.prepared.Body)
		fmt.Fprintf(s.err, "dingbot: dry run: %s message for robot %s is valid (%d of %d bytes); nothing was sent\n", o.msgtype, o.robot, o.prepared.Bytes, dingtalk.MaxBodyBytes)
	case o.err == nil:
		fmt.Fprintf(s.out, "sent %s message to robot %s (%d bytes, msgUuid %s)\n", o.msgtype, o.robot, o.prepared.Bytes, o.msgUUID)
		if o.resent {
			fmt.Fprintln(s.err, "dingbot: the first request's outcome was unknown, so it was sent again with the same msgUuid: DingTalk posts it once")
		}
		if o.arrival != nil {
			fmt.Fprintln(s.err, sandboxview.Render(*o.arrival, 80, sandboxview.StyleFor(s.err, os.Getenv)))
		}
	case errors.As(o.err, &api):
		fmt.Fprintf(s.err, "dingbot: DingTalk refused the message: errcode %d: %s\n  hint: %s\n", api.Code, api.Message, api.Hint)
		if api.Resent && api.MaybeDelivered {
			fmt.Fprintf(s.err, "  note: DingTalk refused a resend; the first request got no answer and may have posted the message (msgUuid %s)\n", o.msgUUID)
		}
	default:
		fmt.Fprintln(s.err, "dingbot:", o.err)
		if exitCode(o.err) != exitUsage || errorKind(o.err) != "usage" {
			fmt.Fprintln(s.err, "  hint:", localHint(o.err, o.msgUUID))
		}
	}
}
