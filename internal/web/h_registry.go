package web

// The critical-computer registry (特定重要電子計算機の届出): the list (the
// government chooses an organisation or sees all), a computer's current
// notification with its exposures, components and version history with
// the differences between versions, the forms to notify a new computer
// and a change, retirement, and imports from CSV and SBOM files.

import (
	"cmp"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/sbom"
	"sakimori/internal/store"
)

func init() {
	for k, v := range map[string]string{
		"ref":             "field.ref",
		"computer_name":   "field.computer_name",
		"function":        "field.function",
		"vendor":          "field.vendor",
		"product":         "field.product",
		"product_version": "field.product_version",
		"cpe":             "field.cpe",
		"site":            "field.site",
		"overseas":        "field.overseas",
		"internet_facing": "field.internet_facing",
		"business":        "field.business",
		"equipment":       "field.equipment",
		"in_service":      "field.in_service",
		"management":      "field.management",
		"contractor":      "field.contractor",
		"subcontractor":   "field.subcontractor",
		"excluded":        "field.excluded",
		"exclusion_note":  "field.exclusion_note",
		"notes":           "field.notes",
		"components":      "field.components",
		"change_note":     "field.change_note",
		"retired":         "field.retired",
		"computer_ref":    "field.computer_ref",
	} {
		fieldLabels[k] = v
	}
	for k, v := range map[string]string{
		"computer_notified": "done.computer_notified",
		"computer_changed":  "done.computer_changed",
		"computer_same":     "done.computer_same",
		"computer_retired":  "done.computer_retired",
	} {
		doneMessages[k] = v
	}
	reasons = append(reasons, exposureReasons...)
}

// exposureReasons translate the validation messages of the registry,
// vulnerability and vendor-request types and of the exposure service.
var exposureReasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^must be one of vpn, authentication, remote_access, control_gateway, other$`), "reason.unknown_value"},
	{regexp.MustCompile(`^must be in_house or outsourced$`), "reason.unknown_value"},
	{regexp.MustCompile(`^is required when the computer is outsourced$`), "reason.contractor_required"},
	{regexp.MustCompile(`^only an outsourced computer has a contractor$`), "reason.contractor_in_house"},
	{regexp.MustCompile(`^say which designated exclusion applies$`), "reason.exclusion_note"},
	{regexp.MustCompile(`^must be a date YYYY-MM-DD$`), "reason.date"},
	{regexp.MustCompile(`^must name the part, vendor and product$`), "reason.cpe_product"},
	{regexp.MustCompile(`^must name the vendor and the product$`), "reason.cpe_product"},
	{regexp.MustCompile(`^at most (\d+) components$`), "reason.max_entries"},
	{regexp.MustCompile(`^a component needs a name or a CPE$`), "reason.component_name"},
	{regexp.MustCompile(`^a text is too long$`), "reason.too_long"},
	{regexp.MustCompile(`^another computer of the organisation has ref `), "reason.ref_taken"},
	{regexp.MustCompile(`^must be a CVE id \(CVE-2024-21762\) or a sakimori id \(SKM-2026-0001\)$`), "reason.vuln_id"},
	{regexp.MustCompile(`^is required, at most (\d+) characters$`), "reason.required_max"},
	{regexp.MustCompile(`^at most (\d+) affected products$`), "reason.max_entries"},
	{regexp.MustCompile(`^is required \(a CPE 2\.3 name, the version usually \*\)$`), "reason.cpe_required"},
	{regexp.MustCompile(`^must be between 0\.0 and 10\.0$`), "reason.cvss_score"},
	{regexp.MustCompile(`^must be 2\.0, 3\.0, 3\.1 or 4\.0$`), "reason.cvss_version"},
	{regexp.MustCompile(`^needs a text or a URL \(text at most (\d+) characters\)$`), "reason.remedy"},
	{regexp.MustCompile(`^must look like CWE-79$`), "reason.cwe"},
	{regexp.MustCompile(`^must be a TLP 2\.0 label$`), "reason.tlp"},
	{regexp.MustCompile(`^say when a fix is \(or will be\) available, or which mitigations apply$`), "reason.answer_required"},
	{regexp.MustCompile(`^must be an http\(s\) URL$`), "reason.url"},
	{regexp.MustCompile(`^say why the request is declined$`), "reason.decline_reason"},
	{regexp.MustCompile(`^a comment needs a text$`), "reason.required"},
	{regexp.MustCompile(`^.+ is not a vendor or supplier$`), "reason.not_vendor"},
	{regexp.MustCompile(`^no vulnerability `), "reason.no_vuln"},
	{regexp.MustCompile(`^the request is \w+`), "reason.request_state"},
	{regexp.MustCompile(`^only an answered request can become an advisory$`), "reason.advise_state"},
	{regexp.MustCompile(`^must be open, mitigated, patched or not_affected$`), "reason.unknown_value"},
}

// registryRoutes registers the routes of this file (called by exposureRoutes).
func (s *server) registryRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /computers", s.user(s.computerList))
	mux.Handle("GET /computers/new", s.user(s.computerNew))
	mux.Handle("POST /computers", s.user(s.computerCreate))
	mux.Handle("GET /computers/import", s.user(s.computerImportPage))
	mux.Handle("POST /computers/import", s.upload(s.computerImport))
	mux.Handle("GET /computers/{id}", s.user(s.computerDetail))
	mux.Handle("GET /computers/{id}/edit", s.user(s.computerEdit))
	mux.Handle("POST /computers/{id}/edit", s.user(s.computerUpdate))
	mux.Handle("POST /computers/{id}/retire", s.user(s.computerRetire))
	mux.Handle("POST /computers/{id}/exposures/{vuln}", s.user(s.exposureState))
}

func functionOptions(rq *req, empty string) []option {
	var os []option
	if empty != "" {
		os = append(os, option{Value: "", Label: rq.T(empty)})
	}
	for _, f := range registry.Functions {
		os = append(os, option{Value: string(f), Label: label(rq, functionKeys, f)})
	}
	return os
}

func managementOptions(rq *req) []option {
	return []option{{Value: string(registry.ManagedInHouse), Label: label(rq, managementKeys, registry.ManagedInHouse)},
		{Value: string(registry.ManagedOutsourced), Label: label(rq, managementKeys, registry.ManagedOutsourced)}}
}

// ---- list ------------------------------------------------------------------------

type computerRow struct {
	ID, Ref, Name, Function, Product, Version, Site, Org string
	InternetFacing, Overseas, Retired, Excluded          bool
	Notification                                         int
	NotifiedAt                                           time.Time
	Unpatched                                            int
}

type computerListData struct {
	Form            *form
	Rows            []computerRow
	Total           int
	Next, First     string
	FunctionOptions []option
	OrgOptions      []option // the government's organisation selector
	ShowOrg         bool
	CanWrite        bool
	Searched        bool
}

// eachOrgOfKind calls fn for every organisation of kind k the user may
// list, following the pages of ListOrgs.
func (s *server) eachOrgOfKind(rq *req, k org.Kind, fn func(o *org.Organisation)) error {
	after := ""
	for {
		page, next, err := s.svc.ListOrgs(rq.Context(), rq.P, store.OrgFilter{Kind: k, After: after, Limit: 500})
		if err != nil {
			return err
		}
		for i := range page {
			fn(&page[i])
		}
		if next == "" || len(page) == 0 {
			return nil
		}
		after = next
	}
}

// operatorOptions lists the operators for the government's organisation
// selector, "all organisations" first.
func (s *server) operatorOptions(rq *req) ([]option, error) {
	os := []option{{Value: "", Label: rq.T("reg.all_orgs")}}
	err := s.eachOrgOfKind(rq, org.KindOperator, func(o *org.Organisation) {
		os = append(os, option{Value: o.Slug, Label: o.Name.In(rq.lang)})
	})
	if err != nil {
		return nil, err
	}
	return os, nil
}

func (s *server) computerList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	f := newForm(q)
	gov := p.IsGovernment()
	d := computerListData{Form: f, FunctionOptions: functionOptions(rq, "common.any"), ShowOrg: gov,
		CanWrite: auth.Can(p, auth.ActRegistryWrite, auth.Target{OrgID: p.OrgID()})}
	cq := store.ComputerQuery{Text: strings.TrimSpace(q.Get("q")), Function: registry.Function(q.Get("function")),
		Retired: q.Get("retired") != "", Limit: pageSize}
	if cq.Function != "" && !cq.Function.Valid() {
		f.invalid("function", rq.T("reason.unknown_value"))
	}
	if len([]rune(cq.Text)) > 200 {
		f.invalid("q", rq.T("reason.max_chars", 200))
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			f.invalid("after", rq.T("reason.unknown_value"))
		}
		cq.Offset = n
	}
	allOrgs := false
	if gov {
		opts, err := s.operatorOptions(rq)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		d.OrgOptions = opts
		if ref := q.Get("org"); ref != "" {
			o, err := s.svc.GetOrg(ctx, p, ref)
			if err != nil {
				f.invalid("org", rq.T("reason.no_org_named", ref))
			} else {
				cq.OrgID = o.ID
			}
		} else {
			allOrgs = true
		}
	} else if ref := q.Get("org"); ref != "" {
		// Another organisation's registry: the service refuses (and a
		// wrong slug is no more than that).
		o, err := s.svc.GetOrg(ctx, p, ref)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		cq.OrgID = o.ID
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "computers", d)
		return
	}
	cs, total, err := s.opt.Exposure.Computers(ctx, p, cq, allOrgs)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	// Unpatched exposures per computer, of vulnerabilities the user sees.
	es, err := s.opt.Exposure.Exposures(ctx, p, store.ExposureQuery{OrgID: cq.OrgID, Unpatched: true, Limit: 1 << 20}, allOrgs)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.VulnID)
	}
	visible, err := s.visibleVulns(ctx, rq, ids)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	unpatched := map[string]int{}
	for _, e := range es {
		if visible[e.VulnID] != nil {
			unpatched[e.ComputerID]++
		}
	}
	n := s.orgNames(rq)
	d.Total = total
	d.Searched = cq.Text != "" || cq.Function != ""
	for _, c := range cs {
		r := computerRow{ID: c.ID, Ref: c.Ref, Name: c.Name, Function: label(rq, functionKeys, c.Function), Product: c.Vendor + " " + c.Product,
			Version: c.ProductVersion, Site: c.Site, InternetFacing: c.InternetFacing, Overseas: c.Overseas, Retired: c.Retired, Excluded: c.Excluded,
			Notification: c.Version, NotifiedAt: c.NotifiedAt, Unpatched: unpatched[c.ID]}
		if gov {
			r.Org = n.orgName(c.OrgID)
		}
		d.Rows = append(d.Rows, r)
	}
	if cq.Offset+len(cs) < total {
		d.Next = pageURL("/computers", q, strconv.Itoa(cq.Offset+len(cs)))
	}
	if cq.Offset > 0 {
		d.First = pageURL("/computers", q, "")
	}
	s.render(w, rq, http.StatusOK, "computers", d)
}

// ---- detail ----------------------------------------------------------------------

type notificationRow struct {
	Version    int
	At         time.Time
	By         string
	ChangeNote string
	Retired    bool
	First      bool
	Changes    []changeRow
}

type computerData struct {
	C                    *registry.Computer
	Org                  string
	Function, Management string
	NotifiedBy           string
	Exposures            []exposureRow
	History              []notificationRow
	CanWrite             bool
	RetireForm           *form
	StateOptions         []option
	Components           []registry.Component
	MoreComponents       int
}

// maxShownComponents bounds the components listed on the page (an SBOM
// may have thousands).
const maxShownComponents = 500

func (s *server) computerDetail(w http.ResponseWriter, rq *req) {
	s.computerPage(w, rq, http.StatusOK, "", nil, nil)
}

// computerPage renders the computer of the path. stateKey/stateForm are a
// failed exposure-state form, retire a failed retirement form.
func (s *server) computerPage(w http.ResponseWriter, rq *req, status int, stateKey string, stateForm, retire *form) {
	ctx, p := rq.Context(), rq.P
	id := rq.PathValue("id")
	c, err := s.opt.Exposure.Computer(ctx, p, id)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	hist, err := s.opt.Exposure.Notifications(ctx, p, id)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	es, err := s.opt.Exposure.Exposures(ctx, p, store.ExposureQuery{OrgID: c.OrgID, ComputerID: c.ID}, false)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rows, err := s.exposureRows(rq, es, "computer", stateKey, stateForm)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n := s.orgNames(rq)
	pp := s.people(rq, n)
	if retire == nil {
		retire = newForm(nil)
	}
	d := computerData{C: c, Org: n.orgName(c.OrgID), Function: label(rq, functionKeys, c.Function), Management: label(rq, managementKeys, c.Management),
		NotifiedBy: pp.who(c.NotifiedBy, c.OrgID), Exposures: rows, RetireForm: retire, StateOptions: stateOptions(rq),
		CanWrite: auth.Can(p, auth.ActRegistryWrite, auth.Target{OrgID: c.OrgID})}
	d.Components = c.Components
	if len(d.Components) > maxShownComponents {
		d.Components, d.MoreComponents = d.Components[:maxShownComponents], len(c.Components)-maxShownComponents
	}
	// History newest first, each version with its differences from the one before.
	for i, h := range hist {
		r := notificationRow{Version: h.Version, At: h.NotifiedAt, By: pp.who(h.NotifiedBy, c.OrgID), ChangeNote: h.ChangeNote,
			Retired: h.Computer.Retired, First: i == len(hist)-1}
		if i+1 < len(hist) {
			r.Changes = computerDiff(rq, &hist[i+1].Computer, &h.Computer)
		}
		d.History = append(d.History, r)
	}
	rq.here = "/computers/" + url.PathEscape(c.ID)
	s.render(w, rq, status, "computer", d)
}

// computerFields are the notified facts compared between versions, with
// the label of each.
var computerFields = []struct {
	label string
	get   func(rq *req, c *registry.Computer) string
}{
	{"field.ref", func(_ *req, c *registry.Computer) string { return c.Ref }},
	{"field.computer_name", func(_ *req, c *registry.Computer) string { return c.Name }},
	{"field.function", func(rq *req, c *registry.Computer) string { return label(rq, functionKeys, c.Function) }},
	{"field.vendor", func(_ *req, c *registry.Computer) string { return c.Vendor }},
	{"field.product", func(_ *req, c *registry.Computer) string { return c.Product }},
	{"field.product_version", func(_ *req, c *registry.Computer) string { return c.ProductVersion }},
	{"field.cpe", func(_ *req, c *registry.Computer) string { return c.CPE }},
	{"field.site", func(_ *req, c *registry.Computer) string { return c.Site }},
	{"field.overseas", func(rq *req, c *registry.Computer) string { return yesNoText(rq, c.Overseas) }},
	{"field.internet_facing", func(rq *req, c *registry.Computer) string { return yesNoText(rq, c.InternetFacing) }},
	{"field.business", func(_ *req, c *registry.Computer) string { return c.Business }},
	{"field.equipment", func(_ *req, c *registry.Computer) string { return c.Equipment }},
	{"field.in_service", func(_ *req, c *registry.Computer) string { return c.InService }},
	{"field.management", func(rq *req, c *registry.Computer) string { return label(rq, managementKeys, c.Management) }},
	{"field.contractor", func(_ *req, c *registry.Computer) string { return c.Contractor }},
	{"field.subcontractor", func(_ *req, c *registry.Computer) string { return c.Subcontractor }},
	{"field.excluded", func(rq *req, c *registry.Computer) string { return yesNoText(rq, c.Excluded) }},
	{"field.exclusion_note", func(_ *req, c *registry.Computer) string { return c.ExclusionNote }},
	{"field.notes", func(_ *req, c *registry.Computer) string { return c.Notes }},
	{"field.retired", func(rq *req, c *registry.Computer) string { return yesNoText(rq, c.Retired) }},
}

func yesNoText(rq *req, b bool) string {
	if b {
		return rq.T("common.yes")
	}
	return rq.T("common.no")
}

// maxDiffComponents bounds the component changes listed for one version.
const maxDiffComponents = 50

// computerDiff lists what changed from old to cur: each changed field, then
// the components removed and added.
func computerDiff(rq *req, old, cur *registry.Computer) []changeRow {
	var out []changeRow
	for _, f := range computerFields {
		a, b := f.get(rq, old), f.get(rq, cur)
		if a == b {
			continue
		}
		op := "changed"
		switch {
		case a == "":
			op = "added"
		case b == "":
			op = "removed"
		}
		out = append(out, changeRow{Op: op, Path: rq.T(f.label), Old: a, New: b})
	}
	was, is := map[string]bool{}, map[string]bool{}
	for _, x := range old.Components {
		was[componentLine(x)] = true
	}
	for _, x := range cur.Components {
		is[componentLine(x)] = true
	}
	var comp []changeRow
	for _, x := range old.Components {
		if l := componentLine(x); !is[l] {
			comp = append(comp, changeRow{Op: "removed", Path: rq.T("field.components"), Old: l})
			is[l] = true // once
		}
	}
	for _, x := range cur.Components {
		if l := componentLine(x); !was[l] {
			comp = append(comp, changeRow{Op: "added", Path: rq.T("field.components"), New: l})
			was[l] = true
		}
	}
	if len(comp) > maxDiffComponents {
		more := len(comp) - maxDiffComponents
		comp = append(comp[:maxDiffComponents], changeRow{Op: "changed", Path: rq.T("field.components"), New: rq.T("reg.more_components", more)})
	}
	return append(out, comp...)
}

// componentLine writes a component as the form's components input does:
// "name | version | supplier | cpe | purl", empty trailing parts left out.
func componentLine(x registry.Component) string {
	parts := []string{x.Name, x.Version, x.Supplier, x.CPE, x.PURL}
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " | ")
}

// parseComponents reads the components input: one component per line.
func parseComponents(text string) []registry.Component {
	out := []registry.Component{}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 5)
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		out = append(out, registry.Component{Name: parts[0], Version: parts[1], Supplier: parts[2], CPE: parts[3], PURL: parts[4]})
	}
	return out
}

// ---- notify: new computer and change ------------------------------------------------

type computerFormData struct {
	Form              *form
	New               bool
	C                 *registry.Computer
	Action            string
	FunctionOptions   []option
	ManagementOptions []option
	// ComponentsKept is the number of components kept as they are: too
	// many to edit here (an SBOM); the SBOM import replaces them.
	ComponentsKept int
}

// maxEditedComponents is the most components the form edits as text.
const maxEditedComponents = 200

func (s *server) computerForm(w http.ResponseWriter, rq *req, status int, f *form, c *registry.Computer) {
	d := computerFormData{Form: f, New: c == nil, C: c, Action: "/computers", FunctionOptions: functionOptions(rq, "reg.choose"),
		ManagementOptions: managementOptions(rq)}
	rq.here = "/computers/new"
	if c != nil {
		d.Action = "/computers/" + url.PathEscape(c.ID) + "/edit"
		rq.here = d.Action
		if len(c.Components) > maxEditedComponents {
			d.ComponentsKept = len(c.Components)
		}
	}
	s.render(w, rq, status, "computer_form", d)
}

func (s *server) computerNew(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActRegistryWrite, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	s.computerForm(w, rq, http.StatusOK, newForm(url.Values{"management": {string(registry.ManagedInHouse)}}), nil)
}

// computerValues are the form's values for computer c (to change it).
func computerValues(c *registry.Computer) url.Values {
	v := url.Values{"ref": {c.Ref}, "computer_name": {c.Name}, "function": {string(c.Function)}, "vendor": {c.Vendor},
		"product": {c.Product}, "product_version": {c.ProductVersion}, "cpe": {c.CPE}, "site": {c.Site}, "business": {c.Business},
		"equipment": {c.Equipment}, "in_service": {c.InService}, "management": {string(c.Management)}, "contractor": {c.Contractor},
		"subcontractor": {c.Subcontractor}, "exclusion_note": {c.ExclusionNote}, "notes": {c.Notes}}
	for name, b := range map[string]bool{"overseas": c.Overseas, "internet_facing": c.InternetFacing, "excluded": c.Excluded} {
		if b {
			v.Set(name, "1")
		}
	}
	if len(c.Components) <= maxEditedComponents {
		var lines []string
		for _, x := range c.Components {
			lines = append(lines, componentLine(x))
		}
		v.Set("components", strings.Join(lines, "\n"))
	}
	return v
}

// readComputerForm reads the form into a computer. cur is the computer
// changed (nil for a new one): its components are kept when the form
// does not edit them.
func readComputerForm(f *form, cur *registry.Computer) *registry.Computer {
	c := &registry.Computer{Ref: f.Get("ref"), Name: f.Get("computer_name"), Function: registry.Function(f.Get("function")),
		Vendor: f.Get("vendor"), Product: f.Get("product"), ProductVersion: f.Get("product_version"), CPE: f.Get("cpe"),
		Site: f.Get("site"), Business: f.Get("business"), Equipment: f.Get("equipment"), InService: f.Get("in_service"),
		Management: registry.Management(f.Get("management")), Contractor: f.Get("contractor"), Subcontractor: f.Get("subcontractor"),
		ExclusionNote: f.Get("exclusion_note"), Notes: f.Get("notes"), ChangeNote: f.Get("change_note"),
		Overseas: f.Get("overseas") != "", InternetFacing: f.Get("internet_facing") != "", Excluded: f.Get("excluded") != ""}
	if cur != nil {
		c.ID, c.OrgID, c.Retired = cur.ID, cur.OrgID, cur.Retired
	}
	if _, ok := f.Values["components"]; ok || cur == nil {
		c.Components = parseComponents(f.Get("components"))
	} else {
		c.Components = cur.Components
	}
	return c
}

// computerRemap maps the registry's field names to the form's inputs.
var computerRemap = map[string]string{"name": "computer_name"}

// listInput is a form input holding a list: its name and the line of
// each entry (nil: the entries are numbered, not lines).
type listInput struct {
	name  string
	lines []int
}

// entryLines returns the (1-based) line numbers of the non-blank lines of
// text: the lines the list inputs take entries from.
func entryLines(text string) []int {
	var out []int
	for i, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, i+1)
		}
	}
	return out
}

// lineError puts an error about the i-th entry of a list input
// ("components[3].cpe") on that input, naming the line (or the entry). It
// reports whether err was such an error.
func lineError(rq *req, f *form, err error, inputs map[string]listInput) bool {
	ae := apperr.As(err)
	if ae.Code != apperr.CodeInvalid {
		return false
	}
	base, rest, ok := strings.Cut(ae.Field, "[")
	if !ok {
		return false
	}
	in, known := inputs[base]
	if !known {
		return false
	}
	idx, _, _ := strings.Cut(rest, "]")
	i, perr := strconv.Atoi(idx)
	if perr != nil || i < 0 {
		return false
	}
	if in.lines == nil {
		f.invalid(in.name, rq.T("reason.entry", i+1, reason(rq, ae)))
		return true
	}
	line := i + 1
	if i < len(in.lines) {
		line = in.lines[i]
	}
	f.invalid(in.name, rq.T("reason.line", line, reason(rq, ae)))
	return true
}

// notify sends the computer of the form to the service and answers: a
// redirect to the computer's page, or the form again with the errors.
func (s *server) notify(w http.ResponseWriter, rq *req, f *form, cur *registry.Computer) {
	c := readComputerForm(f, cur)
	if cur != nil && strings.TrimSpace(c.ChangeNote) == "" {
		f.invalid("change_note", rq.T("reason.required"))
	}
	if len(c.Components) > maxEditedComponents && (cur == nil || !slices.Equal(c.Components, cur.Components)) {
		f.invalid("components", rq.T("reason.max_entries", maxEditedComponents))
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		res, err := s.opt.Exposure.Notify(rq.Context(), rq.P, c)
		if err == nil {
			done := "computer_notified"
			switch {
			case cur != nil && res.Changed:
				done = "computer_changed"
			case !res.Changed:
				done = "computer_same"
			}
			redirect(w, rq, "/computers/"+url.PathEscape(res.Computer.ID), done)
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		if lineError(rq, f, err, map[string]listInput{"components": {"components", entryLines(f.Get("components"))}}) {
			status = apperr.Status(apperr.As(err))
		} else {
			status = s.apply(rq, f, err, computerRemap)
		}
	}
	s.computerForm(w, rq, status, f, cur)
}

func (s *server) computerCreate(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActRegistryWrite, auth.Target{OrgID: rq.P.OrgID()}) {
		// Through the service, so that the refusal is the service's.
		_, err := s.opt.Exposure.Notify(rq.Context(), rq.P, &registry.Computer{})
		if err == nil {
			err = apperr.ErrForbidden
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	f.Values.Del("change_note")
	s.notify(w, rq, f, nil)
}

// writableComputer returns the computer of the path if the user may notify
// changes of it.
func (s *server) writableComputer(rq *req) (*registry.Computer, error) {
	c, err := s.opt.Exposure.Computer(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActRegistryWrite, auth.Target{OrgID: c.OrgID}) {
		return nil, apperr.ErrForbidden
	}
	return c, nil
}

func (s *server) computerEdit(w http.ResponseWriter, rq *req) {
	c, err := s.writableComputer(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.computerForm(w, rq, http.StatusOK, newForm(computerValues(c)), c)
}

func (s *server) computerUpdate(w http.ResponseWriter, rq *req) {
	c, err := s.writableComputer(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.notify(w, rq, newForm(rq.PostForm), c)
}

func (s *server) computerRetire(w http.ResponseWriter, rq *req) {
	c, err := s.writableComputer(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if c.Retired {
		s.errorPage(w, rq, apperr.Conflict("retired", "the computer is already retired"))
		return
	}
	f := newForm(rq.PostForm)
	note := strings.TrimSpace(f.Get("change_note"))
	switch {
	case note == "":
		f.invalid("change_note", rq.T("reason.required"))
	case len([]rune(note)) > 2000:
		f.invalid("change_note", rq.T("reason.max_chars", 2000))
	}
	if !f.Failed() {
		x := *c
		x.Retired, x.ChangeNote = true, note
		_, err := s.opt.Exposure.Notify(rq.Context(), rq.P, &x)
		if err == nil {
			redirect(w, rq, "/computers/"+url.PathEscape(c.ID), "computer_retired")
			return
		}
		if apperr.CodeOf(err) != apperr.CodeInvalid {
			s.errorPage(w, rq, err)
			return
		}
		s.apply(rq, f, err, computerRemap)
	}
	s.computerPage(w, rq, http.StatusBadRequest, "", nil, f)
}

// ---- import: CSV and SBOM --------------------------------------------------------------

// problemRow is one problem of an import: where (a row, a record, a
// computer), the field or column, and the importer's message.
type problemRow struct {
	Where, Field, Message string
	Partial               bool // only a part was left out; the rest was taken
	row                   int  // for ordering
}

type importCounts struct {
	Kind                                   string
	Created, Updated, Unchanged, Exposures int
	Notices                                int
	Problems                               []problemRow
	ComputerID, ComputerName               string // SBOM: the computer it went to
}

type computerImportData struct {
	Form          *form
	FormatOptions []option
	Refs          []string // the organisation's refs, suggested for an SBOM
	Result        *importCounts
	Columns       []string
}

func (s *server) computerImportData(rq *req, f *form) (*computerImportData, error) {
	d := &computerImportData{Form: f, Columns: registry.CSVColumns, FormatOptions: []option{
		{Value: "csv", Label: rq.T("reg.import.format.csv")}, {Value: "sbom", Label: rq.T("reg.import.format.sbom")}}}
	cs, _, err := s.opt.Exposure.Computers(rq.Context(), rq.P, store.ComputerQuery{Limit: 1000}, false)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		d.Refs = append(d.Refs, c.Ref)
	}
	return d, nil
}

func (s *server) computerImportPage(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActRegistryWrite, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	q := rq.URL.Query()
	v := url.Values{"format": {"csv"}}
	if q.Get("format") == "sbom" {
		v.Set("format", "sbom")
	}
	v.Set("computer_ref", q.Get("computer_ref"))
	d, err := s.computerImportData(rq, newForm(v))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "computer_import", d)
}

// readUpload reads the uploaded file of input "file" (at most max bytes),
// marking the input on failure.
func readUpload(rq *req, f *form, max int) ([]byte, string) {
	if rq.MultipartForm == nil || len(rq.MultipartForm.File["file"]) == 0 || rq.MultipartForm.File["file"][0].Size == 0 {
		f.invalid("file", rq.T("reg.import.no_file"))
		return nil, ""
	}
	fh := rq.MultipartForm.File["file"][0]
	file, err := fh.Open()
	if err != nil {
		f.invalid("file", rq.T("import.unreadable"))
		return nil, ""
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, int64(max)+1))
	switch {
	case err != nil:
		f.invalid("file", rq.T("import.unreadable"))
	case len(data) > max:
		f.invalid("file", rq.T("import.too_large", max>>20))
	case strings.TrimSpace(string(data)) == "":
		f.invalid("file", rq.T("reg.import.no_file"))
	}
	return data, filepath.Base(fh.Filename)
}

func (s *server) computerImport(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	if !auth.Can(p, auth.ActRegistryWrite, auth.Target{OrgID: p.OrgID()}) {
		_, err := s.opt.Exposure.NotifyAll(ctx, p, "", nil, nil)
		if err == nil {
			err = apperr.ErrForbidden
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(url.Values{})
	for _, k := range []string{"format", "computer_ref", "change_note"} {
		f.Values.Set(k, strings.TrimSpace(rq.PostFormValue(k)))
	}
	format := f.Get("format")
	if format != "csv" && format != "sbom" {
		f.invalid("format", rq.T("reason.unknown_value"))
	}
	var target *registry.Computer
	if format == "sbom" {
		ref := f.Get("computer_ref")
		if ref == "" {
			f.invalid("computer_ref", rq.T("reason.required"))
		} else if c, err := s.opt.Exposure.ComputerByRef(rq.Context(), rq.P, "", ref); err == nil {
			target = c
		} else if apperr.CodeOf(err) == apperr.CodeNotFound {
			f.invalid("computer_ref", rq.T("reg.import.no_ref", ref))
		} else {
			s.errorPage(w, rq, err)
			return
		}
	}
	data, name := readUpload(rq, f, maxImportBytes)
	var res *importCounts
	status := http.StatusBadRequest
	if !f.Failed() {
		var err error
		if format == "csv" {
			res, err = s.importCSV(rq, f, data)
		} else {
			res, err = s.importSBOM(rq, f, data, name, target)
		}
		switch {
		case err != nil:
			s.errorPage(w, rq, err)
			return
		case !f.Failed():
			status = http.StatusOK
		}
	}
	d, err := s.computerImportData(rq, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.Result = res
	rq.here = "/computers/import"
	s.render(w, rq, status, "computer_import", d)
}

// regCSVHeaders translate the CSV parser's complaints about the header
// row (it speaks English); the column names stay as they are.
var regCSVHeaders = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^the file is empty; the first row must name the columns$`), "reg.csv.empty"},
	{regexp.MustCompile(`^unknown columns (.*) \(the columns are (.*), or their Japanese names\)$`), "reg.csv.unknown"},
	{regexp.MustCompile(`^columns given twice: (.*)$`), "reg.csv.twice"},
	{regexp.MustCompile(`^missing required columns: (.*)$`), "reg.csv.missing"},
}

func regCSVHeaderMessage(rq *req, msg string) string {
	for _, h := range regCSVHeaders {
		if m := h.re.FindStringSubmatch(msg); m != nil {
			args := make([]any, 0, len(m)-1)
			for _, a := range m[1:] {
				args = append(args, a)
			}
			return rq.T(h.key, args...)
		}
	}
	return msg
}

// importCSV notifies the computers of a registry CSV file. A file the
// parser cannot use at all is an error on the file input.
func (s *server) importCSV(rq *req, f *form, data []byte) (*importCounts, error) {
	cs, rows, probs, err := registry.ParseCSVRows(strings.NewReader(string(data)))
	if err != nil {
		ae := apperr.As(err)
		if ae.Code != apperr.CodeInvalid {
			return nil, err
		}
		f.invalid("file", rq.T("import.bad_input", regCSVHeaderMessage(rq, ae.Message)))
		return nil, nil
	}
	res := &importCounts{Kind: rq.T("reg.import.format.csv")}
	for _, pr := range probs {
		res.Problems = append(res.Problems, problemRow{Where: rq.T("reg.import.row", pr.Row), Field: pr.Field, Message: pr.Message, row: pr.Row})
	}
	if len(cs) == 0 {
		return res, nil
	}
	out, err := s.opt.Exposure.NotifyAll(rq.Context(), rq.P, "", cs, rows)
	if err != nil {
		return nil, err
	}
	res.Created, res.Updated, res.Unchanged, res.Exposures = out.Created, out.Updated, out.Unchanged, out.Exposures
	for _, pr := range out.Problems {
		res.Problems = append(res.Problems, problemRow{Where: rq.T("reg.import.row", pr.Row), Field: pr.Field, Message: pr.Message, row: pr.Row})
	}
	slices.SortStableFunc(res.Problems, func(a, b problemRow) int { return cmp.Compare(a.row, b.row) })
	return res, nil
}

// importSBOM replaces the components of computer c with the software of
// an SBOM, as a new notification.
func (s *server) importSBOM(rq *req, f *form, data []byte, name string, c *registry.Computer) (*importCounts, error) {
	doc, err := sbom.Parse(data)
	if err != nil {
		ae := apperr.As(err)
		if ae.Code != apperr.CodeInvalid {
			return nil, err
		}
		msg := ae.Message
		if ae.Field != "" {
			msg = ae.Field + ": " + msg
		}
		f.invalid("file", rq.T("import.bad_input", msg))
		return nil, nil
	}
	res := &importCounts{Kind: rq.T("reg.import.sbom_kind", doc.Format, doc.SpecVersion), ComputerID: c.ID, ComputerName: c.Name}
	for _, wn := range doc.Warnings {
		res.Problems = append(res.Problems, problemRow{Where: name, Message: wn, Partial: true})
	}
	x := *c
	x.Components = doc.Components
	x.ChangeNote = f.Get("change_note")
	if x.ChangeNote == "" {
		x.ChangeNote = rq.T("reg.import.sbom_note", name)
	}
	out, err := s.opt.Exposure.Notify(rq.Context(), rq.P, &x)
	if err != nil {
		ae := apperr.As(err)
		if ae.Code != apperr.CodeInvalid {
			return nil, err
		}
		res.Problems = append(res.Problems, problemRow{Where: name, Field: ae.Field, Message: ae.Message})
		f.invalid("file", rq.T("reg.import.sbom_rejected"))
		return res, nil
	}
	if out.Changed {
		res.Updated = 1
	} else {
		res.Unchanged = 1
	}
	if out.Match != nil {
		res.Exposures = len(out.Match.New)
	}
	return res, nil
}
