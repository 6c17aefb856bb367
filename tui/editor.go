package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
	"github.com/dingbot/dingbot/tui/textedit"
)

// field names one input of the form.
type field int

const (
	fieldTitle field = iota
	fieldBody
	fieldMessageURL
	fieldPicURL
	fieldButtonMode
	fieldSingleTitle
	fieldSingleURL
	fieldButtonTitle
	fieldButtonURL
	fieldOrientation
	fieldAvatar
	fieldFeedTitle
	fieldFeedURL
	fieldFeedPic
)

// slot is one place the focus can be: a field, in a row for buttons and feed links.
type slot struct {
	field field
	row   int
}

// buttonRow is one action-card button being edited.
type buttonRow struct{ title, url textinput.Model }

// feedRow is one feed-card link being edited.
type feedRow struct{ title, url, pic textinput.Model }

// form edits one message of any of the five types. Fields shared by several types (title,
// body) keep their text when the type changes, so switching never loses work.
type form struct {
	kind  dingtalk.MsgType
	title textinput.Model
	body  textedit.Model

	messageURL, picURL     textinput.Model
	buttonList             bool
	singleTitle, singleURL textinput.Model
	buttons                []buttonRow
	horizontal             bool
	hideAvatar             bool
	links                  []feedRow

	mentions []dingtalk.Contact
	atAll    bool
	// seenInText marks mentions whose @handle the text has held: deleting it from the text
	// then unmentions them.
	seenInText map[dingtalk.Contact]bool

	focus int
	st    *styles.Styles
	// width and height are the editor pane's size; set by setSize.
	width, height int
}

const labelWidth = 12

func newForm(st *styles.Styles) form {
	f := form{kind: dingtalk.TypeMarkdown, st: st}
	f.title = newInput(st, "what the chat list and notification show")
	f.body = newBody(st)
	f.messageURL = newInput(st, "https://… opened when the card is tapped")
	f.picURL = newInput(st, "https://… picture (optional)")
	f.singleTitle = newInput(st, "e.g. Read more")
	f.singleURL = newInput(st, "https://…")
	f.buttons = []buttonRow{f.newButton()}
	f.links = []feedRow{f.newLink()}
	f.refocus()
	return f
}

func newInput(st *styles.Styles, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.TextStyle = st.Editor.Text
	in.PlaceholderStyle = st.Editor.Placeholder
	in.PromptStyle = st.Editor.Text
	in.Cursor.Style = st.Editor.Cursor
	in.Cursor.TextStyle = st.Editor.Text
	in.Cursor.SetMode(cursor.CursorStatic)
	// The composer's own keys win; keep the input's map honest about what it still does.
	in.KeyMap.LineStart = key.NewBinding(key.WithKeys("home"))
	in.KeyMap.LineEnd = key.NewBinding(key.WithKeys("end"))
	in.KeyMap.NextSuggestion = key.NewBinding(key.WithKeys("down"))
	in.KeyMap.PrevSuggestion = key.NewBinding(key.WithKeys("up"))
	in.KeyMap.AcceptSuggestion = key.NewBinding(key.WithDisabled())
	return in
}

// bodyStyles are the body editor's looks, from the editor's styles.
func bodyStyles(st *styles.Styles) textedit.Styles {
	e := st.Editor
	return textedit.Styles{Text: e.Text, Placeholder: e.Placeholder, Cursor: e.Cursor, PromptOn: e.PromptOn, PromptOff: e.PromptOff}
}

func newBody(st *styles.Styles) textedit.Model {
	return textedit.New(bodyStyles(st), "│ ", "Write here. Markdown works: # heading, **bold**, [link](https://…), - list")
}

func (f *form) newButton() buttonRow {
	r := buttonRow{title: newInput(f.st, "button title"), url: newInput(f.st, "https://…")}
	r.title.Width, r.url.Width = f.inputWidth(), f.inputWidth()
	return r
}

func (f *form) newLink() feedRow {
	r := feedRow{
		title: newInput(f.st, "item title"),
		url:   newInput(f.st, "https://… opened on tap"),
		pic:   newInput(f.st, "https://… picture"),
	}
	r.title.Width, r.url.Width, r.pic.Width = f.inputWidth(), f.inputWidth(), f.inputWidth()
	return r
}

// slots lists where the focus can go for the current type, in Tab order.
func (f *form) slots() []slot {
	switch f.kind {
	case dingtalk.TypeText:
		return []slot{{field: fieldBody}}
	case dingtalk.TypeMarkdown:
		return []slot{{field: fieldTitle}, {field: fieldBody}}
	case dingtalk.TypeLink:
		return []slot{{field: fieldTitle}, {field: fieldBody}, {field: fieldMessageURL}, {field: fieldPicURL}}
	case dingtalk.TypeActionCard:
		s := []slot{{field: fieldTitle}, {field: fieldBody}, {field: fieldButtonMode}}
		if f.buttonList {
			for i := range f.buttons {
				s = append(s, slot{fieldButtonTitle, i}, slot{fieldButtonURL, i})
			}
		} else {
			s = append(s, slot{field: fieldSingleTitle}, slot{field: fieldSingleURL})
		}
		return append(s, slot{field: fieldOrientation}, slot{field: fieldAvatar})
	case dingtalk.TypeFeedCard:
		var s []slot
		for i := range f.links {
			s = append(s, slot{fieldFeedTitle, i}, slot{fieldFeedURL, i}, slot{fieldFeedPic, i})
		}
		return s
	}
	return nil
}

// focused is the slot that has the keyboard.
func (f *form) focused() slot {
	s := f.slots()
	if len(s) == 0 {
		return slot{field: fieldBody}
	}
	return s[min(f.focus, len(s)-1)]
}

// input returns the single-line input of a slot, or nil for the body and toggles.
func (f *form) input(s slot) *textinput.Model {
	switch s.field {
	case fieldTitle:
		return &f.title
	case fieldMessageURL:
		return &f.messageURL
	case fieldPicURL:
		return &f.picURL
	case fieldSingleTitle:
		return &f.singleTitle
	case fieldSingleURL:
		return &f.singleURL
	case fieldButtonTitle:
		return &f.buttons[s.row].title
	case fieldButtonURL:
		return &f.buttons[s.row].url
	case fieldFeedTitle:
		return &f.links[s.row].title
	case fieldFeedURL:
		return &f.links[s.row].url
	case fieldFeedPic:
		return &f.links[s.row].pic
	}
	return nil
}

// allInputs visits every single-line input, whatever the type.
func (f *form) allInputs(fn func(*textinput.Model)) {
	for _, in := range []*textinput.Model{&f.title, &f.messageURL, &f.picURL, &f.singleTitle, &f.singleURL} {
		fn(in)
	}
	for i := range f.buttons {
		fn(&f.buttons[i].title)
		fn(&f.buttons[i].url)
	}
	for i := range f.links {
		fn(&f.links[i].title)
		fn(&f.links[i].url)
		fn(&f.links[i].pic)
	}
}

// refocus gives the keyboard to the focused slot and takes it from every other input.
func (f *form) refocus() {
	if n := len(f.slots()); f.focus >= n {
		f.focus = max(0, n-1)
	}
	cur := f.focused()
	var focus *textinput.Model
	if cur.field != fieldBody {
		focus = f.input(cur)
	}
	f.allInputs(func(in *textinput.Model) {
		if in != focus {
			// A field left shows the start of its text, not where the cursor was.
			in.Blur()
			in.SetCursor(0)
		}
	})
	f.body.Blur()
	if cur.field == fieldBody {
		f.body.Focus()
	} else if focus != nil && !focus.Focused() {
		// A field entered has the cursor at the end, to carry on writing.
		focus.Focus()
		focus.CursorEnd()
	}
}

// next moves the focus by delta slots, wrapping around.
func (f *form) next(delta int) {
	n := len(f.slots())
	if n == 0 {
		return
	}
	f.focus = ((f.focus+delta)%n + n) % n
	f.refocus()
}

// focusField moves the focus to the first slot with this field, if the type has one.
func (f *form) focusField(fl field, row int) bool {
	for i, s := range f.slots() {
		if s.field == fl && s.row == row {
			f.focus = i
			f.refocus()
			return true
		}
	}
	return false
}

// setKind switches the message type, keeping the focus on the same field when it exists.
func (f *form) setKind(k dingtalk.MsgType) {
	cur := f.focused()
	f.kind = k
	if !f.focusField(cur.field, cur.row) && !f.focusField(fieldBody, 0) {
		f.focus = 0
		f.refocus()
	}
	f.layout()
}

// cycleKind moves to the next of the five message types.
func (f *form) cycleKind() {
	for i, t := range dingtalk.MsgTypes {
		if t == f.kind {
			f.setKind(dingtalk.MsgTypes[(i+1)%len(dingtalk.MsgTypes)])
			return
		}
	}
	f.setKind(dingtalk.TypeMarkdown)
}

// onToggle reports whether the focus is on a toggle.
func (f *form) onToggle() bool {
	switch f.focused().field {
	case fieldButtonMode, fieldOrientation, fieldAvatar:
		return true
	}
	return false
}

// inRow reports whether the focus is in a button or feed-link row.
func (f *form) inRow() bool {
	switch f.focused().field {
	case fieldButtonTitle, fieldButtonURL, fieldFeedTitle, fieldFeedURL, fieldFeedPic:
		return true
	}
	return false
}

// onLine reports whether the focus is on a one-line field outside the button and link rows.
func (f *form) onLine() bool {
	switch f.focused().field {
	case fieldTitle, fieldMessageURL, fieldPicURL, fieldSingleTitle, fieldSingleURL:
		return true
	}
	return false
}

// onText reports whether the focus is where typed characters go.
func (f *form) onText() bool { return !f.onToggle() }

// hasBody reports whether the type has a multi-line body.
func (f *form) hasBody() bool { return f.kind != dingtalk.TypeFeedCard }

// canMention reports whether the type can notify people.
func (f *form) canMention() bool {
	return f.kind == dingtalk.TypeText || f.kind == dingtalk.TypeMarkdown || f.kind == dingtalk.TypeActionCard
}

// canAtAll reports whether the type can notify everyone: action cards mention by userId only.
func (f *form) canAtAll() bool {
	return f.kind == dingtalk.TypeText || f.kind == dingtalk.TypeMarkdown
}

// toggle flips the focused toggle.
func (f *form) toggle() {
	switch f.focused().field {
	case fieldButtonMode:
		f.buttonList = !f.buttonList
		if f.buttonList && len(f.buttons) == 0 {
			f.buttons = []buttonRow{f.newButton()}
		}
	case fieldOrientation:
		f.horizontal = !f.horizontal
	case fieldAvatar:
		f.hideAvatar = !f.hideAvatar
	}
	f.layout()
}

// addRow adds a button or feed link after the focused one and focuses its title.
func (f *form) addRow() {
	s := f.focused()
	switch s.field {
	case fieldButtonTitle, fieldButtonURL:
		f.buttons = insertAt(f.buttons, s.row+1, f.newButton())
		f.focusField(fieldButtonTitle, s.row+1)
	case fieldFeedTitle, fieldFeedURL, fieldFeedPic:
		f.links = insertAt(f.links, s.row+1, f.newLink())
		f.focusField(fieldFeedTitle, s.row+1)
	}
	f.layout()
}

// removeRow removes the focused button or feed link; the last one is emptied instead.
func (f *form) removeRow() {
	s := f.focused()
	switch s.field {
	case fieldButtonTitle, fieldButtonURL:
		if len(f.buttons) == 1 {
			f.buttons[0] = f.newButton()
		} else {
			f.buttons = append(f.buttons[:s.row], f.buttons[s.row+1:]...)
		}
		f.focusField(fieldButtonTitle, min(s.row, len(f.buttons)-1))
	case fieldFeedTitle, fieldFeedURL, fieldFeedPic:
		if len(f.links) == 1 {
			f.links[0] = f.newLink()
		} else {
			f.links = append(f.links[:s.row], f.links[s.row+1:]...)
		}
		f.focusField(fieldFeedTitle, min(s.row, len(f.links)-1))
	}
	f.layout()
}

func insertAt[T any](list []T, i int, v T) []T {
	list = append(list, v)
	copy(list[i+1:], list[i:])
	list[i] = v
	return list
}

// update passes a key to the focused input and reports whether the content may have changed.
// For the body it goes by the key rather than comparing 20 000 bytes before and after.
func (f *form) update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	s := f.focused()
	if s.field == fieldBody {
		return f.body.Update(msg)
	}
	in := f.input(s)
	if in == nil {
		return false, nil
	}
	before := in.Value()
	*in, cmd = in.Update(msg)
	return in.Value() != before, cmd
}

// insertMentions writes "@handle" for each handle at the body's cursor and focuses the body,
// with a space before when the text before the cursor does not end in one.
func (f *form) insertMentions(handles []string) {
	if len(handles) == 0 || !f.hasBody() {
		return
	}
	f.focusField(fieldBody, 0)
	text := "@" + strings.Join(handles, " @") + " "
	if prev := f.body.RuneBeforeCursor(); prev != 0 && prev != ' ' && prev != '\n' && prev != '(' {
		text = " " + text
	}
	f.body.InsertString(text)
}

// message builds the DingTalk message the form describes.
func (f *form) message() dingtalk.Message {
	title, body := strings.TrimSpace(f.title.Value()), f.body.Value()
	var m dingtalk.Message
	switch f.kind {
	case dingtalk.TypeText:
		m = dingtalk.NewText(body)
	case dingtalk.TypeMarkdown:
		m = dingtalk.NewMarkdown(title, body)
	case dingtalk.TypeLink:
		m = dingtalk.NewLink(title, body, strings.TrimSpace(f.messageURL.Value()), strings.TrimSpace(f.picURL.Value()))
	case dingtalk.TypeActionCard:
		card := dingtalk.ActionCard{Title: title, Text: body, BtnOrientation: dingtalk.ButtonsVertical, HideAvatar: "0"}
		if f.horizontal {
			card.BtnOrientation = dingtalk.ButtonsHorizontal
		}
		if f.hideAvatar {
			card.HideAvatar = "1"
		}
		if f.buttonList {
			for _, b := range f.buttons {
				card.Buttons = append(card.Buttons, dingtalk.Button{Title: strings.TrimSpace(b.title.Value()), ActionURL: strings.TrimSpace(b.url.Value())})
			}
		} else {
			card.SingleTitle = strings.TrimSpace(f.singleTitle.Value())
			card.SingleURL = strings.TrimSpace(f.singleURL.Value())
		}
		m = dingtalk.NewActionCard(card)
	case dingtalk.TypeFeedCard:
		var links []dingtalk.FeedLink
		for _, l := range f.links {
			links = append(links, dingtalk.FeedLink{Title: strings.TrimSpace(l.title.Value()), MessageURL: strings.TrimSpace(l.url.Value()), PicURL: strings.TrimSpace(l.pic.Value())})
		}
		m = dingtalk.NewFeedCard(links...)
	}
	m.At = f.at()
	return m
}

// at lists who the message notifies, or nil.
func (f *form) at() *dingtalk.At {
	if !f.canMention() {
		return nil
	}
	at := &dingtalk.At{IsAtAll: f.atAll && f.canAtAll()}
	for _, c := range f.mentions {
		switch {
		case f.kind == dingtalk.TypeActionCard:
			// An action card notifies by userId only.
			if c.UserID != "" {
				at.AtUserIDs = append(at.AtUserIDs, c.UserID)
			}
		case c.Mobile != "":
			at.AtMobiles = append(at.AtMobiles, c.Mobile)
		case c.UserID != "":
			at.AtUserIDs = append(at.AtUserIDs, c.UserID)
		}
	}
	if at.Empty() {
		return nil
	}
	return at
}

// handleFor is what is written after "@" to notify c in the current type.
func (f *form) handleFor(c dingtalk.Contact) string {
	if f.kind == dingtalk.TypeActionCard && c.UserID != "" {
		return c.UserID
	}
	return c.Handle()
}

// empty reports whether nothing has been written in any field.
func (f *form) empty() bool {
	if !f.body.Empty() || len(f.mentions) > 0 || f.atAll {
		return false
	}
	blank := true
	f.allInputs(func(in *textinput.Model) {
		if strings.TrimSpace(in.Value()) != "" {
			blank = false
		}
	})
	return blank
}

// clear empties every field, keeping the type and the size, and focuses the title (or the
// text, for types without one).
func (f *form) clear() {
	kind, w, h := f.kind, f.width, f.height
	*f = newForm(f.st)
	f.kind = kind
	f.setSize(w, h)
	f.setKind(kind)
	if !f.focusField(fieldTitle, 0) {
		f.focusField(fieldBody, 0)
	}
}
