package api

// Incident reporting under /api/v1 (issue #5): an organisation's reporting
// settings, regimes and templates; its incident reports from draft through
// approval to submissions kept exactly as sent; the receivers' side
// (acknowledgement, information requests, feedback, triage, analysis
// links); updates with versions and field-level diffs; close, refute and
// reopen; sanitised sharing behind a preview; exports (JSON, STIX, printable
// HTML); tasks, reminders and the government's triage queue.
//
// The reporting service decides every permission and what each reader is
// entitled to see (a receiver sees only what was submitted to it; anyone
// else gets not found). These handlers translate HTTP to calls, and answer
// every change to an incident with the incident as the caller may see it
// (the view), never with the stored row, which holds the reporter's
// current draft.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/reportexport"
	"sakimori/internal/reporting"
)

// listQuery are the filters of the incident list and the triage queue.
var listQuery = []param{
	{Name: "state", Type: "string", Desc: "only reports in these states: one or more of " + strings.Join(strs(incident.States), ", ") +
		", comma-separated or the parameter repeated"},
	{Name: "q", Type: "string", Desc: "substring of the title or the ref"},
	{Name: "received", Type: "boolean", Desc: "true: reports submitted to your organisation instead of its own"},
	{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 1000)"},
}

// reportingRoutes are the incident-reporting rows of the route table.
func (a *API) reportingRoutes() []route {
	const tag = "reporting"
	rs := []route{
		{Method: "GET", Path: "/api/v1/reporting/settings", ID: "getReportingSettings", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ReportingSettings",
			Summary: "Your organisation's reporting settings: default approval flow, regimes, stage offsets, own regimes, recipients, holidays, webhook (its secret only for administrators)",
			h:       a.getReportingSettings},
		{Method: "PUT", Path: "/api/v1/reporting/settings", ID: "putReportingSettings", Tag: tag, Scope: org.ScopeAdmin, Body: "ReportingSettingsInput", Status: 200, Resp: "ReportingSettings",
			Summary: "Replace your organisation's reporting settings (its administrators); a blank webhook_secret keeps the stored one", h: a.putReportingSettings},
		{Method: "GET", Path: "/api/v1/reporting/regimes", ID: "listReportingRegimes", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "RegimeList",
			Summary: "The regimes your organisation may apply: the built-in ones and its own, with its stage offsets", h: a.listReportingRegimes},
		{Method: "GET", Path: "/api/v1/reporting/tasks", ID: "listReportingTasks", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ReportingTaskList",
			Summary: "What you should act on: approvals waiting for one of your roles, open information requests, deadlines due soon or overdue", h: a.listReportingTasks},
		{Method: "GET", Path: "/api/v1/reporting/reminders", ID: "listReportingReminders", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ReminderList",
			Summary: "Your organisation's recent deadline reminders, newest first",
			Query:   []param{{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 50)"}}, h: a.listReportingReminders},
		{Method: "GET", Path: "/api/v1/reporting/queue", ID: "listTriageQueue", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentList",
			Summary: "The government's triage queue: reports submitted to your organisation, newest first, as submitted, with triage (government receivers)",
			Query:   []param{listQuery[0], listQuery[1], listQuery[3]}, h: a.listTriageQueue},

		{Method: "GET", Path: "/api/v1/incident-templates", ID: "listIncidentTemplates", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentTemplateList",
			Summary: "Your organisation's report templates, prepared in peacetime", h: a.listIncidentTemplates},
		{Method: "POST", Path: "/api/v1/incident-templates", ID: "createIncidentTemplate", Tag: tag, Scope: org.ScopeWrite, Body: "IncidentTemplateInput", Status: 201, Resp: "IncidentTemplate",
			Summary: "Create a report template: pre-filled content, its own approval flow, the regimes that usually apply, the default TLP", h: a.createIncidentTemplate},
		{Method: "GET", Path: "/api/v1/incident-templates/{id}", ID: "getIncidentTemplate", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentTemplate",
			Summary: "One template of your organisation", h: a.getIncidentTemplate},
		{Method: "PUT", Path: "/api/v1/incident-templates/{id}", ID: "putIncidentTemplate", Tag: tag, Scope: org.ScopeWrite, Body: "IncidentTemplateInput", Status: 200, Resp: "IncidentTemplate",
			Summary: "Replace a template of your organisation (the body of a GET may be sent back changed)", h: a.putIncidentTemplate},
		{Method: "DELETE", Path: "/api/v1/incident-templates/{id}", ID: "deleteIncidentTemplate", Tag: tag, Scope: org.ScopeWrite, Status: 204,
			Summary: "Delete a template of your organisation (incidents made from it keep their content)", h: a.deleteIncidentTemplate},

		{Method: "GET", Path: "/api/v1/incidents", ID: "listIncidents", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentList",
			Summary: "Your organisation's incident reports, most recently changed first; with received=true those submitted to it, as submitted",
			Query:   slices.Clone(listQuery), h: a.listIncidents},
		{Method: "POST", Path: "/api/v1/incidents", ID: "createIncident", Tag: tag, Scope: org.ScopeWrite, Body: "NewIncident", Status: 201, Resp: "Incident",
			Summary: "Start an incident report of your organisation (a draft), from a template when template_id is given", h: a.createIncident},
		{Method: "GET", Path: "/api/v1/incidents/{id}", ID: "getIncident", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentView",
			Summary: "One incident as you may see it: the reporting organisation everything but the government's triage; a receiver or partner only what was submitted to it. Anyone else: 404",
			h:       a.getIncident},
		{Method: "PATCH", Path: "/api/v1/incidents/{id}", ID: "updateIncident", Tag: tag, Scope: org.ScopeWrite, Body: "IncidentEdit", Status: 200, Resp: "IncidentView",
			Summary: "Change the title, content, clocks or concluded flag (fields left out stay); a changed title or content is a new version and voids an approval. " +
				"Give rev from your last read: a change by someone else in between is a 409", h: a.updateIncident},
		{Method: "PUT", Path: "/api/v1/incidents/{id}/regimes", ID: "setIncidentRegimes", Tag: tag, Scope: org.ScopeWrite, Body: "RegimeChoicesInput", Status: 200, Resp: "IncidentView",
			Summary: "Record which regimes apply to the incident (reportable yes, no with a reason, or undecided) and their conditions", h: a.setIncidentRegimes},

		{Method: "POST", Path: "/api/v1/incidents/{id}/approval", ID: "requestIncidentApproval", Tag: tag, Scope: org.ScopeWrite, Body: "ApprovalRequestInput", BodyOptional: true,
			Status: 200, Resp: "IncidentView", Summary: "Put the current version into your organisation's approval flow", h: a.requestIncidentApproval},
		{Method: "POST", Path: "/api/v1/incidents/{id}/approval/{kind}", ID: "decideIncidentApproval", Tag: tag, Scope: org.ScopeWrite, Body: "ApprovalDecisionInput", Status: 200, Resp: "IncidentView",
			Summary: "Approve or reject the pending approval step {kind} (legal, pr or exec; the user needs the matching approver role); rejecting needs a comment", h: a.decideIncidentApproval},
		{Method: "DELETE", Path: "/api/v1/incidents/{id}/approval", ID: "withdrawIncidentApproval", Tag: tag, Scope: org.ScopeWrite, Status: 200, Resp: "IncidentView",
			Summary: "Withdraw the approval request: the report returns to where it was", h: a.withdrawIncidentApproval},

		{Method: "POST", Path: "/api/v1/incidents/{id}/submissions", ID: "submitIncident", Tag: tag, Scope: org.ScopeWrite, Body: "SubmitRequest", Status: 201, Resp: "SubmissionList",
			Summary: "Submit the current (approved) version to every receiver and linked partner, once per target stage; each document is kept exactly as sent. " +
				"emergency submits without complete approval and needs a reason", h: a.submitIncident},
		{Method: "GET", Path: "/api/v1/incidents/{id}/submissions/{sub}", ID: "getIncidentSubmission", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "SubmissionDocument",
			Summary: "One submission exactly as sent, byte for byte, with its SHA-256 in X-Sakimori-SHA256 (the reporting organisation and the submission's recipient)",
			h:       a.getIncidentSubmission},
		{Method: "POST", Path: "/api/v1/incidents/{id}/submissions/{sub}/acknowledge", ID: "acknowledgeIncidentSubmission", Tag: tag, Scope: org.ScopeWrite, Body: "AcknowledgeInput",
			Status: 200, Resp: "IncidentView", Summary: "Acknowledge receipt of a submission to your organisation with the authority's reference (government receivers)", h: a.acknowledgeIncidentSubmission},
		{Method: "POST", Path: "/api/v1/incidents/{id}/info-requests", ID: "requestIncidentInfo", Tag: tag, Scope: org.ScopeWrite, Body: "InfoRequestInput", Status: 200, Resp: "IncidentView",
			Summary: "Ask the reporter for more information, optionally about named report fields and by a due time (government receivers); the next submission answers it", h: a.requestIncidentInfo},
		{Method: "POST", Path: "/api/v1/incidents/{id}/comments", ID: "commentOnIncident", Tag: tag, Scope: org.ScopeWrite, Body: "IncidentCommentInput", Status: 200, Resp: "IncidentView",
			Summary: "Add feedback or advice (receivers) or a comment (the reporter or a receiver) to the shared history", h: a.commentOnIncident},
		{Method: "PUT", Path: "/api/v1/incidents/{id}/triage", ID: "setIncidentTriage", Tag: tag, Scope: org.ScopeWrite, Body: "TriageInput", Status: 200, Resp: "IncidentView",
			Summary: "Set the government's triage of a received report: severity, status, assignee, note (never shown to the reporter)", h: a.setIncidentTriage},
		{Method: "POST", Path: "/api/v1/incidents/{id}/links", ID: "linkIncident", Tag: tag, Scope: org.ScopeWrite, Body: "IncidentLinkInput", Status: 200, Resp: "IncidentView",
			Summary: "Tie a received report to a correlation cluster, an alert, a shared object or another incident (government receivers)", h: a.linkIncident},

		{Method: "POST", Path: "/api/v1/incidents/{id}/close", ID: "closeIncident", Tag: tag, Scope: org.ScopeWrite, Body: "CloseInput", BodyOptional: true, Status: 200, Resp: "IncidentView",
			Summary: "Close a submitted report: nothing more to report (open information requests must be answered first)", h: a.closeIncident},
		{Method: "POST", Path: "/api/v1/incidents/{id}/refute", ID: "refuteIncident", Tag: tag, Scope: org.ScopeWrite, Body: "ReasonInput", Status: 200, Resp: "IncidentView",
			Summary: "Retract the incident as a false positive; every earlier receiver gets a retraction", h: a.refuteIncident},
		{Method: "POST", Path: "/api/v1/incidents/{id}/reopen", ID: "reopenIncident", Tag: tag, Scope: org.ScopeWrite, Body: "ReasonInput", Status: 200, Resp: "IncidentView",
			Summary: "Reopen a closed or refuted incident when new facts arrive", h: a.reopenIncident},

		{Method: "GET", Path: "/api/v1/incidents/{id}/versions/{n}", ID: "getIncidentVersion", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentVersion",
			Summary: "Version {n} of the content (receivers: only versions submitted to them, as submitted)", h: a.getIncidentVersion},
		{Method: "GET", Path: "/api/v1/incidents/{id}/diff", ID: "diffIncidentVersions", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "FieldChangeList",
			Summary: "The fields that differ between two versions, value and meta (receivers: between versions submitted to them)",
			Query: []param{{Name: "from", Type: "integer", Desc: "the earlier version (required)"},
				{Name: "to", Type: "integer", Desc: "the later version (required)"}}, h: a.diffIncidentVersions},
		{Method: "GET", Path: "/api/v1/incidents/{id}/timeline", ID: "getIncidentTimeline", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "DueList",
			Summary: "Every applicable regime's deadlines on one timeline, soonest first (the reporting organisation; empty for receivers)", h: a.getIncidentTimeline},

		{Method: "POST", Path: "/api/v1/incidents/{id}/share/preview", ID: "previewIncidentShare", Tag: tag, Scope: org.ScopeWrite, Body: "ShareRequest", Status: 200, Resp: "SharePreview",
			Summary: "Preview the sanitised STIX that sharing the report would release, with what the sanitiser removed and the token a release needs; nothing is shared", h: a.previewIncidentShare},
		{Method: "POST", Path: "/api/v1/incidents/{id}/share/release", ID: "releaseIncidentShare", Tag: tag, Scope: org.ScopeWrite, Body: "ShareRequest", Status: 200, Resp: "Job",
			Summary: "Release exactly the previewed objects into a collection (token from the preview; 409 when the report or the choices changed since)", h: a.releaseIncidentShare},
		{Method: "GET", Path: "/api/v1/incidents/{id}/export", ID: "exportIncident", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentExport",
			Summary: "Export the incident as you may see it, as an attachment: format=json (the view with every version, application/json), " +
				"stix (a STIX 2.1 bundle under tlp, application/stix+json) or html (the printable report for a regime's stage or a submission as sent, in lang, text/html)",
			Query: []param{{Name: "format", Type: "string", Enum: []string{"json", "stix", "html"}, Desc: "default json"},
				{Name: "tlp", Type: "string", Enum: []string{"clear", "green", "amber", "amber+strict", "red"}, Desc: "stix: the bundle's marking (default amber)"},
				{Name: "regime", Type: "string", Desc: "html: the regime whose form is printed"},
				{Name: "stage", Type: "string", Desc: "html: the regime's stage"},
				{Name: "submission", Type: "string", Desc: "html: print this submission exactly as sent"},
				{Name: "lang", Type: "string", Enum: []string{"ja", "en"}, Desc: "html: the language (default ja)"}},
			h: a.exportIncident},
	}
	// Every route here needs the service; handlers use c.rep().
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Reporting == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "incident reporting is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

// rep is the incident-reporting service (the routes check it is there).
func (c *call) rep() *reporting.Service { return c.api.opt.Reporting }

// ---- request bodies ---------------------------------------------------------------

// RegimeChoicesInput is the body of PUT /incidents/{id}/regimes.
type RegimeChoicesInput struct {
	Regimes []incident.RegimeChoice `json:"regimes"`
}

// ApprovalRequestInput is the (optional) body of POST /incidents/{id}/approval.
type ApprovalRequestInput struct {
	Note string `json:"note,omitempty"`
}

// ApprovalDecisionInput is the body of POST /incidents/{id}/approval/{kind}.
type ApprovalDecisionInput struct {
	Decision string `json:"decision"` // approve | reject
	Comment  string `json:"comment,omitempty"`
}

// AcknowledgeInput is the body of POST .../submissions/{sub}/acknowledge.
type AcknowledgeInput struct {
	AuthorityRef string `json:"authority_ref"`
}

// IncidentCommentInput is the body of POST /incidents/{id}/comments.
type IncidentCommentInput struct {
	Kind string `json:"kind"` // feedback | advice | comment
	Text string `json:"text"`
}

// CloseInput is the (optional) body of POST /incidents/{id}/close.
type CloseInput struct {
	Note string `json:"note,omitempty"`
}

// ReasonInput is the body of POST /incidents/{id}/refute and /reopen.
type ReasonInput struct {
	Reason string `json:"reason"`
}

// ---- settings, regimes, templates -------------------------------------------------

func (a *API) getReportingSettings(c *call) (int, any, error) {
	st, err := c.rep().Settings(c.r.Context(), c.p, "")
	return 200, st, err
}

func (a *API) putReportingSettings(c *call) (int, any, error) {
	var st incident.Settings
	if err := c.decode(&st); err != nil {
		return 0, nil, err
	}
	if st.OrgID != "" && st.OrgID != c.p.OrgID() {
		return 0, nil, apperr.Invalid("org_id", "the settings are your organisation's own: leave org_id out or give your organisation's id")
	}
	s := c.rep()
	if err := s.PutSettings(c.r.Context(), c.p, &st); err != nil {
		return 0, nil, err
	}
	got, err := s.Settings(c.r.Context(), c.p, st.OrgID)
	return 200, got, err
}

func (a *API) listReportingRegimes(c *call) (int, any, error) {
	rs, err := c.rep().Regimes(c.r.Context(), c.p, "")
	return 200, listOf(rs), err
}

func (a *API) listIncidentTemplates(c *call) (int, any, error) {
	ts, err := c.rep().Templates(c.r.Context(), c.p, "")
	return 200, listOf(ts), err
}

func (a *API) createIncidentTemplate(c *call) (int, any, error) {
	var t incident.Template
	if err := c.decode(&t); err != nil {
		return 0, nil, err
	}
	if t.ID != "" {
		return 0, nil, apperr.Invalid("id", "leave id out: a new template's id is assigned (PUT /incident-templates/{id} replaces one)")
	}
	if t.OrgID != "" && t.OrgID != c.p.OrgID() {
		return 0, nil, apperr.Invalid("org_id", "templates are your organisation's own: leave org_id out")
	}
	s := c.rep()
	if err := s.PutTemplate(c.r.Context(), c.p, &t); err != nil {
		return 0, nil, err
	}
	got, err := s.Template(c.r.Context(), c.p, t.ID)
	return 201, got, err
}

func (a *API) getIncidentTemplate(c *call) (int, any, error) {
	t, err := c.rep().Template(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, t, err
}

func (a *API) putIncidentTemplate(c *call) (int, any, error) {
	s := c.rep()
	id := c.r.PathValue("id")
	old, err := s.Template(c.r.Context(), c.p, id)
	if err != nil {
		return 0, nil, err
	}
	var t incident.Template
	if err := c.decode(&t); err != nil {
		return 0, nil, err
	}
	if t.ID != "" && t.ID != old.ID {
		return 0, nil, apperr.Invalid("id", "does not match the template in the path")
	}
	if t.OrgID != "" && t.OrgID != old.OrgID {
		return 0, nil, apperr.Invalid("org_id", "a template stays with its organisation")
	}
	t.ID, t.OrgID = old.ID, old.OrgID
	if err := s.PutTemplate(c.r.Context(), c.p, &t); err != nil {
		return 0, nil, err
	}
	got, err := s.Template(c.r.Context(), c.p, id)
	return 200, got, err
}

func (a *API) deleteIncidentTemplate(c *call) (int, any, error) {
	return 204, nil, c.rep().DeleteTemplate(c.r.Context(), c.p, c.r.PathValue("id"))
}

// ---- incidents --------------------------------------------------------------------

// incidentQuery reads the list filters; withReceived also reads received=.
func incidentQuery(c *call, withReceived bool) (reporting.Query, error) {
	var q reporting.Query
	v := c.r.URL.Query()
	for _, s := range v["state"] {
		for part := range strings.SplitSeq(s, ",") {
			st := incident.State(strings.TrimSpace(part))
			if st == "" {
				continue
			}
			if !slices.Contains(incident.States, st) {
				return q, apperr.Invalid("state", "%q: use %s", clip(string(st)), strings.Join(strs(incident.States), ", "))
			}
			if !slices.Contains(q.States, st) {
				q.States = append(q.States, st)
			}
		}
	}
	q.Q = strings.TrimSpace(v.Get("q"))
	if withReceived {
		b, err := boolParam(c, "received")
		if err != nil {
			return q, err
		}
		q.Received = isTrue(b)
	}
	var err error
	if q.Limit, err = intParam(c, "limit", 0, 1, 1000); err != nil {
		return q, err
	}
	return q, nil
}

func (a *API) listIncidents(c *call) (int, any, error) {
	q, err := incidentQuery(c, true)
	if err != nil {
		return 0, nil, err
	}
	ins, err := c.rep().List(c.r.Context(), c.p, q)
	if !q.Received {
		for i := range ins {
			withoutTriage(&ins[i])
		}
	}
	return 200, listOf(ins), err
}

func (a *API) listTriageQueue(c *call) (int, any, error) {
	q, err := incidentQuery(c, false)
	if err != nil {
		return 0, nil, err
	}
	ins, err := c.rep().Queue(c.r.Context(), c.p, q)
	return 200, listOf(ins), err
}

func (a *API) createIncident(c *call) (int, any, error) {
	var n reporting.NewIncident
	if err := c.decode(&n); err != nil {
		return 0, nil, err
	}
	in, err := c.rep().Create(c.r.Context(), c.p, n)
	return 201, in, err
}

// view answers a change (err: its outcome) with the incident as the
// caller may see it.
func (c *call) view(err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	v, err := c.incidentView(c.r.PathValue("id"))
	return 200, v, err
}

// incidentView is the incident as the caller may see it.
func (c *call) incidentView(id string) (*reporting.View, error) {
	v, err := c.rep().Get(c.r.Context(), c.p, id)
	if err != nil {
		return nil, err
	}
	if v.Role == reporting.RoleReporter {
		withoutTriage(v.Incident)
	}
	return v, nil
}

// withoutTriage removes the government's triage and analysis links, which
// the reporting organisation never sees.
func withoutTriage(in *incident.Incident) {
	in.Triage, in.Links = incident.Triage{}, []incident.Link{}
}

func (a *API) getIncident(c *call) (int, any, error) {
	v, err := c.incidentView(c.r.PathValue("id"))
	return 200, v, err
}

func (a *API) updateIncident(c *call) (int, any, error) {
	var e reporting.Edit
	if err := c.decode(&e); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Save(c.r.Context(), c.p, c.r.PathValue("id"), e)
	return c.view(err)
}

func (a *API) setIncidentRegimes(c *call) (int, any, error) {
	var in RegimeChoicesInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Regimes == nil {
		return 0, nil, apperr.Invalid("regimes", "is required (an empty list clears the choices)")
	}
	_, err := c.rep().SetRegimes(c.r.Context(), c.p, c.r.PathValue("id"), in.Regimes)
	return c.view(err)
}

func (a *API) requestIncidentApproval(c *call) (int, any, error) {
	var in ApprovalRequestInput
	if err := decodeOptional(c.r, c.api.opt.MaxBodyBytes, &in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().RequestApproval(c.r.Context(), c.p, c.r.PathValue("id"), strings.TrimSpace(in.Note))
	return c.view(err)
}

func (a *API) decideIncidentApproval(c *call) (int, any, error) {
	k := incident.ApprovalKind(c.r.PathValue("kind"))
	if !slices.Contains(incident.ApprovalKinds, k) {
		return 0, nil, apperr.NotFound("approval step", clip(string(k)))
	}
	var in ApprovalDecisionInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var approve bool
	switch in.Decision {
	case "approve":
		approve = true
	case "reject":
	default:
		return 0, nil, apperr.Invalid("decision", "%q: use approve or reject", clip(in.Decision))
	}
	_, err := c.rep().Decide(c.r.Context(), c.p, c.r.PathValue("id"), k, approve, in.Comment)
	return c.view(err)
}

func (a *API) withdrawIncidentApproval(c *call) (int, any, error) {
	_, err := c.rep().WithdrawApproval(c.r.Context(), c.p, c.r.PathValue("id"))
	return c.view(err)
}

func (a *API) submitIncident(c *call) (int, any, error) {
	var req reporting.SubmitRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	subs, err := c.rep().Submit(c.r.Context(), c.p, c.r.PathValue("id"), req)
	return 201, listOf(subs), err
}

// SHA256Header carries a submission's digest beside its exact bytes.
const SHA256Header = "X-Sakimori-SHA256"

func (a *API) getIncidentSubmission(c *call) (int, any, error) {
	sub, err := c.rep().Submission(c.r.Context(), c.p, c.r.PathValue("id"), c.r.PathValue("sub"))
	if err != nil {
		return 0, nil, err
	}
	c.w.Header().Set(SHA256Header, sub.SHA256)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(sub.Body)))
	writeHeader(c.w, http.StatusOK, "application/json")
	_, _ = c.w.Write(sub.Body)
	return 0, nil, errWritten
}

func (a *API) acknowledgeIncidentSubmission(c *call) (int, any, error) {
	var in AcknowledgeInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Acknowledge(c.r.Context(), c.p, c.r.PathValue("id"), c.r.PathValue("sub"), in.AuthorityRef)
	return c.view(err)
}

func (a *API) requestIncidentInfo(c *call) (int, any, error) {
	var in reporting.InfoRequestInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().RequestInfo(c.r.Context(), c.p, c.r.PathValue("id"), in)
	return c.view(err)
}

func (a *API) commentOnIncident(c *call) (int, any, error) {
	var in IncidentCommentInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Comment(c.r.Context(), c.p, c.r.PathValue("id"), in.Kind, in.Text)
	return c.view(err)
}

func (a *API) setIncidentTriage(c *call) (int, any, error) {
	var t incident.Triage
	if err := c.decode(&t); err != nil {
		return 0, nil, err
	}
	// Who and when are recorded by the service, not taken from the body.
	t.AssigneeName, t.UpdatedBy, t.UpdatedAt = "", "", nil
	_, err := c.rep().SetTriage(c.r.Context(), c.p, c.r.PathValue("id"), t)
	return c.view(err)
}

func (a *API) linkIncident(c *call) (int, any, error) {
	var l incident.Link
	if err := c.decode(&l); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().AddLink(c.r.Context(), c.p, c.r.PathValue("id"), l)
	return c.view(err)
}

func (a *API) closeIncident(c *call) (int, any, error) {
	var in CloseInput
	if err := decodeOptional(c.r, c.api.opt.MaxBodyBytes, &in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Close(c.r.Context(), c.p, c.r.PathValue("id"), strings.TrimSpace(in.Note))
	return c.view(err)
}

func (a *API) refuteIncident(c *call) (int, any, error) {
	var in ReasonInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Refute(c.r.Context(), c.p, c.r.PathValue("id"), in.Reason)
	return c.view(err)
}

func (a *API) reopenIncident(c *call) (int, any, error) {
	var in ReasonInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	_, err := c.rep().Reopen(c.r.Context(), c.p, c.r.PathValue("id"), in.Reason)
	return c.view(err)
}

// ---- versions, diffs, timeline ------------------------------------------------------

func (a *API) getIncidentVersion(c *call) (int, any, error) {
	s := c.r.PathValue("n")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, nil, apperr.NotFound("version", clip(s))
	}
	v, err := c.rep().Version(c.r.Context(), c.p, c.r.PathValue("id"), n)
	return 200, v, err
}

func (a *API) diffIncidentVersions(c *call) (int, any, error) {
	var v [2]int
	for i, name := range []string{"from", "to"} {
		n, err := intParam(c, name, 0, 1, 1<<30)
		if err != nil {
			return 0, nil, err
		}
		if n == 0 {
			return 0, nil, apperr.Invalid(name, "is required: a version number")
		}
		v[i] = n
	}
	d, err := c.rep().Diff(c.r.Context(), c.p, c.r.PathValue("id"), v[0], v[1])
	return 200, listOf(d), err
}

func (a *API) getIncidentTimeline(c *call) (int, any, error) {
	tl, err := c.rep().Timeline(c.r.Context(), c.p, c.r.PathValue("id"))
	if tl == nil {
		tl = []regime.Due{}
	}
	return 200, listOf(tl), err
}

// ---- sharing and exports ------------------------------------------------------------

func (a *API) previewIncidentShare(c *call) (int, any, error) {
	var r reporting.ShareRequest
	if err := c.decode(&r); err != nil {
		return 0, nil, err
	}
	d, err := c.rep().SharePreview(c.r.Context(), c.p, c.r.PathValue("id"), r)
	if d != nil && d.Removed == nil {
		d.Removed = []reportexport.Removed{}
	}
	return 200, d, err
}

func (a *API) releaseIncidentShare(c *call) (int, any, error) {
	var r reporting.ShareRequest
	if err := c.decode(&r); err != nil {
		return 0, nil, err
	}
	job, err := c.rep().ShareRelease(c.r.Context(), c.p, c.r.PathValue("id"), r)
	return 200, job, err
}

func (a *API) exportIncident(c *call) (int, any, error) {
	s := c.rep()
	ctx := c.r.Context()
	q := c.r.URL.Query()
	id := c.r.PathValue("id")
	format := q.Get("format")
	switch format {
	case "", "json", "stix", "html":
	default:
		return 0, nil, apperr.Invalid("format", "%q: use json, stix or html", clip(format))
	}
	if format != "html" {
		for _, name := range []string{"regime", "stage", "submission", "lang"} {
			if q.Get(name) != "" {
				return 0, nil, apperr.Invalid(name, "only for format=html")
			}
		}
	}
	if format != "stix" && q.Get("tlp") != "" {
		return 0, nil, apperr.Invalid("tlp", "only for format=stix")
	}
	switch format {
	case "", "json":
		x, err := s.ExportJSON(ctx, c.p, id)
		if err != nil {
			return 0, nil, err
		}
		if x.View.Role == reporting.RoleReporter {
			withoutTriage(x.View.Incident)
		}
		attachment(c, x.View.Incident.Ref, ".json")
		return 200, x, nil
	case "stix":
		tlp := strings.ToLower(q.Get("tlp"))
		switch tlp {
		case "", "clear", "green", "amber", "amber+strict", "red":
		default:
			return 0, nil, apperr.Invalid("tlp", "%q: use clear, green, amber, amber+strict or red", clip(tlp))
		}
		v, err := s.Get(ctx, c.p, id)
		if err != nil {
			return 0, nil, err
		}
		b, err := s.ExportSTIX(ctx, c.p, id, tlp)
		if err != nil {
			return 0, nil, err
		}
		attachment(c, v.Incident.Ref, ".stix.json")
		writeHeader(c.w, http.StatusOK, "application/stix+json;version=2.1")
		_, _ = c.w.Write(b)
		return 0, nil, errWritten
	}
	lang := q.Get("lang")
	switch lang {
	case "":
		lang = "ja"
	case "ja", "en":
	default:
		return 0, nil, apperr.Invalid("lang", "%q: use ja or en", clip(lang))
	}
	v, err := s.Get(ctx, c.p, id)
	if err != nil {
		return 0, nil, err
	}
	regimeID, stage, sub := q.Get("regime"), q.Get("stage"), q.Get("submission")
	if stage != "" && regimeID == "" && sub == "" {
		return 0, nil, apperr.Invalid("regime", "a stage needs its regime")
	}
	b, err := s.Print(ctx, c.p, id, regimeID, stage, sub, lang)
	if err != nil {
		return 0, nil, err
	}
	name := v.Incident.Ref
	for _, part := range []string{regimeID, stage} {
		if part != "" {
			name += "-" + part
		}
	}
	attachment(c, name, "."+lang+".html")
	writeHeader(c.w, http.StatusOK, "text/html; charset=utf-8")
	_, _ = c.w.Write(b)
	return 0, nil, errWritten
}

// attachment names the download: the incident's ref (only letters,
// digits, '.', '-' and '_' kept) and ext.
func attachment(c *call, name, ext string) {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	if safe == "" {
		safe = "incident"
	}
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+safe+ext+`"`)
}

// ---- tasks and reminders --------------------------------------------------------------

func (a *API) listReportingTasks(c *call) (int, any, error) {
	ts, err := c.rep().Tasks(c.r.Context(), c.p)
	return 200, listOf(ts), err
}

func (a *API) listReportingReminders(c *call) (int, any, error) {
	limit, err := c.limit(50)
	if err != nil {
		return 0, nil, err
	}
	rs, err := c.rep().Reminders(c.r.Context(), c.p, limit)
	return 200, listOf(rs), err
}
