// Package report holds the domain types of incident reports (issue #5):
// what an operator reports about a specified intrusion event or a
// precursor, field by field with a confidence label, an as-of time and a
// source, and whether each field is not yet known or known but withheld.
// Validation applies the time rules and names every bad field by its JSON
// path. Storage, the approval flow, regimes' deadlines (package regime) and
// sanitised sharing (package sanitize) build on these types.
package report

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// Confidence is a field's confidence label.
type Confidence string

const (
	Confirmed Confidence = "confirmed"
	Likely    Confidence = "likely"
	Possible  Confidence = "possible"
	Unknown   Confidence = "unknown"
)

// Confidences lists the labels from the most to the least certain.
var Confidences = []Confidence{Confirmed, Likely, Possible, Unknown}

// State says whether a field's value is given.
type State string

const (
	// StateKnown: the value is given (with its confidence).
	StateKnown State = "known"
	// StateNotYetKnown: the reporter does not know yet (an early report).
	StateNotYetKnown State = "not_yet_known"
	// StateWithheld: known, but the reporter does not share it (the value
	// stays empty).
	StateWithheld State = "withheld"
)

// Meta is what every reported field carries besides its value.
type Meta struct {
	State      State      `json:"state"`
	Confidence Confidence `json:"confidence,omitempty"`
	AsOf       *time.Time `json:"as_of,omitempty"`
	Source     string     `json:"source,omitempty"` // e.g. "EDR alert", "vendor advisory", "interview"
}

// Field is one reported value with its Meta. The zero Field is "not yet
// known".
type Field[T any] struct {
	Value T `json:"value"`
	Meta
}

// Known returns a known field with the given confidence.
func Known[T any](v T, c Confidence, asOf time.Time, source string) Field[T] {
	t := asOf.UTC()
	return Field[T]{Value: v, Meta: Meta{State: StateKnown, Confidence: c, AsOf: &t, Source: source}}
}

// Given reports whether the field is answered: known or withheld.
func (m Meta) Given() bool { return m.State == StateKnown || m.State == StateWithheld }

// EventClass is the kind of event reported.
type EventClass string

const (
	// Specified intrusion events (特定侵害事象).
	ClassUnauthorisedAccess EventClass = "unauthorised_access"
	ClassMalwareInfection   EventClass = "malware_infection"
	ClassDDoS               EventClass = "ddos"
	ClassOtherIntrusion     EventClass = "other_intrusion"
	// Events that could cause them (precursors).
	ClassStolenAdminCredentials  EventClass = "stolen_admin_credentials"
	ClassMalwareExecutionTraces  EventClass = "malware_execution_traces"
	ClassSuspiciousCommunication EventClass = "suspicious_communication"
	ClassExploitationAttempt     EventClass = "exploitation_attempt"
)

// EventClasses lists the classes: the specified intrusion events, then the
// precursors.
var EventClasses = []EventClass{ClassUnauthorisedAccess, ClassMalwareInfection, ClassDDoS, ClassOtherIntrusion,
	ClassStolenAdminCredentials, ClassMalwareExecutionTraces, ClassSuspiciousCommunication, ClassExploitationAttempt}

// Precursor reports whether c is an event that could cause a specified
// intrusion event rather than one.
func (c EventClass) Precursor() bool { return slices.Index(EventClasses, c) >= 4 }

// Form is which of the ministries' common forms (since October 2025) the
// report renders into.
func (c EventClass) Form() string {
	switch c {
	case ClassDDoS:
		return "ddos"
	case ClassMalwareInfection:
		return "ransomware_or_malware"
	}
	return "other"
}

// ImpactLevel is the operational impact.
type ImpactLevel string

// ImpactLevels from none to critical.
var ImpactLevels = []ImpactLevel{"none", "minor", "significant", "severe", "critical"}

// Progress is the state of containment or recovery.
type Progress string

// Progresses lists the states.
var Progresses = []Progress{"not_started", "in_progress", "done"}

// IOC is an indicator the report carries (it becomes a STIX indicator).
type IOC struct {
	Type    string `json:"type"` // ipv4, ipv6, domain, url, md5, sha1, sha256, email
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// IOCTypes lists the indicator types.
var IOCTypes = []string{"ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "email"}

// LogPreservation is one kind of log and how long it is kept.
type LogPreservation struct {
	Log           string `json:"log"` // e.g. "VPN authentication logs"
	RetainedUntil string `json:"retained_until,omitempty"`
}

// Impact is the scope of impact.
type Impact struct {
	Services       string      `json:"services,omitempty"`
	Users          int         `json:"users,omitempty"`
	DataCategories []string    `json:"data_categories,omitempty"`
	Level          ImpactLevel `json:"level,omitempty"`
	PersonalData   bool        `json:"personal_data"`
}

// Ransom is what the report says about ransomware.
type Ransom struct {
	Ransomware    bool   `json:"ransomware"`
	Demanded      bool   `json:"demanded"`
	Paid          bool   `json:"paid"`
	Note          string `json:"note,omitempty"`           // the ransom note's text or name
	FileExtension string `json:"file_extension,omitempty"` // of encrypted files
	Extortion     string `json:"extortion,omitempty"`      // encryption | exfiltration | double | triple
}

// DDoS is the DDoS form's content.
type DDoS struct {
	Technique  string  `json:"technique,omitempty"` // T1498 (network) or T1499 (endpoint)
	PeakGbps   float64 `json:"peak_gbps,omitempty"`
	PeakPps    float64 `json:"peak_pps,omitempty"`
	Minutes    int     `json:"duration_minutes,omitempty"`
	Mitigation string  `json:"mitigation,omitempty"`
}

// ExploitedVuln is a vulnerability exploited in the incident.
type ExploitedVuln struct {
	CVE     string `json:"cve,omitempty"`
	Product string `json:"product"`
	Version string `json:"version,omitempty"`
}

// OtherNotified is another party already notified.
type OtherNotified struct {
	Party     string `json:"party"` // police | ppc (personal-data regulator) | vendor | other
	At        string `json:"at,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// Contact is a person to contact about the report.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	H24   bool   `json:"h24"` // reachable 24/7
}

// Validate checks a contact: a name, and its phone number and e-mail
// address when given (as internal/org checks an organisation's emergency
// contact, with the same messages); errors name the field.
func (c Contact) Validate() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", c.Name, 200}, {"role", c.Role, 200}, {"phone", c.Phone, 40}, {"email", c.Email, 254}} {
		if !utf8.ValidString(f.v) {
			return apperr.Invalid(f.name, "not valid UTF-8")
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return apperr.Invalid(f.name, "must be at most %d characters", f.max)
		}
	}
	if strings.TrimSpace(c.Name) == "" {
		return apperr.Invalid("name", "is required")
	}
	if c.Phone != "" && !org.PhoneOK(c.Phone) {
		return apperr.Invalid("phone", "not a phone number")
	}
	if c.Email != "" && !org.EmailOK(c.Email) {
		return apperr.Invalid("email", "not an email address")
	}
	return nil
}

// Content is what an incident report says: every field with its
// confidence, as-of time, source and state.
type Content struct {
	Class            Field[EventClass]        `json:"class"`
	Summary          Field[string]            `json:"summary"`
	Occurred         Field[*time.Time]        `json:"occurred"`
	Detected         Field[*time.Time]        `json:"detected"`
	Aware            Field[*time.Time]        `json:"aware"`
	Computers        Field[[]string]          `json:"computers"` // registry computer ids
	OtherSystems     Field[string]            `json:"other_systems"`
	Impact           Field[Impact]            `json:"impact"`
	Technique        Field[string]            `json:"technique"`         // summary of the attack technique
	Techniques       Field[[]string]          `json:"attack_techniques"` // ATT&CK ids
	IntrusionPath    Field[string]            `json:"intrusion_path"`
	IOCs             Field[[]IOC]             `json:"iocs"`
	Logs             Field[[]LogPreservation] `json:"logs"`
	Partners         Field[[]string]          `json:"partners"` // organisation ids possibly affected
	PartnerImpact    Field[string]            `json:"partner_impact"`
	Ransom           Field[Ransom]            `json:"ransom"`
	DDoS             Field[DDoS]              `json:"ddos"`
	Overseas         Field[bool]              `json:"overseas"`
	AtSupplier       Field[string]            `json:"at_supplier"` // the supplier organisation id, when it happened there
	CrossBorder      Field[bool]              `json:"cross_border"`
	Vulns            Field[[]ExploitedVuln]   `json:"exploited_vulnerabilities"`
	OthersNotified   Field[[]OtherNotified]   `json:"others_notified"`
	Containment      Field[Progress]          `json:"containment"`
	Recovery         Field[Progress]          `json:"recovery"`
	RecoveryEstimate Field[string]            `json:"recovery_estimate"`
	RootCause        Field[string]            `json:"root_cause"`
	Contacts         Field[[]Contact]         `json:"contacts"`
	// ShareWith is the reporter's consent for sharing onward: nco,
	// council, sector.
	ShareWith []string `json:"share_with"`
}

// ShareTargets lists the audiences a reporter may consent to.
var ShareTargets = []string{"nco", "council", "sector"}

var (
	attackRE = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	cveRE    = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
)

// field is one reportable field: its JSON name, its Meta, whether its
// value is the zero value, and whether a zero value is an answer (false
// for "overseas", no ransom) rather than nothing.
type field struct {
	name   string
	meta   *Meta
	zero   bool
	zeroOK bool
}

func fieldOf[T any](name string, f *Field[T], zeroOK bool) field {
	return field{name: name, meta: &f.Meta, zero: reflect.ValueOf(&f.Value).Elem().IsZero(), zeroOK: zeroOK}
}

// fields returns every field, in the order of Content.
func (c *Content) fields() []field {
	return []field{
		fieldOf("class", &c.Class, false), fieldOf("summary", &c.Summary, false),
		fieldOf("occurred", &c.Occurred, false), fieldOf("detected", &c.Detected, false), fieldOf("aware", &c.Aware, false),
		fieldOf("computers", &c.Computers, false), fieldOf("other_systems", &c.OtherSystems, false), fieldOf("impact", &c.Impact, true),
		fieldOf("technique", &c.Technique, false), fieldOf("attack_techniques", &c.Techniques, false),
		fieldOf("intrusion_path", &c.IntrusionPath, false), fieldOf("iocs", &c.IOCs, false), fieldOf("logs", &c.Logs, false),
		fieldOf("partners", &c.Partners, true), fieldOf("partner_impact", &c.PartnerImpact, false), fieldOf("ransom", &c.Ransom, true),
		fieldOf("ddos", &c.DDoS, false), fieldOf("overseas", &c.Overseas, true), fieldOf("at_supplier", &c.AtSupplier, true),
		fieldOf("cross_border", &c.CrossBorder, true), fieldOf("exploited_vulnerabilities", &c.Vulns, true),
		fieldOf("others_notified", &c.OthersNotified, true), fieldOf("containment", &c.Containment, false),
		fieldOf("recovery", &c.Recovery, false), fieldOf("recovery_estimate", &c.RecoveryEstimate, false),
		fieldOf("root_cause", &c.RootCause, false), fieldOf("contacts", &c.Contacts, false),
	}
}

// answered reports whether f holds an answer: withheld, or known with a
// value (or a zero value that is an answer).
func (f field) answered() bool {
	return f.meta.State == StateWithheld || f.meta.State == StateKnown && (!f.zero || f.zeroOK)
}

// FieldNames lists the reportable fields by JSON name (what regimes name
// as required at a stage).
func FieldNames() []string {
	var c Content
	var out []string
	for _, f := range c.fields() {
		out = append(out, f.name)
	}
	return out
}

// Given reports whether field name is answered (known with a value, or
// withheld): what a regime's stage requires. An unknown name is not given.
func (c *Content) Given(name string) bool {
	for _, f := range c.fields() {
		if f.name == name {
			return f.answered()
		}
	}
	return false
}

// GivenFunc returns Given as a function over a snapshot of the content,
// computed once (for checking many fields, as a regime's timeline does).
func (c *Content) GivenFunc() func(name string) bool {
	given := map[string]bool{}
	for _, f := range c.fields() {
		if f.answered() {
			given[f.name] = true
		}
	}
	return func(name string) bool { return given[name] }
}

// Missing lists the fields of names that are not given.
func (c *Content) Missing(names []string) []string {
	var out []string
	for _, n := range names {
		if !c.Given(n) {
			out = append(out, n)
		}
	}
	return out
}

// Normalize fills defaults: a field with a value but no state is known; a
// withheld field loses its value (it is not shared).
func (c *Content) Normalize() {
	c.Summary.Value = strings.TrimSpace(c.Summary.Value)
	for _, f := range c.fields() {
		m := f.meta
		if m.State == "" && !f.zero {
			m.State = StateKnown
		}
		if m.State == "" {
			m.State = StateNotYetKnown
		}
		if m.State == StateKnown && m.Confidence == "" {
			m.Confidence = Unknown
		}
		if m.AsOf != nil {
			t := m.AsOf.UTC()
			m.AsOf = &t
		}
	}
	c.withhold()
	if c.ShareWith == nil {
		c.ShareWith = []string{}
	}
}

// withhold empties the values of withheld fields.
func (c *Content) withhold() {
	clear := func(m Meta, fn func()) {
		if m.State == StateWithheld {
			fn()
		}
	}
	clear(c.Summary.Meta, func() { c.Summary.Value = "" })
	clear(c.Occurred.Meta, func() { c.Occurred.Value = nil })
	clear(c.Detected.Meta, func() { c.Detected.Value = nil })
	clear(c.Aware.Meta, func() { c.Aware.Value = nil })
	clear(c.Computers.Meta, func() { c.Computers.Value = nil })
	clear(c.OtherSystems.Meta, func() { c.OtherSystems.Value = "" })
	clear(c.Impact.Meta, func() { c.Impact.Value = Impact{} })
	clear(c.Technique.Meta, func() { c.Technique.Value = "" })
	clear(c.Techniques.Meta, func() { c.Techniques.Value = nil })
	clear(c.IntrusionPath.Meta, func() { c.IntrusionPath.Value = "" })
	clear(c.IOCs.Meta, func() { c.IOCs.Value = nil })
	clear(c.Logs.Meta, func() { c.Logs.Value = nil })
	clear(c.Partners.Meta, func() { c.Partners.Value = nil })
	clear(c.PartnerImpact.Meta, func() { c.PartnerImpact.Value = "" })
	clear(c.Ransom.Meta, func() { c.Ransom.Value = Ransom{} })
	clear(c.DDoS.Meta, func() { c.DDoS.Value = DDoS{} })
	clear(c.Vulns.Meta, func() { c.Vulns.Value = nil })
	clear(c.OthersNotified.Meta, func() { c.OthersNotified.Value = nil })
	clear(c.RootCause.Meta, func() { c.RootCause.Value = "" })
	clear(c.RecoveryEstimate.Meta, func() { c.RecoveryEstimate.Value = "" })
	clear(c.Contacts.Meta, func() { c.Contacts.Value = nil })
}

// Validate checks the content, naming the first bad field by its JSON
// path: states and confidence labels, enumerations, ATT&CK and CVE ids,
// IOC types, and the time rules (occurrence ≤ detection ≤ awareness, none
// in the future beyond now plus a minute of clock skew).
func (c *Content) Validate(now time.Time) error {
	for _, f := range c.fields() {
		m := f.meta
		switch m.State {
		case StateKnown, StateNotYetKnown, StateWithheld:
		default:
			return apperr.Invalid(f.name+".state", "must be known, not_yet_known or withheld")
		}
		if m.Confidence != "" && !slices.Contains(Confidences, m.Confidence) {
			return apperr.Invalid(f.name+".confidence", "must be confirmed, likely, possible or unknown")
		}
		if utf8.RuneCountInString(m.Source) > 500 {
			return apperr.Invalid(f.name+".source", "at most 500 characters")
		}
	}
	if v := c.Class.Value; v != "" && !slices.Contains(EventClasses, v) {
		return apperr.Invalid("class.value", "%q is not an event class", v)
	}
	for _, t := range []struct {
		name string
		f    Field[string]
		max  int
	}{{"summary", c.Summary, 20000}, {"other_systems", c.OtherSystems, 5000}, {"technique", c.Technique, 20000},
		{"intrusion_path", c.IntrusionPath, 10000}, {"partner_impact", c.PartnerImpact, 10000}, {"root_cause", c.RootCause, 20000},
		{"recovery_estimate", c.RecoveryEstimate, 2000}} {
		if utf8.RuneCountInString(t.f.Value) > t.max || !utf8.ValidString(t.f.Value) {
			return apperr.Invalid(t.name+".value", "must be valid text of at most %d characters", t.max)
		}
	}
	// Time rules.
	times := []struct {
		name string
		t    *time.Time
	}{{"occurred", c.Occurred.Value}, {"detected", c.Detected.Value}, {"aware", c.Aware.Value}}
	for _, x := range times {
		if x.t != nil && x.t.After(now.Add(time.Minute)) {
			return apperr.Invalid(x.name+".value", "is in the future (%s)", x.t.In(JST).Format("2006-01-02 15:04 MST"))
		}
	}
	for i := 0; i < len(times); i++ {
		for j := i + 1; j < len(times); j++ {
			a, b := times[i], times[j]
			if a.t != nil && b.t != nil && b.t.Before(*a.t) {
				return apperr.Invalid(b.name+".value", "%s (%s) is before %s (%s)", b.name, b.t.In(JST).Format("2006-01-02 15:04 MST"),
					a.name, a.t.In(JST).Format("2006-01-02 15:04 MST"))
			}
		}
	}
	for i, id := range c.Techniques.Value {
		if !attackRE.MatchString(id) {
			return apperr.Invalid("attack_techniques.value["+strconv.Itoa(i)+"]", "%q is not an ATT&CK technique id (T1190, T1078.002)", id)
		}
	}
	for i, ioc := range c.IOCs.Value {
		p := "iocs.value[" + strconv.Itoa(i) + "]"
		if !slices.Contains(IOCTypes, ioc.Type) {
			return apperr.Invalid(p+".type", "must be one of %s", strings.Join(IOCTypes, ", "))
		}
		if strings.TrimSpace(ioc.Value) == "" {
			return apperr.Invalid(p+".value", "is required")
		}
	}
	for i, v := range c.Vulns.Value {
		p := "exploited_vulnerabilities.value[" + strconv.Itoa(i) + "]"
		if v.CVE != "" && !cveRE.MatchString(v.CVE) {
			return apperr.Invalid(p+".cve", "%q is not a CVE id", v.CVE)
		}
		if strings.TrimSpace(v.Product) == "" {
			return apperr.Invalid(p+".product", "is required")
		}
	}
	if l := c.Impact.Value.Level; l != "" && !slices.Contains(ImpactLevels, l) {
		return apperr.Invalid("impact.value.level", "must be none, minor, significant, severe or critical")
	}
	if c.Impact.Value.Users < 0 {
		return apperr.Invalid("impact.value.users", "cannot be negative")
	}
	for _, p := range []struct {
		name string
		v    Progress
	}{{"containment", c.Containment.Value}, {"recovery", c.Recovery.Value}} {
		if p.v != "" && !slices.Contains(Progresses, p.v) {
			return apperr.Invalid(p.name+".value", "must be not_started, in_progress or done")
		}
	}
	if e := c.Ransom.Value.Extortion; e != "" && !slices.Contains([]string{"encryption", "exfiltration", "double", "triple"}, e) {
		return apperr.Invalid("ransom.value.extortion", "must be encryption, exfiltration, double or triple")
	}
	if r := c.Ransom.Value; (r.Demanded || r.Paid) && !r.Ransomware {
		return apperr.Invalid("ransom.value.ransomware", "a ransom was demanded or paid: this is ransomware")
	}
	if d := c.DDoS.Value; d.Technique != "" && d.Technique != "T1498" && d.Technique != "T1499" && !strings.HasPrefix(d.Technique, "T1498.") && !strings.HasPrefix(d.Technique, "T1499.") {
		return apperr.Invalid("ddos.value.technique", "must be T1498 (network denial of service) or T1499 (endpoint), or a sub-technique")
	}
	if d := c.DDoS.Value; d.PeakGbps < 0 || d.PeakPps < 0 || d.Minutes < 0 {
		return apperr.Invalid("ddos.value", "peak and duration cannot be negative")
	}
	for i, o := range c.OthersNotified.Value {
		if !slices.Contains([]string{"police", "ppc", "vendor", "other"}, o.Party) {
			return apperr.Invalid("others_notified.value["+strconv.Itoa(i)+"].party", "must be police, ppc, vendor or other")
		}
	}
	for i, ct := range c.Contacts.Value {
		if err := ct.Validate(); err != nil {
			return apperr.Prefix(err, "contacts.value["+strconv.Itoa(i)+"]")
		}
	}
	for i, s := range c.ShareWith {
		if !slices.Contains(ShareTargets, s) {
			return apperr.Invalid("share_with["+strconv.Itoa(i)+"]", "must be nco, council or sector")
		}
	}
	return nil
}

// JST is Japan Standard Time, in which reports show their times.
var JST = time.FixedZone("JST", 9*3600)

// Unconfirmed lists the JSON names of fields whose value is given with a
// confidence below confirmed: the sanitiser leaves them out of what is
// shared unless the reporter includes them.
func (c *Content) Unconfirmed() []string {
	var out []string
	for _, f := range c.fields() {
		if f.meta.State == StateKnown && f.answered() && f.meta.Confidence != Confirmed {
			out = append(out, f.name)
		}
	}
	return out
}

// MarshalFields returns the content as a JSON object of field name to
// field, for diffs between versions.
func (c *Content) MarshalFields() (json.RawMessage, error) { return json.Marshal(c) }
