package preview

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/dingbot/dingbot/dingtalk"
)

// goldenMessages are every message type and a markdown message for each rendering rule of
// dingtalk.RenderRules where PC and phones differ, or that a preview draws in its own way.
func goldenMessages() []struct {
	name string
	msg  dingtalk.Message
} {
	mention := func(m dingtalk.Message) dingtalk.Message {
		m.At = &dingtalk.At{AtMobiles: []string{"13800000000"}}
		return m
	}
	return []struct {
		name string
		msg  dingtalk.Message
	}{
		{"text", mention(dingtalk.NewText("Deploy of api-gateway finished, all checks green. @13800000000 please verify"))},
		{"markdown", mention(dingtalk.NewMarkdown("Weekly report", "## Done this week\n\n- shipped the **composer**\n- fixed [the login bug](https://example.com/bug/42)\n\n> numbers are up 12%\n\nThanks @13800000000"))},
		{"link", dingtalk.NewLink("Release 1.4 is out", "Faster previews, history you can reopen, and a payload view that shows the exact JSON. Read the notes for everything that changed in this release.", "https://example.com/releases/1.4", "https://example.com/releases/1.4.png")},
		{"actionCard", dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Approve the rollout?", Text: "### Rollout 2025-03\n\nCanary is **healthy** for 2 hours.", SingleTitle: "Open the dashboard of the canary rollout", SingleURL: "https://example.com/dash"})},
		{"actionCardButtons", dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Ship it?", Text: "Vote for the **release**.", BtnOrientation: dingtalk.ButtonsHorizontal,
			Buttons: []dingtalk.Button{{Title: "Approve the release", ActionURL: "https://e.com/y"}, {Title: "Reject", ActionURL: "https://e.com/n"}, {Title: "Ask me again tomorrow", ActionURL: "https://e.com/l"}}})},
		{"actionCardStacked", dingtalk.NewActionCard(dingtalk.ActionCard{Title: "Ship it?", Text: "Vote for the **release**.", BtnOrientation: dingtalk.ButtonsVertical,
			Buttons: []dingtalk.Button{{Title: "Approve the release of version 1.4 to every region", ActionURL: "https://e.com/y"}, {Title: "Reject", ActionURL: "https://e.com/n"}}})},
		{"feedCard", dingtalk.NewFeedCard(
			dingtalk.FeedLink{Title: "Release 1.4 is out", MessageURL: "https://e.com/1", PicURL: "https://e.com/1.png"},
			dingtalk.FeedLink{Title: "How we test the composer: goldens, flows and a monkey", MessageURL: "https://e.com/2", PicURL: "https://e.com/2.png"},
			dingtalk.FeedLink{Title: "Templates", MessageURL: "https://e.com/3", PicURL: "https://e.com/3.png"})},
		{"ruleTable", dingtalk.NewMarkdown("Checks", "## Checks\n\n| Service | Region | p99 |\n|:--|:-:|--:|\n| api-gateway | cn-hangzhou | 120 ms |\n| search | cn-beijing | 310 ms |\n\nall green")},
		{"ruleCode", dingtalk.NewMarkdown("Fix", "Run this:\n\n```sh\nkubectl rollout restart deploy/search -n prod\nkubectl rollout status deploy/search\n```\n\nor, indented:\n\n    make deploy")},
		{"ruleHTML", dingtalk.NewMarkdown("Status", "Status: <font color=#ff0000>red</font>, see <span>the board</span> below\n\n<div>\n<b>details</b> only PC shows\n</div>\n\nend")},
		{"ruleMention", mention(dingtalk.NewMarkdown("Review", "@13800000000 please review the rollout notes"))},
		{"ruleImage", dingtalk.NewMarkdown("Chart", "Latency this week:\n\n![p99 latency](https://example.com/charts/p99.png)")},
	}
}

// goldenWidths are the preview pane's widths on terminals 80, 120 and 160 columns wide (see
// tui/layout.go: stacked under the editor, beside it, beside it with room for both devices).
var goldenWidths = []struct {
	terminal, pane int
}{{80, 80}, {120, 59}, {160, BothWidth}}

// TestGoldenDevices is the preview pane's View of every message type and rendering rule, on
// PC and on a phone, at three terminal widths: one device at a time at 80 and 120, switched
// with the device key, both side by side at 160. A highlighted @name is drawn in capitals
// (@ALICE: the goldens have no colour); on a phone, markdown leaves it plain.
func TestGoldenDevices(t *testing.T) {
	m := looksFor(t, MarkdownOptions{GlamourStyle: "dark", DarkScreen: true})
	st := *m.st
	st.Preview.Mention = st.Preview.Mention.Transform(strings.ToUpper)
	for _, g := range goldenMessages() {
		for _, w := range goldenWidths {
			devices := []Device{DevicePC, DevicePhone}
			if w.pane >= BothWidth {
				devices = []Device{DeviceAuto}
			}
			for _, d := range devices {
				name := g.name + "_" + strconv.Itoa(w.terminal)
				if d != DeviceAuto {
					name += "_" + d.Name()
				}
				t.Run(name, func(t *testing.T) {
					p := NewPane(&st, m.md)
					p.SetDeviceKey("alt+v")
					const h = 50
					p.SetSize(w.pane, h, 6)
					if d == DevicePhone && !p.SwitchDevice() {
						t.Fatal("no phone")
					}
					p.Next()
					cmd := p.Start(Request{Msg: g.msg, Robot: testRobot, Contacts: testContacts, Mentions: []dingtalk.Contact{testContacts[0]}})
					p.Show(cmd().(RenderedMsg))
					// As tall as the message and its notes, as the composer sizes the pane after a
					// render.
					tall := 1 + p.vp.TotalLineCount() + p.NotesHeight(w.pane)
					p.SetSize(w.pane, tall, 6)
					golden.RequireEqual(t, []byte(trimScreen(ansi.Strip(p.View(w.pane, tall)))+"\n"))
				})
			}
		}
	}
}

// trimScreen drops the blank lines at the end of a screen and the spaces at the end of lines.
func trimScreen(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
