package dingtalk

import (
	"crypto/rand"
	"encoding/hex"
)

// msgUUIDOverhead is what carrying a msgUuid adds to a body, besides the key itself.
const msgUUIDOverhead = len(`,"msgUuid":""`)

// NewMsgUUID returns a fresh msgUuid for a message whose prepared body is bodyBytes long, or ""
// when carrying one would push the body over MaxBodyBytes: a message right at the limit goes
// without rather than being refused.
func NewMsgUUID(bodyBytes int) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	uuid := "dingbot-" + hex.EncodeToString(b[:])
	if bodyBytes+msgUUIDOverhead+len(uuid) > MaxBodyBytes {
		return ""
	}
	return uuid
}
