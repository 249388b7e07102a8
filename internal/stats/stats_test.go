package stats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/share"
	"sakimori/internal/stats"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

type world struct {
	*inteltest.World
	rs  *reporting.Service
	svc *stats.Service
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := reportingtest.New(t, db)
	act := audit.Actor{Name: "cli"}
	ov := &org.Organisation{Slug: "ov", Kind: org.KindOversight, Name: org.Names{JA: "監視委員会", EN: "Oversight"}, Contact: org.Contact{Name: "d", Email: "d@ov.example.jp"}}
	if err := db.CreateOrg(ctx, act, ov); err != nil {
		t.Fatal(err)
	}
	w.Orgs["ov"] = ov
	u := &org.User{OrgID: ov.ID, Email: "auditor@ov.example.jp", DisplayName: "auditor", Roles: []org.Role{org.RoleAuditor}}
	if err := db.CreateUser(ctx, act, u, ""); err != nil {
		t.Fatal(err)
	}
	w.Users["auditor"] = u
	rs := reporting.New(db, inteltest.Quiet)
	rs.Intel = w.Svc
	return &world{World: w, rs: rs, svc: stats.New(db, w.Svc, nil)}
}

// file creates and submits a report of op-a naming techniques.
func (w *world) file(t *testing.T, title string, techniques ...string) {
	t.Helper()
	ctx := context.Background()
	aware := time.Now().Add(-3 * time.Hour)
	c := report.Content{Class: report.Known(report.ClassMalwareInfection, report.Confirmed, aware, "EDR"),
		Aware: report.Known(&aware, report.Confirmed, aware, "EDR"), Summary: report.Known("summary of "+title, report.Confirmed, aware, "EDR"),
		Techniques: report.Known(techniques, report.Confirmed, aware, "EDR")}
	rep := w.P("op-a-reporter")
	in, err := w.rs.Create(ctx, rep, reporting.NewIncident{Title: title, Content: &c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.rs.Submit(ctx, rep, in.ID, reporting.SubmitRequest{}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) indicator(t *testing.T, user, coll string, n int, ip string) {
	t.Helper()
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	raw := strings.NewReplacer("2026-11-01T00:00:00.000Z", ts, "2026-11-01T00:00:00Z", ts).Replace(inteltest.Indicator(n, ip, ""))
	o, err := stix.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if j, err := w.Svc.Ingest(context.Background(), w.P(user), coll, []*stix.Object{o}, intel.IngestOptions{}); err != nil || j.Rejected > 0 {
		t.Fatalf("ingest: %v %+v", err, j)
	}
}

func (w *world) attackPattern(t *testing.T, user, coll, technique string) {
	t.Helper()
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	o, err := stix.Parse([]byte(`{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"` + ts +
		`","modified":"` + ts + `","name":"pattern ` + technique + `","external_references":[{"source_name":"mitre-attack","external_id":"` + technique + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if j, err := w.Svc.Ingest(context.Background(), w.P(user), coll, []*stix.Object{o}, intel.IngestOptions{}); err != nil || j.Rejected > 0 {
		t.Fatalf("ingest: %v %+v", err, j)
	}
}

func (w *world) sighting(t *testing.T, user string) {
	t.Helper()
	if err := w.Svc.AddSighting(context.Background(), w.P(user), &share.Sighting{StixID: "indicator--00000001-0000-4000-8000-000000000000"}); err != nil {
		t.Fatal(err)
	}
}

// snapshot is every chart as p sees it (errors included), without the
// generation time.
func (w *world) snapshot(t *testing.T, p *auth.Principal) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range stats.Charts {
		st, err := w.svc.Get(context.Background(), p, name, 4)
		if err != nil {
			out[name] = "error: " + string(apperr.CodeOf(err))
			continue
		}
		st.GeneratedAt = time.Time{}
		b, _ := json.Marshal(st)
		out[name] = string(b)
	}
	return out
}

func total(st *stats.Stats, key string) int64 {
	var n int64
	for _, s := range st.Series {
		if key == "" || s.Key == key {
			for _, v := range s.Values {
				n += v
			}
		}
	}
	return n
}

// TestEntitlement: what one organisation does never changes the charts of
// another that may not see it, on both stores.
func TestEntitlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.indicator(t, "nco-analyst", "advisories", 1, "203.0.113.1")
		w.file(t, "first", "T1566")
		w.sighting(t, "op-b-analyst")

		principals := []string{"nco-analyst", "op-a-analyst", "op-b-analyst", "sup-analyst", "auditor"}
		before := map[string]map[string]string{}
		for _, u := range principals {
			before[u] = w.snapshot(t, w.P(u))
		}

		// op-a files a report; an AMBER+STRICT indicator is shared with op-a
		// only (plain AMBER would reach op-a's linked supplier too); op-a
		// reports a sighting.
		w.file(t, "second", "T1190", "T1566")
		only := &share.Collection{Alias: "a-only", Title: org.Names{JA: "A限定", EN: "A only"}, OwnerOrgID: w.Orgs["nco"].ID, TLP: marking.TLPAmberStrict,
			WritePolicy: share.WriteOwner, Audience: share.Audience{Orgs: []string{w.Orgs["op-a"].ID}}}
		if err := db.CreateCollection(ctx, audit.Actor{Name: "cli"}, only); err != nil {
			t.Fatal(err)
		}
		w.indicator(t, "nco-analyst", "a-only", 2, "198.51.100.2")
		w.attackPattern(t, "nco-analyst", "a-only", "T1486")
		w.sighting(t, "op-a-analyst")

		for _, tc := range []struct {
			user    string
			changed []string // charts that must change; every other must not
		}{
			{"nco-analyst", []string{stats.Reports, stats.Techniques, stats.Indicators, stats.Sightings}},
			{"op-a-analyst", []string{stats.Reports, stats.Techniques, stats.Indicators, stats.Sightings}},
			{"op-b-analyst", nil},
			{"sup-analyst", nil},
			{"auditor", nil},
		} {
			t.Run(tc.user, func(t *testing.T) {
				after := w.snapshot(t, w.P(tc.user))
				for _, name := range stats.Charts {
					want := false
					for _, c := range tc.changed {
						want = want || c == name
					}
					if got := after[name] != before[tc.user][name]; got != want {
						t.Errorf("%s changed = %v, want %v\nbefore %s\nafter  %s", name, got, want, before[tc.user][name], after[name])
					}
				}
			})
		}

		// Absolute numbers.
		get := func(user, chart string) *stats.Stats {
			t.Helper()
			st, err := w.svc.Get(ctx, w.P(user), chart, 4)
			if err != nil {
				t.Fatalf("%s %s: %v", user, chart, err)
			}
			return st
		}
		for _, tc := range []struct {
			user, chart, key string
			want             int64
		}{
			{"nco-analyst", stats.Reports, "electricity", 2},
			{"op-a-analyst", stats.Reports, "electricity", 2},
			{"op-b-analyst", stats.Reports, "", 0},
			{"sup-analyst", stats.Reports, "", 0},
			{"nco-analyst", stats.Indicators, "ipv4", 2},
			{"op-a-analyst", stats.Indicators, "ipv4", 2},
			{"op-b-analyst", stats.Indicators, "ipv4", 1},
			{"sup-analyst", stats.Indicators, "ipv4", 1},
			{"nco-analyst", stats.Sightings, "all", 2},
			{"op-a-analyst", stats.Sightings, "own", 1},
			{"op-b-analyst", stats.Sightings, "own", 1},
			// One organisation in the sector: suppressed.
			{"op-a-analyst", stats.Sightings, "sector", 0},
			{"sup-analyst", stats.Sightings, "", 0},
		} {
			if got := total(get(tc.user, tc.chart), tc.key); got != tc.want {
				t.Errorf("%s %s %q = %d, want %d", tc.user, tc.chart, tc.key, got, tc.want)
			}
		}
		// Every principal's indicator count is what the sharing service
		// gives it to read.
		for _, u := range principals {
			recs, _, err := w.Svc.Search(ctx, w.P(u), intel.SearchQuery{Types: []string{"indicator"}, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if got := total(get(u, stats.Indicators), ""); got != int64(len(recs)) {
				t.Errorf("%s: %d indicators charted, the sharing service gives %d", u, got, len(recs))
			}
		}
		sec := get("op-a-analyst", stats.Sightings).Series[1]
		if sec.Key != "sector" || !strings.Contains(fmt.Sprint(sec.Suppressed), "true") {
			t.Errorf("op-a's sector week is not suppressed: %+v", sec)
		}
		if st := get("nco-analyst", stats.Techniques); fmt.Sprint(st.Ranking) != "[{T1566 2 0} {T1190 1 0} {T1486 0 1}]" {
			t.Errorf("nco techniques %v", st.Ranking)
		}
		if st := get("op-a-analyst", stats.Techniques); fmt.Sprint(st.Ranking) != "[{T1566 2 0} {T1190 1 0} {T1486 0 1}]" {
			t.Errorf("op-a techniques %v", st.Ranking)
		}
		if st := get("op-b-analyst", stats.Techniques); len(st.Ranking) != 0 {
			t.Errorf("op-b sees techniques %v", st.Ranking)
		}
		// The police are government but never a receiver: nothing.
		if st := get("npa-analyst", stats.Reports); total(st, "") != 0 || st.Scope != "received" {
			t.Errorf("npa reports %+v", st)
		}
		// The command line without an organisation sees every report.
		if st, err := w.svc.Get(ctx, &auth.Principal{System: "cli"}, stats.Reports, 4); err != nil || total(st, "") != 2 || st.Scope != "all" {
			t.Errorf("cli reports %+v %v", st, err)
		}
	})
}

func TestValidation(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := newWorld(t, db)
	ctx := context.Background()
	for _, n := range []int{-1, 53, 1000} {
		if _, err := w.svc.Get(ctx, w.P("op-a-analyst"), stats.Reports, n); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Errorf("weeks %d: %v", n, err)
		}
	}
	if _, err := w.svc.Get(ctx, w.P("op-a-analyst"), "nope", 4); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown chart: %v", err)
	}
	if _, err := w.svc.Get(ctx, nil, stats.Reports, 4); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Errorf("nil principal: %v", err)
	}
	for _, n := range []int{0, 1, 4, 52} {
		st, err := w.svc.Get(ctx, w.P("op-a-analyst"), stats.Reports, n)
		if err != nil {
			t.Fatal(err)
		}
		want := n
		if n == 0 {
			want = stats.DefaultWeeks
		}
		if len(st.Weeks) != want || !st.Empty() {
			t.Errorf("weeks %d: %d weeks, empty %v", n, len(st.Weeks), st.Empty())
		}
	}
}

// TestWeeks: weeks start on Monday 00:00 JST and the last is the current
// one.
func TestWeeks(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := newWorld(t, db)
	// Sunday 2026-11-29 23:30 JST = 14:30 UTC: still the week of the 23rd.
	w.svc.Now = func() time.Time { return time.Date(2026, 11, 29, 14, 30, 0, 0, time.UTC) }
	st, err := w.svc.Get(context.Background(), w.P("op-a-analyst"), stats.Reports, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.Weeks) != "[2026-11-16 2026-11-23]" || !st.From.Equal(time.Date(2026, 11, 15, 15, 0, 0, 0, time.UTC)) || !st.To.Equal(time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("weeks %v from %v to %v", st.Weeks, st.From, st.To)
	}
}

// TestDeadlines: met, late and missed prompt deadlines (jp-acd, 72 h from
// awareness) in the week they fell due; open ones and refuted reports are
// not counted; the government counts only what was submitted to it.
func TestDeadlines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		now := time.Now().UTC().Truncate(time.Minute)
		w.svc.Now = func() time.Time { return now }
		opA, nco := w.Orgs["op-a"], w.Orgs["nco"]
		mk := func(title string, aware time.Time, submitAfter time.Duration, state incident.State) {
			t.Helper()
			in := &incident.Incident{OrgID: opA.ID, Title: title, CreatedBy: "u", State: state,
				Regimes: []incident.RegimeChoice{{Regime: "jp-acd", Reportable: incident.ReportableYes}}}
			in.Content.Aware = report.Known(&aware, report.Confirmed, aware, "EDR")
			if err := db.CreateIncident(ctx, audit.Actor{Name: "t"}, in, nil, nil); err != nil {
				t.Fatal(err)
			}
			if submitAfter == 0 {
				return
			}
			sub := &incident.Submission{Recipient: nco.ID, Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport, Version: 1,
				SubmittedAt: aware.Add(submitAfter), SubmittedBy: "u", Body: json.RawMessage(`{}`)}
			if _, err := db.UpdateIncident(ctx, in.ID, func(x *incident.Incident) (*store.IncidentChange, error) {
				x.State, x.SubmittedVersion = incident.Submitted, 1
				return &store.IncidentChange{Submissions: []*incident.Submission{sub}}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		t0 := now.Add(-10 * 24 * time.Hour)
		mk("met", t0, 10*time.Hour, "")
		mk("late", t0, 80*time.Hour, "")
		mk("missed", t0, 0, "")
		mk("refuted", t0, 0, incident.Refuted)
		mk("open", now.Add(-time.Hour), 0, "")

		for _, tc := range []struct {
			user string
			want string // met/late/missed
		}{{"op-a-analyst", "1/1/1"}, {"nco-analyst", "1/1/0"}, {"op-b-analyst", "0/0/0"}, {"sup-analyst", "0/0/0"}} {
			st, err := w.svc.Get(ctx, w.P(tc.user), stats.Deadlines, 4)
			if err != nil {
				t.Fatal(err)
			}
			var m, l, x int64
			for _, c := range st.Compliance {
				if c.Regime != "jp-acd" {
					t.Errorf("%s: regime %s", tc.user, c.Regime)
				}
				cm, cl, cx := c.Totals()
				m, l, x = m+cm, l+cl, x+cx
			}
			if got := fmt.Sprintf("%d/%d/%d", m, l, x); got != tc.want {
				t.Errorf("%s: met/late/missed %s, want %s", tc.user, got, tc.want)
			}
		}
	})
}

// TestCache: with CacheTTL an answer is reused for the same user until it
// expires, and never given to another user.
func TestCache(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := newWorld(t, db)
	ctx := context.Background()
	now := time.Now()
	w.svc.Now = func() time.Time { return now }
	w.svc.CacheTTL = 30 * time.Second
	count := func(user string) int64 {
		t.Helper()
		st, err := w.svc.Get(ctx, w.P(user), stats.Reports, 4)
		if err != nil {
			t.Fatal(err)
		}
		return total(st, "")
	}
	if count("op-a-analyst") != 0 || count("op-b-analyst") != 0 {
		t.Fatal("reports before any was filed")
	}
	w.file(t, "first", "T1566")
	if n := count("op-a-analyst"); n != 0 {
		t.Errorf("op-a within the TTL: %d, want the cached 0", n)
	}
	if n := count("nco-analyst"); n != 1 {
		t.Errorf("the NCO (not cached yet): %d, want 1", n)
	}
	now = now.Add(31 * time.Second)
	if n := count("op-a-analyst"); n != 1 {
		t.Errorf("op-a after the TTL: %d, want 1", n)
	}
	if n := count("op-b-analyst"); n != 0 {
		t.Errorf("op-b: %d, want 0", n)
	}
}
