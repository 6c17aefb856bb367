package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/picker"
	"github.com/dingbot/dingbot/tui/textedit"
)

// keyMap is every command key the composer knows, with its help text: one place says which
// keys exist. None has an editing meaning: the editing keys are textedit's, in every field.
type keyMap struct {
	// Composing.
	Send     key.Binding
	Test     key.Binding
	Type     key.Binding
	Mention  key.Binding
	Robot    key.Binding
	Payload  key.Binding
	Editor   key.Binding
	History  key.Binding
	New      key.Binding
	Kept     key.Binding
	Mouse    key.Binding
	Device   key.Binding
	Gallery  key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Help     key.Binding
	Quit     key.Binding

	// Dialogs and views.
	Close  key.Binding
	Scroll key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Send:     b([]string{"ctrl+s"}, "ctrl+s", "send"),
		Test:     b([]string{"alt+e", "f7"}, "alt+e", "test send"),
		Type:     b([]string{"alt+t", "f2"}, "alt+t", "message type"),
		Mention:  b([]string{"alt+m", "f3"}, "alt+m", "@mention"),
		Robot:    b([]string{"ctrl+r"}, "ctrl+r", "robot"),
		Payload:  b([]string{"alt+p", "f4"}, "alt+p", "payload"),
		Editor:   b([]string{"ctrl+o"}, "ctrl+o", "$EDITOR"),
		History:  b([]string{"ctrl+l"}, "ctrl+l", "history"),
		New:      b([]string{"alt+n", "f5"}, "alt+n", "new message"),
		Kept:     b([]string{"alt+k", "f6"}, "alt+k", "kept drafts"),
		Mouse:    b([]string{"alt+s", "f9"}, "alt+s", "mouse on/off"),
		Device:   b([]string{"alt+v", "f8"}, "alt+v", "PC/phone preview"),
		Gallery:  b([]string{"alt+g", "f12"}, "alt+g", "templates"),
		PageUp:   b([]string{"pgup"}, "pgup", "scroll preview up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "scroll preview down"),
		Help:     b([]string{"ctrl+g", "?"}, "ctrl+g", "more keys"),
		Quit:     b([]string{"ctrl+c", "ctrl+q"}, "ctrl+q", "quit"),

		Close:  b([]string{"esc", "q", "alt+p", "f4"}, "esc", "close"),
		Scroll: b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓/pgup/pgdn", "scroll"),
	}
}

// shortly is a binding with a shorter description, for the one-line help.
func shortly(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// helpKeys adapts a set of bindings to bubbles/help. editing is the editing keys the full help
// lists above the commands (full).
type helpKeys struct {
	short   []key.Binding
	full    [][]key.Binding
	editing [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// joined is one help line for several bindings: it matches all their keys.
func joined(k, desc string, bs ...key.Binding) key.Binding {
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.Keys()...)
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// editingHelp is every editing key of the fields (textedit's KeyMap) and undo/redo, in two
// columns short enough to sit beside each other in 80 cells.
func editingHelp(km textedit.KeyMap, ek editor.KeyMap) [][]key.Binding {
	return [][]key.Binding{
		{
			joined("ctrl+a/e", "line start/end", km.Home, km.End),
			joined("ctrl+b/f", "char left/right", km.Left, km.Right),
			joined("alt+b/f", "word left/right", km.WordLeft, km.WordRight),
			joined("ctrl+p/n", "line up/down", km.Up, km.Down),
			joined("alt+</>", "text start/end", km.Begin, km.Finish),
		},
		{
			joined("ctrl+k/u", "kill to line end/start", km.KillToEnd, km.KillToStart),
			joined("ctrl+w/alt+d", "kill word before/after", km.DeleteWordLeft, km.DeleteWordRight),
			joined("ctrl+h/d", "delete char before/after", km.Backspace, km.Delete),
			km.Paste,
			joined("ctrl+z/y", "undo/redo", ek.Undo, ek.Redo),
		},
	}
}

// fullHelpView is the full help: the editing keys above the composer's commands, when the
// terminal has room for both and a few lines of the editor.
func (m *Model) fullHelpView() string {
	keys := m.helpFor()
	out := m.help.FullHelpView(keys.full)
	if keys.editing == nil {
		return out
	}
	both := m.help.FullHelpView(keys.editing) + "\n" + out
	if m.height-1-m.statusHeight()-lipgloss.Height(both) < minEditorLines {
		return out
	}
	return both
}

// minEditorLines is the least room the full help leaves the editor and preview.
const minEditorLines = 8

// helpFor returns the keys that matter in the current state.
func (m *Model) helpFor() helpKeys {
	k := m.keys
	switch m.state {
	case stateMentions:
		pk := m.chooser.KeyMap
		return helpKeys{short: []key.Binding{pk.Up, pk.Down, shortly(pk.Tick, "tick several"), shortly(pk.Choose, "insert highlighted + ticked"), shortly(pk.Back, "cancel")}}
	case stateRobots, stateHistory, stateTemplates:
		return helpKeys{short: m.chooser.KeyMap.ShortHelp()}
	case stateVars:
		return helpKeys{short: m.filling.form.KeyMap.ShortHelp()}
	case stateKept:
		pk := m.chooser.KeyMap
		return helpKeys{short: []key.Binding{pk.Up, pk.Down, shortly(pk.Choose, "bring it back"), pk.Back}}
	case statePayload:
		return helpKeys{short: m.payloadHelp()}
	case stateConfirm:
		return helpKeys{short: m.confirm.dlg.ShortHelp()}
	case stateSending:
		return helpKeys{short: m.sending.ShortHelp()}
	case stateError:
		return helpKeys{short: m.failure.ShortHelp()}
	}
	if m.inlineOpen() {
		pk := m.chooser.KeyMap
		return helpKeys{short: []key.Binding{key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")), shortly(pk.Choose, "mention"), shortly(pk.Tick, "tick several"), shortly(pk.Back, "leave the text as typed")}}
	}
	if m.fullHelp {
		k.Help.SetHelp("ctrl+g", "fewer keys")
	}
	ek := m.form.KeyMap
	rows := m.form.InRow()
	ek.AddRow.SetEnabled(rows)
	ek.RemoveRow.SetEnabled(rows)
	ek.Toggle.SetEnabled(m.form.OnToggle())
	bodyless := !m.form.HasBody()
	k.Editor.SetEnabled(!bodyless)
	k.Mention.SetEnabled(m.form.CanMention())
	// The header shows alt+t beside the types, so the short help can leave it out; undo comes
	// last, the first to go when the line is too narrow.
	short := []key.Binding{shortly(ek.Next, "field"), ek.Toggle, shortly(ek.AddRow, "row"),
		shortly(k.Mention, "mention"), k.Send, shortly(k.Help, "more"), k.Quit, ek.Undo}
	// The full help lists the keys of the type's rows and toggles wherever the focus is.
	hasRows := m.form.Kind() == dingtalk.TypeActionCard || m.form.Kind() == dingtalk.TypeFeedCard
	fullAdd, fullRemove, fullToggle := ek.AddRow, ek.RemoveRow, ek.Toggle
	fullAdd.SetEnabled(hasRows)
	fullRemove.SetEnabled(hasRows)
	fullToggle.SetEnabled(m.form.Kind() == dingtalk.TypeActionCard)
	if hasRows {
		fullAdd.SetHelp("enter", "add a row")
		fullRemove.SetHelp("ctrl+x", "remove a row")
	}
	// Three columns fit 80 cells; the F keys do what the alt keys do, for terminals that keep alt.
	also := func(b key.Binding, k string) key.Binding {
		b.SetHelp(k, b.Help().Desc)
		return b
	}
	full := [][]key.Binding{
		{ek.Next, ek.Prev, also(k.Type, "alt+t/f2"), also(k.Test, "alt+e/f7"), fullToggle, fullAdd, fullRemove},
		{also(k.Mention, "alt+m/f3"), k.Robot, k.Send, also(k.Payload, "alt+p/f4"), k.Editor, k.History, also(k.Gallery, "alt+g/f12")},
		{also(k.New, "alt+n/f5"), also(k.Kept, "alt+k/f6"), joined("pgup/pgdn", "scroll preview", k.PageUp, k.PageDown),
			also(k.Mouse, "alt+s/f9"), also(k.Device, "alt+v/f8"), k.Help, k.Quit},
	}
	return helpKeys{short: short, full: full, editing: editingHelp(textedit.DefaultKeyMap(), ek)}
}

// textRun reports whether a key message is text that only a text field may take: a
// bracketed paste, or several runes in one read (an input method committing a word, a laggy
// ssh, an unbracketed paste). It never means a key: "new tab" is not alt+n and tab.
func textRun(msg tea.KeyMsg) bool {
	return msg.Type == tea.KeyRunes && (msg.Paste || len(msg.Runes) > 1)
}

// handleKey routes a key by state.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch m.state {
	case stateConfirm, stateSending, stateError:
		// Dialogs and views take keys, not text: "yes" pasted into "Send?" sends nothing (the
		// payload view too, except in its file prompt: payloadKey).
		if textRun(msg) {
			return m, nil
		}
	}
	switch m.state {
	case stateVars:
		if key.Matches(msg, k.Quit) {
			return m, m.askQuit()
		}
		return m, m.varsKey(msg)
	case stateMentions, stateRobots, stateHistory, stateKept, stateTemplates:
		if key.Matches(msg, k.Quit) {
			return m, m.askQuit()
		}
		switch a := m.chooser.Update(msg).(type) {
		case picker.Canceled:
			m.state = stateCompose
		case picker.Chosen:
			return m, m.chosen(a.Indices)
		default:
			if a != nil {
				return m, m.listAction(a)
			}
		}
		return m, m.renderHistoryPreview()
	case statePayload:
		cmd := m.payloadKey(msg)
		return m, cmd
	case stateConfirm:
		if m.confirm.quit && key.Matches(msg, k.Quit) {
			return m, m.confirmed()
		}
		switch m.confirm.dlg.Update(msg).(type) {
		case dialog.Yes:
			return m, m.confirmed()
		case dialog.No:
			m.confirm = nil
			m.state = stateCompose
		}
		return m, nil
	case stateSending:
		if _, cancel := m.sending.Update(msg).(dialog.Cancel); cancel || key.Matches(msg, k.Quit) {
			m.cancelSend()
		}
		return m, nil
	case stateError:
		if key.Matches(msg, k.Quit) {
			m.failure = nil
			m.state = stateCompose
			return m, m.askQuit()
		}
		switch m.failure.Update(msg).(type) {
		case dialog.Queue:
			if m.failPost != nil {
				return m, m.queue()
			}
		case dialog.Force:
			if m.failPost != nil {
				m.askForce()
			}
		case dialog.Dismiss:
			m.failure = nil
			m.state = stateCompose
		case dialog.ShowPayload:
			m.failure = nil
			return m, m.openPayload()
		}
		return m, nil
	}
	return m.composeKey(msg)
}

// chosen acts on a picker's choice.
func (m *Model) chosen(picked []int) tea.Cmd {
	switch m.state {
	case stateMentions:
		return m.applyMentions(picked)
	case stateTemplates:
		return m.chooseTemplate(picked)
	case stateRobots:
		if len(picked) == 0 {
			m.state = stateCompose
			return nil
		}
		return m.chooseRobot(picked[0])
	case stateHistory:
		if len(picked) == 0 || picked[0] >= len(m.entries) {
			return nil
		}
		e := m.entries[picked[0]]
		if m.unsent && !m.form.Empty() {
			m.ask("Replace the message in the editor?", []string{"It has not been sent. " + m.keptWhere()}, "replace", "",
				func(m *Model) tea.Cmd {
					return m.keepThen("replaced by a message reopened from the history", keptMsg{action: replaceReopen, entry: e})
				})
			return nil
		}
		return m.reopen(e)
	case stateKept:
		if len(picked) == 0 || picked[0] >= len(m.kept) {
			return nil
		}
		m.state = stateCompose
		return m.keepThen("swapped for a kept draft", keptMsg{action: replaceRestore, restore: m.kept[picked[0]]})
	}
	return nil
}

// composeKey handles a key in the editor. Text goes to the focused field before any command
// is tried, so words that spell keys stay words; outside a field only a single key may be a
// command. The commands live on keys with no editing meaning, the rest goes to the field.
func (m Model) composeKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	f := &m.form
	ek := f.KeyMap
	if key.Matches(msg, k.Quit) {
		return m, m.askQuit()
	}
	// The inline mention picker, while open, takes its keys (↑/↓, tab, enter, esc), never text.
	if cmd, ok := m.inlineKey(msg); ok {
		return m, cmd
	}
	if textedit.IsText(msg) {
		if f.OnText() {
			return m, m.edit(msg)
		}
		if f.OnToggle() && msg.Type == tea.KeyRunes && !key.Matches(msg, k.Help) {
			// Text typed at a choice: the user thinks they are in a text field. Say where they
			// are, and do not let the spaces between their words switch the choice.
			m.typedOnToggle = m.now()
			return m, m.setStatus(statusWarn, "this is a choice, not a text field: space or ←/→ switches it, tab moves on")
		}
		if textRun(msg) {
			return m, nil
		}
	}
	switch {
	case f.OnToggle() && msg.Type == tea.KeySpace && m.now().Sub(m.typedOnToggle) < typingPause:
		// A space among typed words is not meant to switch the choice.
		m.typedOnToggle = m.now()
		return m, nil
	case key.Matches(msg, k.Help):
		m.fullHelp = !m.fullHelp
		m.layout()
		return m, nil
	case key.Matches(msg, k.Send):
		return m, m.startSend()
	case key.Matches(msg, k.Test):
		return m, m.testSend()
	case key.Matches(msg, ek.Undo), key.Matches(msg, ek.Redo):
		return m, m.undo(key.Matches(msg, ek.Redo))
	case key.Matches(msg, k.Type):
		f.CycleKind()
		m.preview.Track()
		m.layout()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case key.Matches(msg, ek.Next), key.Matches(msg, ek.Prev):
		if key.Matches(msg, ek.Next) {
			f.Next(1)
		} else {
			f.Next(-1)
		}
		m.preview.Track()
		m.followCursor()
		return m, nil
	case key.Matches(msg, k.Mention):
		return m, m.openMentions()
	case key.Matches(msg, k.Robot):
		return m, m.openRobots()
	case key.Matches(msg, k.Payload):
		return m, m.openPayload()
	case key.Matches(msg, k.Editor):
		return m, m.openEditor()
	case key.Matches(msg, k.History):
		return m, m.openHistory()
	case key.Matches(msg, k.New):
		if m.unsent && !f.Empty() {
			m.ask("Start a new message?", []string{"This one has not been sent. " + m.keptWhere()}, "new message", "",
				func(m *Model) tea.Cmd { return m.keepThen("discarded with alt+n", keptMsg{action: replaceNew}) })
			return m, nil
		}
		return m, m.clearMessage()
	case key.Matches(msg, k.Kept):
		return m, m.openKept()
	case key.Matches(msg, k.Mouse):
		return m, m.toggleMouse()
	case key.Matches(msg, k.Device):
		return m, m.switchDevice()
	case key.Matches(msg, k.Gallery):
		return m, m.openTemplates()
	case key.Matches(msg, k.PageUp):
		m.preview.Page(-1)
		return m, nil
	case key.Matches(msg, k.PageDown):
		m.preview.Page(1)
		return m, nil
	case f.OnToggle() && key.Matches(msg, ek.Toggle):
		f.Toggle()
		m.layout()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.InRow() && key.Matches(msg, ek.AddRow):
		f.AddRow()
		return m, tea.Batch(m.contentChanged(), m.renderNow())
	case f.OnLine() && msg.Type == tea.KeyEnter:
		// Enter in a one-line field moves on, as in a form.
		f.Next(1)
		m.preview.Track()
		m.followCursor()
		return m, nil
	case f.InRow() && key.Matches(msg, ek.RemoveRow):
		f.RemoveRow()
		m.layout()
		return m, tea.Batch(m.contentChanged(), m.renderNow(),
			m.setStatus(statusInfo, "row removed — ctrl+z brings it back"))
	}
	return m, m.edit(msg)
}

// edit gives a key or a paste to the focused field. After every key the body takes, the
// inline mention picker opens (an "@" typed at a word start), follows the typing or closes.
func (m *Model) edit(msg tea.Msg) tea.Cmd {
	before := m.form.Focused()
	changed, cmd := m.form.Update(msg)
	moved := m.form.Focused() != before
	if moved {
		m.preview.Track()
		m.followCursor()
	}
	var cmds []tea.Cmd
	if changed {
		m.preview.Track()
		cmds = append(cmds, cmd, m.contentChanged())
	} else {
		cmds = append(cmds, cmd)
	}
	if before.Field == editor.FieldBody || moved {
		cmds = append(cmds, m.inlineMention(endsWithTypedAt(msg)))
	}
	return tea.Batch(cmds...)
}

// typingPause is how long after text typed at a choice a space still counts as part of the
// typing, not as switching the choice.
const typingPause = time.Second

// endsWithTypedAt reports whether msg is typed text whose last rune is "@": one key, or a short
// run a slow link delivered at once ("a @"). A paste, bracketed or not, is text that must not
// open the mention picker: a run ending in "@" opens it, "cc @wang" does not.
func endsWithTypedAt(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyMsg)
	return ok && k.Type == tea.KeyRunes && !k.Paste && len(k.Runes) > 0 && k.Runes[len(k.Runes)-1] == '@'
}

// undo takes back the last change (redo: does it again) and says so when there is none.
func (m *Model) undo(redo bool) tea.Cmd {
	ok, what := false, "undo"
	if redo {
		ok, what = m.form.Redo(), "redo"
	} else {
		ok = m.form.Undo()
	}
	if !ok {
		return m.setStatus(statusInfo, "nothing to "+what)
	}
	m.layout()
	m.preview.Track()
	m.followCursor()
	done := "undone (ctrl+y redoes it)"
	if redo {
		done = "redone"
	}
	// Said, so that a status about the change just taken back ("row removed") does not stay.
	return tea.Batch(m.contentChanged(), m.renderNow(), m.inlineMention(false), m.setStatus(statusInfo, done))
}

// contentChanged marks the message unsent and schedules the preview and the draft save.
func (m *Model) contentChanged() tea.Cmd {
	m.unsent = !m.form.Empty()
	m.queuedNow = nil
	return tea.Batch(m.schedulePreview(), m.scheduleDraft())
}

// askQuit quits, asking first when the message has not been sent. When the draft cannot be
// saved the question says so, and no is the way back to the text.
func (m *Model) askQuit() tea.Cmd {
	if !m.unsent || m.form.Empty() {
		return m.quit()
	}
	if m.store == nil || m.saveErr != nil {
		m.askQuitUnsaved(m.saveErr)
		return nil
	}
	m.ask("Quit without sending?", []string{"The draft is saved on the way out and comes back the next time you start dingbot."}, "quit", "",
		(*Model).quit).quit = true
	return nil
}

// askQuitUnsaved asks before quitting with a draft that could not be saved: quitting loses it.
func (m *Model) askQuitUnsaved(err error) {
	lines := []string{m.st.Dialog.Problem.Render("The draft is NOT saved: quitting now loses this message.")}
	if err != nil {
		lines = append(lines, saveProblem(err))
	} else {
		lines = append(lines, "There is no state directory to save it in.")
	}
	lines = append(lines, "Keep editing, fix the directory and the draft is saved again; or copy the text out (ctrl+o opens it in $EDITOR).")
	m.ask("Quit and lose the message?", lines, "quit, losing it", "keep editing", func(*Model) tea.Cmd { return tea.Quit })
}

// quitBlockedMsg says the draft could not be saved on the way out: the program goes on.
type quitBlockedMsg struct{ err error }

// quit saves the draft, then ends the program. If an unsent message cannot be saved, it does
// not quit: it says so and asks.
func (m *Model) quit() tea.Cmd {
	if m.store == nil || !m.loaded {
		return tea.Quit
	}
	mustKeep := m.unsent && !m.form.Empty()
	m.draftSeq++
	m.draftDirty = false
	ds, seq, d := m.store, m.draftSeq, m.snapshot()
	return func() tea.Msg {
		if err := ds.Save(seq, d); err != nil && mustKeep {
			return quitBlockedMsg{err: err}
		}
		return tea.QuitMsg{}
	}
}

func (m *Model) quitBlocked(msg quitBlockedMsg) tea.Cmd {
	m.saveErr = msg.err
	m.state = stateCompose
	m.askQuitUnsaved(msg.err)
	m.layout()
	return nil
}

// clearMessage empties the editor for a new message of the same type.
func (m *Model) clearMessage() tea.Cmd {
	m.form.Clear()
	m.unsent = false
	m.preview.Track()
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.setStatus(statusInfo, "new "+m.form.Kind().Name()))
}
