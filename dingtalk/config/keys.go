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
// contact disables only that robot or contact, one inside a route or [serve] only the relay
// (dingbot serve); any other unknown key is an error of the file.
type keyProblems struct {
	all      []error // the first maxKeyErrors, in document order
	fatal    []error // past maxKeyErrors, nil entries only count
	robots   map[string][]error
	contacts map[int][]error
	routes   map[int][]error
	serve    []error
	count    int

	// lines says where each route and the [serve] table's keys are written, for their errors.
	lines keyLines
}

// keyLines are the lines of the routes' and [serve]'s keys: errors about their values name the
// line of the value they are about.
type keyLines struct {
	routes map[int]*partLines // by the route's index
	serve  partLines
}

// partLines are the lines of one route (or the [serve] table): where it starts and where each
// of its keys is.
type partLines struct {
	start int
	keys  map[string]int
}

// at is the line of key, else where the part starts (0: unknown).
func (p *partLines) at(key string) int {
	if p == nil {
		return 0
	}
	if l, ok := p.keys[key]; ok {
		return l
	}
	return p.start
}

func (p *partLines) set(key string, line int) {
	if p.keys == nil {
		p.keys = map[string]int{}
	}
	if _, ok := p.keys[key]; !ok {
		p.keys[key] = line
	}
}

// route returns the lines of route i, created on first use.
func (k *keyLines) route(i int) *partLines {
	if k.routes == nil {
		k.routes = map[int]*partLines{}
	}
	if k.routes[i] == nil {
		k.routes[i] = &partLines{}
	}
	return k.routes[i]
}

// arrayTables are the arrays of tables the config has: their elements are counted, so that an
// unknown key disables only its element.
var arrayTables = []string{"contacts", "routes"}

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
	case len(path) >= 2 && path[0] == "routes" && elem >= 0:
		if k.routes == nil {
			k.routes = map[int][]error{}
		}
		k.routes[elem] = appendCapped(k.routes[elem], get)
	case len(path) >= 2 && path[0] == "serve":
		k.serve = appendCapped(k.serve, get)
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
		p     unstable.Parser
		table []string
		k     keyProblems
		// elems is the index of the element of each array of tables being read.
		elems = map[string]int{"contacts": -1, "routes": -1}
	)
	report := func(path []string, offset uint32, elem int) {
		path = slices.Clone(path)
		k.add(func() error {
			return fmt.Errorf("%s:%d: unknown key %q%s", name, lines.line(offset), dingtalk.MaskSecretLike(keyString(path)), suggest(path))
		}, path, elem)
	}
	// note records where a known key of a route or of [serve] is written.
	note := func(path []string, offset uint32, elem int) {
		switch {
		case len(path) == 2 && path[0] == "routes" && elem >= 0:
			k.lines.route(elem).set(path[1], lines.line(offset))
		case len(path) == 2 && path[0] == "serve":
			k.lines.serve.set(path[1], lines.line(offset))
		}
	}
	var visit func(path []string, n *unstable.Node, offset uint32, elem int)
	visit = func(path []string, n *unstable.Node, offset uint32, elem int) {
		if !knownKey(path) {
			report(path, offset, elem)
			return
		}
		note(path, offset, elem)
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
			array := len(path) == 1 && slices.Contains(arrayTables, path[0])
			i := 0
			for it := n.Children(); it.Next(); i++ {
				if array {
					elem = elems[path[0]] + 1 + i
					if path[0] == "routes" {
						k.lines.route(elem).start = lines.line(offset)
					}
				}
				visit(path, it.Node(), offset, elem)
			}
			if array {
				elems[path[0]] += i
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
			if e.Kind == unstable.ArrayTable && len(table) == 1 && slices.Contains(arrayTables, table[0]) {
				elems[table[0]]++
				if table[0] == "routes" {
					k.lines.route(elems["routes"]).start = lines.line(off)
				}
			}
			if len(table) == 1 && table[0] == "serve" {
				k.lines.serve.start = lines.line(off)
			}
			if !knownKey(table) {
				report(table, off, elemOf(table, elems))
			}
		case unstable.KeyValue:
			path, off := appendKey(slices.Clip(table), e)
			if knownKey(table) {
				visit(path, e.Value(), off, elemOf(path, elems))
			}
		}
	}
	return k
}

// elemOf is the index of the array-of-tables element path is in, or -1.
func elemOf(path []string, elems map[string]int) int {
	if len(path) > 0 {
		if i, ok := elems[path[0]]; ok {
			return i
		}
	}
	return -1
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
	for _, e := range k.routes {
		n += len(e)
	}
	return n + len(k.serve)
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
// Array elements of contacts and routes share the path "contacts" and "routes".
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
	case path[0] == "routes":
		return len(path) == 1 || (len(path) == 2 && slices.Contains(routeKeys, path[1]))
	case path[0] == "serve":
		return len(path) == 1 || (len(path) == 2 && slices.Contains(serveKeys, path[1]))
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
