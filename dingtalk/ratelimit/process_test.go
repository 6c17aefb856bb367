package ratelimit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const helperEnv = "DINGBOT_RATELIMIT_HELPER_DIR"

// TestHelperProcess is not a test: TestAcrossProcesses runs the test binary as a helper process
// that makes five Reserves against a shared directory and prints how many were granted.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestAcrossProcesses")
	}
	// Start together with the other helpers, once the parent has started them all.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Println("error: no start signal")
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
	l := New(filepath.Join(dir, "state"))
	granted := 0
	for range 5 {
		wait, err := l.Reserve(testKey)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if wait == 0 {
			granted++
		}
	}
	fmt.Printf("granted %d\n", granted)
	os.Exit(0)
}

func TestAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	const procs = 8
	dir := t.TempDir()
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatalf("start helper: %v", err)
		}
		cmds[i] = cmd
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i, cmd := range cmds {
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()

	total := 0
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], out)
		}
		var n int
		for line := range strings.Lines(out.String()) {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "granted "); ok {
				n, _ = strconv.Atoi(s)
			}
		}
		total += n
	}
	if total != DefaultLimit {
		t.Fatalf("%d processes × 5 Reserves granted %d slots, want exactly %d", procs, total, DefaultLimit)
	}
}
