package dingtalk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// ChinaTime is China Standard Time, in which DingTalk bills its monthly webhook quota.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// QuotaMonth names the billing month t falls in, in China Standard Time: "2026-12".
func QuotaMonth(t time.Time) string { return t.In(ChinaTime).Format("2006-01") }

// NextQuotaMonth is when the billing month after t's begins.
func NextQuotaMonth(t time.Time) time.Time {
	c := t.In(ChinaTime)
	return time.Date(c.Year(), c.Month()+1, 1, 0, 0, 0, 0, ChinaTime)
}

// OrgKey is the Meter key of the whole organisation's monthly count.
const OrgKey = "org"

// RobotKey names robot r in shared state (rate limits, quota, pauses, the outbox) without its
// token: the hex of the token's SHA-256, truncated. Two names for one webhook share one key.
func RobotKey(r Robot) (string, error) {
	ep, err := r.Endpoint()
	if err != nil {
		return "", err
	}
	return TokenKey(ep.Token), nil
}

// TokenKey is RobotKey for a bare access token.
func TokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// Pause is a stop on a robot shared by every process: DingTalk throttled it (410100, 130101:
// ten minutes) or its monthly cap is used up (90030: until the month turns).
type Pause struct {
	Until   time.Time
	Errcode int
	Reason  string
}

// Meter keeps what every dingbot process sharing a state must agree on besides the rate-limit
// window: each robot's monthly count and its pauses. Keys are RobotKey values (and OrgKey);
// implementations never see a token.
type Meter interface {
	// Paused returns key's pause, or a zero Pause when it may send.
	Paused(ctx context.Context, key string, now time.Time) (Pause, error)
	// Pause stops key until p.Until (a later pause wins over an earlier one).
	Pause(ctx context.Context, key string, p Pause) error
	// Count records one request to key in month and returns the month's count for key and for
	// the whole organisation (every key).
	Count(ctx context.Context, key, month string) (robot, org int, err error)
	// Used returns the month's counts for key and for the whole organisation.
	Used(ctx context.Context, key, month string) (robot, org int, err error)
}

// QuotaError says a monthly quota is used up: the robot's monthly_quota, the organisation's
// org_monthly_quota, or DingTalk's own cap (errcode 90030). Nothing was sent.
type QuotaError struct {
	Robot string
	// Scope is "robot", "organisation" or "dingtalk" (DingTalk answered 90030 earlier).
	Scope string
	Used  int
	Limit int
	// Until is when sending may resume: the next billing month.
	Until time.Time
}

func (e *QuotaError) Error() string {
	when := e.Until.In(ChinaTime).Format("2006-01-02 15:04 MST")
	switch e.Scope {
	case "dingtalk":
		return fmt.Sprintf("robot %s is stopped until %s: DingTalk answered 90030 (webhook over limit) for this month", e.Robot, when)
	case "organisation":
		return fmt.Sprintf("the organisation's monthly quota is used up (%d of %d sends this month): robot %s sends again from %s", e.Used, e.Limit, e.Robot, when)
	}
	return fmt.Sprintf("robot %s has used its monthly quota (%d of %d sends this month): it sends again from %s", e.Robot, e.Used, e.Limit, when)
}

// Hint says what to do about the quota.
func (e *QuotaError) Hint() string {
	if e.Scope == "dingtalk" {
		return "DingTalk refuses this robot until the month turns (the organisation's quota, or a cap an admin set on it): ask the admin to raise or exempt it; queued messages wait"
	}
	return "wait for the next month, raise monthly_quota / org_monthly_quota in the config, or pass --force to send anyway (DingTalk may still refuse with 90030)"
}

// PausedError says DingTalk throttled the robot and dingbot holds every send until Until.
type PausedError struct {
	Robot string
	Pause Pause
	Now   time.Time
}

func (e *PausedError) Error() string {
	secs := int((e.Pause.Until.Sub(e.Now) + time.Second - 1) / time.Second)
	return fmt.Sprintf("robot %s is paused for %ds more: %s", e.Robot, max(secs, 1), e.Pause.Reason)
}

// Wait is how long until the robot may send again.
func (e *PausedError) Wait() time.Duration { return max(e.Pause.Until.Sub(e.Now), 0) }

// QuotaUsage is a robot's month so far, for warnings and listings. A zero Limit means no limit
// is configured: the count is still kept.
type QuotaUsage struct {
	Month             string
	Used, Limit       int
	OrgUsed, OrgLimit int
}

// Warning returns a warning once a limit is 80 % used, or "".
func (u QuotaUsage) Warning(robot string) string {
	switch {
	case u.Limit > 0 && u.Used*5 >= u.Limit*4:
		return fmt.Sprintf("robot %s has used %d of its %d sends this month (%d%%)", robot, u.Used, u.Limit, u.Used*100/u.Limit)
	case u.OrgLimit > 0 && u.OrgUsed*5 >= u.OrgLimit*4:
		return fmt.Sprintf("the organisation has used %d of its %d webhook sends this month (%d%%)", u.OrgUsed, u.OrgLimit, u.OrgUsed*100/u.OrgLimit)
	}
	return ""
}
