package ratelimit

import "github.com/dingbot/dingbot/dingtalk"

// The client's Limiter interface is what this package exists to implement.
var _ dingtalk.Limiter = (*Limiter)(nil)
