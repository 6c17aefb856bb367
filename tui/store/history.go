package store

import (
	"github.com/dingbot/dingbot/dingtalk/history"
)

// Entry is one message in the shared history (see dingtalk/history): robot name, message as
// sent, face and status. It never holds a webhook or a secret.
type Entry = history.Entry

// MaxHistory is how many of the latest entries Latest reads.
const MaxHistory = 500

// History is the shared history of sent messages under the store's state directory: every face
// of dingbot writes it (through dingtalk.Client.Posted), the composer reads it.
func (s *Store) History() *history.History { return s.hist }

// Append adds a message to the history.
func (s *Store) Append(e Entry) error { return s.hist.Append(e) }

// Latest returns the latest MaxHistory entries, newest first; lines it cannot read are skipped.
func (s *Store) Latest() ([]Entry, error) { return s.hist.Latest(MaxHistory) }

// Delete removes an entry Latest returned from the history; one removed already is no error.
func (s *Store) Delete(e Entry) error { return s.hist.Delete(e) }

// Restore puts a deleted entry back where it was: after the entries sent before it.
func (s *Store) Restore(e Entry) error { return s.hist.Restore(e) }
