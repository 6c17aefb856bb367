package source

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Alert is one alert of a group, as Alertmanager and Grafana send it.
type Alert struct {
	Status       string            `json:"status"` // "firing" or "resolved"
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"` // zero while the alert fires with no end known
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Firing reports whether the alert's status is "firing".
func (a Alert) Firing() bool { return a.Status == StatusFiring }

// The statuses of a group and of an alert.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// wireAlert is Alert as sent, times still strings so that a bad one is
// reported with its path.
type wireAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Required fields, in the order they are reported.
var alertRequired = []string{"status", "labels", "startsAt"}

// check gathers the faults of one payload into a *ShapeError.
type check struct{ ShapeError }

func (c *check) missing(fields map[string]json.RawMessage, prefix string, names ...string) {
	for _, n := range names {
		if _, ok := fields[n]; !ok {
			c.Missing = append(c.Missing, prefix+n)
		}
	}
}

func (c *check) problem(format string, a ...any) {
	c.Problems = append(c.Problems, fmt.Sprintf(format, a...))
}

func (c *check) status(path, s string) {
	if s != StatusFiring && s != StatusResolved {
		c.problem("%s: %q is neither %q nor %q", path, s, StatusFiring, StatusResolved)
	}
}

func (c *check) time(path, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.problem("%s: %q is not an RFC 3339 time", path, s)
		return time.Time{}
	}
	if t.IsZero() { // "0001-01-01T00:00:00Z": no end yet
		return time.Time{}
	}
	return t
}

func (c *check) err() error {
	if len(c.Missing) == 0 && len(c.Problems) == 0 {
		return nil
	}
	e := c.ShapeError
	return &e
}

// object parses body as a JSON object with an array of alert objects, and
// reports the required fields that are missing. It returns a *SyntaxError,
// or nil with the faults gathered in c.
func object(c *check, body []byte, required []string) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		if se := syntaxError(c.Source, body, err); se != nil {
			return se
		}
		if p, ok := typeProblem(err); ok {
			c.problem("%s", p)
			return nil
		}
		return fmt.Errorf("%s payload: %w", c.Source, err)
	}
	c.missing(fields, "", required...)
	raw, ok := fields["alerts"]
	if !ok {
		return nil
	}
	var alerts []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &alerts); err != nil {
		return nil // reported with its path when the whole body is decoded
	}
	for i, a := range alerts {
		if a == nil {
			continue
		}
		c.missing(a, fmt.Sprintf("alerts[%d].", i), alertRequired...)
	}
	return nil
}

// decode decodes body into v, a field of the wrong JSON type becoming a
// problem of c.
func decode(c *check, body []byte, v any) {
	if err := json.Unmarshal(body, v); err != nil {
		if p, ok := typeProblem(err); ok {
			c.problem("%s", p)
		} else {
			c.problem("%v", err)
		}
	}
}

func (c *check) alert(i int, w wireAlert) Alert {
	path := fmt.Sprintf("alerts[%d]", i)
	if !slices.Contains(c.Missing, path+".status") {
		c.status(path+".status", w.Status)
	}
	return Alert{
		Status:       w.Status,
		Labels:       w.Labels,
		Annotations:  w.Annotations,
		StartsAt:     c.time(path+".startsAt", w.StartsAt),
		EndsAt:       c.time(path+".endsAt", w.EndsAt),
		GeneratorURL: w.GeneratorURL,
		Fingerprint:  w.Fingerprint,
	}
}
