package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/exposure"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/vuln"
)

func TestSeedExposure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		svc := exposure.New(db, inteltest.Quiet)
		res, err := demo.SeedExposure(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		// Exposed: Toto's SecureGate (SKM-2026-0001) and FortiGate
		// (CVE-2024-21762), the bank's FortiGate (CVE-2024-21762) and
		// KagiAuth (SKM-2026-0002), Hokusei's Ivanti (CVE-2025-0282).
		// Not: the patched SecureGate, Ivanti and KagiAuth, the IOS XE
		// gateway on the fixed release, the excluded file server.
		if res.Computers != 11 || res.Vulns != 4 || res.Exposures != 5 || res.Requests != 2 || res.Notices != 6 {
			t.Fatalf("first seed: %+v", res)
		}
		again, err := demo.SeedExposure(ctx, svc)
		if err != nil || again != (demo.ExposureResult{}) {
			t.Fatalf("second seed changed something: %v %+v", err, again)
		}
		es, err := db.ListExposures(ctx, store.ExposureQuery{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]vuln.ExposureState{}
		for _, e := range es {
			got[e.VulnID+" "+e.ComputerName] = e.State
		}
		want := map[string]vuln.ExposureState{
			"SKM-2026-0001 本店 SSL-VPN 装置 / Head-office SSL-VPN":              vuln.ExposureOpen,
			"CVE-2024-21762 制御系リモート保守ゲートウェイ / OT remote-maintenance gateway": vuln.ExposureOpen,
			"CVE-2024-21762 インターネットバンキング境界 / Internet-banking perimeter":     vuln.ExposureMitigated,
			"SKM-2026-0002 統合認証サーバ / Integrated authentication server":       vuln.ExposureOpen,
			"CVE-2025-0282 リモートアクセス装置 / Remote-access gateway":               vuln.ExposureOpen,
		}
		if len(got) != len(want) {
			t.Fatalf("exposures %v", got)
		}
		for k, st := range want {
			if got[k] != st {
				t.Errorf("%s: %q, want %q (all: %v)", k, got[k], st, got)
			}
		}
		nco, err := db.GetOrg(ctx, "nco")
		if err != nil {
			t.Fatal(err)
		}
		gov := &auth.Principal{System: "test", Org: nco}
		ov, err := svc.Overview(ctx, gov)
		if err != nil || len(ov.Unpatched) != 1 || ov.Unpatched[0].VulnID != "SKM-2026-0001" {
			t.Fatalf("overview: %+v %v", ov, err)
		}
		rec, err := svc.VendorRecord(ctx, gov)
		if err != nil || len(rec) != 2 {
			t.Fatalf("vendor record: %+v %v", rec, err)
		}
		overdue := 0
		for _, r := range rec {
			overdue += r.Overdue
		}
		if overdue != 1 {
			t.Fatalf("overdue: %+v", rec)
		}
	})
}
