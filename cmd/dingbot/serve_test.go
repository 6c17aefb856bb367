package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"

	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore/redistest"
	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// The tests in this file reproduce issue 12 (`dingbot serve`) through the binary: a real
// relay process on loopback, senders posting as Alertmanager, Grafana, GitHub, GitLab, Gitea
// and curl do, and the sandbox standing in for DingTalk.

// relayProc is a `dingbot serve` a test started; it is killed when the test ends.
type relayProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:PORT, from its first log line
	done chan struct{}

	mu    sync.Mutex
	lines []string // standard error, a line each
}

// startRelay runs `dingbot serve --addr 127.0.0.1:0 args…` with e's config and state (and
// extra environment) and returns once its first log line says where it listens.
func (e *env) startRelay(extra []string, args ...string) *relayProc {
	e.t.Helper()
	p, err := e.tryRelay(extra, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// tryRelay runs dingbot with args (serve …) and returns once it listens.
func (e *env) tryRelay(extra []string, args ...string) (*relayProc, error) {
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(e.environ(), extra...)
	cmd.Dir = e.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &relayProc{t: e.t, cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			first := len(p.lines) == 1
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if first && json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "dingbot serve listening" {
				listening <- rec.Addr
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	e.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.url = <-listening:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("dingbot serve exited before listening (%v):\n%s", cmd.ProcessState, p.log())
	case <-time.After(15 * time.Second):
		return nil, fmt.Errorf("dingbot serve did not say it listens within 15 s:\n%s", p.log())
	}
}

// log is everything the relay wrote to standard error so far.
func (p *relayProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// records are the relay's log lines, each decoded; a line that is not JSON fails the test.
func (p *relayProc) records() []map[string]any {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]map[string]any, 0, len(p.lines))
	for _, l := range p.lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			p.t.Errorf("a log line is not JSON: %q", l)
			continue
		}
		out = append(out, m)
	}
	return out
}

// kill ends the relay with SIGKILL, as a crash would.
func (p *relayProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends sig and returns the exit code once the relay has exited.
func (p *relayProc) stop(sig os.Signal) int {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("the relay did not stop within 20 s of %v:\n%s", sig, p.log())
	}
	return p.cmd.ProcessState.ExitCode()
}

// answer is the relay's JSON answer to a post.
type answer struct {
	status     int
	raw        string
	Deliveries []struct {
		ID      string     `json:"id"`
		Robot   string     `json:"robot"`
		MsgUUID string     `json:"msgUuid"`
		Part    int        `json:"part"`
		Parts   int        `json:"parts"`
		Due     *time.Time `json:"due"`
	} `json:"deliveries"`
	Ignored string `json:"ignored"`
	Error   string `json:"error"`
	Hint    string `json:"hint"`
	Digest  string `json:"digest"`
}

// relayClient posts over loopback only, with no proxy.
var relayClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// post sends body to url with h and decodes the answer.
func post(url string, h http.Header, body []byte) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header = h.Clone()
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := relayClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("answer %d is not JSON: %q", res.StatusCode, b)
	}
	return a, nil
}

// sign sets the credential a sender of src sets for secret: GitHub's and Gitea's HMAC of the
// body, GitLab's token, a bearer token for the others.
func sign(src, secret string, h http.Header, body []byte) {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := hex.EncodeToString(mac.Sum(nil))
	switch src {
	case source.SourceGitHub:
		h.Set("X-Hub-Signature-256", "sha256="+sum)
	case source.SourceGitea:
		h.Set("X-Gitea-Signature", sum)
	case source.SourceGitLab:
		h.Set("X-Gitlab-Token", secret)
	default:
		h.Set("Authorization", "Bearer "+secret)
	}
}

// capturedHeaders are the headers a Git host sends with testdata/<host>-<event>[-variant].json.
func capturedHeaders(src, file string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	rest := strings.TrimPrefix(strings.TrimSuffix(file, ".json"), src+"-")
	event, _, _ := strings.Cut(rest, "-")
	switch src {
	case source.SourceGitHub:
		h.Set("X-GitHub-Event", event)
	case source.SourceGitea:
		h.Set("X-Gitea-Event", event)
		h.Set("X-GitHub-Event", event)
	case source.SourceGitLab:
		// push -> Push Hook, merge_request -> Merge Request Hook
		words := strings.Split(event, "_")
		for i, w := range words {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		h.Set("X-Gitlab-Event", strings.Join(words, " ")+" Hook")
	}
	return h
}

// arrival waits until the sandbox has posted the message with msgUuid and returns it.
func arrival(t *testing.T, sb *sandbox.Server, msgUUID string, within time.Duration) (sandbox.Arrival, bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, a := range sb.Accepted() {
			if id, _ := a.Message["msgUuid"].(string); id == msgUUID && !a.Duplicate {
				return a, true
			}
		}
		if time.Now().After(deadline) {
			return sandbox.Arrival{}, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// messageText is the text DingTalk shows of a message: markdown's or text's.
func messageText(m map[string]any) string {
	var out []string
	for _, k := range []string{"markdown", "text", "actionCard", "link"} {
		if o, ok := m[k].(map[string]any); ok {
			for _, f := range []string{"title", "text", "content"} {
				if s, ok := o[f].(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

// relayEnv is an env whose sandbox serves the given robots (by name), each its own token, and
// whose config has them (signed ones with testSecret) plus the given routes and contacts.
type relayEnv struct {
	*env
	tokens map[string]string // robot name -> token
}

func newRelayEnv(t *testing.T, o sandbox.Options, robots []sandbox.Robot, names []string, rest string) *relayEnv {
	t.Helper()
	o.Robots = robots
	sb := sandbox.New(o)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	e := &relayEnv{env: &env{t: t, dir: t.TempDir(), sb: sb, srv: srv}, tokens: map[string]string{}}
	var cfg strings.Builder
	for i, r := range robots {
		e.tokens[names[i]] = r.Token
		fmt.Fprintf(&cfg, "[robots.%s]\nwebhook = %q\nallow_custom_host = true\n", names[i], e.webhook(r.Token))
		if r.Secret != "" {
			fmt.Fprintf(&cfg, "secret = %q\n", r.Secret)
		}
		if len(r.Keywords) > 0 {
			fmt.Fprintf(&cfg, "keywords = [%q]\n", r.Keywords[0])
		}
	}
	cfg.WriteString(rest)
	e.writeConfig(cfg.String())
	return e
}

// robotOf names the robot a sandbox arrival came to.
func (e *relayEnv) robotOf(a sandbox.Arrival) string {
	for name, tok := range e.tokens {
		if tok == a.Token {
			return name
		}
	}
	return ""
}

// routeSecret is the secret of the route of src in TestServeRelaysEverySource.
func routeSecret(src string) string { return "relay-secret-" + src + "-7f3a9c1e5b" }

// TestServeRelaysEverySource posts every captured payload of every source (testdata) and every
// sample, authenticated as its sender does, and checks the 202's deliveries and what DingTalk
// gets: the template's type, a text, the mentions named by mention_label notified, the keyword
// of a keyword robot, a signature the robot accepts, each message once. Pings and events the
// relay does not render are answered 200 and post nothing. No log line shows a secret.
func TestServeRelaysEverySource(t *testing.T) {
	var (
		robots []sandbox.Robot
		names  []string
		routes strings.Builder
		env    []string
	)
	add := func(name string, r sandbox.Robot) {
		r.Token = fmt.Sprintf("%064x", len(robots)+100)
		robots, names = append(robots, r), append(names, name)
	}
	add("kw", sandbox.Robot{Keywords: []string{"relay"}})
	for _, src := range source.Names() {
		// Captured payloads go to robot SRC, samples to SRC-s: each robot stays within
		// DingTalk's 20 a minute.
		add(src, sandbox.Robot{Secret: testSecret})
		add(src+"-s", sandbox.Robot{Secret: testSecret})
		variable := "RELAY_SECRET_" + strings.ToUpper(src)
		env = append(env, variable+"="+routeSecret(src))
		for _, path := range []string{"/" + src, "/" + src + "/samples"} {
			robotsList := fmt.Sprintf("%q", src)
			if strings.HasSuffix(path, "/samples") {
				robotsList = fmt.Sprintf("%q", src+"-s")
			}
			if src == source.SourceAlertmanager || src == source.SourceGeneric {
				robotsList += `, "kw"`
			}
			events := ""
			if source.EventKinds(src) != nil {
				events = "events = [\"*\"]\n" // every payload, comments and running pipelines too
			}
			fmt.Fprintf(&routes, "[[routes]]\npath = %q\nsource = %q\nrobots = [%s]\nmention_label = \"owner\"\nsecret_env = %q\n%s\n", path, src, robotsList, variable, events)
		}
	}
	contacts := "[[contacts]]\nname = \"zhangwei\"\nmobile = \"13800000000\"\n\n[[contacts]]\nname = \"lina\"\nuser_id = \"lina01\"\n\n"
	e := newRelayEnv(t, sandbox.Options{}, robots, names, contacts+routes.String())
	p := e.startRelay(append(env, "DINGBOT_NO_BACKGROUND_DRAINER=1"))

	type sent struct {
		what  string
		src   string
		data  any
		robot string
		uuid  string
	}
	var want []sent
	posts, ignored := 0, 0
	postOne := func(what, src, path string, h http.Header, body []byte) {
		sign(src, routeSecret(src), h, body)
		ans, err := post(p.url+path, h, body)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		posts++
		data, perr := source.Parse(src, h, body)
		var ig *source.IgnoredError
		if errors.As(perr, &ig) {
			ignored++
			if ans.status != http.StatusOK || ans.Ignored == "" || len(ans.Deliveries) != 0 {
				t.Errorf("%s: %d %s; want 200 {\"ignored\": …}", what, ans.status, ans.raw)
			}
			return
		}
		if perr != nil {
			t.Fatalf("%s does not parse: %v", what, perr)
		}
		if ans.status != http.StatusAccepted {
			t.Errorf("%s: %d %s; want 202", what, ans.status, ans.raw)
			return
		}
		wantRobots := []string{strings.TrimPrefix(path, "/")}
		if strings.HasSuffix(path, "/samples") {
			wantRobots = []string{src + "-s"}
		}
		if src == source.SourceAlertmanager || src == source.SourceGeneric {
			wantRobots = append(wantRobots, "kw")
		}
		var got []string
		for _, d := range ans.Deliveries {
			if d.ID == "" || !strings.HasPrefix(d.MsgUUID, "dingbot-") || d.Part < 1 || d.Parts < d.Part {
				t.Errorf("%s: delivery %+v", what, d)
			}
			if d.Part == 1 {
				got = append(got, d.Robot)
			}
			want = append(want, sent{what, src, data, d.Robot, d.MsgUUID})
		}
		if !slices.Equal(got, wantRobots) {
			t.Errorf("%s: deliveries to %v, want %v", what, got, wantRobots)
		}
	}
	for _, src := range source.Names() {
		files, _ := filepath.Glob(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", src+"-*.json"))
		if len(files) == 0 {
			t.Errorf("no captured payload of %s under dingtalk/relay/source/testdata", src)
		}
		for _, f := range files {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			postOne(filepath.Base(f), src, "/"+src, capturedHeaders(src, filepath.Base(f)), body)
		}
		for _, ev := range source.SampleEvents(src) {
			h, body, err := source.Sample(src, ev)
			if err != nil {
				t.Fatal(err)
			}
			postOne("sample "+src+" "+ev, src, "/"+src+"/samples", h, body)
		}
	}
	if posts-ignored < 40 || ignored == 0 {
		t.Fatalf("%d posts, %d of them ignored: the testdata went missing", posts, ignored)
	}

	contact := map[string]string{"zhangwei": "13800000000", "lina": "lina01"}
	for _, s := range want {
		a, ok := arrival(t, e.sb, s.uuid, 15*time.Second)
		if !ok {
			t.Errorf("%s to %s (msgUuid %s) never reached DingTalk", s.what, s.robot, s.uuid)
			continue
		}
		if got := e.robotOf(a); got != s.robot {
			t.Errorf("%s: posted to robot %s, want %s", s.what, got, s.robot)
		}
		tmpl, err := template.Lookup(relay.DefaultTemplate(s.src))
		if err != nil {
			t.Fatal(err)
		}
		text := messageText(a.Message)
		if a.Msgtype != string(tmpl.Type()) || strings.TrimSpace(text) == "" {
			t.Errorf("%s: DingTalk got a %s with text %q, want a %s with a text", s.what, a.Msgtype, text, tmpl.Type())
		}
		if s.robot == "kw" && !strings.Contains(text, "relay") {
			t.Errorf("%s: the keyword robot's message lacks its keyword:\n%s", s.what, text)
		}
		for _, v := range source.Values(s.data, "owner") {
			if id, ok := contact[v]; ok && (a.Msgtype == "markdown" || a.Msgtype == "text") && !slices.Contains(a.Notified, id) {
				t.Errorf("%s: owner %s (%s) is not notified; notified %v:\n%s", s.what, v, id, a.Notified, text)
			}
		}
	}
	// Each message once, nothing else, never throttled.
	uuids := map[string]int{}
	for _, a := range e.sb.Accepted() {
		if !a.Duplicate {
			id, _ := a.Message["msgUuid"].(string)
			uuids[id]++
		}
	}
	if len(uuids) != len(want) {
		t.Errorf("DingTalk posted %d distinct messages, want %d", len(uuids), len(want))
	}
	for id, n := range uuids {
		if n != 1 {
			t.Errorf("msgUuid %s posted %d times", id, n)
		}
	}
	for _, a := range e.sb.Arrivals() {
		if !a.Accepted {
			t.Errorf("DingTalk refused a message: %d %s", a.Errcode, a.Errmsg)
		}
	}

	// A wrong secret or none: 401, and nothing more is posted.
	before := len(e.sb.Arrivals())
	h, body, _ := source.Sample(source.SourceGitHub, "")
	sign(source.SourceGitHub, "not-the-secret", h, body)
	if ans, err := post(p.url+"/github", h, body); err != nil || ans.status != http.StatusUnauthorized || ans.Hint == "" {
		t.Errorf("a wrong GitHub signature: %d %s %v", ans.status, ans.raw, err)
	}
	_, body, _ = source.Sample(source.SourceAlertmanager, "")
	if ans, err := post(p.url+"/alertmanager", http.Header{}, body); err != nil || ans.status != http.StatusUnauthorized {
		t.Errorf("no bearer token: %d %s %v", ans.status, ans.raw, err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(e.sb.Arrivals()); n != before {
		t.Errorf("%d requests reached DingTalk after refused posts", n-before)
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d, want 0:\n%s", code, p.log())
	}
	logs := p.log()
	for _, secret := range append([]string{testSecret, testSecret[3:20]}, routeSecret("github"), routeSecret("alertmanager")) {
		if strings.Contains(logs, secret) {
			t.Errorf("the relay logged a secret (%q)", secret)
		}
	}
	for _, tok := range e.tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("the relay logged a robot's token")
		}
	}
	// The first line: where it listens, and every route with its robots and how senders
	// authenticate; then one line a request with its route, status and delivery ids.
	recs := p.records()
	first := recs[0]
	routesLogged, _ := first["routes"].([]any)
	if first["msg"] != "dingbot serve listening" || first["addr"] != p.url || len(routesLogged) != 2*len(source.Names()) {
		t.Fatalf("first log line: %v", first)
	}
	gh := routesLogged[slices.Index(source.Names(), source.SourceGitHub)*2].(map[string]any)
	if gh["path"] != "/github" || gh["source"] != "github" || fmt.Sprint(gh["robots"]) != "[github]" || gh["auth"] != "X-Hub-Signature-256 HMAC with $RELAY_SECRET_GITHUB" {
		t.Errorf("the first line's GitHub route: %v", gh)
	}
	if ev, _ := gh["events"].([]any); len(ev) == 0 {
		t.Errorf("the first line's GitHub route should list the events it posts: %v", gh)
	}
	requests, keyed := 0, 0
	for _, r := range recs {
		if r["route"] != nil && r["status"] != nil {
			requests++
		}
		// Job ids, the sender's delivery-keyed ones too, are shown as answered, never masked.
		ids, _ := r["deliveries"].([]any)
		for _, id := range ids {
			if id, _ := id.(string); strings.Contains(id, "REDACTED") {
				t.Errorf("a delivery id is masked in the log: %v", r)
			} else if strings.HasPrefix(id, "r-d-") {
				keyed++
			}
		}
	}
	if keyed == 0 {
		t.Errorf("no job keyed by a sender's delivery id was logged")
	}
	if requests < posts {
		t.Errorf("%d request log lines for %d posts", requests, posts)
	}
}

// killedBurst is what senders got from a burst their relay was killed in the middle of.
type killedBurst struct {
	acked, unacked []string   // the markers of the posts answered 202, and of the others
	atKill         int        // how many were answered 202 before the kill
	relay          *relayProc // the relay started after the kill
}

// postThroughKill has one sender per route post perRoute requests (req gives each one's marker,
// path and body), kills p with SIGKILL once killAfter were answered 202 and starts a new relay;
// a sender whose post failed waits for it, as a sender's next post would, and goes on.
func (e *relayEnv) postThroughKill(p *relayProc, routesN, perRoute, killAfter int, req func(r, i int) (marker, path string, body []byte)) killedBurst {
	e.t.Helper()
	var (
		cur    atomic.Pointer[string]
		wg     sync.WaitGroup
		mu     sync.Mutex
		b      killedBurst
		ackedN atomic.Int32
	)
	cur.Store(&p.url)
	for r := range routesN {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perRoute {
				marker, path, body := req(r, i)
				base := *cur.Load()
				ans, err := post(base+path, http.Header{}, body)
				mu.Lock()
				if err == nil && ans.status == http.StatusAccepted {
					b.acked = append(b.acked, marker)
					ackedN.Add(1)
				} else {
					b.unacked = append(b.unacked, marker)
				}
				mu.Unlock()
				if err != nil {
					// The relay is down: wait for the new one.
					for deadline := time.Now().Add(15 * time.Second); *cur.Load() == base && time.Now().Before(deadline); {
						time.Sleep(5 * time.Millisecond)
					}
				} else if ans.status != http.StatusAccepted {
					e.t.Errorf("%s: %d %s", marker, ans.status, ans.raw)
				}
			}
		}()
	}
	for int(ackedN.Load()) < killAfter {
		time.Sleep(time.Millisecond)
	}
	p.kill()
	b.atKill = int(ackedN.Load())
	b.relay = e.startRelay(nil)
	cur.Store(&b.relay.url)
	wg.Wait()
	return b
}

// TestServeSIGKILLMidBurstLosesNothing: a relay killed with SIGKILL while senders post a burst,
// then restarted, delivers every post it answered 202 exactly once, and no post twice.
func TestServeSIGKILLMidBurstLosesNothing(t *testing.T) {
	const robotsN, perRobot = 4, 15
	var (
		robots []sandbox.Robot
		names  []string
		routes strings.Builder
	)
	for i := range robotsN {
		robots = append(robots, sandbox.Robot{Token: fmt.Sprintf("%064x", i+1)})
		names = append(names, fmt.Sprintf("r%d", i))
		fmt.Fprintf(&routes, "[[routes]]\npath = \"/b%d\"\nsource = \"generic\"\nrobots = [\"r%d\"]\n\n", i, i)
	}
	e := newRelayEnv(t, sandbox.Options{Delay: 10 * time.Millisecond}, robots, names, routes.String())
	b := e.postThroughKill(e.startRelay(nil), robotsN, perRobot, 20, func(r, i int) (string, string, []byte) {
		marker := fmt.Sprintf("burst-r%d-n%02d", r, i)
		return marker, fmt.Sprintf("/b%d", r), []byte(`{"title":"` + marker + `","n":` + fmt.Sprint(i) + `}`)
	})
	acked, unacked, atKill, restarted := b.acked, b.unacked, b.atKill, b.relay
	if atKill >= len(acked) {
		t.Fatalf("the burst ended before the kill: %d acknowledged at the kill, %d in all", atKill, len(acked))
	}
	t.Logf("%d posts acknowledged (%d before the kill), %d not", len(acked), atKill, len(unacked))

	// Every acknowledged post arrives; wait for all of them, then for stragglers.
	count := func() map[string]int {
		seen := map[string]int{}
		for _, a := range e.sb.Accepted() {
			if a.Duplicate {
				continue
			}
			text := messageText(a.Message)
			for r := range robotsN {
				for i := range perRobot {
					if m := fmt.Sprintf("burst-r%d-n%02d", r, i); strings.Contains(text, m) {
						seen[m]++
					}
				}
			}
		}
		return seen
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen := count()
		missing := 0
		for _, m := range acked {
			if seen[m] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged posts never reached DingTalk:\n%s", missing, restarted.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the outbox's poll: anything left would go now
	seen := count()
	for _, m := range acked {
		if seen[m] != 1 {
			t.Errorf("acknowledged post %s was posted %d times, want once", m, seen[m])
		}
	}
	for _, m := range unacked {
		if seen[m] > 1 {
			t.Errorf("unacknowledged post %s was posted %d times", m, seen[m])
		}
	}
	dups := 0
	for _, a := range e.sb.Arrivals() {
		if a.Errcode == 410100 {
			t.Fatalf("DingTalk's throttle was earned: %s", a.Errmsg)
		}
		if a.Duplicate {
			dups++
		}
	}
	t.Logf("%d resends of a message the killed relay was posting were answered as duplicates", dups)
}

// TestServeTwoRelaysShareRedis: two relays on one Redis, each its own state directory, take
// posts for the same robots; together they post each message once and at most 20 a minute per
// robot (DingTalk never throttles), the rest waiting in the shared outbox.
func TestServeTwoRelaysShareRedis(t *testing.T) {
	rs := redistest.Start(t)
	const perRobot = 22
	robots := []sandbox.Robot{{Token: fmt.Sprintf("%064x", 1)}, {Token: fmt.Sprintf("%064x", 2)}}
	e := newRelayEnv(t, sandbox.Options{}, robots, []string{"r0", "r1"},
		"[[routes]]\npath = \"/r0\"\nsource = \"generic\"\nrobots = [\"r0\"]\n\n[[routes]]\npath = \"/r1\"\nsource = \"generic\"\nrobots = [\"r1\"]\n")
	host := func(i int) []string {
		return []string{"DINGBOT_REDIS_URL=" + rs.URL(), "DINGBOT_STATE_DIR=" + filepath.Join(e.dir, fmt.Sprint("host", i))}
	}
	relays := []*relayProc{e.startRelay(host(0)), e.startRelay(host(1))}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent = map[string]string{} // msgUuid -> marker
		by   = map[int]int{}       // relay -> posts it acknowledged
	)
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perRobot {
				marker := fmt.Sprintf("shared-r%d-n%02d", r, i)
				via := (i + r) % 2
				ans, err := post(fmt.Sprintf("%s/r%d", relays[via].url, r), http.Header{}, []byte(`{"title":"`+marker+`"}`))
				if err != nil || ans.status != http.StatusAccepted || len(ans.Deliveries) != 1 {
					t.Errorf("%s via relay %d: %v %d %s", marker, via, err, ans.status, ans.raw)
					continue
				}
				mu.Lock()
				sent[ans.Deliveries[0].MsgUUID] = marker
				by[via]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if by[0] == 0 || by[1] == 0 {
		t.Fatalf("posts by relay: %v", by)
	}
	// 20 a robot go out at once; the other 2 wait for the next minute, queued in Redis.
	perToken := func() map[string]int {
		n := map[string]int{}
		for _, a := range e.sb.Accepted() {
			if !a.Duplicate {
				n[a.Token]++
			}
		}
		return n
	}
	deadline := time.Now().Add(15 * time.Second)
	for n := perToken(); n[robots[0].Token] < 20 || n[robots[1].Token] < 20; n = perToken() {
		if time.Now().After(deadline) {
			t.Fatalf("delivered per robot %v, want 20 each:\n%s\n%s", n, relays[0].log(), relays[1].log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // longer than the outbox's poll: a 21st would be out by now
	for tok, n := range perToken() {
		if n != 20 {
			t.Errorf("robot %s got %d messages in the minute, want 20", e.robotOf(sandbox.Arrival{Token: tok}), n)
		}
	}
	posted := map[string]int{}
	for _, a := range e.sb.Arrivals() {
		if a.Errcode == 410100 || !a.Accepted {
			t.Fatalf("DingTalk refused or throttled a message: %d %s", a.Errcode, a.Errmsg)
		}
		if !a.Duplicate {
			id, _ := a.Message["msgUuid"].(string)
			posted[id]++
			if m := sent[id]; m == "" || !strings.Contains(messageText(a.Message), m) {
				t.Errorf("DingTalk got msgUuid %s, which no post was answered with (or with another text)", id)
			}
		}
	}
	for id, n := range posted {
		if n != 1 {
			t.Errorf("msgUuid %s posted %d times", id, n)
		}
	}
	// The rest wait in the shared outbox, seen from either host.
	r := e.runEnv(host(1), "", "outbox", "ls", "--json")
	var jobs []outboxJSON
	if err := json.Unmarshal([]byte(r.stdout), &jobs); err != nil || r.code != 0 {
		t.Fatalf("outbox ls: %d %v %s", r.code, err, r.stderr)
	}
	queued := 0
	for _, j := range jobs {
		if j.State == "queued" {
			queued++
			if sent[j.MsgUUID] == "" || time.Until(j.Due) > time.Minute {
				t.Errorf("queued job %+v", j)
			}
		}
	}
	if queued != 2*(perRobot-20) {
		t.Errorf("%d jobs queued, want %d: %+v", queued, 2*(perRobot-20), jobs)
	}

	// Redis gone: the relays are not ready and refuse posts with 503, which senders retry;
	// nothing is accepted that could not be stored.
	rs.Stop()
	ans, err := post(relays[0].url+"/r0", http.Header{}, []byte(`{"title":"while Redis is down"}`))
	if err != nil || ans.status != http.StatusServiceUnavailable || ans.Hint == "" || len(ans.Deliveries) != 0 {
		t.Errorf("post without Redis: %v %d %s", err, ans.status, ans.raw)
	}
	res, err := relayClient.Get(relays[1].url + "/readyz")
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz without Redis: %v %v", err, res)
	}
	if res != nil {
		res.Body.Close()
	}
	if res, err := relayClient.Get(relays[1].url + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz without Redis: %v %v", err, res)
	}
	for i, p := range relays {
		if code := p.stop(syscall.SIGTERM); code != 0 {
			t.Errorf("relay %d: exit %d:\n%s", i, code, p.log())
		}
	}
}

// oneRobotRelay is a relayEnv with robot ops (unsigned) and the given routes.
func oneRobotRelay(t *testing.T, o sandbox.Options, rest string) *relayEnv {
	return newRelayEnv(t, o, []sandbox.Robot{{Token: testToken}}, []string{"ops"}, rest)
}

// TestServeRefusesToStart: a relay that cannot serve safely or as configured says why, with
// the config's lines and the fix, exits 2 before listening, and never shows a secret.
func TestServeRefusesToStart(t *testing.T) {
	const secretValue = "relay-secret-value-9c1e7b5d4f2a"
	open := "[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\n\n"
	closed := "[[routes]]\npath = \"/am\"\nsource = \"alertmanager\"\nrobots = [\"ops\"]\nsecret_env = \"RELAY_TOKEN\"\n\n"
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		routes string
		args   []string
		want   []string
	}{
		{"beyond loopback without a secret", closed + open, []string{"--addr", "0.0.0.0:0"},
			[]string{`--addr 0.0.0.0:0 is reachable from other machines, and route /hooks (line 10) has no secret_env, so anyone could post to it`, `secret_env = "RELAY_TOKEN"`, "--addr 127.0.0.1:8080"}},
		{"[serve] addr beyond loopback", "[serve]\naddr = \"0.0.0.0:0\"\n\n" + open, nil,
			[]string{`[serve] addr 0.0.0.0:0 is reachable from other machines, and route /hooks (line 7) has no secret_env`}},
		{"bad --addr", open, []string{"--addr", "localhost"},
			[]string{`--addr "localhost": give host:port`}},
		{"route problems, each with its line", "[[routes]]\npath = \"hooks\"\nsource = \"generik\"\nrobots = [\"ops\", \"nobody\"]\nsecret_env = \"DINGBOT_TEST_UNSET_RELAY\"\n",
			[]string{"--addr", "127.0.0.1:0"},
			[]string{"the relay's config has problems:", `:5: route "hooks": path "hooks" must start with "/"`, `:6: route "hooks": source "generik" is not a source dingbot relays (did you mean "generic"?)`,
				`:7: route "hooks": robots: "nobody" is not a configured robot`, `:8: route "hooks": secret_env: environment variable DINGBOT_TEST_UNSET_RELAY is not set`}},
		{"a path used twice", open + "[[routes]]\npath = \"/hooks\"\nsource = \"grafana\"\nrobots = [\"ops\"]\n", []string{"--addr", "127.0.0.1:0"},
			[]string{`:10: route "/hooks": path "/hooks" is also the path of the route at line 5: each route needs its own path`}},
		{"an unavailable robot", "[robots.off]\nwebhook = \"" + testToken + "\"\nsecret_env = \"DINGBOT_TEST_UNSET_ROBOT\"\n\n[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"off\"]\n", []string{"--addr", "127.0.0.1:0"},
			[]string{`:11: route "/hooks": robot off is unavailable: $DINGBOT_TEST_UNSET_ROBOT (its secret_env) is not set`}},
		{"no routes", "", []string{"--addr", "127.0.0.1:0"},
			[]string{"no [[routes]] in ", `path = "/alertmanager"`, "dingbot serve --help"}},
		{"a template that does not exist", "[[routes]]\npath = \"/am\"\nsource = \"alertmanager\"\nrobots = [\"ops\"]\ntemplate = \"alret\"\n",
			[]string{"--addr", "127.0.0.1:0"},
			[]string{"the relay's config has problems:", `:4: route "/am": template: `, "alret"}},
		{"a template of other data", "[[routes]]\npath = \"/am\"\nsource = \"alertmanager\"\nrobots = [\"ops\"]\ntemplate = \"grafana\"\n",
			[]string{"--addr", "127.0.0.1:0"},
			[]string{`:4: route "/am": template grafana: it renders grafana payloads (data = "grafana"), not alertmanager payloads (data = "alertmanager"); alert renders alertmanager payloads`}},
		{"every problem at once: a template's and another route's", "[[routes]]\npath = \"/am\"\nsource = \"alertmanager\"\nrobots = [\"ops\"]\ntemplate = \"alret\"\n\n" +
			"[[routes]]\npath = \"/z\"\nsource = \"generic\"\nrobots = [\"ops\"]\ndigest = \"-5s\"\n",
			[]string{"--addr", "127.0.0.1:0"},
			[]string{`:4: route "/am": template: `, "alret", `:14: route "/z": digest`}},
		{"port taken", open, []string{"--addr", busy.Addr().String()},
			[]string{"listen on " + busy.Addr().String() + ": ", "address already in use"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := oneRobotRelay(t, sandbox.Options{}, tt.routes)
			r := e.runEnv([]string{"RELAY_TOKEN=" + secretValue}, "", append([]string{"serve"}, tt.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, secretValue) || strings.Contains(r.stdout+r.stderr, testToken) {
				t.Errorf("a secret was printed:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr, "listening") {
				t.Errorf("it listened:\n%s", r.stderr)
			}
		})
	}
}

// TestServeMentionLabelNamesContacts: mention_label picks names from the payload, a dotted
// path into generic JSON or a Git event's people, and each value names a contact by name,
// mobile or userId: DingTalk notifies them.
func TestServeMentionLabelNamesContacts(t *testing.T) {
	h, pr, err := source.Sample(source.SourceGitHub, "pull_request")
	if err != nil {
		t.Fatal(err)
	}
	data, err := source.Parse(source.SourceGitHub, h, pr)
	if err != nil {
		t.Fatal(err)
	}
	reviewers := source.Values(data, "reviewers")
	if len(reviewers) == 0 {
		t.Fatal("the pull request sample has no reviewers")
	}
	contacts := "[[contacts]]\nname = \"Alice\"\nmobile = \"13800000000\"\n\n[[contacts]]\nname = \"Bob\"\nuser_id = \"bob01\"\n\n"
	var reviewerIDs []string
	for i, r := range reviewers {
		id := fmt.Sprintf("reviewer%02d", i)
		reviewerIDs = append(reviewerIDs, id)
		contacts += fmt.Sprintf("[[contacts]]\nname = %q\nuser_id = %q\n\n", r, id)
	}
	e := oneRobotRelay(t, sandbox.Options{}, contacts+
		"[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\nmention_label = \"alert.owner\"\n\n"+
		"[[routes]]\npath = \"/github\"\nsource = \"github\"\nrobots = [\"ops\"]\nmention_label = \"reviewers\"\nsecret_env = \"GH_SECRET\"\n")
	p := e.startRelay([]string{"GH_SECRET=gh-secret-for-mentions"})
	notified := func(what string, ans answer, err error) []string {
		t.Helper()
		if err != nil || ans.status != http.StatusAccepted {
			t.Fatalf("%s: %v %d %s", what, err, ans.status, ans.raw)
		}
		a, ok := arrival(t, e.sb, ans.Deliveries[0].MsgUUID, 10*time.Second)
		if !ok {
			t.Fatalf("%s never arrived", what)
		}
		return a.Notified
	}
	for owner, want := range map[string]string{"Alice": "13800000000", "13800000000": "13800000000", "bob01": "bob01", "bob": "bob01"} {
		ans, err := post(p.url+"/hooks", http.Header{}, []byte(`{"title":"disk full","alert":{"owner":"`+owner+`"}}`))
		if got := notified("owner "+owner, ans, err); !slices.Equal(got, []string{want}) {
			t.Errorf("alert.owner %q notified %v, want %s", owner, got, want)
		}
	}
	sign(source.SourceGitHub, "gh-secret-for-mentions", h, pr)
	ans, err := post(p.url+"/github", h, pr)
	got := notified("pull request", ans, err)
	slices.Sort(got)
	if !slices.Equal(got, reviewerIDs) {
		t.Errorf("the pull request's reviewers %v: notified %v, want %v", reviewers, got, reviewerIDs)
	}
}

// TestServeListensOnServeAddr: without --addr the relay listens where [serve] addr says.
func TestServeListensOnServeAddr(t *testing.T) {
	e := oneRobotRelay(t, sandbox.Options{}, "[serve]\naddr = \"127.0.0.1:0\"\n\n[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\n")
	p, err := e.tryRelay(nil, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		t.Fatalf("listens on %s", p.url)
	}
	ans, err := post(p.url+"/hooks", http.Header{}, []byte(`{"title":"hello relay"}`))
	if err != nil || ans.status != http.StatusAccepted {
		t.Fatalf("post: %v %d %s", err, ans.status, ans.raw)
	}
	if _, ok := arrival(t, e.sb, ans.Deliveries[0].MsgUUID, 10*time.Second); !ok {
		t.Fatal("never delivered")
	}
}

// TestServeSIGTERMFinishesInFlight: SIGTERM while a sender is still sending its body: the relay
// stops accepting connections, answers that request 202 once it is stored, exits 0, and what
// was not yet delivered is delivered by the next start, once.
func TestServeSIGTERMFinishesInFlight(t *testing.T) {
	e := oneRobotRelay(t, sandbox.Options{}, "[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\n")
	p := e.startRelay(nil)
	host := strings.TrimPrefix(p.url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"title":"in flight at SIGTERM"}`
	fmt.Fprintf(conn, "POST /hooks HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body[:10])
	time.Sleep(200 * time.Millisecond) // the relay has the request and waits for its body
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.log(), "stopping") {
		if time.Now().After(deadline) {
			t.Fatalf("no stopping line:\n%s", p.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// No new connections once stopping.
	if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		c.Close()
		t.Error("the relay accepts connections after SIGTERM")
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, p.log())
	}
	b, _ := io.ReadAll(res.Body)
	var ans answer
	if err := json.Unmarshal(b, &ans); err != nil || res.StatusCode != http.StatusAccepted || len(ans.Deliveries) != 1 {
		t.Fatalf("in flight: %d %s", res.StatusCode, b)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("the relay did not exit:\n%s", p.log())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.log())
	}
	recs := p.records()
	if last := recs[len(recs)-1]; !strings.HasPrefix(fmt.Sprint(last["msg"]), "stopped") {
		t.Errorf("last log line: %v", last)
	}
	// Delivered now or by the next start: once either way.
	next := e.startRelay(nil)
	if _, ok := arrival(t, e.sb, ans.Deliveries[0].MsgUUID, 10*time.Second); !ok {
		r := e.run("", "outbox", "ls", "--all", "--json")
		t.Fatalf("the acknowledged message was never delivered:\n%s\nfirst relay:\n%s\noutbox: %s%s", next.log(), p.log(), r.stdout, r.stderr)
	}
	time.Sleep(1200 * time.Millisecond)
	n := 0
	for _, a := range e.sb.Accepted() {
		if id, _ := a.Message["msgUuid"].(string); id == ans.Deliveries[0].MsgUUID && !a.Duplicate {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("posted %d times", n)
	}
}

// TestServeDigestGathersABurst: on a route with digest, a burst is acknowledged at once with
// when its summary is due, and goes out as one message (two when the burst spans a window's
// end) holding every post once.
func TestServeDigestGathersABurst(t *testing.T) {
	e := oneRobotRelay(t, sandbox.Options{}, "[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\ndigest = \"2s\"\n")
	p := e.startRelay(nil)
	const n = 8
	for i := range n {
		ans, err := post(p.url+"/hooks", http.Header{}, []byte(fmt.Sprintf(`{"title":"digest-item-%02d","text":"body %d"}`, i, i)))
		if err != nil || ans.status != http.StatusAccepted || len(ans.Deliveries) != 1 || ans.Deliveries[0].Due == nil || ans.Digest == "" {
			t.Fatalf("post %d: %v %d %s", i, err, ans.status, ans.raw)
		}
		if wait := time.Until(*ans.Deliveries[0].Due); wait > 5*time.Second {
			t.Errorf("post %d is due in %v, past its 2 s window", i, wait)
		}
	}
	seen := map[string]int{}
	deadline := time.Now().Add(12 * time.Second)
	for len(seen) < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		seen = map[string]int{}
		for _, a := range e.sb.Accepted() {
			for i := range n {
				if m := fmt.Sprintf("digest-item-%02d", i); !a.Duplicate && strings.Contains(messageText(a.Message), m) {
					seen[m]++
				}
			}
		}
	}
	posted := 0
	for _, a := range e.sb.Accepted() {
		if !a.Duplicate {
			posted++
		}
	}
	if len(seen) != n || posted > 2 {
		t.Fatalf("%d of %d posts arrived, in %d messages (want all, in one or two):\n%s", len(seen), n, posted, p.log())
	}
	for m, c := range seen {
		if c != 1 {
			t.Errorf("%s arrived %d times", m, c)
		}
	}
	// The history files what was posted (the summary), delivered: not each held post as
	// queued forever.
	var entries []historyJSON
	deadline = time.Now().Add(5 * time.Second)
	for {
		r := e.run("", "history", "--json")
		entries = nil
		if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
			t.Fatalf("history --json: %v\n%s%s", err, r.stdout, r.stderr)
		}
		delivered := 0
		for _, h := range entries {
			if h.Status == "delivered" {
				delivered++
			}
		}
		if delivered == posted && len(entries) == posted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the history after %d posted messages: %+v", posted, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The outbox says where each post went: digested, into which summary.
	var jobs []outboxJSON
	if r := e.run("", "outbox", "ls", "--all", "--json"); json.Unmarshal([]byte(r.stdout), &jobs) != nil {
		t.Fatalf("outbox ls --all --json: %s%s", r.stdout, r.stderr)
	}
	digested := 0
	for _, j := range jobs {
		if j.State == "digested" && j.Digest != "" {
			digested++
			if r := e.run("", "outbox", "show", j.ID); !strings.Contains(r.stdout, "went out in the summary "+j.Digest) {
				t.Fatalf("outbox show %s:\n%s%s", j.ID, r.stdout, r.stderr)
			}
		}
	}
	if posted == 1 && digested != n {
		t.Fatalf("%d of %d posts are listed digested: %+v", digested, n, jobs)
	}
}

// TestServeHelpTeaches: serve --help holds a config that loads as written, the endpoints, and
// curl lines that, run as written against a relay with that config, are answered 202.
func TestServeHelpTeaches(t *testing.T) {
	e := newRelayEnv(t, sandbox.Options{}, []sandbox.Robot{{Token: testToken}, {Token: "oncalltoken0001"}}, []string{"ops", "oncall"}, "")
	r := e.run("", "serve", "--help")
	if r.code != 0 {
		t.Fatalf("--help: %d %s", r.code, r.stderr)
	}
	help := r.stdout
	for _, w := range []string{"GET /healthz", "GET /readyz", "GET /metrics", "POST <path>", "X-Hub-Signature-256", "X-Gitlab-Token", "Authorization: Bearer", "SIGTERM"} {
		if !strings.Contains(help, w) {
			t.Errorf("serve --help lacks %q", w)
		}
	}
	// The config: the indented block from [serve] to the first blank line after [[routes]].
	_, cfg, _ := strings.Cut(help, "  [serve]\n")
	cfg, _, _ = strings.Cut("  [serve]\n"+cfg, "\n\nSenders")
	var lines []string
	for l := range strings.Lines(cfg) {
		lines = append(lines, strings.TrimPrefix(l, "  "))
	}
	snippet := strings.Join(lines, "")
	if !strings.Contains(snippet, "[[routes]]") || !strings.Contains(snippet, "secret_env") {
		t.Fatalf("no config snippet in serve --help:\n%s", help)
	}
	base, _ := os.ReadFile(e.config)
	// The curl lines also post to a generic route, which the help names.
	e.writeConfig(string(base) + snippet + "\n[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\nsecret_env = \"RELAY_TOKEN\"\n")
	token := "help-token-5b4a39281706f5e4"
	p := e.startRelay([]string{"RELAY_TOKEN=" + token})
	if !strings.Contains(p.log(), `"digest":"1m0s"`) || !strings.Contains(p.log(), `"mention_label":"owner"`) {
		t.Errorf("the help's route did not load as written:\n%s", p.log())
	}

	// The example's curl lines, joined at their backslashes, against this relay.
	_, example, _ := strings.Cut(help, "Examples:\n")
	example, _, _ = strings.Cut(example, "\n\nFlags:")
	var curls []string
	for _, cmd := range strings.Split(strings.ReplaceAll(example, "\\\n", ""), "\n") {
		if cmd = strings.TrimSpace(cmd); strings.HasPrefix(cmd, "curl ") {
			curls = append(curls, strings.ReplaceAll(cmd, "http://127.0.0.1:8080", p.url))
		}
	}
	if len(curls) < 2 {
		t.Fatalf("serve --help has %d curl lines:\n%s", len(curls), example)
	}
	alert, _ := os.ReadFile(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", "alertmanager-firing.json"))
	os.WriteFile(filepath.Join(e.dir, "alert.json"), alert, 0o600)
	for _, c := range curls {
		cmd := exec.Command("bash", "-c", c+` -s -o /dev/stderr -w '%{http_code}'`)
		cmd.Dir, cmd.Env = e.dir, append(e.environ(), "RELAY_TOKEN="+token)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil || out.String() != "202" {
			t.Errorf("%s: %v, status %s: %s", c, err, out.String(), errb.String())
		}
	}

	r = e.run("", "--help")
	if !strings.Contains(r.stdout, "dingbot serve ") {
		t.Errorf("dingbot --help does not name dingbot serve:\n%s", r.stdout)
	}
}

// TestServeLoadWithDigestAndSIGKILL is the load test: 2 000 alert posts in bursts
// across 10 routes with a digest, the relay killed with SIGKILL mid-burst and restarted. Every
// post answered 202 goes out exactly once, inside a summary; DingTalk never throttles a robot.
func TestServeLoadWithDigestAndSIGKILL(t *testing.T) {
	const routesN, perRoute = 10, 200
	var (
		robots []sandbox.Robot
		names  []string
		routes strings.Builder
	)
	for i := range routesN {
		robots = append(robots, sandbox.Robot{Token: fmt.Sprintf("%064x", i+1)})
		names = append(names, fmt.Sprintf("r%d", i))
		fmt.Fprintf(&routes, "[[routes]]\npath = \"/load%d\"\nsource = \"alertmanager\"\nrobots = [\"r%d\"]\ndigest = \"2s\"\n\n", i, i)
	}
	e := newRelayEnv(t, sandbox.Options{}, robots, names, routes.String())
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", "alertmanager-firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	payload := func(marker string) []byte {
		return bytes.Replace(tmpl, []byte(`"alertname": "HighErrorRate"`), []byte(`"alertname": "`+marker+`"`), -1)
	}
	p := e.startRelay(nil)
	start := time.Now()
	b := e.postThroughKill(p, routesN, perRoute, routesN*perRoute/2, func(r, i int) (string, string, []byte) {
		marker := fmt.Sprintf("Load%dN%03d", r, i)
		return marker, fmt.Sprintf("/load%d", r), payload(marker)
	})
	acked, unacked, atKill, restarted := b.acked, b.unacked, b.atKill, b.relay
	t.Logf("%d posts in %v: %d acknowledged (%d before the kill), %d not", routesN*perRoute, time.Since(start).Round(time.Millisecond), len(acked), atKill, len(unacked))
	if atKill >= len(acked) || len(acked) < routesN*perRoute*9/10 {
		t.Fatalf("the kill did not fall mid-burst, or most posts failed: %d acknowledged at the kill, %d in all", atKill, len(acked))
	}

	markerRE := regexp.MustCompile(`Load\d+N\d{3}`)
	count := func() (map[string]int, int) {
		seen, messages := map[string]int{}, 0
		for _, a := range e.sb.Accepted() {
			if a.Duplicate {
				continue
			}
			messages++
			// The alertname appears in a summary's heading and again in its text: count each
			// marker once a message.
			for _, m := range slices.Compact(slices.Sorted(slices.Values(markerRE.FindAllString(messageText(a.Message), -1)))) {
				seen[m]++
			}
		}
		return seen, messages
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen, _ := count()
		missing := 0
		for _, m := range acked {
			if seen[m] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged posts never reached DingTalk:\n%s", missing, len(acked), restarted.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	seen, messages := count()
	for _, m := range acked {
		if seen[m] != 1 {
			t.Errorf("acknowledged post %s went out %d times, want once", m, seen[m])
		}
	}
	for _, m := range unacked {
		if seen[m] > 1 {
			t.Errorf("unacknowledged post %s went out %d times", m, seen[m])
		}
	}
	perRobot := map[string]int{}
	for _, a := range e.sb.Arrivals() {
		if a.Errcode == 410100 || !a.Accepted {
			t.Fatalf("DingTalk refused or throttled a message: %d %s", a.Errcode, a.Errmsg)
		}
		if !a.Duplicate {
			perRobot[a.Token]++
		}
	}
	for tok, n := range perRobot {
		if n > 20 {
			t.Errorf("robot %s got %d messages, over DingTalk's 20 a minute", e.robotOf(sandbox.Arrival{Token: tok}), n)
		}
	}
	t.Logf("%d acknowledged posts went out in %d messages", len(acked), messages)
}

// postLarge posts a body the relay refuses before reading it, as a sender that streams its
// body does: the answer comes while the body is still being written, and the relay then
// closes the connection (which may reset the sender's write, never the answer it read).
func postLarge(t *testing.T, rawURL string, h http.Header, body []byte) (int, string) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		var req bytes.Buffer
		fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", u.Path, u.Host, len(body))
		for k, vs := range h {
			for _, v := range vs {
				fmt.Fprintf(&req, "%s: %s\r\n", k, v)
			}
		}
		req.WriteString("\r\n")
		req.Write(body)
		_, _ = conn.Write(req.Bytes()) // the relay stops reading: an error here is expected
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a large post: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// fencedBlocks returns the fenced code blocks of markdown text, with their info strings.
func fencedBlocks(text string) (langs, bodies []string) {
	for {
		_, rest, ok := strings.Cut(text, "\n```")
		if !ok {
			return langs, bodies
		}
		lang, rest, _ := strings.Cut(rest, "\n")
		body, after, _ := strings.Cut(rest, "\n```")
		langs, bodies = append(langs, strings.TrimSpace(lang)), append(bodies, body+"\n")
		text = after
	}
}

// readmeSection is the README's section headed title, up to the next section.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README has no section %q", title)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	return sec
}

// TestReadmeRelaySnippetsWork runs the README's relay section as written: its exports make
// the secrets, its routes load (with robots on the sandbox), and the Alertmanager, Grafana,
// GitHub and GitLab set-ups and the curl line, each parsed from the README, post with what
// they configure and are answered 202 (GitHub's ping 200) and delivered. The status codes it
// lists are what senders get, and every metric it lists, with its labels, is served.
func TestReadmeRelaySnippetsWork(t *testing.T) {
	sec := readmeSection(t, "Relay: dingbot serve")
	langs, bodies := fencedBlocks(sec)
	block := func(lang, contains string) string {
		t.Helper()
		for i := range langs {
			if langs[i] == lang && strings.Contains(bodies[i], contains) {
				return bodies[i]
			}
		}
		t.Fatalf("the README's relay section has no %s block with %q", lang, contains)
		return ""
	}

	// The exports, run as written, make the secrets.
	exports := block("sh", "export ")
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^export (\w+)=`).FindAllStringSubmatch(exports, -1) {
		names = append(names, m[1])
	}
	script := regexp.MustCompile(`(?m)^dingbot .*$`).ReplaceAllString(exports, "")
	for _, n := range names {
		script += fmt.Sprintf("printf '%%s=%%s\\n' %s \"$%s\"\n", n, n)
	}
	out, err := exec.Command("bash", "-c", "set -eu\n"+script).Output()
	if err != nil || len(names) < 3 || !strings.Contains(exports, "\ndingbot serve") {
		t.Fatalf("the exports (%v) do not run: %v\n%s", names, err, exports)
	}
	secrets := map[string]string{}
	var envs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		if len(v) != 64 {
			t.Fatalf("%s is %q after the README's export", k, v)
		}
		secrets[k] = v
		envs = append(envs, l)
	}

	// The routes, with robots of those names on the sandbox, a robot DingTalk refuses (for
	// the failure metric) and a template that cannot render (for 422).
	routesTOML := block("toml", "[[routes]]")
	f, err := config.Parse("README", []byte(routesTOML))
	if err != nil {
		t.Fatalf("the README's routes do not parse: %v", err)
	}
	var robotNames []string
	for _, r := range f.Routes {
		for _, n := range r.Robots {
			if !slices.Contains(robotNames, n) {
				robotNames = append(robotNames, n)
			}
		}
		if r.SecretEnv == "" || secrets[r.SecretEnv] == "" {
			t.Errorf("route %s: secret_env %q is not one the README exports", r.Path, r.SecretEnv)
		}
	}
	var sbRobots []sandbox.Robot
	for i := range robotNames {
		sbRobots = append(sbRobots, sandbox.Robot{Token: fmt.Sprintf("%064x", i+1), Secret: testSecret})
	}
	extra := "\n[[routes]]\npath = \"/broken\"\nsource = \"generic\"\nrobots = [\"broken\"]\n" +
		"\n[[routes]]\npath = \"/strict\"\nsource = \"generic\"\nrobots = [\"ops\"]\ntemplate = \"strict\"\n"
	e := newRelayEnv(t, sandbox.Options{}, sbRobots, robotNames, "")
	base, _ := os.ReadFile(e.config)
	e.writeConfig(string(base) + fmt.Sprintf("monthly_quota = 1000\n[robots.broken]\nwebhook = %q\nallow_custom_host = true\n", e.webhook("unknowntoken0001")) + routesTOML + extra)
	os.MkdirAll(filepath.Join(e.dir, "templates"), 0o700)
	os.WriteFile(filepath.Join(e.dir, "templates", "strict.toml"), []byte("description = \"needs six items\"\ndata = \"generic\"\nmsgtype = \"text\"\ntext = '''{{ index .items 5 }}'''\n"), 0o600)
	p := e.startRelay(envs)
	sent := 0
	expect := func(what string, ans answer, err error, status int) {
		t.Helper()
		if err != nil || ans.status != status {
			t.Errorf("%s: %v %d %s; want %d", what, err, ans.status, ans.raw, status)
			return
		}
		for _, d := range ans.Deliveries {
			sent++
			if _, ok := arrival(t, e.sb, d.MsgUUID, 10*time.Second); !ok {
				t.Errorf("%s: delivery %s to %s never reached DingTalk", what, d.ID, d.Robot)
			}
		}
	}
	routeOf := func(what, rawURL, src string) string {
		t.Helper()
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatalf("%s: URL %q: %v", what, rawURL, err)
		}
		for _, r := range f.Routes {
			if r.Path == u.Path {
				if r.Source != src {
					t.Errorf("%s posts to %s, a %s route", what, u.Path, r.Source)
				}
				return r.Path
			}
		}
		t.Fatalf("%s posts to %s, which is none of the README's routes", what, u.Path)
		return ""
	}
	testdata := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "dingtalk", "relay", "source", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Alertmanager: webhook_configs with a bearer token read from credentials_file, which
	// the README's printf line writes.
	var am struct {
		Route struct {
			Receiver string `yaml:"receiver"`
		} `yaml:"route"`
		Receivers []struct {
			Name           string `yaml:"name"`
			WebhookConfigs []struct {
				URL          string `yaml:"url"`
				SendResolved bool   `yaml:"send_resolved"`
				HTTPConfig   struct {
					Authorization struct {
						Type            string `yaml:"type"`
						CredentialsFile string `yaml:"credentials_file"`
					} `yaml:"authorization"`
				} `yaml:"http_config"`
			} `yaml:"webhook_configs"`
		} `yaml:"receivers"`
	}
	if err := yaml.UnmarshalStrict([]byte(block("yaml", "webhook_configs")), &am); err != nil {
		t.Fatalf("the Alertmanager snippet: %v", err)
	}
	if len(am.Receivers) != 1 || am.Route.Receiver != am.Receivers[0].Name || len(am.Receivers[0].WebhookConfigs) != 1 {
		t.Fatalf("the Alertmanager snippet routes to no webhook: %+v", am)
	}
	wc := am.Receivers[0].WebhookConfigs[0]
	printf := regexp.MustCompile(`printf %s "\$(\w+)" >\s+(\S+)` + "`").FindStringSubmatch(strings.ReplaceAll(sec, "\n", " "))
	if printf == nil || printf[2] != wc.HTTPConfig.Authorization.CredentialsFile || wc.HTTPConfig.Authorization.Type != "Bearer" || !wc.SendResolved {
		t.Fatalf("the Alertmanager credentials: printf %q, config %+v", printf, wc)
	}
	tokenFile := filepath.Join(e.dir, "relay-token")
	cmd := exec.Command("bash", "-c", fmt.Sprintf(`printf %%s "$%s" > %s`, printf[1], tokenFile))
	cmd.Env = append(os.Environ(), envs...)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	amToken, _ := os.ReadFile(tokenFile)
	path := routeOf("Alertmanager", wc.URL, source.SourceAlertmanager)
	for _, name := range []string{"alertmanager-firing.json", "alertmanager-resolved.json"} {
		ans, err := post(p.url+path, http.Header{"Authorization": {wc.HTTPConfig.Authorization.Type + " " + string(amToken)}}, testdata(name))
		expect("Alertmanager "+name, ans, err, http.StatusAccepted)
	}

	// Grafana: a webhook contact point whose Authorization header carries the token, provisioned
	// with $RELAY_TOKEN from Grafana's environment.
	var gr struct {
		APIVersion    int `yaml:"apiVersion"`
		ContactPoints []struct {
			OrgID     int    `yaml:"orgId"`
			Name      string `yaml:"name"`
			Receivers []struct {
				UID      string `yaml:"uid"`
				Type     string `yaml:"type"`
				Settings struct {
					URL                      string `yaml:"url"`
					HTTPMethod               string `yaml:"httpMethod"`
					AuthorizationScheme      string `yaml:"authorization_scheme"`
					AuthorizationCredentials string `yaml:"authorization_credentials"`
				} `yaml:"settings"`
			} `yaml:"receivers"`
		} `yaml:"contactPoints"`
	}
	if err := yaml.UnmarshalStrict([]byte(block("yaml", "contactPoints")), &gr); err != nil {
		t.Fatalf("the Grafana snippet: %v", err)
	}
	if gr.APIVersion != 1 || len(gr.ContactPoints) != 1 || len(gr.ContactPoints[0].Receivers) != 1 || gr.ContactPoints[0].Receivers[0].Type != "webhook" {
		t.Fatalf("the Grafana snippet: %+v", gr)
	}
	gs := gr.ContactPoints[0].Receivers[0].Settings
	cred := os.Expand(gs.AuthorizationCredentials, func(k string) string { return secrets[k] })
	if gs.HTTPMethod != http.MethodPost || gs.AuthorizationScheme != "Bearer" || cred == "" || cred == gs.AuthorizationCredentials {
		t.Fatalf("the Grafana settings: %+v", gs)
	}
	for _, name := range []string{"grafana-firing.json", "grafana-resolved.json"} {
		ans, err := post(p.url+routeOf("Grafana", gs.URL, source.SourceGrafana), http.Header{"Authorization": {gs.AuthorizationScheme + " " + cred}}, testdata(name))
		expect("Grafana "+name, ans, err, http.StatusAccepted)
	}

	// GitHub and GitLab: the webhook form's fields as the README lists them.
	field := func(name string) string {
		t.Helper()
		m := regexp.MustCompile(`(?m)^- \*\*` + regexp.QuoteMeta(name) + `\*\*: (?:the value of )?` + "`([^`]+)`").FindStringSubmatch(sec)
		if m == nil {
			t.Fatalf("the README does not give the webhook's %s", name)
		}
		return m[1]
	}
	if ct := field("Content type"); ct != "application/json" {
		t.Errorf("the README has GitHub post %s; the relay's routes read application/json", ct)
	}
	ghPath := routeOf("GitHub", field("Payload URL"), source.SourceGitHub)
	ghSecret := secrets[strings.TrimPrefix(field("Secret"), "$")]
	for _, ev := range source.SampleEvents(source.SourceGitHub) {
		h, body, _ := source.Sample(source.SourceGitHub, ev)
		h.Set("Content-Type", field("Content type"))
		sign(source.SourceGitHub, ghSecret, h, body)
		ans, err := post(p.url+ghPath, h, body)
		expect("GitHub "+ev, ans, err, http.StatusAccepted)
	}
	ping := http.Header{"X-Github-Event": {"ping"}, "Content-Type": {field("Content type")}}
	sign(source.SourceGitHub, ghSecret, ping, testdata("github-ping.json"))
	if ans, err := post(p.url+ghPath, ping, testdata("github-ping.json")); err != nil || ans.status != http.StatusOK || ans.Ignored == "" {
		t.Errorf("GitHub's ping: %v %d %s", err, ans.status, ans.raw)
	}
	glPath := routeOf("GitLab", field("URL"), source.SourceGitLab)
	for _, ev := range source.SampleEvents(source.SourceGitLab) {
		h, body, _ := source.Sample(source.SourceGitLab, ev)
		h.Set("X-Gitlab-Token", secrets[strings.TrimPrefix(field("Secret token"), "$")])
		ans, err := post(p.url+glPath, h, body)
		if ev == "comment" {
			// The README's /gitlab route names no events: comments are not posted by default,
			// and the answer says which events line would post them.
			if err != nil || ans.status != http.StatusOK || !strings.Contains(ans.Ignored, `events = ["default", "comment"]`) {
				t.Errorf("GitLab comment on a route with the default events: %v %d %s", err, ans.status, ans.raw)
			}
			continue
		}
		expect("GitLab "+ev, ans, err, http.StatusAccepted)
	}
	// GitLab resends an event with the same Idempotency-Key: answered with the first deliveries,
	// posted once.
	h, body, _ := source.Sample(source.SourceGitLab, "push")
	h.Set("X-Gitlab-Token", secrets[strings.TrimPrefix(field("Secret token"), "$")])
	h.Set("Idempotency-Key", "5c1d0c1e-8d5f-4f71-a5a3-0a7e1e3b9b11")
	first, err1 := post(p.url+glPath, h, body)
	again, err2 := post(p.url+glPath, h, body)
	expect("GitLab push with an Idempotency-Key", first, err1, http.StatusAccepted)
	if err2 != nil || again.status != http.StatusAccepted || len(again.Deliveries) != 1 || len(first.Deliveries) != 1 || again.Deliveries[0] != first.Deliveries[0] {
		t.Errorf("GitLab's resend: %v %d %s; want the first answer %s", err2, again.status, again.raw, first.raw)
	}

	// The curl line, run as written against this relay.
	curl := strings.ReplaceAll(block("sh", "curl "), "http://127.0.0.1:8080", p.url)
	cmd = exec.Command("bash", "-c", strings.TrimSpace(curl)+` -s -o /dev/stderr -w '%{http_code}'`)
	cmd.Env = append(e.environ(), envs...)
	var cout, cerr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &cout, &cerr
	if err := cmd.Run(); err != nil || cout.String() != "202" {
		t.Errorf("the README's curl: %v %s %s", err, cout.String(), cerr.String())
	}

	// The preview it names, as written.
	preview := regexp.MustCompile("`(dingbot template render [^`]+)`").FindStringSubmatch(strings.ReplaceAll(sec, "\n", " "))
	if preview == nil {
		t.Fatal("the README's relay section names no dingbot template render")
	}
	if r := e.run("", strings.Fields(preview[1])[1:]...); r.code != 0 || !strings.Contains(r.stdout, "pull request") || !strings.Contains(r.stderr, "nothing was sent") {
		t.Errorf("%s: exit %d:\n%s%s", preview[1], r.code, r.stdout, r.stderr)
	}

	// The status codes the README lists.
	bearer := http.Header{"Authorization": {"Bearer " + secrets["RELAY_TOKEN"]}}
	ans, err := post(p.url+"/hooks", bearer, []byte("{\"title\": \"x\",\n  oops}"))
	if err != nil || ans.status != http.StatusBadRequest || !strings.Contains(ans.Error, "line 2") {
		t.Errorf("bad JSON: %v %d %s", err, ans.status, ans.raw)
	}
	basic, _ := http.NewRequest(http.MethodPost, p.url+"/hooks", nil)
	basic.SetBasicAuth("any-user", secrets["RELAY_TOKEN"])
	ans, err = post(p.url+"/hooks", basic.Header, []byte(`{"title":"posted with basic auth"}`))
	expect("basic auth", ans, err, http.StatusAccepted)
	ans, err = post(p.url+"/hooks", http.Header{"Authorization": {"Bearer nope"}}, []byte(`{}`))
	if err != nil || ans.status != http.StatusUnauthorized || !strings.Contains(ans.Hint, "Authorization") {
		t.Errorf("a wrong token: %v %d %s", err, ans.status, ans.raw)
	}
	if status, raw := postLarge(t, p.url+"/hooks", bearer, append([]byte(`{"title":"big","text":"`), append(bytes.Repeat([]byte("x"), 1<<20), '"', '}')...)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("over 1 MiB: %d %.300s", status, raw)
	}
	ans, err = post(p.url+"/strict", http.Header{}, []byte(`{"items":[1]}`))
	if err != nil || ans.status != http.StatusUnprocessableEntity || !strings.Contains(ans.Error, "strict") {
		t.Errorf("a template that cannot render the payload: %v %d %s", err, ans.status, ans.raw)
	}
	ans, err = post(p.url+"/broken", http.Header{}, []byte(`{"title":"to a robot DingTalk does not know"}`))
	if err != nil || ans.status != http.StatusAccepted {
		t.Errorf("/broken: %v %d %s", err, ans.status, ans.raw)
	}
	for _, ep := range []string{"/healthz", "/readyz"} {
		res, err := relayClient.Get(p.url + ep)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %v %v", ep, err, res)
		} else {
			res.Body.Close()
		}
	}
	if sent < 20 {
		t.Errorf("only %d messages went out", sent)
	}

	// Every metric the README lists, with its labels, once the failure is counted.
	metricRE := regexp.MustCompile("`(dingbot_[a-z_]+)\\{([a-z_,]+)\\}`")
	listed := metricRE.FindAllStringSubmatch(sec, -1)
	if len(listed) < 8 {
		t.Fatalf("the README lists %d metrics", len(listed))
	}
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); ; {
		res, err := relayClient.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics = string(b)
		if strings.Contains(metrics, `dingbot_messages_failed_total{errcode="300001",robot="broken"}`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range listed {
		found := false
		for _, line := range strings.Split(metrics, "\n") {
			name, labels, ok := strings.Cut(line, "{")
			if !ok || (name != m[1] && name != m[1]+"_bucket" && name != m[1]+"_count") {
				continue
			}
			all := true
			for _, l := range strings.Split(m[2], ",") {
				all = all && strings.Contains(labels, l+`="`)
			}
			found = found || all
		}
		if !found {
			t.Errorf("/metrics serves no %s{%s}:\n%s", m[1], m[2], metrics)
		}
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
	for _, v := range secrets {
		if strings.Contains(p.log(), v) {
			t.Error("the relay logged a secret the README's exports made")
		}
	}
}

// A relay whose Redis is down when it starts serves anyway, as it does when Redis goes away
// later: /healthz 200, /readyz 503 with the reason, posts 503 (senders retry), a warning in
// the log; it does not exit into its supervisor's restart loop.
func TestServeStartsWhileRedisIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "redis://:pw-not-shown@" + ln.Addr().String() + "/0"
	ln.Close() // nothing listens there now
	e := oneRobotRelay(t, sandbox.Options{}, "[[routes]]\npath = \"/hooks\"\nsource = \"generic\"\nrobots = [\"ops\"]\n")
	p := e.startRelay([]string{"DINGBOT_REDIS_URL=" + down})
	get := func(path string) (int, string) {
		resp, err := http.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "error") {
		t.Fatalf("/readyz %d %s", code, body)
	}
	ans, err := post(p.url+"/hooks", http.Header{}, []byte(`{"title":"t","text":"x"}`))
	if err != nil || ans.status != http.StatusServiceUnavailable {
		t.Fatalf("post while Redis is down: %v %d %s", err, ans.status, ans.raw)
	}
	log := p.log()
	if !strings.Contains(log, "the shared state does not answer") || strings.Contains(log, "pw-not-shown") || strings.Contains(string(ans.raw), "pw-not-shown") {
		t.Fatalf("log:\n%s\nanswer %s", log, ans.raw)
	}
	// The outbox polls every second; while Redis stays down it says so once (and once for its
	// first clean-up of old jobs), not once a poll.
	time.Sleep(3 * time.Second)
	outboxLines := 0
	for _, r := range p.records() {
		if r["msg"] == "outbox" {
			outboxLines++
		}
	}
	if outboxLines > 2 {
		t.Fatalf("%d outbox error lines in 3 s while Redis is down:\n%s", outboxLines, p.log())
	}
}
