package score

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
)

const day = 24 * time.Hour

// Decay is how an indicator of one kind loses its score with age.
//
// The decayed share of the score at age t is
//
//	f(t) = 1 − (t / Lifetime)^(1 / Shape)   for t < Lifetime, 0 after,
//
// the polynomial family MISP's decaying models and OpenCTI's decay rules use
// (there called lifetime and decay speed, or decay pound). Shape 1 is a
// straight line to zero; a larger Shape loses more early and less late (at
// Shape 2 half the score is gone at a quarter of the lifetime). Unlike an
// exponential half-life, the score reaches zero at a known time, so an
// indicator leaves block lists on a date that can be shown in advance.
type Decay struct {
	// Lifetime is the age at which the score reaches zero; 0 means the
	// kind never decays (file hashes: a file's hash never stops naming
	// that file).
	Lifetime time.Duration `json:"lifetime"`
	// Shape is the decay speed (≥ 0.1, ≤ 10); 1 is linear.
	Shape float64 `json:"shape"`
}

// Factor returns f(age), the share of the score left at age: 1 for
// Lifetime 0 or age ≤ 0, 0 from Lifetime on.
func (d Decay) Factor(age time.Duration) float64 {
	if d.Lifetime <= 0 || age <= 0 {
		return 1
	}
	if age >= d.Lifetime {
		return 0
	}
	return 1 - math.Pow(float64(age)/float64(d.Lifetime), 1/d.Shape)
}

// HalfAge returns the age at which half the score is gone: Lifetime ×
// 0.5^Shape (0 when the kind never decays).
func (d Decay) HalfAge() time.Duration {
	if d.Lifetime <= 0 {
		return 0
	}
	return time.Duration(float64(d.Lifetime) * math.Pow(0.5, d.Shape))
}

// Policy holds the weights of Compute. DefaultPolicy returns the documented
// defaults (docs/score.md); a deployment may change them, after Validate.
type Policy struct {
	// DefaultConfidence is the base when the indicator has no confidence.
	DefaultConfidence int `json:"default_confidence"`
	// Decay maps an indicator kind (see Input.Kind) to its decay;
	// DefaultDecay applies to every other kind, including "".
	Decay        map[string]Decay `json:"decay"`
	DefaultDecay Decay            `json:"default_decay"`
	// SightingPoints is what the first organisation that reports a
	// (true-positive) sighting adds; each further organisation adds
	// SightingFalloff times what the previous one added, so n
	// organisations add SightingPoints × (1 − Falloff^n) / (1 − Falloff),
	// never more than SightingPoints / (1 − Falloff).
	SightingPoints  float64 `json:"sighting_points"`
	SightingFalloff float64 `json:"sighting_falloff"`
	// FalsePositiveOrgPoints is removed for each distinct organisation that
	// reported a false positive; FalsePositiveRepeatPoints for each further
	// false-positive report by an organisation already counted.
	FalsePositiveOrgPoints    int `json:"false_positive_org_points"`
	FalsePositiveRepeatPoints int `json:"false_positive_repeat_points"`
	// WarninglistCap is the highest score of a value on a warning list of
	// known false positives.
	WarninglistCap int `json:"warninglist_cap"`
	// ClockSkew is how far in the future valid_from may lie and still count
	// as valid now (producers' clocks differ).
	ClockSkew time.Duration `json:"clock_skew"`
}

// Indicator kinds with a default decay. They are the atom kinds of
// internal/stix/pattern; Compute also accepts a few STIX spellings (see
// NormalizeKind).
const (
	KindIPv4   = "ipv4"
	KindIPv6   = "ipv6"
	KindCIDR4  = "cidr4"
	KindCIDR6  = "cidr6"
	KindDomain = "domain"
	KindURL    = "url"
	KindEmail  = "email"
)

// hashKinds never decay by default.
var hashKinds = []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512",
	"sha3-224", "sha3-256", "sha3-384", "sha3-512", "ssdeep", "tlsh", "imphash"}

// DefaultPolicy returns sakimori's default policy; docs/score.md explains
// each number.
func DefaultPolicy() Policy {
	p := Policy{
		DefaultConfidence: 50,
		Decay: map[string]Decay{
			// Addresses are reassigned, shared (cloud, CGNAT) and rotated by
			// attackers within days: a quarter gone in under two days,
			// half in 7.5 days, nothing left after 30.
			KindIPv4: {Lifetime: 30 * day, Shape: 2},
			KindIPv6: {Lifetime: 30 * day, Shape: 2},
			// Networks (hosting ranges) outlive single addresses.
			KindCIDR4: {Lifetime: 90 * day, Shape: 1},
			KindCIDR6: {Lifetime: 90 * day, Shape: 1},
			// Phishing and malware URLs are taken down within days to
			// weeks: half in 15 days, nothing after 60.
			KindURL: {Lifetime: 60 * day, Shape: 2},
			// Domains and mailboxes are registered and kept for months.
			KindDomain: {Lifetime: 180 * day, Shape: 1},
			KindEmail:  {Lifetime: 180 * day, Shape: 1},
		},
		// Anything else (other observables, patterns without atoms): a
		// year, linear, like OpenCTI's fallback rule.
		DefaultDecay:              Decay{Lifetime: 365 * day, Shape: 1},
		SightingPoints:            15,
		SightingFalloff:           0.5,
		FalsePositiveOrgPoints:    25,
		FalsePositiveRepeatPoints: 5,
		WarninglistCap:            10,
		ClockSkew:                 5 * time.Minute,
	}
	for _, k := range hashKinds {
		p.Decay[k] = Decay{} // never
	}
	return p
}

// Clone returns a deep copy of p (its Decay map is not shared).
func (p Policy) Clone() Policy {
	p.Decay = maps.Clone(p.Decay)
	return p
}

// DecayFor returns the decay of kind (normalised with NormalizeKind).
func (p Policy) DecayFor(kind string) Decay {
	if d, ok := p.Decay[NormalizeKind(kind)]; ok {
		return d
	}
	return p.DefaultDecay
}

// kindAliases maps STIX and other common spellings to Input kinds.
var kindAliases = map[string]string{
	"ipv4-addr": KindIPv4, "ipv6-addr": KindIPv6, "domain-name": KindDomain, "hostname": KindDomain,
	"email-addr": KindEmail, "sha-1": "sha1", "sha-224": "sha224", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512",
}

// NormalizeKind lower-cases kind and maps STIX spellings ("ipv4-addr",
// "domain-name", "SHA-256") to the kinds of internal/stix/pattern.
func NormalizeKind(kind string) string {
	k := strings.ToLower(strings.TrimSpace(kind))
	if a, ok := kindAliases[k]; ok {
		return a
	}
	return k
}

// Validate checks every weight and names the first bad one as its field.
func (p Policy) Validate() error {
	if p.DefaultConfidence < 0 || p.DefaultConfidence > 100 {
		return apperr.Invalid("default_confidence", "must be 0–100, not %d", p.DefaultConfidence)
	}
	if err := p.DefaultDecay.validate("default_decay"); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(p.Decay)) {
		if k == "" || k != NormalizeKind(k) {
			return apperr.Invalid("decay", "kind %q must be a non-empty, lower-case kind such as \"ipv4\"", k)
		}
		if err := p.Decay[k].validate("decay." + k); err != nil {
			return err
		}
	}
	switch {
	case !(p.SightingPoints >= 0 && p.SightingPoints <= 100):
		return apperr.Invalid("sighting_points", "must be 0–100")
	case !(p.SightingFalloff >= 0 && p.SightingFalloff < 1):
		return apperr.Invalid("sighting_falloff", "must be at least 0 and less than 1")
	case p.FalsePositiveOrgPoints < 0 || p.FalsePositiveOrgPoints > 100:
		return apperr.Invalid("false_positive_org_points", "must be 0–100, not %d", p.FalsePositiveOrgPoints)
	case p.FalsePositiveRepeatPoints < 0 || p.FalsePositiveRepeatPoints > 100:
		return apperr.Invalid("false_positive_repeat_points", "must be 0–100, not %d", p.FalsePositiveRepeatPoints)
	case p.WarninglistCap < 0 || p.WarninglistCap > 100:
		return apperr.Invalid("warninglist_cap", "must be 0–100, not %d", p.WarninglistCap)
	case p.ClockSkew < 0 || p.ClockSkew > day:
		return apperr.Invalid("clock_skew", "must be between 0 and 24h, not %s", p.ClockSkew)
	}
	return nil
}

func (d Decay) validate(field string) error {
	if d.Lifetime < 0 {
		return apperr.Invalid(field+".lifetime", "must not be negative (0 means never decays)")
	}
	if d.Lifetime > 0 && d.Lifetime < time.Hour {
		return apperr.Invalid(field+".lifetime", "must be at least 1h, or 0 for never, not %s", d.Lifetime)
	}
	if d.Lifetime > 0 && !(d.Shape >= 0.1 && d.Shape <= 10) {
		return apperr.Invalid(field+".shape", "must be from 0.1 to 10 (1 is linear)")
	}
	return nil
}
