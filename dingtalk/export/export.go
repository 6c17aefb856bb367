// Package export turns a message into text that reproduces it outside dingbot: the exact JSON
// body, a curl line, or a `dingbot send` command line. No export ever contains a robot's access
// token, signing secret or signature: they are shell variables the user sets.
package export

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/dingbot/dingbot/dingtalk"
)

// The shell variables the curl export reads.
const (
	TokenVar  = "DINGTALK_TOKEN"
	SecretVar = "DINGTALK_SECRET"
)

// JSON is the exact request body DingTalk receives for the prepared message, byte for byte
// (compact, as dingtalk.Prepare encodes it, without the msgUuid each send adds).
func JSON(p *dingtalk.Prepared) string {
	if p == nil {
		return ""
	}
	return string(p.Body)
}

// PrettyJSON is the same body indented for people.
func PrettyJSON(p *dingtalk.Prepared) string {
	if p == nil {
		return ""
	}
	return string(dingtalk.Indent(p.Body))
}

// Curl is a shell script (bash, zsh or any POSIX shell) that posts the prepared body to robot
// r with curl. The access token is read from $DINGTALK_TOKEN; for a signing robot the timestamp
// and sign are computed with openssl from $DINGTALK_SECRET when it runs, as DingTalk requires
// (a signature is valid for one hour). It fails before posting when a variable is not set.
func Curl(r dingtalk.Robot, p *dingtalk.Prepared) (string, error) {
	if p == nil || p.Body == nil {
		return "", fmt.Errorf("robot %s: no body to post", r.Name)
	}
	ep, err := r.Endpoint()
	if err != nil {
		return "", fmt.Errorf("robot %s: %w", r.Name, err)
	}
	base, err := url.Parse(ep.URL)
	if err != nil {
		return "", fmt.Errorf("robot %s: webhook: %w", r.Name, err)
	}
	base.RawQuery, base.Fragment = "", ""
	var b strings.Builder
	fmt.Fprintf(&b, "# robot %s: export %s=<its access_token>", oneLine(r.Name), TokenVar)
	if r.Signed() {
		fmt.Fprintf(&b, " and %s=<its SEC… signing secret>", SecretVar)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, ": \"${%s:?export %s=the access_token of the robot}\"\n", TokenVar, TokenVar)
	target := Quote(base.String()+"?access_token=") + `"$` + TokenVar + `"`
	if r.Signed() {
		fmt.Fprintf(&b, ": \"${%s:?export %s=the SEC... signing secret of the robot}\"\n", SecretVar, SecretVar)
		b.WriteString("timestamp=$(( $(date +%s) * 1000 ))\n")
		fmt.Fprintf(&b, "sign=$(printf '%%s\\n%%s' \"$timestamp\" \"$%s\" | openssl dgst -sha256 -hmac \"$%s\" -binary | openssl base64 -A | sed -e 's/+/%%2B/g' -e 's|/|%%2F|g' -e 's/=/%%3D/g')\n", SecretVar, SecretVar)
		target += `'&timestamp='"$timestamp"'&sign='"$sign"`
	}
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n  -H %s \\\n  --data-binary %s\n", target, Quote("Content-Type: "+dingtalk.ContentType), Quote(string(p.Body)))
	return b.String(), nil
}

// Target is the robot a `dingbot send` line sends to.
type Target struct {
	// Robot is a robot name from the config (--robot); empty leaves it to the config's default.
	Robot string
	// Sandbox sends to dingbot's built-in sandbox (--sandbox) instead.
	Sandbox bool
}

// Command is a `dingbot send` command line and what of the message it cannot carry.
type Command struct {
	// Line is the command, continued over several lines with backslashes, ending in a newline.
	Line string
	// Lost says what `dingbot send` would not reproduce exactly; empty when it reproduces the
	// message byte for byte (the msgUuid aside: every send makes its own).
	Lost []string
}

// DingbotSend is the `dingbot send` command that sends msg, as the composer would, to t.
// Mentions become --at, --at-user and --at-all (dingbot send writes the @handles into the text
// as the composer does); texts with line breaks are quoted as $'…', which bash, zsh and ksh
// read.
func DingbotSend(t Target, msg dingtalk.Message) Command {
	var (
		args []string
		lost []string
	)
	flag := func(name, value string) { args = append(args, flagArg(name, value)) }
	sub := ""
	switch msg.Type {
	case dingtalk.TypeText:
		sub = "text"
	case dingtalk.TypeMarkdown:
		sub = "markdown"
	case dingtalk.TypeLink:
		sub = "link"
	case dingtalk.TypeActionCard:
		sub = "actioncard"
	case dingtalk.TypeFeedCard:
		sub = "feedcard"
	default:
		return Command{Line: "# dingbot send cannot send a message of type " + oneLine(string(msg.Type)) + "\n", Lost: []string{"the message type"}}
	}
	head := "dingbot send " + sub
	switch {
	case t.Sandbox:
		head += " --sandbox"
	case t.Robot != "":
		head += " " + flagArg("--robot", t.Robot)
	}
	var positional []string
	switch msg.Type {
	case dingtalk.TypeText:
		content := ""
		if msg.Text != nil {
			content = msg.Text.Content
		}
		if strings.HasSuffix(content, "\n") {
			lost = append(lost, "the line breaks at the end of the text (dingbot send trims them)")
		}
		if content == "-" {
			// A lone "-" means standard input.
			args = append(args, "--file -")
			positional = []string{"<<<", Quote(content)}
		} else {
			positional = []string{"--", Quote(content)}
		}
	case dingtalk.TypeMarkdown:
		md := msg.Markdown
		if md == nil {
			md = &dingtalk.Markdown{}
		}
		if md.Title == "" {
			lost = append(lost, "the empty title (dingbot send takes the text's first heading or line)")
		}
		flag("--title", md.Title)
		lost = append(lost, textFlag(flag, md.Text)...)
	case dingtalk.TypeLink:
		l := msg.Link
		if l == nil {
			l = &dingtalk.Link{}
		}
		flag("--title", l.Title)
		if l.Text != strings.TrimSpace(l.Text) {
			lost = append(lost, "the spaces around the link's text (dingbot send trims them)")
		}
		lost = append(lost, textFlag(flag, l.Text)...)
		flag("--url", l.MessageURL)
		if l.PicURL != "" {
			flag("--pic", l.PicURL)
		}
	case dingtalk.TypeActionCard:
		c := msg.ActionCard
		if c == nil {
			c = &dingtalk.ActionCard{}
		}
		flag("--title", c.Title)
		lost = append(lost, textFlag(flag, c.Text)...)
		if c.SingleTitle != "" || c.SingleURL != "" {
			flag("--single-title", c.SingleTitle)
			flag("--single-url", c.SingleURL)
		}
		for _, btn := range c.Buttons {
			if strings.Contains(btn.Title, "=") || btn.Title != strings.TrimSpace(btn.Title) || btn.ActionURL != strings.TrimSpace(btn.ActionURL) {
				lost = append(lost, fmt.Sprintf("button %q: an = in its title or spaces around it (--button is Title=URL)", btn.Title))
			}
			flag("--button", btn.Title+"="+btn.ActionURL)
		}
		switch c.BtnOrientation {
		case dingtalk.ButtonsHorizontal:
			flag("--orientation", "horizontal")
		case dingtalk.ButtonsVertical:
		default:
			lost = append(lost, fmt.Sprintf("btnOrientation %q (dingbot send writes \"0\" or \"1\")", c.BtnOrientation))
		}
		switch c.HideAvatar {
		case "1":
			args = append(args, "--hide-avatar")
		case "0":
		default:
			lost = append(lost, fmt.Sprintf("hideAvatar %q (dingbot send writes \"0\" or \"1\")", c.HideAvatar))
		}
	case dingtalk.TypeFeedCard:
		if msg.FeedCard != nil {
			for _, l := range msg.FeedCard.Links {
				for _, v := range []string{l.Title, l.MessageURL, l.PicURL} {
					if strings.Contains(v, "|") || v != strings.TrimSpace(v) {
						lost = append(lost, fmt.Sprintf("feed item %q: a | or spaces around a field (--link is Title|URL|PIC)", l.Title))
						break
					}
				}
				flag("--link", l.Title+"|"+l.MessageURL+"|"+l.PicURL)
			}
		}
	}
	if at := msg.At; !at.Empty() {
		seen := map[string]bool{}
		for _, m := range at.AtMobiles {
			flag("--at", m)
			if seen[m] {
				lost = append(lost, "a mention given twice (dingbot send mentions once)")
			}
			seen[m] = true
		}
		for _, u := range at.AtUserIDs {
			flag("--at-user", u)
			if seen[u] {
				lost = append(lost, "a mention given twice (dingbot send mentions once)")
			}
			seen[u] = true
		}
		if at.IsAtAll {
			args = append(args, "--at-all")
		}
	}
	var b strings.Builder
	b.WriteString(head)
	for _, a := range args {
		b.WriteString(" \\\n  " + a)
	}
	if len(positional) > 0 {
		b.WriteString(" \\\n  " + strings.Join(positional, " "))
	}
	b.WriteString("\n")
	return Command{Line: b.String(), Lost: lost}
}

// textFlag adds --text for a card's or markdown's text and says what cannot be carried.
func textFlag(flag func(string, string), text string) []string {
	flag("--text", text)
	if text == "" {
		return []string{"the empty text (dingbot send asks for one)"}
	}
	return nil
}

// flagArg is "--name VALUE" with VALUE quoted; "--name=VALUE" when VALUE starts with "-", so
// that it can never be read as a flag.
func flagArg(name, value string) string {
	if strings.HasPrefix(value, "-") {
		return name + "=" + Quote(value)
	}
	return name + " " + Quote(value)
}

// Quote makes s one shell word: as it is when it has nothing a shell would read, '…' when it
// is printable, and $'…' (bash, zsh, ksh) when it holds line breaks or other control
// characters.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain, printable := true, true
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			printable, plain = false, false
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_@%+=:,./-", r):
		default:
			plain = false
		}
	}
	switch {
	case plain:
		return s
	case printable:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\'':
			b.WriteString(`\'`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("'")
	return b.String()
}

// oneLine keeps a name to one line of printable text, for a comment.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
