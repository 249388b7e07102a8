package defense_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/defense"
	"sakimori/internal/export"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/logscan"
	"sakimori/internal/marking"
	"sakimori/internal/match"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// indicator returns a fresh STIX indicator (scores decay with age).
func indicator(n int, pattern, extra string) string {
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-00000000d0d0","created":%q,"modified":%q,`+
		`"name":"test %d","pattern":%q,"pattern_type":"stix","valid_from":%q%s}`, n, ts, ts, n, pattern, ts, extra)
}

func ingest(t *testing.T, w *inteltest.World, who, coll string, raws ...string) {
	t.Helper()
	var objs []*stix.Object
	for _, r := range raws {
		o, err := stix.Parse([]byte(r))
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		objs = append(objs, o)
	}
	job, err := w.Svc.Ingest(context.Background(), w.P(who), coll, objs, intel.IngestOptions{})
	if err != nil || job.Rejected > 0 {
		t.Fatalf("ingest into %s: %v %+v", coll, err, job)
	}
}

// world: public advisories from the NCO (every kind), and a TLP:RED one
// for the council (nco, op-b) that op-a must never receive.
func world(t *testing.T, db *store.DB) (*inteltest.World, *defense.Service) {
	w := inteltest.New(t, db)
	ingest(t, w, "nco-analyst", "advisories",
		indicator(1, "[ipv4-addr:value = '203.0.113.7']", `,"confidence":90`),
		indicator(2, "[ipv4-addr:value = '198.51.100.0/24']", ""),
		indicator(3, "[domain-name:value = 'evil.example']", `,"confidence":40`),
		indicator(4, "[url:value = 'http://bad.example/payload.bin']", ""),
		indicator(5, "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", ""),
		indicator(6, "[email-addr:value = 'phish@evil.example']", ""),
	)
	ingest(t, w, "nco-analyst", "council-red", indicator(7, "[ipv4-addr:value = '192.0.2.66']", ""))
	s := defense.New(w.Svc, inteltest.Quiet)
	s.CacheFor = 0
	return w, s
}

const connLog = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n" +
	"1764460800.000000\tC1\t10.0.0.5\t51000\t203.0.113.7\t443\ttcp\n" +
	"1764460801.000000\tC2\t10.0.0.6\t51001\t198.51.100.99\t80\ttcp\n" +
	"1764460802.000000\tC3\t10.0.0.7\t51002\t192.0.2.66\t80\ttcp\n" +
	"1764460803.000000\tC4\t10.0.0.8\t51003\t8.8.8.8\t53\tudp\n"

func TestCompileScanAndEntitlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		opa, opb := w.P("op-a-analyst"), w.P("op-b-analyst")
		c, err := s.Compile(ctx, opa, defense.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Set.Len() != 6 || len(c.Indicators) != 6 {
			t.Fatalf("op-a's set: %d values", c.Set.Len())
		}
		// The Zeek log: the exact IP, the CIDR (longest prefix) match; the
		// council's TLP:RED address is not op-a's to match.
		res, err := s.Scan(ctx, opa, []byte(connLog), "", defense.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != logscan.FormatZeekTSV || len(res.Hits) != 2 || res.Hits[0].Observed != "203.0.113.7" || res.Hits[1].Observed != "198.51.100.99" ||
			res.Hits[1].Indicator.Value != "198.51.100.0/24" || res.Hits[0].Line != 8 {
			t.Fatalf("op-a scan: %+v", res)
		}
		for _, h := range res.Hits {
			if h.Observed == "192.0.2.66" {
				t.Fatal("op-a matched a TLP:RED indicator of the council")
			}
		}
		// op-b is in the council: it matches the red one too.
		res, _ = s.Scan(ctx, opb, []byte(connLog), logscan.FormatZeekTSV, defense.Filter{})
		if len(res.Hits) != 3 {
			t.Fatalf("op-b scan: %+v", res.Hits)
		}
		// Plain text with defanged values; subdomains of a listed domain.
		text := "Beacon to hxxp://bad[.]example/payload.bin and to a.b.evil[.]example, not notevil.example; mail from phish@evil.example"
		res, _ = s.Scan(ctx, opa, []byte(text), logscan.FormatText, defense.Filter{})
		got := map[string]bool{}
		for _, h := range res.Hits {
			got[h.Indicator.Value] = true
			if strings.Contains(h.Observed, "notevil") {
				t.Errorf("notevil.example matched %s", h.Indicator.Value)
			}
		}
		if !got["http://bad.example/payload.bin"] || !got["evil.example"] || !got["phish@evil.example"] {
			t.Fatalf("text hits: %+v", res.Hits)
		}
		if len(res.Seen) == 0 || res.Seen[0].Count < 1 {
			t.Fatalf("aggregates: %+v", res.Seen)
		}
	})
}

func TestFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		opb := w.P("op-b-analyst")
		cases := []struct {
			q    string
			want int
		}{
			{"", 7},
			{"kind=ipv4,cidr4", 3},
			{"kind=domain&kind=email", 2},
			{"min_confidence=50", 1},
			{"max_tlp=amber", 6},
			{"max_age=1", 7},
			{"min_score=100", 0},
		}
		for _, c := range cases {
			q, _ := url.ParseQuery(c.q)
			f, err := defense.ParseFilter(q)
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			inds, _, err := s.Indicators(ctx, opb, f)
			if err != nil || len(inds) != c.want {
				t.Errorf("%q: %d indicators, want %d (%v)", c.q, len(inds), c.want, err)
			}
			// The filter survives a round trip through its query form.
			if again, err := defense.ParseFilter(f.Values()); err != nil || again.Values().Encode() != f.Values().Encode() {
				t.Errorf("%q: round trip %v %v", c.q, again, err)
			}
		}
		for q, field := range map[string]string{"kind=ipv9": "kind", "min_score=101": "min_score", "min_confidence=x": "min_confidence",
			"max_tlp=purple": "max_tlp", "max_age=0": "max_age"} {
			v, _ := url.ParseQuery(q)
			if _, err := defense.ParseFilter(v); apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != field {
				t.Errorf("%s: %v, want invalid %s", q, err, field)
			}
		}
		f, _ := defense.ParseFilter(url.Values{"max_tlp": {"green"}})
		if f.MaxTLP != marking.TLPGreen {
			t.Errorf("max_tlp: %v", f.MaxTLP)
		}
	})
}

func TestExportETagAndRevocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		opa := w.P("op-a-analyst")
		for _, f := range export.Formats {
			flt := defense.Filter{}
			if f == export.FormatSuricataDataset {
				flt.Kinds = []match.Kind{match.KindIPv4} // one kind per dataset file
			}
			r, err := s.Export(ctx, opa, f, flt, export.Options{})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if r.ETag == "" || r.ContentType == "" || len(r.Body) == 0 {
				t.Errorf("%s: %+v", f, r)
			}
			if f != export.FormatMISPFeed && strings.Contains(string(r.Body), "192.0.2.66") {
				t.Errorf("%s: op-a's export holds the council's TLP:RED address", f)
			}
		}
		a, _ := s.Export(ctx, opa, export.FormatTXT, defense.Filter{}, export.Options{})
		b, _ := s.Export(ctx, opa, export.FormatTXT, defense.Filter{}, export.Options{})
		if a.ETag != b.ETag || !strings.Contains(string(a.Body), "203.0.113.7") {
			t.Fatalf("unchanged set, different ETags %s %s", a.ETag, b.ETag)
		}
		// Revoked: gone on the next poll, and the ETag changes.
		if _, err := w.Svc.Revoke(ctx, w.P("nco-analyst"), "indicator--00000001-0000-4000-8000-00000000d0d0", "false positive"); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Export(ctx, opa, export.FormatTXT, defense.Filter{}, export.Options{})
		if c.ETag == a.ETag || strings.Contains(string(c.Body), "203.0.113.7") {
			t.Fatalf("after revocation: %s\n%s", c.ETag, c.Body)
		}
		// Expired: gone at the next poll too (the store's clock moves on).
		until := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")
		ingest(t, w, "nco-analyst", "advisories", indicator(8, "[ipv4-addr:value = '203.0.113.88']", `,"valid_until":"`+until+`"`))
		if d, _ := s.Export(ctx, opa, export.FormatTXT, defense.Filter{}, export.Options{}); !strings.Contains(string(d.Body), "203.0.113.88") {
			t.Fatalf("valid indicator missing:\n%s", d.Body)
		}
		db.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		defer func() { db.Now = time.Now }()
		if d, _ := s.Export(ctx, opa, export.FormatTXT, defense.Filter{}, export.Options{}); strings.Contains(string(d.Body), "203.0.113.88") {
			t.Fatalf("expired indicator still exported:\n%s", d.Body)
		}
		if _, err := s.Export(ctx, opa, "nope", defense.Filter{}, export.Options{}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Errorf("unknown format: %v", err)
		}
	})
}

func TestSightingsReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		opa := w.P("op-a-analyst")
		res, err := s.Scan(ctx, opa, []byte(connLog+connLog[strings.Index(connLog, "1764460800"):]), "", defense.Filter{})
		if err != nil || len(res.Seen) != 2 || res.Seen[0].Count != 2 {
			t.Fatalf("scan: %v %+v", err, res)
		}
		// First and last seen are the log's times (Zeek ts), not the scan's.
		if want := time.Unix(1764460800, 0).UTC(); !res.Seen[0].FirstSeen.Equal(want) || !res.Seen[0].LastSeen.Equal(want) {
			t.Fatalf("seen at %v..%v, want %v", res.Seen[0].FirstSeen, res.Seen[0].LastSeen, want)
		}
		seen := append(res.Seen, defense.Seen{IndicatorID: "indicator--00000007-0000-4000-8000-00000000d0d0", Count: 1, FirstSeen: time.Now(), LastSeen: time.Now()})
		dry, err := s.ReportSightings(ctx, opa, seen, true, true)
		if err != nil || !dry.DryRun || len(dry.Sightings) != 2 || len(dry.Rejected) != 1 {
			t.Fatalf("dry run: %v %+v", err, dry)
		}
		if sum, _ := w.Svc.Sightings(ctx, opa, res.Seen[0].IndicatorID); sum.Count != 0 {
			t.Fatalf("a dry run stored sightings: %+v", sum)
		}
		rep, err := s.ReportSightings(ctx, opa, seen, false, false)
		if err != nil || len(rep.Sightings) != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Message == "" {
			t.Fatalf("report: %v %+v", err, rep)
		}
		sum, _ := w.Svc.Sightings(ctx, opa, res.Seen[0].IndicatorID)
		if sum.Count != 2 {
			t.Fatalf("stored count %d, want 2", sum.Count)
		}
		// A viewer may not report.
		if _, err := s.ReportSightings(ctx, w.P("op-a-viewer"), seen, false, false); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("viewer: %v", err)
		}
	})
}

// The compiled set round-trips through its snapshot (what `sakimori
// match --set` and --server load).
func TestSnapshotMatchesLikeTheSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		c, err := s.Compile(ctx, w.P("op-b-analyst"), defense.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		if _, err := c.Set.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		set, err := match.ReadSet(strings.NewReader(buf.String()))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := defense.ScanSet(c.Set, strings.NewReader(connLog), "", time.Now())
		b, _ := defense.ScanSet(set, strings.NewReader(connLog), "", time.Now())
		if len(a.Hits) != 3 || len(b.Hits) != len(a.Hits) {
			t.Fatalf("set %d hits, snapshot %d", len(a.Hits), len(b.Hits))
		}
	})
}

func TestSeenAt(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		rec  int64
		want time.Time
	}{
		{0, now},
		{now.Add(-time.Hour).UnixNano(), now.Add(-time.Hour)},
		{now.Add(time.Hour).UnixNano(), now}, // a clock ahead never makes a sighting in the future
	} {
		if got := defense.SeenAt(c.rec, now); !got.Equal(c.want) {
			t.Errorf("SeenAt(%d) = %v, want %v", c.rec, got, c.want)
		}
	}
}

// TestExportView: "export this view" writes the indicators of the view
// only, under the reader's entitlement, in every format.
func TestExportView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, s := world(t, db)
		n := 80
		for _, tc := range []struct {
			who  string
			vf   intel.ViewFilter
			want []string
			not  []string
		}{
			{"op-a-analyst", intel.ViewFilter{}, []string{"203.0.113.7", "evil.example"}, []string{"192.0.2.66"}},
			{"op-b-analyst", intel.ViewFilter{}, []string{"203.0.113.7", "192.0.2.66"}, nil},
			{"op-b-analyst", intel.ViewFilter{TLPs: []marking.TLP{marking.TLPRed}}, []string{"192.0.2.66"}, []string{"203.0.113.7"}},
			{"op-a-analyst", intel.ViewFilter{TLPs: []marking.TLP{marking.TLPRed}}, nil, []string{"192.0.2.66", "203.0.113.7"}},
			{"op-b-analyst", intel.ViewFilter{MinConfidence: &n}, []string{"203.0.113.7"}, []string{"evil.example", "192.0.2.66"}},
			{"op-b-analyst", intel.ViewFilter{Text: "evil.example"}, []string{"evil.example"}, []string{"203.0.113.7", "phish@"}},
			{"op-b-analyst", intel.ViewFilter{Types: []string{"malware"}}, nil, []string{"203.0.113.7", "192.0.2.66"}},
		} {
			for _, f := range export.Formats {
				if f == export.FormatSuricataDataset || f == export.FormatMISPFeed {
					continue
				}
				r, err := s.ExportView(ctx, w.P(tc.who), f, tc.vf, export.Options{})
				if err != nil {
					t.Fatalf("%s %+v %s: %v", tc.who, tc.vf, f, err)
				}
				body := string(r.Body)
				for _, v := range tc.not {
					if strings.Contains(body, v) {
						t.Errorf("%s %+v %s: has %s", tc.who, tc.vf, f, v)
					}
				}
				if f == export.FormatTXT || f == export.FormatCSV {
					for _, v := range tc.want {
						if !strings.Contains(body, v) {
							t.Errorf("%s %+v %s: lacks %s", tc.who, tc.vf, f, v)
						}
					}
				}
			}
		}
		if _, err := s.ExportView(ctx, w.P("op-a-analyst"), "yaml", intel.ViewFilter{}, export.Options{}); err == nil {
			t.Error("an unknown format was exported")
		}
	})
}
