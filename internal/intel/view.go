package intel

// A view is a filtered search over the objects a principal may see: the
// dashboard's intel page, the API's object list and "export this view"
// all read it through ViewFilter, so what is exported is exactly what was
// listed, under the same entitlement.

import (
	"cmp"
	"context"
	"encoding/base64"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// Sort orders of a view.
const (
	SortNewest = "newest"
	SortScore  = "score"
)

// maxScored bounds the objects a view sorted by score ranks (the newest
// that match): scores are computed, not stored.
const maxScored = 5000

// hiddenProducerTypes are the types whose producer a viewer outside the
// government does not learn (sightings may be reported anonymously): a
// sector filter does not select them unless the viewer produced them.
var hiddenProducerTypes = []string{"sighting"}

// ViewFilter selects the objects of a view.
type ViewFilter struct {
	Text       string
	Types      []string
	Collection string // id or alias; "" for every collection
	Flagged    *bool
	Revoked    *bool
	// TLPs keeps objects under one of these labels (empty: any the viewer
	// may see).
	TLPs []marking.TLP
	// MinConfidence keeps objects with a confidence of at least this.
	MinConfidence *int
	// MinScore keeps indicators scoring at least this (0: no filter; over
	// 0 only indicators have a score).
	MinScore int
	// Sector keeps objects produced by organisations of this sector, as
	// far as the viewer may know the producer.
	Sector org.Sector
	// Added and modified ranges: [from, to).
	AddedFrom, AddedTo       time.Time
	ModifiedFrom, ModifiedTo time.Time
	// Sort is SortNewest (default: newest added first) or SortScore.
	Sort string
}

// Empty reports whether f selects everything.
func (f ViewFilter) Empty() bool {
	return f.Text == "" && len(f.Types) == 0 && f.Collection == "" && f.Flagged == nil && f.Revoked == nil && len(f.TLPs) == 0 &&
		f.MinConfidence == nil && f.MinScore == 0 && f.Sector == "" && f.AddedFrom.IsZero() && f.AddedTo.IsZero() &&
		f.ModifiedFrom.IsZero() && f.ModifiedTo.IsZero()
}

// Message keys of ParseViewFilter's errors (the dashboard translates them).
const (
	ReasonNumber    = "intel.reason.percent"
	ReasonDate      = "intel.reason.date"
	ReasonDateOrder = "intel.reason.date_order"
	ReasonTLP       = "reason.tlp"
	ReasonValue     = "reason.unknown_value"
	ReasonType      = "intel.reason.type"
	ReasonText      = "intel.reason.text"
)

func viewErr(field, key, format string, args ...any) *apperr.Error {
	e := apperr.Invalid(field, format, args...)
	e.MessageKey = key
	return e
}

// ViewParams are the query parameters ParseViewFilter reads.
var ViewParams = []string{"q", "type", "collection", "flagged", "revoked", "tlp", "min_confidence", "min_score", "sector",
	"added_from", "added_to", "modified_from", "modified_to", "sort"}

// ParseViewFilter reads a view from query parameters: q (text: a value,
// an id or part of a name), type and tlp (repeatable or comma-separated),
// collection, flagged and revoked (yes/no or true/false), min_confidence
// and min_score (0-100), sector, added_from, added_to, modified_from,
// modified_to (dates YYYY-MM-DD in loc, the "to" day included; or RFC 3339
// times, "to" excluded) and sort (newest, score). It returns every error,
// each naming its parameter.
func ParseViewFilter(q url.Values, loc *time.Location) (ViewFilter, []*apperr.Error) {
	var f ViewFilter
	var errs []*apperr.Error
	f.Text = strings.TrimSpace(q.Get("q"))
	if len([]rune(f.Text)) > 500 {
		errs = append(errs, viewErr("q", ReasonText, "must be at most 500 characters"))
	}
	for _, t := range listParam(q, "type") {
		if !stixTypeName(t) {
			errs = append(errs, viewErr("type", ReasonType, "%q is not a STIX type name", clipText(t)))
			break
		}
		if !slices.Contains(f.Types, t) {
			f.Types = append(f.Types, t)
		}
	}
	f.Collection = strings.TrimSpace(q.Get("collection"))
	for _, b := range []struct {
		name string
		dst  **bool
	}{{"flagged", &f.Flagged}, {"revoked", &f.Revoked}} {
		switch strings.ToLower(strings.TrimSpace(q.Get(b.name))) {
		case "":
		case "yes", "true", "1":
			*b.dst = ptr(true)
		case "no", "false", "0":
			*b.dst = ptr(false)
		default:
			errs = append(errs, viewErr(b.name, ReasonValue, "must be true or false (or yes or no)"))
		}
	}
	for _, v := range listParam(q, "tlp") {
		t, err := marking.ParseTLP(v)
		if err != nil {
			errs = append(errs, viewErr("tlp", ReasonTLP, "must be one of clear, green, amber, amber+strict, red"))
			break
		}
		if !slices.Contains(f.TLPs, t) {
			f.TLPs = append(f.TLPs, t)
		}
	}
	slices.Sort(f.TLPs)
	num := func(name string) (int, bool) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			errs = append(errs, viewErr(name, ReasonNumber, "must be a whole number from 0 to 100"))
			return 0, false
		}
		return n, true
	}
	if n, ok := num("min_confidence"); ok {
		f.MinConfidence = &n
	}
	f.MinScore, _ = num("min_score")
	if v := strings.TrimSpace(q.Get("sector")); v != "" {
		if sec := org.Sector(v); sec.Valid() {
			f.Sector = sec
		} else {
			errs = append(errs, viewErr("sector", ReasonValue, "unknown sector %q", clipText(v)))
		}
	}
	date := func(name string, end bool) time.Time {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return time.Time{}
		}
		if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			if end {
				t = t.AddDate(0, 0, 1)
			}
			return t.UTC()
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC()
		}
		errs = append(errs, viewErr(name, ReasonDate, "must be a date, YYYY-MM-DD"))
		return time.Time{}
	}
	f.AddedFrom, f.AddedTo = date("added_from", false), date("added_to", true)
	f.ModifiedFrom, f.ModifiedTo = date("modified_from", false), date("modified_to", true)
	if !f.AddedFrom.IsZero() && !f.AddedTo.IsZero() && !f.AddedTo.After(f.AddedFrom) {
		errs = append(errs, viewErr("added_to", ReasonDateOrder, "must not be before added_from"))
	}
	if !f.ModifiedFrom.IsZero() && !f.ModifiedTo.IsZero() && !f.ModifiedTo.After(f.ModifiedFrom) {
		errs = append(errs, viewErr("modified_to", ReasonDateOrder, "must not be before modified_from"))
	}
	switch v := strings.TrimSpace(q.Get("sort")); v {
	case "", SortNewest:
	case SortScore:
		f.Sort = SortScore
	default:
		errs = append(errs, viewErr("sort", ReasonValue, "must be newest or score"))
	}
	return f, errs
}

// Values renders f as query parameters (ParseViewFilter's inverse; dates
// as days in loc when they fall on midnight there).
func (f ViewFilter) Values(loc *time.Location) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", f.Text)
	for _, t := range f.Types {
		q.Add("type", t)
	}
	set("collection", f.Collection)
	yn := func(b *bool) string {
		switch {
		case b == nil:
			return ""
		case *b:
			return "yes"
		}
		return "no"
	}
	set("flagged", yn(f.Flagged))
	set("revoked", yn(f.Revoked))
	for _, t := range f.TLPs {
		q.Add("tlp", t.Name())
	}
	if f.MinConfidence != nil {
		q.Set("min_confidence", strconv.Itoa(*f.MinConfidence))
	}
	if f.MinScore > 0 {
		q.Set("min_score", strconv.Itoa(f.MinScore))
	}
	set("sector", string(f.Sector))
	day := func(t time.Time, end bool) string {
		if t.IsZero() {
			return ""
		}
		l := t.In(loc)
		if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
			if end {
				l = l.AddDate(0, 0, -1)
			}
			return l.Format("2006-01-02")
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	set("added_from", day(f.AddedFrom, false))
	set("added_to", day(f.AddedTo, true))
	set("modified_from", day(f.ModifiedFrom, false))
	set("modified_to", day(f.ModifiedTo, true))
	if f.Sort == SortScore {
		q.Set("sort", SortScore)
	}
	return q
}

func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(strings.ToLower(s)); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func stixTypeName(t string) bool {
	if len(t) < 3 || len(t) > 250 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// ViewRecord is one object of a view: its latest version and, for
// indicators, its score now.
type ViewRecord struct {
	share.Record
	Score *int `json:"score,omitempty"`
}

// ViewPage is one page of a view.
type ViewPage struct {
	Items []ViewRecord `json:"items"`
	Next  string       `json:"-"`
}

// view is a view resolved for one principal: scope and store filter.
type view struct {
	sc   *searchScope
	f    ViewFilter
	sf   store.SearchFilter
	p    *auth.Principal
	none bool // the filter selects nothing (e.g. a sector without organisations)
}

func (s *Service) resolveView(ctx context.Context, p *auth.Principal, f ViewFilter) (*view, error) {
	sc, err := s.searchScope(ctx, p, f.Collection)
	if err != nil {
		return nil, err
	}
	vw := &view{sc: sc, f: f, p: p, sf: store.SearchFilter{TLPs: f.TLPs, MinConfidence: f.MinConfidence,
		AddedFrom: f.AddedFrom, AddedTo: f.AddedTo, ModifiedFrom: f.ModifiedFrom, ModifiedTo: f.ModifiedTo}}
	if f.Sector != "" {
		owners := []string{}
		after := ""
		for {
			os, next, err := s.DB.ListOrgs(ctx, store.OrgFilter{Sector: f.Sector, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, o := range os {
				owners = append(owners, o.ID)
			}
			if next == "" {
				break
			}
			after = next
		}
		vw.sf.Owners = owners
		if !p.IsGovernment() {
			vw.sf.HiddenOwnerTypes, vw.sf.ViewerOrg = hiddenProducerTypes, sc.v.OrgID
		}
	}
	if f.MinScore > 0 {
		if len(f.Types) > 0 && !slices.Contains(f.Types, "indicator") {
			vw.none = true
		}
		vw.f.Types = []string{"indicator"}
	}
	return vw, nil
}

// fetch reads one store page of the view after the cursor (date_added,
// us; 0 from the start) and returns the entitled records, the cursor of
// the next page and whether there is one.
func (s *Service) fetch(ctx context.Context, vw *view, after int64, limit int, withRaw bool) ([]share.Record, int64, bool, error) {
	if vw.none {
		return nil, 0, false, nil
	}
	f := vw.f
	q := store.ObjectQuery{Scopes: vw.sc.scopes, OwnerOrg: vw.sc.v.OrgID, After: after, Types: f.Types, Text: f.Text,
		AtomValues: atomCandidates(f.Text), Flagged: f.Flagged, Revoked: f.Revoked, Descending: true, Limit: limit, WithRaw: withRaw}
	recs, more, err := s.DB.SearchObjects(ctx, q, vw.sf)
	if err != nil || len(recs) == 0 {
		return nil, 0, false, err
	}
	last := recs[len(recs)-1].DateAdded.UnixMicro()
	return s.keepEntitled(vw.sc.v, vw.sc.colls, recs), last, more, nil
}

// scores computes the score of the indicators among recs (which must
// carry their JSON), by id.
func (s *Service) scores(ctx context.Context, vw *view, recs []share.Record) (map[string]int, error) {
	var ids []string
	for i := range recs {
		if recs[i].Type == "indicator" {
			ids = append(ids, recs[i].ID)
		}
	}
	out := map[string]int{}
	if len(ids) == 0 {
		return out, nil
	}
	sightings, err := s.DB.SightingsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	overrides, err := s.DB.Overrides(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range recs {
		r := &recs[i]
		var sum *share.SightingSummary
		if list := sightings[r.ID]; len(list) > 0 {
			sum = Summarize(r.ID, list, vw.sc.v.OrgID, 0)
		}
		in, ok := ScoreInput(r, sum)
		if !ok {
			continue
		}
		if _, over := overrides[r.ID]; over {
			in.Warninglisted = false
		}
		out[r.ID] = score.Compute(in, now, score.DefaultPolicy()).Score
	}
	return out, nil
}

func viewCursor(prefix string, n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(n, 10)))
}

func parseViewCursor(c string) (string, int64, error) {
	if c == "" {
		return "", 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 1 {
		if n, err := strconv.ParseInt(string(b[1:]), 10, 64); err == nil && n > 0 && (b[0] == 'd' || b[0] == 'o') {
			return string(b[:1]), n, nil
		}
	}
	return "", 0, apperr.Invalid("cursor", "not a cursor this server issued")
}

// SearchView returns one page of the view f for p (limit objects; the
// service's maximum when 0) from cursor, and the cursor of the next page.
// withRaw includes each object's STIX JSON (and audits the read).
func (s *Service) SearchView(ctx context.Context, p *auth.Principal, f ViewFilter, cursor string, limit int, withRaw bool) (*ViewPage, error) {
	vw, err := s.resolveView(ctx, p, f)
	if err != nil {
		return nil, err
	}
	kind, n, err := parseViewCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit = s.limit(limit)
	page := &ViewPage{Items: []ViewRecord{}}
	var log readLog
	if f.Sort == SortScore {
		if kind == "d" {
			return nil, apperr.Invalid("cursor", "not a cursor of this sort order")
		}
		all, err := s.ranked(ctx, vw)
		if err != nil {
			return nil, err
		}
		lo := min(int(n), len(all))
		hi := min(lo+limit, len(all))
		page.Items = all[lo:hi]
		if hi < len(all) {
			page.Next = viewCursor("o", int64(hi))
		}
	} else {
		if kind == "o" {
			return nil, apperr.Invalid("cursor", "not a cursor of this sort order")
		}
		after := n
		for len(page.Items) < limit {
			recs, last, more, err := s.fetch(ctx, vw, after, limit-len(page.Items), true)
			if err != nil {
				return nil, err
			}
			if page.Items, err = s.scored(ctx, vw, recs, page.Items); err != nil {
				return nil, err
			}
			if !more {
				break
			}
			after = last
			if len(page.Items) >= limit {
				page.Next = viewCursor("d", last)
			}
		}
	}
	for i := range page.Items {
		if withRaw {
			page.Items[i].Raw = WithTLP(page.Items[i].Raw, page.Items[i].TLP)
		} else {
			page.Items[i].Raw = nil
		}
	}
	if withRaw {
		recs := make([]share.Record, len(page.Items))
		for i := range page.Items {
			recs[i] = page.Items[i].Record
		}
		log.add(vw.sc.v, recs)
		s.record(ctx, p, &log, "search", f.Text)
	}
	return page, nil
}

// scored appends recs to out with their scores, leaving out those below
// the view's minimum score.
func (s *Service) scored(ctx context.Context, vw *view, recs []share.Record, out []ViewRecord) ([]ViewRecord, error) {
	sc, err := s.scores(ctx, vw, recs)
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		vr := ViewRecord{Record: r}
		if v, ok := sc[r.ID]; ok {
			vr.Score = &v
		}
		if vw.f.MinScore > 0 && (vr.Score == nil || *vr.Score < vw.f.MinScore) {
			continue
		}
		out = append(out, vr)
	}
	return out, nil
}

// ranked is the whole view (up to maxScored newest objects) ordered by
// score, highest first; objects without a score follow, newest first.
func (s *Service) ranked(ctx context.Context, vw *view) ([]ViewRecord, error) {
	var all []ViewRecord
	var after int64
	for len(all) < maxScored {
		recs, last, more, err := s.fetch(ctx, vw, after, min(1000, maxScored-len(all)), true)
		if err != nil {
			return nil, err
		}
		if all, err = s.scored(ctx, vw, recs, all); err != nil {
			return nil, err
		}
		if !more {
			break
		}
		after = last
	}
	slices.SortStableFunc(all, func(a, b ViewRecord) int {
		switch {
		case a.Score != nil && b.Score != nil:
			return cmp.Compare(*b.Score, *a.Score)
		case a.Score != nil:
			return -1
		case b.Score != nil:
			return 1
		}
		return 0
	})
	return all, nil
}

// eachInView calls fn with every page of the view's objects (with their
// JSON), newest first, keeping the minimum score.
func (s *Service) eachInView(ctx context.Context, vw *view, fn func([]share.Record) error) error {
	var after int64
	for {
		recs, last, more, err := s.fetch(ctx, vw, after, 1000, true)
		if err != nil {
			return err
		}
		if vw.f.MinScore > 0 {
			sc, err := s.scores(ctx, vw, recs)
			if err != nil {
				return err
			}
			recs = slices.DeleteFunc(recs, func(r share.Record) bool {
				v, ok := sc[r.ID]
				return !ok || v < vw.f.MinScore
			})
		}
		if err := fn(recs); err != nil {
			return err
		}
		if !more {
			return nil
		}
		after = last
	}
}

// ViewIndicators is Indicators over the indicators of a view: the values
// p may block among them (latest, unrevoked, unexpired, not withheld by a
// warninglist), with score and times, for the export formats.
func (s *Service) ViewIndicators(ctx context.Context, p *auth.Principal, f ViewFilter) ([]IndicatorValue, []Withheld, error) {
	if err := s.ensureLists(ctx); err != nil {
		return nil, nil, err
	}
	vw, err := s.resolveView(ctx, p, f)
	if err != nil {
		return nil, nil, err
	}
	if len(vw.f.Types) > 0 && !slices.Contains(vw.f.Types, "indicator") {
		vw.none = true
	}
	vw.f.Types = []string{"indicator"}
	out := []IndicatorValue{}
	withheld := []Withheld{}
	seen := map[string]bool{}
	now := s.now()
	var log readLog
	err = s.eachInView(ctx, vw, func(recs []share.Record) error {
		log.add(vw.sc.v, recs)
		w, err := s.blockable(ctx, vw.sc, recs, true, seen, now, nil, func(r *share.Record, kind, value string, sum *share.SightingSummary) {
			in, _ := ScoreInput(r, sum)
			res := score.Compute(in, now, score.DefaultPolicy())
			out = append(out, IndicatorValue{BlockEntry: BlockEntry{Kind: kind, Value: value, StixID: r.ID, TLP: r.TLP},
				Name: r.Name, Confidence: r.Confidence, Score: res.Score, Modified: r.Version, ValidUntil: r.ValidUntil})
		})
		withheld = append(withheld, w...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.record(ctx, p, &log, "export", f.Text)
	return out, withheld, nil
}

// ExportViewBundle writes a STIX 2.1 bundle of every object of the view
// (as received, with the TLP marking definitions they refer to) and
// returns the number of objects written.
func (s *Service) ExportViewBundle(ctx context.Context, p *auth.Principal, f ViewFilter, w io.Writer) (int, error) {
	vw, err := s.resolveView(ctx, p, f)
	if err != nil {
		return 0, err
	}
	var log readLog
	defer func() { s.record(ctx, p, &log, "export", f.Text) }()
	return writeBundle(w, func(emit func([]share.Record)) error {
		return s.eachInView(ctx, vw, func(recs []share.Record) error {
			log.add(vw.sc.v, recs)
			for i := range recs {
				recs[i].Raw = WithTLP(recs[i].Raw, recs[i].TLP)
			}
			emit(recs)
			return nil
		})
	})
}
