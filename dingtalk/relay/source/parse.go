package source

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The sources a relay route may name.
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourceGitHub       = "github"
	SourceGitLab       = "gitlab"
	SourceGitea        = "gitea"
	SourceGeneric      = "generic"
)

// parser parses one source's body; h carries the sender's headers (a Git host names its
// event in one).
type parser func(h http.Header, body []byte) (any, error)

// parsers maps each source to its parser and to the data kind its templates declare
// (data = "…" in a template file).
var parsers = map[string]struct {
	parse parser
	data  string
}{
	SourceAlertmanager: {func(_ http.Header, b []byte) (any, error) { return Alertmanager(b) }, "alertmanager"},
	SourceGrafana:      {func(_ http.Header, b []byte) (any, error) { return Grafana(b) }, "grafana"},
	SourceGeneric:      {func(_ http.Header, b []byte) (any, error) { return Generic(b) }, "generic"},
	SourceGitHub:       {gitParser(GitHub), "git"},
	SourceGitLab:       {gitParser(GitLab), "git"},
	SourceGitea:        {gitParser(Gitea), "git"},
}

// gitParser adapts a Git host's parser: a failed parse returns a nil value, not a zero
// GitEvent.
func gitParser(parse func(http.Header, []byte) (GitEvent, error)) parser {
	return func(h http.Header, b []byte) (any, error) {
		e, err := parse(h, b)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// ErrUnknownSource is wrapped by Parse and DataKind for a source name they do not know.
var ErrUnknownSource = errors.New("unknown source")

// IgnoredError is a request the source understands but that carries nothing to post: a
// GitHub ping, an event kind the relay does not render. The relay answers it 200 and sends
// nothing.
type IgnoredError struct {
	Source string
	Reason string // "ping event", `event "star" is not relayed`
}

func (e *IgnoredError) Error() string { return fmt.Sprintf("%s: ignored: %s", e.Source, e.Reason) }

// Names lists the sources, sorted.
func Names() []string {
	names := make([]string, 0, len(parsers))
	for n := range parsers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DataKind is the data a source's payloads are parsed into, as a template declares it
// (data = "alertmanager"): a template renders a route's payloads only if its Data() is the
// route source's DataKind.
func DataKind(source string) (string, error) {
	p, ok := parsers[source]
	if !ok {
		return "", unknown(source)
	}
	return p.data, nil
}

// Parse parses a body posted to a route of the named source into the value its templates
// render as ".". Its errors are *SyntaxError, *ShapeError and *IgnoredError, and
// ErrUnknownSource (wrapped) for a source Names does not list.
func Parse(source string, h http.Header, body []byte) (any, error) {
	p, ok := parsers[source]
	if !ok {
		return nil, unknown(source)
	}
	return p.parse(h, body)
}

func unknown(source string) error {
	return fmt.Errorf("%w %q (one of %s)", ErrUnknownSource, source, strings.Join(Names(), ", "))
}
