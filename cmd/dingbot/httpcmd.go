package main

import (
	"errors"
	"os"

	"github.com/spf13/pflag"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/mcp"
)

// addHTTPFlags adds --http and --http-token-env to the root command's flags.
func addHTTPFlags(f *pflag.FlagSet, rf *rootFlags) {
	f.StringVar(&rf.http, "http", "", "with --mcp: serve MCP over Streamable HTTP at http://ADDR/mcp instead of stdio (127.0.0.1:8787; :8787 is 127.0.0.1; any other address needs --http-token-env)")
	f.StringVar(&rf.httpTokenEnv, "http-token-env", "", "with --http: clients must send the bearer token held in this environment variable (give its name)")
}

// httpOptions turns --http and --http-token-env into the HTTP server's options, nil without
// --http. It refuses (exit 2), before anything listens, an address beyond loopback without a
// token. The token is read from the environment, never from the command line.
func httpOptions(rf *rootFlags) (*mcp.HTTPOptions, error) {
	if rf.http == "" {
		if rf.httpTokenEnv != "" {
			return nil, usagef("--http-token-env goes with --http ADDR")
		}
		return nil, nil
	}
	if _, _, err := mcp.HTTPAddress(rf.http); err != nil {
		return nil, usagef("--http %w", err)
	}
	h := &mcp.HTTPOptions{Addr: rf.http}
	if name := rf.httpTokenEnv; name != "" {
		if dingtalk.LooksSecret(name) {
			return nil, usagef("--http-token-env takes the name of an environment variable: that looks like the token itself, give the variable's name (export DINGBOT_HTTP_TOKEN=… and pass --http-token-env DINGBOT_HTTP_TOKEN)")
		}
		if !envName.MatchString(name) {
			return nil, usagef("--http-token-env takes the name of an environment variable (letters, digits and _, e.g. DINGBOT_HTTP_TOKEN)")
		}
		h.Token = os.Getenv(name)
		if h.Token == "" {
			return nil, usagef("--http-token-env %s: the variable is not set (or is empty): export %s=$(openssl rand -hex 32) and give the same token to the clients", name, name)
		}
	}
	err := mcp.CheckHTTP(*h)
	switch {
	case err == nil:
		return h, nil
	case errors.Is(err, mcp.ErrTokenRequired):
		return nil, usagef("--http %s is reachable from other machines, so clients must prove who they are: put a bearer token in an environment variable and name it with --http-token-env "+
			"(export DINGBOT_HTTP_TOKEN=$(openssl rand -hex 32); dingbot --mcp --http %s --http-token-env DINGBOT_HTTP_TOKEN), or listen on loopback only (--http 127.0.0.1:8787)", rf.http, rf.http)
	default:
		return nil, usagef("--http-token-env %s: %w", rf.httpTokenEnv, err)
	}
}
