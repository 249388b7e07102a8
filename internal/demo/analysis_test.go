package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/demo"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// seedBeforeAnalysis seeds db as `sakimori demo` does up to SeedAnalysis,
// with the services wired as the command wires them, and returns them.
func seedBeforeAnalysis(t *testing.T, db *store.DB) demo.Analysis {
	t.Helper()
	ctx := context.Background()
	corr := correlate.New(db, inteltest.Quiet)
	isvc := intel.New(db, inteltest.Quiet)
	isvc.Observers = []intel.Observer{corr}
	corr.Intel = isvc
	rsvc := reporting.New(db, inteltest.Quiet)
	rsvc.Intel = isvc
	rsvc.Observers = []reporting.Observer{corr}
	al := alerting.New(db, inteltest.Quiet)
	al.Intel = isvc
	if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedIntel(ctx, isvc); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedExposure(ctx, exposure.New(db, inteltest.Quiet)); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedReporting(ctx, rsvc); err != nil {
		t.Fatal(err)
	}
	return demo.Analysis{Intel: isvc, Reporting: rsvc, Correlate: corr, Alerting: al}
}

// demoUser is the principal of the demo user with address email.
func demoUser(t *testing.T, db *store.DB, email string) *auth.Principal {
	t.Helper()
	ctx := context.Background()
	u, err := db.GetUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.GetOrg(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return &auth.Principal{User: u, Org: o}
}
