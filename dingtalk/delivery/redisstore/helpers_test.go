package redisstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore/redistest"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testToken = "0123456789abcdef-SECRET-TOKEN"

// testPrefix gives each test its own keys.
func testPrefix(t testing.TB) string {
	return "t:" + strings.NewReplacer("/", ":", " ", "_").Replace(t.Name()) + ":"
}

// server starts a redis-server for t and returns it with a client.
func server(t testing.TB) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	return srv, client(t, srv)
}

// client connects to srv with the options Open would use.
func client(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	opt, _, err := ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fakeLimiter is a Limiter on a fresh Redis driven by a fake clock.
func fakeLimiter(t *testing.T) (*Limiter, *clock) {
	t.Helper()
	_, c := server(t)
	cl := newClock()
	l := NewLimiter(c, testPrefix(t))
	l.Now = cl.Now
	return l, cl
}

func mustReserve(t *testing.T, l *Limiter, token string) time.Duration {
	t.Helper()
	wait, err := l.Reserve(token)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	return wait
}

func mustRemaining(t *testing.T, l *Limiter, token string) int {
	t.Helper()
	n, err := l.Remaining(token)
	if err != nil {
		t.Fatalf("Remaining: %v", err)
	}
	return n
}

// allKeys lists every key in the server.
func allKeys(t *testing.T, c *redis.Client) []string {
	t.Helper()
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
