package source

import (
	"errors"
	"net/http"
	"os"
	"testing"
)

// Parse dispatches by source name, and names the sources it knows when given another.
func TestParseDispatchesBySource(t *testing.T) {
	body, err := os.ReadFile("testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(SourceAlertmanager, http.Header{}, body)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(AlertmanagerPayload); !ok {
		t.Fatalf("alertmanager parsed into %T", v)
	}
	if _, err := Parse(SourceGrafana, nil, body); err == nil {
		t.Fatal("an Alertmanager body passed as Grafana's")
	}
	if _, err := Parse("prometheus", nil, body); !errors.Is(err, ErrUnknownSource) {
		t.Fatalf("unknown source: %v", err)
	}
	if kind, err := DataKind(SourceGeneric); err != nil || kind != "generic" {
		t.Fatalf("DataKind(generic) = %q, %v", kind, err)
	}
}
