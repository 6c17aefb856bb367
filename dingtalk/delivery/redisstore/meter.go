package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dingbot/dingbot/dingtalk"
)

// quotaTTL keeps a month's counts a little beyond the month.
const quotaTTL = 40 * 24 * time.Hour

// pauseSlack keeps a pause's key a day past its end by Redis's clock, or a day past when it
// was set if it had already ended by that clock: Paused compares Until with the caller's
// clock, so a host whose clock differs from Redis's (or a test's fake clock) still sees the
// pause it set.
const pauseSlack = 24 * time.Hour

var _ dingtalk.Meter = (*Store)(nil)

func (s *Store) quotaKey(month, key string) string { return s.prefix + "quota:" + month + ":" + key }

// countScript adds one to the robot's count (KEYS[2]) and the organisation's (KEYS[3]),
// keeping both ARGV[2] ms, and returns "robot org".
var countScript = once(`
local r = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local o = r
if KEYS[3] ~= KEYS[2] then
	o = redis.call('INCR', KEYS[3])
	redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return r .. ' ' .. o
`)

// Count records one request to key in month and returns the month's counts for key and for
// the organisation.
func (s *Store) Count(ctx context.Context, key, month string) (robot, org int, err error) {
	reply, err := s.runOnce(ctx, countScript,
		[]string{s.quotaKey(month, key), s.quotaKey(month, dingtalk.OrgKey)}, quotaTTL.Milliseconds())
	if err != nil {
		return 0, 0, s.fail(ctx, "count the monthly quota", err)
	}
	if _, err := fmt.Sscanf(reply, "%d %d", &robot, &org); err != nil {
		return 0, 0, s.fail(ctx, "count the monthly quota", fmt.Errorf("unexpected reply %q", reply))
	}
	return robot, org, nil
}

// Used returns the month's counts for key and for the organisation.
func (s *Store) Used(ctx context.Context, key, month string) (robot, org int, err error) {
	v, err := s.client.MGet(ctx, s.quotaKey(month, key), s.quotaKey(month, dingtalk.OrgKey)).Result()
	if err != nil {
		return 0, 0, s.fail(ctx, "read the monthly quota", err)
	}
	n := make([]int, 2)
	for i, x := range v {
		if x == nil {
			continue
		}
		str, _ := x.(string)
		if n[i], err = strconv.Atoi(str); err != nil {
			return 0, 0, s.fail(ctx, "read the monthly quota", fmt.Errorf("a damaged count %q", str))
		}
	}
	return n[0], n[1], nil
}

// pauseScript sets the pause KEYS[1] to end at ARGV[1] (ms) with the JSON ARGV[2], unless it
// already ends as late or later; the key expires ARGV[3] ms after the later of its end and
// Redis's time.
var pauseScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'until'))
local untilMs = tonumber(ARGV[1])
if cur and cur >= untilMs then return 0 end
redis.call('HSET', KEYS[1], 'until', ARGV[1], 'json', ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('PEXPIREAT', KEYS[1], math.max(untilMs, now) + tonumber(ARGV[3]))
return 1
`)

// Pause stops key until p.Until; a later pause wins over an earlier one.
func (s *Store) Pause(ctx context.Context, key string, p dingtalk.Pause) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redisstore: encode pause: %w", err)
	}
	err = pauseScript.Run(ctx, s.client, []string{s.prefix + "pause:" + key},
		p.Until.UnixMilli(), doc, pauseSlack.Milliseconds()).Err()
	if err != nil {
		return s.fail(ctx, "pause the robot", err)
	}
	return nil
}

// Paused returns key's pause if it lasts beyond now, or a zero Pause.
func (s *Store) Paused(ctx context.Context, key string, now time.Time) (dingtalk.Pause, error) {
	doc, err := s.client.HGet(ctx, s.prefix+"pause:"+key, "json").Result()
	if errors.Is(err, redis.Nil) {
		return dingtalk.Pause{}, nil
	}
	if err != nil {
		return dingtalk.Pause{}, s.fail(ctx, "read the robot's pause", err)
	}
	var p dingtalk.Pause
	if err := json.NewDecoder(strings.NewReader(doc)).Decode(&p); err != nil {
		return dingtalk.Pause{}, s.fail(ctx, "read the robot's pause", fmt.Errorf("a damaged pause: %w", err))
	}
	if !p.Until.After(now) {
		return dingtalk.Pause{}, nil
	}
	return p, nil
}
