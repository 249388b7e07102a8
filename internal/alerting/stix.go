package alerting

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/alert"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
)

// STIX 2.1 export of a published alert: a report (report_types
// ["threat-report"]) whose object_refs are a course-of-action per
// recommended action, an indicator per attached indicator and a
// vulnerability per CVE, created by the issuing organisation's identity,
// every object marked with the alert's TLP 2.0 marking definition. Ids are
// deterministic (UUIDv5 layout over the alert id and the object's key), so
// exporting twice yields the same ids; the objects' modified time is the
// last publication's.

// Export returns the STIX 2.1 bundle of a published (or withdrawn) alert
// as p may see it.
func (s *Service) Export(ctx context.Context, p *auth.Principal, id string) (json.RawMessage, error) {
	a, _, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Published == nil {
		return nil, apperr.Conflict("state", "only a published alert is exported")
	}
	issuer, err := s.DB.GetOrg(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	return Bundle(a, issuer)
}

func stixID(typ, alertID, key string) string {
	h := sha1.Sum([]byte(alertID + "\x00" + typ + "\x00" + key))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s--%x-%x-%x-%x-%x", typ, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func stixTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

func both(t alert.Text) string {
	if t.EN == "" || t.EN == t.JA {
		return t.JA
	}
	return t.JA + "\n\n" + t.EN
}

func shortName(s string) string {
	s = strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	if utf8.RuneCountInString(s) > 120 {
		r := []rune(s)
		s = string(r[:120]) + "…"
	}
	return s
}

// Bundle renders a published alert (its published content) as a STIX 2.1
// bundle.
func Bundle(a *alert.Alert, issuer *org.Organisation) (json.RawMessage, error) {
	if a.Published == nil {
		return nil, apperr.Conflict("state", "only a published alert is exported")
	}
	c := a.Published
	def, ok := c.TLP.StixDefinition()
	if !ok {
		return nil, apperr.Invalid("tlp", "the alert has no valid TLP")
	}
	created := a.CreatedAt
	if a.PublishedAt != nil {
		created = *a.PublishedAt
	}
	modified := created
	if n := len(a.Publications); n > 0 && a.Publications[n-1].At.After(modified) {
		modified = a.Publications[n-1].At
	}
	if a.Withdrawal != nil && a.Withdrawal.At.After(modified) {
		modified = a.Withdrawal.At
	}
	cr, mo := stixTime(created), stixTime(modified)
	marks := []string{def.ID}
	identity := stixID("identity", a.OrgID, "identity")
	base := func(typ, key string) map[string]any {
		return map[string]any{"type": typ, "spec_version": "2.1", "id": stixID(typ, a.ID, key), "created": cr, "modified": mo,
			"created_by_ref": identity, "object_marking_refs": marks}
	}
	objects := []any{def}
	name := issuer.Name.EN
	if name == "" {
		name = issuer.Name.JA
	}
	objects = append(objects, map[string]any{"type": "identity", "spec_version": "2.1", "id": identity, "created": cr, "modified": cr,
		"name": name, "identity_class": "organization", "sectors": []string{"government-national"}, "object_marking_refs": marks})
	var refs []string
	for i, act := range c.Actions {
		o := base("course-of-action", fmt.Sprintf("action:%d:%s", i, act.JA))
		o["name"] = shortName(act.In("en"))
		o["description"] = both(act)
		objects = append(objects, o)
		refs = append(refs, o["id"].(string))
	}
	for _, in := range c.Indicators {
		o := base("indicator", "indicator:"+in.Pattern)
		o["pattern"], o["pattern_type"], o["valid_from"] = in.Pattern, "stix", cr
		o["indicator_types"] = []string{"malicious-activity"}
		if in.Value != "" {
			o["name"] = in.Value
		} else {
			o["name"] = shortName(in.Pattern)
		}
		if in.Note != "" {
			o["description"] = in.Note
		}
		if a.State == alert.Withdrawn {
			o["revoked"] = true
		}
		objects = append(objects, o)
		refs = append(refs, o["id"].(string))
	}
	for _, cve := range c.AllCVEs() {
		o := base("vulnerability", "cve:"+cve)
		o["name"] = cve
		o["external_references"] = []map[string]string{{"source_name": "cve", "external_id": cve}}
		objects = append(objects, o)
		refs = append(refs, o["id"].(string))
	}
	if len(refs) == 0 {
		refs = append(refs, identity)
	}
	rep := base("report", "report")
	rep["name"] = a.Ref + " " + c.Title.JA
	rep["description"] = both(c.Summary)
	rep["published"] = cr
	rep["report_types"] = []string{"threat-report"}
	rep["object_refs"] = refs
	rep["lang"] = "ja"
	rep["labels"] = []string{"severity:" + string(c.Severity)}
	rep["external_references"] = []map[string]string{{"source_name": "sakimori-alert", "external_id": a.Ref}}
	if c.Title.EN != "" {
		rep["description"] = both(c.Summary) + "\n\n(" + c.Title.EN + ")"
	}
	if a.State == alert.Withdrawn {
		rep["revoked"] = true
	}
	objects = append(objects, rep)
	b, err := json.Marshal(map[string]any{"type": "bundle", "id": stixID("bundle", a.ID, mo), "objects": objects})
	if err != nil {
		return nil, err
	}
	return b, nil
}
