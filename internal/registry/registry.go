// Package registry holds the domain types of the critical-computer
// notification registry (特定重要電子計算機の届出): what an operator notifies
// the government about each critical computer, kept as versioned
// notifications. Storage is in package store; the service every surface
// calls (registration, matching against vulnerabilities, notices, vendor
// requests) is package exposure.
package registry

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/version"
)

// Function is what a critical computer does.
type Function string

const (
	FunctionVPN            Function = "vpn"             // VPN / SSL-VPN appliance
	FunctionAuthentication Function = "authentication"  // authentication server (AD, RADIUS, IdP)
	FunctionRemoteAccess   Function = "remote_access"   // remote access / remote maintenance
	FunctionControlGateway Function = "control_gateway" // gateway into a control system (OT)
	FunctionOther          Function = "other"
)

// Functions lists the functions in display order.
var Functions = []Function{FunctionVPN, FunctionAuthentication, FunctionRemoteAccess, FunctionControlGateway, FunctionOther}

// Valid reports whether f is a known function.
func (f Function) Valid() bool { return slices.Contains(Functions, f) }

// Management says who runs the computer.
type Management string

const (
	ManagedInHouse    Management = "in_house"
	ManagedOutsourced Management = "outsourced"
)

// Valid reports whether m is known.
func (m Management) Valid() bool { return m == ManagedInHouse || m == ManagedOutsourced }

// Computer is one notified critical computer in its current state. Every
// change is notified again: the store keeps each version as a Notification
// and Version counts them.
type Computer struct {
	ID      string `json:"id"`
	OrgID   string `json:"org_id"`
	Version int    `json:"version"` // notification number, 1 for the first
	// Ref is the operator's own asset identifier, unique within the
	// organisation (imports use it to tell an update from a new computer).
	Ref      string   `json:"ref"`
	Name     string   `json:"name"`
	Function Function `json:"function"`
	Vendor   string   `json:"vendor"`
	Product  string   `json:"product"`
	// ProductVersion is the installed version as the vendor writes it
	// ("7.2.4", "22.7R2.3", "15.2(4)M11").
	ProductVersion string `json:"product_version"`
	// CPE is the CPE 2.3 name of the product; when empty, matching uses
	// Vendor and Product normalised as CPE vendor and product.
	CPE            string `json:"cpe,omitempty"`
	Site           string `json:"site"`
	Overseas       bool   `json:"overseas"`
	InternetFacing bool   `json:"internet_facing"`
	// Business is the designated business (特定社会基盤事業) and Equipment
	// the essential equipment (特定重要設備) the computer supports.
	Business      string     `json:"business"`
	Equipment     string     `json:"equipment"`
	InService     string     `json:"in_service,omitempty"` // YYYY-MM-DD
	Management    Management `json:"management"`
	Contractor    string     `json:"contractor,omitempty"`    // outsourced: to whom
	Subcontractor string     `json:"subcontractor,omitempty"` // and any subcontractor
	Excluded      bool       `json:"excluded"`                // falls under a designated exclusion
	ExclusionNote string     `json:"exclusion_note,omitempty"`
	// Components is the software on the computer (from an SBOM or typed
	// in): vulnerabilities are matched against them too.
	Components []Component `json:"components"`
	Retired    bool        `json:"retired"` // notified as withdrawn from service
	Notes      string      `json:"notes,omitempty"`
	NotifiedAt time.Time   `json:"notified_at"`
	NotifiedBy string      `json:"notified_by"` // user id
	ChangeNote string      `json:"change_note,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

// Component is one piece of software on a computer.
type Component struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Supplier string `json:"supplier,omitempty"`
	CPE      string `json:"cpe,omitempty"`
	PURL     string `json:"purl,omitempty"`
}

// MaxComponents bounds a computer's component list.
const MaxComponents = 20000

// Notification is one notified version of a computer: what was notified
// when, by whom, and why.
type Notification struct {
	ComputerID string    `json:"computer_id"`
	Version    int       `json:"version"`
	NotifiedAt time.Time `json:"notified_at"`
	NotifiedBy string    `json:"notified_by"`
	ChangeNote string    `json:"change_note,omitempty"`
	Computer   Computer  `json:"computer"` // the state as notified
}

// Normalize trims every text field.
func (c *Computer) Normalize() {
	for _, p := range []*string{&c.Ref, &c.Name, &c.Vendor, &c.Product, &c.ProductVersion, &c.CPE, &c.Site,
		&c.Business, &c.Equipment, &c.InService, &c.Contractor, &c.Subcontractor, &c.ExclusionNote, &c.Notes, &c.ChangeNote} {
		*p = strings.TrimSpace(*p)
	}
	if c.Management == "" {
		c.Management = ManagedInHouse
	}
	if c.Components == nil {
		c.Components = []Component{}
	}
	for i := range c.Components {
		x := &c.Components[i]
		x.Name, x.Version, x.Supplier, x.CPE, x.PURL = strings.TrimSpace(x.Name), strings.TrimSpace(x.Version), strings.TrimSpace(x.Supplier), strings.TrimSpace(x.CPE), strings.TrimSpace(x.PURL)
		if x.CPE != "" {
			if n, err := cpe.Parse(x.CPE); err == nil {
				x.CPE = n.String()
			}
		}
	}
	if c.CPE != "" {
		if n, err := cpe.Parse(c.CPE); err == nil {
			c.CPE = n.String()
			// The installed version from the CPE ("22.7" with update
			// "r2.3" is Ivanti's 22.7R2.3) when none is typed in.
			if c.ProductVersion == "" && n.Version != cpe.Any && n.Version != cpe.NA {
				c.ProductVersion = version.JoinUpdate(cpe.Unquote(n.Version), n.Update)
			}
		}
	}
}

// Validate checks the fields an operator fills in, naming the first bad one.
func (c *Computer) Validate() error {
	req := []struct {
		field, v string
		max      int
	}{
		{"ref", c.Ref, 100}, {"name", c.Name, 200}, {"vendor", c.Vendor, 200}, {"product", c.Product, 200},
		{"product_version", c.ProductVersion, 100}, {"site", c.Site, 200}, {"business", c.Business, 300}, {"equipment", c.Equipment, 300},
	}
	for _, f := range req {
		if f.v == "" {
			return apperr.Invalid(f.field, "is required")
		}
		if utf8.RuneCountInString(f.v) > f.max || !utf8.ValidString(f.v) {
			return apperr.Invalid(f.field, "must be valid text of at most %d characters", f.max)
		}
	}
	for _, f := range []struct{ field, v string }{{"contractor", c.Contractor}, {"subcontractor", c.Subcontractor}, {"exclusion_note", c.ExclusionNote}, {"notes", c.Notes}, {"change_note", c.ChangeNote}} {
		if utf8.RuneCountInString(f.v) > 2000 || !utf8.ValidString(f.v) {
			return apperr.Invalid(f.field, "must be valid text of at most 2000 characters")
		}
	}
	if !c.Function.Valid() {
		return apperr.Invalid("function", "must be one of vpn, authentication, remote_access, control_gateway, other")
	}
	if !c.Management.Valid() {
		return apperr.Invalid("management", "must be in_house or outsourced")
	}
	if c.Management == ManagedOutsourced && c.Contractor == "" {
		return apperr.Invalid("contractor", "is required when the computer is outsourced")
	}
	if c.Management == ManagedInHouse && (c.Contractor != "" || c.Subcontractor != "") {
		return apperr.Invalid("contractor", "only an outsourced computer has a contractor")
	}
	if c.Excluded && c.ExclusionNote == "" {
		return apperr.Invalid("exclusion_note", "say which designated exclusion applies")
	}
	if c.InService != "" {
		if _, err := time.Parse(time.DateOnly, c.InService); err != nil {
			return apperr.Invalid("in_service", "must be a date YYYY-MM-DD")
		}
	}
	if c.CPE != "" {
		n, err := cpe.Parse(c.CPE)
		if err != nil {
			return apperr.Invalid("cpe", "%v", err)
		}
		if n.Part == "*" || n.Vendor == "*" || n.Product == "*" {
			return apperr.Invalid("cpe", "must name the part, vendor and product")
		}
	}
	if len(c.Components) > MaxComponents {
		return apperr.Invalid("components", "at most %d components", MaxComponents)
	}
	for i, x := range c.Components {
		field := "components[" + strconv.Itoa(i) + "]"
		if x.Name == "" && x.CPE == "" {
			return apperr.Invalid(field+".name", "a component needs a name or a CPE")
		}
		if len(x.Name) > 500 || len(x.Version) > 200 || len(x.Supplier) > 500 || len(x.PURL) > 2000 {
			return apperr.Invalid(field, "a text is too long")
		}
		if x.CPE != "" {
			if _, err := cpe.Parse(x.CPE); err != nil {
				return apperr.Invalid(field+".cpe", "%v", err)
			}
		}
	}
	return nil
}

// Matchable reports whether the computer takes part in vulnerability
// matching: in service and not under a designated exclusion.
func (c *Computer) Matchable() bool { return !c.Retired && !c.Excluded }

// Identities are the CPE names matching uses, each with the version to
// compare: the computer's own and one per component that has a CPE or a
// name. The first is always the computer's own.
func (c *Computer) Identities() []cpe.Name {
	out := []cpe.Name{c.Identity()}
	for _, x := range c.Components {
		var n cpe.Name
		if x.CPE != "" {
			p, err := cpe.Parse(x.CPE)
			if err != nil {
				continue
			}
			n = p
			if n.Version == "*" || n.Version == "-" {
				n.Version = CPEValue(x.Version)
			}
		} else {
			n = cpe.Name{Part: "*", Vendor: CPEValue(x.Supplier), Product: CPEValue(x.Name), Version: CPEValue(x.Version),
				Update: "*", Edition: "*", Language: "*", SWEdition: "*", TargetSW: "*", TargetHW: "*", Other: "*"}
		}
		out = append(out, n)
	}
	return out
}

// Identity is the CPE name of the computer itself: the registered CPE, or
// one made from Vendor, Product and ProductVersion.
func (c *Computer) Identity() cpe.Name {
	if c.CPE != "" {
		if n, err := cpe.Parse(c.CPE); err == nil {
			if n.Version == "*" || n.Version == "-" {
				n.Version = CPEValue(c.ProductVersion)
			}
			return n
		}
	}
	return cpe.Name{Part: "*", Vendor: CPEValue(c.Vendor), Product: CPEValue(c.Product), Version: CPEValue(c.ProductVersion),
		Update: "*", Edition: "*", Language: "*", SWEdition: "*", TargetSW: "*", TargetHW: "*", Other: "*"}
}

// CPEValue turns free text into a CPE formatted-string value the way NVD
// names vendors and products: lower case, spaces as underscores, special
// characters escaped; "" becomes ANY.
func CPEValue(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "*"
	}
	return cpe.Quote(strings.ReplaceAll(s, " ", "_"))
}
