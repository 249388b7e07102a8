package reporting

import (
	"bytes"
	"context"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/regime"
	"sakimori/internal/reportexport"
)

// Print renders the printable HTML of the incident for a regime's stage
// (both optional) in lang; submissionID, when given, prints that
// submission exactly as sent.
func (s *Service) Print(ctx context.Context, p *auth.Principal, id, regimeID, stageID, submissionID, lang string) ([]byte, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := reportexport.PrintData{Incident: v.Incident, Org: v.Org, Content: v.Incident.Content, Version: v.Incident.Version, Lang: lang, Now: s.now()}
	if submissionID != "" {
		sub, err := s.Submission(ctx, p, id, submissionID)
		if err != nil {
			return nil, err
		}
		b, err := decodeBody(sub.Body)
		if err != nil {
			return nil, err
		}
		d.Submission, d.Content, d.Version = sub, b.Content, b.Version
		if regimeID == "" {
			regimeID, stageID = sub.Regime, sub.Stage
		}
	}
	if regimeID != "" {
		all, err := s.Regimes(ctx, p, v.Incident.OrgID)
		if err != nil {
			return nil, err
		}
		r, ok := regime.Find(all, regimeID)
		if !ok {
			return nil, apperr.Invalid("regime", "no regime %q", regimeID)
		}
		d.Regime = &r
		if stageID != "" {
			st, ok := r.Stage(stageID)
			if !ok {
				return nil, apperr.Invalid("stage", "%s has no stage %q", regimeID, stageID)
			}
			d.Stage = &st
		}
	}
	var buf bytes.Buffer
	if err := reportexport.RenderPrint(&buf, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
