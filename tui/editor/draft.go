package editor

import (
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/store"
)

// Snapshot copies the editor into a draft.
func (f *Form) Snapshot() store.Draft {
	d := store.Draft{
		Version:     store.Version,
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
		d.Mentions = append(d.Mentions, store.Mention{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID})
	}
	return d
}

// Load puts a draft into the editor.
func (f *Form) Load(d store.Draft) {
	kind, err := dingtalk.ParseMsgType(string(d.Type))
	if err != nil {
		kind = dingtalk.TypeMarkdown
	}
	w, h := f.width, f.height
	*f = New(f.st)
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
		f.focusField(FieldBody, 0)
	}
	f.refocus()
	f.layout()
}

// sameContact reports whether two contacts are the same person, by mobile or userId.
func sameContact(a, b dingtalk.Contact) bool {
	return (a.Mobile != "" && a.Mobile == b.Mobile) || (a.UserID != "" && a.UserID == b.UserID)
}

// Replace puts a draft into the editor as one undo step (a template applied): unlike Load,
// which starts afresh, it keeps the undo history, so Undo brings the message before it back.
func (f *Form) Replace(d store.Draft) {
	f.Edit(func() {
		h := f.hist
		f.Load(d)
		f.hist = h
	})
}
