package defense

import (
	"context"
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/match"
	"sakimori/internal/share"
)

// Seen is what a scan saw of one indicator: the aggregate that goes back
// to the platform as a sighting. It never holds a log line.
type Seen struct {
	IndicatorID string    `json:"indicator"`
	Kind        string    `json:"kind"`
	Value       string    `json:"value"`
	Count       int       `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}

// SeenAt is when a log record's event happened for a sighting: the
// record's own time when the log has one (package logscan), otherwise
// now; never later than now.
func SeenAt(recordTime int64, now time.Time) time.Time {
	if recordTime == 0 {
		return now
	}
	t := time.Unix(0, recordTime)
	if t.After(now) {
		return now
	}
	return t
}

// Tally aggregates hits per indicator.
type Tally struct {
	by map[string]*Seen
}

// Add counts one hit of ind at time at (the log record's time when known,
// otherwise when the scan ran).
func (t *Tally) Add(ind *match.Indicator, at time.Time) {
	if t.by == nil {
		t.by = map[string]*Seen{}
	}
	at = at.UTC()
	s, ok := t.by[ind.ID]
	if !ok {
		t.by[ind.ID] = &Seen{IndicatorID: ind.ID, Kind: ind.Kind.String(), Value: ind.Value, Count: 1, FirstSeen: at, LastSeen: at}
		return
	}
	s.Count++
	if at.Before(s.FirstSeen) {
		s.FirstSeen = at
	}
	if at.After(s.LastSeen) {
		s.LastSeen = at
	}
}

// List returns the aggregates, most seen first.
func (t *Tally) List() []Seen {
	out := make([]Seen, 0, len(t.by))
	for _, s := range t.by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Seen) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.IndicatorID, b.IndicatorID)
	})
	return out
}

// Report says what a sightings report sent (or, dry, would send).
type Report struct {
	DryRun    bool             `json:"dry_run"`
	Anonymous bool             `json:"anonymous"`
	Sightings []share.Sighting `json:"sightings"`
	// Rejected are aggregates not taken, with why (an indicator p may not
	// see, a bad count or time).
	Rejected []Rejected `json:"rejected"`
}

// Rejected is an aggregate not sent.
type Rejected struct {
	Seen
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// MaxReport bounds one report's aggregates.
const MaxReport = 10000

// ReportSightings sends aggregates as sightings by p's organisation: one
// sighting per indicator with its count and first and last seen, marked
// as coming from a log scan; never the log lines. With dryRun nothing is
// stored and the report shows exactly what would be sent. Aggregates of
// indicators p may not see are rejected, the others kept.
func (s *Service) ReportSightings(ctx context.Context, p *auth.Principal, seen []Seen, anonymous, dryRun bool) (*Report, error) {
	if err := auth.Authorize(p, auth.ActSightingAdd, auth.Target{}); err != nil {
		return nil, err
	}
	if len(seen) > MaxReport {
		return nil, apperr.Invalid("sightings", "at most %d indicators per report (got %d)", MaxReport, len(seen))
	}
	rep := &Report{DryRun: dryRun, Anonymous: anonymous, Sightings: []share.Sighting{}, Rejected: []Rejected{}}
	for _, a := range seen {
		sg := share.Sighting{StixID: a.IndicatorID, Anonymous: anonymous, Count: a.Count, FirstSeen: a.FirstSeen.UTC(), LastSeen: a.LastSeen.UTC(),
			Note: "log scan"}
		if p.Org != nil {
			sg.Sector = p.Org.Sector
		}
		if err := sg.Validate(); err != nil {
			rep.Rejected = append(rep.Rejected, rejected(a, err))
			continue
		}
		if sg.LastSeen.After(s.Now().Add(5 * time.Minute)) {
			rep.Rejected = append(rep.Rejected, rejected(a, apperr.Invalid("last_seen", "is in the future")))
			continue
		}
		if dryRun {
			if _, err := s.Intel.Sightings(ctx, p, a.IndicatorID); err != nil {
				rep.Rejected = append(rep.Rejected, rejected(a, err))
				continue
			}
		} else if err := s.Intel.AddSighting(ctx, p, &sg); err != nil {
			if code := apperr.CodeOf(err); code != apperr.CodeInvalid && code != apperr.CodeNotFound {
				return rep, err
			}
			rep.Rejected = append(rep.Rejected, rejected(a, err))
			continue
		}
		rep.Sightings = append(rep.Sightings, sg)
	}
	return rep, nil
}

func rejected(a Seen, err error) Rejected {
	r := Rejected{Seen: a, Message: err.Error()}
	if ae := apperr.As(err); ae != nil {
		r.Field, r.Message = ae.Field, ae.Message
		if ae.Code == apperr.CodeNotFound {
			r.Message = "no indicator you may see has this id"
		}
	}
	return r
}
