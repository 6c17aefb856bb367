package mcp

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// pinyinContacts are people an agent may know only by a romanized name.
var pinyinContacts = dingtalk.Contacts{
	{Name: "张伟", Mobile: "13800000000", UserID: "zw001"},
	{Name: "张文华", UserID: "zwh"},
	{Name: "周伟", Mobile: "+852-12345678"},
	{Name: "Müller", UserID: "mueller"},
	{Name: "José García", Mobile: "13900001111"},
}

func contactNames(t *testing.T, g got) []string {
	t.Helper()
	var out struct{ Contacts []ContactInfo }
	if err := json.Unmarshal(g.raw.RawStructuredContent, &out); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, c := range out.Contacts {
		names = append(names, c.Name)
	}
	return names
}

// TestListContactsQuery: an agent that knows a person as "zhangwei", "muller" or by a mobile
// written with +86 and dashes finds them with query, best match first.
func TestListContactsQuery(t *testing.T) {
	e := newEnv(t, envConfig{tweak: func(o *Options) { o.Contacts = pinyinContacts }})
	for _, c := range []struct {
		query any
		want  []string
	}{
		{"zhangwei", []string{"张伟"}},
		{"zhang wei", []string{"张伟"}},
		{"zhang", []string{"张伟", "张文华"}},
		{"zw", []string{"张伟", "周伟", "张文华"}},
		{"wei", []string{"张伟", "周伟"}},
		{"张", []string{"张伟", "张文华"}},
		{"muller", []string{"Müller"}},
		{"mueller", []string{"Müller"}},
		{"jose", []string{"José García"}},
		{"+86-138-0000-0000", []string{"张伟"}},
		{"138 0000 0000", []string{"张伟"}},
		{"+852 1234 5678", []string{"周伟"}},
		{"13900001111", []string{"José García"}},
		{"zwh", []string{"张文华"}},
		{"", []string{"张伟", "张文华", "周伟", "Müller", "José García"}},
		{nil, []string{"张伟", "张文华", "周伟", "Müller", "José García"}},
	} {
		args := map[string]any{"query": c.query}
		g := e.call("list_contacts", args)
		g.wantOK(t)
		if got := contactNames(t, g); !slices.Equal(got, c.want) {
			t.Errorf("query %q: contacts %q, want %q\n%s", c.query, got, c.want, g.text)
		}
		if q, _ := c.query.(string); q != "" && !strings.Contains(g.text, "best first") {
			t.Errorf("query %q: text does not say the order:\n%s", q, g.text)
		}
	}

	g := e.call("list_contacts", map[string]any{"query": "zhang"})
	if !strings.Contains(g.text, `2 of 5 contacts match "zhang", best first, usable in atNames:`) ||
		!strings.Contains(g.text, "- 张伟 (mobile 13800000000, userId zw001)") {
		t.Errorf("text:\n%s", g.text)
	}

	none := e.call("list_contacts", map[string]any{"query": "lisi"})
	none.wantOK(t)
	if got := contactNames(t, none); len(got) != 0 || !strings.Contains(none.text, `No contact matches "lisi"`) ||
		!strings.Contains(none.r.Hint, "without query") || !strings.Contains(none.r.Hint, "atMobiles") {
		t.Errorf("no match: %q\n%s\nhint: %s", got, none.text, none.r.Hint)
	}
	// A mobile that is nobody's: the hint says how to mention it anyway, as DingTalk writes it.
	raw := e.call("list_contacts", map[string]any{"query": "+86 138-0000-9999"})
	raw.wantOK(t)
	if !strings.Contains(raw.r.Hint, `atMobiles ["13800009999"]`) {
		t.Errorf("raw mobile hint: %s", raw.r.Hint)
	}
	// What looks like a token is not echoed back.
	secret := e.call("list_contacts", map[string]any{"query": "SEC0123456789abcdef"})
	if strings.Contains(secret.text, "0123456789abcdef") {
		t.Errorf("query echoed a secret: %s", secret.text)
	}

	bad := e.call("list_contacts", map[string]any{"query": []any{"zw"}})
	bad.wantFailure(t, KindInvalidArguments)
	other := e.call("list_contacts", map[string]any{"name": "zw"})
	other.wantFailure(t, KindInvalidArguments)
	if !strings.Contains(other.text, `unknown argument "name": this tool takes query`) || strings.Contains(other.r.Hint, "sent") {
		t.Errorf("unknown argument: %s", other.text)
	}
}

// TestBinaryListContactsQuery finds 张伟 by pinyin through the real binary over stdio.
func TestBinaryListContactsQuery(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	cfg, err := os.ReadFile(b.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	b.config(t, string(cfg)+"\n[[contacts]]\nname = \"张伟\"\nuser_id = \"zw001\"\n")
	c, _ := b.stdioClient(t)
	g := callTool(t, c, context.Background(), "list_contacts", map[string]any{"query": "zhangw"})
	g.wantOK(t)
	if got := contactNames(t, g); !slices.Equal(got, []string{"张伟"}) {
		t.Errorf("contacts %q:\n%s", got, g.text)
	}
}
