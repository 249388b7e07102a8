// Package reportexport turns an incident report into documents: sanitised,
// shareable STIX derived from a report behind a preview of what was
// removed (Derive), the full STIX export of a report for those entitled to
// it (ExportSTIX), and a printable HTML document per regime's stage
// (RenderPrint).
package reportexport

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/incident"
	"sakimori/internal/report"
	"sakimori/internal/sanitize"
)

// DeriveOptions are the reporter's choices for a sanitised derivation.
type DeriveOptions struct {
	// TLP is the label the objects are released under: clear, green,
	// amber, amber+strict or red (required).
	TLP string
	// Include lists unconfirmed fields (report JSON names) the reporter
	// chose to share anyway.
	Include []string
	// Sector is the reporter's sector, for the anonymised incident name.
	Sector string
	// MaskNames are organisation names masked in text (the reporter,
	// partners, customers).
	MaskNames []string
	// InternalDomains are the reporter's internal DNS domains: names below
	// them are masked in text and never published as indicators.
	InternalDomains []string
	// Now is the objects' created and modified time.
	Now time.Time
}

// Removed is one thing left out of, or masked in, a derivation: what the
// reporter reviews before release.
type Removed struct {
	Field       string `json:"field"`       // report JSON path, e.g. "summary", "iocs[2]"
	Kind        string `json:"kind"`        // a sanitize.Kind, or not_shared / invalid
	Original    string `json:"original"`    // the value removed
	Replacement string `json:"replacement"` // its placeholder, "" when dropped
	Reason      string `json:"reason"`
}

// Derived is a sanitised derivation: the STIX objects to release, what was
// removed, and the token that releases exactly these objects under the
// chosen TLP (TokenOf).
type Derived struct {
	Objects []json.RawMessage `json:"objects"`
	Removed []Removed         `json:"removed"`
	Token   string            `json:"token"`
}

// Removal kinds and reasons beyond the sanitiser's.
const (
	KindNotShared = "not_shared"
	KindInvalid   = "invalid"

	ReasonUnconfirmed = "unconfirmed"
	ReasonNotShared   = "never shared in a sanitised derivation"
	ReasonPrivateAddr = "private, loopback or link-local address"
	ReasonInternal    = "internal domain"
	ReasonConfig      = "detailed vulnerable configuration"
)

// neverShared are the fields a derivation never publishes, and why.
var neverShared = []struct{ field, why string }{
	{"computers", "the reporter's own systems"},
	{"other_systems", "the reporter's own systems"},
	{"impact", "damage, user numbers and customer data"},
	{"logs", "internal log retention"},
	{"partners", "partner names"},
	{"partner_impact", "partner names and damage"},
	{"ransom", "ransom details"},
	{"ddos", "damage figures"},
	{"at_supplier", "partner names"},
	{"others_notified", "references of other authorities"},
	{"recovery_estimate", "internal planning"},
	{"root_cause", "detailed vulnerable configuration"},
	{"contacts", "personal data"},
}

// Derive derives shareable STIX from a report: indicators from its IOCs
// (never private addresses or internal domains), an attack pattern per
// ATT&CK technique, a vulnerability per exploited CVE (without product or
// version), one anonymised incident and the relationships between them.
// Every object carries the TLP marking and no creator. Fields that are
// withheld or not yet known are skipped; unconfirmed ones are removed
// unless opt.Include names them. Everything removed or masked is listed in
// Removed. Deriving twice with the same input gives identical output.
func Derive(in *incident.Incident, opt DeriveOptions) (*Derived, error) {
	if in == nil {
		return nil, apperr.Invalid("incident", "is required")
	}
	markingID, _, err := tlpMarking(opt.TLP)
	if err != nil {
		return nil, err
	}
	tlp := strings.ToLower(strings.TrimSpace(opt.TLP))
	for i, f := range opt.Include {
		if !slices.Contains(report.FieldNames(), f) {
			return nil, apperr.Invalid("include["+strconv.Itoa(i)+"]", "%q is not a report field", f)
		}
	}
	if opt.Now.IsZero() {
		return nil, apperr.Invalid("now", "is required")
	}
	c := in.Content
	c.Normalize()
	d := &derivation{in: in, opt: opt, c: &c, marking: markingID, now: stixTime(opt.Now)}
	unconfirmed := c.Unconfirmed()
	d.ok = func(name string) bool {
		return !slices.Contains(unconfirmed, name) || slices.Contains(opt.Include, name)
	}

	// Fields that are never shared, when they hold something.
	if in.Title != "" {
		d.remove("title", KindNotShared, in.Title, "", ReasonNotShared+": the title names the organisation and its systems")
	}
	for _, n := range neverShared {
		if v, ok := d.value(n.field); ok {
			d.remove(n.field, KindNotShared, v, "", ReasonNotShared+": "+n.why)
		}
	}

	// The unconfirmed fields a derivation would use, unless included.
	use := func(name string) bool {
		if !c.Given(name) || fieldMeta(&c, name).State != report.StateKnown {
			return false
		}
		if !d.ok(name) {
			v, _ := d.value(name)
			d.remove(name, string(sanitize.KindUnconfirmed), v, "", ReasonUnconfirmed)
			return false
		}
		return true
	}
	useClass, useTechniques, useIOCs, useVulns := use("class"), use("attack_techniques"), use("iocs"), use("exploited_vulnerabilities")
	useText := map[string]bool{}
	for _, n := range []string{"summary", "technique", "intrusion_path"} {
		useText[n] = use(n)
	}
	for _, n := range []string{"aware", "detected"} {
		if !(n == "detected" && c.Aware.Value != nil && d.ok("aware")) {
			use(n)
		}
	}

	validFrom := stixTime(validFrom(&c, func(n string) bool { return fieldMeta(&c, n).State == report.StateKnown && d.ok(n) }, opt.Now))
	var published []string // IOC values kept in text

	var indicators, patterns, vulns []string
	if useIOCs {
		seen := map[string]bool{}
		for i, ioc := range c.IOCs.Value {
			path := "iocs[" + strconv.Itoa(i) + "]"
			host := iocHost(ioc)
			switch {
			case privateAddr(host):
				d.remove(path, string(sanitize.KindPrivateIP), ioc.Value, "", ReasonPrivateAddr)
				continue
			case underDomain(host, opt.InternalDomains):
				d.remove(path, string(sanitize.KindInternalHost), ioc.Value, "", ReasonInternal)
				continue
			}
			p, err := iocPattern(ioc)
			if err != nil {
				d.remove(path, KindInvalid, ioc.Value, "", err.Error())
				continue
			}
			if seen[p] {
				continue
			}
			seen[p] = true
			published = append(published, strings.TrimSpace(ioc.Value))
			id := stixID("indicator", in.ID, "indicator", p)
			indicators = append(indicators, id)
			d.add(map[string]any{
				"type": "indicator", "id": id, "name": ioc.Type + " " + strings.TrimSpace(ioc.Value),
				"indicator_types": []string{"malicious-activity"}, "pattern": p, "pattern_type": "stix",
				"pattern_version": "2.1", "valid_from": validFrom,
			})
		}
	}
	if useTechniques {
		for _, t := range uniq(c.Techniques.Value) {
			id := stixID("attack-pattern", in.ID, "attack-pattern", t)
			patterns = append(patterns, id)
			d.add(attackPattern(id, t))
		}
	}
	if useVulns {
		var cves []string
		for i, v := range c.Vulns.Value {
			p := "exploited_vulnerabilities[" + strconv.Itoa(i) + "]"
			if v.Product != "" {
				d.remove(p+".product", string(sanitize.KindConfig), v.Product, "", ReasonConfig)
			}
			if v.Version != "" {
				d.remove(p+".version", string(sanitize.KindConfig), v.Version, "", ReasonConfig)
			}
			if v.CVE != "" {
				cves = append(cves, v.CVE)
			}
		}
		for _, cve := range uniq(cves) {
			id := stixID("vulnerability", in.ID, "vulnerability", cve)
			vulns = append(vulns, id)
			d.add(vulnerability(id, cve))
		}
	}

	// The anonymised incident.
	name := "Cyber incident"
	if useClass {
		if l, ok := classLabels[c.Class.Value]; ok {
			name = l.EN
		}
	}
	name += " at " + operator(opt.Sector)
	var fs []sanitize.Field
	for _, n := range []struct{ name, v string }{{"summary", c.Summary.Value}, {"technique", c.Technique.Value}, {"intrusion_path", c.IntrusionPath.Value}} {
		if useText[n.name] && strings.TrimSpace(n.v) != "" {
			fs = append(fs, sanitize.Field{Path: n.name, Value: strings.TrimSpace(n.v)})
		}
	}
	sopt := sanitize.Options{MaskNames: opt.MaskNames, InternalDomains: opt.InternalDomains, Keep: published}
	out, removals := sanitize.Fields(fs, sopt)
	for _, r := range removals {
		for _, f := range r.Findings {
			d.remove(r.Path, string(f.Kind), f.Original, f.Replacement, r.Reason)
		}
	}
	var parts []string
	for _, f := range out {
		parts = append(parts, d.maskConfig(f.Path, f.Value))
	}
	incidentID := stixID("incident", in.ID, "incident", "")
	obj := map[string]any{"type": "incident", "id": incidentID, "name": name}
	if len(parts) > 0 {
		obj["description"] = strings.Join(parts, "\n\n")
	}
	d.objects = append([]json.RawMessage{d.object(obj)}, d.objects...)

	for _, group := range [][]string{indicators, patterns, vulns} {
		for _, t := range group {
			d.add(relationship(in.ID, incidentID, "related-to", t))
		}
	}
	for _, ind := range indicators {
		for _, ap := range patterns {
			d.add(relationship(in.ID, ind, "indicates", ap))
		}
	}
	if d.removed == nil {
		d.removed = []Removed{}
	}
	return &Derived{Objects: d.objects, Removed: d.removed, Token: TokenOf(d.objects, tlp)}, nil
}

// derivation carries one Derive call.
type derivation struct {
	in      *incident.Incident
	opt     DeriveOptions
	c       *report.Content
	marking string
	now     string
	ok      func(string) bool
	objects []json.RawMessage
	removed []Removed
	configN int
	config  map[string]string
}

func (d *derivation) remove(field, kind, original, replacement, reason string) {
	d.removed = append(d.removed, Removed{Field: field, Kind: kind, Original: original, Replacement: replacement, Reason: reason})
}

// object completes an object's common properties and renders it.
func (d *derivation) object(m map[string]any) json.RawMessage {
	m["spec_version"] = "2.1"
	m["created"] = d.now
	m["modified"] = d.now
	m["object_marking_refs"] = []string{d.marking}
	return marshal(m)
}

func (d *derivation) add(m map[string]any) { d.objects = append(d.objects, d.object(m)) }

// maskConfig masks the exploited products' versions ("FortiOS 7.2.4",
// "7.2.4") in a text: they are a detailed vulnerable configuration.
func (d *derivation) maskConfig(path, s string) string {
	for _, v := range d.c.Vulns.Value {
		if v.Version == "" {
			continue
		}
		for _, orig := range []string{strings.TrimSpace(v.Product + " " + v.Version), v.Version} {
			if orig == "" || !strings.Contains(s, orig) {
				continue
			}
			if d.config == nil {
				d.config = map[string]string{}
			}
			rep, ok := d.config[orig]
			if !ok {
				d.configN++
				rep = sanitize.DefaultPlaceholder(sanitize.KindConfig, d.configN)
				d.config[orig] = rep
			}
			s = strings.ReplaceAll(s, orig, rep)
			d.remove(path, string(sanitize.KindConfig), orig, rep, ReasonConfig)
		}
	}
	return s
}

// value renders a given field's value for the preview; false when the
// field holds nothing.
func (d *derivation) value(name string) (string, bool) {
	c := d.c
	if fieldMeta(c, name).State != report.StateKnown || !c.Given(name) {
		return "", false
	}
	var v any
	switch name {
	case "class":
		v = c.Class.Value
	case "summary":
		return c.Summary.Value, c.Summary.Value != ""
	case "technique":
		return c.Technique.Value, c.Technique.Value != ""
	case "intrusion_path":
		return c.IntrusionPath.Value, c.IntrusionPath.Value != ""
	case "occurred":
		v = c.Occurred.Value
	case "detected":
		v = c.Detected.Value
	case "aware":
		v = c.Aware.Value
	default:
		raw, err := json.Marshal(c)
		if err != nil {
			return "", false
		}
		var all map[string]json.RawMessage
		var f struct {
			Value json.RawMessage `json:"value"`
		}
		if json.Unmarshal(raw, &all) != nil || json.Unmarshal(all[name], &f) != nil {
			return "", false
		}
		s := string(f.Value)
		if uq, err := strconv.Unquote(s); err == nil {
			s = uq
		}
		return s, s != "" && s != "null"
	}
	switch t := v.(type) {
	case *time.Time:
		if t == nil {
			return "", false
		}
		return stixTime(*t), true
	case report.EventClass:
		return string(t), t != ""
	}
	return fmt.Sprint(v), true
}

// fieldMeta returns the Meta of a field by JSON name.
func fieldMeta(c *report.Content, name string) report.Meta {
	switch name {
	case "class":
		return c.Class.Meta
	case "summary":
		return c.Summary.Meta
	case "occurred":
		return c.Occurred.Meta
	case "detected":
		return c.Detected.Meta
	case "aware":
		return c.Aware.Meta
	case "computers":
		return c.Computers.Meta
	case "other_systems":
		return c.OtherSystems.Meta
	case "impact":
		return c.Impact.Meta
	case "technique":
		return c.Technique.Meta
	case "attack_techniques":
		return c.Techniques.Meta
	case "intrusion_path":
		return c.IntrusionPath.Meta
	case "iocs":
		return c.IOCs.Meta
	case "logs":
		return c.Logs.Meta
	case "partners":
		return c.Partners.Meta
	case "partner_impact":
		return c.PartnerImpact.Meta
	case "ransom":
		return c.Ransom.Meta
	case "ddos":
		return c.DDoS.Meta
	case "overseas":
		return c.Overseas.Meta
	case "at_supplier":
		return c.AtSupplier.Meta
	case "cross_border":
		return c.CrossBorder.Meta
	case "exploited_vulnerabilities":
		return c.Vulns.Meta
	case "others_notified":
		return c.OthersNotified.Meta
	case "containment":
		return c.Containment.Meta
	case "recovery":
		return c.Recovery.Meta
	case "recovery_estimate":
		return c.RecoveryEstimate.Meta
	case "root_cause":
		return c.RootCause.Meta
	case "contacts":
		return c.Contacts.Meta
	}
	return report.Meta{}
}

// operator is the anonymised reporter: "an electricity-sector operator".
func operator(sector string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(sector)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '_' || r == '-' || r == ' ':
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "an operator"
	}
	s += "-sector operator"
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func uniq(xs []string) []string {
	var out []string
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func attackPattern(id, technique string) map[string]any {
	return map[string]any{
		"type": "attack-pattern", "id": id, "name": technique,
		"external_references": []map[string]string{{"source_name": "mitre-attack", "external_id": technique, "url": attackURL(technique)}},
	}
}

func vulnerability(id, cve string) map[string]any {
	return map[string]any{
		"type": "vulnerability", "id": id, "name": cve,
		"external_references": []map[string]string{{"source_name": "cve", "external_id": cve, "url": cveURL(cve)}},
	}
}

func relationship(incidentID, src, typ, dst string) map[string]any {
	return map[string]any{
		"type": "relationship", "id": stixID("relationship", incidentID, "relationship", src+" "+typ+" "+dst),
		"relationship_type": typ, "source_ref": src, "target_ref": dst,
	}
}
