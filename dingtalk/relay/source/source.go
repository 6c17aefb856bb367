package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxBody is the largest body Read accepts: 1 MiB. Alertmanager and Grafana
// send a few KiB per group; GitHub caps its payloads at 25 MB but sends far
// less for the events the relay handles.
const MaxBody = 1 << 20

// ErrTooLarge is returned (wrapped) by Read for a body over MaxBody.
var ErrTooLarge = errors.New("body too large")

// Read reads a request body of at most MaxBody bytes. A longer body is
// refused with an error wrapping ErrTooLarge, after reading only MaxBody+1
// bytes of it.
func Read(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("%w: over %d bytes (1 MiB), the relay's limit", ErrTooLarge, MaxBody)
	}
	return body, nil
}

// SyntaxError is a body that is not JSON.
type SyntaxError struct {
	Source string // "alertmanager", "grafana", "github", "gitlab", "gitea", "generic"
	Offset int64  // 0-based offset of the byte at fault (the body's length when it ends too early)
	Line   int    // 1-based line of Offset
	Column int    // 1-based column, in bytes, of Offset
	Msg    string // what encoding/json found
}

func (e *SyntaxError) Error() string {
	if e.Msg == "empty body" {
		return fmt.Sprintf("%s payload: invalid JSON: empty body", e.Source)
	}
	return fmt.Sprintf("%s payload: invalid JSON at line %d, column %d (byte %d): %s",
		e.Source, e.Line, e.Column, e.Offset, e.Msg)
}

// ShapeError is valid JSON that is not the source's payload: required fields
// missing, or fields of the wrong type or value.
type ShapeError struct {
	Source   string
	Missing  []string // required fields absent, as paths: "version", "alerts[2].status"
	Problems []string // other faults: `alerts[0].startsAt: "soon" is not an RFC 3339 time`
}

func (e *ShapeError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required "+plural(len(e.Missing), "field", "fields")+" "+strings.Join(e.Missing, ", "))
	}
	parts = append(parts, e.Problems...)
	msg := fmt.Sprintf("%s payload: %s", e.Source, strings.Join(parts, "; "))
	if name := sourceNames[e.Source]; name != "" && slices.ContainsFunc(e.Missing, topLevel) {
		msg += " (is this " + name + "?)"
	}
	return msg
}

var sourceNames = map[string]string{
	"alertmanager": "an Alertmanager webhook, version 4",
	"grafana":      "a Grafana alerting webhook",
	"github":       "a GitHub webhook",
	"gitlab":       "a GitLab webhook",
	"gitea":        "a Gitea webhook",
}

// topLevel reports whether a path names a field of the document itself, not
// of one of its alerts.
func topLevel(path string) bool { return !strings.ContainsAny(path, ".[") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// syntaxError turns encoding/json's errors about the document itself into a
// *SyntaxError; it returns nil for the others.
func syntaxError(src string, body []byte, err error) *SyntaxError {
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return &SyntaxError{Source: src, Msg: "empty body", Line: 1, Column: 1}
	case errors.As(err, &se) && se.Error() == "unexpected end of JSON input":
		return newSyntaxError(src, body, int64(len(body)), "unexpected end of JSON input")
	case errors.As(err, &se):
		return newSyntaxError(src, body, max(se.Offset-1, 0), se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newSyntaxError(src, body, int64(len(body)), "unexpected end of JSON input")
	}
	return nil
}

func newSyntaxError(src string, body []byte, off int64, msg string) *SyntaxError {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return &SyntaxError{Source: src, Offset: off, Line: line, Column: col, Msg: msg}
}

// typeProblem describes a field of the wrong JSON type.
func typeProblem(err error) (string, bool) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "", false
	}
	field := te.Field
	if field == "" {
		field = "the document"
	}
	return fmt.Sprintf("%s: got a JSON %s, want %s", field, te.Value, jsonKind(te.Type.Kind().String())), true
}

func jsonKind(goKind string) string {
	switch goKind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "uint64", "float64":
		return "a number"
	}
	return goKind
}
