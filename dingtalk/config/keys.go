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

// maxPartKeys is how many unknown keys inside robots and contacts disable only their parts; a
// file with more is refused whole: it is no config with typos, and decoding it would be slow.
const maxPartKeys = 1000

// keyProblems are the unknown keys of a document. An unknown key inside one robot's table or one
// contact disables only that robot or contact; any other unknown key is an error of the file.
type keyProblems struct {
	all      []error // the first maxKeyErrors, in document order
	fatal    []error // past maxKeyErrors, nil entries only count
	robots   map[string][]error
	contacts map[int][]error
	count    int
}

// add files an unknown key at path (elem is the contact's index) under the part it belongs to.
// The error is made only when it will be shown: a file of 40 000 unknown keys stays fast.
func (k *keyProblems) add(mk func() error, path []string, elem int) {
	k.count++
	var err error
	get := func() error {
		if err == nil {
			err = mk()
		}
		return err
	}
	if len(k.all) < maxKeyErrors {
		k.all = append(k.all, get())
	}
	switch {
	case len(path) >= 3 && path[0] == "robots":
		if k.robots == nil {
			k.robots = map[string][]error{}
		}
		k.robots[path[1]] = appendCapped(k.robots[path[1]], get)
	case len(path) >= 2 && path[0] == "contacts" && elem >= 0:
		if k.contacts == nil {
			k.contacts = map[int][]error{}
		}
		k.contacts[elem] = appendCapped(k.contacts[elem], get)
	default:
		k.fatal = appendCapped(k.fatal, get)
	}
}

// appendCapped appends get() while errs holds fewer than maxKeyErrors errors, and a nil that
// only counts beyond that.
func appendCapped(errs []error, get func() error) []error {
	if len(errs) < maxKeyErrors {
		return append(errs, get())
	}
	return append(errs, nil)
}

// unknownKeys walks the document once and reports keys the config does not know, with their
// lines. It is linear in the file's size: go-toml's strict decoder takes quadratic time to
// report many unknown keys, so Parse asks it only once the keys are known to be right. A syntax
// error stops the walk and returns what was found: the decoder reports it with its position.
func unknownKeys(name string, data []byte) keyProblems {
	lines := newLineIndex(data)
	var (
		p       unstable.Parser
		table   []string
		k       keyProblems
		contact = -1 // index of the [[contacts]] table being read
	)
	report := func(path []string, offset uint32, elem int) {
		path = slices.Clone(path)
		k.add(func() error {
			return fmt.Errorf("%s:%d: unknown key %q%s", name, lines.line(offset), dingtalk.MaskSecretLike(keyString(path)), suggest(path))
		}, path, elem)
	}
	var visit func(path []string, n *unstable.Node, offset uint32, elem int)
	visit = func(path []string, n *unstable.Node, offset uint32, elem int) {
		if !knownKey(path) {
			report(path, offset, elem)
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
				visit(sub, kv.Value(), off, elem)
			}
		case unstable.Array:
			i := 0
			for it := n.Children(); it.Next(); i++ {
				if len(path) == 1 && path[0] == "contacts" {
					elem = contact + 1 + i
				}
				visit(path, it.Node(), offset, elem)
			}
			if len(path) == 1 && path[0] == "contacts" {
				contact += i
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
			if e.Kind == unstable.ArrayTable && len(table) == 1 && table[0] == "contacts" {
				contact++
			}
			if !knownKey(table) {
				report(table, off, contact)
			}
		case unstable.KeyValue:
			path, off := appendKey(slices.Clip(table), e)
			if knownKey(table) {
				visit(path, e.Value(), off, contact)
			}
		}
	}
	return k
}

// partErrors joins the unknown keys of one robot or contact into its problem.
func partErrors(errs []error) error {
	if len(errs) > maxKeyErrors {
		errs = append(errs[:maxKeyErrors:maxKeyErrors], fmt.Errorf("… and %d more unknown keys", len(errs)-maxKeyErrors))
	}
	return errors.Join(errs...)
}

// fatalError is the file's error for unknown keys outside any robot or contact.
func (k keyProblems) fatalError(name string) error {
	// An unknown key outside any robot or contact is an error of the file, and so are more than
	// maxPartKeys inside them. Either way the unknown keys are listed.
	if len(k.fatal) == 0 && k.partCount() <= maxPartKeys {
		return nil
	}
	errs := k.all
	if n := k.count - len(errs); n > 0 {
		errs = append(errs, fmt.Errorf("%s: … and %d more unknown keys", name, n))
	}
	return errors.Join(errs...)
}

func (k keyProblems) partCount() int {
	n := 0
	for _, e := range k.robots {
		n += len(e)
	}
	for _, e := range k.contacts {
		n += len(e)
	}
	return n
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
	case path[0] == "state":
		return len(path) == 1 || (len(path) == 2 && slices.Contains(stateKeys, path[1]))
	case path[0] == "mcp":
		return len(path) == 1 || (len(path) == 2 && slices.Contains(mcpKeys, path[1]))
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
