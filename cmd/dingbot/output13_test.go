package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestRobotsJSON(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "robots", "--json")
	var robots []robotJSON
	if err := json.Unmarshal([]byte(r.stdout), &robots); err != nil || r.code != 0 {
		t.Fatalf("robots --json: exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(robots) != 2 {
		t.Fatalf("robots --json: %d robots, want 2: %s", len(robots), r.stdout)
	}
	byName := map[string]robotJSON{}
	for _, rb := range robots {
		byName[rb.Name] = rb
	}
	ops, alerts := byName["ops"], byName["alerts"]
	if !ops.Default || !ops.Signed || !strings.HasPrefix(ops.SecretFingerprint, "SEC…sha256:") || !ops.Available ||
		ops.SendsLeft == nil || *ops.SendsLeft != 20 || ops.Month == nil || ops.Month.Used != 0 || !strings.HasPrefix(ops.Host, "127.0.0.1:") {
		t.Errorf("ops: %+v", ops)
	}
	if alerts.Default || alerts.Signed || alerts.SecretFingerprint != "" || strings.Join(alerts.Keywords, ",") != "告警,alert" {
		t.Errorf("alerts: %+v", alerts)
	}
	for _, secret := range []string{testToken, testSecret, "alerttoken0001"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("robots --json printed %q", secret)
		}
	}

	// A send counts in the month; an unavailable robot is listed with why.
	if r := e.run("", "send", "text", "hi"); r.code != 0 {
		t.Fatalf("send: %d %s", r.code, r.stderr)
	}
	cfg, _ := os.ReadFile(e.config)
	os.WriteFile(e.config, append(cfg, []byte("\n[robots.night]\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=ffffeeee0000111122223333\"\nsecret_env = \"DINGBOT_TEST_UNSET_SECRET\"\n")...), 0o600)
	r = e.run("", "robots", "--json")
	robots = nil
	if err := json.Unmarshal([]byte(r.stdout), &robots); err != nil || len(robots) != 3 {
		t.Fatalf("robots --json: %v:\n%s", err, r.stdout)
	}
	if robots[0].Name != "ops" && robots[1].Name != "ops" {
		t.Fatalf("no ops: %s", r.stdout)
	}
	for _, rb := range robots {
		if rb.Name == "ops" && (rb.Month == nil || rb.Month.Used != 1 || *rb.SendsLeft != 19) {
			t.Errorf("ops after a send: %+v", rb)
		}
	}
	if night := robots[2]; night.Name != "night" || night.Available || !strings.Contains(night.Problem, "DINGBOT_TEST_UNSET_SECRET") {
		t.Errorf("night: %+v", night)
	}

	// No robots: an empty array, still JSON.
	e2 := newEnv(t)
	if r := e2.run("", "robots", "--json"); strings.TrimSpace(r.stdout) != "[]" || r.code != 0 {
		t.Errorf("no robots: exit %d %q", r.code, r.stdout)
	}
}

func TestContactsJSON(t *testing.T) {
	e := newEnv(t)
	e.standardConfig()
	r := e.run("", "contacts", "--json")
	if got := strings.TrimSpace(r.stdout); got != `[{"name":"Alice","mobile":"13800000000"},{"name":"Bob","user_id":"bob01"}]` || r.code != 0 {
		t.Errorf("contacts --json: exit %d %s", r.code, got)
	}
	r = e.run("", "contacts", "bo", "--json")
	if got := strings.TrimSpace(r.stdout); got != `[{"name":"Bob","user_id":"bob01"}]` || r.code != 0 {
		t.Errorf("contacts bo --json: exit %d %s", r.code, got)
	}
	r = e.run("", "contacts", "nobody", "--json")
	if got := strings.TrimSpace(r.stdout); got != `[]` || r.code != exitNoMatch || !strings.Contains(r.stderr, "no contact matches") {
		t.Errorf("contacts nobody --json: exit %d %s %s", r.code, got, r.stderr)
	}
	e2 := newEnv(t)
	if r := e2.run("", "contacts", "--json"); strings.TrimSpace(r.stdout) != "[]" || r.code != 0 {
		t.Errorf("no contacts: exit %d %q", r.code, r.stdout)
	}
}
