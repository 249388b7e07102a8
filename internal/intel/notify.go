package intel

// What the sharing service tells the rest of sakimori after a change has
// committed (issue #7): events for the push service (new, changed and
// revoked indicators, grouped per collection and label, each event carrying
// the matchable values so that a subscriber can update a block list without
// a round trip) and observations for the correlation engine (stored objects
// and sightings, with the contributing organisation).

import (
	"context"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/marking"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// Observer learns of what organisations contribute. Calls come after the
// change committed, synchronously on the writer's goroutine: an observer
// that needs time queues the work.
type Observer interface {
	// ObjectsStored receives the accepted new objects and versions of one
	// stored batch.
	ObjectsStored(ctx context.Context, c *share.Collection, objs []StoredObject)
	// SightingAdded receives a recorded sighting (ReporterOrgID and Sector
	// are set).
	SightingAdded(ctx context.Context, sg *share.Sighting)
}

// StoredObject is one accepted object version as observers see it.
type StoredObject struct {
	StixID  string
	Type    string
	Owner   string // the owning organisation
	AddedBy string
	Source  string // provenance: api, taxii, ui, feed:NAME, report:ID, ...
	TLP     marking.TLP
	Revoked bool
	Updated bool // a new version of a known object (false: its first)
	Name    string
	Atoms   []store.Atom
	Raw     []byte
	Flags   []share.Flag // warninglist hits
}

// maxEventIDs bounds the indicators one event carries; a larger batch
// becomes several events.
const maxEventIDs = 500

// EventIndicator is one indicator in an indicator event's data.
type EventIndicator struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"` // the pattern
	TLP     marking.TLP  `json:"tlp"`
	Revoked bool         `json:"revoked,omitempty"`
	Atoms   []store.Atom `json:"atoms,omitempty"`
}

// IndicatorEventData is the data of indicator.added, .changed and .revoked.
type IndicatorEventData struct {
	Collection string           `json:"collection"`
	Alias      string           `json:"alias,omitempty"`
	Deleted    bool             `json:"deleted,omitempty"` // removed (tombstones) rather than revoked
	Indicators []EventIndicator `json:"indicators"`
}

func (s *Service) publish(ctx context.Context, evs []*event.Event) {
	if s.Events == nil || len(evs) == 0 {
		return
	}
	if err := s.Events.Publish(ctx, evs...); err != nil {
		s.Log.Warn("events not published", "n", len(evs), "err", err)
	}
}

// notifyStored publishes indicator events and tells observers about the
// accepted versions of a batch.
func (s *Service) notifyStored(ctx context.Context, p *auth.Principal, c *share.Collection, news []store.NewObject, stored []store.Stored) {
	var objs []StoredObject
	type key struct {
		kind  event.Kind
		tlp   marking.TLP
		owner string
	}
	groups := map[key][]EventIndicator{}
	var order []key
	for i := range news {
		n := &news[i]
		out := stored[i].Outcome
		if out != share.OutcomeAccepted && out != share.OutcomeUpdated {
			continue
		}
		if len(s.Observers) > 0 {
			objs = append(objs, StoredObject{StixID: n.StixID, Type: n.Type, Owner: n.OwnerOrg, AddedBy: n.AddedBy, Source: n.Source, TLP: n.TLP,
				Revoked: n.Revoked, Updated: out == share.OutcomeUpdated, Name: n.Name, Atoms: n.Atoms, Raw: n.Raw, Flags: n.Flags})
		}
		if n.Type != "indicator" || s.Events == nil {
			continue
		}
		k := key{kind: event.IndicatorAdded, tlp: n.TLP, owner: n.OwnerOrg}
		switch {
		case n.Revoked:
			k.kind = event.IndicatorRevoked
		case out == share.OutcomeUpdated:
			k.kind = event.IndicatorChanged
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], EventIndicator{ID: n.StixID, Name: n.Name, TLP: n.TLP, Revoked: n.Revoked, Atoms: n.Atoms})
	}
	var evs []*event.Event
	now := s.now()
	for _, k := range order {
		list := groups[k]
		for len(list) > 0 {
			part := list[:min(len(list), maxEventIDs)]
			list = list[len(part):]
			evs = append(evs, &event.Event{Kind: k.kind, At: now, Subject: c.ID,
				Audience: event.Audience{Intel: &event.IntelScope{Collection: c.ID, TLP: k.tlp, Owner: k.owner}},
				Data:     event.Data(IndicatorEventData{Collection: c.ID, Alias: c.Alias, Indicators: part})})
		}
	}
	s.publish(ctx, evs)
	if len(objs) > 0 {
		for _, ob := range s.Observers {
			ob.ObjectsStored(ctx, c, objs)
		}
	}
}

// notifyDeleted publishes the deletion of indicator versions.
func (s *Service) notifyDeleted(ctx context.Context, c *share.Collection, ts []share.Tombstone) {
	if s.Events == nil || len(ts) == 0 {
		return
	}
	type key struct {
		tlp   marking.TLP
		owner string
	}
	groups := map[key][]EventIndicator{}
	var order []key
	for _, t := range ts {
		if len(t.ID) < 11 || t.ID[:11] != "indicator--" {
			continue
		}
		k := key{tlp: t.TLP, owner: t.OwnerOrgID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], EventIndicator{ID: t.ID, TLP: t.TLP, Revoked: true})
	}
	var evs []*event.Event
	for _, k := range order {
		list := groups[k]
		for len(list) > 0 {
			part := list[:min(len(list), maxEventIDs)]
			list = list[len(part):]
			evs = append(evs, &event.Event{Kind: event.IndicatorRevoked, At: s.now(), Subject: c.ID,
				Audience: event.Audience{Intel: &event.IntelScope{Collection: c.ID, TLP: k.tlp, Owner: k.owner}},
				Data:     event.Data(IndicatorEventData{Collection: c.ID, Alias: c.Alias, Deleted: true, Indicators: part})})
		}
	}
	s.publish(ctx, evs)
}

// notifySighting tells observers about a recorded sighting.
func (s *Service) notifySighting(ctx context.Context, sg *share.Sighting) {
	for _, ob := range s.Observers {
		ob.SightingAdded(ctx, sg)
	}
}

// EntitledTo reports whether viewer v may receive a shared object of the
// collection with that label and owner: the decision every read path takes,
// for the push service's Intel audiences. Unknown collections admit nobody.
func (s *Service) EntitledTo(ctx context.Context, v marking.Viewer, scope event.IntelScope) (bool, error) {
	c, err := s.DB.GetCollection(ctx, scope.Collection)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return false, nil
		}
		return false, err
	}
	ok, _ := marking.Entitled(v, markObject(c, scope.TLP, scope.Owner))
	return ok, nil
}
