package dingtalk_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

const (
	token  = "c0ffee0123456789c0ffee0123456789c0ffee0123456789c0ffee0123456789"
	secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
)

func sandboxRobot(t *testing.T, opts sandbox.Options) (*sandbox.Server, dingtalk.Robot) {
	t.Helper()
	if len(opts.Robots) == 0 {
		opts.Robots = []sandbox.Robot{{Token: token, Secret: secret}}
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	r := dingtalk.Robot{Name: "test", Webhook: srv.URL + "/robot/send?access_token=" + opts.Robots[0].Token, Secret: opts.Robots[0].Secret, Keywords: opts.Robots[0].Keywords, AllowCustomHost: true}
	return sb, r
}

func TestClientSendsEveryTypeSigned(t *testing.T) {
	sb, r := sandboxRobot(t, sandbox.Options{})
	c := dingtalk.NewClient(5 * time.Second)
	msgs := []dingtalk.Message{
		dingtalk.NewText("hello"),
		dingtalk.NewMarkdown("T", "**bold**"),
		dingtalk.NewLink("T", "x", "https://example.com", ""),
		dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "x", SingleTitle: "Go", SingleURL: "https://example.com"}),
		dingtalk.NewActionCard(dingtalk.ActionCard{Title: "T", Text: "x", Buttons: []dingtalk.Button{{Title: "A", ActionURL: "https://a.example"}}, BtnOrientation: "1"}),
		dingtalk.NewFeedCard(dingtalk.FeedLink{Title: "A", MessageURL: "https://a.example", PicURL: "https://a.example/p.png"}),
	}
	for _, m := range msgs {
		res, err := c.Send(context.Background(), r, m)
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		if res.Errcode != 0 || res.Bytes == 0 || res.MsgType != m.Type {
			t.Fatalf("%s: result %+v", m.Type, res)
		}
	}
	acc := sb.Accepted()
	if len(acc) != len(msgs) {
		t.Fatalf("sandbox accepted %d of %d", len(acc), len(msgs))
	}
	for i, a := range acc {
		want, _ := msgs[i].Encode()
		if string(a.Body) != string(want) {
			t.Errorf("body %d:\n got %s\nwant %s", i, a.Body, want)
		}
		if len(a.Ignored) != 0 {
			t.Errorf("body %d has fields DingTalk would ignore: %v", i, a.Ignored)
		}
	}
}

func TestClientMentionsNotify(t *testing.T) {
	sb, r := sandboxRobot(t, sandbox.Options{})
	m := dingtalk.NewMarkdown("Deploy", "done")
	m.At = &dingtalk.At{AtMobiles: []string{"13800000000"}, AtUserIDs: []string{"alice"}}
	if _, err := dingtalk.NewClient(0).Send(context.Background(), r, m); err != nil {
		t.Fatal(err)
	}
	a := sb.Accepted()[0]
	if len(a.NotNotified) != 0 || len(a.Notified) != 2 {
		t.Fatalf("notified %v, not notified %v", a.Notified, a.NotNotified)
	}
}

// TestClientSignsEveryRequestAfresh records the query of each request: a signature is never
// reused, and a robot signed an hour ago would be rejected.
func TestClientSignsEveryRequestAfresh(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		io.WriteString(w, `{"errcode":"0","errmsg":"ok"}`) // errcode as a string, as DingTalk's docs once showed
	}))
	defer srv.Close()
	now := time.UnixMilli(1700000000000)
	c := dingtalk.NewClient(0)
	c.Now = func() time.Time { now = now.Add(time.Millisecond); return now }
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, Secret: secret, AllowCustomHost: true}
	for range 3 {
		if _, err := c.Send(context.Background(), r, dingtalk.NewText("x")); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, q := range queries {
		if !strings.Contains(q, "timestamp=") || !strings.Contains(q, "sign=") {
			t.Fatalf("unsigned request: %s", q)
		}
		sign := q[strings.Index(q, "sign="):]
		if seen[sign] {
			t.Fatalf("signature reused: %s", q)
		}
		seen[sign] = true
	}
}

func TestClientRejections(t *testing.T) {
	tests := []struct {
		name  string
		robot func(dingtalk.Robot) dingtalk.Robot
		msg   dingtalk.Message
		code  int
		hint  string
	}{
		{"wrong secret", func(r dingtalk.Robot) dingtalk.Robot { r.Secret = "SECnope"; return r }, dingtalk.NewText("x"), 310000, "secret"},
		{"unsigned request to signed robot", func(r dingtalk.Robot) dingtalk.Robot { r.Secret = ""; return r }, dingtalk.NewText("x"), 310000, ""},
		{"clock an hour off", nil, dingtalk.NewText("x"), 310000, "clock"},
		{"unknown token", func(r dingtalk.Robot) dingtalk.Robot {
			r.Webhook = strings.Replace(r.Webhook, token, "other", 1)
			return r
		}, dingtalk.NewText("x"), 300001, "access_token="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := sandboxRobot(t, sandbox.Options{})
			c := dingtalk.NewClient(0)
			if tt.robot != nil {
				r = tt.robot(r)
			} else {
				c.Now = func() time.Time { return time.Now().Add(-61 * time.Minute) }
			}
			_, err := c.Send(context.Background(), r, tt.msg)
			var api *dingtalk.APIError
			if !errors.As(err, &api) || api.Code != tt.code || !strings.Contains(api.Hint, tt.hint) {
				t.Fatalf("err = %v, want errcode %d with hint %q", err, tt.code, tt.hint)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret) {
				t.Fatal("error leaks a secret")
			}
		})
	}
}

func TestClientTransportFailures(t *testing.T) {
	tests := []struct {
		name      string
		fault     sandbox.Fault
		delay     time.Duration
		kind      dingtalk.TransportKind
		delivered bool
	}{
		{"html 500", sandbox.FaultHTML500, 0, dingtalk.KindBadResponse, true},
		{"invalid json", sandbox.FaultInvalidJSON, 0, dingtalk.KindBadResponse, true},
		{"dropped connection", sandbox.FaultDropConnection, 0, dingtalk.KindConnect, true},
		{"timeout", sandbox.NoFault, 2 * time.Second, dingtalk.KindTimeout, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, r := sandboxRobot(t, sandbox.Options{Fault: tt.fault, Delay: tt.delay})
			c := dingtalk.NewClient(300 * time.Millisecond)
			_, err := c.Send(context.Background(), r, dingtalk.NewText("x"))
			var te *dingtalk.TransportError
			if !errors.As(err, &te) || te.Kind != tt.kind || te.MaybeDelivered != tt.delivered {
				t.Fatalf("err = %#v, want kind %q delivered %v", err, tt.kind, tt.delivered)
			}
			for _, s := range []string{token, secret} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error leaks %q: %v", s, err)
				}
			}
			if i := strings.Index(err.Error(), "sign="); i >= 0 && !strings.HasPrefix(err.Error()[i:], "sign=REDACTED") {
				t.Fatalf("error leaks the signature: %v", err)
			}
			if !strings.Contains(err.Error(), "access_token=REDACTED") {
				t.Fatalf("error should show the redacted URL: %v", err)
			}
			// No msgUuid: the outcome is unknown, so the client must not have resent. The sandbox
			// records a request cut off during its delay only when the delay ends.
			deadline := time.Now().Add(3 * time.Second)
			for len(sb.Arrivals()) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			if n := len(sb.Arrivals()); n != 1 {
				t.Fatalf("sandbox saw %d requests, want exactly 1 (no blind resend)", n)
			}
		})
	}
}

// TestClientResendsOnlyWithMsgUUID: HTTP's own per-request timeout, shorter than the send's,
// cuts the first request off; the resend with the same msgUuid succeeds, and the group shows
// the message once. The result says a second request went out.
func TestClientResendsOnlyWithMsgUUID(t *testing.T) {
	sb, r := sandboxRobot(t, sandbox.Options{})
	var calls sync.WaitGroup
	calls.Add(1)
	c := dingtalk.NewClient(3 * time.Second)
	c.HTTP.Timeout = 300 * time.Millisecond
	c.RetryDelay = 10 * time.Millisecond
	sb.SetDelay(time.Second)
	go func() {
		// Answer the resend promptly: the first request times out, the second succeeds.
		defer calls.Done()
		deadline := time.Now().Add(5 * time.Second)
		for len(sb.Arrivals()) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		sb.SetDelay(0)
	}()
	m := dingtalk.NewText("x")
	m.MsgUUID = "deploy-42"
	res, err := c.Send(context.Background(), r, m)
	calls.Wait()
	if err != nil {
		t.Fatalf("resend with msgUuid should succeed: %v", err)
	}
	if res.Errcode != 0 || !res.Resent || res.Attempts != 2 || res.ResentAfter == nil || res.ResentAfter.Kind != dingtalk.KindTimeout {
		t.Fatalf("result %+v, want a resend after a timeout", res)
	}
	if got := len(sb.Accepted()); got != 1 {
		t.Fatalf("the group shows %d posts, want 1 (msgUuid makes the resend idempotent)", got)
	}
}

// TestSuccessSaysWhetherItWasResent: a success after a resend says so, with why the first
// request failed; a success at the first request says it was made once.
func TestSuccessSaysWhetherItWasResent(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token}}})
	h := &failFirst{next: sb}
	srv := httptest.NewServer(h)
	defer srv.Close()
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
	c := dingtalk.NewClient(2 * time.Second)
	c.RetryDelay = time.Millisecond
	m := dingtalk.NewText("x")
	m.MsgUUID = "u-1"
	res, err := c.Send(context.Background(), r, m)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resent || res.Attempts != 2 || res.ResentAfter == nil || res.ResentAfter.Kind != dingtalk.KindBadResponse || !res.ResentAfter.MaybeDelivered {
		t.Fatalf("result %+v (first failure %+v), want resent after a bad response", res, res.ResentAfter)
	}
	if strings.Contains(res.ResentAfter.Error(), token) {
		t.Fatalf("the first failure leaks the token: %v", res.ResentAfter)
	}
	res, err = c.Send(context.Background(), r, dingtalk.NewText("y"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Resent || res.Attempts != 1 || res.ResentAfter != nil {
		t.Fatalf("result %+v, want one request", res)
	}
	if h.requests() != 3 || len(sb.Accepted()) != 2 {
		t.Fatalf("%d requests, %d posts; want 3 and 2", h.requests(), len(sb.Accepted()))
	}
}

// dropFirst closes the connection of the first request without answering, after reading its
// body (so it may have been posted); if closeAfter, it also stops listening, so that the resend
// cannot even connect. Later requests go to next.
func dropFirst(t *testing.T, next http.Handler, closeAfter bool) *httptest.Server {
	t.Helper()
	var once sync.Once
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if !first {
			next.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		if closeAfter {
			srv.Listener.Close()
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestResentFailureKeepsTheFirstMaybeDelivered: the first request left and got no answer, the
// resend could not even connect. The message may still have been posted by the first.
func TestResentFailureKeepsTheFirstMaybeDelivered(t *testing.T) {
	srv := dropFirst(t, http.NotFoundHandler(), true)
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
	c := dingtalk.NewClient(2 * time.Second)
	c.RetryDelay = time.Millisecond
	m := dingtalk.NewText("x")
	m.MsgUUID = "u-1"
	_, err := c.Send(context.Background(), r, m)
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || !te.Resent || !te.MaybeDelivered || te.Kind != dingtalk.KindConnect {
		t.Fatalf("err = %#v, want a resent connect failure that may have been posted", err)
	}
	if !strings.Contains(err.Error(), "may have been posted") {
		t.Fatalf("err = %v", err)
	}
}

// TestRefusedResendMayStillHaveBeenPosted: DingTalk refused the resend, but the first request
// left and got no answer: the refusal must not read as "nothing was posted".
func TestRefusedResendMayStillHaveBeenPosted(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token}}})
	srv := dropFirst(t, sb, false)
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=nosuchtoken", AllowCustomHost: true}
	c := dingtalk.NewClient(2 * time.Second)
	c.RetryDelay = time.Millisecond
	m := dingtalk.NewText("x")
	m.MsgUUID = "u-1"
	_, err := c.Send(context.Background(), r, m)
	var api *dingtalk.APIError
	if !errors.As(err, &api) || api.Code != 300001 || !api.Resent || !api.MaybeDelivered {
		t.Fatalf("err = %#v, want a refused resend whose first request may have posted", err)
	}
	if !strings.Contains(err.Error(), "may have posted the message") {
		t.Fatalf("err = %v", err)
	}
}

func TestClientRetriesWhenNothingLeft(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := dingtalk.NewClient(time.Second)
	c.RetryDelay = 10 * time.Millisecond
	r := dingtalk.Robot{Name: "r", Webhook: "http://" + addr + "/robot/send?access_token=" + token, AllowCustomHost: true}
	_, err = c.Send(context.Background(), r, dingtalk.NewText("x"))
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || te.Kind != dingtalk.KindConnect || te.MaybeDelivered {
		t.Fatalf("err = %v, want a connect error that says nothing was delivered", err)
	}
}

func TestClientCancel(t *testing.T) {
	sb, r := sandboxRobot(t, sandbox.Options{Delay: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := dingtalk.NewClient(0).Send(ctx, r, dingtalk.NewText("x"))
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || te.Kind != dingtalk.KindCanceled {
		t.Fatalf("err = %v, want canceled", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("cancel did not abort the request")
	}
	_ = sb
}

func TestClientKeywordCheckedBeforeSending(t *testing.T) {
	sb, r := sandboxRobot(t, sandbox.Options{Robots: []sandbox.Robot{{Token: token, Keywords: []string{"deploy"}}}})
	_, err := dingtalk.NewClient(0).Send(context.Background(), r, dingtalk.NewText("hello"))
	var ke *dingtalk.KeywordError
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v, want KeywordError", err)
	}
	if len(sb.Arrivals()) != 0 {
		t.Fatal("a message without keyword was sent")
	}
	// The sandbox checks keywords independently: a robot configured without them locally still
	// gets DingTalk's 310000.
	r.Keywords = nil
	_, err = dingtalk.NewClient(0).Send(context.Background(), r, dingtalk.NewText("hello"))
	var api *dingtalk.APIError
	if !errors.As(err, &api) || api.Code != 310000 || !strings.Contains(api.Hint, "keywords") {
		t.Fatalf("err = %v, want 310000 keywords", err)
	}
}

func BenchmarkSendLoopback(b *testing.B) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token, Secret: secret}}, Limit: 1 << 30})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	r := dingtalk.Robot{Name: "bench", Webhook: srv.URL + "/robot/send?access_token=" + token, Secret: secret, AllowCustomHost: true}
	c := dingtalk.NewClient(0)
	m := dingtalk.NewMarkdown("Deploy", "## Build 42\n\n- **passed**")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(context.Background(), r, m); err != nil {
			b.Fatal(err)
		}
	}
}

// countingLimiter counts slots held, to check that requests that never left give theirs back.
type countingLimiter struct {
	mu   sync.Mutex
	held int
}

func (l *countingLimiter) Reserve(string) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held++
	return 0, nil
}
func (l *countingLimiter) Wait(context.Context, string, func(time.Duration)) error {
	_, err := l.Reserve("")
	return err
}
func (l *countingLimiter) Release(string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held--
	return nil
}
func (l *countingLimiter) Remaining(string) (int, error) { return 20 - l.held, nil }

func TestUnsentRequestsGiveTheirSlotBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	lim := &countingLimiter{}
	c := dingtalk.NewClient(time.Second)
	c.Limiter, c.RetryDelay = lim, time.Millisecond
	r := dingtalk.Robot{Name: "r", Webhook: "http://" + addr + "/robot/send?access_token=" + token, AllowCustomHost: true}
	if _, err := c.Send(context.Background(), r, dingtalk.NewText("x")); err == nil {
		t.Fatal("send to a closed port succeeded")
	}
	if lim.held != 0 {
		t.Fatalf("%d slot(s) still held after a send that never left (first try and retry)", lim.held)
	}
	// A delivered message keeps its slot.
	_, ok := sandboxRobot(t, sandbox.Options{})
	ok.Secret = secret
	if _, err := c.Send(context.Background(), ok, dingtalk.NewText("x")); err != nil {
		t.Fatal(err)
	}
	if lim.held != 1 {
		t.Fatalf("held = %d after one delivered send, want 1", lim.held)
	}
}

func TestAnswerDecodingEdges(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		wantOK     bool
	}{
		{"float zero", `{"errcode":0.0,"errmsg":"ok"}`, 200, true},
		{"string zero", `{"errcode":"0","errmsg":"ok"}`, 200, true},
		{"zero with an error status", `{"errcode":0,"errmsg":"ok"}`, 500, false},
		{"no errcode", `{"errmsg":"ok"}`, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
			_, err := dingtalk.NewClient(0).Send(context.Background(), r, dingtalk.NewText("x"))
			if (err == nil) != tt.wantOK {
				t.Fatalf("err = %v, want ok %v", err, tt.wantOK)
			}
		})
	}
}

func TestSignedRobotWithoutSecretIsExplained(t *testing.T) {
	_, r := sandboxRobot(t, sandbox.Options{})
	r.Secret = ""
	_, err := dingtalk.NewClient(0).Send(context.Background(), r, dingtalk.NewText("x"))
	var api *dingtalk.APIError
	if !errors.As(err, &api) || api.Code != 310000 || !strings.Contains(api.Hint, "no secret was given") {
		t.Fatalf("err = %v, want a hint that the secret is missing", err)
	}
}

func TestTransportErrorSaysWhetherItWasResent(t *testing.T) {
	_, r := sandboxRobot(t, sandbox.Options{Fault: sandbox.FaultHTML500})
	c := dingtalk.NewClient(2 * time.Second)
	c.RetryDelay = time.Millisecond
	m := dingtalk.NewText("x")
	_, err := c.Send(context.Background(), r, m)
	if err == nil || !strings.Contains(err.Error(), "not resent; give it a msgUuid") {
		t.Fatalf("without msgUuid: %v", err)
	}
	m.MsgUUID = "u-1"
	_, err = c.Send(context.Background(), r, m)
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || !te.Resent || !strings.Contains(err.Error(), "resent once and failed again") {
		t.Fatalf("with msgUuid: %v", err)
	}
}

// failFirst answers the first request with an HTML 500 page after wait (a proxy in front of
// DingTalk failing), and hands every later request to next. It counts the requests.
type failFirst struct {
	wait  time.Duration
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
	time.Sleep(f.wait)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
}

func (f *failFirst) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

// hang reads the body and answers only when the client goes away.
var hang = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
})

// TestResendStaysWithinTheOneTimeout: the first request fails after a while, the resend hangs.
// The whole send, resend included, ends when the one timeout the user set runs out; neither
// the pause nor the HTTP client's own per-request timeout starts the clock again.
func TestResendStaysWithinTheOneTimeout(t *testing.T) {
	const timeout = 800 * time.Millisecond
	h := &failFirst{wait: 250 * time.Millisecond, next: hang}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := dingtalk.NewClient(timeout)
	c.RetryDelay = 10 * time.Millisecond
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
	m := dingtalk.NewText("x")
	m.MsgUUID = "u-1"
	start := time.Now()
	_, err := c.Send(context.Background(), r, m)
	elapsed := time.Since(start)
	if elapsed > timeout+200*time.Millisecond {
		t.Errorf("the send took %v with a timeout of %v: the resend restarted the clock", elapsed, timeout)
	}
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || te.Kind != dingtalk.KindTimeout || !te.Resent || !te.MaybeDelivered {
		t.Fatalf("err = %v, want a timeout of the resend that may have posted the message", err)
	}
	if n := h.requests(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if strings.Contains(err.Error(), "context deadline exceeded") || !strings.Contains(err.Error(), "800ms") {
		t.Errorf("the error does not say which timeout ran out: %v", err)
	}
}

// TestNoResendWithoutTimeLeft: a first request that used up the timeout is not resent, even
// with a msgUuid: a hang costs the timeout once, not twice.
func TestNoResendWithoutTimeLeft(t *testing.T) {
	const timeout = 300 * time.Millisecond
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		hang(w, r)
	}))
	defer srv.Close()
	c := dingtalk.NewClient(timeout)
	c.RetryDelay = time.Millisecond
	r := dingtalk.Robot{Name: "r", Webhook: srv.URL + "/robot/send?access_token=" + token, AllowCustomHost: true}
	m := dingtalk.NewText("x")
	m.MsgUUID = "u-1"
	start := time.Now()
	_, err := c.Send(context.Background(), r, m)
	if d := time.Since(start); d > timeout+200*time.Millisecond {
		t.Errorf("the send took %v with a timeout of %v", d, timeout)
	}
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || te.Kind != dingtalk.KindTimeout || te.Resent || !te.MaybeDelivered {
		t.Fatalf("err = %v, want a timeout, not resent", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != 1 {
		t.Errorf("%d requests, want 1: no time was left for a resend", requests)
	}
}

// brokenLimiter fails as a rate limiter whose state directory cannot be used, quoting the key.
type brokenLimiter struct{}

func (brokenLimiter) Reserve(key string) (time.Duration, error) {
	return 0, &dingtalk.StateError{Dir: "/state/" + key, Op: "create", Err: errors.New("mkdir " + key + ": not a directory")}
}
func (l brokenLimiter) Wait(_ context.Context, key string, _ func(time.Duration)) error {
	_, err := l.Reserve(key)
	return err
}
func (brokenLimiter) Release(string) error          { return nil }
func (brokenLimiter) Remaining(string) (int, error) { return 0, errors.New("broken") }

// TestStateErrorKeepsItsType: a state-directory failure of the limiter reaches the caller as a
// *dingtalk.StateError (with its Hint), redacted, and nothing is sent.
func TestStateErrorKeepsItsType(t *testing.T) {
	for _, wait := range []bool{false, true} {
		sb, r := sandboxRobot(t, sandbox.Options{})
		c := dingtalk.NewClient(time.Second)
		c.Limiter, c.WaitForSlot = brokenLimiter{}, wait
		_, err := c.Send(context.Background(), r, dingtalk.NewText("x"))
		var se *dingtalk.StateError
		if !errors.As(err, &se) || !strings.Contains(se.Hint(), "DINGBOT_STATE_DIR") {
			t.Fatalf("wait %v: err = %#v, want a *StateError", wait, err)
		}
		if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "/state/REDACTED") {
			t.Fatalf("wait %v: err = %v, want the token redacted", wait, err)
		}
		if n := len(sb.Arrivals()); n != 0 {
			t.Fatalf("wait %v: %d requests went out", wait, n)
		}
	}
}
