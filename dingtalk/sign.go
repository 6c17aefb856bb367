package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"
)

// Sign computes DingTalk's request signature for a timestamp in milliseconds:
// base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)), standard alphabet
// with padding. The result is not URL-encoded; SignedURL encodes it exactly once.
func Sign(secret string, timestampMillis int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedURL returns the URL to POST to at time now: the endpoint with access_token and, for a
// signed robot, a fresh timestamp and sign. Call it once per request, never cache it.
func SignedURL(ep Endpoint, secret string, now time.Time) string {
	q := url.Values{}
	q.Set("access_token", ep.Token)
	if secret != "" {
		ts := now.UnixMilli()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", Sign(secret, ts))
	}
	return ep.URL + "?" + q.Encode()
}
