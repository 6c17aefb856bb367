package spool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/dingbot/dingbot/dingtalk"
)

const (
	// maxKey bounds a key: a RobotKey is 32 hex digits. A 64-digit access token passed as a key
	// by mistake is refused rather than made a file name.
	maxKey = 40
	// maxID bounds a job id.
	maxID = 128
	// lockTimeout bounds how long a change waits for another process to release a key.
	lockTimeout = 10 * time.Second
	// tmpPrefix starts the name of every temporary file; readers skip such names.
	tmpPrefix = ".tmp-"
)

// hook, when set by a test, is called at named points between the steps of a change, to crash
// the process there.
var hook func(point string)

func at(point string) {
	if hook != nil {
		hook(point)
	}
}

// validName reports whether s is a safe file name: ASCII letters, digits, '.', '_', '-', not
// starting with '.' or '-', at most max bytes.
func validName(s string, max int) bool {
	if s == "" || len(s) > max || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validKey(key string) bool { return validName(key, maxKey) }
func validID(id string) bool   { return validName(id, maxID) }

// validMonth reports whether m looks like "2026-12".
func validMonth(m string) bool {
	if len(m) != 7 || m[4] != '-' {
		return false
	}
	for i, c := range []byte(m) {
		if i != 4 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// seqDigits is the width of a Seq in a file name: names sort as Seqs do.
const seqDigits = 20

// jobName is the name of an unfinished job's file in its queue directory.
func jobName(seq int64, id string) string { return fmt.Sprintf("%0*d-%s.json", seqDigits, seq, id) }

// seqName is the name of a queue directory's high-water file.
func seqName(seq int64) string { return fmt.Sprintf("seq-%0*d", seqDigits, seq) }

// entry is a parsed job file name.
type entry struct {
	name string
	seq  int64
	id   string
}

// parseJobName parses "<20 digits>-<id>.json".
func parseJobName(name string) (entry, bool) {
	if len(name) < seqDigits+1+1+len(".json") || name[seqDigits] != '-' || !strings.HasSuffix(name, ".json") {
		return entry{}, false
	}
	seq, ok := parseSeq(name[:seqDigits])
	id := name[seqDigits+1 : len(name)-len(".json")]
	if !ok || !validID(id) {
		return entry{}, false
	}
	return entry{name: name, seq: seq, id: id}, true
}

// parseSeqName parses "seq-<20 digits>".
func parseSeqName(name string) (int64, bool) {
	if len(name) != len("seq-")+seqDigits || !strings.HasPrefix(name, "seq-") {
		return 0, false
	}
	return parseSeq(name[len("seq-"):])
}

func parseSeq(s string) (int64, bool) {
	if !digits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readNames lists dir's names; a missing dir has none.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// writeFile replaces dir/name with data atomically and durably as far as the file goes: a
// temporary file in dir, written, fsynced, renamed. The caller syncs dir when the name must
// survive a crash.
func writeFile(dir, name string, data []byte) error {
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name)); err != nil {
		_ = os.Remove(filepath.Join(dir, tmp))
		return err
	}
	return nil
}

// writeTemp writes data to a new fsynced temporary file in dir and returns its name.
func writeTemp(dir string, data []byte) (name string, err error) {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return filepath.Base(f.Name()), nil
}

// syncDir makes the names created, renamed or removed in dir durable. Platforms and file
// systems that cannot fsync a directory (Windows, some network file systems) are let be.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	_ = d.Close()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}

// exists reports whether path exists; only an error other than "not there" is an error.
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// removeIfExists removes path; a path already gone is fine.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// mutexes serialise this process's goroutines per lock file, before the file lock excludes
// other processes.
var mutexes sync.Map // lock path → *sync.Mutex

func mutexFor(path string) *sync.Mutex {
	v, _ := mutexes.LoadOrStore(path, new(sync.Mutex))
	return v.(*sync.Mutex)
}

// lockFile takes path's process mutex and file lock, waiting for other holders (at most
// lockTimeout), and returns the function releasing both.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	mu := mutexFor(path)
	mu.Lock()
	fl := flock.New(path, flock.SetPermissions(0o600))
	deadline := time.Now().Add(lockTimeout)
	delay := 50 * time.Microsecond
	for {
		ok, err := fl.TryLock()
		if err != nil {
			mu.Unlock()
			return nil, stateErr(path, "lock", err)
		}
		if ok {
			return func() { _ = fl.Unlock(); mu.Unlock() }, nil
		}
		if time.Now().After(deadline) {
			mu.Unlock()
			return nil, stateErr(path, "lock", fmt.Errorf("another process held it for more than %s", lockTimeout))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			mu.Unlock()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 5*time.Millisecond)
	}
}

// tryLockFile takes path's process mutex and file lock if both are free.
func tryLockFile(path string) (unlock func(), ok bool, err error) {
	mu := mutexFor(path)
	if !mu.TryLock() {
		return nil, false, nil
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err = fl.TryLock()
	if err != nil || !ok {
		mu.Unlock()
		if err != nil {
			return nil, false, stateErr(path, "lock", err)
		}
		return nil, false, nil
	}
	return func() { _ = fl.Unlock(); mu.Unlock() }, true, nil
}

// stateErr wraps a file-system failure as the StateError dingbot reports as state_error.
func stateErr(path, op string, err error) error {
	if err == nil {
		return nil
	}
	var se *dingtalk.StateError
	if errors.As(err, &se) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return &dingtalk.StateError{Dir: path, Op: op, Err: err}
}
