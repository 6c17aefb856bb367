package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Init writes ExampleConfig to path with mode 0600, creating its directory with mode 0700 if
// needed. It refuses to replace an existing file unless force; that error matches fs.ErrExist.
func Init(path string, force bool) error {
	if path == "" {
		return errors.New("config: init: no path")
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return &existsError{path: path}
	}
	if err := WriteFile(path, []byte(ExampleConfig), 0o600); err != nil {
		return fmt.Errorf("config: init: %w", err)
	}
	return nil
}

type existsError struct{ path string }

func (e *existsError) Error() string {
	return fmt.Sprintf("config: %s already exists: edit it, or pass --force to replace it with the example", e.path)
}

func (e *existsError) Is(target error) bool { return target == fs.ErrExist }

// WriteFile replaces path with data atomically: it writes a temporary file in the same
// directory with the given mode, syncs it to disk and renames it over path, so readers see the
// old content or the new, never a part. Missing parent directories are created with mode 0700.
func WriteFile(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err := f.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows it; failures are ignored.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
