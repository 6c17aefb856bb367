package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/storetest"
)

// opener opens handles on one spool directory per test.
func opener(t *testing.T) func() *Spool {
	dir := t.TempDir()
	return func() *Spool {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() delivery.Store {
		open := opener(t)
		return func() delivery.Store { return open() }
	})
}

func TestMeter(t *testing.T) {
	storetest.RunMeter(t, func(t *testing.T) func() dingtalk.Meter {
		open := opener(t)
		return func() dingtalk.Meter { return open() }
	})
}

// TestUnsafeNames: a key or an ID that cannot be a plain file name is refused, and a token
// passed as a key by mistake is neither written nor repeated in the error.
func TestUnsafeNames(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	token := strings.Repeat("0123456789abcdef", 4) // what a DingTalk access token looks like
	for _, key := range []string{token, "", "../x", "a/b", ".hidden", "-x", "k\x00"} {
		j := testJob("d-1", key)
		if _, err := s.Add(ctx, j); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("Add with key %q = %v", key, err)
		}
		if _, _, _, err := s.Lock(ctx, key); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("Lock(%q) = %v", key, err)
		}
		if _, err := s.Next(ctx, key); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("Next(%q) = %v", key, err)
		}
		if _, _, err := s.Count(ctx, key, "2026-11"); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("Count(%q) = %v", key, err)
		}
		if err := s.Pause(ctx, key, dingtalk.Pause{Until: time.Now().Add(time.Minute)}); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("Pause(%q) = %v", key, err)
		}
	}
	for _, id := range []string{"", "../../x", "a/b", ".x", strings.Repeat("x", 200)} {
		if _, err := s.Add(ctx, testJob(id, testKey)); err == nil {
			t.Errorf("Add with id %q succeeded", id)
		}
		if _, err := s.Get(ctx, id); !errors.Is(err, delivery.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if _, _, err := s.Count(ctx, testKey, "../2026"); err == nil {
		t.Error("Count with a month that is a path succeeded")
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if strings.Contains(path, token) {
			t.Errorf("%s names the token", path)
		}
		return nil
	})
}

// TestLeftovers: temporary files a dead process left are never read as jobs, and Prune removes
// them once they are an hour old.
func TestLeftovers(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.Add(ctx, testJob("d-1", testKey)); err != nil {
		t.Fatal(err)
	}
	var leftovers []string
	for _, dir := range []string{s.queueDir(testKey), s.doneDir(), s.journalDir()} {
		old := filepath.Join(dir, tmpPrefix+"old")
		young := filepath.Join(dir, tmpPrefix+"young")
		for _, p := range []string{old, young} {
			if err := os.WriteFile(p, []byte(`{"id":"d-ghost","key":"`+testKey+`","state":"queued"}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		past := time.Now().Add(-2 * tmpMaxAge)
		if err := os.Chtimes(old, past, past); err != nil {
			t.Fatal(err)
		}
		leftovers = append(leftovers, old, young)
	}
	jobs, err := s.List(ctx, delivery.Filter{})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("List = %v, %v; want d-1 alone", jobs, err)
	}
	if keys, err := s.Pending(ctx); err != nil || len(keys) != 1 {
		t.Fatalf("Pending = %v, %v", keys, err)
	}
	if _, err := s.Prune(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, p := range leftovers {
		ok, _ := exists(p)
		if young := i%2 == 1; ok != young {
			t.Errorf("after Prune, %s exists: %v", p, ok)
		}
	}
}

// TestClosed: a closed Spool refuses work and has let its drainer locks go.
func TestClosed(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	held, _, ok, err := s.Lock(t.Context(), testKey)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if held.Err() == nil {
		t.Fatal("held context alive after Close")
	}
	if _, err := s.Add(t.Context(), testJob("d-1", testKey)); !errors.Is(err, errClosed) {
		t.Fatalf("Add after Close = %v", err)
	}
	if _, _, _, err := s.Lock(t.Context(), testKey); !errors.Is(err, errClosed) {
		t.Fatalf("Lock after Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

// TestUnwritable: a spool that cannot be created is a StateError, which dingbot reports as
// state_error with its fix.
func TestUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(file, "outbox"))
	var se *dingtalk.StateError
	if !errors.As(err, &se) {
		t.Fatalf("Open under a file = %v, want a *dingtalk.StateError", err)
	}
}

// TestNextSeesJobsPutBack: Next caches a queue's names, yet a job put back below them (a retry,
// the Add of a dead process completed later) is next at once, in every process.
func TestNextSeesJobsPutBack(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	var jobs []delivery.Job
	for i := range 5 {
		jobs = append(jobs, testJob(fmt.Sprintf("d-%d", i+1), testKey))
	}
	jobs, err = s.Add(ctx, jobs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs[2:4] {
		if err := s.Delete(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	next := func(want string) {
		t.Helper()
		j, err := s.Next(ctx, testKey)
		if err != nil || j.ID != want {
			t.Fatalf("Next = %s, %v; want %s", j.ID, err, want)
		}
	}
	finish := func(j delivery.Job, st delivery.State) {
		t.Helper()
		j.State = st
		if err := s.Update(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	next("d-1")
	finish(jobs[0], delivery.Failed)
	next("d-2")
	finish(jobs[1], delivery.Sent)
	next("d-5") // the cache now starts at Seq 5

	// Another process retries d-1.
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	finish(jobs[0], delivery.Queued)
	_ = other.Close()
	next("d-1")
	finish(jobs[0], delivery.Sent)
	next("d-5")

	// A dead process's Add of Seqs 3 and 4, committed but not applied, as it leaves it.
	var jl journal
	jl.Keys = []string{testKey}
	for i, seq := range []int64{3, 4} {
		j := testJob(fmt.Sprintf("d-late-%d", i), testKey)
		j.Seq = seq
		data, _ := json.Marshal(j)
		tmp, err := writeTemp(s.queueDir(testKey), data)
		if err != nil {
			t.Fatal(err)
		}
		jl.Moves = append(jl.Moves, move{Dir: "pending/" + testKey, Tmp: tmp, Name: jobName(seq, j.ID)})
	}
	data, _ := json.Marshal(jl)
	if err := os.WriteFile(filepath.Join(s.journalDir(), "dead.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	next("d-late-0")
}

// TestHintsAndMarkers: Add finds the high water through the seq file and refuses a queued ID
// through its id- marker, without reading the directory; a hint that is missing, stale or left
// by a dead process never makes it give a Seq twice or refuse a new job.
func TestHintsAndMarkers(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	qd := s.queueDir(testKey)
	var last int64
	add := func(id string) delivery.Job {
		t.Helper()
		got, err := s.Add(ctx, testJob(id, testKey))
		if err != nil {
			t.Fatalf("Add(%s): %v", id, err)
		}
		if got[0].Seq <= last {
			t.Fatalf("Add(%s) got Seq %d after %d", id, got[0].Seq, last)
		}
		last = got[0].Seq
		return got[0]
	}
	first := add("d-1")
	if hint, err := os.ReadFile(filepath.Join(qd, hintName)); err != nil || string(hint) != seqName(first.Seq) {
		t.Fatalf("seq file = %q, %v; want %s", hint, err, seqName(first.Seq))
	}
	job, _ := os.Stat(filepath.Join(qd, jobName(first.Seq, "d-1")))
	marker, err := os.Stat(filepath.Join(qd, markerName("d-1")))
	if err != nil || !os.SameFile(job, marker) {
		t.Fatalf("the id- marker of a queued job is not a link to it: %v", err)
	}
	add("d-2")
	for _, hint := range []string{
		"",                          // missing
		seqName(1),                  // names a seq- file renamed since
		"../../../../../etc/passwd", // not a seq- name
		"seq-9",                     // cut short
	} {
		_ = os.Remove(filepath.Join(qd, hintName))
		if hint != "" {
			if err := os.WriteFile(filepath.Join(qd, hintName), []byte(hint), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		add(fmt.Sprintf("d-%d", last+1))
	}
	// A job that left takes its marker along; a marker a dead process left does not block its ID.
	j := add("d-10")
	j.State = delivery.Sent
	if err := s.Update(ctx, j); err != nil {
		t.Fatal(err)
	}
	if ok, _ := exists(filepath.Join(qd, markerName("d-10"))); ok {
		t.Fatal("the marker of a sent job is still there")
	}
	if err := s.Delete(ctx, "d-2"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := exists(filepath.Join(qd, markerName("d-2"))); ok {
		t.Fatal("the marker of a deleted job is still there")
	}
	if err := os.WriteFile(filepath.Join(qd, markerName("d-orphan")), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	add("d-orphan")
	if _, err := s.Add(ctx, testJob("d-orphan", testKey)); err == nil {
		t.Fatal("Add of a queued ID succeeded")
	}
	// Prune removes the markers of jobs that are gone, and only those.
	if err := os.WriteFile(filepath.Join(qd, markerName("d-gone")), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, time.Time{}); err != nil { // no job is that old
		t.Fatal(err)
	}
	if ok, _ := exists(filepath.Join(qd, markerName("d-gone"))); ok {
		t.Fatal("Prune left the marker of a job that is gone")
	}
	if ok, _ := exists(filepath.Join(qd, markerName("d-orphan"))); !ok {
		t.Fatal("Prune removed the marker of a queued job")
	}
	// A retried job is marked again.
	j.State = delivery.Queued
	if err := s.Update(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, testJob("d-10", testKey)); err == nil {
		t.Fatal("Add of a retried job's ID succeeded")
	}
}
