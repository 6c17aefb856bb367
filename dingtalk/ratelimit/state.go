package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// mutexes serialise goroutines of this process per lock file: a file lock alone does not
// exclude them on every platform (fcntl locks belong to the process), and separate Limiters
// may share a Dir.
var mutexes sync.Map // lock path → *sync.Mutex

// state names the files of one key: never the key itself, only a hash of it.
type state struct {
	path     string // the JSON list of send times
	lockPath string // the file lock guarding path
}

// fileName is the hex of sha256(key) truncated to 16 bytes, so the key (a secret) never
// appears on disk.
func fileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// open ensures the state directory exists and names key's files.
func (l *Limiter) open(key string) (state, error) {
	if l.Dir == "" {
		return state{}, &dingtalk.StateError{Dir: "(none)", Op: "open", Err: errors.New("no state directory given")}
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return state{}, &dingtalk.StateError{Dir: l.Dir, Op: "create", Err: unwrapPath(err)}
	}
	dir := l.Dir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	name := fileName(key)
	return state{
		path:     filepath.Join(dir, name+".json"),
		lockPath: filepath.Join(dir, name+".lock"),
	}, nil
}

// lock takes the in-process mutex, then the file lock, and returns the function releasing both.
func (st state) lock(parent context.Context) (unlock func(), err error) {
	v, _ := mutexes.LoadOrStore(st.lockPath, new(sync.Mutex))
	mu := v.(*sync.Mutex)
	mu.Lock()

	ctx, cancel := context.WithTimeout(parent, lockTimeout)
	defer cancel()
	fl := flock.New(st.lockPath, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, 2*time.Millisecond)
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		_ = fl.Close()
		mu.Unlock()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("another process held it for more than %s", lockTimeout)
		}
		if perr := parent.Err(); perr != nil {
			return nil, perr
		}
		return nil, &dingtalk.StateError{Dir: filepath.Dir(st.lockPath), Op: "lock the rate-limit state", Err: unwrapPath(err)}
	}
	return func() {
		_ = fl.Unlock()
		mu.Unlock()
	}, nil
}

// read returns the recorded send times. A missing file means no sends. A damaged one is
// reported as damaged: the caller must not take it for an empty window.
func (st state) read() (sends, error) {
	data, err := os.ReadFile(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return sends{}, nil
	}
	if err != nil {
		return sends{}, &dingtalk.StateError{Dir: st.path, Op: "read the rate-limit state", Err: unwrapPath(err)}
	}
	var times []int64
	if err := json.Unmarshal(data, &times); err != nil {
		return sends{damaged: true}, nil
	}
	return sends{times: times}, nil
}

// unwrapPath drops the path an *fs.PathError repeats: StateError names it already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// write replaces the state file atomically: a temp file in the same directory, then rename.
func (st state) write(times []int64) error {
	if times == nil {
		times = []int64{}
	}
	data, err := json.Marshal(times)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(st.path), filepath.Base(st.path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, st.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
