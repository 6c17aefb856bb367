package config

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// RedactSecret renders a secret for display without any of its characters: "SEC…" and a short
// fingerprint (the first hex digits of its SHA-256), so two secrets can be told apart and
// compared with `printf %s SEC… | sha256sum`, and "" when it is empty.
func RedactSecret(s string) string {
	if s == "" {
		return ""
	}
	prefix := ""
	if strings.HasPrefix(s, "SEC") {
		prefix = "SEC"
	}
	sum := sha256.Sum256([]byte(s))
	return prefix + "…sha256:" + hex.EncodeToString(sum[:3])
}

// RedactURL renders a URL that may carry a password (a Redis URL) without it.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		}
	}
	return u.String()
}
