package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/dingbot/dingbot/dingtalk"
)

// maxKeyErrors is how many unknown keys an error lists before it only counts the rest.
const maxKeyErrors = 20

// unknownKeys walks the document once and reports keys the config does not know, with their
// lines. It is linear in the file's size: go-toml's strict decoder takes quadratic time to
// report many unknown keys, so Parse asks it only once the keys are known to be right. A syntax
// error stops the walk and returns nil: the decoder reports it with its position.
func unknownKeys(name string, data []byte) error {
	lines := newLineIndex(data)
	var (
		p       unstable.Parser
		table   []string
		errs    []error
		unknown int
	)
	report := func(path []string, offset uint32) {
		unknown++
		if len(errs) < maxKeyErrors {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q%s", name, lines.line(offset), dingtalk.MaskSecretLike(keyString(path)), suggest(path)))
		}
	}
	var visit func(path []string, n *unstable.Node, offset uint32)
	visit = func(path []string, n *unstable.Node, offset uint32) {
		if !knownKey(path) {
			report(path, offset)
			return
		}
		switch n.Kind {
		case unstable.InlineTable:
			for it := n.Children(); it.Next(); {
				kv := it.Node()
				if kv.Kind != unstable.KeyValue {
					continue
				}
				sub, off := appendKey(path, kv)
				visit(sub, kv.Value(), off)
			}
		case unstable.Array:
			for it := n.Children(); it.Next(); {
				visit(path, it.Node(), offset)
			}
		}
	}
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var off uint32
			table, off = appendKey(nil, e)
			if !knownKey(table) {
				report(table, off)
			}
		case unstable.KeyValue:
			path, off := appendKey(slices.Clip(table), e)
			if knownKey(table) {
				visit(path, e.Value(), off)
			}
		}
	}
	if p.Error() != nil || unknown == 0 {
		return nil
	}
	if unknown > len(errs) {
		errs = append(errs, fmt.Errorf("%s: … and %d more unknown keys", name, unknown-len(errs)))
	}
	return errors.Join(errs...)
}

// appendKey appends the parts of n's key to path and returns where the key starts.
func appendKey(path []string, n *unstable.Node) ([]string, uint32) {
	var off uint32
	first := true
	for it := n.Key(); it.Next(); {
		k := it.Node()
		if first {
			off, first = k.Raw.Offset, false
		}
		path = append(path, string(k.Data))
	}
	return path, off
}

// knownKey reports whether path (a table or a key, dotted) is part of the config's schema.
// Array elements of contacts share the path "contacts".
func knownKey(path []string) bool {
	switch {
	case len(path) == 0:
		return true
	case !slices.Contains(topKeys, path[0]):
		return false
	case path[0] == "robots":
		return len(path) <= 2 || (len(path) == 3 && slices.Contains(robotKeys, path[2]))
	case path[0] == "contacts":
		return len(path) == 1 || (len(path) == 2 && slices.Contains(contactKeys, path[1]))
	}
	return len(path) == 1
}

// lineIndex turns byte offsets into line numbers in O(log n).
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{}
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, i)
		}
	}
	return idx
}

// line is the 1-based line of offset.
func (l lineIndex) line(offset uint32) int {
	return sort.SearchInts(l, int(offset)) + 1
}
