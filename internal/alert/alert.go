// Package alert holds the domain types of alerts (注意喚起, issue #7):
// what government analysts publish to the organisations at risk, and each
// recipient's acknowledgement.
//
// An alert has a working content (what the analysts edit) and, once
// published, the published content (what recipients see). A published alert
// is updated by editing its working content and publishing again: a new
// publication with the list of what changed. Storage is in package store;
// the service (authorisation, targeting, events, STIX export) is package
// alerting.
package alert

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/ioclist"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/stix/pattern"
)

// State is where an alert is in its lifecycle.
type State string

const (
	Draft     State = "draft"     // being written; only the government sees it
	InReview  State = "in_review" // submitted; another analyst approves or sends it back
	Published State = "published" // addressed to its recipients
	Withdrawn State = "withdrawn" // withdrawn with a reason; recipients still see it, marked
)

// States lists every state.
var States = []State{Draft, InReview, Published, Withdrawn}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Severity is how serious the alert is.
type Severity string

const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, least serious first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Text is a text in Japanese (required where the alert needs it) and
// English (optional, warned about when missing).
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang ("en" or "ja"), falling back to Japanese.
func (t Text) In(lang string) string {
	if lang == "en" && strings.TrimSpace(t.EN) != "" {
		return t.EN
	}
	return t.JA
}

// Product is one affected product: a CPE name and/or vendor and product,
// with the affected versions (none: every version).
type Product struct {
	CPE      string   `json:"cpe,omitempty"`
	Vendor   string   `json:"vendor,omitempty"`
	Product  string   `json:"product,omitempty"`
	Versions []string `json:"versions,omitempty"`
	// CVEs are the vulnerabilities of this product the alert is about.
	CVEs []string `json:"cves,omitempty"`
}

// Key is the product's "vendor:product", lower case, from the CPE name when
// it has one.
func (p Product) Key() (vendor, product string) {
	v, pr := p.Vendor, p.Product
	if p.CPE != "" {
		if n, err := cpe.Parse(p.CPE); err == nil {
			if v == "" && n.Vendor != "*" && n.Vendor != "-" {
				v = cpe.Unquote(n.Vendor)
			}
			if pr == "" && n.Product != "*" && n.Product != "-" {
				pr = cpe.Unquote(n.Product)
			}
		}
	}
	return strings.ToLower(strings.TrimSpace(v)), strings.ToLower(strings.TrimSpace(pr))
}

// Indicator is an indicator attached to the alert: a STIX pattern, or a
// value (IP address, domain, URL, e-mail address, hash) that Normalize turns
// into its normalised form and pattern as intel does.
type Indicator struct {
	Pattern string `json:"pattern"`
	Kind    string `json:"kind,omitempty"`  // atom kind of a single value (ipv4, domain, sha256, ...)
	Value   string `json:"value,omitempty"` // the normalised value
	// SourceID is the STIX id of the shared object (or the cluster's
	// evidence) the indicator was taken from.
	SourceID string `json:"source_id,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Targeting says who receives the alert; the recipients are resolved when
// it is published (and again on each update, only ever adding).
type Targeting struct {
	Everyone bool         `json:"everyone,omitempty"`
	Sectors  []org.Sector `json:"sectors,omitempty"`
	// Exposed: organisations whose registered critical computers are
	// affected (exposures of the CVEs, computers of the products).
	Exposed bool `json:"exposed,omitempty"`
	// Sighted: organisations that sighted the attached indicators.
	Sighted bool `json:"sighted,omitempty"`
	// SupplyChain: the supply-chain partners (org_links, both directions)
	// of the exposed and sighting organisations.
	SupplyChain bool `json:"supply_chain,omitempty"`
	// Orgs are organisations addressed explicitly (ids).
	Orgs []string `json:"orgs,omitempty"`
}

// Empty reports whether the targeting addresses nobody.
func (t Targeting) Empty() bool {
	return !t.Everyone && len(t.Sectors) == 0 && !t.Exposed && !t.Sighted && len(t.Orgs) == 0
}

// Content is what analysts write and recipients read.
type Content struct {
	Severity   Severity    `json:"severity"`
	TLP        marking.TLP `json:"tlp,omitempty"` // always set once stored
	Title      Text        `json:"title"`
	Summary    Text        `json:"summary"`
	Actions    []Text      `json:"recommended_actions"` // each a STIX course-of-action
	Products   []Product   `json:"products"`
	CVEs       []string    `json:"cves"`
	Indicators []Indicator `json:"indicators"`
	Incidents  []string    `json:"incidents,omitempty"` // linked incident ids (government only)
	Targeting  Targeting   `json:"targeting"`
	// DueAt is when acknowledgements are due (optional).
	DueAt *time.Time `json:"due_at,omitempty"`
}

// Review is one review decision.
type Review struct {
	By      string    `json:"by"` // user id
	ByName  string    `json:"by_name"`
	At      time.Time `json:"at"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment,omitempty"`
}

// Publication is one publication (the first, then each update).
type Publication struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	Changes    []string  `json:"changes,omitempty"` // the fields that changed since the previous publication
	Recipients int       `json:"recipients"`        // recipients after it
	Added      int       `json:"added"`             // recipients it added
}

// Withdrawal records why a published alert was withdrawn.
type Withdrawal struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// Alert is one alert.
type Alert struct {
	ID        string `json:"id"`
	Ref       string `json:"ref"`    // ALR-2026-0001
	OrgID     string `json:"org_id"` // the issuing government organisation
	ClusterID string `json:"cluster_id,omitempty"`
	State     State  `json:"state"`
	Content
	// Published is the content recipients see (as of the last
	// publication); nil before the first.
	Published    *Content      `json:"published,omitempty"`
	Publications []Publication `json:"publications,omitempty"`
	Reviews      []Review      `json:"reviews,omitempty"`
	// Approved: the current submission was approved (in_review only).
	Approved    bool        `json:"approved,omitempty"`
	SubmittedBy string      `json:"submitted_by,omitempty"` // user id of who submitted it for review
	Withdrawal  *Withdrawal `json:"withdrawal,omitempty"`
	Rev         int         `json:"rev"`
	CreatedBy   string      `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	PublishedAt *time.Time  `json:"published_at,omitempty"`
}

// RecipientState is a recipient's answer.
type RecipientState string

const (
	Pending      RecipientState = "pending"
	Acknowledged RecipientState = "acknowledged"
	Actioned     RecipientState = "actioned"
	NotAffected  RecipientState = "not_affected"
)

// AckStates are the answers a recipient may give.
var AckStates = []RecipientState{Acknowledged, Actioned, NotAffected}

// ParseAckState parses an answer.
func ParseAckState(s string) (RecipientState, error) {
	st := RecipientState(strings.TrimSpace(s))
	if !slices.Contains(AckStates, st) {
		return "", apperr.Invalid("state", "use acknowledged, actioned or not_affected")
	}
	return st, nil
}

// Recipient is one recipient organisation of a published alert.
type Recipient struct {
	AlertID string         `json:"alert_id"`
	OrgID   string         `json:"org_id"`
	OrgName org.Names      `json:"org_name"` // filled on reads
	Sector  string         `json:"sector"`
	Reasons []string       `json:"reasons"` // everyone | sector:<s> | exposed:<computer id> | sighted:<stix id> | supply_chain:<org id> | org
	State   RecipientState `json:"state"`
	Actions string         `json:"actions,omitempty"`
	AckedAt *time.Time     `json:"acked_at,omitempty"`
	AckedBy string         `json:"acked_by,omitempty"`
	AddedAt *time.Time     `json:"added_at,omitempty"`
	AddedIn int            `json:"added_in"` // the publication that added it
}

// ReasonKind is the part of a reason before the colon.
func ReasonKind(r string) string {
	if i := strings.IndexByte(r, ':'); i >= 0 {
		return r[:i]
	}
	return r
}

// Warning is a non-fatal problem (a missing English text).
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

var (
	refRE = regexp.MustCompile(`^ALR-[0-9]{4}-[0-9]{4,}$`)
	cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
)

// Limits on what one alert holds.
const (
	MaxText       = 20000
	MaxTitle      = 300
	MaxItems      = 500 // indicators, products, CVEs, actions, organisations
	MaxActionText = 4000
)

// ValidRef reports whether s looks like an alert ref.
func ValidRef(s string) bool { return refRE.MatchString(s) }

// NormalizeCVE upper-cases and checks a CVE id.
func NormalizeCVE(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	return s, cveRE.MatchString(s)
}

// Normalize trims texts, upper-cases CVEs, drops duplicates and turns
// indicator values into their normalised form and STIX pattern. It returns
// the first problem as an invalid-input error naming the field.
func (c *Content) Normalize() error {
	trim := func(t *Text) { t.JA, t.EN = strings.TrimSpace(t.JA), strings.TrimSpace(t.EN) }
	trim(&c.Title)
	trim(&c.Summary)
	acts := c.Actions[:0]
	for _, a := range c.Actions {
		trim(&a)
		if a.JA != "" || a.EN != "" {
			acts = append(acts, a)
		}
	}
	c.Actions = acts
	var cves []string
	for i, s := range c.CVEs {
		if strings.TrimSpace(s) == "" {
			continue
		}
		v, ok := NormalizeCVE(s)
		if !ok {
			return apperr.Invalid(fmt.Sprintf("cves[%d]", i), "%q is not a CVE id (CVE-YYYY-NNNN)", clip(s))
		}
		if !slices.Contains(cves, v) {
			cves = append(cves, v)
		}
	}
	c.CVEs = cves
	for i := range c.Products {
		p := &c.Products[i]
		p.CPE, p.Vendor, p.Product = strings.TrimSpace(p.CPE), strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Product)
		var vs []string
		for _, v := range p.Versions {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(vs, v) {
				vs = append(vs, v)
			}
		}
		p.Versions = vs
		var pc []string
		for j, s := range p.CVEs {
			v, ok := NormalizeCVE(s)
			if !ok {
				return apperr.Invalid(fmt.Sprintf("products[%d].cves[%d]", i, j), "%q is not a CVE id", clip(s))
			}
			if !slices.Contains(pc, v) {
				pc = append(pc, v)
			}
		}
		p.CVEs = pc
	}
	var inds []Indicator
	seen := map[string]bool{}
	for i, in := range c.Indicators {
		n, err := NormalizeIndicator(in)
		if err != nil {
			return apperr.Prefix(err, fmt.Sprintf("indicators[%d]", i))
		}
		if seen[n.Pattern] {
			continue
		}
		seen[n.Pattern] = true
		inds = append(inds, n)
	}
	c.Indicators = inds
	var orgs []string
	for _, o := range c.Targeting.Orgs {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(orgs, o) {
			orgs = append(orgs, o)
		}
	}
	c.Targeting.Orgs = orgs
	var secs []org.Sector
	for _, s := range c.Targeting.Sectors {
		if s = org.Sector(strings.TrimSpace(string(s))); s != "" && !slices.Contains(secs, s) {
			secs = append(secs, s)
		}
	}
	c.Targeting.Sectors = secs
	return nil
}

// NormalizeIndicator fills an indicator's pattern from its value (refanged
// and normalised like intel's IOC lists), or checks its pattern and, when
// the pattern compares a single value, fills kind and value.
func NormalizeIndicator(in Indicator) (Indicator, error) {
	in.Pattern, in.Value, in.Note, in.SourceID = strings.TrimSpace(in.Pattern), strings.TrimSpace(in.Value), strings.TrimSpace(in.Note), strings.TrimSpace(in.SourceID)
	if in.Pattern == "" {
		if in.Value == "" {
			return in, apperr.Invalid("value", "give a value or a STIX pattern")
		}
		k, v, err := ioclist.Classify(in.Value)
		if err != nil {
			return in, apperr.Invalid("value", "%q: %v", clip(in.Value), err)
		}
		e := ioclist.Entry{Kind: k, Value: v}
		in.Pattern = e.Pattern()
		if in.Pattern == "" {
			return in, apperr.Invalid("value", "%q cannot be an indicator", clip(in.Value))
		}
	}
	if len(in.Pattern) > 4000 {
		return in, apperr.Invalid("pattern", "longer than 4000 bytes")
	}
	p, err := pattern.Parse(in.Pattern)
	if err != nil {
		return in, apperr.Invalid("pattern", "not a STIX pattern: %v", err)
	}
	x := p.Atoms()
	in.Kind, in.Value = "", ""
	if len(x.Atoms) == 1 {
		in.Kind, in.Value = string(x.Atoms[0].Kind), x.Atoms[0].Value
	}
	return in, nil
}

// Atoms returns the kind and value of every atom of the indicator's
// pattern (for sightings via stix_atoms).
func (in Indicator) Atoms() [][2]string {
	p, err := pattern.Parse(in.Pattern)
	if err != nil {
		return nil
	}
	var out [][2]string
	for _, a := range p.Atoms().Atoms {
		out = append(out, [2]string{string(a.Kind), a.Value})
	}
	return out
}

// Validate checks content after Normalize; every error names its field.
func (c *Content) Validate() error {
	if !c.Severity.Valid() {
		return apperr.Invalid("severity", "use info, low, medium, high or critical")
	}
	if !c.TLP.Valid() {
		return apperr.Invalid("tlp", "use TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED")
	}
	if c.Title.JA == "" {
		return apperr.Invalid("title.ja", "the Japanese title is required")
	}
	for f, s := range map[string]string{"title.ja": c.Title.JA, "title.en": c.Title.EN} {
		if utf8.RuneCountInString(s) > MaxTitle {
			return apperr.Invalid(f, "longer than %d characters", MaxTitle)
		}
	}
	if c.Summary.JA == "" {
		return apperr.Invalid("summary.ja", "the Japanese summary is required")
	}
	for f, s := range map[string]string{"summary.ja": c.Summary.JA, "summary.en": c.Summary.EN} {
		if utf8.RuneCountInString(s) > MaxText {
			return apperr.Invalid(f, "longer than %d characters", MaxText)
		}
	}
	for f, n := range map[string]int{"recommended_actions": len(c.Actions), "products": len(c.Products), "cves": len(c.CVEs),
		"indicators": len(c.Indicators), "targeting.orgs": len(c.Targeting.Orgs), "incidents": len(c.Incidents)} {
		if n > MaxItems {
			return apperr.Invalid(f, "at most %d", MaxItems)
		}
	}
	for i, a := range c.Actions {
		f := "recommended_actions[" + strconv.Itoa(i) + "]"
		if a.JA == "" {
			return apperr.Invalid(f+".ja", "the Japanese text is required")
		}
		if utf8.RuneCountInString(a.JA) > MaxActionText || utf8.RuneCountInString(a.EN) > MaxActionText {
			return apperr.Invalid(f, "longer than %d characters", MaxActionText)
		}
	}
	for i, p := range c.Products {
		f := "products[" + strconv.Itoa(i) + "]"
		if p.CPE != "" {
			if _, err := cpe.Parse(p.CPE); err != nil {
				return apperr.Invalid(f+".cpe", "not a CPE name: %v", err)
			}
		} else if p.Vendor == "" || p.Product == "" {
			return apperr.Invalid(f, "give a CPE name, or a vendor and a product")
		}
	}
	for i, s := range c.Targeting.Sectors {
		if s == org.SectorNone || !s.Valid() {
			return apperr.Invalid("targeting.sectors["+strconv.Itoa(i)+"]", "unknown sector %q", clip(string(s)))
		}
	}
	return nil
}

// Warnings lists missing English texts.
func (c *Content) Warnings() []Warning {
	var w []Warning
	miss := func(f string, t Text) {
		if t.JA != "" && t.EN == "" {
			w = append(w, Warning{Field: f + ".en", Message: "no English text: English-speaking readers will see the Japanese"})
		}
	}
	miss("title", c.Title)
	miss("summary", c.Summary)
	for i, a := range c.Actions {
		miss("recommended_actions["+strconv.Itoa(i)+"]", a)
	}
	if c.Targeting.Empty() {
		w = append(w, Warning{Field: "targeting", Message: "no targeting: publishing needs at least one recipient"})
	}
	return w
}

// Changes lists the top-level fields in which b differs from a (for a
// republication: what recipients see changed).
func Changes(a, b *Content) []string {
	var out []string
	add := func(f string, diff bool) {
		if diff {
			out = append(out, f)
		}
	}
	add("severity", a.Severity != b.Severity)
	add("tlp", a.TLP != b.TLP)
	add("title", a.Title != b.Title)
	add("summary", a.Summary != b.Summary)
	add("recommended_actions", !slices.Equal(a.Actions, b.Actions))
	add("products", !slices.EqualFunc(a.Products, b.Products, func(x, y Product) bool {
		return x.CPE == y.CPE && x.Vendor == y.Vendor && x.Product == y.Product && slices.Equal(x.Versions, y.Versions) && slices.Equal(x.CVEs, y.CVEs)
	}))
	add("cves", !slices.Equal(a.CVEs, b.CVEs))
	add("indicators", !slices.Equal(a.Indicators, b.Indicators))
	add("due_at", (a.DueAt == nil) != (b.DueAt == nil) || a.DueAt != nil && !a.DueAt.Equal(*b.DueAt))
	return out
}

// AllCVEs are the alert's CVEs and those of its products.
func (c *Content) AllCVEs() []string {
	out := slices.Clone(c.CVEs)
	for _, p := range c.Products {
		for _, v := range p.CVEs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 80
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
