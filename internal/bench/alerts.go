package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

func init() {
	Register(Bench{Name: "alerts",
		Description: "alerts: publishing to every organisation (recipients resolved and stored), acknowledgements/s, a recipient's inbox and the issuer's recipient table, on SQLite and PostgreSQL",
		Run:         runAlerts})
}

// Workload of the alerts benchmark: operators per sector (15 sectors).
const (
	AlertOrgsPerSector      = 100
	AlertOrgsPerSectorQuick = 2
	alertPublications       = 10
	alertPublicationsQuick  = 2
)

func runAlerts(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	per, pubs := AlertOrgsPerSector, alertPublications
	if cfg.Quick {
		per, pubs = AlertOrgsPerSectorQuick, alertPublicationsQuick
	}
	return eachStore(ctx, cfg, "alerts", func(tg target) ([]Result, error) {
		dsn, drop, err := tg.dsn()
		if err != nil {
			return nil, err
		}
		defer drop()
		return alertsStore(ctx, tg.name, dsn, per, pubs, progress)
	})
}

func alertsStore(ctx context.Context, name, dsn string, per, pubs int, progress io.Writer) ([]Result, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	act := audit.Actor{Name: "bench"}
	nco := &org.Organisation{Slug: "nco", Kind: org.KindGovernment, Name: org.Names{JA: "nco", EN: "nco"}, Contact: org.Contact{Name: "duty", Email: "d@nco.example.jp"}}
	if err := db.CreateOrg(ctx, act, nco); err != nil {
		return nil, err
	}
	var ops []*org.Organisation
	for _, sec := range org.Sectors {
		for i := range per {
			slug := fmt.Sprintf("%s-%d", strings.ReplaceAll(string(sec), "_", "-"), i)
			o := &org.Organisation{Slug: slug, Kind: org.KindOperator, Sector: sec, Name: org.Names{JA: slug, EN: slug},
				Contact: org.Contact{Name: "duty", Email: "d@" + slug + ".example.jp"}}
			if err := db.CreateOrg(ctx, act, o); err != nil {
				return nil, err
			}
			ops = append(ops, o)
		}
	}
	s := alerting.New(db, nil)
	gov := &auth.Principal{System: "bench", Org: nco}
	content := alert.Content{Severity: alert.High, TLP: marking.TLPAmber, Title: alert.Text{JA: "ベンチマーク", EN: "Benchmark"},
		Summary: alert.Text{JA: "概要", EN: "Summary"}, Actions: []alert.Text{{JA: "対策", EN: "Act"}}, CVEs: []string{"CVE-2024-21762"},
		Indicators: []alert.Indicator{{Value: "198.51.100.23"}, {Value: "evil.example"}}, Targeting: alert.Targeting{Everyone: true}}
	var pubLat []time.Duration
	var ids []string
	for range pubs {
		v, err := s.Create(ctx, gov, content, "")
		if err != nil {
			return nil, err
		}
		if v, err = s.Submit(ctx, gov, v.ID, v.Rev); err != nil {
			return nil, err
		}
		if v, err = s.Review(ctx, gov, v.ID, v.Rev, true, ""); err != nil {
			return nil, err
		}
		t := time.Now()
		if _, _, err = s.Publish(ctx, gov, v.ID, v.Rev); err != nil {
			return nil, err
		}
		pubLat = append(pubLat, time.Since(t))
		ids = append(ids, v.ID)
	}
	var out []Result
	p50, p99, _ := percentiles(pubLat)
	out = append(out, Result{Name: "alerts/" + name + "/publish-everyone", Value: float64(p99.Microseconds()) / 1000, Unit: "ms p99", N: int64(len(pubLat)),
		Note: fmt.Sprintf("%d recipients resolved and stored per publication; p50 %.1f ms", len(ops), float64(p50.Microseconds())/1000)})
	fmt.Fprintln(progress, out[len(out)-1])
	// Acknowledgements, one recipient after another, of the first alert.
	t := time.Now()
	for _, o := range ops {
		if _, err := s.Ack(ctx, &auth.Principal{System: "bench", Org: o}, ids[0], alert.Actioned, "patched"); err != nil {
			return nil, err
		}
	}
	el := time.Since(t)
	out = append(out, Result{Name: "alerts/" + name + "/acknowledge", Value: float64(len(ops)) / el.Seconds(), Unit: "acks/s", N: int64(len(ops)),
		Note: "sequential, each with its visibility check, audit entry and event"})
	fmt.Fprintln(progress, out[len(out)-1])
	// A recipient's inbox (every alert addressed to it) and the issuer's table.
	var inbox, table []time.Duration
	for i := range 50 {
		p := &auth.Principal{System: "bench", Org: ops[i%len(ops)]}
		t := time.Now()
		if _, err := s.List(ctx, p, alerting.Query{Addressed: true}); err != nil {
			return nil, err
		}
		inbox = append(inbox, time.Since(t))
		t = time.Now()
		if _, err := s.Recipients(ctx, gov, ids[i%len(ids)]); err != nil {
			return nil, err
		}
		table = append(table, time.Since(t))
	}
	p50, p99, _ = percentiles(inbox)
	out = append(out, Result{Name: "alerts/" + name + "/inbox", Value: float64(p99.Microseconds()) / 1000, Unit: "ms p99", N: int64(len(inbox)),
		Note: fmt.Sprintf("%d alerts addressed to the organisation; p50 %.2f ms", len(ids), float64(p50.Microseconds())/1000)})
	fmt.Fprintln(progress, out[len(out)-1])
	p50, p99, _ = percentiles(table)
	out = append(out, Result{Name: "alerts/" + name + "/recipient-table", Value: float64(p99.Microseconds()) / 1000, Unit: "ms p99", N: int64(len(table)),
		Note: fmt.Sprintf("%d recipients; p50 %.2f ms", len(ops), float64(p50.Microseconds())/1000)})
	fmt.Fprintln(progress, out[len(out)-1])
	return out, nil
}
