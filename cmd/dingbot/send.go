package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
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
	queue         bool
	split         bool
	force         bool
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
	template      string
	vars          []string
	varsFile      string

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
  4    rate limited (20 messages a minute per robot) and --no-wait given, the robot paused
       by DingTalk's throttle, or a monthly quota used up (--force sends anyway)
  5    the state directory cannot be used: nothing was sent
  130  interrupted (ctrl+c); 128+N for another signal N`

func newSendCmd(g *globalFlags, s streams) *cobra.Command {
	f := &sendFlags{}
	s, quiet := newQuietSend(s)
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

With --template NAME the message comes from a template instead (dingbot template ls lists them,
dingbot template show NAME its variables): the template decides the message type, so no type is
given; --var name=value fills a variable, over the JSON object of --vars-file.

` + sendExitCodes,
		Example: `  dingbot send text "build 42 passed" --at 13800000000
  echo "build 42 passed" | dingbot send text -
  dingbot send markdown --title Deploy --file notes.md --at-name Alice
  dingbot send link --title "Release 1.2" --text "What's new" --url https://example.com/r/1.2
  dingbot send actioncard --title Approve --text "Ship 1.2?" --button "Approve=https://example.com/y" --button "Reject=https://example.com/n"
  dingbot send feedcard --link "Notes|https://example.com/n|https://example.com/n.png"
  dingbot send markdown --title T --text "**hi**" --dry-run
  dingbot send --template ci-result --var project=api --var status=failed --var url=https://ci.example.com/1
  dingbot send --template alert-firing --vars-file alert.json --var severity=warning --robot alerts --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.template != "" {
				if len(args) > 0 {
					return reportSend(s, f, sendOutcome{err: usagef("--template %s decides the message type: leave out %q (dingbot send --template %s --var name=value …)", f.template, args[0], f.template)})
				}
				return sendTemplate(cmd, g, f, s)
			}
			if len(f.vars) > 0 || f.varsFile != "" {
				return reportSend(s, f, sendOutcome{err: usagef("--var and --vars-file fill a template's variables: give --template NAME too (dingbot template ls lists them)")})
			}
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
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// "send markdwn --title T": the flag is unknown because the type is mistyped.
		if args := c.Flags().Args(); c == cmd && len(args) > 0 {
			if sug := suggestCommand(cmd, args[0]); len(sug) > 0 {
				return usagef("unknown message type %q (did you mean %q?): use text, markdown, link, actioncard or feedcard", args[0], sug[0])
			}
		}
		return usageError{err}
	})
	p := cmd.PersistentFlags()
	p.StringVar(&f.webhook, "webhook", "", "send to this webhook: the access token or the whole URL (any host allowed)")
	p.StringVar(&f.secret, "secret", "", `signing secret (SEC…) for --webhook; "-" reads it from standard input (a value here is visible in ps and shell history: prefer --secret-env)`)
	p.StringVar(&f.secretEnv, "secret-env", "", "read the signing secret from this environment variable (e.g. DINGBOT_SECRET)")
	p.BoolVar(&f.sandbox, "sandbox", false, "send to dingbot's built-in sandbox: nothing leaves this machine")
	p.BoolVar(&f.queue, "queue", false, "put the message in the outbox and return at once: it goes out as soon as the robot has a free slot (dingbot outbox ls)")
	p.BoolVar(&f.split, "split", false, "cut a message over 20 000 bytes into parts on markdown block boundaries, sent in order, each marked (1/3)")
	p.BoolVar(&f.force, "force", false, "send even when the robot's or the organisation's monthly quota is used up")
	p.StringArrayVar(&f.atMobiles, "at", nil, "mention by mobile number, e.g. 13800000000 or +852-12345678 (repeatable)")
	p.StringArrayVar(&f.atUsers, "at-user", nil, "mention by DingTalk userId (repeatable)")
	p.StringArrayVar(&f.atNames, "at-name", nil, "mention a contact from the config by name (repeatable)")
	p.BoolVar(&f.atAll, "at-all", false, "mention everyone in the group")
	p.StringVar(&f.msgUUID, "msg-uuid", "", "idempotency key (default: a fresh one, printed): DingTalk posts a message with the same key once, so a resend after a timeout is safe")
	p.BoolVar(&f.dryRun, "dry-run", false, "print the exact request (token and sign redacted) and send nothing")
	p.BoolVar(&f.jsonOut, "json", false, "print one JSON object with ok, errcode, errmsg, hint, robot, msgtype, bytes")
	p.BoolVarP(&quiet.on, "quiet", "q", false, "print nothing when the send succeeds (errors still go to standard error; the exit code says what happened)")
	p.BoolVar(&f.noWait, "no-wait", false, "fail at once (exit 4) instead of waiting when the robot has sent 20 messages in the last minute")
	p.BoolVar(&f.appendKeyword, "append-keyword", false, "append the robot's first keyword when the message contains none")
	p.StringArrayVar(&f.keywords, "keyword", nil, "a security keyword of the robot (repeatable): checked before sending, used by --append-keyword; for --webhook robots")
	p.StringVar(&f.template, "template", "", "send the message this template renders (dingbot template ls); no message type is given with it")
	p.StringArrayVar(&f.vars, "var", nil, "with --template: name=value fills a variable (repeatable; wins over --vars-file)")
	p.StringVar(&f.varsFile, "vars-file", "", "with --template: a JSON object of variables, e.g. {\"severity\":\"critical\",\"failed_jobs\":[\"lint\"]}")

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
	quiet.wrap(cmd, &f.jsonOut)
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
			if f.template != "" {
				return reportSend(s, f, sendOutcome{err: usagef("--template %s decides the message type: leave out %q (dingbot send --template %s --var name=value …)", f.template, cmd.Name(), f.template)})
			}
			if len(f.vars) > 0 || f.varsFile != "" {
				return reportSend(s, f, sendOutcome{err: usagef("--var and --vars-file fill a template's variables: give --template NAME instead of a message type")})
			}
			msg, err := build(args)
			if err != nil {
				return reportSend(s, f, sendOutcome{err: err})
			}
			return sendMessage(cmd.Context(), g, f, s, args, msg)
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
	// quota is the robot's month after the send.
	quota *dingtalk.QuotaUsage
	// queued are the outbox jobs a --queue send stored; parts the parts a --split send sent.
	queued []delivery.Job
	parts  []partOutcome
	// dryBodies are the parts' bodies of a split dry run, for --json.
	dryBodies []json.RawMessage
}

// partOutcome is one part of a split message sent directly.
type partOutcome struct {
	MsgUUID string `json:"msg_uuid"`
	Bytes   int    `json:"bytes"`
	Sent    bool   `json:"sent"`
}

// sendMessage resolves the robot and mentions, then sends msg (or, with --dry-run, shows it).
func sendMessage(ctx context.Context, g *globalFlags, f *sendFlags, s streams, args []string, msg dingtalk.Message) error {
	return sendBuilt(ctx, g, f, s, args, msg.Type, func(*app) (dingtalk.Message, error) { return msg, nil })
}

// sendBuilt is sendMessage for a message of type typ that build makes once the config is
// loaded (a template mentions contacts from it).
func sendBuilt(ctx context.Context, g *globalFlags, f *sendFlags, s streams, args []string, typ dingtalk.MsgType, build func(*app) (dingtalk.Message, error)) error {
	out := sendOutcome{msgtype: typ, dryRun: f.dryRun}
	a, robot, err := resolveRobot(ctx, g, f, args, s.in)
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
	msg, err := build(a)
	if err != nil {
		out.err = err
		return reportSend(s, f, out)
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
		p, err := dingtalk.Prepare(robot, msg, opts)
		switch {
		case err == nil:
			msg.MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
		case f.split:
			// The parts derive theirs from it: "<key>-1", "<key>-2", …
			msg.MsgUUID = dingtalk.NewMsgUUID(0)
		}
	}
	out.msgUUID = msg.MsgUUID
	a.client.IgnoreQuota = f.force

	if f.queue && !f.dryRun {
		return queueMessage(ctx, g, a, f, s, robot, msg, out)
	}
	parts, err := splitIfAsked(robot, msg, opts, f.split)
	if err != nil {
		out.err = err
		out.prepared, _ = dingtalk.Prepare(robot, msg, opts)
		return reportSend(s, f, out)
	}
	if len(parts) > 1 {
		if f.dryRun {
			return dryRunParts(s, f, robot, parts, opts, out)
		}
		return sendParts(ctx, a, f, s, robot, parts, opts, out)
	}

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
		out.quota = res.Quota
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
func resolveRobot(ctx context.Context, g *globalFlags, f *sendFlags, args []string, stdin io.Reader) (*app, dingtalk.Robot, error) {
	if f.sandbox && (f.webhook != "" || g.robot != "") {
		return nil, dingtalk.Robot{}, usagef("--sandbox sends to the built-in sandbox: leave out --robot and --webhook")
	}
	for _, k := range f.keywords {
		if strings.TrimSpace(k) == "" {
			return nil, dingtalk.Robot{}, usagef("--keyword: a keyword is empty, and an empty keyword matches nothing DingTalk checks: give the robot's keyword, or leave the flag out")
		}
	}
	secret, err := secretFromFlags(f, args, stdin)
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
func secretFromFlags(f *sendFlags, args []string, stdin io.Reader) (string, error) {
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
		if f.file == "-" || f.text == "-" || f.file == "/dev/stdin" || slices.Contains(args, "-") {
			return "", usagef("--secret - and the content both want standard input: give the secret with --secret-env NAME")
		}
		line, err := readSecretLine(stdin, os.Stderr)
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

// readSecretLine reads the first line of standard input: the secret, for --secret -. On a
// terminal it asks, on standard error, and reads without echo.
func readSecretLine(stdin io.Reader, prompt io.Writer) (string, error) {
	if stdin == nil {
		return "", usagef("--secret -: no standard input to read the secret from")
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "robot secret (SEC…, not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", usageError{fmt.Errorf("--secret -: read the terminal: %w", err)}
		}
		if line := strings.TrimSpace(string(b)); line != "" {
			return line, nil
		}
		return "", usagef("--secret -: no secret was typed")
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

// addMentions adds the people of --at, --at-user, --at-name and --at-all to those msg already
// mentions (a template's).
func addMentions(msg *dingtalk.Message, f *sendFlags, a *app) error {
	at := &dingtalk.At{}
	if msg.At != nil {
		at = msg.Clone().At
	}
	at.IsAtAll = at.IsAtAll || f.atAll
	for _, m := range f.atMobiles {
		at.AtMobiles = appendNew(at.AtMobiles, strings.TrimPrefix(strings.TrimSpace(m), "@"))
	}
	for _, u := range f.atUsers {
		at.AtUserIDs = appendNew(at.AtUserIDs, strings.TrimPrefix(strings.TrimSpace(u), "@"))
	}
	for _, n := range f.atNames {
		if perr := a.cfg.ContactProblem(n); perr != nil {
			return usageError{configError{fmt.Errorf("--at-name %s: that contact is left out of the config: %w", config.SafeName(n), perr)}}
		}
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
	OK         bool           `json:"ok"`
	Errcode    *int           `json:"errcode"`
	Errmsg     string         `json:"errmsg"`
	Hint       string         `json:"hint"`
	Robot      string         `json:"robot"`
	Msgtype    string         `json:"msgtype"`
	Bytes      int            `json:"bytes"`
	Error      string         `json:"error,omitempty"`
	RetryAfter int            `json:"retry_after_seconds,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
	MsgUUID    string         `json:"msg_uuid,omitempty"`
	Queued     bool           `json:"queued,omitempty"`
	Deliveries []deliveryJSON `json:"deliveries,omitempty"`
	Parts      []partOutcome  `json:"parts,omitempty"`
	Quota      *quotaJSON     `json:"quota,omitempty"`
	Resent     bool           `json:"resent,omitempty"`
	// MaybeDelivered: the outcome is unknown; resend with msg_uuid to post at most once.
	MaybeDelivered bool            `json:"maybe_delivered,omitempty"`
	Sandbox        bool            `json:"sandbox,omitempty"`
	DryRun         bool            `json:"dry_run,omitempty"`
	URL            string          `json:"url,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
	// Bodies are the parts' exact bodies in a split --dry-run.
	Bodies []json.RawMessage `json:"bodies,omitempty"`
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
	r := jsonResult{OK: o.err == nil, Robot: o.robot, Msgtype: string(o.msgtype), DryRun: o.dryRun, URL: o.url, Error: errorKind(o.err), Sandbox: o.sandbox, MsgUUID: o.msgUUID, Resent: o.resent, Parts: o.parts}
	r.Bodies = o.dryBodies
	for _, j := range o.queued {
		r.Queued = true
		r.Deliveries = append(r.Deliveries, deliveryJSON{ID: j.ID, MsgUUID: j.MsgUUID, Part: j.Part, Parts: j.Parts})
	}
	if u := o.quota; u != nil {
		r.Quota = &quotaJSON{Month: u.Month, Used: u.Used, Limit: u.Limit, OrgUsed: u.OrgUsed, OrgLimit: u.OrgLimit}
		if w := u.Warning(o.robot); w != "" {
			r.Warnings = append(r.Warnings, w)
		}
	}
	var invalid *dingtalk.ValidationError
	if p := o.prepared; p != nil {
		r.Bytes = p.Bytes
		for _, w := range p.Warnings {
			if errors.As(o.err, &invalid) {
				break
			}
			r.Warnings = append(r.Warnings, w.String())
		}
		if o.dryRun && p.Body != nil && len(o.dryBodies) == 0 {
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
		switch {
		case o.dryRun:
			r.Errcode, r.Errmsg = nil, "dry run: valid, nothing sent"
		case len(o.queued) > 0:
			r.Errcode, r.Errmsg = nil, "queued: it goes out as soon as the robot has a free slot"
		}
	case errors.As(o.err, &api):
		code := api.Code
		r.Errcode, r.Errmsg, r.Hint = &code, api.Message, api.Hint
		r.Resent, r.MaybeDelivered = api.Resent, api.MaybeDelivered
		if code == 410100 || code == 130101 {
			r.RetryAfter = int(dingtalk.ThrottlePause / time.Second)
		}
	default:
		r.Errmsg, r.Hint = o.err.Error(), localHint(o.err, o.msgUUID)
		var tr *dingtalk.TransportError
		if errors.As(o.err, &tr) {
			r.MaybeDelivered = tr.MaybeDelivered
		}
		var paused *dingtalk.PausedError
		switch {
		case errors.As(o.err, &rate):
			r.RetryAfter = int((rate.Wait + time.Second - 1) / time.Second)
		case errors.As(o.err, &paused):
			r.RetryAfter = int((paused.Wait() + time.Second - 1) / time.Second)
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
	var (
		quota  *dingtalk.QuotaError
		paused *dingtalk.PausedError
	)
	if errors.As(err, &quota) {
		return quota.Hint()
	}
	if errors.As(err, &paused) {
		return "DingTalk throttles a robot for 10 minutes after more than 20 messages a minute; every dingbot process holds its sends until then. --queue delivers it when the pause ends"
	}
	if errors.As(err, new(unknownRobotError)) {
		return "dingbot robots lists the configured robots"
	}
	if errors.As(err, new(templateError)) {
		return "dingbot template show NAME lists the template's variables and renders its sample; nothing was sent"
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
	if o.quota != nil {
		if w := o.quota.Warning(o.robot); w != "" {
			fmt.Fprintln(s.err, "dingbot: warning:", w)
		}
	}
	if o.err != nil && len(o.parts) > 0 {
		for i, p := range o.parts {
			state := "not sent"
			if p.Sent {
				state = "sent"
			}
			fmt.Fprintf(s.err, "dingbot: part %d/%d (msgUuid %s): %s\n", i+1, len(o.parts), p.MsgUUID, state)
		}
	}
	var invalid *dingtalk.ValidationError
	if p := o.prepared; p != nil && !errors.As(o.err, &invalid) {
		// A refused message's warnings ("added @123 to the text") would contradict the refusal.
		for _, w := range p.Warnings {
			fmt.Fprintln(s.err, "dingbot: warning:", w)
		}
	}
	var api *dingtalk.APIError
	switch {
	case o.err == nil && o.dryRun:
		fmt.Fprintf(s.out, "POST %s\nContent-Type: %s\n\n%s\n", o.url, dingtalk.ContentType, o.prepared.Body)
		fmt.Fprintf(s.err, "dingbot: dry run: %s message for robot %s is valid (%d of %d bytes); nothing was sent\n", o.msgtype, o.robot, o.prepared.Bytes, dingtalk.MaxBodyBytes)
	case o.err == nil && len(o.queued) > 0:
		writeQueued(s.out, o)
	case o.err == nil && len(o.parts) > 0:
		fmt.Fprintf(s.out, "sent %s message to robot %s in %d parts:\n", o.msgtype, o.robot, len(o.parts))
		for i, p := range o.parts {
			fmt.Fprintf(s.out, "  (%d/%d) %d bytes, msgUuid %s\n", i+1, len(o.parts), p.Bytes, p.MsgUUID)
		}
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
		fmt.Fprintln(s.err, prefixed("dingbot: ", o.err))
		if exitCode(o.err) != exitUsage || errorKind(o.err) != "usage" {
			fmt.Fprintln(s.err, "  hint:", localHint(o.err, o.msgUUID))
		}
	}
}

// deliveryJSON is one queued job in `send --queue --json`.
type deliveryJSON struct {
	ID      string `json:"id"`
	MsgUUID string `json:"msg_uuid"`
	Part    int    `json:"part,omitempty"`
	Parts   int    `json:"parts,omitempty"`
}

// quotaJSON is the robot's month in --json.
type quotaJSON struct {
	Month    string `json:"month"`
	Used     int    `json:"used"`
	Limit    int    `json:"limit,omitempty"`
	OrgUsed  int    `json:"org_used"`
	OrgLimit int    `json:"org_limit,omitempty"`
}

// queueMessage stores msg in the outbox (split when asked) and starts a drainer.
func queueMessage(ctx context.Context, g *globalFlags, a *app, f *sendFlags, s streams, robot dingtalk.Robot, msg dingtalk.Message, out sendOutcome) error {
	switch {
	case f.webhook != "":
		out.err = usagef("--queue needs a robot from the config (the outbox keeps its name, never a webhook or secret): add it with dingbot config init, or send without --queue")
	case a.sandbox != nil:
		out.err = usagef("--queue cannot use the built-in sandbox, which ends with this command: run dingbot sandbox and configure a robot for it, or send without --queue")
	}
	if out.err != nil {
		return reportSend(s, f, out)
	}
	ob, err := a.outbox(delivery.Options{})
	if err != nil {
		out.err = err
		return reportSend(s, f, out)
	}
	// A used-up month is refused now, as without --queue: a message must not wait weeks
	// unannounced. A pause (DingTalk's ten minutes) is what the outbox waits out.
	var (
		quota  *dingtalk.QuotaError
		paused *dingtalk.PausedError
	)
	switch err := a.client.Check(ctx, robot); {
	case errors.As(err, &quota):
		out.err = err
		return reportSend(s, f, out)
	case errors.As(err, &paused):
		fmt.Fprintf(s.err, "dingbot: %v; the queued message goes out after it\n", paused)
	case err != nil:
		out.err = err
		return reportSend(s, f, out)
	}
	opts := dingtalk.PrepareOptions{AppendKeyword: f.appendKeyword}
	jobs, err := ob.Submit(ctx, robot.Name, msg, delivery.SubmitOptions{AppendKeyword: f.appendKeyword, Force: f.force, Split: f.split})
	out.prepared, _ = dingtalk.Prepare(robot, msg, opts)
	if err != nil {
		out.err = err
		return reportSend(s, f, out)
	}
	out.queued = jobs
	if len(jobs) == 1 {
		out.msgUUID = jobs[0].MsgUUID
	}
	startBackgroundDrainer(g, s)
	return reportSend(s, f, out)
}

func writeQueued(w io.Writer, o sendOutcome) {
	if len(o.queued) == 1 {
		j := o.queued[0]
		fmt.Fprintf(w, "queued %s message for robot %s: delivery %s (msgUuid %s); it goes out as soon as the robot has a free slot (dingbot outbox ls)\n", o.msgtype, o.robot, j.ID, j.MsgUUID)
		return
	}
	fmt.Fprintf(w, "queued %s message for robot %s in %d parts, delivered in order (dingbot outbox ls):\n", o.msgtype, o.robot, len(o.queued))
	for _, j := range o.queued {
		fmt.Fprintf(w, "  (%d/%d) delivery %s (msgUuid %s)\n", j.Part, j.Parts, j.ID, j.MsgUUID)
	}
}

// splitIfAsked returns msg's parts when split is asked and msg is over DingTalk's limit, else
// msg alone.
func splitIfAsked(robot dingtalk.Robot, msg dingtalk.Message, opts dingtalk.PrepareOptions, split bool) ([]dingtalk.Message, error) {
	if !split {
		return []dingtalk.Message{msg}, nil
	}
	if _, err := dingtalk.Prepare(robot, msg, opts); err == nil {
		return []dingtalk.Message{msg}, nil
	}
	return dingtalk.Split(robot, msg, dingtalk.SplitOptions{Prepare: opts})
}

// sendParts sends the parts of a split message in order, stopping at the first failure.
func sendParts(ctx context.Context, a *app, f *sendFlags, s streams, robot dingtalk.Robot, parts []dingtalk.Message, opts dingtalk.PrepareOptions, out sendOutcome) error {
	if !f.noWait {
		a.client.WaitForSlot = true
		a.client.OnWait = waitReporter(s.err)
	}
	for _, part := range parts {
		p, _ := dingtalk.Prepare(robot, part, opts)
		po := partOutcome{MsgUUID: part.MsgUUID}
		if p != nil {
			po.Bytes = p.Bytes
		}
		out.parts = append(out.parts, po)
	}
	for i, part := range parts {
		res, err := a.client.SendWith(ctx, robot, part, opts)
		if err != nil {
			out.err = fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
			break
		}
		out.parts[i].Sent = true
		out.prepared, out.quota = res.Prepared, res.Quota
	}
	return reportSend(s, f, out)
}

// dryRunParts shows every part of a split message, exactly as it would be sent, and sends none.
func dryRunParts(s streams, f *sendFlags, robot dingtalk.Robot, parts []dingtalk.Message, opts dingtalk.PrepareOptions, out sendOutcome) error {
	ep, err := robot.Endpoint()
	if err != nil {
		out.err = usageError{fmt.Errorf("robot %s: %w", robot.Name, err)}
		return reportSend(s, f, out)
	}
	out.url = dingtalk.Redacted(dingtalk.SignedURL(ep, robot.Secret, time.Now()))
	var bodies []json.RawMessage
	for i, part := range parts {
		p, err := dingtalk.Prepare(robot, part, opts)
		if err != nil {
			out.err = fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
			return reportSend(s, f, out)
		}
		out.parts = append(out.parts, partOutcome{MsgUUID: part.MsgUUID, Bytes: p.Bytes})
		bodies = append(bodies, p.Body)
		out.prepared = p
	}
	if f.jsonOut {
		out.dryBodies = bodies
		return reportSend(s, f, out)
	}
	for i, b := range bodies {
		fmt.Fprintf(s.out, "# part %d of %d\nPOST %s\nContent-Type: %s\n\n%s\n\n", i+1, len(bodies), out.url, dingtalk.ContentType, b)
	}
	fmt.Fprintf(s.err, "dingbot: dry run: %s message for robot %s is valid in %d parts; nothing was sent\n", out.msgtype, out.robot, len(bodies))
	return nil
}
