package reporting

import (
	"context"
	"slices"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/reportexport"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// ShareRequest chooses what a sanitised derivation shares.
type ShareRequest struct {
	TLP string `json:"tlp"`
	// Include are unconfirmed fields the reporter shares anyway.
	Include []string `json:"include,omitempty"`
	// Token is the preview's token: release shares only exactly what was
	// previewed.
	Token string `json:"token,omitempty"`
	// Collection receives the released objects (alias or id).
	Collection string `json:"collection,omitempty"`
}

// derive builds the sanitised STIX of an incident for its organisation.
func (s *Service) derive(ctx context.Context, p *auth.Principal, id string, r ShareRequest) (*incident.Incident, *reportexport.Derived, error) {
	in, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if role != RoleReporter {
		return nil, nil, apperr.Forbidden("only the reporting organisation derives shareable STIX from its report")
	}
	if err := s.authorizeOwn(p, auth.ActReportShare, in.OrgID); err != nil {
		return nil, nil, err
	}
	if in.State == incident.Refuted {
		return nil, nil, apperr.Conflict("state", "a refuted report is not shared")
	}
	if r.TLP == "" {
		r.TLP = in.DefaultTLP
	}
	if r.TLP == "" {
		return nil, nil, apperr.Invalid("tlp", "choose the TLP to release under")
	}
	o, err := s.DB.GetOrg(ctx, in.OrgID)
	if err != nil {
		return nil, nil, err
	}
	mask := []string{o.Name.JA, o.Name.EN, o.Slug}
	for _, pid := range append(slices.Clone(in.Content.Partners.Value), in.Content.AtSupplier.Value) {
		if po, err := s.DB.GetOrg(ctx, pid); err == nil {
			mask = append(mask, po.Name.JA, po.Name.EN, po.Slug)
		}
	}
	st, err := s.DB.ReportingSettings(ctx, in.OrgID)
	if err != nil {
		return nil, nil, err
	}
	d, err := reportexport.Derive(in, reportexport.DeriveOptions{TLP: r.TLP, Include: r.Include, Sector: string(o.Sector),
		MaskNames: mask, InternalDomains: st.InternalDomains, Now: in.UpdatedAt})
	if err != nil {
		return nil, nil, err
	}
	return in, d, nil
}

// SharePreview shows exactly what sharing the report would release and
// what the sanitiser removed. Nothing is shared.
func (s *Service) SharePreview(ctx context.Context, p *auth.Principal, id string, r ShareRequest) (*reportexport.Derived, error) {
	_, d, err := s.derive(ctx, p, id, r)
	return d, err
}

// ShareRelease releases the previewed objects into a collection, if the
// report has not changed since the preview (the token matches).
func (s *Service) ShareRelease(ctx context.Context, p *auth.Principal, id string, r ShareRequest) (*share.Job, error) {
	if s.Intel == nil {
		return nil, apperr.New(apperr.CodeUnavailable, "sharing is not enabled on this server")
	}
	if r.Token == "" {
		return nil, apperr.Invalid("token", "preview the derived objects first: only a reviewed preview is released")
	}
	if r.Collection == "" {
		return nil, apperr.Invalid("collection", "choose the collection to release into")
	}
	in, d, err := s.derive(ctx, p, id, r)
	if err != nil {
		return nil, err
	}
	if d.Token != r.Token {
		return nil, apperr.Conflict("token", "the report or the choices changed since the preview: preview again and review what is released")
	}
	// report.share covers releasing the reviewed derivation as the
	// reporting organisation, also for reporters without the analyst role.
	sp := p
	if p.User != nil && !p.Has(org.RoleAnalyst) {
		u := *p.User
		u.Roles = append(slices.Clone(u.Roles), org.RoleAnalyst)
		cp := *p
		cp.User = &u
		sp = &cp
	}
	job, err := s.Intel.IngestRaw(ctx, sp, r.Collection, d.Objects, intelOptions(id))
	if err != nil {
		return nil, err
	}
	text := "released " + itoa(job.Accepted+job.Updated) + " STIX object(s) under TLP:" + strings.ToUpper(r.TLP) + " into " + r.Collection
	_, err = s.commit(ctx, in.ID, func(x *incident.Incident) (*store.IncidentChange, error) {
		return &store.IncidentChange{Events: []incident.Event{event(p, "shared", text, false)},
			Audit: []audit.Entry{p.Actor().Event("incident.share", "incident", x.ID, audit.OutcomeSuccess, text+" token="+d.Token)}}, nil
	})
	return job, err
}

// Export is the JSON export of an incident: the view, every version the
// reader may see, and the submissions as sent.
type Export struct {
	View     *View              `json:"view"`
	Versions []incident.Version `json:"versions"`
}

// ExportJSON returns the incident as p may see it, with its versions.
func (s *Service) ExportJSON(ctx context.Context, p *auth.Principal, id string) (*Export, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := &Export{View: v, Versions: []incident.Version{}}
	for _, vi := range v.Versions {
		x, err := s.Version(ctx, p, id, vi.N)
		if err != nil {
			return nil, err
		}
		out.Versions = append(out.Versions, *x)
	}
	return out, nil
}

// ExportSTIX returns the report (the content p may see) as a STIX 2.1
// bundle under tlp (default amber).
func (s *Service) ExportSTIX(ctx context.Context, p *auth.Principal, id, tlp string) ([]byte, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if tlp == "" {
		tlp = "amber"
	}
	b, err := reportexport.ExportSTIX(v.Incident, v.Org, v.Incident.Content, tlp, s.now())
	if err != nil {
		return nil, err
	}
	s.auditExport(ctx, p, id, "stix")
	return b, nil
}

func (s *Service) auditExport(ctx context.Context, p *auth.Principal, id, format string) {
	if err := s.DB.Append(ctx, p.Actor().Event("incident.export", "incident", id, audit.OutcomeSuccess, "format="+format)); err != nil {
		s.Log.Warn("audit export", "incident", id, "err", err)
	}
}

func intelOptions(id string) intel.IngestOptions {
	return intel.IngestOptions{Kind: "stix", Source: "report:" + id}
}
