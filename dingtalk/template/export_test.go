package template

import "time"

// SetNow makes since read the clock f until the returned func restores it.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
