package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// maxHeaderVersion is the widest version the header shows: a release tag such as v1.2.0 or
// v1.2.0-rc.1. At 80 columns the name, the five type tabs and an unsent mark still fit beside it.
const maxHeaderVersion = 12

// headerVersion is the version the header shows: v without build metadata (+dirty), or "dev"
// for anything longer than a release tag, such as a module pseudo-version
// (v0.0.0-20261202045913-3cfafd9abcde) or a snapshot build's version.
func headerVersion(v string) string {
	if i := strings.IndexByte(v, '+'); i > 0 {
		v = v[:i]
	}
	if lipgloss.Width(v) > maxHeaderVersion {
		return "dev"
	}
	return v
}
