package tui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/editor"
)

// chineseContacts are the address book of the issue 10 tests: Chinese names found by pinyin,
// an accented Latin one, one with a userId only, one with a mobile only.
var chineseContacts = dingtalk.Contacts{
	{Name: "张伟", Mobile: "13800000000"},
	{Name: "张伟国", UserID: "zhangwg"},
	{Name: "Hans Müller", Mobile: "13911112222", UserID: "hmueller"},
	{Name: "王芳", UserID: "wangfang"},
	{Name: "李娜", Mobile: "13700000000"},
}

// composeIn starts a composer with chineseContacts, on a message of type kind, in its body.
func composeIn(t *testing.T, kind dingtalk.MsgType) *driver {
	t.Helper()
	opts := testOptions(t)
	opts.Contacts = chineseContacts
	d := newDriver(t, opts, 120, 40)
	for range len(dingtalk.MsgTypes) {
		if d.m.form.Kind() == kind {
			break
		}
		d.key("alt+t")
	}
	for range 10 {
		if d.m.form.Focused().Field == editor.FieldBody {
			break
		}
		d.key("tab")
	}
	if d.m.form.Kind() != kind || d.m.form.Focused().Field != editor.FieldBody {
		t.Fatalf("not in the body of a %s: %s, %v", kind, d.m.form.Kind(), d.m.form.Focused())
	}
	return d
}

// shown are the labels the inline picker lists, in order; nil when it is not open.
func (d *driver) shown() []string {
	if !d.m.inlineOpen() {
		return nil
	}
	var out []string
	for _, i := range d.m.chooser.Matches() {
		out = append(out, d.m.chooser.Item(i).Label)
	}
	return out
}

func mentionedNames(f *editor.Form) []string {
	var out []string
	for _, c := range f.Mentions() {
		out = append(out, c.Name)
	}
	return out
}

// Typing "@zw" opens the picker beside the editor with 张伟 first; enter replaces "@zw" with the
// handle and mentions 张伟, as one undo step.
func TestInlineMentionByInitials(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("你好 @")
	if got := d.shown(); len(got) == 0 {
		t.Fatalf("@ at a word start did not open the picker:\n%s", d.view())
	}
	d.typeText("zw")
	if got := d.shown(); len(got) < 2 || got[0] != "张伟" || got[1] != "张伟国" {
		t.Fatalf("@zw lists %v, want 张伟 first", got)
	}
	screen := d.view()
	if !strings.Contains(screen, "▸ [ ] 张伟  13800000000") || !strings.Contains(screen, "│ 你好 @zw") {
		t.Fatalf("the picker is not beside the text being typed:\n%s", screen)
	}
	d.key("enter")
	if d.m.inlineOpen() {
		t.Fatal("enter did not close the picker")
	}
	if got := d.m.form.Body(); got != "你好 @13800000000 " {
		t.Fatalf("body %q, want the handle in place of @zw", got)
	}
	if at := d.m.form.Message().At; at == nil || !slices.Equal(at.AtMobiles, []string{"13800000000"}) {
		t.Fatalf("at = %+v", at)
	}
	d.send(tea.KeyMsg{Type: tea.KeyCtrlZ})
	if got := d.m.form.Body(); got != "你好 @zw" || len(d.m.form.Mentions()) != 0 {
		t.Fatalf("one undo left %q, mentions %v: want the @zw typed back, nobody mentioned", got, mentionedNames(&d.m.form))
	}
}

// Full pinyin, pinyin cut short, accents folded, mobiles and userIds find people.
func TestInlineMentionByPinyinAccentsMobilesAndUserIDs(t *testing.T) {
	for q, want := range map[string]string{
		"zhang":    "张伟",
		"zhangwei": "张伟",
		"zhangw":   "张伟",
		"muller":   "Hans Müller",
		"Müller":   "Hans Müller",
		"hmueller": "Hans Müller",
		"1391111":  "Hans Müller",
		"wangfang": "王芳",
		"lina":     "李娜",
		"张":        "张伟",
	} {
		d := composeIn(t, dingtalk.TypeMarkdown)
		d.typeText("@" + q)
		if got := d.shown(); len(got) == 0 || got[0] != want {
			t.Errorf("@%s lists %v, want %s first", q, got, want)
		}
	}
	d := composeIn(t, dingtalk.TypeMarkdown)
	d.typeText("@muller")
	d.key("enter")
	if got := d.m.form.Body(); got != "@13911112222 " || !slices.Equal(mentionedNames(&d.m.form), []string{"Hans Müller"}) {
		t.Fatalf("@muller enter: body %q, mentions %v", got, mentionedNames(&d.m.form))
	}
}

// An @ right after Chinese text starts a mention, as in DingTalk; inside a Latin word (an email
// address) it does not.
func TestInlineMentionAfterChineseTextNotInsideAWord(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("你好@张")
	if got := d.shown(); len(got) == 0 || got[0] != "张伟" {
		t.Fatalf("你好@张 lists %v", got)
	}
	d.key("enter")
	if got := d.m.form.Body(); got != "你好@13800000000 " {
		t.Fatalf("body %q", got)
	}
	d.typeText("mail@zw")
	if d.m.inlineOpen() {
		t.Fatal("an @ inside a word opened the picker")
	}
}

// Esc closes the picker and leaves the text as typed; typing on in the same word does not open
// it again; a space closes it; backspace refilters.
func TestInlineMentionEscSpaceAndBackspace(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("@zw")
	d.key("esc")
	if d.m.inlineOpen() || d.m.form.Body() != "@zw" {
		t.Fatalf("esc: open %v, body %q", d.m.inlineOpen(), d.m.form.Body())
	}
	d.typeText("x")
	if d.m.inlineOpen() {
		t.Fatal("the picker came back in the word esc closed it in")
	}
	d.typeText(" @li")
	if got := d.shown(); len(got) == 0 || got[0] != "李娜" {
		t.Fatalf("a new @ after esc lists %v", got)
	}
	d.key("backspace")
	if got := d.m.chooser.Query(); got != "l" {
		t.Fatalf("backspace left the query %q, want l", got)
	}
	d.typeText(" ")
	if d.m.inlineOpen() {
		t.Fatal("a space did not close the picker")
	}
	if got := d.m.form.Body(); got != "@zwx @l " {
		t.Fatalf("body %q", got)
	}
	// With nothing to choose, enter is a new line.
	d.typeText("@qqq")
	d.key("enter")
	if d.m.inlineOpen() || d.m.form.Body() != "@zwx @l @qqq\n" {
		t.Fatalf("enter with no match: open %v, body %q", d.m.inlineOpen(), d.m.form.Body())
	}
}

// ↑/↓, ctrl+n/ctrl+p move in the picker while it is open; tab ticks several; enter inserts all.
func TestInlineMentionMovesAndTicks(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("hi @zh")
	d.key("ctrl+n")
	if got := d.m.chooser.Item(d.m.chooser.Current()).Label; got != "张伟国" {
		t.Fatalf("ctrl+n highlights %s", got)
	}
	d.key("tab", "ctrl+p", "enter")
	if got := d.m.form.Body(); got != "hi @zhangwg @13800000000 " {
		t.Fatalf("body %q", got)
	}
	if got := mentionedNames(&d.m.form); !slices.Equal(got, []string{"张伟国", "张伟"}) {
		t.Fatalf("mentions %v", got)
	}
	if d.m.form.Body() != "hi @zhangwg @13800000000 " || strings.Count(d.view(), "\n") == 0 {
		t.Fatal("unreachable")
	}
}

// A mobile that is nobody's is offered as it is, and mentioned by at.atMobiles.
func TestInlineMentionRawMobile(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("@13800009999")
	if got := d.shown(); !slices.Equal(got, []string{"mention 13800009999 (not in your contacts)"}) {
		t.Fatalf("@13800009999 lists %v", got)
	}
	if !strings.Contains(d.view(), "mention 13800009999 (not in your contacts)") {
		t.Fatalf("the raw entry is not on screen:\n%s", d.view())
	}
	d.key("enter")
	if got := d.m.form.Body(); got != "@13800009999 " {
		t.Fatalf("body %q", got)
	}
	if at := d.m.form.Message().At; at == nil || !slices.Equal(at.AtMobiles, []string{"13800009999"}) {
		t.Fatalf("at = %+v", at)
	}
	// Written with +86 it is still a mobile, written as DingTalk wants it.
	d.typeText("@+8613800007777")
	d.key("enter")
	if got := d.m.form.Body(); got != "@13800009999 @13800007777 " {
		t.Fatalf("body %q", got)
	}
}

// In an action card only userIds notify: a mobile-only contact is listed last, greyed, with the
// reason, and cannot be chosen; a userId that is nobody's is offered as it is; @all is off.
func TestInlineMentionInActionCard(t *testing.T) {
	d := composeIn(t, dingtalk.TypeActionCard)
	d.typeText("@zw")
	if got := d.shown(); !slices.Equal(got, []string{"张伟国", "张伟"}) {
		t.Fatalf("@zw in an action card lists %v, want 张伟 (mobile only) last", got)
	}
	if !strings.Contains(d.view(), "张伟  · action cards mention by userId") {
		t.Fatalf("no reason beside the mobile-only contact:\n%s", d.view())
	}
	d.key("down")
	if !strings.Contains(d.view(), "│ action cards mention by userId; add user_id to the contact") {
		t.Fatalf("the highlighted contact does not say why in full:\n%s", d.view())
	}
	d.key("enter")
	if !d.m.inlineOpen() || d.m.form.Body() != "@zw" || !strings.Contains(d.m.status.Text(), "add user_id to the contact") {
		t.Fatalf("enter on an unmentionable contact: open %v, body %q, status %q", d.m.inlineOpen(), d.m.form.Body(), d.m.status.Text())
	}
	d.key("up", "enter")
	if got := d.m.form.Body(); got != "@zhangwg " {
		t.Fatalf("body %q", got)
	}
	d.typeText("@ops_lead-7")
	if got := d.shown(); !slices.Equal(got, []string{"mention userId ops_lead-7 (not in your contacts)"}) {
		t.Fatalf("a raw userId lists %v", got)
	}
	d.key("enter")
	if at := d.m.form.Message().At; at == nil || !slices.Equal(at.AtUserIDs, []string{"zhangwg", "ops_lead-7"}) {
		t.Fatalf("at = %+v", at)
	}
	d.typeText("@13800009999")
	if got := d.shown(); len(got) != 1 || d.m.chooser.Item(d.m.chooser.Matches()[0]).Off == "" {
		t.Fatalf("a raw mobile in an action card: %v, want one greyed entry", got)
	}
	d.key("esc")
	d.typeText(" @all")
	if !strings.Contains(d.view(), "only text and markdown messages can @all") {
		t.Fatalf("@all not greyed in an action card:\n%s", d.view())
	}
}

// @all is an entry: typing @all and enter turns it on; again turns it off.
func TestInlineMentionAtAll(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("@all")
	if got := d.shown(); len(got) == 0 || got[0] != "@all" {
		t.Fatalf("@all lists %v", got)
	}
	d.key("enter")
	if at := d.m.form.Message().At; at == nil || !at.IsAtAll || d.m.form.Body() != "@all " {
		t.Fatalf("at = %+v, body %q", at, d.m.form.Body())
	}
	d.typeText("@all")
	if !strings.Contains(d.view(), "on: choose it to turn @all off") {
		t.Fatalf("@all does not say it is on:\n%s", d.view())
	}
	d.key("enter")
	if d.m.form.AtAll() || d.m.form.Body() != "@all " {
		t.Fatalf("second @all: atAll %v, body %q", d.m.form.AtAll(), d.m.form.Body())
	}
	// Without a query @all comes after every contact: alt+m enter never notifies everyone.
	d.key("alt+m")
	if got := d.shown(); len(got) == 0 || got[0] != "张伟" || !slices.Contains(got, "@all") {
		t.Fatalf("alt+m lists %v", got)
	}
}

// alt+m writes the @ and opens the same picker; esc with nothing typed takes the @ back.
func TestMentionKeyWritesTheAt(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("hi")
	d.key("alt+m")
	if d.m.form.Body() != "hi @" || !d.m.inlineOpen() {
		t.Fatalf("alt+m: body %q, open %v", d.m.form.Body(), d.m.inlineOpen())
	}
	d.key("esc")
	if d.m.form.Body() != "hi" || d.m.inlineOpen() {
		t.Fatalf("esc after alt+m: body %q, open %v", d.m.form.Body(), d.m.inlineOpen())
	}
	d.key("alt+m")
	d.typeText("wf")
	d.key("enter")
	if got := d.m.form.Body(); got != "hi @wangfang " {
		t.Fatalf("body %q", got)
	}
}

// Links and feed cards cannot mention: an @ typed is text, and alt+m says why.
func TestNoMentionInLinks(t *testing.T) {
	d := composeIn(t, dingtalk.TypeLink)
	d.typeText("@zw")
	if d.m.inlineOpen() {
		t.Fatal("an @ in a link opened the picker")
	}
	d.key("alt+m")
	if d.m.inlineOpen() || d.m.state != stateCompose || !strings.Contains(d.m.status.Text(), "cannot mention") {
		t.Fatalf("alt+m in a link: status %q", d.m.status.Text())
	}
}

// The picker's filter takes text as text: a word that spells a key, arriving in one read, filters.
func TestPickerFilterTakesWordsThatSpellKeys(t *testing.T) {
	opts := testOptions(t)
	opts.Robots = append(opts.Robots, dingtalk.Robot{Name: "left-wing", Webhook: "lefttoken"})
	d := newDriver(t, opts, 120, 40)
	d.key("ctrl+r")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("left")})
	if d.m.state != stateRobots || d.m.chooser.Query() != "left" {
		t.Fatalf("\"left\" in one read: state %v, query %q", d.m.state, d.m.chooser.Query())
	}
	d.key("enter")
	if got := d.m.currentRobot().Name; got != "left-wing" {
		t.Fatalf("robot %s", got)
	}
}

// A handle already in the text is not written twice: one notifies; the @query typed goes.
func TestInlineMentionNotWrittenTwice(t *testing.T) {
	d := composeIn(t, dingtalk.TypeText)
	d.typeText("@zw")
	d.key("enter")
	d.typeText("又 @zhangwei")
	d.key("enter")
	if got := d.m.form.Body(); got != "@13800000000 又 " || len(d.m.form.Mentions()) != 1 {
		t.Fatalf("body %q, mentions %v", got, mentionedNames(&d.m.form))
	}
	if !strings.Contains(d.m.status.Text(), "张伟 already in the text") {
		t.Fatalf("status %q", d.m.status.Text())
	}
}
