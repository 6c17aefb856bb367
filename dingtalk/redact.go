package dingtalk

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces the secret parts of a webhook URL (access_token, sign) with "REDACTED",
// keeping the rest readable: the host, the path and the timestamp.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "REDACTED"
	}
	q := u.Query()
	for _, k := range []string{"access_token", "sign"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// RedactSecrets replaces every given secret in s, as it is and URL-encoded, with "REDACTED".
func RedactSecrets(s string, secrets ...string) string { return redactor(secrets).apply(s) }

// redactor removes every given secret from text. Values shorter than 4 characters are ignored
// because they would mangle ordinary words.
type redactor []string

func (r redactor) apply(s string) string {
	for _, v := range r {
		if len(v) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, v, "REDACTED")
		// Secrets may also appear URL-encoded (a sign always does).
		if enc := url.QueryEscape(v); enc != v {
			s = strings.ReplaceAll(s, enc, "REDACTED")
		}
	}
	return s
}

// secretLike matches text that looks like a credential wherever it appears: a signing secret
// (SEC, then a digit or a lowercase letter and more), a bare access token (a long hex run), or the value
// of an access_token, sign or secret parameter.
//
// The names dingbot gives messages and jobs are matched first and kept: a msgUuid
// (dingbot- and 32 hex digits), a relay job keyed by its sender's delivery id (r-d- and 24),
// a digest summary (dg-<time>-, 16): they open nothing, and logs must show them to match a
// delivery with the relay's answer, the outbox and DingTalk's answer.
var secretLike = regexp.MustCompile(`dingbot-[0-9a-f]{32}\b|r-d-[0-9a-f]{24}\b|dg-[0-9]{8}T[0-9]{6}\.[0-9]{3}-[0-9a-f]{16}\b|SEC[0-9a-z][0-9A-Za-z+/=_-]{7,}|\b[0-9a-fA-F]{16,}\b|((?:access_token|sign|secret)=)[^&\s"']+`)

// MaskSecretLike replaces every part of s that looks like a secret or a token with "REDACTED",
// for messages that echo what a user typed (a config value, a variable name): a secret pasted
// into the wrong key must not be printed back.
func MaskSecretLike(s string) string {
	return secretLike.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "dingbot-") || strings.HasPrefix(m, "r-d-") || strings.HasPrefix(m, "dg-") {
			return m
		}
		if k, _, ok := strings.Cut(m, "="); ok && !strings.HasPrefix(m, "SEC") && len(k) < len(m) && (k == "access_token" || k == "sign" || k == "secret") {
			return k + "=REDACTED"
		}
		return "REDACTED"
	})
}

// LooksSecret reports whether s looks like a secret or a token (see MaskSecretLike).
func LooksSecret(s string) bool { return MaskSecretLike(s) != s }
