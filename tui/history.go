package tui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
)

// historyEntry is one sent message. It names the robot, never its webhook or secret.
type historyEntry struct {
	Time    time.Time        `json:"time"`
	Robot   string           `json:"robot"`
	MsgType dingtalk.MsgType `json:"msgtype"`
	Message dingtalk.Message `json:"message"`
}

// historyStore appends sent messages to a JSON-lines file under the state directory.
type historyStore struct {
	mu   sync.Mutex
	path string
}

func newHistoryStore(dir string) *historyStore {
	return &historyStore{path: filepath.Join(dir, "history.jsonl")}
}

// maxHistory is how many of the latest entries the history view reads.
const maxHistory = 500

func (s *historyStore) append(e historyEntry) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// load returns the latest entries, newest first; lines it cannot read are skipped.
func (s *historyStore) load() ([]historyEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []historyEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var e historyEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.MsgType != "" {
			all = append(all, e)
			if len(all) > 2*maxHistory {
				all = append(all[:0], all[len(all)-maxHistory:]...)
			}
		}
	}
	if len(all) > maxHistory {
		all = all[len(all)-maxHistory:]
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, sc.Err()
}

type historyLoadedMsg struct {
	entries []historyEntry
	err     error
}

type historySavedMsg struct{ err error }

// openHistory shows the history; it is read in a command.
func (m *Model) openHistory() tea.Cmd {
	if m.history == nil {
		return m.setStatus(statusWarn, "no state directory: there is no history")
	}
	m.state = stateHistory
	m.entries = nil
	m.chooser = newChooser(m.st, "History · sent messages, newest first", "loading…", nil, false)
	store := m.history
	return func() tea.Msg {
		es, err := store.load()
		return historyLoadedMsg{entries: es, err: err}
	}
}

func (m *Model) historyLoaded(msg historyLoadedMsg) tea.Cmd {
	if m.state != stateHistory {
		return nil
	}
	m.entries = msg.entries
	items := make([]choice, len(msg.entries))
	for i, e := range msg.entries {
		title := cell.OneLine(e.Message.Title())
		if title == "" {
			title = "(no title)"
		}
		items[i] = choice{
			label:  e.Time.Local().Format("Jan 02 15:04") + "  " + title,
			detail: string(e.MsgType) + " → " + e.Robot,
		}
	}
	m.chooser = newChooser(m.st, "History · sent messages, newest first", "nothing sent yet", items, false)
	if msg.err != nil {
		return m.setStatus(statusBad, "history: "+msg.err.Error())
	}
	return nil
}

// saveHistory appends a sent message in a command.
func (m *Model) saveHistory(e historyEntry) tea.Cmd {
	if m.history == nil {
		return nil
	}
	store := m.history
	return func() tea.Msg { return historySavedMsg{err: store.append(e)} }
}

// reopen puts a sent message back into the editor, to change and send again.
func (m *Model) reopen(e historyEntry) tea.Cmd {
	d := draftFromMessage(e.Message, m.opts.Contacts)
	d.Robot = e.Robot
	m.restore(d)
	m.unsent = true
	m.state = stateCompose
	m.preview.follow = true
	return tea.Batch(m.renderNow(), m.scheduleDraft(), m.refreshSendsLeft(),
		m.setStatus(statusInfo, fmt.Sprintf("reopened the %s sent %s", kindName(e.MsgType), e.Time.Local().Format("Jan 02 15:04"))))
}

// draftFromMessage turns a message back into editor content.
func draftFromMessage(msg dingtalk.Message, contacts dingtalk.Contacts) draft {
	d := draft{Version: draftVersion, Type: msg.Type}
	switch {
	case msg.Text != nil && msg.Type == dingtalk.TypeText:
		d.Body = msg.Text.Content
	case msg.Markdown != nil && msg.Type == dingtalk.TypeMarkdown:
		d.Title, d.Body = msg.Markdown.Title, msg.Markdown.Text
	case msg.Link != nil && msg.Type == dingtalk.TypeLink:
		d.Title, d.Body, d.MessageURL, d.PicURL = msg.Link.Title, msg.Link.Text, msg.Link.MessageURL, msg.Link.PicURL
	case msg.ActionCard != nil && msg.Type == dingtalk.TypeActionCard:
		a := msg.ActionCard
		d.Title, d.Body = a.Title, a.Text
		d.SingleTitle, d.SingleURL = a.SingleTitle, a.SingleURL
		d.Buttons = append(d.Buttons, a.Buttons...)
		d.ButtonList = len(a.Buttons) > 0 && a.SingleTitle == "" && a.SingleURL == ""
		d.Horizontal = a.BtnOrientation == dingtalk.ButtonsHorizontal
		d.HideAvatar = a.HideAvatar == "1"
	case msg.FeedCard != nil && msg.Type == dingtalk.TypeFeedCard:
		d.Links = append(d.Links, msg.FeedCard.Links...)
	}
	if msg.At != nil {
		d.AtAll = msg.At.IsAtAll
		for _, h := range append(append([]string(nil), msg.At.AtMobiles...), msg.At.AtUserIDs...) {
			if c, ok := contacts.ByHandle(h); ok {
				d.Mentions = append(d.Mentions, mention{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID})
			} else if dingtalk.ValidMobile(h) {
				d.Mentions = append(d.Mentions, mention{Name: h, Mobile: h})
			} else {
				d.Mentions = append(d.Mentions, mention{Name: h, UserID: h})
			}
		}
	}
	return d
}

// historyView lists the history over the whole body, with the selected message's text below.
func (m *Model) historyView(g layout) string {
	body := ""
	if i := m.chooser.current(); i >= 0 && i < len(m.entries) {
		e := m.entries[i]
		body = e.Message.Body()
		if body == "" {
			body = e.Message.Title()
		}
	}
	return m.listView(g, len(m.entries), body)
}

// listView is the chooser over the whole body, with the text of the highlighted item below.
func (m *Model) listView(g layout, n int, text string) string {
	listH := min(max(6, n+4), max(6, g.bodyH/2))
	list := m.chooser.view(m.st, m.width, listH)
	var detail []string
	if text != "" {
		detail = append(detail, m.st.List.Rule.Render(cell.Rule(m.width)))
		for _, l := range strings.Split(text, "\n") {
			detail = append(detail, m.st.List.Muted.Render(l))
		}
	}
	lines := strings.Split(list, "\n")
	lines = append(lines, detail...)
	for len(lines) < g.bodyH {
		lines = append(lines, "")
	}
	for i := range lines[:g.bodyH] {
		lines[i] = cell.Fit(lines[i], m.width)
	}
	return strings.Join(lines[:g.bodyH], "\n")
}
