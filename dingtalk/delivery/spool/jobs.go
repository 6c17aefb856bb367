package spool

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// tmpMaxAge is how old a temporary file must be before Prune takes it for the leftover of a
// dead process.
const tmpMaxAge = time.Hour

func (s *Spool) queueRoot() string             { return filepath.Join(s.dir, "pending") }
func (s *Spool) queueDir(key string) string    { return filepath.Join(s.dir, "pending", key) }
func (s *Spool) doneDir() string               { return filepath.Join(s.dir, "done") }
func (s *Spool) donePath(id string) string     { return filepath.Join(s.dir, "done", id+".json") }
func (s *Spool) heldDir() string               { return filepath.Join(s.dir, "held") }
func (s *Spool) heldPath(id string) string     { return filepath.Join(s.dir, "held", id+".json") }
func (s *Spool) journalDir() string            { return filepath.Join(s.dir, "journal") }
func (s *Spool) keyLockPath(key string) string { return filepath.Join(s.dir, "locks", key+".lock") }

// lockKeys takes the change locks of keys (sorted, distinct), in order.
func (s *Spool) lockKeys(ctx context.Context, keys ...string) (unlock func(), err error) {
	var unlocks []func()
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for _, k := range keys {
		u, err := lockFile(ctx, s.keyLockPath(k))
		if err != nil {
			release()
			return nil, err
		}
		unlocks = append(unlocks, u)
	}
	return release, nil
}

// tryLockKeys takes the change locks of keys if all are free.
func (s *Spool) tryLockKeys(keys ...string) (unlock func(), ok bool, err error) {
	var unlocks []func()
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for _, k := range keys {
		u, ok, err := tryLockFile(s.keyLockPath(k))
		if err != nil || !ok {
			release()
			return nil, false, err
		}
		unlocks = append(unlocks, u)
	}
	return release, true, nil
}

// readJob reads one job file.
func readJob(path string) (delivery.Job, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return delivery.Job{}, err
	}
	var j delivery.Job
	if err := json.Unmarshal(data, &j); err != nil {
		return delivery.Job{}, stateErr(path, "read a queued message", fmt.Errorf("damaged: %w", err))
	}
	return j, nil
}

// place is where j's file goes: its queue directory while in the queue, held/<id>.json while
// Held, done/<id>.json when finished.
func (s *Spool) place(j delivery.Job) (dir, name string) {
	switch {
	case j.State.InQueue():
		return s.queueDir(j.Key), jobName(j.Seq, j.ID)
	case j.State == delivery.Held:
		return s.heldDir(), j.ID + ".json"
	}
	return s.doneDir(), j.ID + ".json"
}

// outOfQueue reports whether job id has a copy in done/ or held/, either of which overrides a
// copy in its queue directory.
func (s *Spool) outOfQueue(id string) (bool, error) {
	for _, p := range []string{s.donePath(id), s.heldPath(id)} {
		ok, err := exists(p)
		if err != nil {
			return false, stateErr(filepath.Dir(p), "read the outbox", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// queueEntries parses a pending directory's job names, in no order.
func queueEntries(names []string) []entry {
	var jobs []entry
	for _, n := range names {
		if e, ok := parseJobName(n); ok {
			jobs = append(jobs, e)
		}
	}
	return jobs
}

// highWater returns the highest Seq a pending directory has given (its seq- file or a job,
// whichever is higher) and its seq- files. It compares names as strings: the fixed-width Seqs
// sort as numbers, and nothing is parsed but the highest.
func highWater(names []string) (high int64, seqFiles []string) {
	best := ""
	for _, n := range names {
		switch {
		case len(n) > seqDigits+len("-.json") && n[seqDigits] == '-' && strings.HasSuffix(n, ".json"):
			if n[:seqDigits] > best && digits(n[:seqDigits]) {
				best = n[:seqDigits]
			}
		case strings.HasPrefix(n, "seq-"):
			if _, ok := parseSeqName(n); ok {
				seqFiles = append(seqFiles, n)
				if n[len("seq-"):] > best {
					best = n[len("seq-"):]
				}
			}
		}
	}
	if best != "" {
		high, _ = parseSeq(best)
	}
	return high, seqFiles
}

// queuedIn reports whether names has a job file of id.
func queuedIn(names []string, id string) bool {
	suffix := "-" + id + ".json"
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			if e, ok := parseJobName(n); ok && e.id == id {
				return true
			}
		}
	}
	return false
}

// hintName is a file in a pending directory holding the name of its seq- file, so that Add
// finds the high water without reading the directory. It is only a hint: one that names no
// seq- file there (its writer died between the rename and the write) sends Add back to the
// directory's names.
const hintName = "seq"

// markerName is a hard link, in a pending directory, to the first version of a queued job's
// file: it lets Add refuse an ID already queued without reading the directory (a link, unlike
// a new file, costs no inode). Markers are hints too: Add checks the directory before it
// refuses an ID, and replaces a marker whose job is gone.
func markerName(id string) string { return "id-" + id }

// unmark removes id's marker from qd once its job left; a marker left behind by a crash only
// costs the Add of that same ID a read of the directory.
func unmark(qd, id string) { _ = os.Remove(filepath.Join(qd, markerName(id))) }

// Add stores jobs, all or none, each with the next Seq of its Key. A job without a valid ID or
// Key, an ID given twice, or an ID already stored (finished, or queued for the same Key) fails
// the whole Add (an ID already stored with an error matching delivery.ErrExists). A job added
// finished or Held is stored so.
func (s *Spool) Add(ctx context.Context, jobs ...delivery.Job) ([]delivery.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	out := slices.Clone(jobs)
	seen := make(map[string]bool, len(out))
	var keys []string
	for i, j := range out {
		switch {
		case !validID(j.ID):
			return nil, fmt.Errorf("spool: add job %d: %w", i+1, errBadID(j.ID))
		case !validKey(j.Key):
			return nil, fmt.Errorf("spool: add job %s: %w", j.ID, errBadKey(j.Key))
		case seen[j.ID]:
			return nil, fmt.Errorf("spool: add: job %s is given twice", j.ID)
		}
		seen[j.ID] = true
		if !slices.Contains(keys, j.Key) {
			keys = append(keys, j.Key)
		}
	}
	slices.Sort(keys)
	// A dead process's Add holds Seqs below the ones about to be given: complete it first, so
	// that its jobs are not queued behind newer ones.
	if err := s.recover(ctx); err != nil {
		return nil, err
	}
	unlock, err := s.lockKeys(ctx, keys...)
	if err != nil {
		return nil, err
	}
	defer unlock()

	// Seqs: above every Seq each key has given, in argument order.
	states := make(map[string]*keyState, len(keys))
	for _, k := range keys {
		st, err := s.keyState(k)
		if err != nil {
			return nil, err
		}
		defer st.close()
		states[k] = st
	}
	for _, j := range out {
		stored, err := s.outOfQueue(j.ID)
		if err != nil {
			return nil, err
		}
		if stored {
			return nil, fmt.Errorf("spool: add: job %s: %w", j.ID, delivery.ErrExists)
		}
	}
	for i := range out {
		st := states[out[i].Key]
		st.high++
		out[i].Seq = st.high
	}

	// Write every job to a temporary file, and mark the queued ones: a marker already there
	// means the ID is queued (or a dead process left it: then it is replaced).
	var (
		temps     []string // absolute, removed unless committed
		markers   []string
		committed bool
		moves     []move
	)
	defer func() {
		if !committed {
			for _, p := range slices.Concat(temps, markers) {
				_ = os.Remove(p)
			}
		}
	}()
	for _, j := range out {
		data, err := json.Marshal(j)
		if err != nil {
			return nil, err
		}
		dir, name := s.place(j)
		tmp, err := writeTemp(dir, data)
		if err != nil {
			return nil, stateErr(dir, "write the outbox", err)
		}
		temps = append(temps, filepath.Join(dir, tmp))
		rel, _ := filepath.Rel(s.dir, dir)
		moves = append(moves, move{Dir: filepath.ToSlash(rel), Tmp: tmp, Name: name})
		if !j.State.InQueue() {
			continue
		}
		marked, err := states[j.Key].mark(j.ID, tmp)
		if err != nil {
			return nil, err
		}
		if marked {
			markers = append(markers, filepath.Join(dir, markerName(j.ID)))
		}
	}
	at("add.written")
	// Record the new high water before any job takes its Seq: a crash leaves a gap, never a
	// Seq given twice.
	for _, k := range keys {
		if err := states[k].setHigh(); err != nil {
			return nil, err
		}
	}
	at("add.seq")
	if len(out) == 1 {
		m := moves[0]
		dir, _ := s.moveDir(m.Dir)
		if err := os.Rename(filepath.Join(dir, m.Tmp), filepath.Join(dir, m.Name)); err != nil {
			return nil, stateErr(dir, "write the outbox", err)
		}
		committed = true
		if err := syncDir(dir); err != nil {
			return nil, stateErr(dir, "write the outbox", err)
		}
		if qd := states[out[0].Key].dir; qd != dir { // the seq- file of a job added finished or held
			if err := syncDir(qd); err != nil {
				return nil, stateErr(qd, "write the outbox", err)
			}
		}
		return out, nil
	}
	if err := s.addBatch(journal{Keys: keys, Moves: moves}, &committed); err != nil {
		return nil, err
	}
	return out, nil
}

// keyState is a pending directory during an Add, its key locked.
type keyState struct {
	dir      string
	high     int64    // the highest Seq given
	seqFiles []string // its seq- files (one, but for a crash's leftovers)
	names    []string // the directory's names, once read
	read     bool
	hint     *os.File // the seq file, nil where it cannot be opened
}

// keyState finds key's high water: through the seq file when it names a seq- file that is
// there, else by reading the directory's names.
func (s *Spool) keyState(key string) (*keyState, error) {
	qd := s.queueDir(key)
	if err := s.ensureQueueDir(qd); err != nil {
		return nil, err
	}
	st := &keyState{dir: qd}
	if f, err := os.OpenFile(filepath.Join(qd, hintName), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		st.hint = f
		buf := make([]byte, len(seqName(0)))
		if n, _ := f.ReadAt(buf, 0); n == len(buf) {
			if high, ok := parseSeqName(string(buf)); ok {
				if there, err := exists(filepath.Join(qd, string(buf))); err == nil && there {
					st.high, st.seqFiles = high, []string{string(buf)}
					return st, nil
				}
			}
		}
	}
	if err := st.readNames(); err != nil {
		st.close()
		return nil, err
	}
	st.high, st.seqFiles = highWater(st.names)
	return st, nil
}

func (st *keyState) readNames() error {
	if st.read {
		return nil
	}
	names, err := readNames(st.dir)
	if err != nil {
		return stateErr(st.dir, "read the outbox", err)
	}
	st.names, st.read = names, true
	return nil
}

func (st *keyState) close() {
	if st.hint != nil {
		_ = st.hint.Close()
	}
}

// mark links id's marker to its job's temporary file; marked is false where the platform
// cannot make links (the directory was read instead). It fails if id is queued.
func (st *keyState) mark(id, tmp string) (marked bool, err error) {
	marker := filepath.Join(st.dir, markerName(id))
	err = os.Link(filepath.Join(st.dir, tmp), marker)
	if err == nil {
		return true, nil
	}
	// A marker is there (or links cannot be made): is the job?
	if err := st.readNames(); err != nil {
		return false, err
	}
	if queuedIn(st.names, id) {
		return false, fmt.Errorf("spool: add: job %s: %w", id, delivery.ErrExists)
	}
	if !errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	// A leftover of a dead process: replace it.
	if err := os.Remove(marker); err != nil {
		return false, stateErr(st.dir, "write the outbox", err)
	}
	if err := os.Link(filepath.Join(st.dir, tmp), marker); err != nil {
		return false, stateErr(st.dir, "write the outbox", err)
	}
	return true, nil
}

// setHigh renames the seq- file to the new high water (or creates it), removing extras a
// crash may have left, and points the seq file at it.
func (st *keyState) setHigh() error {
	if err := setHighWater(st.dir, st.seqFiles, st.high); err != nil {
		return stateErr(st.dir, "write the outbox", err)
	}
	if st.hint != nil {
		// Only a hint: should this fail, the next Add reads the directory.
		_, _ = st.hint.WriteAt([]byte(seqName(st.high)), 0)
	}
	return nil
}

// ensureQueueDir creates a key's queue directory durably.
func (s *Spool) ensureQueueDir(qd string) error {
	ok, err := exists(qd)
	if err != nil {
		return stateErr(qd, "read the outbox", err)
	}
	if ok {
		return nil
	}
	if err := os.MkdirAll(qd, 0o700); err != nil {
		return stateErr(qd, "create the outbox", err)
	}
	if err := syncDir(s.queueRoot()); err != nil {
		return stateErr(s.queueRoot(), "create the outbox", err)
	}
	return nil
}

// setHighWater renames the queue directory's seq- file to seq (or creates it), removing
// duplicates a crash may have left.
func setHighWater(qd string, seqFiles []string, seq int64) error {
	name := seqName(seq)
	if len(seqFiles) == 0 {
		f, err := os.OpenFile(filepath.Join(qd, name), os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		return f.Close()
	}
	slices.Sort(seqFiles)
	last := seqFiles[len(seqFiles)-1]
	for _, n := range seqFiles[:len(seqFiles)-1] {
		_ = os.Remove(filepath.Join(qd, n))
	}
	if last == name {
		return nil
	}
	return os.Rename(filepath.Join(qd, last), filepath.Join(qd, name))
}

// journal is an Add of several jobs: once its file exists, every move in it is made, by the
// Add or, if that process died, by the next recover.
type journal struct {
	Keys  []string `json:"keys"`
	Moves []move   `json:"moves"`
}

// move renames a written temporary file to a job's name. Dir is relative to the spool: "done"
// or "pending/<key>".
type move struct {
	Dir  string `json:"dir"`
	Tmp  string `json:"tmp"`
	Name string `json:"name"`
}

// addBatch commits an Add of several jobs, written to the temporary files jl moves (Seqs set,
// keys locked): one journal file, then the moves.
func (s *Spool) addBatch(jl journal, committed *bool) error {
	data, err := json.Marshal(jl)
	if err != nil {
		return err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := time.Now().UTC().Format("20060102T150405.000000000") + "-" + hex.EncodeToString(b[:]) + ".json"
	if err := writeFile(s.journalDir(), name, data); err != nil {
		return stateErr(s.journalDir(), "write the outbox", err)
	}
	// Committed. Should the directory fail to sync, the journal is still visible to every
	// process, so going on is the only consistent choice.
	*committed = true
	_ = syncDir(s.journalDir())
	at("add.committed")
	// From here on the jobs exist; a failure leaves the journal for recover.
	if err := s.apply(jl); err != nil {
		return err
	}
	for _, k := range jl.Keys { // the seq- files of keys whose jobs all went to done/ or held/
		if !slices.ContainsFunc(jl.Moves, func(m move) bool { return m.Dir == "pending/"+k }) {
			if err := syncDir(s.queueDir(k)); err != nil {
				return stateErr(s.queueDir(k), "write the outbox", err)
			}
		}
	}
	if err := os.Remove(filepath.Join(s.journalDir(), name)); err != nil {
		return stateErr(s.journalDir(), "write the outbox", err)
	}
	return nil
}

// moveDir resolves a move's Dir, refusing anything but done, held and a queue directory.
func (s *Spool) moveDir(rel string) (string, bool) {
	switch rel {
	case "done":
		return s.doneDir(), true
	case "held":
		return s.heldDir(), true
	}
	key, ok := strings.CutPrefix(rel, "pending/")
	if !ok || !validKey(key) {
		return "", false
	}
	return s.queueDir(key), true
}

// apply makes a journal's moves; a move already made is skipped.
func (s *Spool) apply(jl journal) error {
	var dirs []string
	for i, m := range jl.Moves {
		dir, ok := s.moveDir(m.Dir)
		if !ok || !strings.HasPrefix(m.Tmp, tmpPrefix) || strings.ContainsAny(m.Tmp, `/\`) || strings.ContainsAny(m.Name, `/\`) || m.Name == "" || m.Name[0] == '.' {
			return stateErr(s.journalDir(), "apply the outbox journal", errors.New("damaged journal"))
		}
		err := os.Rename(filepath.Join(dir, m.Tmp), filepath.Join(dir, m.Name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return stateErr(dir, "write the outbox", err)
		}
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		if i == 0 {
			at("add.moved")
		}
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return stateErr(d, "write the outbox", err)
		}
	}
	return nil
}

// recover completes the journals of Adds whose process died: a journal whose keys' locks are
// all free has no living writer.
func (s *Spool) recover(ctx context.Context) error {
	jd := s.journalDir()
	names, err := readNames(jd)
	if err != nil {
		return stateErr(jd, "read the outbox", err)
	}
	for _, name := range names {
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(jd, name)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return stateErr(path, "read the outbox journal", err)
		}
		var jl journal
		if err := json.Unmarshal(data, &jl); err != nil || !slices.IsSorted(jl.Keys) || slices.ContainsFunc(jl.Keys, func(k string) bool { return !validKey(k) }) {
			// Written whole by rename, so never ours half-written: leave what is not ours.
			continue
		}
		unlock, ok, err := s.tryLockKeys(jl.Keys...)
		if err != nil {
			return err
		}
		if !ok {
			continue // its writer is alive, or another process is recovering it
		}
		err = func() error {
			defer unlock()
			if ok, err := exists(path); err != nil || !ok {
				return err
			}
			if err := s.apply(jl); err != nil {
				return err
			}
			// Its Seqs may be below jobs added since: caches of the queue must be read again.
			for _, k := range jl.Keys {
				if err := rewind(s.queueDir(k)); err != nil {
					return err
				}
			}
			return removeIfExists(path)
		}()
		if err != nil {
			return stateErr(path, "apply the outbox journal", err)
		}
	}
	return nil
}

// head is a pending directory's job names in Seq order, as Next last read them. Every new job
// takes a Seq above all of them, so until a job goes back into the queue below them (a retry, or
// a dead process's Add completed by recover), the lowest name still there is the lowest Seq:
// Next tries the cached names in order and reads the directory again only when they run out or
// the directory's rewound file has grown, which both of those do.
type head struct {
	entries []entry
	rewound int64
}

// rewoundFile is the name, in a pending directory, of the file that grows by one byte each
// time a job is put back below the jobs already there.
const rewoundFile = "rewound"

func rewound(qd string) (int64, error) {
	fi, err := os.Lstat(filepath.Join(qd, rewoundFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, stateErr(qd, "read the outbox", err)
	}
	return fi.Size(), nil
}

// rewind tells every Next that a job went back into qd below the names it may have cached.
func rewind(qd string) error {
	f, err := os.OpenFile(filepath.Join(qd, rewoundFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return stateErr(qd, "write the outbox", err)
	}
	_, err = f.Write([]byte{'.'})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return stateErr(qd, "write the outbox", err)
}

// readHead reads a pending directory's job names, sorted.
func readHead(qd string, rew int64) (head, error) {
	names, err := readNames(qd)
	if err != nil {
		return head{}, stateErr(qd, "read the outbox", err)
	}
	entries := queueEntries(names)
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.name, b.name) })
	return head{entries: entries, rewound: rew}, nil
}

// Next returns key's unfinished job with the lowest Seq, or delivery.ErrEmpty. It reads one job
// file, and the directory's names only once per many calls (see head).
func (s *Spool) Next(ctx context.Context, key string) (delivery.Job, error) {
	if err := s.check(ctx); err != nil {
		return delivery.Job{}, err
	}
	if !validKey(key) {
		return delivery.Job{}, errBadKey(key)
	}
	if err := s.recover(ctx); err != nil {
		return delivery.Job{}, err
	}
	qd := s.queueDir(key)
	rew, err := rewound(qd)
	if err != nil {
		return delivery.Job{}, err
	}
	s.mu.Lock()
	h, ok := s.heads[key]
	s.mu.Unlock()
	fresh := false
	if !ok || h.rewound != rew {
		if h, err = readHead(qd, rew); err != nil {
			return delivery.Job{}, err
		}
		fresh = true
	}
	keep := func(h head) {
		s.mu.Lock()
		s.heads[key] = h
		s.mu.Unlock()
	}
	for {
		if len(h.entries) == 0 {
			if fresh {
				keep(h)
				return delivery.Job{}, delivery.ErrEmpty
			}
			if h, err = readHead(qd, rew); err != nil {
				return delivery.Job{}, err
			}
			fresh = true
			continue
		}
		e := h.entries[0]
		j, ok, err := s.nextAt(ctx, key, e)
		if err != nil {
			return delivery.Job{}, err
		}
		if !ok {
			h.entries = h.entries[1:]
			continue
		}
		keep(h)
		return j, nil
	}
}

// nextAt reads the job named e in key's pending directory; ok is false when it is no longer
// an unfinished job there.
func (s *Spool) nextAt(ctx context.Context, key string, e entry) (j delivery.Job, ok bool, err error) {
	stale, err := s.outOfQueue(e.id)
	if err != nil {
		return delivery.Job{}, false, err
	}
	if stale {
		// Finished or held (or being queued again right now): settle it under the key's lock.
		if stale, err = s.dropStale(ctx, key, e); err != nil || stale {
			return delivery.Job{}, false, err
		}
	}
	j, err = readJob(filepath.Join(s.queueDir(key), e.name))
	if errors.Is(err, fs.ErrNotExist) {
		return delivery.Job{}, false, nil // finished or deleted since the directory was read
	}
	if err != nil {
		return delivery.Job{}, false, err
	}
	// Any other state is never written there; skipped rather than sent again.
	return j, j.State.InQueue(), nil
}

// dropStale removes a queue copy that done/<id>.json or held/<id>.json overrides, under key's
// lock. stale is false when, by the time the lock was held, that copy was gone (a retry
// completed).
func (s *Spool) dropStale(ctx context.Context, key string, e entry) (stale bool, err error) {
	unlock, err := s.lockKeys(ctx, key)
	if err != nil {
		return false, err
	}
	defer unlock()
	out, err := s.outOfQueue(e.id)
	if err != nil || !out {
		return false, err
	}
	if err := removeIfExists(filepath.Join(s.queueDir(key), e.name)); err != nil {
		return true, stateErr(s.queueDir(key), "write the outbox", err)
	}
	unmark(s.queueDir(key), e.id)
	return true, nil
}

// location is where a job's files are.
type location struct {
	key    string
	seq    int64
	done   bool // done/<id>.json exists: it is the job
	held   bool // held/<id>.json exists: it is the job unless done
	queued bool // pending/<key>/<seq>-<id>.json exists (stale when done or held)
}

func (s *Spool) livePath(id string, l location) string {
	switch {
	case l.done:
		return s.donePath(id)
	case l.held:
		return s.heldPath(id)
	}
	return filepath.Join(s.queueDir(l.key), jobName(l.seq, id))
}

// locate finds job id. key and seq, when known (a job read from the store), spare a scan of
// every queue directory.
func (s *Spool) locate(id, key string, seq int64) (location, error) {
	for range 3 {
		// done/ overrides held/, which overrides the queue: look in that order.
		l, found, err := s.locateOut(id)
		if err != nil || found {
			return l, err
		}
		if validKey(key) && seq > 0 {
			ok, err := exists(filepath.Join(s.queueDir(key), jobName(seq, id)))
			if err != nil {
				return location{}, stateErr(s.queueDir(key), "read the outbox", err)
			}
			if ok {
				return location{key: key, seq: seq, queued: true}, nil
			}
		}
		l, found, err = s.scan(id)
		if err != nil || found {
			return l, err
		}
		// Not queued: finished or held since done/ and held/ were looked at, or not there at all.
		if out, err := s.outOfQueue(id); err != nil || !out {
			if err != nil {
				return location{}, err
			}
			return location{}, fmt.Errorf("spool: job %s: %w", id, delivery.ErrNotFound)
		}
	}
	return location{}, fmt.Errorf("spool: job %s keeps moving: %w", id, delivery.ErrNotFound)
}

// locateOut finds job id in done/ or else held/, noting the copies it has below that one.
func (s *Spool) locateOut(id string) (l location, found bool, err error) {
	for _, held := range []bool{false, true} {
		path := s.donePath(id)
		if held {
			path = s.heldPath(id)
		}
		j, err := readJob(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return location{}, false, err
		}
		l := location{key: j.Key, seq: j.Seq, done: !held, held: held}
		if !held {
			if l.held, err = exists(s.heldPath(id)); err != nil {
				return location{}, false, stateErr(s.heldDir(), "read the outbox", err)
			}
		}
		if validKey(j.Key) {
			if l.queued, err = exists(filepath.Join(s.queueDir(j.Key), jobName(j.Seq, id))); err != nil {
				return location{}, false, stateErr(s.queueDir(j.Key), "read the outbox", err)
			}
		}
		return l, true, nil
	}
	return location{}, false, nil
}

// scan looks for id in every queue directory.
func (s *Spool) scan(id string) (location, bool, error) {
	keys, err := readNames(s.queueRoot())
	if err != nil {
		return location{}, false, stateErr(s.queueRoot(), "read the outbox", err)
	}
	slices.Sort(keys)
	suffix := "-" + id + ".json"
	for _, k := range keys {
		if !validKey(k) {
			continue
		}
		names, err := readNames(s.queueDir(k))
		if err != nil {
			return location{}, false, stateErr(s.queueDir(k), "read the outbox", err)
		}
		for _, n := range names {
			if !strings.HasSuffix(n, suffix) {
				continue
			}
			if e, ok := parseJobName(n); ok && e.id == id {
				return location{key: k, seq: e.seq, queued: true}, true, nil
			}
		}
	}
	return location{}, false, nil
}

// Get returns job id.
func (s *Spool) Get(ctx context.Context, id string) (delivery.Job, error) {
	if err := s.check(ctx); err != nil {
		return delivery.Job{}, err
	}
	if !validID(id) {
		return delivery.Job{}, fmt.Errorf("spool: %w", delivery.ErrNotFound)
	}
	if err := s.recover(ctx); err != nil {
		return delivery.Job{}, err
	}
	for range 3 {
		l, err := s.locate(id, "", 0)
		if err != nil {
			return delivery.Job{}, err
		}
		j, err := readJob(s.livePath(id, l))
		if errors.Is(err, fs.ErrNotExist) {
			continue // moved between done and its queue since it was found
		}
		return j, err
	}
	return delivery.Job{}, fmt.Errorf("spool: job %s keeps moving: %w", id, delivery.ErrNotFound)
}

// Update replaces job j.ID. The store keeps the job's Key and Seq: those of j are ignored.
func (s *Spool) Update(ctx context.Context, j delivery.Job) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !validID(j.ID) {
		return fmt.Errorf("spool: %w", delivery.ErrNotFound)
	}
	l, err := s.locate(j.ID, j.Key, j.Seq)
	if err != nil {
		return err
	}
	unlock, err := s.lockKeys(ctx, l.key)
	if err != nil {
		return err
	}
	defer unlock()
	if l, err = s.locate(j.ID, l.key, l.seq); err != nil {
		return err
	}
	j.Key, j.Seq = l.key, l.seq
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	qd, qname := s.queueDir(l.key), jobName(l.seq, j.ID)
	switch {
	case j.State.Finished():
		// done/<id>.json first: from its rename on, it is the job.
		if err := writeFile(s.doneDir(), j.ID+".json", data); err != nil {
			return stateErr(s.doneDir(), "write the outbox", err)
		}
		if err := syncDir(s.doneDir()); err != nil {
			return stateErr(s.doneDir(), "write the outbox", err)
		}
		if l.queued {
			at("update.finished")
			if err := removeIfExists(filepath.Join(qd, qname)); err != nil {
				return stateErr(qd, "write the outbox", err)
			}
			unmark(qd, j.ID)
		}
		if l.held {
			at("update.finished-held")
			if err := removeIfExists(s.heldPath(j.ID)); err != nil {
				return stateErr(s.heldDir(), "write the outbox", err)
			}
		}
		return nil
	case j.State == delivery.Held:
		// held/<id>.json first: from its rename on, it overrides a queue copy; a done copy keeps
		// overriding it until it is removed, last.
		if err := writeFile(s.heldDir(), j.ID+".json", data); err != nil {
			return stateErr(s.heldDir(), "write the outbox", err)
		}
		if err := syncDir(s.heldDir()); err != nil {
			return stateErr(s.heldDir(), "write the outbox", err)
		}
		if l.queued {
			at("update.held")
			if err := removeIfExists(filepath.Join(qd, qname)); err != nil {
				return stateErr(qd, "write the outbox", err)
			}
			unmark(qd, j.ID)
		}
		if l.done {
			if err := os.Remove(s.donePath(j.ID)); err != nil {
				return stateErr(s.doneDir(), "write the outbox", err)
			}
			if err := syncDir(s.doneDir()); err != nil {
				return stateErr(s.doneDir(), "write the outbox", err)
			}
		}
		return nil
	}
	// In the queue: the queue file first; a held or done copy keeps overriding it until it is
	// removed (held before done, so that a stale held copy never outlives a done one).
	if err := s.ensureQueueDir(qd); err != nil {
		return err
	}
	if err := writeFile(qd, qname, data); err != nil {
		return stateErr(qd, "write the outbox", err)
	}
	if !l.queued { // queued again: marked again (a marker left there is as good)
		_ = os.Link(filepath.Join(qd, qname), filepath.Join(qd, markerName(j.ID)))
	}
	if err := syncDir(qd); err != nil {
		return stateErr(qd, "write the outbox", err)
	}
	if l.done || l.held {
		at("update.requeued")
		if err := rewind(qd); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		there bool
		path  string
	}{{l.held, s.heldPath(j.ID)}, {l.done, s.donePath(j.ID)}} {
		if !c.there {
			continue
		}
		if err := os.Remove(c.path); err != nil {
			return stateErr(filepath.Dir(c.path), "write the outbox", err)
		}
		if err := syncDir(filepath.Dir(c.path)); err != nil {
			return stateErr(filepath.Dir(c.path), "write the outbox", err)
		}
	}
	return nil
}

// Delete removes job id.
func (s *Spool) Delete(ctx context.Context, id string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !validID(id) {
		return fmt.Errorf("spool: %w", delivery.ErrNotFound)
	}
	l, err := s.locate(id, "", 0)
	if err != nil {
		return err
	}
	unlock, err := s.lockKeys(ctx, l.key)
	if err != nil {
		return err
	}
	defer unlock()
	if l, err = s.locate(id, l.key, l.seq); err != nil {
		return err
	}
	return s.remove(id, l)
}

// remove deletes a located job (its key locked): the queue copy first, then the held one, then
// the done one, so that a crash never leaves an older copy as the job.
func (s *Spool) remove(id string, l location) error {
	if l.queued {
		qd := s.queueDir(l.key)
		if err := removeIfExists(filepath.Join(qd, jobName(l.seq, id))); err != nil {
			return stateErr(qd, "write the outbox", err)
		}
		if err := syncDir(qd); err != nil {
			return stateErr(qd, "write the outbox", err)
		}
		unmark(qd, id)
		at("delete.queue")
	}
	if l.held {
		if err := removeIfExists(s.heldPath(id)); err != nil {
			return stateErr(s.heldDir(), "write the outbox", err)
		}
		if err := syncDir(s.heldDir()); err != nil {
			return stateErr(s.heldDir(), "write the outbox", err)
		}
		at("delete.held")
	}
	if l.done {
		if err := removeIfExists(s.donePath(id)); err != nil {
			return stateErr(s.doneDir(), "write the outbox", err)
		}
		if err := syncDir(s.doneDir()); err != nil {
			return stateErr(s.doneDir(), "write the outbox", err)
		}
	}
	return nil
}

// queueKeys lists the keys that have a queue directory.
func (s *Spool) queueKeys() ([]string, error) {
	names, err := readNames(s.queueRoot())
	if err != nil {
		return nil, stateErr(s.queueRoot(), "read the outbox", err)
	}
	keys := slices.DeleteFunc(names, func(k string) bool { return !validKey(k) })
	slices.Sort(keys)
	return keys, nil
}

// Pending lists, sorted, the keys that have jobs in their queue.
func (s *Spool) Pending(ctx context.Context) ([]string, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := s.recover(ctx); err != nil {
		return nil, err
	}
	keys, err := s.queueKeys()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		names, err := readNames(s.queueDir(k))
		if err != nil {
			return nil, stateErr(s.queueDir(k), "read the outbox", err)
		}
		for _, e := range queueEntries(names) {
			stale, err := s.outOfQueue(e.id)
			if err != nil {
				return nil, err
			}
			if !stale {
				out = append(out, k)
				break
			}
		}
	}
	return out, nil
}

// List returns the jobs f selects, oldest first (Created, then Seq), the newest f.Limit of
// them when f.Limit > 0. Jobs Held only are read from held/, jobs in the queue only from the
// queue directories: neither reads a finished job's file.
func (s *Spool) List(ctx context.Context, f delivery.Filter) ([]delivery.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := s.recover(ctx); err != nil {
		return nil, err
	}
	all := len(f.States) == 0
	wantQueued, wantHeld, wantDone := all, all, all
	for _, st := range f.States {
		wantQueued = wantQueued || st.InQueue()
		wantHeld = wantHeld || st == delivery.Held
		wantDone = wantDone || st.Finished()
	}
	var keys []string
	if f.Key != "" {
		if validKey(f.Key) {
			keys = []string{f.Key}
		}
	} else if wantQueued {
		var err error
		if keys, err = s.queueKeys(); err != nil {
			return nil, err
		}
	}
	// A job is in done/, else held/, else its queue. Each place is read after the places it
	// overrides and before them again (queue, held, done, held, queue): a job moving meanwhile
	// is seen where it went, and where it was is overridden.
	queued := map[string]delivery.Job{}
	readQueues := func() error {
		for _, k := range keys {
			qd := s.queueDir(k)
			names, err := readNames(qd)
			if err != nil {
				return stateErr(qd, "read the outbox", err)
			}
			for _, e := range queueEntries(names) {
				if _, ok := queued[e.id]; ok {
					continue
				}
				j, err := readJob(filepath.Join(qd, e.name))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return err
				}
				queued[e.id] = j
			}
		}
		return nil
	}
	// readOut reads done/ or held/: every name, and the jobs when want.
	readOut := func(dir string, want bool, ids map[string]bool, jobs map[string]delivery.Job) error {
		names, err := readNames(dir)
		if err != nil {
			return stateErr(dir, "read the outbox", err)
		}
		for _, n := range names {
			id, ok := strings.CutSuffix(n, ".json")
			if !ok || !validID(id) {
				continue
			}
			ids[id] = true
			if _, ok := jobs[id]; !want || ok {
				continue
			}
			j, err := readJob(filepath.Join(dir, n))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			jobs[id] = j
		}
		return nil
	}
	if wantQueued {
		if err := readQueues(); err != nil {
			return nil, err
		}
	}
	heldIDs, held := map[string]bool{}, map[string]delivery.Job{}
	doneIDs, done := map[string]bool{}, map[string]delivery.Job{}
	if err := readOut(s.heldDir(), wantHeld, heldIDs, held); err != nil {
		return nil, err
	}
	if err := readOut(s.doneDir(), wantDone, doneIDs, done); err != nil {
		return nil, err
	}
	if err := readOut(s.heldDir(), wantHeld, heldIDs, held); err != nil {
		return nil, err
	}
	if wantQueued {
		if err := readQueues(); err != nil {
			return nil, err
		}
	}
	var out []delivery.Job
	for _, j := range done {
		if f.Match(j) {
			out = append(out, j)
		}
	}
	for id, j := range held {
		if !doneIDs[id] && f.Match(j) {
			out = append(out, j)
		}
	}
	for id, j := range queued {
		if !doneIDs[id] && !heldIDs[id] && f.Match(j) {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b delivery.Job) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Key, b.Key), cmp.Compare(a.ID, b.ID))
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, nil
}

// Prune deletes the finished jobs last updated before t, the temporary files dead processes
// left more than an hour ago, and id- markers whose job is gone.
func (s *Spool) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := s.recover(ctx); err != nil {
		return 0, err
	}
	names, err := readNames(s.doneDir())
	if err != nil {
		return 0, stateErr(s.doneDir(), "read the outbox", err)
	}
	pruned := 0
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return pruned, err
		}
		id, ok := strings.CutSuffix(n, ".json")
		if !ok || !validID(id) {
			continue
		}
		j, err := readJob(filepath.Join(s.doneDir(), n))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return pruned, err
		}
		if !j.Updated.Before(before) || !validKey(j.Key) {
			continue
		}
		ok, err = s.pruneOne(ctx, id, j.Key, before)
		if err != nil {
			return pruned, err
		}
		if ok {
			pruned++
		}
	}
	s.sweep()
	if err := s.unmarkGone(ctx); err != nil {
		return pruned, err
	}
	return pruned, nil
}

// unmarkGone removes, key by key under the key's lock, the id- markers whose job is not queued:
// what a process killed between two steps leaves.
func (s *Spool) unmarkGone(ctx context.Context) error {
	keys, err := s.queueKeys()
	if err != nil {
		return err
	}
	for _, k := range keys {
		err := func() error {
			unlock, err := s.lockKeys(ctx, k)
			if err != nil {
				return err
			}
			defer unlock()
			qd := s.queueDir(k)
			names, err := readNames(qd)
			if err != nil {
				return stateErr(qd, "read the outbox", err)
			}
			queued := map[string]bool{}
			for _, e := range queueEntries(names) {
				queued[e.id] = true
			}
			for _, n := range names {
				if id, ok := strings.CutPrefix(n, "id-"); ok && !queued[id] {
					_ = os.Remove(filepath.Join(qd, n))
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// pruneOne deletes finished job id under its key's lock if it is still older than before.
func (s *Spool) pruneOne(ctx context.Context, id, key string, before time.Time) (bool, error) {
	unlock, err := s.lockKeys(ctx, key)
	if err != nil {
		return false, err
	}
	defer unlock()
	l, err := s.locate(id, key, 0)
	if errors.Is(err, delivery.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !l.done {
		return false, nil
	}
	j, err := readJob(s.donePath(id))
	if err != nil || !j.Updated.Before(before) {
		return false, nil
	}
	return true, s.remove(id, l)
}

// sweep removes temporary files older than tmpMaxAge: no live process writes one that long.
func (s *Spool) sweep() {
	dirs := []string{s.doneDir(), s.heldDir(), s.journalDir(), filepath.Join(s.dir, "meter"), filepath.Join(s.dir, "pauses")}
	if keys, err := s.queueKeys(); err == nil {
		for _, k := range keys {
			dirs = append(dirs, s.queueDir(k))
		}
	}
	cutoff := time.Now().Add(-tmpMaxAge)
	for _, d := range dirs {
		names, _ := readNames(d)
		for _, n := range names {
			if !strings.HasPrefix(n, tmpPrefix) {
				continue
			}
			if fi, err := os.Lstat(filepath.Join(d, n)); err == nil && fi.ModTime().Before(cutoff) {
				_ = os.Remove(filepath.Join(d, n))
			}
		}
	}
}
