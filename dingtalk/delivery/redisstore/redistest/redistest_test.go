package redistest

import (
	"context"
	"testing"
)

func TestStartAnswersAndStops(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET: %q, %v", v, err)
	}
	// Two servers at once get two ports and separate data.
	other := Start(t)
	if other.Addr == s.Addr {
		t.Fatalf("both servers on %s", s.Addr)
	}
	if n, err := other.Client(t).Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("the second server sees the first one's key: %d, %v", n, err)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatal("the server still answers after Stop")
	}
	s.Stop() // twice is harmless
}
