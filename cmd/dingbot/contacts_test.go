package main

import (
	"fmt"
	"strings"
	"testing"
)

// contactsConfig has one robot and people known by Chinese, accented and plain names.
func (e *env) contactsConfig() {
	e.writeConfig(fmt.Sprintf(`[robots.ops]
webhook = %q
allow_custom_host = true

[[contacts]]
name = "张伟"
mobile = "13800000000"

[[contacts]]
name = "张文华"
user_id = "zwh01"

[[contacts]]
name = "周伟"
mobile = "+852-12345678"

[[contacts]]
name = "Müller"
user_id = "mueller"

[[contacts]]
name = "Alice"
mobile = "13900001111"
`, e.webhook(testToken)))
}

// names are the first column of a contacts table, without its header.
func names(table string) []string {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// TestContactsQuery: `dingbot contacts QUERY` finds people by pinyin, initials, accent-free
// spelling, mobile or userId, best first, and says so when nobody matches.
func TestContactsQuery(t *testing.T) {
	e := newEnv(t)
	e.contactsConfig()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "张伟 张文华 周伟 Müller Alice"},
		{[]string{"zhangwei"}, "张伟"},
		{[]string{"zhang", "wei"}, "张伟"},
		{[]string{"zhang"}, "张伟 张文华"},
		{[]string{"zw"}, "张伟 周伟 张文华"},
		{[]string{"张w"}, "张伟 张文华"},
		{[]string{"muller"}, "Müller"},
		{[]string{"MUELLER"}, "Müller"},
		{[]string{"+86 138-0000-0000"}, "张伟"},
		{[]string{"852 1234"}, "周伟"},
		{[]string{"zwh01"}, "张文华"},
		{[]string{"ali"}, "Alice"},
	} {
		r := e.run("", append([]string{"contacts"}, c.args...)...)
		if r.code != 0 {
			t.Errorf("contacts %q: exit %d\n%s", c.args, r.code, r.stderr)
			continue
		}
		if got := strings.Join(names(r.stdout), " "); got != c.want {
			t.Errorf("contacts %q lists %q, want %q\n%s", c.args, got, c.want, r.stdout)
		}
	}
	// The columns line up on a terminal, where a Chinese character takes two cells.
	r := e.run("", "contacts", "zw")
	want := "" +
		"NAME    MOBILE         USER ID\n" +
		"张伟    13800000000    -\n" +
		"周伟    +852-12345678  -\n" +
		"张文华  -              zwh01\n"
	if r.stdout != want {
		t.Errorf("table:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = e.run("", "contacts", "lisi")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, `no contact matches "lisi" (5 in the config)`) {
		t.Errorf("no match: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	r = e.run("", "contacts", "--help")
	for _, w := range []string{"contacts [query]", "pinyin", "zhangwei", "muller", "Exits 1"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("help lacks %q:\n%s", w, r.stdout)
		}
	}
}
