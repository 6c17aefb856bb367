package tui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
)

// draft is everything in the editor, as saved under the state directory while the user types.
type draft struct {
	Version     int                 `json:"version"`
	Robot       string              `json:"robot,omitempty"`
	Type        dingtalk.MsgType    `json:"msgtype"`
	Title       string              `json:"title,omitempty"`
	Body        string              `json:"body,omitempty"`
	MessageURL  string              `json:"messageUrl,omitempty"`
	PicURL      string              `json:"picUrl,omitempty"`
	ButtonList  bool                `json:"buttonList,omitempty"`
	SingleTitle string              `json:"singleTitle,omitempty"`
	SingleURL   string              `json:"singleURL,omitempty"`
	Buttons     []dingtalk.Button   `json:"buttons,omitempty"`
	Horizontal  bool                `json:"horizontal,omitempty"`
	HideAvatar  bool                `json:"hideAvatar,omitempty"`
	Links       []dingtalk.FeedLink `json:"links,omitempty"`
	Mentions    []mention           `json:"mentions,omitempty"`
	AtAll       bool                `json:"atAll,omitempty"`
	// Sent is true when this exact content was sent, so a restart does not call it unsent.
	Sent bool `json:"sent,omitempty"`
	// MaybeDelivered is the last send of this draft whose outcome is unknown (no answer after
	// the body left): sending the same message to the same robot again reuses its msgUuid,
	// even after a restart, so DingTalk posts it at most once.
	MaybeDelivered *pendingSend `json:"maybeDelivered,omitempty"`
}

// pendingSend is a send that may have been posted: the robot, the msgUuid it carried and a
// digest of its body (the body itself is the draft).
type pendingSend struct {
	Robot      string `json:"robot"`
	MsgUUID    string `json:"msgUuid"`
	BodySHA256 string `json:"bodySha256"`
}

// mention is a mentioned person as the draft keeps them.
type mention struct {
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	UserID string `json:"userId,omitempty"`
}

const draftVersion = 1

// snapshot copies the editor into a draft.
func (f *form) snapshot() draft {
	d := draft{
		Version:     draftVersion,
		Type:        f.kind,
		Title:       f.title.Value(),
		Body:        f.body.Value(),
		MessageURL:  f.messageURL.Value(),
		PicURL:      f.picURL.Value(),
		ButtonList:  f.buttonList,
		SingleTitle: f.singleTitle.Value(),
		SingleURL:   f.singleURL.Value(),
		Horizontal:  f.horizontal,
		HideAvatar:  f.hideAvatar,
		AtAll:       f.atAll,
	}
	for _, b := range f.buttons {
		d.Buttons = append(d.Buttons, dingtalk.Button{Title: b.title.Value(), ActionURL: b.url.Value()})
	}
	if len(d.Buttons) == 1 && d.Buttons[0] == (dingtalk.Button{}) {
		d.Buttons = nil
	}
	for _, l := range f.links {
		d.Links = append(d.Links, dingtalk.FeedLink{Title: l.title.Value(), MessageURL: l.url.Value(), PicURL: l.pic.Value()})
	}
	if len(d.Links) == 1 && d.Links[0] == (dingtalk.FeedLink{}) {
		d.Links = nil
	}
	for _, c := range f.mentions {
		d.Mentions = append(d.Mentions, mention{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID})
	}
	return d
}

// load puts a draft into the editor.
func (f *form) load(d draft) {
	kind, err := dingtalk.ParseMsgType(string(d.Type))
	if err != nil {
		kind = dingtalk.TypeMarkdown
	}
	w, h := f.width, f.height
	*f = newForm(f.st)
	f.width, f.height = w, h
	f.title.SetValue(d.Title)
	f.body.SetValue(d.Body)
	f.messageURL.SetValue(d.MessageURL)
	f.picURL.SetValue(d.PicURL)
	f.buttonList = d.ButtonList
	f.singleTitle.SetValue(d.SingleTitle)
	f.singleURL.SetValue(d.SingleURL)
	f.horizontal, f.hideAvatar, f.atAll = d.Horizontal, d.HideAvatar, d.AtAll
	if len(d.Buttons) > 0 {
		f.buttons = nil
		for _, b := range d.Buttons {
			r := f.newButton()
			r.title.SetValue(b.Title)
			r.url.SetValue(b.ActionURL)
			f.buttons = append(f.buttons, r)
		}
	}
	if len(d.Links) > 0 {
		f.links = nil
		for _, l := range d.Links {
			r := f.newLink()
			r.title.SetValue(l.Title)
			r.url.SetValue(l.MessageURL)
			r.pic.SetValue(l.PicURL)
			f.links = append(f.links, r)
		}
	}
	for _, mn := range d.Mentions {
		f.mentions = append(f.mentions, dingtalk.Contact{Name: mn.Name, Mobile: mn.Mobile, UserID: mn.UserID})
	}
	f.kind = kind
	f.focus = 0
	if f.kind == dingtalk.TypeText || strings.TrimSpace(d.Title) != "" {
		f.focusField(fieldBody, 0)
	}
	f.refocus()
	f.layout()
}

// restore puts a saved draft back: content, robot, and whether it was sent.
func (m *Model) restore(d draft) {
	m.form.load(d)
	for i, r := range m.opts.Robots {
		if r.Name == d.Robot && d.Robot != "" {
			m.robot = i
		}
	}
	m.unsent = !d.Sent && !m.form.empty()
	m.unknownOutcome = nil
	m.queuedNow = nil
	if p := d.MaybeDelivered; p != nil && p.MsgUUID != "" && m.unsent {
		m.unknownOutcome = &idempotentSend{robot: p.Robot, body: p.BodySHA256, uuid: p.MsgUUID}
	}
}

// fileDraft is a new markdown message started from a file: the file is its text, its first
// heading (or first line) its title, nobody is mentioned.
func fileDraft(name, text, robot string) draft {
	return draft{
		Version: draftVersion,
		Robot:   robot,
		Type:    dingtalk.TypeMarkdown,
		Title:   titleFrom(name, text),
		Body:    strings.TrimSuffix(text, "\n"),
	}
}

// maxFileTitle is the longest title taken from a file's first line, in runes.
const maxFileTitle = 60

// titleFrom is a markdown file's first heading, else its first line of text (shortened), else
// its name.
func titleFrom(name, text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for _, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") {
			if h := strings.TrimSpace(strings.TrimLeft(t, "#")); h != "" {
				return h
			}
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), ">-*+ "))
		t = strings.Trim(t, "*_`")
		if t == "" {
			continue
		}
		if r := []rune(t); len(r) > maxFileTitle {
			t = strings.TrimSpace(string(r[:maxFileTitle-1])) + "…"
		}
		return t
	}
	base := filepath.Base(name)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// startMsg carries what was loaded at start: the saved draft, or a new message from the file.
type startMsg struct {
	draft    *draft
	problems []string
	notices  []string
	// saveErr says the draft cannot be saved (an unwritable state directory).
	saveErr error
}

// loadStart claims a draft file and reads it, and the file, in a command. A second composer on
// the same state directory gets a draft file of its own and is told. A draft that cannot be
// read is moved aside, never written over. A file starts a new message; an unsent draft it
// replaces is copied to draft.previous.json and kept for ctrl+z first, and if that fails the
// draft stays and the file is not loaded.
func (m *Model) loadStart() tea.Cmd {
	store, file, robot, now := m.drafts, m.opts.File, m.currentRobot().Name, m.now
	return func() tea.Msg {
		var msg startMsg
		if store != nil {
			slot, err := store.claim()
			if err != nil {
				msg.saveErr = err
			} else if slot > 1 {
				msg.notices = append(msg.notices, "another dingbot composer has the draft open: this one keeps its own in "+store.name()+", so neither overwrites the other")
			}
			if kept, _ := store.listKept(); len(kept) > 0 {
				for _, k := range kept {
					if k.other > 0 {
						msg.notices = append(msg.notices, "the draft another composer left in "+filepath.Base(k.file)+" is kept: ctrl+z brings it back")
					}
				}
			}
			d, err := store.load()
			switch {
			case err == nil:
				msg.draft = d
			case errors.Is(err, fs.ErrNotExist) || !store.exists():
				// Nothing there (or no directory to hold it, which saveErr says).
			default:
				why := err.Error()
				if aside, merr := store.moveAside(now()); merr != nil {
					msg.problems = append(msg.problems, "the saved draft could not be read ("+why+") nor moved aside: it stays as it is and is not written over")
				} else {
					msg.problems = append(msg.problems, "the saved draft could not be read ("+why+"); it is kept, untouched, in "+aside)
				}
			}
		}
		if file == "" {
			return msg
		}
		data, err := os.ReadFile(file)
		if err != nil {
			msg.problems = append(msg.problems, "could not load "+file+": "+err.Error())
			return msg
		}
		fresh := fileDraft(file, string(data), robot)
		name := filepath.Base(file)
		if saved := msg.draft; saved != nil && !saved.Sent && !saved.blank() && !saved.sameContent(fresh) {
			kept, err := store.keep()
			if err == nil {
				err = store.keepReplaced(*saved, "replaced by "+name, now())
			}
			if err != nil {
				msg.problems = append(msg.problems, "did not load "+name+": the unsent draft could not be kept aside ("+err.Error()+")")
				return msg
			}
			msg.notices = append(msg.notices, "new message from "+name+"; your unsent draft is kept in "+kept+" (ctrl+z brings it back)")
		} else {
			msg.notices = append(msg.notices, "new message from "+name)
		}
		msg.draft = &fresh
		return msg
	}
}

// blank reports whether a draft holds nothing to lose.
func (d *draft) blank() bool {
	return strings.TrimSpace(d.Title+d.Body+d.MessageURL+d.PicURL+d.SingleTitle+d.SingleURL) == "" &&
		len(d.Buttons) == 0 && len(d.Links) == 0 && len(d.Mentions) == 0 && !d.AtAll
}

// sameContent reports whether two drafts are the same message, whatever their version or state.
func (d *draft) sameContent(o draft) bool {
	a, b := *d, o
	a.Version, b.Version, a.Sent, b.Sent = 0, 0, false, false
	a.MaybeDelivered, b.MaybeDelivered = nil, nil
	return reflect.DeepEqual(a, b)
}

// draftTickMsg fires after a typing pause; a stale one (an older seq) is ignored.
type draftTickMsg int

// draftMaxTickMsg fires draftMaxWait after the first change since the last save, so that
// steady typing, which never pauses long enough for draftTickMsg, is saved too.
type draftMaxTickMsg struct{}

// draftSavedMsg reports a save.
type draftSavedMsg struct {
	seq int
	err error
}

// scheduleDraft saves the draft once typing pauses for draftDelay, and at most draftMaxWait
// after the first unsaved change, however steadily the user types.
func (m *Model) scheduleDraft() tea.Cmd {
	if m.drafts == nil {
		return nil
	}
	m.draftSeq++
	m.draftDirty = true
	cmds := []tea.Cmd{m.after(draftDelay, draftTickMsg(m.draftSeq))}
	if !m.draftMaxPending {
		m.draftMaxPending = true
		cmds = append(cmds, m.after(draftMaxWait, draftMaxTickMsg{}))
	}
	return tea.Batch(cmds...)
}

// saveDraft writes the current draft in a command.
func (m *Model) saveDraft() tea.Cmd {
	if m.drafts == nil {
		return nil
	}
	m.draftSeq++
	m.draftDirty = false
	store, seq, d := m.drafts, m.draftSeq, m.snapshot()
	return func() tea.Msg { return draftSavedMsg{seq: seq, err: store.save(seq, d)} }
}

// draftSaved shows a failed save at once, for as long as saving fails, and says when it works
// again.
func (m *Model) draftSaved(msg draftSavedMsg) tea.Cmd {
	if msg.seq < m.saveResultSeq {
		return nil
	}
	m.saveResultSeq = msg.seq
	if msg.err != nil {
		m.saveErr = msg.err
		m.layout()
		return nil
	}
	if m.saveErr != nil {
		m.saveErr = nil
		return m.setStatus(statusOK, "the draft is saved again")
	}
	return nil
}

// saveNow writes the draft at once; Run calls it after the program ends.
func (m *Model) saveNow() error {
	if m.drafts == nil || !m.loaded {
		return nil
	}
	return m.drafts.save(m.draftSeq+1, m.snapshot())
}

func (m *Model) snapshot() draft {
	d := m.form.snapshot()
	d.Robot = m.currentRobot().Name
	d.Sent = !m.unsent
	if u := m.unknownOutcome; u != nil && m.unsent {
		d.MaybeDelivered = &pendingSend{Robot: u.robot, MsgUUID: u.uuid, BodySHA256: u.body}
	}
	return d
}
