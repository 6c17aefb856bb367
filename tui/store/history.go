package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk"
)

// Entry is one sent message in the history. It names the robot, never its webhook or secret.
type Entry struct {
	Time    time.Time        `json:"time"`
	Robot   string           `json:"robot"`
	MsgType dingtalk.MsgType `json:"msgtype"`
	Message dingtalk.Message `json:"message"`

	// line is the entry as Latest read it from the file, to find it again in Delete.
	line []byte
}

// MaxHistory is how many of the latest entries Latest reads.
const MaxHistory = 500

// encode is the entry's line in the history file.
func (e Entry) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lockHistory holds the history for one change: histMu for this composer, a lock file for the
// others sharing the state directory (Delete rewrites the file, which must not lose an Append
// made meanwhile by another composer). unlock releases both.
func (s *Store) lockHistory() (unlock func(), err error) {
	s.histMu.Lock()
	if err := os.MkdirAll(filepath.Dir(s.history), 0o700); err != nil {
		s.histMu.Unlock()
		return nil, err
	}
	l := flock.New(s.history+".lock", flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		s.histMu.Unlock()
		return nil, fmt.Errorf("lock the history: %w", err)
	}
	return func() {
		_ = l.Unlock()
		s.histMu.Unlock()
	}, nil
}

// Append adds a sent message to the history.
func (s *Store) Append(e Entry) error {
	line, err := e.encode()
	if err != nil {
		return err
	}
	unlock, err := s.lockHistory()
	if err != nil {
		return err
	}
	defer unlock()
	f, err := os.OpenFile(s.history, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Latest returns the latest MaxHistory entries, newest first; lines it cannot read are skipped.
func (s *Store) Latest() ([]Entry, error) {
	s.histMu.Lock()
	defer s.histMu.Unlock()
	f, err := os.Open(s.history)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.MsgType != "" {
			e.line = append([]byte(nil), sc.Bytes()...)
			all = append(all, e)
			if len(all) > 2*MaxHistory {
				all = append(all[:0], all[len(all)-MaxHistory:]...)
			}
		}
	}
	if len(all) > MaxHistory {
		all = all[len(all)-MaxHistory:]
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, sc.Err()
}

// Delete removes an entry Latest returned from the history; one another composer removed
// already is no error. The file is rewritten whole, then renamed over the old one: a crash
// leaves either the old history or the new.
func (s *Store) Delete(e Entry) error {
	want := bytes.TrimRight(e.line, "\n")
	if len(want) == 0 {
		line, err := e.encode()
		if err != nil {
			return err
		}
		want = bytes.TrimRight(line, "\n")
	}
	return s.rewriteHistory(func(lines [][]byte) [][]byte {
		for i, l := range lines {
			if bytes.Equal(l, want) {
				return append(lines[:i:i], lines[i+1:]...)
			}
		}
		return lines
	})
}

// Restore puts a deleted entry back where it was: after the entries sent before it.
func (s *Store) Restore(e Entry) error {
	line := bytes.TrimRight(e.line, "\n")
	if len(line) == 0 {
		l, err := e.encode()
		if err != nil {
			return err
		}
		line = bytes.TrimRight(l, "\n")
	}
	return s.rewriteHistory(func(lines [][]byte) [][]byte {
		at := len(lines)
		for i := len(lines) - 1; i >= 0; i-- {
			var o Entry
			if json.Unmarshal(lines[i], &o) == nil && !o.Time.After(e.Time) {
				break
			}
			at = i
		}
		out := append([][]byte(nil), lines[:at]...)
		out = append(out, line)
		return append(out, lines[at:]...)
	})
}

// rewriteHistory replaces the history's lines by change(lines), under the history's locks.
func (s *Store) rewriteHistory(change func([][]byte) [][]byte) error {
	unlock, err := s.lockHistory()
	if err != nil {
		return err
	}
	defer unlock()
	data, err := os.ReadFile(s.history)
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
	tmp, err := os.CreateTemp(filepath.Dir(s.history), ".history-*.jsonl")
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
	if err := os.Rename(tmp.Name(), s.history); err != nil {
		return fmt.Errorf("rewrite the history: %w", err)
	}
	return nil
}
