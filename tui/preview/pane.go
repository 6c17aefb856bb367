// Package preview draws a message as DingTalk will show it (the chat-list line, the robot, the
// message in its frame, the notes under it) and keeps the live preview pane: renders run in
// commands, one at a time, and a stale one never replaces a newer one.
package preview

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
	"github.com/dingbot/dingbot/tui/styles"
)

// Markdown is glamour's style and colour profile, decided once before the program starts.
type Markdown = markdownStyle

// MarkdownOptions choose the markdown style: GlamourStyle is GLAMOUR_STYLE (a glamour style
// name or a JSON style file; "" picks by Dark), DarkScreen the background the screen is drawn
// for, NoColor a plain screen.
type MarkdownOptions struct {
	GlamourStyle              string
	Dark, DarkScreen, NoColor bool
}

// NewMarkdown picks glamour's style for the preview (see MarkdownOptions) and the colour profile.
func NewMarkdown(opts MarkdownOptions, profile termenv.Profile) (Markdown, error) {
	return newMarkdownStyle(opts, profile)
}

// Request is everything one render needs, copied out of the composer so that the render can
// run in a command while the user keeps typing.
type Request struct {
	Seq      int
	Msg      dingtalk.Message
	Robot    dingtalk.Robot
	Contacts dingtalk.Contacts
	Width    int
	Markdown Markdown
	Styles   *styles.Styles
	// Empty is true for a blank editor: nothing to point out yet.
	Empty bool
	// Mentions are the people the editor mentions.
	Mentions []dingtalk.Contact
	// Device is the client to draw for; DeviceAuto (the zero value) draws PC and phone side by
	// side when Width holds both (BothWidth), else PC.
	Device Device
}

// Result is a finished render.
type Result = renderResult

// Render prepares the message for the robot and draws it as DingTalk will show it. It is slow
// for long markdown (glamour): run it in a command.
func Render(req Request) Result {
	r := renderRequest{
		seq: req.Seq, msg: req.Msg, robot: req.Robot, contacts: req.Contacts, width: req.Width,
		md: req.Markdown, st: req.Styles, empty: req.Empty, mentions: req.Mentions, device: req.Device,
	}
	if req.Device == DeviceAuto && req.Width >= BothWidth {
		return renderBoth(r)
	}
	return renderPreview(r)
}

// Device is the client the render is drawn for; DeviceAuto for PC and phone side by side.
func (r renderResult) Device() Device { return r.device }

// Content is the drawn message.
func (r renderResult) Content() string { return r.content }

// InText says, for each mention of the request, whether the text holds their @handle.
func (r renderResult) InText() map[dingtalk.Contact]bool { return r.inText }

// Notifies names who the message will notify ("@Alice @all"), "" for nobody.
func Notifies(m dingtalk.Message, contacts dingtalk.Contacts) string { return notifies(m, contacts) }

// Splittable reports whether err says only that a message of type t is too large, and t is a
// type dingtalk.Split cuts.
func Splittable(t dingtalk.MsgType, err error) bool { return splittable(t, err) }

// splittable is Splittable.
func splittable(t dingtalk.MsgType, err error) bool {
	var ve *dingtalk.ValidationError
	if t != dingtalk.TypeText && t != dingtalk.TypeMarkdown && t != dingtalk.TypeActionCard || !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return false
	}
	for _, p := range ve.Problems {
		if p.Field != "body" {
			return false
		}
	}
	return true
}

// mentionsInText says, for each mentioned person, whether the text holds their @mobile or
// @userId. It runs with the preview render, in a command.
func mentionsInText(body string, mentions []dingtalk.Contact) map[dingtalk.Contact]bool {
	out := make(map[dingtalk.Contact]bool, len(mentions))
	for _, c := range mentions {
		out[c] = (c.Mobile != "" && dingtalk.ContainsMention(body, c.Mobile)) ||
			(c.UserID != "" && dingtalk.ContainsMention(body, c.UserID))
	}
	return out
}

// RenderedMsg carries a finished render back to the composer, for Pane.Show.
type RenderedMsg Result

// TickMsg fires after the typing pause; a stale one (an older sequence number) is ignored.
type TickMsg int

// Pane is the live preview: the last finished render and what is under way.
type Pane struct {
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
	// mouse is mouse mode: the wheel scrolls the pane (see Wheel), and its title says so.
	mouse bool
	// device is the one device a pane narrower than BothWidth shows; deviceKey the key that
	// switches it, for the title.
	device    Device
	deviceKey string
	// drawn is the device of the render on screen (DeviceAuto: both).
	drawn Device

	prepared  *dingtalk.Prepared
	err       error
	notes     []note
	keyword   string
	keywordOK bool

	maxNotes int
	st       *styles.Styles
	md       Markdown
	// label, when set, follows the title: what the preview is of (a template's state).
	label string
}

// SetLabel has the title say label after the device (e.g. that the preview is stale); ""
// removes it.
func (p *Pane) SetLabel(label string) { p.label = label }

// NewPane returns an empty pane; SetSize gives it room.
func NewPane(st *styles.Styles, md Markdown) Pane {
	vp := viewport.New(0, 0)
	vp.KeyMap = viewport.KeyMap{}
	return Pane{vp: vp, follow: true, maxNotes: 3, st: st, md: md, device: DevicePC}
}

// Both reports whether the pane is wide enough to show PC and phone side by side.
func (p *Pane) Both() bool { return p.vp.Width >= BothWidth }

// Device is what the pane shows: DeviceAuto for both, else the one device.
func (p *Pane) Device() Device {
	if p.Both() {
		return DeviceAuto
	}
	return p.device
}

// SwitchDevice switches a pane that shows one device to the other, and reports false when
// it shows both. The content must be rendered again.
func (p *Pane) SwitchDevice() bool {
	if p.Both() {
		return false
	}
	p.device = p.device.Other()
	return true
}

// SetDeviceKey names the key that switches the device, for the title.
func (p *Pane) SetDeviceKey(k string) { p.deviceKey = k }

// SetSize gives the pane w×h cells, of which notes take at most maxNotes lines.
func (p *Pane) SetSize(w, h, maxNotes int) {
	p.maxNotes = maxNotes
	p.vp.Width = w
	p.vp.Height = max(1, h-1-p.NotesHeight(w))
}

// Width is the width renders are drawn for.
func (p *Pane) Width() int { return p.vp.Width }

// Next marks the content changed and returns its new sequence number.
func (p *Pane) Next() int {
	p.seq++
	return p.seq
}

// Seq is the sequence number of the content; IsCurrent says whether tick is for it.
func (p *Pane) Seq() int                    { return p.seq }
func (p *Pane) IsCurrent(tick TickMsg) bool { return int(tick) == p.seq }

// Start renders req (for the current version) in a command, one render at a time: while one
// runs, it asks for another when that ends.
func (p *Pane) Start(req Request) tea.Cmd {
	if p.rendering {
		p.again = true
		return nil
	}
	if p.vp.Width <= 0 {
		return nil
	}
	p.rendering, p.again = true, false
	req.Seq, req.Width, req.Markdown, req.Styles, req.Device = p.seq, p.vp.Width, p.md, p.st, p.Device()
	return func() tea.Msg { return RenderedMsg(Render(req)) }
}

// Show puts a finished render on screen unless a newer one is already there. again says a
// render should start now (the content changed while this one ran); current that the render
// is of the content as it is now; shown that it went on screen.
func (p *Pane) Show(msg RenderedMsg) (again, current, shown bool) {
	r := Result(msg)
	p.rendering = false
	again = p.again
	if r.seq < p.shown {
		return again, false, false
	}
	p.shown, p.ready = r.seq, true
	p.prepared, p.err, p.notes = r.prepared, r.err, r.notes
	p.keyword, p.keywordOK = r.keyword, r.keywordOK
	p.drawn = r.device
	p.vp.SetContent(r.content)
	return again, r.seq == p.seq, true
}

// Shown is the sequence number of the render on screen.
func (p *Pane) Shown() int { return p.shown }

// Ready says a render is on screen.
func (p *Pane) Ready() bool { return p.ready }

// Prepared is the message as the last render prepared it (nil when it could not be).
func (p *Pane) Prepared() *dingtalk.Prepared { return p.prepared }

// Keyword is the robot keyword the last render found, and false when the message needs one.
func (p *Pane) Keyword() (string, bool) { return p.keyword, p.keywordOK }

// Notes are the last render's notes: problems, then warnings.
func (p *Pane) Notes() []string {
	out := make([]string, len(p.notes))
	for i, n := range p.notes {
		out[i] = n.text
	}
	return out
}

// Track makes the preview follow the cursor again; Tracking says whether it does.
func (p *Pane) Track()         { p.follow = true }
func (p *Pane) Tracking() bool { return p.follow }

// Follow scrolls to frac (0 the top, 1 the bottom) of what does not fit.
func (p *Pane) Follow(frac float64) {
	over := p.vp.TotalLineCount() - p.vp.Height
	if over <= 0 {
		p.vp.SetYOffset(0)
		return
	}
	p.vp.SetYOffset(int(frac*float64(over) + 0.5))
}

// Page scrolls by a page (pages < 0 up) and stops the preview following the cursor.
func (p *Pane) Page(pages int) {
	p.follow = false
	if pages < 0 {
		p.vp.PageUp()
	} else {
		p.vp.PageDown()
	}
}

// WheelLines is how many lines one notch of the mouse wheel scrolls, as in bubbles' viewport.
const WheelLines = 3

// SetMouse turns mouse mode on or off; Mouse says whether it is on.
func (p *Pane) SetMouse(on bool) { p.mouse = on }
func (p *Pane) Mouse() bool      { return p.mouse }

// Scroll moves the preview by lines (< 0 up) and stops it following the cursor.
func (p *Pane) Scroll(lines int) {
	p.follow = false
	if lines < 0 {
		p.vp.ScrollUp(-lines)
	} else {
		p.vp.ScrollDown(lines)
	}
}

// Wheel scrolls the preview for a wheel event, in mouse mode, and reports whether it was one.
// The caller decides whether the event is over the pane.
func (p *Pane) Wheel(ev tea.MouseMsg) bool {
	if !p.mouse || ev.Action != tea.MouseActionPress {
		return false
	}
	switch ev.Button {
	case tea.MouseButtonWheelUp:
		p.Scroll(-WheelLines)
	case tea.MouseButtonWheelDown:
		p.Scroll(WheelLines)
	default:
		return false
	}
	return true
}

// YOffset is how many lines the preview is scrolled down.
func (p *Pane) YOffset() int { return p.vp.YOffset }

// AtBottom says the preview shows its end.
func (p *Pane) AtBottom() bool { return p.vp.AtBottom() }

// View draws the pane: a title line naming the device (and the key that switches it) with the
// scroll position, the rendered message, and the notes under it.
func (p *Pane) View(w, h int) string {
	st := p.st
	lines := []string{p.titleLine(w)}
	if !p.ready {
		lines = append(lines, st.Preview.Hint.Render("rendering…"))
	} else {
		lines = append(lines, strings.Split(p.vp.View(), "\n")...)
	}
	lines = append(lines, p.NoteLines(w)...)
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], w)
	}
	return strings.Join(lines[:h], "\n")
}

// titleLine names the device and the key that switches it, and the scroll position: what
// does not fit goes, the title's last words first, then the keys that scroll, then the
// switching key; a phone's title always says it is one without the new renderer.
func (p *Pane) titleLine(w int) string {
	st := p.st
	var key, pct, scroll string
	if p.deviceKey != "" && !p.Both() {
		key = p.deviceKey + " " + p.device.Other().Name()
	}
	if p.ready && p.vp.TotalLineCount() > p.vp.Height {
		pct = fmt.Sprintf("%3.0f%%", p.vp.ScrollPercent()*100)
		scroll = pct + " pgup/pgdn"
		if p.mouse {
			scroll += "/wheel"
		}
	}
	var title, more string
	switch p.Device() {
	case DeviceAuto:
		title, more = "Preview on PC and phone", " as DingTalk shows them"
	case DevicePhone:
		// The renderer goes first when the title is short of room, so the switching key stays.
		title, more = "Preview on a phone", " without the new renderer"
	default:
		title, more = "Preview on PC", " as DingTalk shows it"
	}
	if p.label != "" {
		title, more = title+" · "+p.label, ""
	}
	if p.ready && p.drawn != p.Device() {
		more = " (rendering…)"
	}
	join := func(parts ...string) string {
		var out []string
		for _, s := range parts {
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, " · ")
	}
	tries := []struct{ more, right string }{
		{more, join(key, scroll)}, {"", join(key, scroll)}, {"", join(key, pct)}, {"", key}, {"", scroll}, {"", pct}, {"", ""},
	}
	for _, t := range tries {
		if lipgloss.Width(title+t.more)+1+lipgloss.Width(t.right) <= w || t.right == "" {
			left := st.Preview.PaneTitle.Render(title) + st.Preview.Hint.Render(t.more)
			return cell.Spread(left, st.Preview.Hint.Render(t.right), w)
		}
	}
	return ""
}

// MaxNotes is how many lines of problems and warnings fit under the preview.
func (p *Pane) MaxNotes() int { return p.maxNotes }

// NotesHeight is the number of lines the notes take in a pane w cells wide.
func (p *Pane) NotesHeight(w int) int { return len(p.NoteLines(w)) }

// NoteLines lists problems, then warnings, wrapped to w: at most MaxNotes lines, the last
// saying how many more there are when they do not all fit (the payload view lists all).
func (p *Pane) NoteLines(w int) []string {
	var all [][]string
	total := 0
	for _, nt := range p.notes {
		style, mark := p.st.Preview.Warning, "! "
		if nt.problem {
			style, mark = p.st.Preview.Problem, "✗ "
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
	limit := p.maxNotes
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
	more := fmt.Sprintf("+%d more: alt+p shows all", len(all)-shown)
	return append(out, p.st.Preview.Hint.Render(cell.Truncate(more, w)))
}
