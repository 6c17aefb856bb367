package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// toolsListBudget is the most bytes the compact JSON of tools/list may take for the eight
// message tools, in every mode (confirm and queueing included): the tools are carried in every
// agent's context, so each byte must earn its place. What the tools share is said once, in the
// server instructions, which are not part of tools/list. delivery_status, served beside them
// when there is an outbox, has its own budget.
const toolsListBudget = 16000

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

// splitToolsList is the compact tools/list result of the message tools alone, as the server
// would send it without delivery_status, and delivery_status's own bytes. want is how many
// message tools the mode serves.
func splitToolsList(t *testing.T, result []byte, want int) (tools []byte, status int) {
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
	if len(kept) != want {
		t.Fatalf("%d message tools listed, want %d", len(kept), want)
	}
	tools = append(append([]byte(`{"tools":[`), bytes.Join(kept, []byte(","))...), "]}"...)
	return tools, status
}

// TestToolsListBudget keeps tools/list of the eight message tools (the three read-only ones in
// read-only mode) within toolsListBudget bytes of compact JSON in every mode the server has.
func TestToolsListBudget(t *testing.T) {
	ob := listingOutbox()
	modes := []struct {
		name string
		opts Options
	}{
		{"plain", Options{}},
		{"outbox", Options{Outbox: ob}},
		{"queue when limited", Options{Outbox: ob, QueueWhenLimited: true}},
		{"confirm", Options{Confirm: true}},
		{"confirm, outbox", Options{Outbox: ob, Confirm: true}},
		{"confirm, queue when limited", Options{Outbox: ob, Confirm: true, QueueWhenLimited: true}},
		{"sandbox", Options{Sandbox: true, Outbox: ob}},
		{"sandbox confirm", Options{Sandbox: true, Outbox: ob, Confirm: true}},
		{"sandbox dry run", Options{Sandbox: true, DryRun: true}},
		{"dry run", Options{DryRun: true, Outbox: ob, Confirm: true}},
		{"read-only", Options{ReadOnly: true}},
		{"read-only, confirm, outbox", Options{ReadOnly: true, Outbox: ob, Confirm: true, QueueWhenLimited: true}},
	}
	for _, m := range modes {
		want := len(allTools)
		if m.opts.ReadOnly {
			want = len(readOnlyTools)
		}
		result := toolsListJSON(t, m.opts)
		listed, status := splitToolsList(t, result, want)
		if status == 0 && !bytes.Equal(listed, result) {
			t.Fatalf("%s: the tools re-joined differ from tools/list:\n%s\n%s", m.name, listed, result)
		}
		t.Logf("tools/list (%s): %d bytes for the %d message tools, %d for delivery_status", m.name, len(listed), want, status)
		if len(listed) > toolsListBudget {
			t.Errorf("tools/list (%s) is %d bytes of compact JSON, over the budget of %d", m.name, len(listed), toolsListBudget)
		}
		if status > deliveryStatusBudget {
			t.Errorf("delivery_status (%s) is %d bytes, over its budget of %d", m.name, status, deliveryStatusBudget)
		}
		if (status > 0) != (m.opts.Outbox != nil && !m.opts.DryRun && !m.opts.Sandbox) {
			t.Errorf("%s: delivery_status served: %v", m.name, status > 0)
		}
	}
}
