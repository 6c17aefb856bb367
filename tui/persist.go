package tui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/tui/editor"
	"github.com/dingbot/dingbot/tui/store"
)

// restore puts a saved draft back: content, robot, and whether it was sent. At the start of
// `dingbot FILE.md` the body opens at its top, cursor at its start, to read the file from its
// beginning (a draft goes on where its text ends).
func (m *Model) restore(d store.Draft) {
	m.form.Load(d)
	if !m.loaded && m.opts.File != "" && m.form.Focused().Field == editor.FieldBody {
		m.form.Update(tea.KeyMsg{Type: tea.KeyCtrlHome})
		m.preview.Track()
	}
	for i, r := range m.opts.Robots {
		if r.Name == d.Robot && d.Robot != "" {
			m.robot = i
		}
	}
	m.unsent = !d.Sent && !m.form.Empty()
	m.unknownOutcome = nil
	m.queuedNow = nil
	if p := d.MaybeDelivered; p != nil && p.MsgUUID != "" && m.unsent {
		m.unknownOutcome = &idempotentSend{robot: p.Robot, body: p.BodySHA256, uuid: p.MsgUUID}
	}
}

// startMsg carries what was loaded at start: the saved draft, or a new message from the file.
type startMsg struct {
	draft    *store.Draft
	problems []string
	notices  []string
	// saveErr says the draft cannot be saved (an unwritable state directory).
	saveErr error
}

// loadStart claims a draft file and reads it, and the file, in a command. A second composer on
// the same state directory gets a draft file of its own and is told. A draft that cannot be
// read is moved aside, never written over. A file starts a new message; an unsent draft it
// replaces is copied to draft.previous.json and kept for the kept drafts' key first, and if that fails the
// draft stays and the file is not loaded.
func (m *Model) loadStart() tea.Cmd {
	ds, file, robot, now := m.store, m.opts.File, m.currentRobot().Name, m.now
	keptKey := m.keys.Kept.Help().Key
	return func() tea.Msg {
		var msg startMsg
		if ds != nil {
			slot, err := ds.Claim()
			if err != nil {
				msg.saveErr = err
			} else if slot > 1 {
				msg.notices = append(msg.notices, "another dingbot composer has the draft open: this one keeps its own in "+ds.Name()+", so neither overwrites the other")
			}
			if kept, _ := ds.ListKept(); len(kept) > 0 {
				for _, k := range kept {
					if k.Other > 0 {
						msg.notices = append(msg.notices, "the draft another composer left in "+filepath.Base(k.File)+" is kept: "+keptKey+" brings it back")
					}
				}
			}
			d, err := ds.Load()
			switch {
			case err == nil:
				msg.draft = d
			case errors.Is(err, fs.ErrNotExist) || !ds.Exists():
				// Nothing there (or no directory to hold it, which saveErr says).
			default:
				why := err.Error()
				if aside, merr := ds.MoveAside(now()); merr != nil {
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
		fresh := store.FromFile(file, string(data), robot)
		name := filepath.Base(file)
		if saved := msg.draft; saved != nil && !saved.Sent && !saved.Blank() && !saved.SameContent(fresh) {
			kept, err := ds.Keep()
			if err == nil {
				err = ds.KeepReplaced(*saved, "replaced by "+name, now())
			}
			if err != nil {
				msg.problems = append(msg.problems, "did not load "+name+": the unsent draft could not be kept aside ("+err.Error()+")")
				return msg
			}
			msg.notices = append(msg.notices, "new message from "+name+"; your unsent draft is kept in "+kept+" ("+keptKey+" brings it back)")
		} else {
			msg.notices = append(msg.notices, "new message from "+name)
		}
		msg.draft = &fresh
		return msg
	}
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
	if m.store == nil {
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
	if m.store == nil {
		return nil
	}
	m.draftSeq++
	m.draftDirty = false
	ds, seq, d := m.store, m.draftSeq, m.snapshot()
	return func() tea.Msg { return draftSavedMsg{seq: seq, err: ds.Save(seq, d)} }
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
	if m.store == nil || !m.loaded {
		return nil
	}
	return m.store.Save(m.draftSeq+1, m.snapshot())
}

func (m *Model) snapshot() store.Draft {
	d := m.form.Snapshot()
	d.Robot = m.currentRobot().Name
	d.Sent = !m.unsent
	if u := m.unknownOutcome; u != nil && m.unsent {
		d.MaybeDelivered = &store.PendingSend{Robot: u.robot, MsgUUID: u.uuid, BodySHA256: u.body}
	}
	return d
}
