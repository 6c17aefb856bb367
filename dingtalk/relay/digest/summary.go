package digest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/delivery"
)

// build makes the message that carries items (held jobs of one window, in order) and how to
// submit it: the message itself, with its msgUuid, when it is alone; one markdown summary of
// them all otherwise. Either may be split.
func (d *Digester) build(route string, items []delivery.Job) (dingtalk.Message, delivery.SubmitOptions) {
	so := delivery.SubmitOptions{Split: true}
	for _, j := range items {
		so.AppendKeyword = so.AppendKeyword || j.AppendKeyword
		so.Force = so.Force || j.Force
	}
	if len(items) == 1 {
		m := items[0].Msg.Clone()
		m.MsgUUID = items[0].MsgUUID
		return m, so
	}
	start, end := items[0].Window.Start, items[0].Window.End
	for _, j := range items[1:] {
		start, end = minTime(start, j.Window.Start), maxTime(end, j.Window.End)
	}
	title := fmt.Sprintf("%d messages from %s", len(items), route)
	var b strings.Builder
	fmt.Fprintf(&b, "#### %s, %s\n\n", title, d.span(start, end))
	var at dingtalk.At
	for i, j := range items {
		heading, url := headline(j.Msg)
		line := oneLine(heading)
		if line == "" {
			line = string(j.Msg.Type)
		}
		if url != "" {
			line = link(line, url)
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, line)
		merge(&at, j.Msg.At)
	}
	// Whom the messages mention, once, at the end: DingTalk highlights an @ it finds in the text.
	var names []string
	for _, v := range slices.Concat(at.AtMobiles, at.AtUserIDs) {
		names = append(names, "@"+v)
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(names, " "))
	}
	m := dingtalk.NewMarkdown(title, strings.TrimRight(b.String(), "\n"))
	if n := at.Count(); n > dingtalk.MaxMentions {
		// DingTalk refuses more: the first ones are notified, the text still names the others.
		left := n - dingtalk.MaxMentions
		keep := min(len(at.AtMobiles), dingtalk.MaxMentions)
		at.AtMobiles = at.AtMobiles[:keep]
		at.AtUserIDs = at.AtUserIDs[:dingtalk.MaxMentions-keep]
		m.Markdown.Text += fmt.Sprintf("\n\n(%d more people mentioned above are not notified: DingTalk notifies at most %d a message)", left, dingtalk.MaxMentions)
	}
	if !at.Empty() {
		m.At = &at
	}
	return m, so
}

// span writes a window as "12-01 14:02–14:03 CST": the date, the times (with seconds when
// it does not start and end on whole minutes, the end's date when it is another day) and the
// zone, in Options.Location: the time zone the templates write.
func (d *Digester) span(start, end time.Time) string {
	start, end = start.In(d.o.Location), end.In(d.o.Location)
	layout := "15:04"
	if start.Second() != 0 || end.Second() != 0 || start.Nanosecond() != 0 || end.Nanosecond() != 0 {
		layout = "15:04:05"
	}
	endLayout := layout
	if last := end.Add(-time.Nanosecond); last.YearDay() != start.YearDay() || last.Year() != start.Year() {
		endLayout = "01-02 " + layout
	}
	return start.Format("01-02 "+layout) + "–" + end.Format(endLayout) + " " + end.Format("MST")
}

// headline is what a summary's line shows of one message: its title (as the chat list shows
// it) and its first link, if any.
func headline(m dingtalk.Message) (title, url string) {
	heading, body := item(m)
	switch {
	case m.Link != nil:
		return heading, m.Link.MessageURL
	case m.ActionCard != nil && m.ActionCard.SingleURL != "":
		return heading, m.ActionCard.SingleURL
	case m.ActionCard != nil && len(m.ActionCard.Buttons) > 0:
		return heading, m.ActionCard.Buttons[0].ActionURL
	case m.FeedCard != nil && len(m.FeedCard.Links) > 0:
		return heading, m.FeedCard.Links[0].MessageURL
	}
	text := heading + "\n" + body
	if u := mdLink.FindStringSubmatch(text); u != nil {
		return heading, u[1]
	}
	return heading, bareURL.FindString(text)
}

var (
	mdLink  = regexp.MustCompile(`\]\((https?://[^)\s]+)\)`)
	bareURL = regexp.MustCompile(`https?://[^\s<>()\[\]"']+`)
)

// item returns what a summary shows of one message: a heading (its title, as the chat list
// shows it) and its content as markdown.
func item(m dingtalk.Message) (heading, body string) {
	switch {
	case m.Text != nil:
		first, rest, _ := strings.Cut(strings.TrimSpace(m.Text.Content), "\n")
		// A text message's line breaks are hard ones: in markdown that is two spaces before \n.
		return first, strings.ReplaceAll(strings.TrimSpace(rest), "\n", "  \n")
	case m.Markdown != nil:
		return m.Markdown.Title, m.Markdown.Text
	case m.Link != nil:
		return m.Link.Title, joinParas(m.Link.Text, link(m.Link.Title, m.Link.MessageURL))
	case m.ActionCard != nil:
		a := m.ActionCard
		var buttons []string
		if a.SingleURL != "" {
			buttons = append(buttons, link(a.SingleTitle, a.SingleURL))
		}
		for _, btn := range a.Buttons {
			buttons = append(buttons, link(btn.Title, btn.ActionURL))
		}
		return a.Title, joinParas(a.Text, strings.Join(buttons, " · "))
	case m.FeedCard != nil:
		var lines []string
		for _, l := range m.FeedCard.Links {
			lines = append(lines, "- "+link(l.Title, l.MessageURL))
		}
		return m.Title(), strings.Join(lines, "\n")
	}
	return "", ""
}

func link(title, url string) string {
	if url == "" {
		return title
	}
	if title == "" {
		title = url
	}
	return "[" + strings.NewReplacer("[", "(", "]", ")").Replace(title) + "](" + url + ")"
}

func joinParas(paras ...string) string {
	var out []string
	for _, p := range paras {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// oneLine folds a title onto one line, for a heading.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// merge adds the mentions of b to a, each person once.
func merge(a *dingtalk.At, b *dingtalk.At) {
	if b == nil {
		return
	}
	for _, m := range b.AtMobiles {
		if !slices.Contains(a.AtMobiles, m) {
			a.AtMobiles = append(a.AtMobiles, m)
		}
	}
	for _, u := range b.AtUserIDs {
		if !slices.Contains(a.AtUserIDs, u) {
			a.AtUserIDs = append(a.AtUserIDs, u)
		}
	}
	a.IsAtAll = a.IsAtAll || b.IsAtAll
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
