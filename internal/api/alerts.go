package api

// Alerts (注意喚起, issue #7) under /api/v1/alerts: government analysts
// draft (by hand or from a correlation cluster in one step), review,
// preview the recipients, publish, update and withdraw; recipients list
// what is addressed to them and acknowledge; the government reads who has
// and has not acknowledged. The alert service decides visibility: a
// non-recipient never sees an AMBER or RED alert (404).

import (
	"net/http"
	"strings"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// AlertInput is a new alert: its content and, optionally, the cluster it
// was drafted from.
type AlertInput struct {
	alert.Content
	ClusterID string `json:"cluster_id,omitempty"`
}

// AlertClusterInput names the cluster to draft an alert from.
type AlertClusterInput struct {
	ClusterID string `json:"cluster_id"`
}

// AlertRevInput carries the revision a step was decided on.
type AlertRevInput struct {
	Rev int `json:"rev"`
}

// AlertReviewInput is a review decision.
type AlertReviewInput struct {
	Rev     int    `json:"rev"`
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

// AlertWithdrawInput withdraws a published alert.
type AlertWithdrawInput struct {
	Rev    int    `json:"rev"`
	Reason string `json:"reason"`
}

// AlertAckInput is a recipient's answer.
type AlertAckInput struct {
	State   string `json:"state"`
	Actions string `json:"actions,omitempty"`
}

// AlertPublishResult is a published alert with the recipients resolved.
type AlertPublishResult struct {
	Alert   *alerting.View    `json:"alert"`
	Preview *alerting.Preview `json:"preview"`
}

// alertRoutes are the routes of alerts: drafting, review, publication, acknowledgement (issue #7).
func (a *API) alertRoutes() []route {
	const tag = "alerts"
	rs := []route{
		{Method: "GET", Path: "/api/v1/alerts", ID: "listAlerts", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "AlertList",
			Summary: "Alerts you may see, most recently changed first: the government every alert; others the published or withdrawn alerts addressed to their organisation and every TLP:CLEAR one",
			Query: []param{{Name: "state", Type: "string", Enum: strs(alert.States), Desc: "only alerts in this state"},
				{Name: "mine", Type: "boolean", Desc: "government: only alerts your organisation issued"},
				{Name: "addressed", Type: "boolean", Desc: "only alerts addressed to your organisation"},
				{Name: "unacknowledged", Type: "boolean", Desc: "only alerts addressed to your organisation that it has not acknowledged"},
				{Name: "cluster", Type: "string", Desc: "government: only alerts drafted from this cluster"},
				{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 100)"}}, h: a.listAlerts},
		{Method: "POST", Path: "/api/v1/alerts", ID: "createAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertInput", Status: 201, Resp: "AlertView",
			Summary: "Draft an alert (government analysts): Japanese title and summary required, English warned about when missing; indicator values are normalised into STIX patterns", h: a.createAlert},
		{Method: "POST", Path: "/api/v1/alerts/from-cluster", ID: "draftAlertFromCluster", Tag: tag, Scope: org.ScopeWrite, Body: "AlertClusterInput", Status: 201, Resp: "AlertView",
			Summary: "Draft an alert from a correlation cluster in one step: its indicators, techniques, CVEs (affected products) and suggested targeting (government analysts)", h: a.draftAlertFromCluster},
		{Method: "GET", Path: "/api/v1/alerts/{id}", ID: "getAlert", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "AlertView",
			Summary: "One alert (id or ref) as you may see it: the government the working content; a recipient, or anyone for TLP:CLEAR, the published content. Anyone else: 404", h: a.getAlert},
		{Method: "PATCH", Path: "/api/v1/alerts/{id}", ID: "updateAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertPatch", Status: 200, Resp: "AlertView",
			Summary: "Change a draft's or a published alert's working content (fields left out stay; a published alert's change reaches recipients when published again). " +
				"Give rev from your last read: a change by someone else in between is a 409", h: a.updateAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/submit", ID: "submitAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertRevInput", Status: 200, Resp: "AlertView",
			Summary: "Submit a draft for review by another government analyst", h: a.submitAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/review", ID: "reviewAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertReviewInput", Status: 200, Resp: "AlertView",
			Summary: "Approve an alert in review, or send it back to draft with a comment (not its author)", h: a.reviewAlert},
		{Method: "GET", Path: "/api/v1/alerts/{id}/preview", ID: "previewAlert", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "AlertPreview",
			Summary: "The recipients publishing now would address, each with its reasons, counts per reason, how many are new, and what changed since the last publication", h: a.previewAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/publish", ID: "publishAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertRevInput", Status: 200, Resp: "AlertPublishResult",
			Summary: "Publish an approved alert, or republish a published alert's changes (an update: recipients re-resolved, only ever added)", h: a.publishAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/withdraw", ID: "withdrawAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertWithdrawInput", Status: 200, Resp: "AlertView",
			Summary: "Withdraw a published alert with a reason; recipients still see it, marked withdrawn", h: a.withdrawAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/acknowledge", ID: "acknowledgeAlert", Tag: tag, Scope: org.ScopeWrite, Body: "AlertAckInput", Status: 200, Resp: "AlertRecipient",
			Summary: "Acknowledge an alert addressed to your organisation: acknowledged, actioned or not_affected, with the actions taken (may be changed later)", h: a.acknowledgeAlert},
		{Method: "GET", Path: "/api/v1/alerts/{id}/recipients", ID: "listAlertRecipients", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "AlertRecipientTable",
			Summary: "The recipients of an alert with their reasons and answers, counts per state and overdue ones (government)", h: a.listAlertRecipients},
		{Method: "GET", Path: "/api/v1/alerts/{id}/stix", ID: "exportAlertSTIX", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "StixBundle",
			Summary: "A published alert as a STIX 2.1 bundle (application/stix+json): a report referring to a course-of-action per recommended action, " +
				"its indicators and vulnerabilities, under the alert's TLP 2.0 marking", h: a.exportAlertSTIX},
	}
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Alerting == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "alerts are not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

func (c *call) alerts() *alerting.Service { return c.api.opt.Alerting }

func flagParam(c *call, name string) (bool, error) {
	b, err := boolParam(c, name)
	return isTrue(b), err
}

func (a *API) listAlerts(c *call) (int, any, error) {
	q := alerting.Query{State: alert.State(c.r.URL.Query().Get("state")), ClusterID: strings.TrimSpace(c.r.URL.Query().Get("cluster"))}
	var err error
	if q.Mine, err = flagParam(c, "mine"); err != nil {
		return 0, nil, err
	}
	if q.Addressed, err = flagParam(c, "addressed"); err != nil {
		return 0, nil, err
	}
	if q.Unacked, err = flagParam(c, "unacknowledged"); err != nil {
		return 0, nil, err
	}
	if q.Limit, err = c.limit(100); err != nil {
		return 0, nil, err
	}
	vs, err := c.alerts().List(c.r.Context(), c.p, q)
	if err != nil {
		return 0, nil, err
	}
	return 200, listOf(vs), nil
}

func (a *API) createAlert(c *call) (int, any, error) {
	var in AlertInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := c.alerts().Create(c.r.Context(), c.p, in.Content, in.ClusterID)
	return 201, v, err
}

func (a *API) draftAlertFromCluster(c *call) (int, any, error) {
	var in AlertClusterInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.ClusterID) == "" {
		return 0, nil, apperr.Invalid("cluster_id", "is required")
	}
	v, err := c.alerts().DraftFromCluster(c.r.Context(), c.p, in.ClusterID)
	return 201, v, err
}

func (a *API) getAlert(c *call) (int, any, error) {
	v, err := c.alerts().Get(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, v, err
}

func (a *API) updateAlert(c *call) (int, any, error) {
	var in alerting.Patch
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := c.alerts().Edit(c.r.Context(), c.p, c.r.PathValue("id"), in.Rev, in.Apply)
	return 200, v, err
}

func (a *API) submitAlert(c *call) (int, any, error) {
	var in AlertRevInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := c.alerts().Submit(c.r.Context(), c.p, c.r.PathValue("id"), in.Rev)
	return 200, v, err
}

func (a *API) reviewAlert(c *call) (int, any, error) {
	var in AlertReviewInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := c.alerts().Review(c.r.Context(), c.p, c.r.PathValue("id"), in.Rev, in.Approve, in.Comment)
	return 200, v, err
}

func (a *API) previewAlert(c *call) (int, any, error) {
	pv, err := c.alerts().Preview(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, pv, err
}

func (a *API) publishAlert(c *call) (int, any, error) {
	var in AlertRevInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, pv, err := c.alerts().Publish(c.r.Context(), c.p, c.r.PathValue("id"), in.Rev)
	if err != nil {
		return 0, nil, err
	}
	return 200, &AlertPublishResult{Alert: v, Preview: pv}, nil
}

func (a *API) withdrawAlert(c *call) (int, any, error) {
	var in AlertWithdrawInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := c.alerts().Withdraw(c.r.Context(), c.p, c.r.PathValue("id"), in.Rev, in.Reason)
	return 200, v, err
}

func (a *API) acknowledgeAlert(c *call) (int, any, error) {
	var in AlertAckInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	st, err := alert.ParseAckState(in.State)
	if err != nil {
		return 0, nil, err
	}
	r, err := c.alerts().Ack(c.r.Context(), c.p, c.r.PathValue("id"), st, in.Actions)
	return 200, r, err
}

func (a *API) listAlertRecipients(c *call) (int, any, error) {
	t, err := c.alerts().Recipients(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, t, err
}

func (a *API) exportAlertSTIX(c *call) (int, any, error) {
	id := c.r.PathValue("id")
	v, err := c.alerts().Get(c.r.Context(), c.p, id)
	if err != nil {
		return 0, nil, err
	}
	b, err := c.alerts().Export(c.r.Context(), c.p, id)
	if err != nil {
		return 0, nil, err
	}
	attachment(c, v.Ref, ".stix.json")
	writeHeader(c.w, http.StatusOK, "application/stix+json;version=2.1")
	_, _ = c.w.Write(b)
	return 0, nil, errWritten
}
