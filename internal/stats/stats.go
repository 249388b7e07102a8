// Package stats gives the numbers behind the charts (状況図, issue #8):
// reports per week by sector, the top ATT&CK techniques, indicators added
// per week by observable type, deadline compliance per regime and the
// sightings trend, each over a window of JST weeks and counting only what
// the principal may see:
//
//   - reports, techniques (as named in reports) and deadlines: a
//     government organisation the reports submitted to it (not as a
//     partner), any other organisation its own, the command line without
//     an organisation everyone's;
//   - indicators and techniques (as shared attack patterns): exactly the
//     objects the sharing service would give the principal (collection,
//     TLP and audience entitlement);
//   - sightings: the organisation's own and its sector's (organisations
//     outside the government; a week seen by fewer than two organisations
//     is suppressed, as in the threat weather), the government everyone's.
//
// The service only reads.
package stats

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// Chart names.
const (
	Reports    = "reports"
	Techniques = "techniques"
	Indicators = "indicators"
	Deadlines  = "deadlines"
	Sightings  = "sightings"
)

// Charts lists the chart names in display order.
var Charts = []string{Reports, Techniques, Indicators, Deadlines, Sightings}

// Windows are the window lengths offered, in weeks; DefaultWeeks is used
// when none is given and MaxWeeks bounds any.
var Windows = []int{4, 12, 26, 52}

const (
	DefaultWeeks = 12
	MaxWeeks     = 52
	// SmallCount: a sector's week seen by fewer organisations is
	// suppressed for an organisation outside the government.
	SmallCount = 2
	// TopTechniques is how many techniques are ranked.
	TopTechniques = 10
	// deadlineLookback is how long before the window an incident may have
	// been created and still have a deadline in it.
	deadlineLookback = 62 * 24 * time.Hour
	// maxDeadlineIncidents bounds the incidents read for deadlines.
	maxDeadlineIncidents = 20000
)

// Service computes the charts' numbers.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Intel resolves a principal's entitlement to shared objects; nil
	// leaves the indicators chart empty for everyone.
	Intel *intel.Service
	// Now is the clock (tests and the demo set it).
	Now func() time.Time
	// CacheTTL keeps each answer this long for the same user (the same
	// chart and window): the home page and the charts page read the same
	// numbers often, and a year of a large platform takes a second or more
	// to count. Zero (the default) keeps nothing.
	CacheTTL time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	at time.Time
	st *Stats
}

// maxCached bounds the cache: when full, it is emptied.
const maxCached = 1024

// cacheKey is whose answer this is: the chart, the window and everything
// the principal's entitlement depends on (its organisation, user and
// roles, or the system caller).
func cacheKey(p *auth.Principal, name string, weeks int) string {
	k := name + "|" + strconv.Itoa(weeks) + "|"
	if p.Org != nil {
		k += p.Org.ID + "|" + string(p.Org.Kind) + "|" + string(p.Org.Sector)
	}
	if p.User != nil {
		k += "|u:" + p.User.ID
		for _, r := range p.User.Roles {
			k += "," + string(r)
		}
	} else {
		k += "|s:" + p.System
	}
	return k
}

// New returns a service over db.
func New(db *store.DB, in *intel.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log, Intel: in, Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Series is one line or stack of a chart: a value per week.
type Series struct {
	Key    string  `json:"key"`
	Values []int64 `json:"values"`
	// Suppressed marks the weeks withheld by the small-count rule (their
	// value is 0).
	Suppressed []bool `json:"suppressed,omitempty"`
}

// Count is a ranked technique: the reports naming it and the shared
// attack patterns (ATT&CK references) the principal may read.
type Count struct {
	Key    string `json:"key"`
	N      int64  `json:"count"`
	Shared int64  `json:"shared"`
}

// Compliance is one regime's deadlines that fell due in each week: met
// (submitted on time), late (submitted after the deadline) and missed
// (overdue, not submitted).
type Compliance struct {
	Regime string      `json:"regime"`
	Name   regime.Text `json:"name"`
	Met    []int64     `json:"met"`
	Late   []int64     `json:"late"`
	Missed []int64     `json:"missed"`
}

// Totals sums the weeks.
func (c Compliance) Totals() (met, late, missed int64) {
	for i := range c.Met {
		met, late, missed = met+c.Met[i], late+c.Late[i], missed+c.Missed[i]
	}
	return
}

// Stats is one chart's numbers.
type Stats struct {
	Chart string `json:"chart"`
	// Scope says whose numbers these are: received (reports submitted to
	// the organisation), own, entitled (shared objects one may read),
	// own+sector, or all.
	Scope string `json:"scope"`
	// Weeks are the weeks' first days (Monday, JST) as 2006-01-02.
	Weeks       []string     `json:"weeks"`
	From        time.Time    `json:"from"`
	To          time.Time    `json:"to"`
	Series      []Series     `json:"series,omitempty"`
	Ranking     []Count      `json:"ranking,omitempty"`
	Compliance  []Compliance `json:"compliance,omitempty"`
	GeneratedAt time.Time    `json:"generated_at"`
}

// Empty reports whether there is nothing to show.
func (st *Stats) Empty() bool {
	for _, s := range st.Series {
		for _, v := range s.Values {
			if v > 0 {
				return false
			}
		}
	}
	for _, c := range st.Compliance {
		if m, l, x := c.Totals(); m+l+x > 0 {
			return false
		}
	}
	return len(st.Ranking) == 0
}

// weeks returns the week boundaries of a window of n weeks ending with the
// current JST week (n+1 instants) and the weeks' first days.
func (s *Service) weeks(n int) ([]time.Time, []string, error) {
	if n == 0 {
		n = DefaultWeeks
	}
	if n < 1 || n > MaxWeeks {
		return nil, nil, apperr.Invalid("weeks", "must be from 1 to %d", MaxWeeks)
	}
	now := s.now().In(report.JST)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, report.JST)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	bounds := make([]time.Time, n+1)
	labels := make([]string, n)
	for i := 0; i <= n; i++ {
		bounds[i] = monday.AddDate(0, 0, 7*(i-n+1))
		if i < n {
			labels[i] = bounds[i].Format("2006-01-02")
		}
	}
	return bounds, labels, nil
}

func (s *Service) start(chart string, weeks int) (*Stats, []time.Time, error) {
	b, labels, err := s.weeks(weeks)
	if err != nil {
		return nil, nil, err
	}
	return &Stats{Chart: chart, Weeks: labels, From: b[0].UTC(), To: b[len(b)-1].UTC(), GeneratedAt: s.now().UTC()}, b, nil
}

// Get returns chart name's numbers (Reports, Techniques, ...), from the
// cache when CacheTTL allows.
func (s *Service) Get(ctx context.Context, p *auth.Principal, name string, weeks int) (*Stats, error) {
	if s.CacheTTL <= 0 || authenticated(p) != nil {
		return s.get(ctx, p, name, weeks)
	}
	key, now := cacheKey(p, name, weeks), s.now()
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.CacheTTL && now.Sub(c.at) >= 0 {
		st := *c.st
		return &st, nil
	}
	st, err := s.get(ctx, p, name, weeks)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = map[string]cached{}
	}
	s.cache[key] = cached{at: now, st: st}
	s.mu.Unlock()
	cp := *st
	return &cp, nil
}

func (s *Service) get(ctx context.Context, p *auth.Principal, name string, weeks int) (*Stats, error) {
	switch name {
	case Reports:
		return s.Reports(ctx, p, weeks)
	case Techniques:
		return s.Techniques(ctx, p, weeks)
	case Indicators:
		return s.Indicators(ctx, p, weeks)
	case Deadlines:
		return s.Deadlines(ctx, p, weeks)
	case Sightings:
		return s.Sightings(ctx, p, weeks)
	}
	return nil, apperr.NotFound("chart", name)
}

// isAll reports whether p is the command line acting for no organisation.
func isAll(p *auth.Principal) bool {
	return p != nil && p.IsSystem() && (p.Org == nil || p.Org.ID == "")
}

func authenticated(p *auth.Principal) error {
	if p == nil || p.User == nil && !p.IsSystem() {
		return apperr.ErrUnauthenticated
	}
	return nil
}

// reportScope is whose incident reports p sees counted.
func reportScope(p *auth.Principal) (store.ReportScope, string, error) {
	if err := authenticated(p); err != nil {
		return store.ReportScope{}, "", err
	}
	switch {
	case isAll(p):
		return store.ReportScope{}, "all", nil
	case p.Org == nil || p.Org.ID == "":
		return store.ReportScope{}, "", apperr.Invalid("org", "choose the organisation to act for")
	case p.IsGovernment():
		if err := auth.Authorize(p, auth.ActReportRead, auth.Target{}); err != nil {
			return store.ReportScope{}, "", err
		}
		return store.ReportScope{Recipient: p.Org.ID}, "received", nil
	}
	if err := auth.Authorize(p, auth.ActReportRead, auth.Target{OrgID: p.Org.ID}); err != nil {
		return store.ReportScope{}, "", err
	}
	return store.ReportScope{OrgID: p.Org.ID}, "own", nil
}

// Reports counts the reports first submitted in each week, by the
// reporting organisation's sector (series keys are sectors; "" for
// organisations without one).
func (s *Service) Reports(ctx context.Context, p *auth.Principal, weeks int) (*Stats, error) {
	sc, scope, err := reportScope(p)
	if err != nil {
		return nil, err
	}
	st, b, err := s.start(Reports, weeks)
	if err != nil {
		return nil, err
	}
	st.Scope = scope
	rows, err := s.DB.StatsReports(ctx, sc, b)
	if err != nil {
		return nil, err
	}
	st.Series = toSeries(rows, len(st.Weeks), nil)
	return st, nil
}

// toSeries turns week counts into series sorted by their total (largest
// first), keys in order first when given.
func toSeries(rows []store.WeekCount, n int, order []string) []Series {
	by := map[string]*Series{}
	var keys []string
	for _, r := range rows {
		if r.Week < 0 || r.Week >= n {
			continue
		}
		sr := by[r.Key]
		if sr == nil {
			sr = &Series{Key: r.Key, Values: make([]int64, n)}
			by[r.Key] = sr
			keys = append(keys, r.Key)
		}
		sr.Values[r.Week] += r.N
	}
	total := func(k string) (t int64) {
		for _, v := range by[k].Values {
			t += v
		}
		return
	}
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		if ti, tj := total(keys[i]), total(keys[j]); ti != tj {
			return ti > tj
		}
		return keys[i] < keys[j]
	})
	out := make([]Series, 0, len(keys))
	for _, k := range keys {
		out = append(out, *by[k])
	}
	return out
}

// Techniques ranks the ATT&CK techniques named by the reports first
// submitted in the window (in the latest version the principal received)
// and by the attack patterns first shared in it that the principal may
// read (as the sharing service decides), by their sum.
func (s *Service) Techniques(ctx context.Context, p *auth.Principal, weeks int) (*Stats, error) {
	sc, scope, err := reportScope(p)
	if err != nil {
		return nil, err
	}
	st, b, err := s.start(Techniques, weeks)
	if err != nil {
		return nil, err
	}
	st.Scope = scope
	from, to := b[0], b[len(b)-1]
	rows, err := s.DB.StatsTechniques(ctx, sc, from, to, TopTechniques)
	if err != nil {
		return nil, err
	}
	by := map[string]*Count{}
	for _, r := range rows {
		by[r.Key] = &Count{Key: r.Key, N: r.N}
	}
	if auth.Authorize(p, auth.ActIntelRead, auth.Target{}) == nil {
		q, err := s.objectScope(ctx, p)
		if err != nil {
			return nil, err
		}
		shared, err := s.DB.StatsAttackPatterns(ctx, q, from, to, TopTechniques)
		if err != nil {
			return nil, err
		}
		for _, r := range shared {
			if by[r.Key] == nil {
				by[r.Key] = &Count{Key: r.Key}
			}
			by[r.Key].Shared = r.N
		}
	}
	st.Ranking = []Count{}
	for _, c := range by {
		st.Ranking = append(st.Ranking, *c)
	}
	sort.Slice(st.Ranking, func(i, j int) bool {
		a, b := st.Ranking[i], st.Ranking[j]
		if a.N+a.Shared != b.N+b.Shared {
			return a.N+a.Shared > b.N+b.Shared
		}
		if a.N != b.N {
			return a.N > b.N
		}
		return a.Key < b.Key
	})
	if len(st.Ranking) > TopTechniques {
		st.Ranking = st.Ranking[:TopTechniques]
	}
	return st, nil
}

// IndicatorTypes orders the indicators chart's series.
var IndicatorTypes = []string{"ipv4", "ipv6", "domain", "url", "email", "hash"}

// Indicators counts the indicators the principal may read that were first
// added in each week, by observable type (ipv4, ipv6, domain, url, email,
// hash; an indicator with values of two types counts for each).
func (s *Service) Indicators(ctx context.Context, p *auth.Principal, weeks int) (*Stats, error) {
	if err := authenticated(p); err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	st, b, err := s.start(Indicators, weeks)
	if err != nil {
		return nil, err
	}
	st.Scope = "entitled"
	q, err := s.objectScope(ctx, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.StatsIndicators(ctx, q, b)
	if err != nil {
		return nil, err
	}
	st.Series = toSeries(rows, len(st.Weeks), IndicatorTypes)
	return st, nil
}

// objectScope is the entitlement the sharing service applies to p's
// reads (intel.Service.ReadScope): every collection p can see, with the
// labels p receives there from others, and p's own organisation's objects
// in them. Someone who may not read shared objects counts none.
func (s *Service) objectScope(ctx context.Context, p *auth.Principal) (store.ObjectQuery, error) {
	if s.Intel == nil {
		return store.ObjectQuery{}, nil // entitles nothing
	}
	q, err := s.Intel.ReadScope(ctx, p)
	if apperr.CodeOf(err) == apperr.CodeForbidden {
		return store.ObjectQuery{}, nil
	}
	if err != nil {
		return store.ObjectQuery{}, err
	}
	if len(q.Scopes) == 0 {
		q.OwnerOrg = "" // no collection: nothing, not every own object
	}
	return q, nil
}

// Deadlines gives, per regime and week, the deadlines of the principal's
// incidents (received ones, for the government) that fell due: met, late
// or missed. A deadline still open is not counted, nor a refuted report's.
func (s *Service) Deadlines(ctx context.Context, p *auth.Principal, weeks int) (*Stats, error) {
	sc, scope, err := reportScope(p)
	if err != nil {
		return nil, err
	}
	st, b, err := s.start(Deadlines, weeks)
	if err != nil {
		return nil, err
	}
	st.Scope = scope
	from, to := b[0], b[len(b)-1]
	ins, subs, err := s.DB.StatsDeadlineIncidents(ctx, sc, from.Add(-deadlineLookback), to, maxDeadlineIncidents)
	if err != nil {
		return nil, err
	}
	bySub := map[string][]incident.Submission{}
	for _, x := range subs {
		bySub[x.IncidentID] = append(bySub[x.IncidentID], incident.Submission{IncidentID: x.IncidentID, Regime: x.Regime, Stage: x.Stage, Kind: x.Kind, SubmittedAt: x.SubmittedAt})
	}
	type orgRegimes struct {
		all []regime.Regime
		hol regime.Holidays
	}
	cache := map[string]*orgRegimes{}
	byRegime := map[string]*Compliance{}
	n := len(st.Weeks)
	now := s.now()
	for i := range ins {
		in := &ins[i]
		if in.State == incident.Refuted {
			continue // a false positive has no deadlines to keep
		}
		or := cache[in.OrgID]
		if or == nil {
			set, err := s.DB.ReportingSettings(ctx, in.OrgID)
			if err != nil {
				return nil, err
			}
			all, err := reporting.RegimesOf(set)
			if err != nil {
				s.Log.Warn("stats: an organisation's regimes", "org", in.OrgID, "err", err)
				all, _ = reporting.RegimesOf(&incident.Settings{})
			}
			hol, _ := regime.NewHolidays(set.Holidays...)
			or = &orgRegimes{all, hol}
			cache[in.OrgID] = or
		}
		for _, d := range reporting.TimelineOf(in, bySub[in.ID], or.all, or.hol, now) {
			if d.Due == nil || d.Due.Before(from) || !d.Due.Before(to) {
				continue
			}
			w := sort.Search(n, func(k int) bool { return b[k+1].After(*d.Due) })
			if w >= n {
				continue
			}
			c := byRegime[d.Regime]
			if c == nil {
				r, _ := regime.Find(or.all, d.Regime)
				c = &Compliance{Regime: d.Regime, Name: r.Name, Met: make([]int64, n), Late: make([]int64, n), Missed: make([]int64, n)}
				byRegime[d.Regime] = c
			}
			switch d.Status {
			case regime.StatusSubmitted:
				c.Met[w]++
			case regime.StatusSubmittedLate:
				c.Late[w]++
			case regime.StatusOverdue:
				c.Missed[w]++
			}
		}
	}
	st.Compliance = []Compliance{}
	for _, c := range byRegime {
		if m, l, x := c.Totals(); m+l+x > 0 {
			st.Compliance = append(st.Compliance, *c)
		}
	}
	sort.Slice(st.Compliance, func(i, j int) bool { return st.Compliance[i].Regime < st.Compliance[j].Regime })
	return st, nil
}

// Sightings counts the sightings recorded each week: the organisation's
// own ("own") and its sector's ("sector", weeks seen by fewer than
// SmallCount organisations suppressed); the government's and the command
// line's everyone's ("all").
func (s *Service) Sightings(ctx context.Context, p *auth.Principal, weeks int) (*Stats, error) {
	if err := authenticated(p); err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	st, b, err := s.start(Sightings, weeks)
	if err != nil {
		return nil, err
	}
	n := len(st.Weeks)
	series := func(key string, rows []store.WeekCount, suppress bool) Series {
		sr := Series{Key: key, Values: make([]int64, n)}
		if suppress {
			sr.Suppressed = make([]bool, n)
		}
		for _, r := range rows {
			if r.Week < 0 || r.Week >= n {
				continue
			}
			if suppress && r.Orgs < SmallCount {
				sr.Suppressed[r.Week] = true
				continue
			}
			sr.Values[r.Week] = r.N
		}
		return sr
	}
	if isAll(p) || p.IsGovernment() {
		st.Scope = "all"
		rows, err := s.DB.StatsSightings(ctx, store.SightingScope{}, b)
		if err != nil {
			return nil, err
		}
		st.Series = []Series{series("all", rows, false)}
		return st, nil
	}
	if p.Org == nil || p.Org.ID == "" {
		return nil, apperr.Invalid("org", "choose the organisation to act for")
	}
	st.Scope = "own"
	own, err := s.DB.StatsSightings(ctx, store.SightingScope{OrgID: p.Org.ID}, b)
	if err != nil {
		return nil, err
	}
	st.Series = []Series{series("own", own, false)}
	if p.Org.Sector != "" {
		st.Scope = "own+sector"
		sec, err := s.DB.StatsSightings(ctx, store.SightingScope{Sector: string(p.Org.Sector)}, b)
		if err != nil {
			return nil, err
		}
		st.Series = append(st.Series, series("sector", sec, true))
	}
	return st, nil
}
