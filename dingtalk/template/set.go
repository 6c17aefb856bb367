package template

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/dingbot/dingbot/dingtalk"
)

//go:embed gallery/*.toml
var gallery embed.FS

// Set is a collection of templates by name: the gallery, with user templates over it.
type Set struct {
	byName map[string]*Template
}

// Builtin returns the built-in gallery. It panics if a built-in template is broken, which the
// package's tests rule out.
func Builtin() *Set {
	builtinOnce.Do(func() {
		s, errs := load(gallery, "gallery", SourceBuiltin, nil)
		if err := errors.Join(errs...); err != nil {
			panic("template: a built-in template is broken: " + err.Error())
		}
		builtin = s
	})
	return &Set{byName: builtin.byName}
}

var (
	builtinOnce sync.Once
	builtin     *Set
)

// List describes the built-in gallery.
func List() []Info { return Builtin().List() }

// Lookup finds a built-in template by name.
func Lookup(name string) (*Template, error) { return Builtin().Lookup(name) }

// Dir is where user templates live beside a config file: <dir of configPath>/templates.
func Dir(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), "templates")
}

// Load returns the gallery with the templates of dir (*.toml) added; one of the same name as a
// built-in replaces it. A broken file disables only itself: its problem comes back among the
// warnings, naming the file and line. A dir that does not exist is no problem.
func Load(dir string) (*Set, []error) {
	s := &Set{byName: maps(Builtin().byName)}
	if dir == "" {
		return s, nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	user, errs := load(os.DirFS(dir), ".", SourceUser, func(name string) string { return filepath.Join(dir, name) })
	for name, t := range user.byName {
		if _, ok := s.byName[name]; ok {
			t.info.Overrides = true
		}
		s.byName[name] = t
	}
	return s, errs
}

func maps(m map[string]*Template) map[string]*Template {
	out := make(map[string]*Template, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// load parses every *.toml of dir in fsys. pathOf names a file for people (nil: the name).
func load(fsys fs.FS, dir, source string, pathOf func(string) string) (*Set, []error) {
	s := &Set{byName: map[string]*Template{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return s, []error{fmt.Errorf("read templates: %w", err)}
	}
	if pathOf == nil {
		pathOf = func(n string) string { return n }
	}
	var errs []error
	files := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
			continue
		}
		p := pathOf(e.Name())
		src, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		t, err := Parse(strings.TrimSuffix(e.Name(), ".toml"), src)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (the template is left out)", p, err))
			continue
		}
		if other, ok := files[t.info.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: template %s is also defined in %s (this file is left out)", p, t.info.Name, other))
			continue
		}
		files[t.info.Name] = p
		t.info.Source = source
		if source == SourceUser {
			t.info.Path = p
		}
		s.byName[t.info.Name] = t
	}
	return s, errs
}

// List describes every template, by name.
func (s *Set) List() []Info {
	out := make([]Info, 0, len(s.byName))
	for _, t := range s.byName {
		out = append(out, t.info)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Templates are every template, by name.
func (s *Set) Templates() []*Template {
	out := make([]*Template, 0, len(s.byName))
	for _, info := range s.List() {
		out = append(out, s.byName[info.Name])
	}
	return out
}

// Lookup returns the template called name; its error suggests the nearest name.
func (s *Set) Lookup(name string) (*Template, error) {
	if t, ok := s.byName[strings.TrimSpace(name)]; ok {
		return t, nil
	}
	names := make([]string, 0, len(s.byName))
	for _, i := range s.List() {
		names = append(names, i.Name)
	}
	did := ""
	if near := nearest(name, names); near != "" {
		did = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return nil, fmt.Errorf("no template named %q%s; templates: %s", name, did, strings.Join(names, ", "))
}

func nearest(s string, names []string) string { return dingtalk.Nearest(s, names) }
