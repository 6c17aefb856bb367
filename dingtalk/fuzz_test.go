package dingtalk

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzPrepare feeds arbitrary JSON messages through validation and encoding: it must never
// panic, an accepted message must fit in 20000 bytes and decode back to the same type, and
// mention insertion must leave nothing missing.
func FuzzPrepare(f *testing.F) {
	seeds := []string{
		`{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":["13800000000"]}}`,
		`{"msgtype":"markdown","markdown":{"title":"T","text":"# x\n| a |\n|---|"}}`,
		`{"msgtype":"link","link":{"title":"T","text":"x","messageUrl":"https://a"}}`,
		`{"msgtype":"actionCard","actionCard":{"title":"T","text":"x","btns":[{"title":"a","actionURL":"https://a"}]},"at":{"atUserIds":["u"]}}`,
		`{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://a","picURL":"https://p"}]}}`,
		`{"msgtype":"text"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "deploy")
	}
	f.Fuzz(func(t *testing.T, data []byte, keyword string) {
		var m Message
		if json.Unmarshal(data, &m) != nil {
			return
		}
		r := Robot{Name: "fuzz", Webhook: "tok"}
		if keyword != "" {
			r.Keywords = []string{keyword}
		}
		p, err := Prepare(r, m, PrepareOptions{AppendKeyword: true})
		if err != nil {
			return
		}
		if p.Bytes > MaxBodyBytes || !utf8.Valid(p.Body) && utf8.Valid(data) {
			t.Fatalf("accepted a body of %d bytes", p.Bytes)
		}
		var back Message
		if err := json.Unmarshal(p.Body, &back); err != nil || back.Type != m.Type {
			t.Fatalf("body does not decode back: %v %s", err, p.Body)
		}
		if missing := MissingMentions(p.Message); len(missing) != 0 {
			t.Fatalf("mentions still missing after Prepare: %v", missing)
		}
	})
}
