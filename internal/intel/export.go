package intel

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/store"
)

// BlockEntry is one value that may be blocked.
type BlockEntry struct {
	Kind   string      `json:"kind"`
	Value  string      `json:"value"`
	StixID string      `json:"indicator"`
	TLP    marking.TLP `json:"tlp"`
}

// Withheld is a value left out of a block list, and why.
type Withheld struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	StixID string `json:"indicator"`
	Reason string `json:"reason"` // e.g. "warninglist: List of RFC 1918 CIDR blocks"
}

// BlockQuery selects what a block list holds.
type BlockQuery struct {
	Kinds      []string // atom kinds (ipv4, domain, url, sha256, ...); empty: all
	Collection string   // "" for every collection the viewer can see
}

// Blocklist returns the values that p may block: exact atoms of the latest,
// unrevoked, unexpired STIX indicators p is entitled to. A value hit by an
// enabled warninglist (now, or when it was ingested) is withheld unless an
// analyst overrode the hit for that indicator.
func (s *Service) Blocklist(ctx context.Context, p *auth.Principal, q BlockQuery) ([]BlockEntry, []Withheld, error) {
	entries := []BlockEntry{}
	withheld, err := s.walkBlockable(ctx, p, q, false, func(r *share.Record, a pattern.Atom, _ *share.SightingSummary) {
		entries = append(entries, BlockEntry{Kind: string(a.Kind), Value: a.Value, StixID: r.ID, TLP: r.TLP})
	})
	if err != nil {
		return nil, nil, err
	}
	return entries, withheld, nil
}

// IndicatorValue is one blockable value with what receivers filter and
// report on: the indicator's name, confidence, score and times.
type IndicatorValue struct {
	BlockEntry
	Name       string     `json:"name,omitempty"`
	Confidence *int       `json:"confidence,omitempty"`
	Score      int        `json:"score"`
	Modified   time.Time  `json:"modified"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

// Indicators is Blocklist with each value's indicator name, confidence,
// score (with its sightings) and times: what the matching engine and the
// exports filter on (minimum score or confidence, maximum age).
func (s *Service) Indicators(ctx context.Context, p *auth.Principal, q BlockQuery) ([]IndicatorValue, []Withheld, error) {
	out := []IndicatorValue{}
	now := s.now()
	withheld, err := s.walkBlockable(ctx, p, q, true, func(r *share.Record, a pattern.Atom, sum *share.SightingSummary) {
		in, _ := ScoreInput(r, sum)
		res := score.Compute(in, now, score.DefaultPolicy())
		out = append(out, IndicatorValue{BlockEntry: BlockEntry{Kind: string(a.Kind), Value: a.Value, StixID: r.ID, TLP: r.TLP},
			Name: r.Name, Confidence: r.Confidence, Score: res.Score, Modified: r.Version, ValidUntil: r.ValidUntil})
	})
	if err != nil {
		return nil, nil, err
	}
	return out, withheld, nil
}

// walkBlockable calls fn for each exact atom of the latest, unrevoked,
// unexpired STIX indicators p is entitled to (each kind and value once),
// with the indicator's sightings when withSightings, and returns the
// values withheld by warninglists.
func (s *Service) walkBlockable(ctx context.Context, p *auth.Principal, q BlockQuery, withSightings bool,
	fn func(r *share.Record, a pattern.Atom, sum *share.SightingSummary)) ([]Withheld, error) {
	if err := s.ensureLists(ctx); err != nil {
		return nil, err
	}
	sc, err := s.searchScope(ctx, p, q.Collection)
	if err != nil {
		return nil, err
	}
	withheld := []Withheld{}
	seen := map[string]bool{}
	now := s.now()
	cursor := ""
	var log readLog
	for {
		recs, next, err := s.searchIn(ctx, sc, SearchQuery{Types: []string{"indicator"}, Revoked: ptr(false),
			Cursor: cursor, Limit: 1000, WithRaw: true})
		if err != nil {
			return nil, err
		}
		log.add(sc.v, recs)
		w, err := s.blockable(ctx, sc, recs, withSightings, seen, now, q.Kinds, func(r *share.Record, kind, value string, sum *share.SightingSummary) {
			fn(r, pattern.Atom{Kind: pattern.Kind(kind), Value: value, Exact: true}, sum)
		})
		if err != nil {
			return nil, err
		}
		withheld = append(withheld, w...)
		if next == "" {
			s.record(ctx, p, &log, "blocklist", q.Collection)
			return withheld, nil
		}
		cursor = next
	}
}

// blockable calls fn for each exact atom (of kinds, or all) of the
// unrevoked, unexpired STIX indicators among recs not seen before, with
// the indicator's sightings when withSightings, and returns the values
// withheld by warninglists.
func (s *Service) blockable(ctx context.Context, sc *searchScope, recs []share.Record, withSightings bool, seen map[string]bool,
	now time.Time, kinds []string, fn func(r *share.Record, kind, value string, sum *share.SightingSummary)) ([]Withheld, error) {
	withheld := []Withheld{}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	overrides, err := s.DB.Overrides(ctx, ids)
	if err != nil {
		return nil, err
	}
	var sightings map[string][]share.Sighting
	if withSightings {
		if sightings, err = s.DB.SightingsOf(ctx, ids); err != nil {
			return nil, err
		}
	}
	for i := range recs {
		r := &recs[i]
		if r.Type != "indicator" || r.Revoked || r.ValidUntil != nil && !r.ValidUntil.After(now) {
			continue
		}
		o, err := stix.Parse(r.Raw)
		if err != nil || propString(o, "pattern_type") != "stix" {
			continue
		}
		pat, err := pattern.Parse(propString(o, "pattern"))
		if err != nil {
			continue
		}
		var sum *share.SightingSummary
		if list := sightings[r.ID]; len(list) > 0 {
			sum = Summarize(r.ID, list, sc.v.OrgID, 0)
		}
		_, overridden := overrides[r.ID]
		for _, a := range pat.Atoms().Atoms {
			if !a.Exact || len(kinds) > 0 && !slices.Contains(kinds, string(a.Kind)) {
				continue
			}
			key := string(a.Kind) + "\x00" + a.Value
			if seen[key] {
				continue
			}
			if !overridden {
				if hit := s.hit(r, string(a.Kind), a.Value); hit != "" {
					withheld = append(withheld, Withheld{Kind: string(a.Kind), Value: a.Value, StixID: r.ID, Reason: "warninglist: " + hit})
					continue
				}
			}
			seen[key] = true
			fn(r, string(a.Kind), a.Value, sum)
		}
	}
	return withheld, nil
}

// hit returns the name of a warninglist that value hits, from the flags
// recorded at ingest or the lists enabled now, or "".
func (s *Service) hit(r *share.Record, kind, value string) string {
	for _, f := range r.Flags {
		if f.Value == value {
			return f.List
		}
	}
	for _, f := range s.flags([]store.Atom{{Kind: kind, Value: value}}) {
		return f.List
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

// ExportBundle writes a STIX 2.1 bundle of the latest versions matching q
// that p is entitled to, with the TLP marking definitions they refer to,
// and returns the number of objects written. Objects are written as they
// were received.
func (s *Service) ExportBundle(ctx context.Context, p *auth.Principal, q SearchQuery, w io.Writer) (int, error) {
	q.WithRaw = true
	q.Limit = 1000
	sc, err := s.searchScope(ctx, p, q.Collection)
	if err != nil {
		return 0, err
	}
	var log readLog
	defer func() { s.record(ctx, p, &log, "export", q.Text) }()
	return writeBundle(w, func(emit func([]share.Record)) error {
		for {
			recs, next, err := s.searchIn(ctx, sc, q)
			if err != nil {
				return err
			}
			log.add(sc.v, recs)
			emit(recs) // Search added the TLP marking where missing
			if next == "" {
				return nil
			}
			q.Cursor = next
		}
	})
}

// writeBundle writes a STIX bundle of the records each emits (their Raw),
// then the TLP marking definitions they use, and returns the number of
// objects written.
func writeBundle(w io.Writer, each func(emit func([]share.Record)) error) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var id [16]byte
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	fmt.Fprintf(bw, `{"type":"bundle","id":"bundle--%x-%x-%x-%x-%x","objects":[`, id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
	n := 0
	used := map[marking.TLP]bool{}
	written := map[string]bool{}
	err := each(func(recs []share.Record) {
		for i := range recs {
			if n > 0 {
				bw.WriteByte(',')
			}
			bw.Write(recs[i].Raw)
			written[recs[i].ID] = true
			used[recs[i].TLP] = true
			n++
		}
	})
	if err != nil {
		return n, err
	}
	for _, t := range marking.TLPs {
		def, ok := t.StixDefinition()
		if !used[t] || !ok || written[def.ID] {
			continue
		}
		b, _ := json.Marshal(def)
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
		n++
	}
	bw.WriteString("]}\n")
	return n, bw.Flush()
}
