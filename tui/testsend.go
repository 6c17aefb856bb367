package tui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/dialog"
	"github.com/dingbot/dingbot/tui/preview"
)

// testMark is what marks a test send as a test in the group.
const testMark = "[test]"

// testSentMsg is the answer to a test send.
type testSentMsg struct {
	id int
	// robot is the test robot's name; sandbox says it was the built-in sandbox.
	robot   string
	sandbox bool
	result  *dingtalk.Result
	err     error
}

// testSend posts the message in the editor, marked as a test, to the config's test_robot or,
// without one, to the built-in sandbox. It asks nothing: that robot's group is for tests, and the
// sandbox is this machine. The draft is left as it is: unsent if it was, no history entry of the
// composer's, the msgUuid of a send with an unknown outcome untouched (the test post carries a
// fresh one), so the next real send is neither called a resend nor deduplicated against it.
func (m *Model) testSend() tea.Cmd {
	o := m.opts
	switch {
	case o.TestRobot == nil && o.TestRobotProblem != "":
		m.failure, m.failPost = dialog.NewFailure(m.st, errors.New(o.TestRobotProblem)), nil
		m.failure.Title = "Test send not posted"
		m.state = stateError
		return nil
	case o.TestRobot == nil && o.TestSandbox == nil:
		return m.setStatus(statusWarn, "no test robot: set test_robot in the config to a robot in a test group")
	}
	m.state = stateSending
	m.sendID++
	id := m.sendID
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel, m.posting = cancel, nil
	m.sending.What = "test send to the built-in sandbox…"
	if o.TestRobot != nil {
		m.sending.What = "test send to robot " + o.TestRobot.Name + "…"
	}
	msg, client, robot, sandbox := m.form.Message(), o.Client, o.TestRobot, o.TestSandbox
	post := func() tea.Msg {
		t := testSentMsg{id: id}
		r := dingtalk.Robot{}
		if robot != nil {
			r, t.robot = *robot, robot.Name
		} else {
			var c *dingtalk.Client
			r, c, t.err = sandbox(ctx)
			if t.err != nil {
				t.err = fmt.Errorf("start the built-in sandbox: %w", t.err)
				return t
			}
			t.robot, t.sandbox = r.Name, true
			if c != nil {
				client = c
			}
		}
		t.result, t.err = postTest(ctx, client, r, msg)
		return t
	}
	return tea.Batch(post, m.sending.Tick())
}

// postTest checks msg as a real send to r would be checked (valid, within the size, holding one
// of r's keywords), then posts it marked as a test with a fresh msgUuid. The mark is added after
// the check, so it can neither satisfy nor break r's keywords.
func postTest(ctx context.Context, client *dingtalk.Client, r dingtalk.Robot, msg dingtalk.Message) (*dingtalk.Result, error) {
	msg.MsgUUID = ""
	if _, err := r.Endpoint(); err != nil {
		return nil, fmt.Errorf("robot %s: %w", r.Name, err)
	}
	if _, err := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{}); err != nil {
		if preview.Splittable(msg.Type, err) {
			return nil, fmt.Errorf("%w; a test send posts one message (ctrl+s offers to send this one in parts)", err)
		}
		return nil, err
	}
	marked := markTest(msg)
	p, err := dingtalk.Prepare(r, marked, dingtalk.PrepareOptions{})
	if err != nil {
		return nil, fmt.Errorf("marked %s: %w", testMark, err)
	}
	marked.MsgUUID = dingtalk.NewMsgUUID(p.Bytes)
	return client.SendWith(ctx, r, marked, dingtalk.PrepareOptions{})
}

// markTest returns msg marked as a test where the group sees it first: the text's start, the
// title of a markdown message, link or action card (the chat list shows it) and, for markdown
// and action cards, whose title the bubble does not show, a first paragraph of the text; a feed
// card's first title. msg is not modified.
func markTest(msg dingtalk.Message) dingtalk.Message {
	m := msg.Clone()
	title := func(s *string) { *s = testMark + " " + *s }
	body := func(s *string) { *s = testMark + "\n\n" + *s }
	switch {
	case m.Type == dingtalk.TypeText && m.Text != nil:
		title(&m.Text.Content)
	case m.Type == dingtalk.TypeMarkdown && m.Markdown != nil:
		title(&m.Markdown.Title)
		body(&m.Markdown.Text)
	case m.Type == dingtalk.TypeLink && m.Link != nil:
		title(&m.Link.Title)
	case m.Type == dingtalk.TypeActionCard && m.ActionCard != nil:
		title(&m.ActionCard.Title)
		body(&m.ActionCard.Text)
	case m.Type == dingtalk.TypeFeedCard && m.FeedCard != nil && len(m.FeedCard.Links) > 0:
		title(&m.FeedCard.Links[0].Title)
	}
	return m
}

// testSent says how the test send went: in the status line when it was posted or canceled
// before anything left, in the failure dialog (DingTalk's errcode and its hint) otherwise. The
// draft is as it was.
func (m *Model) testSent(t testSentMsg) tea.Cmd {
	if t.id != m.sendID || m.state != stateSending || m.posting != nil {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.cancel = nil
	m.state = stateCompose
	where := "test robot " + t.robot
	if t.sandbox {
		where = "the built-in sandbox"
	}
	if t.err != nil {
		var te *dingtalk.TransportError
		if errors.As(t.err, &te) && te.Kind == dingtalk.KindCanceled && !te.MaybeDelivered {
			return m.setStatus(statusWarn, "test send canceled: nothing was posted")
		}
		f := dialog.NewFailure(m.st, t.err)
		f.Title = "Test send to " + where + ": " + f.Title
		m.failure, m.failPost = f, nil
		m.state = stateError
		return m.refreshSendsLeft()
	}
	text := "✓ test sent to " + where + ", marked " + testMark
	if t.sandbox {
		text += "; nothing left this machine"
	}
	if r := t.result; r != nil {
		text += fmt.Sprintf(" · errcode %d %s", r.Errcode, r.Errmsg)
		if r.Quota != nil {
			if w := r.Quota.Warning(t.robot); w != "" {
				text += " · " + w
			}
		}
	}
	if m.unsent && !m.form.Empty() {
		text += " · the message is still unsent (" + m.keys.Send.Help().Key + " sends it)"
	}
	return tea.Batch(m.refreshSendsLeft(), m.setStatus(statusOK, text))
}
