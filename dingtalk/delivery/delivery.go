// Package delivery is dingbot's outbox: messages accepted now and delivered as soon as DingTalk
// can take them, in order per robot, within the rate limit and the monthly quota, and exactly
// once: each message keeps the msgUuid it was given at Submit through every retry, so a resend
// after a crash or a timeout is posted once.
//
// A message can also be held for a digest (Outbox.Hold, used by package
// dingtalk/relay/digest): it is stored Held, outside its robot's queue, and goes out only
// inside the summary of its Window, after which it is Digested.
//
// The outbox keeps its jobs in a Store. Two implement it: spool (files under the state
// directory, the default) and redisstore (robots shared across hosts). Both pass storetest.Run.
package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// State is where a job is in its life.
type State string

const (
	// Queued waits for its robot's turn: a free rate-limit slot, the end of a pause, Due.
	Queued State = "queued"
	// Sending is claimed by a drainer that is posting it. A job found Sending by the next drainer
	// (its drainer died) is posted again with the same msgUuid, so DingTalk shows it once.
	Sending State = "sending"
	// Sent was accepted by DingTalk (errcode 0).
	Sent State = "sent"
	// Failed was refused by DingTalk or cannot be sent as it is; Error and Hint say why.
	Failed State = "failed"
	// Unknown may have been posted, and its retries are spent: it is never resent blindly.
	// `dingbot outbox retry` resends it with the same msgUuid.
	Unknown State = "unknown"
	// Held is stored for a digest: it is delivered only inside the summary of its Window, never
	// on its own. It is not in its robot's queue (Next never returns it, Pending does not count
	// it), and it is not finished (Prune keeps it) until its summary is queued.
	Held State = "held"
	// Digested is finished: its content went out in the summary job Digest names.
	Digested State = "digested"
)

// Finished reports whether s is final: Sent, Failed, Unknown or Digested. A finished job no
// longer holds up its robot's queue, and Prune may delete it.
func (s State) Finished() bool { return s == Sent || s == Failed || s == Unknown || s == Digested }

// InQueue reports whether s is in its robot's delivery queue: Queued or Sending, what Next
// returns and Pending counts. A job is in exactly one of three places: its queue, finished, or
// Held (neither).
func (s State) InQueue() bool { return s == Queued || s == Sending }

// Job is one message in the outbox. It names its robot, never the robot's webhook or secret.
type Job struct {
	ID string `json:"id"`
	// Robot is the robot's name in the config; Key is its RobotKey, which orders and locks.
	Robot string `json:"robot"`
	Key   string `json:"key"`
	// MsgUUID is fixed at Submit and kept on every retry.
	MsgUUID string           `json:"msgUuid"`
	Msg     dingtalk.Message `json:"message"`
	// AppendKeyword and Force are the sender's options: append the robot's keyword when the
	// message has none; send even over the monthly quota.
	AppendKeyword bool `json:"appendKeyword,omitempty"`
	Force         bool `json:"force,omitempty"`
	// Group is shared by the parts of one split message; Part counts from 1 of Parts.
	Group string `json:"group,omitempty"`
	Part  int    `json:"part,omitempty"`
	Parts int    `json:"parts,omitempty"`

	State    State `json:"state"`
	Attempts int   `json:"attempts"`
	// MaybeDelivered says a request for it went out and its outcome is unknown: it is resent
	// only with its msgUuid, and becomes Unknown, not Failed, when its attempts run out.
	MaybeDelivered bool      `json:"maybeDelivered,omitempty"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	// Due is the earliest time the job may be posted (a retry's backoff, a pause, a quota).
	Due time.Time `json:"due"`
	// Errcode is DingTalk's last answer to it, when there was one.
	Errcode *int `json:"errcode,omitempty"`
	// Error and Hint say why it is waiting or why it failed, secrets removed.
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
	// Seq orders the jobs of one Key: the store sets it at Add, increasing.
	Seq int64 `json:"seq"`

	// Window is the digest a Held job waits for (and a Digested one went out in).
	Window *Window `json:"window,omitempty"`
	// Digest names a digest's summary job. On a Digested job it is the summary that carried its
	// content: that job's ID or, when the summary was split, its parts' Group (IDs Digest-1, …).
	// On a Held job it is the summary being built that has claimed it, "" until then.
	Digest string `json:"digest,omitempty"`
}

// Window is a digest's window: what a route posts for one robot from Start to End goes out in
// one summary (see package dingtalk/relay/digest).
type Window struct {
	// Route is the relay route the message came in by ("/alertmanager").
	Route string    `json:"route"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Filter selects jobs for List. Zero fields select everything.
type Filter struct {
	States []State
	Robot  string // a robot's name
	Key    string // a robot's key
	Group  string
	Limit  int // the newest Limit jobs; 0 means all
}

// Match reports whether j passes f (Limit aside).
func (f Filter) Match(j Job) bool {
	if len(f.States) > 0 {
		ok := false
		for _, s := range f.States {
			ok = ok || j.State == s
		}
		if !ok {
			return false
		}
	}
	return (f.Robot == "" || j.Robot == f.Robot) && (f.Key == "" || j.Key == f.Key) && (f.Group == "" || j.Group == f.Group)
}

// Errors of a Store.
var (
	// ErrEmpty: the robot has no job in its queue.
	ErrEmpty = errors.New("delivery: no unfinished job")
	// ErrNotFound: no job has that ID.
	ErrNotFound = errors.New("delivery: no such job")
	// ErrExists: Add was given the ID of a job already stored.
	ErrExists = errors.New("delivery: a job with that ID is stored already")
)

// Store keeps the outbox's jobs where every dingbot process sharing a robot sees them. All
// methods are safe for concurrent use by goroutines and by processes. Implementations pass
// storetest.Run.
type Store interface {
	// Add stores new jobs, all or none, setting each one's Seq (increasing, in argument order,
	// above every Seq the store holds for the same Key). It returns them as stored. A job
	// without an ID or a Key, or whose ID is given twice or is already stored (an error
	// matching ErrExists), fails the whole Add. A job added finished or Held is stored so
	// (Next skips it).
	Add(ctx context.Context, jobs ...Job) ([]Job, error)
	// Lock makes the caller the only drainer of key, across processes and hosts, until unlock
	// is called or the holder dies (its lock is then released, at once or after a lease). ok is
	// false, with no error, when another drainer holds it. The returned context ends when the
	// lock is lost (a lease that could not be renewed): stop draining then.
	Lock(ctx context.Context, key string) (held context.Context, unlock func(), ok bool, err error)
	// Next returns key's job in the queue (Queued or Sending, never Held) with the lowest Seq,
	// or ErrEmpty.
	Next(ctx context.Context, key string) (Job, error)
	// Update replaces the stored job with j's ID (ErrNotFound if there is none). The store
	// keeps the job's Key and Seq: those of j are ignored, so an Update never reorders a queue.
	Update(ctx context.Context, j Job) error
	// Get returns the job with that ID, or ErrNotFound.
	Get(ctx context.Context, id string) (Job, error)
	// List returns the jobs f selects, oldest first (by Created, then Seq).
	List(ctx context.Context, f Filter) ([]Job, error)
	// Delete removes a job (ErrNotFound if there is none).
	Delete(ctx context.Context, id string) error
	// Pending lists the keys that have jobs in their queue (Queued or Sending).
	Pending(ctx context.Context) ([]string, error)
	// Prune deletes finished jobs last updated before t and returns how many it deleted. Held
	// jobs are not finished: it keeps them.
	Prune(ctx context.Context, before time.Time) (int, error)
	// Close releases the store's resources, the drainer locks it holds among them (their held
	// contexts end), as the death of its process would.
	Close() error
}
