// Package template renders DingTalk robot messages from templates: Go text/template with a few
// helpers, one TOML file per template, and a built-in gallery embedded in the binary.
//
// # Using it
//
// A form (the composer) or a command line (dingbot send --template) works with:
//
//	set, warnings := template.Load(dir)        // the gallery plus dir/*.toml; Builtin() for the gallery alone
//	for _, info := range set.List() { … }      // Name, Description, Type, Source ("built-in" or "user")
//	t, err := set.Lookup("alert-firing")       // the error suggests the nearest name
//	for _, v := range t.Vars() { … }           // Name, Desc, Required, Sample, Default, Choices
//	msg, err := t.Render(vars, contacts)       // a dingtalk.Message, mentions recorded in msg.At
//	msg, err = t.RenderSample(contacts)        // the same with every variable at its sample
//
// Rendering is pure: validation against DingTalk's rules stays with dingtalk.Prepare.
// Render's errors are *Error values (joined with errors.Join when there are several) naming the
// template, the line of the template file and the variable:
//
//	template alert-firing: line 4: variable "severity" is missing (required)
//	template alert-firing: unknown variable "sevrity" (did you mean "severity"?)
//
// A variable the template declares but the caller leaves out is "" (or its default), never
// "<no value>"; a variable the template uses but does not declare is an error when it is parsed.
//
// # Data templates
//
// The relay (dingbot serve) renders a typed value instead of variables: a payload parsed by
// dingtalk/relay/source is "." and its fields are read by their Go names:
//
//	data = "alertmanager"            # what "." is; such a file declares no [[vars]]
//	msgtype = "markdown"
//	title = "{{ .CommonLabels.alertname }}"
//	text = '''
//	{{ range .Firing }}- {{ .Annotations.summary | md }} since {{ .StartsAt | time "Asia/Shanghai" "datetime" }}
//	{{ end }}'''
//
//	msg, err := t.RenderData(payload, contacts) // payload is "."; t.Data() is "alertmanager"
//
// Variables play no part in RenderData: a template's [[vars]] are neither required nor filled,
// and .name reads the data's field or map key of that name. Since what "." holds is known only
// when rendering, Parse does not check a data template's fields against [[vars]]; a field the
// data lacks is an *Error of RenderData with the template and line. Render refuses a data
// template with an *Error that says so, rather than failing at its first field. A label or
// annotation that may be absent is read with index ({{ index .CommonLabels "severity" }}):
// .CommonLabels.severity fails on a payload without it.
//
// The gallery has one data template for each kind of payload, the relay's default for its
// sources (ForSource): alert (Alertmanager), grafana, git (GitHub, GitLab and Gitea) and
// generic (any JSON). Each renders markdown that PC and phones show alike and stays well under
// DingTalk's 20 000 bytes however big the payload: lists stop at a few items and say how many
// more there are. Their samples are the sources' sample payloads (source.Sample):
//
//	name, err := template.ForSource("github")    // "git"
//	template.Sources("git")                      // [github gitlab gitea]
//	err = t.CheckSource("grafana")               // nil if t renders grafana payloads, else why not
//	msg, err := t.RenderSample(contacts)         // a data template: the sample of t.SampleSource()
//	data, err := template.SamplePayload("gitlab", "workflow") // any sample, parsed: RenderData it
//
// # File format
//
// One TOML file per template; the name is the file's name without .toml unless name is given:
//
//	name = "deploy"                  # optional: [a-z0-9._-], defaults to the file name
//	# data = "alertmanager"          # a data template (see above): no [[vars]]
//	description = "A deploy started" # one line, shown by dingbot template ls
//	msgtype = "markdown"             # text | markdown | link | actionCard | feedCard
//	title = "Deploy {{ .service }}"  # markdown, link, actionCard
//	text = '''
//	### Deploying {{ .service | md }} {{ .version }}
//	by {{ mention .owner }} at {{ .at | time "Asia/Shanghai" "datetime" }}
//	'''
//	url = "…"                        # link: messageUrl;  pic = "…": picUrl
//	# actionCard: single_title and single_url, or [[buttons]] with title and url;
//	#             btn_orientation = "vertical" | "horizontal"; hide_avatar = true | false
//	# feedCard:   [[links]] with title, url and pic
//
//	[[vars]]
//	name = "service"
//	description = "what is deployed"
//	required = true
//	sample = "checkout"
//	# default = "…"  used when the variable is not given
//	# choices = ["a", "b"]  the only values accepted
//
// Every string field is a template. A button or feed link whose title renders empty is left
// out, so optional buttons cost an {{ if }}.
//
// # Helpers
//
//	time TZ LAYOUT      a time ("2024-05-01T10:00:00Z", "2024-05-01 10:00", Unix seconds or
//	                    milliseconds, a time.Time or *time.Time) shown in time zone TZ
//	                    ("Asia/Shanghai", "UTC", "Local", "+08:00") with a Go layout or one of
//	                    "datetime" (2006-01-02 15:04), "date", "clock" (15:04), "rfc3339";
//	                    "", a zero time and a nil *time.Time write ""
//	duration D          a time.Duration (or "90s") by its two largest units: "1h 5m", "1d 2h",
//	                    "1m 30s"; duration T1 T2 is the time from T1 to T2, "" if either is zero
//	since T             the time from T to now, as duration writes it; a zero T writes ""
//	md                  escapes markdown: the text shows as typed, not as bold, links or HTML;
//	                    nor as an @mention (an invisible word joiner follows its @)
//	truncbytes N        at most N bytes, never cutting a character; a cut text ends with "…"
//	mention NAME        writes @mobile (or @userId) of the contact NAME and mentions them, so
//	                    DingTalk notifies them; "" writes nothing. Action cards need a userId;
//	                    link and feed cards cannot mention
//	join SEP LIST       joins a list; a string is taken as one item a line
//	split SEP S, lines S  a string as a list, items trimmed, empty ones dropped
//	default DEF V       DEF when V is empty
//	upper, lower, trim  as in package strings
//
// For payloads, whose shape a template cannot always know:
//
//	get PATH V          V's value at PATH, keys separated by dots ("alert.owner"), through
//	                    maps; "" when absent or null (never an error): {{ or (get "title" .) "Webhook" }}
//	oneline V           V on one line: line breaks and runs of spaces as one space (a
//	                    payload's text inside a heading, a list item or a quote)
//	keys M              a map's keys, sorted
//	kind V              what V is as JSON: object, array, string, number, bool or null
//	json V              V as compact JSON
//	head N LIST         the first N items of a list; skip N LIST, the items after them:
//	                    {{ range head 8 .Firing }}…{{ end }}{{ with skip 8 .Firing }}and {{ len . }} more{{ end }}
//	except ARG… M       the map M without the keys named (strings) and without the entries
//	                    another map holds with the same value: {{ .Labels | except $.CommonLabels "alertname" }}
//	pairs SEP M         a map as key=value items in key order: "env=prod, team=web"
//	links T1 U1 T2 U2…  markdown links [T1](U1) · [T2](U2), leaving out those whose URL is
//	                    empty, not http(s) or over 1000 bytes; the texts are escaped
//	fits N              whether N more bytes keep the field being written within 16 000 bytes
//	                    as JSON (DingTalk takes 20 000 in all): ask it before each item of a
//	                    long list and stop there, then say how many are left out:
//	                    {{ $n := 10 }}{{ range $i, $a := head $n .Firing }}{{ if and (lt $i $n) (fits 3000) }}
//	                    - …{{ else if lt $i $n }}{{ $n = $i }}{{ end }}{{ end }}
//	                    {{ with skip $n .Firing }}- and {{ len . }} more{{ end }}
//
// Helpers take the piped value last: {{ .startsAt | time "UTC" "clock" }}.
package template
