package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// scheme is how a source's senders prove they know the route's secret.
type scheme struct {
	// headers carry the credential, in the order they are tried (the first present is used).
	headers []string
	// signed: the header holds an HMAC-SHA256 of the body (hex; prefix before it, if any),
	// not the secret itself.
	signed bool
	prefix string
	// where says where the sender sets the secret, for hints.
	where string
}

var (
	hubSignature = scheme{headers: []string{"X-Hub-Signature-256"}, signed: true, prefix: "sha256=",
		where: "GitHub: the webhook's Secret"}
	giteaSignature = scheme{headers: []string{"X-Gitea-Signature", "X-Forgejo-Signature", "X-Hub-Signature-256"}, signed: true,
		where: "Gitea: the webhook's Secret"}
	gitlabToken = scheme{headers: []string{"X-Gitlab-Token"},
		where: "GitLab: the webhook's Secret token"}
)

// schemes maps the sources with their own scheme; the others use bearer (or basic) auth.
var schemes = map[string]scheme{
	source.SourceGitHub: hubSignature,
	source.SourceGitea:  giteaSignature,
	source.SourceGitLab: gitlabToken,
}

// bearerWhere says where each bearer-auth sender sets its credential.
var bearerWhere = map[string]string{
	source.SourceAlertmanager: "Alertmanager: http_config.authorization.credentials in the webhook_config (or basic_auth.password)",
	source.SourceGrafana:      "Grafana: the webhook contact point's Authorization header credentials (or basic auth password)",
}

// hint says how to set the credential that header carries.
func (sc scheme) hint(rt *route, header string) string {
	if sc.signed {
		return fmt.Sprintf("set %s to %s: the sender then signs each body with it in %s", sc.where, rt.secretName(), header)
	}
	return fmt.Sprintf("set %s to %s: the sender then sends it in %s", sc.where, rt.secretName(), header)
}

// authError is a missing or wrong credential: 401.
type authError struct{ msg, hint string }

func (e *authError) Error() string { return e.msg }

// secretName names the route's secret for hints: its variable, never its value.
func (rt *route) secretName() string {
	if rt.SecretEnv != "" {
		return "the value of $" + rt.SecretEnv
	}
	return "the route's secret"
}

// checkHeader checks a credential that is the secret itself (bearer, basic, X-Gitlab-Token),
// and that a signature header is present; signatures are checked by checkSignature once the
// body is read.
func (rt *route) checkHeader(r *http.Request) error {
	sc, ok := schemes[rt.Source]
	if !ok {
		return rt.checkBearer(r)
	}
	h, val := present(r.Header, sc.headers)
	if h == "" {
		return &authError{
			msg:  "missing credentials: no " + strings.Join(sc.headers, " or ") + " header",
			hint: sc.hint(rt, sc.headers[0]),
		}
	}
	if sc.signed {
		return nil
	}
	if !equalSecret(strings.TrimSpace(val), rt.Secret) {
		return &authError{
			msg:  "wrong credentials in the " + h + " header",
			hint: sc.hint(rt, h),
		}
	}
	return nil
}

// checkBearer accepts "Authorization: Bearer <secret>" or basic auth whose password is the
// secret.
func (rt *route) checkBearer(r *http.Request) error {
	where := bearerWhere[rt.Source]
	if where == "" {
		where = "the sender's Authorization header"
	}
	hint := fmt.Sprintf("send Authorization: Bearer <%s>, or basic auth with it as the password (%s)", rt.secretName(), where)
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return &authError{msg: "missing credentials: no Authorization header", hint: hint}
	}
	scheme, cred, _ := strings.Cut(auth, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if equalSecret(strings.TrimSpace(cred), rt.Secret) {
			return nil
		}
	case strings.EqualFold(scheme, "Basic"):
		if _, pass, ok := r.BasicAuth(); ok && equalSecret(pass, rt.Secret) {
			return nil
		}
	default:
		return &authError{msg: "wrong credentials: the Authorization header is neither Bearer nor Basic", hint: hint}
	}
	return &authError{msg: "wrong credentials in the Authorization header", hint: hint}
}

// checkSignature checks the HMAC of a signed source against the body as sent.
func (rt *route) checkSignature(h http.Header, body []byte) error {
	sc, ok := schemes[rt.Source]
	if !ok || !sc.signed {
		return nil
	}
	name, val := present(h, sc.headers)
	prefix := sc.prefix
	if name == "X-Hub-Signature-256" {
		prefix = "sha256="
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(val), prefix))
	if err != nil || !strings.HasPrefix(strings.TrimSpace(val), prefix) {
		return &authError{
			msg:  fmt.Sprintf("wrong credentials: the %s header is not %s<hex HMAC-SHA256 of the body>", name, prefix),
			hint: sc.hint(rt, name),
		}
	}
	mac := hmac.New(sha256.New, []byte(rt.Secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return &authError{
			msg:  "wrong credentials: the " + name + " signature does not match the body",
			hint: sc.hint(rt, name) + "; a proxy that rewrites the body breaks the signature too",
		}
	}
	return nil
}

// present returns the first of headers that the request carries, and its value.
func present(h http.Header, headers []string) (name, value string) {
	for _, n := range headers {
		if v := h.Get(n); v != "" {
			return n, v
		}
	}
	return "", ""
}

// equalSecret compares in constant time, whatever the lengths: it compares digests.
func equalSecret(got, secret string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// loopback reports whether a peer address (host:port) is on loopback.
func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// auth authenticates a POST to a route and reads its body; everything else goes on to mux.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := s.routes[r.URL.Path]
		if rt == nil || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if rt.Secret == "" {
			if !loopback(r.RemoteAddr) {
				s.fail(w, r, http.StatusForbidden, "route "+rt.Path+" has no secret: it answers senders on this machine only",
					"give the route a secret (secret_env in its [[routes]]) and have the sender authenticate, or post from loopback")
				return
			}
		} else if err := rt.checkHeader(r); err != nil {
			s.unauthorized(w, r, err)
			return
		}
		body, err := s.readBody(w, r)
		if err != nil {
			if errors.Is(err, source.ErrTooLarge) {
				w.Header().Set("Connection", "close")
				s.fail(w, r, http.StatusRequestEntityTooLarge, err.Error(),
					"send less: Alertmanager's max_alerts in the webhook_config caps a group; a generic sender can post a smaller document")
				return
			}
			s.fail(w, r, http.StatusBadRequest, err.Error(), "send the whole body with a correct Content-Length")
			return
		}
		if rt.Secret != "" {
			if err := rt.checkSignature(r.Header, body); err != nil {
				s.unauthorized(w, r, err)
				return
			}
		}
		callOf(r).body = body
		next.ServeHTTP(w, r)
	})
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	ae, _ := errAs[*authError](err)
	s.fail(w, r, http.StatusUnauthorized, ae.msg, ae.hint)
}

// readBody reads at most MaxBody bytes; a longer body is an error wrapping
// source.ErrTooLarge.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := fmt.Errorf("%w: over %d bytes, the relay's limit", source.ErrTooLarge, s.o.MaxBody)
	if r.ContentLength > s.o.MaxBody {
		return nil, tooLarge
	}
	body, err := source.Read(http.MaxBytesReader(w, r.Body, s.o.MaxBody))
	if _, ok := errAs[*http.MaxBytesError](err); ok || errors.Is(err, source.ErrTooLarge) {
		return nil, tooLarge
	}
	return body, err
}
