package api

// Critical computers and vulnerabilities under /api/v1: the registry of
// notified critical computers (notifications, changes, withdrawals, CSV and
// SBOM imports, version history), vulnerabilities (recorded by government
// analysts or imported from CVE JSON 5 and the KEV catalogue, matched at
// once), exposures and the notices sent about them, the government's views
// (exposure overview, vendors' response record) and vendor requests with
// the advisories made from their answers.
//
// The exposure service decides permissions and TLP entitlement; these
// handlers only translate HTTP to calls and results to JSON. One rule is
// applied here as well: an exposure is listed only to a caller entitled to
// its vulnerability, so that an exposure to a TLP:RED vulnerability (which
// matching records but tells nobody) does not reveal the vulnerability.

import (
	"bytes"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/sbom"
	"sakimori/internal/store"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

var orgScopeParams = []param{
	{Name: "org", Type: "string", Desc: "organisation id or slug (default: your own; another's for the government)"},
	{Name: "all", Type: "boolean", Desc: "every organisation's (government)"},
}

// exposureRoutes are the registry, vulnerability and vendor-request rows of
// the route table.
func (a *API) exposureRoutes() []route {
	const reg, vul, ven = "registry", "vulnerabilities", "vendor-requests"
	functions := strs(registry.Functions)
	rs := []route{
		{Method: "GET", Path: "/api/v1/computers", ID: "listComputers", Tag: reg, Scope: org.ScopeRead, Status: 200, Resp: "ComputerPage",
			Summary: "Notified critical computers: your organisation's, another's (org, government) or every organisation's (all=true, government), by organisation and name",
			Query: append(slices.Clone(orgScopeParams),
				param{Name: "q", Type: "string", Desc: "substring of name, ref, vendor, product or version"},
				param{Name: "function", Type: "string", Enum: functions},
				param{Name: "retired", Type: "boolean", Desc: "include computers notified as withdrawn"},
				param{Name: "limit", Type: "integer", Desc: "page size, 1 to 1000 (default 50)"},
				param{Name: "offset", Type: "integer", Desc: "items to skip (default 0)"}),
			h: a.listComputers},
		{Method: "POST", Path: "/api/v1/computers", ID: "notifyComputer", Tag: reg, Scope: org.ScopeWrite, Body: "ComputerInput", Status: 201, Resp: "NotifyResult",
			Also:    map[int]string{200: "NotifyResult"},
			Summary: "Notify a critical computer of your organisation (analysts and administrators) and match it against every vulnerability of its products: 201 for a new computer, 200 when ref names one already notified (a new version, or changed false when nothing changed)",
			h:       a.notifyComputer},
		{Method: "POST", Path: "/api/v1/computers/import", ID: "importComputers", Tag: reg, Scope: org.ScopeWrite,
			BodyTypes: map[string]string{"text/csv": "RegistryCSV", "application/json": "SBOMDocument",
				"application/vnd.cyclonedx+json": "SBOMDocument", "application/spdx+json": "SBOMDocument"},
			Status: 200, Resp: "RegistryImportResult",
			Summary: "Import into your organisation's registry. text/csv: one computer per row (English or Japanese column names); rows with problems are reported by row and column and the others are kept. " +
				"A CycloneDX or SPDX JSON SBOM: with computer, its components replace that computer's (a new notification); without, a new computer is notified from the SBOM's subject and the query parameters",
			Query: []param{{Name: "computer", Type: "string", Desc: "SBOM: the computer (id or ref) whose components the SBOM replaces"},
				{Name: "ref", Type: "string", Desc: "SBOM, new computer: your asset id"},
				{Name: "name", Type: "string", Desc: "SBOM, new computer (default: the subject's name)"},
				{Name: "function", Type: "string", Enum: functions, Desc: "SBOM, new computer"},
				{Name: "site", Type: "string", Desc: "SBOM, new computer"},
				{Name: "business", Type: "string", Desc: "SBOM, new computer: the designated business"},
				{Name: "equipment", Type: "string", Desc: "SBOM, new computer: the essential equipment"},
				{Name: "vendor", Type: "string", Desc: "SBOM, new computer (default: the subject's supplier)"},
				{Name: "product", Type: "string", Desc: "SBOM, new computer (default: the subject's name)"},
				{Name: "version", Type: "string", Desc: "SBOM, new computer (default: the subject's version)"},
				{Name: "cpe", Type: "string", Desc: "SBOM, new computer (default: the subject's CPE)"},
				{Name: "internet_facing", Type: "boolean", Desc: "SBOM, new computer"},
				{Name: "change_note", Type: "string", Desc: "SBOM: the note of the notification"}},
			h: a.importComputers},
		{Method: "GET", Path: "/api/v1/computers/{id}", ID: "getComputer", Tag: reg, Scope: org.ScopeRead, Status: 200, Resp: "Computer",
			Summary: "One critical computer as last notified (its organisation and the government)", h: a.getComputer},
		{Method: "PUT", Path: "/api/v1/computers/{id}", ID: "updateComputer", Tag: reg, Scope: org.ScopeWrite, Body: "ComputerInput", Status: 200, Resp: "NotifyResult",
			Summary: "Notify a change of a critical computer: the body is its whole new state (components left out: kept) and becomes a new version when anything changed; say why in change_note", h: a.updateComputer},
		{Method: "POST", Path: "/api/v1/computers/{id}/retire", ID: "retireComputer", Tag: reg, Scope: org.ScopeWrite, Body: "RetireInput", Status: 200, Resp: "NotifyResult",
			Summary: "Notify that a critical computer is withdrawn from service (a new version with retired true); its exposures are resolved", h: a.retireComputer},
		{Method: "GET", Path: "/api/v1/computers/{id}/notifications", ID: "listComputerNotifications", Tag: reg, Scope: org.ScopeRead, Status: 200, Resp: "NotificationList",
			Summary: "Every notified version of a critical computer, newest first, with who notified it and why", h: a.listComputerNotifications},
		{Method: "GET", Path: "/api/v1/computers/{id}/exposures", ID: "listComputerExposures", Tag: reg, Scope: org.ScopeRead, Status: 200, Resp: "ExposureList",
			Summary: "The vulnerabilities a critical computer is (or was) exposed to, with the evidence", h: a.listComputerExposures},

		{Method: "GET", Path: "/api/v1/vulnerabilities", ID: "listVulnerabilities", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "VulnerabilityList",
			Summary: "Vulnerabilities you are entitled to see (TLP), most recently changed first",
			Query: []param{{Name: "q", Type: "string", Desc: "substring of the id or title"},
				{Name: "exploited", Type: "boolean", Desc: "true: known exploited only"},
				{Name: "limit", Type: "integer", Desc: "1 to 500 (default 100)"}},
			h: a.listVulnerabilities},
		{Method: "POST", Path: "/api/v1/vulnerabilities/import", ID: "importVulnerabilities", Tag: vul, Scope: org.ScopeWrite,
			BodyTypes: map[string]string{"application/json": "VulnFeed"}, Status: 200, Resp: "VulnImportResult",
			Summary: "Import vulnerability records (government analysts): format=cve5 (a CVE JSON 5 record or an array of records) or format=kev (the CISA KEV catalogue; " +
				"an entry for a vulnerability already recorded only adds the known-exploited facts). Each record is matched at once; records that cannot be used are reported and the others kept",
			Query: []param{{Name: "format", Type: "string", Enum: []string{"cve5", "kev"}, Desc: "required"}},
			h:     a.importVulnerabilities},
		{Method: "POST", Path: "/api/v1/vulnerabilities/rematch", ID: "rematchVulnerabilities", Tag: vul, Scope: org.ScopeWrite, Status: 200, Resp: "RematchResult",
			Summary: "Match every vulnerability against the whole registry again (government analysts)", h: a.rematchVulnerabilities},
		{Method: "GET", Path: "/api/v1/vulnerabilities/{id}", ID: "getVulnerability", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "Vulnerability",
			Summary: "One vulnerability (CVE or SKM id) if you are entitled to it", h: a.getVulnerability},
		{Method: "PUT", Path: "/api/v1/vulnerabilities/{id}", ID: "putVulnerability", Tag: vul, Scope: org.ScopeWrite, Body: "VulnerabilityInput", Status: 201, Resp: "VulnPutResult",
			Also:    map[int]string{200: "VulnPutResult"},
			Summary: "Record a vulnerability (201) or replace its record (200; changed false when nothing changed) (government analysts); it is matched against the registry at once and the exposed organisations are told (TLP:RED: nobody automatically)",
			h:       a.putVulnerability},
		{Method: "GET", Path: "/api/v1/vulnerabilities/{id}/exposures", ID: "listVulnerabilityExposures", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "ExposureList",
			Summary: "Exposures to a vulnerability: every organisation's for the government, your own otherwise",
			Query:   []param{{Name: "unpatched", Type: "boolean", Desc: "true: open or mitigated only"}}, h: a.listVulnerabilityExposures},

		{Method: "GET", Path: "/api/v1/exposures", ID: "listExposures", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "ExposureList",
			Summary: "Exposures of your organisation's critical computers (another's with org, every organisation's with all=true: government), known exploited and most severe first",
			Query: append(slices.Clone(orgScopeParams),
				param{Name: "vuln", Type: "string", Desc: "vulnerability id"},
				param{Name: "computer", Type: "string", Desc: "computer id"},
				param{Name: "unpatched", Type: "boolean", Desc: "true: open or mitigated only"},
				param{Name: "advised", Type: "boolean", Desc: "true: only those an advisory was sent about"},
				param{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 1000)"}),
			h: a.listExposures},
		{Method: "PUT", Path: "/api/v1/exposures/{computer_id}/{vuln_id}", ID: "setExposureState", Tag: vul, Scope: org.ScopeWrite, Body: "ExposureStateInput", Status: 200, Resp: "Exposure",
			Summary: "State where an exposure of your computer stands: open, mitigated, patched or not_affected, with a note", h: a.setExposureState},
		{Method: "GET", Path: "/api/v1/notices", ID: "listNotices", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "NoticeList",
			Summary: "Notices to your organisation (exposures found by matching, the government's advisories), newest first",
			Query: []param{{Name: "vuln", Type: "string", Desc: "vulnerability id"},
				{Name: "limit", Type: "integer", Desc: "1 to 200 (default 200)"}}, h: a.listNotices},
		{Method: "GET", Path: "/api/v1/notices/{id}", ID: "getNotice", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "Notice",
			Summary: "One notice (your organisation's; any for the government)", h: a.getNotice},
		{Method: "POST", Path: "/api/v1/notices/{id}/acknowledge", ID: "acknowledgeNotice", Tag: vul, Scope: org.ScopeWrite, Status: 200, Resp: "Notice",
			Summary: "Acknowledge a notice to your organisation (once; again is harmless)", h: a.acknowledgeNotice},
		{Method: "GET", Path: "/api/v1/exposure-overview", ID: "getExposureOverview", Tag: vul, Scope: org.ScopeRead, Status: 200, Resp: "ExposureOverview",
			Summary: "Unpatched exposures by sector and by product, and those still unpatched after an advisory (government)", h: a.getExposureOverview},

		{Method: "GET", Path: "/api/v1/vendor-record", ID: "getVendorRecord", Tag: ven, Scope: org.ScopeRead, Status: 200, Resp: "VendorRecord",
			Summary: "Every vendor's record of answering requests (answered, on time, declined, open, overdue, median days), most overdue first (government)", h: a.getVendorRecord},
		{Method: "GET", Path: "/api/v1/vendor-requests", ID: "listVendorRequests", Tag: ven, Scope: org.ScopeRead, Status: 200, Resp: "VendorRequestList",
			Summary: "Requests for information about vulnerabilities: those to your organisation (vendors), every one (government); newest first",
			Query: []param{{Name: "vuln", Type: "string", Desc: "vulnerability id"},
				{Name: "state", Type: "string", Enum: strs(vuln.RequestStates)},
				{Name: "limit", Type: "integer", Desc: "1 to 1000 (default 500)"}}, h: a.listVendorRequests},
		{Method: "POST", Path: "/api/v1/vendor-requests", ID: "createVendorRequest", Tag: ven, Scope: org.ScopeWrite, Body: "VendorRequestInput", Status: 201, Resp: "VendorRequest",
			Summary: "Ask a vendor or supplier for information and measures about a vulnerability in its product (government analysts); due in due_days (default 14) or at due_at", h: a.createVendorRequest},
		{Method: "GET", Path: "/api/v1/vendor-requests/{id}", ID: "getVendorRequest", Tag: ven, Scope: org.ScopeRead, Status: 200, Resp: "VendorRequest",
			Summary: "One request with its history (the vendor and the government)", h: a.getVendorRequest},
		{Method: "POST", Path: "/api/v1/vendor-requests/{id}/actions", ID: "actOnVendorRequest", Tag: ven, Scope: org.ScopeWrite, Body: "RequestActionInput", Status: 200, Resp: "VendorRequest",
			Summary: "Act on a request: the vendor acknowledges, answers (answer) or declines (text says why); the government withdraws; either comments (text)", h: a.actOnVendorRequest},
		{Method: "POST", Path: "/api/v1/vendor-requests/{id}/advise", ID: "adviseFromVendorRequest", Tag: ven, Scope: org.ScopeWrite, Body: "AdviseInput", BodyOptional: true, Status: 200, Resp: "NoticeList",
			Summary: "Turn the vendor's answer into an advisory to every organisation still exposed (government analysts); text is put before the answer. The notices sent are returned", h: a.adviseFromVendorRequest},
	}
	// Every route here needs the service; handlers use c.exp().
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Exposure == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "the critical-computer registry is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

// exp is the registry and vulnerability service (the routes check it is there).
func (c *call) exp() *exposure.Service { return c.api.opt.Exposure }

// ---- shared helpers -------------------------------------------------------------

// orgScope reads ?org= (an id or slug) and ?all=: whose records a list shows.
// Neither: the caller's own organisation.
func (a *API) orgScope(c *call) (orgID string, all bool, err error) {
	b, err := boolParam(c, "all")
	if err != nil {
		return "", false, err
	}
	all = b != nil && *b
	if ref := c.r.URL.Query().Get("org"); ref != "" {
		if all {
			return "", false, apperr.Invalid("all", "give org or all=true, not both")
		}
		if orgID, err = a.resolveOrg(c, "org", ref); err != nil {
			return "", false, err
		}
	}
	return orgID, all, nil
}

// intParam reads ?name= as a whole number from lo to hi (def when absent).
func intParam(c *call, name string, def, lo, hi int) (int, error) {
	s := c.r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Invalid(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// renamed returns a copy of e naming field (the service's name for it
// differs from the request's). Unlike WithField it replaces the name.
func renamed(e *apperr.Error, field string) *apperr.Error {
	c := *e
	c.Field = field
	return &c
}

// vulnID normalises a vulnerability id given in a path or parameter.
func vulnID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func parseFunction(field, s string) (registry.Function, error) {
	f := registry.Function(strings.TrimSpace(s))
	if !f.Valid() {
		return "", apperr.Invalid(field, "%q: use vpn, authentication, remote_access, control_gateway or other", clip(s))
	}
	return f, nil
}

func parseManagement(field, s string) (registry.Management, error) {
	if strings.TrimSpace(s) == "" {
		return registry.ManagedInHouse, nil
	}
	m := registry.Management(strings.TrimSpace(s))
	if !m.Valid() {
		return "", apperr.Invalid(field, "%q: use in_house or outsourced", clip(s))
	}
	return m, nil
}

// visibleExposures keeps the exposures to vulnerabilities the caller is
// entitled to see (see the package comment of this file).
func (a *API) visibleExposures(c *call, es []vuln.Exposure) ([]vuln.Exposure, error) {
	s := c.exp()
	entitled := map[string]bool{}
	out := []vuln.Exposure{}
	for _, e := range es {
		ok, known := entitled[e.VulnID]
		if !known {
			_, err := s.Vuln(c.r.Context(), c.p, e.VulnID)
			switch apperr.CodeOf(err) {
			case "":
				ok = true
			case apperr.CodeNotFound:
				ok = false
			default:
				return nil, err
			}
			entitled[e.VulnID] = ok
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// ---- results ------------------------------------------------------------------------

// MatchResult is what matching changed after a notification or a record.
type MatchResult struct {
	New      []vuln.Exposure `json:"new_exposures"`
	Updated  int             `json:"updated"`
	Resolved int             `json:"resolved"`
	Notices  []vuln.Notice   `json:"notices"`
}

func matchResultOf(m *store.MatchOutcome) *MatchResult {
	if m == nil {
		return nil
	}
	r := &MatchResult{New: m.New, Updated: m.Updated, Resolved: m.Resolved, Notices: m.Notices}
	if r.New == nil {
		r.New = []vuln.Exposure{}
	}
	if r.Notices == nil {
		r.Notices = []vuln.Notice{}
	}
	return r
}

// NotifyResult is the answer to a notification.
type NotifyResult struct {
	Computer *registry.Computer `json:"computer"`
	Changed  bool               `json:"changed"` // false: identical to the last notification
	Match    *MatchResult       `json:"match,omitempty"`
}

func notifyResultOf(r *exposure.NotifyResult) *NotifyResult {
	return &NotifyResult{Computer: r.Computer, Changed: r.Changed, Match: matchResultOf(r.Match)}
}

// ComputerPage is a page of computers.
type ComputerPage struct {
	Items  []registry.Computer `json:"items"`
	Total  int                 `json:"total"` // computers that match
	Limit  int                 `json:"limit"`
	Offset int                 `json:"offset"`
}

// ---- the registry -------------------------------------------------------------------

func (a *API) listComputers(c *call) (int, any, error) {
	s := c.exp()
	q := c.r.URL.Query()
	orgID, all, err := a.orgScope(c)
	if err != nil {
		return 0, nil, err
	}
	cq := store.ComputerQuery{OrgID: orgID, Text: q.Get("q")}
	if v := q.Get("function"); v != "" {
		if cq.Function, err = parseFunction("function", v); err != nil {
			return 0, nil, err
		}
	}
	retired, err := boolParam(c, "retired")
	if err != nil {
		return 0, nil, err
	}
	cq.Retired = isTrue(retired)
	if cq.Limit, err = c.limit(50); err != nil {
		return 0, nil, err
	}
	if cq.Offset, err = intParam(c, "offset", 0, 0, 1<<30); err != nil {
		return 0, nil, err
	}
	cs, total, err := s.Computers(c.r.Context(), c.p, cq, all)
	if err != nil {
		return 0, nil, err
	}
	if cs == nil {
		cs = []registry.Computer{}
	}
	return 200, ComputerPage{Items: cs, Total: total, Limit: cq.Limit, Offset: cq.Offset}, nil
}

// ComputerInput is the body of POST /computers and PUT /computers/{id}:
// what an operator notifies about one critical computer.
type ComputerInput struct {
	Ref            string `json:"ref"`
	Name           string `json:"name"`
	Function       string `json:"function"`
	Vendor         string `json:"vendor"`
	Product        string `json:"product"`
	ProductVersion string `json:"product_version"`
	CPE            string `json:"cpe,omitempty"`
	Site           string `json:"site"`
	Overseas       bool   `json:"overseas,omitempty"`
	InternetFacing bool   `json:"internet_facing,omitempty"`
	Business       string `json:"business"`
	Equipment      string `json:"equipment"`
	InService      string `json:"in_service,omitempty"` // YYYY-MM-DD
	Management     string `json:"management,omitempty"` // in_house (default) | outsourced
	Contractor     string `json:"contractor,omitempty"`
	Subcontractor  string `json:"subcontractor,omitempty"`
	Excluded       bool   `json:"excluded,omitempty"`
	ExclusionNote  string `json:"exclusion_note,omitempty"`
	Notes          string `json:"notes,omitempty"`
	ChangeNote     string `json:"change_note,omitempty"`
	// Components is the software on the computer; left out of a PUT, the
	// computer keeps the components it has.
	Components *[]registry.Component `json:"components,omitempty"`
}

// computer maps the input to the registry's type.
func (in *ComputerInput) computer() (*registry.Computer, error) {
	f, err := parseFunction("function", in.Function)
	if err != nil {
		return nil, err
	}
	m, err := parseManagement("management", in.Management)
	if err != nil {
		return nil, err
	}
	c := &registry.Computer{Ref: in.Ref, Name: in.Name, Function: f, Vendor: in.Vendor, Product: in.Product, ProductVersion: in.ProductVersion,
		CPE: in.CPE, Site: in.Site, Overseas: in.Overseas, InternetFacing: in.InternetFacing, Business: in.Business, Equipment: in.Equipment,
		InService: in.InService, Management: m, Contractor: in.Contractor, Subcontractor: in.Subcontractor, Excluded: in.Excluded,
		ExclusionNote: in.ExclusionNote, Notes: in.Notes, ChangeNote: in.ChangeNote, Components: []registry.Component{}}
	if in.Components != nil {
		c.Components = append(c.Components, *in.Components...)
	}
	return c, nil
}

func (a *API) notifyComputer(c *call) (int, any, error) {
	s := c.exp()
	var in ComputerInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	comp, err := in.computer()
	if err != nil {
		return 0, nil, err
	}
	res, err := s.Notify(c.r.Context(), c.p, comp)
	if err != nil {
		return 0, nil, err
	}
	status := 200
	if res.Changed && comp.Version == 1 {
		status = 201
	}
	return status, notifyResultOf(res), nil
}

func (a *API) getComputer(c *call) (int, any, error) {
	comp, err := c.exp().Computer(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, comp, err
}

func (a *API) updateComputer(c *call) (int, any, error) {
	s := c.exp()
	var in ComputerInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	cur, err := s.Computer(c.r.Context(), c.p, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	comp, err := in.computer()
	if err != nil {
		return 0, nil, err
	}
	comp.ID, comp.OrgID, comp.Retired = cur.ID, cur.OrgID, cur.Retired
	if in.Components == nil {
		comp.Components = cur.Components
	}
	res, err := s.Notify(c.r.Context(), c.p, comp)
	if err != nil {
		return 0, nil, err
	}
	return 200, notifyResultOf(res), nil
}

// RetireInput is the body of POST /computers/{id}/retire.
type RetireInput struct {
	ChangeNote string `json:"change_note"`
}

func (a *API) retireComputer(c *call) (int, any, error) {
	s := c.exp()
	var in RetireInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.ChangeNote) == "" {
		return 0, nil, apperr.Invalid("change_note", "required: say why the computer is withdrawn (decommissioned, replaced by ...)")
	}
	cur, err := s.Computer(c.r.Context(), c.p, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	comp := *cur
	comp.Retired, comp.ChangeNote = true, in.ChangeNote
	res, err := s.Notify(c.r.Context(), c.p, &comp)
	if err != nil {
		return 0, nil, err
	}
	return 200, notifyResultOf(res), nil
}

func (a *API) listComputerNotifications(c *call) (int, any, error) {
	ns, err := c.exp().Notifications(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, listOf(ns), err
}

func (a *API) listComputerExposures(c *call) (int, any, error) {
	s := c.exp()
	comp, err := s.Computer(c.r.Context(), c.p, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	es, err := s.Exposures(c.r.Context(), c.p, store.ExposureQuery{OrgID: comp.OrgID, ComputerID: comp.ID}, false)
	if err != nil {
		return 0, nil, err
	}
	es, err = a.visibleExposures(c, es)
	return 200, listOf(es), err
}

// ---- registry imports --------------------------------------------------------------

// RegistryImportResult is the answer to POST /computers/import.
type RegistryImportResult struct {
	Format    string                   `json:"format"` // csv | cyclonedx | spdx
	Created   int                      `json:"created"`
	Updated   int                      `json:"updated"`
	Unchanged int                      `json:"unchanged"`
	Exposures int                      `json:"new_exposures"`
	Computers []string                 `json:"computer_ids"`
	Problems  []exposure.ImportProblem `json:"problems"` // rows not taken (CSV)
	Warnings  []string                 `json:"warnings"` // what an SBOM lost, by JSON path
}

// sbomParams are the query parameters of an SBOM import that makes a new
// computer.
var sbomParams = []string{"ref", "name", "function", "site", "business", "equipment", "vendor", "product", "version", "cpe", "internet_facing"}

func (a *API) importComputers(c *call) (int, any, error) {
	q := c.r.URL.Query()
	ct := c.r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil {
		mt = ""
	}
	var isCSV bool
	switch mt {
	case "text/csv":
		isCSV = true
	case "application/json", "application/vnd.cyclonedx+json", "application/spdx+json":
	default:
		return 0, nil, &apperr.Error{Code: apperr.CodeUnsupportedType, Field: "Content-Type",
			Message: fmt.Sprintf("the body must be text/csv (a registry CSV) or application/json (a CycloneDX or SPDX SBOM), not %q", clip(ct))}
	}
	if isCSV {
		for _, p := range append([]string{"computer", "change_note"}, sbomParams...) {
			if q.Has(p) {
				return 0, nil, apperr.Invalid(p, "applies to SBOM imports only; a CSV row carries every field")
			}
		}
	}
	// Refuse before reading a large body that could not be used.
	if err := auth.Authorize(c.p, auth.ActRegistryWrite, auth.Target{OrgID: c.p.OrgID()}); err != nil {
		return 0, nil, err
	}
	body, err := readBody(c.r, max(c.api.opt.MaxBodyBytes, MaxImportBytes))
	if err != nil {
		return 0, nil, err
	}
	if isCSV {
		return a.importCSV(c, body)
	}
	return a.importSBOM(c, body)
}

func (a *API) importCSV(c *call, body []byte) (int, any, error) {
	cs, rows, probs, err := registry.ParseCSVRows(bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res, err := c.exp().NotifyAll(c.r.Context(), c.p, "", cs, rows)
	if err != nil {
		return 0, nil, err
	}
	out := &RegistryImportResult{Format: "csv", Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Exposures: res.Exposures,
		Computers: res.Computers, Problems: []exposure.ImportProblem{}, Warnings: []string{}}
	for _, p := range probs {
		out.Problems = append(out.Problems, exposure.ImportProblem{Row: p.Row, Field: p.Field, Message: p.Message})
	}
	out.Problems = append(out.Problems, res.Problems...)
	slices.SortStableFunc(out.Problems, func(x, y exposure.ImportProblem) int { return x.Row - y.Row })
	if len(out.Problems) > maxProblems {
		out.Problems = out.Problems[:maxProblems]
	}
	return 200, out, nil
}

func (a *API) importSBOM(c *call, body []byte) (int, any, error) {
	s := c.exp()
	q := c.r.URL.Query()
	doc, err := sbom.Parse(body)
	if err != nil {
		return 0, nil, err
	}
	note := q.Get("change_note")
	if note == "" {
		note = fmt.Sprintf("components from a %s %s SBOM", doc.Format, doc.SpecVersion)
	}
	var comp *registry.Computer
	if ref := q.Get("computer"); ref != "" {
		for _, p := range sbomParams {
			if q.Has(p) {
				return 0, nil, apperr.Invalid(p, "applies when the SBOM makes a new computer (without computer)")
			}
		}
		cur, err := a.computerByRef(c, ref)
		if err != nil {
			return 0, nil, err
		}
		comp = cur
		comp.Components, comp.ChangeNote = doc.Components, note
	} else {
		sub := doc.Subject
		comp = &registry.Computer{Ref: q.Get("ref"), Name: q.Get("name"), Vendor: q.Get("vendor"), Product: q.Get("product"),
			ProductVersion: q.Get("version"), CPE: q.Get("cpe"), Site: q.Get("site"), Business: q.Get("business"), Equipment: q.Get("equipment"),
			Management: registry.ManagedInHouse, Components: doc.Components, ChangeNote: note}
		for _, d := range []struct {
			dst *string
			v   string
		}{{&comp.Name, sub.Name}, {&comp.Vendor, sub.Supplier}, {&comp.Product, sub.Name}, {&comp.ProductVersion, sub.Version}, {&comp.CPE, sub.CPE}} {
			if strings.TrimSpace(*d.dst) == "" {
				*d.dst = d.v
			}
		}
		if comp.Function, err = parseFunction("function", q.Get("function")); err != nil {
			return 0, nil, err
		}
		inet, err := boolParam(c, "internet_facing")
		if err != nil {
			return 0, nil, err
		}
		comp.InternetFacing = isTrue(inet)
	}
	res, err := s.Notify(c.r.Context(), c.p, comp)
	if err != nil {
		if ae := apperr.As(err); ae.Field == "product_version" && q.Get("computer") == "" {
			return 0, nil, renamed(ae, "version")
		}
		return 0, nil, err
	}
	out := &RegistryImportResult{Format: doc.Format, Computers: []string{comp.ID}, Problems: []exposure.ImportProblem{}, Warnings: doc.Warnings}
	switch {
	case !res.Changed:
		out.Unchanged = 1
	case comp.Version == 1:
		out.Created = 1
	default:
		out.Updated = 1
	}
	if res.Match != nil {
		out.Exposures = len(res.Match.New)
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return 200, out, nil
}

// computerByRef finds a computer by id, or by ref among the caller's
// organisation's; absence is a 404.
func (a *API) computerByRef(c *call, ref string) (*registry.Computer, error) {
	s := c.exp()
	comp, err := s.Computer(c.r.Context(), c.p, ref)
	if apperr.CodeOf(err) != apperr.CodeNotFound {
		return comp, err
	}
	byRef, lerr := s.ComputerByRef(c.r.Context(), c.p, "", ref)
	if apperr.CodeOf(lerr) == apperr.CodeNotFound {
		return nil, err
	}
	return byRef, lerr
}

// ---- vulnerabilities ----------------------------------------------------------------

func (a *API) listVulnerabilities(c *call) (int, any, error) {
	q := c.r.URL.Query()
	ex, err := boolParam(c, "exploited")
	if err != nil {
		return 0, nil, err
	}
	limit, err := intParam(c, "limit", 100, 1, 500)
	if err != nil {
		return 0, nil, err
	}
	vs, err := c.exp().Vulns(c.r.Context(), c.p, store.VulnQuery{Text: q.Get("q"), Exploited: isTrue(ex), Limit: limit})
	return 200, listOf(vs), err
}

func (a *API) getVulnerability(c *call) (int, any, error) {
	v, err := c.exp().Vuln(c.r.Context(), c.p, vulnID(c.r.PathValue("id")))
	return 200, v, err
}

// VulnerabilityInput is the body of PUT /vulnerabilities/{id}: the whole
// record (the id is the path's).
type VulnerabilityInput struct {
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Affected    []vuln.Affected `json:"affected,omitempty"`
	CVSS        *vuln.CVSS      `json:"cvss,omitempty"`
	Exploited   bool            `json:"exploited,omitempty"`
	KEV         *vuln.KEV       `json:"kev,omitempty"`
	Fixes       []vuln.Remedy   `json:"fixes,omitempty"`
	Workarounds []vuln.Remedy   `json:"workarounds,omitempty"`
	References  []string        `json:"references,omitempty"`
	CWEs        []string        `json:"cwes,omitempty"`
	Published   *time.Time      `json:"published,omitempty"`
	// TLP is required: clear for a public CVE; amber or stricter for what
	// is not public yet.
	TLP string `json:"tlp"`
}

func (in *VulnerabilityInput) vulnerability(id string) (*vuln.Vulnerability, error) {
	if strings.TrimSpace(in.TLP) == "" {
		return nil, apperr.Invalid("tlp", "required: clear for a public vulnerability; amber, amber+strict or red for one that is not public")
	}
	tlp, err := parseTLPField("tlp", in.TLP)
	if err != nil {
		return nil, err
	}
	for i, af := range in.Affected {
		for j, r := range af.Ranges {
			if r.Scheme != "" && !r.Scheme.Valid() {
				return nil, apperr.Invalid(fmt.Sprintf("affected[%d].ranges[%d].scheme", i, j), "%q: use one of %s", clip(string(r.Scheme)), strings.Join(strs(version.Schemes), ", "))
			}
		}
	}
	v := &vuln.Vulnerability{ID: id, Title: in.Title, Description: in.Description, Affected: in.Affected, CVSS: in.CVSS, Exploited: in.Exploited,
		KEV: in.KEV, Fixes: in.Fixes, Workarounds: in.Workarounds, References: in.References, CWEs: in.CWEs, TLP: tlp, Source: "api"}
	if in.Published != nil {
		t := in.Published.UTC()
		v.Published = &t
	}
	return v, nil
}

// VulnPutResult is the answer to PUT /vulnerabilities/{id}.
type VulnPutResult struct {
	Vuln    *vuln.Vulnerability `json:"vulnerability"`
	Changed bool                `json:"changed"`
	Match   *MatchResult        `json:"match,omitempty"`
}

func (a *API) putVulnerability(c *call) (int, any, error) {
	var in VulnerabilityInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	v, err := in.vulnerability(vulnID(c.r.PathValue("id")))
	if err != nil {
		return 0, nil, err
	}
	res, err := c.exp().PutVuln(c.r.Context(), c.p, v)
	if err != nil {
		return 0, nil, err
	}
	status := 200
	if res.Changed && res.Vuln.Version == 1 {
		status = 201
	}
	return status, VulnPutResult{Vuln: res.Vuln, Changed: res.Changed, Match: matchResultOf(res.Match)}, nil
}

// VulnImportProblem is a record (or part of one) an import could not take.
type VulnImportProblem struct {
	// Record is the 0-based position of the record in the file (of the
	// entry in a KEV catalogue) for problems found reading it.
	Record *int   `json:"record,omitempty"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"` // JSON path inside the record
	// Partial: only the part Field names was left out; the record was imported.
	Partial bool   `json:"partial"`
	Message string `json:"message"`
}

// VulnImportResult is the answer to POST /vulnerabilities/import.
type VulnImportResult struct {
	Format    string              `json:"format"`
	Created   int                 `json:"created"`
	Updated   int                 `json:"updated"`
	Unchanged int                 `json:"unchanged"`
	Exposures int                 `json:"new_exposures"`
	Notices   int                 `json:"notices"`
	Problems  []VulnImportProblem `json:"problems"`
}

func (a *API) importVulnerabilities(c *call) (int, any, error) {
	format := c.r.URL.Query().Get("format")
	var parse func([]byte) ([]vuln.Vulnerability, []vuln.ImportProblem, error)
	switch format {
	case "cve5":
		parse = vuln.ParseCVE5
	case "kev":
		parse = vuln.ParseKEV
	case "":
		return 0, nil, apperr.Invalid("format", "required: cve5 (CVE JSON 5 records) or kev (the CISA KEV catalogue)")
	default:
		return 0, nil, apperr.Invalid("format", "%q: use cve5 or kev", clip(format))
	}
	if err := jsonContentType(c.r); err != nil {
		return 0, nil, err
	}
	// Refuse before reading a large body that could not be used.
	if err := auth.Authorize(c.p, auth.ActVulnWrite, auth.Target{}); err != nil {
		return 0, nil, err
	}
	body, err := readBody(c.r, max(c.api.opt.MaxBodyBytes, MaxImportBytes))
	if err != nil {
		return 0, nil, err
	}
	vs, probs, err := parse(body)
	if err != nil {
		return 0, nil, err
	}
	res, err := c.exp().ImportVulns(c.r.Context(), c.p, vs)
	if err != nil {
		return 0, nil, err
	}
	out := &VulnImportResult{Format: format, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Exposures: res.Exposures,
		Notices: res.Notices, Problems: []VulnImportProblem{}}
	for _, p := range probs {
		i := p.Index
		out.Problems = append(out.Problems, VulnImportProblem{Record: &i, ID: p.ID, Field: p.Field, Partial: p.Partial(), Message: p.Message})
	}
	for _, p := range res.Problems {
		vp := VulnImportProblem{Field: p.Field, Message: p.Message}
		if p.Row >= 1 && p.Row <= len(vs) {
			vp.ID = vs[p.Row-1].ID
			vp.Message = strings.TrimPrefix(vp.Message, vp.ID+": ")
		}
		out.Problems = append(out.Problems, vp)
	}
	if len(out.Problems) > maxProblems {
		out.Problems = out.Problems[:maxProblems]
	}
	return 200, out, nil
}

func (a *API) rematchVulnerabilities(c *call) (int, any, error) {
	res, err := c.exp().Rematch(c.r.Context(), c.p)
	return 200, res, err
}

func (a *API) listVulnerabilityExposures(c *call) (int, any, error) {
	s := c.exp()
	v, err := s.Vuln(c.r.Context(), c.p, vulnID(c.r.PathValue("id")))
	if err != nil {
		return 0, nil, err
	}
	unpatched, err := boolParam(c, "unpatched")
	if err != nil {
		return 0, nil, err
	}
	gov := c.p.IsGovernment()
	es, err := s.Exposures(c.r.Context(), c.p, store.ExposureQuery{VulnID: v.ID, Unpatched: isTrue(unpatched)}, gov)
	return 200, listOf(es), err
}

// ---- exposures and notices ----------------------------------------------------------

func (a *API) listExposures(c *call) (int, any, error) {
	s := c.exp()
	q := c.r.URL.Query()
	orgID, all, err := a.orgScope(c)
	if err != nil {
		return 0, nil, err
	}
	eq := store.ExposureQuery{OrgID: orgID, VulnID: vulnID(q.Get("vuln")), ComputerID: q.Get("computer")}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"unpatched", &eq.Unpatched}, {"advised", &eq.Advised}} {
		b, err := boolParam(c, f.name)
		if err != nil {
			return 0, nil, err
		}
		*f.dst = isTrue(b)
	}
	if eq.Limit, err = c.limit(1000); err != nil {
		return 0, nil, err
	}
	es, err := s.Exposures(c.r.Context(), c.p, eq, all)
	if err != nil {
		return 0, nil, err
	}
	es, err = a.visibleExposures(c, es)
	return 200, listOf(es), err
}

// ExposureStateInput is the body of PUT /exposures/{computer_id}/{vuln_id}.
type ExposureStateInput struct {
	State string `json:"state"`
	Note  string `json:"note,omitempty"`
}

func (a *API) setExposureState(c *call) (int, any, error) {
	s := c.exp()
	var in ExposureStateInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	st := vuln.ExposureState(strings.TrimSpace(in.State))
	if !st.Valid() || st == vuln.ExposureResolved {
		return 0, nil, apperr.Invalid("state", "%q: use open, mitigated, patched or not_affected (resolved is set by matching)", clip(in.State))
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		return 0, nil, apperr.Invalid("note", "at most 2000 characters")
	}
	ctx := c.r.Context()
	computerID, id := c.r.PathValue("computer_id"), vulnID(c.r.PathValue("vuln_id"))
	// An exposure to a vulnerability the caller may not see does not exist for it.
	if _, err := s.Vuln(ctx, c.p, id); err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return 0, nil, apperr.NotFound("exposure", id+" on "+computerID)
		}
		return 0, nil, err
	}
	if err := s.SetExposureState(ctx, c.p, computerID, id, st, in.Note); err != nil {
		return 0, nil, err
	}
	comp, err := s.Computer(ctx, c.p, computerID)
	if err != nil {
		return 0, nil, err
	}
	es, err := s.Exposures(ctx, c.p, store.ExposureQuery{OrgID: comp.OrgID, ComputerID: computerID, VulnID: id}, false)
	if err != nil {
		return 0, nil, err
	}
	if len(es) != 1 {
		return 0, nil, apperr.NotFound("exposure", id+" on "+computerID)
	}
	return 200, es[0], nil
}

func (a *API) listNotices(c *call) (int, any, error) {
	limit, err := intParam(c, "limit", 200, 1, 200)
	if err != nil {
		return 0, nil, err
	}
	ns, err := c.exp().Notices(c.r.Context(), c.p, vulnID(c.r.URL.Query().Get("vuln")))
	if len(ns) > limit {
		ns = ns[:limit]
	}
	return 200, listOf(ns), err
}

func (a *API) getNotice(c *call) (int, any, error) {
	n, err := c.exp().Notice(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, n, err
}

func (a *API) acknowledgeNotice(c *call) (int, any, error) {
	s := c.exp()
	id := c.r.PathValue("id")
	if err := s.AcknowledgeNotice(c.r.Context(), c.p, id); err != nil {
		return 0, nil, err
	}
	n, err := s.Notice(c.r.Context(), c.p, id)
	return 200, n, err
}

func (a *API) getExposureOverview(c *call) (int, any, error) {
	ov, err := c.exp().Overview(c.r.Context(), c.p)
	return 200, ov, err
}

// ---- vendor requests ----------------------------------------------------------------

func (a *API) getVendorRecord(c *call) (int, any, error) {
	rows, err := c.exp().VendorRecord(c.r.Context(), c.p)
	return 200, listOf(rows), err
}

// VendorRequest is a request with whether it is overdue.
type VendorRequest struct {
	*vuln.Request
	// Overdue: still requested or acknowledged after the due date.
	Overdue bool `json:"overdue"`
}

func (c *call) requestView(r *vuln.Request) *VendorRequest {
	if r == nil {
		return nil
	}
	if r.Events == nil {
		r.Events = []vuln.RequestEvent{}
	}
	return &VendorRequest{Request: r, Overdue: r.Overdue(c.exp().Now())}
}

func (a *API) listVendorRequests(c *call) (int, any, error) {
	q := c.r.URL.Query()
	rq := store.RequestQuery{VulnID: vulnID(q.Get("vuln")), State: vuln.RequestState(q.Get("state"))}
	if rq.State != "" && !rq.State.Valid() {
		return 0, nil, apperr.Invalid("state", "%q: use one of %s", clip(q.Get("state")), strings.Join(strs(vuln.RequestStates), ", "))
	}
	var err error
	if rq.Limit, err = c.limit(500); err != nil {
		return 0, nil, err
	}
	rs, err := c.exp().Requests(c.r.Context(), c.p, rq)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*VendorRequest, 0, len(rs))
	for i := range rs {
		out = append(out, c.requestView(&rs[i]))
	}
	return 200, listOf(out), nil
}

// VendorRequestInput is the body of POST /vendor-requests.
type VendorRequestInput struct {
	VulnID    string     `json:"vuln_id"`
	Vendor    string     `json:"vendor"` // organisation id or slug
	Questions string     `json:"questions"`
	DueAt     *time.Time `json:"due_at,omitempty"`
	DueDays   int        `json:"due_days,omitempty"` // default 14
}

func (a *API) createVendorRequest(c *call) (int, any, error) {
	s := c.exp()
	var in VendorRequestInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	r := &vuln.Request{VulnID: vulnID(in.VulnID), Questions: strings.TrimSpace(in.Questions)}
	switch {
	case r.VulnID == "":
		return 0, nil, apperr.Invalid("vuln_id", "required: the vulnerability the vendor is asked about")
	case strings.TrimSpace(in.Vendor) == "":
		return 0, nil, apperr.Invalid("vendor", "required: the vendor or supplier organisation (id or slug)")
	case r.Questions == "":
		return 0, nil, apperr.Invalid("questions", "required: what the vendor is asked")
	case in.DueAt != nil && in.DueDays != 0:
		return 0, nil, apperr.Invalid("due_days", "give due_at or due_days, not both")
	case in.DueDays < 0 || in.DueDays > 365:
		return 0, nil, apperr.Invalid("due_days", "must be 1 to 365")
	}
	now := s.Now().UTC()
	switch {
	case in.DueAt != nil:
		if !in.DueAt.After(now) {
			return 0, nil, apperr.Invalid("due_at", "must be in the future")
		}
		r.DueAt = in.DueAt.UTC()
	case in.DueDays > 0:
		r.DueAt = now.Add(time.Duration(in.DueDays) * 24 * time.Hour)
	}
	var err error
	if r.VendorOrgID, err = a.resolveOrg(c, "vendor", in.Vendor); err != nil {
		return 0, nil, err
	}
	if err := s.RequestVendor(c.r.Context(), c.p, r); err != nil {
		if ae := apperr.As(err); ae.Field == "vendor_org_id" {
			return 0, nil, renamed(ae, "vendor")
		}
		return 0, nil, err
	}
	return 201, c.requestView(r), nil
}

func (a *API) getVendorRequest(c *call) (int, any, error) {
	r, err := c.exp().Request(c.r.Context(), c.p, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return 200, c.requestView(r), nil
}

// RequestActionInput is the body of POST /vendor-requests/{id}/actions.
type RequestActionInput struct {
	Action string       `json:"action"` // acknowledge | answer | decline | withdraw | comment
	Text   string       `json:"text,omitempty"`
	Answer *vuln.Answer `json:"answer,omitempty"`
}

var requestActions = []string{"acknowledge", "answer", "decline", "withdraw", "comment"}

func (a *API) actOnVendorRequest(c *call) (int, any, error) {
	var in RequestActionInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !slices.Contains(requestActions, in.Action) {
		return 0, nil, apperr.Invalid("action", "%q: use one of %s", clip(in.Action), strings.Join(requestActions, ", "))
	}
	if in.Answer != nil && in.Action != "answer" {
		return 0, nil, apperr.Invalid("answer", "only the answer action carries an answer")
	}
	if utf8.RuneCountInString(in.Text) > 10000 {
		return 0, nil, apperr.Invalid("text", "at most 10000 characters")
	}
	r, err := c.exp().ActOnRequest(c.r.Context(), c.p, c.r.PathValue("id"), exposure.RequestAction{Kind: in.Action, Text: in.Text, Answer: in.Answer})
	if err != nil {
		return 0, nil, err
	}
	return 200, c.requestView(r), nil
}

// AdviseInput is the (optional) body of POST /vendor-requests/{id}/advise.
type AdviseInput struct {
	Text string `json:"text,omitempty"` // the analyst's note, put before the vendor's answer
}

func (a *API) adviseFromVendorRequest(c *call) (int, any, error) {
	var in AdviseInput
	if err := decodeOptional(c.r, c.api.opt.MaxBodyBytes, &in); err != nil {
		return 0, nil, err
	}
	if utf8.RuneCountInString(in.Text) > 10000 {
		return 0, nil, apperr.Invalid("text", "at most 10000 characters")
	}
	ns, err := c.exp().Advise(c.r.Context(), c.p, c.r.PathValue("id"), in.Text)
	return 200, listOf(ns), err
}
