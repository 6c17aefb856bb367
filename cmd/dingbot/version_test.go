package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersionStamped builds dingbot as a release build does (.goreleaser.yaml's ldflags) and
// reads the tag, commit and date back from 'dingbot version', --json and --version.
func TestVersionStamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dingbot")
	const (
		tag = "v1.2.0"
		sha = "3cfafd9e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
		at  = "2026-12-02T05:00:00Z"
	)
	build := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X main.version="+tag+" -X main.commit="+sha+" -X main.date="+at, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "dingbot v1.2.0\ncommit  " + sha + "\ndate    " + at + "\ngo      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if string(out) != want {
		t.Errorf("dingbot version printed\n%s\nwant\n%s", out, want)
	}
	out, err = exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json is not one JSON object: %v\n%s", err, out)
	}
	for k, w := range map[string]string{"version": tag, "commit": sha, "date": at, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH} {
		if v[k] != w {
			t.Errorf("version --json: %s = %v, want %q\n%s", k, v[k], w, out)
		}
	}
	if _, ok := v["modified"]; ok {
		t.Errorf("a stamped build says modified:\n%s", out)
	}
	out, err = exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "dingbot v1.2.0\n" {
		t.Errorf("dingbot --version = %q, %v; want %q", out, err, "dingbot v1.2.0\n")
	}
}

// TestVersionUnstamped: a plain 'go build' still answers every field, with "unknown" where
// nothing says, and refuses arguments.
func TestVersionUnstamped(t *testing.T) {
	out, err := exec.Command(binPath, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if v.Version == "" || v.Commit == "" || v.Date == "" || v.Go != runtime.Version() {
		t.Errorf("version --json left a field empty: %s", out)
	}
	text, err := exec.Command(binPath, "version").Output()
	if err != nil || !strings.HasPrefix(string(text), "dingbot "+v.Version+"\ncommit  ") {
		t.Errorf("dingbot version = %q, %v", text, err)
	}
	if err := exec.Command(binPath, "version", "extra").Run(); err == nil {
		t.Error("dingbot version extra succeeded")
	}
}
