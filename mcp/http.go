package mcp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// HTTPPath is where ServeHTTP answers MCP.
const HTTPPath = "/mcp"

const (
	// minTokenLen is the shortest bearer token ServeHTTP accepts.
	minTokenLen = 16
	// maxHTTPBody bounds one request body. A send's text is at most 20 000 bytes, or a few
	// hundred parts with split; nothing an agent sends comes near it.
	maxHTTPBody = 8 << 20
	// httpSessionIdleTTL is how long mcp-go keeps what it knows of a session (the client's
	// capabilities) after its last request. A session forgotten this way, or by a restart, keeps
	// working: every well-formed session id is accepted.
	httpSessionIdleTTL = time.Hour
	// defaultShutdownTimeout is how long calls still running may finish once the server stops.
	defaultShutdownTimeout = 10 * time.Second
	// abortGrace is how long canceled calls get to return after the shutdown timeout.
	abortGrace = 2 * time.Second
)

// HTTPOptions configure ServeHTTP.
type HTTPOptions struct {
	// Addr is where to listen, host:port. An empty host (":8787"), "localhost" or a bare port
	// means 127.0.0.1.
	Addr string
	// Token is the bearer token every request must carry (Authorization: Bearer <token>). It is
	// required when Addr is not a loopback address, and checked whenever it is set.
	Token string
	// ShutdownTimeout bounds how long calls still running may finish once ctx ends; then they
	// are canceled. Zero means 10 seconds.
	ShutdownTimeout time.Duration
	// OnListen, when set, is called with the server's URL once it listens.
	OnListen func(url string)
}

// ErrTokenRequired is CheckHTTP's error for an address beyond loopback without a token.
var ErrTokenRequired = errors.New("an address that is not loopback needs a bearer token")

// HTTPAddress returns the address ServeHTTP listens on for addr, and whether that address is
// loopback only. Only an IP literal in 127.0.0.0/8 or ::1 (or "localhost", an empty host or a
// bare port, all taken as 127.0.0.1) is loopback; any host name is not.
func HTTPAddress(addr string) (string, bool, error) {
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false, fmt.Errorf("%q: give host:port, such as 127.0.0.1:8787 or :8787", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", false, fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	if host == "" || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	return net.JoinHostPort(host, port), err == nil && ip.IsLoopback(), nil
}

// CheckHTTP reports whether h can be served: a valid address and, beyond loopback, a usable
// token. It listens on nothing, so a command can refuse to start before binding.
func CheckHTTP(h HTTPOptions) error {
	_, loopback, err := HTTPAddress(h.Addr)
	if err != nil {
		return err
	}
	if h.Token == "" {
		if !loopback {
			return fmt.Errorf("%q: %w", h.Addr, ErrTokenRequired)
		}
		return nil
	}
	if len(h.Token) < minTokenLen {
		return fmt.Errorf("the bearer token is too short: use at least %d characters, such as the output of openssl rand -hex 32", minTokenLen)
	}
	for _, c := range []byte(h.Token) {
		if c <= ' ' || c >= 0x7f {
			return errors.New("the bearer token must be printable ASCII without spaces, such as the output of openssl rand -hex 32")
		}
	}
	return nil
}

// ServeHTTP serves MCP over Streamable HTTP (mcp-go's server) at HTTPPath on h.Addr until ctx
// ends, then stops gracefully: no new requests, and calls still running get h.ShutdownTimeout
// to finish before they are canceled. Every session shares one toolset: the robots, the rate
// limiter, the outbox and the secrets, which never leave the server. Each request is served on
// its own goroutine, so read-only tools never wait behind sends hanging on a slow DingTalk.
//
// Requests must carry h.Token when it is set, and a browser's Origin must be this machine or
// this server (DNS rebinding); mcp-go also refuses a loopback request whose Host is not.
func ServeHTTP(ctx context.Context, opts Options, h HTTPOptions) error {
	if err := CheckHTTP(h); err != nil {
		return err
	}
	logger := loggerOf(opts)
	addr, _, _ := HTTPAddress(h.Addr)
	host, _, _ := net.SplitHostPort(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && h.Token == "" && !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("%s: %w", ln.Addr(), ErrTokenRequired)
	}

	base, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(slogWriter{logger}, "", 0),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	hs := newHTTPServer(opts, h.Token, host, server.WithStreamableHTTPServer(srv))
	srv.Handler = hs

	u := "http://" + ln.Addr().String() + HTTPPath
	auth := "bearer token"
	if h.Token == "" {
		auth = "none (loopback only)"
	}
	logger.Info("mcp http server listening", "url", u, "auth", auth, "version", version(opts.Version),
		"robots", len(opts.Robots), "dry_run", opts.DryRun, "read_only", opts.ReadOnly, "sandbox", opts.Sandbox)
	if h.OnListen != nil {
		h.OnListen(u)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		_ = hs.streamable.Shutdown(context.Background())
		logger.Error("mcp http server stopped", "err", err)
		return fmt.Errorf("serve %s: %w", u, err)
	case <-ctx.Done():
	}

	timeout := h.ShutdownTimeout
	if timeout <= 0 {
		timeout = defaultShutdownTimeout
	}
	logger.Info("mcp http server stopping", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	err = hs.streamable.Shutdown(sctx) // ends listening streams, then waits for running calls
	cancel()
	if err != nil {
		logger.Warn("calls still running after the shutdown timeout: canceling them", "timeout", timeout)
		abort()
		actx, cancel := context.WithTimeout(context.Background(), abortGrace)
		if srv.Shutdown(actx) != nil {
			_ = srv.Close()
		}
		cancel()
	}
	<-served
	logger.Info("mcp http server stopped", "sessions", hs.sessions.opened.Load())
	return nil
}

// httpServer is the handler ServeHTTP serves: the token and Origin checks in front of mcp-go's
// Streamable HTTP server.
type httpServer struct {
	streamable *server.StreamableHTTPServer
	sessions   *sessionIDs
	logger     *slog.Logger
	host       string // the host the server listens on, a same-host Origin
	tokenSum   [sha256.Size]byte
	hasToken   bool
}

func newHTTPServer(opts Options, token, host string, extra ...server.StreamableHTTPOption) *httpServer {
	logger := loggerOf(opts)
	ids := &sessionIDs{logger: logger}
	hs := &httpServer{sessions: ids, logger: logger, host: host}
	if token != "" {
		hs.tokenSum, hs.hasToken = sha256.Sum256([]byte(token)), true
	}
	hs.streamable = server.NewStreamableHTTPServer(NewServer(opts), append([]server.StreamableHTTPOption{
		server.WithSessionIdManager(ids),
		server.WithSessionIdleTTL(httpSessionIdleTTL),
		server.WithStreamableHTTPLogger(logger),
	}, extra...)...)
	return hs
}

func (hs *httpServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != HTTPPath {
		http.NotFound(w, r)
		return
	}
	if !hostAllowed(r) {
		hs.logger.Warn("mcp http request refused", "status", http.StatusForbidden, "reason", "Host not loopback on a loopback connection", "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, "Forbidden: invalid Host header "+strconv.Quote(r.Host), http.StatusForbidden)
		return
	}
	if !hs.originAllowed(r) {
		hs.logger.Warn("mcp http request refused", "status", http.StatusForbidden, "reason", "foreign Origin", "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		http.Error(w, "Forbidden: requests from web pages of other sites are refused (Origin "+strconv.Quote(r.Header.Get("Origin"))+")", http.StatusForbidden)
		return
	}
	if problem := hs.unauthorized(r); problem != "" {
		hs.logger.Warn("mcp http request refused", "status", http.StatusUnauthorized, "reason", problem, "remote", r.RemoteAddr)
		challenge := `Bearer realm="dingbot"`
		if problem == "wrong bearer token" {
			challenge += `, error="invalid_token", error_description="the bearer token is wrong"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "Unauthorized: this dingbot MCP server needs its bearer token (Authorization: Bearer <token>)", http.StatusUnauthorized)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxHTTPBody)
	}
	hs.streamable.ServeHTTP(w, r)
}

// unauthorized says what is wrong with r's credentials, or "" when they are right. The token is
// compared in constant time, through its hash so that its length does not show either.
func (hs *httpServer) unauthorized(r *http.Request) string {
	if !hs.hasToken {
		return ""
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "no bearer token"
	}
	scheme, token, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "not a bearer token"
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(sum[:], hs.tokenSum[:]) != 1 {
		return "wrong bearer token"
	}
	return ""
}

// hostAllowed refuses a request that reached a loopback address under another name: a web page
// whose domain was rebound to 127.0.0.1 (DNS rebinding). mcp-go refuses it too; this says so in
// the log.
func hostAllowed(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || !isLoopback(hostOnly(local.String())) {
		return true
	}
	return isLoopback(hostOnly(r.Host))
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// originAllowed guards against DNS rebinding and other web pages: a request without Origin (any
// MCP client that is not a browser) is fine, and so is a page served from this machine
// (localhost or a loopback address, any port) or from the host the request was sent to, named
// by an IP address (which no DNS answer can rebind) or by the name the server listens on.
func (hs *httpServer) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false // including "null", sent by sandboxed pages and file:// documents
	}
	name := u.Hostname()
	if isLoopback(name) {
		return true
	}
	if !strings.EqualFold(name, hostOnly(r.Host)) {
		return false
	}
	_, err = netip.ParseAddr(name)
	return err == nil || (hs.host != "" && strings.EqualFold(name, hs.host))
}

// hostOnly is hostport without its port and brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// sessionIDs hands out session ids as mcp-go's default does, accepting any well-formed id so
// that clients keep working across a restart of the server, and counts the sessions opened.
type sessionIDs struct {
	server.StatelessGeneratingSessionIdManager
	opened atomic.Int64
	logger *slog.Logger
}

func (s *sessionIDs) Generate() string {
	id := s.StatelessGeneratingSessionIdManager.Generate()
	s.logger.Info("mcp http session opened", "sessions", s.opened.Add(1))
	return id
}
