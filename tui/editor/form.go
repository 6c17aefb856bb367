package editor

import (
	"strings"

	"math"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/styles"
	"github.com/dingbot/dingbot/tui/textedit"
)

// field names one input of the form.
type Field int

const (
	FieldTitle Field = iota
	FieldBody
	FieldMessageURL
	FieldPicURL
	FieldButtonMode
	FieldSingleTitle
	FieldSingleURL
	FieldButtonTitle
	FieldButtonURL
	FieldOrientation
	FieldAvatar
	FieldFeedTitle
	FieldFeedURL
	FieldFeedPic
)

// Slot is one place the focus can be: a field, in a row for buttons and feed links.
type Slot struct {
	Field Field
	Row   int
}

// buttonRow is one action-card button being edited.
type buttonRow struct{ title, url textedit.Model }

// feedRow is one feed-card link being edited.
type feedRow struct{ title, url, pic textedit.Model }

// Form edits one message of any of the five types. Fields shared by several types (title,
// body) keep their text when the type changes, so switching never loses work.
type Form struct {
	// KeyMap is the form's own keys: moving between fields, toggles and rows.
	KeyMap KeyMap

	kind  dingtalk.MsgType
	title textedit.Model
	body  textedit.Model

	messageURL, picURL     textedit.Model
	buttonList             bool
	singleTitle, singleURL textedit.Model
	buttons                []buttonRow
	horizontal             bool
	hideAvatar             bool
	links                  []feedRow

	mentions []dingtalk.Contact
	atAll    bool
	// seenInText marks mentions whose @handle the text has held: deleting it from the text
	// then unmentions them.
	seenInText map[dingtalk.Contact]bool

	// hist is the undo history; lastField and lastEdit what the last Update did.
	hist      history
	lastField Field
	lastEdit  textedit.Edit

	focus int
	st    *styles.Styles
	// width and height are the editor pane's size; set by SetSize.
	width, height int
}

const labelWidth = 12

func New(st *styles.Styles) Form {
	f := Form{KeyMap: DefaultKeyMap(), kind: dingtalk.TypeMarkdown, st: st}
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

// newInput is a one-line field: the same widget and keys as the body, scrolled sideways.
func newInput(st *styles.Styles, placeholder string) textedit.Model {
	return textedit.NewLine(bodyStyles(st), "", placeholder)
}

// bodyStyles are the body editor's looks, from the editor's styles.
func bodyStyles(st *styles.Styles) textedit.Styles {
	e := st.Editor
	return textedit.Styles{Text: e.Text, Placeholder: e.Placeholder, Cursor: e.Cursor, PromptOn: e.PromptOn, PromptOff: e.PromptOff}
}

func newBody(st *styles.Styles) textedit.Model {
	return textedit.New(bodyStyles(st), "│ ", bodyPlaceholder(dingtalk.TypeMarkdown))
}

// bodyPlaceholder is what an empty body says, true for the type: only markdown and action
// cards render markdown.
func bodyPlaceholder(k dingtalk.MsgType) string {
	switch k {
	case dingtalk.TypeText:
		return "Write here. Plain text: sent as typed, no markdown; line breaks are kept"
	case dingtalk.TypeLink:
		return "Write here. Plain text under the title, cut short in the card; no markdown"
	}
	return "Write here. Markdown works: # heading, **bold**, [link](https://…), - list"
}

func (f *Form) newButton() buttonRow {
	r := buttonRow{title: newInput(f.st, "button title"), url: newInput(f.st, "https://…")}
	r.title.SetSize(f.inputWidth()+1, 1)
	r.url.SetSize(f.inputWidth()+1, 1)
	return r
}

func (f *Form) newLink() feedRow {
	r := feedRow{
		title: newInput(f.st, "item title"),
		url:   newInput(f.st, "https://… opened on tap"),
		pic:   newInput(f.st, "https://… picture"),
	}
	for _, in := range []*textedit.Model{&r.title, &r.url, &r.pic} {
		in.SetSize(f.inputWidth()+1, 1)
	}
	return r
}

// slots lists where the focus can go for the current type, in Tab order.
func (f *Form) slots() []Slot {
	switch f.kind {
	case dingtalk.TypeText:
		return []Slot{{Field: FieldBody}}
	case dingtalk.TypeMarkdown:
		return []Slot{{Field: FieldTitle}, {Field: FieldBody}}
	case dingtalk.TypeLink:
		return []Slot{{Field: FieldTitle}, {Field: FieldBody}, {Field: FieldMessageURL}, {Field: FieldPicURL}}
	case dingtalk.TypeActionCard:
		s := []Slot{{Field: FieldTitle}, {Field: FieldBody}, {Field: FieldButtonMode}}
		if f.buttonList {
			for i := range f.buttons {
				s = append(s, Slot{FieldButtonTitle, i}, Slot{FieldButtonURL, i})
			}
		} else {
			s = append(s, Slot{Field: FieldSingleTitle}, Slot{Field: FieldSingleURL})
		}
		return append(s, Slot{Field: FieldOrientation}, Slot{Field: FieldAvatar})
	case dingtalk.TypeFeedCard:
		var s []Slot
		for i := range f.links {
			s = append(s, Slot{FieldFeedTitle, i}, Slot{FieldFeedURL, i}, Slot{FieldFeedPic, i})
		}
		return s
	}
	return nil
}

// Focused is the slot that has the keyboard.
func (f *Form) Focused() Slot {
	s := f.slots()
	if len(s) == 0 {
		return Slot{Field: FieldBody}
	}
	return s[min(f.focus, len(s)-1)]
}

// field returns the text field of a slot: the body or a one-line field; nil for a toggle or
// a row that is not there.
func (f *Form) field(s Slot) *textedit.Model {
	if s.Field == FieldBody {
		return &f.body
	}
	return f.input(s)
}

// input returns the single-line input of a slot, or nil for the body, toggles and rows that
// are not there.
func (f *Form) input(s Slot) *textedit.Model {
	switch s.Field {
	case FieldButtonTitle, FieldButtonURL:
		if s.Row < 0 || s.Row >= len(f.buttons) {
			return nil
		}
	case FieldFeedTitle, FieldFeedURL, FieldFeedPic:
		if s.Row < 0 || s.Row >= len(f.links) {
			return nil
		}
	}
	switch s.Field {
	case FieldTitle:
		return &f.title
	case FieldMessageURL:
		return &f.messageURL
	case FieldPicURL:
		return &f.picURL
	case FieldSingleTitle:
		return &f.singleTitle
	case FieldSingleURL:
		return &f.singleURL
	case FieldButtonTitle:
		return &f.buttons[s.Row].title
	case FieldButtonURL:
		return &f.buttons[s.Row].url
	case FieldFeedTitle:
		return &f.links[s.Row].title
	case FieldFeedURL:
		return &f.links[s.Row].url
	case FieldFeedPic:
		return &f.links[s.Row].pic
	}
	return nil
}

// allInputs visits every single-line input, whatever the type.
func (f *Form) allInputs(fn func(*textedit.Model)) {
	for _, in := range []*textedit.Model{&f.title, &f.messageURL, &f.picURL, &f.singleTitle, &f.singleURL} {
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
func (f *Form) refocus() {
	if n := len(f.slots()); f.focus >= n {
		f.focus = max(0, n-1)
	}
	cur := f.Focused()
	var focus *textedit.Model
	if cur.Field != FieldBody {
		focus = f.input(cur)
	}
	f.allInputs(func(in *textedit.Model) {
		if in != focus {
			// A field left shows the start of its text, not where the cursor was.
			in.Blur()
			in.SetCursor(0, 0)
		}
	})
	f.body.Blur()
	if cur.Field == FieldBody {
		f.body.Focus()
	} else if focus != nil && !focus.Focused() {
		// A field entered has the cursor at the end, to carry on writing.
		focus.Focus()
		focus.SetCursor(0, math.MaxInt)
	}
	// Typing after a focus change starts a new undo step.
	f.hist.run.open = false
}

// Next moves the focus by delta slots, wrapping around.
func (f *Form) Next(delta int) {
	n := len(f.slots())
	if n == 0 {
		return
	}
	f.focus = ((f.focus+delta)%n + n) % n
	f.refocus()
}

// focusField moves the focus to the first slot with this field, if the type has one.
func (f *Form) focusField(fl Field, row int) bool {
	for i, s := range f.slots() {
		if s.Field == fl && s.Row == row {
			f.focus = i
			f.refocus()
			return true
		}
	}
	return false
}

// setKind switches the message type, keeping the focus on the same field when it exists.
func (f *Form) setKind(k dingtalk.MsgType) {
	cur := f.Focused()
	f.kind = k
	f.body.SetPlaceholder(bodyPlaceholder(k))
	if !f.focusField(cur.Field, cur.Row) && !f.focusField(FieldBody, 0) {
		f.focus = 0
		f.refocus()
	}
	f.layout()
}

// CycleKind moves to the next of the five message types.
// It is one undo step.
func (f *Form) CycleKind() {
	next := dingtalk.TypeMarkdown
	for i, t := range dingtalk.MsgTypes {
		if t == f.kind {
			next = dingtalk.MsgTypes[(i+1)%len(dingtalk.MsgTypes)]
		}
	}
	f.Edit(func() { f.setKind(next) })
}

// OnToggle reports whether the focus is on a toggle.
func (f *Form) OnToggle() bool {
	switch f.Focused().Field {
	case FieldButtonMode, FieldOrientation, FieldAvatar:
		return true
	}
	return false
}

// InRow reports whether the focus is in a button or feed-link row.
func (f *Form) InRow() bool {
	switch f.Focused().Field {
	case FieldButtonTitle, FieldButtonURL, FieldFeedTitle, FieldFeedURL, FieldFeedPic:
		return true
	}
	return false
}

// OnLine reports whether the focus is on a one-line field outside the button and link rows.
func (f *Form) OnLine() bool {
	switch f.Focused().Field {
	case FieldTitle, FieldMessageURL, FieldPicURL, FieldSingleTitle, FieldSingleURL:
		return true
	}
	return false
}

// OnText reports whether the focus is where typed characters go.
func (f *Form) OnText() bool { return !f.OnToggle() }

// HasBody reports whether the type has a multi-line body.
func (f *Form) HasBody() bool { return f.kind != dingtalk.TypeFeedCard }

// CanMention reports whether the type can notify people.
func (f *Form) CanMention() bool {
	return f.kind == dingtalk.TypeText || f.kind == dingtalk.TypeMarkdown || f.kind == dingtalk.TypeActionCard
}

// CanAtAll reports whether the type can notify everyone: action cards mention by userId only.
func (f *Form) CanAtAll() bool {
	return f.kind == dingtalk.TypeText || f.kind == dingtalk.TypeMarkdown
}

// Toggle flips the focused toggle, as one undo step.
func (f *Form) Toggle() { f.Edit(f.toggle) }

func (f *Form) toggle() {
	switch f.Focused().Field {
	case FieldButtonMode:
		f.buttonList = !f.buttonList
		if f.buttonList && len(f.buttons) == 0 {
			f.buttons = []buttonRow{f.newButton()}
		}
	case FieldOrientation:
		f.horizontal = !f.horizontal
	case FieldAvatar:
		f.hideAvatar = !f.hideAvatar
	}
	f.layout()
}

// AddRow adds a button or feed link after the focused one and focuses its title, as one undo
// step.
func (f *Form) AddRow() { f.Edit(f.addRow) }

func (f *Form) addRow() {
	s := f.Focused()
	switch s.Field {
	case FieldButtonTitle, FieldButtonURL:
		f.buttons = insertAt(f.buttons, s.Row+1, f.newButton())
		f.focusField(FieldButtonTitle, s.Row+1)
	case FieldFeedTitle, FieldFeedURL, FieldFeedPic:
		f.links = insertAt(f.links, s.Row+1, f.newLink())
		f.focusField(FieldFeedTitle, s.Row+1)
	}
	f.layout()
}

// RemoveRow removes the focused button or feed link; the last one is emptied instead. It is
// one undo step: Undo brings the row back.
func (f *Form) RemoveRow() { f.Edit(f.removeRow) }

func (f *Form) removeRow() {
	s := f.Focused()
	switch s.Field {
	case FieldButtonTitle, FieldButtonURL:
		if len(f.buttons) == 1 {
			f.buttons[0] = f.newButton()
		} else {
			f.buttons = append(f.buttons[:s.Row], f.buttons[s.Row+1:]...)
		}
		f.focusField(FieldButtonTitle, min(s.Row, len(f.buttons)-1))
	case FieldFeedTitle, FieldFeedURL, FieldFeedPic:
		if len(f.links) == 1 {
			f.links[0] = f.newLink()
		} else {
			f.links = append(f.links[:s.Row], f.links[s.Row+1:]...)
		}
		f.focusField(FieldFeedTitle, min(s.Row, len(f.links)-1))
	}
	f.layout()
}

func insertAt[T any](list []T, i int, v T) []T {
	list = append(list, v)
	copy(list[i+1:], list[i:])
	list[i] = v
	return list
}

// Update passes a key or a textedit.PasteMsg to the focused field and reports whether the
// text changed. Every change is kept for Undo (a run of typing in one field, word by word, is
// one step). A line move past a one-line field (↑/↓, ctrl+p/ctrl+n) moves the focus to the
// previous or next field, and so do ↑/↓ on a toggle. Text must reach Update before any command
// key is matched (see textedit.IsText); Update never takes a command key.
func (f *Form) Update(msg tea.Msg) (changed bool, cmd tea.Cmd) {
	s := f.Focused()
	f.lastField, f.lastEdit = s.Field, textedit.NoEdit
	fld := f.field(s)
	if fld == nil {
		if k, ok := msg.(tea.KeyMsg); ok {
			switch {
			case key.Matches(k, f.body.KeyMap.Up):
				f.Next(-1)
			case key.Matches(k, f.body.KeyMap.Down):
				f.Next(1)
			}
		}
		return false, nil
	}
	typing := f.hist.continues(s, msg)
	var before step
	if !typing {
		before = f.fieldStep(s)
	}
	changed, cmd = fld.Update(msg)
	f.lastEdit = fld.LastEdit()
	f.hist.record(s, msg, f.lastEdit, typing, before)
	if d := fld.Overflow(); d != 0 && fld.SingleLine() {
		f.Next(d)
	}
	return changed, cmd
}

// LastEdit is the field the last Update went to and how it changed it (textedit.NoEdit: it
// did not). An Insert in the body is where an inline @mention may start.
func (f *Form) LastEdit() (Field, textedit.Edit) { return f.lastField, f.lastEdit }

// insertMentions writes "@handle" for each handle at the body's cursor and focuses the body,
// with a space before when the text before the cursor does not end in one.
func (f *Form) insertMentions(handles []string) {
	if len(handles) == 0 || !f.HasBody() {
		return
	}
	f.focusField(FieldBody, 0)
	text := joinHandles(handles)
	if prev := f.body.RuneBeforeCursor(); prev != 0 && prev != ' ' && prev != '\n' && prev != '(' {
		text = " " + text
	}
	f.body.InsertString(text)
}

// Message builds the DingTalk message the form describes.
func (f *Form) Message() dingtalk.Message {
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
func (f *Form) at() *dingtalk.At {
	if !f.CanMention() {
		return nil
	}
	at := &dingtalk.At{IsAtAll: f.atAll && f.CanAtAll()}
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
func (f *Form) handleFor(c dingtalk.Contact) string {
	if f.kind == dingtalk.TypeActionCard && c.UserID != "" {
		return c.UserID
	}
	return c.Handle()
}

// Empty reports whether nothing has been written in any field.
func (f *Form) Empty() bool {
	if !f.body.Empty() || len(f.mentions) > 0 || f.atAll {
		return false
	}
	blank := true
	f.allInputs(func(in *textedit.Model) {
		if strings.TrimSpace(in.Value()) != "" {
			blank = false
		}
	})
	return blank
}

// Clear empties every field, keeping the type and the size, and focuses the title (or the
// text, for types without one).
func (f *Form) Clear() {
	kind, w, h := f.kind, f.width, f.height
	*f = New(f.st)
	f.kind = kind
	f.SetSize(w, h)
	f.setKind(kind)
	if !f.focusField(FieldTitle, 0) {
		f.focusField(FieldBody, 0)
	}
}
