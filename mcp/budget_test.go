package mcp

import (
	"context"
	"encoding/json"
	"testing"
)

// toolsListBudget is the most bytes the compact JSON of tools/list may take: the tools are carried
// in every agent's context, so each byte must earn its place.
const toolsListBudget = 16000

// toolsListJSON is the result of tools/list exactly as the server puts it on the wire.
func toolsListJSON(t *testing.T, opts Options) []byte {
	t.Helper()
	s := newServer(opts)
	resp := s.HandleMessage(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil || len(wire.Result) == 0 {
		t.Fatalf("tools/list: %v %s", err, raw)
	}
	return wire.Result
}

// TestToolsListBudget keeps tools/list of all tools within toolsListBudget bytes of compact JSON.
func TestToolsListBudget(t *testing.T) {
	for _, opts := range []Options{{}, {Sandbox: true, DryRun: true}} {
		got := toolsListJSON(t, opts)
		t.Logf("tools/list (sandbox %v, dry run %v): %d bytes", opts.Sandbox, opts.DryRun, len(got))
		if len(got) > toolsListBudget {
			t.Errorf("tools/list (sandbox %v, dry run %v) is %d bytes of compact JSON, over the budget of %d", opts.Sandbox, opts.DryRun, len(got), toolsListBudget)
		}
	}
}
