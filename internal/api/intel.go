package api

// Threat-information sharing under /api/v1: collections, sharing groups,
// objects (search, detail with score, history), imports (STIX, MISP, IOC
// lists), ingest jobs, deletions, sightings, confidence scales,
// warninglists and overrides, and exports (STIX bundle, block list).
//
// The intel service decides entitlement and permissions; these handlers
// only translate HTTP to calls and results to JSON.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/confidence"
	"sakimori/internal/intel"
	"sakimori/internal/ioclist"
	"sakimori/internal/marking"
	"sakimori/internal/misp"
	"sakimori/internal/org"
	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/warninglist"
)

// MaxImportBytes bounds an import body (unless Options.MaxBodyBytes is larger).
const MaxImportBytes = 64 << 20

var searchParams = []param{
	{Name: "q", Type: "string", Desc: "an indicator value (IP, CIDR, domain, URL, e-mail, hash), a STIX id, or a substring of the name"},
	{Name: "type", Type: "string", Desc: "STIX types, comma-separated (e.g. indicator,malware)"},
	{Name: "collection", Type: "string", Desc: "collection id or alias (default: every collection you can see)"},
	{Name: "flagged", Type: "boolean", Desc: "only objects hit (true) or not hit (false) by a warninglist"},
	{Name: "revoked", Type: "boolean", Desc: "only revoked (true) or unrevoked (false) objects"},
}

// viewParams are the further filters of the object list (intel.ViewFilter).
var viewParams = []param{
	{Name: "tlp", Type: "string", Desc: "only these TLP labels, comma-separated or repeated (clear, green, amber, amber+strict, red)"},
	{Name: "min_confidence", Type: "integer", Desc: "only objects with a confidence of at least this (0-100)"},
	{Name: "min_score", Type: "integer", Desc: "only indicators scoring at least this now (0-100)"},
	{Name: "sector", Type: "string", Desc: "only objects shared by organisations of this sector (anonymous sightings of other organisations are never selected)"},
	{Name: "added_from", Type: "string", Desc: "added on or after this day (YYYY-MM-DD, Japan time) or time (RFC 3339)"},
	{Name: "added_to", Type: "string", Desc: "added on or before this day (YYYY-MM-DD, Japan time, included) or before this time (RFC 3339)"},
	{Name: "modified_from", Type: "string", Desc: "modified on or after this day or time (as added_from)"},
	{Name: "modified_to", Type: "string", Desc: "modified on or before this day, or before this time (as added_to)"},
	{Name: "sort", Type: "string", Enum: []string{"newest", "score"}, Desc: "newest (default: newest added first) or score (highest first; the newest 5000 matches are ranked)"},
}

var jst = time.FixedZone("JST", 9*60*60)

// intelRoutes are the sharing rows of the route table.
func (a *API) intelRoutes() []route {
	const tag = "sharing"
	rs := []route{
		{Method: "GET", Path: "/api/v1/collections", ID: "listCollections", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "CollectionList",
			Summary: "Collections you can see, with whether you may read and write them and the labels you receive there", h: a.listCollections},
		{Method: "POST", Path: "/api/v1/collections", ID: "createCollection", Tag: tag, Scope: org.ScopeAdmin, Body: "CollectionInput", Status: 201, Resp: "Collection",
			Summary: "Create a collection owned by your organisation (its administrators)", h: a.createCollection},
		{Method: "GET", Path: "/api/v1/collections/{ref}", ID: "getCollection", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "Collection",
			Summary: "One collection by id or alias", h: a.getCollection},
		{Method: "PATCH", Path: "/api/v1/collections/{ref}", ID: "updateCollection", Tag: tag, Scope: org.ScopeAdmin, Body: "CollectionPatch", Status: 200, Resp: "Collection",
			Summary: "Change a collection's titles, description, default TLP, audience or write policy (the owner's administrators)", h: a.updateCollection},
		{Method: "POST", Path: "/api/v1/collections/{ref}/import", ID: "importObjects", Tag: tag, Scope: org.ScopeWrite,
			BodyTypes: map[string]string{"application/json": "StixContent", "application/stix+json": "StixContent", "text/plain": "IOCList"}, Status: 200, Resp: "ImportResult",
			Also: map[int]string{202: "ImportResult"},
			Summary: "Import STIX 2.1 (bundle, envelope or object), a MISP event, or a plain-text IOC list into a collection. " +
				"format=stix|misp|iocs (default: iocs for text/plain, else stix). tlp and confidence (any scale: 75, high, 確度:高, admiralty:2) " +
				"and labels apply to IOC lists; tlp also marks MISP events without a tlp tag. Synchronous (200, the completed job) unless async=true (202, the pending job).",
			Query: []param{{Name: "format", Type: "string", Enum: []string{"stix", "misp", "iocs"}},
				{Name: "async", Type: "boolean", Desc: "queue the import and answer 202 with the pending job"},
				{Name: "tlp", Type: "string", Desc: "TLP of IOC-list indicators / default TLP of a MISP event: clear, green, amber, amber+strict, red"},
				{Name: "confidence", Type: "string", Desc: "confidence of IOC-list indicators, on any scale (see /api/v1/confidence-scales)"},
				{Name: "labels", Type: "string", Desc: "labels of IOC-list indicators, comma-separated"}},
			h: a.importObjects},
		{Method: "GET", Path: "/api/v1/collections/{ref}/deletions", ID: "listDeletions", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "DeletionList",
			Summary: "Deletions (tombstones) in a collection after a cursor, for consumers to remove what they copied",
			Query:   []param{{Name: "after", Type: "string", Desc: "the next_after of your last call (opaque; default 0: from the start)"}, {Name: "limit", Type: "integer", Desc: "1 to 1000 (default 1000)"}},
			h:       a.listDeletions},

		{Method: "DELETE", Path: "/api/v1/collections/{ref}/objects/{id}", ID: "deleteObject", Tag: tag, Scope: org.ScopeWrite, Status: 200, Resp: "TombstoneList",
			Summary: "Delete an object's versions from a collection (analysts of the owning organisation); each deleted version leaves a tombstone that consumers receive. " +
				"version selects versions (RFC 3339, repeatable); none deletes every version",
			Query: []param{{Name: "version", Type: "string", Desc: "an RFC 3339 version (the object's modified) to delete; repeat for several; none: all versions"}},
			h:     a.deleteObject},

		{Method: "GET", Path: "/api/v1/groups", ID: "listGroups", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "GroupList",
			Summary: "Sharing groups (members shown to members, the managing organisation and government)", h: a.listGroups},
		{Method: "POST", Path: "/api/v1/groups", ID: "createGroup", Tag: tag, Scope: org.ScopeAdmin, Body: "GroupInput", Status: 201, Resp: "Group",
			Summary: "Create a sharing group managed by your organisation (its administrators)", h: a.createGroup},
		{Method: "GET", Path: "/api/v1/groups/{ref}", ID: "getGroup", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "Group",
			Summary: "One sharing group by id or slug", h: a.getGroup},
		{Method: "PATCH", Path: "/api/v1/groups/{ref}", ID: "updateGroup", Tag: tag, Scope: org.ScopeAdmin, Body: "GroupPatch", Status: 200, Resp: "Group",
			Summary: "Change a sharing group's names, description or members", h: a.updateGroup},

		{Method: "GET", Path: "/api/v1/objects", ID: "searchObjects", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "RecordPage",
			Summary: "Search the latest versions of the objects you may see, newest first (or by score), filtered by text, type, collection, TLP, confidence, score, sector and dates",
			Query: append(append(append(slices.Clone(searchParams), viewParams...),
				param{Name: "include", Type: "string", Enum: []string{"object"}, Desc: "object: include each version's STIX JSON"}), pageParams...),
			h: a.searchObjects},
		{Method: "GET", Path: "/api/v1/objects/{id}", ID: "getObject", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ObjectDetail",
			Summary: "An object: its latest version, every version with field-level changes, collections, sightings, override and score", h: a.getObject},
		{Method: "GET", Path: "/api/v1/objects/{id}/history", ID: "getObjectHistory", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "VersionList",
			Summary: "Every version of an object you may see, oldest first, with the changes from the previous version", h: a.getObjectHistory},
		{Method: "GET", Path: "/api/v1/objects/{id}/sightings", ID: "getSightings", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "SightingSummary",
			Summary: "Sightings of an object, aggregated (anonymous reporters hidden)", h: a.getSightings},
		{Method: "POST", Path: "/api/v1/objects/{id}/sightings", ID: "addSighting", Tag: tag, Scope: org.ScopeWrite, Body: "SightingInput", Status: 201, Resp: "Sighting",
			Summary: "Report that your organisation saw the object, or that it is a false positive (analysts and reporters)", h: a.addSighting},
		{Method: "POST", Path: "/api/v1/objects/{id}/override", ID: "overrideWarninglist", Tag: tag, Scope: org.ScopeWrite, Body: "OverrideInput", Status: 201, Resp: "Override",
			Summary: "Let an indicator hit by a warninglist into block lists after all, with a reason (analysts)", h: a.overrideWarninglist},
		{Method: "DELETE", Path: "/api/v1/objects/{id}/override", ID: "withdrawOverride", Tag: tag, Scope: org.ScopeWrite, Status: 204,
			Summary: "Withdraw a warninglist override", h: a.withdrawOverride},

		{Method: "POST", Path: "/api/v1/objects/{id}/revoke", ID: "revokeObject", Tag: tag, Scope: org.ScopeWrite, Body: "RevokeInput", Status: 200, Resp: "RecordList",
			Summary: "Revoke an object, with a reason (analysts of the owning organisation): a new version with revoked true in every collection where your organisation owns it; the new versions are returned", h: a.revokeObject},

		{Method: "GET", Path: "/api/v1/jobs", ID: "listJobs", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "JobList",
			Summary: "Your organisation's newest imports and TAXII adds with their outcome",
			Query:   []param{{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 50)"}}, h: a.listJobs},
		{Method: "GET", Path: "/api/v1/jobs/{id}", ID: "getJob", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "Job",
			Summary: "One import job (your organisation's)", h: a.getJob},

		{Method: "GET", Path: "/api/v1/confidence-scales", ID: "listConfidenceScales", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ConfidenceScales",
			Summary: "The confidence scales accepted wherever a confidence is given, with their labels in English and Japanese", h: a.listConfidenceScales},

		{Method: "GET", Path: "/api/v1/warninglists", ID: "listWarninglists", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "WarninglistList",
			Summary: "The loaded warninglists of known false positives", h: a.listWarninglists},
		{Method: "POST", Path: "/api/v1/warninglists", ID: "putWarninglist", Tag: tag, Scope: org.ScopeAdmin, BodyTypes: map[string]string{"application/json": "WarninglistFile"}, Status: 201, Resp: "WarninglistResult",
			Summary: "Load a MISP-format warninglist (replacing one of the same name; platform administrators)", h: a.putWarninglist},
		{Method: "GET", Path: "/api/v1/warninglists/check", ID: "checkWarninglists", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "WarninglistCheck",
			Summary: "Which warninglists a value is on", Query: []param{{Name: "value", Type: "string", Desc: "an IP, domain, URL, e-mail, hash or string"}},
			h: a.checkWarninglists},
		{Method: "PATCH", Path: "/api/v1/warninglists/{name}", ID: "setWarninglist", Tag: tag, Scope: org.ScopeAdmin, Body: "WarninglistPatch", Status: 200, Resp: "Warninglist",
			Summary: "Enable or disable a warninglist (platform administrators)", h: a.setWarninglist},
		{Method: "DELETE", Path: "/api/v1/warninglists/{name}", ID: "deleteWarninglist", Tag: tag, Scope: org.ScopeAdmin, Status: 204,
			Summary: "Remove a warninglist (platform administrators)", h: a.deleteWarninglist},

		{Method: "GET", Path: "/api/v1/export/bundle", ID: "exportBundle", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "StixBundle",
			Summary: "A STIX 2.1 bundle of the latest versions you may see (search filters apply), with the TLP markings they use",
			Query:   append(slices.Clone(searchParams), viewParams...), h: a.exportBundle},
		{Method: "GET", Path: "/api/v1/export/blocklist", ID: "exportBlocklist", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "Blocklist",
			Summary: "Values you may block: exact values of current, unrevoked indicators you may see, less those on warninglists (unless overridden). " +
				"format=json (default) or text: text/plain, one value per line after a # header naming your organisation, the time and what was withheld",
			Query: []param{{Name: "kind", Type: "string", Desc: "atom kinds, comma-separated: ipv4, ipv6, cidr4, cidr6, domain, url, email, md5, sha1, sha256, ..."},
				{Name: "collection", Type: "string", Desc: "collection id or alias (default: all)"},
				{Name: "format", Type: "string", Enum: []string{"json", "text"}}},
			h: a.exportBlocklist},
	}
	// Every sharing route needs the service; handlers use c.intel().
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Intel == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "threat-information sharing is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

// intel is the sharing service (the sharing routes check it is there).
func (c *call) intel() *intel.Service { return c.api.opt.Intel }

// ---- collections -------------------------------------------------------------

// AudienceInput names the recipients of AMBER and stricter objects; each
// entry is an id or a handle (group slug, organisation slug).
type AudienceInput struct {
	Groups []string `json:"groups,omitempty"`
	Orgs   []string `json:"orgs,omitempty"`
	Users  []string `json:"users,omitempty"`
}

// CollectionInput is the body of POST /collections.
type CollectionInput struct {
	Alias       string         `json:"alias"`
	Title       TitleInput     `json:"title"`
	Description string         `json:"description,omitempty"`
	Owner       string         `json:"owner_org,omitempty"` // id or slug; default: yours
	TLP         string         `json:"tlp"`
	Audience    *AudienceInput `json:"audience,omitempty"`
	WritePolicy string         `json:"write_policy,omitempty"`
}

// TitleInput is a title in Japanese and/or English.
type TitleInput struct {
	JA string `json:"ja,omitempty"`
	EN string `json:"en,omitempty"`
}

// CollectionPatch is the body of PATCH /collections/{ref}.
type CollectionPatch struct {
	Title       *TitleInput    `json:"title,omitempty"`
	Description *string        `json:"description,omitempty"`
	TLP         *string        `json:"tlp,omitempty"`
	Audience    *AudienceInput `json:"audience,omitempty"`
	WritePolicy *string        `json:"write_policy,omitempty"`
}

func (a *API) listCollections(c *call) (int, any, error) {
	s := c.intel()
	cs, err := s.Collections(c.r.Context(), c.p)
	return 200, listOf(cs), err
}

func (a *API) getCollection(c *call) (int, any, error) {
	s := c.intel()
	cv, err := s.Collection(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, cv, err
}

func parseTLPField(field, s string) (marking.TLP, error) {
	t, err := marking.ParseTLP(s)
	if err != nil {
		return 0, apperr.Invalid(field, "%q is not a TLP label: use clear, green, amber, amber+strict or red", clip(s))
	}
	return t, nil
}

func parseWritePolicy(s string) (share.WritePolicy, error) {
	w := share.WritePolicy(strings.TrimSpace(s))
	if !w.Valid() {
		return "", apperr.Invalid("write_policy", "%q: use owner, audience or members", clip(s))
	}
	return w, nil
}

// audience resolves group and organisation handles to ids.
func (a *API) audience(c *call, s *intel.Service, in *AudienceInput) (share.Audience, error) {
	out := share.Audience{Groups: []string{}, Orgs: []string{}, Users: []string{}}
	for i, ref := range in.Groups {
		g, err := s.Group(c.r.Context(), c.p, ref)
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return out, apperr.Invalid("audience.groups["+strconv.Itoa(i)+"]", "no sharing group %q", clip(ref))
		} else if err != nil {
			return out, err
		}
		out.Groups = append(out.Groups, g.ID)
	}
	for i, ref := range in.Orgs {
		id, err := a.resolveOrg(c, "audience.orgs["+strconv.Itoa(i)+"]", ref)
		if err != nil {
			return out, err
		}
		out.Orgs = append(out.Orgs, id)
	}
	out.Users = append(out.Users, in.Users...)
	return out, nil
}

func (a *API) createCollection(c *call) (int, any, error) {
	s := c.intel()
	var err error
	var in CollectionInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	col := &share.Collection{Alias: in.Alias, Title: org.Names{JA: in.Title.JA, EN: in.Title.EN}, Description: in.Description}
	if in.TLP == "" {
		return 0, nil, apperr.Invalid("tlp", "required: the label of objects that carry none (clear, green, amber, amber+strict, red)")
	}
	if col.TLP, err = parseTLPField("tlp", in.TLP); err != nil {
		return 0, nil, err
	}
	if in.WritePolicy != "" {
		if col.WritePolicy, err = parseWritePolicy(in.WritePolicy); err != nil {
			return 0, nil, err
		}
	}
	if in.Owner != "" {
		if col.OwnerOrgID, err = a.resolveOrg(c, "owner_org", in.Owner); err != nil {
			return 0, nil, err
		}
	}
	if in.Audience != nil {
		if col.Audience, err = a.audience(c, s, in.Audience); err != nil {
			return 0, nil, err
		}
	}
	if err := s.CreateCollection(c.r.Context(), c.p, col); err != nil {
		return 0, nil, err
	}
	cv, err := s.Collection(c.r.Context(), c.p, col.ID)
	return 201, cv, err
}

func (a *API) updateCollection(c *call) (int, any, error) {
	s := c.intel()
	var err error
	var in CollectionPatch
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var tlp marking.TLP
	if in.TLP != nil {
		if tlp, err = parseTLPField("tlp", *in.TLP); err != nil {
			return 0, nil, err
		}
	}
	var wp share.WritePolicy
	if in.WritePolicy != nil {
		if wp, err = parseWritePolicy(*in.WritePolicy); err != nil {
			return 0, nil, err
		}
	}
	var aud share.Audience
	if in.Audience != nil {
		if aud, err = a.audience(c, s, in.Audience); err != nil {
			return 0, nil, err
		}
	}
	col, err := s.UpdateCollection(c.r.Context(), c.p, c.r.PathValue("ref"), func(col *share.Collection) error {
		if in.Title != nil {
			col.Title = org.Names{JA: in.Title.JA, EN: in.Title.EN}
		}
		if in.Description != nil {
			col.Description = *in.Description
		}
		if in.TLP != nil {
			col.TLP = tlp
		}
		if in.WritePolicy != nil {
			col.WritePolicy = wp
		}
		if in.Audience != nil {
			col.Audience = aud
		}
		col.Normalize()
		return col.Validate()
	})
	if err != nil {
		return 0, nil, err
	}
	cv, err := s.Collection(c.r.Context(), c.p, col.ID)
	return 200, cv, err
}

// ---- sharing groups ------------------------------------------------------------

// GroupInput is the body of POST /groups.
type GroupInput struct {
	Slug        string    `json:"slug"`
	Kind        string    `json:"kind"`
	Name        org.Names `json:"name"`
	Description string    `json:"description,omitempty"`
	Owner       string    `json:"owner_org,omitempty"`
	OrgIDs      []string  `json:"org_ids,omitempty"` // ids or slugs
	UserIDs     []string  `json:"user_ids,omitempty"`
}

// GroupPatch is the body of PATCH /groups/{ref}.
type GroupPatch struct {
	Name        *org.Names `json:"name,omitempty"`
	Description *string    `json:"description,omitempty"`
	OrgIDs      *[]string  `json:"org_ids,omitempty"`
	UserIDs     *[]string  `json:"user_ids,omitempty"`
}

func (a *API) orgIDs(c *call, field string, refs []string) ([]string, error) {
	out := []string{}
	for i, ref := range refs {
		id, err := a.resolveOrg(c, field+"["+strconv.Itoa(i)+"]", ref)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func (a *API) listGroups(c *call) (int, any, error) {
	s := c.intel()
	gs, err := s.Groups(c.r.Context(), c.p)
	return 200, listOf(gs), err
}

func (a *API) getGroup(c *call) (int, any, error) {
	s := c.intel()
	g, err := s.Group(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, g, err
}

func (a *API) createGroup(c *call) (int, any, error) {
	s := c.intel()
	var err error
	var in GroupInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	g := &share.Group{Group: marking.Group{Kind: marking.GroupKind(in.Kind), Name: in.Name, Description: in.Description, UserIDs: in.UserIDs}, Slug: in.Slug}
	if g.OrgIDs, err = a.orgIDs(c, "org_ids", in.OrgIDs); err != nil {
		return 0, nil, err
	}
	if in.Owner != "" {
		if g.OwnerOrgID, err = a.resolveOrg(c, "owner_org", in.Owner); err != nil {
			return 0, nil, err
		}
	}
	if err := s.CreateGroup(c.r.Context(), c.p, g); err != nil {
		return 0, nil, err
	}
	return 201, g, nil
}

func (a *API) updateGroup(c *call) (int, any, error) {
	s := c.intel()
	var err error
	var in GroupPatch
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var orgs []string
	if in.OrgIDs != nil {
		if orgs, err = a.orgIDs(c, "org_ids", *in.OrgIDs); err != nil {
			return 0, nil, err
		}
	}
	g, err := s.UpdateGroup(c.r.Context(), c.p, c.r.PathValue("ref"), func(g *share.Group) error {
		if in.Name != nil {
			g.Name = *in.Name
		}
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.OrgIDs != nil {
			g.OrgIDs = orgs
		}
		if in.UserIDs != nil {
			g.UserIDs = *in.UserIDs
		}
		g.Normalize()
		return g.Validate()
	})
	return 200, g, err
}

// ---- objects -------------------------------------------------------------------

func boolParam(c *call, name string) (*bool, error) {
	s := c.r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, apperr.Invalid(name, "must be true or false")
	}
	return &b, nil
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (a *API) searchObjects(c *call) (int, any, error) {
	s := c.intel()
	q := c.r.URL.Query()
	vf, errs := intel.ParseViewFilter(q, jst)
	if len(errs) > 0 {
		e := errs[0]
		e.MessageKey = ""
		return 0, nil, e
	}
	withRaw := false
	switch inc := q.Get("include"); inc {
	case "":
	case "object":
		withRaw = true
	default:
		return 0, nil, apperr.Invalid("include", "%q: the only value is object", clip(inc))
	}
	limit, after, err := c.paging()
	if err != nil {
		return 0, nil, err
	}
	pg, err := s.SearchView(c.r.Context(), c.p, vf, after, limit, withRaw)
	if err != nil {
		return 0, nil, err
	}
	recs := make([]share.Record, len(pg.Items))
	for i := range pg.Items {
		recs[i] = pg.Items[i].Record
	}
	return 200, page(recs, pg.Next), nil
}

// ObjectDetail is GET /objects/{id}: the service's view and a score.
type ObjectDetail struct {
	*intel.ObjectView
	// Score is the indicator score of the latest version (null for
	// objects that are not indicators).
	Score *score.Result `json:"score"`
}

func (a *API) getObject(c *call) (int, any, error) {
	s := c.intel()
	ov, err := s.Object(c.r.Context(), c.p, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if ov.Collections == nil {
		ov.Collections = []string{}
	}
	return 200, ObjectDetail{ObjectView: ov, Score: ScoreOf(ov, time.Now())}, nil
}

// ScoreOf computes the score of an object view's latest version when it is
// an indicator: kind from the first atom of its pattern, its confidence,
// validity, modified and revoked, the sightings summary, and whether a
// warninglist hit stands (flagged and not overridden).
func ScoreOf(ov *intel.ObjectView, now time.Time) *score.Result {
	if ov == nil || ov.Latest.Type != "indicator" {
		return nil
	}
	var ind struct {
		Pattern     string    `json:"pattern"`
		PatternType string    `json:"pattern_type"`
		ValidFrom   time.Time `json:"valid_from"`
		ValidUntil  time.Time `json:"valid_until"`
		Modified    time.Time `json:"modified"`
		Revoked     bool      `json:"revoked"`
	}
	_ = json.Unmarshal(ov.Latest.Raw, &ind)
	in := score.Input{Confidence: ov.Latest.Confidence, ValidFrom: ind.ValidFrom, ValidUntil: ind.ValidUntil, Modified: ind.Modified,
		Revoked: ind.Revoked || ov.Latest.Revoked, Warninglisted: len(ov.Latest.Flags) > 0 && ov.Override == nil}
	if ov.Latest.ValidUntil != nil && in.ValidUntil.IsZero() {
		in.ValidUntil = *ov.Latest.ValidUntil
	}
	if ind.PatternType == "stix" || ind.PatternType == "" {
		if p, err := pattern.Parse(ind.Pattern); err == nil {
			if atoms := p.Atoms().Atoms; len(atoms) > 0 {
				in.Kind = score.NormalizeKind(string(atoms[0].Kind))
			}
		}
	}
	if sum := ov.Sightings; sum != nil {
		in.Sightings = score.Sightings{Count: sum.Count, Orgs: sum.Orgs, FalsePositives: sum.FalsePositives, FalsePositiveOrgs: sum.FalsePositiveOrgs}
		if sum.LastSeen != nil {
			in.Sightings.LastSeen = *sum.LastSeen
		}
	}
	r := score.Compute(in, now, score.DefaultPolicy())
	return &r
}

func (a *API) getObjectHistory(c *call) (int, any, error) {
	s := c.intel()
	vs, err := s.History(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, listOf(vs), err
}

func (a *API) getSightings(c *call) (int, any, error) {
	s := c.intel()
	sum, err := s.Sightings(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, sum, err
}

// SightingInput is the body of POST /objects/{id}/sightings.
type SightingInput struct {
	Count         int        `json:"count,omitempty"`
	FirstSeen     *time.Time `json:"first_seen,omitempty"`
	LastSeen      *time.Time `json:"last_seen,omitempty"`
	Sector        string     `json:"sector,omitempty"`
	Anonymous     bool       `json:"anonymous,omitempty"`
	FalsePositive bool       `json:"false_positive,omitempty"`
	Note          string     `json:"note,omitempty"`
}

func (a *API) addSighting(c *call) (int, any, error) {
	s := c.intel()
	var in SightingInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Count < 0 {
		return 0, nil, apperr.Invalid("count", "must be 1 to 999999999")
	}
	sec := org.Sector(in.Sector)
	if !sec.Valid() {
		return 0, nil, apperr.Invalid("sector", "unknown sector %q", clip(in.Sector))
	}
	sg := &share.Sighting{StixID: c.r.PathValue("id"), Count: in.Count, Sector: sec, Anonymous: in.Anonymous, FalsePositive: in.FalsePositive, Note: in.Note}
	if in.FirstSeen != nil {
		sg.FirstSeen = in.FirstSeen.UTC()
	}
	if in.LastSeen != nil {
		sg.LastSeen = in.LastSeen.UTC()
	}
	if err := s.AddSighting(c.r.Context(), c.p, sg); err != nil {
		if ae := apperr.As(err); ae.Code == apperr.CodeInvalid && ae.Field == "sighting_of" {
			// The object named in the path: absence is a 404.
			return 0, nil, apperr.NotFound("object", sg.StixID)
		}
		return 0, nil, err
	}
	if sg.Anonymous {
		// The reporter sees its own report; the body goes to the reporter only.
		sg.ReporterOrgID = c.p.Org.ID
	}
	return 201, sg, nil
}

// OverrideInput is the body of POST /objects/{id}/override.
type OverrideInput struct {
	Reason string `json:"reason"`
}

func (a *API) overrideWarninglist(c *call) (int, any, error) {
	s := c.intel()
	var err error
	var in OverrideInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	o := &share.Override{StixID: c.r.PathValue("id"), Reason: in.Reason}
	if err := o.Validate(); err != nil {
		return 0, nil, err
	}
	o, err = s.Override(c.r.Context(), c.p, o.StixID, strings.TrimSpace(in.Reason))
	if err != nil {
		return 0, nil, err
	}
	return 201, o, nil
}

func (a *API) withdrawOverride(c *call) (int, any, error) {
	s := c.intel()
	return 204, nil, s.WithdrawOverride(c.r.Context(), c.p, c.r.PathValue("id"))
}

// RevokeInput is the body of POST /objects/{id}/revoke.
type RevokeInput struct {
	Reason string `json:"reason"`
}

func (a *API) revokeObject(c *call) (int, any, error) {
	s := c.intel()
	var in RevokeInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !share.ReasonOK(in.Reason) {
		return 0, nil, apperr.Invalid("reason", "explain the revocation in 3 to 1000 characters")
	}
	recs, err := s.Revoke(c.r.Context(), c.p, c.r.PathValue("id"), strings.TrimSpace(in.Reason))
	if err != nil {
		return 0, nil, err
	}

	return 200, listOf(recs), nil
}

// ParseVersions reads RFC 3339 versions (each value may hold several,
// comma-separated) into a version match; none selects every version.
func ParseVersions(field string, values []string) (share.VersionMatch, error) {
	var vm share.VersionMatch
	for _, raw := range values {
		for _, v := range strings.Split(raw, ",") {
			v = strings.TrimSpace(v)
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return vm, apperr.Invalid(field, "%q is not an RFC 3339 time such as 2026-11-01T00:05:00.000Z", clip(v))
			}
			vm.Times = append(vm.Times, t.UTC())
		}
	}
	if len(vm.Times) == 0 {
		vm.All = true
	}
	return vm, nil
}

func (a *API) deleteObject(c *call) (int, any, error) {
	s := c.intel()
	vm, err := ParseVersions("version", c.r.URL.Query()["version"])
	if err != nil {
		return 0, nil, err
	}
	ts, err := s.Delete(c.r.Context(), c.p, c.r.PathValue("ref"), c.r.PathValue("id"), vm, nil)
	return 200, listOf(ts), err
}

// ---- imports and jobs --------------------------------------------------------------

// ImportResult is the job of an import, with the problems met converting
// a MISP event or an IOC list to STIX (lines or attributes left out).
type ImportResult struct {
	*share.Job
	Format   string   `json:"format"`
	Problems []string `json:"problems"`
}

// maxProblems bounds the conversion problems reported.
const maxProblems = 1000

func (a *API) importObjects(c *call) (int, any, error) {
	s := c.intel()
	q := c.r.URL.Query()
	ct := c.r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil {
		mt = ""
	}
	format := q.Get("format")
	switch format {
	case "":
		format = "stix"
		if mt == "text/plain" {
			format = "iocs"
		}
	case "stix", "misp", "iocs":
	default:
		return 0, nil, apperr.Invalid("format", "%q: use stix, misp or iocs", clip(format))
	}
	want := []string{"application/json", "application/stix+json"}
	if format == "iocs" {
		want = []string{"text/plain"}
	}
	if !slices.Contains(want, mt) {
		return 0, nil, &apperr.Error{Code: apperr.CodeUnsupportedType, Field: "Content-Type",
			Message: fmt.Sprintf("format %s takes %s, not %q", format, strings.Join(want, " or "), clip(ct))}
	}
	async, err := boolParam(c, "async")
	if err != nil {
		return 0, nil, err
	}
	var tlp marking.TLP
	if v := q.Get("tlp"); v != "" {
		if format == "stix" {
			return 0, nil, apperr.Invalid("tlp", "applies to format=iocs and misp; STIX objects carry their own markings (or take the collection's)")
		}
		if tlp, err = parseTLPField("tlp", v); err != nil {
			return 0, nil, err
		}
	}
	var conf *int
	if v := q.Get("confidence"); v != "" {
		if format != "iocs" {
			return 0, nil, apperr.Invalid("confidence", "applies to format=iocs only; STIX and MISP content carries its own")
		}
		n, specified, err := confidence.ParseAny(v)
		if err != nil {
			return 0, nil, err
		}
		if specified {
			conf = &n
		}
	}
	labels := splitComma(q.Get("labels"))
	if len(labels) > 0 && format != "iocs" {
		return 0, nil, apperr.Invalid("labels", "applies to format=iocs only")
	}
	body, err := readBody(c.r, max(c.api.opt.MaxBodyBytes, MaxImportBytes))
	if err != nil {
		return 0, nil, err
	}
	ctx := c.r.Context()
	payload, problems, err := Convert(format, body, ConvertOptions{TLP: tlp, Confidence: conf, Labels: labels, Scope: c.p.OrgID()})
	if err != nil {
		return 0, nil, err
	}
	res := &ImportResult{Format: format, Problems: append([]string{}, problems[:min(len(problems), maxProblems)]...)}
	opt := intel.IngestOptions{Kind: format, Source: intel.SourceAPI}
	if async != nil && *async {
		j, err := s.Submit(ctx, c.p, c.r.PathValue("ref"), payload, opt)
		if err != nil {
			return 0, nil, err
		}
		res.Job = j
		return 202, res, nil
	}
	raws, err := intel.SplitObjects(payload)
	if err != nil {
		return 0, nil, err
	}
	j, err := s.IngestRaw(ctx, c.p, c.r.PathValue("ref"), raws, opt)
	if err != nil {
		return 0, nil, err
	}
	res.Job = j
	return 200, res, nil
}

// ConvertOptions apply to the STIX made from MISP events and IOC lists.
type ConvertOptions struct {
	TLP        marking.TLP // IOC lists: their indicators'; MISP: events without a tlp tag
	Confidence *int        // IOC lists only
	Labels     []string    // IOC lists only
	Source     string      // IOC lists only: where the list came from
	Scope      string      // IOC lists only: the importing organisation's id
}

// Convert turns the body of an import of format misp or iocs into STIX,
// with the problems met (lines or attributes left out); stix content is
// returned as it is.
func Convert(format string, body []byte, opt ConvertOptions) ([]byte, []string, error) {
	var problems []string
	switch format {
	case "misp":
		r, err := misp.Import(body, misp.Options{Now: time.Now().UTC(), DefaultTLP: opt.TLP})
		if err != nil {
			return nil, nil, apperr.Invalid("", "not a MISP event: %v", err)
		}
		for _, p := range r.Problems {
			problems = append(problems, p.String())
		}
		return r.Bundle, problems, nil
	case "iocs":
		l, bundle, err := ioclist.Import(body, ioclist.Options{Now: time.Now().UTC(), TLP: opt.TLP, Confidence: opt.Confidence, Labels: opt.Labels,
			Source: opt.Source, Scope: opt.Scope})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range l.Problems {
			problems = append(problems, p.String())
		}
		if bundle == nil {
			return nil, problems, apperr.Invalid("", "the list holds no indicator of compromise (%d lines could not be used)", len(l.Problems))
		}
		return bundle, problems, nil
	}
	return body, nil, nil
}

func (a *API) listJobs(c *call) (int, any, error) {
	s := c.intel()
	limit, err := c.limit(50)
	if err != nil {
		return 0, nil, err
	}
	js, err := s.Jobs(c.r.Context(), c.p, limit)
	return 200, listOf(js), err
}

func (a *API) getJob(c *call) (int, any, error) {
	s := c.intel()
	j, err := s.Job(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, j, err
}

// DeletionList is a page of tombstones.
type DeletionList struct {
	Items []share.Tombstone `json:"items"`
	// NextAfter is the after= of the next request (an opaque cursor of the
	// last tombstone examined, or the after given when there is nothing
	// new).
	NextAfter string `json:"next_after"`
	// More reports that the page was full: call again with next_after.
	More bool `json:"more"`
}

func (a *API) listDeletions(c *call) (int, any, error) {
	s := c.intel()
	limit, err := c.limit(1000)
	if err != nil {
		return 0, nil, err
	}
	ts, next, more, err := s.DeletionsPage(c.r.Context(), c.p, c.r.PathValue("ref"), c.r.URL.Query().Get("after"), limit)
	if err != nil {
		return 0, nil, err
	}
	// next is the last tombstone examined, visible or not, so a page of
	// tombstones the caller may not see never stalls its cursor.
	out := DeletionList{Items: ts, NextAfter: next, More: more}
	if out.Items == nil {
		out.Items = []share.Tombstone{}
	}
	return 200, out, nil
}

// ---- confidence scales -------------------------------------------------------------

// ConfidenceScale is one scale with its labels.
type ConfidenceScale struct {
	Scale  confidence.Scale   `json:"scale"`
	Name   org.Names          `json:"name"`
	Labels []confidence.Label `json:"labels"`
}

func (a *API) listConfidenceScales(c *call) (int, any, error) {
	out := []ConfidenceScale{}
	for _, s := range confidence.Scales {
		out = append(out, ConfidenceScale{Scale: s, Name: s.Name(), Labels: confidence.Labels(s)})
	}
	return 200, listOf(out), nil
}

// ---- warninglists -------------------------------------------------------------------

// Warninglist describes a loaded warninglist.
type Warninglist struct {
	Name               string   `json:"name"`
	File               string   `json:"file,omitempty"`
	Description        string   `json:"description,omitempty"`
	Version            int64    `json:"version"`
	Type               string   `json:"type"`
	Category           string   `json:"category"`
	MatchingAttributes []string `json:"matching_attributes"`
	Kinds              []string `json:"kinds"`
	Entries            int      `json:"entries"`
	Enabled            bool     `json:"enabled"`
}

func warninglistOf(i warninglist.Info) Warninglist {
	w := Warninglist{Name: i.Name, File: i.File, Description: i.Description, Version: i.Version, Type: string(i.Type), Category: string(i.Category),
		MatchingAttributes: i.MatchingAttributes, Kinds: strs(i.Kinds), Entries: i.Entries, Enabled: i.Enabled}
	if w.MatchingAttributes == nil {
		w.MatchingAttributes = []string{}
	}
	return w
}

func (a *API) listWarninglists(c *call) (int, any, error) {
	s := c.intel()
	ls, err := s.Warninglists(c.r.Context(), c.p)
	if err != nil {
		return 0, nil, err
	}
	out := []Warninglist{}
	for _, l := range ls {
		out = append(out, warninglistOf(l))
	}
	return 200, listOf(out), nil
}

func (a *API) putWarninglist(c *call) (int, any, error) {
	s := c.intel()
	if err := jsonContentType(c.r); err != nil {
		return 0, nil, err
	}
	body, err := readBody(c.r, max(c.api.opt.MaxBodyBytes, MaxImportBytes))
	if err != nil {
		return 0, nil, err
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return 0, nil, apperr.Invalid("", "the body must be a MISP warninglist: a JSON object with name, type and list")
	}
	res, err := s.PutWarninglist(c.r.Context(), c.p, "api.json", body)
	return 201, res, err
}

// WarninglistPatch is the body of PATCH /warninglists/{name}.
type WarninglistPatch struct {
	Enabled *bool `json:"enabled"`
}

func (a *API) findWarninglist(c *call, s *intel.Service, name string) (*Warninglist, error) {
	ls, err := s.Warninglists(c.r.Context(), c.p)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		if l.Name == name {
			w := warninglistOf(l)
			return &w, nil
		}
	}
	return nil, apperr.NotFound("warninglist", name)
}

func (a *API) setWarninglist(c *call) (int, any, error) {
	s := c.intel()
	var in WarninglistPatch
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Enabled == nil {
		return 0, nil, apperr.Invalid("enabled", "required: true or false")
	}
	name := c.r.PathValue("name")
	if err := s.SetWarninglistEnabled(c.r.Context(), c.p, name, *in.Enabled); err != nil {
		return 0, nil, err
	}
	w, err := a.findWarninglist(c, s, name)
	return 200, w, err
}

func (a *API) deleteWarninglist(c *call) (int, any, error) {
	s := c.intel()
	return 204, nil, s.DeleteWarninglist(c.r.Context(), c.p, c.r.PathValue("name"))
}

// WarninglistHit is one list a checked value is on.
type WarninglistHit struct {
	List     string `json:"list"`
	Type     string `json:"type"`
	Category string `json:"category"`
	Entry    string `json:"entry"`
	Comment  string `json:"comment,omitempty"`
	Value    string `json:"value"`
}

// WarninglistCheck is the answer of GET /warninglists/check.
type WarninglistCheck struct {
	Value string           `json:"value"`
	Hits  []WarninglistHit `json:"hits"`
}

func (a *API) checkWarninglists(c *call) (int, any, error) {
	s := c.intel()
	v := c.r.URL.Query().Get("value")
	hits, err := s.CheckValue(c.r.Context(), c.p, v)
	if err != nil {
		return 0, nil, err
	}
	out := WarninglistCheck{Value: v, Hits: []WarninglistHit{}}
	for _, h := range hits {
		out.Hits = append(out.Hits, WarninglistHit{List: h.List, Type: string(h.Type), Category: string(h.Category), Entry: h.Entry, Comment: h.Comment, Value: h.Value})
	}
	return 200, out, nil
}

// ---- exports -------------------------------------------------------------------------

// lazyWriter sends the response header on the first write, so that an error
// found before any output is still reported as an error body.
type lazyWriter struct {
	w           http.ResponseWriter
	contentType string
	started     bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		writeHeader(l.w, http.StatusOK, l.contentType)
	}
	return l.w.Write(b)
}

func (a *API) exportBundle(c *call) (int, any, error) {
	s := c.intel()
	vf, errs := intel.ParseViewFilter(c.r.URL.Query(), jst)
	if len(errs) > 0 {
		e := errs[0]
		e.MessageKey = ""
		return 0, nil, e
	}
	lw := &lazyWriter{w: c.w, contentType: "application/json; charset=utf-8"}
	if _, err := s.ExportViewBundle(c.r.Context(), c.p, vf, lw); err != nil {
		if !lw.started {
			return 0, nil, err
		}
		a.opt.Log.Error("api: bundle export cut short", "err", err)
	}
	return 0, nil, errWritten
}

// Blocklist is the JSON block list.
type Blocklist struct {
	Org         string             `json:"org"`
	GeneratedAt time.Time          `json:"generated_at"`
	Entries     []intel.BlockEntry `json:"entries"`
	Withheld    []intel.Withheld   `json:"withheld"`
}

func (a *API) exportBlocklist(c *call) (int, any, error) {
	s := c.intel()
	q := c.r.URL.Query()
	format := q.Get("format")
	switch format {
	case "", "json", "text":
	default:
		return 0, nil, apperr.Invalid("format", "%q: use json or text", clip(format))
	}
	entries, withheld, err := s.Blocklist(c.r.Context(), c.p, intel.BlockQuery{Kinds: BlockKinds(splitComma(q.Get("kind"))), Collection: q.Get("collection")})
	if err != nil {
		return 0, nil, err
	}
	bl := Blocklist{Org: c.p.Org.Slug, GeneratedAt: time.Now().UTC().Truncate(time.Second), Entries: entries, Withheld: withheld}
	if format != "text" {
		return 200, bl, nil
	}
	var b bytes.Buffer
	WriteBlocklistText(&b, bl)
	writeHeader(c.w, http.StatusOK, "text/plain; charset=utf-8")
	_, _ = c.w.Write(b.Bytes())
	return 0, nil, errWritten
}

// BlockKinds normalises block-list kinds as given ("IPv4-addr",
// "domain-name") to the atom kinds the service matches ("ipv4", "domain").
func BlockKinds(kinds []string) []string {
	for i, k := range kinds {
		kinds[i] = score.NormalizeKind(k)
	}
	return kinds
}

// WriteBlocklistText writes a block list as text: a # header, then one
// value per line.
func WriteBlocklistText(w *bytes.Buffer, bl Blocklist) {
	fmt.Fprintf(w, "# sakimori block list for %s\n# generated %s\n# %d values; %d withheld by warninglists\n",
		bl.Org, bl.GeneratedAt.UTC().Format(time.RFC3339), len(bl.Entries), len(bl.Withheld))
	for _, e := range bl.Entries {
		w.WriteString(e.Value)
		w.WriteByte('\n')
	}
}
