package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// call is what one request's handlers tell the log line about it.
type call struct {
	route      string   // the route's path, "" when the request matched none
	body       []byte   // the body, once auth has read it
	deliveries []string // ids of the jobs stored
	err        string   // why it failed; never a secret, a header value or a body
	ignored    string   // why a request that posts nothing was answered 200
	// senderDelivery is the sender's id of the delivery (X-GitHub-Delivery…), the id a user
	// finds in the sender's list of recent deliveries.
	senderDelivery string
	redelivered    bool   // every job was stored by an earlier delivery with that id
	nearest        string // a 404's nearest route, for the log only
}

type callKey struct{}

func callOf(r *http.Request) *call {
	if c, ok := r.Context().Value(callKey{}).(*call); ok {
		return c
	}
	return &call{}
}

// recorder remembers the status written.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverer turns a panic into a 500 (the log middleware inside has logged it).
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			if rec.status == 0 {
				writeJSON(rec, http.StatusInternalServerError, errorBody{Error: "internal error", Hint: "the relay's log has the details; this is a bug in dingbot"})
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// logger writes one JSON line per request and counts it in the metrics.
func (s *Server) logger(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{}
		if rt := s.routes[r.URL.Path]; rt != nil {
			c.route = rt.Path
		}
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
		defer func() {
			p := recover()
			status := rec.status
			if p != nil && p != http.ErrAbortHandler {
				if status == 0 {
					status = http.StatusInternalServerError
				}
				c.err = fmt.Sprintf("panic: %v", p)
				s.log.Error("panic", "route", c.route, "stack", string(debug.Stack()))
			}
			if status == 0 {
				status = http.StatusOK
			}
			s.done(r, c, status, time.Since(start))
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// done logs and counts a finished request.
func (s *Server) done(r *http.Request, c *call, status int, d time.Duration) {
	label := metricRoute(c.route, r.URL.Path)
	s.metrics.requests.WithLabelValues(label, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(label).Observe(d.Seconds())
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("route", label),
		slog.String("method", clip(r.Method, 16)),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if c.senderDelivery != "" {
		attrs = append(attrs, slog.String("sender_delivery", c.senderDelivery))
	}
	if len(c.deliveries) > 0 {
		attrs = append(attrs, slog.Any("deliveries", c.deliveries))
	}
	if c.redelivered {
		attrs = append(attrs, slog.Bool("redelivered", true))
	}
	if c.err != "" {
		attrs = append(attrs, slog.String("error", c.err))
	}
	if c.nearest != "" {
		attrs = append(attrs, slog.String("nearest_route", c.nearest))
	}
	if c.ignored != "" {
		attrs = append(attrs, slog.String("ignored", c.ignored))
	}
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// metricRoute is a request's route label: bounded, whatever path is asked for.
func metricRoute(route, path string) string {
	switch {
	case route != "":
		return route
	case path == PathHealth || path == PathReady || path == PathMetrics:
		return path
	}
	return "unmatched"
}

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
	Hint  string `json:"hint,omitempty"`
}

// fail answers an error and tells the log why.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg, hint string) {
	callOf(r).err = msg
	writeJSON(w, status, errorBody{Error: msg, Hint: hint})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// errAs is errors.As for a target type.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
