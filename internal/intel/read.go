package intel

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/opaque"
	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/store"
)

// encodeCursor and decodeCursor make the opaque "next" of pages.
func encodeCursor(us int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(us, 10)))
}

func decodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, apperr.Invalid("next", "not a cursor this server issued")
}

func (s *Service) limit(n int) int {
	max := s.MaxPage
	if max <= 0 {
		max = 1000
	}
	if n <= 0 || n > max {
		return max
	}
	return n
}

// page runs a store query for one collection and applies the final
// entitlement check to every record.
func (s *Service) page(ctx context.Context, p *auth.Principal, q share.Query, withRaw bool) (*share.Page, *share.Collection, error) {
	c, v, err := s.collectionFor(ctx, p, q.Collection)
	if err != nil {
		return nil, nil, err
	}
	after, err := decodeCursor(q.Next)
	if err != nil {
		return nil, nil, err
	}
	sq := store.ObjectQuery{
		Scopes:   []store.CollectionScope{{CollectionID: c.ID, Allowed: readable(v, c)}},
		OwnerOrg: v.OrgID, AddedAfter: q.AddedAfter, After: after, IDs: q.IDs, Types: q.Types, SpecVersions: q.SpecVersions,
		Versions: q.Versions, Limit: s.limit(q.Limit), WithRaw: withRaw,
	}
	recs, more, err := s.DB.QueryObjects(ctx, sq)
	if err != nil {
		return nil, nil, err
	}
	pg := &share.Page{More: more}
	if len(recs) > 0 {
		pg.First, pg.Last = recs[0].DateAdded, recs[len(recs)-1].DateAdded
		if more {
			pg.Next = encodeCursor(recs[len(recs)-1].DateAdded.UnixMicro())
		}
	}
	pg.Records = s.keepEntitled(v, map[string]*share.Collection{c.ID: c}, recs)
	if withRaw {
		for i := range pg.Records {
			pg.Records[i].Raw = WithTLP(pg.Records[i].Raw, pg.Records[i].TLP)
		}
	}
	s.auditRead(ctx, p, v, "collection", c.ID, pg.Records)
	return pg, c, nil
}

// keepEntitled drops any record the viewer is not entitled to. The store
// query already selects only entitled rows; a drop here means the two
// disagree, which is logged as an error.
func (s *Service) keepEntitled(v marking.Viewer, colls map[string]*share.Collection, recs []share.Record) []share.Record {
	out := recs[:0]
	for i := range recs {
		c := colls[recs[i].CollectionID]
		if c != nil && entitled(v, c, &recs[i]) {
			out = append(out, recs[i])
			continue
		}
		s.Log.Error("entitlement: store returned a record the viewer is not entitled to; dropped", "id", recs[i].ID, "org", v.OrgID)
	}
	return out
}

// readLog counts what a read returned that the audit trail must show:
// AMBER or stricter objects of other organisations.
type readLog struct {
	n         int
	strictest marking.TLP
	ids       []string
}

func (l *readLog) add(v marking.Viewer, recs []share.Record) {
	for i := range recs {
		r := &recs[i]
		if r.TLP >= marking.TLPAmber && r.OwnerOrgID != v.OrgID {
			l.n++
			l.strictest = max(l.strictest, r.TLP)
			if len(l.ids) < 20 {
				l.ids = append(l.ids, r.ID)
			}
		}
	}
}

// record appends the "intel.read" audit entry, if there is anything to say.
func (s *Service) record(ctx context.Context, p *auth.Principal, l *readLog, objType, objID string) {
	if l.n == 0 {
		return
	}
	detail := strconv.Itoa(l.n) + " objects up to " + l.strictest.String() + ": " + strings.Join(l.ids, ",")
	if l.n > len(l.ids) {
		detail += ",…"
	}
	if err := s.DB.Append(ctx, p.Actor().Event("intel.read", objType, objID, audit.OutcomeSuccess, detail)); err != nil {
		s.Log.Error("audit append failed", "err", err)
	}
}

// auditRead records one read's AMBER-or-stricter objects of others.
func (s *Service) auditRead(ctx context.Context, p *auth.Principal, v marking.Viewer, objType, objID string, recs []share.Record) {
	var l readLog
	l.add(v, recs)
	s.record(ctx, p, &l, objType, objID)
}

// Objects returns a page of objects of a collection (TAXII "Get Objects").
func (s *Service) Objects(ctx context.Context, p *auth.Principal, q share.Query) (*share.Page, error) {
	pg, _, err := s.page(ctx, p, q, true)
	return pg, err
}

// Manifest returns the same page as Objects without the objects' content
// (TAXII "Get Object Manifests").
func (s *Service) Manifest(ctx context.Context, p *auth.Principal, q share.Query) (*share.Page, error) {
	pg, _, err := s.page(ctx, p, q, false)
	return pg, err
}

// Versions returns the versions of one object in a collection (TAXII "Get
// Object Versions"): q.IDs and q.Versions are replaced.
func (s *Service) Versions(ctx context.Context, p *auth.Principal, id string, q share.Query) (*share.Page, error) {
	q.IDs = []string{id}
	q.Versions = share.VersionMatch{All: true}
	pg, _, err := s.page(ctx, p, q, false)
	if err == nil && len(pg.Records) == 0 && q.Next == "" && q.AddedAfter.IsZero() {
		return nil, apperr.NotFound("object", id)
	}
	return pg, err
}

// Object returns the versions of one object in a collection that q selects
// (TAXII "Get An Object"); NotFound when there are none.
func (s *Service) ObjectVersions(ctx context.Context, p *auth.Principal, id string, q share.Query) (*share.Page, error) {
	q.IDs = []string{id}
	pg, _, err := s.page(ctx, p, q, true)
	if err == nil && len(pg.Records) == 0 && q.Next == "" && q.AddedAfter.IsZero() {
		return nil, apperr.NotFound("object", id)
	}
	return pg, err
}

// Delete deletes the versions of an object that q selects (TAXII "Delete
// An Object"; q.Versions zero means all versions, as the standard says).
// Only analysts of the owning organisation delete; each deleted version
// leaves a tombstone that Deletions reports to consumers.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, collRef, id string, vm share.VersionMatch, specVersions []string) ([]share.Tombstone, error) {
	c, v, err := s.collectionFor(ctx, p, collRef)
	if err != nil {
		return nil, err
	}
	// The object must be visible to the caller at all, else NotFound.
	recs, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: c.ID, Allowed: readable(v, c)}},
		OwnerOrg: v.OrgID, IDs: []string{id}, Versions: share.VersionMatch{All: true}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, apperr.NotFound("object", id)
	}
	if err := s.authorizeAudited(ctx, p, auth.ActIntelDelete, auth.Target{OrgID: v.OrgID}, "stix_object", id); err != nil {
		return nil, err
	}
	if !vm.Last && !vm.First && len(vm.Times) == 0 {
		vm.All = true
	}
	ts, err := s.DB.DeleteObjects(ctx, p.Actor(), c.ID, id, vm, specVersions, v.OrgID)
	if apperr.CodeOf(err) == apperr.CodeForbidden {
		_ = s.authorizeAuditedErr(ctx, p, auth.ActIntelDelete, err, "stix_object", id)
	}
	if err == nil {
		s.notifyDeleted(ctx, c, ts)
	}
	return ts, err
}

// DeleteFromSource deletes the versions of an object that vm selects
// (zero: all) among those that came from source (provenance, e.g.
// "feed:NAME") and belong to p's organisation; other versions stay. Each
// deleted version leaves a tombstone. NotFound when none matches. The feed
// poller uses it to mirror deletions made at a remote sakimori.
func (s *Service) DeleteFromSource(ctx context.Context, p *auth.Principal, collRef, id string, vm share.VersionMatch, source string) ([]share.Tombstone, error) {
	c, v, err := s.collectionFor(ctx, p, collRef)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeAudited(ctx, p, auth.ActIntelDelete, auth.Target{OrgID: v.OrgID}, "stix_object", id); err != nil {
		return nil, err
	}
	if !vm.Last && !vm.First && len(vm.Times) == 0 {
		vm.All = true
	}
	ts, err := s.DB.DeleteObjectsFromSource(ctx, p.Actor(), c.ID, id, vm, source, v.OrgID)
	if err == nil {
		s.notifyDeleted(ctx, c, ts)
	}
	return ts, err
}

// Deletions returns the tombstones of a collection after seq that the
// viewer was entitled to see (in-process callers; readers over the network
// page with DeletionsPage's cursors).
func (s *Service) Deletions(ctx context.Context, p *auth.Principal, collRef string, after int64, limit int) ([]share.Tombstone, error) {
	ts, _, _, err := s.deletionsAfter(ctx, p, collRef, after, limit)
	return ts, err
}

// DeletionsPage returns the tombstones after the cursor `after` ("" or
// opaque.Start: from the start) that the viewer may see, and the cursor to
// continue from: of the last tombstone examined, whether or not the viewer
// could see it (after itself when there were none), so that a consumer's
// cursor never stalls on tombstones it is not entitled to. Cursors are
// opaque (internal/opaque, purpose "del"): the deletions of every
// collection share one sequence, whose gaps would count others' deletions.
// A cursor this deployment did not issue is an apperr.Invalid of "after".
// more reports that the page was full: more tombstones may follow (the
// cursor alone cannot say whether it moved: it is fresh every time).
func (s *Service) DeletionsPage(ctx context.Context, p *auth.Principal, collRef string, after string, limit int) (ts []share.Tombstone, next string, more bool, err error) {
	c, err := s.deletionCodec(ctx)
	if err != nil {
		return nil, after, false, err
	}
	if after == "" {
		after = opaque.Start
	}
	from, ok := c.Decode(after)
	if !ok {
		return nil, after, false, apperr.Invalid("after", "not a cursor of this server's deletions list (give back a next_after it sent, or %q for the start)", opaque.Start)
	}
	ts, at, more, err := s.deletionsAfter(ctx, p, collRef, from, limit)
	if err != nil {
		return nil, after, false, err
	}
	// A position, perhaps past tombstones the viewer may not see: fresh,
	// so that two calls cannot tell whether anything was deleted between.
	return ts, c.Fresh(at), more, nil
}

func (s *Service) deletionsAfter(ctx context.Context, p *auth.Principal, collRef string, after int64, limit int) ([]share.Tombstone, int64, bool, error) {
	c, v, err := s.collectionFor(ctx, p, collRef)
	if err != nil {
		return nil, after, false, err
	}
	ts, err := s.DB.ListTombstones(ctx, []string{c.ID}, after, limit)
	if err != nil {
		return nil, after, false, err
	}
	out := []share.Tombstone{}
	next := after
	for _, t := range ts {
		next = t.Seq
		if ok, _ := marking.Entitled(v, markObject(c, t.TLP, t.OwnerOrgID)); ok {
			out = append(out, t)
		}
	}
	return out, next, limit > 0 && len(ts) >= limit, nil
}

// deletionCodec returns the codec of deletion cursors.
func (s *Service) deletionCodec(ctx context.Context) (*opaque.Codec, error) {
	return s.delc.Get(ctx, s.DB, "del")
}

// ---- across collections ---------------------------------------------------

// SearchQuery selects the latest versions across the collections a viewer
// can see.
type SearchQuery struct {
	// Text is an indicator value (IP, CIDR, domain, URL, e-mail, hash: found
	// in patterns and observables after normalisation), a STIX id, or a
	// substring of the name.
	Text       string
	Types      []string
	Collection string // id or alias; "" for all
	Flagged    *bool
	Revoked    *bool
	Cursor     string
	Limit      int
	WithRaw    bool
}

// scopes returns the viewer's scopes over every collection it can see (or
// the one named).
func (s *Service) scopes(ctx context.Context, p *auth.Principal, only string) (marking.Viewer, []store.CollectionScope, map[string]*share.Collection, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return marking.Viewer{}, nil, nil, err
	}
	v, err := s.Viewer(ctx, p)
	if err != nil {
		return v, nil, nil, err
	}
	cs, err := s.DB.ListCollections(ctx)
	if err != nil {
		return v, nil, nil, err
	}
	var scopes []store.CollectionScope
	colls := map[string]*share.Collection{}
	found := only == ""
	for i := range cs {
		c := &cs[i]
		if only != "" && c.ID != only && c.Alias != only {
			continue
		}
		if !visible(v, c, canWrite(p, v, c)) {
			continue
		}
		found = true
		colls[c.ID] = c
		scopes = append(scopes, store.CollectionScope{CollectionID: c.ID, Allowed: readable(v, c)})
	}
	if !found {
		return v, nil, nil, apperr.NotFound("collection", only)
	}
	return v, scopes, colls, nil
}

// atomCandidates normalises text as each kind of indicator value it could be.
func atomCandidates(text string) []string {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil
	}
	var out []string
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if _, v, err := pattern.NormalizeIP(t); err == nil {
		add(v)
	}
	if v, err := pattern.NormalizeDomain(t); err == nil {
		add(v)
	}
	if v, err := pattern.NormalizeURL(t); err == nil {
		add(v)
	}
	if v, err := pattern.NormalizeEmail(t); err == nil {
		add(v)
	}
	for _, alg := range []string{"MD5", "SHA-1", "SHA-256", "SHA-512", "SHA-224", "SHA-384"} {
		if _, v, err := pattern.NormalizeHash(alg, t); err == nil {
			add(v)
		}
	}
	return out
}

// Search returns the latest versions matching q, newest first, and the
// cursor of the next page ("" at the end).
func (s *Service) Search(ctx context.Context, p *auth.Principal, q SearchQuery) ([]share.Record, string, error) {
	sc, err := s.searchScope(ctx, p, q.Collection)
	if err != nil {
		return nil, "", err
	}
	recs, next, err := s.searchIn(ctx, sc, q)
	if err == nil && q.WithRaw {
		s.auditRead(ctx, p, sc.v, "search", q.Text, recs)
	}
	return recs, next, err
}

// searchScope is what a viewer may search: resolved once for the pages of
// an export.
type searchScope struct {
	v      marking.Viewer
	scopes []store.CollectionScope
	colls  map[string]*share.Collection
}

func (s *Service) searchScope(ctx context.Context, p *auth.Principal, collection string) (*searchScope, error) {
	v, scopes, colls, err := s.scopes(ctx, p, collection)
	if err != nil {
		return nil, err
	}
	return &searchScope{v, scopes, colls}, nil
}

// searchIn is one page of Search in a resolved scope; it does not audit.
func (s *Service) searchIn(ctx context.Context, sc *searchScope, q SearchQuery) ([]share.Record, string, error) {
	v, scopes, colls := sc.v, sc.scopes, sc.colls
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, "", apperr.Invalid("cursor", "not a cursor this server issued")
	}
	sq := store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, After: after, Types: q.Types, Text: strings.TrimSpace(q.Text),
		AtomValues: atomCandidates(q.Text), Flagged: q.Flagged, Revoked: q.Revoked, Descending: true, Limit: s.limit(q.Limit), WithRaw: q.WithRaw}
	recs, more, err := s.DB.QueryObjects(ctx, sq)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(recs) > 0 {
		next = encodeCursor(recs[len(recs)-1].DateAdded.UnixMicro())
	}
	recs = s.keepEntitled(v, colls, recs)
	if q.WithRaw {
		for i := range recs {
			recs[i].Raw = WithTLP(recs[i].Raw, recs[i].TLP)
		}
	}
	return recs, next, nil
}

// VersionView is one version of an object with its differences from the
// previous version in the same collection.
type VersionView struct {
	share.Record
	Changes []Change `json:"changes"`
}

// ObjectView is an object as its detail page shows it.
type ObjectView struct {
	Latest      share.Record           `json:"latest"`
	Versions    []VersionView          `json:"versions"` // oldest first
	Collections []string               `json:"collections"`
	Sightings   *share.SightingSummary `json:"sightings"`
	Override    *share.Override        `json:"override,omitempty"`
	// Score is the indicator's score with its reasons (nil for other objects).
	Score *score.Result `json:"score,omitempty"`
}

// History returns every version of an object that p is entitled to, in
// every collection p can see, oldest first, each with its differences from
// the previous version in its collection.
func (s *Service) History(ctx context.Context, p *auth.Principal, id string) ([]VersionView, error) {
	v, scopes, colls, err := s.scopes(ctx, p, "")
	if err != nil {
		return nil, err
	}
	recs, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, IDs: []string{id},
		Versions: share.VersionMatch{All: true}, Limit: 10000, WithRaw: true})
	if err != nil {
		return nil, err
	}
	recs = s.keepEntitled(v, colls, recs)
	if len(recs) == 0 {
		return nil, apperr.NotFound("object", id)
	}
	sort.SliceStable(recs, func(i, j int) bool {
		if !recs[i].Version.Equal(recs[j].Version) {
			return recs[i].Version.Before(recs[j].Version)
		}
		return recs[i].DateAdded.Before(recs[j].DateAdded)
	})
	out := make([]VersionView, len(recs))
	prev := map[string]int{}
	for i := range recs {
		out[i].Record = recs[i]
		if j, ok := prev[recs[i].CollectionID]; ok {
			out[i].Changes = Diff(recs[j].Raw, recs[i].Raw)
		} else {
			out[i].Changes = []Change{}
		}
		prev[recs[i].CollectionID] = i
	}
	for i := range out {
		out[i].Raw = WithTLP(out[i].Raw, out[i].TLP)
	}
	s.auditRead(ctx, p, v, "stix_object", id, recs)
	return out, nil
}

// Object returns an object's detail: its latest version p may see, its
// history, the collections it is in, its sightings and any override.
func (s *Service) Object(ctx context.Context, p *auth.Principal, id string) (*ObjectView, error) {
	hist, err := s.History(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ov := &ObjectView{Versions: hist, Latest: hist[len(hist)-1].Record}
	for _, h := range hist {
		if !slices.Contains(ov.Collections, h.CollectionID) {
			ov.Collections = append(ov.Collections, h.CollectionID)
		}
	}
	sum, err := s.summary(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ov.Sightings = sum
	ovs, err := s.DB.Overrides(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if o, ok := ovs[id]; ok {
		ov.Override = &o
	}
	ov.Score = s.Score(&ov.Latest, sum)
	return ov, nil
}

// visibleObject reports whether p may see some version of id.
func (s *Service) visibleObject(ctx context.Context, p *auth.Principal, id string) (*share.Record, error) {
	v, scopes, colls, err := s.scopes(ctx, p, "")
	if err != nil {
		return nil, err
	}
	recs, _, err := s.DB.QueryObjects(ctx, store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID, IDs: []string{id},
		Versions: share.VersionMatch{Last: true}, Limit: 50, Descending: true})
	if err != nil {
		return nil, err
	}
	recs = s.keepEntitled(v, colls, recs)
	if len(recs) == 0 {
		return nil, apperr.NotFound("object", id)
	}
	return &recs[0], nil
}

// parseVersion parses a TAXII match[version] timestamp.
func parseVersion(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// ParseVersionMatch parses TAXII's match[version] values ("first", "last",
// "all" or timestamps, several comma-separated).
func ParseVersionMatch(values []string) (share.VersionMatch, error) {
	var vm share.VersionMatch
	for _, raw := range values {
		for _, v := range strings.Split(raw, ",") {
			v = strings.TrimSpace(v)
			switch v {
			case "last":
				vm.Last = true
			case "first":
				vm.First = true
			case "all":
				vm.All = true
			case "":
				return vm, apperr.Invalid("match[version]", "empty value")
			default:
				t, err := parseVersion(v)
				if err != nil {
					return vm, apperr.Invalid("match[version]", "%q is not first, last, all or an RFC 3339 timestamp", v)
				}
				vm.Times = append(vm.Times, t.UTC())
			}
		}
	}
	return vm, nil
}

// ReadScope is what p may read across every collection, as the store's
// entitlement terms (the collections p can see, the labels p receives in
// each, p's own organisation's objects): for aggregates that must count
// exactly what the read paths return. A principal without read access
// gets a forbidden error.
func (s *Service) ReadScope(ctx context.Context, p *auth.Principal) (store.ObjectQuery, error) {
	v, scopes, _, err := s.scopes(ctx, p, "")
	if err != nil {
		return store.ObjectQuery{}, err
	}
	return store.ObjectQuery{Scopes: scopes, OwnerOrg: v.OrgID}, nil
}
