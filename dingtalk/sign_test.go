package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignVector(t *testing.T) {
	const secret = "SECabc123"
	const ts = int64(1700000000000)
	// Computed outside Go (Python's hmac and base64 modules).
	const want = "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk="
	if got := Sign(secret, ts); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	// And independently with the standard library, as the API page states the formula.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("1700000000000\n" + secret))
	if indep := base64.StdEncoding.EncodeToString(mac.Sum(nil)); indep != want {
		t.Fatalf("independent sign = %q, want %q", indep, want)
	}
}

func TestSignedURLEncodesOnceAndIsFresh(t *testing.T) {
	ep := Endpoint{URL: DefaultEndpoint, Token: "tok123"}
	at := time.UnixMilli(1700000000000)
	got := SignedURL(ep, "SECabc123", at)
	if !strings.Contains(got, "sign=N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D") {
		t.Fatalf("sign not URL-encoded exactly once: %s", got)
	}
	if !strings.Contains(got, "timestamp=1700000000000") || !strings.Contains(got, "access_token=tok123") {
		t.Fatalf("missing timestamp or token: %s", got)
	}
	u, _ := url.Parse(got)
	if u.Query().Get("sign") != Sign("SECabc123", 1700000000000) {
		t.Fatalf("sign does not decode back to the signature")
	}
	later := SignedURL(ep, "SECabc123", at.Add(time.Millisecond))
	if later == got {
		t.Fatal("a later request reused the signature")
	}
	if unsigned := SignedURL(ep, "", at); strings.Contains(unsigned, "sign=") || strings.Contains(unsigned, "timestamp=") {
		t.Fatalf("unsigned robot got a signature: %s", unsigned)
	}
}

func BenchmarkBuildAndSign(b *testing.B) {
	r := Robot{Name: "bench", Webhook: "tok", Secret: "SECabc123"}
	m := NewMarkdown("Deploy", "## Build 42\n\n- **passed** in 3m\n- [logs](https://ci.example/42)")
	m.At = &At{AtMobiles: []string{"13800000000"}}
	ep, _ := r.Endpoint()
	b.ReportAllocs()
	for b.Loop() {
		p, err := Prepare(r, m, PrepareOptions{})
		if err != nil {
			b.Fatal(err)
		}
		_ = SignedURL(ep, r.Secret, time.Now())
		_ = p.Body
	}
}
