package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/history"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/digest"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
	"github.com/dingbot/dingbot/mcp"
)

// defaultServeAddr is where dingbot serve listens without --addr or [serve] addr.
const defaultServeAddr = "127.0.0.1:8080"

// The relay's HTTP server bounds every connection, and a stop waits this long for the
// requests in flight (each is stored within the relay's own 30 s) before closing them.
const (
	serveReadHeaderTimeout = 10 * time.Second
	serveReadTimeout       = 30 * time.Second
	serveWriteTimeout      = 60 * time.Second
	serveIdleTimeout       = 60 * time.Second
	serveMaxHeaderBytes    = 64 << 10
	serveShutdownTimeout   = 40 * time.Second
)

const serveLong = `Run an HTTP relay that turns webhooks into DingTalk messages: Alertmanager, Grafana,
GitHub, GitLab, Gitea and any JSON. Each [[routes]] table of the config is a path senders POST
to (dingbot config path prints where the config is):

  [serve]
  addr = "127.0.0.1:8080"          # --addr overrides it

  [[routes]]
  path = "/alertmanager"           # senders POST here
  source = "alertmanager"          # alertmanager, grafana, github, gitlab, gitea or generic
  robots = ["ops", "oncall"]       # one message to each
  template = "alert"               # optional; unset, the source's own template
  mention_label = "owner"          # optional: a label or field whose value names a contact
  secret_env = "RELAY_TOKEN"       # the variable holding the senders' secret
  digest = "60s"                   # optional: a burst becomes one summary per interval

Senders prove they know the secret as their platform does: GitHub's X-Hub-Signature-256 and
Gitea's X-Gitea-Signature (an HMAC of the body, keyed by the secret), GitLab's X-Gitlab-Token,
and for the others Authorization: Bearer <secret> (or basic auth whose password is the
secret). A route without secret_env takes posts from this machine only, and dingbot serve will
not listen beyond loopback while a route has none.

A post is answered 202 with its delivery ids once its messages are in the outbox, so a relay
that dies after answering loses nothing; the outbox then delivers them (20 a minute per robot,
split when long, within the quotas, each exactly once by msgUuid). Several relays sharing one
Redis ([state] redis) split the work and hold the rate limit together.

Endpoints:
  POST <path>     a route: 202 stored, 200 ignored (a ping, an event the route's events
                  leave out, a template that rendered nothing), 400 not the source's JSON,
                  401 bad credentials, 413 over 1 MiB, 422 the message cannot be sent,
                  503 the state store is down (senders retry); errors are {"error","hint"}
  GET /healthz    200 while the process serves
  GET /readyz     200 when the state store answers, else 503 with the reason
  GET /metrics    Prometheus metrics (dingbot_relay_requests_total, dingbot_messages_*, …)

Logs are JSON lines on standard error: where it listens and its routes first, then one line
a request (route, status, delivery ids, the sender's delivery id) and one a delivery (id,
robot, state, msgUuid, errcode), never a secret. SIGINT or SIGTERM stops it: it stops
accepting, answers the requests in flight, and leaves what is not yet delivered queued for the
next run.`

const serveExample = `  export RELAY_TOKEN=$(openssl rand -hex 32)
  dingbot serve --addr 127.0.0.1:8080

  # post an Alertmanager payload the way Alertmanager does
  curl -H "Authorization: Bearer $RELAY_TOKEN" -H 'Content-Type: application/json' \
    --data @alert.json http://127.0.0.1:8080/alertmanager

  # a generic route (source = "generic") takes any JSON
  curl -H "Authorization: Bearer $RELAY_TOKEN" -H 'Content-Type: application/json' \
    --data '{"title":"Backup done","status":"ok"}' http://127.0.0.1:8080/hooks

  # what a payload becomes, without sending it
  dingbot template render --source alertmanager --sample`

func newServeCmd(g *globalFlags, s streams) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Relay webhooks (Alertmanager, Grafana, GitHub, GitLab, Gitea, any JSON) into robots",
		Long:    serveLong,
		Example: serveExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("addr") && addr == "" {
				return usagef("--addr is empty: give host:port, such as 127.0.0.1:8080")
			}
			return runServe(cmd.Context(), g, addr, s)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on, host:port (default: [serve] addr, else "+defaultServeAddr+"); beyond loopback every route needs secret_env")
	return cmd
}

// runServe wires the relay: the config's routes, the templates, the shared state, the outbox
// (delivered in this process), the digester and the HTTP server, until ctx ends.
func runServe(ctx context.Context, g *globalFlags, flagAddr string, s streams) error {
	a, err := loadAppWith(ctx, *g, sandboxNever)
	if err != nil {
		return err
	}
	a.face = history.FaceOutbox
	cfg := a.cfg
	// Broken user templates are left out, and said after the first line.
	templates, templateWarnings := template.Load(template.Dir(a.configPath))
	// Every problem at once: the routes' own, and the templates of the routes that have none.
	if err := errors.Join(cfg.ServeErr(), routeTemplateErrors(cfg, templates)); err != nil {
		return usageError{configError{fmt.Errorf("the relay's config has problems:\n%w", err)}}
	}
	if len(cfg.Routes) == 0 {
		where := a.configPath
		if cfg.Path == "" {
			where += " (it does not exist: dingbot config init writes one)"
		}
		return usageError{configError{fmt.Errorf("no [[routes]] in %s: add one for each path senders POST to, e.g.\n\n%s\n\n(dingbot serve --help explains every key)", where, routeExample)}}
	}

	addr, from, loopback, err := serveAddr(flagAddr, cfg)
	if err != nil {
		return err
	}
	if !loopback {
		if open := openRoutes(cfg.Routes); len(open) > 0 {
			has, them := "has", "it"
			if len(open) > 1 {
				has, them = "have", "them"
			}
			return usagef("%s %s is reachable from other machines, and %s %s no secret_env, so anyone could post to %s: "+
				"give each a secret (secret_env = \"RELAY_TOKEN\" in the route, with export RELAY_TOKEN=$(openssl rand -hex 32), and the same secret in the sender), "+
				"or listen on loopback only (--addr 127.0.0.1:8080)",
				from, addr, strings.Join(open, ", "), has, them)
		}
	}
	var stateDown error // Redis was down at start: serve anyway, not ready until it answers
	if a.stateErr != nil && cfg.Redis != "" {
		if down := a.stateErr; a.dialRedisState() == nil {
			stateDown = down
		}
	}
	if a.stateErr != nil {
		return a.stateErr
	}

	mask := &logMask{w: s.err}
	mask.add(a.robots)
	for _, r := range cfg.Routes {
		if r.Secret != "" {
			mask.secrets = append(mask.secrets, r.Secret)
		}
	}
	logger := slog.New(slog.NewJSONHandler(mask, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ob, err := a.outbox(delivery.Options{Logger: logger})
	if err != nil {
		return err
	}
	dg := digest.New(ob, digest.Options{Logf: func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) }})
	routes := make([]relay.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = relay.Route{Path: r.Path, Source: r.Source, Robots: r.Robots, Template: r.Template,
			MentionLabel: r.MentionLabel, Secret: r.Secret, SecretEnv: r.SecretEnv, Digest: r.Digest, Events: r.Events}
	}
	store := a.state.store
	opts := relay.Options{
		Routes:    routes,
		Templates: templates.Lookup,
		Contacts:  cfg.Contacts,
		Outbox:    ob,
		Digester:  dg,
		Ready: func(ctx context.Context) error {
			_, err := store.Pending(ctx)
			return err
		},
		Quota: func(ctx context.Context, name string) (int, int, error) {
			r, err := a.robot(name)
			if err != nil {
				return 0, 0, err
			}
			u := a.client.Usage(ctx, r)
			if u == nil {
				return 0, 0, errors.New("the month's count is unavailable")
			}
			return u.Used, u.Limit, nil
		},
		Robots: cfg.Names(),
		Logger: logger,
	}
	srv, err := relay.New(opts)
	if err != nil {
		return usageError{configError{routeErrors(err, opts, cfg)}}
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError{fmt.Errorf("listen on %s: %w", addr, unwrapListenError(err))}
	}
	logger.Info("dingbot serve listening",
		"addr", "http://"+ln.Addr().String(),
		"routes", describeRoutes(cfg.Routes),
		"state", a.describeState(),
		"version", buildVersion())
	if stateDown != nil {
		logger.Warn("the shared state does not answer: /readyz says 503 and posts are refused with 503 until it does", "err", stateDown.Error())
	}
	for _, w := range cfg.Warnings {
		logger.Warn(w)
	}
	for _, err := range templateWarnings {
		logger.Warn("template left out", "err", err)
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: serveReadHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    serveMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// The outbox, the digester and the metrics run until the HTTP server has answered its
	// last request; the server until ctx ends.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	for name, run := range map[string]func(context.Context) error{"outbox": ob.Run, "digest": dg.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(bg); err != nil && bg.Err() == nil {
				logger.Error(name+" stopped", "err", err)
			}
		}()
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	var result error
	select {
	case <-ctx.Done():
		logger.Info("stopping: no new requests; answering those in flight", "timeout", serveShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownTimeout)
		if err := hs.Shutdown(sctx); err != nil {
			logger.Warn("requests still in flight at the timeout were cut off", "err", err)
			_ = hs.Close()
		}
		cancel()
		<-served
	case err := <-served:
		result = fmt.Errorf("serve on %s: %w", addr, err)
		logger.Error("the HTTP server stopped", "err", err)
	}
	stopBG()
	wg.Wait()
	a.state.close()
	logger.Info("stopped: what is not yet delivered stays queued for the next run")
	return result
}

// routeExample is the route a config without one is shown.
const routeExample = `  [[routes]]
  path = "/alertmanager"
  source = "alertmanager"     # alertmanager, grafana, github, gitlab, gitea or generic
  robots = ["ops"]
  secret_env = "RELAY_TOKEN"  # export RELAY_TOKEN=$(openssl rand -hex 32)`

// routeTemplateErrors says which routes name a template that does not exist or renders
// another source's payloads, each with its line in the config.
func routeTemplateErrors(cfg *config.Config, templates *template.Set) error {
	var errs []error
	for _, r := range cfg.Routes {
		name := r.Template
		if name == "" {
			name = relay.DefaultTemplate(r.Source)
		}
		t, err := templates.Lookup(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: route %q: template: %w", cfg.Path, r.Line, r.Path, err))
		} else if err := t.CheckSource(r.Source); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: route %q: %w", cfg.Path, r.Line, r.Path, err))
		}
	}
	return errors.Join(errs...)
}

// routeErrors says what relay.New refuses in each route (a template that does not exist or
// renders other data), with the route's line in the config.
func routeErrors(err error, o relay.Options, cfg *config.Config) error {
	var errs []error
	all := o.Routes
	for i := range all {
		o.Routes = all[i : i+1]
		if _, err := relay.New(o); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", cfg.Path, cfg.Routes[i].Line, err))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: %w", cfg.Path, err))
	}
	return fmt.Errorf("the relay's config has problems:\n%w", errors.Join(errs...))
}

// serveAddr is the address to listen on, --addr over [serve] addr over the default, where it
// came from, and whether it is loopback only.
func serveAddr(flagAddr string, cfg *config.Config) (addr, from string, loopback bool, err error) {
	from, addr = "--addr", flagAddr
	switch {
	case addr != "":
	case cfg.Serve.Addr != "":
		from, addr = "[serve] addr", cfg.Serve.Addr
	default:
		addr = defaultServeAddr
	}
	hostPort, loopback, err := mcp.HTTPAddress(addr)
	if err != nil {
		return "", "", false, usagef("%s %s", from, dingtalk.MaskSecretLike(err.Error()))
	}
	return hostPort, from, loopback, nil
}

// openRoutes lists the routes without a secret, with their lines: "/a (line 12)".
func openRoutes(routes []config.Route) []string {
	var open []string
	for _, r := range routes {
		if r.Secret == "" {
			open = append(open, fmt.Sprintf("route %s (line %d)", config.SafeName(r.Path), r.Line))
		}
	}
	return open
}

// routeInfo is one route in the relay's first log line: never its secret.
type routeInfo struct {
	Path     string   `json:"path"`
	Source   string   `json:"source"`
	Robots   []string `json:"robots"`
	Template string   `json:"template"`
	Auth     string   `json:"auth"`
	Mention  string   `json:"mention_label,omitempty"`
	Digest   string   `json:"digest,omitempty"`
	Events   []string `json:"events"`
}

// describeRoutes is the routes as the first log line lists them.
func describeRoutes(routes []config.Route) []routeInfo {
	out := make([]routeInfo, len(routes))
	for i, r := range routes {
		tmpl := r.Template
		if tmpl == "" {
			tmpl = relay.DefaultTemplate(r.Source)
		}
		ri := routeInfo{Path: r.Path, Source: r.Source, Robots: r.Robots, Template: tmpl, Auth: authKind(r), Mention: r.MentionLabel, Events: r.Events}
		if len(ri.Events) == 0 {
			ri.Events = source.DefaultEvents(r.Source)
		}
		if r.Digest > 0 {
			ri.Digest = r.Digest.String()
		}
		out[i] = ri
	}
	return out
}

// authKind says how senders of r authenticate, naming the variable, never the secret.
func authKind(r config.Route) string {
	if r.Secret == "" {
		return "none: senders on this machine only"
	}
	how := "bearer token or basic auth password"
	switch r.Source {
	case source.SourceGitHub:
		how = "X-Hub-Signature-256 HMAC"
	case source.SourceGitea:
		how = "X-Gitea-Signature HMAC"
	case source.SourceGitLab:
		how = "X-Gitlab-Token"
	}
	return how + " with $" + r.SecretEnv
}

// unwrapListenError drops the "listen tcp" prefix net repeats.
func unwrapListenError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
