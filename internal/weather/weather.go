// Package weather computes the threat weather (脅威予報, issue #7): a daily
// level per sector and per organisation (clear / cloudy / rain / storm)
// from recent reports, sightings, alerts, clusters and exposure to
// known-exploited vulnerabilities, with the reasons behind it and a 7-day
// trend; and the feedback each incident report shows its reporter.
package weather

import (
	"context"
	"log/slog"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// Service is the threat-weather and feedback service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Reporting gives the reporter's view of an incident (feedback).
	Reporting *reporting.Service
	// Clusters gives the correlation part of a report's feedback; nil
	// leaves it out.
	Clusters ClusterFeedback
	// Now is the clock (tests set it).
	Now func() time.Time
}

// New returns a weather service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log, Now: time.Now}
}

// Days bounds the trend's length.
const (
	DefaultDays = 7
	MaxDays     = 31
)

// Query selects whose weather to read: empty for the caller's
// organisation and sector; Org (id or slug) or Sector for another (the
// government only).
type Query struct {
	Org    string
	Sector org.Sector
	Days   int // default DefaultDays
}

// OrgRef names an organisation.
type OrgRef struct {
	ID     string     `json:"id"`
	Slug   string     `json:"slug"`
	Name   org.Names  `json:"name"`
	Sector org.Sector `json:"sector,omitempty"`
}

// Weather is the weather of one scope: today's with its reasons, and the
// trend (oldest first, today last).
type Weather struct {
	Scope  string     `json:"scope"` // org | sector
	Org    *OrgRef    `json:"org,omitempty"`
	Sector org.Sector `json:"sector,omitempty"`
	// SmallCount is set when the small-count rule applies (a sector seen
	// by an organisation outside the government): counts of 1 and 2 are
	// banded and no points or score are given.
	SmallCount bool  `json:"small_count"`
	Today      Day   `json:"today"`
	Trend      []Day `json:"trend"`
}

// Report is the answer of GET /weather: an organisation's weather and its
// sector's, or a sector's alone.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	Org         *Weather  `json:"org,omitempty"`
	Sector      *Weather  `json:"sector,omitempty"`
}

// IsGov reports whether p sees every sector and organisation.
func IsGov(p *auth.Principal) bool {
	return p.IsSystem() && p.Org == nil || p.IsGovernment()
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func days(n int) (int, error) {
	if n == 0 {
		return DefaultDays, nil
	}
	if n < 1 || n > MaxDays {
		return 0, apperr.Invalid("days", "must be from 1 to %d", MaxDays)
	}
	return n, nil
}

// Weather returns the weather q asks for, as p may see it: an
// organisation sees its own and its sector's; the government any.
func (s *Service) Weather(ctx context.Context, p *auth.Principal, q Query) (*Report, error) {
	if err := auth.Authorize(p, auth.ActOrgRead, auth.Target{}); err != nil {
		return nil, err
	}
	n, err := days(q.Days)
	if err != nil {
		return nil, err
	}
	gov := IsGov(p)
	if q.Org != "" && q.Sector != "" {
		return nil, apperr.Invalid("sector", "give org or sector, not both")
	}
	if !q.Sector.Valid() {
		return nil, apperr.Invalid("sector", "unknown sector %q", q.Sector)
	}
	now := s.now()
	out := &Report{GeneratedAt: now.UTC()}
	var target *org.Organisation
	switch {
	case q.Sector != "":
		if !gov && (p.Org == nil || p.Org.Sector != q.Sector) {
			return nil, apperr.Forbidden("an organisation sees the weather of its own sector only")
		}
	case q.Org != "":
		o, err := s.DB.GetOrg(ctx, q.Org)
		if err != nil {
			return nil, err
		}
		if !gov && (p.Org == nil || p.Org.ID != o.ID) {
			return nil, apperr.Forbidden("an organisation sees its own weather only")
		}
		target = o
	default:
		if p.Org == nil {
			return nil, apperr.Invalid("org", "give an organisation or a sector")
		}
		target = p.Org
	}
	sector := q.Sector
	if target != nil {
		sector = target.Sector
	}
	from, to := Range(now, n)
	if target != nil {
		f, err := s.DB.WeatherFacts(ctx, store.WeatherScope{OrgID: target.ID}, from, to)
		if err != nil {
			return nil, err
		}
		trend := Trend(now, n, f)
		out.Org = &Weather{Scope: "org", Org: &OrgRef{ID: target.ID, Slug: target.Slug, Name: target.Name, Sector: target.Sector},
			Sector: target.Sector, Today: trend[len(trend)-1], Trend: trend}
	}
	if sector != "" {
		f, err := s.DB.WeatherFacts(ctx, store.WeatherScope{Sector: string(sector)}, from, to)
		if err != nil {
			return nil, err
		}
		trend := Trend(now, n, f)
		w := &Weather{Scope: "sector", Sector: sector, SmallCount: !gov}
		if !gov {
			for i := range trend {
				trend[i] = SmallCount(trend[i])
			}
		}
		w.Today, w.Trend = trend[len(trend)-1], trend
		out.Sector = w
	}
	return out, nil
}

// Cell is one day of one row of the overview.
type Cell struct {
	Date     string  `json:"date"`
	Level    Level   `json:"level"`
	Score    float64 `json:"score"`
	Override bool    `json:"override"`
}

// Row is one sector or organisation of the overview.
type Row struct {
	Sector org.Sector `json:"sector,omitempty"`
	Org    *OrgRef    `json:"org,omitempty"`
	Days   []Cell     `json:"days"`
}

// Overview is the government's grid: every sector and every operator
// (and any other organisation with something to report) × the days.
type Overview struct {
	GeneratedAt time.Time `json:"generated_at"`
	Dates       []string  `json:"dates"`
	Sectors     []Row     `json:"sectors"`
	Orgs        []Row     `json:"orgs"`
}

func cells(trend []Day) []Cell {
	out := make([]Cell, len(trend))
	for i, d := range trend {
		out[i] = Cell{Date: d.Date, Level: d.Level, Score: d.Score, Override: d.Override}
	}
	return out
}

// Overview returns every sector's and organisation's trend (the
// government only).
func (s *Service) Overview(ctx context.Context, p *auth.Principal, n int) (*Overview, error) {
	if err := auth.Authorize(p, auth.ActOrgRead, auth.Target{}); err != nil {
		return nil, err
	}
	if !IsGov(p) {
		return nil, apperr.Forbidden("the overview of every sector and organisation is the government's")
	}
	n, err := days(n)
	if err != nil {
		return nil, err
	}
	now := s.now()
	from, to := Range(now, n)
	f, err := s.DB.WeatherFacts(ctx, store.WeatherScope{}, from, to)
	if err != nil {
		return nil, err
	}
	out := &Overview{GeneratedAt: now.UTC(), Sectors: []Row{}, Orgs: []Row{}}
	var orgs []org.Organisation
	for after := ""; ; {
		page, next, err := s.DB.ListOrgs(ctx, store.OrgFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, page...)
		if next == "" {
			break
		}
		after = next
	}
	gov := map[string]bool{}
	for _, o := range orgs {
		if o.Kind.IsGovernment() {
			gov[o.ID] = true
		}
	}
	byOrg, bySector := Group(f, gov)
	facts := func(m map[string]*Facts, k string) *Facts {
		if x := m[k]; x != nil {
			return x
		}
		return &Facts{}
	}
	for _, sec := range org.Sectors {
		out.Sectors = append(out.Sectors, Row{Sector: sec, Days: cells(Trend(now, n, facts(bySector, string(sec))))})
	}
	for _, c := range out.Sectors[0].Days {
		out.Dates = append(out.Dates, c.Date)
	}
	for _, o := range orgs {
		nf := facts(byOrg, o.ID)
		if o.Kind != org.KindOperator && empty(nf) {
			continue
		}
		out.Orgs = append(out.Orgs, Row{Sector: o.Sector, Org: &OrgRef{ID: o.ID, Slug: o.Slug, Name: o.Name, Sector: o.Sector},
			Days: cells(Trend(now, n, nf))})
	}
	return out, nil
}

func empty(f *Facts) bool {
	return len(f.Reports)+len(f.Sightings)+len(f.Alerts)+len(f.Clusters)+len(f.Exposures) == 0
}
