package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Start listens on addr (such as "127.0.0.1:0") and serves a new Server until
// ctx is done, with the connection limits of opts. It returns the base URL, like "http://127.0.0.1:54321"; the
// webhook is WebhookURL(baseURL, token).
func Start(ctx context.Context, addr string, opts Options) (baseURL string, s *Server, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	s = New(opts)
	o := s.opts
	srv := &http.Server{
		Handler: s,
		// No connection is held forever: not one that never finishes its headers or its body,
		// nor an idle keep-alive one.
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.ReadTimeout + o.WriteTimeout, // ServeHTTP sets the deadline again once the body is in
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return ctx }, // ends delays on shutdown
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ln.Close()
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	}()
	return "http://" + dialable(ln.Addr()), s, nil
}

// WebhookURL is the webhook address of the robot with token on a sandbox at baseURL.
func WebhookURL(baseURL, token string) string {
	return baseURL + Path + "?access_token=" + url.QueryEscape(token)
}

// dialable turns a wildcard listen address into one a client can dial.
func dialable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
