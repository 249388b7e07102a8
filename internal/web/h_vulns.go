package web

// Vulnerabilities: the list of those the user is entitled to (TLP), a
// vulnerability's detail with its affected products, fixes and references;
// for the government its exposures across organisations and its vendor
// requests, for an operator its own exposed computers with the state form;
// for government analysts the record form, the CVE JSON 5 / KEV import and
// the re-match.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/cpe"
	"sakimori/internal/exposure"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

func init() {
	for k, v := range map[string]string{
		"vuln_id":      "field.vuln_id",
		"exploited":    "field.exploited",
		"cvss.version": "field.cvss_version",
		"cvss.score":   "field.cvss_score",
		"cvss.vector":  "field.cvss_vector",
		"affected":     "field.affected",
		"fixes":        "field.fixes",
		"workarounds":  "field.workarounds",
		"references":   "field.references",
		"cwes":         "field.cwes",
		"published":    "field.published",
	} {
		fieldLabels[k] = v
	}
	for k, v := range map[string]string{
		"vuln_recorded":  "done.vuln_recorded",
		"vuln_unchanged": "done.vuln_unchanged",
	} {
		doneMessages[k] = v
	}
}

// vulnRoutes registers the routes of this file (called by exposureRoutes).
func (s *server) vulnRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /vulns", s.user(s.vulnList))
	mux.Handle("GET /vulns/new", s.user(s.vulnNew))
	mux.Handle("POST /vulns", s.bigForm(s.vulnCreate))
	mux.Handle("GET /vulns/import", s.user(s.vulnImportPage))
	mux.Handle("POST /vulns/import", s.upload(s.vulnImport))
	mux.Handle("POST /vulns/rematch", s.user(s.vulnRematch))
	mux.Handle("GET /vulns/{id}", s.user(s.vulnDetail))
	mux.Handle("GET /vulns/{id}/edit", s.user(s.vulnEdit))
	mux.Handle("POST /vulns/{id}/edit", s.bigForm(s.vulnUpdate))
}

// ---- list --------------------------------------------------------------------------

type vulnRow struct {
	ID, Title  string
	TLP        tlpBadge
	CVSS       *cvssView
	Exploited  bool
	KEV        bool
	Ransomware bool
	Published  *time.Time
	Updated    time.Time
	Exposed    int // unpatched exposures the user sees
}

type vulnListData struct {
	Form     *form
	Rows     []vulnRow
	Limited  bool // more may match than are listed
	CanWrite bool
	Searched bool
	Gov      bool
}

// vulnListLimit is the most vulnerabilities listed (the service filters by
// entitlement, so the list is not paged: a search narrows it).
const vulnListLimit = 200

func (s *server) vulnList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	f := newForm(q)
	gov := p.IsGovernment()
	d := vulnListData{Form: f, CanWrite: auth.Can(p, auth.ActVulnWrite, auth.Target{}), Gov: gov}
	vq := store.VulnQuery{Text: strings.TrimSpace(q.Get("q")), Exploited: q.Get("exploited") != "", Limit: vulnListLimit + 1}
	if len([]rune(vq.Text)) > 200 {
		f.invalid("q", rq.T("reason.max_chars", 200))
		s.render(w, rq, http.StatusBadRequest, "vulns", d)
		return
	}
	vs, err := s.opt.Exposure.Vulns(ctx, p, vq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if len(vs) > vulnListLimit {
		vs, d.Limited = vs[:vulnListLimit], true
	}
	// Unpatched exposures: the organisation's own, or every organisation's
	// for the government.
	exposed := map[string]int{}
	if gov || auth.Can(p, auth.ActExposureRead, auth.Target{OrgID: p.OrgID()}) {
		es, err := s.opt.Exposure.Exposures(ctx, p, store.ExposureQuery{Unpatched: true, Limit: 1 << 20}, gov)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		for _, e := range es {
			exposed[e.VulnID]++
		}
	}
	d.Searched = vq.Text != "" || vq.Exploited
	for _, v := range vs {
		r := vulnRow{ID: v.ID, Title: v.Title, TLP: badgeOf(v.TLP), CVSS: cvssOf(rq, v.CVSS), Exploited: v.Exploited, KEV: v.KEV != nil,
			Published: v.Published, Updated: v.UpdatedAt, Exposed: exposed[v.ID]}
		if v.KEV != nil {
			r.Ransomware = v.KEV.Ransomware
		}
		d.Rows = append(d.Rows, r)
	}
	s.render(w, rq, http.StatusOK, "vulns", d)
}

// ---- detail -----------------------------------------------------------------------

type affectedRow struct {
	CPE, Vendor, Product string
	Ranges               []string
}

type vulnData struct {
	V                    *vuln.Vulnerability
	TLP                  tlpBadge
	CVSS                 *cvssView
	Affected             []affectedRow
	Paragraphs           [][]string // the description: paragraphs of lines
	Owner                string
	Gov                  bool
	ShowExposures        bool
	Exposures            []exposureRow
	Unpatched, Orgs      int // unpatched exposures, and of how many organisations
	ShowRequests         bool
	Requests             []requestRow
	CanWrite, CanRequest bool
	StateOptions         []option
}

func (s *server) vulnDetail(w http.ResponseWriter, rq *req) {
	s.vulnPage(w, rq, http.StatusOK, "", nil)
}

// vulnPage renders the vulnerability of the path. stateKey/stateForm are a
// failed exposure-state form.
func (s *server) vulnPage(w http.ResponseWriter, rq *req, status int, stateKey string, stateForm *form) {
	ctx, p := rq.Context(), rq.P
	v, err := s.opt.Exposure.Vuln(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	gov := p.IsGovernment()
	n := s.orgNames(rq)
	d := vulnData{V: v, TLP: badgeOf(v.TLP), CVSS: cvssOf(rq, v.CVSS), Gov: gov, StateOptions: stateOptions(rq),
		CanWrite: auth.Can(p, auth.ActVulnWrite, auth.Target{}), CanRequest: auth.Can(p, auth.ActVendorRequestCreate, auth.Target{}),
		Owner: n.orgName(v.OwnerOrgID), Paragraphs: paragraphs(v.Description)}
	for _, a := range v.Affected {
		r := affectedRow{CPE: a.CPE, Vendor: a.Vendor, Product: a.Product}
		if nm, err := cpe.Parse(a.CPE); err == nil {
			if r.Vendor == "" {
				r.Vendor = cpe.Unquote(nm.Vendor)
			}
			if r.Product == "" {
				r.Product = cpe.Unquote(nm.Product)
			}
		}
		for _, rg := range a.Ranges {
			txt := rg.String()
			if rg.Scheme != "" && rg.Scheme != version.Generic {
				txt += " (" + string(rg.Scheme) + ")"
			}
			r.Ranges = append(r.Ranges, txt)
		}
		if len(r.Ranges) == 0 {
			r.Ranges = []string{rq.T("vuln.every_version")}
		}
		d.Affected = append(d.Affected, r)
	}
	// Exposures: across organisations for the government, the
	// organisation's own otherwise.
	es, err := s.opt.Exposure.Exposures(ctx, p, store.ExposureQuery{VulnID: v.ID, Limit: 1 << 20}, gov)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rows, err := s.exposureRows(rq, es, "vuln", stateKey, stateForm)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.Exposures = rows
	orgs := map[string]bool{}
	for _, r := range rows {
		if r.Unpatched {
			d.Unpatched++
			orgs[r.OrgID] = true
		}
	}
	d.Orgs = len(orgs)
	d.ShowExposures = gov || len(rows) > 0 || p.Org != nil && p.Org.Kind == org.KindOperator
	// Vendor requests about it: any for the government, the vendor's own.
	if gov || auth.Can(p, auth.ActVendorRequestRead, auth.Target{OrgID: p.OrgID()}) && (p.Org.Kind == org.KindVendor || p.Org.Kind == org.KindSupplier) {
		reqs, err := s.opt.Exposure.Requests(ctx, p, store.RequestQuery{VulnID: v.ID})
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		d.Requests = s.requestRows(rq, reqs, n)
		d.ShowRequests = gov || len(reqs) > 0
	}
	rq.here = "/vulns/" + url.PathEscape(v.ID)
	s.render(w, rq, status, "vuln", d)
}

// paragraphs splits a text into paragraphs (at blank lines) of lines, for
// display without losing its line breaks.
func paragraphs(text string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			if cur != nil {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// ---- record and change -------------------------------------------------------------

type vulnFormData struct {
	Form        *form
	New         bool
	ID          string
	Action      string
	TLPOptions  []option
	CVSSOptions []option
}

func (s *server) vulnForm(w http.ResponseWriter, rq *req, status int, f *form, cur *vuln.Vulnerability) {
	d := vulnFormData{Form: f, New: cur == nil, Action: "/vulns", TLPOptions: tlpOptions(rq, ""),
		CVSSOptions: []option{{Value: "", Label: rq.T("vuln.no_cvss")}, {Value: "4.0", Label: "CVSS 4.0"}, {Value: "3.1", Label: "CVSS 3.1"},
			{Value: "3.0", Label: "CVSS 3.0"}, {Value: "2.0", Label: "CVSS 2.0"}}}
	rq.here = "/vulns/new"
	if cur != nil {
		d.ID, d.Action = cur.ID, "/vulns/"+url.PathEscape(cur.ID)+"/edit"
		rq.here = d.Action
	}
	s.render(w, rq, status, "vuln_form", d)
}

func (s *server) vulnNew(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActVulnWrite, auth.Target{}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	s.vulnForm(w, rq, http.StatusOK, newForm(url.Values{"tlp": {"clear"}}), nil)
}

// writableVuln returns the vulnerability of the path if the user may
// record it.
func (s *server) writableVuln(rq *req) (*vuln.Vulnerability, error) {
	v, err := s.opt.Exposure.Vuln(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActVulnWrite, auth.Target{}) {
		return nil, apperr.ErrForbidden
	}
	return v, nil
}

func (s *server) vulnEdit(w http.ResponseWriter, rq *req) {
	v, err := s.writableVuln(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.vulnForm(w, rq, http.StatusOK, newForm(vulnValues(v)), v)
}

// vulnValues are the form's values for v.
func vulnValues(v *vuln.Vulnerability) url.Values {
	val := url.Values{"vuln_id": {v.ID}, "title": {v.Title}, "description": {v.Description}, "tlp": {v.TLP.Name()},
		"affected": {affectedText(v.Affected)}, "fixes": {remedyText(v.Fixes)}, "workarounds": {remedyText(v.Workarounds)},
		"references": {strings.Join(v.References, "\n")}, "cwes": {strings.Join(v.CWEs, ", ")}}
	if v.CVSS != nil {
		val.Set("cvss.version", v.CVSS.Version)
		val.Set("cvss.score", strconv.FormatFloat(v.CVSS.Score, 'f', 1, 64))
		val.Set("cvss.vector", v.CVSS.Vector)
	}
	if v.Exploited {
		val.Set("exploited", "1")
	}
	if v.Published != nil {
		val.Set("published", v.Published.In(jst).Format(time.DateOnly))
	}
	return val
}

// affectedText writes affected products as the affected input reads them:
// one line per CPE name, "CPE | range | range ...", a scheme other than
// the generic one as "scheme=NAME" (ranges of different schemes on lines
// of their own).
func affectedText(as []vuln.Affected) string {
	var lines []string
	for _, a := range as {
		groups := map[version.Scheme][]string{}
		var order []version.Scheme
		for _, r := range a.Ranges {
			if _, ok := groups[r.Scheme]; !ok {
				order = append(order, r.Scheme)
			}
			groups[r.Scheme] = append(groups[r.Scheme], r.String())
		}
		if len(order) == 0 {
			lines = append(lines, a.CPE)
			continue
		}
		for _, sc := range order {
			parts := []string{a.CPE}
			if sc != "" && sc != version.Generic {
				parts = append(parts, "scheme="+string(sc))
			}
			lines = append(lines, strings.Join(append(parts, groups[sc]...), " | "))
		}
	}
	return strings.Join(lines, "\n")
}

func remedyText(rs []vuln.Remedy) string {
	var lines []string
	for _, r := range rs {
		switch {
		case r.URL == "":
			lines = append(lines, r.Text)
		case r.Text == "":
			lines = append(lines, r.URL)
		default:
			lines = append(lines, r.Text+" | "+r.URL)
		}
	}
	return strings.Join(lines, "\n")
}

// parseRemedies reads fixes or workarounds: one per line, "text | URL",
// "text" or "URL".
func parseRemedies(text string) []vuln.Remedy {
	out := []vuln.Remedy{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if t, u, ok := strings.Cut(line, " | "); ok {
			out = append(out, vuln.Remedy{Text: strings.TrimSpace(t), URL: strings.TrimSpace(u)})
			continue
		}
		if isHTTP(line) && !strings.ContainsAny(line, " \t") {
			out = append(out, vuln.Remedy{URL: line})
			continue
		}
		out = append(out, vuln.Remedy{Text: line})
	}
	return out
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// rangeOps are the bounds of a range as Range.String writes them, longest
// first.
var rangeOps = []struct {
	op  string
	set func(r *version.Range, v string)
}{
	{">=", func(r *version.Range, v string) { r.StartIncluding = v }},
	{"<=", func(r *version.Range, v string) { r.EndIncluding = v }},
	{">", func(r *version.Range, v string) { r.StartExcluding = v }},
	{"<", func(r *version.Range, v string) { r.EndExcluding = v }},
	{"=", func(r *version.Range, v string) { r.Exact = v }},
}

// parseAffected reads the affected input (see affectedText). A line that
// cannot be read is reported with its number.
func parseAffected(rq *req, f *form, text string) []vuln.Affected {
	out := []vuln.Affected{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		a := vuln.Affected{CPE: strings.TrimSpace(parts[0]), Ranges: []version.Range{}}
		if n, err := cpe.Parse(a.CPE); err == nil {
			a.Vendor, a.Product = cpe.Unquote(n.Vendor), cpe.Unquote(n.Product)
		}
		var scheme version.Scheme
		for _, part := range parts[1:] {
			part = strings.TrimSpace(part)
			if sc, ok := strings.CutPrefix(part, "scheme="); ok {
				scheme = version.Scheme(strings.TrimSpace(sc))
				if !scheme.Valid() {
					f.invalid("affected", rq.T("reason.line", i+1, rq.T("reason.scheme", string(scheme))))
					return out
				}
				continue
			}
			if part == "" || part == "any" || part == "*" {
				continue
			}
			var r version.Range
			for _, b := range strings.Split(part, ",") {
				b = strings.TrimSpace(b)
				found := false
				for _, o := range rangeOps {
					if v, ok := strings.CutPrefix(b, o.op); ok {
						if v = strings.TrimSpace(v); v != "" {
							o.set(&r, v)
							found = true
						}
						break
					}
				}
				if !found {
					f.invalid("affected", rq.T("reason.line", i+1, rq.T("reason.range", b)))
					return out
				}
			}
			a.Ranges = append(a.Ranges, r)
		}
		for j := range a.Ranges {
			a.Ranges[j].Scheme = scheme
		}
		out = append(out, a)
	}
	return out
}

// readVulnForm reads the form into a vulnerability; cur (when changing
// one) supplies what the form does not edit: the KEV details and the source.
func readVulnForm(rq *req, f *form, cur *vuln.Vulnerability) *vuln.Vulnerability {
	v := &vuln.Vulnerability{ID: strings.TrimSpace(f.Get("vuln_id")), Title: strings.TrimSpace(f.Get("title")),
		Description: strings.TrimSpace(f.Get("description")), Exploited: f.Get("exploited") != "",
		Fixes: parseRemedies(f.Get("fixes")), Workarounds: parseRemedies(f.Get("workarounds")), References: []string{}, CWEs: []string{}}
	if cur != nil {
		v.ID, v.KEV, v.Source, v.OwnerOrgID = cur.ID, cur.KEV, cur.Source, cur.OwnerOrgID
	}
	if t, err := marking.ParseTLP(f.Get("tlp")); err != nil {
		f.invalid("tlp", rq.T("reason.tlp"))
	} else {
		v.TLP = t
	}
	if ver := f.Get("cvss.version"); ver != "" || strings.TrimSpace(f.Get("cvss.score")) != "" {
		c := &vuln.CVSS{Version: ver, Vector: strings.TrimSpace(f.Get("cvss.vector"))}
		sc, err := strconv.ParseFloat(strings.TrimSpace(f.Get("cvss.score")), 64)
		if err != nil {
			f.invalid("cvss.score", rq.T("reason.cvss_score"))
		}
		if ver == "" {
			f.invalid("cvss.version", rq.T("reason.cvss_version"))
		}
		c.Score = sc
		v.CVSS = c
	}
	v.Affected = parseAffected(rq, f, f.Get("affected"))
	for _, line := range strings.Split(f.Get("references"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if !isHTTP(line) {
			f.invalid("references", rq.T("reason.url"))
		}
		v.References = append(v.References, line)
	}
	for _, c := range splitList(f.Get("cwes")) {
		v.CWEs = append(v.CWEs, strings.ToUpper(c))
	}
	if p := strings.TrimSpace(f.Get("published")); p != "" {
		t, err := time.ParseInLocation(time.DateOnly, p, jst)
		if err != nil {
			f.invalid("published", rq.T("reason.date"))
		} else {
			t = t.UTC()
			v.Published = &t
		}
	} else if cur != nil {
		v.Published = cur.Published
	}
	return v
}

var vulnRemap = map[string]string{"id": "vuln_id", "cvss": "cvss.score", "kev.date_added": "vuln_id", "kev.due_date": "vuln_id", "source": "vuln_id"}

// vulnLists are the list inputs of the vulnerability form.
func vulnLists(f *form) map[string]listInput {
	return map[string]listInput{"affected": {"affected", entryLines(f.Get("affected"))}, "fixes": {"fixes", entryLines(f.Get("fixes"))},
		"workarounds": {"workarounds", entryLines(f.Get("workarounds"))}, "cwes": {"cwes", nil}}
}

// record sends the vulnerability of the form to the service and answers.
func (s *server) record(w http.ResponseWriter, rq *req, f *form, cur *vuln.Vulnerability) {
	v := readVulnForm(rq, f, cur)
	status := http.StatusBadRequest
	if !f.Failed() {
		v.Normalize()
		res, err := s.opt.Exposure.PutVuln(rq.Context(), rq.P, v)
		if err == nil {
			done := "vuln_recorded"
			if !res.Changed {
				done = "vuln_unchanged"
			}
			redirect(w, rq, "/vulns/"+url.PathEscape(res.Vuln.ID), done)
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		if lineError(rq, f, err, vulnLists(f)) {
			status = apperr.Status(apperr.As(err))
		} else {
			status = s.apply(rq, f, err, vulnRemap)
		}
	}
	s.vulnForm(w, rq, status, f, cur)
}

func (s *server) vulnCreate(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActVulnWrite, auth.Target{}) {
		_, err := s.opt.Exposure.PutVuln(rq.Context(), rq.P, &vuln.Vulnerability{})
		if err == nil {
			err = apperr.ErrForbidden
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	// An id already recorded is changed, not created: only if the user
	// may see it (otherwise the form would overwrite what it cannot read).
	if id := strings.ToUpper(strings.TrimSpace(f.Get("vuln_id"))); id != "" {
		if _, err := s.opt.Exposure.Vuln(rq.Context(), rq.P, id); err == nil {
			f.invalid("vuln_id", rq.T("reason.vuln_exists"))
		}
	}
	if f.Failed() {
		s.vulnForm(w, rq, http.StatusConflict, f, nil)
		return
	}
	s.record(w, rq, f, nil)
}

func (s *server) vulnUpdate(w http.ResponseWriter, rq *req) {
	v, err := s.writableVuln(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	f.Values.Set("vuln_id", v.ID)
	s.record(w, rq, f, v)
}

// ---- import and re-match -------------------------------------------------------------

type vulnImportData struct {
	Form          *form
	FormatOptions []option
	Result        *importCounts
	Rematch       *exposure.RematchResult
	Took          string
}

func (s *server) vulnImportData(rq *req, f *form) *vulnImportData {
	return &vulnImportData{Form: f, FormatOptions: []option{{Value: "cve5", Label: rq.T("vuln.import.format.cve5")},
		{Value: "kev", Label: rq.T("vuln.import.format.kev")}}}
}

func (s *server) vulnImportPage(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActVulnWrite, auth.Target{}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	s.render(w, rq, http.StatusOK, "vuln_import", s.vulnImportData(rq, newForm(url.Values{"format": {"cve5"}})))
}

func (s *server) vulnImport(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	if !auth.Can(p, auth.ActVulnWrite, auth.Target{}) {
		_, err := s.opt.Exposure.ImportVulns(ctx, p, nil)
		if err == nil {
			err = apperr.ErrForbidden
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(url.Values{"format": {rq.PostFormValue("format")}})
	format := f.Get("format")
	parse := map[string]func([]byte) ([]vuln.Vulnerability, []vuln.ImportProblem, error){"cve5": vuln.ParseCVE5, "kev": vuln.ParseKEV}[format]
	if parse == nil {
		f.invalid("format", rq.T("reason.unknown_value"))
	}
	data, _ := readUpload(rq, f, maxImportBytes)
	var res *importCounts
	status := http.StatusBadRequest
	if !f.Failed() {
		vs, probs, err := parse(data)
		if err != nil {
			ae := apperr.As(err)
			if ae.Code != apperr.CodeInvalid {
				s.errorPage(w, rq, err)
				return
			}
			f.invalid("file", rq.T("import.bad_input", ae.Message))
		} else {
			res = &importCounts{Kind: rq.T(map[string]string{"cve5": "vuln.import.format.cve5", "kev": "vuln.import.format.kev"}[format])}
			for _, pr := range probs {
				where := rq.T("vuln.import.record", pr.Index+1)
				if pr.ID != "" {
					where += " (" + pr.ID + ")"
				}
				res.Problems = append(res.Problems, problemRow{Where: where, Field: pr.Field, Message: pr.Message, Partial: pr.Partial()})
			}
			out, err := s.opt.Exposure.ImportVulns(ctx, p, vs)
			if err != nil {
				s.errorPage(w, rq, err)
				return
			}
			res.Created, res.Updated, res.Unchanged, res.Exposures, res.Notices = out.Created, out.Updated, out.Unchanged, out.Exposures, out.Notices
			for _, pr := range out.Problems {
				where := ""
				if pr.Row >= 1 && pr.Row <= len(vs) {
					where = vs[pr.Row-1].ID
				}
				res.Problems = append(res.Problems, problemRow{Where: where, Field: pr.Field, Message: pr.Message})
			}
			status = http.StatusOK
		}
	}
	d := s.vulnImportData(rq, f)
	d.Result = res
	rq.here = "/vulns/import"
	s.render(w, rq, status, "vuln_import", d)
}

func (s *server) vulnRematch(w http.ResponseWriter, rq *req) {
	res, err := s.opt.Exposure.Rematch(rq.Context(), rq.P)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := s.vulnImportData(rq, newForm(url.Values{"format": {"cve5"}}))
	d.Rematch = res
	d.Took = rq.T("common.ms", float64(res.Took.Microseconds())/1000)
	rq.here = "/vulns/import"
	s.render(w, rq, http.StatusOK, "vuln_import", d)
}
