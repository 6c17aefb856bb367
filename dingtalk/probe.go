package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ProbeVerdict is what a credentials probe learned about a robot.
type ProbeVerdict string

// Probe verdicts.
const (
	// ProbeOK: DingTalk answered 300001 "msgtype is null", which it does after the token and the
	// signature have passed.
	ProbeOK ProbeVerdict = "ok"
	// ProbeBadToken: "token is not exist" (or 300005, 400101: the access token does not exist).
	ProbeBadToken ProbeVerdict = "bad_token"
	// ProbeBadSecret: 310000 "sign not match": the secret is not the robot's.
	ProbeBadSecret ProbeVerdict = "bad_secret"
	// ProbeClock: 310000 "invalid timestamp" for a signed request: this machine's clock is more
	// than an hour from DingTalk's.
	ProbeClock ProbeVerdict = "clock"
	// ProbeNoSecret: the robot wants a signature, but none is configured.
	ProbeNoSecret ProbeVerdict = "no_secret"
	// ProbeUnknown: an answer there is no public evidence to read; Errmsg says what it was.
	ProbeUnknown ProbeVerdict = "unknown"
	// ProbeUnreachable: no answer from DingTalk (a timeout, a refused connection, a proxy's page).
	ProbeUnreachable ProbeVerdict = "unreachable"
)

// ProbeBody is what a probe posts: a JSON object without msgtype, which DingTalk refuses after
// checking the token and the signature, so nothing is ever posted to the group.
const ProbeBody = `{}`

// ProbeResult is the answer to one probe, read.
type ProbeResult struct {
	Robot   string       `json:"robot"`
	Verdict ProbeVerdict `json:"verdict"`
	// Errcode and Errmsg are DingTalk's answer verbatim (secrets removed); 0 and "" when none.
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg,omitempty"`
	// Detail says in words what the verdict means and what to do.
	Detail string `json:"detail"`
}

// Probe checks robot r's token and signature without posting: it sends a signed request whose
// body has no msgtype, which DingTalk refuses once the credentials have passed, and reads the
// errmsg. The request may count against the monthly webhook quota, so it goes through the
// same pauses, quotas and rate limit as a send and is counted like one; an error (a pause, a
// quota used up, the rate limit, the state) means no request was made.
func (c *Client) Probe(ctx context.Context, r Robot) (*ProbeResult, error) {
	ep, err := r.Endpoint()
	if err != nil {
		return nil, fmt.Errorf("robot %s: %w", r.Name, err)
	}
	if err := c.checkMeter(ctx, r, ep); err != nil {
		return nil, err
	}
	if err := c.takeSlot(ctx, r, ep); err != nil {
		return nil, err
	}
	ctx, cancel, ours := c.withTimeout(ctx)
	defer cancel()
	p := &Prepared{Body: []byte(ProbeBody), Bytes: len(ProbeBody)}
	_, err = c.attempt(ctx, r, ep, p)
	c.record(ctx, ep, err)
	var tr *TransportError
	if errors.As(err, &tr) {
		c.explainTimeout(ctx, tr, ours)
		c.releaseIfUnsent(ep, tr)
	}
	return readProbe(r, err), nil
}

// readProbe reads a probe's outcome. Only answers the API page documents are read; the rest
// are "unknown", with DingTalk's errmsg.
func readProbe(r Robot, err error) *ProbeResult {
	res := &ProbeResult{Robot: r.Name}
	var (
		api *APIError
		tr  *TransportError
	)
	switch {
	case err == nil:
		res.Verdict, res.Errmsg = ProbeUnknown, "ok"
		res.Detail = "DingTalk accepted a body without msgtype, which it is not known to do: the credentials could not be read from the answer"
		return res
	case errors.As(err, &tr):
		res.Verdict, res.Detail = ProbeUnreachable, tr.Error()
		return res
	case !errors.As(err, &api):
		res.Verdict, res.Detail = ProbeUnknown, err.Error()
		return res
	}
	res.Errcode, res.Errmsg = api.Code, api.Message
	msg := strings.ToLower(api.Message)
	signed := r.Secret != ""
	switch {
	case api.Code == 300001 && strings.Contains(msg, "msgtype is null"):
		res.Verdict = ProbeOK
		res.Detail = "DingTalk accepted the token and the signature and refused only the empty body"
		if !signed {
			res.Detail = "DingTalk accepted the token (the robot is configured unsigned) and refused only the empty body"
		}
	case strings.Contains(msg, "token is not exist") || api.Code == 300005 || api.Code == 400101:
		res.Verdict = ProbeBadToken
		res.Detail = "DingTalk does not know this access token: copy the webhook again from the group's robot settings (the whole URL or the token after access_token=)"
	case api.Code == 310000 && !signed && signatureProblem(api.Message):
		res.Verdict = ProbeNoSecret
		res.Detail = "the robot signs its requests (加签) but no secret is configured: add its SEC… secret (secret or secret_env)"
	case api.Code == 310000 && (strings.Contains(msg, "sign not match") || strings.Contains(api.Message, "签名不匹配")):
		res.Verdict = ProbeBadSecret
		res.Detail = "the signature does not match: the secret is not this robot's (copy it again from the robot's security settings)"
	case api.Code == 310000 && strings.Contains(msg, "timestamp"):
		res.Verdict = ProbeClock
		res.Detail = "DingTalk refused the signature's timestamp: this machine's clock is more than an hour from DingTalk's"
	default:
		res.Verdict = ProbeUnknown
		res.Detail = "no public evidence says what this answer means for the token and the signature: " + HintFor(api.Code, api.Message)
	}
	return res
}
