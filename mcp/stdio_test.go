package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// rawSession speaks JSON-RPC by hand over a server's stdin and stdout and keeps every line the
// server writes, to prove that stdout carries protocol frames only.
type rawSession struct {
	t     testing.TB
	in    io.WriteCloser
	mu    sync.Mutex
	lines []string
	byID  map[string]map[string]any
	added chan struct{}
	done  chan struct{}
}

func newRawSession(t testing.TB, in io.WriteCloser, out io.Reader) *rawSession {
	s := &rawSession{t: t, in: in, byID: map[string]map[string]any{}, added: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			var msg map[string]any
			_ = json.Unmarshal([]byte(line), &msg)
			s.mu.Lock()
			s.lines = append(s.lines, line)
			if id, ok := msg["id"]; ok && msg["method"] == nil {
				s.byID[fmt.Sprint(id)] = msg
			}
			s.mu.Unlock()
			select {
			case s.added <- struct{}{}:
			default:
			}
		}
	}()
	return s
}

func (s *rawSession) send(msg map[string]any) {
	s.t.Helper()
	msg["jsonrpc"] = "2.0"
	b, err := json.Marshal(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.sendLine(string(b))
}

func (s *rawSession) sendLine(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("write to server: %v", err)
	}
}

// request sends a request and waits for its response.
func (s *rawSession) request(id int, method string, params any) map[string]any {
	s.t.Helper()
	s.send(map[string]any{"id": id, "method": method, "params": params})
	return s.wait(id)
}

func (s *rawSession) wait(id int) map[string]any {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		msg, ok := s.byID[fmt.Sprint(id)]
		s.mu.Unlock()
		if ok {
			return msg
		}
		select {
		case <-s.added:
		case <-s.done:
			s.t.Fatalf("server closed stdout before answering request %d", id)
		case <-deadline:
			s.t.Fatalf("no answer to request %d", id)
		}
	}
}

// checkAllFrames fails for any line on stdout that is not a JSON-RPC 2.0 message.
func (s *rawSession) checkAllFrames() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) == 0 {
		s.t.Fatal("the server wrote nothing")
	}
	for i, line := range s.lines {
		var msg map[string]any
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			s.t.Errorf("stdout line %d is not JSON: %q", i+1, line)
			continue
		}
		_, hasID := msg["id"]
		_, hasResult := msg["result"]
		_, hasError := msg["error"]
		method, _ := msg["method"].(string)
		valid := msg["jsonrpc"] == "2.0" && ((hasID && (hasResult != hasError) && method == "") || method != "")
		if !valid {
			s.t.Errorf("stdout line %d is not a JSON-RPC 2.0 message: %q", i+1, line)
		}
	}
}

// exercise runs a session through initialize, tools/list and calls that succeed and fail,
// plus protocol-level mistakes, and returns the tool results by name.
func exercise(t testing.TB, s *rawSession) map[string]map[string]any {
	t.Helper()
	init := s.request(1, "initialize", map[string]any{
		"protocolVersion": mcpgo.LATEST_PROTOCOL_VERSION,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "raw", "version": "1"},
	})
	if init["result"] == nil {
		t.Fatalf("initialize failed: %v", init)
	}
	s.send(map[string]any{"method": "notifications/initialized"})
	list := s.request(2, "tools/list", map[string]any{})
	if tools, _ := mapOf(list["result"])["tools"].([]any); len(tools) == 0 {
		t.Fatalf("tools/list: %v", list)
	}
	results := map[string]map[string]any{}
	calls := []struct {
		key  string
		tool string
		args map[string]any
	}{
		{"sent", "send_text_message", map[string]any{"text": "stdio test"}},
		{"refused", "send_text_message", map[string]any{"text": "no keyword", "robot": "alert"}},
		{"invalid", "send_markdown_message", map[string]any{"title": 7}},
		{"preview", "preview_message", map[string]any{"msgtype": "markdown", "title": "t", "text": "<b>bold</b> & more"}},
		{"robots", "list_robots", nil},
		{"contacts", "list_contacts", nil},
	}
	for i, c := range calls {
		resp := s.request(10+i, "tools/call", map[string]any{"name": c.tool, "arguments": c.args})
		res := mapOf(resp["result"])
		if res == nil {
			t.Fatalf("%s: protocol error instead of a tool result: %v", c.key, resp)
		}
		results[c.key] = res
	}
	s.sendLine("this is not JSON")
	s.request(30, "no/such/method", map[string]any{})
	s.request(31, "tools/call", map[string]any{"name": "no_such_tool"})
	s.request(32, "ping", map[string]any{})
	return results
}

func structuredOf(res map[string]any) map[string]any { return mapOf(res["structuredContent"]) }

func TestServeStdioWritesOnlyProtocolFrames(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("broken config %v", broken), func(t *testing.T) {
			e := newEnv(t, envConfig{tweak: func(o *Options) {
				if broken {
					o.Robots, o.ConfigError = nil, errors.New("line 2: unknown key \"tokn\"")
				}
			}})
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			served := make(chan error, 1)
			go func() {
				served <- ServeStdio(context.Background(), e.opts, inR, outW)
				_ = outW.Close()
			}()
			s := newRawSession(t, inW, outR)
			results := exercise(t, s)
			if broken {
				for key, res := range results {
					if res["isError"] != true || structuredOf(res)["error"] != KindConfig {
						t.Errorf("%s: %v", key, res)
					}
				}
			} else {
				if structuredOf(results["sent"])["ok"] != true || results["refused"]["isError"] != true || results["invalid"]["isError"] != true {
					t.Errorf("results: %v", results)
				}
				if len(e.sb.Accepted()) != 1 {
					t.Errorf("sandbox accepted %d", len(e.sb.Accepted()))
				}
			}
			_ = inW.Close()
			select {
			case err := <-served:
				if err != nil {
					t.Errorf("ServeStdio returned %v at the end of input", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ServeStdio did not return when its input closed")
			}
			<-s.done
			s.checkAllFrames()
			if strings.Contains(e.logs.String(), opsToken) {
				t.Error("the log leaks a token")
			}
		})
	}
}

func TestServeStdioStopsWithContext(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ServeStdio(ctx, Options{}, inR, io.Discard) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeStdio returned %v when its context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeStdio did not return when its context ended")
	}
}

// TestCancelledNotificationAbortsTheRequest cancels a call from an mcp-go client over stdio: the
// client sends notifications/cancelled, and the HTTP request to the sandbox must end with it.
func TestCancelledNotificationAbortsTheRequest(t *testing.T) {
	arrived := make(chan sandbox.Arrival, 4)
	e := newEnv(t, envConfig{sandbox: sandbox.Options{Delay: 5 * time.Second, OnArrival: func(a sandbox.Arrival) { arrived <- a }}})
	c := stdioPipeClient(t, e.opts)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "send_text_message", Arguments: map[string]any{"text": "slow"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call error = %v", err)
	}
	select {
	case a := <-arrived:
		if a.Accepted || !strings.Contains(a.Errmsg, "went away") {
			t.Errorf("sandbox saw %+v", a)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the request was aborted only after %v", d)
		}
	case <-time.After(4 * time.Second):
		t.Fatalf("notifications/cancelled did not abort the HTTP request; logs:\n%s", e.logs)
	}
	if n := len(e.sb.Accepted()); n != 0 {
		t.Errorf("sandbox accepted %d", n)
	}
	// The server is still fine.
	callTool(t, c, context.Background(), "list_robots", nil).wantOK(t)
}

// stdioPipeClient runs ServeStdio on pipes and connects an mcp-go client to it.
func stdioPipeClient(t *testing.T, opts Options) *client.Client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = ServeStdio(context.Background(), opts, inR, outW)
		_ = outW.Close()
	}()
	c := client.NewClient(transport.NewIO(outR, inW, io.NopCloser(strings.NewReader(""))))
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		_ = inW.Close()
		<-served
	})
	initialize(t, c)
	return c
}
