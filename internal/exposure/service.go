package exposure

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/vuln"
)

// Service is the registry and vulnerability service. Every surface (API,
// CLI, dashboard) calls it with the acting principal; it authorises, applies
// TLP to vulnerabilities and notices, and matches on every change.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Viewer resolves a principal for TLP decisions (the sharing service's,
	// with groups and supply-chain links); nil: organisation and kind only.
	Viewer func(context.Context, *auth.Principal) (marking.Viewer, error)
	// Now is the clock for overdue decisions; tests may replace it.
	Now func() time.Time

	mu  sync.Mutex // guards ix and gen
	ix  *Index
	gen int64
}

// New returns a service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log, Now: time.Now, gen: -1}
}

func (s *Service) viewer(ctx context.Context, p *auth.Principal) (marking.Viewer, error) {
	if p == nil || p.User == nil && !p.IsSystem() {
		return marking.Viewer{}, apperr.ErrUnauthenticated
	}
	if s.Viewer != nil {
		return s.Viewer(ctx, p)
	}
	if p.Org == nil {
		return marking.Viewer{}, apperr.Invalid("org", "choose the organisation to act for")
	}
	v := marking.Viewer{OrgID: p.Org.ID, OrgKind: p.Org.Kind}
	if p.User != nil {
		v.UserID = p.User.ID
	}
	return v, nil
}

// index returns the matching index, reloading it when the registry changed
// since it was built (on this node or another).
func (s *Service) index(ctx context.Context) (*Index, error) {
	gen, err := s.DB.RegistryGeneration(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ix != nil && s.gen == gen {
		return s.ix, nil
	}
	ix := NewIndex()
	gen, err = s.DB.MatchableComputers(ctx, func(c *registry.Computer) error { ix.Add(c); return nil })
	if err != nil {
		return nil, err
	}
	ix.Prepare()
	s.ix, s.gen = ix, gen
	return ix, nil
}

// applyLocal applies this node's own notifications (which moved the
// registry to generation gen) to the in-memory index, when the index is
// of the generation just before: no reload of the whole registry after
// each notification. Otherwise (another node changed the registry too,
// or there is no index yet) the next match reloads.
func (s *Service) applyLocal(gen int64, cs []*registry.Computer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ix == nil || s.gen != gen-1 {
		return
	}
	for _, c := range cs {
		s.ix.Update(c)
	}
	s.gen = gen
}

// ---- the registry ----------------------------------------------------------

// NotifyResult is what a notification changed.
type NotifyResult struct {
	Computer *registry.Computer  `json:"computer"`
	Changed  bool                `json:"changed"` // false: identical to the last notification
	Match    *store.MatchOutcome `json:"match,omitempty"`
}

// Notify records a notification of computer c for organisation c.OrgID
// (the principal's own when empty) and matches it against every
// vulnerability of its products.
func (s *Service) Notify(ctx context.Context, p *auth.Principal, c *registry.Computer) (*NotifyResult, error) {
	if c.OrgID == "" {
		c.OrgID = p.ActingOrgID()
	}
	if err := auth.Authorize(p, auth.ActRegistryWrite, auth.Target{OrgID: c.OrgID}); err != nil {
		return nil, err
	}
	out, gen, err := s.DB.NotifyComputers(ctx, p.Actor(), []*registry.Computer{c})
	if err != nil {
		return nil, err
	}
	if out[0].Err != nil {
		return nil, out[0].Err
	}
	changed := out[0].Changed
	if changed {
		s.applyLocal(gen, []*registry.Computer{c})
	}
	res := &NotifyResult{Computer: c, Changed: changed}
	if changed {
		if res.Match, err = s.matchComputer(ctx, p, c); err != nil {
			return res, err
		}
	}
	return res, nil
}

// ImportResult summarises a bulk notification.
type ImportResult struct {
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Problems  []ImportProblem `json:"problems"`
	Exposures int             `json:"new_exposures"`
	Computers []string        `json:"computer_ids"`
}

// ImportProblem is one record that was not taken, and why.
type ImportProblem struct {
	Row     int    `json:"row"` // 1-based record number (CSV: spreadsheet row)
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// NotifyAll notifies many computers (an import) in batches of 500 per
// transaction; a bad one is reported and the others are kept. rows gives
// each computer's row number for problems (nil: 1, 2, ...). Matching runs
// once per vulnerability of the products involved (old and new), not
// once per computer.
func (s *Service) NotifyAll(ctx context.Context, p *auth.Principal, orgID string, cs []registry.Computer, rows []int) (*ImportResult, error) {
	if orgID == "" {
		orgID = p.ActingOrgID()
	}
	if err := auth.Authorize(p, auth.ActRegistryWrite, auth.Target{OrgID: orgID}); err != nil {
		return nil, err
	}
	res := &ImportResult{Problems: []ImportProblem{}, Computers: []string{}}
	keys := map[string]bool{}
	const batch = 500
	for lo := 0; lo < len(cs); lo += batch {
		hi := min(lo+batch, len(cs))
		ptrs := make([]*registry.Computer, 0, hi-lo)
		for i := lo; i < hi; i++ {
			cs[i].OrgID = orgID
			ptrs = append(ptrs, &cs[i])
		}
		out, gen, err := s.DB.NotifyComputers(ctx, p.Actor(), ptrs)
		if err != nil {
			return res, err
		}
		var changed []*registry.Computer
		for j, o := range out {
			if o.Err == nil && o.Changed {
				changed = append(changed, ptrs[j])
			}
		}
		if len(changed) > 0 {
			s.applyLocal(gen, changed)
		}
		for j, o := range out {
			c := ptrs[j]
			if o.Err != nil {
				row := lo + j + 1
				if rows != nil {
					row = rows[lo+j]
				}
				pr := ImportProblem{Row: row, Message: o.Err.Error()}
				if ae := apperr.As(o.Err); ae != nil {
					pr.Field, pr.Message = ae.Field, ae.Message
				}
				res.Problems = append(res.Problems, pr)
				continue
			}
			res.Computers = append(res.Computers, c.ID)
			switch {
			case !o.Changed:
				res.Unchanged++
				continue
			case o.Previous == nil:
				res.Created++
			default:
				res.Updated++
				for _, n := range o.Previous.Identities() {
					keys[n.VendorProduct()] = true
				}
			}
			for _, n := range c.Identities() {
				keys[n.VendorProduct()] = true
			}
		}
	}
	if len(keys) == 0 {
		return res, nil
	}
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	slices.Sort(list)
	vulns, err := s.DB.VulnsForProducts(ctx, list)
	if err != nil {
		return res, err
	}
	for i := range vulns {
		out, err := s.matchVuln(ctx, p, &vulns[i])
		if err != nil {
			return res, err
		}
		res.Exposures += len(out.New)
	}
	return res, nil
}

// Computer returns computer id if p may see it.
func (s *Service) Computer(ctx context.Context, p *auth.Principal, id string) (*registry.Computer, error) {
	c, err := s.DB.GetComputer(ctx, id)
	if err != nil {
		return nil, err
	}
	if !auth.Can(p, auth.ActRegistryRead, auth.Target{OrgID: c.OrgID}) {
		return nil, apperr.NotFound("computer", id) // do not confirm it exists
	}
	return c, nil
}

// Computers lists the computers of organisation q.OrgID (the principal's
// own when empty; government users may list every organisation's with
// AllOrgs).
func (s *Service) Computers(ctx context.Context, p *auth.Principal, q store.ComputerQuery, allOrgs bool) ([]registry.Computer, int, error) {
	if q.OrgID == "" && !allOrgs {
		q.OrgID = p.ActingOrgID()
	}
	if q.OrgID == "" {
		if err := auth.Authorize(p, auth.ActExposureOverview, auth.Target{}); err != nil {
			return nil, 0, err
		}
	} else if err := auth.Authorize(p, auth.ActRegistryRead, auth.Target{OrgID: q.OrgID}); err != nil {
		return nil, 0, err
	}
	return s.DB.ListComputers(ctx, q)
}

// ComputerByRef returns the computer of organisation orgID (the
// principal's own when empty) with ref; not found when there is none.
func (s *Service) ComputerByRef(ctx context.Context, p *auth.Principal, orgID, ref string) (*registry.Computer, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, apperr.NotFound("computer", ref)
	}
	cs, _, err := s.Computers(ctx, p, store.ComputerQuery{OrgID: orgID, Ref: ref, Retired: true, Limit: 1}, false)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, apperr.NotFound("computer", ref)
	}
	return &cs[0], nil
}

// Notifications returns every notified version of computer id.
func (s *Service) Notifications(ctx context.Context, p *auth.Principal, id string) ([]registry.Notification, error) {
	if _, err := s.Computer(ctx, p, id); err != nil {
		return nil, err
	}
	return s.DB.ComputerNotifications(ctx, id)
}

// ---- vulnerabilities -------------------------------------------------------

// PutResult is what recording a vulnerability changed.
type PutResult struct {
	Vuln    *vuln.Vulnerability `json:"vulnerability"`
	Changed bool                `json:"changed"`
	Match   *store.MatchOutcome `json:"match,omitempty"`
}

// PutVuln records (or updates) a vulnerability and matches it against the
// registry at once.
func (s *Service) PutVuln(ctx context.Context, p *auth.Principal, v *vuln.Vulnerability) (*PutResult, error) {
	if err := auth.Authorize(p, auth.ActVulnWrite, auth.Target{}); err != nil {
		return nil, err
	}
	if v.OwnerOrgID == "" {
		v.OwnerOrgID = p.ActingOrgID()
	}
	if v.Source == "" {
		v.Source = "manual"
	}
	changed, err := s.DB.PutVuln(ctx, p.Actor(), v)
	if err != nil {
		return nil, err
	}
	res := &PutResult{Vuln: v, Changed: changed}
	if changed {
		res.Match, err = s.matchVuln(ctx, p, v)
	}
	return res, err
}

// VulnImportResult summarises an import of vulnerability records.
type VulnImportResult struct {
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Problems  []ImportProblem `json:"problems"`
	Exposures int             `json:"new_exposures"`
	Notices   int             `json:"notices"`
}

// ImportVulns records vulnerabilities from an import. A KEV entry (source
// "kev") for a CVE already recorded only adds the known-exploited facts
// (its product-only affected entry would widen the record to every
// version); a new one is recorded as it is.
func (s *Service) ImportVulns(ctx context.Context, p *auth.Principal, vs []vuln.Vulnerability) (*VulnImportResult, error) {
	if err := auth.Authorize(p, auth.ActVulnWrite, auth.Target{}); err != nil {
		return nil, err
	}
	res := &VulnImportResult{Problems: []ImportProblem{}}
	for i := range vs {
		v := &vs[i]
		if v.Source == "kev" {
			cur, err := s.DB.GetVuln(ctx, v.ID)
			switch {
			case err == nil:
				merged := *cur
				merged.Exploited, merged.KEV = true, v.KEV
				if len(merged.CWEs) == 0 {
					merged.CWEs = v.CWEs
				}
				v = &merged
			case apperr.CodeOf(err) != apperr.CodeNotFound:
				return res, err
			}
		}
		r, err := s.PutVuln(ctx, p, v)
		if err != nil {
			if ae := apperr.As(err); ae != nil && ae.Code == apperr.CodeInvalid {
				res.Problems = append(res.Problems, ImportProblem{Row: i + 1, Field: ae.Field, Message: v.ID + ": " + ae.Message})
				continue
			}
			return res, err
		}
		switch {
		case !r.Changed:
			res.Unchanged++
		case r.Vuln.Version == 1: // a first version: the record is new
			res.Created++
		default:
			res.Updated++
		}
		if r.Match != nil {
			res.Exposures += len(r.Match.New)
			res.Notices += len(r.Match.Notices)
		}
	}
	return res, nil
}

// entitledVuln decides whether viewer may see v.
func (s *Service) entitledVuln(ctx context.Context, viewer marking.Viewer, v *vuln.Vulnerability) (bool, error) {
	if v.TLP == marking.TLPClear || v.TLP == marking.TLPGreen && !viewer.Anonymous() || viewer.OrgID == v.OwnerOrgID {
		ok, _ := marking.Entitled(viewer, marking.Object{OwnerOrgID: v.OwnerOrgID, TLP: v.TLP})
		return ok, nil
	}
	recipients, err := s.DB.NoticeRecipients(ctx, v.ID)
	if err != nil {
		return false, err
	}
	ok, _ := marking.Entitled(viewer, marking.Object{OwnerOrgID: v.OwnerOrgID, TLP: v.TLP, Orgs: recipients})
	return ok, nil
}

// Vuln returns vulnerability id if p is entitled to it.
func (s *Service) Vuln(ctx context.Context, p *auth.Principal, id string) (*vuln.Vulnerability, error) {
	viewer, err := s.viewer(ctx, p)
	if err != nil {
		return nil, err
	}
	v, err := s.DB.GetVuln(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.entitledVuln(ctx, viewer, v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("vulnerability", id)
	}
	return v, nil
}

// Vulns lists the vulnerabilities p is entitled to.
func (s *Service) Vulns(ctx context.Context, p *auth.Principal, q store.VulnQuery) ([]vuln.Vulnerability, error) {
	viewer, err := s.viewer(ctx, p)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 500:
		limit = 500
	}
	var out []vuln.Vulnerability
	q.Limit = 500
	for q.Offset = 0; len(out) < limit; q.Offset += q.Limit {
		page, total, err := s.DB.ListVulns(ctx, q)
		if err != nil {
			return nil, err
		}
		for i := range page {
			ok, err := s.entitledVuln(ctx, viewer, &page[i])
			if err != nil {
				return nil, err
			}
			if ok && len(out) < limit {
				out = append(out, page[i])
			}
		}
		if q.Offset+len(page) >= total || len(page) == 0 {
			break
		}
	}
	return out, nil
}

// ---- matching --------------------------------------------------------------

// noticeText builds the exposure notice to one organisation about one
// vulnerability.
func noticeText(v *vuln.Vulnerability, orgID string, news []vuln.Exposure) vuln.Notice {
	n := vuln.Notice{OrgID: orgID, VulnID: v.ID, Kind: vuln.NoticeExposure, TLP: v.TLP}
	n.Title = fmt.Sprintf("%s: 重要電子計算機 %d 台が影響 / %d of your critical computers affected", v.ID, len(news), len(news))
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", v.ID, v.Title)
	// The body is read by operators in Japanese and in English: every
	// label is given in both.
	fmt.Fprintf(&b, "貴組織の重要電子計算機 %d 台が影響を受けます / %d of your critical computers are affected.\n", len(news), len(news))
	if v.CVSS != nil {
		fmt.Fprintf(&b, "CVSS %s %.1f (%s / %s)\n", v.CVSS.Version, v.CVSS.Score, severityJA[v.CVSS.Severity()], v.CVSS.Severity())
	}
	if v.Exploited {
		b.WriteString("悪用が確認されています / Known to be exploited in the wild.\n")
	}
	for _, e := range news {
		n.ComputerIDs = append(n.ComputerIDs, e.ComputerID)
		n.Evidence = append(n.Evidence, e.Evidence)
		fmt.Fprintf(&b, "- %s: 導入版 / installed %s, 影響範囲 / affected %s (%s)\n", e.Evidence.ComputerCPE, e.Evidence.Installed, e.Evidence.Range, e.Evidence.VulnCPE)
	}
	for _, f := range v.Fixes {
		fmt.Fprintf(&b, "修正 / Fix: %s %s\n", f.Text, f.URL)
	}
	for _, w := range v.Workarounds {
		fmt.Fprintf(&b, "回避策 / Workaround: %s %s\n", w.Text, w.URL)
	}
	n.Body = strings.TrimSpace(b.String())
	return n
}

// severityJA names the CVSS qualitative ratings in Japanese.
var severityJA = map[string]string{"none": "なし", "low": "低", "medium": "中", "high": "高", "critical": "緊急"}

// noticesFor returns the ApplyMatch callback that tells each organisation
// about its new exposures: one notice per vulnerability. A TLP:RED
// vulnerability is told to nobody automatically (RED goes to named
// recipients only: an analyst decides); its exposures are still recorded
// for the government.
func noticesFor(vulns map[string]*vuln.Vulnerability) func(orgID string, news []vuln.Exposure) []vuln.Notice {
	return func(orgID string, news []vuln.Exposure) []vuln.Notice {
		var order []string
		by := map[string][]vuln.Exposure{}
		for _, e := range news {
			if by[e.VulnID] == nil {
				order = append(order, e.VulnID)
			}
			by[e.VulnID] = append(by[e.VulnID], e)
		}
		var out []vuln.Notice
		for _, id := range order {
			v := vulns[id]
			if v == nil || v.TLP == marking.TLPRed {
				continue
			}
			out = append(out, noticeText(v, orgID, by[id]))
		}
		return out
	}
}

func (s *Service) matchVuln(ctx context.Context, p *auth.Principal, v *vuln.Vulnerability) (*store.MatchOutcome, error) {
	ix, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	return s.DB.ApplyMatch(ctx, p.Actor(), store.MatchScope{VulnID: v.ID}, ix.Match(v), noticesFor(map[string]*vuln.Vulnerability{v.ID: v}))
}

func (s *Service) matchComputer(ctx context.Context, p *auth.Principal, c *registry.Computer) (*store.MatchOutcome, error) {
	var keys []string
	for _, n := range c.Identities() {
		keys = append(keys, n.VendorProduct())
	}
	vulns, err := s.DB.VulnsForProducts(ctx, keys)
	if err != nil {
		return nil, err
	}
	byID := map[string]*vuln.Vulnerability{}
	for i := range vulns {
		byID[vulns[i].ID] = &vulns[i]
	}
	return s.DB.ApplyMatch(ctx, p.Actor(), store.MatchScope{ComputerID: c.ID}, MatchComputer(c, vulns), noticesFor(byID))
}

// RematchResult summarises a full re-match.
type RematchResult struct {
	Vulns     int           `json:"vulnerabilities"`
	Computers int           `json:"computers"`
	New       int           `json:"new_exposures"`
	Resolved  int           `json:"resolved"`
	Notices   int           `json:"notices"`
	Took      time.Duration `json:"took_ns"`
}

// rematchBatch is how many vulnerabilities a re-match applies per
// transaction.
const rematchBatch = 250

// Rematch matches every vulnerability against the whole registry again
// (after an upgrade of the matching rules, or to check consistency).
func (s *Service) Rematch(ctx context.Context, p *auth.Principal) (*RematchResult, error) {
	if err := auth.Authorize(p, auth.ActVulnWrite, auth.Target{}); err != nil {
		return nil, err
	}
	start := time.Now()
	ix, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	res := &RematchResult{Computers: ix.Len()}
	var vulns []vuln.Vulnerability
	if err := s.DB.EachVuln(ctx, func(v *vuln.Vulnerability) error { vulns = append(vulns, *v); return nil }); err != nil {
		return nil, err
	}
	// In transactions of rematchBatch vulnerabilities: one per
	// vulnerability spent most of a re-match committing.
	for lo := 0; lo < len(vulns); lo += rematchBatch {
		hi := min(lo+rematchBatch, len(vulns))
		scope := store.MatchScope{}
		byID := map[string]*vuln.Vulnerability{}
		var hits []vuln.Exposure
		for i := lo; i < hi; i++ {
			v := &vulns[i]
			scope.VulnIDs = append(scope.VulnIDs, v.ID)
			byID[v.ID] = v
			hits = append(hits, ix.Match(v)...)
		}
		out, err := s.DB.ApplyMatch(ctx, p.Actor(), scope, hits, noticesFor(byID))
		if err != nil {
			return res, err
		}
		res.Vulns += hi - lo
		res.New += len(out.New)
		res.Resolved += out.Resolved
		res.Notices += len(out.Notices)
	}
	res.Took = time.Since(start)
	return res, nil
}

// ---- exposures and notices -------------------------------------------------

// Exposures lists exposures: of the principal's organisation, or (for the
// government, with q.OrgID empty and allOrgs) of every organisation.
func (s *Service) Exposures(ctx context.Context, p *auth.Principal, q store.ExposureQuery, allOrgs bool) ([]vuln.Exposure, error) {
	if q.OrgID == "" && !allOrgs {
		q.OrgID = p.ActingOrgID()
	}
	if q.OrgID == "" {
		if err := auth.Authorize(p, auth.ActExposureOverview, auth.Target{}); err != nil {
			return nil, err
		}
	} else if err := auth.Authorize(p, auth.ActExposureRead, auth.Target{OrgID: q.OrgID}); err != nil {
		return nil, err
	}
	exps, err := s.DB.ListExposures(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.entitledExposures(ctx, p, exps)
}

// entitledExposures drops the exposures to vulnerabilities p may not see:
// an exposure names its vulnerability and the evidence, so an operator
// exposed to a TLP:RED vulnerability it was not told about does not learn
// of it from its exposure list.
func (s *Service) entitledExposures(ctx context.Context, p *auth.Principal, exps []vuln.Exposure) ([]vuln.Exposure, error) {
	viewer, err := s.viewer(ctx, p)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := exps[:0]
	for _, e := range exps {
		ok, known := seen[e.VulnID]
		if !known {
			v, err := s.DB.GetVuln(ctx, e.VulnID)
			if err != nil {
				return nil, err
			}
			if ok, err = s.entitledVuln(ctx, viewer, v); err != nil {
				return nil, err
			}
			seen[e.VulnID] = ok
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// SetExposureState records the operator's status of an exposure of its
// computer.
func (s *Service) SetExposureState(ctx context.Context, p *auth.Principal, computerID, vulnID string, st vuln.ExposureState, note string) error {
	c, err := s.DB.GetComputer(ctx, computerID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(p, auth.ActExposureUpdate, auth.Target{OrgID: c.OrgID}); err != nil {
		if !auth.Can(p, auth.ActRegistryRead, auth.Target{OrgID: c.OrgID}) {
			return apperr.NotFound("computer", computerID)
		}
		return err
	}
	if _, err := s.Vuln(ctx, p, vulnID); err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return apperr.NotFound("exposure", vulnID+" on "+computerID)
		}
		return err
	}
	return s.DB.SetExposureState(ctx, p.Actor(), computerID, vulnID, st, note)
}

// Notices lists the notices of the principal's organisation.
func (s *Service) Notices(ctx context.Context, p *auth.Principal, vulnID string) ([]vuln.Notice, error) {
	if err := auth.Authorize(p, auth.ActExposureRead, auth.Target{OrgID: p.ActingOrgID()}); err != nil {
		return nil, err
	}
	return s.DB.ListNotices(ctx, store.NoticeQuery{OrgID: p.ActingOrgID(), VulnID: vulnID})
}

// Notice returns a notice of the principal's organisation (or any, for the
// government).
func (s *Service) Notice(ctx context.Context, p *auth.Principal, id string) (*vuln.Notice, error) {
	n, err := s.DB.GetNotice(ctx, id)
	if err != nil {
		return nil, err
	}
	if !auth.Can(p, auth.ActExposureRead, auth.Target{OrgID: n.OrgID}) {
		return nil, apperr.NotFound("notice", id)
	}
	return n, nil
}

// AcknowledgeNotice acknowledges a notice of the principal's organisation.
func (s *Service) AcknowledgeNotice(ctx context.Context, p *auth.Principal, id string) error {
	n, err := s.Notice(ctx, p, id)
	if err != nil {
		return err
	}
	if err := auth.Authorize(p, auth.ActExposureUpdate, auth.Target{OrgID: n.OrgID}); err != nil {
		return err
	}
	return s.DB.AcknowledgeNotice(ctx, p.Actor(), id)
}

// ---- vendor requests -------------------------------------------------------

// RequestVendor sends vendor r.VendorOrgID a request about r.VulnID.
func (s *Service) RequestVendor(ctx context.Context, p *auth.Principal, r *vuln.Request) error {
	if err := auth.Authorize(p, auth.ActVendorRequestCreate, auth.Target{OrgID: r.VendorOrgID}); err != nil {
		return err
	}
	o, err := s.DB.GetOrg(ctx, r.VendorOrgID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return apperr.Invalid("vendor_org_id", "no organisation %q", r.VendorOrgID)
		}
		return err
	}
	if o.Kind != org.KindVendor && o.Kind != org.KindSupplier {
		return apperr.Invalid("vendor_org_id", "%s is not a vendor or supplier", o.Slug)
	}
	r.VendorOrgID = o.ID
	r.FromOrgID, r.RequestedBy = p.ActingOrgID(), p.Actor().UserID
	if r.DueAt.IsZero() {
		r.DueAt = s.Now().UTC().Add(14 * 24 * time.Hour)
	}
	if _, err := s.DB.GetVuln(ctx, r.VulnID); err != nil {
		return apperr.Invalid("vuln_id", "no vulnerability %q", r.VulnID)
	}
	return s.DB.CreateRequest(ctx, p.Actor(), r)
}

// Request returns a request visible to p (the vendor's own, or any for the
// government).
func (s *Service) Request(ctx context.Context, p *auth.Principal, id string) (*vuln.Request, error) {
	r, err := s.DB.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !auth.Can(p, auth.ActVendorRequestRead, auth.Target{OrgID: r.VendorOrgID}) {
		return nil, apperr.NotFound("vendor request", id)
	}
	return r, nil
}

// Requests lists requests: a vendor's own, or (government) any vendor's.
func (s *Service) Requests(ctx context.Context, p *auth.Principal, q store.RequestQuery) ([]vuln.Request, error) {
	gov := p.IsGovernment()
	if !gov {
		q.VendorOrgID = p.ActingOrgID()
	}
	if err := auth.Authorize(p, auth.ActVendorRequestRead, auth.Target{OrgID: q.VendorOrgID}); err != nil {
		return nil, err
	}
	return s.DB.ListRequests(ctx, q)
}

// RequestAction is what a vendor or the government does to a request.
type RequestAction struct {
	Kind   string       `json:"action"` // acknowledge | answer | decline | withdraw | comment
	Text   string       `json:"text,omitempty"`
	Answer *vuln.Answer `json:"answer,omitempty"`
}

// ActOnRequest applies a vendor's (acknowledge, answer, decline, comment)
// or the government's (withdraw, comment) action to request id.
func (s *Service) ActOnRequest(ctx context.Context, p *auth.Principal, id string, a RequestAction) (*vuln.Request, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return nil, err
	}
	vendorSide := p.ActingOrgID() == r.VendorOrgID
	switch a.Kind {
	case "acknowledge", "answer", "decline":
		if err := auth.Authorize(p, auth.ActVendorRequestAnswer, auth.Target{OrgID: r.VendorOrgID}); err != nil {
			return nil, err
		}
	case "withdraw":
		if err := auth.Authorize(p, auth.ActVendorRequestCreate, auth.Target{OrgID: r.VendorOrgID}); err != nil {
			return nil, err
		}
	case "comment":
		if vendorSide {
			err = auth.Authorize(p, auth.ActVendorRequestAnswer, auth.Target{OrgID: r.VendorOrgID})
		} else {
			err = auth.Authorize(p, auth.ActVendorRequestCreate, auth.Target{OrgID: r.VendorOrgID})
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(a.Text) == "" {
			return nil, apperr.Invalid("text", "a comment needs a text")
		}
	default:
		return nil, apperr.Invalid("action", "must be acknowledge, answer, decline, withdraw or comment")
	}
	if a.Kind == "answer" {
		if a.Answer == nil {
			return nil, apperr.Invalid("answer", "is required")
		}
		if err := a.Answer.Validate(); err != nil {
			return nil, apperr.As(err).WithField("answer")
		}
	}
	if a.Kind == "decline" && strings.TrimSpace(a.Text) == "" {
		return nil, apperr.Invalid("text", "say why the request is declined")
	}
	actor := p.Actor()
	return s.DB.UpdateRequest(ctx, actor, id, func(r *vuln.Request, now time.Time) error {
		ev := vuln.RequestEvent{At: now, UserID: actor.UserID, OrgID: actor.OrgID, Kind: a.Kind + "d", Text: strings.TrimSpace(a.Text)}
		switch a.Kind {
		case "acknowledge":
			if r.State != vuln.RequestRequested {
				return apperr.Conflict("state", "the request is %s, not requested", r.State)
			}
			r.State, r.AcknowledgedAt = vuln.RequestAcknowledged, &now
			ev.Kind = "acknowledged"
		case "answer":
			if !r.State.Open() && r.State != vuln.RequestAnswered {
				return apperr.Conflict("state", "the request is %s", r.State)
			}
			if r.AcknowledgedAt == nil {
				r.AcknowledgedAt = &now
			}
			r.State, r.AnsweredAt, r.Answer = vuln.RequestAnswered, &now, a.Answer
			ev.Kind = "answered"
		case "decline":
			if !r.State.Open() {
				return apperr.Conflict("state", "the request is %s", r.State)
			}
			r.State, r.DeclinedAt, r.DeclineReason = vuln.RequestDeclined, &now, ev.Text
			ev.Kind = "declined"
		case "withdraw":
			if !r.State.Open() {
				return apperr.Conflict("state", "the request is %s", r.State)
			}
			r.State, r.WithdrawnAt = vuln.RequestWithdrawn, &now
			ev.Kind = "withdrawn"
		case "comment":
			ev.Kind = "comment"
		}
		r.Events = append(r.Events, ev)
		return nil
	})
}

// Advise turns the answer of request id into an advisory to every
// organisation with an unpatched exposure to its vulnerability. text, when
// not empty, is the analyst's note put before the vendor's answer.
func (s *Service) Advise(ctx context.Context, p *auth.Principal, id, text string) ([]vuln.Notice, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActVendorRequestCreate, auth.Target{OrgID: r.VendorOrgID}); err != nil {
		return nil, err
	}
	if r.State != vuln.RequestAnswered || r.Answer == nil {
		return nil, apperr.Conflict("state", "only an answered request can become an advisory")
	}
	v, err := s.DB.GetVuln(ctx, r.VulnID)
	if err != nil {
		return nil, err
	}
	exps, err := s.DB.ListExposures(ctx, store.ExposureQuery{VulnID: r.VulnID, Unpatched: true, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	byOrg := map[string][]vuln.Exposure{}
	for _, e := range exps {
		byOrg[e.OrgID] = append(byOrg[e.OrgID], e)
	}
	orgs := make([]string, 0, len(byOrg))
	for o := range byOrg {
		orgs = append(orgs, o)
	}
	slices.Sort(orgs)
	vendor, _ := s.DB.GetOrg(ctx, r.VendorOrgID)
	vendorName := r.VendorOrgID
	if vendor != nil {
		vendorName = vendor.Name.EN
		if vendor.Name.JA != "" && vendor.Name.JA != vendor.Name.EN {
			vendorName = vendor.Name.JA + " / " + vendor.Name.EN
		}
	}
	var notices []vuln.Notice
	for _, o := range orgs {
		n := vuln.Notice{OrgID: o, VulnID: v.ID, Kind: vuln.NoticeAdvisory, TLP: v.TLP, RequestID: r.ID}
		n.Title = fmt.Sprintf("注意喚起 / Advisory: %s — ベンダーの回答 / vendor guidance from %s", v.ID, vendorName)
		var b strings.Builder
		if t := strings.TrimSpace(text); t != "" {
			b.WriteString(t + "\n\n")
		}
		a := r.Answer
		for _, f := range []struct{ label, v string }{{"影響を受けるバージョン / Affected versions", a.AffectedVersions},
			{"修正版 / Fixed versions", a.FixedVersions}, {"修正の提供時期 / Fix timeline", a.FixTimeline},
			{"緩和策 / Mitigations", a.Mitigations}, {"ベンダーのアドバイザリ / Vendor advisory", a.AdvisoryURL}, {"", a.AdvisoryText}} {
			if f.v == "" {
				continue
			}
			if f.label != "" {
				b.WriteString(f.label + ": ")
			}
			b.WriteString(f.v + "\n")
		}
		for _, e := range byOrg[o] {
			n.ComputerIDs = append(n.ComputerIDs, e.ComputerID)
			n.Evidence = append(n.Evidence, e.Evidence)
		}
		n.Body = strings.TrimSpace(b.String())
		notices = append(notices, n)
	}
	if err := s.DB.Advise(ctx, p.Actor(), notices, r); err != nil {
		return nil, err
	}
	return notices, nil
}

// ---- government views ------------------------------------------------------

// SectorRow is the exposure of one sector.
type SectorRow struct {
	Sector        string `json:"sector"`
	Organisations int    `json:"organisations"`
	Computers     int    `json:"computers"`
	Exposures     int    `json:"exposures"`
	Exploited     int    `json:"exploited"` // exposures to known-exploited vulnerabilities
	Critical      int    `json:"critical"`  // exposures to CVSS >= 9
}

// ProductRow is the exposure of one product.
type ProductRow struct {
	Product       string   `json:"product"`
	Organisations int      `json:"organisations"`
	Computers     int      `json:"computers"`
	Vulns         []string `json:"vulnerabilities"`
}

// Overview is the government's view of unpatched exposures.
type Overview struct {
	BySector  []SectorRow  `json:"by_sector"`
	ByProduct []ProductRow `json:"by_product"`
	// Unpatched are the exposures still open or mitigated after an
	// advisory about them, longest-advised first.
	Unpatched []vuln.Exposure `json:"unpatched_after_advisory"`
}

// Overview computes exposure by sector and by product and the exposures
// still unpatched after an advisory.
func (s *Service) Overview(ctx context.Context, p *auth.Principal) (*Overview, error) {
	if err := auth.Authorize(p, auth.ActExposureOverview, auth.Target{}); err != nil {
		return nil, err
	}
	exps, err := s.DB.ListExposures(ctx, store.ExposureQuery{Unpatched: true, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	if exps, err = s.entitledExposures(ctx, p, exps); err != nil {
		return nil, err
	}
	type agg struct {
		orgs, comps map[string]bool
		n, x, c     int
		vulns       map[string]bool
	}
	newAgg := func() *agg { return &agg{orgs: map[string]bool{}, comps: map[string]bool{}, vulns: map[string]bool{}} }
	sectors, products := map[string]*agg{}, map[string]*agg{}
	ov := &Overview{BySector: []SectorRow{}, ByProduct: []ProductRow{}, Unpatched: []vuln.Exposure{}}
	for _, e := range exps {
		for _, m := range []struct {
			m   map[string]*agg
			key string
		}{{sectors, e.Sector}, {products, e.Product}} {
			a := m.m[m.key]
			if a == nil {
				a = newAgg()
				m.m[m.key] = a
			}
			a.orgs[e.OrgID], a.comps[e.ComputerID], a.vulns[e.VulnID] = true, true, true
			a.n++
			if e.Exploited {
				a.x++
			}
			if e.CVSS >= 9 {
				a.c++
			}
		}
		if e.AdvisedAt != nil {
			ov.Unpatched = append(ov.Unpatched, e)
		}
	}
	for k, a := range sectors {
		ov.BySector = append(ov.BySector, SectorRow{Sector: k, Organisations: len(a.orgs), Computers: len(a.comps), Exposures: a.n, Exploited: a.x, Critical: a.c})
	}
	sort.Slice(ov.BySector, func(i, j int) bool {
		a, b := ov.BySector[i], ov.BySector[j]
		if a.Exposures != b.Exposures {
			return a.Exposures > b.Exposures
		}
		return a.Sector < b.Sector
	})
	for k, a := range products {
		vs := make([]string, 0, len(a.vulns))
		for v := range a.vulns {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		ov.ByProduct = append(ov.ByProduct, ProductRow{Product: k, Organisations: len(a.orgs), Computers: len(a.comps), Vulns: vs})
	}
	sort.Slice(ov.ByProduct, func(i, j int) bool {
		a, b := ov.ByProduct[i], ov.ByProduct[j]
		if a.Computers != b.Computers {
			return a.Computers > b.Computers
		}
		return a.Product < b.Product
	})
	sort.SliceStable(ov.Unpatched, func(i, j int) bool { return ov.Unpatched[i].AdvisedAt.Before(*ov.Unpatched[j].AdvisedAt) })
	return ov, nil
}

// VendorRow is one vendor's response record.
type VendorRow struct {
	VendorOrgID string  `json:"vendor_org_id"`
	Requests    int     `json:"requests"`
	Answered    int     `json:"answered"`
	OnTime      int     `json:"answered_on_time"`
	Declined    int     `json:"declined"`
	Open        int     `json:"open"`
	Overdue     int     `json:"overdue"`
	MedianDays  float64 `json:"median_days_to_answer"` // -1 when nothing answered
}

// VendorRecord is every vendor's response record (the visible record of
// the best-effort obligation), most overdue first.
func (s *Service) VendorRecord(ctx context.Context, p *auth.Principal) ([]VendorRow, error) {
	if err := auth.Authorize(p, auth.ActExposureOverview, auth.Target{}); err != nil {
		return nil, err
	}
	reqs, err := s.DB.ListRequests(ctx, store.RequestQuery{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	rows := map[string]*VendorRow{}
	days := map[string][]float64{}
	for i := range reqs {
		r := &reqs[i]
		if r.State == vuln.RequestWithdrawn {
			continue
		}
		row := rows[r.VendorOrgID]
		if row == nil {
			row = &VendorRow{VendorOrgID: r.VendorOrgID}
			rows[r.VendorOrgID] = row
		}
		row.Requests++
		switch {
		case r.State == vuln.RequestAnswered && r.AnsweredAt != nil:
			row.Answered++
			if !r.AnsweredAt.After(r.DueAt) {
				row.OnTime++
			}
			days[r.VendorOrgID] = append(days[r.VendorOrgID], r.AnsweredAt.Sub(r.CreatedAt).Hours()/24)
		case r.State == vuln.RequestDeclined:
			row.Declined++
		case r.State.Open():
			row.Open++
			if r.Overdue(now) {
				row.Overdue++
			}
		}
	}
	out := make([]VendorRow, 0, len(rows))
	for id, row := range rows {
		row.MedianDays = -1
		if d := days[id]; len(d) > 0 {
			slices.Sort(d)
			if len(d)%2 == 1 {
				row.MedianDays = d[len(d)/2]
			} else {
				row.MedianDays = (d[len(d)/2-1] + d[len(d)/2]) / 2
			}
		}
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue > out[j].Overdue
		}
		return out[i].VendorOrgID < out[j].VendorOrgID
	})
	return out, nil
}
