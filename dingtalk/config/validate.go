package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Severities of a Problem.
const (
	// SeverityError is a mistake in the file: dingbot refuses the file, or leaves out the part
	// it is in (a robot, a contact, a route).
	SeverityError = "error"
	// SeverityWarning is worth fixing but depends on where dingbot runs (an unset variable, a
	// file others can read) or changes nothing yet.
	SeverityWarning = "warning"
)

// Problem is one thing wrong with a config, for `dingbot config validate`.
type Problem struct {
	Severity string `json:"severity"`
	// Line is where in the file the problem is, from 1; 0 when it is about no one line (the
	// environment, the file itself).
	Line int `json:"line,omitempty"`
	// Message says what is wrong and how to fix it, without the file's name and line.
	Message string `json:"message"`
}

// Validate loads the config at path as Load does and lists every problem it finds, errors
// first within each line's order, each with its line where one applies. cfg is nil when the
// file is refused whole. A missing file is an error unless the environment defines a robot.
func Validate(path string) (cfg *Config, problems []Problem) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cfg, lerr := Load("")
		sev := SeverityError
		if lerr == nil && !cfg.Empty() {
			sev = SeverityWarning
		}
		problems = append(problems, Problem{Severity: sev, Message: fmt.Sprintf("there is no config file at %s: create one with 'dingbot config init' (or 'dingbot config edit')", path)})
		if lerr != nil {
			return nil, append(problems, splitProblems(path, SeverityError, lerr, nil)...)
		}
		return cfg, problems
	case err != nil:
		return nil, []Problem{{Severity: SeverityError, Message: fmt.Sprintf("read %s: %v", path, err)}}
	}
	lines := scanLines(data)
	cfg, err = Load(path)
	if err != nil {
		return nil, splitProblems(path, SeverityError, err, nil)
	}
	// Robots left out: a mistake in the file, or a variable not set here.
	for _, name := range slices.Sorted(maps.Keys(cfg.Unavailable)) {
		uerr := cfg.Unavailable[name]
		var unset *unsetEnvError
		if errors.As(uerr, &unset) {
			problems = append(problems, Problem{Severity: SeverityWarning, Line: lines.robot(name, "secret_env"),
				Message: fmt.Sprintf("robot %s is unavailable here: $%s (its secret_env) is not set", SafeName(name), unset.name)})
			continue
		}
		problems = append(problems, splitProblems(path, SeverityError, uerr, func(msg string) int {
			return lines.robot(name, keyIn(msg, robotKeys))
		})...)
	}
	if cfg.badDefault != nil {
		problems = append(problems, splitProblems(path, SeverityError, cfg.badDefault, func(string) int { return lines.key("default_robot") })...)
	}
	for _, w := range cfg.Warnings {
		switch {
		case strings.HasPrefix(w, "robot ") && strings.Contains(w, " is unavailable until"):
			// Reported above, from Unavailable.
		case cfg.badDefault != nil && strings.HasPrefix(w, cfg.badDefault.Error()):
			// Reported above, as an error.
		case strings.HasSuffix(w, "; the contact is left out"):
			problems = append(problems, splitProblems(path, SeverityError, errors.New(w), lines.contact)...)
		case cfg.badTest != nil && strings.HasPrefix(w, cfg.badTest.Error()):
			problems = append(problems, splitProblems(path, SeverityError, errors.New(w), func(string) int { return lines.key("test_robot") })...)
		default:
			problems = append(problems, splitProblems(path, SeverityWarning, errors.New(w), nil)...)
		}
	}
	for _, e := range cfg.serveProblems {
		for _, p := range splitProblems(path, SeverityError, e, nil) {
			p.Message += " (this stops only dingbot serve)"
			problems = append(problems, p)
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Severity, b.Severity) // "error" before "warning"
	})
	return cfg, problems
}

// HasErrors reports whether problems holds an error (not only warnings).
func HasErrors(problems []Problem) bool {
	return slices.ContainsFunc(problems, func(p Problem) bool { return p.Severity == SeverityError })
}

// String is the problem as "line 12: error: message".
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Severity, p.Message)
	}
	return p.Severity + ": " + p.Message
}

// linePrefix is "FILE:LINE:" or "FILE:LINE:COL:" at the start of an error from Parse or Load.
var linePrefix = regexp.MustCompile(`^(\d+)(?::\d+)?: `)

// splitProblems turns err (one error, or several joined, each perhaps starting with the file
// and a line) into problems; lineOf finds the line of a message that carries none.
func splitProblems(path, sev string, err error, lineOf func(msg string) int) []Problem {
	var out []Problem
	for _, msg := range strings.Split(err.Error(), "\n") {
		msg = strings.TrimSpace(msg)
		if msg == "" {
			continue
		}
		line := 0
		// "robot ops: FILE:12: unknown key …": the line is inside, after the part's name.
		before, rest, found := strings.Cut(msg, path+":")
		if found {
			if m := linePrefix.FindStringSubmatch(rest); m != nil {
				line, _ = strconv.Atoi(m[1])
				rest = rest[len(m[0]):]
			}
			msg = before + strings.TrimSpace(rest)
		}
		if line == 0 && lineOf != nil {
			line = lineOf(msg)
		}
		out = append(out, Problem{Severity: sev, Line: line, Message: msg})
	}
	return out
}

// keyIn returns the first of keys that msg names as a word followed by ':' or ' ', else "".
func keyIn(msg string, keys []string) string {
	_, rest, ok := strings.Cut(msg, ": ")
	if !ok {
		rest = msg
	}
	best, at := "", len(rest)+1
	for _, k := range keys {
		for i := 0; ; {
			j := strings.Index(rest[i:], k)
			if j < 0 {
				break
			}
			j += i
			end := j + len(k)
			// A whole word: secret_env is not secret.
			if (j == 0 || !isKeyChar(rest[j-1])) && (end == len(rest) || !isKeyChar(rest[end])) {
				if j < at {
					best, at = k, j
				}
				break
			}
			i = end
		}
	}
	return best
}

func isKeyChar(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// fileLines are where the keys and tables of a config file are written.
type fileLines struct {
	keys     map[string]int // "default_robot", "robots.ops", "robots.ops.webhook"
	contacts []int          // the line of each [[contacts]] entry
	names    map[string]int // a contact's name (lower case) -> its index
}

// scanLines records the line of every table and key of data; a syntax error stops it.
func scanLines(data []byte) *fileLines {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	idx := newLineIndex(data)
	fl := &fileLines{keys: map[string]int{}, names: map[string]int{}}
	set := func(path []string, off uint32) {
		k := strings.Join(path, ".")
		if _, ok := fl.keys[k]; !ok {
			fl.keys[k] = idx.line(off)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var off uint32
			table, off = appendKey(nil, e)
			if e.Kind == unstable.ArrayTable && len(table) == 1 && table[0] == "contacts" {
				fl.contacts = append(fl.contacts, idx.line(off))
				continue
			}
			set(table, off)
		case unstable.KeyValue:
			path, off := appendKey(slices.Clip(table), e)
			if len(table) == 1 && table[0] == "contacts" && len(fl.contacts) > 0 {
				if len(path) == 2 && path[1] == "name" && e.Value().Kind == unstable.String {
					fl.names[strings.ToLower(strings.TrimSpace(string(e.Value().Data)))] = len(fl.contacts) - 1
				}
				continue
			}
			set(path, off)
		}
	}
	return fl
}

// key is the line of a top-level key, or 0.
func (fl *fileLines) key(k string) int { return fl.keys[k] }

// robot is the line of robot name's key, else of its table, else 0.
func (fl *fileLines) robot(name, key string) int {
	if key != "" {
		if l, ok := fl.keys["robots."+name+"."+key]; ok {
			return l
		}
	}
	return fl.keys["robots."+name]
}

// contactRef is how a contact's problem names it: contact "Alice" or contact #3.
var contactRef = regexp.MustCompile(`^contact (?:#(\d+)|"((?:[^"\\]|\\.)*)")`)

// contact is the line of the [[contacts]] entry a problem names, or 0.
func (fl *fileLines) contact(msg string) int {
	m := contactRef.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	i := -1
	if m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		i = n - 1
	} else if name, err := strconv.Unquote(`"` + m[2] + `"`); err == nil {
		if j, ok := fl.names[strings.ToLower(name)]; ok {
			i = j
		}
	}
	if i < 0 || i >= len(fl.contacts) {
		return 0
	}
	return fl.contacts[i]
}
