package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/store"
)

// Revoke retires an object: in every collection where p's organisation
// owns it, a new version is stored with "revoked": true and "modified" set
// to now (later than every earlier version), so that every consumer
// (TAXII, feeds, exports) receives the revocation like any update. The
// reason goes to the audit trail. It returns the new versions.
func (s *Service) Revoke(ctx context.Context, p *auth.Principal, id, reason string) ([]share.Record, error) {
	if !share.ReasonOK(reason) {
		return nil, apperr.Invalid("reason", "explain the revocation in 3 to 1000 characters")
	}
	reason = strings.TrimSpace(reason)
	v, scopes, colls, err := s.scopes(ctx, p, "")
	if err != nil {
		return nil, err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActIntelWrite, auth.Target{OrgID: v.OrgID}, "stix_object", id); err != nil {
		return nil, err
	}
	recs, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, IDs: []string{id},
		Versions: share.VersionMatch{Last: true}, Limit: 100, WithRaw: true})
	if err != nil {
		return nil, err
	}
	recs = s.keepEntitled(v, colls, recs)
	if len(recs) == 0 {
		return nil, apperr.NotFound("object", id)
	}
	var out []share.Record
	for i := range recs {
		r := &recs[i]
		if r.OwnerOrgID != v.OrgID {
			continue
		}
		if r.Revoked {
			r.Raw = WithTLP(r.Raw, r.TLP)
			out = append(out, *r)
			continue
		}
		raw, err := revokedVersion(r.Raw, r.Version, s.now())
		if err != nil {
			return nil, err
		}
		o, err := stix.Parse(raw)
		if err != nil {
			return nil, apperr.Invalid("", "cannot revoke %s: %v", id, err)
		}
		j, err := s.Ingest(ctx, p, r.CollectionID, []*stix.Object{o}, IngestOptions{Source: "revoke"})
		if err != nil {
			return nil, err
		}
		if j.Rejected > 0 {
			return nil, apperr.Invalid("", "cannot revoke %s: %s", id, j.Failures[0].Message)
		}
		nr := *r
		nr.Revoked, nr.Raw = true, WithTLP(raw, r.TLP)
		out = append(out, nr)
	}
	if len(out) == 0 {
		return nil, s.authorizeAuditedErr(ctx, p, auth.ActIntelWrite, apperr.Forbidden("only the organisation that owns %s revokes it", id), "stix_object", id)
	}
	if err := s.DB.Append(ctx, p.Actor().Event("intel.revoke", "stix_object", id, audit.OutcomeSuccess, clip(reason, 1000))); err != nil {
		return nil, err
	}
	return out, nil
}

// revokedVersion returns raw with revoked true and modified after prev.
func revokedVersion(raw json.RawMessage, prev, now time.Time) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	mod := now.UTC().Truncate(time.Millisecond)
	if !mod.After(prev) {
		mod = prev.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	m["modified"], _ = json.Marshal(mod.Format("2006-01-02T15:04:05.000Z"))
	m["revoked"] = json.RawMessage("true")
	return json.Marshal(m)
}
