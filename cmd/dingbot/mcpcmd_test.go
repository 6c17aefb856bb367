package main

import (
	"strings"
	"testing"
)

// TestConfirmGoesWithMCP: --confirm is a flag of the MCP server; the composer refuses it.
func TestConfirmGoesWithMCP(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "--confirm")
	if r.code != 2 || !strings.Contains(r.stderr, "--confirm") || !strings.Contains(r.stderr, "go with --mcp") {
		t.Fatalf("dingbot --confirm: exit %d\n%s", r.code, r.stderr)
	}
}
