package api

import (
	"sakimori/internal/incident"
	"sakimori/internal/reporting"
)

func init() {
	// The bodies of the incident-reporting routes, for
	// TestRequestSchemasMatchTheTypes.
	for name, v := range map[string]any{
		"ReportingSettingsInput": &incident.Settings{}, "IncidentTemplateInput": &incident.Template{}, "NewIncident": &reporting.NewIncident{},
		"IncidentEdit": &reporting.Edit{}, "RegimeChoicesInput": &RegimeChoicesInput{}, "ApprovalRequestInput": &ApprovalRequestInput{},
		"ApprovalDecisionInput": &ApprovalDecisionInput{}, "SubmitRequest": &reporting.SubmitRequest{}, "AcknowledgeInput": &AcknowledgeInput{},
		"InfoRequestInput": &reporting.InfoRequestInput{}, "IncidentCommentInput": &IncidentCommentInput{}, "TriageInput": &incident.Triage{},
		"IncidentLinkInput": &incident.Link{}, "CloseInput": &CloseInput{}, "ReasonInput": &ReasonInput{}, "ShareRequest": &reporting.ShareRequest{},
	} {
		requestTypes[name] = v
	}
}
