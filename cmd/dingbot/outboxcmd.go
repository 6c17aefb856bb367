package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/history"
)

// outboxFlags are the flags every `dingbot outbox` command shares.
type outboxFlags struct {
	jsonOut bool
}

func newOutboxCmd(g *globalFlags, s streams) *cobra.Command {
	of := &outboxFlags{}
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "See and steer the messages waiting for delivery (send --queue)",
		Long: `The outbox holds messages accepted with 'dingbot send --queue' (and by the MCP server, the
composer and the relay, 'dingbot serve') until DingTalk can take them: a free rate-limit slot (20 a minute per robot), the end of
a pause (DingTalk throttles a robot that sent too fast for 10 minutes), a new month when a quota
is used up. Each keeps the msgUuid it was given when queued, so a resend after a crash or a
timeout is posted once.

A long-running dingbot (the MCP server, the composer, 'outbox drain --wait') delivers while it
runs; 'send --queue' starts a drainer in the background when it queues. One drainer works on a
robot at a time, across processes (and hosts, with Redis).

States: queued (waiting its turn, Due says when), sending, sent, failed (DingTalk refused it;
the reason and hint say why), unknown (it may have been posted and its retries are spent: it is
never resent blindly; 'outbox retry ID' resends it with its msgUuid). A relay route with a
digest adds two: held (kept for the route's digest, Due says when its summary is queued) and
digested (it went out inside that summary; show names the summary's job). Finished messages
are kept 30 days.`,
		Args: subcommandArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listOutbox(cmd.Context(), g, of, s, "", false)
		},
	}
	cmd.PersistentFlags().BoolVar(&of.jsonOut, "json", false, "print JSON instead of a table")

	var (
		robot string
		all   bool
	)
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List queued, sending, failed and recently delivered messages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listOutbox(cmd.Context(), g, of, s, robot, all)
		},
	}
	ls.Flags().StringVar(&robot, "robot", "", "only this robot's messages")
	ls.Flags().BoolVar(&all, "all", false, "every kept message, not only the last day's finished ones")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one message: its state, reason, msgUuid and body",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return outboxJob(cmd.Context(), g, of, s, args[0], func(ctx context.Context, ob *delivery.Outbox, id string) (delivery.Job, error) {
				return ob.Store().Get(ctx, id)
			})
		},
	}
	retry := &cobra.Command{
		Use:   "retry ID",
		Short: "Queue a failed or unknown message again, with its msgUuid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return outboxJob(cmd.Context(), g, of, s, args[0], func(ctx context.Context, ob *delivery.Outbox, id string) (delivery.Job, error) {
				j, err := ob.Retry(ctx, id)
				if err == nil {
					startBackgroundDrainer(g, s)
				}
				return j, err
			})
		},
	}
	drop := &cobra.Command{
		Use:   "drop ID",
		Short: "Remove a message that has not been sent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return outboxJob(cmd.Context(), g, of, s, args[0], func(ctx context.Context, ob *delivery.Outbox, id string) (delivery.Job, error) {
				j, err := ob.Store().Get(ctx, id)
				if err != nil {
					return j, err
				}
				if j.State == delivery.Sent {
					return j, usagef("%s was delivered already: there is nothing to drop", id)
				}
				j, err = ob.Drop(ctx, id)
				if err == nil && !of.jsonOut {
					fmt.Fprintf(s.err, "dingbot: dropped %s (it was %s); nothing more will be sent for it\n", id, j.State)
				}
				return j, err
			})
		},
	}
	var (
		wait       bool
		maxWait    time.Duration
		quiet      bool
		background bool
	)
	drain := &cobra.Command{
		Use:   "drain",
		Short: "Deliver what is queued now (--wait: until the outbox is empty)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if background {
				// The drainer send --queue starts: one per state directory is enough.
				if lock := backgroundLock(); lock != nil {
					if held, err := lock.TryLock(); err == nil && !held {
						return nil
					}
					defer lock.Unlock()
				}
			}
			return drainOutbox(cmd.Context(), g, of, s, wait, maxWait, quiet)
		},
	}
	drain.Flags().BoolVar(&wait, "wait", false, "keep delivering, at DingTalk's pace, until nothing is queued")
	drain.Flags().DurationVar(&maxWait, "max-wait", 0, "with --wait: give up after this long (0: no limit); what is left stays queued")
	drain.Flags().BoolVar(&quiet, "quiet", false, "print nothing but errors")
	drain.Flags().BoolVar(&background, "background", false, "end at once if another background drainer runs for this state directory")
	_ = drain.Flags().MarkHidden("background")
	cmd.AddCommand(ls, show, retry, drop, drain)
	return cmd
}

// openOutbox loads the app and its outbox for an outbox command.
func openOutbox(ctx context.Context, g *globalFlags, logf func(string, ...any)) (*app, *delivery.Outbox, error) {
	a, err := loadAppWith(ctx, *g, sandboxNever)
	if err != nil {
		return nil, nil, err
	}
	a.face = history.FaceOutbox
	ob, err := a.outbox(delivery.Options{Logf: logf})
	if err != nil {
		return nil, nil, err
	}
	return a, ob, nil
}

// outboxJSON is one job as `outbox --json` prints it: no message body but its type and title.
type outboxJSON struct {
	ID             string    `json:"id"`
	Robot          string    `json:"robot"`
	State          string    `json:"state"`
	MsgUUID        string    `json:"msg_uuid"`
	Msgtype        string    `json:"msgtype"`
	Title          string    `json:"title,omitempty"`
	Part           int       `json:"part,omitempty"`
	Parts          int       `json:"parts,omitempty"`
	Group          string    `json:"group,omitempty"`
	Attempts       int       `json:"attempts"`
	MaybeDelivered bool      `json:"maybe_delivered,omitempty"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	Due            time.Time `json:"due,omitzero"`
	Errcode        *int      `json:"errcode,omitempty"`
	Digest         string    `json:"digest,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	Hint           string    `json:"hint,omitempty"`
	Message        any       `json:"message,omitempty"`
}

func jobJSON(j delivery.Job, withBody bool) outboxJSON {
	o := outboxJSON{
		ID: j.ID, Robot: j.Robot, State: string(j.State), MsgUUID: j.MsgUUID, Msgtype: string(j.Msg.Type),
		Title: jobTitle(j), Part: j.Part, Parts: j.Parts, Group: j.Group, Attempts: j.Attempts,
		MaybeDelivered: j.MaybeDelivered, Created: j.Created, Updated: j.Updated, Errcode: j.Errcode,
		Reason: j.Error, Hint: j.Hint, Digest: j.Digest,
	}
	if j.State == delivery.Queued || j.State == delivery.Held {
		o.Due = j.Due
	}
	if withBody {
		o.Message = j.Msg
	}
	return o
}

// jobTitle is what the chat list would show for j: its title, or the start of its text.
func jobTitle(j delivery.Job) string {
	m := j.Msg
	var t string
	switch {
	case m.Markdown != nil:
		t = m.Markdown.Title
	case m.Link != nil:
		t = m.Link.Title
	case m.ActionCard != nil:
		t = m.ActionCard.Title
	case m.Text != nil:
		t = m.Text.Content
	case m.FeedCard != nil && len(m.FeedCard.Links) > 0:
		t = m.FeedCard.Links[0].Title
	}
	t = strings.Join(strings.Fields(t), " ")
	return config.SafeName(truncate(t, 40))
}

func listOutbox(ctx context.Context, g *globalFlags, of *outboxFlags, s streams, robot string, all bool) error {
	_, ob, err := openOutbox(ctx, g, nil)
	if err != nil {
		return outboxFail(s, of, err)
	}
	jobs, err := ob.Store().List(ctx, delivery.Filter{Robot: robot})
	if err != nil {
		return outboxFail(s, of, err)
	}
	cutoff := time.Now().Add(-24 * time.Hour)
	var shown []delivery.Job
	for _, j := range jobs {
		if all || !j.State.Finished() || j.Updated.After(cutoff) {
			shown = append(shown, j)
		}
	}
	if of.jsonOut {
		out := make([]outboxJSON, len(shown))
		for i, j := range shown {
			out[i] = jobJSON(j, false)
		}
		return writeJSON(s.out, out)
	}
	if len(shown) == 0 {
		fmt.Fprintln(s.err, "the outbox is empty (dingbot send --queue adds to it)")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROBOT\tSTATE\tWHEN\tTITLE\tMSGUUID\tREASON")
	now := time.Now()
	behind := queueDue(jobs)
	for _, j := range shown {
		title := jobTitle(j)
		if d, ok := behind[j.ID]; ok {
			j.Due = d // it goes after the jobs ahead of it in its robot's queue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, config.SafeName(j.Robot), j.State, jobWhen(j, now), title, j.MsgUUID, truncate(j.Error, 60))
	}
	return tw.Flush()
}

// queueDue gives the queued jobs that wait behind a later-due job of their robot (a pause, a
// retry's backoff, a quota on the head of the queue) the time they can go at the earliest: a
// robot's messages go in order, so none is due before the one ahead of it.
func queueDue(jobs []delivery.Job) map[string]time.Time {
	byKey := map[string][]delivery.Job{}
	for _, j := range jobs {
		if j.State == delivery.Queued || j.State == delivery.Sending {
			byKey[j.Key] = append(byKey[j.Key], j)
		}
	}
	out := map[string]time.Time{}
	for _, q := range byKey {
		slices.SortFunc(q, func(a, b delivery.Job) int { return cmp.Compare(a.Seq, b.Seq) })
		var ahead time.Time
		for _, j := range q {
			if ahead.After(j.Due) {
				out[j.ID] = ahead
			} else {
				ahead = j.Due
			}
		}
	}
	return out
}

// jobWhen says when a queued job is due (a held one: when its digest's summary is queued), or
// when a finished one ended.
func jobWhen(j delivery.Job, now time.Time) string {
	if j.State == delivery.Queued || j.State == delivery.Held {
		if !j.Due.After(now) {
			return "now"
		}
		return "in " + j.Due.Sub(now).Round(time.Second).String()
	}
	return j.Updated.Local().Format("Jan 2 15:04:05")
}

func outboxJob(ctx context.Context, g *globalFlags, of *outboxFlags, s streams, id string, act func(context.Context, *delivery.Outbox, string) (delivery.Job, error)) error {
	_, ob, err := openOutbox(ctx, g, nil)
	if err != nil {
		return outboxFail(s, of, err)
	}
	j, err := act(ctx, ob, id)
	if errors.Is(err, delivery.ErrNotFound) {
		err = usagef("no message %q in the outbox (dingbot outbox ls --all lists them)", config.SafeName(id))
	}
	if err != nil {
		return outboxFail(s, of, err)
	}
	if of.jsonOut {
		return writeJSON(s.out, jobJSON(j, true))
	}
	writeJob(s.out, j)
	return nil
}

// outboxFail reports an outbox command's failure: with --json as one object on stdout, as
// `send --json` does, else on stderr.
func outboxFail(s streams, of *outboxFlags, err error) error {
	if !of.jsonOut {
		return err
	}
	_ = writeJSON(s.out, map[string]any{"ok": false, "error": errorKind(err), "errmsg": err.Error(), "hint": localHint(err, "")})
	return exitError{code: exitCode(err)}
}

func writeJob(w io.Writer, j delivery.Job) {
	fmt.Fprintf(w, "id:        %s\nrobot:     %s\nstate:     %s\nmsgUuid:   %s\ntype:      %s\n", j.ID, config.SafeName(j.Robot), j.State, j.MsgUUID, j.Msg.Type)
	if j.Parts > 1 {
		fmt.Fprintf(w, "part:      %d of %d (group %s)\n", j.Part, j.Parts, j.Group)
	}
	fmt.Fprintf(w, "attempts:  %d\nqueued:    %s\nupdated:   %s\n", j.Attempts, j.Created.Local().Format(time.RFC3339), j.Updated.Local().Format(time.RFC3339))
	switch j.State {
	case delivery.Queued:
		fmt.Fprintf(w, "due:       %s\n", j.Due.Local().Format(time.RFC3339))
	case delivery.Held:
		fmt.Fprintf(w, "digest at: %s (held for its route's digest summary)\n", j.Due.Local().Format(time.RFC3339))
	}
	if j.Digest != "" && j.State == delivery.Digested {
		fmt.Fprintf(w, "digest:    went out in the summary %s\n", j.Digest)
	}
	if j.Errcode != nil {
		fmt.Fprintf(w, "errcode:   %d\n", *j.Errcode)
	}
	if j.Error != "" {
		fmt.Fprintf(w, "reason:    %s\n", j.Error)
	}
	if j.Hint != "" {
		fmt.Fprintf(w, "hint:      %s\n", j.Hint)
	}
	if j.MaybeDelivered && (j.State == delivery.Unknown || j.State == delivery.Queued || j.State == delivery.Sending) {
		fmt.Fprintln(w, "note:      a request went out and got no answer: it may have been posted")
	}
	body, _ := j.Msg.Encode()
	fmt.Fprintf(w, "\n%s\n", body)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// drainOutbox delivers what can go now, or with wait until nothing is queued, and reports what
// this drain delivered and what ended failed or unknown (exit 1 if any did).
func drainOutbox(ctx context.Context, g *globalFlags, of *outboxFlags, s streams, wait bool, maxWait time.Duration, quiet bool) error {
	logf := func(format string, args ...any) {
		if !quiet && !of.jsonOut {
			fmt.Fprintf(s.err, "dingbot: "+format+"\n", args...)
		}
	}
	_, ob, err := openOutbox(ctx, g, logf)
	if err != nil {
		return err
	}
	if maxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, maxWait)
		defer cancel()
	}
	var (
		mu    sync.Mutex
		ended = map[string]delivery.Job{} // what this drain finished, by id
	)
	subCtx, stopSub := context.WithCancel(context.WithoutCancel(ctx))
	events := ob.Subscribe(subCtx)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for j := range events {
			if j.State.Finished() {
				mu.Lock()
				ended[j.ID] = j
				mu.Unlock()
			}
		}
	}()
	var left []delivery.Job
	for {
		next, err := ob.DrainOnce(ctx)
		if err != nil && ctx.Err() == nil {
			logf("%v", err)
		}
		var lerr error
		left, lerr = ob.Store().List(context.WithoutCancel(ctx), delivery.Filter{States: []delivery.State{delivery.Queued, delivery.Sending}})
		if lerr != nil {
			stopSub()
			return lerr
		}
		if len(left) == 0 || !wait || ctx.Err() != nil {
			break
		}
		pause := time.Second
		if !next.IsZero() {
			pause = min(max(time.Until(next), 20*time.Millisecond), pause)
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	stopSub()
	<-collected
	var done []delivery.Job
	for _, j := range ended {
		done = append(done, j)
	}
	slices.SortFunc(done, func(a, b delivery.Job) int { return a.Updated.Compare(b.Updated) })
	return reportDrain(s, of, done, left, quiet)
}

// drainJSON is what `outbox drain --json` prints.
type drainJSON struct {
	OK        bool         `json:"ok"`
	Delivered []outboxJSON `json:"delivered"`
	Failed    []outboxJSON `json:"failed"`
	Queued    int          `json:"queued"`
	Jobs      []outboxJSON `json:"jobs"`
}

func reportDrain(s streams, of *outboxFlags, done, left []delivery.Job, quiet bool) error {
	var delivered, failed []delivery.Job
	for _, j := range done {
		if j.State == delivery.Sent {
			delivered = append(delivered, j)
		} else {
			failed = append(failed, j)
		}
	}
	var result error
	if len(failed) > 0 {
		result = exitError{code: exitRefused}
	}
	if of.jsonOut {
		out := drainJSON{OK: len(failed) == 0, Delivered: []outboxJSON{}, Failed: []outboxJSON{}, Queued: len(left), Jobs: []outboxJSON{}}
		for _, j := range delivered {
			out.Delivered = append(out.Delivered, jobJSON(j, false))
		}
		for _, j := range failed {
			out.Failed = append(out.Failed, jobJSON(j, false))
		}
		for _, j := range left {
			out.Jobs = append(out.Jobs, jobJSON(j, false))
		}
		if err := writeJSON(s.out, out); err != nil {
			return err
		}
		return result
	}
	for _, j := range failed {
		fmt.Fprintf(s.err, "dingbot: %s to robot %s ended %s: %s\n", j.ID, config.SafeName(j.Robot), j.State, j.Error)
		if j.Hint != "" {
			fmt.Fprintf(s.err, "  hint: %s\n", j.Hint)
		}
	}
	if quiet {
		return result
	}
	summary := fmt.Sprintf("delivered %d", len(delivered))
	if len(failed) > 0 {
		summary += fmt.Sprintf(", %d failed or unknown", len(failed))
	}
	if len(left) == 0 {
		fmt.Fprintf(s.out, "%s; nothing is queued (dingbot outbox ls shows them)\n", summary)
		return result
	}
	next := left[0].Due
	for _, j := range left {
		if j.Due.Before(next) {
			next = j.Due
		}
	}
	fmt.Fprintf(s.out, "%s; %d still queued, the next due %s (dingbot outbox ls shows why)\n", summary, len(left), jobWhen(delivery.Job{State: delivery.Queued, Due: next}, time.Now()))
	return result
}

// quotaLine says a robot's month for `dingbot robots`.
func quotaLine(u *dingtalk.QuotaUsage) string {
	switch {
	case u == nil:
		return "?"
	case u.Limit > 0:
		return fmt.Sprintf("%d/%d", u.Used, u.Limit)
	}
	return fmt.Sprint(u.Used)
}
