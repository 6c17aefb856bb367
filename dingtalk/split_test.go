package dingtalk

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// checkSplit asserts what Split promises for every result: each part passes Prepare for r
// within the limit with room for a msgUuid, is valid UTF-8, carries its marker and the
// keyword, only the last part mentions anyone, msgUuids are derived, cuts fall on grapheme
// cluster boundaries, and the parts join back to the original text. It returns the stretch of
// the original each part carries.
func checkSplit(t *testing.T, r Robot, m Message, o SplitOptions, parts []Message) []string {
	t.Helper()
	limit := o.MaxBytes
	if limit == 0 {
		limit = MaxBodyBytes
	}
	n := len(parts)
	if n < 2 {
		t.Fatalf("got %d part, want a split", n)
	}
	for i, part := range parts {
		p, err := Prepare(r, part, o.Prepare)
		if err != nil {
			t.Fatalf("part %d of %d does not pass Prepare: %v", i+1, n, err)
		}
		size := p.Bytes
		if m.MsgUUID == "" {
			if part.MsgUUID != "" {
				t.Fatalf("part %d has msgUuid %q, want none for the caller to fill", i+1, part.MsgUUID)
			}
			uuid := NewMsgUUID(size)
			if limit == MaxBodyBytes && uuid == "" {
				t.Fatalf("part %d (%d bytes) has no room for a msgUuid", i+1, size)
			}
			size += msgUUIDOverhead + len(uuid)
		} else if want := m.MsgUUID + "-" + strconv.Itoa(i+1); part.MsgUUID != want {
			t.Fatalf("part %d msgUuid = %q, want %q", i+1, part.MsgUUID, want)
		}
		if size > limit {
			t.Fatalf("part %d of %d is %d bytes with its msgUuid, over %d", i+1, n, size, limit)
		}
		if !utf8.Valid(p.Body) || !utf8.ValidString(part.Body()) {
			t.Fatalf("part %d is not valid UTF-8", i+1)
		}
		if p.Message.Body() != part.Body() {
			t.Fatalf("Prepare still changed part %d:\n%q\n%q", i+1, part.Body(), p.Message.Body())
		}
		marker := fmt.Sprintf("(%d/%d", i+1, n)
		switch m.Type {
		case TypeText:
			if !strings.Contains(part.Body(), marker+") ") {
				t.Fatalf("text part %d lacks %q: %.80q", i+1, marker+") ", part.Body())
			}
		default:
			if !strings.HasSuffix(part.Title(), " "+marker+")") {
				t.Fatalf("part %d title = %q, want the marker", i+1, part.Title())
			}
		}
		if len(r.Keywords) > 0 {
			if _, ok := MatchKeyword(part, r.Keywords); !ok {
				t.Fatalf("part %d lacks the robot's keyword", i+1)
			}
		}
		if i < n-1 && !part.At.Empty() {
			t.Fatalf("part %d of %d mentions %v; only the last part may", i+1, n, part.At)
		}
		if i == n-1 && m.At != nil && (part.At == nil || part.At.Count() != m.At.Count() || part.At.IsAtAll != m.At.IsAtAll) {
			t.Fatalf("last part mentions %v, want %v", part.At, m.At)
		}
		if i == n-1 && len(MissingMentions(part)) > 0 {
			t.Fatalf("last part lacks @%v in its text", MissingMentions(part))
		}
	}
	texts := partTexts(parts)
	if got := strings.Join(texts, ""); got != m.Body() {
		t.Fatalf("parts do not join back to the text:\n got %.300q\nwant %.300q", got, m.Body())
	}
	if JoinParts(parts) != m.Body() {
		t.Fatal("JoinParts differs from partTexts")
	}
	// A cut falls between grapheme clusters, unless one cluster is too long for half a part.
	s := newSplitter(r, m, limit)
	most := 9
	for most < n {
		most = most*10 + 9
	}
	if err := s.setBudget(most); err != nil {
		t.Fatal(err)
	}
	starts := clusterStarts(m.Body())
	pos := 0
	for i, tx := range texts[:n-1] {
		if tx == "" {
			t.Fatalf("part %d carries no text", i+1)
		}
		pos += len(tx)
		if k := sort.SearchInts(starts, pos); starts[k] != pos {
			if c := m.Body()[starts[k-1]:starts[k]]; escString(c) <= s.budget/2 {
				t.Fatalf("part %d ends inside grapheme cluster %q at byte %d", i+1, c, pos)
			}
		}
	}
	return texts
}

// clusterStarts lists where each grapheme cluster of s starts, then len(s).
func clusterStarts(s string) []int {
	var starts []int
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		from, _ := g.Positions()
		starts = append(starts, from)
	}
	return append(starts, len(s))
}

// prefix is s cut to at most n bytes on a rune boundary.
func prefix(s string, n int) string {
	for n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:min(n, len(s))]
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

func repeatJoin(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

// Sample texts, each several times the size of a part.
var (
	paragraphs = repeatJoin(40, func(i int) string {
		return fmt.Sprintf("Paragraph %d: %s\n\n", i, strings.Repeat("the deploy of service alpha went fine ", 20))
	})
	bigCode = "# Logs\n\nBefore the code.\n\n```go title=\"main.go\"\n" +
		repeatJoin(1500, func(i int) string { return fmt.Sprintf("fmt.Println(%d, \"line\") // \"quoted\" \\ back\n", i) }) +
		"```\n\nAfter the code.\n"
	bigTable = "Results:\n\n| host | status | 延迟 |\n|:---|:---:|---:|\n" +
		repeatJoin(900, func(i int) string { return fmt.Sprintf("| host-%04d | ok ✅ | %d ms |\n", i, i%97) }) +
		"\nEnd of table.\n"
	nestedList = repeatJoin(30, func(i int) string {
		return fmt.Sprintf("- item %d\n  - sub %d.a %s\n  - sub %d.b\n    1. deep %s\n    2. deeper\n", i, i, strings.Repeat("word ", 60), i, strings.Repeat("词", 80))
	})
	cjk        = strings.Repeat("钉钉机器人每分钟最多发送二十条消息，超过后会被限流十分钟。", 1200)
	zwj        = strings.Repeat("👨‍👩‍👧‍👦👍🏽🏳️‍🌈🇨🇳", 3000)
	longNoSpce = strings.Repeat("abcdefghij", 5000)
)

func TestSplitRoundTrips(t *testing.T) {
	at := &At{AtMobiles: []string{"13800000000"}, AtUserIDs: []string{"user1"}}
	tests := []struct {
		name string
		msg  Message
		r    Robot
		o    SplitOptions
	}{
		{"paragraphs", NewMarkdown("Report", paragraphs), Robot{Name: "r"}, SplitOptions{}},
		{"code block bigger than a part", NewMarkdown("Logs", bigCode), Robot{Name: "r"}, SplitOptions{}},
		{"table bigger than a part", NewMarkdown("Hosts", bigTable), Robot{Name: "r"}, SplitOptions{}},
		{"nested lists", NewMarkdown("List", nestedList), Robot{Name: "r"}, SplitOptions{MaxBytes: 4000}},
		{"CJK", NewMarkdown("中文", cjk), Robot{Name: "r", Keywords: []string{"钉钉"}}, SplitOptions{}},
		{"emoji ZWJ sequences", NewMarkdown("Emoji", zwj), Robot{Name: "r"}, SplitOptions{}},
		{"long line without spaces", NewMarkdown("Blob", longNoSpce), Robot{Name: "r"}, SplitOptions{}},
		{"text message", Message{Type: TypeText, Text: &Text{Content: "告警 " + paragraphs + cjk}, At: at, MsgUUID: "abc"},
			Robot{Name: "r", Keywords: []string{"告警"}}, SplitOptions{}},
		{"text of emoji", NewText(zwj), Robot{Name: "r"}, SplitOptions{MaxBytes: 3000}},
		{"mentions and keyword appended", Message{Type: TypeMarkdown, Markdown: &Markdown{Title: "All", Text: bigCode + bigTable + nestedList}, At: at},
			Robot{Name: "r", Keywords: []string{"deploy", "告警"}}, SplitOptions{Prepare: PrepareOptions{AppendKeyword: true}}},
		{"keyword only in part 1", NewMarkdown("Alert", "告警\n\n"+paragraphs), Robot{Name: "r", Keywords: []string{"告警"}}, SplitOptions{}},
		{"escapes and control characters", NewText(strings.Repeat("\"\\\x01\t<&>\u2028", 4000)), Robot{Name: "r"}, SplitOptions{}},
		{"action card", Message{Type: TypeActionCard, ActionCard: &ActionCard{Title: "Card", Text: bigCode, Buttons: []Button{{"Open", "https://a.example"}}}, At: &At{AtUserIDs: []string{"user1"}}},
			Robot{Name: "r"}, SplitOptions{}},
		{"CRLF code and table", NewMarkdown("CRLF", strings.ReplaceAll(bigCode+bigTable, "\n", "\r\n")), Robot{Name: "r"}, SplitOptions{MaxBytes: 5000}},
		{"code in a list item", NewMarkdown("Nested code", "- step\n\n  ```sh\n"+repeatJoin(400, func(i int) string { return fmt.Sprintf("  echo %d\n", i) })+"  ```\n- next\n"),
			Robot{Name: "r"}, SplitOptions{MaxBytes: 1500}},
		{"small parts", NewMarkdown("Small", prefix(bigCode, 3000)+prefix(bigTable, 3000)+prefix(nestedList, 3000)+prefix(zwj, 2000)), Robot{Name: "r"}, SplitOptions{MaxBytes: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := Split(tt.r, tt.msg, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			checkSplit(t, tt.r, tt.msg, tt.o, parts)
		})
	}
}

// contentLines returns the lines of a part's text without the marker paragraph.
func contentOf(t *testing.T, m Message) string {
	t.Helper()
	body := m.Body()
	i := strings.LastIndex(body, "\n\n(")
	if i < 0 {
		t.Fatalf("no marker in %.80q", body)
	}
	return body[:i]
}

func TestSplitCodeBlockReopensWithItsFence(t *testing.T) {
	m := NewMarkdown("Logs", bigCode)
	parts, err := Split(Robot{Name: "r"}, m, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, Robot{Name: "r"}, m, SplitOptions{}, parts)
	for i, p := range parts {
		c := contentOf(t, p)
		fences := strings.Count(c, "\n```")
		if strings.HasPrefix(c, "```") {
			fences++
		}
		if fences%2 != 0 {
			t.Errorf("part %d has an unclosed code block (%d fence lines)", i+1, fences)
		}
		if i > 0 && !strings.HasPrefix(c, "```go title=\"main.go\"\n") {
			t.Errorf("part %d does not re-open the code block with its info string: %.40q", i+1, c)
		}
		if i < len(parts)-1 && !strings.Contains(p.Body(), fmt.Sprintf("(%d/%d, code block continues)", i+1, len(parts))) {
			t.Errorf("part %d does not say the code block continues: %q", i+1, p.Body()[len(p.Body())-60:])
		}
		if i < len(parts)-1 && !strings.HasSuffix(c, "\n```") {
			t.Errorf("part %d does not close its code block between lines: %q", i+1, c[len(c)-40:])
		}
	}
}

func TestSplitTableRepeatsItsHeader(t *testing.T) {
	m := NewMarkdown("Hosts", bigTable)
	parts, err := Split(Robot{Name: "r"}, m, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, Robot{Name: "r"}, m, SplitOptions{}, parts)
	head := "| host | status | 延迟 |\n|:---|:---:|---:|\n"
	for i, p := range parts {
		c := contentOf(t, p)
		if i > 0 && !strings.HasPrefix(c, head) {
			t.Errorf("part %d does not repeat the table header: %.60q", i+1, c)
		}
		for _, line := range strings.Split(c, "\n") {
			if strings.HasPrefix(line, "| host-") && !strings.HasSuffix(line, " ms |") {
				t.Errorf("part %d cuts a row: %q", i+1, line)
			}
		}
	}
}

func TestSplitPrefersBlockBoundaries(t *testing.T) {
	// A code block and a list that each fit in a part move whole to the next part.
	code := "```\n" + strings.Repeat("code line\n", 150) + "```\n\n"
	list := repeatJoin(40, func(i int) string { return fmt.Sprintf("- item %d %s\n  continued\n", i, strings.Repeat("x", 30)) }) + "\n"
	para := strings.Repeat("A paragraph of plain words. ", 40) + "\n\n"
	heading := "## Section\n\n"
	text := repeatJoin(12, func(i int) string { return heading + para + code + list })
	m := NewMarkdown("Doc", text)
	o := SplitOptions{MaxBytes: 6000}
	parts, err := Split(Robot{Name: "r"}, m, o)
	if err != nil {
		t.Fatal(err)
	}
	texts := checkSplit(t, Robot{Name: "r"}, m, o, parts)
	for i, tx := range texts {
		if i > 0 && !strings.HasPrefix(tx, "## ") && !strings.HasPrefix(tx, "```\n") && !strings.HasPrefix(tx, "- item") && !strings.HasPrefix(tx, "A paragraph") {
			t.Errorf("part %d starts inside a block: %.40q", i+1, tx)
		}
		if strings.Contains(parts[i].Body(), "continues)") {
			t.Errorf("part %d cut a code block that fits in a part", i+1)
		}
		if strings.HasSuffix(tx, heading) {
			t.Errorf("part %d ends with a heading, apart from its section", i+1)
		}
	}
}

func TestSplitListBetweenItems(t *testing.T) {
	// The list is bigger than a part, its items are not: parts start at an item.
	m := NewMarkdown("List", nestedList)
	o := SplitOptions{MaxBytes: 6000}
	parts, err := Split(Robot{Name: "r"}, m, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, tx := range checkSplit(t, Robot{Name: "r"}, m, o, parts) {
		if i > 0 && !strings.HasPrefix(tx, "- item ") {
			t.Errorf("part %d starts inside a list item: %.40q", i+1, tx)
		}
	}
	// One item bigger than a part is cut between its nested items.
	big := "- top\n" + repeatJoin(60, func(i int) string { return fmt.Sprintf("  - sub %d %s\n", i, strings.Repeat("y", 80)) })
	m = NewMarkdown("Item", big)
	o = SplitOptions{MaxBytes: 2000}
	parts, err = Split(Robot{Name: "r"}, m, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, tx := range checkSplit(t, Robot{Name: "r"}, m, o, parts) {
		if i > 0 && !strings.HasPrefix(tx, "  - sub ") {
			t.Errorf("part %d starts inside a nested item: %.40q", i+1, tx)
		}
	}
}

func TestSplitLongLinesAtSpacesThenClusters(t *testing.T) {
	words := strings.Repeat("alpha beta gamma ", 3000)
	m := NewText(words)
	parts, err := Split(Robot{Name: "r"}, m, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tx := range checkSplit(t, Robot{Name: "r"}, m, SplitOptions{}, parts) {
		if i < len(parts)-1 && !strings.HasSuffix(tx, " ") {
			t.Errorf("part %d cuts inside a word: %q", i+1, tx[len(tx)-20:])
		}
	}
	// CJK without spaces is cut after its punctuation.
	m = NewMarkdown("中文", cjk)
	parts, err = Split(Robot{Name: "r"}, m, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tx := range checkSplit(t, Robot{Name: "r"}, m, SplitOptions{}, parts) {
		if i < len(parts)-1 && !strings.HasSuffix(tx, "。") && !strings.HasSuffix(tx, "，") {
			t.Errorf("part %d cuts a CJK sentence mid-clause: %q", i+1, lastRunes(tx, 5))
		}
	}
}

func TestSplitNeverCutsAClusterThatFits(t *testing.T) {
	// Words of ZWJ sequences too long for a part: at some part size a word starts just before
	// the end of a part, which must then end before the word, not inside its first emoji.
	text := strings.Repeat("钉钉 "+strings.Repeat("👨‍👩‍👧‍👦", 12)+"🏳️‍🌈 ", 20)
	for limit := 300; limit <= 420; limit++ {
		for _, m := range []Message{NewText(text), NewMarkdown("E", text)} {
			o := SplitOptions{MaxBytes: limit}
			parts, err := Split(Robot{Name: "r"}, m, o)
			if err != nil {
				t.Fatalf("MaxBytes %d: %v", limit, err)
			}
			checkSplit(t, Robot{Name: "r"}, m, o, parts)
		}
	}
}

func TestSplitMarkersMentionsAndMsgUUID(t *testing.T) {
	r := Robot{Name: "ops", Keywords: []string{"告警"}}
	m := Message{Type: TypeText, Text: &Text{Content: "告警 @13800000000 " + paragraphs + paragraphs}, At: &At{AtMobiles: []string{"13800000000"}, IsAtAll: true}, MsgUUID: "job-7"}
	parts, err := Split(r, m, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, r, m, SplitOptions{}, parts)
	n := len(parts)
	if got := parts[0].Text.Content; !strings.HasPrefix(got, fmt.Sprintf("(1/%d) 告警 @13800000000 ", n)) {
		t.Errorf("part 1 = %.60q: the marker first, then the text", got)
	}
	if got, want := parts[1].Text.Content, fmt.Sprintf("告警 (2/%d) ", n); !strings.HasPrefix(got, want) {
		t.Errorf("part 2 = %.60q, want it to start %q: the keyword it lacks, then the marker", got, want)
	}
	if got, want := parts[n-1].Text.Content, fmt.Sprintf("告警 @13800000000 (%d/%d) ", n, n); !strings.HasPrefix(got, want) {
		t.Errorf("last part = %.60q, want it to start %q", got, want)
	}
	for i, p := range parts[:n-1] {
		body, _ := p.Encode()
		if strings.Contains(string(body), `"at"`) {
			t.Errorf("part %d notifies people: %s", i+1, body[len(body)-80:])
		}
	}
	if body, _ := parts[n-1].Encode(); !strings.Contains(string(body), `"at":{"atMobiles":["13800000000"],"isAtAll":true}`) {
		t.Errorf("last part does not notify: %s", body[len(body)-120:])
	}

	md := Message{Type: TypeMarkdown, Markdown: &Markdown{Title: "Nightly", Text: bigTable}, At: &At{AtUserIDs: []string{"u1"}}}
	parts, err = Split(Robot{Name: "r", Keywords: []string{"Nightly"}}, md, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n = len(parts)
	checkSplit(t, Robot{Name: "r", Keywords: []string{"Nightly"}}, md, SplitOptions{}, parts)
	if !strings.HasSuffix(parts[0].Markdown.Text, fmt.Sprintf("\n\n(1/%d, table continues)", n)) {
		t.Errorf("part 1 ends %q: the title holds the keyword, so only the marker", lastRunes(parts[0].Markdown.Text, 30))
	}
	if !strings.HasSuffix(parts[n-1].Markdown.Text, fmt.Sprintf("\n\n(%d/%d) @u1", n, n)) {
		t.Errorf("last part ends %q, want the marker and the mention", lastRunes(parts[n-1].Markdown.Text, 30))
	}
	if parts[1].Markdown.Title != fmt.Sprintf("Nightly (2/%d)", n) {
		t.Errorf("title = %q", parts[1].Markdown.Title)
	}
}

func TestSplitWhatFitsIsReturnedAsIs(t *testing.T) {
	m := NewMarkdown("T", "short")
	parts, err := Split(Robot{Name: "r"}, m, SplitOptions{})
	if err != nil || len(parts) != 1 || parts[0].Markdown != m.Markdown {
		t.Fatalf("Split = %v, %v; want the message itself", parts, err)
	}
	if JoinParts(parts) != "short" {
		t.Fatalf("JoinParts of an unsplit message = %q", JoinParts(parts))
	}
	// Right at the limit without a msgUuid: the room for one counts.
	body, _ := NewText("").Encode()
	room := MaxBodyBytes - len(body) - msgUUIDOverhead - newMsgUUIDLen
	if parts, err := Split(Robot{Name: "r"}, NewText(strings.Repeat("a", room)), SplitOptions{}); err != nil || len(parts) != 1 {
		t.Fatalf("a text that fits with its msgUuid was split: %d parts, %v", len(parts), err)
	}
	if parts, err := Split(Robot{Name: "r"}, NewText(strings.Repeat("a", room+1)), SplitOptions{}); err != nil || len(parts) != 2 {
		t.Fatalf("a text one byte over was not split in two: %d parts, %v", len(parts), err)
	}
	if u := NewMsgUUID(0); len(u) != newMsgUUIDLen {
		t.Fatalf("NewMsgUUID makes %d characters, Split reserves %d", len(u), newMsgUUIDLen)
	}
}

func TestSplitRefusals(t *testing.T) {
	long := strings.Repeat("x", 25000)
	var verr *ValidationError
	_, err := Split(Robot{Name: "r"}, NewLink("T", long, "https://a.example", ""), SplitOptions{})
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "link message cannot be split") || !strings.Contains(err.Error(), "over the limit of 20000") {
		t.Errorf("link: %v", err)
	}
	feed := NewFeedCard(FeedLink{Title: long, MessageURL: "https://a.example", PicURL: "https://a.example/p.png"})
	if _, err := Split(Robot{Name: "r"}, feed, SplitOptions{}); !errors.As(err, &verr) || !strings.Contains(err.Error(), "feedCard message cannot be split") {
		t.Errorf("feed card: %v", err)
	}
	var kerr *KeywordError
	if _, err := Split(Robot{Name: "r", Keywords: []string{"告警"}}, NewText(long), SplitOptions{}); !errors.As(err, &kerr) {
		t.Errorf("no keyword: %v, want a KeywordError", err)
	}
	if _, err := Split(Robot{Name: "r"}, NewMarkdown("", long), SplitOptions{}); !errors.As(err, &verr) || !strings.Contains(err.Error(), "markdown.title") {
		t.Errorf("no title: %v", err)
	}
	if _, err := Split(Robot{Name: "r"}, NewText(long), SplitOptions{MaxBytes: 120}); err == nil || !strings.Contains(err.Error(), "no room for text") {
		t.Errorf("tiny MaxBytes: %v", err)
	}
	if _, err := Split(Robot{Name: "r"}, NewText(long), SplitOptions{MaxBytes: -1}); err == nil {
		t.Error("negative MaxBytes accepted")
	}
}

func TestEscStringMatchesEncoder(t *testing.T) {
	var all strings.Builder
	for b := range 0x80 {
		all.WriteByte(byte(b))
	}
	for _, s := range []string{all.String(), "\u2028\u2029\ufffd", "中文👨‍👩‍👧‍👦", "<&>", "\xff\xfe bad", prefix(zwj, 100)} {
		body, _ := NewText(s).Encode()
		empty, _ := NewText("").Encode()
		if got, want := escString(s), len(body)-len(empty); got != want {
			t.Errorf("escString(%q) = %d, the encoder writes %d", s, got, want)
		}
	}
}

func TestSplit200KBIsFast(t *testing.T) {
	text := sample200KB()
	start := time.Now()
	parts, err := Split(Robot{Name: "r"}, NewMarkdown("Big", text), SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Well under 50 ms on a laptop; 2 s still catches anything quadratic under -race on CI.
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("splitting %d bytes took %v", len(text), d)
	}
	checkSplit(t, Robot{Name: "r"}, NewMarkdown("Big", text), SplitOptions{}, parts)
}

func sample200KB() string {
	var b strings.Builder
	for i := 0; b.Len() < 200_000; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "## Section %d\n\n%s\n\n", i, strings.Repeat("Some prose about the deploy, 部署顺利完成。 ", 15))
		case 1:
			b.WriteString(prefix(nestedList, 2000) + "\n")
		case 2:
			b.WriteString("```go\n" + strings.Repeat("x := compute(\"value\") // 计算\n", 60) + "```\n\n")
		case 3:
			b.WriteString(prefix(bigTable, 3000) + "\n\n")
		case 4:
			b.WriteString(prefix(zwj, 1000) + "\n\n")
		}
	}
	return b.String()
}

func BenchmarkSplit200KB(b *testing.B) {
	m := NewMarkdown("Big", sample200KB())
	b.SetBytes(int64(len(m.Markdown.Text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(Robot{Name: "r"}, m, SplitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSplit cuts arbitrary text into small parts: each must pass Prepare within the limit, and
// the parts must join back to the text.
func FuzzSplit(f *testing.F) {
	f.Add("# T\n\n```go\nfunc main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", true, uint16(300), "deploy")
	f.Add(strings.Repeat("👨‍👩‍👧‍👦 钉钉 ", 80), false, uint16(250), "")
	f.Add(prefix(bigCode, 2500), true, uint16(400), "")
	f.Add(prefix(bigTable, 2500), true, uint16(500), "告警")
	f.Add(prefix(nestedList, 3000), true, uint16(600), "")
	f.Add("- a\n  ```\n  x\n  ```\n- b\n"+strings.Repeat("~~~\n"+strings.Repeat("y\n", 40)+"~~~\n", 5), true, uint16(200), "k")
	f.Add(strings.Repeat("\"\\\x01\u2028", 200), true, uint16(180), "")
	f.Add(strings.Repeat("é\u0301\u0301\u0301", 300), false, uint16(150), "")
	f.Add("x"+strings.Repeat("\u0301", 400)+" "+strings.Repeat("👍🏽", 50), true, uint16(200), "")
	f.Fuzz(func(t *testing.T, text string, markdown bool, maxBytes uint16, keyword string) {
		m := NewText(text)
		if markdown {
			m = NewMarkdown("Fuzz", text)
		}
		m.At = &At{AtMobiles: []string{"13800000000"}}
		r := Robot{Name: "fuzz"}
		if keyword != "" {
			r.Keywords = []string{keyword}
		}
		o := SplitOptions{MaxBytes: 150 + int(maxBytes%1500), Prepare: PrepareOptions{AppendKeyword: true}}
		parts, err := Split(r, m, o)
		if err != nil {
			var verr *ValidationError
			switch {
			case errors.As(err, &verr), strings.Contains(err.Error(), "no room for text"), strings.Contains(err.Error(), "more than 9999 parts"):
				return
			case strings.Contains(err.Error(), "look like a part marker") && strings.ContainsAny(keyword, "()"):
				return
			}
			t.Fatalf("Split: %v", err)
		}
		if len(parts) == 1 {
			if p, err := Prepare(r, parts[0], o.Prepare); err == nil && p.Bytes > o.MaxBytes {
				t.Fatalf("returned whole at %d bytes, over %d", p.Bytes, o.MaxBytes)
			}
			return
		}
		checkSplit(t, r, m, o, parts)
		for _, p := range parts {
			if _, err := json.Marshal(p); err != nil {
				t.Fatal(err)
			}
		}
	})
}
