package score

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
)

var now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func conf(v int) *int { return &v }

func ago(d time.Duration) time.Time { return now.Add(-d) }

type reasonPts map[string]int

// TestCompute: concrete cases with the expected score and each reason's
// points (docs/score.md's worked examples are among them).
func TestCompute(t *testing.T) {
	cases := []struct {
		name   string
		in     Input
		score  int
		points reasonPts
		codes  string // reason codes in order
	}{
		{"fresh high ipv4", Input{Kind: "ipv4", Confidence: conf(85), Modified: now},
			85, reasonPts{CodeConfidence: 85, CodeAge: 0}, "confidence age"},
		{"ipv4 half at 7.5 days", Input{Kind: "ipv4", Confidence: conf(80), Modified: ago(7*day + 12*time.Hour)},
			40, reasonPts{CodeConfidence: 80, CodeAge: -40}, "confidence age"},
		{"ipv4 after lifetime", Input{Kind: "ipv4-addr", Confidence: conf(80), Modified: ago(31 * day)},
			0, reasonPts{CodeConfidence: 80, CodeAge: -80}, "confidence age"},
		{"ipv4 seen by 3 orgs 2 days ago", Input{Kind: "ipv4", Confidence: conf(85), Modified: ago(10 * day),
			Sightings: Sightings{Count: 5, Orgs: 3, LastSeen: ago(2 * day)}},
			// (85 + 26.25) × (1 − √(2/30)) = 111.25 × 0.7418 = 82.5
			83, reasonPts{CodeConfidence: 85, CodeSightings: 26, CodeAge: -28}, "confidence sightings age"},
		{"domain default confidence 45 days", Input{Kind: "domain", Modified: ago(45 * day)},
			// 50 × (1 − 45/180) = 37.5
			38, reasonPts{CodeDefaultConfidence: 50, CodeAge: -12}, "default_confidence age"},
		{"url 15 days half", Input{Kind: "url", Confidence: conf(70), ValidFrom: ago(15 * day), Modified: ago(20 * day)},
			35, reasonPts{CodeConfidence: 70, CodeAge: -35}, "confidence age"},
		{"cidr linear", Input{Kind: "cidr4", Confidence: conf(60), Modified: ago(30 * day)},
			40, reasonPts{CodeConfidence: 60, CodeAge: -20}, "confidence age"},
		{"other kind a year", Input{Kind: "", Confidence: conf(100), Modified: ago(73 * day)},
			80, reasonPts{CodeConfidence: 100, CodeAge: -20}, "confidence age"},
		{"hash never decays, false positives", Input{Kind: "SHA-256", Confidence: conf(85), Modified: ago(1000 * day),
			Sightings: Sightings{Count: 5, Orgs: 3, FalsePositives: 3, FalsePositiveOrgs: 2}},
			// 85 + 26.25 − (2×25 + 1×5) = 56.25
			56, reasonPts{CodeConfidence: 85, CodeSightings: 26, CodeAge: 0, CodeFalsePositives: -55}, "confidence sightings age false_positives"},
		{"fresh clamp high", Input{Kind: "md5", Confidence: conf(95), Sightings: Sightings{Count: 2, Orgs: 2}},
			// 95 + 22.5 = 117.5 → 100
			100, reasonPts{CodeConfidence: 95, CodeSightings: 23, CodeAge: 0, CodeClamp: -18}, "confidence sightings age clamp"},
		{"false positives below zero clamp", Input{Kind: "md5", Confidence: conf(30),
			Sightings: Sightings{FalsePositives: 4, FalsePositiveOrgs: 2}},
			0, reasonPts{CodeConfidence: 30, CodeAge: 0, CodeFalsePositives: -60, CodeClamp: 30}, "confidence age false_positives clamp"},
		{"warninglist caps", Input{Kind: "domain", Modified: ago(30 * day), Warninglisted: true},
			// 50 × (1 − 30/180) = 41.67 → cap 10
			10, reasonPts{CodeDefaultConfidence: 50, CodeAge: -8, CodeWarninglist: -32}, "default_confidence age warninglist"},
		{"warninglist already low", Input{Kind: "ipv4", Confidence: conf(5), Modified: now, Warninglisted: true},
			5, reasonPts{CodeConfidence: 5, CodeAge: 0, CodeWarninglist: 0}, "confidence age warninglist"},
		{"revoked", Input{Kind: "url", Confidence: conf(85), Modified: ago(day), Revoked: true, Sightings: Sightings{Count: 1, Orgs: 5}},
			0, reasonPts{CodeConfidence: 85, CodeSightings: 29, CodeAge: -15, CodeRevoked: -99}, "confidence sightings age revoked"},
		{"expired", Input{Kind: "sha1", Confidence: conf(60), Modified: ago(day), ValidUntil: ago(time.Hour)},
			0, reasonPts{CodeConfidence: 60, CodeAge: 0, CodeExpired: -60}, "confidence age expired"},
		{"valid_until exactly now is expired", Input{Kind: "sha1", Confidence: conf(60), ValidUntil: now},
			0, reasonPts{CodeConfidence: 60, CodeAge: 0, CodeExpired: -60}, "confidence age expired"},
		{"not yet valid", Input{Kind: "domain", Confidence: conf(60), Modified: ago(day), ValidFrom: now.Add(time.Hour)},
			0, reasonPts{CodeConfidence: 60, CodeAge: 0, CodeNotYetValid: -60}, "confidence age not_yet_valid"},
		{"valid_from within clock skew", Input{Kind: "domain", Confidence: conf(60), ValidFrom: now.Add(time.Minute)},
			60, reasonPts{CodeConfidence: 60, CodeAge: 0}, "confidence age"},
		{"no times at all", Input{Kind: "ipv4", Confidence: conf(40)},
			40, reasonPts{CodeConfidence: 40, CodeAge: 0}, "confidence age"},
		{"invalid confidence is clamped", Input{Kind: "md5", Confidence: conf(150)},
			100, reasonPts{CodeConfidence: 150, CodeAge: 0, CodeClamp: -50}, "confidence age clamp"},
		{"sightings without orgs count as one", Input{Kind: "md5", Confidence: conf(50), Sightings: Sightings{Count: 4}},
			65, reasonPts{CodeConfidence: 50, CodeSightings: 15, CodeAge: 0}, "confidence sightings age"},
		{"negative counts ignored", Input{Kind: "md5", Confidence: conf(50), Sightings: Sightings{Count: -3, Orgs: -1, FalsePositives: -2}},
			50, reasonPts{CodeConfidence: 50, CodeAge: 0}, "confidence age"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Compute(c.in, now, DefaultPolicy())
			var codes []string
			sum := 0
			for _, x := range r.Reasons {
				codes = append(codes, x.Code)
				sum += x.Points
				if want, ok := c.points[x.Code]; !ok || want != x.Points {
					t.Errorf("%s: %d points, want %d (%s)", x.Code, x.Points, want, x.Text.EN)
				}
				if x.Text.EN == "" || x.Text.JA == "" {
					t.Errorf("%s: empty text", x.Code)
				}
			}
			if strings.Join(codes, " ") != c.codes {
				t.Errorf("codes %q, want %q", strings.Join(codes, " "), c.codes)
			}
			if r.Score != c.score || sum != r.Score {
				t.Errorf("score %d (sum %d), want %d; %+v", r.Score, sum, c.score, r.Reasons)
			}
		})
	}
}

func TestLifetimeAndExpiry(t *testing.T) {
	p := DefaultPolicy()
	r := Compute(Input{Kind: "ipv4", Confidence: conf(50), Modified: ago(10 * day), Sightings: Sightings{Count: 1, Orgs: 1, LastSeen: ago(day)}}, now, p)
	if r.Lifetime != 30*day || !r.ExpiresAt.Equal(ago(day).Add(30*day)) {
		t.Errorf("ipv4: lifetime %s, expires %s", r.Lifetime, r.ExpiresAt)
	}
	r = Compute(Input{Kind: "ipv4", Confidence: conf(50), Modified: ago(day), ValidUntil: now.Add(day)}, now, p)
	if !r.ExpiresAt.Equal(now.Add(day)) {
		t.Errorf("valid_until earlier than decay: %s", r.ExpiresAt)
	}
	r = Compute(Input{Kind: "sha256", Confidence: conf(50), Modified: ago(day)}, now, p)
	if r.Lifetime != 0 || !r.ExpiresAt.IsZero() {
		t.Errorf("sha256: %s %s", r.Lifetime, r.ExpiresAt)
	}
	r = Compute(Input{Kind: "sha256", Confidence: conf(50), ValidUntil: now.Add(day)}, now, p)
	if !r.ExpiresAt.Equal(now.Add(day)) {
		t.Errorf("sha256 with valid_until: %s", r.ExpiresAt)
	}
	r = Compute(Input{Kind: "domain", Confidence: conf(50), Revoked: true, Modified: ago(day)}, now, p)
	if !r.ExpiresAt.IsZero() || r.Score != 0 {
		t.Errorf("revoked: %+v", r)
	}
	r = Compute(Input{Kind: "domain", Confidence: conf(50)}, now, p)
	if !r.ExpiresAt.IsZero() {
		t.Errorf("no reference time: %s", r.ExpiresAt)
	}
	// Just before the lifetime ends the score is still positive.
	r = Compute(Input{Kind: "domain", Confidence: conf(100), Modified: ago(179 * day)}, now, p)
	if r.Score != 1 {
		t.Errorf("domain at 179 days: %d", r.Score)
	}
}

func TestDecay(t *testing.T) {
	d := Decay{Lifetime: 30 * day, Shape: 2}
	if d.HalfAge() != 7*day+12*time.Hour || d.Factor(0) != 1 || d.Factor(-day) != 1 || d.Factor(30*day) != 0 || d.Factor(40*day) != 0 {
		t.Errorf("decay: half %s", d.HalfAge())
	}
	if f := d.Factor(d.HalfAge()); f < 0.4999 || f > 0.5001 {
		t.Errorf("factor at half age: %v", f)
	}
	if (Decay{}).Factor(1000*day) != 1 || (Decay{}).HalfAge() != 0 {
		t.Error("never-decaying")
	}
	lin := Decay{Lifetime: 100 * day, Shape: 1}
	if f := lin.Factor(25 * day); f != 0.75 {
		t.Errorf("linear: %v", f)
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		field string
		edit  func(*Policy)
	}{
		{"default_confidence", func(p *Policy) { p.DefaultConfidence = 101 }},
		{"default_decay.lifetime", func(p *Policy) { p.DefaultDecay.Lifetime = -1 }},
		{"default_decay.lifetime", func(p *Policy) { p.DefaultDecay.Lifetime = time.Minute }},
		{"default_decay.shape", func(p *Policy) { p.DefaultDecay.Shape = 0 }},
		{"decay.ipv4.shape", func(p *Policy) { p.Decay["ipv4"] = Decay{Lifetime: day, Shape: 11} }},
		{"decay", func(p *Policy) { p.Decay["IPv4"] = Decay{} }},
		{"decay", func(p *Policy) { p.Decay[""] = Decay{} }},
		{"sighting_points", func(p *Policy) { p.SightingPoints = -1 }},
		{"sighting_falloff", func(p *Policy) { p.SightingFalloff = 1 }},
		{"false_positive_org_points", func(p *Policy) { p.FalsePositiveOrgPoints = -5 }},
		{"false_positive_repeat_points", func(p *Policy) { p.FalsePositiveRepeatPoints = 101 }},
		{"warninglist_cap", func(p *Policy) { p.WarninglistCap = -1 }},
		{"clock_skew", func(p *Policy) { p.ClockSkew = -time.Second }},
	}
	for _, c := range cases {
		p := DefaultPolicy().Clone()
		c.edit(&p)
		err := p.Validate()
		if !errors.Is(err, apperr.ErrInvalid) || apperr.As(err).Field != c.field {
			t.Errorf("%s: %v", c.field, err)
		}
	}
	p := DefaultPolicy()
	q := p.Clone()
	q.Decay["ipv4"] = Decay{}
	if p.Decay["ipv4"].Lifetime == 0 {
		t.Error("Clone shares the map")
	}
	if p.DecayFor("IPv4-Addr").Lifetime != 30*day || p.DecayFor("x509").Lifetime != 365*day || p.DecayFor("sha3-256").Lifetime != 0 {
		t.Error("DecayFor")
	}
}

// randomInput draws inputs over every rule, including odd ones (invalid
// confidence, negative counts, times in the future).
func randomInput(r *rand.Rand) Input {
	kinds := []string{"ipv4", "ipv6", "cidr4", "domain", "url", "email", "md5", "sha256", "", "x509", "SHA-1"}
	in := Input{Kind: kinds[r.IntN(len(kinds))], Revoked: r.IntN(10) == 0, Warninglisted: r.IntN(6) == 0}
	if r.IntN(5) > 0 {
		in.Confidence = conf(r.IntN(121) - 10)
	}
	t := func() time.Time {
		if r.IntN(4) == 0 {
			return time.Time{}
		}
		return now.Add(time.Duration(r.Int64N(int64(800*day))) - 700*day)
	}
	in.ValidFrom, in.Modified, in.Sightings.LastSeen = t(), t(), t()
	if r.IntN(3) == 0 {
		in.ValidUntil = t()
	}
	in.Sightings.Count = r.IntN(30) - 2
	in.Sightings.Orgs = r.IntN(12) - 1
	in.Sightings.FalsePositives = r.IntN(8) - 1
	in.Sightings.FalsePositiveOrgs = r.IntN(5) - 1
	return in
}

// TestReasonsSumToScore: over random inputs, the points add up to the score,
// the score is 0–100, and every reason is explained in both languages.
func TestReasonsSumToScore(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := DefaultPolicy()
	for i := range 20000 {
		in := randomInput(r)
		res := Compute(in, now, p)
		sum := 0
		for _, x := range res.Reasons {
			sum += x.Points
			if x.Text.EN == "" || x.Text.JA == "" || x.Code == "" {
				t.Fatalf("%d: reason %+v", i, x)
			}
		}
		if sum != res.Score || res.Score < 0 || res.Score > 100 || len(res.Reasons) < 2 {
			t.Fatalf("%d: %+v: score %d, sum %d, reasons %+v", i, in, res.Score, sum, res.Reasons)
		}
		if (in.Revoked || (!in.ValidUntil.IsZero() && !now.Before(in.ValidUntil))) && res.Score != 0 {
			t.Fatalf("%d: revoked/expired scored %d", i, res.Score)
		}
		if in.Warninglisted && res.Score > p.WarninglistCap {
			t.Fatalf("%d: warninglisted scored %d", i, res.Score)
		}
	}
}

// TestMonotone: more organisations seeing it never lowers the score; more
// false-positive organisations never raise it; being older never raises it.
func TestMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := DefaultPolicy()
	for i := range 5000 {
		in := randomInput(r)
		base := Compute(in, now, p).Score
		more := in
		more.Sightings.Orgs = max(in.Sightings.Orgs, 0) + 1 + r.IntN(3)
		if s := Compute(more, now, p).Score; s < base {
			t.Fatalf("%d: more orgs %d < %d: %+v", i, s, base, in)
		}
		fp := in
		fp.Sightings.FalsePositiveOrgs = max(in.Sightings.FalsePositiveOrgs, 0) + 1
		fp.Sightings.FalsePositives = max(in.Sightings.FalsePositives, fp.Sightings.FalsePositiveOrgs)
		if s := Compute(fp, now, p).Score; s > base {
			t.Fatalf("%d: more false positives %d > %d: %+v", i, s, base, in)
		}
		if in.ValidUntil.IsZero() && (in.ValidFrom.IsZero() || !in.ValidFrom.After(now)) {
			later := now.Add(time.Duration(r.Int64N(int64(100 * day))))
			if s := Compute(in, later, p).Score; s > base {
				t.Fatalf("%d: older %d > %d: %+v", i, s, base, in)
			}
		}
	}
}

func TestTexts(t *testing.T) {
	r := Compute(Input{Kind: "ipv4", Confidence: conf(85), Modified: ago(10 * day),
		Sightings: Sightings{Count: 5, Orgs: 3, LastSeen: ago(2 * day)}}, now, DefaultPolicy())
	want := []string{
		"Confidence 85 (High) is the base.",
		"Seen by 3 organisations (5 sightings): +26 points",
		"2 days since the last sighting; kind ipv4 loses half its score by 7.5 days and all of it by 30 days: −28 points.",
	}
	for i, w := range want {
		if !strings.Contains(r.Reasons[i].Text.EN, w) {
			t.Errorf("reason %d: %q, want %q", i, r.Reasons[i].Text.EN, w)
		}
	}
	if !strings.Contains(r.Reasons[2].Text.JA, "最終目撃から 2 日経過") {
		t.Errorf("ja: %q", r.Reasons[2].Text.JA)
	}
	for d, w := range map[time.Duration]string{30 * time.Minute: "30 minutes", time.Minute: "1 minute", 5 * time.Hour: "5 hours",
		36 * time.Hour: "36 hours", 3*day + 12*time.Hour: "3.5 days", 45 * day: "45 days"} {
		if got := dur(d).EN; got != w {
			t.Errorf("dur(%s) = %q, want %q", d, got, w)
		}
	}
	if signed(0) != "±0" || signed(-3) != "−3" || signed(4) != "+4" {
		t.Error("signed")
	}
}

func BenchmarkCompute(b *testing.B) {
	in := Input{Kind: "ipv4", Confidence: conf(85), Modified: ago(10 * day), Warninglisted: true,
		Sightings: Sightings{Count: 5, Orgs: 3, FalsePositives: 2, FalsePositiveOrgs: 1, LastSeen: ago(2 * day)}}
	p := DefaultPolicy()
	b.ReportAllocs()
	for b.Loop() {
		Compute(in, now, p)
	}
}
