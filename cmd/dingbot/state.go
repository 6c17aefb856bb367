package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/config"
	"github.com/dingbot/dingbot/dingtalk/delivery"
	"github.com/dingbot/dingbot/dingtalk/delivery/redisstore"
	"github.com/dingbot/dingbot/dingtalk/delivery/spool"
	"github.com/dingbot/dingbot/dingtalk/ratelimit"
)

// sharedState is where dingbot keeps what every process using a robot must agree on: the
// rate-limit windows, the monthly counts and pauses, and the outbox. Local files under the state
// directory by default; Redis when robots are shared across hosts.
type sharedState struct {
	limiter dingtalk.Limiter
	meter   dingtalk.Meter
	store   delivery.Store
	// where says where the state is, for people: no password.
	where string
	close func()
}

// redisTimeout bounds connecting to Redis at start.
const redisTimeout = 3 * time.Second

// openState opens the shared state the config asks for. A state that cannot be opened is not
// bypassed: every send then fails with its StateError.
func openState(ctx context.Context, cfg *config.Config, stateDir string) (*sharedState, error) {
	if cfg.Redis != "" {
		ctx, cancel := context.WithTimeout(ctx, redisTimeout)
		defer cancel()
		rs, err := redisstore.Open(ctx, cfg.Redis, redisstore.DefaultPrefix)
		if err != nil {
			return nil, err
		}
		return redisState(rs, cfg.Redis), nil
	}
	sp, err := spool.Open(filepath.Join(stateDir, "outbox"))
	if err != nil {
		return nil, err
	}
	return &sharedState{
		limiter: ratelimit.New(filepath.Join(stateDir, "ratelimit")), meter: sp, store: sp,
		where: "files under " + stateDir,
		close: func() { _ = sp.Close() },
	}, nil
}

// redisState is the shared state kept in Redis by rs (url names it, without its password).
func redisState(rs *redisstore.Store, url string) *sharedState {
	return &sharedState{
		limiter: rs.Limiter(), meter: rs, store: rs,
		where: "Redis at " + config.RedactURL(url),
		close: func() { _ = rs.Close() },
	}
}

// dialRedisState replaces a Redis state that could not be opened (the server is down) with one
// that connects when Redis answers: for dingbot serve, which starts anyway and reports not
// ready, as it does when Redis goes away later, instead of exiting into a restart loop.
func (a *app) dialRedisState() error {
	rs, err := redisstore.Dial(a.cfg.Redis, redisstore.DefaultPrefix)
	if err != nil {
		return err
	}
	st := redisState(rs, a.cfg.Redis)
	st.store = recordingStore{Store: st.store, h: a.history, face: a.currentFace}
	a.state, a.stateErr = st, nil
	a.client.Limiter, a.client.Meter = st.limiter, st.meter
	return nil
}

// brokenState stands in for a state that could not be opened: every use fails with its error,
// so nothing is sent without the rate limit and the quota, and everything else still works.
type brokenState struct{ err error }

func (b brokenState) Reserve(string) (time.Duration, error) { return 0, b.err }
func (b brokenState) Wait(context.Context, string, func(time.Duration)) error {
	return b.err
}
func (b brokenState) Release(string) error          { return b.err }
func (b brokenState) Remaining(string) (int, error) { return 0, b.err }
func (b brokenState) Paused(context.Context, string, time.Time) (dingtalk.Pause, error) {
	return dingtalk.Pause{}, b.err
}
func (b brokenState) Pause(context.Context, string, dingtalk.Pause) error { return b.err }
func (b brokenState) Count(context.Context, string, string) (int, int, error) {
	return 0, 0, b.err
}
func (b brokenState) Used(context.Context, string, string) (int, int, error) {
	return 0, 0, b.err
}

// outbox returns the app's outbox over its shared state, delivering with a client that does
// not wait for rate-limit slots (the outbox waits itself). o gives the logging (Logf or
// Logger); the senders and the robots are the app's.
func (a *app) outbox(o delivery.Options) (*delivery.Outbox, error) {
	if a.stateErr != nil {
		return nil, a.stateErr
	}
	send := *a.client
	send.WaitForSlot, send.OnWait = false, nil
	force := send
	force.IgnoreQuota = true
	o.Sender, o.ForceSender, o.Robot = &send, &force, a.robot
	if o.KeepFinished == 0 {
		o.KeepFinished = keepFinished
	}
	return delivery.New(a.state.store, o), nil
}

// keepFinished is how long the outbox keeps a finished job (sent, failed, unknown) for
// `dingbot outbox` to show and retry: a drainer that runs (dingbot serve, --mcp, the composer)
// deletes older ones. The history keeps its own record.
const keepFinished = 30 * 24 * time.Hour

// describeState is a line for people saying where the shared state lives.
func (a *app) describeState() string {
	if a.stateErr != nil {
		return fmt.Sprintf("unusable: %v", a.stateErr)
	}
	return a.state.where
}
