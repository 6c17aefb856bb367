package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// toolsListBudget is the most bytes the compact JSON of tools/list may take for the eight
// message tools: the tools are carried in every agent's context, so each byte must earn its
// place. delivery_status, served beside them when there is an outbox, has its own budget.
const toolsListBudget = 16000

// confirmBudget is the ceiling in confirm mode, which the user turns on to approve every post:
// each send tool then also takes confirmToken and may return needsConfirmation, confirmToken
// and each part's body.
const confirmBudget = 17000

// deliveryStatusBudget is the most bytes delivery_status may add.
const deliveryStatusBudget = 1500

// listingOutbox is an outbox for listing tools only: it has no store.
func listingOutbox() *delivery.Outbox { return delivery.New(nil, delivery.Options{}) }

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

// splitToolsList is the compact tools/list result of the eight message tools alone, as the
// server would send it without delivery_status, and delivery_status's own bytes.
func splitToolsList(t *testing.T, result []byte) (eight []byte, status int) {
	t.Helper()
	var list struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(result, &list); err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	for _, raw := range list.Tools {
		var tool struct{ Name string }
		if err := json.Unmarshal(raw, &tool); err != nil {
			t.Fatal(err)
		}
		if tool.Name == toolDeliveries {
			status = len(raw)
			continue
		}
		kept = append(kept, raw)
	}
	if len(kept) != 8 {
		t.Fatalf("%d message tools listed, want 8", len(kept))
	}
	eight = append(append([]byte(`{"tools":[`), bytes.Join(kept, []byte(","))...), "]}"...)
	return eight, status
}

// TestToolsListBudget keeps tools/list of the eight message tools within toolsListBudget bytes
// of compact JSON in every mode but confirm mode, which has its own ceiling.
func TestToolsListBudget(t *testing.T) {
	ob := listingOutbox()
	modes := []struct {
		name   string
		opts   Options
		budget int
	}{
		{"no outbox", Options{}, toolsListBudget},
		{"sandbox dry run", Options{Sandbox: true, DryRun: true}, toolsListBudget},
		{"outbox", Options{Outbox: ob}, toolsListBudget},
		{"queue when limited", Options{Outbox: ob, QueueWhenLimited: true}, toolsListBudget},
		{"confirm", Options{Outbox: ob, Confirm: true, QueueWhenLimited: true}, confirmBudget},
	}
	for _, m := range modes {
		result := toolsListJSON(t, m.opts)
		eight, status := splitToolsList(t, result)
		if m.opts.Outbox == nil && !bytes.Equal(eight, result) {
			t.Fatalf("%s: the eight tools re-joined differ from tools/list:\n%s\n%s", m.name, eight, result)
		}
		t.Logf("tools/list (%s): %d bytes for the eight tools, %d for delivery_status", m.name, len(eight), status)
		if len(eight) > m.budget {
			t.Errorf("tools/list (%s) is %d bytes of compact JSON, over the budget of %d", m.name, len(eight), m.budget)
		}
		if status > deliveryStatusBudget {
			t.Errorf("delivery_status (%s) is %d bytes, over its budget of %d", m.name, status, deliveryStatusBudget)
		}
		if (status > 0) != (m.opts.Outbox != nil && !m.opts.DryRun && !m.opts.Sandbox) {
			t.Errorf("%s: delivery_status served: %v", m.name, status > 0)
		}
	}
}
