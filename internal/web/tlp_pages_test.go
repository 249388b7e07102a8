package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/correlate"
	"sakimori/internal/exposure"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/push"
	"sakimori/internal/registry"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
	"sakimori/internal/web"
)

// tlpObject is one object a page shows, with the strings that identify
// it, who must see it (and where) and who must never.
type tlpObject struct {
	kind     string
	markers  []string // title, value, id: never on any page an outsider opens
	details  []string // its own pages: 404 or 403 for an outsider
	posts    []string // its actions: 404 or 403 for an outsider, nothing done
	insider  string   // a user who sees it...
	seenAt   string   // ...on this page (the test's control: it can fail)
	outsider []string
}

// tlpPostForm fills in every input of the objects' forms with something
// valid, so that only authorisation can refuse it.
var tlpPostForm = url.Values{"rev": {"1"}, "title": {"x"}, "title.ja": {"x"}, "summary.ja": {"y"}, "severity": {"low"}, "tlp": {"red"},
	"reason": {"x"}, "note": {"x"}, "text": {"x"}, "comment_kind": {"comment"}, "question": {"x"}, "status": {"triaged"}, "link_kind": {"alert"},
	"link_ref": {"ALR-2026-0001"}, "authority_ref": {"x"}, "submission": {"x"}, "step": {"preview"}, "ack_state": {"acknowledged"},
	"decision": {"approve"}, "change_note": {"x"}, "state": {"mitigated"}, "comment": {"x"}, "decline_reason": {"x"}, "fix_timeline": {"x"},
	"vendor_org": {"ven"}, "questions": {"x"}, "due_at": {"2099-01-01"}, "emergency": {"on"}, "vuln_id": {redID}, "targeting.orgs": {"op-b"}}

// tlpLists are the list, search and count pages every outsider opens.
var tlpLists = []string{
	"/", "/incidents", "/incidents?received=1", "/incidents?q=SECRET", "/triage", "/reporting/reminders",
	"/alerts", "/alerts?unacked=1", "/alerts?state=published", "/clusters", "/clusters?q=SECRET",
	"/computers", "/computers?q=SECRET", "/exposure", "/vulns", "/vulns?q=SECRET", "/vulns/" + cveFortiOS, "/notices",
	"/vendor-requests", "/intel", "/intel?q=198.51.100.77", "/intel?q=SECRET", "/collections",
	"/weather", "/events", "/audit", "/audit?q=SECRET", "/charts", "/orgs", "/defense",
}

// worldEnv is the whole platform with one object of every kind a page
// shows, each marked with SECRET-...-Q7 strings (see newWorldEnv).
type worldEnv struct {
	*flowEnv
	x       *exposure.Service
	in      *incident.Incident // op-a's report, submitted (emergency) to nco and min
	av      *alerting.View     // a TLP:AMBER alert to op-b, published
	cl      correlate.Cluster  // op-a's and op-b's sightings of 203.0.113.171
	comp    *registry.Computer // op-a's, exposed to cveFortiOS
	vr      *vuln.Request      // nco asks ven about cveFortiOS
	intelID string             // op-a's indicator in op-a-amber (audience op-b)
}

// newBareWorld serves newFlowEnv's world with every service (exposure,
// push, a commission auditor "commission-auditor").
func newBareWorld(t testing.TB, db *store.DB) *worldEnv {
	t.Helper()
	ctx := context.Background()
	var x *exposure.Service
	var ps *push.Service
	e := newFlowEnv(t, db, func(w *inteltest.World, o *web.Options) {
		x = exposure.New(db, inteltest.Quiet)
		x.Viewer = w.Svc.Viewer
		o.Exposure = x
		ps = push.New(db, inteltest.Quiet)
		ps.Intel = w.Svc
		w.Svc.Events = ps
		o.Push = ps
		o.Intel = w.Svc
		// The oversight commission's auditor reads the audit trail.
		com := &org.Organisation{Slug: "commission", Kind: org.KindOversight, Name: org.Names{JA: "監理委員会", EN: "Commission"},
			Contact: org.Contact{Name: "duty", Email: "d@commission.example.jp"}}
		if err := db.CreateOrg(ctx, audit.Actor{Name: "cli"}, com); err != nil {
			t.Fatal(err)
		}
		u := &org.User{OrgID: com.ID, Email: "auditor@commission.example.jp", DisplayName: "auditor", Roles: []org.Role{org.RoleAuditor}}
		if err := db.CreateUser(ctx, audit.Actor{Name: "cli"}, u, ""); err != nil {
			t.Fatal(err)
		}
		w.Orgs["commission"], w.Users["commission-auditor"] = com, u
	})
	// The push service hears of reports and alerts too.
	e.rep.Events = ps
	e.al.Events = ps
	// A TLP:CLEAR vulnerability everyone may see (the secret exposure to
	// it comes with seed).
	if _, err := x.PutVuln(ctx, e.w.P("nco-analyst"), &vuln.Vulnerability{ID: cveFortiOS, Title: "FortiOS out-of-bounds write", TLP: marking.TLPClear,
		Affected: []vuln.Affected{{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
			Ranges: []version.Range{{Scheme: version.Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}}}}}); err != nil {
		t.Fatal(err)
	}
	return &worldEnv{flowEnv: e, x: x}
}

// newWorldEnv is newBareWorld with one object of each kind.
func newWorldEnv(t testing.TB, db *store.DB) *worldEnv {
	t.Helper()
	g := newBareWorld(t, db)
	g.seed(t)
	return g
}

// seed adds one object of each kind, marked with SECRET-...-Q7 strings.
func (g *worldEnv) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	e, w, x := g.flowEnv, g.w, g.x

	// Intelligence: op-a's indicator in its TLP:AMBER collection (op-b
	// is its audience).
	objs, err := intel.ParseObjects(inteltest.Bundle(inteltest.Indicator(0x707, "198.51.100.77", `,"description":"SECRET-INTEL-Q7"`)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Ingest(ctx, w.P("op-a-analyst"), "op-a-amber", objs, intel.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	intelID := "indicator--00000707-0000-4000-8000-000000000000"

	// An incident report of op-a, submitted to the NCO and the ministry.
	asOf := time.Now().Add(-time.Hour)
	c := report.Content{Summary: report.Known("SECRET-INC-SUMMARY-Q7", report.Likely, asOf, "SOC"),
		IOCs: report.Known([]report.IOC{{Type: "ipv4", Value: "198.51.100.78"}}, report.Possible, asOf, "FW")}
	in, err := e.rep.Create(ctx, w.P("op-a-reporter"), reporting.NewIncident{Title: "SECRET-INC-Q7", Content: &c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rep.Submit(ctx, w.P("op-a-reporter"), in.ID, reporting.SubmitRequest{Emergency: true, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rep.Comment(ctx, w.P("nco-analyst"), in.ID, "advice", "SECRET-ADVICE-Q7"); err != nil {
		t.Fatal(err)
	}

	// A correlation cluster of op-a's and op-b's sightings of one value.
	for i, o := range []string{"op-a", "op-b"} {
		e.corr.ObjectsStored(ctx, nil, []intel.StoredObject{{StixID: fmt.Sprintf("indicator--00000000-0000-4000-8000-00000000071%d", i),
			Type: "indicator", Owner: w.Orgs[o].ID, Source: "api", Atoms: []store.Atom{{Kind: "ipv4", Value: "203.0.113.171"}}}})
	}
	cs, err := e.corr.List(ctx, w.P("nco-analyst"), correlate.Query{})
	if err != nil || len(cs) == 0 {
		t.Fatalf("cluster: %v %d", err, len(cs))
	}
	cl := cs[0]

	// A TLP:AMBER alert to op-b only, published.
	av, err := e.al.Create(ctx, w.P("nco-analyst"), alert.Content{Severity: alert.High, TLP: marking.TLPAmber,
		Title: alert.Text{JA: "SECRET-ALERT-Q7", EN: "SECRET-ALERT-Q7"}, Summary: alert.Text{JA: "SECRET-ALERT-SUMMARY-Q7"},
		Targeting: alert.Targeting{Orgs: []string{w.Orgs["op-b"].ID}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if av, err = e.al.Submit(ctx, w.P("nco-analyst"), av.ID, av.Rev); err != nil {
		t.Fatal(err)
	}
	if av, err = e.al.Review(ctx, w.P("nco-reviewer"), av.ID, av.Rev, true, ""); err != nil {
		t.Fatal(err)
	}
	if av, _, err = e.al.Publish(ctx, w.P("nco-analyst"), av.ID, av.Rev); err != nil {
		t.Fatal(err)
	}

	// op-a's critical computer, exposed to a FortiOS vulnerability; a
	// TLP:RED vulnerability; a vendor request to ven.
	comp := &registry.Computer{Ref: "SECQ7-01", Name: "SECRET-COMPUTER-Q7", Function: registry.FunctionVPN, Vendor: "Fortinet",
		Product: "FortiOS", ProductVersion: "7.2.4", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Site: "SECRET-SITE-Q7",
		Business: "electricity supply", Equipment: "remote access gateway"}
	if _, err := x.Notify(ctx, w.P("op-a-analyst"), comp); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*vuln.Vulnerability{
		{ID: redID, Title: "SECRET-VULN-RED-Q7", TLP: marking.TLPRed, Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}}},
	} {
		if _, err := x.PutVuln(ctx, w.P("nco-analyst"), v); err != nil {
			t.Fatal(err)
		}
	}
	vr := &vuln.Request{VulnID: cveFortiOS, VendorOrgID: w.Orgs["ven"].ID, Questions: "SECRET-VREQ-Q7", DueAt: time.Now().Add(72 * time.Hour)}
	if err := x.RequestVendor(ctx, w.P("nco-analyst"), vr); err != nil {
		t.Fatal(err)
	}
	g.in, g.av, g.cl, g.comp, g.vr, g.intelID = in, av, cl, comp, vr, intelID
}

// TestTLPPages: for every kind of object a page shows (incident, its
// feedback, alert, cluster, critical computer, vulnerability and its
// exposures, vendor request, intelligence object, threat weather, the
// events log, the audit trail), a user outside its audience gets 404 or
// 403 on its pages and never finds its title, value or id on any list,
// search or count page they can open; a user inside sees it (so the test
// can fail). SQLite and PostgreSQL.
func TestTLPPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newWorldEnv(t, db)
		e, w, in, av, cl, comp, vr, intelID := g.flowEnv, g.w, g.in, g.av, g.cl, g.comp, g.vr, g.intelID

		operators := []string{"op-b-analyst", "sup-analyst", "ven-analyst", "isac-analyst"}
		objects := []tlpObject{
			{kind: "incident", markers: []string{"SECRET-INC-Q7", "SECRET-INC-SUMMARY-Q7", in.ID, "198.51.100.78"},
				details: []string{"/incidents/" + in.ID, "/incidents/" + in.ID + "/edit", "/incidents/" + in.ID + "/diff?from=1&to=1",
					"/incidents/" + in.ID + "/export", "/incidents/" + in.ID + "/print", "/incidents/" + in.ID + "/share"},
				posts: []string{"/incidents/" + in.ID + "/edit", "/incidents/" + in.ID + "/submit", "/incidents/" + in.ID + "/comment",
					"/incidents/" + in.ID + "/info-request", "/incidents/" + in.ID + "/triage", "/incidents/" + in.ID + "/link",
					"/incidents/" + in.ID + "/ack", "/incidents/" + in.ID + "/share", "/incidents/" + in.ID + "/refute", "/incidents/" + in.ID + "/regimes"},
				insider: "nco-analyst", seenAt: "/triage", outsider: append([]string{"npa-analyst"}, operators...)},
			{kind: "feedback", markers: []string{"SECRET-ADVICE-Q7"}, details: []string{"/incidents/" + in.ID + "/feedback"},
				insider: "op-a-reporter", seenAt: "/incidents/" + in.ID + "/feedback", outsider: append([]string{"npa-analyst"}, operators...)},
			{kind: "alert", markers: []string{"SECRET-ALERT-Q7", "SECRET-ALERT-SUMMARY-Q7", av.ID, av.Ref},
				details: []string{"/alerts/" + av.ID, "/alerts/" + av.Ref, "/alerts/" + av.ID + "/stix", "/alerts/" + av.ID + "/edit"},
				posts: []string{"/alerts/" + av.ID + "/edit", "/alerts/" + av.ID + "/withdraw", "/alerts/" + av.ID + "/ack", "/alerts/" + av.ID + "/review",
					"/alerts/" + av.ID + "/publish"},
				insider: "op-b-analyst", seenAt: "/alerts?unacked=1", outsider: []string{"op-a-analyst", "op-a-reporter", "sup-analyst", "ven-analyst", "isac-analyst"}},
			{kind: "cluster", markers: []string{cl.ID, cl.Ref, "203.0.113.171"}, details: []string{"/clusters/" + cl.ID, "/clusters/" + cl.Ref}, posts: []string{"/clusters/" + cl.ID},
				insider: "nco-analyst", seenAt: "/clusters", outsider: []string{"sup-analyst", "ven-analyst", "isac-analyst"}},
			{kind: "computer", markers: []string{"SECRET-COMPUTER-Q7", "SECRET-SITE-Q7", comp.ID}, details: []string{"/computers/" + comp.ID, "/computers/" + comp.ID + "/edit"},
				posts:   []string{"/computers/" + comp.ID + "/edit", "/computers/" + comp.ID + "/retire", "/computers/" + comp.ID + "/exposures/" + cveFortiOS},
				insider: "op-a-analyst", seenAt: "/computers", outsider: operators},
			{kind: "exposure", markers: []string{"SECRET-COMPUTER-Q7", "SECQ7-01"}, details: nil,
				insider: "op-a-analyst", seenAt: "/vulns/" + cveFortiOS, outsider: operators},
			{kind: "vulnerability", markers: []string{"SECRET-VULN-RED-Q7"}, details: []string{"/vulns/" + redID, "/vulns/" + redID + "/edit", "/vulns/" + redID + "/request"},
				posts:   []string{"/vulns/" + redID + "/edit", "/vulns/" + redID + "/request"},
				insider: "nco-analyst", seenAt: "/vulns/" + redID, outsider: []string{"op-a-analyst", "op-b-analyst", "sup-analyst", "ven-analyst", "isac-analyst"}},
			{kind: "vendor request", markers: []string{"SECRET-VREQ-Q7", vr.ID}, details: []string{"/vendor-requests/" + vr.ID},
				posts: []string{"/vendor-requests/" + vr.ID + "/answer", "/vendor-requests/" + vr.ID + "/decline", "/vendor-requests/" + vr.ID + "/comment",
					"/vendor-requests/" + vr.ID + "/withdraw", "/vendor-requests/" + vr.ID + "/acknowledge"},
				insider: "ven-analyst", seenAt: "/vendor-requests/" + vr.ID, outsider: []string{"op-a-analyst", "op-b-analyst", "sup-analyst", "isac-analyst"}},
			{kind: "intel object", markers: []string{"198.51.100.77", "SECRET-INTEL-Q7", intelID}, details: []string{"/intel/objects/" + intelID},
				insider: "op-b-analyst", seenAt: "/intel?q=198.51.100.77", outsider: []string{"sup-analyst", "ven-analyst", "isac-analyst"}},
			{kind: "events log", markers: []string{av.ID}, insider: "op-b-analyst", seenAt: "/events",
				outsider: []string{"op-a-analyst", "sup-analyst", "ven-analyst", "isac-analyst"}},
			{kind: "events log (incident)", markers: []string{in.ID}, insider: "op-a-analyst", seenAt: "/events", outsider: operators},
			{kind: "audit", markers: []string{comp.ID}, insider: "commission-auditor", seenAt: "/audit", outsider: []string{"platform", "op-b-admin", "sup-admin", "ven-admin", "isac-admin"}},
			{kind: "weather", markers: nil, details: []string{"/weather?org=op-a", "/weather?org=" + w.Orgs["op-a"].ID},
				insider: "nco-analyst", seenAt: "/weather?org=op-a", outsider: []string{"op-b-analyst", "sup-analyst"}},
		}

		pages := map[string]map[string]*page{} // user -> list path -> page
		clients := map[string]*client{}
		open := func(user string) map[string]*page {
			if m := pages[user]; m != nil {
				return m
			}
			cl := e.client("en")
			cl.login(flowEmail(user))
			m := map[string]*page{}
			for _, path := range tlpLists {
				p := cl.get(path)
				if p.Status >= 500 {
					t.Errorf("%s GET %s: %d", user, path, p.Status)
				}
				m[path] = p
			}
			pages[user] = m
			clients[user] = cl
			return m
		}
		// leaks reports the markers of o on page p; a marker in the path
		// itself (the id of a page asked for, a search) is the user's own
		// input shown back, not a leak.
		leaks := func(o tlpObject, user, path string, p *page) {
			t.Helper()
			for _, m := range o.markers {
				if !strings.Contains(path, m) && strings.Contains(p.Body, m) {
					t.Errorf("%s: %s finds %q on %s", o.kind, user, m, path)
				}
			}
		}
		for _, o := range objects {
			// The control: someone in the audience sees it.
			in := e.client("en")
			in.login(flowEmail(o.insider))
			p := in.get(o.seenAt)
			if p.Status != http.StatusOK {
				t.Errorf("%s: %s GET %s: %d", o.kind, o.insider, o.seenAt, p.Status)
			}
			for _, m := range o.markers[:min(1, len(o.markers))] {
				if !strings.Contains(p.Body, m) {
					t.Errorf("%s: %s does not see %q on %s", o.kind, o.insider, m, o.seenAt)
				}
			}
			for _, user := range o.outsider {
				lists := open(user)
				for path, p := range lists {
					leaks(o, user, path, p)
				}
				cl := clients[user]
				for _, path := range o.details {
					p := cl.get(path)
					if p.Status != http.StatusNotFound && p.Status != http.StatusForbidden {
						t.Errorf("%s: %s GET %s: %d, want 404 or 403", o.kind, user, path, p.Status)
					}
					leaks(o, user, path, p)
				}
				for _, path := range o.posts {
					p := cl.post(path, tlpPostForm)
					if p.Status != http.StatusNotFound && p.Status != http.StatusForbidden {
						t.Errorf("%s: %s POST %s: %d, want 404 or 403", o.kind, user, path, p.Status)
					}
					leaks(o, user, path, p)
				}
			}
		}
	})
}

// tlpNormal strips from a page what changes between two renderings of
// the same facts: CSRF tokens, times, content-addressed asset paths.
var tlpNormal = []*regexp.Regexp{
	regexp.MustCompile(`name="csrf" value="[^"]*"`),
	regexp.MustCompile(`\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?(?: JST)?`),
	regexp.MustCompile(`\?v=[0-9a-f]+`),
}

// TestTLPCounts: the pages of users outside the audience of every object
// (a supplier's analyst and administrator, an ISAC's analyst) are the
// same before and after the objects exist: no list, count, chart or
// search says anything about them. SQLite and PostgreSQL.
func TestTLPCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { tlpCounts(t, db) })
}

func tlpCounts(t *testing.T, db *store.DB) {
	g := newBareWorld(t, db)
	users := []string{"sup-analyst", "sup-admin", "isac-analyst"}
	snap := func() map[string]string {
		out := map[string]string{}
		for _, u := range users {
			c := g.client("en")
			c.login(flowEmail(u))
			for _, path := range tlpLists {
				p := c.get(path)
				body := p.Body
				for _, re := range tlpNormal {
					body = re.ReplaceAllString(body, "")
				}
				out[u+" "+path] = fmt.Sprintf("%d\n%s", p.Status, body)
			}
		}
		return out
	}
	before := snap()
	g.seed(t)
	after := snap()
	for k, b := range before {
		if a := after[k]; a != b {
			t.Errorf("%s changed once the objects exist:\n%s", k, tlpDiff(b, a))
		}
	}
}

// tlpDiff is the first lines that differ between a and b.
func tlpDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 12; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("- %s\n+ %s", strings.TrimSpace(x), strings.TrimSpace(y)))
		}
	}
	return strings.Join(out, "\n")
}
