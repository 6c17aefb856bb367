package preview

import (
	"fmt"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/cell"
)

// Device is the DingTalk client a preview is drawn for.
type Device int

const (
	// DeviceAuto is both, side by side, when the width holds them (BothWidth), else PC.
	DeviceAuto Device = iota
	DevicePC
	// DevicePhone is a phone in an organisation without DingTalk's new markdown renderer: the
	// phones most of DingTalk's users still have (see dingtalk.RenderRules).
	DevicePhone
)

// Bubble widths in cells, as wide as the real clients draw a robot's message. The desktop
// client's message column holds a bubble of about 480 px, some 60 cells of its 14 px type; a
// phone 375 pt wide keeps about 280 pt for a bubble beside the avatars, some 40 cells of its
// 16 pt type (36 inside the frame).
const (
	PCBubble    = 60
	PhoneBubble = 40
	// deviceGap is the space between the two previews.
	deviceGap = 3
	// BothWidth is the narrowest width that shows PC and phone side by side.
	BothWidth = PCBubble + deviceGap + PhoneBubble
)

// Name is what the device is called in the pane's title and the status.
func (d Device) Name() string {
	switch d {
	case DevicePhone:
		return "phone"
	case DeviceAuto:
		return "PC and phone"
	}
	return "PC"
}

// Header is the line above a device's preview.
func (d Device) Header() string {
	if d == DevicePhone {
		return "Phone · without the new renderer"
	}
	return "PC"
}

// bubble is the device's bubble width.
func (d Device) bubble() int {
	if d == DevicePhone {
		return PhoneBubble
	}
	return PCBubble
}

// Other is the device a narrow pane switches to.
func (d Device) Other() Device {
	if d == DevicePhone {
		return DevicePC
	}
	return DevicePhone
}

// renderBoth draws the message for PC and for a phone, at the same time, side by side under
// their headers.
func renderBoth(req renderRequest) renderResult {
	pc, phone := req, req
	pc.device, pc.width = DevicePC, PCBubble
	phone.device, phone.width = DevicePhone, PhoneBubble
	// The notes (Prepare's warnings, the split into parts) are the same for both devices and
	// only the PC result's are kept: the phone skips working them out again.
	phone.empty = true
	var ph renderResult
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ph = renderPreview(phone)
	}()
	res := renderPreview(pc)
	wg.Wait()
	st := req.st
	left := append([]string{st.Preview.PaneTitle.Render(DevicePC.Header())}, strings.Split(res.content, "\n")...)
	right := append([]string{st.Preview.PaneTitle.Render(DevicePhone.Header())}, strings.Split(ph.content, "\n")...)
	var b strings.Builder
	for i := 0; i < max(len(left), len(right)); i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(cell.Fit(l, PCBubble) + strings.Repeat(" ", deviceGap) + r)
	}
	res.content = b.String()
	res.width, res.device = req.width, DeviceAuto
	return res
}

// phoneMarkdown is markdown as a phone without the new renderer shows it (see
// dingtalk.RenderRules): HTML other than <font> blank, and every table and code block a
// paragraph of one placeholder word, which rawBlocks.put replaces with the block's text as
// typed once glamour has drawn the rest.
func phoneMarkdown(text string) (string, *rawBlocks) {
	found := dingtalk.FindDiffering(text)
	if len(found) == 0 {
		return text, nil
	}
	raws := &rawBlocks{prefix: "dingbotraw"}
	for strings.Contains(text, raws.prefix) {
		raws.prefix += "x"
	}
	var b strings.Builder
	at := 0
	for _, f := range found {
		if f.Start < at {
			continue
		}
		b.WriteString(text[at:f.Start])
		at = f.End
		if f.Construct == dingtalk.ConstructHTML {
			continue // blank
		}
		// A block in a quote keeps its quote: the marks of the first line start each line.
		lines := strings.Split(text[f.Start:f.End], "\n")
		quote := quoteMarks(lines[0])
		for i, l := range lines {
			lines[i] = strings.ReplaceAll(cutQuote(l, len(quote)), "\t", "    ")
		}
		token := fmt.Sprintf("%s%04d", raws.prefix, len(raws.blocks))
		raws.blocks = append(raws.blocks, lines)
		// A paragraph of its own, in the quote.
		blank := strings.TrimRight(quote, " ")
		b.WriteString(blank + "\n" + quote + token + "\n" + blank)
	}
	b.WriteString(text[at:])
	return b.String(), raws
}

// quoteMarks is the quote marks a line starts with ("> > "), "" for none.
func quoteMarks(line string) string {
	i := 0
	for {
		j := i
		for j < len(line) && j-i < 3 && line[j] == ' ' {
			j++
		}
		if j >= len(line) || line[j] != '>' {
			return line[:i]
		}
		j++
		if j < len(line) && line[j] == ' ' {
			j++
		}
		i = j
	}
}

// cutQuote takes up to n bytes of quote marks off the start of a line (a lazy line has none).
func cutQuote(line string, n int) string {
	k := 0
	for k < len(line) && k < n && (line[k] == ' ' || line[k] == '>') {
		k++
	}
	return line[k:]
}

// rawBlocks are the tables and code blocks phoneMarkdown took out, by placeholder.
type rawBlocks struct {
	prefix string
	blocks [][]string
}

// put replaces each placeholder line glamour drew with its block's lines as typed, wrapped to
// width after what precedes the placeholder (a quote's bar), which starts each of them.
func (r *rawBlocks) put(lines []string, width int, show func(string) string) []string {
	if r == nil || len(r.blocks) == 0 {
		return lines
	}
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, r.prefix) {
			out = append(out, l)
			continue
		}
		text, at := visibleText(l)
		k := strings.Index(text, r.prefix)
		n := 0
		end := k + len(r.prefix)
		for end < len(text) && end-k-len(r.prefix) < 4 && text[end] >= '0' && text[end] <= '9' {
			n = n*10 + int(text[end]-'0')
			end++
		}
		if end-k-len(r.prefix) != 4 || n >= len(r.blocks) {
			out = append(out, l)
			continue
		}
		before, after := l[:at[k]], l[at[end-1]+1:]
		codes := strings.Join(escapeCode.FindAllString(after, -1), "")
		room := max(1, width-cell.Width(before))
		for _, raw := range r.blocks[n] {
			raw = show(raw)
			wrapped := []string{""}
			if raw != "" {
				wrapped = strings.Split(ansi.Hardwrap(ansi.Wordwrap(raw, room, ""), room, true), "\n")
			}
			for _, w := range wrapped {
				out = append(out, before+w+codes)
			}
		}
	}
	return out
}
