package sandbox

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// MaxBody is the largest request body DingTalk accepts, in bytes.
const MaxBody = 20000

// MaxMentions is how many people one message may mention.
const MaxMentions = 50

// DingTalk's errcodes used by the sandbox.
const (
	codeMissingJSON  = 40035
	codeNeedPost     = 43002
	codeContentType  = 43004
	codeNoToken      = 300001
	codeSecurity     = 310000
	codeBadMsgtype   = 400105
	codeTooFast      = 410100
	codeBodyTooLarge = 460101
	codeOverLimit    = 90030
)

// apiError is a DingTalk-level rejection.
type apiError struct {
	code int
	msg  string
}

func missingParam(name string) *apiError {
	return &apiError{codeMissingJSON, "缺少参数 " + name}
}

// handle runs DingTalk's checks on a request to Path and fills in a.
// body is what was read of the request body, at most MaxBody+1 bytes.
func (s *Server) handle(r *http.Request, body []byte, readErr error, a *Arrival) {
	reject := func(e *apiError) { a.Errcode, a.Errmsg = e.code, e.msg }
	if r.Method != http.MethodPost {
		reject(&apiError{codeNeedPost, "需要POST请求"})
		return
	}

	q := r.URL.Query()
	st := s.robots[q.Get("access_token")]
	if st == nil {
		reject(&apiError{codeNoToken, "token is not exist"})
		return
	}
	if st.Secret != "" {
		if e := checkSign(st.Secret, q, a.Time); e != nil {
			reject(e)
			return
		}
	}
	if s.isThrottled(st, a.Time) {
		reject(s.tooFast())
		return
	}
	// Parameters such as charset are allowed; ones that do not parse are tolerated.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		reject(&apiError{codeContentType, "无效的HTTP HEADER Content-Type，需要 application/json"})
		return
	}
	switch {
	case readErr != nil:
		reject(&apiError{codeMissingJSON, "缺少参数 json (reading the body failed)"})
		return
	case len(body) > MaxBody:
		reject(&apiError{codeBodyTooLarge, "body 大小不合法"})
		return
	case len(body) == 0:
		reject(missingParam("json"))
		return
	}
	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil || msg == nil {
		reject(&apiError{codeMissingJSON, "缺少参数 json (body is not a JSON object)"})
		return
	}
	a.Message = msg
	a.Msgtype, _ = msg["msgtype"].(string)

	m, e := checkMessage(msg)
	if e != nil {
		reject(e)
		return
	}
	if !hasKeyword(st.Keywords, m.texts) {
		reject(&apiError{codeSecurity, "keywords not in content"})
		return
	}
	dup, e := s.commit(st, m.uuid, a.Time)
	if e != nil {
		reject(e)
		return
	}
	a.Accepted, a.Duplicate = true, dup
	a.Notified, a.NotNotified, a.AtAll = m.mentions()
	a.Ignored = ignoredFields(msg, m.msgtype)
}

// message is what checkMessage learned from a valid message.
type message struct {
	msgtype    string
	texts      []string // what keywords are searched in
	body       string   // where "@id" must appear for text and markdown
	uuid       string
	ids        []string // mobiles, then userIds, from "at"
	isAtAll    bool
	canMention bool
}

// mentions splits the people listed in "at" into those notified and not.
func (m *message) mentions() (notified, not []string, all bool) {
	for _, id := range m.ids {
		if m.canMention && strings.Contains(m.body, "@"+id) {
			notified = append(notified, id)
		} else {
			not = append(not, id)
		}
	}
	return notified, not, m.canMention && m.isAtAll
}

func hasKeyword(keywords, texts []string) bool {
	need := false
	for _, k := range keywords {
		if k == "" {
			continue
		}
		need = true
		for _, t := range texts {
			if strings.Contains(t, k) {
				return true
			}
		}
	}
	return !need
}

var msgtypes = []string{"text", "markdown", "link", "actionCard", "feedCard"}

// checkMessage validates a decoded body the way DingTalk does.
func checkMessage(msg map[string]any) (*message, *apiError) {
	if v, ok := msg["msgtype"]; !ok || v == nil {
		// DingTalk answers a body without msgtype with the errcode of an unknown token but its
		// own errmsg, once the token and the signature have passed (dingbot doctor probes so).
		return nil, &apiError{codeNoToken, "msgtype is null"}
	}
	mt, _ := msg["msgtype"].(string)
	if !slices.Contains(msgtypes, mt) {
		errmsg := "不支持的消息类型"
		for _, t := range msgtypes {
			if mt != "" && strings.EqualFold(mt, t) {
				errmsg += fmt.Sprintf(" (msgtype is case-sensitive: %q)", t)
			}
		}
		return nil, &apiError{codeBadMsgtype, errmsg}
	}
	m := &message{msgtype: mt}
	o := obj{msg, ""}
	body, e := o.object(mt)
	if e != nil {
		return nil, e
	}
	switch mt {
	case "text":
		e = checkText(body, m)
	case "markdown":
		e = checkMarkdown(body, m)
	case "link":
		e = checkLink(body, m)
	case "actionCard":
		e = checkActionCard(body, m)
	case "feedCard":
		e = checkFeedCard(body, m)
	}
	if e != nil {
		return nil, e
	}
	if m.uuid, e = o.str("msgUuid", false); e != nil {
		return nil, e
	}
	if e = checkAt(o, m); e != nil {
		return nil, e
	}
	return m, nil
}

func checkText(o obj, m *message) *apiError {
	content, e := o.str("content", true)
	m.texts = []string{content}
	m.body, m.canMention = content, true
	return e
}

func checkMarkdown(o obj, m *message) *apiError {
	title, e := o.str("title", true)
	if e != nil {
		return e
	}
	text, e := o.str("text", true)
	m.texts = []string{title, text}
	m.body, m.canMention = text, true
	return e
}

func checkLink(o obj, m *message) *apiError {
	for _, k := range []string{"title", "text", "messageUrl"} {
		v, e := o.str(k, true)
		if e != nil {
			return e
		}
		if k != "messageUrl" {
			m.texts = append(m.texts, v)
		}
	}
	_, e := o.str("picUrl", false)
	return e
}

func checkActionCard(o obj, m *message) *apiError {
	for _, k := range []string{"title", "text"} {
		v, e := o.str(k, true)
		if e != nil {
			return e
		}
		m.texts = append(m.texts, v)
	}
	for _, k := range []string{"btnOrientation", "hideAvatar"} {
		if e := o.flag(k); e != nil {
			return e
		}
	}
	singleTitle, e := o.str("singleTitle", false)
	if e != nil {
		return e
	}
	singleURL, e := o.str("singleURL", false)
	if e != nil {
		return e
	}
	if singleTitle != "" && singleURL != "" {
		m.texts = append(m.texts, singleTitle) // btns is ignored
		return nil
	}
	btns, e := o.list("btns")
	if e != nil {
		return e
	}
	if len(btns) == 0 {
		switch {
		case singleTitle != "":
			return missingParam(o.name("singleURL") + o.caseHint("singleURL"))
		case singleURL != "":
			return missingParam(o.name("singleTitle") + o.caseHint("singleTitle"))
		}
		return missingParam(o.name("btns") + " (or singleTitle and singleURL)" + o.caseHint("btns"))
	}
	for _, b := range btns {
		title, e := b.str("title", true)
		if e != nil {
			return e
		}
		if _, e := b.str("actionURL", true); e != nil {
			return e
		}
		m.texts = append(m.texts, title)
	}
	return nil
}

func checkFeedCard(o obj, m *message) *apiError {
	links, e := o.list("links")
	if e != nil {
		return e
	}
	if len(links) == 0 {
		return missingParam(o.name("links") + o.caseHint("links"))
	}
	for _, l := range links {
		for _, k := range []string{"title", "messageURL", "picURL"} {
			v, e := l.str(k, true)
			if e != nil {
				return e
			}
			if k == "title" {
				m.texts = append(m.texts, v)
			}
		}
	}
	return nil
}

// checkAt validates the optional "at" object and collects who it mentions.
func checkAt(top obj, m *message) *apiError {
	if v, ok := top.m["at"]; !ok || v == nil {
		return nil
	}
	at, e := top.object("at")
	if e != nil {
		return e
	}
	seen := map[string]bool{}
	for _, k := range []string{"atMobiles", "atUserIds"} {
		ids, e := at.strings(k)
		if e != nil {
			return e
		}
		for _, id := range ids {
			if id != "" && !seen[k+id] {
				seen[k+id] = true
				m.ids = append(m.ids, id)
			}
		}
	}
	if len(m.ids) > MaxMentions {
		return &apiError{codeMissingJSON, fmt.Sprintf("参数 at 不合法: 最多 @%d 人, 本条 %d 人 (at most %d people)", MaxMentions, len(m.ids), MaxMentions)}
	}
	if v, ok := at.m["isAtAll"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return at.typeErr("isAtAll", "boolean")
		}
		m.isAtAll = b
	}
	return nil
}
