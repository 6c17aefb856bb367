package spool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// The multi-process tests run this test binary again as helper processes.
const (
	helperEnv    = "DINGBOT_SPOOL_HELPER" // the helper's mode
	helperDirEnv = "DINGBOT_SPOOL_DIR"
	helperArgEnv = "DINGBOT_SPOOL_ARG" // mode-specific, often JSON
)

var testKey = dingtalk.TokenKey("spool test robot")

// TestHelperProcess is not a test: the multi-process tests run the test binary as a helper
// process doing one mode's work on a shared spool directory.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the multi-process tests")
	}
	if err := runHelper(mode, os.Getenv(helperDirEnv), os.Getenv(helperArgEnv)); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runHelper(mode, dir, arg string) error {
	s, err := Open(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	switch mode {
	case "adds": // wait for the start signal, then add 20 jobs one by one
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, "..", "go")); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no start signal")
			}
			time.Sleep(time.Millisecond)
		}
		for i := range 20 {
			j := testJob(fmt.Sprintf("%s-%02d", arg, i), testKey)
			got, err := s.Add(ctx, j)
			if err != nil {
				return err
			}
			fmt.Println("seq", got[0].Seq)
		}
		return nil
	case "lock": // hold the drainer lock until killed
		_, _, ok, err := s.Lock(ctx, testKey)
		if err != nil {
			return err
		}
		fmt.Println("locked", ok)
		time.Sleep(time.Minute)
		return fmt.Errorf("not killed")
	case "crash": // do one change, killing this process at a hook point
		return runCrash(s, arg)
	case "churn": // add, send, finish, until killed
		return runChurn(s, arg)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// testJob returns a queued job for key.
func testJob(id, key string) delivery.Job {
	now := time.Now()
	return delivery.Job{
		ID: id, Robot: "ops", Key: key, MsgUUID: "uuid-" + id, Msg: dingtalk.NewText("hello " + id),
		State: delivery.Queued, Created: now, Updated: now, Due: now,
	}
}

// helper starts the test binary in mode on dir.
func helper(t *testing.T, mode, dir, arg string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDirEnv+"="+dir, helperArgEnv+"="+arg)
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, out
}

// TestProcessesAdd: five processes add 20 jobs each to one robot at once; every job is stored
// with its own Seq, increasing in each process, and Next hands them out in Seq order.
func TestProcessesAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "outbox")
	const procs = 5
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range procs {
		cmds[i], outs[i] = helper(t, "adds", dir, fmt.Sprintf("p%d", i))
	}
	if err := os.WriteFile(filepath.Join(root, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i, cmd := range cmds {
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range procs {
		if errs[i] != nil {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], outs[i])
		}
		var last int64
		n := 0
		for line := range strings.Lines(outs[i].String()) {
			f := strings.Fields(line)
			if len(f) != 2 || f[0] != "seq" {
				continue
			}
			seq, _ := strconv.ParseInt(f[1], 10, 64)
			if seq <= last || seen[seq] {
				t.Fatalf("helper %d got Seq %d (its last %d, seen before: %v)", i, seq, last, seen[seq])
			}
			seen[seq], last = true, seq
			n++
		}
		if n != 20 {
			t.Fatalf("helper %d added %d jobs:\n%s", i, n, outs[i])
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jobs, err := s.List(t.Context(), delivery.Filter{})
	if err != nil || len(jobs) != procs*20 {
		t.Fatalf("List = %d jobs, %v; want %d", len(jobs), err, procs*20)
	}
	var prev int64
	for range procs * 20 {
		j, err := s.Next(t.Context(), testKey)
		if err != nil {
			t.Fatal(err)
		}
		if j.Seq <= prev || !seen[j.Seq] {
			t.Fatalf("Next gave Seq %d after %d", j.Seq, prev)
		}
		prev = j.Seq
		j.State = delivery.Sent
		if err := s.Update(t.Context(), j); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Next(t.Context(), testKey); err != delivery.ErrEmpty {
		t.Fatalf("Next after all = %v, want ErrEmpty", err)
	}
}

// waitLine waits until out has a line starting with prefix, or the process ended.
func waitLine(t *testing.T, out *bytes.Buffer, mu *sync.Mutex, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		text := out.String()
		mu.Unlock()
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), prefix) {
				return sc.Text()
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("helper never said %q:\n%s", prefix, out)
	return ""
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (b syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// TestKilledDrainerReleasesLock: a drainer killed with SIGKILL while it holds a robot's lock
// leaves the lock free at once.
func TestKilledDrainerReleasesLock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a helper process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=lock", helperDirEnv+"="+dir)
	var mu sync.Mutex
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = syncBuffer{&mu, out}, syncBuffer{&mu, out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if line := waitLine(t, out, &mu, "locked"); line != "locked true" {
		t.Fatalf("helper: %s", line)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, ok, err := s.Lock(t.Context(), testKey); ok || err != nil {
		t.Fatalf("Lock while another process holds it = %v, %v", ok, err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
	held, unlock, ok, err := s.Lock(t.Context(), testKey)
	if !ok || err != nil {
		t.Fatalf("Lock right after its holder was killed = %v, %v", ok, err)
	}
	if held.Err() != nil {
		t.Fatal("held context already done")
	}
	unlock()
}

// crashOp is one change a "crash" helper makes, to be killed at Point.
type crashOp struct {
	Op    string         `json:"op"` // add, update, delete
	Point string         `json:"point"`
	Jobs  []delivery.Job `json:"jobs"`
}

func runCrash(s *Spool, arg string) error {
	var op crashOp
	if err := json.Unmarshal([]byte(arg), &op); err != nil {
		return err
	}
	hook = func(p string) {
		if p == op.Point {
			killSelf()
		}
	}
	ctx := context.Background()
	var err error
	switch op.Op {
	case "add":
		_, err = s.Add(ctx, op.Jobs...)
	case "update":
		err = s.Update(ctx, op.Jobs[0])
	case "delete":
		err = s.Delete(ctx, op.Jobs[0].ID)
	default:
		err = fmt.Errorf("unknown op %q", op.Op)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("point %s never reached", op.Point)
}

// runChurn adds batches of three jobs over two keys and delivers them, until killed.
func runChurn(s *Spool, run string) error {
	ctx := context.Background()
	keys := []string{testKey, dingtalk.TokenKey("spool test robot b")}
	fmt.Println("ready")
	for n := 0; ; n++ {
		g := fmt.Sprintf("g-%s-%d", run, n)
		var jobs []delivery.Job
		for i := range 3 {
			j := testJob(fmt.Sprintf("d-%s-%d-%d", run, n, i), keys[i%2])
			j.Group, j.Part, j.Parts = g, i+1, 3
			jobs = append(jobs, j)
		}
		if _, err := s.Add(ctx, jobs...); err != nil {
			return err
		}
		fmt.Println("added", g)
		for _, key := range keys {
			j, err := s.Next(ctx, key)
			if errors.Is(err, delivery.ErrEmpty) {
				continue
			}
			if err != nil {
				return err
			}
			j.State, j.Attempts = delivery.Sending, j.Attempts+1
			if err := s.Update(ctx, j); err != nil {
				return err
			}
			j.State = delivery.Sent
			if err := s.Update(ctx, j); err != nil {
				return err
			}
			fmt.Println("sent", j.ID)
		}
	}
}
