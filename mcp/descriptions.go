package mcp

// Tool descriptions are what agents learn DingTalk from: purpose first, then when to use the tool
// rather than its siblings, its effects, DingTalk's rules and what a failure looks like.
// Every change shows up in __toolsnaps__ as a reviewed diff.

const (
	sendEffects = "Posting is instant and group-wide, cannot be edited or recalled, and uses the organisation's monthly webhook quota even when DingTalk refuses it. "

	sendLimits = "Per robot: 20 messages per minute (then rate_limited at once, with retryAfterSeconds); a body of at most 20000 bytes (a Chinese character takes 3 bytes). "

	mentionRule = "Mentions: DingTalk notifies only people whose @mobile or @userId is also in the text; dingbot appends missing ones (mentionsAdded); at most 50 people, and only group members are notified. "

	markdownSubset = "DingTalk renders a markdown subset: # to ###### headings, **bold**, *italic*, [text](url), ![](image URL), > quotes, - and 1. lists, <font color=#FF0000>text</font>. " +
		"Tables, code blocks, other HTML and ~~strikethrough~~ show only on PC or not at all; a single line break shows as a space (end the line with two spaces or leave a blank line). "

	sendOutcome = "Failures: isError true, error names the kind (e.g. invalid_message, keyword_missing, rate_limited, dingtalk_error with DingTalk's errcode and errmsg), hint says what to do. " +
		"maybeDelivered true: it may be posted already; retry only with the msgUuid from the result (DingTalk posts a msgUuid at most once) or after asking the user. resent true: dingbot itself made a second request, safely (same msgUuid, or the first never left) and within the one timeout. dryRun or sandbox true: no real group was reached."
)

// keywordsIn starts the security-keyword rule; each tool ends it with where the keyword must be.
const keywordsIn = "Robots with security keywords (list_robots) accept only messages with one in "

const descSendText = "Send a plain-text message to a DingTalk group chat through one of the user's configured group robots. " +
	"Use it for short notices and alerts, above all ones that must @mention people; use send_markdown_message for headings, emphasis or links, the card tools for buttons or link previews, and preview_message to check a message without sending it. " +
	sendEffects + sendLimits + keywordsIn + "the text. " + mentionRule + sendOutcome

const descSendMarkdown = "Send a formatted markdown message to a DingTalk group chat through one of the user's configured group robots. " +
	"Use it for reports, release notes and alerts that need headings, lists, links or images, with @mentions if needed; use send_text_message for a plain line, send_action_card when readers should press a button, and preview_message first for long or complex text. " +
	markdownSubset +
	"title appears only in the chat list and the notification, not in the message: repeat it as a # heading if it should show. " +
	sendEffects + sendLimits + keywordsIn + "the title or text. " + mentionRule + sendOutcome

const descSendLink = "Send a link card (a title, a short text and an optional thumbnail that open messageUrl when tapped) to a DingTalk group chat through one of the user's configured group robots. " +
	"Use it to share one article, build, dashboard or document; use send_feed_card for several links, send_action_card for buttons, send_markdown_message for inline links or @mentions (a link card cannot mention anyone), preview_message to check it without sending. " +
	"Long text is cut off in the card; the text is plain, not markdown. " +
	sendEffects + sendLimits + keywordsIn + "the title or text. " + sendOutcome

const descSendActionCard = "Send an action card, a markdown message with one full-width button (singleTitle + singleURL) or several buttons (buttons) that open URLs, to a DingTalk group chat through one of the user's configured group robots. " +
	"Use it when readers should act, e.g. open a pull request, approve or view a dashboard; use send_link_message for a plain link preview, send_markdown_message when no button is needed, and preview_message first to check the card. " +
	"This tool has no at* parameters (in a card DingTalk only offers writing @userId in text): to notify people, use send_markdown_message or send_text_message with atMobiles or atUserIds, which dingbot makes notify reliably. " +
	"Give exactly one of singleTitle+singleURL or buttons. " +
	markdownSubset + sendEffects + sendLimits + keywordsIn + "the title, the text or a button label. " + sendOutcome

const descSendFeedCard = "Send a feed card, a list of items that each show a title and picture and open their own URL (the first shown large), to a DingTalk group chat through one of the user's configured group robots. " +
	"Use it for digests of several articles, builds or tickets; use send_link_message for a single link, send_markdown_message for text with links, and preview_message to check the card without sending. A feed card has no body text and cannot @mention anyone. " +
	sendEffects + sendLimits + keywordsIn + "an item's title. " + sendOutcome

const descPreview = "Check a DingTalk message without sending it: returns the exact JSON body dingbot would POST to the robot (missing @mentions already inserted), its size against DingTalk's 20000-byte limit, whether it contains one of the robot's security keywords, markdown warnings (syntax DingTalk shows only on PC or not at all) and every validation problem. " +
	"Read-only: posts nothing, uses no quota and no rate-limit slot. " +
	"Use it before a send_* tool for long or complex markdown, cards, mentions, or a robot with keywords, and after an invalid_message or keyword_missing failure; then call the matching send_* tool with the same fields. " +
	"Takes msgtype plus the fields of that message type, exactly as the matching send_* tool takes them; fields of other types are refused. " +
	"A message DingTalk would refuse gives ok false with problems and a hint, not isError; isError is true when the check itself cannot run: unreadable arguments, an unknown contact in atNames, an unknown robot or one that cannot send, or a broken dingbot setup."

const descListRobots = "List the DingTalk group robots this server can post through, each with its name (pass it as robot to the other tools), whether it is the default used when robot is omitted, whether its requests are signed, the security keywords a message must contain one of, how many of its 20 sends per minute are left, and its sends this month. " +
	"Use it before sending when the user may have several robots (one per group), to find a robot's keywords, or after a keyword_missing or rate_limited failure. " +
	"Read-only and local: calls no DingTalk API and never shows webhook URLs, tokens or secrets. Robots come from the user's dingbot config; an agent cannot add one. " +
	"A robot that cannot send (an unset secret variable, an unusable webhook) is listed with usable false and the problem only the user can fix; use another meanwhile. " +
	"sandbox true marks dingbot's local sandbox robot, which posts to no real group."

const descListContacts = "List the people this server can @mention by name: each contact's name with the mobile number and DingTalk userId the user configured. " +
	"Use it to find valid atNames for send_text_message and send_markdown_message, or to see whom a mobile or userId belongs to. " +
	"atNames match case-insensitively and a unique prefix is enough (\"ali\" for Alice); a contact is mentioned by mobile, or by userId when it has no mobile, and that @handle is written into the text so the person is really notified. " +
	"Read-only and local: calls no DingTalk API. It is the user's own address book from the dingbot config, not DingTalk's directory; only group members are notified when mentioned."

// Parameter descriptions shared by several tools.
const (
	paramRobot     = "Name of a configured robot from list_robots, which decides the group the message goes to. Omit to use the default robot. Webhook URLs, tokens and secrets are not accepted."
	paramMsgUUID   = "Optional idempotency key (DingTalk's msgUuid). Omit it for a new message: dingbot sets a fresh one and returns it. After a failure with maybeDelivered true, retry with the msgUuid from that result: DingTalk posts a message with the same msgUuid at most once."
	paramAtMobiles = "Mobile numbers of group members to @mention and notify: digits for mainland China (13800000000), +<country code>-<number> elsewhere (+852-12345678). Counts towards the 50-person limit."
	paramAtUserIDs = "DingTalk userIds of group members to @mention (the account's userId, not a display name or e-mail). Counts towards the 50-person limit."
	paramAtNames   = "Names of contacts from list_contacts to @mention (case-insensitive; a unique prefix is enough); each is mentioned by its mobile, or its userId when it has no mobile. An unknown name fails the call and lists the known ones."
	paramSplit     = "true: a message over 20000 bytes is cut into parts marked (1/3), sent in order, each with its own msgUuid (see parts)."
	paramAtAll     = "true to @mention everyone in the group (@all). Default false; use it only for messages that really concern everybody."
	paramURL       = "http:// or https:// URL, or a dingtalk:// link (dingtalk://dingtalkclient/page/link?url=<url-encoded URL>&pc_slide=true opens it inside DingTalk's side panel on PC)."
)
