package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	critreg "sakimori/internal/registry"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

func init() {
	Register(Bench{Name: "vuln-match",
		Description: "critical computers: matching one new vulnerability against 100k registered computers (engine alone, and recorded end to end), and a full re-match of 10k vulnerabilities x 100k computers",
		Run:         runVulnMatch})
}

// Workload sizes of the vulnerability-matching benchmark.
const (
	MatchComputers      = 100_000
	MatchComputersQuick = 5_000
	MatchVulns          = 10_000
	MatchVulnsQuick     = 500
	MatchOperators      = 500 // organisations the computers belong to
)

// matchProduct is a product of the synthetic catalogue with a version
// generator in its vendor's scheme.
type matchProduct struct {
	vendor, product, part string
	function              critreg.Function
	version               func(r *rand.Rand) string
}

// MatchCatalogue is the product catalogue the registry is drawn from: the
// appliances and servers operators notify, in their vendors' version
// schemes, plus a long tail of generic products.
func MatchCatalogue() []matchProduct {
	dotted := func(a, b, c int) func(r *rand.Rand) string {
		return func(r *rand.Rand) string {
			return fmt.Sprintf("%d.%d.%d", a+r.IntN(2), r.IntN(b), r.IntN(c))
		}
	}
	ps := []matchProduct{
		{"fortinet", "fortios", "o", critreg.FunctionVPN, dotted(6, 5, 17)},
		{"ivanti", "connect_secure", "a", critreg.FunctionVPN, func(r *rand.Rand) string {
			return fmt.Sprintf("%d.%dR%d.%d", 9+r.IntN(2)*13, 1+r.IntN(7), 1+r.IntN(18), r.IntN(6))
		}},
		{"cisco", "ios_xe", "o", critreg.FunctionControlGateway, func(r *rand.Rand) string {
			return fmt.Sprintf("17.%d.%d%s", 3+r.IntN(10), 1+r.IntN(5), []string{"", "a", "b"}[r.IntN(3)])
		}},
		{"cisco", "ios", "o", critreg.FunctionControlGateway, func(r *rand.Rand) string {
			return fmt.Sprintf("15.%d(%d)M%d", r.IntN(10), 1+r.IntN(8), 1+r.IntN(12))
		}},
		{"paloaltonetworks", "pan-os", "o", critreg.FunctionVPN, func(r *rand.Rand) string {
			v := fmt.Sprintf("%d.%d.%d", 9+r.IntN(3), r.IntN(3), r.IntN(15))
			if r.IntN(3) == 0 {
				v += "-h" + strconv.Itoa(1+r.IntN(4))
			}
			return v
		}},
		{"microsoft", "windows_server_2019", "o", critreg.FunctionAuthentication, func(r *rand.Rand) string {
			return fmt.Sprintf("10.0.17763.%d", 4000+r.IntN(2500))
		}},
		{"citrix", "netscaler_gateway", "a", critreg.FunctionRemoteAccess, func(r *rand.Rand) string {
			return fmt.Sprintf("%d.%d-%d.%d", 13+r.IntN(2), r.IntN(2), 40+r.IntN(20), r.IntN(60))
		}},
	}
	for i := range 193 {
		ps = append(ps, matchProduct{"vendor" + strconv.Itoa(i%60), "product" + strconv.Itoa(i), "a", critreg.FunctionOther, dotted(1, 10, 30)})
	}
	return ps
}

// MatchComputer returns registered computer i (deterministic): a product
// of the catalogue (the first seven, the well-known appliances, hold half
// the registry) with three components.
func MatchComputer(cat []matchProduct, i int) critreg.Computer {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	var p matchProduct
	if r.IntN(2) == 0 {
		p = cat[r.IntN(7)]
	} else {
		p = cat[7+r.IntN(len(cat)-7)]
	}
	v := p.version(r)
	c := critreg.Computer{Ref: "asset-" + strconv.Itoa(i), Name: "host-" + strconv.Itoa(i), Function: p.function,
		Vendor: p.vendor, Product: p.product, ProductVersion: v,
		CPE:  "cpe:2.3:" + p.part + ":" + p.vendor + ":" + p.product + ":*:*:*:*:*:*:*:*",
		Site: "site-" + strconv.Itoa(i%40), InternetFacing: r.IntN(3) == 0, Business: "designated business", Equipment: "essential equipment",
		Management: critreg.ManagedInHouse}
	for _, comp := range []struct{ v, p string }{{"openssl", "openssl"}, {"openbsd", "openssh"}, {"busybox", "busybox"}} {
		c.Components = append(c.Components, critreg.Component{Name: comp.p, Version: componentVersion(r),
			CPE: "cpe:2.3:a:" + comp.v + ":" + comp.p + ":*:*:*:*:*:*:*:*"})
	}
	return c
}

// MatchVuln returns vulnerability i (deterministic). Like the CVE stream,
// most vulnerabilities concern products nobody in the registry runs: 84%
// affect one of 2,000 products outside it, 10% a long-tail product in it,
// 5% one of the seven well-known appliances, 1% a component (openssl,
// openssh, busybox). Each has one to three ranges, each a narrow band
// after a release (a fix a few patch levels later) in the vendor's scheme.
func MatchVuln(cat []matchProduct, i int) vuln.Vulnerability {
	r := rand.New(rand.NewPCG(uint64(i), 11))
	v := vuln.Vulnerability{ID: fmt.Sprintf("CVE-2026-%05d", 10000+i), Title: "synthetic vulnerability " + strconv.Itoa(i), TLP: marking.TLPClear,
		CVSS: &vuln.CVSS{Version: "3.1", Score: float64(r.IntN(100)) / 10}, Exploited: r.IntN(20) == 0, Source: "api"}
	var p matchProduct
	switch n := r.IntN(100); {
	case n == 0:
		p = []matchProduct{{vendor: "openssl", product: "openssl", part: "a"}, {vendor: "openbsd", product: "openssh", part: "a"},
			{vendor: "busybox", product: "busybox", part: "a"}}[r.IntN(3)]
		p.version = componentVersion
	case n <= 5:
		p = cat[r.IntN(7)]
	case n <= 15:
		p = cat[7+r.IntN(len(cat)-7)]
	default:
		k := r.IntN(2000)
		p = matchProduct{vendor: "othervendor" + strconv.Itoa(k%300), product: "otherproduct" + strconv.Itoa(k), part: "a", version: cat[7].version}
	}
	a := vuln.Affected{Vendor: p.vendor, Product: p.product, CPE: "cpe:2.3:" + p.part + ":" + p.vendor + ":" + p.product + ":*:*:*:*:*:*:*:*"}
	for range 1 + r.IntN(3) {
		lo := p.version(r)
		a.Ranges = append(a.Ranges, version.Range{StartIncluding: lo, EndExcluding: bumpLast(lo, 1+r.IntN(3))})
	}
	v.Affected = []vuln.Affected{a}
	return v
}

func componentVersion(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d", 1+r.IntN(3), r.IntN(10), r.IntN(20))
}

// bumpLast adds k to the last number in s ("7.2.4" -> "7.2.6",
// "22.7R2.3" -> "22.7R2.5", "15.2(4)M11" -> "15.2(4)M12").
func bumpLast(s string, k int) string {
	end := len(s)
	for end > 0 && (s[end-1] < '0' || s[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && s[start-1] >= '0' && s[start-1] <= '9' {
		start--
	}
	n, _ := strconv.Atoi(s[start:end])
	return s[:start] + strconv.Itoa(n+k) + s[end:]
}

func runVulnMatch(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	nc, nv := MatchComputers, MatchVulns
	if cfg.Quick {
		nc, nv = MatchComputersQuick, MatchVulnsQuick
	}
	cat := MatchCatalogue()
	var out []Result
	// The engine alone: build the index, match one vulnerability, re-match all.
	fmt.Fprintf(progress, "vuln-match: generating %d computers and %d vulnerabilities\n", nc, nv)
	cs := make([]critreg.Computer, nc)
	for i := range cs {
		cs[i] = MatchComputer(cat, i)
		cs[i].ID, cs[i].OrgID, cs[i].Version = "c"+strconv.Itoa(i), "o"+strconv.Itoa(i%MatchOperators), 1
	}
	vs := make([]vuln.Vulnerability, nv)
	for i := range vs {
		vs[i] = MatchVuln(cat, i)
		vs[i].Version = 1
		vs[i].Normalize()
	}
	start := time.Now()
	ix := exposure.NewIndex()
	for i := range cs {
		ix.Add(&cs[i])
	}
	ix.Prepare()
	out = append(out, Result{Name: "vuln-match/engine/index-build", Value: float64(time.Since(start).Microseconds()) / 1000, Unit: "ms", N: int64(nc),
		Note: "exposure.Index of the registry (computers plus 3 components each), sorted by installed version"})
	lat := make([]time.Duration, 0, nv)
	hits := 0
	for i := range vs {
		t := time.Now()
		hits += len(ix.Match(&vs[i]))
		lat = append(lat, time.Since(t))
	}
	p50, p99, max := percentiles(lat)
	out = append(out, Result{Name: "vuln-match/engine/one-vuln", Value: ms(p99), Unit: "ms p99", N: int64(nv),
		Note: fmt.Sprintf("Index.Match of one vulnerability against %d computers; p50 %.3f ms, max %.3f ms; %.1f exposures per vulnerability", nc, ms(p50), ms(max), float64(hits)/float64(nv))})
	// The worst cases: every version of a component every computer has
	// (openssl), and every version of the most common appliance.
	for _, w := range []struct{ name, cpe string }{{"openssl", "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}, {"fortios", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}} {
		v := vuln.Vulnerability{ID: "CVE-2026-99999", Title: "worst case", Affected: []vuln.Affected{{CPE: w.cpe}}}
		lat := lat[:0]
		n := 0
		for range 20 {
			t := time.Now()
			n = len(ix.Match(&v))
			lat = append(lat, time.Since(t))
		}
		_, p99, _ := percentiles(lat)
		out = append(out, Result{Name: "vuln-match/engine/one-vuln-every-" + w.name, Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
			Note: fmt.Sprintf("Index.Match of a vulnerability affecting every version of %s: %d exposures", w.name, n)})
	}
	start = time.Now()
	hits = 0
	for i := range vs {
		hits += len(ix.Match(&vs[i]))
	}
	out = append(out, Result{Name: "vuln-match/engine/full-rematch", Value: time.Since(start).Seconds(), Unit: "s", N: int64(nv),
		Note: fmt.Sprintf("%d vulnerabilities x %d computers, %d exposures", nv, nc, hits)})
	for _, r := range out {
		fmt.Fprintln(progress, r)
	}
	// End to end on each store: registry and vulnerabilities recorded,
	// exposures and notices written.
	rs, err := eachStore(ctx, cfg, "vuln-match", func(tg target) ([]Result, error) {
		dsn, drop, err := tg.dsn()
		if err != nil {
			return nil, err
		}
		defer drop()
		return vulnMatchStore(ctx, tg.name, dsn, cat, nc, nv, progress)
	})
	return append(out, rs...), err
}

func vulnMatchStore(ctx context.Context, name, dsn string, cat []matchProduct, nc, nv int, progress io.Writer) ([]Result, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	act := audit.Actor{Name: "bench"}
	mk := func(slug string, kind org.Kind, sector org.Sector) (*auth.Principal, error) {
		o := &org.Organisation{Slug: slug, Kind: kind, Sector: sector, Name: org.Names{JA: slug + " 日本語", EN: slug},
			Contact: org.Contact{Name: "duty", Email: "soc@" + slug + ".example.jp"}}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			return nil, err
		}
		u := &org.User{OrgID: o.ID, Email: "analyst@" + slug + ".example.jp", DisplayName: slug, Roles: []org.Role{org.RoleAnalyst}}
		if err := db.CreateUser(ctx, act, u, ""); err != nil {
			return nil, err
		}
		return &auth.Principal{User: u, Org: o}, nil
	}
	gov, err := mk("nco-bench", org.KindGovernment, "")
	if err != nil {
		return nil, err
	}
	s := exposure.New(db, quietLog())
	// Vulnerabilities first (no computers yet: nothing to match), then the
	// registry in imports of 2,000 per operator batch.
	fmt.Fprintf(progress, "vuln-match/%s: recording %d vulnerabilities\n", name, nv)
	for i := range nv {
		v := MatchVuln(cat, i)
		if _, err := s.PutVuln(ctx, gov, &v); err != nil {
			return nil, fmt.Errorf("vuln %d: %w", i, err)
		}
	}
	fmt.Fprintf(progress, "vuln-match/%s: registering %d computers\n", name, nc)
	ops := make([]*auth.Principal, MatchOperators)
	for i := range ops {
		if ops[i], err = mk("op-"+strconv.Itoa(i), org.KindOperator, org.Sectors[i%len(org.Sectors)]); err != nil {
			return nil, err
		}
	}
	// Registered directly in batches (the import path without matching),
	// so the figures below measure matching, not the fill.
	start := time.Now()
	for lo := 0; lo < nc; lo += 500 {
		batch := make([]*critreg.Computer, 0, 500)
		opAct := ops[(lo/500)%MatchOperators].Actor()
		for i := lo; i < min(lo+500, nc); i++ {
			c := MatchComputer(cat, i)
			c.OrgID = ops[(lo/500)%MatchOperators].Org.ID
			batch = append(batch, &c)
		}
		res, _, err := db.NotifyComputers(ctx, opAct, batch)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			if r.Err != nil {
				return nil, r.Err
			}
		}
	}
	fill := time.Since(start)
	out := []Result{{Name: "vuln-match/" + name + "/register", Value: float64(nc) / fill.Seconds(), Unit: "computers/s", N: int64(nc),
		Note: "store.NotifyComputers in batches of 500 (one transaction each, every version kept)"}}
	// The first full re-match writes every exposure; the second finds
	// nothing changed.
	for _, round := range []string{"full-rematch-first", "full-rematch-steady"} {
		r, err := s.Rematch(ctx, gov)
		if err != nil {
			return out, err
		}
		out = append(out, Result{Name: "vuln-match/" + name + "/" + round, Value: r.Took.Seconds(), Unit: "s", N: int64(r.Vulns),
			Note: fmt.Sprintf("Service.Rematch: %d vulnerabilities x %d computers; %d new exposures, %d notices written (index load included)", r.Vulns, r.Computers, r.New, r.Notices)})
		fmt.Fprintln(progress, out[len(out)-1])
	}
	// One new vulnerability recorded and matched end to end (index warm).
	lat := make([]time.Duration, 0, 200)
	news := 0
	for i := range 200 {
		v := MatchVuln(cat, nv+i)
		t := time.Now()
		res, err := s.PutVuln(ctx, gov, &v)
		if err != nil {
			return out, err
		}
		lat = append(lat, time.Since(t))
		news += len(res.Match.New)
	}
	p50, p99, max := percentiles(lat)
	out = append(out, Result{Name: "vuln-match/" + name + "/one-vuln", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("Service.PutVuln of a new vulnerability: stored, matched against %d computers, exposures and notices written; p50 %.1f ms, max %.1f ms; %.1f exposures each", nc, ms(p50), ms(max), float64(news)/float64(len(lat)))})
	fmt.Fprintln(progress, out[len(out)-1])
	// An operator's notification, then a new vulnerability: this node
	// applies its own notification to the index in place, so the match
	// does not reload 100,000 computers.
	lat, news = lat[:0], 0
	for i := range 50 {
		c := MatchComputer(cat, i)
		c.ProductVersion = bumpLast(c.ProductVersion, 1+i)
		c.Ref = "asset-" + strconv.Itoa(i)
		c.OrgID = ops[(i/500)%MatchOperators].Org.ID
		t := time.Now()
		if _, err := s.Notify(ctx, ops[(i/500)%MatchOperators], &c); err != nil {
			return out, err
		}
		v := MatchVuln(cat, nv+1000+i)
		res, err := s.PutVuln(ctx, gov, &v)
		if err != nil {
			return out, err
		}
		lat = append(lat, time.Since(t))
		news += len(res.Match.New)
	}
	p50, p99, max = percentiles(lat)
	out = append(out, Result{Name: "vuln-match/" + name + "/notify-then-vuln", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("Service.Notify of a changed computer, then Service.PutVuln of a new vulnerability (the index updated in place, not reloaded); p50 %.1f ms, max %.1f ms", ms(p50), ms(max))})
	fmt.Fprintln(progress, out[len(out)-1])
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentiles returns the median, the 99th percentile and the maximum.
func percentiles(lat []time.Duration) (p50, p99, max time.Duration) {
	return pct(lat, .5), pct(lat, .99), pct(lat, 1)
}
