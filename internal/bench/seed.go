package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"sakimori/internal/audit"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// seedOrgs creates the government organisation "nco" and per operators in
// each sector (slug sector-i), as the charts and weather seeds need them.
func seedOrgs(ctx context.Context, db *store.DB, per int) (nco *org.Organisation, ops []*org.Organisation, err error) {
	act := audit.Actor{Name: "bench"}
	nco = &org.Organisation{Slug: "nco", Kind: org.KindGovernment, Name: org.Names{JA: "nco", EN: "nco"}, Contact: org.Contact{Name: "duty", Email: "d@nco.example.jp"}}
	if err := db.CreateOrg(ctx, act, nco); err != nil {
		return nil, nil, err
	}
	for _, sec := range org.Sectors {
		for i := range per {
			slug := fmt.Sprintf("%s-%d", strings.ReplaceAll(string(sec), "_", "-"), i)
			o := &org.Organisation{Slug: slug, Kind: org.KindOperator, Sector: sec, Name: org.Names{JA: slug, EN: slug},
				Contact: org.Contact{Name: "duty", Email: "d@" + slug + ".example.jp"}}
			if err := db.CreateOrg(ctx, act, o); err != nil {
				return nil, nil, err
			}
			ops = append(ops, o)
		}
	}
	return nco, ops, nil
}

// openRaw opens the store at dsn a second time, for seeds that write
// facts with plain SQL (the services would take far longer); rebind makes
// its ? placeholders the dialect's.
func openRaw(dsn string) (raw *sql.DB, rebind func(string) string, err error) {
	if strings.HasPrefix(dsn, "sqlite:") {
		raw, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
		return raw, func(q string) string { return q }, err
	}
	raw, err = sql.Open("pgx", dsn)
	return raw, store.Rebind, err
}
