package mcp

import (
	"fmt"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// typeParams are the message parameters each message type takes, in the order agents see them.
var typeParams = map[dingtalk.MsgType][]string{
	dingtalk.TypeText:       {"text", "atMobiles", "atUserIds", "atNames", "atAll"},
	dingtalk.TypeMarkdown:   {"title", "text", "atMobiles", "atUserIds", "atNames", "atAll"},
	dingtalk.TypeLink:       {"title", "text", "messageUrl", "picUrl"},
	dingtalk.TypeActionCard: {"title", "text", "singleTitle", "singleURL", "buttons", "btnOrientation", "hideAvatar"},
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
			hint := "nothing was sent: use names from list_contacts, or mention by atMobiles or atUserIds instead"
			if len(ts.opts.Contacts) == 0 {
				hint = "nothing was sent: no contacts are configured, so mention people by atMobiles or atUserIds instead"
			}
			return &toolError{kind: KindUnknownContact, msg: "atNames: " + strings.Join(problems, "; "), hint: hint, problems: problems}
		}
	}
	if m.At.Empty() {
		m.At = nil
	}
	return nil
}

// robot finds the robot a call names, or the default one.
func (ts *toolset) robot(name string) (dingtalk.Robot, error) {
	robots := ts.opts.Robots
	if err, ok := ts.opts.Unavailable[ts.resolveName(name)]; ok {
		return dingtalk.Robot{}, &toolError{kind: KindRobotMisconfigured, msg: err.Error(),
			hint: "nothing was sent: the user must set the environment variable holding this robot's secret and restart the MCP server; another robot from list_robots may work meanwhile"}
	}
	if len(robots) == 0 {
		return dingtalk.Robot{}, &toolError{kind: KindUnknownRobot, msg: "no robot is configured",
			hint: "tell the user to add a robot to dingbot's config (or set DINGTALK_BOT_ACCESS_TOKEN and DINGTALK_BOT_SECRET) and restart the MCP server"}
	}
	name = ts.resolveName(name)
	if name == "" {
		if len(robots) == 1 {
			return robots[0], nil
		}
		return dingtalk.Robot{}, &toolError{kind: KindUnknownRobot, msg: "no robot given and no default robot is configured",
			hint: "pass robot, one of: " + strings.Join(ts.robotNames(), ", ")}
	}
	for _, r := range robots {
		if r.Name == name {
			return r, nil
		}
	}
	for _, r := range robots {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return dingtalk.Robot{}, &toolError{kind: KindUnknownRobot, msg: fmt.Sprintf("no robot named %q", name),
		hint: "use one of the configured robots: " + strings.Join(ts.robotNames(), ", ") + " (see list_robots); robots are added in dingbot's config, not by the agent"}
}

// usableRobot is robot plus a check that its webhook can be used at all.
func (ts *toolset) usableRobot(name string) (dingtalk.Robot, error) {
	r, err := ts.robot(name)
	if err != nil {
		return r, err
	}
	if _, err := r.Endpoint(); err != nil {
		return r, &toolError{kind: KindRobotMisconfigured, msg: fmt.Sprintf("robot %q has an unusable webhook: %v", r.Name, err),
			hint: "nothing was sent: the user must fix this robot's webhook in dingbot's config; another robot may work meanwhile"}
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

func (ts *toolset) robotNames() []string {
	names := make([]string, len(ts.opts.Robots))
	for i, r := range ts.opts.Robots {
		names[i] = r.Name
	}
	return names
}

// configFailure is the error every tool returns while the configuration is broken.
func (ts *toolset) configFailure() error {
	if ts.opts.ConfigError == nil {
		return nil
	}
	return &toolError{kind: KindConfig, msg: "dingbot's configuration is broken: " + ts.opts.ConfigError.Error(),
		hint: "no tool works until the configuration is fixed: tell the user what is wrong, ask them to fix the config file (`dingbot config path` shows where it is) and restart the MCP server"}
}

// isSandbox reports whether r is dingbot's built-in sandbox robot.
func (ts *toolset) isSandbox(r dingtalk.Robot) bool {
	return ts.opts.Sandbox && len(ts.opts.Robots) == 1 && ts.opts.Robots[0].Name == r.Name
}
