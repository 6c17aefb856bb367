package preview

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/export"
)

// Payload is the JSON view: every problem and warning in full, where the request goes (the
// access token and the signature shown as REDACTED: nothing secret reaches the screen), and
// the request body, pretty-printed. The prose is wrapped to width; the JSON is not: the view
// scrolls sideways.
func Payload(r dingtalk.Robot, msg dingtalk.Message, now time.Time, width int, contacts dingtalk.Contacts) string {
	var b strings.Builder
	ep, err := r.Endpoint()
	if err != nil {
		fmt.Fprintf(&b, "robot %s: %v\n\n", r.Name, err)
	}
	p, perr := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
	target := "(no valid webhook)"
	if err == nil {
		target = dingtalk.Redacted(dingtalk.SignedURL(ep, r.Secret, now))
	}
	var problems, warnings []string
	for _, n := range previewNotes(r, p, perr, msg, contacts) {
		if n.problem {
			problems = append(problems, "✗ "+n.text)
		} else {
			warnings = append(warnings, "! "+n.text)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(&b, "not sendable as it is:\n%s\n\n", strings.Join(problems, "\n"))
	}
	if len(warnings) > 0 {
		fmt.Fprintf(&b, "warnings: DingTalk accepts it, but\n%s\n\n", strings.Join(warnings, "\n"))
	}
	if p == nil || p.Body == nil {
		return wrapProse(b.String(), width)
	}
	fmt.Fprintf(&b, "%d of %d bytes", p.Bytes, dingtalk.MaxBodyBytes)
	if r.Signed() {
		b.WriteString(" · timestamp and sign are computed afresh for every request")
	}
	b.WriteString("\neach send also carries a fresh \"msgUuid\" (when it fits), so a resend after a timeout never posts twice")
	b.WriteString("\n\n")
	prose := wrapProse(b.String(), width)
	// The request line is kept whole, as the JSON: both are what a user may select and copy.
	return prose + fmt.Sprintf("POST %s\nContent-Type: %s\n\n%s\n", target, dingtalk.ContentType, dingtalk.Indent(p.Body))
}

// wrapProse wraps sentences to width, cutting only words longer than a line.
func wrapProse(s string, width int) string {
	return ansi.Hardwrap(ansi.Wordwrap(s, max(20, width), ""), max(20, width), true)
}

// Export is one of the payload view's tabs: what it shows, and what c copies and w writes.
type Export struct {
	// Name is the tab's name; File the file name w offers.
	Name, File string
	// Show is the tab's text.
	Show string
	// Copy is exactly what is copied and written: "" when there is nothing to export.
	Copy string
	// What says what Copy is, for the status line ("the exact body, 252 bytes").
	What string
}

// Exports are the payload view's tabs for msg to robot r: the exact JSON, a curl script, and
// the `dingbot send` command line (to t) that reproduce it. None holds a token, secret or sign.
func Exports(r dingtalk.Robot, msg dingtalk.Message, now time.Time, width int, contacts dingtalk.Contacts, t export.Target) []Export {
	p, perr := dingtalk.Prepare(r, msg, dingtalk.PrepareOptions{})
	invalid := ""
	if perr != nil {
		invalid = "# not sendable as it is (the JSON tab says why): DingTalk would refuse this\n"
	}
	jsonTab := Export{Name: "JSON", File: "dingbot-message.json", Show: Payload(r, msg, now, width, contacts)}
	curlTab := Export{Name: "curl", File: "dingbot-message-curl.sh"}
	sendTab := Export{Name: "dingbot send", File: "dingbot-message-send.sh"}
	if p != nil && p.Body != nil {
		jsonTab.Copy = export.JSON(p)
		jsonTab.What = fmt.Sprintf("the exact body (%d bytes, compact)", p.Bytes)
		script, err := export.Curl(r, p)
		if err != nil {
			curlTab.Show = "# no curl line: " + err.Error() + "\n"
		} else {
			curlTab.Copy, curlTab.What = script, "the curl script"
			curlTab.Show = invalid + "# posts the exact body with curl; the token (and the secret, to sign) come from the\n" +
				"# variables, never from dingbot: export them first, then paste or run it with bash\n\n" + script
		}
	} else {
		curlTab.Show = "# no body to post: the JSON tab says why\n"
	}
	cmd := export.DingbotSend(t, msg)
	sendTab.Copy, sendTab.What = cmd.Line, "the dingbot send command"
	var head strings.Builder
	head.WriteString(invalid)
	head.WriteString("# sends the same message with dingbot send (bash or zsh); each send gets its own msgUuid\n")
	for _, l := range cmd.Lost {
		head.WriteString("# ! not carried over: " + l + "\n")
	}
	sendTab.Show = head.String() + "\n" + cmd.Line
	return []Export{jsonTab, curlTab, sendTab}
}
