package alerting

// Release of a published alert into the sharing service: the alert's STIX
// (report, course-of-action, indicators, vulnerabilities) goes into a
// collection of its own, owned by the issuing organisation, under the
// alert's TLP, whose audience is the alert's recipients. Its recipients then
// receive the indicators through TAXII, every block-list export, the
// compiled sets they match logs against, and indicator events; nobody
// else receives AMBER or stricter ones. A republication adds new versions
// (and revokes indicators the update dropped); a withdrawal revokes them.

import (
	"context"
	"slices"
	"strings"

	"sakimori/internal/alert"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
)

// releaser is the principal that creates and re-targets an alert's
// collection (collections are otherwise managed by organisation
// administrators); the objects themselves are added by the publishing
// analyst.
var releaser = auth.System("alerting")

// maxReleaseOrgs is the most organisations a collection's audience names:
// an AMBER or stricter alert with more recipients is not released (its
// recipients still have its STIX export).
const maxReleaseOrgs = 500

// ReleaseAlias is the alias of alert a's collection (alert-alr-2026-0001).
func ReleaseAlias(a *alert.Alert) string { return "alert-" + strings.ToLower(a.Ref) }

// release puts the published alert's objects into its collection and
// revokes the indicators of prev (the earlier publication) it no longer
// carries. Problems come back as warnings: the publication has committed.
func (s *Service) release(ctx context.Context, p *auth.Principal, a *alert.Alert, prev *alert.Content) []alert.Warning {
	if s.Intel == nil || a.Published == nil {
		return nil
	}
	warn := func(err error) []alert.Warning {
		s.Log.Warn("alert not released into the sharing service", "alert", a.Ref, "err", err)
		return []alert.Warning{{Field: "release", Message: "the indicators were not released for export and TAXII: " + err.Error()}}
	}
	rs, err := s.DB.AlertRecipients(ctx, a.ID)
	if err != nil {
		return warn(err)
	}
	tlp := a.Published.TLP
	var aud share.Audience
	if tlp >= marking.TLPAmber {
		for _, r := range rs {
			aud.Orgs = append(aud.Orgs, r.OrgID)
		}
		if len(aud.Orgs) > maxReleaseOrgs {
			return warn(apperr.Invalid("targeting", "%d recipients: a collection's audience names at most %d organisations; recipients use the alert's STIX export",
				len(aud.Orgs), maxReleaseOrgs))
		}
	}
	alias := ReleaseAlias(a)
	if _, err := s.DB.GetCollection(ctx, alias); apperr.CodeOf(err) == apperr.CodeNotFound {
		c := &share.Collection{Alias: alias, OwnerOrgID: a.OrgID, TLP: tlp, WritePolicy: share.WriteOwner, Audience: aud,
			Title:       org.Names{JA: "注意喚起 " + a.Ref, EN: "Alert " + a.Ref},
			Description: "The STIX objects of alert " + a.Ref + " (report, recommended actions, indicators), for its recipients."}
		if err := s.Intel.CreateCollection(ctx, releaser, c); err != nil {
			return warn(err)
		}
	} else if err != nil {
		return warn(err)
	} else if _, err := s.Intel.UpdateCollection(ctx, releaser, alias, func(c *share.Collection) error {
		c.TLP, c.Audience = tlp, aud
		return nil
	}); err != nil {
		return warn(err)
	}
	issuer, err := s.DB.GetOrg(ctx, a.OrgID)
	if err != nil {
		return warn(err)
	}
	b, err := Bundle(a, issuer)
	if err != nil {
		return warn(err)
	}
	objs, err := intel.ParseObjects(b)
	if err != nil {
		return warn(err)
	}
	if _, err := s.Intel.Ingest(ctx, p, alias, objs, intel.IngestOptions{Source: "alert:" + a.Ref}); err != nil {
		return warn(err)
	}
	// Indicators the update dropped, and every indicator of a withdrawn
	// alert, are revoked, so they leave every export at the next poll.
	var drop []string
	if a.State == alert.Withdrawn {
		drop = indicatorIDs(a, a.Published)
	} else if prev != nil {
		keep := indicatorIDs(a, a.Published)
		for _, id := range indicatorIDs(a, prev) {
			if !slices.Contains(keep, id) {
				drop = append(drop, id)
			}
		}
	}
	reason := "dropped from alert " + a.Ref
	if a.State == alert.Withdrawn {
		reason = "alert " + a.Ref + " withdrawn"
	}
	for _, id := range drop {
		if _, err := s.Intel.Revoke(ctx, p, id, reason); err != nil && apperr.CodeOf(err) != apperr.CodeNotFound {
			return warn(err)
		}
	}
	return nil
}

// indicatorIDs are the STIX ids Bundle gives c's indicators in alert a.
func indicatorIDs(a *alert.Alert, c *alert.Content) []string {
	var out []string
	for _, in := range c.Indicators {
		out = append(out, stixID("indicator", a.ID, "indicator:"+in.Pattern))
	}
	return out
}
