package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/share"
	"sakimori/internal/stix/stixtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestSeedIntel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		svc := intel.New(db, inteltest.Quiet)
		res, err := demo.SeedIntel(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Collections != 5 || res.Groups != 2 || res.Warninglists != 2 || res.Sightings != 4 || res.Objects != 19 {
			t.Fatalf("first seed: %+v", res)
		}
		res, err = demo.SeedIntel(ctx, svc)
		if err != nil || res != (demo.IntelResult{}) {
			t.Fatalf("second seed changed something: %v %+v", err, res)
		}
		as := func(slug string) *auth.Principal {
			o, err := db.GetOrg(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			return &auth.Principal{System: "test", Org: o}
		}
		// The public DNS indicator is flagged; the RED one reaches council members only.
		recs, _, err := svc.Search(ctx, as("toto-electric"), intel.SearchQuery{Text: "8.8.8.8"})
		if err != nil || len(recs) != 1 || len(recs[0].Flags) == 0 {
			t.Fatalf("8.8.8.8: %v %+v", err, recs)
		}
		for slug, want := range map[string]int{"toto-electric": 1, "kasumi-networks": 1, "shinkawa-system": 0, "wangan-gas": 0, "energy-isac": 0} {
			recs, _, err := svc.Search(ctx, as(slug), intel.SearchQuery{Text: "192.0.2.77"})
			if err != nil || len(recs) != want {
				t.Errorf("%s sees %d RED objects (%v), want %d", slug, len(recs), err, want)
			}
		}
		// The revoked indicator's latest version is revoked; the confirmed one has two versions.
		ov, err := svc.Object(ctx, as("toto-electric"), "indicator--6b1c0e4a-0002-4d2e-9c1a-5a7d3f2e0002")
		if err != nil || len(ov.Versions) != 2 || ov.Sightings.Orgs != 2 || ov.Score == nil {
			t.Fatalf("confirmed indicator: %v %+v", err, ov)
		}
		entries, withheld, err := svc.Blocklist(ctx, as("toto-electric"), intel.BlockQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(withheld) != 2 {
			t.Errorf("withheld = %+v, want the two warninglisted values", withheld)
		}
		for _, e := range entries {
			if e.Value == "198.51.100.32" {
				t.Error("the revoked indicator is in the block list")
			}
		}
		if pg, err := svc.Objects(ctx, as("shinkawa-system"), share.Query{Collection: "community"}); err != nil || len(pg.Records) == 0 {
			t.Errorf("community GREEN for a supplier: %v", err)
		}
	})
}

// TestEmittedObjectsAgreeWithOASISSchemas checks that what sakimori emits
// (bundle exports and TAXII pages, with the TLP marking it adds to objects
// that carry none) is valid per the OASIS STIX 2.1 JSON schemas.
func TestEmittedObjectsAgreeWithOASISSchemas(t *testing.T) {
	schemas := stixtest.OASIS(t)
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
		t.Fatal(err)
	}
	svc := intel.New(db, inteltest.Quiet)
	if _, err := demo.SeedIntel(ctx, svc); err != nil {
		t.Fatal(err)
	}
	o, err := db.GetOrg(ctx, "nco")
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{System: "test", Org: o}
	var buf bytes.Buffer
	n, err := svc.ExportBundle(ctx, p, intel.SearchQuery{}, &buf)
	if err != nil || n < 15 {
		t.Fatalf("export: %d objects, %v", n, err)
	}
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(buf.Bytes(), &b); err != nil || b.Type != "bundle" {
		t.Fatalf("export is not a bundle: %v", err)
	}
	types := map[string]bool{}
	for _, raw := range b.Objects {
		if err := schemas.Validate(raw); err != nil {
			t.Errorf("exported object fails the OASIS schema: %v\n%s", err, raw)
		}
		var h struct{ Type string }
		_ = json.Unmarshal(raw, &h)
		types[h.Type] = true
	}
	for _, want := range []string{"indicator", "malware", "campaign", "vulnerability", "course-of-action", "report", "relationship", "marking-definition"} {
		if !types[want] {
			t.Errorf("the export has no %s", want)
		}
	}
	cs, err := svc.Collections(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		pg, err := svc.Objects(ctx, p, share.Query{Collection: c.ID, Versions: share.VersionMatch{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Records {
			if err := schemas.Validate(r.Raw); err != nil {
				t.Errorf("%s in %s fails the OASIS schema: %v", r.ID, c.Alias, err)
			}
		}
	}
}
