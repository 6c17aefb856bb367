package dingtalk

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DefaultHost is DingTalk's API host; any other host must be allowed explicitly.
const DefaultHost = "oapi.dingtalk.com"

// DefaultEndpoint is the webhook endpoint used when a robot is given as a bare token.
const DefaultEndpoint = "https://" + DefaultHost + "/robot/send"

// Robot is one DingTalk group robot as the user configured it.
type Robot struct {
	// Name is how the user refers to the robot ("ops", "default").
	Name string
	// Webhook is either the bare access token or the whole webhook URL copied from
	// the group settings.
	Webhook string
	// Secret is the "SEC…" signing secret; empty for robots secured by keywords or IP only.
	Secret string
	// Keywords are the robot's security keywords; a message must contain one of them.
	Keywords []string
	// AllowCustomHost permits a webhook host other than oapi.dingtalk.com (a sandbox, a proxy).
	AllowCustomHost bool
	// MonthlyQuota caps this robot's sends per calendar month (China Standard Time); 0 counts
	// without a cap.
	MonthlyQuota int
}

// Signed reports whether requests to this robot carry a timestamp and signature.
func (r Robot) Signed() bool { return r.Secret != "" }

// Endpoint is a parsed webhook: where to POST and with which token.
type Endpoint struct {
	// URL is the endpoint without any query (scheme, host and path).
	URL string
	// Token is the access_token.
	Token string
}

// Endpoint parses the robot's webhook.
func (r Robot) Endpoint() (Endpoint, error) {
	return ParseWebhook(r.Webhook, r.AllowCustomHost)
}

// ErrNoWebhook is returned for a robot whose webhook is empty.
var ErrNoWebhook = errors.New("no webhook: give the access token or the whole webhook URL from the group's robot settings")

// ParseWebhook accepts a bare access token or a whole webhook URL
// (https://oapi.dingtalk.com/robot/send?access_token=…, possibly with a stale timestamp and sign,
// which are dropped). A host other than oapi.dingtalk.com is refused unless allowCustomHost.
// Errors never contain the token.
func ParseWebhook(webhook string, allowCustomHost bool) (Endpoint, error) {
	w := strings.TrimSpace(webhook)
	if w == "" {
		return Endpoint{}, ErrNoWebhook
	}
	if !strings.Contains(w, "://") && !strings.ContainsAny(w, "/?&=") {
		if err := checkToken(w); err != nil {
			return Endpoint{}, err
		}
		return Endpoint{URL: DefaultEndpoint, Token: w}, nil
	}
	u, err := url.Parse(w)
	if err != nil || u.Host == "" {
		return Endpoint{}, errors.New("webhook is neither an access token nor a URL like https://oapi.dingtalk.com/robot/send?access_token=…")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return Endpoint{}, fmt.Errorf("webhook URL scheme %q is not http or https", u.Scheme)
	}
	if u.Hostname() != DefaultHost && !allowCustomHost {
		return Endpoint{}, fmt.Errorf("webhook host %q is not %s: set allow_custom_host = true for this robot to send elsewhere", u.Host, DefaultHost)
	}
	if u.Hostname() == DefaultHost && u.Scheme != "https" {
		u.Scheme = "https"
	}
	token := u.Query().Get("access_token")
	if token == "" {
		return Endpoint{}, errors.New("webhook URL has no access_token parameter: copy the whole URL from the group's robot settings")
	}
	if err := checkToken(token); err != nil {
		return Endpoint{}, err
	}
	path := u.Path
	if path == "" {
		path = "/robot/send"
	}
	return Endpoint{URL: u.Scheme + "://" + u.Host + path, Token: token}, nil
}

func checkToken(t string) error {
	for _, r := range t {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"'<>\#%{}|^`+"`", r) {
			return errors.New("access token contains characters a DingTalk token never has (spaces, quotes or punctuation): copy it again from the group's robot settings")
		}
	}
	return nil
}

// Contact is a person who can be mentioned: by mobile number, by DingTalk userId, or both.
type Contact struct {
	Name   string
	Mobile string
	UserID string
}

// Handle is what is written after "@" in a message to notify this contact.
func (c Contact) Handle() string {
	if c.Mobile != "" {
		return c.Mobile
	}
	return c.UserID
}

// Contacts is an address book for mentioning people by name.
type Contacts []Contact

// Find returns the contact with this name (case-insensitive), or a unique contact whose name
// starts with it.
func (cs Contacts) Find(name string) (Contact, error) {
	n := strings.TrimSpace(strings.TrimPrefix(name, "@"))
	var prefix []Contact
	for _, c := range cs {
		if strings.EqualFold(c.Name, n) {
			return c, nil
		}
		if n != "" && strings.HasPrefix(strings.ToLower(c.Name), strings.ToLower(n)) {
			prefix = append(prefix, c)
		}
	}
	switch len(prefix) {
	case 1:
		return prefix[0], nil
	case 0:
		if len(cs) == 0 {
			return Contact{}, fmt.Errorf("no contact named %q: no contacts are configured (add [[contacts]] to the config)", n)
		}
		did := ""
		if near := Nearest(n, cs.Names()); near != "" {
			did = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return Contact{}, fmt.Errorf("no contact named %q%s; known: %s", n, did, strings.Join(cs.Names(), ", "))
	default:
		names := make([]string, len(prefix))
		for i, c := range prefix {
			names[i] = c.Name
		}
		return Contact{}, fmt.Errorf("%q matches several contacts: %s", n, strings.Join(names, ", "))
	}
}

// ByHandle returns the contact whose mobile or userId is handle.
func (cs Contacts) ByHandle(handle string) (Contact, bool) {
	for _, c := range cs {
		if handle != "" && (c.Mobile == handle || c.UserID == handle) {
			return c, true
		}
	}
	return Contact{}, false
}

// Names lists the contacts' names.
func (cs Contacts) Names() []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// MentionNames adds the named contacts to at: mobile when known, otherwise userId.
func (cs Contacts) MentionNames(at *At, names ...string) error {
	var errs []error
	for _, n := range names {
		c, err := cs.Find(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case c.Mobile != "":
			at.AtMobiles = appendUnique(at.AtMobiles, c.Mobile)
		case c.UserID != "":
			at.AtUserIDs = appendUnique(at.AtUserIDs, c.UserID)
		default:
			errs = append(errs, fmt.Errorf("contact %q has neither mobile nor user_id", c.Name))
		}
	}
	return errors.Join(errs...)
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
