// Package org holds sakimori's core domain types: organisations, their
// supply-chain links, users, roles and API tokens. They are plain structs
// with Validate methods; storage lives in package store, policy in auth.
package org

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

// Kind is the kind of an organisation.
type Kind string

const (
	KindGovernment     Kind = "government"      // e.g. the National Cybersecurity Office
	KindSectorMinistry Kind = "sector_ministry" // competent ministry of a sector
	KindLawEnforcement Kind = "law_enforcement" // police
	KindDefense        Kind = "defense"         // Self-Defense Forces
	KindOversight      Kind = "oversight"       // the oversight commission
	KindOperator       Kind = "operator"        // critical-infrastructure operator
	KindVendor         Kind = "vendor"          // product vendor
	KindSupplier       Kind = "supplier"        // supplier / SME / contractor
	KindISAC           Kind = "isac"            // ISAC or council secretariat
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindGovernment, KindSectorMinistry, KindLawEnforcement, KindDefense,
	KindOversight, KindOperator, KindVendor, KindSupplier, KindISAC}

// IsGovernment reports whether organisations of this kind act for the government.
func (k Kind) IsGovernment() bool {
	switch k {
	case KindGovernment, KindSectorMinistry, KindLawEnforcement, KindDefense:
		return true
	}
	return false
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Sector is one of the 15 critical-infrastructure sectors of the Active
// Cyber Defense law (or empty for none).
type Sector string

const (
	SectorNone         Sector = ""
	SectorElectricity  Sector = "electricity"
	SectorGas          Sector = "gas"
	SectorOil          Sector = "oil"
	SectorWater        Sector = "water"
	SectorRailway      Sector = "railway"
	SectorTrucking     Sector = "trucking"
	SectorShipping     Sector = "shipping"
	SectorAviation     Sector = "aviation"
	SectorAirport      Sector = "airport"
	SectorTelecom      Sector = "telecom"
	SectorBroadcasting Sector = "broadcasting"
	SectorPostal       Sector = "postal"
	SectorFinance      Sector = "finance"
	SectorCreditCard   Sector = "credit_card"
	SectorPort         Sector = "port"
)

// Sectors lists the 15 sectors in the order the law lists them.
var Sectors = []Sector{SectorElectricity, SectorGas, SectorOil, SectorWater, SectorRailway,
	SectorTrucking, SectorShipping, SectorAviation, SectorAirport, SectorTelecom,
	SectorBroadcasting, SectorPostal, SectorFinance, SectorCreditCard, SectorPort}

// Valid reports whether s is a sector or empty.
func (s Sector) Valid() bool { return s == SectorNone || slices.Contains(Sectors, s) }

// Names is a bilingual name.
type Names struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// In returns the name in lang ("ja" or "en"), falling back to the other.
func (n Names) In(lang string) string {
	if lang == "en" && n.EN != "" || n.JA == "" {
		return n.EN
	}
	return n.JA
}

// Contact is an organisation's single emergency contact route: the one
// place the government and partners reach it in an incident, 24/7.
type Contact struct {
	Name  string `json:"name"`            // person or desk, e.g. "CSIRT duty officer"
	Phone string `json:"phone,omitempty"` // E.164 or domestic format
	Email string `json:"email,omitempty"`
	Hours string `json:"hours,omitempty"` // e.g. "24/7"
}

// Organisation is a member of the platform.
type Organisation struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"` // short, unique, URL-safe handle
	Kind      Kind      `json:"kind"`
	Sector    Sector    `json:"sector,omitempty"`
	Name      Names     `json:"name"`
	Contact   Contact   `json:"emergency_contact,omitzero"` // absent where the caller may not see it
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{5,24}$`)

// PhoneOK reports whether s is a phone number: digits, spaces,
// parentheses and hyphens, an optional leading + ("03-1234-5678",
// "+81 3 1234 5678"). Contacts everywhere (organisations, reports) use it.
func PhoneOK(s string) bool { return phoneRE.MatchString(s) }

// EmailOK reports whether s is a bare e-mail address (no display name,
// no surrounding spaces).
func EmailOK(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// Validate checks the organisation, naming the first bad field.
func (o *Organisation) Validate() error {
	if !slugRE.MatchString(o.Slug) {
		return apperr.Invalid("slug", "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
	}
	if !o.Kind.Valid() {
		return apperr.Invalid("kind", "unknown organisation kind %q", o.Kind)
	}
	if !o.Sector.Valid() {
		return apperr.Invalid("sector", "unknown sector %q", o.Sector)
	}
	if o.Kind == KindOperator && o.Sector == SectorNone {
		return apperr.Invalid("sector", "a critical-infrastructure operator must name its sector")
	}
	if err := validText("name.ja", o.Name.JA, 1, 200); err != nil {
		return err
	}
	if err := validText("name.en", o.Name.EN, 1, 200); err != nil {
		return err
	}
	return o.Contact.Validate()
}

// Validate checks the contact route: a name and at least one channel.
func (c *Contact) Validate() error {
	if err := validText("emergency_contact.name", c.Name, 1, 200); err != nil {
		return err
	}
	if c.Phone == "" && c.Email == "" {
		return apperr.Invalid("emergency_contact.phone", "an emergency contact needs a phone number or an email address")
	}
	if c.Phone != "" && !PhoneOK(c.Phone) {
		return apperr.Invalid("emergency_contact.phone", "not a phone number")
	}
	if c.Email != "" {
		if err := validEmail("emergency_contact.email", c.Email); err != nil {
			return err
		}
	}
	return validText("emergency_contact.hours", c.Hours, 0, 100)
}

// LinkKind names a supply-chain relation. Links are stored once, as
// supplier -> customer; "customer_of" is the same link seen from the other end.
type LinkKind string

const (
	LinkSupplierOf LinkKind = "supplier_of"
	LinkCustomerOf LinkKind = "customer_of"
)

// Link is a supply-chain link: Supplier supplies Customer.
type Link struct {
	SupplierID  string    `json:"supplier_id"`
	CustomerID  string    `json:"customer_id"`
	Description string    `json:"description,omitempty"` // e.g. "VPN operation outsourcing"
	CreatedAt   time.Time `json:"created_at"`
	// RequestedBy is the organisation that proposed the link ("" when a
	// platform administrator or the command line made it).
	RequestedBy string `json:"requested_by,omitempty"`
	// ConfirmedAt is when the other end agreed; nil while pending. Only
	// confirmed links make the partners' emergency contacts visible.
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// Confirmed reports whether both ends agreed to the link.
func (l *Link) Confirmed() bool { return l.ConfirmedAt != nil }

// Validate checks the link.
func (l *Link) Validate() error {
	if l.SupplierID == "" {
		return apperr.Invalid("supplier_id", "required")
	}
	if l.CustomerID == "" {
		return apperr.Invalid("customer_id", "required")
	}
	if l.SupplierID == l.CustomerID {
		return apperr.Invalid("customer_id", "an organisation cannot supply itself")
	}
	return validText("description", l.Description, 0, 500)
}

func validText(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return apperr.Invalid(field, "not valid UTF-8")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < min {
		if min == 1 {
			return apperr.Invalid(field, "required")
		}
		return apperr.Invalid(field, "must be at least %d characters", min)
	}
	if utf8.RuneCountInString(s) > max {
		return apperr.Invalid(field, "must be at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return apperr.Invalid(field, "contains control characters")
		}
	}
	return nil
}

func validEmail(field, s string) error {
	if !EmailOK(s) {
		return apperr.Invalid(field, "not an email address")
	}
	return nil
}
