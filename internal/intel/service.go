// Package intel is the threat-information sharing service that every
// surface (TAXII, JSON API, dashboard, CLI, feeds) calls: collections and
// sharing groups, ingest of STIX 2.1 objects (synchronous, or as
// asynchronous jobs that are the TAXII status resource), every version kept,
// deletions that leave tombstones, reads filtered by TLP 2.0 entitlement,
// search, version history with differences, sightings, warninglist flags
// and overrides, scores and block-list exports.
//
// Entitlement is applied in two layers: the store query selects, per
// collection, only the TLP labels the viewer receives there (computed by
// calling marking.Entitled for each label), and every record that comes
// back is checked again with marking.Entitled before it leaves the service.
package intel

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/marking"
	"sakimori/internal/opaque"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/warninglist"
)

// Service is the sharing service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// BatchSize is the number of objects stored per transaction (default
	// 4000: fewer, larger commits write each touched index page once).
	BatchSize int
	// MaxPage bounds TAXII and API pages (default 1000).
	MaxPage int

	// Events receives indicator events after each change commits (nil:
	// none are published).
	Events event.Publisher
	// Observers learn of stored objects and sightings (the correlation
	// engine); see Observer.
	Observers []Observer

	lists atomic.Pointer[warninglist.Set]
	// delc is the codec of deletion cursors (deletionCodec).
	delc opaque.Lazy
	// listsLoaded is set once the lists were read from the store.
	listsLoaded atomic.Bool
	// afterBatch, if set, runs after each stored batch (tests simulate a
	// crash between batches with it).
	afterBatch func()
	wake       chan struct{}
	startMu    sync.Mutex
	started    bool
}

// New returns a service over db with an empty warninglist set.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{DB: db, Log: log, BatchSize: 4000, MaxPage: 1000, wake: make(chan struct{}, 1)}
	s.lists.Store(&warninglist.Set{})
	return s
}

// ListSet returns the warninglists that objects are checked against.
func (s *Service) ListSet() *warninglist.Set { return s.lists.Load() }

// ---- viewers and scopes ------------------------------------------------------

// Viewer resolves the principal into the marking.Viewer that entitlement
// decisions take. A system principal (the command line) must act for an
// organisation (p.Org), and then sees what that organisation sees.
func (s *Service) Viewer(ctx context.Context, p *auth.Principal) (marking.Viewer, error) {
	if p == nil || p.User == nil && !p.IsSystem() {
		return marking.Viewer{}, apperr.ErrUnauthenticated
	}
	if p.Org == nil || p.Org.ID == "" {
		return marking.Viewer{}, apperr.Invalid("org", "choose the organisation to act for")
	}
	links, err := s.DB.ListLinks(ctx, p.Org.ID)
	if err != nil {
		return marking.Viewer{}, err
	}
	confirmed := links[:0:0]
	for _, l := range links {
		if l.Confirmed() {
			confirmed = append(confirmed, l)
		}
	}
	groups, err := s.markingGroups(ctx)
	if err != nil {
		return marking.Viewer{}, err
	}
	userID := ""
	if p.User != nil {
		userID = p.User.ID
	}
	return marking.NewViewer(userID, *p.Org, confirmed, groups), nil
}

func (s *Service) markingGroups(ctx context.Context) ([]marking.Group, error) {
	gs, err := s.DB.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]marking.Group, len(gs))
	for i := range gs {
		out[i] = gs[i].Group
	}
	return out, nil
}

// markObject is what Entitled needs about an object of label t owned by
// owner in collection c.
func markObject(c *share.Collection, t marking.TLP, owner string) marking.Object {
	return marking.Object{OwnerOrgID: owner, TLP: t, Groups: c.Audience.Groups, Orgs: c.Audience.Orgs, Users: c.Audience.Users}
}

// readable returns the labels of collection c that viewer v receives from
// other organisations.
func readable(v marking.Viewer, c *share.Collection) []marking.TLP {
	var out []marking.TLP
	for _, t := range marking.TLPs {
		if ok, _ := marking.Entitled(v, markObject(c, t, "")); ok {
			out = append(out, t)
		}
	}
	return out
}

// entitled is the final check on one record.
func entitled(v marking.Viewer, c *share.Collection, r *share.Record) bool {
	ok, _ := marking.Entitled(v, markObject(c, r.TLP, r.OwnerOrgID))
	return ok
}

// canWrite reports whether p may add objects to c (policy and role).
func canWrite(p *auth.Principal, v marking.Viewer, c *share.Collection) bool {
	if auth.Authorize(p, auth.ActIntelWrite, auth.Target{}) != nil {
		return false
	}
	switch c.WritePolicy {
	case share.WriteOwner:
		return v.OrgID == c.OwnerOrgID
	case share.WriteAudience:
		if v.OrgID == c.OwnerOrgID || slices.Contains(c.Audience.Orgs, v.OrgID) || v.UserID != "" && slices.Contains(c.Audience.Users, v.UserID) {
			return true
		}
		for _, g := range v.Groups {
			if slices.Contains(c.Audience.Groups, g) {
				return true
			}
		}
		return false
	case share.WriteMembers:
		return !v.Anonymous()
	}
	return false
}

// visible reports whether the collection is listed for v: its owner, those
// who may write to it, and those entitled to its default label.
func visible(v marking.Viewer, c *share.Collection, write bool) bool {
	if write || v.OrgID == c.OwnerOrgID {
		return true
	}
	ok, _ := marking.Entitled(v, markObject(c, c.TLP, c.OwnerOrgID))
	return ok
}

func (s *Service) view(p *auth.Principal, v marking.Viewer, c *share.Collection) share.CollectionView {
	w := canWrite(p, v, c)
	return share.CollectionView{Collection: *c, CanRead: true, CanWrite: w, Readable: readable(v, c)}
}

// ---- collections ----------------------------------------------------------

// Collections lists the collections p can see.
func (s *Service) Collections(ctx context.Context, p *auth.Principal) ([]share.CollectionView, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	v, err := s.Viewer(ctx, p)
	if err != nil {
		return nil, err
	}
	cs, err := s.DB.ListCollections(ctx)
	if err != nil {
		return nil, err
	}
	out := []share.CollectionView{}
	for i := range cs {
		cv := s.view(p, v, &cs[i])
		if visible(v, &cs[i], cv.CanWrite) {
			out = append(out, cv)
		}
	}
	return out, nil
}

// Collection returns one collection (id or alias) if p can see it.
func (s *Service) Collection(ctx context.Context, p *auth.Principal, ref string) (*share.CollectionView, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	v, err := s.Viewer(ctx, p)
	if err != nil {
		return nil, err
	}
	c, err := s.DB.GetCollection(ctx, ref)
	if err != nil {
		return nil, err
	}
	cv := s.view(p, v, c)
	if !visible(v, c, cv.CanWrite) {
		return nil, apperr.NotFound("collection", ref)
	}
	return &cv, nil
}

// authorizeAudited asks auth.Authorize and records a refusal in the
// audit trail.
func (s *Service) authorizeAudited(ctx context.Context, p *auth.Principal, a auth.Action, t auth.Target, objType, objID string) error {
	return s.authorizeAuditedErr(ctx, p, a, auth.Authorize(p, a, t), objType, objID)
}

// authorizeAuditedErr records err in the audit trail when it is a refusal
// of action a, and returns it.
func (s *Service) authorizeAuditedErr(ctx context.Context, p *auth.Principal, a auth.Action, err error, objType, objID string) error {
	if err != nil && apperr.CodeOf(err) == apperr.CodeForbidden {
		e := p.Actor().Event(string(a), objType, objID, audit.OutcomeDenied, apperr.As(err).Message)
		if aerr := s.DB.Append(ctx, e); aerr != nil {
			s.Log.Error("audit append failed", "err", aerr)
		}
	}
	return err
}

// CreateCollection creates a collection owned by c.OwnerOrgID (default:
// p's organisation).
func (s *Service) CreateCollection(ctx context.Context, p *auth.Principal, c *share.Collection) error {
	if c.OwnerOrgID == "" && p != nil && p.Org != nil {
		c.OwnerOrgID = p.Org.ID
	}
	if c.WritePolicy == "" {
		c.WritePolicy = share.WriteOwner
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActCollectionManage, auth.Target{OrgID: c.OwnerOrgID}, "collection", c.Alias); err != nil {
		return err
	}
	return s.DB.CreateCollection(ctx, p.Actor(), c)
}

// UpdateCollection changes a collection (titles, description, default TLP,
// audience, write policy). Changing the audience changes who receives the
// AMBER and stricter objects already in it; the change is audited.
func (s *Service) UpdateCollection(ctx context.Context, p *auth.Principal, ref string, change func(*share.Collection) error) (*share.Collection, error) {
	c, err := s.DB.GetCollection(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActCollectionManage, auth.Target{OrgID: c.OwnerOrgID}, "collection", c.ID); err != nil {
		return nil, err
	}
	id, owner, created := c.ID, c.OwnerOrgID, c.CreatedAt
	if err := change(c); err != nil {
		return nil, err
	}
	c.ID, c.OwnerOrgID, c.CreatedAt = id, owner, created
	if err := s.DB.UpdateCollection(ctx, p.Actor(), c); err != nil {
		return nil, err
	}
	return c, nil
}

// ---- sharing groups --------------------------------------------------------

// Groups lists the sharing groups. Membership is visible to members, the
// managing organisation and the government; others see names only.
func (s *Service) Groups(ctx context.Context, p *auth.Principal) ([]share.Group, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	gs, err := s.DB.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	for i := range gs {
		redactGroup(p, &gs[i])
	}
	if gs == nil {
		gs = []share.Group{}
	}
	return gs, nil
}

// Group returns one sharing group by id or slug.
func (s *Service) Group(ctx context.Context, p *auth.Principal, ref string) (*share.Group, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	g, err := s.DB.GetGroup(ctx, ref)
	if err != nil {
		return nil, err
	}
	redactGroup(p, g)
	return g, nil
}

func redactGroup(p *auth.Principal, g *share.Group) {
	if p.IsSystem() || p.Has(org.RolePlatformAdmin) {
		return
	}
	o := p.ActingOrgID()
	if o == g.OwnerOrgID || g.HasOrg(o) || p.User != nil && g.HasUser(p.User.ID) || p.IsGovernment() {
		return
	}
	g.OrgIDs, g.UserIDs = []string{}, []string{}
}

// CreateGroup creates a sharing group managed by g.OwnerOrgID (default:
// p's organisation).
func (s *Service) CreateGroup(ctx context.Context, p *auth.Principal, g *share.Group) error {
	if g.OwnerOrgID == "" && p != nil && p.Org != nil {
		g.OwnerOrgID = p.Org.ID
	}
	g.Normalize()
	if err := g.Validate(); err != nil {
		return err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActGroupManage, auth.Target{OrgID: g.OwnerOrgID}, "sharing_group", g.Slug); err != nil {
		return err
	}
	return s.DB.CreateGroup(ctx, p.Actor(), g)
}

// UpdateGroup changes a group's names, description and members.
func (s *Service) UpdateGroup(ctx context.Context, p *auth.Principal, ref string, change func(*share.Group) error) (*share.Group, error) {
	g, err := s.DB.GetGroup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActGroupManage, auth.Target{OrgID: g.OwnerOrgID}, "sharing_group", g.ID); err != nil {
		return nil, err
	}
	id, owner, created := g.ID, g.OwnerOrgID, g.CreatedAt
	if err := change(g); err != nil {
		return nil, err
	}
	g.ID, g.OwnerOrgID, g.CreatedAt = id, owner, created
	if err := s.DB.UpdateGroup(ctx, p.Actor(), g); err != nil {
		return nil, err
	}
	return g, nil
}

// collectionFor loads a collection and checks that p can see it.
func (s *Service) collectionFor(ctx context.Context, p *auth.Principal, ref string) (*share.Collection, marking.Viewer, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, marking.Viewer{}, err
	}
	v, err := s.Viewer(ctx, p)
	if err != nil {
		return nil, v, err
	}
	c, err := s.DB.GetCollection(ctx, ref)
	if err != nil {
		return nil, v, err
	}
	if !visible(v, c, canWrite(p, v, c)) {
		return nil, v, apperr.NotFound("collection", ref)
	}
	return c, v, nil
}

func (s *Service) now() time.Time { return s.DB.Now().UTC() }
