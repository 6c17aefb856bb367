package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// Route is one path senders POST to.
type Route struct {
	Path         string        // "/alertmanager": POST only
	Source       string        // one of source.Names()
	Robots       []string      // robot names from the config: one message each
	Template     string        // a template name ("" = DefaultTemplate(Source))
	MentionLabel string        // label, field or header whose values name contacts to @mention
	Secret       string        // the resolved secret ("" = unauthenticated: loopback senders only)
	SecretEnv    string        // where Secret came from, for messages (never the value)
	Digest       time.Duration // 0: every payload is its own message; else one summary per interval
	// Events are the events the route posts: "push", "pull_request.merged",
	// "workflow.failure", "firing", "*" (everything), "default"; none means
	// source.DefaultEvents. Other payloads are answered 200 {"ignored": …}.
	Events []string
}

// Options configure a Server.
type Options struct {
	Routes []Route
	// Templates looks a template up by name (a template.Set's Lookup); nil means the built-ins
	// (template.Lookup).
	Templates func(name string) (*template.Template, error)
	Contacts  dingtalk.Contacts
	Outbox    *delivery.Outbox
	// Digester holds the messages of routes with a Digest; nil refuses such routes.
	Digester Holder
	// Ready answers /readyz: the state store is reachable. nil is always ready.
	Ready func(ctx context.Context) error
	// Quota reports a robot's sends this month and its limit (0: none), for /metrics; may be nil.
	Quota  func(ctx context.Context, robot string) (used, limit int, err error)
	Robots []string     // the configured robot names: routes may name only these
	Logger *slog.Logger // JSON lines; nil discards
	Now    func() time.Time
	// MaxBody is the largest body accepted (413 above it); 0 or more than source.MaxBody means
	// source.MaxBody.
	MaxBody int64
}

// Holder keeps messages for a digest (dingtalk/relay/digest's Digester).
type Holder interface {
	// Hold stores m for robot's digest of route (every = the interval) and returns the held
	// job once it is safely stored; Job.Due is when its summary is queued.
	Hold(ctx context.Context, route, robot string, every time.Duration, m dingtalk.Message, so delivery.SubmitOptions) (delivery.Job, error)
}

// Endpoints the Server answers besides its routes.
const (
	PathHealth  = "/healthz"
	PathReady   = "/readyz"
	PathMetrics = "/metrics"
)

// readyTimeout bounds Options.Ready (a variable for the tests).
var readyTimeout = 2 * time.Second

// storeTimeout bounds the fan-out of one request, which runs to its end even if the sender
// hangs up, so that it is never stored halfway by accident.
const storeTimeout = 30 * time.Second

// submitOptions are how the relay submits: a robot's keyword is appended when the template's
// message has none, and a message over DingTalk's 20 000 bytes is split.
var submitOptions = delivery.SubmitOptions{AppendKeyword: true, Split: true}

// DefaultTemplate is the built-in template a route of source renders with when it names
// none (template.ForSource): "alert" for Alertmanager, "grafana", "git" for GitHub, GitLab
// and Gitea, "generic" for any JSON; "" for an unknown source.
func DefaultTemplate(src string) string {
	name, _ := template.ForSource(src)
	return name
}

// Server is the relay. It is safe for concurrent use.
type Server struct {
	o       Options
	routes  map[string]*route
	log     *slog.Logger
	metrics *metrics
	handler http.Handler
	retries *retries
}

// route is a checked Route with its template.
type route struct {
	Route
	tmpl *template.Template
}

// New checks every route (a known source, a template that exists and renders the source's
// data, known robots, a unique path) and returns the Server.
func New(o Options) (*Server, error) {
	if o.Outbox == nil {
		return nil, errors.New("relay: no outbox")
	}
	if o.Templates == nil {
		o.Templates = template.Lookup
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBody <= 0 || o.MaxBody > source.MaxBody {
		o.MaxBody = source.MaxBody
	}
	s := &Server{o: o, routes: map[string]*route{}, log: o.Logger, retries: newRetries()}
	var errs []error
	for i, r := range o.Routes {
		rt, err := s.check(r)
		if err != nil {
			name := r.Path
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			errs = append(errs, fmt.Errorf("route %s: %w", name, err))
			continue
		}
		s.routes[rt.Path] = rt
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s)
	// Every job the outbox finishes is counted, none missed (Subscribe may drop some).
	o.Outbox.OnFinish(s.metrics.job)
	s.handler = s.recoverer(s.logger(s.auth(http.HandlerFunc(s.mux))))
	return s, nil
}

// check validates one route and finds its template.
func (s *Server) check(r Route) (*route, error) {
	var errs []error
	switch {
	case !strings.HasPrefix(r.Path, "/"):
		errs = append(errs, fmt.Errorf("path %q does not start with /", r.Path))
	case r.Path == "/" || strings.ContainsAny(r.Path, "?#{} \t"):
		errs = append(errs, fmt.Errorf("path %q is not a route path like /alertmanager", r.Path))
	case r.Path == PathHealth || r.Path == PathReady || r.Path == PathMetrics:
		errs = append(errs, fmt.Errorf("path %s is the relay's own endpoint", r.Path))
	case s.routes[r.Path] != nil:
		errs = append(errs, fmt.Errorf("path %s is given twice", r.Path))
	}
	kind, err := source.DataKind(r.Source)
	if err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	if len(r.Robots) == 0 {
		errs = append(errs, errors.New("no robots"))
	}
	for _, name := range r.Robots {
		if !slices.Contains(s.o.Robots, name) {
			errs = append(errs, fmt.Errorf("unknown robot %q (configured: %s)", name, strings.Join(s.o.Robots, ", ")))
		}
	}
	if r.Digest < 0 {
		errs = append(errs, fmt.Errorf("digest %s is negative", r.Digest))
	}
	for _, err := range source.CheckEvents(r.Source, r.Events) {
		errs = append(errs, err)
	}
	if r.Digest > 0 && s.o.Digester == nil {
		errs = append(errs, errors.New("digest is set but the relay has no digester"))
	}
	name := r.Template
	if name == "" {
		name = DefaultTemplate(r.Source)
	}
	t, err := s.o.Templates(name)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("template: %w", err))
	case t.Data() != kind:
		got := "variables, not a payload"
		if t.Data() != "" {
			got = t.Data() + " data"
		}
		errs = append(errs, fmt.Errorf("template %s renders %s; a %s route needs one with data = %q", name, got, r.Source, kind))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.Template = name
	r.Robots = slices.Clone(r.Robots)
	r.Events = slices.Clone(r.Events)
	return &route{Route: r, tmpl: t}, nil
}

// Routes are the routes served, by path, their secrets left out.
func (s *Server) Routes() []Route {
	out := make([]Route, 0, len(s.routes))
	for _, rt := range s.routes {
		r := rt.Route
		r.Secret = ""
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// ServeHTTP answers one request: a route's POST, /healthz, /readyz or /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// mux dispatches a request that passed auth.
func (s *Server) mux(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathHealth, PathReady, PathMetrics:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.fail(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path), "use GET")
			return
		}
		switch r.URL.Path {
		case PathHealth:
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case PathReady:
			s.ready(w, r)
		default:
			s.metrics.handler.ServeHTTP(w, r)
		}
		return
	}
	rt := s.routes[r.URL.Path]
	if rt == nil {
		// The log, not the answer (the sender may be anyone), names the route meant.
		callOf(r).nearest = s.nearestRoute(r.URL.Path)
		s.fail(w, r, http.StatusNotFound, "no route at this path", "POST to a path of the relay's [[routes]] (dingbot serve lists them when it starts)")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.fail(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", r.Method, rt.Path), "POST the "+rt.Source+" payload to "+rt.Path)
		return
	}
	s.serveRoute(w, r, rt)
}

// nearestRoute is the route path closest to path ("/hooks" for "/hook"), "" when none is close.
func (s *Server) nearestRoute(path string) string {
	if len(path) > 200 {
		return ""
	}
	paths := make([]string, 0, len(s.routes))
	for p := range s.routes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return dingtalk.Nearest(path, paths)
}

// ready runs Options.Ready with a short timeout.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.o.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.o.Ready(ctx); err != nil {
			hint := "the relay cannot store messages until its state store is back"
			var se *dingtalk.StateError
			if errors.As(err, &se) {
				hint = se.Hint()
			}
			s.fail(w, r, http.StatusServiceUnavailable, "not ready: "+err.Error(), hint)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// clip cuts s to at most n bytes, at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
