package dingtalk

import "testing"

func TestContainsMention(t *testing.T) {
	tests := []struct {
		text, handle string
		want         bool
	}{
		{"hi @13800000000", "13800000000", true},
		{"hi @13800000000, there", "13800000000", true},
		{"hi @138000000001", "13800000000", false},
		{"@138 and @13800000000", "138", true},
		{"@13800000000 only", "138", false},
		{"mail a@b.c", "b", false},
		{"@alice_01", "alice", false},
		{"@alice。", "alice", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := ContainsMention(tt.text, tt.handle); got != tt.want {
			t.Errorf("ContainsMention(%q, %q) = %v, want %v", tt.text, tt.handle, got, tt.want)
		}
	}
}

func TestInsertMentions(t *testing.T) {
	tests := []struct {
		name  string
		msg   Message
		want  string
		added []string
	}{
		{"text appends missing once", Message{Type: TypeText, Text: &Text{Content: "deploy done @13800000000"}, At: &At{AtMobiles: []string{"13800000000", "13900000000", "13900000000"}, AtUserIDs: []string{"alice"}}},
			"deploy done @13800000000 @13900000000 @alice", []string{"13900000000", "alice"}},
		{"markdown on its own paragraph", Message{Type: TypeMarkdown, Markdown: &Markdown{Title: "T", Text: "# Done\n"}, At: &At{AtMobiles: []string{"+852-12345678"}}},
			"# Done\n\n@+852-12345678", []string{"+852-12345678"}},
		{"nothing missing", Message{Type: TypeMarkdown, Markdown: &Markdown{Title: "T", Text: "hey @u1"}, At: &At{AtUserIDs: []string{"u1"}}},
			"hey @u1", nil},
		{"at all alone adds nothing", Message{Type: TypeText, Text: &Text{Content: "all"}, At: &At{IsAtAll: true}}, "all", nil},
		{"action card user ids", Message{Type: TypeActionCard, ActionCard: &ActionCard{Title: "T", Text: "approve?"}, At: &At{AtUserIDs: []string{"boss"}}},
			"approve?\n\n@boss", []string{"boss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.msg.Clone()
			added := InsertMentions(&m)
			if m.Body() != tt.want {
				t.Fatalf("body = %q, want %q", m.Body(), tt.want)
			}
			if len(added) != len(tt.added) {
				t.Fatalf("added = %v, want %v", added, tt.added)
			}
			// Idempotent: a second pass adds nothing.
			if again := InsertMentions(&m); len(again) != 0 || m.Body() != tt.want {
				t.Fatalf("second pass changed the text: %q (added %v)", m.Body(), again)
			}
		})
	}
}

func TestContactsFind(t *testing.T) {
	cs := Contacts{{Name: "Alice Wang", Mobile: "13800000000"}, {Name: "Alan", UserID: "alan01"}, {Name: "Bob", Mobile: "13900000000", UserID: "bob"}}
	if c, err := cs.Find("alice wang"); err != nil || c.Mobile != "13800000000" {
		t.Fatalf("exact match: %v %v", c, err)
	}
	if c, err := cs.Find("@bo"); err != nil || c.Name != "Bob" {
		t.Fatalf("prefix match: %v %v", c, err)
	}
	if _, err := cs.Find("Al"); err == nil {
		t.Fatal("ambiguous prefix should fail")
	}
	if _, err := cs.Find("Zed"); err == nil {
		t.Fatal("unknown name should fail")
	}
	var at At
	if err := cs.MentionNames(&at, "Alan", "Bob", "Bob"); err != nil {
		t.Fatal(err)
	}
	if len(at.AtUserIDs) != 1 || at.AtUserIDs[0] != "alan01" || len(at.AtMobiles) != 1 || at.AtMobiles[0] != "13900000000" {
		t.Fatalf("MentionNames = %+v", at)
	}
}
