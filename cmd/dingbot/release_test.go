package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"
)

// TestReleaseStampsVersion builds dingbot with the ldflags .goreleaser.yaml gives a release
// (its templates filled in), so a renamed variable cannot go unnoticed: the linker ignores -X
// for a name that does not exist, and the release would print "dev".
func TestReleaseStampsVersion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 {
		t.Fatalf(".goreleaser.yaml has %d builds, want 1", len(cfg.Builds))
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/dingbot" || b.Binary != "dingbot" || !strings.Contains(strings.Join(b.Env, " "), "CGO_ENABLED=0") {
		t.Errorf("build is main %q, binary %q, env %v; want ./cmd/dingbot, dingbot, CGO_ENABLED=0", b.Main, b.Binary, b.Env)
	}
	fill := strings.NewReplacer("{{ .Version }}", "1.2.0", "{{ .FullCommit }}", "3cfafd9e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
		"{{ .CommitDate }}", "2026-12-02T05:00:00Z")
	ldflags := fill.Replace(strings.Join(b.Ldflags, " "))
	if m := regexp.MustCompile(`\{\{[^}]*\}\}`).FindString(ldflags); m != "" {
		t.Fatalf("ldflags have a template this test does not fill: %s", m)
	}
	bin := filepath.Join(t.TempDir(), "dingbot")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", ldflags, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", ldflags, err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dingbot v1.2.0\n", "commit  3cfafd9e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\n", "date    2026-12-02T05:00:00Z\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("a release build's dingbot version lacks %q:\n%s", want, out)
		}
	}
	docker, err := os.ReadFile(filepath.Join("..", "..", ".ci", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docker), "COPY $TARGETPLATFORM/dingbot /usr/bin/dingbot") ||
		!strings.Contains(string(docker), `ENTRYPOINT ["/usr/bin/dingbot"]`) {
		t.Errorf(".ci/Dockerfile does not copy the release binary and enter it:\n%s", docker)
	}
}
