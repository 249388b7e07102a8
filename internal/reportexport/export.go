package reportexport

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/report"
)

// ExportSTIX renders the full report as a STIX 2.1 bundle for those
// entitled to it (it is not sanitised): the TLP marking definition, the
// reporting organisation's identity, the incident (name = title,
// description = summary, and the custom properties x_sakimori_report = the
// whole content, x_sakimori_reference = the organisation's reference,
// x_sakimori_state; STIX reserves names ending in _ref for identifiers), an indicator per IOC, an
// attack pattern per ATT&CK technique, a vulnerability per exploited CVE,
// and the relationships between them. Every object but the marking
// definition carries the TLP marking; every object but the identity and
// the marking definition is created by the identity. Ids are
// deterministic; the output is indented JSON.
func ExportSTIX(in *incident.Incident, reporter *org.Organisation, content report.Content, tlp string, now time.Time) ([]byte, error) {
	if in == nil {
		return nil, apperr.Invalid("incident", "is required")
	}
	if reporter == nil {
		return nil, apperr.Invalid("reporter", "is required")
	}
	markingID, label, err := tlpMarking(tlp)
	if err != nil {
		return nil, err
	}
	def, _ := label.StixDefinition()
	ts := stixTime(now)
	common := func(m map[string]any, by string) json.RawMessage {
		m["spec_version"] = "2.1"
		m["created"] = ts
		m["modified"] = ts
		m["object_marking_refs"] = []string{markingID}
		if by != "" {
			m["created_by_ref"] = by
		}
		return marshal(m)
	}
	objects := []json.RawMessage{marshal(def)}

	identityID := stixID("identity", reporter.ID, "identity", "")
	ident := map[string]any{"type": "identity", "id": identityID, "name": reporter.Name.In("en"), "identity_class": "organization"}
	if s, ok := stixSectors[reporter.Sector]; ok {
		ident["sectors"] = []string{s}
	}
	if ci := contactInfo(reporter.Contact); ci != "" {
		ident["contact_information"] = ci
	}
	if reporter.Name.JA != "" && reporter.Name.JA != ident["name"] {
		ident["x_sakimori_name_ja"] = reporter.Name.JA
	}
	objects = append(objects, common(ident, ""))

	body, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	body, err = prune(body)
	if err != nil {
		return nil, err
	}
	ns := in.ID
	incidentID := stixID("incident", ns, "export/incident", "")
	name := strings.TrimSpace(in.Title)
	if name == "" {
		name = in.Ref
	}
	inc := map[string]any{"type": "incident", "id": incidentID, "name": name,
		"x_sakimori_report": json.RawMessage(body), "x_sakimori_reference": in.Ref, "x_sakimori_state": string(in.State)}
	if s := strings.TrimSpace(content.Summary.Value); s != "" {
		inc["description"] = s
	}
	objects = append(objects, common(inc, identityID))

	validFrom := stixTime(validFrom(&content, func(string) bool { return true }, now))
	var related, indicators, patterns []string
	seen := map[string]bool{}
	for _, ioc := range content.IOCs.Value {
		p, err := iocPattern(ioc)
		if err != nil || seen[p] {
			continue
		}
		seen[p] = true
		id := stixID("indicator", ns, "export/indicator", p)
		indicators = append(indicators, id)
		m := map[string]any{"type": "indicator", "id": id, "name": ioc.Type + " " + strings.TrimSpace(ioc.Value),
			"indicator_types": []string{"malicious-activity"}, "pattern": p, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": validFrom}
		if ioc.Comment != "" {
			m["description"] = ioc.Comment
		}
		objects = append(objects, common(m, identityID))
	}
	for _, t := range uniq(content.Techniques.Value) {
		id := stixID("attack-pattern", ns, "export/attack-pattern", t)
		patterns = append(patterns, id)
		objects = append(objects, common(attackPattern(id, t), identityID))
	}
	var vulns []string
	for i, v := range content.Vulns.Value {
		if v.CVE == "" {
			continue
		}
		id := stixID("vulnerability", ns, "export/vulnerability", v.CVE+"\x00"+strconv.Itoa(i))
		m := vulnerability(id, v.CVE)
		if d := strings.TrimSpace(v.Product + " " + v.Version); d != "" {
			m["description"] = "Exploited in " + d
		}
		vulns = append(vulns, id)
		objects = append(objects, common(m, identityID))
	}
	related = append(append(append(related, indicators...), patterns...), vulns...)
	for _, t := range related {
		r := relationship(ns, incidentID, "related-to", t)
		r["id"] = stixID("relationship", ns, "export/relationship", incidentID+" related-to "+t)
		objects = append(objects, common(r, identityID))
	}
	for _, ind := range indicators {
		for _, ap := range patterns {
			r := relationship(ns, ind, "indicates", ap)
			r["id"] = stixID("relationship", ns, "export/relationship", ind+" indicates "+ap)
			objects = append(objects, common(r, identityID))
		}
	}
	bundle := struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}{"bundle", stixID("bundle", ns, "export/bundle", strconv.Itoa(in.Version)+" "+ts), objects}
	return json.MarshalIndent(bundle, "", "  ")
}

func contactInfo(c org.Contact) string {
	var parts []string
	for _, s := range []string{c.Name, c.Phone, c.Email, c.Hours} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// prune drops nulls, empty lists and empty objects from JSON, which STIX
// forbids anywhere in an object (a not-yet-known field keeps its state).
func prune(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v, _ = pruneValue(v)
	return json.Marshal(v)
}

func pruneValue(v any) (any, bool) {
	switch t := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		for k, x := range t {
			if y, keep := pruneValue(x); keep {
				t[k] = y
			} else {
				delete(t, k)
			}
		}
		return t, len(t) > 0
	case []any:
		out := t[:0]
		for _, x := range t {
			if y, keep := pruneValue(x); keep {
				out = append(out, y)
			}
		}
		return out, len(out) > 0
	}
	return v, true
}
