package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// Lines the composer wrote before the history was shared (no face, no status) still show, as
// delivered from the composer, beside new ones.
func TestOldLinesStillRead(t *testing.T) {
	dir := t.TempDir()
	old := `{"time":"2025-03-13T14:02:00Z","robot":"ops","msgtype":"markdown","message":{"msgtype":"markdown","markdown":{"title":"周报","text":"# 本周"}}}` + "\n" +
		`not json` + "\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	h := Open(dir)
	if err := h.Append(Entry{Time: t0, Robot: "alerts", Message: dingtalk.NewText("new"), Face: FaceCLI, Status: Failed, Errcode: 310000, Errmsg: "sign not match"}); err != nil {
		t.Fatal(err)
	}
	es, err := h.Latest(0)
	if err != nil || len(es) != 2 {
		t.Fatalf("%+v %v", es, err)
	}
	if e := es[1]; e.Robot != "ops" || e.Face != FaceComposer || e.Status != Delivered || e.Message.Title() != "周报" {
		t.Fatalf("old line: %+v", e)
	}
	if e := es[0]; e.MsgType != dingtalk.TypeText || e.Face != FaceCLI || e.Status != Failed || e.Errcode != 310000 {
		t.Fatalf("new line: %+v", e)
	}
	if es, _ := h.Latest(1); len(es) != 1 || es[0].Robot != "alerts" {
		t.Fatalf("Latest(1): %+v", es)
	}
}

// A queued message and its later fates (a refusal the outbox retries, then its delivery) are
// one entry whose status is the latest; deleting it removes every line of it; restoring brings
// it back with that status.
func TestStatusFollowsTheMsgUUID(t *testing.T) {
	h := Open(t.TempDir())
	q := dingtalk.NewMarkdown("deploy", "done")
	q.MsgUUID = "dingbot-1"
	if err := h.Append(Entry{Time: t0, Robot: "ops", Message: q, Face: FaceCLI, Status: Queued}); err != nil {
		t.Fatal(err)
	}
	if err := h.Append(Entry{Time: t0.Add(time.Second), Robot: "other", Message: dingtalk.NewText("x")}); err != nil {
		t.Fatal(err)
	}
	// The same msgUuid for another robot is another message.
	if err := h.Update("other", "dingbot-1", t0, Failed, 1, "no"); err != nil {
		t.Fatal(err)
	}
	if err := h.Append(Entry{Time: t0.Add(time.Minute), Robot: "ops", Message: q, Face: FaceOutbox, Status: Failed, Errcode: 410100, Errmsg: "send too fast"}); err != nil {
		t.Fatal(err)
	}
	check := func(want Status) Entry {
		t.Helper()
		es, err := h.Latest(0)
		if err != nil || len(es) != 2 {
			t.Fatalf("%+v %v", es, err)
		}
		e := es[1]
		if e.Robot != "ops" || e.Status != want || e.Face != FaceCLI || !e.Time.Equal(t0) {
			t.Fatalf("entry %+v, want status %s", e, want)
		}
		return e
	}
	if e := check(Failed); e.Errcode != 410100 {
		t.Fatalf("errcode %d", e.Errcode)
	}
	if err := h.Update("ops", "dingbot-1", t0.Add(2*time.Minute), Delivered, 0, ""); err != nil {
		t.Fatal(err)
	}
	e := check(Delivered)
	if e.Errcode != 0 || !e.Updated.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after delivery %+v", e)
	}
	if err := h.Delete(e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(h.Path())
	if bytes.Contains(data, []byte(`"robot":"ops"`)) || !bytes.Contains(data, []byte(`"robot":"other"`)) {
		t.Fatalf("after delete:\n%s", data)
	}
	if err := h.Restore(e); err != nil {
		t.Fatal(err)
	}
	check(Delivered)
	if err := h.Update("ops", "", t0, Delivered, 0, ""); err == nil {
		t.Fatal("an update without a msgUuid was accepted")
	}
}

// Every outcome a send can have becomes its status.
func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Status
		code int
	}{
		{nil, Delivered, 0},
		{&dingtalk.APIError{Code: 310000, Message: "sign not match"}, Failed, 310000},
		{&dingtalk.APIError{Code: 400105, Message: "x", Resent: true, MaybeDelivered: true}, MaybeDelivered, 400105},
		{&dingtalk.TransportError{Kind: dingtalk.KindTimeout, Detail: "no answer", MaybeDelivered: true}, MaybeDelivered, 0},
		{&dingtalk.TransportError{Kind: dingtalk.KindConnect, Detail: "refused"}, Failed, 0},
		{fmt.Errorf("wrapped: %w", &dingtalk.TransportError{Kind: dingtalk.KindBadResponse, Status: 502, MaybeDelivered: true}), MaybeDelivered, 0},
		{errors.New("other"), Failed, 0},
	} {
		st, code, _ := Outcome(c.err)
		if st != c.want || code != c.code {
			t.Errorf("%v: %s %d, want %s %d", c.err, st, code, c.want, c.code)
		}
	}
}

// Two processes appending at once keep every line whole.
func TestConcurrentProcessesKeepEveryLine(t *testing.T) {
	if dir := os.Getenv("DINGBOT_HISTORY_HELPER"); dir != "" {
		h := Open(dir)
		body := strings.Repeat("长文本 ", 1500) // lines far over a pipe's atomic write size
		for i := range 100 {
			if err := h.Append(Entry{Time: time.Now(), Robot: os.Getenv("DINGBOT_HISTORY_ROBOT"), Message: dingtalk.NewText(body + strconv.Itoa(i))}); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for _, robot := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcessesKeepEveryLine$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DINGBOT_HISTORY_HELPER="+dir, "DINGBOT_HISTORY_ROBOT="+robot)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	// Meanwhile this process deletes and restores, which rewrites the file.
	h := Open(dir)
	for range 20 {
		es, _ := h.Latest(0)
		if len(es) > 0 {
			if err := h.Delete(es[len(es)-1]); err != nil {
				t.Fatal(err)
			}
			if err := h.Restore(es[len(es)-1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	es, err := h.Latest(0)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range es {
		n[e.Robot]++
	}
	data, _ := os.ReadFile(h.Path())
	if n["a"] != 100 || n["b"] != 100 || bytes.Count(data, []byte("\n")) != 200 {
		t.Fatalf("entries per robot %v, %d lines", n, bytes.Count(data, []byte("\n")))
	}
}

// The recorder keeps the robot's name, the message with its msgUuid, the face and the outcome.
func TestRecorderRecordsTheOutcome(t *testing.T) {
	h := Open(t.TempDir())
	rec := h.Recorder(func() Face { return FaceMCP }, func() time.Time { return t0 }, func(err error) { t.Error(err) })
	m := dingtalk.NewText("hi")
	m.MsgUUID = "dingbot-2"
	rec(context.Background(), "ops", m, &dingtalk.TransportError{Kind: dingtalk.KindTimeout, Detail: "no answer within the timeout of 1s", MaybeDelivered: true})
	es, err := h.Latest(0)
	if err != nil || len(es) != 1 || es[0].Status != MaybeDelivered || es[0].Face != FaceMCP || es[0].Message.MsgUUID != "dingbot-2" || !strings.Contains(es[0].Errmsg, "timeout") {
		t.Fatalf("%+v %v", es, err)
	}
}
