package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
)

// previewPane is the live preview: the last finished render and what is under way.
type previewPane struct {
	vp viewport.Model
	// seq counts content versions; a render carries the version it drew.
	seq int
	// shown is the version on screen; older results are dropped.
	shown int
	// rendering is true while a render runs; again asks for another when it ends.
	rendering, again bool
	// follow keeps the preview where the cursor is until the user scrolls it.
	follow bool
	ready  bool

	prepared  *dingtalk.Prepared
	err       error
	notes     []note
	keyword   string
	keywordOK bool
}

func newPreviewPane() previewPane {
	vp := viewport.New(0, 0)
	vp.KeyMap = viewport.KeyMap{}
	return previewPane{vp: vp, follow: true}
}

// previewTickMsg fires after the typing pause; a stale one (an older seq) is ignored.
type previewTickMsg int

// schedulePreview asks for a render once typing pauses for previewDelay.
func (m *Model) schedulePreview() tea.Cmd {
	m.preview.seq++
	seq := m.preview.seq
	return m.after(previewDelay, previewTickMsg(seq))
}

// renderNow asks for a render at once: a new type, robot, size or mention.
func (m *Model) renderNow() tea.Cmd {
	m.preview.seq++
	return m.startRender()
}

// startRender renders the current version in a command, one render at a time.
func (m *Model) startRender() tea.Cmd {
	if m.preview.rendering {
		m.preview.again = true
		return nil
	}
	if m.preview.vp.Width <= 0 || !m.loaded {
		return nil
	}
	m.preview.rendering, m.preview.again = true, false
	req := renderRequest{
		seq:      m.preview.seq,
		msg:      m.form.message(),
		robot:    m.currentRobot(),
		contacts: m.opts.Contacts,
		width:    m.preview.vp.Width,
		md:       m.md,
		st:       m.st,
		empty:    m.form.empty(),
		mentions: append([]dingtalk.Contact(nil), m.form.mentions...),
	}
	return func() tea.Msg { return previewMsg(renderPreview(req)) }
}

// showPreview puts a finished render on screen unless a newer one is already there.
func (m *Model) showPreview(r renderResult) tea.Cmd {
	m.preview.rendering = false
	var next tea.Cmd
	if m.preview.again {
		next = m.startRender()
	}
	if r.seq < m.preview.shown {
		return next
	}
	if r.seq == m.preview.seq {
		// A render of what is in the editor now: mentions follow the text.
		next = tea.Batch(next, m.dropDeletedMentions(r.inText))
	}
	p := &m.preview
	p.shown, p.ready = r.seq, true
	p.prepared, p.err, p.notes = r.prepared, r.err, r.notes
	p.keyword, p.keywordOK = r.keyword, r.keywordOK
	p.vp.SetContent(r.content)
	m.layout()
	if p.follow {
		m.followCursor()
	}
	return next
}

// followCursor scrolls the preview to the part of the message being edited: the top for the
// title, the same share of the way down as the cursor in the body, the bottom for buttons,
// links and the rest, which DingTalk shows under the text.
func (m *Model) followCursor() {
	vp := &m.preview.vp
	over := vp.TotalLineCount() - vp.Height
	if over <= 0 {
		vp.SetYOffset(0)
		return
	}
	switch m.form.focused().field {
	case fieldTitle:
		vp.GotoTop()
	case fieldBody:
		lines := max(1, m.form.body.LineCount()-1)
		frac := float64(m.form.body.Line()) / float64(lines)
		vp.SetYOffset(int(frac*float64(over) + 0.5))
	default:
		if m.form.kind == dingtalk.TypeFeedCard {
			// Links are listed in order: follow the focused one.
			frac := float64(m.form.focused().row) / float64(max(1, len(m.form.links)-1))
			vp.SetYOffset(int(frac*float64(over) + 0.5))
			return
		}
		vp.GotoBottom()
	}
}

// scrollPreview moves the preview by a page and stops it following the cursor.
func (m *Model) scrollPreview(pages int) {
	m.preview.follow = false
	if pages < 0 {
		m.preview.vp.PageUp()
	} else {
		m.preview.vp.PageDown()
	}
}

// previewView draws the preview pane: a title line with the scroll position, the rendered
// message, and the notes under it.
func (m *Model) previewView(w, h int) string {
	st := m.st
	p := &m.preview
	right := ""
	if p.ready && p.vp.TotalLineCount() > p.vp.Height {
		right = fmt.Sprintf("%3.0f%% pgup/pgdn", p.vp.ScrollPercent()*100)
	}
	title := st.Preview.PaneTitle.Render("Preview") + st.Preview.Hint.Render(" as DingTalk shows it")
	lines := []string{cell.Spread(title, st.Preview.Hint.Render(right), w)}
	if !p.ready {
		lines = append(lines, st.Preview.Hint.Render("rendering…"))
	} else {
		lines = append(lines, strings.Split(p.vp.View(), "\n")...)
	}
	lines = append(lines, m.notesView(w)...)
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], w)
	}
	return strings.Join(lines[:h], "\n")
}

// maxNotes is how many lines of problems and warnings fit under the preview.
func (m *Model) maxNotes() int {
	if m.wide() {
		return 6
	}
	return 3
}

// notesHeight is the number of lines the notes take.
func (m *Model) notesHeight() int {
	return len(m.notesView(m.geometry().previewW))
}

// notesView lists problems, then warnings, wrapped to the pane: at most maxNotes lines, the
// last saying how many more there are when they do not all fit (the payload view lists all).
func (m *Model) notesView(w int) []string {
	var all [][]string
	total := 0
	for _, nt := range m.preview.notes {
		style, mark := m.st.Preview.Warning, "! "
		if nt.problem {
			style, mark = m.st.Preview.Problem, "✗ "
		}
		var lines []string
		for _, l := range strings.Split(ansi.Wordwrap(nt.text, max(1, w-2), ""), "\n") {
			for _, c := range cell.Wrap(l, max(1, w-2), "") {
				lines = append(lines, style.Render(mark+c))
				mark = "  "
			}
		}
		all = append(all, lines)
		total += len(lines)
	}
	limit := m.maxNotes()
	if total <= limit {
		var out []string
		for _, l := range all {
			out = append(out, l...)
		}
		return out
	}
	// Whole notes only, except a first one too long to fit: the payload view has it in full.
	var out []string
	shown := 0
	for _, lines := range all {
		room := limit - 1 - len(out)
		if len(lines) > room {
			if shown == 0 {
				out = append(out, lines[:room]...)
			}
			break
		}
		out = append(out, lines...)
		shown++
	}
	more := fmt.Sprintf("+%d more: ctrl+p shows all", len(all)-shown)
	return append(out, m.st.Preview.Hint.Render(cell.Truncate(more, w)))
}
