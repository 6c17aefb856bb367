package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

func TestSaveNeverGoesBackAndLoadReadsIt(t *testing.T) {
	s := Open(t.TempDir())
	if _, err := s.Load(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("load before any save: %v", err)
	}
	if err := s.Save(2, Draft{Version: Version, Type: dingtalk.TypeText, Body: "newer"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(1, Draft{Version: Version, Type: dingtalk.TypeText, Body: "older"}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Load()
	if err != nil || d.Body != "newer" {
		t.Fatalf("loaded %+v, %v", d, err)
	}
}

func TestDamagedDraftIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	if err := os.WriteFile(filepath.Join(dir, "draft.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); !errors.Is(err, ErrDamaged) {
		t.Fatalf("load: %v", err)
	}
	aside, err := s.MoveAside(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC))
	if err != nil || filepath.Base(aside) != "draft.damaged-20250314-092653.json" || s.Exists() {
		t.Fatalf("moved to %q (%v), draft still there: %v", aside, err, s.Exists())
	}
}

func TestHistoryLatestIsNewestFirst(t *testing.T) {
	s := Open(t.TempDir())
	if es, err := s.Latest(); err != nil || len(es) != 0 {
		t.Fatalf("empty history: %v, %v", es, err)
	}
	for _, title := range []string{"one", "two"} {
		if err := s.Append(Entry{Robot: "ops", MsgType: dingtalk.TypeMarkdown, Message: dingtalk.NewMarkdown(title, "x")}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.Latest()
	if err != nil || len(es) != 2 || es[0].Message.Title() != "two" {
		t.Fatalf("latest: %+v, %v", es, err)
	}
}

func TestFromMessageNamesKnownContacts(t *testing.T) {
	msg := dingtalk.NewText("hi @13800000000 @zed")
	msg.At = &dingtalk.At{AtMobiles: []string{"13800000000", "13911112222"}, AtUserIDs: []string{"zed"}}
	d := FromMessage(msg, dingtalk.Contacts{{Name: "Alice", Mobile: "13800000000"}})
	want := []Mention{{Name: "Alice", Mobile: "13800000000"}, {Name: "13911112222", Mobile: "13911112222"}, {Name: "zed", UserID: "zed"}}
	if len(d.Mentions) != len(want) {
		t.Fatalf("mentions %+v", d.Mentions)
	}
	for i := range want {
		if d.Mentions[i] != want[i] {
			t.Errorf("mention %d: %+v, want %+v", i, d.Mentions[i], want[i])
		}
	}
	if d.Type != dingtalk.TypeText || d.Body != "hi @13800000000 @zed" || d.Blank() {
		t.Errorf("draft %+v", d)
	}
}
