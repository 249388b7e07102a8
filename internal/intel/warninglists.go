package intel

import (
	"context"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/share"
	"sakimori/internal/warninglist"
)

// LoadWarninglists replaces the in-memory set with the lists kept in the
// store (at start-up, and after every change). A stored list that no
// longer parses is logged and left out.
func (s *Service) LoadWarninglists(ctx context.Context) error {
	stored, err := s.DB.ListWarninglists(ctx)
	if err != nil {
		return err
	}
	set := &warninglist.Set{}
	for _, l := range stored {
		list, _, err := warninglist.Parse(l.Name+".json", l.Body)
		if err != nil {
			s.Log.Error("stored warninglist does not parse; skipped", "name", l.Name, "err", err)
			continue
		}
		if err := set.Add(list); err != nil {
			s.Log.Error("stored warninglist not loaded", "name", l.Name, "err", err)
			continue
		}
		if !l.Enabled {
			_ = set.SetEnabled(list.Name, false)
		}
	}
	s.lists.Store(set)
	s.listsLoaded.Store(true)
	return nil
}

// ensureLists loads the stored warninglists unless they were loaded
// already, so that every path that flags or withholds values (a command
// line import, a feed run, a block list) sees them.
func (s *Service) ensureLists(ctx context.Context) error {
	if s.listsLoaded.Load() {
		return nil
	}
	return s.LoadWarninglists(ctx)
}

// WarninglistResult is the outcome of loading one warninglist file.
type WarninglistResult struct {
	Name     string   `json:"name"`
	Entries  int      `json:"entries"`
	Problems []string `json:"problems"` // entries left out, with the reason
}

// PutWarninglist parses and stores a MISP-format warninglist (replacing one
// of the same name) and reloads the set. Malformed entries are left out and
// reported; a file that is not a warninglist at all is refused.
func (s *Service) PutWarninglist(ctx context.Context, p *auth.Principal, file string, body []byte) (*WarninglistResult, error) {
	if err := s.authorizeAudited(ctx, p, auth.ActWarninglistManage, auth.Target{}, "warninglist", file); err != nil {
		return nil, err
	}
	list, problems, err := warninglist.Parse(file, body)
	if err != nil {
		return nil, err
	}
	res := &WarninglistResult{Name: list.Name, Entries: len(list.Entries), Problems: []string{}}
	for _, pr := range problems {
		res.Problems = append(res.Problems, pr.Error())
	}
	if err := s.DB.PutWarninglist(ctx, p.Actor(), list.Name, body, true); err != nil {
		return nil, err
	}
	return res, s.LoadWarninglists(ctx)
}

// SetWarninglistEnabled turns a list on or off.
func (s *Service) SetWarninglistEnabled(ctx context.Context, p *auth.Principal, name string, on bool) error {
	if err := s.authorizeAudited(ctx, p, auth.ActWarninglistManage, auth.Target{}, "warninglist", name); err != nil {
		return err
	}
	if err := s.DB.SetWarninglistEnabled(ctx, p.Actor(), name, on); err != nil {
		return err
	}
	return s.LoadWarninglists(ctx)
}

// DeleteWarninglist removes a list.
func (s *Service) DeleteWarninglist(ctx context.Context, p *auth.Principal, name string) error {
	if err := s.authorizeAudited(ctx, p, auth.ActWarninglistManage, auth.Target{}, "warninglist", name); err != nil {
		return err
	}
	if err := s.DB.DeleteWarninglist(ctx, p.Actor(), name); err != nil {
		return err
	}
	return s.LoadWarninglists(ctx)
}

// Warninglists describes the loaded lists.
func (s *Service) Warninglists(ctx context.Context, p *auth.Principal) ([]warninglist.Info, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	if err := s.ensureLists(ctx); err != nil {
		return nil, err
	}
	l := s.ListSet().Lists()
	if l == nil {
		l = []warninglist.Info{}
	}
	return l, nil
}

// CheckValue reports the warninglist hits of one indicator value, tried as
// every kind it can be.
func (s *Service) CheckValue(ctx context.Context, p *auth.Principal, value string) ([]warninglist.Hit, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, apperr.Invalid("value", "required")
	}
	if err := s.ensureLists(ctx); err != nil {
		return nil, err
	}
	out := []warninglist.Hit{}
	seen := map[string]bool{}
	for _, k := range []warninglist.Kind{warninglist.KindIP, warninglist.KindDomain, warninglist.KindHostname, warninglist.KindURL,
		warninglist.KindEmail, warninglist.KindMD5, warninglist.KindSHA1, warninglist.KindSHA256, warninglist.KindSHA512, warninglist.KindString} {
		for _, h := range s.ListSet().Check(k, v) {
			if key := h.List + "\x00" + h.Entry; !seen[key] {
				seen[key] = true
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// Override lets an object hit by a warninglist be exported as a block entry
// after all: an analyst's explicit, audited decision with a reason.
func (s *Service) Override(ctx context.Context, p *auth.Principal, id, reason string) (*share.Override, error) {
	if err := s.authorizeAudited(ctx, p, auth.ActWarninglistOverride, auth.Target{}, "stix_object", id); err != nil {
		return nil, err
	}
	if _, err := s.visibleObject(ctx, p, id); err != nil {
		return nil, err
	}
	o := &share.Override{StixID: id, UserID: p.Actor().UserID, OrgID: p.ActingOrgID(), Reason: reason}
	if err := s.DB.PutOverride(ctx, p.Actor(), o); err != nil {
		return nil, err
	}
	return o, nil
}

// WithdrawOverride removes an override.
func (s *Service) WithdrawOverride(ctx context.Context, p *auth.Principal, id string) error {
	if err := s.authorizeAudited(ctx, p, auth.ActWarninglistOverride, auth.Target{}, "stix_object", id); err != nil {
		return err
	}
	if _, err := s.visibleObject(ctx, p, id); err != nil {
		return err
	}
	return s.DB.DeleteOverride(ctx, p.Actor(), id)
}
