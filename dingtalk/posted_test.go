package dingtalk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// postedCall is one call of Client.Posted.
type postedCall struct {
	robot string
	msg   dingtalk.Message
	err   error
}

// Posted hears of each send that made a request once, with the message as posted (msgUuid
// included), after the resend; not of a send refused before any request.
func TestPostedIsToldOnceASendMadeARequest(t *testing.T) {
	_, r := sandboxRobot(t, sandbox.Options{Delay: 300 * time.Millisecond})
	c := dingtalk.NewClient(100 * time.Millisecond)
	c.RetryDelay = time.Millisecond
	var calls []postedCall
	c.Posted = func(_ context.Context, robot string, m dingtalk.Message, err error) {
		calls = append(calls, postedCall{robot, m, err})
	}
	m := dingtalk.NewText("hello")
	m.MsgUUID = "dingbot-posted"
	_, err := c.Send(context.Background(), r, m)
	var te *dingtalk.TransportError
	if !errors.As(err, &te) || len(calls) != 1 {
		t.Fatalf("timeout: %v, %d calls", err, len(calls))
	}
	if got := calls[0]; got.robot != "test" || got.msg.MsgUUID != "dingbot-posted" || !errors.As(got.err, &te) || !te.MaybeDelivered {
		t.Fatalf("call %+v", got)
	}
	// Invalid: nothing posted, nothing told.
	if _, err := c.Send(context.Background(), r, dingtalk.NewText("")); err == nil || len(calls) != 1 {
		t.Fatalf("an invalid message: %v, %d calls", err, len(calls))
	}
}
