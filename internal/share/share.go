// Package share holds the domain types of threat-information sharing:
// collections (TAXII) with their audience, stored versions of STIX objects,
// tombstones, ingest jobs, sightings and warninglist overrides. They are
// plain structs with validation; storage is in package store and the
// service that every surface calls is package intel.
package share

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

// WritePolicy says who may add objects to a collection.
type WritePolicy string

const (
	// WriteOwner: analysts of the owning organisation only (e.g. the
	// National Cybersecurity Office's advisories).
	WriteOwner WritePolicy = "owner"
	// WriteAudience: analysts of the owner and of the audience
	// (organisations, groups' members, named users), e.g. an ISAC's
	// exchange.
	WriteAudience WritePolicy = "audience"
	// WriteMembers: analysts of every member organisation (e.g. a
	// community-wide GREEN exchange or the reporting inbox of the NCO).
	WriteMembers WritePolicy = "members"
)

// WritePolicies lists the policies in display order.
var WritePolicies = []WritePolicy{WriteOwner, WriteAudience, WriteMembers}

// Valid reports whether w is a known policy.
func (w WritePolicy) Valid() bool { return slices.Contains(WritePolicies, w) }

// Audience is the set of recipients of AMBER, AMBER+STRICT and RED objects.
type Audience struct {
	Groups []string `json:"groups"` // sharing group ids
	Orgs   []string `json:"orgs"`   // organisation ids
	Users  []string `json:"users"`  // user ids
}

func (a *Audience) normalize() {
	for _, l := range []*[]string{&a.Groups, &a.Orgs, &a.Users} {
		s := slices.DeleteFunc(slices.Clone(*l), func(x string) bool { return strings.TrimSpace(x) == "" })
		slices.Sort(s)
		*l = slices.Compact(s)
		if *l == nil {
			*l = []string{}
		}
	}
}

// Collection is a TAXII collection: a named channel owned by an
// organisation. Its TLP applies to objects that carry no TLP marking of
// their own; its audience receives the AMBER and stricter objects in it.
type Collection struct {
	ID          string      `json:"id"`
	Alias       string      `json:"alias"`
	Title       org.Names   `json:"title"`
	Description string      `json:"description,omitempty"`
	OwnerOrgID  string      `json:"owner_org_id"`
	TLP         marking.TLP `json:"tlp"`
	Audience    Audience    `json:"audience"`
	WritePolicy WritePolicy `json:"write_policy"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Normalize trims texts and sorts the audience.
func (c *Collection) Normalize() {
	c.Alias = strings.ToLower(strings.TrimSpace(c.Alias))
	c.Title.JA, c.Title.EN = strings.TrimSpace(c.Title.JA), strings.TrimSpace(c.Title.EN)
	c.Description = strings.TrimSpace(c.Description)
	c.Audience.normalize()
}

// Validate checks the collection, naming the first bad field.
func (c *Collection) Validate() error {
	if !aliasOK(c.Alias) {
		return apperr.Invalid("alias", "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
	}
	if c.Title.JA == "" && c.Title.EN == "" {
		return apperr.Invalid("title", "give a Japanese or an English title")
	}
	for f, s := range map[string]string{"title.ja": c.Title.JA, "title.en": c.Title.EN} {
		if utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
			return apperr.Invalid(f, "must be valid text of at most 200 characters")
		}
	}
	if utf8.RuneCountInString(c.Description) > 4000 || !utf8.ValidString(c.Description) {
		return apperr.Invalid("description", "must be valid text of at most 4000 characters")
	}
	if c.OwnerOrgID == "" {
		return apperr.Invalid("owner_org_id", "is required")
	}
	if !c.TLP.Valid() {
		return apperr.Invalid("tlp", "must be one of clear, green, amber, amber+strict, red")
	}
	if !c.WritePolicy.Valid() {
		return apperr.Invalid("write_policy", "must be owner, audience or members")
	}
	for f, l := range map[string][]string{"audience.groups": c.Audience.Groups, "audience.orgs": c.Audience.Orgs, "audience.users": c.Audience.Users} {
		if len(l) > 500 {
			return apperr.Invalid(f, "at most 500 entries")
		}
	}
	return nil
}

func aliasOK(s string) bool {
	if len(s) < 2 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

// CollectionView is a collection as one principal sees it.
type CollectionView struct {
	Collection
	CanRead  bool `json:"can_read"`
	CanWrite bool `json:"can_write"`
	// Readable are the labels of this collection's objects that the viewer
	// receives from other organisations (its own it always receives).
	Readable []marking.TLP `json:"readable_tlp"`
}

// Record is one stored version of a STIX object.
type Record struct {
	CollectionID string          `json:"collection_id"`
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	SpecVersion  string          `json:"spec_version"`
	Version      time.Time       `json:"-"`       // exact, to the nanosecond
	VersionText  string          `json:"version"` // as TAXII reports it
	DateAdded    time.Time       `json:"date_added"`
	Latest       bool            `json:"latest"`
	First        bool            `json:"first"`
	OwnerOrgID   string          `json:"owner_org_id"`
	AddedBy      string          `json:"added_by"`
	Source       string          `json:"source"`
	TLP          marking.TLP     `json:"tlp"`
	Revoked      bool            `json:"revoked"`
	ValidUntil   *time.Time      `json:"valid_until,omitempty"`
	Confidence   *int            `json:"confidence,omitempty"`
	Name         string          `json:"name"`
	Flags        []Flag          `json:"flags,omitempty"`
	Raw          json.RawMessage `json:"object,omitempty"`
}

// Flag is a warninglist hit on one of an indicator's values.
type Flag struct {
	List  string `json:"list"`  // warninglist name
	Kind  string `json:"kind"`  // atom kind, e.g. ipv4
	Value string `json:"value"` // the indicator's value that hit
}

// Tombstone records a deletion, so that consumers learn of it.
type Tombstone struct {
	// Seq numbers the deletions of every collection in one sequence: it
	// is never shown (its gaps would count others' deletions); readers
	// page with opaque cursors (intel.Service.DeletionsPage).
	Seq          int64       `json:"-"`
	CollectionID string      `json:"collection_id"`
	ID           string      `json:"id"`
	VersionText  string      `json:"version"`
	TLP          marking.TLP `json:"tlp"`
	OwnerOrgID   string      `json:"-"`
	DeletedAt    time.Time   `json:"deleted_at"`
	DeletedBy    string      `json:"deleted_by"`
}

// VersionMatch is TAXII's match[version]: "last" (default), "first",
// "all", or specific versions.
type VersionMatch struct {
	Last, First, All bool
	Times            []time.Time
}

// Query selects objects of one collection, with the TAXII 2.1 filters.
type Query struct {
	Collection   string // id or alias
	AddedAfter   time.Time
	IDs          []string
	Types        []string
	Versions     VersionMatch // zero value: last
	SpecVersions []string
	Limit        int    // default and maximum: Service.MaxPage
	Next         string // opaque cursor from Page.Next
}

// Page is one page of records, in date_added order.
type Page struct {
	Records []Record
	More    bool
	Next    string
	// First and Last are the date_added of the first and last record
	// (TAXII's X-TAXII-Date-Added-First/Last); zero when empty.
	First, Last time.Time
}

// Item is one object's outcome in an ingest.
type Item struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// Outcome of one object in an ingest.
const (
	OutcomeAccepted  = "accepted"  // new object
	OutcomeUpdated   = "updated"   // new version of an object already there
	OutcomeDuplicate = "duplicate" // that version was already there
	OutcomeRejected  = "rejected"
)

// Job is an ingest: a synchronous import or an asynchronous TAXII add
// (whose status resource it is).
type Job struct {
	ID           string    `json:"id"`
	CollectionID string    `json:"collection_id"`
	UserID       string    `json:"user_id"`
	OrgID        string    `json:"org_id"`
	Kind         string    `json:"kind"` // stix | misp | iocs
	Source       string    `json:"source"`
	Status       string    `json:"status"` // pending | complete
	Total        int       `json:"total"`
	Accepted     int       `json:"accepted"`
	Updated      int       `json:"updated"`
	Duplicates   int       `json:"duplicates"`
	Rejected     int       `json:"rejected"`
	Successes    []Item    `json:"successes"`
	Failures     []Item    `json:"failures"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Job statuses.
const (
	JobPending  = "pending"
	JobComplete = "complete"
)

// Done is the number of objects processed so far.
func (j *Job) Done() int { return j.Accepted + j.Updated + j.Duplicates + j.Rejected }

// Pending is the number of objects not processed yet.
func (j *Job) Pending() int {
	if n := j.Total - j.Done(); n > 0 {
		return n
	}
	return 0
}

// Sighting is a consumer's report that it saw an object (usually an
// indicator) in its environment, or that the object is a false positive.
type Sighting struct {
	ID            string     `json:"id"`
	StixID        string     `json:"sighting_of"`
	ReporterOrgID string     `json:"reporter_org_id,omitempty"` // hidden when anonymous
	ReporterUser  string     `json:"-"`
	Anonymous     bool       `json:"anonymous"`
	Sector        org.Sector `json:"sector,omitempty"`
	Count         int        `json:"count"`
	FirstSeen     time.Time  `json:"first_seen"`
	LastSeen      time.Time  `json:"last_seen"`
	FalsePositive bool       `json:"false_positive"`
	Note          string     `json:"note,omitempty"`
	SightingRef   string     `json:"sighting_ref,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Validate checks the sighting, naming the first bad field.
func (s *Sighting) Validate() error {
	if s.StixID == "" || !strings.Contains(s.StixID, "--") {
		return apperr.Invalid("sighting_of", "must be a STIX id")
	}
	if s.Count < 1 || s.Count > 999999999 {
		return apperr.Invalid("count", "must be 1 to 999999999")
	}
	if s.FirstSeen.IsZero() || s.LastSeen.IsZero() {
		return apperr.Invalid("first_seen", "first_seen and last_seen are required")
	}
	if s.LastSeen.Before(s.FirstSeen) {
		return apperr.Invalid("last_seen", "must not be before first_seen")
	}
	if !s.Sector.Valid() {
		return apperr.Invalid("sector", "unknown sector %q", s.Sector)
	}
	if utf8.RuneCountInString(s.Note) > 2000 || !utf8.ValidString(s.Note) {
		return apperr.Invalid("note", "must be valid text of at most 2000 characters")
	}
	return nil
}

// SightingSummary aggregates the sightings of one object.
type SightingSummary struct {
	StixID             string         `json:"sighting_of"`
	Reports            int            `json:"reports"`
	Count              int            `json:"count"`
	Orgs               int            `json:"orgs"`
	FalsePositives     int            `json:"false_positives"`
	FalsePositiveOrgs  int            `json:"false_positive_orgs"`
	FirstSeen          *time.Time     `json:"first_seen,omitempty"`
	LastSeen           *time.Time     `json:"last_seen,omitempty"`
	Sectors            map[string]int `json:"sectors"` // sector -> reports
	Recent             []Sighting     `json:"recent"`  // newest first; reporters hidden unless own or not anonymous
	AnonymousReporters int            `json:"anonymous_reports"`
}

// Override is an analyst's decision that an object hit by a warninglist may
// still be exported as a block entry.
type Override struct {
	StixID    string    `json:"stix_id"`
	UserID    string    `json:"user_id"`
	OrgID     string    `json:"org_id"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the override.
func (o *Override) Validate() error {
	if o.StixID == "" || !strings.Contains(o.StixID, "--") {
		return apperr.Invalid("stix_id", "must be a STIX id")
	}
	if !ReasonOK(o.Reason) {
		return apperr.Invalid("reason", "explain the override in 3 to 1000 characters")
	}
	return nil
}

// ReasonOK reports whether reason (trimmed) is an acceptable explanation of
// a decision that goes to the audit trail (an override, a revocation): 3 to
// 1000 characters of valid text.
func ReasonOK(reason string) bool {
	r := strings.TrimSpace(reason)
	n := utf8.RuneCountInString(r)
	return utf8.ValidString(r) && n >= 3 && n <= 1000
}

// Group is a stored sharing group: the marking.Group that entitlement
// decisions use, with a handle and the organisation that manages it.
type Group struct {
	marking.Group
	Slug       string    `json:"slug"`
	OwnerOrgID string    `json:"owner_org_id"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Normalize trims and sorts.
func (g *Group) Normalize() {
	g.Slug = strings.ToLower(strings.TrimSpace(g.Slug))
	g.Group.Normalize()
	if g.OrgIDs == nil {
		g.OrgIDs = []string{}
	}
	if g.UserIDs == nil {
		g.UserIDs = []string{}
	}
}

// Validate checks the group, naming the first bad field.
func (g *Group) Validate() error {
	if !aliasOK(g.Slug) {
		return apperr.Invalid("slug", "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
	}
	if g.OwnerOrgID == "" {
		return apperr.Invalid("owner_org_id", "is required")
	}
	return g.Group.Validate()
}
