// Package history is the one history of sent messages that every face of dingbot shares: what
// `dingbot send`, the MCP server, the composer and the outbox post goes into history.jsonl under
// the state directory, one JSON object a line, with the robot's name and never its webhook,
// token, secret or signature.
//
// The file is append-only: a send appends the message with its status; a later outcome of the
// same message (the outbox delivering it, a resend with the same msgUuid) appends another line,
// and Latest folds the lines of one robot and msgUuid into one entry, the latest status winning.
// Only Delete and Restore rewrite the file, atomically. Lines written before the status existed
// (the composer's own history) read as delivered by the composer. Every change holds a lock file
// beside the history, so processes sharing a state directory never lose each other's lines.
package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk"
)

// FileName is the history's file under the state directory.
const FileName = "history.jsonl"

// Face is the part of dingbot a message was sent from.
type Face string

// The faces.
const (
	FaceComposer Face = "composer"
	FaceCLI      Face = "cli"
	FaceMCP      Face = "mcp"
	FaceOutbox   Face = "outbox"
)

// Status is what became of a message.
type Status string

// The statuses.
const (
	// Delivered: DingTalk accepted it (errcode 0).
	Delivered Status = "delivered"
	// MaybeDelivered: a request went out and no usable answer came back (a timeout, a 5xx): it
	// may have been posted.
	MaybeDelivered Status = "maybe_delivered"
	// Failed: DingTalk refused it (Errcode, Errmsg), or the request never left.
	Failed Status = "failed"
	// Queued: it waits in the outbox.
	Queued Status = "queued"
)

// Label is the status as people say it.
func (s Status) Label() string {
	switch s {
	case MaybeDelivered:
		return "maybe delivered"
	case "":
		return string(Delivered)
	}
	return string(s)
}

// Mark is the status's one-character mark: ✓ delivered, ? maybe delivered, ✗ failed, … queued.
func (s Status) Mark() string {
	switch s {
	case MaybeDelivered:
		return "?"
	case Failed:
		return "✗"
	case Queued:
		return "…"
	}
	return "✓"
}

// Entry is one message in the history. It names the robot, never its webhook or secret.
type Entry struct {
	Time    time.Time        `json:"time"`
	Robot   string           `json:"robot"`
	MsgType dingtalk.MsgType `json:"msgtype"`
	// Message is the message as sent: mentions inserted, keyword appended, msgUuid included.
	Message dingtalk.Message `json:"message"`
	Face    Face             `json:"face,omitempty"`
	Status  Status           `json:"status,omitempty"`
	// Errcode and Errmsg are DingTalk's refusal, or Errmsg alone why no answer came.
	Errcode int    `json:"errcode,omitempty"`
	Errmsg  string `json:"errmsg,omitempty"`
	// Updated is when the status last changed after Time, if it did.
	Updated time.Time `json:"updated,omitzero"`

	// lines are the file's lines Latest folded into this entry, to find them in Delete.
	lines [][]byte
}

// key identifies the lines of one message: its robot and msgUuid; "" without a msgUuid.
func (e Entry) key() string {
	if e.Message.MsgUUID == "" {
		return ""
	}
	return e.Robot + "\x00" + e.Message.MsgUUID
}

// line is one line of the file: an entry, or with Update set, a new status for the entry of
// Robot whose msgUuid is Update.
type line struct {
	Entry
	Update string `json:"update,omitempty"`
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// History is the history file of one state directory. Its methods are safe for concurrent use,
// by goroutines and by processes.
type History struct {
	mu   sync.Mutex
	path string
}

// Open returns the history of state directory dir. Nothing is read or created until used.
func Open(dir string) *History {
	return &History{path: filepath.Join(dir, FileName)}
}

// Path is the history file.
func (h *History) Path() string { return h.path }

// lock holds the history for one change: mu for this process, a lock file for the others.
func (h *History) lock() (unlock func(), err error) {
	h.mu.Lock()
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		h.mu.Unlock()
		return nil, err
	}
	l := flock.New(h.path+".lock", flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		h.mu.Unlock()
		return nil, fmt.Errorf("lock the history: %w", err)
	}
	return func() {
		_ = l.Unlock()
		h.mu.Unlock()
	}, nil
}

// Append adds e to the history. With the msgUuid of an entry already there (same robot), it
// becomes that entry's new status instead of a second entry.
func (h *History) Append(e Entry) error {
	if e.MsgType == "" {
		e.MsgType = e.Message.Type
	}
	data, err := encode(e)
	if err != nil {
		return err
	}
	return h.appendLine(data)
}

// Update records a new status for the entry of robot whose message carries msgUUID (the outbox
// delivering a queued message, say). One no entry has is ignored when read.
func (h *History) Update(robot, msgUUID string, at time.Time, st Status, errcode int, errmsg string) error {
	if msgUUID == "" {
		return errors.New("history: update needs a msgUuid")
	}
	data, err := encode(line{Entry: Entry{Time: at, Robot: robot, Status: st, Errcode: errcode, Errmsg: errmsg}, Update: msgUUID})
	if err != nil {
		return err
	}
	return h.appendLine(data)
}

func (h *History) appendLine(data []byte) error {
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Latest returns the latest n entries (all with n <= 0), newest first, each line of one
// message folded into it. Lines it cannot read are skipped; entries from before statuses were
// recorded read as delivered from the composer.
func (h *History) Latest(n int) ([]Entry, error) {
	f, err := os.Open(h.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		all   []Entry
		byKey = map[string]int{}
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var l line
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		raw := append([]byte(nil), sc.Bytes()...)
		if l.Update != "" {
			l.Message.MsgUUID = l.Update
		} else if l.MsgType == "" {
			continue
		}
		k := l.key()
		if i, ok := byKey[k]; ok && k != "" {
			e := &all[i]
			e.Status, e.Errcode, e.Errmsg, e.Updated = l.Status, l.Errcode, l.Errmsg, l.Time
			e.lines = append(e.lines, raw)
			continue
		}
		if l.Update != "" {
			continue // the entry it updates was deleted, or is not in this file
		}
		e := l.Entry
		if e.Face == "" {
			e.Face = FaceComposer
		}
		if e.Status == "" {
			e.Status = Delivered
		}
		e.lines = [][]byte{raw}
		if k != "" {
			byKey[k] = len(all)
		}
		all = append(all, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	out := make([]Entry, len(all))
	for i, e := range all {
		out[len(all)-1-i] = e
	}
	return out, nil
}

// Delete removes an entry Latest returned, with every line folded into it; one another process
// removed already is no error. The file is rewritten whole, then renamed over the old one: a
// crash leaves either the old history or the new.
func (h *History) Delete(e Entry) error {
	return h.rewrite(func(lines [][]byte) [][]byte {
		out := lines[:0:0]
		for _, l := range lines {
			if !e.owns(l) {
				out = append(out, l)
			}
		}
		return out
	})
}

// owns reports whether a line of the file is one of e's.
func (e Entry) owns(raw []byte) bool {
	for _, mine := range e.lines {
		if bytes.Equal(bytes.TrimRight(mine, "\n"), raw) {
			return true
		}
	}
	var l line
	if json.Unmarshal(raw, &l) != nil {
		return false
	}
	if l.Update != "" {
		l.Message.MsgUUID = l.Update
	}
	if k := e.key(); k != "" {
		return k == l.key()
	}
	if l.Update != "" || l.Robot != e.Robot || !l.Time.Equal(e.Time) {
		return false
	}
	a, _ := l.Message.Encode()
	b, _ := e.Message.Encode()
	return bytes.Equal(a, b)
}

// Restore puts a deleted entry back, as one line with its latest status, after the entries
// sent before it.
func (h *History) Restore(e Entry) error {
	e.lines = nil
	data, err := encode(e)
	if err != nil {
		return err
	}
	data = bytes.TrimRight(data, "\n")
	return h.rewrite(func(lines [][]byte) [][]byte {
		at := len(lines)
		for i := len(lines) - 1; i >= 0; i-- {
			var o line
			if json.Unmarshal(lines[i], &o) == nil && o.Update == "" && !o.Time.After(e.Time) {
				break
			}
			at = i
		}
		out := append([][]byte(nil), lines[:at]...)
		out = append(out, data)
		return append(out, lines[at:]...)
	})
}

// rewrite replaces the history's lines by change(lines), under the lock.
func (h *History) rewrite(change func([][]byte) [][]byte) error {
	unlock, err := h.lock()
	if err != nil {
		return err
	}
	defer unlock()
	data, err := os.ReadFile(h.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	var out bytes.Buffer
	for _, l := range change(lines) {
		out.Write(l)
		out.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".history-*.jsonl")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), h.path); err != nil {
		return fmt.Errorf("rewrite the history: %w", err)
	}
	return nil
}
