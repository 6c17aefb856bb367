package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestStalledConnectionsAreBounded: connections that never finish their headers or their body,
// and idle keep-alive ones, neither keep other clients waiting nor stay open past the timeouts.
func TestStalledConnectionsAreBounded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const timeout = 1500 * time.Millisecond
	base, s, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{
		ReadHeaderTimeout: timeout, ReadTimeout: timeout, IdleTimeout: timeout, WriteTimeout: timeout, Limit: 1 << 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(base, "http://")
	const bodies, headers, idle = 200, 50, 50 // 300 connections, as in the report
	start := time.Now()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dial := func(req string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for range bodies { // headers and half a body, then nothing
		dial("POST /robot/send?access_token=sandbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Content-Length: 100\r\n\r\n{\"msgtype\":\"text\",")
	}
	for range headers { // half the headers
		dial("POST /robot/send?access_token=sandbox HTTP/1.1\r\nHost: x\r\nContent-")
	}
	for range idle { // one whole request, then an idle keep-alive connection
		c := dial("POST /robot/send?access_token=sandbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(text("hi")), text("hi")))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// Another client is answered at once, while all of them are still open.
	client := &http.Client{Timeout: 5 * time.Second}
	asked := time.Now()
	resp, err := client.Post(sandbox.WebhookURL(base, sandbox.DefaultToken), jsonCT, strings.NewReader(text("still here")))
	if err != nil {
		t.Fatalf("a client among %d stalled connections: %v", len(conns), err)
	}
	resp.Body.Close()
	if d := time.Since(asked); d > timeout*2/3 {
		t.Errorf("a client among %d stalled connections was answered after %v", len(conns), d)
	}

	// Every stalled connection is closed by the server once its timeout has passed.
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(start.Add(4 * timeout))
			_, err := io.Copy(io.Discard, c)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("connection %d still open after %v", i, time.Since(start))
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	st := s.Stats()
	if st.Posted != idle+1 || st.Rejected != bodies {
		t.Errorf("stats %+v, want %d posted and %d bodies that never arrived", st, idle+1, bodies)
	}
	for _, a := range s.Arrivals() {
		if !a.Accepted && (a.Status != 0 || !strings.Contains(a.Errmsg, "did not arrive in time")) {
			t.Errorf("stalled body recorded as %+v", a)
			break
		}
	}
}

// TestDelayOutlastsReadTimeout: a delay longer than the read timeout is a delay, not a client
// gone away, and the answer still arrives.
func TestDelayOutlastsReadTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, s, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{
		ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, Delay: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := post(t, sandbox.WebhookURL(base, sandbox.DefaultToken), jsonCT, text("slow")); got.Errcode != 0 {
		t.Fatalf("answer %+v; arrivals %+v", got, s.Arrivals())
	}
}

// endless is a request body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestEndlessBodyIsCut: the sandbox reads a little more than DingTalk's limit, answers 460101
// and closes the connection instead of reading on.
func TestEndlessBodyIsCut(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, s, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, sandbox.WebhookURL(base, sandbox.DefaultToken), io.LimitReader(endless{}, 1<<30))
	req.Header.Set("Content-Type", jsonCT)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	a := s.Arrivals()
	if len(a) != 1 || a[0].Errcode != 460101 || len(a[0].Body) != sandbox.MaxBody+1 {
		t.Fatalf("arrivals %d (%v)", len(a), err)
	}
}

// TestKeepsTheNewestArrivals: after Keep+k requests the newest Keep are kept, Accepted works on
// them, Stats counts all, and memory does not grow with the number of requests.
func TestKeepsTheNewestArrivals(t *testing.T) {
	const keep = 50
	s := sandbox.New(sandbox.Options{Keep: keep, Limit: 1 << 30})
	srv := httptest.NewServer(s)
	defer srv.Close()
	u := webhook(srv.URL, sandbox.DefaultToken)
	filler := strings.Repeat("y", 15000) // about the ~26 KB an arrival held in the report
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if _, got := post(t, u, jsonCT, text(fmt.Sprintf("%d %s", i, filler))); got.Errcode != 0 {
				t.Fatal(got)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	send(0, 200)
	before := heap()
	send(200, 600)
	grown := int64(heap()) - int64(before)

	all := s.Arrivals()
	if len(all) != keep {
		t.Fatalf("kept %d arrivals, want %d", len(all), keep)
	}
	for i, a := range all {
		if want := fmt.Sprintf(`"content":"%d `, 600-keep+i); !strings.Contains(string(a.Body), want) {
			t.Fatalf("arrival %d is not request %d", i, 600-keep+i)
		}
	}
	if n := len(s.Accepted()); n != keep {
		t.Errorf("accepted %d, want %d", n, keep)
	}
	if st := s.Stats(); st.Arrivals != 600 || st.Posted != 600 {
		t.Errorf("stats %+v, want 600 arrivals posted", st)
	}
	// 400 more requests of 15 KB kept would be more than 10 MB.
	if grown > 3<<20 {
		t.Errorf("heap grew %d KB over 400 requests with Keep %d", grown>>10, keep)
	}
	s.Reset()
	if len(s.Arrivals()) != 0 || s.Stats() != (sandbox.Stats{}) {
		t.Error("Reset kept arrivals or counts")
	}
}

// TestMsgUuidMemoryIsBounded: each robot remembers the newest KeepUUIDs msgUuids; within them a
// resend is a duplicate, an older one is posted again.
func TestMsgUuidMemoryIsBounded(t *testing.T) {
	s := sandbox.New(sandbox.Options{KeepUUIDs: 100, Limit: 1 << 30})
	srv := httptest.NewServer(s)
	defer srv.Close()
	u := webhook(srv.URL, sandbox.DefaultToken)
	withUUID := func(n int) string {
		return fmt.Sprintf(`{"msgtype":"text","text":{"content":"x"},"msgUuid":"u-%d"}`, n)
	}
	for i := range 150 {
		post(t, u, jsonCT, withUUID(i))
	}
	for _, tt := range []struct {
		n   int
		dup bool
	}{{149, true}, {50, true}, {49, false}, {0, false}} {
		post(t, u, jsonCT, withUUID(tt.n))
		all := s.Arrivals()
		if a := all[len(all)-1]; !a.Accepted || a.Duplicate != tt.dup {
			t.Errorf("resend of u-%d: accepted %v duplicate %v, want duplicate %v", tt.n, a.Accepted, a.Duplicate, tt.dup)
		}
	}
}
