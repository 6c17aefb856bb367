package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/history"
)

// currentFace is the face this process files its sends as.
func (a *app) currentFace() history.Face { return a.face }

// recordingStore is the outbox's store, filing in the history what is queued (from the face
// that queued it) and what becomes of it: delivered, failed, maybe delivered, dropped. The
// client files each delivery attempt too; both fold into one entry by the msgUuid.
type recordingStore struct {
	delivery.Store
	h    *history.History
	face func() history.Face
}

func (s recordingStore) Add(ctx context.Context, jobs ...delivery.Job) ([]delivery.Job, error) {
	stored, err := s.Store.Add(ctx, jobs...)
	if err != nil {
		return stored, err
	}
	for _, j := range stored {
		// A message held for a relay's digest is never posted alone: the history files the
		// summary that carries it, when the summary is queued.
		if j.State.Finished() || j.State == delivery.Held || j.MsgUUID == "" {
			continue
		}
		m := j.Msg
		m.MsgUUID = j.MsgUUID
		_ = s.h.Append(history.Entry{Time: j.Created, Robot: j.Robot, MsgType: m.Type, Message: m, Face: s.face(), Status: history.Queued})
	}
	return stored, nil
}

func (s recordingStore) Update(ctx context.Context, j delivery.Job) error {
	if err := s.Store.Update(ctx, j); err != nil {
		return err
	}
	code := 0
	if j.Errcode != nil {
		code = *j.Errcode
	}
	switch j.State {
	case delivery.Sent:
		s.update(j, history.Delivered, 0, "")
	case delivery.Failed:
		s.update(j, history.Failed, code, j.Error)
	case delivery.Unknown:
		s.update(j, history.MaybeDelivered, code, j.Error)
	case delivery.Queued:
		if j.Attempts > 0 || j.MaybeDelivered {
			// Back in the queue after an attempt (a retry, `outbox retry`): waiting again.
			s.update(j, history.Queued, code, j.Error)
		}
	}
	return nil
}

func (s recordingStore) Delete(ctx context.Context, id string) error {
	j, gerr := s.Store.Get(ctx, id)
	if err := s.Store.Delete(ctx, id); err != nil {
		return err
	}
	if gerr == nil && !j.State.Finished() {
		j.Updated = time.Now()
		s.update(j, history.Failed, 0, "dropped from the outbox before it was delivered")
	}
	return nil
}

// update files j's new status; the history failing never fails the outbox.
func (s recordingStore) update(j delivery.Job, st history.Status, code int, msg string) {
	if j.MsgUUID != "" {
		_ = s.h.Update(j.Robot, j.MsgUUID, j.Updated, st, code, msg)
	}
}

// historyJSON is one entry as `dingbot history --json` prints it.
type historyJSON struct {
	Time    time.Time `json:"time"`
	Robot   string    `json:"robot"`
	Face    string    `json:"face"`
	Status  string    `json:"status"`
	Errcode int       `json:"errcode,omitempty"`
	Errmsg  string    `json:"errmsg,omitempty"`
	Msgtype string    `json:"msgtype"`
	Title   string    `json:"title"`
	MsgUUID string    `json:"msg_uuid,omitempty"`
}

func newHistoryCmd(s streams) *cobra.Command {
	var (
		jsonOut bool
		n       int
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the messages sent from every face (send, the MCP server, the composer, the outbox), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 0 {
				return usagef("-n %d: give a count of 1 or more, or 0 for all", n)
			}
			dir, err := config.StateDir()
			if err != nil {
				return fmt.Errorf("find the state directory: %w", err)
			}
			es, err := history.Open(dir).Latest(n)
			if err != nil {
				return fmt.Errorf("read the history: %w", err)
			}
			if jsonOut {
				out := make([]historyJSON, len(es))
				for i, e := range es {
					out[i] = historyJSON{Time: e.Time, Robot: config.SafeName(e.Robot), Face: string(e.Face), Status: string(e.Status),
						Errcode: e.Errcode, Errmsg: e.Errmsg, Msgtype: string(e.MsgType), Title: entryTitle(e), MsgUUID: e.Message.MsgUUID}
				}
				return writeJSON(s.out, out)
			}
			if len(es) == 0 {
				fmt.Fprintln(s.err, "nothing sent yet")
				return nil
			}
			tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tROBOT\tSTATUS\tFACE\tTYPE\tTITLE")
			for _, e := range es {
				st := e.Status.Mark() + " " + e.Status.Label()
				if e.Errcode != 0 {
					st += fmt.Sprintf(" (errcode %d)", e.Errcode)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05"), config.SafeName(e.Robot), st, e.Face, e.MsgType, entryTitle(e))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print a JSON array")
	cmd.Flags().IntVarP(&n, "number", "n", 20, "how many of the latest messages to list (0: all)")
	return cmd
}

// entryTitle is an entry's title, or the start of its text, on one line.
func entryTitle(e history.Entry) string {
	return jobTitle(delivery.Job{Msg: e.Message})
}
