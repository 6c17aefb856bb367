package preview

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
)

// Payload is every problem and warning in full, the request body, pretty-printed, and a
// curl line for it. The access token and the signature are shown as REDACTED; nothing secret
// reaches the screen.
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
		return b.String()
	}
	fmt.Fprintf(&b, "POST %s\nContent-Type: %s\n", target, dingtalk.ContentType)
	fmt.Fprintf(&b, "%d of %d bytes", p.Bytes, dingtalk.MaxBodyBytes)
	if r.Signed() {
		b.WriteString(" · timestamp and sign are computed afresh for every request")
	}
	b.WriteString("\neach send also carries a fresh \"msgUuid\" (when it fits), so a resend after a timeout never posts twice")
	b.WriteString("\n\n")
	b.Write(dingtalk.Indent(p.Body))
	b.WriteString("\n\n# the same request with curl (token redacted: paste yours)\n")
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n  -H 'Content-Type: %s' \\\n  --data-binary %s\n",
		shellQuote(target), dingtalk.ContentType, shellQuote(string(p.Body)))
	return ansi.Hardwrap(ansi.Wordwrap(b.String(), max(20, width), ""), max(20, width), true)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
