package intel

// What the sharing service tells the rest of sakimori after a change has
// committed (issue #7): events for the push service (new, changed and
// revoked indicators, grouped per collection and label, each event carrying
// the matchable values so that a subscriber can update a block list without
// a round trip) and observations for the correlation engine (stored objects
// and sightings, with the contributing organisation).

import (
	"context"
	"strings"
	"time"

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

// indicatorEvents groups the indicators of one change of a collection by
// kind, label and owner (the audience of an Intel event is the collection's
// entitlement under one label) into events of at most maxEventIDs each, in
// the order the groups first appear.
type indicatorEvents struct {
	c       *share.Collection
	deleted bool
	groups  map[indicatorGroup][]EventIndicator
	order   []indicatorGroup
}

type indicatorGroup struct {
	kind  event.Kind
	tlp   marking.TLP
	owner string
}

func (g *indicatorEvents) add(kind event.Kind, owner string, in EventIndicator) {
	k := indicatorGroup{kind: kind, tlp: in.TLP, owner: owner}
	if g.groups == nil {
		g.groups = map[indicatorGroup][]EventIndicator{}
	}
	if _, ok := g.groups[k]; !ok {
		g.order = append(g.order, k)
	}
	g.groups[k] = append(g.groups[k], in)
}

func (g *indicatorEvents) events(at time.Time) []*event.Event {
	var evs []*event.Event
	for _, k := range g.order {
		list := g.groups[k]
		for len(list) > 0 {
			part := list[:min(len(list), maxEventIDs)]
			list = list[len(part):]
			evs = append(evs, &event.Event{Kind: k.kind, At: at, Subject: g.c.ID,
				Audience: event.Audience{Intel: &event.IntelScope{Collection: g.c.ID, TLP: k.tlp, Owner: k.owner}},
				Data:     event.Data(IndicatorEventData{Collection: g.c.ID, Alias: g.c.Alias, Deleted: g.deleted, Indicators: part})})
		}
	}
	return evs
}

// notifyStored publishes indicator events and tells observers about the
// accepted versions of a batch.
func (s *Service) notifyStored(ctx context.Context, p *auth.Principal, c *share.Collection, news []store.NewObject, stored []store.Stored) {
	var objs []StoredObject
	g := indicatorEvents{c: c}
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
		kind := event.IndicatorAdded
		switch {
		case n.Revoked:
			kind = event.IndicatorRevoked
		case out == share.OutcomeUpdated:
			kind = event.IndicatorChanged
		}
		g.add(kind, n.OwnerOrg, EventIndicator{ID: n.StixID, Name: n.Name, TLP: n.TLP, Revoked: n.Revoked, Atoms: n.Atoms})
	}
	s.publish(ctx, g.events(s.now()))
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
	g := indicatorEvents{c: c, deleted: true}
	for _, t := range ts {
		if strings.HasPrefix(t.ID, "indicator--") {
			g.add(event.IndicatorRevoked, t.OwnerOrgID, EventIndicator{ID: t.ID, TLP: t.TLP, Revoked: true})
		}
	}
	s.publish(ctx, g.events(s.now()))
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
