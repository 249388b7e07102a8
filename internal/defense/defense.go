// Package defense is the receiver's side of sharing (issue #6): it turns
// the indicators an organisation is entitled to into a compiled set for
// matching (package match), into the files firewalls, IDS and resolvers
// load (package export), scans logs against them (package logscan), and
// sends what was seen back as aggregated sightings, never raw log lines.
// Every surface (API, CLI, dashboard) calls it with the acting principal;
// entitlement (TLP, audience, warninglists, revocation, expiry) is the
// sharing service's (package intel).
package defense

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/match"
)

// Service is the receivers' defense service.
type Service struct {
	Intel *intel.Service
	Log   *slog.Logger
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// CacheFor is how long a compiled set is reused for the same reader
	// and filter before the indicators are read again (default 30 s): a
	// revoked, expired or warninglisted indicator disappears within it.
	CacheFor time.Duration

	mu      sync.Mutex
	cache   map[string]*Compiled
	renders map[string]*Rendered
}

// New returns a service over the sharing service.
func New(in *intel.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Intel: in, Log: log, Now: time.Now, CacheFor: 30 * time.Second, cache: map[string]*Compiled{}}
}

// Filter selects the indicators of a set or an export.
type Filter struct {
	Kinds []match.Kind `json:"kinds,omitempty"`
	// MinScore and MinConfidence drop weaker indicators; an indicator
	// without a confidence passes MinConfidence only when it is 0.
	MinScore      int `json:"min_score,omitempty"`
	MinConfidence int `json:"min_confidence,omitempty"`
	// MaxTLP is the ceiling: indicators under a more restrictive label are
	// left out (e.g. "green" for a list pushed to a partner's firewall).
	MaxTLP marking.TLP `json:"max_tlp,omitzero"`
	// MaxAgeDays drops indicators last modified longer ago.
	MaxAgeDays int `json:"max_age_days,omitempty"`
	// Collection limits to one collection (alias or id).
	Collection string `json:"collection,omitempty"`
}

// ParseFilter reads a filter from query parameters: kind (repeatable or
// comma-separated: ipv4, ipv6, cidr4, cidr6, domain, url, email, md5,
// sha1, sha256, sha512), min_score, min_confidence (0-100), max_tlp
// (clear, green, amber, amber+strict, red), max_age (days, "30" or "30d"),
// collection. Errors name the parameter.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	for _, v := range q["kind"] {
		for _, k := range strings.Split(v, ",") {
			k = strings.TrimSpace(strings.ToLower(k))
			if k == "" {
				continue
			}
			kind, ok := match.ParseKind(k)
			if !ok {
				return f, apperr.Invalid("kind", "%q is not a kind (%s)", k, kindList())
			}
			if !slices.Contains(f.Kinds, kind) {
				f.Kinds = append(f.Kinds, kind)
			}
		}
	}
	num := func(name string, max int) (int, error) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > max {
			return 0, apperr.Invalid(name, "must be a whole number from 0 to %d", max)
		}
		return n, nil
	}
	var err error
	if f.MinScore, err = num("min_score", 100); err != nil {
		return f, err
	}
	if f.MinConfidence, err = num("min_confidence", 100); err != nil {
		return f, err
	}
	if v := strings.TrimSpace(q.Get("max_tlp")); v != "" {
		t, err := marking.ParseTLP(v)
		if err != nil {
			return f, apperr.Invalid("max_tlp", "%s", apperr.As(err).Message)
		}
		f.MaxTLP = t
	}
	if v := strings.TrimSuffix(strings.TrimSpace(q.Get("max_age")), "d"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return f, apperr.Invalid("max_age", "must be a number of days from 1 to 3650, e.g. 30 or 30d")
		}
		f.MaxAgeDays = n
	}
	f.Collection = strings.TrimSpace(q.Get("collection"))
	slices.Sort(f.Kinds)
	return f, nil
}

// Values renders the filter as query parameters (ParseFilter's inverse).
func (f Filter) Values() url.Values {
	q := url.Values{}
	for _, k := range f.Kinds {
		q.Add("kind", k.String())
	}
	if f.MinScore > 0 {
		q.Set("min_score", strconv.Itoa(f.MinScore))
	}
	if f.MinConfidence > 0 {
		q.Set("min_confidence", strconv.Itoa(f.MinConfidence))
	}
	if f.MaxTLP.Valid() {
		q.Set("max_tlp", f.MaxTLP.Name())
	}
	if f.MaxAgeDays > 0 {
		q.Set("max_age", strconv.Itoa(f.MaxAgeDays))
	}
	if f.Collection != "" {
		q.Set("collection", f.Collection)
	}
	return q
}

func kindList() string {
	var out []string
	for _, k := range match.Kinds {
		out = append(out, k.String())
	}
	return strings.Join(out, ", ")
}

// keep reports whether v passes the filter at now.
func (f Filter) keep(v *intel.IndicatorValue, k match.Kind, now time.Time) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, k) {
		return false
	}
	if v.Score < f.MinScore {
		return false
	}
	if f.MinConfidence > 0 && (v.Confidence == nil || *v.Confidence < f.MinConfidence) {
		return false
	}
	if f.MaxTLP.Valid() && v.TLP > f.MaxTLP {
		return false
	}
	if f.MaxAgeDays > 0 && now.Sub(v.Modified) > time.Duration(f.MaxAgeDays)*24*time.Hour {
		return false
	}
	return true
}

// Indicators returns the values p may apply, as the matching engine and
// the exports take them, filtered by f; withheld are the values
// warninglists kept out. Atoms of kinds the engine does not match (SHA-224,
// SHA-3) are left out.
func (s *Service) Indicators(ctx context.Context, p *auth.Principal, f Filter) ([]match.Indicator, []intel.Withheld, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, nil, err
	}
	vals, withheld, err := s.Intel.Indicators(ctx, p, intel.BlockQuery{Collection: f.Collection})
	if err != nil {
		return nil, nil, err
	}
	now := s.Now().UTC()
	out := make([]match.Indicator, 0, len(vals))
	for i := range vals {
		v := &vals[i]
		k, ok := match.ParseKind(v.Kind)
		if !ok || !f.keep(v, k, now) {
			continue
		}
		conf := -1
		if v.Confidence != nil {
			conf = *v.Confidence
		}
		out = append(out, match.Indicator{Kind: k, Value: v.Value, ID: v.StixID, Name: v.Name, TLP: v.TLP, Confidence: conf,
			Score: v.Score, Modified: v.Modified, ValidUntil: v.ValidUntil})
	}
	return out, withheld, nil
}

// Compiled is a compiled set for one reader and filter.
type Compiled struct {
	Set *match.Set
	// Indicators are the set's input, in order (exports write them).
	Indicators []match.Indicator
	Withheld   int
	// Digest identifies the content: it changes when any indicator value,
	// id, name, label, confidence or modification time changes (not with
	// the daily decay of scores).
	Digest string
	Built  time.Time
}

// cacheKey is who reads (entitlement depends on the user, its
// organisation and its groups: the user id covers them) and what.
func cacheKey(p *auth.Principal, f Filter) string {
	who := "system"
	if p.User != nil {
		who = p.User.ID
	} else if p.Org != nil {
		who = "org:" + p.Org.ID
	}
	return who + "?" + f.Values().Encode()
}

// Compile returns the compiled set of what p may apply under f, reusing
// one built within CacheFor.
func (s *Service) Compile(ctx context.Context, p *auth.Principal, f Filter) (*Compiled, error) {
	key := cacheKey(p, f)
	now := s.Now()
	s.mu.Lock()
	if c, ok := s.cache[key]; ok && now.Sub(c.Built) < s.CacheFor {
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	inds, withheld, err := s.Indicators(ctx, p, f)
	if err != nil {
		return nil, err
	}
	set, problems := match.Build(inds)
	for _, pr := range problems {
		s.Log.Warn("indicator not compiled", "index", pr.Index, "field", pr.Field, "err", pr.Message)
	}
	c := &Compiled{Set: set, Indicators: inds, Withheld: len(withheld), Digest: digest(inds), Built: now}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]*Compiled{}
	}
	for k, old := range s.cache {
		if now.Sub(old.Built) >= s.CacheFor {
			delete(s.cache, k)
		}
	}
	s.cache[key] = c
	s.mu.Unlock()
	return c, nil
}

// digest hashes the exported content of inds in a stable order.
func digest(inds []match.Indicator) string {
	keys := make([]string, len(inds))
	for i, in := range inds {
		keys[i] = fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%d\x00%d\x00%s", in.Kind, in.Value, in.ID, in.Name, in.TLP, in.Confidence,
			in.Modified.UTC().Format(time.RFC3339Nano))
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func digestBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ViewIndicators converts the indicators of a dashboard or API view (see
// intel.ViewFilter) into the exports' input: the same entitlement as the
// view, and the same blocking rules as a compiled set (revoked, expired
// and warninglisted values left out). withheld counts the values kept out
// by warninglists.
func (s *Service) ViewIndicators(ctx context.Context, p *auth.Principal, vf intel.ViewFilter) ([]match.Indicator, int, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, 0, err
	}
	vals, withheld, err := s.Intel.ViewIndicators(ctx, p, vf)
	if err != nil {
		return nil, 0, err
	}
	out := make([]match.Indicator, 0, len(vals))
	for i := range vals {
		v := &vals[i]
		k, ok := match.ParseKind(v.Kind)
		if !ok {
			continue
		}
		conf := -1
		if v.Confidence != nil {
			conf = *v.Confidence
		}
		out = append(out, match.Indicator{Kind: k, Value: v.Value, ID: v.StixID, Name: v.Name, TLP: v.TLP, Confidence: conf,
			Score: v.Score, Modified: v.Modified, ValidUntil: v.ValidUntil})
	}
	return out, len(withheld), nil
}
