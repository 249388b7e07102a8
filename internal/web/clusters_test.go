package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

func TestClusterPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := inteltest.New(t, db)
		corr := correlate.New(db, inteltest.Quiet)
		for i, o := range []string{"op-a", "op-b"} {
			corr.ObjectsStored(context.Background(), nil, []intel.StoredObject{{StixID: "indicator--00000000-0000-4000-8000-00000000080" + string(rune('0'+i)),
				Type: "indicator", Owner: w.Orgs[o].ID, Source: "api", Atoms: []store.Atom{{Kind: "ipv4", Value: "203.0.113.88"}}}})
		}
		cs, err := corr.List(context.Background(), w.P("nco-analyst"), correlate.Query{})
		if err != nil || len(cs) != 1 {
			t.Fatalf("seed: %v %+v", err, cs)
		}
		cl := cs[0]
		e := serveWorld(t, db, w, web.Options{Correlate: corr})

		for _, lang := range []string{"ja", "en"} {
			gov := e.client(lang)
			gov.login("nco-analyst@nco.example.jp")
			home := gov.get("/").must(t, http.StatusOK)
			if !strings.Contains(home.nav(), `href="/clusters"`) {
				t.Fatalf("%s: no cluster nav for the government: %s", lang, home.nav())
			}
			p := gov.get("/clusters?min_strength=1").must(t, http.StatusOK)
			p.has(t, cl.Ref, "<svg", `href="/clusters/`+cl.ID+`"`)
			gov.get("/clusters?min_strength=abc").must(t, http.StatusBadRequest)
			d := gov.get("/clusters/"+cl.ID).must(t, http.StatusOK)
			name := map[string]string{"ja": "op-a 日本語", "en": "op-a"}[lang]
			d.has(t, "203.0.113.88", `">`+name+`</a>`, `href="/alerts/new?cluster=`+cl.ID+`"`, `name="csrf"`,
				"<dd>"+strconv.Itoa(cl.Orgs)+"</dd>") // the number of organisations
			d.hasNot(t, "{{", "&#123;")
		}
		gov := e.client("en")
		gov.login("nco-analyst@nco.example.jp")
		r := gov.post("/clusters/"+cl.ID, url.Values{"status": {"confirmed"}, "title": {"VPN C2"}, "note": {"same infrastructure"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		gov.get("/clusters/"+cl.ID).has(t, "VPN C2", "same infrastructure", "Confirmed")
		gov.post("/clusters/"+cl.ID, url.Values{"status": {"merged"}, "title": {"x"}}).must(t, http.StatusBadRequest)
		// Without the CSRF token: refused.
		if p := gov.do("POST", "/clusters/"+cl.ID, url.Values{"status": {"dismissed"}, "title": {"x"}}); p.Status == http.StatusSeeOther {
			t.Fatalf("post without csrf: %d", p.Status)
		}

		// Everyone else: no navigation entry, 403 on every page and post.
		for _, u := range []string{"op-a-analyst@op-a.example.jp", "op-b-admin@op-b.example.jp", "isac-analyst@isac.example.jp", "platform@example.jp"} {
			c := e.client("en")
			c.login(u)
			if strings.Contains(c.get("/").nav(), `href="/clusters"`) {
				t.Fatalf("%s sees the cluster navigation", u)
			}
			for _, path := range []string{"/clusters", "/clusters/" + cl.ID, "/clusters?min_strength=abc"} {
				p := c.get(path)
				if p.Status != http.StatusForbidden {
					t.Fatalf("%s GET %s: %d", u, path, p.Status)
				}
				p.hasNot(t, "203.0.113.88", cl.Ref)
			}
			c.post("/clusters/"+cl.ID, url.Values{"status": {"dismissed"}, "title": {"x"}}).must(t, http.StatusForbidden)
		}
	})
}
