package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
)

// Delivery is one stored job, as a 202 answer lists it.
type Delivery struct {
	ID      string `json:"id"`
	Robot   string `json:"robot"`
	MsgUUID string `json:"msgUuid"`
	Part    int    `json:"part"`
	Parts   int    `json:"parts"`
	// Due is when a held message's digest is queued (routes with a digest only).
	Due *time.Time `json:"due,omitempty"`
}

// Failure is a robot whose message could not be stored.
type Failure struct {
	Robot string `json:"robot"`
	Error string `json:"error"`
}

// accepted is the answer to a stored request, or to one stored for some robots only.
type accepted struct {
	Error      string     `json:"error,omitempty"`
	Hint       string     `json:"hint,omitempty"`
	Deliveries []Delivery `json:"deliveries"`
	Failed     []Failure  `json:"failed,omitempty"`
	Digest     string     `json:"digest,omitempty"`
	// redelivered: every robot's jobs were stored by an earlier delivery of the same id.
	redelivered bool
}

// serveRoute handles an authenticated POST to rt: parse, render, mention, fan out.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route) {
	c := callOf(r)
	c.senderDelivery = senderDelivery(rt.Source, r.Header)
	body, err := formPayload(r.Header, c.body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), "post the payload as JSON (GitHub and Gitea: Content type application/json), or form-encoded with the JSON in payload=")
		return
	}
	data, err := source.Parse(rt.Source, r.Header, body)
	if err != nil {
		if ig, ok := errAs[*source.IgnoredError](err); ok {
			ignore(w, r, ig.Reason)
			return
		}
		s.fail(w, r, http.StatusBadRequest, err.Error(), rt.expects())
		return
	}
	if !source.MatchEvents(rt.Source, rt.Events, data) {
		ignore(w, r, rt.notPosted(data))
		return
	}
	msg, err := rt.tmpl.RenderData(data, s.o.Contacts)
	if err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, oneLine(err),
			fmt.Sprintf("fix template %s for this payload: dingbot template render --source %s --template %s --file <payload> shows what it renders", rt.Template, rt.Source, rt.Template))
		return
	}
	if blank(msg) {
		// A template may drop a payload by rendering nothing ({{ if … }}…{{ end }} around it all).
		ignore(w, r, "template "+rt.Template+" rendered nothing")
		return
	}
	s.mention(r, rt, data, &msg)

	// The fan-out runs to its end even if the sender hangs up: a request is stored for all of
	// its robots or answered with what was stored.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	key := retryKey(rt.Path, c.body)
	ans, status := s.fanOut(ctx, rt, msg, key, c.senderDelivery)
	for _, d := range ans.Deliveries {
		c.deliveries = append(c.deliveries, d.ID)
	}
	c.redelivered = ans.redelivered
	if status != http.StatusAccepted {
		c.err = ans.Error
	}
	writeJSON(w, status, ans)
}

// ignore answers 200 {"ignored": why}: the request is understood and posts nothing.
func ignore(w http.ResponseWriter, r *http.Request, why string) {
	callOf(r).ignored = why
	writeJSON(w, http.StatusOK, map[string]string{"ignored": why})
}

// notPosted says why the route does not post data's event, and how to have it posted.
func (rt *route) notPosted(data any) string {
	name := source.EventName(data)
	// A kind the route does not name at all is suggested whole ("comment", not "comment.created").
	kind, _, _ := strings.Cut(name, ".")
	add := name
	effective := rt.Events
	if len(effective) == 0 || slices.Contains(effective, source.EventsDefault) {
		effective = append(slices.Clone(effective), source.DefaultEvents(rt.Source)...)
	}
	if !slices.ContainsFunc(effective, func(e string) bool { return e == kind || strings.HasPrefix(e, kind+".") }) {
		add = kind
	}
	events := rt.Events
	which := "the events route " + rt.Path + " posts"
	if len(events) == 0 {
		events = []string{source.EventsDefault}
		which += " by default (" + describeEvents(source.DefaultEvents(rt.Source)) + ")"
	} else {
		which += " (" + strings.Join(events, ", ") + ")"
	}
	quoted := make([]string, 0, len(events)+1)
	for _, e := range append(slices.Clone(events), add) {
		quoted = append(quoted, strconv.Quote(e))
	}
	return fmt.Sprintf("%s is not among %s; to post it, give the route events = [%s]", name, which, strings.Join(quoted, ", "))
}

// describeEvents lists events with the actions of a kind together: "push, pull_request
// (opened, merged), release (published)".
func describeEvents(events []string) string {
	var kinds []string
	actions := map[string][]string{}
	for _, e := range events {
		k, a, _ := strings.Cut(e, ".")
		if _, seen := actions[k]; !seen {
			kinds = append(kinds, k)
			actions[k] = nil
		}
		if a != "" {
			actions[k] = append(actions[k], a)
		}
	}
	for i, k := range kinds {
		if len(actions[k]) > 0 {
			kinds[i] += " (" + strings.Join(actions[k], ", ") + ")"
		}
	}
	return strings.Join(kinds, ", ")
}

// blank reports whether a rendered message has no content: its text (a feed card: its links)
// all blank.
func blank(m dingtalk.Message) bool {
	switch {
	case m.Text != nil:
		return strings.TrimSpace(m.Text.Content) == ""
	case m.Markdown != nil:
		return strings.TrimSpace(m.Markdown.Text) == ""
	case m.Link != nil:
		return strings.TrimSpace(m.Link.Text) == "" && strings.TrimSpace(m.Link.Title) == ""
	case m.ActionCard != nil:
		return strings.TrimSpace(m.ActionCard.Text) == "" && strings.TrimSpace(m.ActionCard.Title) == ""
	case m.FeedCard != nil:
		return len(m.FeedCard.Links) == 0
	}
	return false
}

// expects says what a route takes, for a 400's hint.
func (rt *route) expects() string {
	what := map[string]string{
		source.SourceAlertmanager: "Alertmanager's webhook payload (webhook_config, version 4)",
		source.SourceGrafana:      "a Grafana alerting webhook (contact point of type webhook)",
		source.SourceGitHub:       "a GitHub webhook (X-GitHub-Event header, JSON body)",
		source.SourceGitLab:       "a GitLab webhook (X-Gitlab-Event header, JSON body)",
		source.SourceGitea:        "a Gitea webhook (X-Gitea-Event header, JSON body)",
		source.SourceGeneric:      "a JSON object or array",
	}[rt.Source]
	if what == "" {
		what = "a " + rt.Source + " payload"
	}
	return "route " + rt.Path + " expects " + what
}

// formPayload returns the JSON of a form-encoded body (GitHub's and Gitea's "payload=…"); a
// JSON body is returned as it is, whatever its Content-Type says (curl -d posts JSON as a form).
func formPayload(h http.Header, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("form-encoded body: %w", err)
	}
	p, ok := form["payload"]
	if !ok {
		return nil, errors.New("form-encoded body without a payload field")
	}
	return []byte(p[0]), nil
}

// fanOut stores msg for every robot of rt (Submit, or Hold for a digest) and says how to
// answer: 202 when every robot's message is stored; otherwise the failure's status with what
// was stored. key remembers a fan-out that failed for a reason that may pass, so that the
// sender's retry of the same body stores only the robots that failed, under the job IDs they
// were first given: a store that kept a job although it answered an error (a Redis timeout
// after the write) is then found holding it, and the robot does not get it twice.
//
// sent is the sender's id of this delivery (senderDelivery): the jobs are then keyed by it
// (deliveryJobID), so that the sender's redelivery of a request that was stored, to this relay
// or another on the same store, before or after a restart, finds its jobs and is answered with
// them instead of posting again.
func (s *Server) fanOut(ctx context.Context, rt *route, msg dingtalk.Message, key, sent string) (accepted, int) {
	var (
		ans       accepted
		retryable error // the first failure that sending again may cure
		earlier   = s.retries.get(key, s.o.Now())
		memo      = attempt{stored: map[string][]Delivery{}, ids: map[string]string{}}
		found     = 0 // robots whose jobs an earlier delivery stored
	)
	for _, robot := range rt.Robots {
		if ds, ok := earlier.stored[robot]; ok {
			ans.Deliveries = append(ans.Deliveries, ds...)
			memo.stored[robot] = ds
			continue
		}
		id := earlier.ids[robot]
		switch {
		case id != "":
		case sent != "":
			id = deliveryJobID(rt.Path, sent, robot)
		default:
			id = newJobID(s.o.Now())
		}
		ds, existed, err := s.store(ctx, rt, robot, msg, id)
		if err != nil {
			if !refused(err) && retryable == nil {
				retryable = err
			}
			memo.ids[robot] = id
			ans.Failed = append(ans.Failed, Failure{Robot: robot, Error: oneLine(err)})
			s.log.Warn("store", "route", rt.Path, "robot", robot, "error", oneLine(err))
			continue
		}
		if existed {
			found++
		} else {
			s.metrics.queued.WithLabelValues(robot).Add(float64(len(ds)))
		}
		ans.Deliveries = append(ans.Deliveries, ds...)
		memo.stored[robot] = ds
	}
	if ans.Deliveries == nil {
		ans.Deliveries = []Delivery{}
	}
	if rt.Digest > 0 {
		ans.Digest = rt.Digest.String()
	}
	ans.redelivered = sent != "" && found == len(rt.Robots)
	if len(ans.Failed) == 0 {
		s.retries.forget(key)
		return ans, http.StatusAccepted
	}
	status := http.StatusUnprocessableEntity
	if retryable != nil {
		status = http.StatusServiceUnavailable
		s.retries.put(key, memo, s.o.Now())
	}
	var why []string
	for _, f := range ans.Failed {
		why = append(why, "robot "+f.Robot+": "+f.Error)
	}
	ans.Error = strings.Join(why, "; ")
	stored := len(ans.Deliveries) > 0
	switch {
	case stored && retryable != nil:
		ans.Hint = "the deliveries listed are stored and will be delivered; storing failed for the robots under failed: send the same body again (within 10 minutes, to this relay) to store theirs alone"
	case stored:
		ans.Hint = "the deliveries listed are stored and will be delivered; DingTalk would refuse the message of the robots under failed as template " + rt.Template + " renders it"
	case retryable != nil:
		ans.Hint = "storing failed: the outbox's state (the state directory or Redis) cannot be written; send the same body again once it is back"
	default:
		ans.Hint = "nothing was stored: DingTalk would refuse this message as template " + rt.Template + " renders it; change the template"
	}
	if se, ok := errAs[*dingtalk.StateError](retryable); ok {
		ans.Hint += " (" + se.Hint() + ")"
	}
	return ans, status
}

// newJobID is a fresh job ID of the relay's ("r-20261201T101500-3f9a1c2b7d6e"), given before
// the first Submit so that a retry can give the same one.
func newJobID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "r-" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// deliveryJobID is the job ID of robot's message for the sender's delivery sent to route:
// the same for every redelivery, on every relay ("r-d-" and 24 hex digits).
func deliveryJobID(route, sent, robot string) string {
	h := sha256.New()
	for _, s := range []string{route, sent, robot} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "r-d-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// senderHeaders are the headers in which a source's sender names a delivery, preferred first:
// the same id when it sends the delivery again. GitLab's Idempotency-Key stays the same across
// its retries; any JSON sender may set one.
var senderHeaders = map[string][]string{
	source.SourceGitHub:  {"X-GitHub-Delivery"},
	source.SourceGitLab:  {"Idempotency-Key", "X-Gitlab-Event-UUID"},
	source.SourceGitea:   {"X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery", "X-GitHub-Delivery"},
	source.SourceGeneric: {"Idempotency-Key"},
}

// maxSenderDelivery bounds a sender's delivery id (GitHub's and GitLab's are 36-byte UUIDs).
const maxSenderDelivery = 128

// senderDelivery is the sender's id of the request's delivery, "" when it sends none (or one
// that is not a short printable token).
func senderDelivery(src string, h http.Header) string {
	for _, name := range senderHeaders[src] {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if len(v) > maxSenderDelivery || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return ""
		}
		return v
	}
	return ""
}

// store submits (or holds) msg for one robot under job ID id and returns what was stored, and
// whether it was stored before. When the store holds id already (an earlier attempt stored
// it, though it reported an error, or the sender delivers the same request again), those
// jobs are what was stored.
func (s *Server) store(ctx context.Context, rt *route, robot string, msg dingtalk.Message, id string) ([]Delivery, bool, error) {
	so := submitOptions
	so.ID = id
	var jobs []delivery.Job
	var err error
	if rt.Digest > 0 {
		var j delivery.Job
		if j, err = s.o.Digester.Hold(ctx, rt.Path, robot, rt.Digest, msg.Clone(), so); err == nil {
			jobs = []delivery.Job{j}
		}
	} else {
		jobs, err = s.o.Outbox.Submit(ctx, robot, msg.Clone(), so)
	}
	existed := errors.Is(err, delivery.ErrExists)
	if existed {
		jobs, err = s.stored(ctx, id)
	}
	if err != nil {
		return nil, false, err
	}
	out := make([]Delivery, len(jobs))
	for i, j := range jobs {
		out[i] = delivered(j)
		if j.State == delivery.Held {
			due := j.Due
			out[i].Due = &due
		}
	}
	return out, existed, nil
}

// stored reads the jobs Submit stored under id: the job id, or the parts id-1, id-2, ….
func (s *Server) stored(ctx context.Context, id string) ([]delivery.Job, error) {
	st := s.o.Outbox.Store()
	j, err := st.Get(ctx, id)
	if err == nil {
		return []delivery.Job{j}, nil
	}
	if !errors.Is(err, delivery.ErrNotFound) {
		return nil, err
	}
	// A split message: its parts are id-1, id-2, ….
	parts := []delivery.Job{}
	for i := 1; i == 1 || i <= parts[0].Parts; i++ {
		j, err := st.Get(ctx, fmt.Sprintf("%s-%d", id, i))
		if err != nil {
			return nil, fmt.Errorf("job %s is stored already, but it cannot be read: %w", id, err)
		}
		parts = append(parts, j)
	}
	return parts, nil
}

func delivered(j delivery.Job) Delivery {
	d := Delivery{ID: j.ID, Robot: j.Robot, MsgUUID: j.MsgUUID, Part: j.Part, Parts: j.Parts}
	if d.Parts == 0 {
		d.Part, d.Parts = 1, 1
	}
	return d
}

// refused reports whether DingTalk's rules refuse the message (sending again will not help),
// as opposed to a store that could not keep it.
func refused(err error) bool {
	if _, ok := errAs[*dingtalk.ValidationError](err); ok {
		return true
	}
	_, ok := errAs[*dingtalk.KeywordError](err)
	return ok
}

// oneLine is an error's text on one line (joined errors are one a line).
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}
