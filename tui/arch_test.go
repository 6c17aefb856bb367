package tui

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiers places each package of tui: leaves import no tui package, widgets import leaves,
// components import leaves and widgets (never each other, never the root), the root imports
// them all. Arrows point down only.
var tiers = map[string]int{
	"cell": leaf, "styles": leaf, "store": leaf, "extedit": leaf, "internal/profiletest": leaf,
	"textedit": widget,
	"picker":   component, "dialog": component, "status": component, "preview": component, "editor": component, "varform": component,
	"": root,
}

const (
	leaf = iota
	widget
	component
	root
)

const module = "github.com/dingbot/dingbot/tui"

// forbidden are imports outside tui that a package must not have: persistence and the cell and
// style helpers know nothing of Bubble Tea.
var forbidden = map[string][]string{
	"store":  {"github.com/charmbracelet/bubbletea"},
	"cell":   {"github.com/charmbracelet/bubbletea"},
	"styles": {"github.com/charmbracelet/bubbletea"},
}

// allowed reports whether package from (a tui package, "" for the root) may import to.
func allowed(from, to string) bool {
	tf, tt := tiers[from], tiers[to]
	if to == "" {
		return false // nothing imports the root
	}
	switch tf {
	case root:
		return true
	case component, widget:
		return tt < tf
	}
	return false // a leaf imports no tui package
}

// TestArrowsPointDown reads every package under tui, as the go tool does (build tags and test
// files aside), and fails on an import the tiers do not allow or a package not placed in one.
func TestArrowsPointDown(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != "." {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, dir := range dirs {
		pkg, err := build.Default.ImportDir(dir, 0)
		if _, none := err.(*build.NoGoError); none {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		name := strings.TrimPrefix(filepath.ToSlash(dir), ".")
		if name == "." {
			name = ""
		}
		if _, ok := tiers[name]; !ok {
			t.Errorf("package tui/%s has no tier: add it to tiers (leaf, widget or component)", name)
			continue
		}
		seen++
		path := strings.TrimSuffix(module+"/"+name, "/")
		for _, imp := range pkg.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if _, ok := tiers[to]; !ok {
				t.Errorf("%s imports %s, which has no tier", path, imp)
				continue
			}
			if !allowed(name, to) {
				t.Errorf("%s imports %s: arrows point down only (leaves → nothing in tui, widgets → leaves, components → leaves and widgets)", path, imp)
			}
		}
		for _, imp := range pkg.Imports {
			for _, no := range forbidden[name] {
				if imp == no {
					t.Errorf("%s imports %s, which it must not", path, imp)
				}
			}
		}
	}
	if seen < 2 {
		t.Fatalf("read %d packages: is the test running in tui?", seen)
	}
}

// The check itself: a wrong edge is refused.
func TestAllowedEdges(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"", "editor", true}, {"", "cell", true},
		{"editor", "textedit", true}, {"editor", "styles", true}, {"preview", "cell", true},
		{"editor", "preview", false}, {"picker", "dialog", false}, {"status", "", false},
		{"textedit", "cell", true}, {"textedit", "picker", false},
		{"cell", "styles", false}, {"store", "cell", false},
	} {
		if got := allowed(c.from, c.to); got != c.ok {
			t.Errorf("allowed(%q, %q) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
