package intel

import (
	"context"
	"encoding/json"
	"slices"

	"sakimori/internal/auth"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// Relation is one link between an object and another, as the object's
// page shows it.
type Relation struct {
	// Direction is "out" when the object is the source (it refers to, or
	// was sighted as, Other) and "in" when Other is the source.
	Direction string `json:"direction"`
	// Kind is the relationship_type of a STIX relationship, or for
	// sightings: "sighting-of" (the sighting refers to the sighted
	// object), "where-sighted" (where it was seen) and "observed-data".
	Kind string `json:"kind"`
	// Via is the relationship or sighting object that holds the
	// reference; nil when it is the object itself.
	Via *share.Record `json:"via,omitempty"`
	// Other is the latest version of the object at the other end; nil when
	// the viewer may not see it (then nothing about it is told, not even
	// its id) or when there is none (a sighting's own link).
	Other  *share.Record `json:"other,omitempty"`
	Hidden bool          `json:"hidden,omitempty"`
}

// maxRelations bounds the relationship and sighting objects read for one
// object's page.
const maxRelations = 200

type refs struct {
	Type         string   `json:"type"`
	RelType      string   `json:"relationship_type"`
	Source       string   `json:"source_ref"`
	Target       string   `json:"target_ref"`
	SightingOf   string   `json:"sighting_of_ref"`
	WhereSighted []string `json:"where_sighted_refs"`
	ObservedData []string `json:"observed_data_refs"`
}

// Relations returns the links of object id that p may see: the
// references the object itself holds (a relationship's source and target,
// a sighting's sighting_of_ref, where_sighted_refs and observed_data_refs)
// and the relationships and sightings that refer to it. Every object named
// is checked against p's entitlement; one p may not see is reported as
// hidden, without its id or name. NotFound when p may not see id.
func (s *Service) Relations(ctx context.Context, p *auth.Principal, id string) ([]Relation, error) {
	self, err := s.visibleObject(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v, scopes, colls, err := s.scopes(ctx, p, "")
	if err != nil {
		return nil, err
	}
	// The object's own JSON (visibleObject reads no raw).
	recs, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, IDs: []string{id},
		Versions: share.VersionMatch{Last: true}, Limit: 50, Descending: true, WithRaw: true})
	if err != nil {
		return nil, err
	}
	recs = s.keepEntitled(v, colls, recs)
	var own refs
	if len(recs) > 0 {
		_ = json.Unmarshal(recs[0].Raw, &own)
	}
	type pending struct {
		rel   Relation
		other string
	}
	var list []pending
	switch self.Type {
	case "relationship":
		list = append(list, pending{Relation{Direction: "in", Kind: "source"}, own.Source},
			pending{Relation{Direction: "out", Kind: "target"}, own.Target})
	case "sighting":
		list = append(list, pending{Relation{Direction: "out", Kind: "sighting-of"}, own.SightingOf})
		for _, w := range own.WhereSighted {
			list = append(list, pending{Relation{Direction: "out", Kind: "where-sighted"}, w})
		}
		for _, o := range own.ObservedData {
			list = append(list, pending{Relation{Direction: "out", Kind: "observed-data"}, o})
		}
	}
	vias, err := s.DB.ReferencingObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID}, id, maxRelations)
	if err != nil {
		return nil, err
	}
	vias = s.keepEntitled(v, colls, vias)
	for i := range vias {
		via := &vias[i]
		via.Raw = WithTLP(via.Raw, via.TLP)
		var r refs
		if json.Unmarshal(via.Raw, &r) != nil || via.ID == id {
			continue
		}
		switch via.Type {
		case "relationship":
			if r.Source == id {
				list = append(list, pending{Relation{Direction: "out", Kind: r.RelType, Via: via}, r.Target})
			}
			if r.Target == id {
				list = append(list, pending{Relation{Direction: "in", Kind: r.RelType, Via: via}, r.Source})
			}
		case "sighting":
			if r.SightingOf == id {
				list = append(list, pending{Relation{Direction: "in", Kind: "sighting-of", Via: via}, ""})
			}
			if slices.Contains(r.WhereSighted, id) {
				list = append(list, pending{Relation{Direction: "in", Kind: "where-sighted", Via: via}, r.SightingOf})
			}
			if slices.Contains(r.ObservedData, id) {
				list = append(list, pending{Relation{Direction: "in", Kind: "observed-data", Via: via}, r.SightingOf})
			}
		}
	}
	var want []string
	for _, pd := range list {
		if pd.other != "" && !slices.Contains(want, pd.other) {
			want = append(want, pd.other)
		}
	}
	found := map[string]*share.Record{}
	if len(want) > 0 {
		others, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, IDs: want,
			Versions: share.VersionMatch{Last: true}, Limit: 10000, Descending: true})
		if err != nil {
			return nil, err
		}
		others = s.keepEntitled(v, colls, others)
		for i := range others {
			if _, dup := found[others[i].ID]; !dup {
				found[others[i].ID] = &others[i]
			}
		}
	}
	out := make([]Relation, 0, len(list))
	for _, pd := range list {
		r := pd.rel
		if pd.other != "" {
			if o := found[pd.other]; o != nil {
				r.Other = o
			} else {
				r.Hidden = true
			}
		}
		if r.Via != nil {
			r.Via.Raw = nil
		}
		out = append(out, r)
	}
	return out, nil
}
