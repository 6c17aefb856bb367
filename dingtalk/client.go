package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ContentType is the request's Content-Type, exactly as DingTalk documents it (JSON is UTF-8).
const ContentType = "application/json"

// DefaultTimeout bounds one send to DingTalk, its resend included.
const DefaultTimeout = 10 * time.Second

// Limiter hands out send slots per robot; *ratelimit.Limiter implements it across processes.
type Limiter interface {
	// Reserve takes a slot for key now and returns 0, or returns how long until one frees.
	Reserve(key string) (time.Duration, error)
	// Wait blocks until a slot for key is taken, reporting the time left while it waits.
	Wait(ctx context.Context, key string, onWait func(remaining time.Duration)) error
	// Release returns the latest slot of key, for a request that provably never left.
	Release(key string) error
	// Remaining reports how many sends key has left in the current window.
	Remaining(key string) (int, error)
}

// SendsLeft reports how many messages robot r may still send in the current minute, or -1
// when the client does not limit sends or the robot's webhook is invalid.
func (c *Client) SendsLeft(r Robot) int {
	if c.Limiter == nil {
		return -1
	}
	ep, err := r.Endpoint()
	if err != nil {
		return -1
	}
	n, err := c.Limiter.Remaining(ep.Token)
	if err != nil {
		return -1
	}
	return n
}

// Client sends messages to DingTalk robots. Its zero value is not usable: use NewClient.
type Client struct {
	// HTTP is the one client used for every request; it honours proxy environment variables.
	HTTP *http.Client
	// Limiter keeps sends under 20 a minute per robot; nil sends without local limiting.
	Limiter Limiter
	// WaitForSlot makes Send wait for a free rate-limit slot instead of failing with a
	// *RateLimitError.
	WaitForSlot bool
	// OnWait, if set, is told how long a send still waits for a rate-limit slot.
	OnWait func(robot string, remaining time.Duration)
	// Now is the clock used for signatures; nil means time.Now.
	Now func() time.Time
	// RetryDelay is the pause before the single resend of a request that is safe to resend.
	RetryDelay time.Duration
	// Timeout bounds a whole send once it has its rate-limit slot: the request, the pause and
	// the resend together. Zero leaves only the context's deadline and HTTP's own Timeout,
	// which, if set, caps each request on its own.
	Timeout time.Duration
	// Meter counts each robot's sends per month and holds the pauses DingTalk imposes (410100
	// and 130101: ten minutes; 90030: until the month turns), shared by every process using the
	// same state; nil neither counts nor pauses.
	Meter Meter
	// OrgMonthlyQuota caps the sends of all robots together per month; 0 means no cap.
	OrgMonthlyQuota int
	// IgnoreQuota sends even when a monthly quota is used up (dingbot send --force). DingTalk's
	// own pauses still hold.
	IgnoreQuota bool
	// Posted, if set, is told of every send that made a request, once, after its resend if any:
	// the robot's name (never its webhook or secret), the message as posted (msgUuid included)
	// and the send's error (nil: DingTalk accepted it). Sends refused before any request (an
	// invalid message, the rate limit, a pause, a quota) are not told. The history hooks here.
	Posted func(ctx context.Context, robot string, msg Message, err error)
}

// ThrottlePause is how long DingTalk throttles a robot that sent too fast (410100, 130101).
const ThrottlePause = 10 * time.Minute

// NewClient returns a client whose sends time out after timeout (DefaultTimeout if zero),
// resend included.
func NewClient(timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = http.ProxyFromEnvironment
	return &Client{
		// No per-request Timeout: it would start again for the resend. Timeout bounds both.
		HTTP:       &http.Client{Transport: transport},
		RetryDelay: 500 * time.Millisecond,
		Timeout:    timeout,
	}
}

// Result is DingTalk's answer to an accepted message.
type Result struct {
	Robot   string
	MsgType MsgType
	Bytes   int
	Errcode int
	Errmsg  string
	// Prepared is the message as sent, mentions inserted.
	Prepared *Prepared
	// Attempts is how many requests the send made: 1, or 2 when it was resent.
	Attempts int
	// Resent is true when a second request went out because the first failed (ResentAfter);
	// the message carried a msgUuid or the first request never left, so it was posted once.
	Resent bool
	// ResentAfter is the failure of the first request, when Resent.
	ResentAfter *TransportError
	// Quota is the robot's month after this send, when the client has a Meter.
	Quota *QuotaUsage
}

// Send prepares m for robot r (see Prepare) and posts it. Errors are *ValidationError or
// *KeywordError (nothing sent), *RateLimitError, *APIError (DingTalk refused it) or
// *TransportError (no usable answer); none contains the token, the secret or a signature.
func (c *Client) Send(ctx context.Context, r Robot, m Message) (*Result, error) {
	return c.SendWith(ctx, r, m, PrepareOptions{})
}

// SendWith is Send with preparation options.
func (c *Client) SendWith(ctx context.Context, r Robot, m Message, opts PrepareOptions) (*Result, error) {
	ep, err := r.Endpoint()
	if err != nil {
		return nil, fmt.Errorf("robot %s: %w", r.Name, err)
	}
	p, err := Prepare(r, m, opts)
	if err != nil {
		return nil, err
	}
	return c.post(ctx, r, ep, p)
}

// post sends a prepared body, resending once only when that cannot post the message twice
// (the first request never left this machine, or the message carries a msgUuid) and enough of
// the one timeout is left for it: the whole send, resend included, ends within c.Timeout.
func (c *Client) post(ctx context.Context, r Robot, ep Endpoint, p *Prepared) (*Result, error) {
	if err := c.checkMeter(ctx, r, ep); err != nil {
		return nil, err
	}
	if err := c.takeSlot(ctx, r, ep); err != nil {
		return nil, err
	}
	res, err := c.postOnce(ctx, r, ep, p)
	if c.Posted != nil {
		c.Posted(context.WithoutCancel(ctx), r.Name, p.Message, err)
	}
	if res != nil && c.Meter != nil {
		res.Quota = c.usage(ctx, r, ep)
	}
	return res, err
}

// postOnce makes the request and, when that is safe, the one resend.
func (c *Client) postOnce(ctx context.Context, r Robot, ep Endpoint, p *Prepared) (*Result, error) {
	ctx, cancel, ours := c.withTimeout(ctx)
	defer cancel()
	res, err := c.attempt(ctx, r, ep, p)
	c.record(ctx, ep, err)
	if err == nil {
		res.Attempts = 1
		return res, nil
	}
	var first *TransportError
	if !errors.As(err, &first) {
		return nil, err
	}
	c.explainTimeout(ctx, first, ours)
	c.releaseIfUnsent(ep, first)
	if !c.mayResend(ctx, first, p) {
		return nil, first
	}
	pause := time.NewTimer(c.RetryDelay)
	select {
	case <-ctx.Done():
		pause.Stop()
		return nil, first
	case <-pause.C:
	}
	if c.Limiter != nil {
		if wait, lerr := c.Limiter.Reserve(ep.Token); lerr != nil || wait > 0 {
			return nil, first
		}
	}
	res, err = c.attempt(ctx, r, ep, p)
	c.record(ctx, ep, err)
	var (
		second *TransportError
		api    *APIError
	)
	switch {
	case err == nil:
		res.Attempts, res.Resent, res.ResentAfter = 2, true, first
		return res, nil
	case errors.As(err, &second):
		c.explainTimeout(ctx, second, ours)
		c.releaseIfUnsent(ep, second)
		second.Resent = true
		// The first request may have posted the message even if the second never left.
		second.MaybeDelivered = second.MaybeDelivered || first.MaybeDelivered
		return nil, second
	case errors.As(err, &api):
		api.Resent, api.MaybeDelivered = true, first.MaybeDelivered
	}
	return nil, err
}

// Check reports whether robot r may send now as far as its pauses and monthly quotas go: nil,
// a *PausedError, a *QuotaError, or the Meter's error. It sends nothing and takes no slot.
func (c *Client) Check(ctx context.Context, r Robot) error {
	ep, err := r.Endpoint()
	if err != nil {
		return fmt.Errorf("robot %s: %w", r.Name, err)
	}
	return c.checkMeter(ctx, r, ep)
}

// checkMeter refuses a send to a paused robot, or over a monthly quota (unless IgnoreQuota). A
// Meter that cannot be read refuses too: dingbot never sends without knowing.
func (c *Client) checkMeter(ctx context.Context, r Robot, ep Endpoint) error {
	if c.Meter == nil {
		return nil
	}
	key, now := TokenKey(ep.Token), c.now()
	pause, err := c.Meter.Paused(ctx, key, now)
	if err != nil {
		return fmt.Errorf("robot %s: %w", r.Name, redactor{ep.Token, r.Secret}.limiterErr(err))
	}
	if pause.Until.After(now) {
		if pause.Errcode == 90030 {
			return &QuotaError{Robot: r.Name, Scope: "dingtalk", Until: pause.Until}
		}
		return &PausedError{Robot: r.Name, Pause: pause, Now: now}
	}
	if c.IgnoreQuota || (r.MonthlyQuota <= 0 && c.OrgMonthlyQuota <= 0) {
		return nil
	}
	used, org, err := c.Meter.Used(ctx, key, QuotaMonth(now))
	if err != nil {
		return fmt.Errorf("robot %s: %w", r.Name, redactor{ep.Token, r.Secret}.limiterErr(err))
	}
	switch {
	case r.MonthlyQuota > 0 && used >= r.MonthlyQuota:
		return &QuotaError{Robot: r.Name, Scope: "robot", Used: used, Limit: r.MonthlyQuota, Until: NextQuotaMonth(now)}
	case c.OrgMonthlyQuota > 0 && org >= c.OrgMonthlyQuota:
		return &QuotaError{Robot: r.Name, Scope: "organisation", Used: org, Limit: c.OrgMonthlyQuota, Until: NextQuotaMonth(now)}
	}
	return nil
}

// record counts a request against the monthly quota when it may have reached DingTalk (calls
// refused for sending too fast are not counted, as DingTalk bills), and pauses the robot for
// every process when DingTalk throttles it or its month is used up. A Meter failure here is
// not the send's failure: the message went out.
func (c *Client) record(ctx context.Context, ep Endpoint, err error) {
	if c.Meter == nil {
		return
	}
	key, now := TokenKey(ep.Token), c.now()
	var (
		api *APIError
		tr  *TransportError
	)
	switch {
	case err == nil:
	case errors.As(err, &api):
		switch api.Code {
		case 410100, 130101:
			_ = c.Meter.Pause(ctx, key, Pause{Until: now.Add(ThrottlePause), Errcode: api.Code, Reason: "DingTalk throttled it for sending more than 20 messages a minute (errcode " + fmt.Sprint(api.Code) + ")"})
			return
		case 90030:
			_ = c.Meter.Pause(ctx, key, Pause{Until: NextQuotaMonth(now), Errcode: api.Code, Reason: "DingTalk answered 90030 (webhook over limit) for this month"})
		}
	case errors.As(err, &tr):
		if !tr.MaybeDelivered {
			return
		}
	default:
		return
	}
	_, _, _ = c.Meter.Count(context.WithoutCancel(ctx), key, QuotaMonth(now))
}

// usage reads the robot's month for the result.
func (c *Client) usage(ctx context.Context, r Robot, ep Endpoint) *QuotaUsage {
	month := QuotaMonth(c.now())
	used, org, err := c.Meter.Used(context.WithoutCancel(ctx), TokenKey(ep.Token), month)
	if err != nil {
		return nil
	}
	return &QuotaUsage{Month: month, Used: used, Limit: r.MonthlyQuota, OrgUsed: org, OrgLimit: c.OrgMonthlyQuota}
}

// Usage reports robot r's month so far, or nil without a Meter or when it cannot be read.
func (c *Client) Usage(ctx context.Context, r Robot) *QuotaUsage {
	ep, err := r.Endpoint()
	if err != nil || c.Meter == nil {
		return nil
	}
	return c.usage(ctx, r, ep)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// withTimeout bounds ctx by c.Timeout, and reports whether that bound is the one that applies
// (the caller's own deadline may come first).
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	if c.Timeout <= 0 {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, false
	}
	deadline := time.Now().Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, false
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	return ctx, cancel, true
}

// explainTimeout says which timeout ran out, instead of Go's "context deadline exceeded".
func (c *Client) explainTimeout(ctx context.Context, te *TransportError, ours bool) {
	if te.Kind == KindTimeout && ours && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		te.Detail = fmt.Sprintf("no answer within the timeout of %v", c.Timeout)
	}
}

// mayResend reports whether the failed first request of p may be sent again: not when the
// send was canceled, not when it may have posted a message without a msgUuid, and only when,
// after the pause, at least a quarter of the timeout is left (a resend squeezed into the last
// moments would only add a request whose outcome is unknown).
func (c *Client) mayResend(ctx context.Context, te *TransportError, p *Prepared) bool {
	if te.Kind == KindCanceled || ctx.Err() != nil || (te.MaybeDelivered && p.Message.MsgUUID == "") {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok {
		return time.Until(deadline)-c.RetryDelay >= max(c.Timeout/4, time.Millisecond)
	}
	return true
}

// releaseIfUnsent gives back the rate-limit slot of a request that never left this machine:
// DingTalk did not count it, so neither do we.
func (c *Client) releaseIfUnsent(ep Endpoint, te *TransportError) {
	if !te.MaybeDelivered && c.Limiter != nil {
		_ = c.Limiter.Release(ep.Token)
	}
}

func (c *Client) takeSlot(ctx context.Context, r Robot, ep Endpoint) error {
	if c.Limiter == nil {
		return nil
	}
	if c.WaitForSlot {
		var onWait func(time.Duration)
		if c.OnWait != nil {
			onWait = func(d time.Duration) { c.OnWait(r.Name, d) }
		}
		if err := c.Limiter.Wait(ctx, ep.Token, onWait); err != nil {
			return fmt.Errorf("robot %s: waiting for a rate-limit slot: %w", r.Name, redactor{ep.Token, r.Secret}.limiterErr(err))
		}
		return nil
	}
	wait, err := c.Limiter.Reserve(ep.Token)
	if err != nil {
		return fmt.Errorf("robot %s: %w", r.Name, redactor{ep.Token, r.Secret}.limiterErr(err))
	}
	if wait > 0 {
		return &RateLimitError{Robot: r.Name, Wait: wait}
	}
	return nil
}

// attempt makes one request, signed afresh.
func (c *Client) attempt(ctx context.Context, r Robot, ep Endpoint, p *Prepared) (*Result, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	target := SignedURL(ep, r.Secret, now())
	secrets := redactor{ep.Token, r.Secret}
	if u, err := url.Parse(target); err == nil {
		secrets = append(secrets, u.Query().Get("sign"))
	}
	fail := func(kind TransportKind, status int, detail string, delivered bool) error {
		return &TransportError{Kind: kind, URL: Redacted(target), Status: status, Detail: secrets.apply(detail),
			MaybeDelivered: delivered, Idempotent: p.Message.MsgUUID != ""}
	}

	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, target, bytes.NewReader(p.Body))
	if err != nil {
		return nil, fail(KindConnect, 0, "build request: "+unwrapURLError(err).Error(), false)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "dingbot")

	resp, err := c.HTTP.Do(req)
	if err != nil {
		kind, detail := classify(ctx, err)
		return nil, fail(kind, 0, detail, wrote.Load())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		kind, detail := classify(ctx, err)
		return nil, fail(kind, resp.StatusCode, "reading the answer: "+detail, true)
	}
	code, msg, ok := decodeAnswer(raw)
	if !ok || (code == 0 && (resp.StatusCode < 200 || resp.StatusCode > 299)) {
		return nil, fail(KindBadResponse, resp.StatusCode, describeBadAnswer(resp, raw), true)
	}
	if code != 0 {
		hint := HintFor(code, msg)
		if code == 310000 && r.Secret == "" && signatureProblem(msg) {
			hint = "this robot signs its requests (加签) but no secret was given: give dingbot its SEC… secret"
		}
		return nil, &APIError{Code: code, Message: secrets.apply(msg), Hint: hint}
	}
	return &Result{Robot: r.Name, MsgType: p.Message.Type, Bytes: p.Bytes, Errcode: code, Errmsg: msg, Prepared: p}, nil
}

// decodeAnswer reads {"errcode":0,"errmsg":"ok"}, accepting errcode as a number or a string.
func decodeAnswer(raw []byte) (code int, msg string, ok bool) {
	var ans struct {
		Errcode json.RawMessage `json:"errcode"`
		Errmsg  string          `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || len(ans.Errcode) == 0 {
		return 0, "", false
	}
	s := strings.TrimSpace(strings.Trim(string(ans.Errcode), `"`))
	n, err := strconv.Atoi(s)
	if err != nil {
		// 0.0 or 310000.0: a number written as a float is still the code.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return 0, "", false
		}
		n = int(f)
	}
	return n, ans.Errmsg, true
}

// signatureProblem reports whether a 310000 errmsg is about the signature or its timestamp.
func signatureProblem(errmsg string) bool {
	m := strings.ToLower(errmsg)
	return strings.Contains(m, "sign") || strings.Contains(m, "timestamp") || strings.Contains(errmsg, "签名")
}

func describeBadAnswer(resp *http.Response, raw []byte) string {
	ct := resp.Header.Get("Content-Type")
	kind := "a body that is not DingTalk's JSON answer"
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		kind = "an error status instead of DingTalk's answer"
	}
	if strings.Contains(ct, "html") || bytes.Contains(bytes.ToLower(raw[:min(len(raw), 512)]), []byte("<html")) {
		kind = "an HTML page instead of DingTalk's JSON answer (a proxy or gateway error)"
	} else if len(bytes.TrimSpace(raw)) == 0 {
		kind = "an empty body instead of DingTalk's JSON answer"
	}
	return fmt.Sprintf("HTTP %d with %s", resp.StatusCode, kind)
}

// classify names a transport failure without quoting the URL (net/http's *url.Error would).
func classify(ctx context.Context, err error) (TransportKind, string) {
	inner := unwrapURLError(err)
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return KindCanceled, "the send was canceled"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return KindTimeout, "no answer in time: " + inner.Error()
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return KindConnect, "could not connect: " + inner.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return KindConnect, "could not resolve the host: " + inner.Error()
	}
	return KindConnect, inner.Error()
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// limiterErr redacts a rate-limit failure, keeping a *StateError as one, so that callers can
// name the state directory and its fix.
func (r redactor) limiterErr(err error) error {
	var se *StateError
	if errors.As(err, &se) {
		return &StateError{Dir: r.apply(se.Dir), Op: r.apply(se.Op), Err: r.err(se.Err), Fix: r.apply(se.Fix)}
	}
	return r.err(err)
}

// err redacts an error's text, keeping it as a plain error.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.apply(err.Error()), err: err}
}

// redactedError is an error whose text had secrets removed; it still unwraps to its cause, so
// callers can tell a *StateError or a cancellation apart.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
