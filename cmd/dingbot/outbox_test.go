package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// The tests in this file reproduce issue 8 ("delivery you can depend on") through the binary.

// robotsEnv is an env with n unsigned robots r0…r(n-1) on one sandbox, each its own token.
func robotsEnv(t *testing.T, n int, o sandbox.Options) (*env, []string) {
	t.Helper()
	var tokens []string
	for i := range n {
		tokens = append(tokens, fmt.Sprintf("%064x", i+1))
	}
	for _, tok := range tokens {
		o.Robots = append(o.Robots, sandbox.Robot{Token: tok})
	}
	sb := sandbox.New(o)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	e := &env{t: t, dir: t.TempDir(), sb: sb, srv: srv}
	// Background drainers that send --queue started outlive the command: let them finish (or
	// end them) before the test's directory is removed.
	t.Cleanup(func() { stopDrainers(filepath.Join(e.dir, "state")) })
	var cfg strings.Builder
	cfg.WriteString("default_robot = \"r0\"\n")
	for i, tok := range tokens {
		fmt.Fprintf(&cfg, "[robots.r%d]\nwebhook = %q\nallow_custom_host = true\n", i, e.webhook(tok))
	}
	e.writeConfig(cfg.String())
	return e, tokens
}

// outboxJobs reads `dingbot outbox ls --all --json`.
func (e *env) outboxJobs() []outboxJSON {
	e.t.Helper()
	r := e.run("", "outbox", "ls", "--all", "--json")
	if r.code != 0 {
		e.t.Fatalf("outbox ls: exit %d: %s", r.code, r.stderr)
	}
	var jobs []outboxJSON
	if err := json.Unmarshal([]byte(r.stdout), &jobs); err != nil {
		e.t.Fatalf("outbox ls --json: %v\n%s", err, r.stdout)
	}
	return jobs
}

// postedOnce checks that the sandbox posted every msgUuid in want exactly once and nothing else.
func postedOnce(t *testing.T, sb *sandbox.Server, want map[string]bool) {
	t.Helper()
	posted := map[string]int{}
	for _, a := range sb.Accepted() {
		if a.Duplicate {
			continue
		}
		uuid, _ := a.Message["msgUuid"].(string)
		posted[uuid]++
	}
	for uuid := range want {
		if posted[uuid] != 1 {
			t.Errorf("msgUuid %s posted %d times, want once", uuid, posted[uuid])
		}
	}
	if len(posted) != len(want) {
		t.Errorf("posted %d distinct messages, want %d", len(posted), len(want))
	}
	for _, a := range sb.Arrivals() {
		if a.Errcode == 410100 {
			t.Fatalf("DingTalk's throttle was earned: %s", a.Errmsg)
		}
	}
}

// TestQueueReturnsAtOnceAndIsDelivered: send --queue returns once the message is stored, even
// when DingTalk is slow, and the drainer it starts delivers it.
func TestQueueReturnsAtOnceAndIsDelivered(t *testing.T) {
	e, _ := robotsEnv(t, 1, sandbox.Options{Delay: 1500 * time.Millisecond})
	start := time.Now()
	r := e.run("", "send", "text", "queued hello", "--queue", "--json")
	took := time.Since(start)
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if !res.OK || !res.Queued || len(res.Deliveries) != 1 || res.Deliveries[0].MsgUUID == "" || res.Deliveries[0].MsgUUID != res.MsgUUID {
		t.Fatalf("queued result %+v", res)
	}
	if took > time.Second {
		t.Errorf("send --queue took %v: it must not wait for DingTalk", took)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(e.sb.Accepted()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	postedOnce(t, e.sb, map[string]bool{res.MsgUUID: true})
	for time.Now().Before(deadline) {
		if jobs := e.outboxJobs(); len(jobs) == 1 && jobs[0].State == "sent" {
			r := e.run("", "outbox", "show", jobs[0].ID)
			if r.code != 0 || !strings.Contains(r.stdout, "state:     sent") || !strings.Contains(r.stdout, res.MsgUUID) {
				t.Fatalf("outbox show: %d %s %s", r.code, r.stdout, r.stderr)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the job never became sent: %+v", e.outboxJobs())
}

// TestSixtyProcessesQueueAndNothingIsThrottled: 60 processes queue at once; drainers in three
// processes deliver everything, at most 20 a minute per robot, with no throttled reply.
func TestSixtyProcessesQueueAndNothingIsThrottled(t *testing.T) {
	e, _ := robotsEnv(t, 4, sandbox.Options{})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		want = map[string]bool{}
	)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "text", fmt.Sprintf("message %d", i), "--robot", fmt.Sprintf("r%d", i%4), "--queue", "--json")
			var res jsonResult
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || !res.Queued {
				t.Errorf("queue %d: exit %d %v %s", i, r.code, err, r.stderr)
				return
			}
			mu.Lock()
			want[res.MsgUUID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(e.sb.Arrivals()) != 0 {
		t.Fatal("something was sent before a drainer ran")
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.run("", "outbox", "drain", "--wait", "--max-wait", "50s"); r.code != 0 {
				t.Errorf("drain: exit %d: %s", r.code, r.stderr)
			}
		}()
	}
	wg.Wait()
	postedOnce(t, e.sb, want)
	for _, j := range e.outboxJobs() {
		if j.State != "sent" {
			t.Errorf("job %s is %s: %s", j.ID, j.State, j.Reason)
		}
	}
}

// TestDrainerKilledAtRandomLosesNothing: a drainer killed with SIGKILL at random instants, 50
// times, leaves every message delivered and each msgUuid posted once.
func TestDrainerKilledAtRandomLosesNothing(t *testing.T) {
	// Twelve robots with two messages each: a drainer killed mid-request has used a rate-limit
	// slot of every robot it was sending to, so fewer messages a robot keep the test inside
	// DingTalk's first minute.
	e, _ := robotsEnv(t, 12, sandbox.Options{Delay: 15 * time.Millisecond})
	want := map[string]bool{}
	for i := range 24 {
		r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "text", fmt.Sprintf("kill test %d", i), "--robot", fmt.Sprintf("r%d", i%12), "--queue", "--json")
		var res jsonResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
			t.Fatalf("queue: %d %v %s", r.code, err, r.stderr)
		}
		want[res.MsgUUID] = true
	}
	for range 50 {
		cmd := exec.Command(binPath, "outbox", "drain", "--wait", "--quiet")
		cmd.Env, cmd.Dir = e.environ(), e.dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	// A drainer killed while its request was out has used that robot's rate-limit slot: on a
	// loaded machine the kills can fill a robot's minute, and the last drain then waits for it.
	final := exec.Command(binPath, "outbox", "drain", "--wait", "--max-wait", "150s")
	final.Env, final.Dir = e.environ(), e.dir
	if out, err := final.CombinedOutput(); err != nil {
		t.Fatalf("final drain: %v %s", err, out)
	}
	postedOnce(t, e.sb, want)
	for _, j := range e.outboxJobs() {
		if j.State != "sent" {
			t.Errorf("job %s is %s after the kills: %s", j.ID, j.State, j.Reason)
		}
	}
	t.Logf("sandbox: %+v", e.sb.Stats())
}

// TestSplitSendsPartsInOrder: --split cuts a long markdown message into parts that each fit,
// arrive in order and join back into the original.
func TestSplitSendsPartsInOrder(t *testing.T) {
	e, _ := robotsEnv(t, 1, sandbox.Options{})
	var b strings.Builder
	b.WriteString("# Nightly report\n\n")
	for i := range 500 {
		fmt.Fprintf(&b, "- item %d: 构建成功 ✅ in %d s, see https://example.com/builds/%d\n", i, i%60, i)
		if i%100 == 99 {
			b.WriteString("\n```go\nfunc main() {\n\tfmt.Println(\"hello\")\n}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n")
		}
	}
	text := b.String()
	file := filepath.Join(e.dir, "report.md")
	os.WriteFile(file, []byte(text), 0o600)
	if len(text) < 25000 {
		t.Fatalf("test text is only %d bytes", len(text))
	}
	if r := e.run("", "send", "markdown", "--file", file); r.code != 2 || !strings.Contains(r.stderr, "over DingTalk's limit") {
		t.Fatalf("without --split: exit %d %s", r.code, r.stderr)
	}
	r := e.run("", "send", "markdown", "--file", file, "--split", "--json")
	var res jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("--split: exit %d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	acc := e.sb.Accepted()
	if len(acc) < 2 || len(acc) != len(res.Parts) {
		t.Fatalf("sandbox got %d parts, result lists %d", len(acc), len(res.Parts))
	}
	var parts []dingtalk.Message
	for i, a := range acc {
		if len(a.Body) > dingtalk.MaxBodyBytes {
			t.Errorf("part %d is %d bytes", i+1, len(a.Body))
		}
		md := a.Message["markdown"].(map[string]any)
		if title := md["title"].(string); !strings.Contains(title, fmt.Sprintf("(%d/%d)", i+1, len(acc))) {
			t.Errorf("part %d title %q lacks its marker", i+1, title)
		}
		if uuid := a.Message["msgUuid"]; uuid != res.Parts[i].MsgUUID {
			t.Errorf("part %d msgUuid %v, result says %s", i+1, uuid, res.Parts[i].MsgUUID)
		}
		parts = append(parts, dingtalk.NewMarkdown(md["title"].(string), md["text"].(string)))
	}
	if got := dingtalk.JoinParts(parts); got != text {
		t.Errorf("the parts do not join back into the original (%d vs %d bytes)", len(got), len(text))
	}

	// Queued, the parts go out in order too, each with its own msgUuid.
	e.sb.Reset()
	r = e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "markdown", "--file", file, "--split", "--queue", "--json")
	res = jsonResult{}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || len(res.Deliveries) != len(acc) {
		t.Fatalf("--split --queue: exit %d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	if r := e.run("", "outbox", "drain", "--wait", "--max-wait", "30s"); r.code != 0 {
		t.Fatalf("drain: %d %s", r.code, r.stderr)
	}
	queued := e.sb.Accepted()
	if len(queued) != len(res.Deliveries) {
		t.Fatalf("sandbox got %d queued parts, want %d", len(queued), len(res.Deliveries))
	}
	for i, a := range queued {
		if a.Message["msgUuid"] != res.Deliveries[i].MsgUUID {
			t.Errorf("queued part %d arrived out of order: %v, want %s", i+1, a.Message["msgUuid"], res.Deliveries[i].MsgUUID)
		}
	}
}

// TestQuotaAndPauses: monthly_quota warns at 80 % and refuses at 100 % unless --force; a 90030
// from DingTalk stops the robot for every process; a 410100 pauses it.
func TestQuotaAndPauses(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: testToken}, {Token: "capped0000000001", MonthlyLimit: 1}}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	// A second DingTalk that takes one message a minute from its robot, then throttles it.
	slow := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: "fast000000000001"}}, Limit: 1})
	slowSrv := httptest.NewServer(slow)
	defer slowSrv.Close()
	e := &env{t: t, dir: t.TempDir(), sb: sb, srv: srv}
	e.writeConfig(fmt.Sprintf(`default_robot = "ops"
[robots.ops]
webhook = %q
allow_custom_host = true
monthly_quota = 5
[robots.capped]
webhook = %q
allow_custom_host = true
[robots.fast]
webhook = %q
allow_custom_host = true
`, e.webhook(testToken), e.webhook("capped0000000001"), slowSrv.URL+"/robot/send?access_token=fast000000000001"))

	for i := 1; i <= 5; i++ {
		r := e.run("", "send", "text", fmt.Sprint("q", i))
		if r.code != 0 {
			t.Fatalf("send %d: %d %s", i, r.code, r.stderr)
		}
		warned := strings.Contains(r.stderr, "sends this month")
		if warned != (i >= 4) {
			t.Errorf("send %d of 5: 80%% warning shown = %v\n%s", i, warned, r.stderr)
		}
	}
	before := sb.Stats().Arrivals
	r := e.run("", "send", "text", "q6", "--json")
	var res jsonResult
	json.Unmarshal([]byte(r.stdout), &res)
	if r.code != 4 || res.Error != "quota_exhausted" || !strings.Contains(res.Errmsg, "5 of 5") || !strings.Contains(res.Hint, "--force") || sb.Stats().Arrivals != before {
		t.Fatalf("over the quota: exit %d %+v", r.code, res)
	}
	if r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "text", "q6", "--queue", "--json"); r.code != 4 || !strings.Contains(r.stdout, `"error":"quota_exhausted"`) {
		t.Fatalf("--queue over the quota must be refused, not wait for next month: %d %s", r.code, r.stdout)
	}
	if r := e.run("", "send", "text", "q6", "--force"); r.code != 0 {
		t.Fatalf("--force: %d %s", r.code, r.stderr)
	}
	if r := e.run("", "robots"); !strings.Contains(r.stdout, "6/5") {
		t.Errorf("robots does not show the month:\n%s", r.stdout)
	}

	if r := e.run("", "send", "text", "c1", "--robot", "capped"); r.code != 0 {
		t.Fatalf("capped 1: %d %s", r.code, r.stderr)
	}
	r = e.run("", "send", "text", "c2", "--robot", "capped", "--json")
	json.Unmarshal([]byte(r.stdout), &res)
	if r.code != 4 || res.Error != "quota_exhausted" || res.Errcode == nil || *res.Errcode != 90030 {
		t.Fatalf("capped 2, DingTalk's 90030 is quota_exhausted from the first reply: %d %s", r.code, r.stdout)
	}
	before = sb.Stats().Arrivals
	r = e.run("", "send", "text", "c3", "--robot", "capped", "--json")
	if r.code != 4 || !strings.Contains(r.stdout, `"error":"quota_exhausted"`) || !strings.Contains(r.stdout, "90030") || sb.Stats().Arrivals != before {
		t.Fatalf("after 90030 the robot waits for the month: %d %s", r.code, r.stdout)
	}

	if r := e.run("", "send", "text", "one", "--robot", "fast"); r.code != 0 {
		t.Fatalf("fast 1: %d %s", r.code, r.stderr)
	}
	r = e.run("", "send", "text", "two", "--robot", "fast", "--json")
	res = jsonResult{}
	json.Unmarshal([]byte(r.stdout), &res)
	if r.code != 4 || res.Error != "rate_limited" || res.RetryAfter != 600 || !strings.Contains(r.stdout, "410100") {
		t.Fatalf("fast 2, throttled by DingTalk: %d %s", r.code, r.stdout)
	}
	if r := e.run("", "robots"); !strings.Contains(r.stdout, "paused") || !strings.Contains(r.stdout, "(stopped: 90030)") {
		t.Errorf("robots hides the pause or the stop:\n%s", r.stdout)
	}
	before = slow.Stats().Arrivals
	r = e.run("", "send", "text", "three", "--robot", "fast", "--json")
	json.Unmarshal([]byte(r.stdout), &res)
	if r.code != 4 || res.Error != "rate_limited" || res.RetryAfter < 590 || slow.Stats().Arrivals != before {
		t.Fatalf("a throttled robot is paused for every process: exit %d %+v", r.code, res)
	}
	// Queued behind the pause, every message of the robot says when it can go, not "now".
	for _, text := range []string{"four", "five"} {
		if r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", "send", "text", text, "--robot", "fast", "--queue"); r.code != 0 {
			t.Fatalf("queue %s: %d %s", text, r.code, r.stderr)
		}
	}
	e.run("", "outbox", "drain")
	r = e.run("", "outbox", "ls", "--robot", "fast")
	if strings.Contains(r.stdout, " now ") || strings.Count(r.stdout, "queued  in ") != 2 {
		t.Errorf("outbox ls while the robot is paused:\n%s%s", r.stdout, r.stderr)
	}
}

// TestSplitDryRunSendsNothing: --split --dry-run shows every part and posts none.
func TestSplitDryRunSendsNothing(t *testing.T) {
	e, _ := robotsEnv(t, 1, sandbox.Options{})
	file := filepath.Join(e.dir, "long.md")
	os.WriteFile(file, []byte("# R\n\n"+strings.Repeat("```go\n"+strings.Repeat("x = 1 😀\n", 400)+"```\n\n", 8)), 0o600)
	for _, extra := range [][]string{nil, {"--queue"}, {"--json"}} {
		args := append([]string{"send", "markdown", "--file", file, "--split", "--dry-run", "--msg-uuid", "DRY1"}, extra...)
		r := e.runEnv([]string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", extra, r.code, r.stderr)
		}
		if n := e.sb.Stats().Arrivals; n != 0 {
			t.Fatalf("%v: a dry run sent %d requests", extra, n)
		}
		if len(extra) == 0 && (!strings.Contains(r.stdout, "# part 2 of") || !strings.Contains(r.stdout, `"msgUuid":"DRY1-2"`)) {
			t.Fatalf("dry run shows not every part:\n%.400s", r.stdout)
		}
		if len(extra) > 0 && extra[0] == "--json" && !strings.Contains(r.stdout, `"bodies":[`) {
			t.Fatalf("--json dry run lacks the bodies: %.300s", r.stdout)
		}
	}
	if jobs := e.outboxJobs(); len(jobs) != 0 {
		t.Fatalf("a dry run queued %d jobs", len(jobs))
	}
}

// TestDrainReportsWhatItDidAndOneBackgroundDrainer: drain --json lists what it delivered and
// what failed (exit 1 then); a loop of send --queue starts one background drainer, not one each;
// outbox errors are JSON with --json.
func TestDrainReportsWhatItDidAndOneBackgroundDrainer(t *testing.T) {
	e, tokens := robotsEnv(t, 2, sandbox.Options{})
	noDrainer := []string{"DINGBOT_NO_BACKGROUND_DRAINER=1"}
	e.runEnv(noDrainer, "", "send", "text", "one", "--queue")
	e.runEnv(noDrainer, "", "send", "text", "two", "--queue", "--robot", "r1")
	// r1 is given another webhook: its queued message cannot go to the new one unasked.
	e.writeConfig(strings.Replace(fileText(t, e.config), tokens[1], strings.Repeat("9", 64), 1))
	r := e.run("", "outbox", "drain", "--wait", "--json")
	var out drainJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if r.code != 1 || out.OK || len(out.Delivered) != 1 || len(out.Failed) != 1 || out.Failed[0].State != "failed" || !strings.Contains(out.Failed[0].Reason, "another webhook") {
		t.Fatalf("drain: exit %d %+v", r.code, out)
	}

	r = e.run("", "outbox", "show", "d-nosuch", "--json")
	if r.code != 2 || !strings.Contains(r.stdout, `"ok":false`) || !strings.Contains(r.stdout, "no message") {
		t.Fatalf("show of a missing id with --json: %d %q %q", r.code, r.stdout, r.stderr)
	}

	state := filepath.Join(e.dir, "state")
	for i := range 8 {
		if r := e.run("", "send", "text", fmt.Sprint("loop ", i), "--queue"); r.code != 0 {
			t.Fatalf("queue %d: %s", i, r.stderr)
		}
	}
	// A drainer started while another runs ends at once; one stays.
	deadline := time.Now().Add(3 * time.Second)
	for drainersOf(state) > 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := drainersOf(state); n > 1 {
		t.Errorf("%d background drainers for one state directory", n)
	}
	deadline = time.Now().Add(20 * time.Second)
	for e.sb.Stats().Posted < 9 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.sb.Stats().Posted; n != 9 {
		t.Fatalf("posted %d, want the first and the 8 queued", n)
	}
}

// drainersOf counts the running `outbox drain` processes whose state directory is dir.
func drainersOf(dir string) int { return len(drainerPIDs(dir)) }

// drainerPIDs lists the running `outbox drain` processes whose state directory is dir.
func drainerPIDs(dir string) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), "outbox\x00drain") {
			continue
		}
		environ, _ := os.ReadFile(filepath.Join(p, "environ"))
		if strings.Contains(string(environ), "DINGBOT_STATE_DIR="+dir+"\x00") {
			if pid, err := strconv.Atoi(filepath.Base(p)); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// stopDrainers waits a few seconds for the drainers of dir to end, then kills the rest.
func stopDrainers(dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for len(drainerPIDs(dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, pid := range drainerPIDs(dir) {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
	time.Sleep(50 * time.Millisecond)
}
