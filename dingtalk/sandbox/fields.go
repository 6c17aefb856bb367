package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// knownFields are the field names DingTalk reads, per object, with their exact casing.
var knownFields = map[string][]string{
	"":           {"msgtype", "at", "msgUuid"},
	"text":       {"content"},
	"markdown":   {"title", "text"},
	"link":       {"title", "text", "messageUrl", "picUrl"},
	"actionCard": {"title", "text", "singleTitle", "singleURL", "btns", "btnOrientation", "hideAvatar"},
	"btns":       {"title", "actionURL"},
	"feedCard":   {"links"},
	"links":      {"title", "messageURL", "picURL"},
	"at":         {"atMobiles", "atUserIds", "isAtAll"},
}

// ignoredFields lists the fields of an accepted message that DingTalk does not read (a wrong
// casing, a typo, another type's body), which it ignores without a word: an "at.atmobiles"
// notifies nobody. The sandbox points them out.
func ignoredFields(msg map[string]any, msgtype string) []string {
	var notes []string
	check := func(path, kind string, o map[string]any) {
		known := append([]string(nil), knownFields[kind]...)
		if kind == "" {
			known = append(known, msgtype)
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if contains(known, k) {
				continue
			}
			name := k
			if path != "" {
				name = path + "." + k
			}
			note := fmt.Sprintf("%s is not a field DingTalk reads: it is ignored", name)
			for _, want := range known {
				if strings.EqualFold(want, k) {
					note = fmt.Sprintf("%s is ignored: DingTalk's field is %q (field names are case-sensitive)", name, want)
				}
			}
			notes = append(notes, note)
		}
	}
	check("", "", msg)
	if body, ok := msg[msgtype].(map[string]any); ok {
		check(msgtype, msgtype, body)
		for _, list := range []string{"btns", "links"} {
			items, _ := body[list].([]any)
			for i, it := range items {
				if o, ok := it.(map[string]any); ok {
					check(fmt.Sprintf("%s.%s[%d]", msgtype, list, i), list, o)
				}
			}
		}
	}
	if at, ok := msg["at"].(map[string]any); ok {
		check("at", "at", at)
	}
	return notes
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
