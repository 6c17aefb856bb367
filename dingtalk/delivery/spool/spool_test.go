package spool

import (
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/storetest"
)

// opener opens handles on one spool directory per test.
func opener(t *testing.T) func() *Spool {
	dir := t.TempDir()
	return func() *Spool {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() delivery.Store {
		open := opener(t)
		return func() delivery.Store { return open() }
	})
}

func TestMeter(t *testing.T) {
	storetest.RunMeter(t, func(t *testing.T) func() dingtalk.Meter {
		open := opener(t)
		return func() dingtalk.Meter { return open() }
	})
}
