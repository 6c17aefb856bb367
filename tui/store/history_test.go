package store

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

func titles(t *testing.T, s *Store) []string {
	t.Helper()
	es, err := s.Latest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Message.Title())
	}
	return out
}

func entry(title string, at time.Time) Entry {
	return Entry{Time: at, Robot: "ops", MsgType: dingtalk.TypeMarkdown, Message: dingtalk.NewMarkdown(title, "x")}
}

// Two composers share a state directory: one deletes an entry while the other appends; nothing
// the other wrote is lost, and Restore puts the entry back in its place.
func TestHistoryDeleteAndRestoreWithTwoComposers(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(dir), Open(dir)
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	for i, title := range []string{"one", "two", "three"} {
		if err := a.Append(entry(title, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	es, err := b.Latest()
	if err != nil {
		t.Fatal(err)
	}
	two := es[1]
	if two.Message.Title() != "two" {
		t.Fatalf("latest %v", titles(t, b))
	}
	var wg sync.WaitGroup
	const appends = 20
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range appends {
			if err := a.Append(entry("more", t0.Add(time.Hour+time.Duration(i)*time.Second))); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		if err := b.Delete(two); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	got := titles(t, a)
	if len(got) != 2+appends || slices.Contains(got, "two") || got[len(got)-1] != "one" || got[len(got)-2] != "three" {
		t.Fatalf("after delete with appends meanwhile: %v", got)
	}
	// Deleting it again (the other composer's list still shows it) is no error and no change.
	if err := a.Delete(two); err != nil || len(titles(t, a)) != 2+appends {
		t.Fatalf("second delete: %v, %v", err, titles(t, a))
	}
	if err := b.Restore(two); err != nil {
		t.Fatal(err)
	}
	got = titles(t, a)
	if len(got) != 3+appends || !slices.Equal(got[len(got)-3:], []string{"three", "two", "one"}) {
		t.Fatalf("after restore: %v", got)
	}
	// An entry built by hand (not read by Latest) is found by its content.
	if err := a.Delete(entry("one", t0)); err != nil || slices.Contains(titles(t, a), "one") {
		t.Fatalf("delete by content: %v, %v", err, titles(t, a))
	}
}
