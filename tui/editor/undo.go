package editor

import (
	"reflect"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/textedit"
)

// maxUndo is how many steps Undo can go back.
const maxUndo = 200

// step is one undo (or redo) step: what to put back. A step of one field's text holds that
// field's State; a step of the whole form (a row removed, a type switch, a mention) holds all
// of it. Both hold who was mentioned, since deleting an @handle from the text unmentions.
type step struct {
	slot     Slot
	field    textedit.State
	form     *formState
	mentions []dingtalk.Contact
	atAll    bool
}

// formState is everything the form holds, for an undo step: every field's State, the rows,
// the toggles, the mentions and the focus.
type formState struct {
	kind                                                    dingtalk.MsgType
	title, body, messageURL, picURL, singleTitle, singleURL textedit.State
	buttons                                                 [][2]textedit.State
	links                                                   [][3]textedit.State
	buttonList, horizontal, hideAvatar, atAll               bool
	mentions                                                []dingtalk.Contact
	focus                                                   int
}

// history is the undo and redo stacks, and the typing run the newest undo step holds.
type history struct {
	undo, redo []step
	run        run
	// depth counts nested Edit calls: only the outermost records a step.
	depth int
}

// run is a run of typing (or of deleting characters) in one field, kept as one undo step while
// it goes on: it ends at a move, another kind of edit, a focus change, or a word's end (a space
// typed after a non-space starts the next step).
type run struct {
	open bool
	slot Slot
	kind textedit.Edit
	// space says whether the text typed last ended in a space.
	space bool
}

// typed is the text of a key that is text, and whether it is one (a bracketed paste is not
// typing: it is a step of its own).
func typed(msg tea.Msg) ([]rune, bool) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || k.Paste || !textedit.IsText(k) {
		return nil, false
	}
	if k.Type == tea.KeySpace {
		return []rune{' '}, true
	}
	return k.Runes, true
}

// continues reports whether msg, sent to the field at s, carries on the open typing run: then
// it needs no step of its own, and no State is taken (a State copies the text).
func (h *history) continues(s Slot, msg tea.Msg) bool {
	rs, ok := typed(msg)
	if !ok || !h.run.open || h.run.slot != s || h.run.kind != textedit.Insert {
		return false
	}
	return h.run.space || !unicode.IsSpace(rs[0])
}

// record keeps what an Update of the field at s did: a step (before) for an edit that starts
// one, nothing for one that carries on a run; a move ends the run.
func (h *history) record(s Slot, msg tea.Msg, edit textedit.Edit, typing bool, before step) {
	switch {
	case edit == textedit.NoEdit:
		if !typing {
			h.run.open = false
		}
		return
	case typing:
	case edit == textedit.DeleteChar && h.run.open && h.run.slot == s && h.run.kind == textedit.DeleteChar:
	default:
		h.push(before)
	}
	h.run = run{}
	switch edit {
	case textedit.Insert:
		rs, _ := typed(msg)
		h.run = run{open: true, slot: s, kind: edit, space: len(rs) > 0 && unicode.IsSpace(rs[len(rs)-1])}
	case textedit.DeleteChar:
		h.run = run{open: true, slot: s, kind: edit}
	}
}

// push adds an undo step, forgetting the oldest past maxUndo; a new edit clears the redo steps.
func (h *history) push(s step) {
	if len(h.undo) == maxUndo {
		copy(h.undo, h.undo[1:])
		h.undo = h.undo[:maxUndo-1]
	}
	h.undo = append(h.undo, s)
	h.redo = nil
	h.run = run{}
}

// fieldStep is the step that puts the field at s back as it is now.
func (f *Form) fieldStep(s Slot) step {
	st := step{slot: s, mentions: append([]dingtalk.Contact(nil), f.mentions...), atAll: f.atAll}
	if fld := f.field(s); fld != nil {
		st.field = fld.State()
	}
	return st
}

// formStep is the step that puts the whole form back as it is now.
func (f *Form) formStep() step {
	fs := f.capture()
	return step{form: &fs}
}

// capture is the whole form's state.
func (f *Form) capture() formState {
	s := formState{
		kind: f.kind, title: f.title.State(), body: f.body.State(), messageURL: f.messageURL.State(),
		picURL: f.picURL.State(), singleTitle: f.singleTitle.State(), singleURL: f.singleURL.State(),
		buttonList: f.buttonList, horizontal: f.horizontal, hideAvatar: f.hideAvatar, atAll: f.atAll,
		mentions: append([]dingtalk.Contact(nil), f.mentions...), focus: f.focus,
	}
	for _, b := range f.buttons {
		s.buttons = append(s.buttons, [2]textedit.State{b.title.State(), b.url.State()})
	}
	for _, l := range f.links {
		s.links = append(s.links, [3]textedit.State{l.title.State(), l.url.State(), l.pic.State()})
	}
	return s
}

// restore puts the whole form back: fields, rows, toggles, mentions, focus and cursors.
func (f *Form) restore(s formState) {
	f.kind = s.kind
	f.body.SetPlaceholder(bodyPlaceholder(s.kind))
	f.buttonList, f.horizontal, f.hideAvatar, f.atAll = s.buttonList, s.horizontal, s.hideAvatar, s.atAll
	f.mentions = append([]dingtalk.Contact(nil), s.mentions...)
	f.buttons = f.buttons[:0]
	for range s.buttons {
		f.buttons = append(f.buttons, f.newButton())
	}
	f.links = f.links[:0]
	for range s.links {
		f.links = append(f.links, f.newLink())
	}
	f.focus = s.focus
	f.restoreFields(s)
	// refocus shows fields left at their start and puts the cursor of a field entered at its
	// end: the focused field gets its own cursor back after it.
	f.refocus()
	if st, ok := s.stateAt(f.Focused()); ok {
		f.field(f.Focused()).Restore(st)
	}
	f.layout()
}

// stateAt is the State a formState holds for the field at slot sl.
func (s *formState) stateAt(sl Slot) (textedit.State, bool) {
	switch sl.Field {
	case FieldTitle:
		return s.title, true
	case FieldBody:
		return s.body, true
	case FieldMessageURL:
		return s.messageURL, true
	case FieldPicURL:
		return s.picURL, true
	case FieldSingleTitle:
		return s.singleTitle, true
	case FieldSingleURL:
		return s.singleURL, true
	case FieldButtonTitle, FieldButtonURL:
		if sl.Row >= 0 && sl.Row < len(s.buttons) {
			return s.buttons[sl.Row][int(sl.Field-FieldButtonTitle)], true
		}
	case FieldFeedTitle, FieldFeedURL, FieldFeedPic:
		if sl.Row >= 0 && sl.Row < len(s.links) {
			return s.links[sl.Row][int(sl.Field-FieldFeedTitle)], true
		}
	}
	return textedit.State{}, false
}

// restoreFields puts back every field's text, cursor and scroll.
func (f *Form) restoreFields(s formState) {
	pairs := []struct {
		m  *textedit.Model
		st textedit.State
	}{{&f.title, s.title}, {&f.body, s.body}, {&f.messageURL, s.messageURL}, {&f.picURL, s.picURL},
		{&f.singleTitle, s.singleTitle}, {&f.singleURL, s.singleURL}}
	for _, p := range pairs {
		p.m.Restore(p.st)
	}
	for i, b := range s.buttons {
		f.buttons[i].title.Restore(b[0])
		f.buttons[i].url.Restore(b[1])
	}
	for i, l := range s.links {
		f.links[i].title.Restore(l[0])
		f.links[i].url.Restore(l[1])
		f.links[i].pic.Restore(l[2])
	}
}

// apply puts a step back and returns the step that undoes that.
func (f *Form) apply(s step) step {
	if s.form != nil {
		back := f.formStep()
		f.restore(*s.form)
		return back
	}
	back := f.fieldStep(s.slot)
	f.focusField(s.slot.Field, s.slot.Row)
	if fld := f.field(s.slot); fld != nil {
		fld.Restore(s.field)
	}
	f.mentions = append([]dingtalk.Contact(nil), s.mentions...)
	f.atAll = s.atAll
	return back
}

// Undo takes back the last change: a run of typing, a kill, a paste, a row removed, a type
// switched, a mention added. The text, mentions, focus and cursor are as they were. It reports
// whether there was anything to undo.
func (f *Form) Undo() bool { return f.travel(&f.hist.undo, &f.hist.redo) }

// Redo does again what Undo took back, until a new change is made. It reports whether there
// was anything to redo.
func (f *Form) Redo() bool { return f.travel(&f.hist.redo, &f.hist.undo) }

// travel applies the last step of from and keeps, on to, the step that goes back: Undo takes
// from the undo list and gives to redo, Redo the other way round.
func (f *Form) travel(from, to *[]step) bool {
	if len(*from) == 0 {
		return false
	}
	s := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, f.apply(s))
	f.hist.run = run{}
	f.lastEdit = textedit.NoEdit
	return true
}

// CanUndo and CanRedo report whether Undo and Redo have a step to take.
func (f *Form) CanUndo() bool { return len(f.hist.undo) > 0 }
func (f *Form) CanRedo() bool { return len(f.hist.redo) > 0 }

// Edit runs a change made by a program rather than a key (a mention inserted, a word replaced,
// the text from $EDITOR) as one undo step. Calls of the form's own changing methods inside fn
// (Mention, ReplaceBeforeCursor, ToggleAtAll, …) are part of that one step. A change that
// leaves the content as it was records no step.
func (f *Form) Edit(fn func()) {
	h := &f.hist
	if h.depth > 0 {
		fn()
		return
	}
	before := f.formStep()
	f.lastEdit = textedit.NoEdit
	h.depth++
	defer func() { h.depth-- }()
	fn()
	after := f.capture()
	was := *before.form
	was.focus, after.focus = 0, 0
	if !reflect.DeepEqual(was, after) {
		h.push(before)
	}
}
