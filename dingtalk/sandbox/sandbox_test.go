package sandbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
	"github.com/dingbot/dingbot/dingtalk/sandbox/sandboxview"
)

// answer is DingTalk's JSON answer, decoded strictly.
type answer struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

// clock is an injectable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1700000000002)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// post sends one request with a plain net/http client and decodes the answer.
func post(t *testing.T, rawURL, contentType, body string) (int, answer) {
	t.Helper()
	return do(t, http.MethodPost, rawURL, contentType, body)
}

func do(t *testing.T, method, rawURL, contentType, body string) (int, answer) {
	t.Helper()
	status, a, err := try(method, rawURL, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, a
}

// try is do for goroutines other than the test's.
func try(method, rawURL, contentType, body string) (int, answer, error) {
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		return 0, answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, answer{}, err
	}
	var a answer
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &a); err != nil {
			return 0, answer{}, fmt.Errorf("answer is not JSON: %q", raw)
		}
	}
	return resp.StatusCode, a, nil
}

func webhook(base, token string) string {
	return base + "/robot/send?access_token=" + url.QueryEscape(token)
}

// signature is computed here independently of the package.
func signature(secret string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d\n%s", ts, secret)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func text(content string) string {
	b, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]any{"content": content}})
	return string(b)
}

const jsonCT = "application/json"

func TestRejections(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{
		Robots: []sandbox.Robot{
			{Token: "plain"},
			{Token: "kw", Keywords: []string{"告警", "alert"}},
		},
		Limit: 1000,
	}))
	defer srv.Close()
	plain, kw := webhook(srv.URL, "plain"), webhook(srv.URL, "kw")

	n := func(k int, prefix string) string { // k mentions
		var ids []string
		for i := range k {
			ids = append(ids, fmt.Sprintf(`"%s%03d"`, prefix, i))
		}
		return strings.Join(ids, ",")
	}
	// A text message of exactly size bytes.
	sized := func(size int) string {
		s := text("")
		return text(strings.Repeat("x", size-len(s)))
	}

	tests := []struct {
		name     string
		method   string
		url      string
		ct       string
		body     string
		wantCode int
		wantMsg  string
	}{
		{"get", http.MethodGet, plain, jsonCT, "", 43002, ""},
		{"no token", "", srv.URL + "/robot/send", jsonCT, text("hi"), 300001, "token is not exist"},
		{"empty token", "", srv.URL + "/robot/send?access_token=", jsonCT, text("hi"), 300001, "token is not exist"},
		{"unknown token", "", webhook(srv.URL, "nope"), jsonCT, text("hi"), 300001, "token is not exist"},
		{"whole url as token", "", webhook(srv.URL, "https://oapi.dingtalk.com/robot/send?access_token=plain"), jsonCT, text("hi"), 300001, ""},
		{"no content type", "", plain, "", text("hi"), 43004, ""},
		{"text/plain", "", plain, "text/plain", text("hi"), 43004, ""},
		{"form", "", plain, "application/x-www-form-urlencoded", text("hi"), 43004, ""},
		{"json with charset", "", plain, "application/json; charset=utf-8", text("hi"), 0, "ok"},
		{"json upper case", "", plain, "Application/JSON;charset=UTF-8", text("hi"), 0, "ok"},
		{"body 20000 bytes", "", plain, jsonCT, sized(20000), 0, "ok"},
		{"body 20001 bytes", "", plain, jsonCT, sized(20001), 460101, "body 大小不合法"},
		{"body 1 MB", "", plain, jsonCT, sized(1 << 20), 460101, "body 大小不合法"},
		{"empty body", "", plain, jsonCT, "", 40035, "缺少参数 json"},
		{"invalid json", "", plain, jsonCT, `{"msgtype":"text",`, 40035, "缺少参数 json"},
		{"trailing garbage", "", plain, jsonCT, text("hi") + "x", 40035, "缺少参数 json"},
		{"json array", "", plain, jsonCT, `[]`, 40035, "缺少参数 json"},
		{"json null", "", plain, jsonCT, `null`, 40035, "缺少参数 json"},
		// DingTalk answers a body without msgtype with the token's errcode but its own errmsg.
		{"no msgtype", "", plain, jsonCT, `{"text":{"content":"hi"}}`, 300001, "msgtype is null"},
		{"empty object", "", plain, jsonCT, `{}`, 300001, "msgtype is null"},
		{"msgtype null", "", plain, jsonCT, `{"msgtype":null}`, 300001, "msgtype is null"},
		{"msgtype empty", "", plain, jsonCT, `{"msgtype":""}`, 400105, "不支持的消息类型"},
		{"unknown msgtype", "", plain, jsonCT, `{"msgtype":"image","image":{}}`, 400105, "不支持的消息类型"},
		{"msgtype wrong case", "", plain, jsonCT, `{"msgtype":"Text","text":{"content":"hi"}}`, 400105, "不支持的消息类型"},
		{"actioncard lower case", "", plain, jsonCT, `{"msgtype":"actioncard","actioncard":{"title":"t","text":"x","singleTitle":"a","singleURL":"u"}}`, 400105, "不支持的消息类型"},
		{"msgtype number", "", plain, jsonCT, `{"msgtype":1}`, 400105, "不支持的消息类型"},

		{"text ok", "", plain, jsonCT, text("hi"), 0, "ok"},
		{"text object missing", "", plain, jsonCT, `{"msgtype":"text"}`, 40035, "缺少参数 text"},
		{"text content missing", "", plain, jsonCT, `{"msgtype":"text","text":{}}`, 40035, "缺少参数 text.content"},
		{"text content empty", "", plain, jsonCT, `{"msgtype":"text","text":{"content":""}}`, 40035, "缺少参数 text.content"},
		{"text Content wrong case", "", plain, jsonCT, `{"msgtype":"text","text":{"Content":"hi"}}`, 40035, "缺少参数 text.content"},
		{"text content number", "", plain, jsonCT, `{"msgtype":"text","text":{"content":1}}`, 40035, "text.content"},

		{"markdown ok", "", plain, jsonCT, `{"msgtype":"markdown","markdown":{"title":"t","text":"# x"}}`, 0, "ok"},
		{"markdown no title", "", plain, jsonCT, `{"msgtype":"markdown","markdown":{"text":"# x"}}`, 40035, "缺少参数 markdown.title"},
		{"markdown no text", "", plain, jsonCT, `{"msgtype":"markdown","markdown":{"title":"t"}}`, 40035, "缺少参数 markdown.text"},
		{"markdown Title", "", plain, jsonCT, `{"msgtype":"markdown","markdown":{"Title":"t","text":"x"}}`, 40035, "缺少参数 markdown.title"},

		{"link ok", "", plain, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e.x","picUrl":"https://e.x/p.png"}}`, 0, "ok"},
		{"link without picUrl", "", plain, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e.x"}}`, 0, "ok"},
		{"link messageURL wrong case", "", plain, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"x","messageURL":"https://e.x"}}`, 40035, "缺少参数 link.messageUrl"},
		{"link no title", "", plain, jsonCT, `{"msgtype":"link","link":{"text":"x","messageUrl":"https://e.x"}}`, 40035, "缺少参数 link.title"},
		{"link no text", "", plain, jsonCT, `{"msgtype":"link","link":{"title":"t","messageUrl":"https://e.x"}}`, 40035, "缺少参数 link.text"},
		{"link picUrl number", "", plain, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e.x","picUrl":3}}`, 40035, "link.picUrl"},

		{"actionCard single", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"Read","singleURL":"https://e.x","btnOrientation":"0","hideAvatar":"1"}}`, 0, "ok"},
		{"actionCard btns", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"A","actionURL":"https://a"},{"title":"B","actionURL":"https://b"}],"btnOrientation":"1"}}`, 0, "ok"},
		{"actionCard single wins over bad btns", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"Read","singleURL":"https://e.x","btns":[{}]}}`, 0, "ok"},
		{"actionCard no title", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"text":"x","singleTitle":"Read","singleURL":"https://e.x"}}`, 40035, "缺少参数 actionCard.title"},
		{"actionCard no text", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","singleTitle":"Read","singleURL":"https://e.x"}}`, 40035, "缺少参数 actionCard.text"},
		{"actionCard no buttons", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x"}}`, 40035, "缺少参数 actionCard.btns"},
		{"actionCard empty btns", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[]}}`, 40035, "缺少参数 actionCard.btns"},
		{"actionCard singleTitle alone", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"Read"}}`, 40035, "缺少参数 actionCard.singleURL"},
		{"actionCard singleUrl wrong case", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"Read","singleUrl":"https://e.x"}}`, 40035, "缺少参数 actionCard.singleURL"},
		{"actionCard btn no actionURL", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"A"}]}}`, 40035, "缺少参数 actionCard.btns[0].actionURL"},
		{"actionCard btn actionUrl wrong case", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"A","actionURL":"https://a"},{"title":"B","actionUrl":"https://b"}]}}`, 40035, "缺少参数 actionCard.btns[1].actionURL"},
		{"actionCard btn no title", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"actionURL":"https://a"}]}}`, 40035, "缺少参数 actionCard.btns[0].title"},
		{"btnOrientation 2", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"R","singleURL":"u","btnOrientation":"2"}}`, 40035, "actionCard.btnOrientation"},
		{"btnOrientation number", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"R","singleURL":"u","btnOrientation":1}}`, 40035, "actionCard.btnOrientation"},
		{"hideAvatar bool", "", plain, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"R","singleURL":"u","hideAvatar":true}}`, 40035, "actionCard.hideAvatar"},

		{"feedCard ok", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://a","picURL":"https://a/p.png"}]}}`, 0, "ok"},
		{"feedCard no links", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{}}`, 40035, "缺少参数 feedCard.links"},
		{"feedCard empty links", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[]}}`, 40035, "缺少参数 feedCard.links"},
		{"feedCard messageUrl wrong case", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageUrl":"https://a","picURL":"https://a/p.png"}]}}`, 40035, "缺少参数 feedCard.links[0].messageURL"},
		{"feedCard no picURL", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://a"}]}}`, 40035, "缺少参数 feedCard.links[0].picURL"},
		{"feedCard no title", "", plain, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[{"messageURL":"https://a","picURL":"p"}]}}`, 40035, "缺少参数 feedCard.links[0].title"},

		{"at null", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":null}`, 0, "ok"},
		{"at nulls inside", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":null,"atUserIds":null,"isAtAll":null}}`, 0, "ok"},
		{"at not object", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":[]}`, 40035, "at"},
		{"atMobiles string", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":"138"}}`, 40035, "at.atMobiles"},
		{"atUserIds numbers", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"atUserIds":[1]}}`, 40035, "at.atUserIds"},
		{"isAtAll string", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"isAtAll":"true"}}`, 40035, "at.isAtAll"},
		{"50 people", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":[` + n(25, "1") + `],"atUserIds":[` + n(25, "u") + `]}}`, 0, "ok"},
		{"51 people", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":[` + n(26, "1") + `],"atUserIds":[` + n(25, "u") + `]}}`, 40035, "50"},
		{"msgUuid number", "", plain, jsonCT, `{"msgtype":"text","text":{"content":"hi"},"msgUuid":5}`, 40035, "msgUuid"},

		{"keyword missing", "", kw, jsonCT, text("all good"), 310000, "keywords not in content"},
		{"keyword in text", "", kw, jsonCT, text("disk alert on db1"), 0, "ok"},
		{"keyword is case-sensitive", "", kw, jsonCT, text("ALERT"), 310000, "keywords not in content"},
		{"keyword in markdown title", "", kw, jsonCT, `{"msgtype":"markdown","markdown":{"title":"告警","text":"disk full"}}`, 0, "ok"},
		{"keyword in markdown text", "", kw, jsonCT, `{"msgtype":"markdown","markdown":{"title":"t","text":"**告警** disk full"}}`, 0, "ok"},
		{"keyword only in link url", "", kw, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://alert.example"}}`, 310000, "keywords not in content"},
		{"keyword in link text", "", kw, jsonCT, `{"msgtype":"link","link":{"title":"t","text":"alert","messageUrl":"https://e.x"}}`, 0, "ok"},
		{"keyword in button title", "", kw, jsonCT, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"ack alert","actionURL":"https://a"}]}}`, 0, "ok"},
		{"keyword in feedCard title", "", kw, jsonCT, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"告警 1","messageURL":"https://a","picURL":"p"}]}}`, 0, "ok"},
		{"keyword before field check", "", kw, jsonCT, `{"msgtype":"markdown","markdown":{"text":"alert"}}`, 40035, "缺少参数 markdown.title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			status, got := do(t, method, tt.url, tt.ct, tt.body)
			if status != http.StatusOK {
				t.Fatalf("HTTP status = %d, want 200", status)
			}
			if got.Errcode != tt.wantCode || !strings.Contains(got.Errmsg, tt.wantMsg) {
				t.Errorf("got %d %q, want %d containing %q", got.Errcode, got.Errmsg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()
	for _, p := range []string{"/", "/robot", "/robot/send/", "/robot/sendx"} {
		status, _ := post(t, srv.URL+p+"?access_token=sandbox", jsonCT, text("hi"))
		if status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, status)
		}
	}
	status, got := post(t, srv.URL+"/robot/send?access_token="+sandbox.DefaultToken, jsonCT, text("hi"))
	if status != 200 || got.Errcode != 0 {
		t.Errorf("default robot: %d %+v", status, got)
	}
}

func TestSigned(t *testing.T) {
	const secret = "SEC0123456789abcdef"
	clk := newClock()
	now := clk.Now().UnixMilli() // 1700000000002: its sign has '+', '/' and '='
	srv := httptest.NewServer(sandbox.New(sandbox.Options{
		Robots: []sandbox.Robot{{Token: "signed", Secret: secret}},
		Now:    clk.Now,
		Limit:  1000,
	}))
	defer srv.Close()
	base := webhook(srv.URL, "signed")

	good := signature(secret, now)
	if good != "VGvd0brDJp/nMZtR+XnA3yBIlhowT+TwkRPua0q1/jg=" { // from Python's hmac module
		t.Fatalf("test signature %q disagrees with the reference", good)
	}
	if got := sandbox.Sign(secret, now); got != good {
		t.Errorf("Sign = %q, want %q", got, good)
	}
	ts := strconv.FormatInt(now, 10)
	at := func(ms int64) string {
		return fmt.Sprintf("%s&timestamp=%d&sign=%s", base, ms, url.QueryEscape(signature(secret, ms)))
	}
	hour := time.Hour.Milliseconds()

	tests := []struct {
		name     string
		url      string
		wantCode int
		wantMsg  string
	}{
		{"signed once", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(good), 0, "ok"},
		{"params before token", srv.URL + "/robot/send?timestamp=" + ts + "&sign=" + url.QueryEscape(good) + "&access_token=signed", 0, "ok"},
		{"59 minutes behind", at(now - 59*time.Minute.Milliseconds()), 0, "ok"},
		{"59 minutes ahead", at(now + 59*time.Minute.Milliseconds()), 0, "ok"},
		{"signed twice encoded", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(url.QueryEscape(good)), 310000, "sign not match"},
		{"sign not encoded", base + "&timestamp=" + ts + "&sign=" + good, 310000, "sign not match"},
		{"no sign", base + "&timestamp=" + ts, 310000, "sign not match"},
		{"wrong secret", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(signature("SECother", now)), 310000, "机器人发送签名不匹配"},
		{"sign for other timestamp", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(signature(secret, now-1)), 310000, "sign not match"},
		{"base64url sign", base + "&timestamp=" + ts + "&sign=" + base64.URLEncoding.EncodeToString([]byte(good)), 310000, "sign not match"},
		{"no timestamp", base + "&sign=" + url.QueryEscape(good), 310000, "invalid timestamp"},
		{"nothing", base, 310000, "invalid timestamp"},
		{"61 minutes behind", at(now - 61*time.Minute.Milliseconds()), 310000, "invalid timestamp"},
		{"61 minutes ahead", at(now + 61*time.Minute.Milliseconds()), 310000, "invalid timestamp"},
		{"a day old", at(now - 24*hour), 310000, "invalid timestamp"},
		{"seconds not millis", at(now / 1000), 310000, "invalid timestamp"},
		{"non-numeric timestamp", base + "&timestamp=abc&sign=" + url.QueryEscape(good), 310000, "invalid timestamp"},
		{"signed timestamp", base + "&timestamp=%2B" + ts + "&sign=" + url.QueryEscape(good), 310000, "invalid timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := post(t, tt.url, jsonCT, text("hi"))
			if got.Errcode != tt.wantCode || !strings.Contains(got.Errmsg, tt.wantMsg) {
				t.Errorf("got %d %q, want %d containing %q", got.Errcode, got.Errmsg, tt.wantCode, tt.wantMsg)
			}
		})
	}

	// A body without msgtype is checked after the token and the signature: "msgtype is null"
	// says both passed (dingbot doctor's probe relies on the order).
	t.Run("probe without msgtype", func(t *testing.T) {
		for _, tt := range []struct {
			name, url string
			wantMsg   string
		}{
			{"good", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(good), "msgtype is null"},
			{"bad token", webhook(srv.URL, "nope") + "&timestamp=" + ts + "&sign=" + url.QueryEscape(good), "token is not exist"},
			{"wrong secret", base + "&timestamp=" + ts + "&sign=" + url.QueryEscape(signature("SECother", now)), "sign not match"},
			{"unsigned request", base, "invalid timestamp"},
			{"an hour off", at(now - 2*hour), "invalid timestamp"},
		} {
			_, got := post(t, tt.url, jsonCT, `{}`)
			if !strings.Contains(got.Errmsg, tt.wantMsg) {
				t.Errorf("%s: got %d %q, want %q", tt.name, got.Errcode, got.Errmsg, tt.wantMsg)
			}
		}
	})

	t.Run("unsigned robot ignores sign", func(t *testing.T) {
		srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
		defer srv.Close()
		_, got := post(t, webhook(srv.URL, "sandbox")+"&timestamp=1&sign=garbage", jsonCT, text("hi"))
		if got.Errcode != 0 {
			t.Errorf("got %+v", got)
		}
	})
}

func TestRateLimit(t *testing.T) {
	clk := newClock()
	s := sandbox.New(sandbox.Options{
		Robots: []sandbox.Robot{{Token: "a"}, {Token: "b"}},
		Now:    clk.Now,
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	a, b := webhook(srv.URL, "a"), webhook(srv.URL, "b")

	for i := range 20 {
		clk.Advance(time.Second)
		if _, got := post(t, a, jsonCT, text(fmt.Sprint(i))); got.Errcode != 0 {
			t.Fatalf("send %d: %+v", i+1, got)
		}
	}
	_, got := post(t, a, jsonCT, text("21"))
	if got.Errcode != 410100 || !strings.Contains(got.Errmsg, "send too fast") {
		t.Fatalf("21st send: %+v, want 410100", got)
	}
	if _, got := post(t, b, jsonCT, text("other robot")); got.Errcode != 0 {
		t.Errorf("robot b is limited separately: %+v", got)
	}

	clk.Advance(61 * time.Second) // the window has passed, the throttle has not
	if _, got := post(t, a, jsonCT, text("throttled")); got.Errcode != 410100 {
		t.Errorf("during throttle: %+v, want 410100", got)
	}
	if _, got := post(t, a, jsonCT, `{"msgtype":"text"}`); got.Errcode != 410100 {
		t.Errorf("invalid message during throttle: %+v, want 410100", got)
	}

	clk.Advance(10 * time.Minute)
	if _, got := post(t, a, jsonCT, text("back")); got.Errcode != 0 {
		t.Errorf("after throttle: %+v", got)
	}
	if n := len(s.Accepted()); n != 22 {
		t.Errorf("accepted %d, want 22", n)
	}

	s.Reset()
	if len(s.Arrivals()) != 0 {
		t.Error("Reset kept arrivals")
	}
}

func TestRollingWindow(t *testing.T) {
	clk := newClock()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Now: clk.Now, Limit: 3, Window: 10 * time.Second}))
	defer srv.Close()
	u := webhook(srv.URL, "sandbox")
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{
		{0, 0}, {4 * time.Second, 0}, {4 * time.Second, 0}, // sends at 0s, 4s, 8s
		{3 * time.Second, 0},      // 11s: the 0s send has left the window
		{1 * time.Second, 410100}, // 12s: 4s, 8s, 11s are inside
	} {
		clk.Advance(step.advance)
		if _, got := post(t, u, jsonCT, text("x")); got.Errcode != step.want {
			t.Fatalf("at +%v: %+v, want %d", step.advance, got, step.want)
		}
	}
}

func TestMsgUuid(t *testing.T) {
	s := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: "a"}, {Token: "b"}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := `{"msgtype":"text","text":{"content":"deploy done"},"msgUuid":"u-1"}`
	for i, token := range []string{"a", "a", "b"} {
		if _, got := post(t, webhook(srv.URL, token), jsonCT, body); got.Errcode != 0 || got.Errmsg != "ok" {
			t.Fatalf("send %d: %+v", i, got)
		}
	}
	acc := s.Accepted()
	if len(acc) != 2 || acc[0].Token != "a" || acc[1].Token != "b" {
		t.Fatalf("accepted %+v, want one per robot", acc)
	}
	all := s.Arrivals()
	if len(all) != 3 || !all[1].Duplicate || !all[1].Accepted || all[0].Duplicate {
		t.Errorf("arrivals: %+v", all)
	}
	if _, got := post(t, webhook(srv.URL, "a"), jsonCT, strings.Replace(body, "u-1", "u-2", 1)); got.Errcode != 0 {
		t.Fatal(got)
	}
	if n := len(s.Accepted()); n != 3 {
		t.Errorf("a new msgUuid is posted: accepted %d", n)
	}
}

func TestMentions(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	tests := []struct {
		name   string
		body   string
		notify []string
		not    []string
		atAll  bool
	}{
		{"text with @mobile", `{"msgtype":"text","text":{"content":"hi @13800000000"},"at":{"atMobiles":["13800000000","13900000000"]}}`,
			[]string{"13800000000"}, []string{"13900000000"}, false},
		{"markdown without @", `{"msgtype":"markdown","markdown":{"title":"t","text":"### deploy"},"at":{"atMobiles":["13800000000"],"atUserIds":["u1"]}}`,
			nil, []string{"13800000000", "u1"}, false},
		{"markdown @userId in title only", `{"msgtype":"markdown","markdown":{"title":"@u1","text":"x @u2"},"at":{"atUserIds":["u1","u2"]}}`,
			[]string{"u2"}, []string{"u1"}, false},
		{"isAtAll", `{"msgtype":"text","text":{"content":"all"},"at":{"isAtAll":true}}`, nil, nil, true},
		{"link cannot mention", `{"msgtype":"link","link":{"title":"t","text":"@u1","messageUrl":"https://e.x"},"at":{"atUserIds":["u1"],"isAtAll":true}}`,
			nil, []string{"u1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			if _, got := post(t, webhook(srv.URL, "sandbox"), jsonCT, tt.body); got.Errcode != 0 {
				t.Fatal(got)
			}
			a := s.Accepted()[0]
			if fmt.Sprint(a.Notified) != fmt.Sprint(tt.notify) || fmt.Sprint(a.NotNotified) != fmt.Sprint(tt.not) || a.AtAll != tt.atAll {
				t.Errorf("notified %v, not %v, all %v; want %v, %v, %v", a.Notified, a.NotNotified, a.AtAll, tt.notify, tt.not, tt.atAll)
			}
		})
	}
}

func TestArrivalRecord(t *testing.T) {
	clk := newClock()
	var mu sync.Mutex
	var seen []sandbox.Arrival
	s := sandbox.New(sandbox.Options{Now: clk.Now, OnArrival: func(a sandbox.Arrival) {
		mu.Lock()
		seen = append(seen, a)
		mu.Unlock()
	}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := `{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}`
	post(t, webhook(srv.URL, "sandbox"), jsonCT, body)
	post(t, webhook(srv.URL, "nope"), jsonCT, body)

	all := s.Arrivals()
	if len(all) != 2 {
		t.Fatalf("%d arrivals", len(all))
	}
	ok, bad := all[0], all[1]
	if !ok.Accepted || ok.Token != "sandbox" || ok.Msgtype != "markdown" || string(ok.Body) != body ||
		ok.Message["msgtype"] != "markdown" || !ok.Time.Equal(clk.Now()) || ok.Errmsg != "ok" || ok.Status != 200 {
		t.Errorf("accepted arrival: %+v", ok)
	}
	if bad.Accepted || bad.Token != "" || bad.Errcode != 300001 {
		t.Errorf("rejected arrival: %+v", bad)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Errorf("OnArrival called %d times", len(seen))
	}
}

func TestFaults(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	u := webhook(srv.URL, "sandbox")
	send := func() (*http.Response, []byte, error) {
		resp, err := http.Post(u, jsonCT, strings.NewReader(text("hi")))
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}

	s.SetFault(sandbox.FaultHTML500)
	resp, b, err := send()
	if err != nil || resp.StatusCode != 500 || !strings.Contains(string(b), "<html>") {
		t.Errorf("HTML 500: %v %v %q", resp, err, b)
	}

	s.SetFault(sandbox.FaultInvalidJSON)
	resp, b, err = send()
	if err != nil || resp.StatusCode != 200 || json.Valid(b) {
		t.Errorf("invalid JSON: %v %v %q", resp, err, b)
	}

	s.SetFault(sandbox.FaultDropConnection)
	if resp, _, err := send(); err == nil {
		t.Errorf("dropped connection: got an answer %v", resp.Status)
	}

	s.SetFault(sandbox.NoFault)
	if resp, b, err := send(); err != nil || resp.StatusCode != 200 || !strings.Contains(string(b), `"errcode":0`) {
		t.Errorf("after faults: %v %v %q", resp, err, b)
	}
	if n := len(s.Accepted()); n != 1 {
		t.Errorf("accepted %d, want 1: faulted requests are not posted", n)
	}
	if n := len(s.Arrivals()); n != 4 {
		t.Errorf("arrivals %d, want 4", n)
	}
}

func TestFaultBeforeChecks(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Fault: sandbox.FaultHTML500}))
	defer srv.Close()
	if status, _ := post(t, webhook(srv.URL, "unknown"), "text/plain", ""); status != 500 {
		t.Errorf("status %d, want 500 before any check", status)
	}
}

func TestDelayHonoursCancellation(t *testing.T) {
	s := sandbox.New(sandbox.Options{Delay: time.Hour})
	srv := httptest.NewServer(s)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, webhook(srv.URL, "sandbox"), strings.NewReader(text("hi")))
	req.Header.Set("Content-Type", jsonCT)
	if resp, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, %v; want the client's deadline", resp, err)
	}
	// The handler gives up too instead of sleeping an hour.
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Arrivals()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("handler still sleeping after the client went away")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if a := s.Arrivals()[0]; a.Accepted || a.Status != 0 {
		t.Errorf("cancelled arrival: %+v", a)
	}

	s.SetDelay(20 * time.Millisecond)
	start := time.Now()
	if _, got := post(t, webhook(srv.URL, "sandbox"), jsonCT, text("hi")); got.Errcode != 0 {
		t.Fatal(got)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("answered after %v, want at least the delay", d)
	}
}

func TestConcurrent(t *testing.T) {
	s := sandbox.New(sandbox.Options{
		Robots: []sandbox.Robot{{Token: "a"}, {Token: "b", Secret: "SECb"}},
		Limit:  1000,
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"msgtype":"text","text":{"content":"%d"},"msgUuid":"%d"}`, i, i%25)
			if _, _, err := try(http.MethodPost, webhook(srv.URL, "a"), jsonCT, body); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			ts := time.Now().UnixMilli()
			u := fmt.Sprintf("%s&timestamp=%d&sign=%s", webhook(srv.URL, "b"), ts, url.QueryEscape(signature("SECb", ts)))
			if _, got, err := try(http.MethodPost, u, jsonCT, text("b")); err != nil || got.Errcode != 0 {
				t.Error(got, err)
			}
		}()
		go func() {
			defer wg.Done()
			s.SetDelay(0)
			s.SetFault(sandbox.NoFault)
			_ = s.Arrivals()
			_ = s.Accepted()
		}()
	}
	wg.Wait()
	if got := len(s.Arrivals()); got != 2*n {
		t.Errorf("arrivals %d, want %d", got, 2*n)
	}
	if got := len(s.Accepted()); got != 25+n {
		t.Errorf("accepted %d, want %d (25 distinct msgUuids for a, %d for b)", got, 25+n, n)
	}
}

func TestConcurrentRateLimit(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if _, _, err := try(http.MethodPost, webhook(srv.URL, "sandbox"), jsonCT, text("x")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(s.Accepted()); got != 20 {
		t.Errorf("accepted %d of 40 concurrent sends, want exactly 20", got)
	}
}

func TestStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	base, s, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := post(t, sandbox.WebhookURL(base, sandbox.DefaultToken), jsonCT, text("hi")); got.Errcode != 0 {
		t.Fatal(got)
	}
	if len(s.Accepted()) != 1 {
		t.Error("not recorded")
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := http.Post(sandbox.WebhookURL(base, "sandbox"), jsonCT, strings.NewReader(text("hi")))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after ctx was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIgnoredFieldsArePointedOut: DingTalk accepts a message with mis-cased optional fields and
// ignores them; the sandbox accepts it too but says which fields were ignored.
func TestIgnoredFieldsArePointedOut(t *testing.T) {
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	body := `{"msgtype":"text","text":{"content":"hi @138","contnet":"x"},"at":{"atmobiles":["138"]},"msgUUID":"u1"}`
	resp, err := http.Post(srv.URL+"/robot/send?access_token=sandbox", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	acc := sb.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d, want 1 (DingTalk accepts and ignores unknown fields)", len(acc))
	}
	got := strings.Join(acc[0].Ignored, "\n")
	for _, want := range []string{`msgUUID is ignored: DingTalk's field is "msgUuid"`, `at.atmobiles is ignored: DingTalk's field is "atMobiles"`, "text.contnet is not a field DingTalk reads"} {
		if !strings.Contains(got, want) {
			t.Errorf("ignored notes lack %q:\n%s", want, got)
		}
	}
	if out := sandboxview.Render(acc[0], 80, sandboxview.Plain); !strings.Contains(out, "atmobiles is ignored") {
		t.Errorf("render does not show the ignored field:\n%s", out)
	}
	// A well-formed message has no notes.
	resp, err = http.Post(srv.URL+"/robot/send?access_token=sandbox", "application/json", strings.NewReader(`{"msgtype":"actionCard","actionCard":{"title":"T","text":"x","btns":[{"title":"a","actionURL":"https://a"}],"btnOrientation":"1","hideAvatar":"0"},"msgUuid":"u2"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if acc = sb.Accepted(); len(acc) != 2 || len(acc[1].Ignored) != 0 {
		t.Fatalf("well-formed message: %+v", acc[len(acc)-1].Ignored)
	}
}

// TestDisplayTextsAreSafe: what an arrival holds for display, and the errmsg answered, has no
// control characters and no secret, even when the request put them there.
func TestDisplayTextsAreSafe(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const secret = "SECfedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432"
	s := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token}, {Token: "kw", Secret: secret}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	bodies := []string{
		// An ignored field named like the secret, and one with an escape sequence.
		`{"msgtype":"text","text":{"content":"hi","` + secret + `":1,"\u001b]0;pwned\u0007":2}}`,
		// A missing field whose near miss carries the token.
		`{"msgtype":"link","link":{"title":"t","text":"x","messageurl":"` + token + `"}}`,
	}
	for _, b := range bodies {
		_, got := post(t, webhook(srv.URL, token), jsonCT, b)
		if strings.Contains(got.Errmsg, secret) || strings.Contains(got.Errmsg, token) || strings.ContainsAny(got.Errmsg, "\x1b\x07") {
			t.Errorf("answered errmsg %q", got.Errmsg)
		}
	}
	post(t, srv.URL+"/robot/%1b%5b2J"+secret+"?access_token="+token, jsonCT, text("x"))
	for _, a := range s.Arrivals() {
		shown := a.Errmsg + "\n" + strings.Join(a.Ignored, "\n")
		if strings.Contains(shown, secret) || strings.Contains(shown, token) || strings.ContainsAny(shown, "\x1b\x07") {
			t.Errorf("arrival shows %q", shown)
		}
	}
	if got := s.Arrivals()[0].Ignored; len(got) != 2 {
		t.Errorf("ignored fields %q, want both pointed out", got)
	}
}

func TestMonthlyLimitAnswers90030(t *testing.T) {
	s := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: "tok", MonthlyLimit: 3}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	var codes []float64
	for i := range 5 {
		resp, err := http.Post(srv.URL+"/robot/send?access_token=tok", "application/json", strings.NewReader(fmt.Sprintf(`{"msgtype":"text","text":{"content":"n%d"}}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		codes = append(codes, out["errcode"].(float64))
	}
	if fmt.Sprint(codes) != "[0 0 0 90030 90030]" {
		t.Fatalf("errcodes %v, want three accepted then 90030", codes)
	}
}

// TestMaskHidesPiecesOfSecrets: a slice of the served secret, or of a token, pasted into a
// message is hidden too, in any case; so are bidirectional overrides.
func TestMaskHidesPiecesOfSecrets(t *testing.T) {
	const secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const token = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	s := sandbox.New(sandbox.Options{Robots: []sandbox.Robot{{Token: token, Secret: secret}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	text := "c " + secret[10:40] + " d " + strings.ToLower(secret[:30]) + " e " + token[5:37] + " f \u202eevil"
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	sign := url.QueryEscape(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	body := `{"msgtype":"text","text":{"content":` + strconv.Quote(text) + `}}`
	resp, err := http.Post(srv.URL+"/robot/send?access_token="+token+"&timestamp="+ts+"&sign="+sign, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	acc := s.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d", len(acc))
	}
	out := acc[0].Mask(text)
	for _, piece := range []string{secret[10:40], strings.ToLower(secret[:30]), token[5:37]} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(piece[:12])) {
			t.Errorf("Mask left a piece of a secret: %q", out)
		}
	}
	if !strings.Contains(out, "c REDACTED d REDACTED e REDACTED f") {
		t.Errorf("Mask(%q) = %q", text, out)
	}
}
