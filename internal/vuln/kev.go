package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/jsonpath"
	"sakimori/internal/marking"
)

// ParseKEV reads the CISA Known Exploited Vulnerabilities catalogue (the
// JSON feed known_exploited_vulnerabilities.json) and returns one
// Vulnerability per entry: Exploited, the KEV details, the name as title,
// the short description, the CWEs, one affected product named after
// vendorProject and product (no version ranges: the catalogue has none),
// the URLs of the notes as references, Source "kev" and TLP:CLEAR.
//
// An entry that cannot be used (no or a bad cveID, a missing name, vendor
// or product, a bad dateAdded, a value of the wrong JSON type, a duplicate
// cveID) is reported as an ImportProblem and left out; problems whose
// message starts with "ignored: " left out only the named field. The error
// is only for input that is not JSON or not shaped like the catalogue.
func ParseKEV(data []byte) ([]Vulnerability, []ImportProblem, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, apperr.Invalid("", "not a KEV catalogue: %v", err)
	}
	root, err := jsonpath.AsObject(top, "")
	if err != nil {
		return nil, nil, apperr.Invalid("", "a KEV catalogue is a JSON object, not %s", jsonpath.Kind(top))
	}
	list, _, err := root.Arr("vulnerabilities")
	if err != nil {
		return nil, nil, apperr.Invalid("vulnerabilities", "must be an array, not %s", jsonpath.Kind(root.M["vulnerabilities"]))
	}
	if _, ok := root.M["vulnerabilities"]; !ok {
		return nil, nil, apperr.Invalid("vulnerabilities", "is required (is this the KEV catalogue?)")
	}
	out := make([]Vulnerability, 0, len(list))
	var probs []ImportProblem
	seen := map[string]int{}
	for i, x := range list {
		p := &problems{index: i}
		v, err := kevEntry(x, p)
		switch {
		case err != nil:
			if pe, ok := err.(*jsonpath.Error); ok {
				p.fail(pe.Path, "%s", pe.Msg)
			} else {
				p.fail("", "%v", err)
			}
		case v != nil:
			v.Normalize()
			if err := v.Validate(); err != nil {
				p.fail("", "the converted entry is not valid: %v", err)
			} else if first, dup := seen[v.ID]; dup {
				p.fail("cveID", "duplicates entry %d; only the first is imported", first)
			} else {
				seen[v.ID] = i
				out = append(out, *v)
			}
		}
		probs = append(probs, p.list...)
	}
	return out, probs, nil
}

// kevEntry converts one catalogue entry.
func kevEntry(x any, p *problems) (*Vulnerability, error) {
	o, err := jsonpath.AsObject(x, "")
	if err != nil {
		return nil, &jsonpath.Error{Path: "", Msg: "an entry must be a JSON object, not " + jsonpath.Kind(x)}
	}
	var f struct {
		id, vendor, product, name, added, desc, action, due, ransomware, notes string
	}
	for _, m := range []struct {
		key  string
		dest *string
	}{
		{"cveID", &f.id}, {"vendorProject", &f.vendor}, {"product", &f.product}, {"vulnerabilityName", &f.name},
		{"dateAdded", &f.added}, {"shortDescription", &f.desc}, {"requiredAction", &f.action}, {"dueDate", &f.due},
		{"knownRansomwareCampaignUse", &f.ransomware}, {"notes", &f.notes},
	} {
		s, err := o.Str(m.key)
		if err != nil {
			return nil, err
		}
		*m.dest = strings.TrimSpace(s)
	}
	f.id = strings.ToUpper(f.id)
	if cveRE.MatchString(f.id) {
		p.id = f.id
	}
	switch {
	case f.id == "":
		return nil, &jsonpath.Error{Path: "cveID", Msg: "is required"}
	case !cveRE.MatchString(f.id):
		return nil, &jsonpath.Error{Path: "cveID", Msg: fmt.Sprintf("%q is not a CVE id", clipID(f.id))}
	case f.name == "":
		return nil, &jsonpath.Error{Path: "vulnerabilityName", Msg: "is required"}
	case f.vendor == "":
		return nil, &jsonpath.Error{Path: "vendorProject", Msg: "is required"}
	case f.product == "":
		return nil, &jsonpath.Error{Path: "product", Msg: "is required"}
	case f.added == "":
		return nil, &jsonpath.Error{Path: "dateAdded", Msg: "is required"}
	}
	if _, err := time.Parse(time.DateOnly, f.added); err != nil {
		return nil, &jsonpath.Error{Path: "dateAdded", Msg: fmt.Sprintf("%q is not a date YYYY-MM-DD", clipID(f.added))}
	}
	v := &Vulnerability{ID: f.id, Exploited: true, TLP: marking.TLPClear, Source: "kev",
		KEV: &KEV{DateAdded: f.added, RequiredAction: f.action}}
	if f.due != "" {
		if _, err := time.Parse(time.DateOnly, f.due); err != nil {
			p.ignore("dueDate", "%q is not a date YYYY-MM-DD", clipID(f.due))
		} else {
			v.KEV.DueDate = f.due
		}
	}
	switch strings.ToLower(f.ransomware) {
	case "known":
		v.KEV.Ransomware = true
	case "unknown", "":
	default:
		p.ignore("knownRansomwareCampaignUse", "%q is neither Known nor Unknown; read as Unknown", clipID(f.ransomware))
	}
	title, cut := clipText(f.name, maxTitle)
	if cut {
		p.ignore("vulnerabilityName", "longer than %d characters, shortened", maxTitle)
	}
	v.Title = title
	desc, cut := clipText(f.desc, maxDescription)
	if cut {
		p.ignore("shortDescription", "longer than %d characters, shortened", maxDescription)
	}
	v.Description = desc

	// Notes: " ; "-separated URLs become references; any other text is
	// appended to the description.
	var text []string
	for part := range strings.SplitSeq(f.notes, ";") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case (strings.HasPrefix(part, "https://") || strings.HasPrefix(part, "http://")) && !strings.ContainsAny(part, " \t\n"):
			if !slices.Contains(v.References, part) {
				v.References = append(v.References, part)
			}
		default:
			text = append(text, part)
		}
	}
	if len(text) > 0 {
		d := strings.TrimSpace(v.Description + "\n\nNotes: " + strings.Join(text, "; "))
		d, cut := clipText(d, maxDescription)
		if cut {
			p.ignore("notes", "the description with the notes is longer than %d characters, shortened", maxDescription)
		}
		v.Description = d
	}

	cwes, path, err := o.Arr("cwes")
	if err != nil {
		return nil, err
	}
	for i, x := range cwes {
		s, ok := x.(string)
		if !ok {
			return nil, &jsonpath.Error{Path: jsonpath.Index(path, i), Msg: "must be a string, not " + jsonpath.Kind(x)}
		}
		raw := s
		s = strings.ToUpper(strings.TrimSpace(s))
		switch {
		case cweRE.MatchString(s):
			if !slices.Contains(v.CWEs, s) {
				v.CWEs = append(v.CWEs, s)
			}
		case s == "" || strings.HasPrefix(s, "NVD-CWE-"): // NVD-CWE-noinfo, NVD-CWE-Other: no CWE
		default:
			p.ignore(jsonpath.Index(path, i), "%q is not a CWE id", clipID(raw))
		}
	}

	if name, err := productCPE(f.vendor, f.product); err != nil {
		p.ignore("product", "vendorProject %q and product %q do not make a CPE name (%v); no affected product is recorded", clipID(f.vendor), clipID(f.product), err)
	} else {
		v.Affected = []Affected{{Vendor: f.vendor, Product: f.product, CPE: name, Ranges: nil}}
	}
	return v, nil
}
