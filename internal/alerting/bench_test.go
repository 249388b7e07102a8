package alerting_test

import (
	"context"
	"fmt"
	"testing"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// BenchmarkPublishEveryone drafts, approves and publishes an alert to 300
// organisations on SQLite per iteration (the store figures on both
// databases are in `sakimori bench alerts`).
func BenchmarkPublishEveryone(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite)
	act := audit.Actor{Name: "bench"}
	nco := &org.Organisation{Slug: "nco", Kind: org.KindGovernment, Name: org.Names{JA: "nco", EN: "nco"}, Contact: org.Contact{Name: "d", Email: "d@nco.example.jp"}}
	if err := db.CreateOrg(ctx, act, nco); err != nil {
		b.Fatal(err)
	}
	for i := range 300 {
		slug := fmt.Sprintf("op-%d", i)
		o := &org.Organisation{Slug: slug, Kind: org.KindOperator, Sector: org.Sectors[i%len(org.Sectors)], Name: org.Names{JA: slug, EN: slug},
			Contact: org.Contact{Name: "d", Email: "d@" + slug + ".example.jp"}}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			b.Fatal(err)
		}
	}
	s := alerting.New(db, nil)
	gov := &auth.Principal{System: "bench", Org: nco}
	c := alert.Content{Severity: alert.High, TLP: marking.TLPAmber, Title: alert.Text{JA: "t"}, Summary: alert.Text{JA: "s"},
		Indicators: []alert.Indicator{{Value: "198.51.100.23"}}, Targeting: alert.Targeting{Everyone: true}}
	for b.Loop() {
		v, err := s.Create(ctx, gov, c, "")
		if err == nil {
			v, err = s.Submit(ctx, gov, v.ID, v.Rev)
		}
		if err == nil {
			v, err = s.Review(ctx, gov, v.ID, v.Rev, true, "")
		}
		if err == nil {
			_, _, err = s.Publish(ctx, gov, v.ID, v.Rev)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
