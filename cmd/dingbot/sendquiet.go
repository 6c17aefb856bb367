package main

import (
	"bytes"
	"io"
	"sync"

	"github.com/spf13/cobra"
)

// quietSend is dingbot send --quiet: nothing on standard output or standard error when the send
// succeeds; when it fails, everything it would have written to standard error (warnings, the
// error, DingTalk's errmsg and hint) is written there before it exits, with the usual exit code.
type quietSend struct {
	on  bool
	err io.Writer
	mu  sync.Mutex
	buf bytes.Buffer
}

// newQuietSend returns the streams send writes to: s itself until --quiet is given.
func newQuietSend(s streams) (streams, *quietSend) {
	q := &quietSend{err: s.err}
	return streams{in: s.in, out: quietOut{q, s.out}, err: quietErr{q}}, q
}

// quietOut drops standard output under --quiet.
type quietOut struct {
	q *quietSend
	w io.Writer
}

func (o quietOut) Write(p []byte) (int, error) {
	if o.q.on {
		return len(p), nil
	}
	return o.w.Write(p)
}

// quietErr holds standard error back under --quiet until send knows whether it failed.
type quietErr struct{ q *quietSend }

func (e quietErr) Write(p []byte) (int, error) {
	if !e.q.on {
		return e.q.err.Write(p)
	}
	e.q.mu.Lock()
	defer e.q.mu.Unlock()
	return e.q.buf.Write(p)
}

// wrap makes cmd and its subcommands write what --quiet held back when they fail, and refuses
// --quiet with --json (whose one object is the output).
func (q *quietSend) wrap(cmd *cobra.Command, jsonOut *bool) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if q.on && *jsonOut {
				q.on = false
				return usagef("--quiet prints nothing and --json one object: give one of them")
			}
			err := run(c, args)
			if q.on {
				q.mu.Lock()
				if err != nil {
					_, _ = q.buf.WriteTo(q.err)
				}
				q.buf.Reset()
				q.mu.Unlock()
			}
			return err
		}
	}
	for _, c := range cmd.Commands() {
		q.wrap(c, jsonOut)
	}
}
