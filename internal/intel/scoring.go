package intel

import (
	"time"

	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/stix"
)

// ScoreInput builds the score input of an indicator version with its
// sightings summary: the kind is the first atom's, the times and confidence
// come from the STIX object, and a warninglist hit recorded at ingest marks
// it. ok is false for objects that are not indicators.
func ScoreInput(r *share.Record, sum *share.SightingSummary) (score.Input, bool) {
	if r.Type != "indicator" {
		return score.Input{}, false
	}
	in := score.Input{Confidence: r.Confidence, Revoked: r.Revoked, Modified: r.Version, Warninglisted: len(r.Flags) > 0}
	if o, err := stix.Parse(r.Raw); err == nil {
		if atoms := objectAtoms(o); len(atoms) > 0 {
			in.Kind = atoms[0].Kind
		}
		if t, err := time.Parse(time.RFC3339Nano, propString(o, "valid_from")); err == nil {
			in.ValidFrom = t.UTC()
		}
	}
	if r.ValidUntil != nil {
		in.ValidUntil = *r.ValidUntil
	}
	if sum != nil {
		in.Sightings = score.Sightings{Count: sum.Count, Orgs: sum.Orgs, FalsePositives: sum.FalsePositives, FalsePositiveOrgs: sum.FalsePositiveOrgs}
		if sum.LastSeen != nil {
			in.Sightings.LastSeen = *sum.LastSeen
		}
	}
	return in, true
}

// Score computes the score of an indicator version now, with the default
// policy (docs/score.md); nil for other objects.
func (s *Service) Score(r *share.Record, sum *share.SightingSummary) *score.Result {
	in, ok := ScoreInput(r, sum)
	if !ok {
		return nil
	}
	res := score.Compute(in, s.now(), score.DefaultPolicy())
	return &res
}
