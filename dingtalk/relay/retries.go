package relay

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"sync"
	"time"
)

// retries remembers, for a while, what a request that failed for some robots stored, by route
// and body: the sender's retry of the same body then submits only the robots that failed, with
// the job IDs they were given the first time.
type retries struct {
	mu      sync.Mutex
	entries map[string]retryEntry
}

type retryEntry struct {
	attempt
	until time.Time
}

// attempt is what a request stored, and the job IDs it gave the robots it could not store.
type attempt struct {
	stored map[string][]Delivery // by robot
	ids    map[string]string     // by robot
}

const (
	retryMemory  = 10 * time.Minute // how long a partial fan-out is remembered
	retryEntries = 1000             // at most this many are remembered; the oldest go first
)

func newRetries() *retries { return &retries{entries: map[string]retryEntry{}} }

// retryKey identifies a body posted to a route (a digest: the body is not kept).
func retryKey(route string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// get returns what an earlier request with key did; nothing when none is remembered.
func (r *retries) get(key string, now time.Time) attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[key]
	if !ok || now.After(e.until) {
		return attempt{}
	}
	return attempt{stored: maps.Clone(e.stored), ids: maps.Clone(e.ids)}
}

// put remembers what a request that failed for some robots did.
func (r *retries) put(key string, a attempt, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, e := range r.entries {
		if now.After(e.until) {
			delete(r.entries, k)
		}
	}
	for len(r.entries) >= retryEntries {
		oldest := ""
		for k, e := range r.entries {
			if oldest == "" || e.until.Before(r.entries[oldest].until) {
				oldest = k
			}
		}
		delete(r.entries, oldest)
	}
	r.entries[key] = retryEntry{attempt: attempt{stored: maps.Clone(a.stored), ids: maps.Clone(a.ids)}, until: now.Add(retryMemory)}
}

// forget drops key once every robot is stored.
func (r *retries) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, key)
}
