package editor

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
	"github.com/dingbot/dingbot/tui/styles"
)

func newTestForm() Form {
	st := styles.New(true, true)
	f := New(&st)
	f.SetSize(60, 20)
	return f
}

func TestSnapshotLoadRoundTrip(t *testing.T) {
	d := store.Draft{Version: store.Version, Type: dingtalk.TypeActionCard, Title: "Ship it?", Body: "Vote @bob01",
		ButtonList: true, Buttons: []dingtalk.Button{{Title: "Yes", ActionURL: "https://e.com/y"}, {Title: "No", ActionURL: "https://e.com/n"}},
		Horizontal: true, Mentions: []store.Mention{{Name: "Bob", Mobile: "13900000000", UserID: "bob01"}}}
	f := newTestForm()
	f.Load(d)
	if got := f.Snapshot(); !reflect.DeepEqual(got, d) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
	}
	if m := f.Message(); m.At == nil || !reflect.DeepEqual(m.At.AtUserIDs, []string{"bob01"}) {
		t.Fatalf("an action card mentions by userId: %+v", m.At)
	}
}

// Mention writes the handles at the cursor; deleting a handle from the text unmentions.
func TestMentionThenForget(t *testing.T) {
	f := newTestForm()
	f.SetBody("hi")
	alice := dingtalk.Contact{Name: "Alice", Mobile: "13800000000"}
	names, warn, ok := f.Mention([]dingtalk.Contact{alice, {Name: "Nobody"}})
	if !ok || !reflect.DeepEqual(names, []string{"Alice"}) || !strings.Contains(warn, "Nobody has neither") {
		t.Fatalf("names %v warn %q ok %v", names, warn, ok)
	}
	if f.Body() != "hi @13800000000 " || !f.IsMentioned(alice) {
		t.Fatalf("body %q mentions %v", f.Body(), f.Mentions())
	}
	if dropped := f.Forget(map[dingtalk.Contact]bool{alice: true}); dropped != nil {
		t.Fatalf("dropped %v while the handle is in the text", dropped)
	}
	if dropped := f.Forget(map[dingtalk.Contact]bool{alice: false}); !reflect.DeepEqual(dropped, []string{"Alice"}) || len(f.Mentions()) != 0 {
		t.Fatalf("dropped %v, mentions %v", dropped, f.Mentions())
	}
}

func TestPositionFollowsTheFocus(t *testing.T) {
	f := newTestForm()
	if p := f.Position(); p != 0 {
		t.Fatalf("title: %v", p)
	}
	f.SetBody("a\nb\nc")
	if p := f.Position(); p != 1 {
		t.Fatalf("end of the body: %v", p)
	}
}
