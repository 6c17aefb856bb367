package main

import "testing"

func TestEastAsianWidthFollowsRunewidthEnv(t *testing.T) {
	for _, c := range []struct {
		env  string
		want bool
	}{{"", false}, {"1", true}, {"true", true}, {"0", false}, {"yes", false}} {
		t.Setenv("RUNEWIDTH_EASTASIAN", c.env)
		if got := eastAsianWidth(); got != c.want {
			t.Errorf("RUNEWIDTH_EASTASIAN=%q: %v, want %v", c.env, got, c.want)
		}
	}
}
