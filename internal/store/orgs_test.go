package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func mustCreateOrg(t *testing.T, db *store.DB, o *org.Organisation) *org.Organisation {
	t.Helper()
	if err := db.CreateOrg(context.Background(), cli, o); err != nil {
		t.Fatalf("CreateOrg %s: %v", o.Slug, err)
	}
	return o
}

func slugs(os []org.Organisation) []string {
	s := make([]string, len(os))
	for i, o := range os {
		s[i] = o.Slug
	}
	return s
}

func TestListOrgsPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var want []string
		for i := range 7 {
			o := mustCreateOrg(t, db, newOrg("org-"+string(rune('a'+i)), org.KindSupplier, ""))
			want = append(want, o.ID)
		}
		slices.Sort(want) // keyset order is id order
		var got []string
		cursor := ""
		var sizes []int
		for range 10 {
			page, next, err := db.ListOrgs(ctx, store.OrgFilter{Limit: 3, After: cursor})
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(page))
			for _, o := range page {
				got = append(got, o.ID)
			}
			if next == "" {
				break
			}
			if next != page[len(page)-1].ID {
				t.Fatalf("next cursor %q is not the last id of the page %q", next, page[len(page)-1].ID)
			}
			cursor = next
		}
		if !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Errorf("page sizes %v, want [3 3 1]", sizes)
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
		// A page that ends exactly at the last row has no next cursor.
		page, next, err := db.ListOrgs(ctx, store.OrgFilter{Limit: 7})
		if err != nil || len(page) != 7 || next != "" {
			t.Errorf("exact page: %d rows, next %q, %v", len(page), next, err)
		}
		// Past the end: empty, no error.
		page, next, err = db.ListOrgs(ctx, store.OrgFilter{After: want[6]})
		if err != nil || len(page) != 0 || next != "" {
			t.Errorf("past the end: %v %q %v", page, next, err)
		}
	})
}

func TestListOrgsFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mk := func(slug string, kind org.Kind, sector org.Sector, ja, en string) {
			o := newOrg(slug, kind, sector)
			o.Name = org.Names{JA: ja, EN: en}
			mustCreateOrg(t, db, o)
		}
		mk("tokyo-power", org.KindOperator, org.SectorElectricity, "東京電力パワーグリッド", "TEPCO Power Grid")
		mk("kansai-power", org.KindOperator, org.SectorElectricity, "関西電力送配電", "Kansai Transmission and Distribution")
		mk("tokyo-gas", org.KindOperator, org.SectorGas, "東京ガス", "Tokyo Gas")
		mk("ntt-east", org.KindOperator, org.SectorTelecom, "NTT東日本", "Nippon Telegraph East")
		mk("nco", org.KindGovernment, "", "国家サイバー統括室", "National Cybersecurity Office")
		mk("pct-vendor", org.KindVendor, "", "百パーセント株式会社", "100% Secure_Systems")
		mk("plain-vendor", org.KindVendor, "", "普通株式会社", "100 Percent SecureXSystems")
		cases := []struct {
			name string
			f    store.OrgFilter
			want []string
		}{
			{"kind", store.OrgFilter{Kind: org.KindVendor}, []string{"pct-vendor", "plain-vendor"}},
			{"sector", store.OrgFilter{Sector: org.SectorElectricity}, []string{"kansai-power", "tokyo-power"}},
			{"kind and sector", store.OrgFilter{Kind: org.KindOperator, Sector: org.SectorGas}, []string{"tokyo-gas"}},
			{"japanese name", store.OrgFilter{Query: "東京"}, []string{"tokyo-gas", "tokyo-power"}},
			{"japanese name middle", store.OrgFilter{Query: "サイバー"}, []string{"nco"}},
			{"english name, any case", store.OrgFilter{Query: "tokyo GAS"}, []string{"tokyo-gas"}},
			{"slug", store.OrgFilter{Query: "kansai-"}, []string{"kansai-power"}},
			{"latin letters in the japanese name, any case", store.OrgFilter{Query: "ntt東"}, []string{"ntt-east"}},
			{"percent is literal", store.OrgFilter{Query: "100%"}, []string{"pct-vendor"}},
			{"underscore is literal", store.OrgFilter{Query: "secure_"}, []string{"pct-vendor"}},
			{"lone percent", store.OrgFilter{Query: "%"}, []string{"pct-vendor"}},
			{"backslash is literal", store.OrgFilter{Query: `\`}, nil},
			{"query and kind", store.OrgFilter{Query: "東京", Kind: org.KindGovernment}, nil},
			{"no match", store.OrgFilter{Query: "大阪"}, nil},
			{"kind without match", store.OrgFilter{Kind: org.KindDefense}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				os, _, err := db.ListOrgs(ctx, c.f)
				if err != nil {
					t.Fatal(err)
				}
				got := slugs(os)
				slices.Sort(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("ListOrgs(%+v) = %v, want %v", c.f, got, c.want)
				}
			})
		}
	})
}

func TestOrgConflictsAndNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreateOrg(t, db, newOrg("alpha", org.KindVendor, ""))
		b := mustCreateOrg(t, db, newOrg("beta", org.KindSupplier, ""))
		before, _ := db.AuditHead(ctx)

		err := db.CreateOrg(ctx, cli, newOrg("alpha", org.KindSupplier, ""))
		if e := apperr.As(err); !errors.Is(err, apperr.ErrConflict) || e.Field != "slug" {
			t.Errorf("duplicate slug on create: %v", err)
		}
		b.Slug = "alpha"
		err = db.UpdateOrg(ctx, cli, b)
		if e := apperr.As(err); !errors.Is(err, apperr.ErrConflict) || e.Field != "slug" {
			t.Errorf("duplicate slug on update: %v", err)
		}
		// Invalid input is refused before anything is written.
		bad := newOrg("x", org.KindVendor, "")
		if err := db.CreateOrg(ctx, cli, bad); apperr.As(err).Field != "slug" {
			t.Errorf("short slug: %v", err)
		}
		// A refused write leaves no audit entry.
		if after, _ := db.AuditHead(ctx); after.Seq != before.Seq {
			t.Errorf("failed writes appended audit entries: %d -> %d", before.Seq, after.Seq)
		}

		ghost := newOrg("ghost", org.KindVendor, "")
		ghost.ID = "0190c1e0-0000-7000-8000-000000000000"
		if err := db.UpdateOrg(ctx, cli, ghost); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("UpdateOrg(unknown) = %v", err)
		}
		for _, ref := range []string{"nope", ghost.ID, ""} {
			o, err := db.GetOrg(ctx, ref)
			if o != nil || !errors.Is(err, apperr.ErrNotFound) {
				t.Errorf("GetOrg(%q) = %v, %v", ref, o, err)
			}
		}
		// Both id and slug find the organisation.
		for _, ref := range []string{a.ID, a.Slug} {
			if o, err := db.GetOrg(ctx, ref); err != nil || o.ID != a.ID {
				t.Errorf("GetOrg(%q) = %v, %v", ref, o, err)
			}
		}
	})
}

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		op := mustCreateOrg(t, db, newOrg("operator", org.KindOperator, org.SectorWater))
		sup := mustCreateOrg(t, db, newOrg("supplier", org.KindSupplier, ""))
		ven := mustCreateOrg(t, db, newOrg("vendor", org.KindVendor, ""))
		// The vendor proposes a link: pending, it reveals nothing until confirmed.
		if err := db.AddLink(ctx, cli, &org.Link{SupplierID: sup.ID, CustomerID: op.ID, RequestedBy: sup.ID}); err != nil {
			t.Fatal(err)
		}
		if ids, _ := db.LinkedOrgIDs(ctx, op.ID); len(ids) != 0 {
			t.Errorf("pending link counts as a partner: %v", ids)
		}
		if err := db.ConfirmLink(ctx, cli, sup.ID, op.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmLink(ctx, cli, op.ID, sup.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("confirming a link that does not exist: %v", err)
		}
		now := time.Now()
		if err := db.AddLink(ctx, cli, &org.Link{SupplierID: ven.ID, CustomerID: sup.ID, Description: "ファームウェア", ConfirmedAt: &now}); err != nil {
			t.Fatal(err)
		}
		err := db.AddLink(ctx, cli, &org.Link{SupplierID: sup.ID, CustomerID: op.ID})
		if e := apperr.As(err); !errors.Is(err, apperr.ErrConflict) || e.Field != "customer_id" {
			t.Errorf("duplicate link: %v", err)
		}
		for _, c := range []struct {
			l     org.Link
			field string
		}{
			{org.Link{SupplierID: "missing", CustomerID: op.ID}, "supplier_id"},
			{org.Link{SupplierID: sup.ID, CustomerID: "missing"}, "customer_id"},
			{org.Link{SupplierID: sup.ID, CustomerID: sup.ID}, "customer_id"},
			{org.Link{CustomerID: sup.ID}, "supplier_id"},
		} {
			if err := db.AddLink(ctx, cli, &c.l); apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != c.field {
				t.Errorf("AddLink(%+v) = %v, want invalid %s", c.l, err, c.field)
			}
		}
		ids, err := db.LinkedOrgIDs(ctx, sup.ID)
		slices.Sort(ids)
		want := []string{op.ID, ven.ID}
		slices.Sort(want)
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("LinkedOrgIDs(supplier) = %v, %v; want %v", ids, err, want)
		}
		links, err := db.ListLinks(ctx, sup.ID)
		if err != nil || len(links) != 2 {
			t.Fatalf("ListLinks = %v, %v", links, err)
		}
		for _, l := range links {
			if !l.Confirmed() {
				t.Errorf("link %s>%s not confirmed", l.SupplierID, l.CustomerID)
			}
			if l.SupplierID == sup.ID && l.RequestedBy != sup.ID {
				t.Errorf("requested_by = %q", l.RequestedBy)
			}
		}
		if err := db.RemoveLink(ctx, cli, sup.ID, op.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveLink(ctx, cli, sup.ID, op.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("removing twice: %v", err)
		}
		if ids, _ := db.LinkedOrgIDs(ctx, op.ID); len(ids) != 0 {
			t.Errorf("link still there: %v", ids)
		}
		// Links are stored one way: supplier -> customer, never reversed.
		if err := db.RemoveLink(ctx, cli, sup.ID, ven.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("removing the reversed link: %v", err)
		}
	})
}
