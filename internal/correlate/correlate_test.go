package correlate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/correlate"
	"sakimori/internal/event/eventtest"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// recorder keeps the engine's events.
type recorder struct{ eventtest.Recorder }

func (r *recorder) kinds() []string {
	var out []string
	for _, e := range r.Events() {
		out = append(out, string(e.Kind))
		if !e.Audience.Gov || e.Audience.Everyone || len(e.Audience.Orgs) > 0 {
			panic("cluster event for more than the government")
		}
	}
	return out
}

type world struct {
	*inteltest.World
	corr *correlate.Service
	rep  *reporting.Service
	ev   *recorder
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{World: reportingtest.New(t, db), ev: &recorder{}}
	w.corr = correlate.New(db, inteltest.Quiet)
	w.corr.Events = w.ev
	w.corr.Intel = w.Svc
	w.Svc.Observers = []intel.Observer{w.corr}
	w.rep = reporting.New(db, inteltest.Quiet)
	w.rep.Intel = w.Svc
	w.rep.Observers = []reporting.Observer{w.corr}
	return w
}

func known[T any](v T) report.Field[T] {
	return report.Known(v, report.Confirmed, time.Now().UTC().Add(-time.Hour), "EDR")
}

// submit creates and submits a report of the user's organisation.
func (w *world) submit(t *testing.T, user string, iocs []report.IOC, techniques []string, cves ...string) *incident.Incident {
	t.Helper()
	ctx := context.Background()
	p := w.P(user)
	c := report.Content{Class: known(report.ClassUnauthorisedAccess), Summary: known("不正アクセス"), IOCs: known(iocs), Techniques: known(techniques)}
	var vs []report.ExploitedVuln
	for _, v := range cves {
		vs = append(vs, report.ExploitedVuln{CVE: v, Product: "VPN"})
	}
	c.Vulns = known(vs)
	in, err := w.rep.Create(ctx, p, reporting.NewIncident{Title: "incident of " + user, Content: &c})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := w.rep.Submit(ctx, p, in.ID, reporting.SubmitRequest{}); err != nil {
		t.Fatalf("submit: %v", err)
	}
	in, err = w.DB.Incident(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// share has an organisation share objects (as the intel service tells
// observers after a stored batch).
func (w *world) share(org, source, stixID, typ, name string, atoms ...store.Atom) {
	w.corr.ObjectsStored(context.Background(), nil, []intel.StoredObject{{StixID: stixID, Type: typ, Owner: w.Orgs[org].ID, Source: source,
		Name: name, Atoms: atoms}})
}

func ip(v string) store.Atom { return store.Atom{Kind: "ipv4", Value: v} }

func one(t *testing.T, cs []correlate.Cluster) correlate.Cluster {
	t.Helper()
	if len(cs) != 1 {
		t.Fatalf("want one cluster, got %+v", cs)
	}
	return cs[0]
}

func TestCorrelation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		nco := w.P("nco-analyst")

		// One organisation: observations, no cluster.
		inA := w.submit(t, "op-a-reporter", []report.IOC{{Type: "ipv4", Value: "203.0.113.5"}, {Type: "domain", Value: "Evil.Example.COM"}},
			[]string{"T1190"}, "CVE-2024-3400")
		if cs, _ := w.corr.List(ctx, nco, correlate.Query{}); len(cs) != 0 {
			t.Fatalf("one organisation made a cluster: %+v", cs)
		}
		// A technique alone, from a second organisation: weak, no cluster.
		w.submit(t, "op-b-analyst", nil, []string{"T1190"})
		if cs, _ := w.corr.List(ctx, nco, correlate.Query{}); len(cs) != 0 {
			t.Fatalf("one shared technique made a cluster: %+v", cs)
		}
		// A bulk feed import and a derived object are no observations.
		w.share("isac", "feed:abuse", "indicator--00000000-0000-4000-8000-00000000f001", "indicator", "x", ip("203.0.113.5"))
		w.share("isac", "report:"+inA.ID, "indicator--00000000-0000-4000-8000-00000000f002", "indicator", "x", ip("203.0.113.5"))
		if cs, _ := w.corr.List(ctx, nco, correlate.Query{}); len(cs) != 0 {
			t.Fatalf("a feed made a cluster: %+v", cs)
		}
		// The government's own objects are no independent observation.
		w.share("nco", "api", "indicator--00000000-0000-4000-8000-00000000f003", "indicator", "x", ip("203.0.113.5"))
		if cs, _ := w.corr.List(ctx, nco, correlate.Query{}); len(cs) != 0 {
			t.Fatalf("the government made a cluster: %+v", cs)
		}

		// A second organisation shares the IP (normalised the same way)
		// and the CVE: a cluster.
		w.share("op-b", "api", "indicator--00000000-0000-4000-8000-00000000b001", "indicator", "[ipv4-addr:value = '203.0.113.5']", ip("203.0.113.5"))
		cl := one(t, must(w.corr.List(ctx, nco, correlate.Query{})))
		if cl.Orgs != 2 || cl.Status != "open" || !strings.HasPrefix(cl.Ref, "CL-") || cl.Strength <= 0 || cl.Strength > 100 {
			t.Fatalf("cluster: %+v", cl)
		}
		if k := w.ev.kinds(); len(k) != 1 || k[0] != "cluster.created" {
			t.Fatalf("events: %v", k)
		}
		w.share("op-b", "api", "vulnerability--00000000-0000-4000-8000-00000000b002", "vulnerability", "CVE-2024-3400")
		d, err := w.corr.Get(ctx, nco, cl.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if !hasValue(d.Evidence, "ipv4", "203.0.113.5", true) || !hasValue(d.Evidence, "cve", "CVE-2024-3400", true) || len(d.Involved) != 2 {
			t.Fatalf("detail: %+v", d)
		}
		// Technique T1190 joined with op-b's... no: op-b's technique came
		// alone; it joins only with a strong value of the same batch.
		if hasValue(d.Evidence, "technique", "T1190", true) {
			t.Fatalf("a lone technique joined: %+v", d.Evidence)
		}
		sectors := []string{d.Involved[0].Sector, d.Involved[1].Sector}
		slices.Sort(sectors)
		if sectors[0] != "electricity" || sectors[1] != "railway" || d.Involved[0].Slug == "" {
			t.Fatalf("involved: %+v", d.Involved)
		}

		// Two weak values together form a cluster.
		w.submit(t, "op-a-reporter", nil, []string{"T1059.001", "T1566"})
		w.share("isac", "api", "attack-pattern--00000000-0000-4000-8000-0000000000a1", "attack-pattern", "PowerShell")
		raw := func(id string) []byte {
			return []byte(`{"type":"attack-pattern","external_references":[{"source_name":"mitre-attack","external_id":"` + id + `"}]}`)
		}
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{
			{StixID: "attack-pattern--00000000-0000-4000-8000-0000000000a2", Type: "attack-pattern", Owner: w.Orgs["isac"].ID, Source: "api", Raw: raw("T1059.001")},
		})
		if n := len(must(w.corr.List(ctx, nco, correlate.Query{}))); n != 1 {
			t.Fatalf("one technique per batch formed a cluster: %d", n)
		}
		// (a batch with two weak values does)
		w.submit(t, "op-b-analyst", nil, []string{"T1059.001", "T1566"})
		if n := len(must(w.corr.List(ctx, nco, correlate.Query{}))); n != 2 {
			t.Fatalf("two shared techniques: %d clusters", n)
		}

		// A second strong cluster, then a batch connecting both: merged
		// into the older one.
		w.share("op-a", "api", "indicator--00000000-0000-4000-8000-00000000a010", "indicator", "x", ip("198.51.100.7"))
		w.share("sup", "api", "indicator--00000000-0000-4000-8000-00000000c010", "indicator", "x", ip("198.51.100.7"))
		all := must(w.corr.List(ctx, nco, correlate.Query{}))
		if len(all) != 3 {
			t.Fatalf("second strong cluster: %+v", all)
		}
		w.share("ven", "api", "indicator--00000000-0000-4000-8000-00000000d010", "indicator", "x", ip("198.51.100.7"), ip("203.0.113.5"))
		merged, err := w.corr.List(ctx, nco, correlate.Query{Status: "merged"})
		if err != nil || len(merged) != 1 || merged[0].MergedInto != cl.ID {
			t.Fatalf("merge: %+v %v", merged, err)
		}
		d, _ = w.corr.Get(ctx, nco, cl.ID)
		if !hasValue(d.Evidence, "ipv4", "198.51.100.7", true) || d.Orgs != 4 || len(d.Involved) != 4 {
			t.Fatalf("survivor: %+v", d)
		}
		if md, _ := w.corr.Get(ctx, nco, merged[0].Ref); len(md.Evidence) != 0 || md.MergedRef != cl.Ref {
			t.Fatalf("merged cluster keeps evidence: %+v", md)
		}

		// Analysts confirm; others may not.
		for _, u := range []string{"op-a-analyst", "op-b-admin", "sup-analyst", "isac-analyst", "ven-admin"} {
			p := w.P(u)
			if _, err := w.corr.List(ctx, p, correlate.Query{}); apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Fatalf("%s lists clusters: %v", u, err)
			}
			if _, err := w.corr.Get(ctx, p, cl.Ref); apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Fatalf("%s reads a cluster: %v", u, err)
			}
			if _, err := w.corr.ClustersForIncident(ctx, p, inA.ID); apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Fatalf("%s reads incident clusters: %v", u, err)
			}
			st := "dismissed"
			if _, err := w.corr.Change(ctx, p, cl.Ref, correlate.Update{Status: &st}); apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Fatalf("%s changes a cluster: %v", u, err)
			}
		}
		st, title := "confirmed", "VPN campaign"
		if _, err := w.corr.Change(ctx, w.P("nco-admin"), cl.Ref, correlate.Update{Status: &st}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("a government admin without the analyst role: %v", err)
		}
		bad := "merged"
		if _, err := w.corr.Change(ctx, nco, cl.Ref, correlate.Update{Status: &bad}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("status merged by hand: %v", err)
		}
		c2, err := w.corr.Change(ctx, nco, cl.Ref, correlate.Update{Status: &st, Title: &title})
		if err != nil || c2.Status != "confirmed" || c2.Title != title {
			t.Fatalf("confirm: %+v %v", c2, err)
		}
		if k := w.ev.kinds(); k[len(k)-1] != "cluster.updated" {
			t.Fatalf("events: %v", k)
		}
		if got := must(w.corr.ClustersForIncident(ctx, nco, inA.ID)); len(got) != 1 || got[0].ID != cl.ID {
			t.Fatalf("clusters for incident: %+v", got)
		}

		// Feedback: the reporter sees its clusters and anonymised counts.
		fb, err := w.corr.IncidentFeedback(ctx, w.P("op-a-reporter"), inA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fb.Clusters) != 1 || fb.Clusters[0].Ref != cl.Ref {
			t.Fatalf("feedback clusters: %+v", fb.Clusters)
		}
		vf := map[string]correlate.Count{}
		for _, v := range fb.Values {
			vf[v.Value] = v.Others
		}
		// 203.0.113.5: op-b, ven (isac's was a feed; nco is government).
		if c := vf["203.0.113.5"]; c.Suppressed || c.Orgs != 2 || c.Sectors != 1 {
			t.Fatalf("ip feedback: %+v", c)
		}
		// evil.example.com: nobody else: suppressed. CVE: op-b only: suppressed.
		if c := vf["evil.example.com"]; !c.Suppressed || c.Orgs != 0 || c.FewerThan != 2 {
			t.Fatalf("domain feedback: %+v", c)
		}
		if c := vf["CVE-2024-3400"]; !c.Suppressed || c.Orgs != 0 {
			t.Fatalf("cve feedback (one other organisation): %+v", c)
		}
		b, _ := json.Marshal(fb)
		for _, o := range []string{"op-b", "ven", "sup", "isac"} {
			if strings.Contains(string(b), w.Orgs[o].ID) || strings.Contains(string(b), `"`+o+`"`) {
				t.Fatalf("feedback names %s: %s", o, b)
			}
		}
		if _, err := w.corr.IncidentFeedback(ctx, nco, inA.ID); err != nil {
			t.Fatalf("the receiving government: %v", err)
		}
		for _, u := range []string{"op-b-analyst", "npa-analyst", "sup-admin"} {
			if _, err := w.corr.IncidentFeedback(ctx, w.P(u), inA.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
				t.Fatalf("%s reads another organisation's feedback: %v", u, err)
			}
		}

		// A refuted report's observations are withdrawn.
		if _, err := w.rep.Refute(ctx, w.P("op-a-reporter"), inA.ID, "false positive after all"); err != nil {
			t.Fatal(err)
		}
		d, _ = w.corr.Get(ctx, nco, cl.ID)
		for _, v := range d.Evidence {
			if v.Value == "CVE-2024-3400" && v.Orgs != 1 {
				t.Fatalf("the refuted report still counts: %+v", v)
			}
		}
	})
}

func TestCaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		nco := w.P("nco-analyst")
		w.corr.Cap = 2
		id := func(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }
		// Two organisations: a cluster; a third exceeds the cap: the value
		// is capped and the cluster keeps it as flagged evidence only.
		w.share("op-a", "api", id(1), "indicator", "x", ip("192.0.2.99"))
		w.share("op-b", "api", id(2), "indicator", "x", ip("192.0.2.99"))
		cl := one(t, must(w.corr.List(ctx, nco, correlate.Query{})))
		w.share("isac", "api", id(3), "indicator", "x", ip("192.0.2.99"))
		d := must(w.corr.Get(ctx, nco, cl.ID))
		if len(d.Evidence) != 1 || !d.Evidence[0].Capped || d.Evidence[0].CapReason != "too_many_orgs" || d.Evidence[0].Joins || d.Strength != 0 {
			t.Fatalf("capped: %+v", d)
		}
		// A capped value never connects: a new value shared with it forms
		// its own cluster, with the capped value as flagged evidence.
		w.share("op-a", "api", id(4), "indicator", "x", ip("192.0.2.99"), ip("198.51.100.1"))
		w.share("op-b", "api", id(5), "indicator", "x", ip("192.0.2.99"), ip("198.51.100.1"))
		all := must(w.corr.List(ctx, nco, correlate.Query{}))
		if len(all) != 2 {
			t.Fatalf("clusters: %+v", all)
		}
		d = must(w.corr.Get(ctx, nco, all[0].ID))
		if d.ID == cl.ID {
			d = must(w.corr.Get(ctx, nco, all[1].ID))
		}
		if !hasValue(d.Evidence, "ipv4", "198.51.100.1", true) || !hasValue(d.Evidence, "ipv4", "192.0.2.99", false) || hasValue(d.Evidence, "ipv4", "192.0.2.99", true) {
			t.Fatalf("new cluster: %+v", d.Evidence)
		}
		// Values on a warninglist never join.
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{{StixID: id(6), Type: "indicator", Owner: w.Orgs["op-a"].ID, Source: "api",
			Atoms: []store.Atom{ip("8.8.8.8")}, Flags: []share.Flag{{List: "public-dns", Kind: "ipv4", Value: "8.8.8.8"}}}})
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{{StixID: id(7), Type: "indicator", Owner: w.Orgs["op-b"].ID, Source: "api",
			Atoms: []store.Atom{ip("8.8.8.8")}, Flags: []share.Flag{{List: "public-dns", Kind: "ipv4", Value: "8.8.8.8"}}}})
		if n := len(must(w.corr.List(ctx, nco, correlate.Query{}))); n != 2 {
			t.Fatalf("a warninglisted value formed a cluster: %d", n)
		}
	})
}

// TestBatch: one stored batch is one transaction, yet each object is its
// own source: two unrelated objects of one batch are not connected, and an
// object's two versions in one batch are one observation.
func TestBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		nco := w.P("nco-analyst")
		id := func(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }
		obj := func(org string, n int, atoms ...store.Atom) intel.StoredObject {
			return intel.StoredObject{StixID: id(n), Type: "indicator", Owner: w.Orgs[org].ID, Source: "taxii", Atoms: atoms}
		}
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{obj("op-a", 1, ip("192.0.2.1")), obj("op-a", 2, ip("192.0.2.2")),
			obj("op-a", 2, ip("192.0.2.2"))})
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{obj("op-b", 3, ip("192.0.2.1")), obj("op-b", 4, ip("192.0.2.2"))})
		cs := must(w.corr.List(ctx, nco, correlate.Query{}))
		if len(cs) != 2 {
			t.Fatalf("two unrelated objects: %+v", cs)
		}
		// An object seen with both connects them: merged.
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{obj("ven", 5, ip("192.0.2.1"), ip("192.0.2.2"))})
		if cs := must(w.corr.List(ctx, nco, correlate.Query{})); len(cs) != 1 || cs[0].Orgs != 3 {
			t.Fatalf("connected: %+v", cs)
		}
		if k := w.ev.kinds(); len(k) < 3 || k[len(k)-1] != "cluster.updated" {
			t.Fatalf("events: %v", k)
		}
		// Revoking the connecting object withdraws its observations.
		rv := obj("ven", 5, ip("192.0.2.1"), ip("192.0.2.2"))
		rv.Revoked = true
		w.corr.ObjectsStored(ctx, nil, []intel.StoredObject{rv})
		if cs := must(w.corr.List(ctx, nco, correlate.Query{})); len(cs) != 1 || cs[0].Orgs != 2 {
			t.Fatalf("after revocation: %+v", cs)
		}
	})
}

func hasValue(ev []correlate.ClusterValue, kind, value string, joins bool) bool {
	for _, v := range ev {
		if v.Kind == kind && v.Value == value && (!joins || v.Joins) {
			return true
		}
	}
	return false
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestStrength(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	st := store.ClusterStats{Orgs: 2, Strong: 1, Categories: 1, LastSeen: now, Now: now, Window: correlate.DefaultWindow}
	if s := correlate.Strength(st); s != 10+4+30 {
		t.Fatalf("two orgs, one indicator, today: %d", s)
	}
	st.Orgs, st.Strong, st.Weak, st.Categories = 9, 9, 3, 4
	if s := correlate.Strength(st); s != 100 {
		t.Fatalf("maximum: %d", s)
	}
	st.LastSeen = now.Add(-correlate.DefaultWindow)
	if s := correlate.Strength(st); s != 70 {
		t.Fatalf("old: %d", s)
	}
	st.Orgs = 1
	if s := correlate.Strength(st); s != 0 {
		t.Fatalf("one organisation: %d", s)
	}
}

func TestValues(t *testing.T) {
	for _, c := range []struct{ typ, in, kind, out string }{
		{"ipv4", " 203.0.113.5 ", "ipv4", "203.0.113.5"},
		{"ipv6", "2001:DB8::1", "ipv6", "2001:db8::1"},
		{"domain", "Evil.Example.COM.", "domain", "evil.example.com"},
		{"sha256", strings.Repeat("A", 64), "sha256", strings.Repeat("a", 64)},
		{"md5", "nothex", "", ""},
	} {
		k, v := correlate.IOC(c.typ, c.in)
		if k != c.kind || v != c.out {
			t.Errorf("IOC(%s, %q) = %s %q", c.typ, c.in, k, v)
		}
	}
	if correlate.Technique("t1059.001") != "T1059.001" || correlate.Technique("TA0001") != "" || correlate.CVE("cve-2024-3400") != "CVE-2024-3400" {
		t.Fatal("ids")
	}
	if correlate.Independent("feed:x") || correlate.Independent("report:1") || !correlate.Independent("taxii") {
		t.Fatal("independence")
	}
}
