package spool

import (
	"fmt"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// These benchmarks avoid b.StopTimer (it reads the memory statistics, stopping the world, which
// costs as much as what is measured): the queue is filled before the timer starts.

// fill opens a spool with n queued jobs of testKey.
func fill(b *testing.B, n int) *Spool {
	b.Helper()
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for i := range n {
		if _, err := s.Add(b.Context(), testJob(fmt.Sprintf("d-pending-%d", i), testKey)); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkAdd is the cost of enqueueing one message with 500 (and more, as it adds) already
// waiting for the same robot, and, to see what the queue's length costs, with none.
func BenchmarkAdd(b *testing.B) {
	for _, waiting := range []int{500, 0} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			s := fill(b, waiting)
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Add(b.Context(), testJob(fmt.Sprintf("d-bench-%d", i), testKey)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddSplit is the cost of enqueueing a message split in three parts (one Add of three
// jobs, through the journal), with 500 waiting.
func BenchmarkAddSplit(b *testing.B) {
	s := fill(b, 500)
	b.ResetTimer()
	for i := range b.N {
		jobs := make([]delivery.Job, 3)
		for p := range jobs {
			jobs[p] = testJob(fmt.Sprintf("d-bench-%d-%d", i, p), testKey)
		}
		if _, err := s.Add(b.Context(), jobs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextUpdate is a drainer's bookkeeping for one message with at least 500 waiting:
// Next, then Update to Sent. sending+sent adds the Update to Sending a real delivery makes
// before its request.
func BenchmarkNextUpdate(b *testing.B) {
	for _, cycle := range []bool{false, true} {
		name := "sent"
		if cycle {
			name = "sending+sent"
		}
		b.Run(name, func(b *testing.B) {
			s := fill(b, 500+b.N)
			b.ResetTimer()
			for range b.N {
				j, err := s.Next(b.Context(), testKey)
				if err != nil {
					b.Fatal(err)
				}
				if cycle {
					j.State, j.Attempts = delivery.Sending, j.Attempts+1
					if err := s.Update(b.Context(), j); err != nil {
						b.Fatal(err)
					}
				}
				j.State = delivery.Sent
				if err := s.Update(b.Context(), j); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFloor is what any durable, atomic file write costs on this disk (a temporary file
// written and fsynced, renamed, the directory fsynced): the floor under Add and Update, to read
// their timings against on a busy machine.
func BenchmarkFloor(b *testing.B) {
	dir := b.TempDir()
	data := []byte(`{"id":"d-1","robot":"ops","state":"queued"}`)
	for b.Loop() {
		if err := writeFile(dir, "job.json", data); err != nil {
			b.Fatal(err)
		}
		if err := syncDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}
