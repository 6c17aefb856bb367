// Package store keeps the composer's state on disk: one composer's draft (locked, so that two
// composers never write each other's), the drafts kept when something replaced them, and the
// history of sent messages. It knows nothing of Bubble Tea: the composer calls it from commands.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/history"
)

// maxComposers is how many composers can keep a draft each in one state directory.
const maxComposers = 9

// maxKept is how many replaced drafts are kept; older ones are removed.
const maxKept = 20

// keptDir is the folder under the state directory holding replaced drafts.
const keptDir = "drafts-kept"

// Store keeps one composer's draft file, the kept drafts and the history under a state
// directory. A composer holds a lock on its draft file for as long as it runs: the first takes
// draft.json, a second one at the same time draft-2.json, and so on, so two composers never
// write each other's draft. Saves may finish out of order (each runs in its own command): an
// older one never overwrites a newer one. Its methods are safe for concurrent use.
type Store struct {
	mu   sync.Mutex
	dir  string
	path string
	slot int
	lock *flock.Flock
	last int
	// blocked is why the draft must not be written (a damaged draft that could not be moved
	// aside): saves fail with it rather than overwrite what is there.
	blocked error
	// hist is the history of sent messages all faces share.
	hist *history.History
}

// Open returns the store of state directory dir. Nothing is read or created until used.
func Open(dir string) *Store {
	return &Store{dir: dir, path: draftPath(dir, 1), slot: 1, hist: history.Open(dir)}
}

// draftPath is the draft file of composer slot n: draft.json, draft-2.json, …
func draftPath(dir string, n int) string {
	if n <= 1 {
		return filepath.Join(dir, "draft.json")
	}
	return filepath.Join(dir, "draft-"+strconv.Itoa(n)+".json")
}

func lockPath(dir string, n int) string {
	return strings.TrimSuffix(draftPath(dir, n), ".json") + ".lock"
}

// newStateError ties a failure to the state directory, with the fix.
func newStateError(dir, op string, err error) *dingtalk.StateError {
	var se *dingtalk.StateError
	if errors.As(err, &se) {
		return se
	}
	return &dingtalk.StateError{Dir: dir, Op: op, Err: err}
}

// Claim locks the first draft file no other running composer holds and makes it this store's.
// It returns the slot (1 is draft.json). Without a lock nothing is claimed and saves still go to
// draft.json: the error says why (an unwritable state directory, usually).
func (s *Store) Claim() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock != nil {
		return s.slot, nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return 1, newStateError(s.dir, "create", err)
	}
	for n := 1; n <= maxComposers; n++ {
		l := flock.New(lockPath(s.dir, n), flock.SetPermissions(0o600))
		ok, err := l.TryLock()
		if err != nil {
			return 1, newStateError(s.dir, "lock", err)
		}
		if ok {
			s.lock, s.slot, s.path = l, n, draftPath(s.dir, n)
			return n, nil
		}
	}
	return 1, newStateError(s.dir, "lock", fmt.Errorf("%d composers already have a draft open here", maxComposers))
}

// Release gives up the draft file, for the next composer; the composer calls it on the way out.
func (s *Store) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock != nil {
		_ = s.lock.Unlock()
		s.lock = nil
	}
}

// Name is the draft file's name, for messages.
func (s *Store) Name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filepath.Base(s.path)
}

func encodeDraft(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes d unless a newer save (a higher seq) already did. Failures are StateErrors.
func (s *Store) Save(seq int, d Draft) error {
	data, err := encodeDraft(d)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq < s.last {
		return nil
	}
	s.last = seq
	if s.blocked != nil {
		return newStateError(s.dir, "write", s.blocked)
	}
	if err := config.WriteFile(s.path, data, 0o600); err != nil {
		return newStateError(s.dir, "write", err)
	}
	return nil
}

// ErrDamaged says the draft file is there but is damaged: not a draft that can be read.
var ErrDamaged = errors.New("damaged")

// Load reads the draft file: fs.ErrNotExist when there is none, ErrDamaged when it cannot be
// read as a draft.
func (s *Store) Load() (*Draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, err
	}
	var d Draft
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return &d, nil
}

// MoveAside renames a draft file that cannot be read to draft.damaged-<time>.json, so that
// nothing ever writes over it, and says where it went. If it cannot be moved, saving is blocked.
func (s *Store) MoveAside(now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := strings.TrimSuffix(filepath.Base(s.path), ".json")
	aside := filepath.Join(s.dir, base+".damaged-"+now.Format("20060102-150405")+".json")
	for i := 2; fileExists(aside); i++ {
		aside = filepath.Join(s.dir, fmt.Sprintf("%s.damaged-%s-%d.json", base, now.Format("20060102-150405"), i))
	}
	if err := os.Rename(s.path, aside); err != nil {
		s.blocked = fmt.Errorf("the unreadable draft %s could not be moved aside, so it is not written over: %w", s.path, err)
		return "", newStateError(s.dir, "move", err)
	}
	return aside, nil
}

// Exists reports whether the draft file is there, readable or not.
func (s *Store) Exists() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fileExists(s.path)
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Keep copies the draft file to draft.previous.json before a file replaces it, and says where.
func (s *Store) Keep() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	if err != nil {
		return "", err
	}
	kept := filepath.Join(s.dir, "draft.previous.json")
	if err := config.WriteFile(kept, data, 0o600); err != nil {
		return "", newStateError(s.dir, "write", err)
	}
	return kept, nil
}

// Kept is an unsent draft that something replaced (a new message, a message reopened from the
// history, a file), or the draft of a composer that is no longer running.
type Kept struct {
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	Draft  Draft     `json:"draft"`
	// File is where it is; Other, when not 0, is the slot of the other composer whose draft
	// file it is (not a kept one).
	File  string `json:"-"`
	Other int    `json:"-"`
}

// KeepReplaced adds a replaced draft to the kept ones, dropping the oldest past maxKept.
func (s *Store) KeepReplaced(d Draft, reason string, now time.Time) error {
	data, err := encodeDraft(Kept{Time: now, Reason: reason, Draft: d})
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, keptDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return newStateError(s.dir, "create", err)
	}
	// A name of its own, in time order: reserved with O_EXCL, then written atomically.
	stamp := now.UTC().Format("20060102T150405.000000000")
	var path string
	for i := 0; ; i++ {
		path = filepath.Join(dir, fmt.Sprintf("%s-%03d.json", stamp, i))
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_ = f.Close()
			break
		}
		if !errors.Is(err, fs.ErrExist) || i > 999 {
			return newStateError(s.dir, "write", err)
		}
	}
	if err := config.WriteFile(path, data, 0o600); err != nil {
		_ = os.Remove(path)
		return newStateError(s.dir, "write", err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(names)
	for len(names) > maxKept {
		_ = os.Remove(names[0])
		names = names[1:]
	}
	return nil
}

// ListKept returns the kept drafts, newest first, then the drafts of composers that are no
// longer running (draft-2.json, … whose lock is free).
func (s *Store) ListKept() ([]Kept, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, keptDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	var out []Kept
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		var k Kept
		if json.Unmarshal(data, &k) != nil || k.Draft.Blank() {
			continue
		}
		k.File = n
		out = append(out, k)
	}
	s.mu.Lock()
	mine := s.slot
	s.mu.Unlock()
	for n := 2; n <= maxComposers; n++ {
		if n == mine {
			continue
		}
		p := draftPath(s.dir, n)
		info, err := os.Stat(p)
		if err != nil || s.heldByOther(n) {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var d Draft
		if json.Unmarshal(data, &d) != nil || d.Blank() || d.Sent {
			continue
		}
		out = append(out, Kept{Time: info.ModTime(), Reason: "left in " + filepath.Base(p) + " by another composer", Draft: d, File: p, Other: n})
	}
	return out, nil
}

// heldByOther reports whether a running composer holds slot n.
func (s *Store) heldByOther(n int) bool {
	l := flock.New(lockPath(s.dir, n), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return true
	}
	if ok {
		_ = l.Unlock()
	}
	return !ok
}

// DropKept removes a kept draft once it is back in the editor (and saved there). Another
// composer's draft file is removed only while no composer holds it.
func (s *Store) DropKept(k Kept) error {
	if k.Other == 0 {
		return os.Remove(k.File)
	}
	l := flock.New(lockPath(s.dir, k.Other), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil || !ok {
		return fmt.Errorf("%s is open in another composer again", filepath.Base(k.File))
	}
	defer l.Unlock()
	return os.Remove(k.File)
}
