package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/tui/preview"
	"github.com/dingbot/dingbot/tui/styles"
)

// Whole screens of the preview: colour, notes, the palette.

func TestNoColorScreenHasNoColour(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	opts := testOptions(t)
	opts.NoColor = true
	opts.GlamourStyle = ""
	d := newDriver(t, opts, 120, 40)
	d.typeText("Weekly")
	d.key("tab")
	d.typeText("# Heading\n\n**bold** and [a link](https://e.com) @13800000000")
	d.key("alt+m", "enter")
	screen := d.view()
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7]);`).MatchString(screen) ||
		regexp.MustCompile(`\x1b\[[0-9;]*[34]8;[25];`).MatchString(screen) {
		t.Fatalf("colour escape codes with NoColor:\n%q", screen)
	}
	colour := newDriver(t, testOptions(t), 120, 40)
	colour.typeText("Weekly")
	if !strings.Contains(colour.view(), "38;2;") {
		t.Fatal("the colour screen has no colour: the check above proves nothing")
	}
}

// Warnings under the preview wrap instead of being cut; what does not fit is counted, and the
// payload view lists every one in full.
func TestNotesWrapAndThePayloadListsThemAll(t *testing.T) {
	d := newDriver(t, testOptions(t), 120, 40)
	d.typeText("T")
	d.key("tab")
	d.typeText("first line\nsecond line ~~struck~~ <div>x</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n")
	notes := d.m.preview.Notes()
	if len(notes) < 4 {
		t.Fatalf("want several notes, got %+v", notes)
	}
	w := d.m.geometry().previewW
	lines := d.m.preview.NoteLines(w)
	if len(lines) > d.m.preview.MaxNotes() {
		t.Fatalf("%d note lines, at most %d", len(lines), d.m.preview.MaxNotes())
	}
	var shown strings.Builder
	for _, l := range lines {
		if lipgloss.Width(l) > w {
			t.Errorf("note line wider than the pane: %q", l)
		}
		shown.WriteString(strings.TrimSpace(strings.TrimLeft(ansi.Strip(l), "!✗ ")) + " ")
	}
	first := "! " + notes[0]
	if !strings.Contains(shown.String(), notes[0]) {
		t.Fatalf("the first note is not shown in full: %q\n%s", first, shown.String())
	}
	if last := ansi.Strip(lines[len(lines)-1]); !regexp.MustCompile(`^\+\d+ more: alt\+p shows all$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	if !strings.Contains(d.view(), notes[0][:20]) {
		t.Fatalf("notes not on screen:\n%s", d.view())
	}
	payload := preview.Payload(testRobot, d.m.form.Message(), fixedNow, 1000, testContacts)
	for _, n := range notes {
		if !strings.Contains(payload, n) {
			t.Errorf("payload lacks %q:\n%s", n, payload)
		}
	}
}

// GLAMOUR_STYLE=light draws the whole screen for a light background, dark for a dark one.
func TestGlamourStyleSetsThePaletteOfTheWholeScreen(t *testing.T) {
	light, dark := styles.New(false, false).Editor.Text.GetForeground(), styles.New(true, false).Editor.Text.GetForeground()
	for _, c := range []struct {
		style string
		dark  bool
		want  lipgloss.TerminalColor
	}{
		{"light", true, light},
		{"dark", false, dark},
		{"", true, dark},
		{"", false, light},
		{"notty", false, light},
	} {
		m, err := New(Options{Robots: []dingtalk.Robot{testRobot}, Dark: c.dark, GlamourStyle: c.style})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.st.Editor.Text.GetForeground(); got != c.want {
			t.Errorf("GLAMOUR_STYLE=%q, dark terminal %v: text colour %v, want %v", c.style, c.dark, got, c.want)
		}
	}
}
