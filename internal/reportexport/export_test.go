package reportexport

import (
	"encoding/json"
	"strings"
	"testing"

	"sakimori/internal/stix"
	"sakimori/internal/stix/stixtest"
)

func TestExportSTIX(t *testing.T) {
	schemas := stixtest.OASIS(t)
	in := sample()
	out, err := ExportSTIX(in, reporter(), in.Content, "amber", now)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export.golden.json", append(out, '\n'))
	b, err := stix.ParseBundle(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("bundle invalid: %v", err)
	}
	if d := b.Dangling(); len(d) > 0 {
		t.Errorf("dangling references: %v", d)
	}
	var raws []json.RawMessage
	count := map[string]int{}
	var identityID string
	for _, o := range b.Objects {
		raws = append(raws, o.Raw)
		count[o.Type]++
		if o.Type == "identity" {
			identityID = o.ID
		}
	}
	checkObjects(t, schemas, raws)
	// 11 IOCs, all valid: the export is not sanitised.
	if count["indicator"] != 11 || count["attack-pattern"] != 2 || count["vulnerability"] != 1 || count["identity"] != 1 ||
		count["incident"] != 1 || count["marking-definition"] != 1 || count["relationship"] != 14+22 {
		t.Errorf("objects %v", count)
	}
	for _, o := range b.Objects {
		switch o.Type {
		case "marking-definition", "identity":
		default:
			if o.CreatedByRef != identityID {
				t.Errorf("%s created_by_ref %q", o.ID, o.CreatedByRef)
			}
		}
		if o.Type == "incident" {
			v, _ := o.Property("name")
			ref, _ := o.Property("x_sakimori_reference")
			st, _ := o.Property("x_sakimori_state")
			rep, _ := o.Property("x_sakimori_report")
			m, _ := rep.(map[string]any)
			if v != in.Title || ref != "INC-2026-0003" || st != "draft" || m["summary"] == nil || m["contacts"] == nil {
				t.Errorf("incident %s", o.Raw)
			}
		}
	}
	for _, s := range []string{"10.1.2.3", "山田太郎", "FortiOS 7.2.4", "amber"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("export lacks %q", s)
		}
	}
	again, _ := ExportSTIX(in, reporter(), in.Content, "amber", now)
	if string(again) != string(out) {
		t.Error("export is not deterministic")
	}
	if _, err := ExportSTIX(in, reporter(), in.Content, "", now); err == nil {
		t.Error("no TLP accepted")
	}
	if _, err := ExportSTIX(in, nil, in.Content, "red", now); err == nil {
		t.Error("no reporter accepted")
	}
}
