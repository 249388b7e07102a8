package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/share"
)

// Mirroring a sakimori peer's deletions.
//
// TAXII 2.1 has no way to learn of deletions, but a sakimori server lists
// the tombstones of a collection at GET /api/v1/collections/{id}/deletions
// ?after=SEQ (those the caller is entitled to see, with next_after). When a
// TAXII feed's API root looks like a sakimori one (…/taxii2/api/), each run
// reads that list with the feed's credentials and deletes here the same
// versions of the same objects, but only versions this feed stored (source
// "feed:NAME") owned by the feed's organisation. Each local deletion leaves
// a local tombstone, so consumers of this instance learn of it in turn.

// DeletionsPageLimit is the number of tombstones asked for per request.
const DeletionsPageLimit = 1000

// maxDeletionPages bounds one run's requests (a guard against a peer that
// never stops answering with new tombstones).
const maxDeletionPages = 1000

// PeerAPI returns the JSON API base (…/api/v1/) of a sakimori peer whose
// TAXII API root is taxiiRoot (…/taxii2/api/), and false when taxiiRoot
// does not look like a sakimori API root. A path prefix before /taxii2/ is
// kept: https://h/x/taxii2/api/ gives https://h/x/api/v1/.
func PeerAPI(taxiiRoot string) (string, bool) {
	u, err := url.Parse(taxiiRoot)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	path := u.Path
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	prefix, ok := strings.CutSuffix(path, "/taxii2/api/")
	if !ok {
		return "", false
	}
	return u.Scheme + "://" + u.Host + prefix + "/api/v1/", true
}

// deletionList is the peer's answer (api.DeletionList).
type deletionList struct {
	Items []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	} `json:"items"`
	NextAfter *string `json:"next_after"`
	More      bool    `json:"more"`
}

// deleter returns how deletions are applied, or nil when they cannot be.
func (p *Poller) deleter() DeleteFunc {
	if p.Delete != nil {
		return p.Delete
	}
	sd, ok := p.Store.(interface {
		DeleteObjectsFromSource(ctx context.Context, act audit.Actor, collID, stixID string, vm share.VersionMatch, source, owner string) ([]share.Tombstone, error)
	})
	if !ok {
		return nil
	}
	return func(ctx context.Context, pr *auth.Principal, coll, id string, versions []time.Time, source string) ([]share.Tombstone, error) {
		if pr.Org == nil {
			return nil, apperr.Invalid("org", "the feed acts for no organisation")
		}
		return sd.DeleteObjectsFromSource(ctx, pr.Actor(), coll, id, share.VersionMatch{Times: versions}, source, pr.Org.ID)
	}
}

// runDeletions applies the peer's tombstones after the feed's deletions
// cursor, page by page, saving the cursor after each page. A remote that
// answers 404 (not a sakimori, an older one, or a collection the
// credentials cannot see) is skipped quietly and nothing is remembered.
func (p *Poller) runDeletions(ctx context.Context, pr *auth.Principal, f *Feed, r *RunResult) error {
	api, ok := PeerAPI(f.URL)
	if !ok {
		return nil
	}
	del := p.deleter()
	if del == nil {
		p.log().Debug("feeds: deletions are not mirrored (no delete function)", "feed", f.Name)
		return nil
	}
	after := f.DeletionsCursor
	if after == "" {
		after = "0" // the start of the peer's list
	}
	for page := 0; page < maxDeletionPages; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := api + "collections/" + url.PathEscape(f.RemoteCollection) + "/deletions?after=" + url.QueryEscape(after) +
			"&limit=" + strconv.Itoa(DeletionsPageLimit)
		data, err := p.get(ctx, f, u)
		var se *StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			p.log().Debug("feeds: the remote has no deletions list; deletions are not mirrored", "feed", f.Name, "url", u)
			return nil
		}
		if err != nil {
			return fmt.Errorf("deletions: %w", err)
		}
		var dl deletionList
		if err := json.Unmarshal(data, &dl); err != nil || dl.NextAfter == nil {
			return fmt.Errorf("deletions: GET %s: not a sakimori deletions list", u)
		}
		if len(dl.Items) == 0 && !dl.More {
			// Nothing more (the cursor is not saved: it is fresh at every
			// call and may only have moved past tombstones this feed may
			// not see, which the next run reads again in one page).
			return nil
		}
		// An empty but full page: tombstones this feed may not see; the
		// cursor moves past them below.
		// One delete per object, with every version the page names.
		var order []string
		versions := map[string][]time.Time{}
		next := *dl.NextAfter
		for _, it := range dl.Items {
			v, err := time.Parse(time.RFC3339Nano, it.Version)
			if err != nil || it.ID == "" {
				p.log().Warn("feeds: a tombstone the peer sent is not understood; skipped", "feed", f.Name, "id", it.ID,
					"version", it.Version)
				continue
			}
			if _, seen := versions[it.ID]; !seen {
				order = append(order, it.ID)
			}
			versions[it.ID] = append(versions[it.ID], v.UTC())
		}
		for _, id := range order {
			ts, err := del(ctx, pr, f.CollectionID, id, versions[id], f.Source())
			if apperr.CodeOf(err) == apperr.CodeNotFound {
				continue // not here, or not from this feed: nothing to do
			}
			if err != nil {
				return fmt.Errorf("deletions: deleting %s from collection %s: %w", id, f.CollectionID, err)
			}
			r.Deleted += len(ts)
		}
		if next == "" || next == after {
			return nil // no progress: stop rather than loop
		}
		if err := p.Store.SaveFeedDeletionsCursor(ctx, f.ID, next); err != nil {
			return err
		}
		after, r.DeletionsCursor = next, next
		if !dl.More {
			return nil
		}
	}
	return nil
}
