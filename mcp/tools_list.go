package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/match"
)

func (ts *toolset) listRobots() server.ServerTool {
	tool := mcpgo.NewTool(toolListRobots,
		mcpgo.WithDescription(descListRobots),
		annotations(true),
		noArguments(),
		withOutput(robotsSchema),
	)
	return server.ServerTool{Tool: tool, Handler: ts.handle(tool.Name, ts.robotList)}
}

func (ts *toolset) robotList(ctx context.Context, req mcpgo.CallToolRequest) outcome {
	const verb = toolListRobots
	r := newResult("", "")
	robots := []RobotInfo{}
	if err := firstErr(ts.configFailure(), newArgs(req).err()); err != nil {
		return failed(verb, r, err)
	}
	def, defErr := ts.robot("")
	if defErr == nil {
		r.Robot = def.Name
	}
	var (
		configured []RobotInfo
		month      *dingtalk.QuotaUsage // any robot's: it carries the organisation's month
	)
	for _, robot := range ts.opts.Robots {
		info := RobotInfo{
			Name:     robot.Name,
			Signed:   robot.Signed(),
			Keywords: nonNil(robot.Keywords),
			Sandbox:  ts.isSandbox(robot),
			Usable:   true,
		}
		if robot.MonthlyQuota > 0 {
			info.MonthlyQuota = intPtr(robot.MonthlyQuota)
		}
		if _, err := robot.Endpoint(); err != nil {
			info.Usable, info.Problem = false, "unusable webhook: "+echoed(err)
		} else {
			info.SendsLeft = ts.sendsLeft(robot)
			if w := ts.pauseWarning(ctx, robot); w != "" {
				r.Warnings = append(r.Warnings, w)
			}
			if u := ts.usage(ctx, robot); u != nil {
				info.MonthUsed = intPtr(u.Used)
				month = u
				if w := u.Warning(robot.Name); w != "" && !slices.Contains(r.Warnings, w) {
					r.Warnings = append(r.Warnings, w)
				}
			}
		}
		configured = append(configured, info)
	}
	// Unavailable robots join the others in name order (the config sorts robots by name).
	unavailable := 0
	for _, name := range ts.unavailableNames() {
		i := slices.IndexFunc(configured, func(ri RobotInfo) bool { return ri.Name > name })
		if i < 0 {
			i = len(configured)
		}
		info := RobotInfo{Name: name, Keywords: []string{}, Problem: "unavailable: " + echoed(ts.opts.Unavailable[name])}
		configured = slices.Insert(configured, i, info)
		unavailable++
	}
	usable := 0
	for _, info := range configured {
		info.Default = def.Name != "" && info.Name == def.Name
		if info.Default {
			robots = append([]RobotInfo{info}, robots...)
		} else {
			robots = append(robots, info)
		}
		if info.Usable {
			usable++
		}
	}
	var stateBroken bool
	for _, robot := range ts.opts.Robots {
		if se := ts.stateProblem(robot); se != nil {
			r.Warnings = append(r.Warnings, stateWarning(se))
			stateBroken = true
			break
		}
	}
	r.OK = true
	switch {
	case stateBroken:
		r.Hint = "no robot can send until the user fixes dingbot's state directory, where it counts each robot's sends (see the warning)"
	case len(robots) == 0:
		r.Hint = "no robot is configured: ask the user to add one to dingbot's config or set DINGTALK_BOT_ACCESS_TOKEN"
	case usable == 0:
		r.Hint = "no robot can send now: each one's problem says why; the user must fix them in dingbot's config (or set the variables named) and restart the MCP server"
	case def.Name != "" && defErr != nil:
		r.Hint = fmt.Sprintf("the default robot %q cannot send (see its problem): pass another robot by name until the user fixes it and restarts the MCP server", def.Name)
	case ts.opts.DefaultProblem != nil:
		r.Hint = "no default robot (" + echoed(ts.opts.DefaultProblem) + "): pass robot by name to every send"
	case defErr != nil:
		r.Hint = "no default robot: pass robot by name to every send"
	case ts.opts.Sandbox:
		r.Hint = "only dingbot's local sandbox is configured: messages reach no real group until the user configures a robot"
	case usable < len(robots):
		r.Hint = "robots with usable false cannot send until the user fixes them in dingbot's config and restarts the MCP server: use another robot meanwhile"
	}
	res := robotsResult{Result: r, Robots: robots}
	if month != nil && month.OrgLimit > 0 {
		res.OrgMonthUsed, res.OrgMonthlyQuota = intPtr(month.OrgUsed), intPtr(month.OrgLimit)
	}
	return outcome{result: r, structured: res, text: robotsText(res, ts.opts.DryRun)}
}

// pauseWarning says that every dingbot process holds robot's sends (DingTalk throttled it), and
// for how long, which its sendsLeft does not show; "" when it is not paused.
func (ts *toolset) pauseWarning(ctx context.Context, robot dingtalk.Robot) string {
	var pe *dingtalk.PausedError
	if ts.opts.Client == nil || !errors.As(ts.opts.Client.Check(ctx, robot), &pe) {
		return ""
	}
	w := fmt.Sprintf("robot %q is paused for %d more seconds (%s): until then its sends fail as rate_limited", robot.Name, ceilSeconds(pe.Wait()), pe.Pause.Reason)
	if ts.queues() {
		w += ", or are queued with queue: true"
	}
	return w
}

// usage is robot's month so far, or nil when the client keeps no count.
func (ts *toolset) usage(ctx context.Context, robot dingtalk.Robot) *dingtalk.QuotaUsage {
	if ts.opts.Client == nil {
		return nil
	}
	return ts.opts.Client.Usage(ctx, robot)
}

func robotsText(res robotsResult, dryRun bool) string {
	r, robots := res.Result, res.Robots
	var b strings.Builder
	fmt.Fprintf(&b, "%d robot(s) configured", len(robots))
	if n := len(robots) - countUsable(robots); n > 0 {
		fmt.Fprintf(&b, ", %d of them unable to send", n)
	}
	if dryRun {
		b.WriteString(" (dry-run mode: sends are validated, not posted)")
	}
	b.WriteString(":")
	for _, ro := range robots {
		fmt.Fprintf(&b, "\n- %s", ro.Name)
		var notes []string
		if ro.Default {
			notes = append(notes, "default")
		}
		if !ro.Usable {
			notes = append(notes, "CANNOT SEND: "+ro.Problem)
		}
		if ro.Sandbox {
			notes = append(notes, "local sandbox, no real group")
		}
		if ro.Signed {
			notes = append(notes, "signed")
		}
		if len(ro.Keywords) > 0 {
			notes = append(notes, "messages must contain one of: "+strings.Join(ro.Keywords, ", "))
		}
		if ro.SendsLeft != nil {
			notes = append(notes, fmt.Sprintf("%d sends left this minute", *ro.SendsLeft))
		}
		if m := strings.TrimSpace(monthText(ro.MonthUsed, ro.MonthlyQuota)); m != "" {
			notes = append(notes, strings.TrimSuffix(m, "."))
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(notes, "; "))
		}
	}
	if res.OrgMonthUsed != nil {
		fmt.Fprintf(&b, "\nThe organisation: %d of its %d sends this month used.", *res.OrgMonthUsed, *res.OrgMonthlyQuota)
	}
	for _, w := range r.Warnings {
		b.WriteString("\nWarning: " + w)
	}
	if r.Hint != "" {
		b.WriteString("\nHint: " + r.Hint + ".")
	}
	return b.String()
}

func countUsable(robots []RobotInfo) int {
	n := 0
	for _, ro := range robots {
		if ro.Usable {
			n++
		}
	}
	return n
}

func (ts *toolset) listContacts() server.ServerTool {
	tool := mcpgo.NewTool(toolListContacts,
		mcpgo.WithDescription(descListContacts),
		annotations(true),
		queryArgument(),
		withOutput(contactsSchema),
	)
	return server.ServerTool{Tool: tool, Handler: ts.handle(tool.Name, ts.contactList)}
}

func (ts *toolset) contactList(_ context.Context, req mcpgo.CallToolRequest) outcome {
	const verb = toolListContacts
	r := newResult("", "")
	contacts := []ContactInfo{}
	a := newArgs(req, "query")
	query := strings.TrimSpace(a.str("query", false))
	if err := firstErr(ts.configFailure(), a.err()); err != nil {
		return failed(verb, r, err)
	}
	all := ts.opts.Contacts
	r.OK = true
	if len(all) == 0 {
		r.Hint = "no contacts are configured: mention people by atMobiles or atUserIds, or ask the user to add [[contacts]] to dingbot's config"
		return outcome{result: r, structured: contactsResult{r, contacts}, text: "No contacts configured.\nHint: " + r.Hint + "."}
	}
	keys := make([]match.Key, len(all))
	for i, c := range all {
		keys[i] = match.NewKey(c.Name, c.Mobile, c.UserID)
	}
	for _, i := range match.Rank(query, keys) {
		c := all[i]
		contacts = append(contacts, ContactInfo{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID})
	}
	shown := strconv.Quote(dingtalk.MaskSecretLike(query))
	var b strings.Builder
	switch {
	case len(contacts) == 0:
		r.Hint = "call list_contacts without query to see every contact, or mention by atMobiles or atUserIds"
		if m, ok := match.Mobile(query); ok {
			r.Hint = fmt.Sprintf("%s is no contact's mobile: mention it with atMobiles [%q], or call list_contacts without query to see all contacts", shown, m)
		}
		fmt.Fprintf(&b, "No contact matches %s (%d configured).\nHint: %s.", shown, len(all), r.Hint)
		return outcome{result: r, structured: contactsResult{r, contacts}, text: b.String()}
	case query != "":
		fmt.Fprintf(&b, "%d of %d contacts match %s, best first, usable in atNames:", len(contacts), len(all), shown)
	default:
		fmt.Fprintf(&b, "%d contact(s), usable in atNames:", len(contacts))
	}
	for _, c := range contacts {
		var ids []string
		if c.Mobile != "" {
			ids = append(ids, "mobile "+c.Mobile)
		}
		if c.UserID != "" {
			ids = append(ids, "userId "+c.UserID)
		}
		if len(ids) == 0 {
			ids = append(ids, "no mobile or userId: cannot be mentioned")
		}
		fmt.Fprintf(&b, "\n- %s (%s)", c.Name, strings.Join(ids, ", "))
	}
	return outcome{result: r, structured: contactsResult{r, contacts}, text: b.String()}
}

// queryArgument declares list_contacts' one optional argument, without the empty required list
// mcp-go would add.
func queryArgument() mcpgo.ToolOption {
	return func(t *mcpgo.Tool) {
		desc, _ := json.Marshal(paramContactQuery)
		t.InputSchema = mcpgo.ToolInputSchema{}
		t.RawInputSchema = json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":` +
			string(desc) + `}},"additionalProperties":false}`)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// The list tools' results carry no message fields: commonFields and their lists.

var robotsSchema = commonOutput().
	with("robot", prop("string", "Name of the default robot; empty if none.")).
	with("robots", map[string]any{
		"type": "array",
		"items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"name":         prop("string", ""),
				"default":      prop("boolean", ""),
				"signed":       prop("boolean", "Signs its requests."),
				"keywords":     stringList(""),
				"sendsLeft":    prop([]any{"integer", "null"}, "null: unknown, unreadable."),
				"sandbox":      prop("boolean", "Local, no real group."),
				"usable":       prop("boolean", ""),
				"problem":      prop("string", "Why it cannot send."),
				"monthUsed":    prop("integer", ""),
				"monthlyQuota": prop("integer", ""),
			},
		},
	}).
	with("orgMonthUsed", prop("integer", "All robots, this month.")).
	with("orgMonthlyQuota", prop("integer", "The organisation's monthly cap, if set.")).
	schema()

var contactsSchema = commonOutput().
	with("contacts", map[string]any{
		"type": "array",
		"items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"name":   prop("string", ""),
				"mobile": prop("string", ""),
				"userId": prop("string", ""),
			},
		},
	}).
	schema()

func (r robotsResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		commonFields
		Robot           string      `json:"robot"`
		Robots          []RobotInfo `json:"robots"`
		OrgMonthUsed    *int        `json:"orgMonthUsed,omitempty"`
		OrgMonthlyQuota *int        `json:"orgMonthlyQuota,omitempty"`
	}{commonOf(r.Result), r.Result.Robot, nonNilSlice(r.Robots), r.OrgMonthUsed, r.OrgMonthlyQuota})
}

func (r contactsResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		commonFields
		Contacts []ContactInfo `json:"contacts"`
	}{commonOf(r.Result), nonNilSlice(r.Contacts)})
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
