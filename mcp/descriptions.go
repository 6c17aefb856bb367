package mcp

// What agents read. Each rule is said once: what every tool shares is in sharedRules, sent as the
// server instructions; a tool's description says what it is for, when to use it rather than its
// siblings, and what is particular to it. TestNoRepeatedSentences keeps it that way, and every
// change shows up in __toolsnaps__ as a reviewed diff.

// sharedRules start the server instructions.
const sharedRules = `dingbot posts messages to DingTalk group chats through the user's configured custom robots (group webhooks); the robot decides the group. Robots only send: they cannot read the group, its messages or its members. Rules for all tools:
- robot: a name from list_robots; omitted, the default robot is used. Webhook URLs, tokens and secrets are never accepted or shown. Robots and contacts come from the user's dingbot config; only the user can change them.
- Posting is instant and visible to the whole group, and cannot be edited or recalled: be sure of the robot and the content (preview_message checks without sending, but it cannot see a revoked token, a signature or IP allow-list failure, or who is in the group: only a send meets those).
- Each robot may send 20 messages a minute (more fails at once as rate_limited, with retryAfterSeconds; so does every send to a robot DingTalk paused for 10 minutes for sending too fast: list_robots' warnings name it), each a JSON body of at most 20000 bytes (maxBytes; a Chinese character takes 3). split: true posts a longer text, markdown or action card as parts marked (1/3), in order, with msgUuids <msgUuid>-1, -2, …; sending stops at the first part that fails. To post the rest, call again with the same arguments and msgUuid: every part is sent again with its msgUuid, and parts already posted are not posted twice.
- Every send counts toward the organisation's monthly webhook quota, even one DingTalk refuses. Results report monthUsed (this month in China time, all dingbot processes) and monthlyQuota (the robot's cap, if set); a warning comes at 80 %; quota_exhausted only the user can solve.
- A robot with security keywords (list_robots) accepts only messages containing one of them: in the text (text), title or text (markdown, link), title, text or a button label (action card), an item's title (feed card). preview_message's keywordCheck says whether one is there (ok) and which (matched).
- Mentions (text and markdown; in an action card write @userId in its text): DingTalk notifies only people whose @mobile or @userId is also in the text: write it where the mention should appear, or dingbot appends it (at the end of a text, on a last line of markdown; mentionsAdded). atMobiles: 13800000000 in mainland China, +852-12345678 elsewhere. atUserIds: DingTalk userIds, not names or e-mails. atNames: contacts from list_contacts, mentioned by mobile, else userId; an unknown name fails the call. At most 50 people; only group members are notified; atAll (@all) only for what concerns everyone. In a text message the @Name shows highlighted and tappable on phones; not in markdown since 2024 (it still notifies): use text when the mention itself matters.
- msgUuid: DingTalk's idempotency key: a resend after a timeout with the same msgUuid does not post twice. Omit it for a new message (dingbot sets one and returns it); pass a returned one only to retry that same message. A resend DingTalk does not post again still returns ok: dingbot cannot tell it was a duplicate.
- URLs: http(s)://, or dingtalk://dingtalkclient/page/link?url=<url-encoded URL>&pc_slide=true to open inside DingTalk's side panel on PC. Pictures (picUrl, picURL, markdown images) must be http(s) URLs that readers' DingTalk apps can load: not localhost or an intranet address; preview_message cannot check that.
- Markdown (markdown and action cards) is a subset: # to ###### headings, **bold**, *italic*, [text](url), ![](image URL), > quotes, - and 1. lists, <font color=#FF0000>text</font>. Tables, code blocks, other HTML and ~~strikethrough~~ show only on PC or not at all. A single line break shows as a space: end the line with two spaces or leave a blank line. title shows only in the chat list and notification; repeat it as a # heading to show it.
- Results: ok; hint; warnings, which did not stop the call; for a message also robot, msgtype, bytes (the request body), sendsLeft this minute (absent when dingbot cannot count them; null in list_robots), body (the exact JSON request, in previews and refusals) and parts, one per part of a split message: msgUuid, bytes, sent (sends) and body (previews).
- Failures: isError true; error is the kind; errcode and errmsg are DingTalk's answer (without one, errcode is null and errmsg dingbot's own); problems lists each mistake; hint says what to do: follow it, never retry blindly. A hint starting "nothing was sent" means a corrected retry is safe. maybeDelivered true: the request left and the message may be posted; retry only with the same msgUuid, or ask the user. resent true (attempts 2): dingbot itself resent once, safely.
- Kinds: invalid_arguments, invalid_message, keyword_missing, unknown_robot, unknown_contact, robot_misconfigured and config_error (the user must fix the config and restart the server), rate_limited, quota_exhausted, dingtalk_error, timeout, connection_failed, bad_response, canceled, state_error (dingbot's shared send counts are unusable; nothing is sent until the user fixes them), internal_error.`

// The send tools' descriptions take postingNote after their first sentence (%s).

const descSendText = "Send a plain-text message to a DingTalk group. %s " +
	"Use it for short notices and alerts, and @mentions that must stand out (tappable on phones, unlike in markdown); use send_markdown_message for formatting or links, send_action_card or send_link_message for buttons or a link preview."

const descSendMarkdown = "Send a markdown message to a DingTalk group. %s " +
	"Use it for reports, release notes and alerts with headings, lists, links or images; use send_text_message for a plain line, send_action_card for buttons. " +
	"Phones and PCs render it differently: check it with preview_message."

const descSendLink = "Send a link card to a DingTalk group: a titled preview opening messageUrl when tapped. %s " +
	"Use it to share one article, build or dashboard; use send_feed_card for several links, send_markdown_message for inline links."

const descSendActionCard = "Send an action card to a DingTalk group: a markdown body with buttons that open URLs. %s " +
	"Use it when readers should act (review, approve, open a dashboard); use send_link_message for a plain link preview. " +
	"Needs singleTitle and singleURL (one full-width button) or buttons (at least one), not both. " +
	"Split parts each carry the buttons. " +
	"Mention by @userId in text."

const descSendFeedCard = "Send a feed card to a DingTalk group: items with a title and picture, each opening its URL. %s " +
	"Use it for digests of several articles, builds or tickets; use send_link_message for one link. " +
	"It has no body text; keywords count in item titles only."

// postingNote says what a send does to the group, in each mode: under 40 characters, so that
// the five send tools may share it. sharedRules says it in full, confirmRules what confirm mode
// adds.
func postingNote(opts Options) string {
	switch {
	case opts.DryRun:
		return "Dry run: posts nothing."
	case opts.Sandbox:
		return "Posts to the local sandbox only."
	}
	return "Posts to the group now; no recall."
}

const descPreview = "Check a DingTalk message without sending it: the exact JSON body a send would post, its size, the robot's keywordCheck, phone/PC warnings and every problem dingbot can detect. " +
	"Posts nothing; uses no quota or rate-limit slot. " +
	"Use it before sending long markdown, cards or mentions, or to a robot with keywords, and after invalid_message or keyword_missing. " +
	"Takes msgtype plus exactly the matching send tool's arguments%s; then call that tool with the same ones. " +
	"A message DingTalk would refuse gives ok false, not isError."

const descListRobots = "List the DingTalk group robots this server posts through, the default first. " +
	"Use it when the user may have several robots (one per group), for a robot's keywords, or after keyword_missing or rate_limited. " +
	"Local: no DingTalk call. " +
	"One with usable false cannot send until the user fixes its problem."

const descListContacts = "List the people this server can @mention by name, from dingbot's config (not DingTalk's directory). " +
	"For atNames of send_text_message and send_markdown_message: a unique prefix (any case) is enough. " +
	"For someone not listed, use atMobiles or atUserIds."

// queueRules join the instructions when sends can be queued (Options.Outbox); queueDefaultRule
// too when the user made queueing the default.
const queueRules = `Queued sends: with queue: true, a send that cannot go now (rate_limited, a paused robot, or split into more parts than sendsLeft) is put in dingbot's outbox instead of failing: ok true, queued true, deliveryIds (one per part), position (messages of that robot ahead of it) and etaSeconds (an estimate). This server posts queued messages in order, as soon as the robot may send, while this server runs; if it stops first, they wait in the outbox until a dingbot MCP server, composer or ` + "`dingbot outbox drain`" + ` runs with the same state (state directory or Redis). delivery_status tells whether a queued message went out: send it again only if it says failed (nothing was posted: a new message, with a new msgUuid, is fine), or unknown and the user agrees (then with the same msgUuid).`

const queueDefaultRule = `The user made queueing the default: pass queue: false to fail at once instead.`

// outboxRule joins the instructions whenever delivery_status is served.
const outboxRule = `delivery_status reads dingbot's outbox, which keeps its entries: a delivered one for good, any other until the user drops it.`

// confirmRules join the instructions in confirm mode.
const confirmRules = `Confirm mode: the user approves every send before it posts. Clients that can ask the user (elicitation) show the robot, who is notified, the first lines and the size; declined or dismissed, the send fails as declined and nothing is posted: do not retry unless the user asks. Otherwise the send returns needsConfirmation true with ok true but posts nothing: body (or each part's body) is the exact message and confirmToken the approval: show the user the message, and only if they say yes, call the same tool with the same arguments plus confirmToken. A token posts once, only that message through that robot, within 10 minutes; else the send fails as confirmation_invalid.`

const descDeliveryStatus = "Report the state of DingTalk messages queued by a send with queue: true, by the deliveryIds it returned. " +
	"Read-only and local; call it rather than sending a queued message again. " +
	"Each of deliveries has a state: delivered; queued (see position) or sending, so ask again later; " +
	"failed, nothing posted (errcode, errmsg and hint say why), so fix that and send it as a new message; " +
	"unknown, maybe posted, so ask the user to check the group, and only with their yes resend it with its msgUuid; " +
	"not_found, no such id in this outbox (wrong, or dropped by the user)."

// Parameter descriptions shared by several tools: each sentence is under 40 characters, since
// the rule behind it is in sharedRules.
const (
	paramRobot        = "From list_robots."
	paramMsgUUID      = "Omit when new; reuse to retry."
	paramAtMobiles    = "Mobiles: 13800000000 or +852-12345678."
	paramAtUserIDs    = "userIds to @mention."
	paramAtNames      = "Names from list_contacts."
	paramContactQuery = "Name, pinyin, initials, mobile, userId."
	paramAtAll        = "true: @mention everyone."
	paramSplit        = "true: post in parts if too long."
	paramTitle        = "Notification title, not in the body."

	paramQueue        = "true: queue when limited."
	paramQueueDefault = "false: fail if held up."
	paramConfirmToken = "After the user's yes."
)
