package config

// ExampleConfig is the commented config `dingbot config init` writes. Its robot has no webhook
// yet: loading it fails until the user pastes one in, which says exactly what to do.
const ExampleConfig = `# dingbot configuration.
# Keep this file private (chmod 600): it holds robot credentials.

# default_robot names the robot used when none is given.
default_robot = "ops"

# One [robots.NAME] table per DingTalk group robot.
[robots.ops]
# The webhook URL from the group's robot settings
# (https://oapi.dingtalk.com/robot/send?access_token=...), or just the access token.
webhook = ""
# The signing secret (it starts with SEC) if the robot signs its requests; empty if not.
secret = ""
# Or read the secret from an environment variable instead of keeping it in this file:
# secret_env = "DINGBOT_OPS_SECRET"
# The robot's security keywords, if it has any: every message must contain one of them.
keywords = []
# true allows a webhook host other than oapi.dingtalk.com (a proxy, or dingbot's sandbox).
allow_custom_host = false

# A robot on the local sandbox that 'dingbot sandbox' serves:
# [robots.sandbox]
# webhook = "http://127.0.0.1:8765/robot/send?access_token=sandbox"
# allow_custom_host = true

# People you can @mention by name. Each needs a mobile number or a DingTalk userId, or both.
# Numbers outside mainland China are written +CC-number, e.g. +852-12345678.
# [[contacts]]
# name = "Alice"
# mobile = "13800000000"
# user_id = "alice01"
`
