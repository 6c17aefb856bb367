package template_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// renderText renders a text template of generic data with "." as data.
func renderText(t *testing.T, text string, data any) (string, error) {
	t.Helper()
	tpl := mustParse(t, "h", "data = \"generic\"\nmsgtype = \"text\"\ntext = '''"+text+"|'''\n")
	msg, err := tpl.RenderData(data, nil)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(msg.Text.Content, "|"), nil
}

// The helpers for payloads of any shape: each case is a template, its data and what it
// writes.
func TestPayloadHelpers(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{"title":"Backup failed","alert":{"owner":"lina","n":2},"tags":["a","b"],"none":null,"ok":true}`), &doc); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"alertname": "Disk", "instance": "db-1", "env": "prod", "team": "ops"}
	common := map[string]string{"alertname": "Disk", "env": "prod", "team": "web"}
	cases := []struct {
		name, text string
		data       any
		want       string
	}{
		{"get", `{{ get "title" . }}`, doc, "Backup failed"},
		{"get path", `{{ get "alert.owner" . }}`, doc, "lina"},
		{"get missing or null", `{{ get "alert.team" . }}-{{ get "x.y" . }}-{{ get "title" .tags }}-{{ get "none" . }}`, doc, "---"},
		{"get or", `{{ or (get "subject" .) (get "title" .) }}`, doc, "Backup failed"},
		{"get on an array", `{{ or (get "title" .) "none" }}`, []any{1, 2}, "none"},
		{"keys", `{{ keys . | join "," }}`, doc, "alert,none,ok,tags,title"},
		{"keys of no map", `{{ keys .tags | len }}`, doc, "0"},
		{"kind", `{{ kind .alert }} {{ kind .tags }} {{ kind .title }} {{ kind .none }} {{ kind .ok }}`, doc, "object array string null bool"},
		{"json", `{{ json .alert }} {{ json .tags }}`, doc, `{"n":2,"owner":"lina"} ["a","b"]`},
		{"json keeps <&>", `{{ json .s }}`, map[string]any{"s": "<a&b>"}, `"<a&b>"`},
		{"head", `{{ head 2 .l | join "," }}|{{ head 9 .l | join "," }}|{{ head 0 .l | len }}`, map[string]any{"l": []string{"a", "b", "c"}}, "a,b|a,b,c|0"},
		{"skip", `{{ skip 2 .l | join "," }}|{{ skip 9 .l | len }}`, map[string]any{"l": []string{"a", "b", "c"}}, "c|0"},
		{"head and skip of nothing", `{{ head 2 .none | len }}{{ skip 2 .none | len }}`, doc, "00"},
		{"except a map", `{{ .l | except .c | pairs ", " }}`, map[string]any{"l": labels, "c": common}, "instance=db-1, team=ops"},
		{"except keys", `{{ .l | except "alertname" "env" | pairs " " }}`, map[string]any{"l": labels}, "instance=db-1 team=ops"},
		{"except leaves its map alone", `{{ .l | except "env" | len }} {{ len .l }}`, map[string]any{"l": labels}, "3 4"},
		{"pairs of numbers", `{{ pairs ", " .v }}`, map[string]any{"v": map[string]float64{"B": 93.4, "A": 1}}, "A=1, B=93.4"},
		{"pairs of nothing", `{{ pairs ", " .none }}`, doc, ""},
		{"links", `{{ links "Dashboard" .d "Silence" .s }}`, map[string]any{"d": "https://g.example.com/d/1", "s": "https://g.example.com/s?a=(b)"},
			"[Dashboard](https://g.example.com/d/1) · [Silence](https://g.example.com/s?a=%28b%29)"},
		{"links leave out what cannot open", `{{ links "A" .a "B" .b "C" .c "D" .d "*E*" .e }}`,
			map[string]any{"a": "", "b": "ftp://x.example.com", "c": "https://x.example.com/" + strings.Repeat("a", 1000), "d": nil, "e": "http://x.example.com"},
			"[*E*](http://x.example.com)"},
	}
	for _, c := range cases {
		got, err := renderText(t, c.text, c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: %s = %q, want %q", c.name, c.text, got, c.want)
		}
	}

	// fits counts what the field holds as JSON encodes it: a quote is two bytes.
	quotes := make([]string, 20000)
	for i := range quotes {
		quotes[i] = `"`
	}
	got, err := renderText(t, `{{ range .q }}{{ if fits 2 }}{{ . }}{{ end }}{{ end }}`, map[string]any{"q": quotes})
	if err != nil || len(got) != 8000 {
		t.Errorf("fits let %d quotes through (%v), want 8000: 16 000 bytes as JSON", len(got), err)
	}

	errs := []struct{ text, want string }{
		{`{{ head 2 .ok }}`, "head: cannot take items of a bool"},
		{`{{ pairs "," .tags }}`, "pairs: want a map, not a []interface {}"},
		{`{{ links "A" }}`, "links: give pairs of text and URL, not 1 values"},
		{`{{ except "a" .title }}`, "except: want a map, not a string"},
	}
	for _, c := range errs {
		if _, err := renderText(t, c.text, doc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.text, err, c.want)
		}
	}
}
