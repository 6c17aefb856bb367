package history

import (
	"context"
	"errors"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
)

// Outcome is the status of a message whose send returned err (nil: delivered): refused by
// DingTalk is Failed with its errcode and errmsg; no usable answer after the request went out
// (a timeout, a 5xx, a page from a proxy) is MaybeDelivered; a request that never left is Failed
// with why. Errors carry no secret (the client redacts them), and only their detail is kept.
func Outcome(err error) (st Status, errcode int, errmsg string) {
	var (
		api *dingtalk.APIError
		te  *dingtalk.TransportError
	)
	switch {
	case err == nil:
		return Delivered, 0, ""
	case errors.As(err, &api):
		if api.MaybeDelivered {
			return MaybeDelivered, api.Code, api.Message
		}
		return Failed, api.Code, api.Message
	case errors.As(err, &te):
		msg := string(te.Kind)
		if te.Detail != "" {
			msg += ": " + te.Detail
		}
		if te.MaybeDelivered {
			return MaybeDelivered, 0, msg
		}
		return Failed, 0, msg
	}
	return Failed, 0, "not sent"
}

// Recorder returns a hook for dingtalk.Client.Posted that appends every posted message to h
// with its outcome, from the face face() names. A history that cannot be written is told to
// onErr (if set); the send itself is not failed for it.
func (h *History) Recorder(face func() Face, now func() time.Time, onErr func(error)) func(context.Context, string, dingtalk.Message, error) {
	if now == nil {
		now = time.Now
	}
	return func(_ context.Context, robot string, msg dingtalk.Message, err error) {
		st, code, text := Outcome(err)
		e := Entry{Time: now(), Robot: robot, MsgType: msg.Type, Message: msg, Face: face(), Status: st, Errcode: code, Errmsg: text}
		if werr := h.Append(e); werr != nil && onErr != nil {
			onErr(werr)
		}
	}
}
