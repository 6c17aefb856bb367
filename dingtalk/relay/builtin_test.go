package relay_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk/relay"
	"github.com/dingbot/dingbot/dingtalk/relay/source"
	"github.com/dingbot/dingbot/dingtalk/template"
)

// Routes that name no template render with their source's built-in (DefaultTemplate): every
// sample payload of every source reaches DingTalk as the built-in's message type, with the
// robot's keyword, and @mentions the contact the route's label names.
func TestBuiltinTemplates(t *testing.T) {
	var routes []relay.Route
	for _, src := range source.Names() {
		r := relay.Route{Path: "/" + src, Source: src, Robots: []string{"ops"}, MentionLabel: "X-Owner"}
		if source.EventKinds(src) != nil {
			r.Events = []string{"*"} // every sample, comments too
		}
		routes = append(routes, r)
	}
	w := newWorld(t, routes, withOptions(func(o *relay.Options) { o.Templates = nil }))
	want := 0
	for _, src := range source.Names() {
		tmpl, err := template.Lookup(relay.DefaultTemplate(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, event := range source.SampleEvents(src) {
			headers, body := sample(t, src, event)
			a := w.post("/"+src, body, slices.Concat(headers, []string{"X-Owner", "lina"})...)
			if a.Status != http.StatusAccepted {
				t.Fatalf("%s %s: %d %s", src, event, a.Status, a.Raw)
			}
			want++
			arr := w.waitAccepted(want)[want-1]
			if arr.Msgtype != string(tmpl.Type()) {
				t.Errorf("%s %s: msgtype %s, want the built-in's %s", src, event, arr.Msgtype, tmpl.Type())
			}
			if !strings.Contains(string(arr.Body), keyword) {
				t.Errorf("%s %s: no keyword in %s", src, event, arr.Body)
			}
			if tmpl.Type() == "markdown" || tmpl.Type() == "text" {
				if !slices.Equal(arr.Notified, []string{"lina01"}) {
					t.Errorf("%s %s: notified %v, want lina01", src, event, arr.Notified)
				}
			}
		}
	}
}
