package relay

import (
	"testing"
	"time"
)

// SetReadyTimeout shortens /readyz's timeout for one test.
func SetReadyTimeout(t *testing.T, d time.Duration) {
	old := readyTimeout
	readyTimeout = d
	t.Cleanup(func() { readyTimeout = old })
}
