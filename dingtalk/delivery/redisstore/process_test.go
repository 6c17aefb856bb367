package redisstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The helper process's environment: what to do, against which Redis, under which prefix.
const (
	helperEnv    = "DINGBOT_REDISSTORE_HELPER"
	helperURL    = "DINGBOT_REDISSTORE_URL"
	helperPrefix = "DINGBOT_REDISSTORE_PREFIX"
	helperStart  = "DINGBOT_REDISSTORE_START"
)

// Shared by the three-process test and its helpers.
const (
	procLimit  = 20
	procWindow = time.Second
	procRun    = 2300 * time.Millisecond
	// helperLease is the lock helper's lease: short, yet long enough that a loaded machine
	// (CI has two cores) does not stall the holder past it.
	helperLease = 2 * time.Second
)

// TestHelperProcess is not a test: other tests run the test binary as a helper process.
//   - reserve: hammer Reserve for the same token for procRun, printing each grant's time in Redis.
//   - lock: take a lock with a short lease, say "locked", then keep it until killed.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the multi-process tests")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(helperURL), os.Getenv(helperPrefix))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	switch mode {
	case "reserve":
		// Start together with the other helpers, once the parent has started them all.
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := os.Stat(os.Getenv(helperStart)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Println("error: no start signal")
				os.Exit(1)
			}
			time.Sleep(time.Millisecond)
		}
		l := s.Limiter()
		l.Limit, l.Window = procLimit, procWindow
		w := bufio.NewWriter(os.Stdout)
		fail := func(err error) {
			fmt.Fprintln(w, "error:", err)
			w.Flush()
			os.Exit(1)
		}
		for end := time.Now().Add(procRun); time.Now().Before(end); {
			// Reserve, keeping the slot's id to read the time Redis gave it.
			id := newID()
			wait, err := l.reserve(ctx, testToken, id)
			if err != nil {
				fail(err)
			}
			if wait == 0 {
				ms, err := s.client.ZScore(ctx, l.key(testToken), id).Result()
				if err != nil {
					fail(err)
				}
				fmt.Fprintln(w, "granted", int64(ms))
			}
		}
		w.Flush()
	case "lock":
		s.Lease = helperLease
		held, _, ok, err := s.Lock(ctx, "robot")
		if err != nil || !ok {
			fmt.Println("error: lock:", ok, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		<-held.Done()
		fmt.Println("lost:", context.Cause(held))
		time.Sleep(time.Hour) // until killed
	}
	os.Exit(0)
}

func helper(t *testing.T, mode, url, prefix, start string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperURL+"="+url, helperPrefix+"="+prefix, helperStart+"="+start)
	return cmd
}

// TestThreeProcessesShareOneWindow: three processes hammer Reserve for one token on one
// Redis; in no sliding window (by Redis's clock, which stamped each slot) were more than
// procLimit slots granted.
func TestThreeProcessesShareOneWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs helper processes for a few seconds")
	}
	t.Parallel()
	srv, _ := server(t)
	start := filepath.Join(t.TempDir(), "go")
	const procs = 3
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmds[i] = helper(t, "reserve", srv.URL(), testPrefix(t), start)
		outs[i] = new(bytes.Buffer)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(start, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i, cmd := range cmds {
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()

	var grants []time.Time
	per := make([]int, procs)
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], out)
		}
		for line := range strings.Lines(out.String()) {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "granted "); ok {
				ms, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					t.Fatalf("helper %d printed %q", i, line)
				}
				grants = append(grants, time.UnixMilli(ms))
				per[i]++
			}
		}
	}
	slices.SortFunc(grants, func(a, b time.Time) int { return a.Compare(b) })
	for i := procLimit; i < len(grants); i++ {
		if d := grants[i].Sub(grants[i-procLimit]); d < procWindow {
			t.Fatalf("grants %d and %d are %v apart: %d slots within %v", i-procLimit, i, d, procLimit+1, procWindow)
		}
	}
	// procRun covers three windows (slots held window + 1/30): 60 grants, or 40 if the last
	// window opens just after the helpers stop.
	if len(grants) < 2*procLimit || len(grants) > 3*procLimit {
		t.Fatalf("%d grants in %v (per process %v), want %d to %d", len(grants), procRun, per, 2*procLimit, 3*procLimit)
	}
	t.Logf("%d grants, per process %v", len(grants), per)
}

// TestLockLeaseOutlivesItsHolder: a drainer process holds the lock, renewing its lease, for
// as long as it lives; killed, it leaves the lock to the next drainer once the lease runs out.
func TestLockLeaseOutlivesItsHolder(t *testing.T) {
	t.Parallel()
	srv, rc := server(t)
	cmd := helper(t, "lock", srv.URL(), testPrefix(t), "")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	said := bufio.NewReader(stdout)
	if line, err := said.ReadString('\n'); strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	s := New(rc, testPrefix(t))
	s.Lease = helperLease
	ctx := context.Background()
	// A lease and a half later the holder still has it: it renews.
	for end := time.Now().Add(3 * helperLease / 2); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if _, unlock, ok, err := s.Lock(ctx, "robot"); err != nil || ok {
			unlock()
			_ = cmd.Process.Kill()
			rest, _ := io.ReadAll(said)
			t.Fatalf("took the lock of a live holder (ok %v, %v); the holder said %q", ok, err, rest)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for {
		held, unlock, ok, err := s.Lock(ctx, "robot")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if d := time.Since(killed); d > helperLease+2*time.Second {
				t.Errorf("the lock freed %v after its holder died, want about the %v lease", d, helperLease)
			}
			if held.Err() != nil {
				t.Errorf("held context already ended: %v", context.Cause(held))
			}
			unlock()
			return
		}
		if time.Since(killed) > helperLease+5*time.Second {
			t.Fatal("the dead holder's lock never freed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
