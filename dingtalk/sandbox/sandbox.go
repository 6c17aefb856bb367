// Package sandbox emulates DingTalk's custom-robot webhook endpoint for tests and local trials.
//
// A Server is an http.Handler that answers POST /robot/send the way
// oapi.dingtalk.com does: the same checks in a fixed order, the same errcodes,
// and HTTP 200 with {"errcode":N,"errmsg":"..."} for every DingTalk-level
// rejection. It records every request it sees as an Arrival.
package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Path is the only path a Server answers.
const Path = "/robot/send"

// DefaultToken is the access_token of the robot served when Options.Robots is empty.
const DefaultToken = "sandbox"

// Robot is one custom robot the sandbox answers for.
type Robot struct {
	Token    string   // access_token the robot answers to
	Secret   string   // "SEC..." signing secret; empty means unsigned robot
	Keywords []string // if non-empty, message must contain one of them
}

// Fault is a failure injected into every request until it is changed.
type Fault int

// Faults a Server can inject.
const (
	NoFault             Fault = iota
	FaultHTML500              // answer 500 with an HTML page (like a proxy)
	FaultInvalidJSON          // answer 200 with a body that is not JSON
	FaultDropConnection       // hijack and close the connection without answering
)

// String names the fault.
func (f Fault) String() string {
	switch f {
	case NoFault:
		return "none"
	case FaultHTML500:
		return "html-500"
	case FaultInvalidJSON:
		return "invalid-json"
	case FaultDropConnection:
		return "drop-connection"
	}
	return "unknown"
}

// Options configure a Server. The zero value serves one unsigned robot with
// token DefaultToken and DingTalk's limits.
type Options struct {
	Robots    []Robot          // robots served; if empty, one unsigned robot with token "sandbox"
	Limit     int              // messages per window per robot (default 20)
	Window    time.Duration    // default 1 minute
	Throttle  time.Duration    // throttle after exceeding (default 10 minutes)
	Delay     time.Duration    // sleep before answering (respects request context cancellation)
	Fault     Fault            // initial fault
	Now       func() time.Time // default time.Now
	OnArrival func(Arrival)    // called for every request (accepted or rejected), may be nil; calls are serialized
}

// Arrival is one request as the sandbox saw and judged it.
type Arrival struct {
	Time      time.Time
	Token     string // which robot (empty if unknown)
	Status    int    // HTTP status answered: 200 for DingTalk-level answers, 404, 500, or 0 when nothing was answered
	Accepted  bool
	Errcode   int
	Errmsg    string
	Msgtype   string
	Body      []byte         // raw request body as received (at most MaxBody+1 bytes; nil where not read)
	Message   map[string]any // decoded JSON (nil if it did not decode); shared, do not modify
	Duplicate bool           // msgUuid seen before: answered ok but not posted twice

	// Mentions of an accepted message. For text and markdown a person is
	// notified only if "@<mobile>" or "@<userId>" appears in the text; link,
	// feedCard and actionCard notify nobody listed in "at".
	Notified    []string // mobiles and userIds that really get notified
	NotNotified []string // mobiles and userIds listed in "at" that will not be notified
	AtAll       bool     // isAtAll was true on a text or markdown message
	// Ignored lists fields of an accepted message that DingTalk does not read (a wrong casing
	// such as "at.atmobiles", a typo): DingTalk ignores them silently.
	Ignored []string
}

// Server is the emulated endpoint. It is safe for concurrent use.
type Server struct {
	now       func() time.Time
	limit     int
	window    time.Duration
	throttle  time.Duration
	onArrival func(Arrival)
	robots    map[string]*robotState // fixed after New; the states are guarded by mu

	cbMu sync.Mutex // serializes onArrival

	mu       sync.Mutex
	fault    Fault
	delay    time.Duration
	arrivals []Arrival
}

// New returns a Server for opts, with defaults filled in.
func New(opts Options) *Server {
	s := &Server{
		now:       opts.Now,
		limit:     opts.Limit,
		window:    opts.Window,
		throttle:  opts.Throttle,
		onArrival: opts.OnArrival,
		fault:     opts.Fault,
		delay:     opts.Delay,
		robots:    map[string]*robotState{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.limit <= 0 {
		s.limit = 20
	}
	if s.window <= 0 {
		s.window = time.Minute
	}
	if s.throttle <= 0 {
		s.throttle = 10 * time.Minute
	}
	robots := opts.Robots
	if len(robots) == 0 {
		robots = []Robot{{Token: DefaultToken}}
	}
	for _, r := range robots {
		if r.Token == "" {
			continue // unreachable: a missing access_token is always rejected
		}
		r.Keywords = append([]string(nil), r.Keywords...)
		s.robots[r.Token] = &robotState{Robot: r}
	}
	return s
}

// ServeHTTP answers one webhook request: Delay, then any Fault, then DingTalk's checks.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := Arrival{Token: s.knownToken(r)}
	// Read the body first: net/http notices a client going away only once
	// the body is consumed, and the delay below must notice it.
	body, readErr := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if len(body) > 0 {
		a.Body = body
	}
	if d := s.currentDelay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			a.Time = s.now()
			a.Errmsg = "client went away during the delay: " + context.Cause(r.Context()).Error()
			s.store(a)
			s.notify(a)
			return
		}
	}
	a.Time = s.now()

	if f := s.currentFault(); f != NoFault {
		s.injectFault(w, r, f, a)
		return
	}
	if r.URL.Path != Path {
		a.Status = http.StatusNotFound
		a.Errmsg = "404 page not found: " + r.URL.Path
		s.store(a)
		http.NotFound(w, r)
		s.notify(a)
		return
	}

	s.handle(r, body, readErr, &a)
	a.Status = http.StatusOK
	if a.Errcode == 0 {
		a.Errmsg = "ok"
	}
	s.store(a) // before answering: a client that got its answer finds the arrival
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeAnswer(w, a.Errcode, a.Errmsg)
	s.notify(a)
}

// Accepted returns the accepted, non-duplicate messages in arrival order.
func (s *Server) Accepted() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Arrival
	for _, a := range s.arrivals {
		if a.Accepted && !a.Duplicate {
			out = append(out, a)
		}
	}
	return out
}

// Arrivals returns every request seen so far, in order.
func (s *Server) Arrivals() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Arrival(nil), s.arrivals...)
}

// SetFault changes the fault injected into the following requests.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// SetDelay changes how long the following requests wait before being answered.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Reset forgets arrivals, rate-limit state and seen msgUuids.
// The fault and delay stay as they are.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals = nil
	for _, st := range s.robots {
		st.reset()
	}
}

func (s *Server) currentDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}

func (s *Server) currentFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// knownToken returns the request's access_token if a robot answers to it.
func (s *Server) knownToken(r *http.Request) string {
	t := r.URL.Query().Get("access_token")
	if _, ok := s.robots[t]; ok {
		return t
	}
	return ""
}

// store records a. Handlers store before answering, so a client that has its
// answer always finds the arrival.
func (s *Server) store(a Arrival) {
	s.mu.Lock()
	s.arrivals = append(s.arrivals, a)
	s.mu.Unlock()
}

// notify hands a to OnArrival, one call at a time.
func (s *Server) notify(a Arrival) {
	if s.onArrival != nil {
		s.cbMu.Lock()
		defer s.cbMu.Unlock()
		s.onArrival(a)
	}
}

// writeAnswer writes DingTalk's JSON answer with HTTP 200.
func writeAnswer(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Errcode int    `json:"errcode"`
		Errmsg  string `json:"errmsg"`
	}{code, msg})
}
