// Package score computes an indicator's score, 0–100: how much a defender
// should trust it today. Every point is explained: Compute returns the
// score with the list of reasons that produced it, in English and Japanese,
// and the reasons' points always add up to the score.
//
// The steps, in order (docs/score.md has the formula, the default numbers
// and worked examples):
//
//  1. base: the STIX confidence, or Policy.DefaultConfidence when absent;
//  2. sightings: each distinct organisation that saw it adds points, with
//     diminishing returns;
//  3. age: base and sightings decay with the age since the latest of
//     valid_from, modified and the last sighting, by the kind's Decay
//     (file hashes never decay);
//  4. false positives: each organisation that reported one removes points,
//     and repeated reports a few more;
//  5. warning list: a value on a list of known false positives is capped
//     low;
//  6. clamp to 0–100, when needed;
//  7. revoked, past valid_until or before valid_from: the score is 0.
//
// The package is pure: no clock (the caller passes now), no store.
package score

import (
	"fmt"
	"math"
	"time"

	"sakimori/internal/confidence"
	"sakimori/internal/org"
)

// Sightings aggregates an indicator's STIX sightings.
type Sightings struct {
	// Count is the number of sightings that are not false positives, and
	// Orgs the number of distinct organisations that reported them.
	Count int `json:"count"`
	Orgs  int `json:"orgs"`
	// FalsePositives is the number of sightings marked as false positives
	// (e.g. a sakimori-defined x_false_positive or a "false positive"
	// note), and FalsePositiveOrgs the distinct organisations among them.
	FalsePositives    int `json:"false_positives"`
	FalsePositiveOrgs int `json:"false_positive_orgs"`
	// LastSeen is the last_seen of the latest sighting that is not a false
	// positive (zero when none).
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Input is what Compute needs to know about one indicator version.
type Input struct {
	// Kind is the main observable kind of the indicator, as the atom kinds
	// of internal/stix/pattern: "ipv4", "ipv6", "cidr4", "cidr6", "domain",
	// "url", "email", "md5", "sha1", "sha256", ...; "" for a pattern with
	// no atoms or of another kind. STIX spellings ("ipv4-addr") are
	// accepted (NormalizeKind).
	Kind string `json:"kind"`
	// Confidence is the STIX confidence; nil when not given. A value
	// outside 0–100 (invalid STIX) is used as is and the clamp corrects
	// the result.
	Confidence *int `json:"confidence,omitempty"`
	// ValidFrom and ValidUntil are the indicator's validity (zero = absent).
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Modified is the version's modified time.
	Modified  time.Time `json:"modified,omitzero"`
	Revoked   bool      `json:"revoked,omitempty"`
	Sightings Sightings `json:"sightings"`
	// Warninglisted reports that the value hit a warning list of known
	// false positives (internal/warninglist).
	Warninglisted bool `json:"warninglisted,omitempty"`
}

// Reason codes: stable strings clients may switch on.
const (
	CodeConfidence        = "confidence"         // base: the indicator's confidence
	CodeDefaultConfidence = "default_confidence" // base: no confidence given
	CodeSightings         = "sightings"          // organisations that saw it
	CodeAge               = "age"                // decay with age (0 points for kinds that never decay)
	CodeFalsePositives    = "false_positives"    // false-positive reports
	CodeWarninglist       = "warninglist"        // capped: on a warning list
	CodeClamp             = "clamp"              // the sum left 0–100 and was clamped
	CodeRevoked           = "revoked"            // revoked: 0
	CodeExpired           = "expired"            // valid_until has passed: 0
	CodeNotYetValid       = "not_yet_valid"      // valid_from is in the future: 0
)

// Reason is one step of the computation.
type Reason struct {
	Code string `json:"code"`
	// Points is the step's signed contribution; the Points of a Result's
	// Reasons add up to its Score.
	Points int       `json:"points"`
	Text   org.Names `json:"text"`
}

// Result is a computed score with its explanation.
type Result struct {
	Score   int      `json:"score"`
	Reasons []Reason `json:"reasons"`
	// Lifetime is the kind's decay lifetime; 0 means it never decays.
	Lifetime time.Duration `json:"lifetime"`
	// ExpiresAt is when the score reaches 0 by time alone if nothing new
	// happens (no sighting, no new version): the earlier of valid_until
	// and the age reference plus Lifetime. It is zero when time alone
	// never brings the score to 0, and for a revoked indicator.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Compute scores in at time now under policy p. p should have passed
// Validate; with an invalid policy Compute still returns a score 0–100
// whose reasons add up to it, but the numbers mean little.
func Compute(in Input, now time.Time, p Policy) Result {
	kind := NormalizeKind(in.Kind)
	dec := p.DecayFor(kind)
	res := Result{Lifetime: dec.Lifetime}
	c := computation{res: &res}

	// 1. Base.
	if in.Confidence != nil {
		v := *in.Confidence
		c.step(CodeConfidence, float64(v), func(int) org.Names {
			l := confidence.Format(confidence.ScaleNoneLowMedHigh, v)
			if l.IsZero() {
				return org.Names{
					EN: fmt.Sprintf("Confidence %d (outside 0–100) is the base.", v),
					JA: fmt.Sprintf("確度 %d（0〜100 の範囲外）を基点とします。", v),
				}
			}
			return org.Names{
				EN: fmt.Sprintf("Confidence %d (%s) is the base.", v, l.Text.EN),
				JA: fmt.Sprintf("確度 %d（%s）を基点とします。", v, l.Text.JA),
			}
		})
	} else {
		v := p.DefaultConfidence
		c.step(CodeDefaultConfidence, float64(v), func(int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("No confidence given: the default base of %d is used.", v),
				JA: fmt.Sprintf("確度の指定がないため、既定値 %d を基点とします。", v),
			}
		})
	}

	// 2. Sightings by distinct organisations, with diminishing returns.
	s := in.Sightings
	orgs := max(s.Orgs, 0)
	if orgs == 0 && s.Count > 0 {
		orgs = 1 // sightings without a known reporter count as one organisation
	}
	if orgs > 0 {
		bonus := sightingBonus(p, orgs)
		count := max(s.Count, orgs)
		c.step(CodeSightings, c.run+bonus, func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("Seen by %d %s (%d %s): %s points (+%s for the first organisation, each further one %s%% of the one before).",
					orgs, plural(orgs, "organisation", "organisations"), count, plural(count, "sighting", "sightings"),
					signed(pts), num(p.SightingPoints), num(p.SightingFalloff*100)),
				JA: fmt.Sprintf("%d 組織から計 %d 件の目撃報告: %s 点（1 組織目 +%s、以降は 1 組織ごとに前の %s%%）。",
					orgs, count, signed(pts), num(p.SightingPoints), num(p.SightingFalloff*100)),
			}
		})
	}

	// 3. Age.
	ref, refName := ageReference(in)
	known := !ref.IsZero()
	if !known || ref.After(now) {
		ref = now
	}
	age := now.Sub(ref)
	if dec.Lifetime > 0 && known {
		res.ExpiresAt = ref.Add(dec.Lifetime)
	}
	if !in.ValidUntil.IsZero() && (res.ExpiresAt.IsZero() || in.ValidUntil.Before(res.ExpiresAt)) {
		res.ExpiresAt = in.ValidUntil
	}
	c.step(CodeAge, c.run*dec.Factor(age), func(pts int) org.Names {
		return ageText(kind, dec, age, refName, pts)
	})

	// 4. False positives.
	fpOrgs := max(s.FalsePositiveOrgs, 0)
	if fpOrgs == 0 && s.FalsePositives > 0 {
		fpOrgs = 1
	}
	if fpOrgs > 0 {
		repeats := max(s.FalsePositives-fpOrgs, 0)
		penalty := float64(fpOrgs*p.FalsePositiveOrgPoints + repeats*p.FalsePositiveRepeatPoints)
		c.step(CodeFalsePositives, c.run-penalty, func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("%d %s reported false positives (%d %s): %s points (−%d per organisation, −%d per further report).",
					fpOrgs, plural(fpOrgs, "organisation", "organisations"), fpOrgs+repeats, plural(fpOrgs+repeats, "report", "reports"),
					signed(pts), p.FalsePositiveOrgPoints, p.FalsePositiveRepeatPoints),
				JA: fmt.Sprintf("%d 組織から計 %d 件の誤検知報告: %s 点（1 組織につき −%d、同じ組織からの追加報告 1 件につき −%d）。",
					fpOrgs, fpOrgs+repeats, signed(pts), p.FalsePositiveOrgPoints, p.FalsePositiveRepeatPoints),
			}
		})
	}

	// 5. Warning list.
	if in.Warninglisted {
		capv := float64(p.WarninglistCap)
		c.step(CodeWarninglist, math.Min(c.run, capv), func(pts int) org.Names {
			if pts == 0 {
				return org.Names{
					EN: fmt.Sprintf("The value is on a warning list of known false positives; the score is already at or below the cap of %d.", p.WarninglistCap),
					JA: fmt.Sprintf("値が既知の誤検知リスト（警告リスト）に含まれます。スコアはすでに上限 %d 以下です。", p.WarninglistCap),
				}
			}
			return org.Names{
				EN: fmt.Sprintf("The value is on a warning list of known false positives: capped at %d (%s points).", p.WarninglistCap, signed(pts)),
				JA: fmt.Sprintf("値が既知の誤検知リスト（警告リスト）に含まれるため、上限 %d に制限します（%s 点）。", p.WarninglistCap, signed(pts)),
			}
		})
	}

	// 6. Clamp, when the rounded sum left 0–100.
	if r := c.rounded(); r > 100 || r < 0 {
		lim := 0
		if r > 100 {
			lim = 100
		}
		c.step(CodeClamp, float64(lim), func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("The sum %d is outside 0–100: limited to %d (%s points).", r, lim, signed(pts)),
				JA: fmt.Sprintf("合計 %d が 0〜100 の範囲外のため %d にします（%s 点）。", r, lim, signed(pts)),
			}
		})
	}

	// 7. Revoked, expired, not yet valid.
	switch {
	case in.Revoked:
		res.ExpiresAt = time.Time{}
		c.step(CodeRevoked, 0, func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("The indicator is revoked: score 0 (%s points).", signed(pts)),
				JA: fmt.Sprintf("この指標は取り消されています（revoked）: スコア 0（%s 点）。", signed(pts)),
			}
		})
	case !in.ValidUntil.IsZero() && !now.Before(in.ValidUntil):
		c.step(CodeExpired, 0, func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("valid_until %s has passed: score 0 (%s points).", stamp(in.ValidUntil), signed(pts)),
				JA: fmt.Sprintf("有効期限（valid_until %s）を過ぎています: スコア 0（%s 点）。", stamp(in.ValidUntil), signed(pts)),
			}
		})
	case !in.ValidFrom.IsZero() && in.ValidFrom.After(now.Add(p.ClockSkew)):
		c.step(CodeNotYetValid, 0, func(pts int) org.Names {
			return org.Names{
				EN: fmt.Sprintf("valid_from %s is in the future: score 0 until then (%s points).", stamp(in.ValidFrom), signed(pts)),
				JA: fmt.Sprintf("有効開始（valid_from %s）前のため、それまでスコア 0（%s 点）。", stamp(in.ValidFrom), signed(pts)),
			}
		})
	}

	res.Score = c.rounded()
	return res
}

// computation accumulates the running (unrounded) score and the reasons.
// Each reason's points are the change of the rounded running score, so the
// points add up to the final rounded score exactly.
type computation struct {
	res  *Result
	run  float64 // running score, before rounding
	prev int     // rounded running score after the last step
}

func (c *computation) rounded() int { return c.prev }

func (c *computation) step(code string, after float64, text func(points int) org.Names) {
	if math.IsNaN(after) {
		after = 0
	}
	after = math.Max(math.Min(after, 1e6), -1e6) // keep the int conversion defined
	r := int(math.Round(after))
	pts := r - c.prev
	c.run, c.prev = after, r
	c.res.Reasons = append(c.res.Reasons, Reason{Code: code, Points: pts, Text: text(pts)})
}

// sightingBonus is the geometric series SightingPoints × (1 + f + f² + …)
// over orgs terms.
func sightingBonus(p Policy, orgs int) float64 {
	f := p.SightingFalloff
	if f <= 0 || f >= 1 {
		return p.SightingPoints // validated policies have 0 ≤ f < 1; only the first counts at f = 0
	}
	return p.SightingPoints * (1 - math.Pow(f, float64(orgs))) / (1 - f)
}

// ageReference returns the latest of valid_from, modified and the last
// sighting, and which one it is.
func ageReference(in Input) (time.Time, org.Names) {
	var t time.Time
	var name org.Names
	for _, c := range []struct {
		t    time.Time
		name org.Names
	}{
		{in.ValidFrom, org.Names{EN: "valid_from", JA: "有効開始（valid_from）"}},
		{in.Modified, org.Names{EN: "the last modification", JA: "最終更新"}},
		{in.Sightings.LastSeen, org.Names{EN: "the last sighting", JA: "最終目撃"}},
	} {
		if !c.t.IsZero() && c.t.After(t) {
			t, name = c.t, c.name
		}
	}
	return t, name
}

func ageText(kind string, d Decay, age time.Duration, ref org.Names, pts int) org.Names {
	k := kind
	if k == "" {
		k = "other"
	}
	if d.Lifetime <= 0 {
		return org.Names{
			EN: fmt.Sprintf("Indicators of kind %s do not decay with age.", k),
			JA: fmt.Sprintf("種別 %s の指標は経過時間で減衰しません。", k),
		}
	}
	if ref.EN == "" {
		return org.Names{
			EN: fmt.Sprintf("No valid_from, modification or sighting time: no decay yet (kind %s loses everything over %s).", k, dur(d.Lifetime).EN),
			JA: fmt.Sprintf("有効開始・更新・目撃の時刻がないため減衰なし（種別 %s は %s で 0 になります）。", k, dur(d.Lifetime).JA),
		}
	}
	a, l, h := dur(age), dur(d.Lifetime), dur(d.HalfAge())
	return org.Names{
		EN: fmt.Sprintf("%s since %s; kind %s loses half its score by %s and all of it by %s: %s points.",
			capitalize(a.EN), ref.EN, k, h.EN, l.EN, signed(pts)),
		JA: fmt.Sprintf("%sから %s経過。種別 %s は %sで半減、%sで 0 になります: %s 点。",
			ref.JA, a.JA, k, h.JA, l.JA, signed(pts)),
	}
}

// dur writes a duration for people: minutes under 2 hours, hours under
// 2 days, then days (with one decimal under 10 days).
func dur(d time.Duration) org.Names {
	switch {
	case d < 2*time.Hour:
		m := int(d.Round(time.Minute) / time.Minute)
		return org.Names{EN: fmt.Sprintf("%d %s", m, plural(m, "minute", "minutes")), JA: fmt.Sprintf("%d 分", m)}
	case d < 2*day:
		h := int(d.Round(time.Hour) / time.Hour)
		return org.Names{EN: fmt.Sprintf("%d hours", h), JA: fmt.Sprintf("%d 時間", h)}
	case d < 10*day:
		v := num(math.Round(float64(d)/float64(day)*10) / 10)
		return org.Names{EN: v + " days", JA: v + " 日"}
	}
	n := int(math.Round(float64(d) / float64(day)))
	return org.Names{EN: fmt.Sprintf("%d days", n), JA: fmt.Sprintf("%d 日", n)}
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// signed writes points with their sign: "+12", "−7", "±0".
func signed(n int) string {
	switch {
	case n > 0:
		return fmt.Sprintf("+%d", n)
	case n < 0:
		return fmt.Sprintf("−%d", -n)
	}
	return "±0"
}

// num writes a weight without needless decimals: 15, 7.5.
func num(f float64) string { return fmt.Sprintf("%g", math.Round(f*100)/100) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
