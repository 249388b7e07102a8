package weather

import (
	"context"
	"slices"
	"strconv"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/reporting"
)

// Feedback on an incident report (issue #7 part 3): what the government
// did with it. Three parts: the correlation (the clusters its values
// belong to, anonymised: "N other organisations in M sectors reported or
// sighted this"), the alerts linked to it that the reader may see, and
// the receivers' advice shared with the reporter.

// ClusterRef is a cluster a report's values belong to, as its reporter
// may see it (never its organisations).
type ClusterRef struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"`
	Title    string `json:"title,omitempty"`
	Strength int    `json:"strength"`
	Status   string `json:"status,omitempty"`
}

// Others counts the other organisations that reported or sighted a
// value: Suppressed (then Orgs and Sectors are 0) when fewer than
// FewerThan did, so that a single other organisation is never singled out.
type Others struct {
	Orgs       int  `json:"orgs"`
	Sectors    int  `json:"sectors"`
	Suppressed bool `json:"suppressed"`
	FewerThan  int  `json:"fewer_than,omitempty"`
}

// ValueOthers is one value of the report with the others that saw it.
type ValueOthers struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Others Others `json:"others"`
}

// Correlation is the correlation part of a report's feedback.
type Correlation struct {
	Clusters []ClusterRef  `json:"clusters"`
	Values   []ValueOthers `json:"values"`
	// Overall counts the other organisations over every value.
	Overall Others `json:"overall"`
	Text    Text   `json:"text"`
}

// ClusterFeedback gives the correlation part of a report's feedback
// (correlate.Service).
type ClusterFeedback interface {
	IncidentFeedback(ctx context.Context, p *auth.Principal, incidentID string) (*correlate.Feedback, error)
}

// correlation is the correlation part of the feedback from the engine's.
func correlation(fb *correlate.Feedback) *Correlation {
	others := func(c correlate.Count) Others {
		return Others{Orgs: c.Orgs, Sectors: c.Sectors, Suppressed: c.Suppressed, FewerThan: c.FewerThan}
	}
	out := &Correlation{Clusters: []ClusterRef{}, Values: []ValueOthers{}, Overall: others(fb.Overall)}
	for _, c := range fb.Clusters {
		out.Clusters = append(out.Clusters, ClusterRef{ID: c.ID, Ref: c.Ref, Title: c.Title, Strength: c.Strength, Status: c.Status})
	}
	for _, v := range fb.Values {
		out.Values = append(out.Values, ValueOthers{Kind: v.Kind, Value: v.Value, Others: others(v.Others)})
	}
	out.Text = CorrelationText(out.Overall)
	return out
}

// AlertRef is a published alert linked to the report.
type AlertRef struct {
	ID          string    `json:"id"`
	Ref         string    `json:"ref"`
	Severity    string    `json:"severity"`
	Title       Text      `json:"title"`
	ClusterID   string    `json:"cluster_id,omitempty"`
	PublishedAt time.Time `json:"published_at"`
}

// Advice is feedback, advice or a comment from a receiver, shared with
// the reporter.
type Advice struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"` // feedback | advice | comment
	OrgID     string    `json:"org_id,omitempty"`
	ActorName string    `json:"actor_name"`
	Text      string    `json:"text"`
}

// Feedback is the feedback on one incident report.
type Feedback struct {
	IncidentID string `json:"incident_id"`
	Ref        string `json:"ref"`
	Title      string `json:"title"`
	// Correlation is nil while correlation is not available.
	Correlation *Correlation `json:"correlation"`
	Alerts      []AlertRef   `json:"alerts"`
	Advice      []Advice     `json:"advice"`
}

// adviceKinds are the kinds of shared events that are advice.
var adviceKinds = []string{"feedback", "advice", "comment"}

// Feedback returns the feedback on incident id: to the reporting
// organisation, or a government organisation it was submitted to.
func (s *Service) Feedback(ctx context.Context, p *auth.Principal, id string) (*Feedback, error) {
	if s.Reporting == nil {
		return nil, apperr.New(apperr.CodeUnavailable, "incident reporting is not enabled")
	}
	v, err := s.Reporting.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	gov := IsGov(p)
	switch v.Role {
	case reporting.RoleReporter:
	case reporting.RoleReceiver:
		if !gov {
			return nil, apperr.Forbidden("feedback is for the reporting organisation and the government organisations it was submitted to")
		}
	default:
		return nil, apperr.Forbidden("feedback is for the reporting organisation and the government organisations it was submitted to")
	}
	out := &Feedback{IncidentID: v.Incident.ID, Ref: v.Incident.Ref, Title: v.Incident.Title, Alerts: []AlertRef{}, Advice: []Advice{}}
	// Advice: shared events from the receivers, never government-only ones.
	for _, e := range v.Events {
		if e.GovOnly || !e.Shared || !slices.Contains(adviceKinds, e.Kind) || e.OrgID == v.Incident.OrgID {
			continue
		}
		out.Advice = append(out.Advice, Advice{At: e.At, Kind: e.Kind, OrgID: e.OrgID, ActorName: e.ActorName, Text: e.Text})
	}
	var clusterIDs []string
	if s.Clusters != nil {
		c, err := s.Clusters.IncidentFeedback(ctx, p, id)
		if err != nil && apperr.CodeOf(err) != apperr.CodeNotFound {
			return nil, err
		}
		if c != nil {
			out.Correlation = correlation(c)
			for _, x := range out.Correlation.Clusters {
				clusterIDs = append(clusterIDs, x.ID)
			}
		}
	}
	// The government's links (read from the stored report: the
	// reporter's copy has none) name clusters and alerts.
	raw, err := s.DB.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	var alertRefs []string
	for _, l := range raw.Links {
		switch l.Kind {
		case "cluster":
			// Links keep the cluster's ref (CL-2026-0001); alerts
			// name the cluster by id.
			if c, err := s.DB.GetCluster(ctx, l.Ref); err == nil {
				clusterIDs = append(clusterIDs, c.ID)
			}
		case "alert":
			alertRefs = append(alertRefs, l.Ref)
		}
	}
	only := ""
	if !gov {
		only = p.ActingOrgID()
	}
	as, err := s.DB.FeedbackAlerts(ctx, clusterIDs, alertRefs, only)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		out.Alerts = append(out.Alerts, AlertRef{ID: a.ID, Ref: a.Ref, Severity: a.Severity, Title: Text{JA: a.TitleJA, EN: a.TitleEN},
			ClusterID: a.ClusterID, PublishedAt: a.PublishedAt})
	}
	return out, nil
}

// CorrelationText is the anonymised sentence of a correlation part.
func CorrelationText(o Others) Text {
	n, m := strconv.Itoa(o.Orgs), strconv.Itoa(o.Sectors)
	switch {
	case o.Suppressed && o.FewerThan > 0:
		k := strconv.Itoa(o.FewerThan)
		return Text{JA: "同じ値を報告またはサイティングした他の組織は" + k + "未満です（少数のため件数は示しません）。",
			EN: "Fewer than " + k + " other organisations reported or sighted this (too few to give a number)."}
	case o.Orgs == 0:
		return Text{JA: "現時点で、他の組織からの同じ値の報告やサイティングはありません。",
			EN: "No other organisation has reported or sighted these values so far."}
	}
	return Text{JA: "他の" + n + "組織（" + m + "分野）が同じ値を報告またはサイティングしています。",
		EN: n + " other organisation(s) in " + m + " sector(s) reported or sighted this."}
}
