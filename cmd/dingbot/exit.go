package main

import (
	"errors"
	"fmt"

	"github.com/dingbot/dingbot/dingtalk"
)

// Exit codes of dingbot send, documented in the README and in `dingbot send --help`.
const (
	exitOK          = 0 // sent (or, with --dry-run, valid)
	exitRefused     = 1 // DingTalk refused the message: errcode, errmsg and hint on stderr
	exitUsage       = 2 // bad usage, bad config or an invalid message: nothing was sent
	exitNetwork     = 3 // network failure or timeout
	exitRateLimited = 4 // rate limited and --no-wait given, paused by DingTalk, or a monthly quota used up
	exitState       = 5 // the state directory cannot be used: nothing was sent
	// An interrupted command exits 128 plus the signal's number: 130 for ctrl+c (see main.go).
)

// configError marks a problem with the config file (exit code 2, error kind config_error).
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// unknownRobotError is a robot name that is not in the config (exit code 2, error kind
// unknown_robot, as in the MCP tools).
type unknownRobotError struct{ err error }

func (e unknownRobotError) Error() string { return e.err.Error() }
func (e unknownRobotError) Unwrap() error { return e.err }

// usageError marks errors in how dingbot was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var (
		api   *dingtalk.APIError
		tr    *dingtalk.TransportError
		rate  *dingtalk.RateLimitError
		state *dingtalk.StateError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &api):
		switch api.Code {
		case 410100, 130101, 90030:
			// Throttled, or the month used up: the same exit as the refusals that follow.
			return exitRateLimited
		}
		return exitRefused
	case errors.As(err, &rate), errors.As(err, new(*dingtalk.PausedError)), errors.As(err, new(*dingtalk.QuotaError)):
		return exitRateLimited
	case errors.As(err, &tr):
		return exitNetwork
	case errors.As(err, &state):
		return exitState
	}
	return exitUsage
}

// errorKind names the failure in --json output, with the same words the MCP tools use.
func errorKind(err error) string {
	var (
		api  *dingtalk.APIError
		tr   *dingtalk.TransportError
		rate *dingtalk.RateLimitError
		val  *dingtalk.ValidationError
		kw   *dingtalk.KeywordError
	)
	if errors.As(err, new(*dingtalk.StateError)) {
		return "state_error"
	}
	if errors.As(err, new(*dingtalk.QuotaError)) {
		return "quota_exhausted"
	}
	if errors.As(err, new(*dingtalk.PausedError)) {
		return "rate_limited"
	}
	switch {
	case err == nil:
		return ""
	case errors.As(err, &api):
		switch api.Code {
		case 410100, 130101:
			return "rate_limited"
		case 90030:
			return "quota_exhausted"
		}
		return "dingtalk_error"
	case errors.As(err, &rate):
		return "rate_limited"
	case errors.As(err, &tr):
		switch tr.Kind {
		case dingtalk.KindTimeout:
			return "timeout"
		case dingtalk.KindBadResponse:
			return "bad_response"
		case dingtalk.KindCanceled:
			return "canceled"
		}
		return "connection_failed"
	case errors.As(err, &val):
		return "invalid_message"
	case errors.As(err, &kw):
		return "keyword_missing"
	case errors.As(err, new(configError)):
		return "config_error"
	case errors.As(err, new(unknownRobotError)):
		return "unknown_robot"
	}
	return "usage"
}
