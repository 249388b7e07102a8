package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/misp"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/taxiiclient"
)

// Store is what the poller needs of the store (*store.DB implements it).
type Store interface {
	ListFeeds(ctx context.Context) ([]Feed, error)
	GetFeed(ctx context.Context, ref string) (*Feed, error)
	SaveFeedCursor(ctx context.Context, id, cursor string) error
	SaveFeedDeletionsCursor(ctx context.Context, id string, after string) error
	RecordFeedRun(ctx context.Context, act audit.Actor, id string, r RunResult) error
	GetOrg(ctx context.Context, ref string) (*org.Organisation, error)
}

// IngestFunc stores objects in a collection as p, with the ingest kind
// (stix, misp) and provenance source; it is intel.Service.Ingest. A nil
// entry in objs is an object that could not be parsed: it is rejected.
type IngestFunc func(ctx context.Context, p *auth.Principal, collection string, objs []*stix.Object, kind, source string) (*share.Job, error)

// DeleteFunc deletes, in a collection, the versions (by version timestamp)
// of object id that came from source and belong to p's organisation, and
// returns the tombstones left; a NotFound error when there are none. It is
// intel.Service.DeleteFromSource with share.VersionMatch{Times: versions}.
type DeleteFunc func(ctx context.Context, p *auth.Principal, collection, id string, versions []time.Time, source string) ([]share.Tombstone, error)

// PageLimit is the number of objects asked for per TAXII page.
const PageLimit = 1000

// DefaultMaxBody bounds a MISP manifest or event and a TAXII page.
const DefaultMaxBody = 64 << 20

// Poller runs feeds.
type Poller struct {
	Store  Store
	Ingest IngestFunc
	// Delete mirrors a sakimori peer's deletions (see runDeletions). When
	// nil, the Store deletes directly if it can (*store.DB can: the same
	// restriction to the feed's source and owner applies); otherwise
	// deletions are not mirrored.
	Delete DeleteFunc
	Log    *slog.Logger
	// HTTP is the transport for remotes (default: 60 s timeout).
	HTTP *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Tick is how often Run looks for due feeds (default 15 s).
	Tick time.Duration
	// MaxBody bounds every remote answer (default DefaultMaxBody).
	MaxBody int64
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Poller) http() *http.Client {
	if p.HTTP != nil {
		return p.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (p *Poller) maxBody() int64 {
	if p.MaxBody > 0 {
		return p.MaxBody
	}
	return DefaultMaxBody
}

// Jitter is the extra wait before a feed's next run: up to a tenth of its
// interval (at most 5 minutes), fixed per feed and run so that feeds with
// the same interval do not all hit their remotes at once.
func Jitter(f *Feed) time.Duration {
	max := f.Interval() / 10
	if max > 5*time.Minute {
		max = 5 * time.Minute
	}
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", f.ID, f.Runs)
	return time.Duration(h.Sum64() % uint64(max))
}

// Due reports whether f should run at now.
func Due(f *Feed, now time.Time) bool {
	if !f.Enabled {
		return false
	}
	if f.LastRunAt == nil {
		return true
	}
	return !now.Before(f.LastRunAt.Add(f.Interval() + Jitter(f)))
}

// Run polls due feeds until ctx ends. One feed's failure is recorded on it
// and does not stop the others.
func (p *Poller) Run(ctx context.Context) {
	tick := p.Tick
	if tick <= 0 {
		tick = 15 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		p.PollDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollDue runs every due feed once, one after the other, and returns how
// many ran.
func (p *Poller) PollDue(ctx context.Context) int {
	feeds, err := p.Store.ListFeeds(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log().Error("feeds: cannot list feeds", "err", err)
		}
		return 0
	}
	n := 0
	for i := range feeds {
		if ctx.Err() != nil {
			return n
		}
		f := &feeds[i]
		if !Due(f, p.now()) {
			continue
		}
		n++
		_, _ = p.RunFeed(ctx, f)
	}
	return n
}

// RunFeed runs f once now, records the outcome on the feed (with a
// "feed.run" audit entry) and returns it. The error is the run's failure,
// also recorded as the feed's last_error.
func (p *Poller) RunFeed(ctx context.Context, f *Feed) (RunResult, error) {
	r := RunResult{Started: p.now(), Cursor: f.Cursor, DeletionsCursor: f.DeletionsCursor}
	log := p.log().With("feed", f.Name, "kind", string(f.Kind), "url", f.URL)
	var err error
	o, oerr := p.Store.GetOrg(ctx, f.OwnerOrgID)
	if oerr != nil {
		err = fmt.Errorf("owner organisation %s: %w", f.OwnerOrgID, oerr)
	} else {
		pr := &auth.Principal{System: "feed", Org: o}
		switch f.Kind {
		case KindTAXII:
			err = p.runTAXII(ctx, pr, f, &r)
		case KindMISP:
			err = p.runMISP(ctx, pr, f, &r)
		default:
			err = fmt.Errorf("unknown feed kind %q", f.Kind)
		}
	}
	r.Finished = p.now()
	if err != nil {
		r.Err = err.Error()
	}
	// Record even when ctx ended (the server is stopping): what was stored stays counted.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := p.Store.RecordFeedRun(rctx, audit.Actor{Name: "feed", SourceAddr: "local"}, f.ID, r); rerr != nil {
		log.Error("feeds: cannot record the run", "err", rerr)
	}
	attrs := []any{"pages", r.Pages, "accepted", r.Accepted, "updated", r.Updated, "duplicates", r.Duplicates,
		"rejected", r.Rejected, "deleted", r.Deleted, "cursor", r.Cursor, "deletions_cursor", r.DeletionsCursor, "took", r.Finished.Sub(r.Started).Round(time.Millisecond).String()}
	if err != nil {
		log.Warn("feed run failed; retrying next interval", append(attrs, "err", err)...)
	} else {
		log.Info("feed run", attrs...)
	}
	return r, err
}

func (r *RunResult) add(j *share.Job) {
	r.Accepted += j.Accepted
	r.Updated += j.Updated
	r.Duplicates += j.Duplicates
	r.Rejected += j.Rejected
}

func parseRaw(raws []json.RawMessage) []*stix.Object {
	out := make([]*stix.Object, len(raws))
	for i, raw := range raws {
		if o, err := stix.Parse(raw); err == nil {
			out[i] = o
		}
	}
	return out
}

// ---- TAXII --------------------------------------------------------------------

func (p *Poller) taxiiClient(f *Feed) *taxiiclient.Client {
	c := taxiiclient.New()
	c.HTTP, c.MaxBody, c.UserAgent = p.http(), p.maxBody(), "sakimori-feed"
	if f.Username != "" {
		c.Username, c.Password = f.Username, f.Secret
	} else {
		c.Token = f.Secret
	}
	return c
}

// runTAXII mirrors the peer's deletions first (when the remote is another
// sakimori), then fetches the objects added since the cursor. Deletions go
// first so that a version deleted and later added again upstream ends up
// present here too. A failure of the deletions does not stop the objects:
// the run reports it afterwards.
func (p *Poller) runTAXII(ctx context.Context, pr *auth.Principal, f *Feed, r *RunResult) error {
	derr := p.runDeletions(ctx, pr, f, r)
	if err := p.runObjects(ctx, pr, f, r); err != nil {
		return err
	}
	return derr
}

func (p *Poller) runObjects(ctx context.Context, pr *auth.Principal, f *Feed, r *RunResult) error {
	var after time.Time
	if f.Cursor != "" {
		t, err := taxiiclient.ParseTimestamp(f.Cursor)
		if err != nil {
			return fmt.Errorf("bad cursor %q: reset it with 'sakimori feed update %s --reset-cursor'", f.Cursor, f.Name)
		}
		after = t
	}
	c := p.taxiiClient(f)
	pages, _, err := c.PollObjects(ctx, f.URL, f.RemoteCollection, taxiiclient.Filter{AddedAfter: after, Limit: PageLimit},
		func(env *taxiiclient.Envelope) error {
			if len(env.Objects) > 0 {
				j, err := p.Ingest(ctx, pr, f.CollectionID, parseRaw(env.Objects), "stix", f.Source())
				if err != nil {
					return fmt.Errorf("storing a page into collection %s: %w", f.CollectionID, err)
				}
				r.add(j)
			}
			if !env.DateAddedLast.IsZero() && env.DateAddedLast.After(after) {
				cur := taxiiclient.FormatTimestamp(env.DateAddedLast)
				if err := p.Store.SaveFeedCursor(ctx, f.ID, cur); err != nil {
					return err
				}
				after, r.Cursor = env.DateAddedLast, cur
			}
			return nil
		})
	r.Pages += pages
	return err
}

// ---- MISP ---------------------------------------------------------------------

// mispCursorEvery is how many imported events may pass between saves of a
// MISP feed's cursor.
const mispCursorEvery = 100

// MISPCursor is a MISP feed's cursor: event uuid -> the event timestamp
// imported (RFC 3339).
type MISPCursor map[string]time.Time

// ParseMISPCursor decodes a MISP cursor ("" is empty).
func ParseMISPCursor(s string) (MISPCursor, error) {
	c := MISPCursor{}
	if strings.TrimSpace(s) == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("bad MISP cursor: %v", err)
	}
	return c, nil
}

func (c MISPCursor) String() string {
	b, _ := json.Marshal(map[string]time.Time(c))
	return string(b)
}

// StatusError is a remote's answer other than 200 OK.
type StatusError struct {
	URL    string
	Code   int
	Status string
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: HTTP %s", e.URL, e.Status) }

func (p *Poller) get(ctx context.Context, f *Feed, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sakimori-feed")
	switch {
	case f.Username != "":
		req.SetBasicAuth(f.Username, f.Secret)
	case f.Secret != "":
		req.Header.Set("Authorization", "Bearer "+f.Secret)
	}
	resp, err := p.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{URL: u, Code: resp.StatusCode, Status: resp.Status}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, p.maxBody()+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > p.maxBody() {
		return nil, fmt.Errorf("GET %s: answer larger than %d bytes", u, p.maxBody())
	}
	return data, nil
}

func (p *Poller) runMISP(ctx context.Context, pr *auth.Principal, f *Feed, r *RunResult) error {
	known, err := ParseMISPCursor(f.Cursor)
	if err != nil {
		return fmt.Errorf("%v: reset it with 'sakimori feed update %s --reset-cursor'", err, f.Name)
	}
	base := f.URL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	data, err := p.get(ctx, f, base+"manifest.json")
	if err != nil {
		return err
	}
	entries, _, err := misp.ParseManifest(data)
	if err != nil {
		return fmt.Errorf("%smanifest.json: %v", base, err)
	}
	var errs []error
	// The cursor (every event uuid seen) is saved every mispCursorEvery
	// events and at the end, not after each event: rewriting it per event
	// was quadratic in the feed's size. Events after the last save are
	// fetched again after a crash; their objects are then duplicates.
	unsaved := 0
	flush := func() error {
		if unsaved == 0 {
			return nil
		}
		cur := known.String()
		if err := p.Store.SaveFeedCursor(ctx, f.ID, cur); err != nil {
			return err
		}
		r.Cursor, unsaved = cur, 0
		return nil
	}
	for _, e := range misp.Newer(entries, known) {
		if ctx.Err() != nil {
			return errors.Join(ctx.Err(), flush())
		}
		u := base + e.EventPath()
		data, err := p.get(ctx, f, u)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.Pages++
		res, err := misp.Import(data, misp.Options{Now: p.now()})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", u, err))
			continue
		}
		if len(res.Objects) > 0 {
			j, err := p.Ingest(ctx, pr, f.CollectionID, parseRaw(res.Objects), "misp", f.Source())
			if err != nil {
				return errors.Join(fmt.Errorf("storing event %s into collection %s: %w", e.UUID, f.CollectionID, err), flush())
			}
			r.add(j)
		}
		if !e.Timestamp.IsZero() {
			known[e.UUID] = e.Timestamp.UTC()
			if unsaved++; unsaved >= mispCursorEvery {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(errs) > 0 {
		msg := errs[0].Error()
		if len(errs) > 1 {
			msg += fmt.Sprintf(" (and %d more events failed)", len(errs)-1)
		}
		return errors.New(msg)
	}
	return nil
}
