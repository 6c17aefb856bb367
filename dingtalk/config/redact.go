package config

import "strings"

// RedactSecret renders a secret for display: "SEC…" and its last four characters, "…" when it
// is too short to show any of it safely, and "" when it is empty.
func RedactSecret(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) < 16 {
		return "…"
	}
	prefix := ""
	if strings.HasPrefix(s, "SEC") {
		prefix = "SEC"
	}
	return prefix + "…" + string(r[len(r)-4:])
}
