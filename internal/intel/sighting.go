package intel

import (
	"context"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/share"
)

// AddSighting records that p's organisation saw the object (or found it a
// false positive). The object must be visible to p. An anonymous sighting
// is counted for everyone but its reporter is shown only to the reporting
// organisation itself.
func (s *Service) AddSighting(ctx context.Context, p *auth.Principal, sg *share.Sighting) error {
	if err := s.authorizeAudited(ctx, p, auth.ActSightingAdd, auth.Target{}, "stix_object", sg.StixID); err != nil {
		return err
	}
	if p.Org == nil {
		return apperr.Invalid("org", "choose the organisation to act for")
	}
	now := s.now()
	if sg.Count == 0 {
		sg.Count = 1
	}
	if sg.FirstSeen.IsZero() {
		sg.FirstSeen = now
	}
	if sg.LastSeen.IsZero() {
		sg.LastSeen = sg.FirstSeen
	}
	if sg.Sector == org.SectorNone {
		sg.Sector = p.Org.Sector
	}
	if err := sg.Validate(); err != nil {
		return err
	}
	if sg.LastSeen.After(now.Add(5 * time.Minute)) {
		return apperr.Invalid("last_seen", "is in the future")
	}
	if _, err := s.visibleObject(ctx, p, sg.StixID); err != nil {
		return err // NotFound for an object p cannot see
	}
	sg.ReporterOrgID = p.Org.ID
	if p.User != nil {
		sg.ReporterUser = p.User.ID
	}
	if err := s.DB.AddSighting(ctx, p.Actor(), sg); err != nil {
		return err
	}
	s.notifySighting(ctx, sg)
	return nil
}

// Sightings returns the aggregated sightings of an object p may see.
func (s *Service) Sightings(ctx context.Context, p *auth.Principal, id string) (*share.SightingSummary, error) {
	if _, err := s.visibleObject(ctx, p, id); err != nil {
		return nil, err
	}
	return s.summary(ctx, p, id)
}

// summary aggregates; the caller has checked visibility.
func (s *Service) summary(ctx context.Context, p *auth.Principal, id string) (*share.SightingSummary, error) {
	list, err := s.DB.ListSightings(ctx, id)
	if err != nil {
		return nil, err
	}
	return Summarize(id, list, p.ActingOrgID(), 20), nil
}

// Summarize aggregates sightings for viewer org viewerOrg, keeping the
// newest recent ones with reporters hidden where anonymous (unless the
// viewer reported them).
func Summarize(id string, list []share.Sighting, viewerOrg string, recent int) *share.SightingSummary {
	sum := &share.SightingSummary{StixID: id, Sectors: map[string]int{}, Recent: []share.Sighting{}}
	orgs, fpOrgs := map[string]bool{}, map[string]bool{}
	for _, sg := range list {
		sum.Reports++
		if sg.FalsePositive {
			sum.FalsePositives++
			fpOrgs[sg.ReporterOrgID] = true
		} else {
			sum.Count += sg.Count
			orgs[sg.ReporterOrgID] = true
			if sum.FirstSeen == nil || sg.FirstSeen.Before(*sum.FirstSeen) {
				t := sg.FirstSeen
				sum.FirstSeen = &t
			}
			if sum.LastSeen == nil || sg.LastSeen.After(*sum.LastSeen) {
				t := sg.LastSeen
				sum.LastSeen = &t
			}
		}
		if sg.Sector != "" {
			sum.Sectors[string(sg.Sector)]++
		}
		if sg.Anonymous {
			sum.AnonymousReporters++
		}
		if len(sum.Recent) < recent {
			r := sg
			if r.Anonymous && r.ReporterOrgID != viewerOrg {
				r.ReporterOrgID = ""
			}
			r.ReporterUser = ""
			sum.Recent = append(sum.Recent, r)
		}
	}
	sum.Orgs, sum.FalsePositiveOrgs = len(orgs), len(fpOrgs)
	return sum
}
