// Package relay is dingbot serve's HTTP relay: an http.Handler that turns the
// webhooks of Alertmanager, Grafana, GitHub, GitLab, Gitea and any JSON sender
// into messages in the outbox (dingtalk/delivery), built like dingtalk/sandbox.
//
// # Routes
//
// A Route is one path senders POST to. It names the source its payloads come
// from (source.Names), the template that renders them (a data template whose
// data is the source's source.DataKind; DefaultTemplate when the route names
// none), the robots the message goes to, a label, field or header whose values
// name contacts to @mention, the secret senders authenticate with and, for a
// burst-prone sender, a digest interval. A request is handled in this order:
//
//	recover → log → auth → mux
//	auth:  loopback check or credentials, then the body (at most MaxBody)
//	mux:   parse (source.Parse) → the route's events → render (Template.RenderData) → mentions → one Submit per robot
//
// # Events
//
// A route posts only the events its Events name (source.MatchEvents): a kind
// ("push"), a kind and action ("pull_request.merged"; a finished workflow's
// conclusion counts as an action: "workflow.failure"), "*" or "default". A
// route that names none posts source.DefaultEvents: for the Git hosts what a
// team reads in its group, not every step of a CI run or every push to a pull
// request:
//
//	push, tag                  every push and tag
//	pull_request               opened, reopened, closed, merged, ready_for_review,
//	                           review_requested, approved, changes_requested
//	release                    published
//	workflow                   finished: success, failure, cancelled, timed_out, action_required
//	                           (not requested, in_progress, waiting, nor skipped)
//	issue                      opened, closed, reopened
//	comment                    none (bots comment on every push)
//
// Alertmanager and Grafana routes post everything unless their events say
// "firing" (or "resolved"). Another event is answered 200 {"ignored": "…"}
// saying which events line would post it:
//
//	{"ignored": "workflow.in_progress is not among the events route /github posts by default (…); to post it, give the route events = [\"default\", \"workflow.in_progress\"]"}
//
// A template can filter too: a message whose text renders blank (all of it
// inside {{ if … }}) is answered 200 {"ignored": "template X rendered nothing"}
// and stores nothing.
//
// # The guarantee
//
// 202 Accepted means stored: the answer is written only after every robot's
// Outbox.Submit (or Digester.Hold) has returned, so a relay that dies after
// answering loses nothing it acknowledged; the outbox then delivers in order,
// within the rate limit and quota, each message exactly once by its msgUuid.
// The answer lists what was stored:
//
//	{"deliveries": [{"id": "r-20261201T101500-3f9a1c2b7d6e", "robot": "ops", "msgUuid": "dingbot-…", "part": 1, "parts": 1}]}
//
// A held message (a route with a digest) has its "due", the time its summary
// is queued, and the answer says "digest": the interval.
//
// # Status codes
//
// Every error is JSON {"error": "…", "hint": "…"}; the hint says what to change.
//
//	202  stored, see above
//	200  {"ignored": "…"}: the sender's request carries nothing to post (a GitHub ping, an
//	     event the route's Events leave out, a template that rendered nothing)
//	400  the body is not JSON, or not the route's source's payload (line, column, missing fields)
//	401  the credential is missing or wrong; the hint names the header to set, never what was sent
//	403  a route without a secret, posted to from a peer that is not on loopback
//	404  no route at this path
//	405  not POST (Allow: POST); GET and HEAD for /healthz, /readyz and /metrics
//	413  the body is over Options.MaxBody (1 MiB)
//	422  the template cannot render this payload (its name and line), or DingTalk would
//	     refuse the message (a rule of dingtalk.Prepare): sending it again will not help
//	503  the outbox could not store the message (the state directory, Redis): send it again
//	     (Alertmanager retries a 5xx by itself; GitHub and GitLab offer to redeliver)
//
// When a route has several robots and only some of them could be stored (robot
// 1 stored, then the store fails for robot 2), the answer is the failure's
// status (503, or 422 when every failure is one of DingTalk's rules) with the
// deliveries that were stored and the robots that failed:
//
//	{"error": "robot oncall: …", "hint": "…", "deliveries": [ops's], "failed": [{"robot": "oncall", "error": "…"}]}
//
// What is listed will be delivered. The relay remembers such a request for
// ten minutes, by route and body (Alertmanager's retries and the Git hosts'
// redeliveries are the same bytes): the sender's retry is answered with the deliveries stored before and
// stores only the robots that failed, under the job IDs they were first given
// (delivery.SubmitOptions.ID), so a store that kept a job although it
// answered an error (a Redis write whose answer timed out) is found holding it
// and the robot does not get the message twice. The memory is the process's:
// after a restart, or when the retry reaches another relay behind a load
// balancer, the robots stored before get the message again. The relay prefers
// a duplicate to a lost alert; a sender that names its deliveries is spared
// even that (see Redeliveries). A 422 (DingTalk's rules) is not remembered:
// sending it again fails the same way.
//
// # Redeliveries
//
// A Git host names each delivery, and names it the same when it sends it again
// (GitHub's Redeliver, GitLab's retries): X-GitHub-Delivery, GitLab's
// Idempotency-Key (else X-Gitlab-Event-UUID), X-Gitea-Delivery (or Forgejo's
// and Gogs's); a generic sender may set Idempotency-Key. The relay then gives
// each robot's job an ID derived from the route, that id and the robot
// ("r-d-…"), so a redelivery of a request that was stored, to this relay or to
// another on the same store, before or after a restart, finds its jobs
// (delivery.ErrExists) and is answered 202 with the deliveries stored the first
// time: DingTalk gets the message once. The request's log line has the id as
// "sender_delivery" (the id the sender's "Recent deliveries" page shows), and
// "redelivered": true when every job was found stored.
//
// # Authentication
//
// Each source authenticates as its platform does; every comparison takes
// constant time.
//
//	github        X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed by the secret>
//	gitea         X-Gitea-Signature: <hex HMAC-SHA256> (or X-Forgejo-Signature, or X-Hub-Signature-256)
//	gitlab        X-Gitlab-Token: <secret>
//	alertmanager, grafana, generic
//	              Authorization: Bearer <secret>, or basic auth whose password is the secret
//
// A route without a secret answers only peers on loopback (403 otherwise). A
// reverse proxy on the same host makes every peer loopback: give such routes a
// secret. GitHub and Gitea may post form-encoded bodies (payload=…): they are
// decoded after the signature, which covers the bytes as sent.
//
// # Mentions
//
// A route's MentionLabel names a contact per value: source.Values of the parsed
// payload (a label of the alerts, a field of a Git event, a path into generic
// JSON) and the request header of that name, each value split at commas. A
// value matches a contact by name (case-insensitive, whole) or by mobile or
// userId. The contacts found are added to the message's at and written into
// its text (dingtalk.InsertMentions), so DingTalk notifies them. A value that
// matches no contact is logged as a warning; it never fails the request.
//
// # Operations
//
// GET /healthz answers 200 while the process serves; GET /readyz runs
// Options.Ready (the state store reachable) with a short timeout and answers
// 503 with the reason when it fails; GET /metrics is Prometheus's text format
// from a registry of the Server's own:
//
//	dingbot_relay_requests_total{route,code}         requests answered
//	dingbot_relay_request_duration_seconds{route}    how long they took
//	dingbot_messages_queued_total{robot}             messages the relay stored (held ones included)
//	dingbot_messages_delivered_total{robot}          sent by this process's outbox
//	dingbot_messages_failed_total{robot,errcode}     failed or unknown (errcode "none" without one)
//	dingbot_outbox_depth{robot}                      queued, sending and held jobs, read at scrape
//	dingbot_quota_used{robot}, dingbot_quota_limit{robot}  the month's sends (Options.Quota)
//
// The route label is the route's path, the endpoint's path, or "unmatched".
// The three endpoints take no credentials: they show route paths and robot
// names, never a secret.
// Logs are JSON lines (log/slog), one per request, with the route, status,
// delivery ids, duration, peer, the sender's delivery id, and the error or why
// it was ignored; never a secret, a header's value (but the delivery id), a
// webhook or a body.
package relay
