package source

import "slices"

// AlertmanagerPayload is a notification of Alertmanager's webhook receiver
// (webhook_config), payload version 4: one group of alerts.
type AlertmanagerPayload struct {
	Version           string            `json:"version"`  // "4"
	GroupKey          string            `json:"groupKey"` // identifies the group, e.g. for deduplication
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"` // "firing" if any alert fires, else "resolved"
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"` // the Alertmanager's own URL
	Alerts            []Alert           `json:"alerts"`
}

// Firing returns the group's alerts that are firing.
func (a AlertmanagerPayload) Firing() []Alert { return byStatus(a.Alerts, StatusFiring) }

// Resolved returns the group's alerts that are resolved.
func (a AlertmanagerPayload) Resolved() []Alert { return byStatus(a.Alerts, StatusResolved) }

// byStatus returns the alerts with the status, for any alert type built on Alert (Grafana's
// embeds it).
func byStatus[A interface{ status() string }](alerts []A, status string) []A {
	var out []A
	for _, a := range alerts {
		if a.status() == status {
			out = append(out, a)
		}
	}
	return out
}

var alertmanagerRequired = []string{"version", "groupKey", "status", "receiver", "alerts"}

// Alertmanager parses an Alertmanager webhook body. Bad JSON is a
// *SyntaxError; a body without the required fields (version, groupKey,
// status, receiver, alerts, and each alert's status, labels and startsAt) or
// with fields of the wrong type is a *ShapeError naming them.
func Alertmanager(body []byte) (AlertmanagerPayload, error) {
	c := &check{ShapeError{Source: "alertmanager"}}
	if err := object(c, body, alertmanagerRequired); err != nil {
		return AlertmanagerPayload{}, err
	}
	if err := c.err(); err != nil {
		return AlertmanagerPayload{}, err
	}
	var w struct {
		AlertmanagerPayload
		Alerts []wireAlert `json:"alerts"`
	}
	decode(c, body, &w)
	out := w.AlertmanagerPayload
	if !slices.Contains(c.Missing, "status") {
		c.status("status", out.Status)
	}
	out.Alerts = make([]Alert, len(w.Alerts))
	for i, a := range w.Alerts {
		out.Alerts[i] = c.alert(i, a)
	}
	if err := c.err(); err != nil {
		return AlertmanagerPayload{}, err
	}
	return out, nil
}

// status is the alert's status, for byStatus.
func (a Alert) status() string { return a.Status }
