package spool

import (
	"fmt"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// pending fills a spool with n queued jobs of testKey.
func pending(b *testing.B, s *Spool, n int) {
	b.Helper()
	for i := range n {
		if _, err := s.Add(b.Context(), testJob(fmt.Sprintf("d-pending-%d", i), testKey)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd is the cost of enqueueing one message, with 500 already waiting (the message
// is deleted outside the timer, so 500 stay waiting).
func BenchmarkAdd(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pending(b, s, 500)
	n := 0
	for b.Loop() {
		n++
		id := fmt.Sprintf("d-bench-%d", n)
		if _, err := s.Add(b.Context(), testJob(id, testKey)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer() // 500 stay waiting
		if err := s.Delete(b.Context(), id); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkAddSplit is the cost of enqueueing a message split in three parts (one Add of three
// jobs, through the journal), with 500 waiting.
func BenchmarkAddSplit(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pending(b, s, 500)
	n := 0
	for b.Loop() {
		n++
		jobs := make([]delivery.Job, 3)
		for i := range jobs {
			jobs[i] = testJob(fmt.Sprintf("d-bench-%d-%d", n, i), testKey)
		}
		if _, err := s.Add(b.Context(), jobs...); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, j := range jobs {
			if err := s.Delete(b.Context(), j.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
}

// BenchmarkNextUpdate is a drainer's bookkeeping for one message with 500 waiting: Next, then
// Update to Sent. The job consumed is replaced outside the timer, so 500 stay waiting.
// /cycle adds the Update to Sending a real delivery makes before its request.
func BenchmarkNextUpdate(b *testing.B) {
	for _, cycle := range []bool{false, true} {
		name := "sent"
		if cycle {
			name = "sending+sent"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pending(b, s, 500)
			n := 0
			for b.Loop() {
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
				b.StopTimer()
				n++
				if _, err := s.Add(b.Context(), testJob(fmt.Sprintf("d-refill-%d", n), testKey)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
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
