package dingtalk

import "fmt"

// PrepareOptions adjust how a message is made ready for a robot.
type PrepareOptions struct {
	// AppendKeyword adds the robot's first keyword when the message contains none,
	// instead of refusing it.
	AppendKeyword bool
}

// Prepared is a message made ready for one robot: mentions written into the text, the exact
// body that will be sent, and advice about how DingTalk will show it.
type Prepared struct {
	Message Message
	// Body is the exact JSON request body.
	Body []byte
	// Bytes is len(Body), checked against MaxBodyBytes.
	Bytes int
	// AddedMentions lists the @handles appended to the text so that people are notified.
	AddedMentions []string
	// Keyword is the robot keyword the message contains ("" when the robot has none).
	Keyword string
	// Warnings are things DingTalk accepts but may show differently than intended.
	Warnings []Warning
}

// Prepare applies DingTalk's rules to m for robot r, without sending anything: it inserts
// missing @mentions, appends a keyword if asked, validates every field, checks the encoded size
// against 20000 bytes and the robot's keywords, and lints markdown. m is not modified.
//
// On a *ValidationError or *KeywordError the returned Prepared is still filled in as far as
// possible, so previews can show the body, its size and the warnings next to the problem.
func Prepare(r Robot, m Message, opts PrepareOptions) (*Prepared, error) {
	msg := m.Clone()
	p := &Prepared{}
	p.AddedMentions = InsertMentions(&msg)
	if len(r.Keywords) > 0 && opts.AppendKeyword {
		if _, ok := MatchKeyword(msg, r.Keywords); !ok {
			AppendKeyword(&msg, r.Keywords[0])
		}
	}
	p.Message = msg
	p.Warnings = append(lintMessage(msg), unnotifiedWarnings(msg)...)
	if len(p.AddedMentions) > 0 {
		p.Warnings = append(p.Warnings, Warning{Field: "at", Message: fmt.Sprintf("added @%s to the text: DingTalk notifies only people whose @ appears in it", joinHandles(p.AddedMentions))})
	}

	verr := Validate(msg)
	body, err := msg.Encode()
	if err != nil {
		return p, err
	}
	p.Body, p.Bytes = body, len(body)
	if p.Bytes > MaxBodyBytes {
		problem := Problem{Field: "body", Message: fmt.Sprintf("is %d bytes, %d over DingTalk's limit of %d (errcode 460101): shorten the text", p.Bytes, p.Bytes-MaxBodyBytes, MaxBodyBytes)}
		if ve, ok := verr.(*ValidationError); ok {
			ve.Problems = append(ve.Problems, problem)
		} else {
			verr = &ValidationError{Problems: []Problem{problem}}
		}
	}
	if verr != nil {
		return p, verr
	}
	kw, ok := MatchKeyword(msg, r.Keywords)
	if !ok {
		return p, &KeywordError{Robot: r.Name, Keywords: r.Keywords, MsgType: msg.Type}
	}
	p.Keyword = kw
	return p, nil
}

func lintMessage(m Message) []Warning {
	var field, text string
	switch {
	case m.Type == TypeMarkdown && m.Markdown != nil:
		field, text = "markdown.text", m.Markdown.Text
	case m.Type == TypeActionCard && m.ActionCard != nil:
		field, text = "actionCard.text", m.ActionCard.Text
	default:
		return nil
	}
	ws := LintMarkdown(text)
	for i := range ws {
		ws[i].Field = field
	}
	return ws
}

func joinHandles(hs []string) string {
	s := hs[0]
	for _, h := range hs[1:] {
		s += " @" + h
	}
	return s
}
