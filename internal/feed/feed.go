// Package feed subscribes sakimori to remote threat-intelligence sources:
// TAXII 2.1 collections (of any server, including another sakimori) and
// MISP feeds. A Feed is the stored subscription; the Poller fetches each
// due feed on its schedule, ingests what is new into the feed's local
// collection through the sharing service (as the system principal "feed"
// acting for the feed's owner organisation, with provenance "feed:<name>"),
// and keeps a cursor so the next run asks only for what came after.
//
// The package depends on the store and the sharing service only through
// the small Store interface and an IngestFunc, because the store keeps
// Feed values (package store imports this one).
package feed

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

// Kind is the protocol of a feed.
type Kind string

const (
	KindTAXII Kind = "taxii" // a TAXII 2.1 collection
	KindMISP  Kind = "misp"  // a MISP feed (manifest.json + <uuid>.json)
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindTAXII || k == KindMISP }

// Interval bounds.
const (
	MinInterval     = 60 * time.Second
	MaxInterval     = 7 * 24 * time.Hour
	DefaultInterval = time.Hour
)

// Feed is a subscription.
type Feed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// URL is the TAXII API root (e.g. https://host/taxii2/api/) or the MISP
	// feed's base URL (the directory that holds manifest.json).
	URL string `json:"url"`
	// RemoteCollection is the TAXII collection id on the remote (TAXII only).
	RemoteCollection string `json:"remote_collection,omitempty"`
	// Username, when set, makes the secret an HTTP Basic password;
	// otherwise a set secret is sent as a Bearer token.
	Username string `json:"username,omitempty"`
	// Secret is the credential presented to the remote. It is stored in the
	// database in clear (it cannot be hashed), never logged, and never
	// marshalled: see Masked.
	Secret          string `json:"-"`
	CollectionID    string `json:"collection_id"`
	OwnerOrgID      string `json:"owner_org_id"`
	IntervalSeconds int    `json:"interval_seconds"`
	Enabled         bool   `json:"enabled"`
	// Cursor is where the next run starts: for TAXII the last
	// X-TAXII-Date-Added-Last seen; for MISP a JSON object mapping event
	// uuids to the timestamps imported.
	Cursor string `json:"cursor,omitempty"`
	// DeletionsCursor is, for a TAXII feed whose remote is another sakimori,
	// the peer's opaque cursor (next_after) up to which its deletions have
	// been mirrored; "" before the first or when the remote has no
	// deletions endpoint.
	DeletionsCursor string     `json:"deletions_cursor,omitempty"`
	LastRunAt       *time.Time `json:"last_run_at,omitempty"`
	LastOKAt        *time.Time `json:"last_ok_at,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	Accepted        int64      `json:"accepted"`
	Updated         int64      `json:"updated"`
	// Duplicates counts objects fetched again whose version was stored already.
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
	// Deleted counts local versions deleted because the peer deleted them.
	Deleted   int64     `json:"deleted"`
	Runs      int64     `json:"runs"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Interval is the feed's polling interval.
func (f *Feed) Interval() time.Duration { return time.Duration(f.IntervalSeconds) * time.Second }

// Source is the provenance recorded on every object version the feed stores.
func (f *Feed) Source() string { return "feed:" + f.Name }

// Masked describes the secret without revealing it: "" when there is
// none, else "set (…last 2 characters)" for secrets long enough to spare them.
func (f *Feed) Masked() string {
	if f.Secret == "" {
		return ""
	}
	if utf8.RuneCountInString(f.Secret) < 16 {
		return "set"
	}
	r := []rune(f.Secret)
	return "set (…" + string(r[len(r)-2:]) + ")"
}

// Normalize trims the texts.
func (f *Feed) Normalize() {
	f.Name = strings.ToLower(strings.TrimSpace(f.Name))
	f.URL = strings.TrimSpace(f.URL)
	f.RemoteCollection = strings.TrimSpace(f.RemoteCollection)
	f.Username = strings.TrimSpace(f.Username)
	f.Secret = strings.TrimSpace(f.Secret)
	if f.Kind == KindTAXII && f.URL != "" && !strings.HasSuffix(f.URL, "/") {
		f.URL += "/"
	}
}

// Validate checks the feed's configuration, naming the first bad field.
func (f *Feed) Validate() error {
	if !nameOK(f.Name) {
		return apperr.Invalid("name", "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
	}
	if !f.Kind.Valid() {
		return apperr.Invalid("kind", "must be taxii or misp")
	}
	u, err := url.Parse(f.URL)
	switch {
	case f.URL == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return apperr.Invalid("url", "must be an absolute http:// or https:// URL")
	case u.User != nil:
		return apperr.Invalid("url", "must not carry credentials: give them as username and secret")
	case u.RawQuery != "" || u.Fragment != "":
		return apperr.Invalid("url", "must not have a query or fragment")
	case len(f.URL) > 2000:
		return apperr.Invalid("url", "at most 2000 characters")
	}
	switch f.Kind {
	case KindTAXII:
		if f.RemoteCollection == "" {
			return apperr.Invalid("remote_collection", "is required for a TAXII feed: the id of the collection on the remote")
		}
		if len(f.RemoteCollection) > 200 || strings.ContainsAny(f.RemoteCollection, "/?#% \t\r\n") {
			return apperr.Invalid("remote_collection", "must be a collection id (at most 200 characters, no '/', '?', '#', '%%' or spaces)")
		}
	case KindMISP:
		if f.RemoteCollection != "" {
			return apperr.Invalid("remote_collection", "only TAXII feeds have a remote collection")
		}
	}
	if len(f.Username) > 200 || !utf8.ValidString(f.Username) || strings.ContainsAny(f.Username, ":\r\n") {
		return apperr.Invalid("username", "at most 200 characters, without ':' or line breaks")
	}
	if f.Username != "" && f.Secret == "" {
		return apperr.Invalid("secret", "a username needs a secret (the password)")
	}
	if len(f.Secret) > 4096 || strings.ContainsAny(f.Secret, "\r\n") {
		return apperr.Invalid("secret", "at most 4096 characters, without line breaks")
	}
	if f.CollectionID == "" {
		return apperr.Invalid("collection_id", "is required: the local collection that receives the objects")
	}
	if f.OwnerOrgID == "" {
		return apperr.Invalid("owner_org_id", "is required: the organisation the feed acts for")
	}
	if d := f.Interval(); d < MinInterval || d > MaxInterval {
		return apperr.Invalid("interval_seconds", "must be 60 seconds to 7 days")
	}
	if len(f.LastError) > 2000 {
		return apperr.Invalid("last_error", "at most 2000 characters")
	}
	return nil
}

func nameOK(s string) bool {
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

// RunResult is the outcome of one run of a feed.
type RunResult struct {
	Started, Finished time.Time
	Pages             int // TAXII pages or MISP events fetched
	Accepted          int
	Updated           int
	Duplicates        int
	Rejected          int
	Deleted           int    // local versions deleted because the peer deleted them
	Cursor            string // the cursor after the run
	DeletionsCursor   string // the deletions cursor after the run (sakimori peers)
	Err               string // empty when the run succeeded
}
