package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

var alertIDRE = regexp.MustCompile(`/alerts/([0-9a-f-]{36})`)

func TestAlertPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		u := &org.User{OrgID: w.Orgs["nco"].ID, Email: "nco-reviewer@nco.example.jp", DisplayName: "reviewer", Roles: []org.Role{org.RoleAnalyst}}
		if err := db.CreateUser(ctx, audit.Actor{Name: "cli"}, u, ""); err != nil {
			t.Fatal(err)
		}
		w.Users["nco-reviewer"] = u
		corr := correlate.New(db, inteltest.Quiet)
		for i, o := range []string{"op-a", "op-b"} {
			corr.ObjectsStored(ctx, nil, []intel.StoredObject{{StixID: "indicator--00000000-0000-4000-8000-00000000090" + string(rune('0'+i)),
				Type: "indicator", Owner: w.Orgs[o].ID, Source: "api", Atoms: []store.Atom{{Kind: "ipv4", Value: "203.0.113.99"}}}})
		}
		cs, err := corr.List(ctx, w.P("nco-analyst"), correlate.Query{})
		if err != nil || len(cs) != 1 {
			t.Fatalf("seed: %v %+v", err, cs)
		}
		al := alerting.New(db, inteltest.Quiet)
		e := serveWorld(t, db, w, web.Options{Correlate: corr, Alerting: al})

		gov := e.client("en")
		gov.login("nco-analyst@nco.example.jp")
		if !strings.Contains(gov.get("/").nav(), `href="/alerts"`) {
			t.Fatal("no alerts navigation")
		}
		// The form pre-filled from the cluster.
		f := gov.get("/alerts/new?cluster="+cs[0].ID).must(t, http.StatusOK)
		f.has(t, "203.0.113.99", `name="csrf"`, cs[0].ID)
		// A bad form names the field and keeps the input.
		bad := gov.post("/alerts/new", url.Values{"title.ja": {""}, "summary.ja": {"概要だけ"}, "severity": {"high"}, "tlp": {"amber"},
			"indicators": {"203.0.113.99"}, "targeting.orgs": {"op-b"}})
		bad.must(t, http.StatusBadRequest)
		if bad.fieldError("title.ja") == "" || !strings.Contains(bad.Body, "概要だけ") {
			t.Fatalf("bad form: %s", bad.Body)
		}
		bad = gov.post("/alerts/new", url.Values{"title.ja": {"t"}, "summary.ja": {"s"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"no-such-org"}})
		if bad.Status != http.StatusBadRequest || bad.fieldError("targeting.orgs") == "" {
			t.Fatalf("unknown org: %d %s", bad.Status, bad.fieldError("targeting.orgs"))
		}
		r := gov.post("/alerts/new", url.Values{"title.ja": {"機密のウェブ注意喚起"}, "title.en": {"Web alert"}, "summary.ja": {"概要"}, "summary.en": {"Summary"},
			"severity": {"high"}, "tlp": {"amber"}, "recommended_actions": {"遮断する\n更新する"}, "actions_en": {"Block\nUpdate"},
			"indicators": {"203.0.113[.]99 #src=indicator--00000000-0000-4000-8000-000000000900"}, "cves": {"CVE-2024-21762"},
			"products": {"Fortinet / FortiOS / 7.2.4 / CVE-2024-21762"}, "targeting": {"sighted"}, "targeting.orgs": {"op-b"}, "cluster_id": {cs[0].ID}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := alertIDRE.FindStringSubmatch(r.Location)[1]
		d := gov.get("/alerts/"+id).must(t, http.StatusOK)
		d.has(t, "Web alert", "[ipv4-addr:value = &#39;203.0.113.99&#39;]", "Fortinet FortiOS", `id="submit-form"`,
			`href="/clusters/`+cs[0].Ref+`"`) // the cluster by its ref
		gov.get("/clusters/"+cs[0].Ref).must(t, http.StatusOK)
		ed := gov.get("/alerts/"+id+"/edit").must(t, http.StatusOK)
		ed.has(t, "#src=indicator--00000000-0000-4000-8000-000000000900", "Fortinet / FortiOS / 7.2.4 / CVE-2024-21762")
		// A stale revision is refused on the form, the input kept.
		stale := gov.post("/alerts/"+id+"/edit", url.Values{"rev": {"99"}, "title.ja": {"新しい件名"}, "summary.ja": {"概要"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"}})
		if stale.Status != http.StatusConflict || !strings.Contains(stale.Body, "新しい件名") {
			t.Fatalf("stale edit: %d", stale.Status)
		}
		gov.post("/alerts/"+id+"/submit", url.Values{}).must(t, http.StatusSeeOther)
		// The author does not review; another analyst does.
		gov.get("/alerts/"+id).hasNot(t, `id="review-form"`)
		gov.post("/alerts/"+id+"/review", url.Values{"decision": {"approve"}}).must(t, http.StatusForbidden)
		rev := e.client("ja")
		rev.login("nco-reviewer@nco.example.jp")
		rev.get("/alerts/"+id).has(t, `id="review-form"`, "op-b 日本語")
		rev.post("/alerts/"+id+"/review", url.Values{"decision": {"send_back"}}).must(t, http.StatusBadRequest)
		rev.post("/alerts/"+id+"/review", url.Values{"decision": {"approve"}}).must(t, http.StatusSeeOther)
		p := gov.get("/alerts/"+id).must(t, http.StatusOK)
		p.has(t, `id="publish-form"`, `id="preview-table"`, "op-b")
		gov.post("/alerts/"+id+"/publish", url.Values{}).must(t, http.StatusSeeOther)
		gov.get("/alerts/"+id).has(t, `id="recipient-table"`, "Not acknowledged", `id="withdraw-form"`)

		// The recipient: inbox with an acknowledge button, the detail in
		// Japanese, the acknowledgement form.
		opb := e.client("ja")
		opb.login("op-b-analyst@op-b.example.jp")
		in := opb.get("/alerts?unacked=1").must(t, http.StatusOK)
		in.has(t, "機密のウェブ注意喚起", `action="/alerts/`+id+`/ack"`)
		opb.get("/alerts/"+id).has(t, "機密のウェブ注意喚起", "遮断する", `id="ack-form"`)
		opb.get("/alerts/"+id).hasNot(t, `id="recipient-table"`, "#src=", "indicator--00000000-0000-4000-8000-000000000900")
		opb.post("/alerts/"+id+"/ack", url.Values{"ack_state": {"nonsense"}}).must(t, http.StatusBadRequest)
		opb.post("/alerts/"+id+"/ack", url.Values{"ack_state": {"actioned"}, "ack_actions": {"FW で遮断"}}).must(t, http.StatusSeeOther)
		opb.get("/alerts?unacked=1").hasNot(t, "機密のウェブ注意喚起")
		gov.get("/alerts/"+id).has(t, "Actioned", "FW で遮断")
		x := opb.get("/alerts/"+id+"/stix").must(t, http.StatusOK)
		if !strings.Contains(x.Body, `"type":"report"`) {
			t.Fatalf("stix: %s", x.Body)
		}
		// Everyone else: no alert, on any page or post.
		ref := regexp.MustCompile(`ALR-\d{4}-\d{4}`).FindString(d.Body)
		for _, em := range []string{"op-a-analyst@op-a.example.jp", "isac-analyst@isac.example.jp", "sup-admin@sup.example.jp", "ven-analyst@ven.example.jp"} {
			c := e.client("en")
			c.login(em)
			for _, path := range []string{"/alerts", "/alerts?unacked=1", "/alerts/" + id, "/alerts/" + ref, "/alerts/" + id + "/edit", "/alerts/" + id + "/stix", "/alerts/new", "/alerts/new?cluster=" + cs[0].ID} {
				pg := c.get(path)
				if path != "/alerts" && path != "/alerts?unacked=1" && pg.Status < 400 {
					t.Fatalf("%s GET %s: %d", em, path, pg.Status)
				}
				pg.hasNot(t, "機密のウェブ注意喚起", "Web alert", "203.0.113.99")
			}
			for _, path := range []string{"/alerts/new", "/alerts/" + id + "/edit", "/alerts/" + id + "/submit", "/alerts/" + id + "/review", "/alerts/" + id + "/publish",
				"/alerts/" + id + "/withdraw", "/alerts/" + id + "/ack"} {
				pg := c.post(path, url.Values{"title.ja": {"x"}, "summary.ja": {"y"}, "severity": {"low"}, "tlp": {"red"}, "reason": {"x"}, "ack_state": {"acknowledged"}, "decision": {"approve"}})
				if pg.Status < 400 {
					t.Fatalf("%s POST %s: %d", em, path, pg.Status)
				}
				pg.hasNot(t, "機密のウェブ注意喚起", "Web alert")
			}
		}
		// Without the CSRF token: refused.
		if pg := gov.do("POST", "/alerts/"+id+"/withdraw", url.Values{"reason": {"x"}}); pg.Status == http.StatusSeeOther {
			t.Fatalf("post without csrf: %d", pg.Status)
		}
		gov.post("/alerts/"+id+"/withdraw", url.Values{"reason": {""}}).must(t, http.StatusBadRequest)
		gov.post("/alerts/"+id+"/withdraw", url.Values{"reason": {"誤報"}}).must(t, http.StatusSeeOther)
		opb.get("/alerts/"+id).has(t, "誤報")
	})
}
