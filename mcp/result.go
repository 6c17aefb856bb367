package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk"
)

// Result is the structured content of every tool result, success or failure. The first fields are
// always present; the others appear where they apply.
type Result struct {
	// OK is true when the call did what it was asked: sent, previewed a sendable message, listed.
	OK bool `json:"ok"`
	// Error names the kind of failure (see the kind constants); empty on success.
	Error string `json:"error,omitempty"`
	// Errcode is DingTalk's errcode when DingTalk answered, otherwise null.
	Errcode *int `json:"errcode"`
	// Errmsg is DingTalk's errmsg verbatim, or dingbot's description of a local failure.
	Errmsg string `json:"errmsg"`
	// Hint says what to do about a failure, or notes something about a success.
	Hint     string   `json:"hint"`
	Robot    string   `json:"robot"`
	MsgType  string   `json:"msgtype"`
	Bytes    int      `json:"bytes"`
	Warnings []string `json:"warnings"`

	DryRun            bool  `json:"dryRun,omitempty"`
	Sandbox           bool  `json:"sandbox,omitempty"`
	RetryAfterSeconds *int  `json:"retryAfterSeconds,omitempty"`
	MaybeDelivered    *bool `json:"maybeDelivered,omitempty"`
	// Attempts is how many requests a send made: 1, or 2 when the client resent it; absent when
	// no request was made.
	Attempts *int `json:"attempts,omitempty"`
	// Resent is true when the client made a second request after the first failed.
	Resent        *bool    `json:"resent,omitempty"`
	SendsLeft     *int     `json:"sendsLeft,omitempty"`
	MentionsAdded []string `json:"mentionsAdded,omitempty"`
	MsgUUID       string   `json:"msgUuid,omitempty"`
	Problems      []string `json:"problems,omitempty"`
	// Body is the exact JSON request body (dry runs, previews, messages refused before sending).
	Body json.RawMessage `json:"body,omitempty"`
	// Parts are the parts of a message cut with split, in order.
	Parts []Part `json:"parts,omitempty"`
	// MonthUsed is the robot's sends this billing month after a send; MonthlyQuota its cap, if set.
	MonthUsed    *int `json:"monthUsed,omitempty"`
	MonthlyQuota *int `json:"monthlyQuota,omitempty"`

	// Queued says the send was put in the outbox instead (queue.go): DeliveryIDs name its jobs,
	// one per part; Position counts the robot's messages ahead of it; EtaSeconds estimates when
	// its last part goes out.
	Queued      bool     `json:"queued,omitempty"`
	DeliveryIDs []string `json:"deliveryIds,omitempty"`
	Position    *int     `json:"position,omitempty"`
	EtaSeconds  *int     `json:"etaSeconds,omitempty"`
	// NeedsConfirmation says nothing was sent: the same call with ConfirmToken posts it once the
	// user approves (confirm.go).
	NeedsConfirmation bool   `json:"needsConfirmation,omitempty"`
	ConfirmToken      string `json:"confirmToken,omitempty"`

	// Preview only.
	MaxBytes *int          `json:"maxBytes,omitempty"`
	Keyword  *KeywordCheck `json:"keywordCheck,omitempty"`

	// mentionWarning is the warning among Warnings about the mentions in MentionsAdded.
	mentionWarning string
}

// sendFailed adjusts the result of a send tool that failed: unless the message may have been
// posted after all, the mentions it would have added are in no message, so they are not
// reported; a failure found before the request left says that nothing was sent.
func (r *Result) sendFailed() {
	if r.MaybeDelivered != nil && *r.MaybeDelivered {
		return
	}
	r.MentionsAdded = nil
	if r.mentionWarning != "" {
		r.Warnings = slices.DeleteFunc(r.Warnings, func(w string) bool { return w == r.mentionWarning })
		r.mentionWarning = ""
	}
	if r.Errcode == nil && r.MaybeDelivered == nil && r.Error != KindInternal && r.Error != KindState {
		r.Hint = "nothing was sent: " + r.Hint
	}
}

// Part is one part of a split message.
type Part struct {
	MsgUUID string `json:"msgUuid,omitempty"`
	Bytes   int    `json:"bytes"`
	Sent    bool   `json:"sent"`
	// Body is the part's request body, in previews.
	Body json.RawMessage `json:"body,omitempty"`
}

// robotsResult is list_robots' structured content. The organisation's month is there when
// org_monthly_quota is set.
type robotsResult struct {
	Result
	Robots          []RobotInfo `json:"robots"`
	OrgMonthUsed    *int        `json:"orgMonthUsed,omitempty"`
	OrgMonthlyQuota *int        `json:"orgMonthlyQuota,omitempty"`
}

// contactsResult is list_contacts' structured content.
type contactsResult struct {
	Result
	Contacts []ContactInfo `json:"contacts"`
}

// KeywordCheck reports whether a message passes its robot's keyword rule.
type KeywordCheck struct {
	OK       bool     `json:"ok"`
	Matched  string   `json:"matched"`
	Keywords []string `json:"keywords"`
}

// RobotInfo describes a configured robot without its webhook, token or secret. A robot that
// cannot send (Usable false) says why in Problem.
type RobotInfo struct {
	Name      string   `json:"name"`
	Default   bool     `json:"default"`
	Signed    bool     `json:"signed"`
	Keywords  []string `json:"keywords"`
	SendsLeft *int     `json:"sendsLeft"`
	Sandbox   bool     `json:"sandbox"`
	Usable    bool     `json:"usable"`
	Problem   string   `json:"problem,omitempty"`
	// MonthUsed is the robot's sends this billing month, when known; MonthlyQuota its cap, if set.
	MonthUsed    *int `json:"monthUsed,omitempty"`
	MonthlyQuota *int `json:"monthlyQuota,omitempty"`
}

// ContactInfo is one contact agents may mention by name.
type ContactInfo struct {
	Name   string `json:"name"`
	Mobile string `json:"mobile"`
	UserID string `json:"userId"`
}

// Failure kinds, the values of Result.Error.
const (
	KindInvalidArguments   = "invalid_arguments"
	KindConfig             = "config_error"
	KindUnknownRobot       = "unknown_robot"
	KindRobotMisconfigured = "robot_misconfigured"
	KindUnknownContact     = "unknown_contact"
	KindInvalidMessage     = "invalid_message"
	KindKeywordMissing     = "keyword_missing"
	KindRateLimited        = "rate_limited"
	KindQuota              = "quota_exhausted"
	KindDingTalk           = "dingtalk_error"
	KindTimeout            = "timeout"
	KindConnection         = "connection_failed"
	KindBadResponse        = "bad_response"
	KindCanceled           = "canceled"
	KindState              = "state_error"
	KindInternal           = "internal_error"
	// Confirm mode only.
	KindDeclined            = "declined"
	KindConfirmationInvalid = "confirmation_invalid"
)

// throttleSeconds is how long DingTalk throttles a robot that exceeded 20 messages a minute.
const throttleSeconds = 600

// toolError is a failure found before anything reached DingTalk, with its kind and advice.
type toolError struct {
	kind     string
	msg      string
	hint     string
	problems []string
}

func (e *toolError) Error() string { return e.msg }

// newResult starts a result with the always-present fields set to empty values, never null.
func newResult(robot string, t dingtalk.MsgType) Result {
	return Result{Robot: robot, MsgType: string(t), Warnings: []string{}}
}

// fail fills r from err: its kind, DingTalk's errcode and errmsg when it answered, and a hint.
func (r *Result) fail(err error) {
	r.OK = false
	r.Errmsg = err.Error()
	var (
		te  *toolError
		ve  *dingtalk.ValidationError
		ke  *dingtalk.KeywordError
		rle *dingtalk.RateLimitError
		ae  *dingtalk.APIError
		tre *dingtalk.TransportError
		se  *dingtalk.StateError
		qe  *dingtalk.QuotaError
		pe  *dingtalk.PausedError
	)
	switch {
	case errors.As(err, &te):
		r.Error, r.Hint, r.Problems = te.kind, te.hint, te.problems
	case errors.As(err, &ve):
		r.Error = KindInvalidMessage
		for _, p := range ve.Problems {
			r.Problems = append(r.Problems, p.String())
		}
		r.Hint = "fix the listed problems and call again (preview_message shows the body and its size)"
		if tooLong(err) && splittable(dingtalk.MsgType(r.MsgType)) {
			r.Hint = "shorten it, or call again with split: true to send it in parts (preview_message with split: true shows them)"
		}
	case errors.As(err, &qe):
		r.Error = KindQuota
		r.Hint = quotaHint(qe)
	case errors.As(err, &pe):
		r.Error = KindRateLimited
		r.RetryAfterSeconds = intPtr(ceilSeconds(pe.Wait()))
		r.Hint = fmt.Sprintf("every dingbot process holds robot %q's sends until DingTalk's pause ends: wait %d seconds, or use another robot", r.Robot, *r.RetryAfterSeconds)
	case errors.As(err, &ke):
		r.Error = KindKeywordMissing
		r.Hint = fmt.Sprintf("robot %q only accepts messages containing one of its keywords (%s); put one in %s and call again",
			r.Robot, strings.Join(ke.Keywords, ", "), dingtalk.KeywordPlace(ke.MsgType))
	case errors.As(err, &rle):
		r.Error = KindRateLimited
		r.RetryAfterSeconds = intPtr(ceilSeconds(rle.Wait))
		r.Hint = fmt.Sprintf("robot %q already sent 20 messages in the last minute; wait %d seconds, or combine several updates into one message", r.Robot, *r.RetryAfterSeconds)
	case errors.As(err, &ae):
		r.Errcode, r.Errmsg = intPtr(ae.Code), ae.Message
		r.Error, r.Hint = KindDingTalk, ae.Hint
		r.attempts(ae.Resent)
		if h, ok := webhookHint(ae.Code, r.Robot); ok {
			r.Hint = h
		}
		if ae.Code == 410100 || ae.Code == 130101 {
			r.Error = KindRateLimited
			r.RetryAfterSeconds = intPtr(throttleSeconds)
		}
		if ae.MaybeDelivered {
			// DingTalk refused the resend, but the first request got no answer.
			r.MaybeDelivered = boolPtr(true)
			r.Hint = "DingTalk refused the resent message, but the first request got no answer and MAY have posted it: ask the user to check the group before sending it again; DingTalk's reason: " + r.Hint
			break
		}
		r.Hint = "DingTalk refused the message, nothing was posted: " + r.Hint
	case errors.As(err, &tre):
		r.failTransport(tre)
	case errors.As(err, &se):
		r.Error = KindState
		r.Hint = "nothing was sent: dingbot's shared state, where it counts each robot's sends, cannot be used, and dingbot never sends without that count; retrying will not help until the user fixes it: " + strings.TrimSuffix(strings.TrimSuffix(se.Hint(), "; nothing was sent"), ", so nothing was sent")
	default:
		r.Error = KindInternal
		r.Hint = "dingbot failed unexpectedly; nothing is known to have been sent; report this to the user"
	}
}

// quotaHint is what an agent can do about a used-up monthly quota: only the user can change it.
func quotaHint(e *dingtalk.QuotaError) string {
	switch e.Scope {
	case "dingtalk":
		return fmt.Sprintf("DingTalk refuses robot %q until the month turns (the organisation's webhook quota, or a cap an admin set on it): tell the user, who can ask the DingTalk admin to raise it", e.Robot)
	case "organisation":
		return "tell the user: the organisation's sends this month reached org_monthly_quota in dingbot's config; they can raise it and restart the MCP server, or wait for the next month"
	}
	return fmt.Sprintf("use another robot from list_robots, or tell the user: robot %q reached its monthly_quota in dingbot's config; they can raise it and restart the MCP server", e.Robot)
}

// month records the robot's month after a send, with a warning once a quota is 80 % used.
func (r *Result) month(u *dingtalk.QuotaUsage) {
	if u == nil {
		return
	}
	r.MonthUsed = intPtr(u.Used)
	if u.Limit > 0 {
		r.MonthlyQuota = intPtr(u.Limit)
	}
	if w := u.Warning(r.Robot); w != "" {
		r.Warnings = append(r.Warnings, w)
	}
}

// attempts records how many requests a send made.
func (r *Result) attempts(resent bool) {
	r.Attempts, r.Resent = intPtr(1), boolPtr(resent)
	if resent {
		r.Attempts = intPtr(2)
	}
}

func (r *Result) failTransport(e *dingtalk.TransportError) {
	r.MaybeDelivered = boolPtr(e.MaybeDelivered)
	r.attempts(e.Resent)
	r.Errmsg = string(e.Kind) + ": " + e.Detail
	if e.Status != 0 && !strings.Contains(e.Detail, "HTTP") {
		r.Errmsg = fmt.Sprintf("%s (HTTP %d)", r.Errmsg, e.Status)
	}
	switch e.Kind {
	case dingtalk.KindTimeout:
		r.Error = KindTimeout
	case dingtalk.KindBadResponse:
		r.Error = KindBadResponse
	case dingtalk.KindCanceled:
		r.Error = KindCanceled
	default:
		r.Error = KindConnection
	}
	if e.MaybeDelivered {
		if r.MsgUUID != "" {
			r.Hint = fmt.Sprintf("the request left this machine before it failed, so the message MAY have been posted: to retry safely call the tool again with the same arguments and msgUuid %q (DingTalk posts a message with the same msgUuid at most once), or ask the user to check the group", r.MsgUUID)
			return
		}
		r.Hint = "the request left this machine before it failed, so the message MAY have been posted: ask the user to check the group before sending it again; do not retry blindly (a resend can post it twice and costs quota)"
		return
	}
	switch e.Kind {
	case dingtalk.KindCanceled:
		r.Hint = "the call was canceled before the request left this machine: nothing was sent"
	case dingtalk.KindTimeout:
		r.Hint = "DingTalk could not be reached in time and nothing was sent: retry later, or tell the user if it keeps failing"
	default:
		r.Hint = "DingTalk could not be reached (network, proxy or DNS) and nothing was sent: retry once the network works"
	}
}

// webhookHint is the advice for an agent on the errcodes that mean the robot's webhook itself
// is wrong (DingTalk's errmsg stays verbatim in errmsg). dingtalk's own hints speak to a person
// editing the config; an agent can only ask the user to fix it.
func webhookHint(code int, robot string) (string, bool) {
	fix := fmt.Sprintf("ask the user to fix robot %q's webhook in dingbot's config and restart the MCP server; do not resend through it until then, another robot from list_robots may work meanwhile", robot)
	switch code {
	case 300001, 300005, 400101:
		return fmt.Sprintf("DingTalk does not know robot %q's access token: %s", robot, fix), true
	case 400106:
		return fmt.Sprintf("robot %q no longer exists in DingTalk (it may have been removed from the group): %s", robot, fix), true
	case 400102:
		return fmt.Sprintf("robot %q is disabled in DingTalk: ask the user to have a group admin enable it, or to fix robot %q's webhook in dingbot's config and restart the MCP server if it points at the wrong robot; another robot from list_robots may work meanwhile", robot, robot), true
	case 400013:
		return fmt.Sprintf("the group of robot %q has been dissolved, so it can no longer post: %s", robot, fix), true
	}
	return "", false
}

// fromPrepared copies what Prepare learned about a message into r.
func (r *Result) fromPrepared(p *dingtalk.Prepared) {
	if p == nil {
		return
	}
	r.Bytes = p.Bytes
	for _, w := range p.Warnings {
		s := w.String()
		if w.Field == "at" && len(p.AddedMentions) > 0 {
			r.mentionWarning = s
		}
		r.Warnings = append(r.Warnings, s)
	}
	r.MentionsAdded = p.AddedMentions
	if p.Message.Type != "" {
		r.MsgType = string(p.Message.Type)
	}
}

// toolResult wraps structured content with a human-readable text.
func toolResult(structured any, text string, isError bool) *mcpgo.CallToolResult {
	res := mcpgo.NewToolResultStructured(structured, text)
	res.IsError = isError
	return res
}

// failureText is the text shown next to a failed result.
func failureText(verb string, r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed (%s)", verb, r.Error)
	if r.Errcode != nil {
		fmt.Fprintf(&b, ": DingTalk errcode %d: %s", *r.Errcode, r.Errmsg)
	} else if r.Errmsg != "" {
		fmt.Fprintf(&b, ": %s", r.Errmsg)
	}
	b.WriteString(".")
	for _, p := range r.Problems {
		if !strings.Contains(r.Errmsg, p) {
			fmt.Fprintf(&b, "\n- %s", p)
		}
	}
	if r.Hint != "" {
		fmt.Fprintf(&b, "\nHint: %s.", strings.TrimSuffix(r.Hint, "."))
	}
	if r.Resent != nil && *r.Resent {
		b.WriteString("\nThe request was resent once (2 attempts, within the one timeout); both failed.")
	}
	if r.RetryAfterSeconds != nil {
		fmt.Fprintf(&b, "\nRetry after %d seconds.", *r.RetryAfterSeconds)
	}
	return b.String()
}

func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

func intPtr(n int) *int    { return &n }
func boolPtr(b bool) *bool { return &b }
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
