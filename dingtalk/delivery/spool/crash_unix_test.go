//go:build unix

package spool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

func killSelf() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) }

// crash runs op in a helper process killed with SIGKILL at op.Point, and fails unless it died
// there.
func crash(t *testing.T, dir string, op crashOp) {
	t.Helper()
	arg, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	cmd, out := helper(t, "crash", dir, string(arg))
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("helper for %s at %s was not killed: %v\n%s", op.Op, op.Point, err, out)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper for %s at %s: %v\n%s", op.Op, op.Point, err, out)
	}
}

// consistent checks what every reader must agree on after a crash: one copy of each job, the
// same through Get and List, Seqs unique per key, Next giving the lowest unfinished job, Pending
// naming exactly the keys with unfinished jobs. It returns List.
func consistent(t *testing.T, s *Spool) []delivery.Job {
	t.Helper()
	ctx := t.Context()
	jobs, err := s.List(ctx, delivery.Filter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	ids := map[string]bool{}
	seqs := map[string]map[int64]bool{}
	lowest := map[string]delivery.Job{}
	for _, j := range jobs {
		if ids[j.ID] {
			t.Fatalf("List has job %s twice", j.ID)
		}
		ids[j.ID] = true
		if seqs[j.Key] == nil {
			seqs[j.Key] = map[int64]bool{}
		}
		if seqs[j.Key][j.Seq] {
			t.Fatalf("Seq %d given twice", j.Seq)
		}
		seqs[j.Key][j.Seq] = true
		got, err := s.Get(ctx, j.ID)
		if err != nil || got.State != j.State || got.Seq != j.Seq || !got.Updated.Equal(j.Updated) {
			t.Fatalf("Get(%s) = %s %d, %v; List says %s %d", j.ID, got.State, got.Seq, err, j.State, j.Seq)
		}
		if l, ok := lowest[j.Key]; j.State.InQueue() && (!ok || j.Seq < l.Seq) {
			lowest[j.Key] = j
		}
	}
	for key := range seqs {
		j, err := s.Next(ctx, key)
		want, ok := lowest[key]
		switch {
		case !ok && !errors.Is(err, delivery.ErrEmpty):
			t.Fatalf("Next = %s (%s), %v; List has no unfinished job", j.ID, j.State, err)
		case ok && (err != nil || j.ID != want.ID || j.State != want.State):
			t.Fatalf("Next = %s (%s), %v; List says %s (%s)", j.ID, j.State, err, want.ID, want.State)
		}
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for k := range lowest {
		want = append(want, k)
	}
	slices.Sort(want)
	if !slices.Equal(pending, want) {
		t.Fatalf("Pending = %v, want %v", pending, want)
	}
	return jobs
}

func openT(t *testing.T, dir string) *Spool {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func stateOf(t *testing.T, s *Spool, id string) delivery.State {
	t.Helper()
	j, err := s.Get(t.Context(), id)
	if errors.Is(err, delivery.ErrNotFound) {
		return "gone"
	}
	if err != nil {
		t.Fatal(err)
	}
	return j.State
}

// TestCrashPoints kills a process between the steps of each change and checks that the change
// happened whole or not at all, and that every reader agrees.
func TestCrashPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	ctx := t.Context()
	keyB := dingtalk.TokenKey("spool test robot b")

	t.Run("single add at its Seq", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		first, _ := s.Add(ctx, testJob("d-1", testKey))
		crash(t, dir, crashOp{Op: "add", Point: "add.seq", Jobs: []delivery.Job{testJob("d-2", testKey)}})
		consistent(t, s)
		if st := stateOf(t, s, "d-2"); st != "gone" {
			t.Fatalf("a job whose Add died before it was written is %s", st)
		}
		again, err := s.Add(ctx, testJob("d-2", testKey))
		if err != nil || again[0].Seq <= first[0].Seq+1 {
			t.Fatalf("Add after the crash = Seq %d, %v; want above the Seq the dead Add took (%d)", again[0].Seq, err, first[0].Seq+1)
		}
	})

	batch := func(ids ...string) []delivery.Job {
		var jobs []delivery.Job
		for i, id := range ids {
			key := testKey
			if i == 1 {
				key = keyB // a batch over two keys
			}
			j := testJob(id, key)
			j.Group, j.Part, j.Parts = "g-1", i+1, len(ids)
			jobs = append(jobs, j)
		}
		sent := testJob("d-sent", testKey) // and a job added finished
		sent.State = delivery.Sent
		return append(jobs, sent)
	}
	for _, c := range []struct {
		point string
		all   bool // the Add happened
	}{
		{"add.seq", false},
		{"add.written", false},
		{"add.committed", true},
		{"add.moved", true},
	} {
		t.Run("batch add at "+c.point, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir) // opened before the crash: it must see the recovery without reopening
			crash(t, dir, crashOp{Op: "add", Point: c.point, Jobs: batch("d-1", "d-2", "d-3")})
			jobs := consistent(t, s)
			if c.all && len(jobs) != 4 || !c.all && len(jobs) != 0 {
				t.Fatalf("after a crash at %s, %d of 4 jobs are stored: %v", c.point, len(jobs), jobs)
			}
			if c.all {
				if j, err := s.Next(ctx, testKey); err != nil || j.ID != "d-1" {
					t.Fatalf("Next = %s, %v", j.ID, err)
				}
			}
			if names, _ := readNames(s.journalDir()); len(names) != 0 {
				t.Fatalf("journal left: %v", names)
			}
			// A fresh process sees the same.
			if again := consistent(t, openT(t, dir)); len(again) != len(jobs) {
				t.Fatalf("another handle sees %d jobs, this one %d", len(again), len(jobs))
			}
		})
	}

	t.Run("finish between done and queue", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		jobs, _ := s.Add(ctx, testJob("d-1", testKey), testJob("d-2", testKey))
		sent := jobs[0]
		sent.State, sent.Updated = delivery.Sent, sent.Updated.Add(time.Second)
		crash(t, dir, crashOp{Op: "update", Point: "update.finished", Jobs: []delivery.Job{sent}})
		if ok, _ := exists(s.queueDir(testKey) + "/" + jobName(sent.Seq, sent.ID)); !ok {
			t.Fatal("the crash left no stale queue copy: the point is not between the two steps")
		}
		consistent(t, s)
		if st := stateOf(t, s, "d-1"); st != delivery.Sent {
			t.Fatalf("job is %s, want sent (done/ wins)", st)
		}
		if ok, _ := exists(s.queueDir(testKey) + "/" + jobName(sent.Seq, sent.ID)); ok {
			t.Fatal("Next left the stale queue copy")
		}
	})

	t.Run("retry between queue and done", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		jobs, _ := s.Add(ctx, testJob("d-1", testKey))
		failed := jobs[0]
		failed.State, failed.Updated = delivery.Failed, failed.Updated.Add(time.Second)
		if err := s.Update(ctx, failed); err != nil {
			t.Fatal(err)
		}
		retry := failed
		retry.State, retry.Updated = delivery.Queued, retry.Updated.Add(time.Second)
		crash(t, dir, crashOp{Op: "update", Point: "update.requeued", Jobs: []delivery.Job{retry}})
		consistent(t, s)
		if st := stateOf(t, s, "d-1"); st != delivery.Failed {
			t.Fatalf("job is %s, want failed: the retry never completed", st)
		}
		if err := s.Update(ctx, retry); err != nil {
			t.Fatal(err)
		}
		consistent(t, s)
		if j, err := s.Next(ctx, testKey); err != nil || j.ID != "d-1" || j.State != delivery.Queued {
			t.Fatalf("Next after the retry = %s %s, %v", j.ID, j.State, err)
		}
	})

	// held/ ranks between the queue and done/: each move writes the new place first, and a crash
	// before the old copy is removed leaves a state every reader resolves the same way.
	heldJob := func(id string) delivery.Job {
		j := testJob(id, testKey)
		j.State = delivery.Held
		j.Window = &delivery.Window{Route: "/alerts", Start: j.Created.Truncate(time.Minute), End: j.Created.Truncate(time.Minute).Add(time.Minute)}
		return j
	}
	for _, c := range []struct {
		name  string
		from  delivery.Job // as added
		to    delivery.State
		point string
		want  delivery.State // what the job is after the crash
	}{
		{"hold between held and queue", testJob("d-1", testKey), delivery.Held, "update.held", delivery.Held},
		{"digest between done and held", heldJob("d-1"), delivery.Digested, "update.finished-held", delivery.Digested},
		{"queue a held job between queue and held", heldJob("d-1"), delivery.Queued, "update.requeued", delivery.Held},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			jobs, err := s.Add(ctx, c.from, testJob("d-2", testKey))
			if err != nil {
				t.Fatal(err)
			}
			j := jobs[0]
			j.State, j.Updated, j.Digest = c.to, j.Updated.Add(time.Second), "s-1"
			crash(t, dir, crashOp{Op: "update", Point: c.point, Jobs: []delivery.Job{j}})
			consistent(t, s)
			if st := stateOf(t, s, "d-1"); st != c.want {
				t.Fatalf("job is %s, want %s", st, c.want)
			}
			held, err := s.List(ctx, delivery.Filter{States: []delivery.State{delivery.Held}})
			if err != nil || (len(held) == 1) != (c.want == delivery.Held) {
				t.Fatalf("List of held jobs = %v, %v", held, err)
			}
			if n, err := s.Next(ctx, testKey); err != nil || n.ID != "d-2" {
				t.Fatalf("Next = %s, %v; want d-2", n.ID, err)
			}
			// The change made again completes it.
			if err := s.Update(ctx, j); err != nil {
				t.Fatal(err)
			}
			consistent(t, s)
			if st := stateOf(t, s, "d-1"); st != c.to {
				t.Fatalf("after the Update again the job is %s, want %s", st, c.to)
			}
			consistent(t, openT(t, dir))
		})
	}

	t.Run("delete of a job with a stale copy", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		jobs, _ := s.Add(ctx, testJob("d-1", testKey))
		sent := jobs[0]
		sent.State = delivery.Sent
		crash(t, dir, crashOp{Op: "update", Point: "update.finished", Jobs: []delivery.Job{sent}})
		crash(t, dir, crashOp{Op: "delete", Point: "delete.queue", Jobs: []delivery.Job{sent}})
		consistent(t, s)
		// The stale queued copy is gone first: the job is sent or gone, never queued again.
		if st := stateOf(t, s, "d-1"); st != delivery.Sent && st != "gone" {
			t.Fatalf("job is %s after a cut-short Delete", st)
		}
	})
}

// TestKilledAtRandom kills a process adding and delivering jobs at random instants, again and
// again, and checks after each kill that the store is consistent, that every Add it reported
// is there whole, and that no job it reported sent is queued again.
func TestKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	dir := t.TempDir()
	s := openT(t, dir)
	added, sent := map[string]bool{}, map[string]bool{}
	for run := range 20 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=churn", helperDirEnv+"="+dir, helperArgEnv+"="+fmt.Sprint(run))
		var mu sync.Mutex
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = syncBuffer{&mu, out}, syncBuffer{&mu, out}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitLine(t, out, &mu, "ready")
		time.Sleep(time.Duration(rand.IntN(40_000)) * time.Microsecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for line := range strings.Lines(out.String()) {
			f := strings.Fields(line)
			if len(f) == 2 && f[0] == "added" {
				added[f[1]] = true
			}
			if len(f) == 2 && f[0] == "sent" {
				sent[f[1]] = true
			}
			if strings.HasPrefix(line, "error") {
				t.Fatalf("run %d: %s", run, line)
			}
		}
		jobs := consistent(t, s)
		groups := map[string]int{}
		for _, j := range jobs {
			groups[j.Group]++
			if sent[j.ID] && j.State != delivery.Sent {
				t.Fatalf("run %d: job %s reported sent is %s", run, j.ID, j.State)
			}
		}
		for g, n := range groups {
			if n != 3 {
				t.Fatalf("run %d: group %s has %d of its 3 jobs", run, g, n)
			}
		}
		for g := range added {
			if groups[g] != 3 {
				t.Fatalf("run %d: group %s, reported added, has %d jobs", run, g, groups[g])
			}
		}
	}
	if len(sent) == 0 {
		t.Fatal("the helpers never sent anything: the kills came too early to test much")
	}
	t.Logf("%d batches added, %d jobs sent across 20 kills", len(added), len(sent))
}
