// Package vuln holds the domain types of vulnerabilities (CVE records with
// affected products as CPE names and version ranges, CVSS, known
// exploitation, fixes and workarounds) and of the government's information
// requests to vendors (脆弱性に関する情報提供の求め). Importers of CVE JSON 5
// records and of the CISA KEV catalogue live here too. Storage is in
// package store; the service is package exposure.
package vuln

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/marking"
	"sakimori/internal/version"
)

// Vulnerability is one vulnerability as sakimori tracks it.
type Vulnerability struct {
	// ID is the CVE id ("CVE-2024-21762") or, for a vulnerability without
	// one yet, a sakimori id ("SKM-2026-0001").
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Affected    []Affected `json:"affected"`
	CVSS        *CVSS      `json:"cvss,omitempty"`
	// Exploited is known exploitation in the wild (KEV or the government's
	// own knowledge); KEV holds the catalogue's details when listed there.
	Exploited   bool        `json:"exploited"`
	KEV         *KEV        `json:"kev,omitempty"`
	Fixes       []Remedy    `json:"fixes"`
	Workarounds []Remedy    `json:"workarounds"`
	References  []string    `json:"references"`
	CWEs        []string    `json:"cwes"`
	Published   *time.Time  `json:"published,omitempty"`
	TLP         marking.TLP `json:"tlp"`          // CLEAR for public CVEs
	OwnerOrgID  string      `json:"owner_org_id"` // who recorded it
	Source      string      `json:"source"`       // manual | cve5 | kev | api | demo
	Version     int         `json:"version"`      // bumped on every change
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Affected is one affected product: a CPE name (the version attribute
// usually ANY) and the version ranges that are affected. No ranges means
// every version the CPE covers.
type Affected struct {
	Vendor  string          `json:"vendor"`
	Product string          `json:"product"`
	CPE     string          `json:"cpe"`
	Ranges  []version.Range `json:"ranges"`
}

// CVSS is a base score with its vector.
type CVSS struct {
	Version string  `json:"version"` // 3.1, 4.0, ...
	Score   float64 `json:"score"`
	Vector  string  `json:"vector,omitempty"`
}

// Severity is the CVSS qualitative rating of the score.
func (c *CVSS) Severity() string {
	switch {
	case c == nil:
		return ""
	case c.Score == 0:
		return "none"
	case c.Score < 4:
		return "low"
	case c.Score < 7:
		return "medium"
	case c.Score < 9:
		return "high"
	}
	return "critical"
}

// KEV is the CISA Known Exploited Vulnerabilities catalogue entry.
type KEV struct {
	DateAdded      string `json:"date_added"` // YYYY-MM-DD
	DueDate        string `json:"due_date"`   // YYYY-MM-DD
	RequiredAction string `json:"required_action"`
	Ransomware     bool   `json:"ransomware"` // known use in ransomware campaigns
}

// Remedy is a fix (an update to a fixed version) or a workaround.
type Remedy struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
}

var (
	cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	skmRE = regexp.MustCompile(`^SKM-[0-9]{4}-[0-9]{4,}$`)
	cweRE = regexp.MustCompile(`^CWE-[0-9]+$`)
)

// Sources lists where a record may come from.
var Sources = []string{"manual", "cve5", "kev", "api", "demo"}

// Normalize trims texts, upper-cases the id and canonicalises CPE names.
func (v *Vulnerability) Normalize() {
	v.ID = strings.ToUpper(strings.TrimSpace(v.ID))
	v.Title, v.Description = strings.TrimSpace(v.Title), strings.TrimSpace(v.Description)
	for i := range v.Affected {
		a := &v.Affected[i]
		a.Vendor, a.Product, a.CPE = strings.TrimSpace(a.Vendor), strings.TrimSpace(a.Product), strings.TrimSpace(a.CPE)
		if a.CPE != "" {
			if n, err := cpe.Parse(a.CPE); err == nil {
				a.CPE = n.String()
			}
		}
		if a.Ranges == nil {
			a.Ranges = []version.Range{}
		}
	}
	for _, l := range []*[]Remedy{&v.Fixes, &v.Workarounds} {
		if *l == nil {
			*l = []Remedy{}
		}
	}
	for _, l := range []*[]string{&v.References, &v.CWEs} {
		if *l == nil {
			*l = []string{}
		}
	}
	if v.Affected == nil {
		v.Affected = []Affected{}
	}
}

// Validate checks the record, naming the first bad field by its JSON path.
func (v *Vulnerability) Validate() error {
	if !cveRE.MatchString(v.ID) && !skmRE.MatchString(v.ID) {
		return apperr.Invalid("id", "must be a CVE id (CVE-2024-21762) or a sakimori id (SKM-2026-0001)")
	}
	if v.Title == "" || utf8.RuneCountInString(v.Title) > 300 || !utf8.ValidString(v.Title) {
		return apperr.Invalid("title", "is required, at most 300 characters")
	}
	if utf8.RuneCountInString(v.Description) > 20000 || !utf8.ValidString(v.Description) {
		return apperr.Invalid("description", "must be valid text of at most 20000 characters")
	}
	if len(v.Affected) > 1000 {
		return apperr.Invalid("affected", "at most 1000 affected products")
	}
	for i, a := range v.Affected {
		field := "affected[" + strconv.Itoa(i) + "]"
		if a.CPE == "" {
			return apperr.Invalid(field+".cpe", "is required (a CPE 2.3 name, the version usually *)")
		}
		n, err := cpe.Parse(a.CPE)
		if err != nil {
			return apperr.Invalid(field+".cpe", "%v", err)
		}
		if n.Vendor == "*" || n.Product == "*" {
			return apperr.Invalid(field+".cpe", "must name the vendor and the product")
		}
		for j, r := range a.Ranges {
			if err := r.Validate(); err != nil {
				return apperr.Invalid(field+".ranges["+strconv.Itoa(j)+"]", "%v", err)
			}
		}
	}
	if v.CVSS != nil {
		if v.CVSS.Score < 0 || v.CVSS.Score > 10 {
			return apperr.Invalid("cvss.score", "must be between 0.0 and 10.0")
		}
		if !slices.Contains([]string{"2.0", "3.0", "3.1", "4.0"}, v.CVSS.Version) {
			return apperr.Invalid("cvss.version", "must be 2.0, 3.0, 3.1 or 4.0")
		}
	}
	if v.KEV != nil {
		for _, f := range []struct{ name, v string }{{"kev.date_added", v.KEV.DateAdded}, {"kev.due_date", v.KEV.DueDate}} {
			if f.v != "" {
				if _, err := time.Parse(time.DateOnly, f.v); err != nil {
					return apperr.Invalid(f.name, "must be a date YYYY-MM-DD")
				}
			}
		}
	}
	for i, r := range append(slices.Clone(v.Fixes), v.Workarounds...) {
		if r.Text == "" && r.URL == "" || utf8.RuneCountInString(r.Text) > 5000 {
			name := "fixes"
			if i >= len(v.Fixes) {
				name, i = "workarounds", i-len(v.Fixes)
			}
			return apperr.Invalid(name+"["+strconv.Itoa(i)+"]", "needs a text or a URL (text at most 5000 characters)")
		}
	}
	for i, c := range v.CWEs {
		if !cweRE.MatchString(c) {
			return apperr.Invalid("cwes["+strconv.Itoa(i)+"]", "must look like CWE-79")
		}
	}
	if !v.TLP.Valid() {
		return apperr.Invalid("tlp", "must be a TLP 2.0 label")
	}
	if v.Source != "" && !slices.Contains(Sources, v.Source) {
		return apperr.Invalid("source", "must be one of %s", strings.Join(Sources, ", "))
	}
	return nil
}
