package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// Entry is one sent message in the history. It names the robot, never its webhook or secret.
type Entry struct {
	Time    time.Time        `json:"time"`
	Robot   string           `json:"robot"`
	MsgType dingtalk.MsgType `json:"msgtype"`
	Message dingtalk.Message `json:"message"`
}

// MaxHistory is how many of the latest entries Latest reads.
const MaxHistory = 500

// Append adds a sent message to the history.
func (s *Store) Append(e Entry) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	s.histMu.Lock()
	defer s.histMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.history), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(s.history, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
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
