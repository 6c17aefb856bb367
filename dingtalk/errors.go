package dingtalk

import (
	"fmt"
	"strings"
	"time"
)

// APIError is a refusal from DingTalk: its errcode and errmsg verbatim, plus a hint that says
// what to do about it.
type APIError struct {
	Code    int
	Message string
	Hint    string
	// Resent is true when DingTalk refused a resend: the first request had failed without an
	// answer.
	Resent bool
	// MaybeDelivered is true when that first request left this machine, so it may have posted
	// the message although DingTalk refused the resend.
	MaybeDelivered bool
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("dingtalk refused the message: errcode %d: %s", e.Code, e.Message)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	switch {
	case e.Resent && e.MaybeDelivered:
		s += " (this was a resend: the first request got no answer and may have posted the message)"
	case e.Resent:
		s += " (this was a resend: the first request never left this machine)"
	}
	return s
}

// Temporary reports whether the same request may succeed later without changes.
func (e *APIError) Temporary() bool {
	return e.Code == -1 || e.Code == 410100 || e.Code == 130101
}

// errcodeHints explains each errcode of the API page in words a user can act on.
var errcodeHints = map[int]string{
	-1:     "DingTalk is busy: try again in a little while",
	40035:  "the request had no JSON body or lacked a required field",
	43004:  "the Content-Type must be application/json",
	300001: "the access token does not exist: use the token after access_token= in the webhook URL, or the whole URL",
	300005: "the access token does not exist: use the token after access_token= in the webhook URL, or the whole URL (also seen for robots of external groups)",
	310000: "the robot's security check failed: a keyword is missing, the signature does not match, the clock is more than an hour off, or this IP is not allow-listed; the errmsg says which",
	400013: "the group has been dissolved: the robot can no longer post there",
	400101: "the access token does not exist: check the webhook in the group's robot settings",
	400102: "the robot is disabled: ask the group admin to enable it",
	400105: "DingTalk does not support this msgtype: use text, markdown, link, actionCard or feedCard",
	400106: "the robot does not exist: it may have been removed from the group",
	410100: "sending too fast: a robot may send 20 messages a minute, then it is throttled for 10 minutes",
	130101: "sending too fast: a robot may send 20 messages a minute, then it is throttled for 10 minutes",
	430101: "the message contains a link DingTalk considers unsafe: remove or replace it",
	430102: "DingTalk found the text inappropriate: rephrase it",
	430103: "DingTalk found an image inappropriate: remove it",
	430104: "DingTalk found the content inappropriate: rephrase it",
	460101: "the request body is too large: keep it under 20000 bytes",
	90030:  "the monthly webhook limit is used up (the organisation's quota, or a cap an admin set on this robot): stop sending to this robot until the month turns, or ask the admin to raise or exempt it",
}

// HintFor returns advice for an errcode, refined by errmsg where DingTalk packs several causes
// into one code (310000).
func HintFor(code int, errmsg string) string {
	if code == 310000 {
		m := strings.ToLower(errmsg)
		switch {
		case strings.Contains(m, "keyword"):
			return "the message contains none of the robot's security keywords: add one to the text or title"
		case strings.Contains(m, "timestamp"):
			return "the signature timestamp is more than an hour from DingTalk's clock: check this machine's clock"
		case strings.Contains(m, "sign") || strings.Contains(errmsg, "签名"):
			return "the signature does not match: check the robot's secret (it starts with SEC) and this machine's clock"
		case strings.Contains(m, "ip") && strings.Contains(m, "whitelist"):
			return "this machine's IP address is not on the robot's allow-list: add it in the robot's security settings"
		}
	}
	if h, ok := errcodeHints[code]; ok {
		return h
	}
	return "see DingTalk's error code list for errcode " + fmt.Sprint(code)
}

// TransportKind says how a request failed before DingTalk could answer it.
type TransportKind string

// Transport failure kinds.
const (
	KindTimeout     TransportKind = "timeout"
	KindConnect     TransportKind = "connect"
	KindBadResponse TransportKind = "bad response"
	KindCanceled    TransportKind = "canceled"
)

// TransportError is a failure to get an answer from DingTalk: a timeout, a refused connection,
// an HTML error page from a proxy, or a body that is not JSON. Its text never contains the
// token, the secret or the sign.
type TransportError struct {
	Kind TransportKind
	// URL is the request URL with access_token and sign redacted.
	URL string
	// Status is the HTTP status, when a response arrived.
	Status int
	// Detail describes what happened, already redacted.
	Detail string
	// MaybeDelivered is true when the request body went out before the failure: the message may
	// have been posted, so it must not be resent blindly.
	MaybeDelivered bool
	// Resent is true when the client already sent the request a second time (safe because it
	// had a msgUuid, or because the first never left) and that failed too.
	Resent bool
	// Idempotent is true when the message carried a msgUuid, so resending it cannot post twice.
	Idempotent bool
}

func (e *TransportError) Error() string {
	s := fmt.Sprintf("send to %s: %s: %s", e.URL, e.Kind, e.Detail)
	switch {
	case e.Resent && e.MaybeDelivered:
		s += " (resent once and failed again; the message may have been posted)"
	case e.Resent:
		s += " (resent once and failed again; nothing was posted)"
	case e.MaybeDelivered && e.Idempotent:
		s += " (the message may have been posted; resending it is safe: it has a msgUuid)"
	case e.MaybeDelivered:
		s += " (the message may have been posted, so it was not resent; give it a msgUuid to make resending safe)"
	}
	return s
}

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool { return e.Kind == KindTimeout }

// RateLimitError says that sending now would exceed 20 messages a minute for this robot.
type RateLimitError struct {
	Robot string
	Wait  time.Duration
}

func (e *RateLimitError) Error() string {
	secs := int((e.Wait + time.Second - 1) / time.Second)
	return fmt.Sprintf("robot %s has sent 20 messages in the last minute: wait %ds before sending again (DingTalk throttles a robot for 10 minutes when it exceeds 20 a minute)", e.Robot, secs)
}

// Problem is one thing wrong with a message, tied to the field it concerns.
type Problem struct {
	Field   string
	Message string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// ValidationError lists everything wrong with a message. Nothing was sent.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid message: " + strings.Join(parts, "; ")
}

// KeywordError says the message contains none of the robot's security keywords, which
// DingTalk would refuse with errcode 310000. Nothing was sent.
type KeywordError struct {
	Robot    string
	Keywords []string
	MsgType  MsgType
}

func (e *KeywordError) Error() string {
	return fmt.Sprintf("message contains none of the keywords of robot %s (%s): DingTalk would refuse it with errcode 310000; add one to %s",
		e.Robot, quoteList(e.Keywords), KeywordPlace(e.MsgType))
}

// KeywordPlace says where a message of type t must contain a security keyword: the fields
// MatchKeyword searches.
func KeywordPlace(t MsgType) string {
	switch t {
	case TypeText:
		return "the text"
	case TypeFeedCard:
		return "an item's title"
	case TypeActionCard:
		return "the title, the text or a button label"
	}
	return "the text or title"
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// StateError says dingbot's shared state (rate-limit windows, quotas, the outbox, drafts,
// history) could not be used: the state directory, or Redis. Nothing was sent: dingbot never
// sends without knowing its rate-limit window.
type StateError struct {
	// Dir is the state directory, or the file inside it that failed, or the Redis server
	// ("redis://host:6379/0", never a password).
	Dir string
	// Op says what dingbot was doing ("create", "lock", "read", "write").
	Op  string
	Err error
	// Fix, when set, is the advice instead of the usual one.
	Fix string
}

func (e *StateError) redis() bool { return strings.Contains(e.Dir, "://") }

func (e *StateError) Error() string {
	if e.redis() {
		return fmt.Sprintf("shared state at %s: %s: %v", e.Dir, e.Op, e.Err)
	}
	return fmt.Sprintf("state directory %s: %s: %v", e.Dir, e.Op, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

// Hint says how to fix the state.
func (e *StateError) Hint() string {
	switch {
	case e.Fix != "":
		return e.Fix
	case e.redis():
		return "check that Redis at " + e.Dir + " is running and reachable, and the URL in DINGBOT_REDIS_URL or [state] redis; until it is back, sends fail rather than pass the shared limits, so nothing was sent"
	}
	return "make " + e.Dir + " writable by this user (or remove what blocks it), or point DINGBOT_STATE_DIR at a writable directory; nothing was sent"
}
