package config

// ExampleConfig is the commented config `dingbot config init` writes. Everything in it is
// commented out, so an untouched file loads with no robot and dingbot keeps using its built-in
// sandbox until the user fills in a real robot.
const ExampleConfig = `# dingbot configuration.
# Keep this file private (chmod 600): it holds robot credentials.
# Until a robot below is uncommented, dingbot sends to its built-in sandbox.

# default_robot names the robot used when none is given
# (not needed when there is only one robot).
# default_robot = "ops"

# test_robot names the robot the composer's test send (alt+e) posts to: a robot in a test
# group of your own, or the one on 'dingbot sandbox' below. The message goes marked [test]
# and the draft stays unsent. Unset, test sends go to the built-in sandbox and nothing
# leaves this machine.
# test_robot = "sandbox"

# dingbot counts each robot's sends per calendar month (China time), as DingTalk bills.
# org_monthly_quota caps all robots together: dingbot warns at 80 % and refuses at 100 %
# unless --force (0 or unset: no cap).
# org_monthly_quota = 3000

# One [robots.NAME] table per DingTalk group robot. Uncomment and fill in:
# [robots.ops]
# The webhook URL from the group's robot settings, or just the access token:
# webhook = "https://oapi.dingtalk.com/robot/send?access_token=PASTE_YOUR_TOKEN"
# The signing secret (it starts with SEC) if the robot signs its requests (加签):
# secret = "SEC..."
# Or read the secret from an environment variable instead of keeping it in this file:
# secret_env = "DINGBOT_OPS_SECRET"
# The robot's security keywords, if it has any: every message must contain one of them.
# keywords = ["deploy"]
# This robot's own monthly cap, warned and refused the same way (0 or unset: no cap):
# monthly_quota = 100

# A robot on the local sandbox that 'dingbot sandbox' serves. A host other than
# oapi.dingtalk.com must be allowed explicitly with allow_custom_host.
# [robots.sandbox]
# webhook = "http://127.0.0.1:8765/robot/send?access_token=sandbox"
# allow_custom_host = true

# People you can @mention by name. Each needs a mobile number or a DingTalk userId, or both.
# Numbers outside mainland China are written +CC-number, e.g. +852-12345678.
# [[contacts]]
# name = "Alice"
# mobile = "13800000000"
# user_id = "alice01"

# How 'dingbot --mcp' serves AI agents.
# [mcp]
# Ask you before every send posts (as --confirm does):
# confirm = true
# Queue a send that is held up (rate limited, paused, or split into more parts than the
# sends left this minute) instead of failing it, unless the call passes queue: false;
# it is posted, in order, as soon as the robot may send:
# queue_when_limited = true

# Robots shared by dingbot on several hosts: keep rate limits, monthly counts, pauses and
# the outbox in Redis instead of local files ($DINGBOT_REDIS_URL overrides it). A URL with
# a password makes this file a secret too.
# [state]
# redis = "redis://127.0.0.1:6379/0"

# 'dingbot serve' relays webhooks into robots: Alertmanager, Grafana, GitHub, GitLab, Gitea
# or any JSON. Where it listens (--addr overrides it; an address other machines can reach
# needs secret_env on every route):
# [serve]
# addr = "127.0.0.1:8080"

# One [[routes]] table per URL path that senders POST to.
# [[routes]]
# path = "/alertmanager"
# The payload's kind: alertmanager, grafana, github, gitlab, gitea or generic.
# source = "alertmanager"
# The robots that post each message:
# robots = ["ops"]
# The template that writes the message (unset: the source's own, see 'dingbot template ls'):
# template = "alert"
# A label or field whose value names a contact to @mention:
# mention_label = "owner"
# The environment variable holding the secret senders prove themselves with (a bearer token,
# GitHub's or Gitea's webhook secret, GitLab's secret token). Unset: only senders on this
# machine are accepted.
# secret_env = "DINGBOT_RELAY_TOKEN"
# Gather a burst into one summary message per robot per interval instead of one each:
# digest = "60s"
# The events the route posts: "firing" leaves out resolved alerts; a Git route names a kind
# ("push") or kind.action ("pull_request.merged", "workflow.failure"), "*" for everything or
# "default" for its default (finished workflows, pull requests opened, merged, closed, ready
# or approved, issues opened or closed, pushes, tags, published releases; no comments):
# events = ["firing"]
`
