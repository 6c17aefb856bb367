package mcp

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// typeParams are the message parameters each message type takes, in the order agents see them.
// split is taken by the types dingtalk.Split can cut.
var typeParams = map[dingtalk.MsgType][]string{
	dingtalk.TypeText:       {"text", "atMobiles", "atUserIds", "atNames", "atAll", "split"},
	dingtalk.TypeMarkdown:   {"title", "text", "atMobiles", "atUserIds", "atNames", "atAll", "split"},
	dingtalk.TypeLink:       {"title", "text", "messageUrl", "picUrl"},
	dingtalk.TypeActionCard: {"title", "text", "singleTitle", "singleURL", "buttons", "btnOrientation", "hideAvatar", "split"},
	dingtalk.TypeFeedCard:   {"links"},
}

// readMessage builds a message of type t from the arguments. Problems are collected in a; the
// DingTalk rules themselves (required text, URLs, button settings) are checked by dingtalk.Prepare.
func readMessage(a *args, t dingtalk.MsgType) dingtalk.Message {
	switch t {
	case dingtalk.TypeText:
		m := dingtalk.NewText(a.str("text", true))
		m.At = readMentions(a)
		return m
	case dingtalk.TypeMarkdown:
		m := dingtalk.NewMarkdown(a.str("title", true), a.str("text", true))
		m.At = readMentions(a)
		return m
	case dingtalk.TypeLink:
		return dingtalk.NewLink(a.str("title", true), a.str("text", true), a.str("messageUrl", true), a.str("picUrl", false))
	case dingtalk.TypeActionCard:
		card := dingtalk.ActionCard{
			Title:          a.str("title", true),
			Text:           a.str("text", true),
			SingleTitle:    a.str("singleTitle", false),
			SingleURL:      a.str("singleURL", false),
			BtnOrientation: a.choice("btnOrientation", orientations),
			HideAvatar:     a.choice("hideAvatar", avatars),
		}
		for _, b := range a.objects("buttons", "title!", "actionURL!") {
			card.Buttons = append(card.Buttons, dingtalk.Button{Title: b["title"], ActionURL: b["actionURL"]})
		}
		return dingtalk.NewActionCard(card)
	case dingtalk.TypeFeedCard:
		if !a.has("links") {
			a.problem("links: missing required argument")
		}
		var links []dingtalk.FeedLink
		for _, l := range a.objects("links", "title!", "messageURL!", "picURL!") {
			links = append(links, dingtalk.FeedLink{Title: l["title"], MessageURL: l["messageURL"], PicURL: l["picURL"]})
		}
		return dingtalk.NewFeedCard(links...)
	}
	return dingtalk.Message{Type: t}
}

// readMentions reads who a text or markdown message mentions by mobile, userId or @all;
// atNames are resolved later by resolveMentions.
func readMentions(a *args) *dingtalk.At {
	return &dingtalk.At{
		AtMobiles: a.strs("atMobiles"),
		AtUserIDs: a.strs("atUserIds"),
		IsAtAll:   a.boolean("atAll"),
	}
}

// resolveMentions adds the contacts named in atNames to m's mentions and drops an empty At.
func (ts *toolset) resolveMentions(m *dingtalk.Message, names []string) error {
	if len(names) > 0 {
		if m.At == nil {
			m.At = &dingtalk.At{}
		}
		if err := ts.opts.Contacts.MentionNames(m.At, names...); err != nil {
			problems := strings.Split(err.Error(), "\n")
			hint := "use names from list_contacts, or mention by atMobiles or atUserIds instead"
			if len(ts.opts.Contacts) == 0 {
				hint = "no contacts are configured, so mention people by atMobiles or atUserIds instead"
			}
			return &toolError{kind: KindUnknownContact, msg: "atNames: " + strings.Join(problems, "; "), hint: hint, problems: problems}
		}
	}
	if m.At.Empty() {
		m.At = nil
	}
	return nil
}

// robot finds the robot a call names, or the default one. A robot that is configured but
// unavailable (see Options.Unavailable) comes back with only its name, beside its reason.
func (ts *toolset) robot(name string) (dingtalk.Robot, error) {
	robots := ts.opts.Robots
	name = ts.resolveName(name)
	if name == "" {
		switch {
		case ts.opts.DefaultProblem != nil:
			// Never a different robot than the one the user made the default: a message could
			// reach the wrong group.
			return dingtalk.Robot{}, &toolError{kind: KindRobotMisconfigured, msg: "no usable default robot: " + echoed(ts.opts.DefaultProblem),
				hint: "pass robot by name, one of: " + ts.usableNames() + "; the user can fix default_robot in dingbot's config and restart the MCP server"}
		case len(robots) == 1:
			return robots[0], nil
		case len(robots) == 0 && len(ts.opts.Unavailable) == 0:
			return dingtalk.Robot{}, errNoRobot
		}
		return dingtalk.Robot{}, &toolError{kind: KindUnknownRobot, msg: "no robot given and no default robot is configured",
			hint: "pass robot, one of: " + ts.usableNames()}
	}
	for _, fold := range []bool{false, true} {
		for _, r := range robots {
			if r.Name == name || fold && strings.EqualFold(r.Name, name) {
				return r, nil
			}
		}
		for _, n := range ts.unavailableNames() {
			if n == name || fold && strings.EqualFold(n, name) {
				return dingtalk.Robot{Name: n}, ts.unavailableError(n)
			}
		}
	}
	if len(robots) == 0 && len(ts.opts.Unavailable) == 0 {
		return dingtalk.Robot{}, errNoRobot
	}
	return dingtalk.Robot{}, &toolError{kind: KindUnknownRobot, msg: fmt.Sprintf("no robot named %q", name),
		hint: "use one of the configured robots: " + ts.usableNames() + didYouMean(name, robots) + "; robots are added in dingbot's config, not by the agent"}
}

// didYouMean suggests the configured robot nearest to name, as " (did you mean "x"?)".
func didYouMean(name string, robots []dingtalk.Robot) string {
	names := make([]string, len(robots))
	for i, r := range robots {
		names[i] = r.Name
	}
	if near := dingtalk.Nearest(name, names); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}

var errNoRobot = &toolError{kind: KindUnknownRobot, msg: "no robot is configured",
	hint: "tell the user to add a robot to dingbot's config (or set DINGTALK_BOT_ACCESS_TOKEN and DINGTALK_BOT_SECRET) and restart the MCP server"}

// unavailableError explains why the configured robot name cannot send.
func (ts *toolset) unavailableError(name string) error {
	return &toolError{kind: KindRobotMisconfigured, msg: echoed(ts.opts.Unavailable[name]),
		hint: fmt.Sprintf("robot %q cannot send until the user fixes it in dingbot's config (or sets the environment variable the message names) and restarts the MCP server; another robot from list_robots may work meanwhile", name)}
}

// unavailableNames are the names of the configured robots that cannot send, sorted.
func (ts *toolset) unavailableNames() []string {
	return slices.Sorted(maps.Keys(ts.opts.Unavailable))
}

// usableRobot is robot plus a check that its webhook can be used at all.
func (ts *toolset) usableRobot(name string) (dingtalk.Robot, error) {
	r, err := ts.robot(name)
	if err != nil {
		return r, err
	}
	if _, err := r.Endpoint(); err != nil {
		return r, &toolError{kind: KindRobotMisconfigured, msg: fmt.Sprintf("robot %q has an unusable webhook: %s", r.Name, echoed(err)),
			hint: "the user must fix this robot's webhook in dingbot's config and restart the MCP server; another robot may work meanwhile"}
	}
	return r, nil
}

// resolveName is the robot a call means: the name given, or the default robot.
func (ts *toolset) resolveName(name string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	return ts.opts.DefaultRobot
}

// usableNames lists the robots that may be able to send, for a hint.
func (ts *toolset) usableNames() string {
	var names []string
	for _, r := range ts.opts.Robots {
		if _, err := r.Endpoint(); err == nil {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return "none can send now"
	}
	return strings.Join(names, ", ")
}

// configFailure is the error every tool returns while the configuration (the config file or the
// server's flags) is broken.
func (ts *toolset) configFailure() error {
	if ts.opts.ConfigError == nil {
		return nil
	}
	return &toolError{kind: KindConfig, msg: "dingbot is misconfigured: " + echoed(ts.opts.ConfigError),
		hint: "no tool works until this is fixed: tell the user the problem this message names, which is in dingbot's config file or in the command-line flags the MCP server was started with (e.g. --robot); they must fix it and restart the MCP server"}
}

// echoed is the text of a configuration problem, which may quote what the user wrote, with
// anything that looks like a secret or token masked: a secret pasted into the wrong key (or
// passed as --robot) must not reach the agent.
func echoed(err error) string { return dingtalk.MaskSecretLike(err.Error()) }

// isSandbox reports whether r is dingbot's built-in sandbox robot.
func (ts *toolset) isSandbox(r dingtalk.Robot) bool {
	return ts.opts.Sandbox && len(ts.opts.Robots) == 1 && ts.opts.Robots[0].Name == r.Name
}

// sendsLeft is how many sends robot has left this minute, or nil when unknown.
func (ts *toolset) sendsLeft(robot dingtalk.Robot) *int {
	if ts.opts.Client == nil {
		return nil
	}
	if n := ts.opts.Client.SendsLeft(robot); n >= 0 {
		return intPtr(n)
	}
	return nil
}

// stateProblem is the failure of dingbot's state directory that stops robot from sending now,
// if any: the limiter cannot read or keep the robot's count of sends.
func (ts *toolset) stateProblem(robot dingtalk.Robot) *dingtalk.StateError {
	c := ts.opts.Client
	if c == nil || c.Limiter == nil {
		return nil
	}
	ep, err := robot.Endpoint()
	if err != nil {
		return nil
	}
	var se *dingtalk.StateError
	if _, err := c.Limiter.Remaining(ep.Token); errors.As(err, &se) {
		return se
	}
	return nil
}

// stateWarning is the warning that sends fail with state_error until the user fixes se.
func stateWarning(se *dingtalk.StateError) string {
	return fmt.Sprintf("a send now would fail with state_error: %s; the user must fix it: %s",
		dingtalk.MaskSecretLike(se.Error()), strings.TrimSuffix(se.Hint(), "; nothing was sent"))
}

// warnUnsendable adds to r, a message checked without sending (a preview or a dry run), the
// reasons a send of it now would fail although the message is fine. It reports whether the
// state directory is the reason.
func (ts *toolset) warnUnsendable(r *Result, robot dingtalk.Robot) (stateBroken bool) {
	noSendsLeft(r)
	if r.SendsLeft == nil {
		if se := ts.stateProblem(robot); se != nil {
			r.Warnings = append(r.Warnings, stateWarning(se))
			return true
		}
	}
	return false
}

// noSendsLeft warns that a message checked without sending (a preview or a dry run) would be
// refused if sent now, because its robot has used up this minute's sends.
func noSendsLeft(r *Result) {
	if r.SendsLeft != nil && *r.SendsLeft == 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("robot %q has no sends left this minute: a send now would fail with rate_limited; wait up to a minute (or use another robot)", r.Robot))
	}
}
