package dingtalk

import (
	"net/url"
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
