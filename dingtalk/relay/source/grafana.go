package source

import "slices"

// GrafanaPayload is a notification of Grafana's unified alerting webhook
// contact point: one group of alerts, as Alertmanager sends it, plus Grafana's
// organisation, title, state and message.
type GrafanaPayload struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"` // "firing" or "resolved"
	OrgID             int64             `json:"orgId"`
	Alerts            []GrafanaAlert    `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"` // Grafana's URL
	Version           string            `json:"version"`     // "1"
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Title             string            `json:"title"`   // Grafana's rendered default title
	State             string            `json:"state"`   // "alerting" or "ok"
	Message           string            `json:"message"` // Grafana's rendered default message
}

// GrafanaAlert is one alert of a Grafana notification: an Alert (its fields
// read as .Labels, .StartsAt in a template) with Grafana's links and the
// values of the rule's queries and expressions.
type GrafanaAlert struct {
	Alert
	SilenceURL   string             `json:"silenceURL"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	Values       map[string]float64 `json:"values"`      // by refId: {"B": 44.2, "C": 1}
	ValueString  string             `json:"valueString"` // "[ var='B' labels={…} value=44.2 ]"
}

// Firing returns the alerts that are firing.
func (g GrafanaPayload) Firing() []GrafanaAlert { return byStatus(g.Alerts, StatusFiring) }

// Resolved returns the alerts that are resolved.
func (g GrafanaPayload) Resolved() []GrafanaAlert { return byStatus(g.Alerts, StatusResolved) }

var grafanaRequired = []string{"receiver", "status", "orgId", "alerts"}

// Grafana parses a Grafana alerting webhook body. Bad JSON is a
// *SyntaxError; a body without the required fields (receiver, status, orgId,
// alerts, and each alert's status, labels and startsAt) or with fields of the
// wrong type is a *ShapeError naming them.
func Grafana(body []byte) (GrafanaPayload, error) {
	c := &check{ShapeError{Source: "grafana"}}
	if err := object(c, body, grafanaRequired); err != nil {
		return GrafanaPayload{}, err
	}
	if err := c.err(); err != nil {
		return GrafanaPayload{}, err
	}
	type wireGrafanaAlert struct {
		wireAlert
		SilenceURL   string             `json:"silenceURL"`
		DashboardURL string             `json:"dashboardURL"`
		PanelURL     string             `json:"panelURL"`
		Values       map[string]float64 `json:"values"`
		ValueString  string             `json:"valueString"`
	}
	var w struct {
		GrafanaPayload
		Alerts []wireGrafanaAlert `json:"alerts"`
	}
	decode(c, body, &w)
	out := w.GrafanaPayload
	if !slices.Contains(c.Missing, "status") {
		c.status("status", out.Status)
	}
	out.Alerts = make([]GrafanaAlert, len(w.Alerts))
	for i, a := range w.Alerts {
		out.Alerts[i] = GrafanaAlert{
			Alert:        c.alert(i, a.wireAlert),
			SilenceURL:   a.SilenceURL,
			DashboardURL: a.DashboardURL,
			PanelURL:     a.PanelURL,
			Values:       a.Values,
			ValueString:  a.ValueString,
		}
	}
	if err := c.err(); err != nil {
		return GrafanaPayload{}, err
	}
	return out, nil
}
