package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// Queued sends: with an outbox (Options.Outbox) a send held up by the rate limit or a pause goes
// there instead of failing, and the process that drains the outbox posts it as soon as the
// robot may send. delivery_status reports on it.

// maxStatusIDs bounds the ids one delivery_status call reads.
const maxStatusIDs = 100

// perMinute is how many messages DingTalk lets a robot send a minute.
const perMinute = 20

// slotSeconds is the average wait for one more rate-limit slot once a robot's minute is full:
// 20 messages a minute.
const slotSeconds = 3

// heldUp reports whether err says only that the robot may not send now, before anything could
// be posted: the rate limit, a pause every process keeps, or DingTalk's throttle (errcode 410100
// or 130101, which posts nothing).
func heldUp(err error) bool {
	var (
		rle *dingtalk.RateLimitError
		pe  *dingtalk.PausedError
		ae  *dingtalk.APIError
	)
	switch {
	case errors.As(err, &rle), errors.As(err, &pe):
		return true
	case errors.As(err, &ae):
		return (ae.Code == 410100 || ae.Code == 130101) && !ae.MaybeDelivered
	}
	return false
}

// enqueue puts m in the outbox, from part from on (the parts before it were posted), because
// cause held it up (nil: its parts are more than the robot's sends left this minute).
func (ts *toolset) enqueue(ctx context.Context, verb string, r Result, m *pending, from int, cause error) outcome {
	ob := ts.opts.Outbox
	var jobs []delivery.Job
	var err error
	switch {
	case len(m.parts) == 0:
		jobs, err = ob.Submit(ctx, m.robot.Name, m.msg, delivery.SubmitOptions{})
	case from == 0:
		// One Submit stores every part, all or none, as one split message.
		jobs, err = ob.Submit(ctx, m.robot.Name, m.msg, delivery.SubmitOptions{Split: true})
		if err == nil && !sameParts(jobs, m.parts) {
			err = fmt.Errorf("the outbox split the message into %d parts, not the %d confirmed", len(jobs), len(m.parts))
		}
	default:
		for _, part := range m.parts[from:] {
			var js []delivery.Job
			if js, err = ob.Submit(ctx, m.robot.Name, part, delivery.SubmitOptions{}); err != nil {
				break
			}
			jobs = append(jobs, js...)
		}
	}
	for _, j := range jobs {
		r.DeliveryIDs = append(r.DeliveryIDs, j.ID)
	}
	if err != nil {
		o := failed(verb, r, fmt.Errorf("queueing the message: %w", err))
		if len(jobs) > 0 {
			o.result.Hint = fmt.Sprintf("parts %d-%d are queued (deliveryIds), the rest are not: %s", from+1, from+len(jobs), o.result.Hint)
			o.text = failureText(verb, o.result)
		}
		return o
	}
	r.OK, r.Queued, r.Errcode = true, true, nil
	r.Error, r.Problems, r.RetryAfterSeconds, r.MaybeDelivered = "", nil, nil, nil
	r.Errmsg = "queued: it goes out as soon as the robot has a free slot"
	r.SendsLeft = ts.sendsLeft(m.robot)
	pos, err := ob.Position(ctx, jobs[0])
	if err != nil || pos < 0 {
		pos = 0
	}
	r.Position = intPtr(pos)
	r.EtaSeconds = intPtr(eta(cause, r.SendsLeft, pos+len(jobs)))
	why := heldUpReason(cause, m, r.SendsLeft)
	r.Hint = fmt.Sprintf("queued because %s: nothing is posted yet; this server posts it as soon as the robot may send, while it runs (%s); check it with delivery_status and do not send it again", why, afterStop)
	if from > 0 {
		r.Hint = fmt.Sprintf("parts 1-%d were posted, the rest are queued because %s; this server posts them in order as soon as the robot may send, while it runs (%s); check them with delivery_status and do not send them again", from, why, afterStop)
	}
	return outcome{result: r, text: queuedText(r, jobs)}
}

// afterStop says who posts a queued message when this server stops first.
const afterStop = "if it stops first, the next dingbot MCP server, composer or `dingbot outbox drain` on the same state (state directory or Redis) does"

// sameParts reports whether jobs carry exactly parts, by msgUuid.
func sameParts(jobs []delivery.Job, parts []dingtalk.Message) bool {
	if len(jobs) != len(parts) {
		return false
	}
	for i := range jobs {
		if jobs[i].MsgUUID != parts[i].MsgUUID {
			return false
		}
	}
	return true
}

// heldUpReason says why a send was queued.
func heldUpReason(cause error, m *pending, left *int) string {
	var (
		rle *dingtalk.RateLimitError
		pe  *dingtalk.PausedError
		ae  *dingtalk.APIError
	)
	switch {
	case errors.As(cause, &rle):
		return fmt.Sprintf("robot %q already sent 20 messages in the last minute", m.robot.Name)
	case errors.As(cause, &pe):
		return fmt.Sprintf("robot %q is paused for every dingbot process (%s)", m.robot.Name, pe.Pause.Reason)
	case errors.As(cause, &ae):
		return fmt.Sprintf("DingTalk throttled robot %q for 10 minutes (errcode %d)", m.robot.Name, ae.Code)
	case left != nil:
		return fmt.Sprintf("its %d parts are more than the %d sends robot %q has left this minute", len(m.parts), *left, m.robot.Name)
	}
	return fmt.Sprintf("its %d parts are more than robot %q may send now", len(m.parts), m.robot.Name)
}

// eta estimates the seconds until the last of n queued messages (those ahead included) goes
// out: once the robot may send again, the free slots go at once and each further message waits
// for one, about slotSeconds each.
func eta(cause error, left *int, n int) int {
	var (
		rle *dingtalk.RateLimitError
		pe  *dingtalk.PausedError
		ae  *dingtalk.APIError
	)
	var wait time.Duration
	free := 0
	if left != nil {
		free = *left
	}
	switch {
	case errors.As(cause, &rle):
		wait, free = rle.Wait, 1
	case errors.As(cause, &pe):
		wait, free = pe.Wait(), perMinute
	case errors.As(cause, &ae):
		wait, free = dingtalk.ThrottlePause, perMinute
	}
	secs := int((wait + time.Second - 1) / time.Second)
	return secs + max(0, n-free)*slotSeconds
}

// queuedText is the text beside a queued result.
func queuedText(r Result, jobs []delivery.Job) string {
	var b strings.Builder
	if len(jobs) == 1 {
		fmt.Fprintf(&b, "Queued the %s message for robot %q: delivery %s (msgUuid %s); it goes out as soon as the robot has a free slot.", r.MsgType, r.Robot, jobs[0].ID, jobs[0].MsgUUID)
	} else {
		fmt.Fprintf(&b, "Queued the %s message for robot %q in %d parts, delivered in order; they go out as soon as the robot has a free slot:", r.MsgType, r.Robot, len(jobs))
		for _, j := range jobs {
			fmt.Fprintf(&b, "\n- delivery %s (msgUuid %s)", j.ID, j.MsgUUID)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, " Position %d in the robot's queue; estimated in %d seconds.", *r.Position, *r.EtaSeconds)
	if len(r.Parts) > 0 {
		b.WriteString(partsText(r.Parts))
	}
	fmt.Fprintf(&b, "\nHint: %s.", r.Hint)
	return b.String()
}

// deliveryStatus is the delivery_status tool: where each queued message is.
func (ts *toolset) deliveryStatus() server.ServerTool {
	tool := mcpgo.NewTool(toolDeliveries,
		mcpgo.WithDescription(descDeliveryStatus),
		annotations(true),
		mcpgo.WithArray("deliveryIds", mcpgo.Required(), mcpgo.Description("The deliveryIds a queued send returned."),
			mcpgo.WithStringItems(), mcpgo.MinItems(1), mcpgo.MaxItems(maxStatusIDs)),
		order("deliveryIds"),
		withOutput(deliveriesOutput()),
	)
	return server.ServerTool{Tool: tool, Handler: ts.handle(tool.Name, ts.deliveries)}
}

// deliveriesOutput is delivery_status's output schema (deliveriesResult).
func deliveriesOutput() []byte {
	item := map[string]any{
		"id":       prop("string", ""),
		"state":    prop("string", ""),
		"robot":    prop("string", ""),
		"msgUuid":  prop("string", ""),
		"errcode":  prop("integer", ""),
		"errmsg":   prop("string", ""),
		"hint":     prop("string", ""),
		"position": prop("integer", ""),
	}
	list := prop("array", "")
	list["items"] = map[string]any{"type": "object", "properties": item}
	return commonOutput().with("deliveries", list).schema()
}

// deliveriesResult is delivery_status's structured content.
type deliveriesResult struct {
	commonFields
	Deliveries []DeliveryInfo `json:"deliveries"`
}

// DeliveryInfo is where one queued message is.
type DeliveryInfo struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Robot    string `json:"robot,omitempty"`
	MsgUUID  string `json:"msgUuid,omitempty"`
	Errcode  *int   `json:"errcode,omitempty"`
	Errmsg   string `json:"errmsg,omitempty"`
	Hint     string `json:"hint,omitempty"`
	Position *int   `json:"position,omitempty"`
}

// Delivery states, as delivery_status names them.
const (
	stateDelivered = "delivered"
	stateNotFound  = "not_found"
)

func (ts *toolset) deliveries(ctx context.Context, req mcpgo.CallToolRequest) outcome {
	const verb = toolDeliveries
	a := newArgs(req, "deliveryIds")
	ids := a.strs("deliveryIds")
	if !a.has("deliveryIds") || len(ids) == 0 {
		a.problem("deliveryIds: give the deliveryIds a queued send returned")
	}
	if len(ids) > maxStatusIDs {
		a.problem("deliveryIds: at most %d at a time, got %d", maxStatusIDs, len(ids))
	}
	r := newResult("", "")
	if err := ts.configFailure(); err != nil {
		return failed(verb, r, err)
	}
	if err := a.err(); err != nil {
		return failed(verb, r, err)
	}
	store := ts.opts.Outbox.Store()
	out := deliveriesResult{Deliveries: make([]DeliveryInfo, 0, len(ids))}
	counts := map[string]int{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		j, err := store.Get(ctx, id)
		if errors.Is(err, delivery.ErrNotFound) {
			info := DeliveryInfo{ID: id, State: stateNotFound,
				Hint: "no message in the outbox has this id: check it against the deliveryIds the send returned (the user may also have dropped it from the outbox)"}
			if looksSecret(id) {
				info.ID = "(withheld: not a delivery id)"
			}
			out.Deliveries = append(out.Deliveries, info)
			counts[stateNotFound]++
			continue
		}
		if err != nil {
			return failed(verb, r, fmt.Errorf("read the outbox: %w", err))
		}
		info := ts.deliveryInfo(ctx, j)
		counts[info.State]++
		out.Deliveries = append(out.Deliveries, info)
	}
	r.OK = true
	r.Errmsg = "ok"
	r.Hint = deliveriesHint(counts)
	out.commonFields = commonOf(r)
	return outcome{result: r, structured: out, text: deliveriesText(out)}
}

// deliveryInfo describes job j for an agent.
func (ts *toolset) deliveryInfo(ctx context.Context, j delivery.Job) DeliveryInfo {
	info := DeliveryInfo{ID: j.ID, State: string(j.State), Robot: j.Robot, MsgUUID: j.MsgUUID, Errcode: j.Errcode,
		Errmsg: dingtalk.MaskSecretLike(j.Error), Hint: dingtalk.MaskSecretLike(j.Hint)}
	switch j.State {
	case delivery.Sent:
		info.State, info.Errmsg, info.Hint = stateDelivered, "ok", "DingTalk accepted it: it is in the group"
	case delivery.Queued, delivery.Sending:
		if pos, err := ts.opts.Outbox.Position(ctx, j); err == nil && pos >= 0 {
			info.Position = intPtr(pos)
		}
		if info.Hint == "" {
			info.Hint = "it goes out as soon as the robot may send: ask again later, do not send it again"
		}
	case delivery.Unknown:
		info.Hint = "it may have been posted and dingbot will not resend it on its own: ask the user to check the group, or send it again with its msgUuid, which DingTalk never posts twice; " + info.Hint
	case delivery.Failed:
		if info.Hint == "" {
			info.Hint = "it was not posted: fix what errmsg says and send it anew, or tell the user"
		}
	}
	return info
}

// deliveriesHint sums up a delivery_status result.
func deliveriesHint(counts map[string]int) string {
	var parts []string
	for _, s := range []string{stateDelivered, string(delivery.Queued), string(delivery.Sending), string(delivery.Failed), string(delivery.Unknown), stateNotFound} {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}

func deliveriesText(d deliveriesResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d deliveries: %s.", len(d.Deliveries), d.Hint)
	for _, i := range d.Deliveries {
		fmt.Fprintf(&b, "\n- %s: %s", i.ID, i.State)
		if i.Robot != "" {
			fmt.Fprintf(&b, " (robot %q, msgUuid %s)", i.Robot, i.MsgUUID)
		}
		if i.Position != nil {
			fmt.Fprintf(&b, ", position %d", *i.Position)
		}
		if i.Errcode != nil && i.State != stateDelivered {
			fmt.Fprintf(&b, ", errcode %d", *i.Errcode)
		}
		if i.Errmsg != "" && i.State != stateDelivered {
			fmt.Fprintf(&b, ": %s", i.Errmsg)
		}
		if i.Hint != "" {
			fmt.Fprintf(&b, "; hint: %s", i.Hint)
		}
	}
	return b.String()
}
