package tui

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
)

// maxComposers is how many composers can keep a draft each in one state directory.
const maxComposers = 9

// maxKept is how many replaced drafts are kept; older ones are removed.
const maxKept = 20

// keptDir is the folder under the state directory holding replaced drafts.
const keptDir = "drafts-kept"

// draftStore keeps one composer's draft file. A composer holds a lock on its file for as long
// as it runs: the first takes draft.json, a second one at the same time draft-2.json, and so on,
// so two composers never write each other's draft. Saves may finish out of order (each runs in
// its own command): an older one never overwrites a newer one.
type draftStore struct {
	mu   sync.Mutex
	dir  string
	path string
	slot int
	lock *flock.Flock
	last int
	// blocked is why the draft must not be written (a damaged draft that could not be moved
	// aside): saves fail with it rather than overwrite what is there.
	blocked error
}

func newDraftStore(dir string) *draftStore {
	return &draftStore{dir: dir, path: draftPath(dir, 1), slot: 1}
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

// claim locks the first draft file no other running composer holds and makes it this store's.
// It returns the slot (1 is draft.json). Without a lock nothing is claimed and saves still go to
// draft.json: the error says why (an unwritable state directory, usually).
func (s *draftStore) claim() (int, error) {
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

// release gives up the draft file, for the next composer; Run calls it on the way out.
func (s *draftStore) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock != nil {
		_ = s.lock.Unlock()
		s.lock = nil
	}
}

// name is the draft file's name, for messages.
func (s *draftStore) name() string {
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

// save writes d unless a newer save (a higher seq) already did. Failures are StateErrors.
func (s *draftStore) save(seq int, d draft) error {
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

// errDamaged says the draft file is there but is damaged: not a draft that can be read.
var errDamaged = errors.New("damaged")

func (s *draftStore) load() (*draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, err
	}
	var d draft
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	return &d, nil
}

// moveAside renames a draft file that cannot be read to draft.damaged-<time>.json, so that
// nothing ever writes over it, and says where it went. If it cannot be moved, saving is blocked.
func (s *draftStore) moveAside(now time.Time) (string, error) {
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

// exists reports whether the draft file is there, readable or not.
func (s *draftStore) exists() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fileExists(s.path)
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// keep copies the draft file to draft.previous.json before a file replaces it, and says where.
func (s *draftStore) keep() (string, error) {
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

// keptDraft is an unsent draft that something replaced (a new message, a message reopened from
// the history, a file), or the draft of a composer that is no longer running. ctrl+z lists them.
type keptDraft struct {
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	Draft  draft     `json:"draft"`
	// file is where it is; other says it is another composer's draft file, not a kept one.
	file  string
	other int
}

// keepReplaced adds a replaced draft to the kept ones, dropping the oldest past maxKept.
func (s *draftStore) keepReplaced(d draft, reason string, now time.Time) error {
	data, err := encodeDraft(keptDraft{Time: now, Reason: reason, Draft: d})
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

// listKept returns the kept drafts, newest first, then the drafts of composers that are no
// longer running (draft-2.json, … whose lock is free).
func (s *draftStore) listKept() ([]keptDraft, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, keptDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	var out []keptDraft
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		var k keptDraft
		if json.Unmarshal(data, &k) != nil || k.Draft.blank() {
			continue
		}
		k.file = n
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
		var d draft
		if json.Unmarshal(data, &d) != nil || d.blank() || d.Sent {
			continue
		}
		out = append(out, keptDraft{Time: info.ModTime(), Reason: "left in " + filepath.Base(p) + " by another composer", Draft: d, file: p, other: n})
	}
	return out, nil
}

// heldByOther reports whether a running composer holds slot n.
func (s *draftStore) heldByOther(n int) bool {
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

// dropKept removes a kept draft once it is back in the editor (and saved there). Another
// composer's draft file is removed only while no composer holds it.
func (s *draftStore) dropKept(k keptDraft) error {
	if k.other == 0 {
		return os.Remove(k.file)
	}
	l := flock.New(lockPath(s.dir, k.other), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil || !ok {
		return fmt.Errorf("%s is open in another composer again", filepath.Base(k.file))
	}
	defer l.Unlock()
	return os.Remove(k.file)
}
