package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore/redistest"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// doctorEnv serves a signed robot (testToken, testSecret) and an unsigned one on the sandbox,
// and configures good, unsigned, badtoken and badsecret robots on them.
func doctorEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, sandbox.Robot{Token: testToken, Secret: testSecret}, sandbox.Robot{Token: "unsignedtoken0001"})
	e.writeConfig(fmt.Sprintf(`[robots.good]
webhook = %q
secret = %q
allow_custom_host = true

[robots.unsigned]
webhook = %q
allow_custom_host = true

[robots.badtoken]
webhook = %q
secret = %q
allow_custom_host = true

[robots.badsecret]
webhook = %q
secret = "SEC0000000000000000000000000000000000000000000000000000000000000000"
allow_custom_host = true
`, e.webhook(testToken), testSecret, e.webhook("unsignedtoken0001"), e.webhook("nosuchtoken000000001"), testSecret, e.webhook(testToken)))
	return e
}

// TestDoctorProbesEachRobotWithoutPosting runs dingbot doctor against the sandbox: each robot's
// token and signature are read from DingTalk's errmsg, nothing is posted, no credential is
// printed, a failed check exits 1, and the quota note is said before probing.
func TestDoctorProbesEachRobotWithoutPosting(t *testing.T) {
	e := doctorEnv(t)
	r := e.run("", "doctor", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (bad robots): %s %s", r.code, r.stdout, r.stderr)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	got := map[string]doctorCheck{}
	for _, c := range rep.Checks {
		got[c.Check+" "+c.Robot] = c
	}
	for key, want := range map[string]struct {
		status  string
		verdict dingtalk.ProbeVerdict
		errmsg  string
	}{
		"config ":         {checkOK, "", ""},
		"state_dir ":      {checkOK, "", ""},
		"redis ":          {checkSkip, "", ""},
		"robot good":      {checkOK, dingtalk.ProbeOK, "msgtype is null"},
		"robot unsigned":  {checkOK, dingtalk.ProbeOK, "msgtype is null"},
		"robot badtoken":  {checkFail, dingtalk.ProbeBadToken, "token is not exist"},
		"robot badsecret": {checkFail, dingtalk.ProbeBadSecret, "sign not match"},
	} {
		c, ok := got[key]
		if !ok || c.Status != want.status || c.Verdict != want.verdict || !strings.Contains(c.Errmsg, want.errmsg) {
			t.Errorf("%s: got %+v, want %+v", key, c, want)
		}
	}
	if rep.OK || rep.Probes != 4 || !strings.Contains(rep.Note, "monthly webhook quota") {
		t.Errorf("report: ok %v, probes %d, note %q", rep.OK, rep.Probes, rep.Note)
	}
	if n := len(e.sb.Accepted()); n != 0 {
		t.Fatalf("doctor posted %d messages", n)
	}
	if n := len(e.sb.Arrivals()); n != 4 {
		t.Fatalf("%d requests, want one probe per robot", n)
	}

	// Text: the note first, a line per check, no credential.
	r = e.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stderr, "may count against the organisation's monthly webhook quota") {
		t.Fatalf("text: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"robot good", "OK", "robot badtoken", "FAIL", "token is not exist", "sign not match"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, r.stdout)
		}
	}
	out := r.stdout + r.stderr
	for _, part := range []string{testToken[:16], testSecret[3:19], "nosuchtoken000000001", "unsignedtoken0001"} {
		if strings.Contains(out, part) {
			t.Errorf("doctor printed a credential (%q):\n%s", part, out)
		}
	}

	// Only the robots named: the good ones pass.
	before := len(e.sb.Arrivals())
	r = e.run("", "doctor", "good", "unsigned")
	if r.code != 0 {
		t.Fatalf("doctor good unsigned: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if n := len(e.sb.Arrivals()) - before; n != 2 {
		t.Errorf("%d probes for two robots", n)
	}
	if strings.Contains(r.stdout, "badtoken") {
		t.Errorf("a robot not named was checked:\n%s", r.stdout)
	}
	r = e.run("", "doctor", "nosuch")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown robot") {
		t.Errorf("unknown robot: exit %d: %s", r.code, r.stderr)
	}

	// --no-probe: nothing reaches DingTalk.
	before = len(e.sb.Arrivals())
	r = e.run("", "doctor", "--no-probe")
	if r.code != 0 || len(e.sb.Arrivals()) != before || !strings.Contains(r.stdout, "not probed (--no-probe)") {
		t.Errorf("--no-probe: exit %d, %d requests: %s %s", r.code, len(e.sb.Arrivals())-before, r.stdout, r.stderr)
	}
}

// TestDoctorChecksConfigStateAndRedis: a broken config and an unwritable state directory fail
// their checks; Redis is checked when configured, ok while it answers and failed once it stops.
func TestDoctorChecksConfigStateAndRedis(t *testing.T) {
	e := doctorEnv(t)
	rs := redistest.Start(t)
	redis := []string{"DINGBOT_REDIS_URL=" + rs.URL()}
	r := e.runEnv(redis, "", "doctor", "good", "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("with Redis: exit %d %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
	if c := rep.Checks[2]; c.Check != "redis" || c.Status != checkOK {
		t.Errorf("redis check: %+v", c)
	}
	rs.Stop()
	r = e.runEnv(redis, "", "doctor", "--no-probe")
	if r.code != 1 || !strings.Contains(r.stdout, "redis") || !strings.Contains(r.stdout, "FAIL") {
		t.Errorf("Redis stopped: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}

	// The state directory is a file: not writable.
	blocked := e.dir + "/blocked"
	if err := os.WriteFile(blocked, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.runEnv([]string{"DINGBOT_STATE_DIR=" + blocked + "/state"}, "", "doctor", "--no-probe")
	if r.code != 1 || !strings.Contains(r.stdout, "state_dir") || !strings.Contains(r.stdout, "cannot be created") {
		t.Errorf("state dir blocked: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}

	// A config with an error: the config check fails and says where.
	e.writeConfig("[robots.ops]\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=abc\"\nsecret = \"nope\"\n")
	r = e.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "line 3: error: robot ops: secret must start with SEC") {
		t.Errorf("bad config: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}
