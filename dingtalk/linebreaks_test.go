package dingtalk

import "testing"

func TestSoftBreaksJoined(t *testing.T) {
	cases := []struct {
		in, want string
		hard     bool
	}{
		{"one\ntwo", "one\ntwo", false},
		{"**a** opened  \nLabels: x\ny  \nReviewers: z", "**a** opened  \nLabels: x y  \nReviewers: z", true},
		{"> quote  \n> two\n> three", "> quote  \n> two three", true},
		{"- item  \n  more\n  and more\n- next", "- item  \n  more and more\n- next", true},
		{"# head\n\npara  \nline\n\n```\ncode  \nkept\n```", "# head\n\npara  \nline\n\n```\ncode  \nkept\n```", true},
	}
	for _, c := range cases {
		got, hard := SoftBreaksJoined(c.in)
		if got != c.want || hard != c.hard {
			t.Errorf("%q:\n got %q %v\nwant %q %v", c.in, got, hard, c.want, c.hard)
		}
	}
}
