package dingtalk

import (
	"strings"
	"testing"
)

func TestNewMsgUUIDNeverPushesOverTheLimit(t *testing.T) {
	a, b := NewMsgUUID(100), NewMsgUUID(100)
	if !strings.HasPrefix(a, "dingbot-") || a == b {
		t.Fatalf("NewMsgUUID = %q, %q: want fresh keys", a, b)
	}
	room := MaxBodyBytes - msgUUIDOverhead - len(a)
	if NewMsgUUID(room) == "" {
		t.Fatalf("a body of %d bytes has room for a msgUuid", room)
	}
	if u := NewMsgUUID(room + 1); u != "" {
		t.Fatalf("a body of %d bytes got msgUuid %q and would exceed %d", room+1, u, MaxBodyBytes)
	}
	// The overhead is what encoding really adds.
	m := NewText("x")
	plain, _ := m.Encode()
	m.MsgUUID = a
	with, _ := m.Encode()
	if len(with)-len(plain) != msgUUIDOverhead+len(a) {
		t.Fatalf("encoding adds %d bytes, NewMsgUUID counts %d", len(with)-len(plain), msgUUIDOverhead+len(a))
	}
}

func TestRedactSecrets(t *testing.T) {
	got := RedactSecrets("token abc123 and sign a+b/c= as a%2Bb%2Fc%3D, id", "abc123", "a+b/c=", "id")
	if got != "token REDACTED and sign REDACTED as REDACTED, id" {
		t.Fatalf("RedactSecrets = %q", got)
	}
}

func TestKeywordPlaceMatchesWhatIsSearched(t *testing.T) {
	card := NewActionCard(ActionCard{Title: "T", Text: "x", Buttons: []Button{{"deploy", "https://a"}}})
	if _, ok := MatchKeyword(card, []string{"deploy"}); !ok || !strings.Contains(KeywordPlace(TypeActionCard), "button") {
		t.Fatal("button labels are searched, so the advice must name them")
	}
	err := (&KeywordError{Robot: "r", Keywords: []string{"k"}, MsgType: TypeText}).Error()
	if !strings.HasSuffix(err, "add one to the text") {
		t.Fatalf("KeywordError = %q", err)
	}
}
