package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dingbot")
	path := filepath.Join(dir, "config.toml")
	if err := Init(path, false); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != ExampleConfig {
		t.Error("Init did not write ExampleConfig")
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o600)
		assertMode(t, dir, 0o700)
	}

	// Refuses to overwrite without force, and leaves the file alone.
	if err := os.WriteFile(path, []byte("# mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Init(path, false)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Init over existing file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "# mine\n" {
		t.Fatal("Init without force changed the file")
	}

	// Replaces it with force, with mode 0600 even if the old file was looser.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Init(path, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != ExampleConfig {
		t.Fatal("Init with force did not replace the file")
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o600)
	}
	assertNoTempFiles(t, dir)
}

func TestInitNoPath(t *testing.T) {
	if err := Init("", false); err == nil {
		t.Fatal("Init(\"\") succeeded")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "draft.md")
	for _, content := range []string{"first", "second, longer content", ""} {
		if err := WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if data, err := os.ReadFile(path); err != nil || string(data) != content {
			t.Fatalf("read back %q, %v; want %q", data, err, content)
		}
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o640)
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestWriteFileFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o700); err != nil { // renaming a file over a directory fails
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(target, []byte("data"), 0o600)
	if err == nil || !strings.Contains(err.Error(), "write "+target) {
		t.Fatalf("WriteFile over a directory: %v", err)
	}
	assertNoTempFiles(t, dir)
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file %s left in %s", e.Name(), dir)
		}
	}
}
