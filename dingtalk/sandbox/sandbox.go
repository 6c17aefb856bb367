// Package sandbox emulates DingTalk's custom-robot webhook endpoint for tests and local trials.
//
// A Server is an http.Handler that answers POST /robot/send the way
// oapi.dingtalk.com does: the same checks in a fixed order, the same errcodes,
// and HTTP 200 with {"errcode":N,"errmsg":"..."} for every DingTalk-level
// rejection. It records each request it sees as an Arrival and keeps the newest
// ones (Options.Keep); Stats counts them all.
//
// Everything an Arrival holds for display (Errmsg, Ignored) has its control
// characters removed and its secrets masked; the content of a message is raw,
// and whoever shows it masks it with Arrival.Mask (as sandboxview.Render does).
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
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
	// MonthlyLimit caps the calls the robot takes per calendar month (China Standard Time), as
	// DingTalk's monthly webhook quota or an admin's cap does: beyond it every call is answered
	// 90030 "webhook over limit". 0 means no cap.
	MonthlyLimit int
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

	// Keep is how many arrivals Arrivals and Accepted remember, the newest (default 1000);
	// Stats counts all of them.
	Keep int
	// KeepUUIDs is how many msgUuids each robot remembers for de-duplication, the newest
	// (default 10000): a resend with the same msgUuid is answered ok and not posted again as long
	// as fewer than KeepUUIDs other messages were posted to the robot in between (at 20 a minute,
	// more than eight hours).
	KeepUUIDs int

	// Connection limits. Start gives them to its http.Server; a Server mounted on another
	// http.Server (httptest) has that server's limits, except WriteTimeout, which ServeHTTP
	// applies itself.
	ReadHeaderTimeout time.Duration // the request line and headers (default 10 s)
	ReadTimeout       time.Duration // the whole request, body included (default 30 s)
	WriteTimeout      time.Duration // the answer, counted from when the body has arrived, plus any Delay (default 30 s)
	IdleTimeout       time.Duration // a keep-alive connection between requests (default 60 s)
	MaxHeaderBytes    int           // the request line and headers (default 32 KiB)
}

// Defaults of Options.
const (
	DefaultKeep              = 1000
	DefaultKeepUUIDs         = 10000
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
)

// withDefaults fills in the zero fields of the limits.
func (o Options) withDefaults() Options {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	set(&o.ReadTimeout, DefaultReadTimeout)
	set(&o.WriteTimeout, DefaultWriteTimeout)
	set(&o.IdleTimeout, DefaultIdleTimeout)
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.KeepUUIDs <= 0 {
		o.KeepUUIDs = DefaultKeepUUIDs
	}
	return o
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

	secrets []string // the served robots' tokens and secrets, for Mask
}

// Stats counts the requests a Server has seen since New or Reset, including those it no
// longer keeps.
type Stats struct {
	Arrivals   int // every request
	Posted     int // accepted and posted: not duplicates
	Duplicates int // accepted, but a msgUuid seen before
	Rejected   int // everything else: DingTalk's errors, 404s, faults, no answer
}

// Server is the emulated endpoint. It is safe for concurrent use.
type Server struct {
	now       func() time.Time
	limit     int
	window    time.Duration
	throttle  time.Duration
	onArrival func(Arrival)
	robots    map[string]*robotState // fixed after New; the states are guarded by mu
	secrets   []string               // tokens (but DefaultToken) and secrets of the robots, for Arrival.Mask
	opts      Options                // with defaults: the limits and Keep

	cbMu sync.Mutex // serializes onArrival

	mu       sync.Mutex
	fault    Fault
	delay    time.Duration
	arrivals ring
	stats    Stats
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
		opts:      opts.withDefaults(),
	}
	s.arrivals.max = s.opts.Keep
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
		s.robots[r.Token] = &robotState{Robot: r, uuids: uuidSet{max: s.opts.KeepUUIDs}}
		if r.Token != DefaultToken {
			s.secrets = append(s.secrets, r.Token)
		}
		if r.Secret != "" {
			s.secrets = append(s.secrets, r.Secret)
		}
	}
	return s
}

// ServeHTTP answers one webhook request: Delay, then any Fault, then DingTalk's checks.
// It reads at most MaxBody+1 bytes of a body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := Arrival{Token: s.knownToken(r), secrets: s.secrets}
	// Read the body first: net/http notices a client going away only once
	// the body is consumed, and the delay below must notice it.
	body, readErr := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if len(body) > 0 {
		a.Body = body
	}
	if timedOut(readErr) {
		// The body did not arrive within the read timeout: close the connection unanswered.
		a.Time = s.now()
		a.Errmsg = "the body did not arrive in time: closed the connection without answering"
		s.store(&a)
		s.notify(a)
		panic(http.ErrAbortHandler) // net/http closes the connection without logging
	}
	if len(body) > MaxBody {
		w.Header().Set("Connection", "close") // do not read on through a huge body
	}
	d := s.currentDelay()
	// The body has arrived: from now on the answer has WriteTimeout, plus the delay, and the
	// read deadline no longer applies (it would end the delay as if the client had gone).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(d + s.opts.WriteTimeout))
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			a.Time = s.now()
			a.Errmsg = "client went away during the delay: " + context.Cause(r.Context()).Error()
			s.store(&a)
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
		s.store(&a)
		http.NotFound(w, r)
		s.notify(a)
		return
	}

	s.handle(r, body, readErr, &a)
	a.Status = http.StatusOK
	if a.Errcode == 0 {
		a.Errmsg = "ok"
	}
	s.store(&a) // before answering: a client that got its answer finds the arrival
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeAnswer(w, a.Errcode, a.Errmsg)
	s.notify(a)
}

// Accepted returns the accepted, non-duplicate messages among the kept arrivals, in arrival order.
func (s *Server) Accepted() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Arrival
	for _, a := range s.arrivals.all() {
		if a.Accepted && !a.Duplicate {
			out = append(out, a)
		}
	}
	return out
}

// Arrivals returns the kept requests (the newest Options.Keep), in order.
func (s *Server) Arrivals() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrivals.all()
}

// Stats returns the counts of every request seen since New or Reset.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
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

// Reset forgets arrivals, counts, rate-limit state and seen msgUuids.
// The fault and delay stay as they are.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals.reset()
	s.stats = Stats{}
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

// store makes a's display texts safe (see Arrival.forDisplay), counts a and keeps it, dropping
// the oldest arrival beyond Options.Keep. Handlers store before answering, so a client that has
// its answer always finds the arrival, and answers with the safe Errmsg.
func (s *Server) store(a *Arrival) {
	a.forDisplay()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals.add(*a)
	s.stats.Arrivals++
	switch {
	case a.Accepted && a.Duplicate:
		s.stats.Duplicates++
	case a.Accepted:
		s.stats.Posted++
	default:
		s.stats.Rejected++
	}
}

// timedOut reports whether err is a read deadline passing (Options.ReadTimeout).
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ring keeps the newest max arrivals.
type ring struct {
	max   int
	items []Arrival // in arrival order once full, from next on
	next  int       // where the next arrival goes once full
}

func (r *ring) add(a Arrival) {
	if len(r.items) < r.max {
		r.items = append(r.items, a)
		return
	}
	r.items[r.next] = a
	r.next = (r.next + 1) % r.max
}

// all returns a copy of the kept arrivals, oldest first.
func (r *ring) all() []Arrival {
	out := make([]Arrival, 0, len(r.items))
	out = append(out, r.items[r.next:]...)
	return append(out, r.items[:r.next]...)
}

func (r *ring) reset() {
	r.items, r.next = nil, 0
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
