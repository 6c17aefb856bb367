package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Generic parses any JSON object or array: objects become map[string]any,
// arrays []any, numbers json.Number (so ids and large integers keep every
// digit), and the rest string, bool or nil. Bad JSON, or text after the
// document, is a *SyntaxError; a lone string, number, boolean or null is a
// *ShapeError.
func Generic(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if se := syntaxError("generic", body, err); se != nil {
			return nil, se
		}
		if err == io.EOF {
			return nil, &SyntaxError{Source: "generic", Msg: "empty body", Line: 1, Column: 1}
		}
		return nil, fmt.Errorf("generic payload: %w", err)
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(body[off:])) > 0 {
		rest := off + int64(len(body[off:])-len(bytes.TrimLeft(body[off:], " \t\r\n")))
		return nil, newSyntaxError("generic", body, rest, "text after the JSON document")
	}
	switch v.(type) {
	case map[string]any, []any:
		return v, nil
	}
	return nil, &ShapeError{Source: "generic", Problems: []string{fmt.Sprintf("the document is a JSON %s; want an object or an array", kindOf(v))}}
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
