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
	s = maskPieces(s, a.secrets)
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

// pieceLen is the shortest piece of a secret that Mask hides: ten characters of a 64-character
// secret are no accident in a message.
const pieceLen = 10

// word is a run of the characters secrets and tokens are made of.
var word = regexp.MustCompile(`[0-9A-Za-z+/=_%-]{10,}`)

// maskPieces hides every run of s that holds a piece (pieceLen characters or more, in any case)
// of one of secrets: a slice of the secret pasted into a message, or one lower-cased.
func maskPieces(s string, secrets []string) string {
	var pieces []string
	for _, sec := range secrets {
		if sec == DefaultToken || len(sec) < 2*pieceLen {
			continue
		}
		l := strings.ToLower(sec)
		for i := 0; i+pieceLen <= len(l); i++ {
			pieces = append(pieces, l[i:i+pieceLen])
		}
	}
	if len(pieces) == 0 {
		return s
	}
	return word.ReplaceAllStringFunc(s, func(w string) string {
		lw := strings.ToLower(w)
		for _, p := range pieces {
			if strings.Contains(lw, p) {
				return "REDACTED"
			}
		}
		return w
	})
}

// printable drops control characters (C0 but newline and tab, DEL, C1; with them every terminal
// escape sequence loses its ESC) and bidirectional overrides from text that arrived over the
// network.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// Bidirectional overrides and isolates: they reorder what the terminal shows.
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
