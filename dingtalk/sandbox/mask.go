package sandbox

import (
	"regexp"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// secretLike matches what looks like a credential wherever it appears: a signing secret (SEC,
// then a digit or a lowercase letter and more), a 64-digit hex access token, or the value of an
// access_token, sign or secret parameter. Shorter hex runs (commit hashes) are left alone: they
// are common in the messages the sandbox shows.
var secretLike = regexp.MustCompile(`SEC[0-9a-z][0-9A-Za-z+/=_-]{7,}|\b[0-9a-fA-F]{64}\b|\b(?:access_token|sign|secret)=[^&\s"'<>()\[\]\x00-\x1f\x7f]+`)

// Mask hides in s what must never be shown: the secrets and access tokens of the robots the
// sandbox serves (as they are and URL-encoded), and anything that looks like a secret, a token or
// a signature (see secretLike). Everything taken from an arrival for display goes through it.
// The default token "sandbox" is no secret and stays readable.
func (a Arrival) Mask(s string) string {
	s = dingtalk.RedactSecrets(s, a.secrets...)
	if a.Token != DefaultToken {
		s = dingtalk.RedactSecrets(s, a.Token)
	}
	return secretLike.ReplaceAllStringFunc(s, func(m string) string {
		k, v, ok := strings.Cut(m, "=")
		switch {
		case !ok || strings.HasPrefix(m, "SEC"):
			return "REDACTED"
		case k == "access_token" && v == DefaultToken:
			return m
		}
		return k + "=REDACTED"
	})
}

// printable drops control characters (C0 but newline and tab, DEL, C1; with them every terminal
// escape sequence loses its ESC) from text that arrived over the network.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

// forDisplay makes the texts of a that are shown as they are (the reason, the ignored fields)
// safe to print and to answer with: no control characters, nothing secret.
func (a *Arrival) forDisplay() {
	a.Errmsg = a.Mask(printable(a.Errmsg))
	for i, n := range a.Ignored {
		a.Ignored[i] = a.Mask(printable(n))
	}
}
