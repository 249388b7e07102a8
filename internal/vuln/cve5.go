package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/jsonpath"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/version"
)

// ParseCVE5 reads one record of the CVE Record Format 5.x (as published in
// the cvelistV5 repository) or a JSON array of such records and returns
// one Vulnerability per usable record, with Source "cve5" and TLP:CLEAR.
//
// A record that cannot be used (not an object, no CVE id, a value of the
// wrong JSON type, a REJECTED record, a duplicate id in an array, ...) is
// reported as an ImportProblem and left out; the others are kept. Parts of
// a record that cannot be expressed (a version entry without comparable
// versions, an affected product without a name, ...) are reported as
// problems whose message starts with "ignored: " and the rest of the record
// is imported. The error is only for input that is not JSON or whose top
// level is neither an object nor an array.
//
// The mapping is documented in docs/imports.md ("CVE JSON 5").
func ParseCVE5(data []byte) ([]Vulnerability, []ImportProblem, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, apperr.Invalid("", "not a CVE JSON 5 file: %v", err)
	}
	var records []any
	switch t := top.(type) {
	case map[string]any:
		records = []any{t}
	case []any:
		records = t
	default:
		return nil, nil, apperr.Invalid("", "a CVE JSON 5 file holds a record (an object) or an array of records, not %s", jsonpath.Kind(top))
	}
	out := make([]Vulnerability, 0, len(records))
	var probs []ImportProblem
	seen := map[string]int{}
	for i, r := range records {
		p := &problems{index: i}
		v := parseCVERecord(r, p)
		if v != nil {
			if first, dup := seen[v.ID]; dup {
				p.fail("cveMetadata.cveId", "duplicates record %d; only the first is imported", first)
				v = nil
			} else {
				seen[v.ID] = i
			}
		}
		if v != nil {
			out = append(out, *v)
		}
		probs = append(probs, p.list...)
	}
	return out, probs, nil
}

// Limits of the Vulnerability fields (see Validate).
const (
	maxTitle       = 300
	maxDescription = 20000
	maxRemedy      = 5000
	maxAffected    = 1000
	// titleFromDescription is how much of the description makes a title
	// when the record has none.
	titleFromDescription = 120
)

var (
	cweIDRE     = regexp.MustCompile(`^CWE-[0-9]+`)
	spaceRunsRE = regexp.MustCompile(`\s+`)
)

// cvssKeys are the CVSS members of a metrics entry, preferred first.
var cvssKeys = []struct{ key, version string }{
	{"cvssV4_0", "4.0"}, {"cvssV3_1", "3.1"}, {"cvssV3_0", "3.0"}, {"cvssV2_0", "2.0"},
}

// cveRecord is the state of one record's conversion.
type cveRecord struct {
	p *problems
	v *Vulnerability
	// cvss is the best score so far and its rank in cvssKeys.
	cvss     *CVSS
	cvssRank int
	// products are the vendor:product keys of the affected CPE names so far.
	products map[string]bool
}

// parseCVERecord converts one record; nil when it is not usable (the
// reason is in p).
func parseCVERecord(raw any, p *problems) *Vulnerability {
	v, err := convertCVERecord(raw, p)
	if err != nil {
		if pe, ok := err.(*jsonpath.Error); ok {
			p.fail(pe.Path, "%s", pe.Msg)
		} else {
			p.fail("", "%v", err)
		}
		return nil
	}
	if v == nil {
		return nil
	}
	v.Normalize()
	if err := v.Validate(); err != nil {
		// Every field is checked on the way in, so this is a bug or a limit
		// not foreseen; report it rather than store a bad record.
		p.fail("", "the converted record is not valid: %v", err)
		return nil
	}
	return v
}

// convertCVERecord does the work of parseCVERecord. A *pathError makes the
// record unusable; a nil record without error has its reason in p.
func convertCVERecord(raw any, p *problems) (*Vulnerability, error) {
	root, err := jsonpath.AsObject(raw, "")
	if err != nil {
		return nil, &jsonpath.Error{Path: "", Msg: "a record must be a JSON object, not " + jsonpath.Kind(raw)}
	}
	meta, ok, err := root.Obj("cveMetadata")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &jsonpath.Error{Path: "cveMetadata", Msg: "is required (is this a CVE JSON 5 record?)"}
	}
	id, err := meta.Str("cveId")
	if err != nil {
		return nil, err
	}
	id = strings.ToUpper(strings.TrimSpace(id))
	if id == "" {
		return nil, &jsonpath.Error{Path: "cveMetadata.cveId", Msg: "is required"}
	}
	if !cveRE.MatchString(id) {
		return nil, &jsonpath.Error{Path: "cveMetadata.cveId", Msg: fmt.Sprintf("%q is not a CVE id", clipID(id))}
	}
	p.id = id
	if dt, err := root.Str("dataType"); err != nil {
		return nil, err
	} else if dt != "" && dt != "CVE_RECORD" {
		return nil, &jsonpath.Error{Path: "dataType", Msg: fmt.Sprintf("is %q, want CVE_RECORD", clipID(dt))}
	}
	if dv, err := root.Str("dataVersion"); err != nil {
		return nil, err
	} else if dv != "" && !strings.HasPrefix(dv, "5.") {
		return nil, &jsonpath.Error{Path: "dataVersion", Msg: fmt.Sprintf("is %q, want 5.x", clipID(dv))}
	}
	state, err := meta.Str("state")
	if err != nil {
		return nil, err
	}
	switch state {
	case "PUBLISHED":
	case "REJECTED":
		// The reason, when the record has one where it should be.
		msg := "the record is REJECTED"
		if c, ok := root.M["containers"].(map[string]any); ok {
			if cna, ok := c["cna"].(map[string]any); ok {
				if reasons, ok := cna["rejectedReasons"].([]any); ok {
					if r := english(reasons); r != "" {
						r, _ = clipText(strings.TrimSpace(spaceRunsRE.ReplaceAllString(r, " ")), 200)
						msg += ": " + r
					}
				}
			}
		}
		p.fail("cveMetadata.state", "%s", msg)
		return nil, nil
	case "":
		return nil, &jsonpath.Error{Path: "cveMetadata.state", Msg: "is required (PUBLISHED or REJECTED)"}
	default:
		return nil, &jsonpath.Error{Path: "cveMetadata.state", Msg: fmt.Sprintf("is %q, want PUBLISHED or REJECTED", clipID(state))}
	}
	containers, ok, err := root.Obj("containers")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &jsonpath.Error{Path: "containers", Msg: "is required"}
	}
	cna, ok, err := containers.Obj("cna")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &jsonpath.Error{Path: "containers.cna", Msg: "is required"}
	}

	c := &cveRecord{p: p, products: map[string]bool{}, cvssRank: len(cvssKeys)}
	c.v = &Vulnerability{ID: id, TLP: marking.TLPClear, Source: "cve5"}
	v := c.v

	// Texts.
	descs, descPath, err := cna.Arr("descriptions")
	if err != nil {
		return nil, err
	}
	if err := checkLangValues(descs, descPath); err != nil {
		return nil, err
	}
	desc := strings.TrimSpace(english(descs))
	if d, cut := clipText(desc, maxDescription); cut {
		p.ignore(descPath, "the description is longer than %d characters and was shortened", maxDescription)
		desc = d
	}
	v.Description = desc
	title, err := cna.Str("title")
	if err != nil {
		return nil, err
	}
	title = strings.TrimSpace(spaceRunsRE.ReplaceAllString(title, " "))
	if title == "" {
		title = strings.TrimSpace(spaceRunsRE.ReplaceAllString(desc, " "))
		if r := []rune(title); len(r) > titleFromDescription {
			title = strings.TrimSpace(string(r[:titleFromDescription]))
		}
	}
	if title == "" {
		title = id
	}
	if t, cut := clipText(title, maxTitle); cut {
		p.ignore("containers.cna.title", "the title is longer than %d characters and was shortened", maxTitle)
		title = t
	}
	v.Title = title

	// Published.
	if dp, err := meta.Str("datePublished"); err != nil {
		return nil, err
	} else if dp != "" {
		if t, ok := parseDate(dp); ok {
			v.Published = &t
		} else {
			p.ignore("cveMetadata.datePublished", "%q is not a timestamp", clipID(dp))
		}
	}

	// Remedies.
	for _, r := range []struct {
		key  string
		dest *[]Remedy
	}{{"solutions", &v.Fixes}, {"workarounds", &v.Workarounds}} {
		list, path, err := cna.Arr(r.key)
		if err != nil {
			return nil, err
		}
		if err := checkLangValues(list, path); err != nil {
			return nil, err
		}
		for i, x := range list {
			o := x.(map[string]any)
			lang, _ := o["lang"].(string)
			text, _ := o["value"].(string)
			text = strings.TrimSpace(text)
			if !isEnglish(lang) || text == "" {
				continue
			}
			if t, cut := clipText(text, maxRemedy); cut {
				p.ignore(jsonpath.Index(path, i)+".value", "longer than %d characters, shortened", maxRemedy)
				text = t
			}
			*r.dest = append(*r.dest, Remedy{Text: text})
		}
	}

	// The CNA container, then each ADP container: scores, CWEs,
	// references, exploitation; affected products from the CNA and the
	// CPE-bearing ones of the ADPs.
	if err := c.container(cna, true); err != nil {
		return nil, err
	}
	adps, adpPath, err := containers.Arr("adp")
	if err != nil {
		return nil, err
	}
	for i, a := range adps {
		o, err := jsonpath.AsObject(a, jsonpath.Index(adpPath, i))
		if err != nil {
			return nil, err
		}
		if err := c.container(o, false); err != nil {
			return nil, err
		}
	}
	v.CVSS = c.cvss
	if len(v.Affected) > maxAffected {
		p.ignore("containers.cna.affected", "%d affected products, only the first %d are imported", len(v.Affected), maxAffected)
		v.Affected = v.Affected[:maxAffected]
	}
	return v, nil
}

// clipID shortens a value quoted in a message.
func clipID(s string) string {
	s, _ = clipText(s, 80)
	return s
}

// isEnglish reports whether a BCP 47 tag is English ("en", "en-US").
func isEnglish(lang string) bool {
	lang = strings.ToLower(strings.TrimSpace(lang))
	return lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_")
}

// checkLangValues checks an array of {lang, value} objects.
func checkLangValues(list []any, path string) error {
	for i, x := range list {
		o, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		if _, err := o.Str("lang"); err != nil {
			return err
		}
		if _, err := o.Str("value"); err != nil {
			return err
		}
	}
	return nil
}

// english returns the value of the first English entry of a checked
// {lang, value} array, else the first non-empty value.
func english(list []any) string {
	first := ""
	for _, x := range list {
		o, ok := x.(map[string]any)
		if !ok {
			continue
		}
		val, _ := o["value"].(string)
		lang, _ := o["lang"].(string)
		if strings.TrimSpace(val) == "" {
			continue
		}
		if isEnglish(lang) {
			return val
		}
		if first == "" {
			first = val
		}
	}
	return first
}

// container reads what the CNA or an ADP container contributes.
func (c *cveRecord) container(o jsonpath.Object, isCNA bool) error {
	if err := c.metrics(o); err != nil {
		return err
	}
	if err := c.cwes(o); err != nil {
		return err
	}
	if err := c.references(o); err != nil {
		return err
	}
	list, path, err := o.Arr("affected")
	if err != nil {
		return err
	}
	for i, x := range list {
		e, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		a, ok, err := c.affected(e, isCNA)
		if err != nil {
			return err
		}
		if ok {
			c.v.Affected = append(c.v.Affected, a)
		}
	}
	return nil
}

// metrics takes the CVSS scores (keeping the best: 4.0 over 3.1 over 3.0
// over 2.0, the CNA over an ADP, the first of equals) and the CISA ADP's
// signs of exploitation: a "kev" entry (listed in the KEV catalogue, with
// the date added) and SSVC "Exploitation: active".
func (c *cveRecord) metrics(o jsonpath.Object) error {
	list, path, err := o.Arr("metrics")
	if err != nil {
		return err
	}
	for i, x := range list {
		m, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		for rank, k := range cvssKeys {
			s, ok, err := m.Obj(k.key)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			score, has, err := s.Num("baseScore")
			if err != nil {
				return err
			}
			vector, err := s.Str("vectorString")
			if err != nil {
				return err
			}
			if !has || score < 0 || score > 10 {
				c.p.ignore(s.At("baseScore"), "a CVSS base score between 0.0 and 10.0 is required")
				continue
			}
			if rank < c.cvssRank {
				c.cvss = &CVSS{Version: k.version, Score: score, Vector: strings.TrimSpace(vector)}
				c.cvssRank = rank
			}
		}
		other, ok, err := m.Obj("other")
		if err != nil {
			return err
		}
		if ok {
			if err := c.other(other); err != nil {
				return err
			}
		}
	}
	return nil
}

// other reads a metrics "other" entry: {"type": "kev", "content":
// {"dateAdded": ...}} or {"type": "ssvc", "content": {"options": [...]}}.
func (c *cveRecord) other(o jsonpath.Object) error {
	typ, err := o.Str("type")
	if err != nil {
		return err
	}
	content, ok, err := o.Obj("content")
	if err != nil || !ok {
		return err
	}
	switch strings.ToLower(typ) {
	case "kev":
		c.v.Exploited = true
		date, err := content.Str("dateAdded")
		if err != nil {
			return err
		}
		if c.v.KEV == nil {
			c.v.KEV = &KEV{}
		}
		if t, ok := parseDate(date); ok && c.v.KEV.DateAdded == "" {
			c.v.KEV.DateAdded = t.Format("2006-01-02")
		}
	case "ssvc":
		opts, _, err := content.Arr("options")
		if err != nil {
			return err
		}
		for _, x := range opts {
			if m, ok := x.(map[string]any); ok {
				if s, _ := m["Exploitation"].(string); strings.EqualFold(s, "active") {
					c.v.Exploited = true
				}
			}
		}
	}
	return nil
}

// cwes takes the CWE ids of problemTypes: the cweId of each description,
// or a description that starts with one ("CWE-79 Cross-site Scripting").
func (c *cveRecord) cwes(o jsonpath.Object) error {
	list, path, err := o.Arr("problemTypes")
	if err != nil {
		return err
	}
	for i, x := range list {
		pt, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		descs, dpath, err := pt.Arr("descriptions")
		if err != nil {
			return err
		}
		for j, y := range descs {
			d, err := jsonpath.AsObject(y, jsonpath.Index(dpath, j))
			if err != nil {
				return err
			}
			id, err := d.Str("cweId")
			if err != nil {
				return err
			}
			text, err := d.Str("description")
			if err != nil {
				return err
			}
			id = strings.ToUpper(strings.TrimSpace(id))
			if id == "" {
				id = cweIDRE.FindString(strings.ToUpper(strings.TrimSpace(text)))
				if id == "" {
					continue // a problem type without a CWE
				}
			}
			if strings.HasPrefix(id, "NVD-CWE-") {
				continue // NVD-CWE-noinfo, NVD-CWE-Other: no CWE
			}
			if !cweRE.MatchString(id) {
				c.p.ignore(d.At("cweId"), "%q is not a CWE id", clipID(id))
				continue
			}
			if !slices.Contains(c.v.CWEs, id) {
				c.v.CWEs = append(c.v.CWEs, id)
			}
		}
	}
	return nil
}

// references takes the reference URLs, once each.
func (c *cveRecord) references(o jsonpath.Object) error {
	list, path, err := o.Arr("references")
	if err != nil {
		return err
	}
	for i, x := range list {
		r, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		u, err := r.Str("url")
		if err != nil {
			return err
		}
		u = strings.TrimSpace(u)
		if u != "" && !slices.Contains(c.v.References, u) {
			c.v.References = append(c.v.References, u)
		}
	}
	return nil
}

// affected converts one affected entry. ok is false when it contributes
// nothing: it says no version is affected, or it cannot be expressed (then
// the reason is in the problems). ADP entries count only when they carry a
// CPE naming a product not named yet.
func (c *cveRecord) affected(e jsonpath.Object, isCNA bool) (Affected, bool, error) {
	vendor, err := e.Str("vendor")
	if err != nil {
		return Affected{}, false, err
	}
	product, err := e.Str("product")
	if err != nil {
		return Affected{}, false, err
	}
	vendor, product = strings.TrimSpace(vendor), strings.TrimSpace(product)
	cpes, cpesPath, err := e.Arr("cpes")
	if err != nil {
		return Affected{}, false, err
	}
	for i, x := range cpes {
		if _, ok := x.(string); !ok {
			return Affected{}, false, &jsonpath.Error{Path: jsonpath.Index(cpesPath, i), Msg: "must be a string, not " + jsonpath.Kind(x)}
		}
	}
	if !isCNA && len(cpes) == 0 {
		return Affected{}, false, nil
	}
	name, hasCPE := c.cpeFromList(cpes, cpesPath)
	if !isCNA && (!hasCPE || c.products[vendorProduct(name)]) {
		return Affected{}, false, nil // nothing an ADP adds
	}
	// The scheme is the vendor's: by the CPE vendor, else by the vendor
	// name made a CPE value ("Palo Alto Networks" -> palo_alto_networks).
	scheme := version.Generic
	if hasCPE {
		n, _ := cpe.Parse(name)
		scheme = version.SchemeFor(cpe.Unquote(n.Vendor))
	}
	if scheme == version.Generic {
		scheme = version.SchemeFor(registry.CPEValue(vendor))
	}
	ranges, affects, err := c.ranges(e, scheme)
	if err != nil || !affects {
		return Affected{}, false, err
	}
	if !hasCPE {
		if isUnnamed(vendor) || isUnnamed(product) {
			c.p.ignore(e.Path, "an affected product needs a vendor and a product (or a CPE name) to be matched")
			return Affected{}, false, nil
		}
		s, err := productCPE(vendor, product)
		if err != nil {
			c.p.ignore(e.Path, "vendor %q and product %q do not make a CPE name: %v", clipID(vendor), clipID(product), err)
			return Affected{}, false, nil
		}
		name = s
	}
	c.products[vendorProduct(name)] = true
	if isUnnamed(vendor) || isUnnamed(product) {
		// Named by its CPE only.
		n, _ := cpe.Parse(name)
		if isUnnamed(vendor) {
			vendor = cpe.Unquote(n.Vendor)
		}
		if isUnnamed(product) {
			product = cpe.Unquote(n.Product)
		}
	}
	if ranges == nil {
		ranges = []version.Range{}
	}
	return Affected{Vendor: vendor, Product: product, CPE: name, Ranges: ranges}, true, nil
}

// isUnnamed reports whether a vendor or product name says nothing.
func isUnnamed(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "n/a", "na", "unknown", "unspecified", "*", "-":
		return true
	}
	return false
}

// vendorProduct returns the vendor:product key of a valid CPE name.
func vendorProduct(name string) string {
	n, err := cpe.Parse(name)
	if err != nil {
		return name
	}
	return n.VendorProduct()
}

// checkCPE checks that s is a CPE name naming a vendor and a product.
func checkCPE(s string) error {
	n, err := cpe.Parse(s)
	if err != nil {
		return err
	}
	if n.Vendor == cpe.Any || n.Product == cpe.Any || n.Vendor == cpe.NA || n.Product == cpe.NA {
		return fmt.Errorf("the CPE name must name the vendor and the product")
	}
	return nil
}

// cpeFromList makes the affected CPE name from an entry's cpes: the first
// valid name, with every attribute in which the other names of the same
// vendor and product differ (typically the version, the update or the
// target hardware) set to ANY, and the version and update always ANY (the
// version ranges say which versions are affected).
func (c *cveRecord) cpeFromList(list []any, path string) (string, bool) {
	var base cpe.Name
	found := false
	for i, x := range list {
		s := x.(string)
		n, err := cpe.Parse(s)
		if err == nil {
			err = checkCPE(s)
		}
		if err != nil {
			c.p.ignore(jsonpath.Index(path, i), "%v", err)
			continue
		}
		if !found {
			base, found = n, true
			continue
		}
		if n.Part != base.Part || n.Vendor != base.Vendor || n.Product != base.Product {
			continue // another product; only the first is used
		}
		bf, nf := base.Attributes(), n.Attributes()
		for k := cpe.AttrVersion; k <= cpe.AttrOther; k++ {
			if bf[k] != nf[k] {
				*attrPtr(&base, k) = cpe.Any
			}
		}
	}
	if !found {
		return "", false
	}
	base.Version, base.Update = cpe.Any, cpe.Any
	return base.String(), true
}

// attrPtr returns a pointer to attribute k of n.
func attrPtr(n *cpe.Name, k int) *string {
	return [11]*string{&n.Part, &n.Vendor, &n.Product, &n.Version, &n.Update, &n.Edition,
		&n.Language, &n.SWEdition, &n.TargetSW, &n.TargetHW, &n.Other}[k]
}

// bound is one end of a version interval; an empty v is unbounded.
type bound struct {
	v    string
	incl bool
}

// interval is a set of versions of one scheme between two bounds.
type interval struct {
	scheme version.Scheme
	lo, hi bound
}

// all reports whether the interval holds every version.
func (iv interval) all() bool { return iv.lo.v == "" && iv.hi.v == "" }

// rng returns the interval as a version range.
func (iv interval) rng() version.Range {
	r := version.Range{Scheme: iv.scheme}
	if iv.lo.v != "" && iv.lo.v == iv.hi.v && iv.lo.incl && iv.hi.incl {
		r.Exact = iv.lo.v
		return r
	}
	switch {
	case iv.lo.v == "":
	case iv.lo.incl:
		r.StartIncluding = iv.lo.v
	default:
		r.StartExcluding = iv.lo.v
	}
	switch {
	case iv.hi.v == "":
	case iv.hi.incl:
		r.EndIncluding = iv.hi.v
	default:
		r.EndExcluding = iv.hi.v
	}
	return r
}

// segment is a part of a version entry's range with its status.
type segment struct {
	iv     interval
	status string
}

// Status values of the CVE record format.
const (
	statusAffected   = "affected"
	statusUnaffected = "unaffected"
	statusUnknown    = "unknown"
)

// everyVersion reports whether a version given without lessThan or
// lessThanOrEqual means "every version".
func everyVersion(v string) bool {
	switch strings.ToLower(v) {
	case "", "*", "n/a", "unspecified", "all", "all versions":
		return true
	}
	return false
}

// intervalOf returns the versions of a valid range as an interval.
func intervalOf(r version.Range) interval {
	iv := interval{scheme: r.Scheme}
	switch {
	case r.Exact != "":
		iv.lo, iv.hi = bound{r.Exact, true}, bound{r.Exact, true}
		return iv
	case r.StartIncluding != "":
		iv.lo = bound{r.StartIncluding, true}
	case r.StartExcluding != "":
		iv.lo = bound{r.StartExcluding, false}
	}
	switch {
	case r.EndIncluding != "":
		iv.hi = bound{r.EndIncluding, true}
	case r.EndExcluding != "":
		iv.hi = bound{r.EndExcluding, false}
	}
	return iv
}

// versionEntry reads one element of an affected entry's versions into
// segments (more than one when its changes split it). scheme is the
// vendor's scheme. why is set when the entry cannot be expressed; git
// when it is of versionType git; err when a value has the wrong type.
//
// On top of version.FromCVE: a version alone that is "*", "all", "n/a" or
// "unspecified" means every version; a version alone ending in ".*"
// ("6.0.*") is that whole branch, and so is a lessThanOrEqual ending in
// ".*"; operators written into a version alone ("< 2.4.58", "<= 7.2.6")
// are read as lessThan and lessThanOrEqual.
func versionEntry(o jsonpath.Object, scheme version.Scheme) (segs []segment, why string, git bool, err error) {
	var f [5]string
	for i, k := range []string{"version", "status", "lessThan", "lessThanOrEqual", "versionType"} {
		if f[i], err = o.Str(k); err != nil {
			return nil, "", false, err
		}
		f[i] = strings.TrimSpace(f[i])
	}
	ver, status, lt, lte, vtype := f[0], strings.ToLower(f[1]), f[2], f[3], f[4]
	changes, changesPath, err := o.Arr("changes")
	if err != nil {
		return nil, "", false, err
	}
	type change struct{ at, status string }
	var chs []change
	for k, x := range changes {
		c, err := jsonpath.AsObject(x, jsonpath.Index(changesPath, k))
		if err != nil {
			return nil, "", false, err
		}
		at, err := c.Str("at")
		if err != nil {
			return nil, "", false, err
		}
		st, err := c.Str("status")
		if err != nil {
			return nil, "", false, err
		}
		chs = append(chs, change{strings.TrimSpace(at), strings.ToLower(strings.TrimSpace(st))})
	}
	switch status {
	case statusAffected, statusUnaffected, statusUnknown:
	case "":
		return nil, "status is required (affected, unaffected or unknown)", false, nil
	default:
		return nil, fmt.Sprintf("status %q is not affected, unaffected or unknown", clipID(status)), false, nil
	}
	if strings.EqualFold(vtype, "git") {
		return nil, "", true, nil
	}
	if lt == "" && lte == "" {
		switch {
		case strings.HasPrefix(ver, "<="):
			ver, lte = "", strings.TrimSpace(ver[2:])
		case strings.HasPrefix(ver, "<"):
			ver, lt = "", strings.TrimSpace(ver[1:])
		case everyVersion(ver):
			return []segment{{interval{scheme: scheme}, status}}, "", false, nil
		case strings.HasSuffix(ver, ".*"):
			lt = ver
		}
	}
	if lt == "" && strings.HasSuffix(lte, ".*") {
		lt, lte = lte, "" // up to the end of the branch
	}
	ver = strings.TrimSuffix(ver, ".*")
	r, err := version.FromCVE(scheme, ver, lt, lte, vtype)
	if err != nil {
		return nil, strings.TrimPrefix(err.Error(), "version: "), false, nil
	}
	iv := intervalOf(r)
	if len(chs) == 0 || r.Exact != "" {
		return []segment{{iv, status}}, "", false, nil
	}
	// Split the range at the changes that fall inside it, in version order.
	for k, ch := range chs {
		switch {
		case ch.status != statusAffected && ch.status != statusUnaffected && ch.status != statusUnknown:
			return nil, fmt.Sprintf("changes[%d].status %q is not affected, unaffected or unknown", k, clipID(ch.status)), false, nil
		case ch.at == "":
			return nil, fmt.Sprintf("changes[%d].at is required", k), false, nil
		}
		if _, err := version.Compare(r.Scheme, ch.at, ch.at); err != nil {
			return nil, fmt.Sprintf("changes[%d].at: %v", k, strings.TrimPrefix(err.Error(), "version: first version: ")), false, nil
		}
	}
	slices.SortStableFunc(chs, func(a, b change) int {
		c, _ := version.Compare(r.Scheme, a.at, b.at)
		return c
	})
	cur, st := iv.lo, status
	for _, ch := range chs {
		if cur.v != "" {
			if c, _ := version.Compare(r.Scheme, ch.at, cur.v); c < 0 || c == 0 && !cur.incl {
				continue // before the current segment
			} else if c == 0 {
				st = ch.status // at the start: the status from the start
				continue
			}
		}
		if iv.hi.v != "" {
			if c, _ := version.Compare(r.Scheme, ch.at, iv.hi.v); c > 0 || c == 0 && !iv.hi.incl {
				continue // after the end
			}
		}
		segs = append(segs, segment{interval{r.Scheme, cur, bound{ch.at, false}}, st})
		cur, st = bound{ch.at, true}, ch.status
	}
	segs = append(segs, segment{interval{r.Scheme, cur, iv.hi}, st})
	return segs, "", false, nil
}

// ranges reads an affected entry's versions and defaultStatus. affects is
// false when the entry says (or, with problems reported, can only be read
// as saying) that no version is affected. No ranges with affects means
// every version.
//
//   - defaultStatus other than "affected": the affected segments.
//   - defaultStatus "affected" and no unaffected segments: the affected
//     segments, or every version when there are none.
//   - defaultStatus "affected" and unaffected segments: every version but
//     the unaffected ones, when the unaffected versions can be ordered;
//     otherwise the affected segments, reported.
func (c *cveRecord) ranges(e jsonpath.Object, scheme version.Scheme) ([]version.Range, bool, error) {
	def, err := e.Str("defaultStatus")
	if err != nil {
		return nil, false, err
	}
	def = strings.ToLower(strings.TrimSpace(def))
	list, path, err := e.Arr("versions")
	if err != nil {
		return nil, false, err
	}
	var aff, unaff []interval
	lost, git := 0, 0
	for j, x := range list {
		o, err := jsonpath.AsObject(x, jsonpath.Index(path, j))
		if err != nil {
			return nil, false, err
		}
		segs, why, isGit, err := versionEntry(o, scheme)
		if err != nil {
			return nil, false, err
		}
		if isGit {
			git++
			continue
		}
		if why != "" {
			c.p.ignore(o.Path, "%s", why)
			lost++
			continue
		}
		for _, s := range segs {
			switch s.status {
			case statusAffected:
				aff = append(aff, s.iv)
			case statusUnaffected:
				unaff = append(unaff, s.iv)
			}
		}
	}
	if git > 0 {
		c.p.ignore(path, "%d version entries of versionType git (commit ranges cannot be compared)", git)
		lost += git
	}
	leftOut := func(why string) ([]version.Range, bool, error) {
		c.p.ignore(e.Path, "%s; the affected product is left out", why)
		return nil, false, nil
	}
	var out []interval
	switch {
	case def != statusAffected:
		if len(aff) == 0 {
			if lost > 0 {
				return leftOut("no affected version could be read")
			}
			return nil, false, nil // nothing affected
		}
		out = aff
	case len(unaff) == 0:
		if len(aff) == 0 {
			if lost > 0 {
				return leftOut("every version is affected by default except those of entries that could not be read")
			}
			return nil, true, nil // every version
		}
		out = aff
	default:
		comp, err := complement(unaff)
		switch {
		case err == nil:
			if len(comp) == 0 {
				return nil, false, nil // every version is unaffected
			}
			out = comp
		case len(aff) > 0:
			c.p.ignore(path, "every version is affected by default except the unaffected ones, which cannot be ordered (%v); only the versions listed as affected are imported", err)
			out = aff
		default:
			return leftOut(fmt.Sprintf("every version is affected by default except the unaffected ones, which cannot be ordered (%v)", err))
		}
	}
	ranges := make([]version.Range, 0, len(out))
	for _, iv := range out {
		if iv.all() {
			return nil, true, nil
		}
		ranges = append(ranges, iv.rng())
	}
	return ranges, true, nil
}

// cmpLo orders lower bounds (unbounded first).
func cmpLo(s version.Scheme, a, b bound) (int, error) {
	switch {
	case a.v == "" && b.v == "":
		return 0, nil
	case a.v == "":
		return -1, nil
	case b.v == "":
		return 1, nil
	}
	c, err := version.Compare(s, a.v, b.v)
	if err != nil || c != 0 {
		return c, err
	}
	switch {
	case a.incl == b.incl:
		return 0, nil
	case a.incl:
		return -1, nil
	}
	return 1, nil
}

// complement returns the versions not in any of the intervals, as sorted
// disjoint intervals in the scheme of the first. An error means some
// version cannot be compared in that scheme.
func complement(ivs []interval) ([]interval, error) {
	s := ivs[0].scheme
	for _, iv := range ivs {
		for _, b := range []bound{iv.lo, iv.hi} {
			if b.v != "" {
				if _, err := version.Compare(s, b.v, b.v); err != nil {
					return nil, err
				}
			}
		}
	}
	sorted := slices.Clone(ivs)
	slices.SortStableFunc(sorted, func(a, b interval) int {
		c, _ := cmpLo(s, a.lo, b.lo)
		return c
	})
	var out []interval
	// gap is where the versions not covered so far begin; unbounded (every
	// version) before the first interval.
	gap := bound{}
	for _, iv := range sorted {
		// Versions from gap up to the start of iv are in no interval.
		if c, _ := cmpLo(s, gap, iv.lo); c < 0 {
			out = append(out, interval{s, gap, bound{iv.lo.v, !iv.lo.incl}})
		}
		if iv.hi.v == "" {
			return out, nil // covered to the top
		}
		// The versions after iv begin at next; move gap up to it.
		next := bound{iv.hi.v, !iv.hi.incl}
		if c, _ := cmpLo(s, next, gap); c > 0 {
			gap = next
		}
	}
	return append(out, interval{s, gap, bound{}}), nil
}
