package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore/redistest"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestRedisSharesOneRobotAcrossHosts: three dingbot "hosts" (each its own state directory)
// share one robot through Redis: together they send at most 20 messages in the minute, the rest
// are told to wait, and DingTalk never throttles the robot. A message queued on one host is
// delivered by a drainer on another.
func TestRedisSharesOneRobotAcrossHosts(t *testing.T) {
	rs := redistest.Start(t)
	e, _ := robotsEnv(t, 1, sandbox.Options{})
	host := func(i int) []string {
		return []string{"DINGBOT_REDIS_URL=" + rs.URL(), "DINGBOT_STATE_DIR=" + filepath.Join(e.dir, fmt.Sprint("host", i)), "DINGBOT_NO_BACKGROUND_DRAINER=1"}
	}
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		sent, waits int
	)
	for h := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				r := e.runEnv(host(h), "", "send", "text", fmt.Sprintf("host %d message %d", h, i), "--no-wait")
				mu.Lock()
				switch r.code {
				case 0:
					sent++
				case 4:
					waits++
				default:
					t.Errorf("host %d: exit %d: %s", h, r.code, r.stderr)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if sent != 20 || waits != 10 {
		t.Fatalf("sent %d, told to wait %d; want 20 and 10", sent, waits)
	}
	for _, a := range e.sb.Arrivals() {
		if a.Errcode == 410100 {
			t.Fatal("DingTalk's throttle was earned")
		}
	}

	// Queued on host 0, delivered by host 1's drainer: the outbox is shared too. The minute is
	// full, so the drainer holds it until the window frees: check only that host 1 sees it.
	r := e.runEnv(host(0), "", "send", "text", "queued on host 0", "--queue", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("queue: %d %v %s", r.code, err, r.stderr)
	}
	r = e.runEnv(host(1), "", "outbox", "ls", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, res.Deliveries[0].ID) {
		t.Fatalf("host 1 does not see host 0's queued message: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// Redis gone: sends fail with state_error and never bypass the limit.
	rs.Stop()
	r = e.runEnv(host(2), "", "send", "text", "no redis", "--json")
	if r.code != 5 || !strings.Contains(r.stdout, `"error":"state_error"`) || !strings.Contains(r.stdout, "Redis") {
		t.Fatalf("without Redis: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}
