package tui

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"

	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/textedit"
)

// TestReadmeKeysAreBound reads the README's composer key tables and checks every key they name
// is bound in the composer's key maps, and that keys the editing table gives to text are not
// also commands: the README cannot promise a key the composer does not have.
func TestReadmeKeysAreBound(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "## The composer")
	section, _, _ = strings.Cut(section, "\n## ")
	bound := map[string]bool{}
	for _, km := range []any{newKeyMap(), textedit.DefaultKeyMap(), editor.DefaultKeyMap(), picker.DefaultKeyMap()} {
		v := reflect.ValueOf(km)
		for i := 0; i < v.NumField(); i++ {
			if b, ok := v.Field(i).Interface().(key.Binding); ok {
				for _, k := range b.Keys() {
					bound[k] = true
				}
			}
		}
	}
	names := strings.NewReplacer("←", "left", "→", "right", "↑", "up", "↓", "down", "pgdn", "pgdown")
	cell := regexp.MustCompile("`([^`]+)`")
	checked := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, m := range cell.FindAllStringSubmatch(first, -1) {
			k := names.Replace(m[1])
			if k == "@" {
				continue // typed text that opens the picker, not a binding
			}
			checked++
			if !bound[k] {
				t.Errorf("README names %q (%s), which no key map binds", m[1], strings.TrimSpace(first))
			}
		}
	}
	if checked < 40 {
		t.Fatalf("found only %d keys in the README's composer tables", checked)
	}
	// The editing keys readline users type without thinking are not composer commands.
	cmds := newKeyMap()
	v := reflect.ValueOf(cmds)
	for i := 0; i < v.NumField(); i++ {
		b := v.Field(i).Interface().(key.Binding)
		for _, k := range b.Keys() {
			switch k {
			case "ctrl+a", "ctrl+e", "ctrl+b", "ctrl+f", "ctrl+p", "ctrl+n", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+h", "ctrl+d", "ctrl+t", "alt+b", "alt+f", "alt+d":
				t.Errorf("%s is a composer command (%s); it is an editing key", k, v.Type().Field(i).Name)
			}
		}
	}
}
