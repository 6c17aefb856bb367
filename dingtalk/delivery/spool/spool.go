// Package spool is the embedded outbox store and quota meter: files under one directory
// (dingbot uses <state dir>/outbox), shared by every dingbot process on the machine.
//
// # Why files
//
// A long-running drainer (the MCP server, the composer, `outbox drain`) keeps the store open
// while short CLI processes enqueue into it. bbolt takes an exclusive lock on its file for as
// long as a process has it open, so it would lock every other dingbot out. SQLite in WAL mode
// would work, but it is a large dependency (cgo, or a big pure-Go translation) for a queue of a
// few hundred small records. A spool of JSON files needs nothing but the file system and
// github.com/gofrs/flock, which dingbot already uses for its rate-limit state.
//
// # Layout
//
//	pending/<key>/<seq, 20 digits>-<id>.json  an unfinished job (Queued, Sending) of robot <key>
//	pending/<key>/seq-<seq, 20 digits>        the highest Seq given to <key> (an empty file)
//	pending/<key>/seq                         holds that file's name (a hint)
//	pending/<key>/id-<id>                     a hard link marking job <id> queued (a hint)
//	pending/<key>/rewound                     grows a byte when a job goes back below others
//	held/<id>.json                            a Held job (kept for a digest, out of its queue)
//	done/<id>.json                            a finished job (Sent, Failed, Unknown, Digested)
//	journal/<batch>.json                      an Add of several jobs being applied
//	locks/<key>.lock                          held while a key's jobs change (milliseconds)
//	locks/<key>.drain                         held by the key's drainer for as long as it drains
//	meter/<month>.json, meter/<month>.lock    every key's request count in a billing month
//	pauses/<key>.json, pauses/<key>.lock      a key's pause
//
// Names starting with a dot are temporary files being written; readers skip them. Keys are
// RobotKey hashes (a longer key, such as a token passed by mistake, is refused) and IDs are
// generated: no file or name holds a token or a secret.
//
// Add reads no directory: the seq file names the high water, and linking a job's id- marker
// fails if the ID is queued (a hard link costs no inode, which a new file does). Both are hints,
// checked against the directory when they look wrong (a seq file naming no seq- file there, a
// marker already there: what a process killed between two steps leaves), so they never make
// Add give a Seq twice or refuse a new job. Where links cannot be made, Add reads the names.
//
// The lowest name in a pending directory is the lowest Seq. Next keeps the names it read in
// order and tries them one by one, reading one job file per call: new jobs only ever take
// higher Seqs, so it reads the directory again only when its names run out or the rewound file
// has grown (a retried job, or a dead process's Add completed late, went back below them).
// Update finds a job with a stat or two when given its Key and Seq, as a job read from the store
// has; Get and Delete, given only an ID, look in done/, held/ and then at the pending names.
// Held jobs have a directory of their own so that listing them (a digester does, often) reads
// neither the queues nor the finished jobs, and Next and Pending never read them.
// A month's counts are one file, so a Count is one atomic rewrite and the organisation's total
// (the sum) is exact after any crash.
//
// # Several processes
//
// Every change to a key's jobs (Add, Update, Delete, Prune) is made under locks/<key>.lock, an
// flock taken with a process-wide mutex (so goroutines and several Spools in one process take
// turns too). Add allocates Seqs under that lock from the pending directory's seq- file, so
// Seqs of one key increase across processes. Counts and pauses have locks of their own.
// Readers take no lock: every file is replaced by rename, so a reader sees a whole old version
// or a whole new one. A drainer's lock is an flock held on locks/<key>.drain for as long as it
// drains: the kernel releases it when the process dies, however it dies.
//
// # Crash safety
//
// Every file is written to a temporary name in its directory, fsynced, renamed into place, and
// the directory is fsynced, so a change that returned survives a crash and a change cut short
// leaves the old version. The moves that need more than one rename are ordered so that a crash
// between two steps leaves a state every reader resolves the same way:
//
//   - A job that exists both as done/<id>.json and in its pending directory is the done one:
//     the pending copy is stale. Finishing a job writes done/<id>.json first and then removes
//     the pending file; retrying a finished job writes the pending file first and then removes
//     done/<id>.json (the step that makes it unfinished). Next, Get, List and Pending ignore a
//     stale pending copy, and Next, Update, Delete and Prune remove it. (The order of the
//     writes decides, not Updated: that is the caller's clock, which may stand still or step
//     back.)
//   - held/<id>.json sits between the two: done/ overrides it, it overrides the pending copy.
//     A change writes the job's new place first and then removes its other copies, those of
//     lower rank first (pending, held, done), so a crash between two steps leaves either the
//     new version or the old one as the job, never an older one: holding a queued job writes
//     held/ and then removes the pending copy; digesting a held one writes done/ and then
//     removes held/; queueing a held one writes the pending copy, then removes held/.
//   - Delete removes the pending copy before the held one and that before the done one, so a
//     cut-short Delete never brings an old version back.
//   - Add of one job is one rename. Add of several jobs writes them all to temporary files, then
//     commits with one rename of a journal listing their final names, then renames them into
//     place and removes the journal. A journal left by a dead process is completed by the next
//     Open, Add, Next, Get, List, Pending or Prune (once its keys' locks are free, which proves
//     its writer gone), so an Add cut short stores all of its jobs or none.
//   - The seq- file is renamed up before a job takes the new Seq: a crash leaves a gap, never a
//     Seq given twice.
package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

var (
	_ delivery.Store = (*Spool)(nil)
	_ dingtalk.Meter = (*Spool)(nil)
)

// errClosed is returned by every method of a closed Spool.
var errClosed = errors.New("spool: the store is closed")

// Spool is a delivery.Store and a dingtalk.Meter over a directory. Its methods are safe for
// concurrent use; any number of Spools, in this and other processes, may share a directory.
type Spool struct {
	dir string // absolute

	mu     sync.Mutex
	closed bool
	drains map[*drain]struct{} // the drainer locks this Spool holds
	heads  map[string]head     // per key, what Next last read of its pending directory
}

// Open opens (creating it if needed) the spool in dir.
func Open(dir string) (*Spool, error) {
	if dir == "" {
		return nil, &dingtalk.StateError{Dir: "(none)", Op: "open the outbox", Err: errors.New("no directory given")}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &dingtalk.StateError{Dir: dir, Op: "open the outbox", Err: err}
	}
	s := &Spool{dir: abs, drains: map[*drain]struct{}{}, heads: map[string]head{}}
	for _, sub := range []string{"pending", "held", "done", "journal", "locks", "meter", "pauses"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o700); err != nil {
			return nil, stateErr(abs, "create the outbox", err)
		}
	}
	if err := s.recover(context.Background()); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

// Close releases the drainer locks this Spool holds, as the end of its process would, and makes
// its methods fail. Closing twice is harmless.
func (s *Spool) Close() error {
	s.mu.Lock()
	s.closed = true
	drains := make([]*drain, 0, len(s.drains))
	for d := range s.drains {
		drains = append(drains, d)
	}
	s.mu.Unlock()
	for _, d := range drains {
		d.unlock()
	}
	return nil
}

// check fails when the Spool is closed or ctx is done.
func (s *Spool) check(ctx context.Context) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errClosed
	}
	return ctx.Err()
}

// drainHeld marks the drainer lock files held in this process: on platforms where file locks
// belong to the process (fcntl), a second flock in the same process would succeed.
var drainHeld = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

// drain is one held drainer lock.
type drain struct {
	s      *Spool
	path   string
	fl     *flock.Flock
	cancel context.CancelFunc
	once   sync.Once
}

func (d *drain) unlock() {
	d.once.Do(func() {
		_ = d.fl.Unlock()
		drainHeld.Lock()
		delete(drainHeld.paths, d.path)
		drainHeld.Unlock()
		d.s.mu.Lock()
		delete(d.s.drains, d)
		d.s.mu.Unlock()
		d.cancel()
	})
}

// Lock makes the caller key's only drainer, across processes, until unlock is called, the Spool
// is closed or the process ends. held ends then too (a file lock is never lost otherwise).
func (s *Spool) Lock(ctx context.Context, key string) (held context.Context, unlock func(), ok bool, err error) {
	if err := s.check(ctx); err != nil {
		return nil, nil, false, err
	}
	if !validKey(key) {
		return nil, nil, false, errBadKey(key)
	}
	path := filepath.Join(s.dir, "locks", key+".drain")
	drainHeld.Lock()
	if drainHeld.paths[path] {
		drainHeld.Unlock()
		return nil, nil, false, nil
	}
	drainHeld.paths[path] = true
	drainHeld.Unlock()
	release := func() {
		drainHeld.Lock()
		delete(drainHeld.paths, path)
		drainHeld.Unlock()
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	locked, err := fl.TryLock()
	if err != nil || !locked {
		release()
		if err != nil {
			return nil, nil, false, stateErr(path, "lock the outbox for draining", err)
		}
		return nil, nil, false, nil
	}
	held, cancel := context.WithCancel(ctx)
	d := &drain{s: s, path: path, fl: fl, cancel: cancel}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = fl.Unlock()
		release()
		cancel()
		return nil, nil, false, errClosed
	}
	s.drains[d] = struct{}{}
	s.mu.Unlock()
	return held, d.unlock, true, nil
}

// errBadKey says a key cannot name a file. It does not repeat the key: a token passed by mistake
// must not reach a log.
func errBadKey(key string) error {
	return fmt.Errorf("spool: invalid robot key (%d bytes): want a RobotKey, at most %d letters, digits, '.', '_' or '-'", len(key), maxKey)
}

// errBadID says an ID cannot name a file, without repeating it.
func errBadID(id string) error {
	return fmt.Errorf("spool: invalid job id (%d bytes): want at most %d letters, digits, '.', '_' or '-'", len(id), maxID)
}
