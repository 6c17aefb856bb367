package mcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// failFirst answers the first request with a proxy's HTML 500 page and hands every later one
// to next, counting them.
type failFirst struct {
	next  http.Handler
	mu    sync.Mutex
	count int
}

func (f *failFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.count++
	n := f.count
	f.mu.Unlock()
	if n > 1 {
		f.next.ServeHTTP(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
}

func (f *failFirst) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

// TestResendIsReported: the first request fails without an answer, the resend with the same
// msgUuid succeeds. The result says a second request went out, and why.
func TestResendIsReported(t *testing.T) {
	var ff *failFirst
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		// Put a failing proxy in front of the sandbox for robot ops.
		u := o.Robots[0].Webhook
		base := u[:strings.Index(u, "/robot/")]
		ff = &failFirst{next: proxyTo(t, base)}
		srv := httptest.NewServer(ff)
		t.Cleanup(srv.Close)
		o.Robots[0].Webhook = strings.Replace(u, base, srv.URL, 1)
	}})
	g := e.call(toolSendText, map[string]any{"text": "deploy 42"})
	g.wantOK(t)
	if g.fields["resent"] != true || g.fields["attempts"] != float64(2) {
		t.Errorf("resent %v attempts %v, want true and 2: %s", g.fields["resent"], g.fields["attempts"], g.raw.RawStructuredContent)
	}
	for _, want := range []string{"resent once", "bad response", g.r.MsgUUID, "at most once"} {
		if !strings.Contains(g.text, want) {
			t.Errorf("text does not say %q:\n%s", want, g.text)
		}
	}
	if n := len(e.sb.Accepted()); n != 1 || ff.requests() != 2 {
		t.Errorf("%d posts after %d requests, want 1 after 2", n, ff.requests())
	}

	// A send made at once says so too.
	g = e.call(toolSendText, map[string]any{"text": "deploy 43"})
	g.wantOK(t)
	if g.fields["resent"] != false || g.fields["attempts"] != float64(1) || strings.Contains(g.text, "resent") {
		t.Errorf("resent %v attempts %v text %q, want false and 1", g.fields["resent"], g.fields["attempts"], g.text)
	}
}

// proxyTo forwards requests to base, as a proxy in front of DingTalk would.
func proxyTo(t *testing.T, base string) http.Handler {
	t.Helper()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

// TestResentFailureIsReported: both requests fail; the result says so.
func TestResentFailureIsReported(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.sb.SetFault(sandbox.FaultHTML500)
	g := e.call(toolSendText, map[string]any{"text": "x"})
	g.wantFailure(t, KindBadResponse)
	if g.fields["resent"] != true || g.fields["attempts"] != float64(2) || !strings.Contains(g.text, "resent once") {
		t.Errorf("resent %v attempts %v text:\n%s", g.fields["resent"], g.fields["attempts"], g.text)
	}
	wantMaybeDelivered(t, g)
}

// TestBinaryHangTakesTheTimeoutOnce: a request that hangs ends when --timeout runs out, not
// twice that, and the result says that no second request went out.
func TestBinaryHangTakesTheTimeoutOnce(t *testing.T) {
	const timeout = time.Second
	b := newBinEnv(t, sandbox.Options{Delay: 5 * time.Second})
	c, _ := b.stdioClient(t, "--timeout", timeout.String())
	start := time.Now()
	g := callTool(t, c, context.Background(), toolSendText, map[string]any{"text": "slow"})
	elapsed := time.Since(start)
	g.wantFailure(t, KindTimeout)
	wantMaybeDelivered(t, g)
	// A resend would take the timeout twice (plus the pause); a loaded CI machine adds a little.
	if elapsed > timeout+700*time.Millisecond {
		t.Errorf("the call took %v with --timeout %v", elapsed, timeout)
	}
	if g.fields["resent"] != false || g.fields["attempts"] != float64(1) {
		t.Errorf("resent %v attempts %v, want false and 1: %s", g.fields["resent"], g.fields["attempts"], g.raw.RawStructuredContent)
	}
	if !strings.Contains(g.r.Errmsg, "1s") {
		t.Errorf("errmsg does not name the timeout: %q", g.r.Errmsg)
	}
	// The sandbox records a request cut off during its delay when the client goes away.
	deadline := time.Now().Add(2 * time.Second)
	for len(b.sb.Arrivals()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(b.sb.Arrivals()); n != 1 {
		t.Errorf("%d requests reached the sandbox, want 1", n)
	}
}

// TestRefusedResendSaysTheFirstMayHavePosted: the first request left and its connection was
// dropped; DingTalk refused the resend. The message may still have been posted by the first
// request, so the result must not say that nothing was posted.
func TestRefusedResendSaysTheFirstMayHavePosted(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) {
		u := o.Robots[2].Webhook // badsign: DingTalk refuses its signature with 310000
		base := u[:strings.Index(u, "/robot/")]
		next := proxyTo(t, base)
		var once sync.Once
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first := false
			once.Do(func() { first = true })
			if !first {
				next.ServeHTTP(w, r)
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}))
		t.Cleanup(srv.Close)
		o.Robots[2].Webhook = strings.Replace(u, base, srv.URL, 1)
	}})
	g := e.call(toolSendText, map[string]any{"text": "x", "robot": "badsign"})
	g.wantFailure(t, KindDingTalk)
	if g.r.Errcode == nil || *g.r.Errcode != 310000 {
		t.Fatalf("errcode = %v", g.r.Errcode)
	}
	if g.r.MaybeDelivered == nil || !*g.r.MaybeDelivered || g.fields["resent"] != true {
		t.Errorf("maybeDelivered %v resent %v, want both true", g.r.MaybeDelivered, g.fields["resent"])
	}
	if strings.Contains(g.r.Hint, "nothing was posted") || !strings.Contains(g.r.Hint, "MAY have posted") {
		t.Errorf("hint = %q", g.r.Hint)
	}
}
