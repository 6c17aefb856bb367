package dingtalk

import (
	"strings"
	"testing"
)

func TestMaskSecretLike(t *testing.T) {
	const secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	const token = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	for _, in := range []string{
		secret,
		"secret_env: environment variable " + secret + " is not set",
		"webhook https://oapi.dingtalk.com/robot/send?access_token=" + token + "&timestamp=1&sign=abc%2Bdef",
		"unknown key " + token,
		`secret="` + "SECshort12345" + `"`,
		"until " + token[:31] + " is set",
		"dingbot-" + token,
		"r-d-" + token,
		"dg-20261202T035800.000-" + token,
	} {
		out := MaskSecretLike(in)
		for _, leak := range []string{secret, token, secret[3:20], token[:20], "abc%2Bdef", "SECshort"} {
			if strings.Contains(out, leak) {
				t.Errorf("MaskSecretLike(%q) = %q: still contains %q", in, out, leak)
			}
		}
		if !LooksSecret(in) {
			t.Errorf("LooksSecret(%q) = false", in)
		}
	}
	for _, keep := range []string{"DINGBOT_OPS_SECRET", "robot ops", "SECURITY_TOKEN", "deploy 42 done", "abc123",
		"r-1 sent (msgUuid dingbot-0123456789abcdef0123456789abcdef)",
		"delivery r-d-0123456789abcdef01234567 in dg-20261202T035800.000-0123456789abcdef"} {
		if got := MaskSecretLike(keep); got != keep {
			t.Errorf("MaskSecretLike(%q) = %q, want it unchanged", keep, got)
		}
	}
}
