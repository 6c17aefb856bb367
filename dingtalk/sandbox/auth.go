package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"
)

// maxSkew is how far a signed request's timestamp may be from the server clock.
const maxSkew = time.Hour

const securityLink = "link:https://open.dingtalk.com/document/orgapp/customize-robot-security-settings"

const (
	msgSignMismatch = "description:机器人发送签名不匹配 (sign not match);" +
		"solution:请确认签名和生成签名的时间戳必须都放在调用的url中;" + securityLink
	msgBadTimestamp = "description:timestamp 无效 (invalid timestamp)，须为毫秒时间戳且与服务器时间相差不超过 1 小时;" +
		"solution:请确认 timestamp 参数放在调用的url中并检查本机时钟;" + securityLink
)

// Sign returns DingTalk's signature for a request made at timestampMillis:
// base64 (standard, padded) of HMAC-SHA256 with key secret over
// timestamp + "\n" + secret. The result is not URL-encoded.
func Sign(secret string, timestampMillis int64) string {
	return sign(secret, strconv.FormatInt(timestampMillis, 10))
}

func sign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// checkSign verifies timestamp and sign in the (once decoded) query q.
func checkSign(secret string, q url.Values, now time.Time) *apiError {
	ts := q.Get("timestamp")
	ms, ok := parseMillis(ts)
	if !ok {
		return &apiError{codeSecurity, msgBadTimestamp}
	}
	skew := now.Sub(time.UnixMilli(ms))
	if skew > maxSkew || skew < -maxSkew {
		return &apiError{codeSecurity, msgBadTimestamp}
	}
	if !hmac.Equal([]byte(q.Get("sign")), []byte(sign(secret, ts))) {
		return &apiError{codeSecurity, msgSignMismatch}
	}
	return nil
}

// parseMillis accepts only plain decimal digits.
func parseMillis(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
