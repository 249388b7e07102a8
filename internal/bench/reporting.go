package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reportexport"
	"sakimori/internal/reporting"
	"sakimori/internal/sanitize"
)

func init() {
	Register(Bench{Name: "reporting",
		Description: "incident reporting: one incident's timeline over every shipped regime, sanitised STIX derivation, and on each store creating and submitting reports to two receivers, the receiver's view, the triage queue and a reminder sweep over every open incident",
		Run:         runReporting})
}

// Workload sizes of the reporting benchmark.
const (
	ReportIncidents      = 2_000
	ReportIncidentsQuick = 100
	ReportOperators      = 50
)

// ReportContent is a realistic report: every section filled, a Japanese
// summary with personal data for the sanitiser, 20 IOCs.
func ReportContent(i int) report.Content {
	asOf := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	k := func(v any) report.Meta {
		return report.Meta{State: report.StateKnown, Confidence: report.Confirmed, AsOf: &asOf, Source: "EDR"}
	}
	aware := time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC).Add(-time.Duration(i%48) * time.Hour)
	det := aware.Add(-time.Hour)
	occ := det.Add(-6 * time.Hour)
	var iocs []report.IOC
	for j := range 20 {
		iocs = append(iocs, report.IOC{Type: "ipv4", Value: fmt.Sprintf("203.0.113.%d", (i+j)%250+1)})
	}
	return report.Content{
		Class:         report.Field[report.EventClass]{Value: report.ClassUnauthorisedAccess, Meta: k(nil)},
		Summary:       report.Field[string]{Value: "SSL-VPN装置に対する不正ログインを検知した。担当の山田太郎（yamada@corp.example.co.jp、03-1234-5678）が確認。内部サーバ fs01.corp.example.co.jp（10.20.30.40）への横展開の痕跡あり。被害額は約1,200万円。", Meta: k(nil)},
		Occurred:      report.Field[*time.Time]{Value: &occ, Meta: k(nil)},
		Detected:      report.Field[*time.Time]{Value: &det, Meta: k(nil)},
		Aware:         report.Field[*time.Time]{Value: &aware, Meta: k(nil)},
		Impact:        report.Field[report.Impact]{Value: report.Impact{Level: "significant", Services: "remote access", Users: 1200}, Meta: k(nil)},
		Technique:     report.Field[string]{Value: "Exploitation of a VPN appliance vulnerability, then valid accounts.", Meta: k(nil)},
		Techniques:    report.Field[[]string]{Value: []string{"T1190", "T1078.002"}, Meta: k(nil)},
		IntrusionPath: report.Field[string]{Value: "Internet → SSL-VPN (FortiOS 7.2.4) → AD server", Meta: k(nil)},
		IOCs:          report.Field[[]report.IOC]{Value: iocs, Meta: k(nil)},
		Vulns:         report.Field[[]report.ExploitedVuln]{Value: []report.ExploitedVuln{{CVE: "CVE-2024-21762", Product: "FortiOS", Version: "7.2.4"}}, Meta: k(nil)},
		Containment:   report.Field[report.Progress]{Value: "in_progress", Meta: k(nil)},
		Computers:     report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}},
		Contacts:      report.Field[[]report.Contact]{Value: []report.Contact{{Name: "CSIRT duty", Phone: "+81 3 0000 0000", H24: true}}, Meta: k(nil)},
	}
}

func runReporting(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	n := ReportIncidents
	if cfg.Quick {
		n = ReportIncidentsQuick
	}
	var out []Result
	// The engines alone.
	regs, err := regime.Builtin()
	if err != nil {
		return nil, err
	}
	c := ReportContent(0)
	in := &incident.Incident{ID: "bench", Content: c, State: incident.Submitted}
	for _, r := range regs {
		in.Regimes = append(in.Regimes, incident.RegimeChoice{Regime: r.ID, Reportable: incident.ReportableYes})
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	loc := report.JST
	iters := 20_000
	if cfg.Quick {
		iters = 1_000
	}
	lat := make([]time.Duration, 0, iters)
	stages := 0
	for range iters {
		t := time.Now()
		stages = 0
		for i, r := range regs {
			stages += len(r.Timeline(in.Facts(in.Regimes[i], nil), loc, nil, now))
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ := percentiles(lat)
	out = append(out, Result{Name: "reporting/engine/timeline-all-regimes", Value: float64(p99.Nanoseconds()) / 1000, Unit: "µs p99", N: int64(iters),
		Note: fmt.Sprintf("deadlines of %d stages of the %d shipped regimes for one incident; p50 %.1f µs", stages, len(regs), float64(p50.Nanoseconds())/1000)})
	lat = lat[:0]
	iters /= 10
	for range iters {
		t := time.Now()
		if _, err := reportexport.Derive(in, reportexport.DeriveOptions{TLP: "green", Sector: "electricity", MaskNames: []string{"東都電力"},
			InternalDomains: []string{"corp.example.co.jp"}, Now: now}); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ = percentiles(lat)
	out = append(out, Result{Name: "reporting/engine/derive-sanitised-stix", Value: ms(p99), Unit: "ms p99", N: int64(iters),
		Note: fmt.Sprintf("sanitised STIX of a full report (20 IOCs, personal data in the summary); p50 %.3f ms", ms(p50))})
	text := c.Summary.Value + " " + c.IntrusionPath.Value
	start := time.Now()
	bytes := 0
	for range iters * 10 {
		s, _ := sanitize.Text(text, sanitize.Options{InternalDomains: []string{"corp.example.co.jp"}})
		bytes += len(text)
		_ = s
	}
	out = append(out, Result{Name: "reporting/engine/sanitise-text", Value: float64(bytes) / time.Since(start).Seconds() / 1e6, Unit: "MB/s", N: int64(iters * 10),
		Note: "sanitize.Text over a Japanese report summary"})
	for _, r := range out {
		fmt.Fprintln(progress, r)
	}
	rs, err := eachStore(ctx, cfg, "reporting", func(tg target) ([]Result, error) {
		dsn, drop, err := tg.dsn()
		if err != nil {
			return nil, err
		}
		defer drop()
		return reportingStore(ctx, tg.name, dsn, n, progress)
	})
	return append(out, rs...), err
}

func reportingStore(ctx context.Context, name, dsn string, n int, progress io.Writer) ([]Result, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	act := audit.Actor{Name: "bench"}
	mk := func(slug string, kind org.Kind, sector org.Sector, role org.Role) (*auth.Principal, error) {
		o := &org.Organisation{Slug: slug, Kind: kind, Sector: sector, Name: org.Names{JA: slug + " 日本語", EN: slug},
			Contact: org.Contact{Name: "duty", Email: "soc@" + slug + ".example.jp"}}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			return nil, err
		}
		u := &org.User{OrgID: o.ID, Email: "u@" + slug + ".example.jp", DisplayName: slug, Roles: []org.Role{role}}
		if err := db.CreateUser(ctx, act, u, ""); err != nil {
			return nil, err
		}
		return &auth.Principal{User: u, Org: o}, nil
	}
	nco, err := mk("nco-bench", org.KindGovernment, "", org.RoleAnalyst)
	if err != nil {
		return nil, err
	}
	if _, err := mk("ministry-bench", org.KindSectorMinistry, org.SectorElectricity, org.RoleAnalyst); err != nil {
		return nil, err
	}
	ops := make([]*auth.Principal, ReportOperators)
	for i := range ops {
		if ops[i], err = mk("op-"+strconv.Itoa(i), org.KindOperator, org.SectorElectricity, org.RoleReporter); err != nil {
			return nil, err
		}
	}
	s := reporting.New(db, quietLog())
	s.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	fmt.Fprintf(progress, "reporting/%s: creating and submitting %d reports\n", name, n)
	create := make([]time.Duration, 0, n)
	submit := make([]time.Duration, 0, n)
	ids := make([]string, 0, n)
	start := time.Now()
	for i := range n {
		p := ops[i%len(ops)]
		c := ReportContent(i)
		t := time.Now()
		in, err := s.Create(ctx, p, reporting.NewIncident{Title: "VPN intrusion " + strconv.Itoa(i), Content: &c})
		if err != nil {
			return nil, fmt.Errorf("create %d: %w", i, err)
		}
		create = append(create, time.Since(t))
		t = time.Now()
		if _, err := s.Submit(ctx, p, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}}); err != nil {
			return nil, fmt.Errorf("submit %d: %w", i, err)
		}
		submit = append(submit, time.Since(t))
		ids = append(ids, in.ID)
	}
	total := time.Since(start)
	c50, c99, _ := percentiles(create)
	s50, s99, _ := percentiles(submit)
	out := []Result{
		{Name: "reporting/" + name + "/create-and-submit", Value: float64(n) / total.Seconds(), Unit: "reports/s", N: int64(n),
			Note: fmt.Sprintf("create (p50 %.2f / p99 %.2f ms) then submit the jp-acd prompt report to 2 receivers (p50 %.2f / p99 %.2f ms)", ms(c50), ms(c99), ms(s50), ms(s99))},
	}
	lat := make([]time.Duration, 0, 200)
	for i := range 200 {
		t := time.Now()
		if _, err := s.Get(ctx, nco, ids[i%len(ids)]); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ := percentiles(lat)
	out = append(out, Result{Name: "reporting/" + name + "/receiver-view", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("the NCO opening a received report (entitlement, submissions, events); p50 %.2f ms", ms(p50))})
	lat = lat[:0]
	for range 20 {
		t := time.Now()
		q, err := s.Queue(ctx, nco, reporting.Query{Limit: 100})
		if err != nil {
			return nil, err
		}
		if len(q) == 0 {
			return nil, fmt.Errorf("empty triage queue")
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ = percentiles(lat)
	out = append(out, Result{Name: "reporting/" + name + "/triage-queue", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("the NCO's queue, newest 100 of %d received reports, as submitted; p50 %.2f ms", n, ms(p50))})
	t := time.Now()
	added, err := s.RemindAll(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, Result{Name: "reporting/" + name + "/reminder-sweep", Value: time.Since(t).Seconds(), Unit: "s", N: int64(min(n, 1000)),
		Note: fmt.Sprintf("deadlines of every open incident (at most 1000 per sweep) checked, %d reminders recorded", added)})
	for _, r := range out {
		fmt.Fprintln(progress, r)
	}
	return out, nil
}
