package correlate

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// Statuses an analyst may set (merged is the engine's).
var Statuses = []string{store.ClusterOpen, store.ClusterConfirmed, store.ClusterDismissed}

// Query selects clusters.
type Query struct {
	Status      string    // open | confirmed | dismissed | merged; "" all but merged
	MinStrength int       // 0..100
	Since       time.Time // last seen at or after
	Limit       int
}

// List returns clusters, the most recently seen first (government only).
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]Cluster, error) {
	if err := auth.Authorize(p, auth.ActClusterRead, auth.Target{}); err != nil {
		return nil, err
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) && q.Status != store.ClusterMerged {
		return nil, apperr.Invalid("status", "must be open, confirmed, dismissed or merged")
	}
	if q.MinStrength < 0 || q.MinStrength > 100 {
		return nil, apperr.Invalid("min_strength", "must be 0 to 100")
	}
	out, err := s.DB.ListClusters(ctx, store.ClusterFilter{Status: q.Status, MinStrength: q.MinStrength, Since: q.Since, Limit: q.Limit})
	if out == nil {
		out = []Cluster{}
	}
	return out, err
}

// InvolvedOrg is an organisation a cluster involves, named for the
// government.
type InvolvedOrg struct {
	store.ClusterOrg
	Slug string    `json:"slug"`
	Name org.Names `json:"name"`
}

// Detail is a cluster with its evidence and organisations (government
// only).
type Detail struct {
	Cluster
	Evidence []ClusterValue `json:"evidence"`
	Involved []InvolvedOrg  `json:"organisations"`
	// MergedCluster is the surviving cluster's ref when this one was merged.
	MergedRef string `json:"merged_ref,omitempty"`
}

// Get returns a cluster by id or ref, with evidence and organisations.
func (s *Service) Get(ctx context.Context, p *auth.Principal, ref string) (*Detail, error) {
	if err := auth.Authorize(p, auth.ActClusterRead, auth.Target{}); err != nil {
		return nil, err
	}
	c, err := s.DB.GetCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	d := &Detail{Cluster: *c, Evidence: []ClusterValue{}, Involved: []InvolvedOrg{}}
	if c.MergedInto != "" {
		if m, err := s.DB.GetCluster(ctx, c.MergedInto); err == nil {
			d.MergedRef = m.Ref
		}
	}
	ev, err := s.DB.ClusterEvidence(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		d.Evidence = ev
	}
	orgs, err := s.DB.ClusterOrgs(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		io := InvolvedOrg{ClusterOrg: o}
		if x := s.org(ctx, o.OrgID); x != nil {
			io.Slug, io.Name = x.Slug, x.Name
		}
		d.Involved = append(d.Involved, io)
	}
	return d, nil
}

// Update changes a cluster's analyst fields; nil leaves a field.
type Update struct {
	Status *string `json:"status,omitempty"`
	Title  *string `json:"title,omitempty"`
	Note   *string `json:"note,omitempty"`
}

// Change applies an analyst's update (confirm, dismiss, reopen, retitle,
// annotate), audited, and publishes cluster.updated.
func (s *Service) Change(ctx context.Context, p *auth.Principal, ref string, u Update) (*Cluster, error) {
	if err := auth.Authorize(p, auth.ActClusterWrite, auth.Target{}); err != nil {
		return nil, err
	}
	if u.Status != nil && !slices.Contains(Statuses, *u.Status) {
		return nil, apperr.Invalid("status", "must be open, confirmed or dismissed")
	}
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if t == "" || utf8.RuneCountInString(t) > 200 {
			return nil, apperr.Invalid("title", "must be 1 to 200 characters")
		}
		u.Title = &t
	}
	if u.Note != nil {
		n := strings.TrimSpace(*u.Note)
		if utf8.RuneCountInString(n) > 4000 {
			return nil, apperr.Invalid("note", "must be at most 4000 characters")
		}
		u.Note = &n
	}
	c, err := s.DB.GetCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	before := *c
	c, err = s.DB.UpdateCluster(ctx, p.Actor(), c.ID, store.ClusterUpdate{Status: u.Status, Title: u.Title, Note: u.Note})
	if err != nil {
		return nil, err
	}
	if s.Events != nil && (c.Status != before.Status || c.Title != before.Title || c.Note != before.Note) {
		if err := s.Events.Publish(ctx, clusterEvent(event.ClusterUpdated, c, nil, s.now())); err != nil {
			s.Log.Warn("cluster event not published", "cluster", c.ID, "err", err)
		}
	}
	return c, nil
}

// ClustersForIncident returns the clusters a report's values are evidence
// of (government only).
func (s *Service) ClustersForIncident(ctx context.Context, p *auth.Principal, incidentID string) ([]Cluster, error) {
	if err := auth.Authorize(p, auth.ActClusterRead, auth.Target{}); err != nil {
		return nil, err
	}
	out, err := s.DB.SourceClusters(ctx, SourceReport, incidentID)
	if out == nil {
		out = []Cluster{}
	}
	return out, err
}

// ---- feedback ----------------------------------------------------------------

// MinOthers is the smallest number of other organisations feedback states
// exactly: below it, "fewer than MinOthers" (so that one organisation
// cannot be singled out).
const MinOthers = 2

// Count is an anonymised count of other organisations.
type Count struct {
	// Orgs and Sectors are the numbers of other organisations and of
	// their sectors; both 0 when Suppressed.
	Orgs    int `json:"orgs"`
	Sectors int `json:"sectors"`
	// Suppressed: fewer than FewerThan other organisations (possibly
	// none) reported or sighted this.
	Suppressed bool `json:"suppressed"`
	FewerThan  int  `json:"fewer_than,omitempty"`
}

func count(orgs, sectors []string) Count {
	if len(orgs) < MinOthers {
		return Count{Suppressed: true, FewerThan: MinOthers}
	}
	n := 0
	for _, s := range sectors {
		if s != "" { // organisations outside the critical sectors (suppliers, vendors) count in none
			n++
		}
	}
	return Count{Orgs: len(orgs), Sectors: n}
}

// ValueFeedback is the feedback on one value of the report.
type ValueFeedback struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Others Count  `json:"others"`
}

// FeedbackCluster is a cluster as a reporter sees it: never its
// organisations.
type FeedbackCluster struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"`
	Title    string `json:"title"`
	Strength int    `json:"strength"`
	Status   string `json:"status"`
}

// Feedback is what the correlation engine did with a report: the clusters
// its values belong to, and how many other organisations (in how many
// sectors) reported or sighted them, anonymised.
type Feedback struct {
	IncidentID string            `json:"incident_id"`
	Clusters   []FeedbackCluster `json:"clusters"`
	Values     []ValueFeedback   `json:"values"`
	Overall    Count             `json:"overall"`
}

// IncidentFeedback returns the feedback on an incident report, to its
// reporting organisation and to the government organisations it was
// submitted to. Others get not-found.
func (s *Service) IncidentFeedback(ctx context.Context, p *auth.Principal, incidentID string) (*Feedback, error) {
	if p == nil || p.User == nil && !p.IsSystem() {
		return nil, apperr.ErrUnauthenticated
	}
	in, err := s.DB.Incident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	acting := p.ActingOrgID()
	gov := p.IsGovernment()
	switch {
	case p.IsSystem() && acting == "":
	case acting == in.OrgID:
		if err := auth.Authorize(p, auth.ActReportRead, auth.Target{OrgID: in.OrgID}); err != nil {
			return nil, err
		}
	case gov && in.SubmittedVersion > 0 && slices.Contains(in.Recipients, acting):
		if err := auth.Authorize(p, auth.ActReportRead, auth.Target{}); err != nil {
			return nil, err
		}
	default:
		return nil, apperr.NotFound("incident", incidentID)
	}
	fb := &Feedback{IncidentID: in.ID, Clusters: []FeedbackCluster{}, Values: []ValueFeedback{}}
	cl, err := s.DB.SourceClusters(ctx, SourceReport, in.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cl {
		if c.Status == store.ClusterDismissed && !gov {
			continue
		}
		fb.Clusters = append(fb.Clusters, FeedbackCluster{ID: c.ID, Ref: c.Ref, Title: c.Title, Strength: c.Strength, Status: c.Status})
	}
	vals, err := s.DB.SourceOthers(ctx, SourceReport, in.ID, in.OrgID)
	if err != nil {
		return nil, err
	}
	var allOrgs, allSectors []string
	for _, v := range vals {
		fb.Values = append(fb.Values, ValueFeedback{Kind: v.Kind, Value: v.Value, Others: count(v.Orgs, v.Sectors)})
		for _, o := range v.Orgs {
			if !slices.Contains(allOrgs, o) {
				allOrgs = append(allOrgs, o)
			}
		}
		for _, sec := range v.Sectors {
			if !slices.Contains(allSectors, sec) {
				allSectors = append(allSectors, sec)
			}
		}
	}
	fb.Overall = count(allOrgs, allSectors)
	return fb, nil
}
