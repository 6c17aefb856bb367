package main

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
)

// robotJSON is one robot in dingbot robots --json. It never holds a token or a secret: the
// secret only as its fingerprint, the webhook only as its host.
type robotJSON struct {
	Name      string `json:"name"`
	Default   bool   `json:"default"`
	Available bool   `json:"available"`
	// Problem says why an unavailable robot cannot be used here (its secret_env is not set).
	Problem string `json:"problem,omitempty"`
	Signed  bool   `json:"signed"`
	// SecretFingerprint is "SEC…sha256:abcdef", as the table's SIGNING column.
	SecretFingerprint string   `json:"secret_fingerprint,omitempty"`
	Keywords          []string `json:"keywords"`
	Host              string   `json:"host,omitempty"`
	// SendsLeft is how many sends the robot has left this minute; null when unknown.
	SendsLeft *int `json:"sends_left"`
	// PausedSeconds is how long DingTalk's throttle pauses the robot (0: not paused).
	PausedSeconds int `json:"paused_seconds,omitempty"`
	// Month is this month's count (China Standard Time); null when it cannot be read.
	Month *quotaJSON `json:"month"`
	// QuotaStopped is "dingtalk" when DingTalk refused with 90030 this month, "used_up" when the
	// configured monthly quota is used up.
	QuotaStopped string `json:"quota_stopped,omitempty"`
}

// robotsJSON describes a's robots, the usable ones first, then the unavailable ones by name.
func robotsJSON(ctx context.Context, a *app) []robotJSON {
	out := []robotJSON{}
	for _, r := range a.robots {
		j := robotJSON{Name: config.SafeName(r.Name), Default: r.Name == a.defaultR, Available: true, Signed: r.Secret != "",
			SecretFingerprint: config.RedactSecret(r.Secret), Keywords: append([]string{}, r.Keywords...), Host: "oapi.dingtalk.com"}
		if ep, err := r.Endpoint(); err == nil {
			host := strings.TrimPrefix(strings.TrimPrefix(ep.URL, "https://"), "http://")
			j.Host, _, _ = strings.Cut(host, "/")
		}
		if n := a.client.SendsLeft(r); n >= 0 {
			j.SendsLeft = &n
		}
		if u := a.client.Usage(ctx, r); u != nil {
			j.Month = &quotaJSON{Month: u.Month, Used: u.Used, Limit: u.Limit, OrgUsed: u.OrgUsed, OrgLimit: u.OrgLimit}
		}
		var (
			paused *dingtalk.PausedError
			quota  *dingtalk.QuotaError
		)
		switch err := a.client.Check(ctx, r); {
		case errors.As(err, &paused):
			j.PausedSeconds = int(math.Ceil(paused.Wait().Seconds()))
		case errors.As(err, &quota) && quota.Scope == "dingtalk":
			j.QuotaStopped = "dingtalk"
		case errors.As(err, &quota):
			j.QuotaStopped = "used_up"
		}
		out = append(out, j)
	}
	for _, name := range slices.Sorted(maps.Keys(a.cfg.Unavailable)) {
		out = append(out, robotJSON{Name: config.SafeName(name), Default: name == a.defaultR, Keywords: []string{},
			Problem: dingtalk.MaskSecretLike(a.cfg.Unavailable[name].Error())})
	}
	return out
}
