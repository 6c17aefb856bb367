// Package source parses the bodies that webhook senders POST to the relay
// (dingbot serve) into the typed values its templates render.
//
// Each route of the relay names a source. The relay reads the request body
// with Read (refused over MaxBody), parses it with the source's function and
// renders the route's template with the result as ".":
//
//	body, err := source.Read(r.Body)          // ErrTooLarge over 1 MiB: 413
//	am, err := source.Alertmanager(body)      // *SyntaxError or *ShapeError: 400 with err.Error() as the reason
//	// then the route's template, executed with am as ".":
//	// {{ .Status }}: {{ range .Alerts }}{{ .Labels.instance }} {{ end }}
//
// A template declares the data it renders (data = "alertmanager" in its file) and
// Template.RenderData executes it with the parsed payload as ".".
//
// The sources so far:
//
//   - Alertmanager: Alertmanager's webhook payload, version 4 (webhook_config).
//     A group of alerts with its status, group, common labels and annotations.
//   - Grafana: Grafana's unified alerting webhook contact point, the same
//     shape plus orgId, title, state, message and per alert the silence,
//     dashboard and panel links and the query values.
//   - Generic: any JSON object or array, numbers as json.Number so that ids
//     and large integers print as sent.
//
// In templates the fields have their Go names (.Status, .CommonLabels,
// .Alerts, .StartsAt); labels and annotations are maps, so
// {{ .CommonLabels.severity }} or {{ index .Labels "alert-name" }} read them.
// Times are time.Time; an alert still firing has a zero EndsAt
// ({{ if .EndsAt.IsZero }}). Firing and Resolved select the alerts by status.
//
// Errors say what is wrong so that the sender's operator can fix it: bad JSON
// gives a *SyntaxError with the line, column and byte offset; a body of
// another shape (a GitHub push posted to an Alertmanager route) gives a
// *ShapeError listing the required fields that are missing and the fields of
// the wrong type or value. The package imports only the standard library.
package source
