package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sakimori/internal/defense"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// viewObj is one object of the view tests with what the filters look at.
type viewObj struct {
	id, typ, value string // value: an indicator's IP ("" for others)
	tlp            string
	conf           int // -1: none
	sector         string
	sighting       bool
}

// viewWorld is newIntelEnv with a defense service and more objects:
//
//	ind(10)  exchange, op-b (railway), GREEN, confidence 90, 198.51.100.10
//	relGreen exchange, op-b: ind(3) related-to ind(1) (the AMBER indicator)
//	relAmber op-a-amber, op-a: ind(1) indicates ind(3)
//	sighting exchange, op-b: an anonymous sighting of ind(3)
type viewWorld struct {
	*intelEnv
	relGreen, relAmber, sighting string
	objs                         []viewObj
}

func stixObj(typ string, n int, body string) (string, string) {
	id := fmt.Sprintf("%s--%08x-0000-4000-8000-00000000000a", typ, n)
	return id, fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z"%s}`,
		typ, id, body)
}

func newViewWorld(t *testing.T, db *store.DB) *viewWorld {
	t.Helper()
	e := newIntelEnvWith(t, db, func(w *inteltest.World) web.Options {
		return web.Options{Defense: defense.New(w.Svc, inteltest.Quiet)}
	})
	ctx := context.Background()
	put := func(user, coll string, objs ...string) {
		t.Helper()
		parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
		if err != nil {
			t.Fatal(err)
		}
		j, err := e.w.Svc.Ingest(ctx, e.w.P(user), coll, parsed, intel.IngestOptions{})
		if err != nil || j.Rejected > 0 {
			t.Fatalf("ingest into %s: %v %+v", coll, err, j)
		}
	}
	v := &viewWorld{intelEnv: e}
	var relG, relA, sg string
	v.relGreen, relG = stixObj("relationship", 1, fmt.Sprintf(`,"relationship_type":"related-to","source_ref":%q,"target_ref":%q`, e.greenID, e.amberID))
	v.relAmber, relA = stixObj("relationship", 2, fmt.Sprintf(`,"relationship_type":"indicates","source_ref":%q,"target_ref":%q`, e.amberID, e.greenID))
	v.sighting, sg = stixObj("sighting", 3, fmt.Sprintf(`,"sighting_of_ref":%q,"count":2,"x_sakimori_anonymous":true`, e.greenID))
	put("op-b-analyst", "exchange", inteltest.Indicator(10, "198.51.100.10", `,"confidence":90`), relG, sg)
	put("op-a-analyst", "op-a-amber", relA)
	v.objs = []viewObj{
		{e.amberID, "indicator", "198.51.100.1", "amber", 85, "electricity", false},
		{e.redID, "indicator", "203.0.113.66", "red", 85, "", false},
		{e.greenID, "indicator", "198.51.100.33", "green", -1, "", false},
		{e.flagID, "indicator", "", "green", -1, "", false}, // warninglisted: never in a block list
		{ind(10), "indicator", "198.51.100.10", "green", 90, "railway", false},
		{v.relGreen, "relationship", "", "green", -1, "railway", false},
		{v.relAmber, "relationship", "", "amber", -1, "electricity", false},
		{v.sighting, "sighting", "", "green", -1, "railway", true},
	}
	return v
}

var objLinkRE = regexp.MustCompile(`<a href="/intel/objects/([^"]+)">`)

// listed returns the ids the results table links to.
func listed(p *page) []string {
	var out []string
	tbl := p.Body
	if i := strings.Index(tbl, `id="intel-results"`); i >= 0 {
		tbl = tbl[i:]
	} else {
		return nil
	}
	for _, m := range objLinkRE.FindAllStringSubmatch(tbl, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestIntelViewFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newViewWorld(t, db)
		today := time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
		yesterday := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, -1).Format("2006-01-02")
		tlpOf := func(names ...string) func(o viewObj, _ string) bool {
			return func(o viewObj, _ string) bool { return slices.Contains(names, o.tlp) }
		}
		all := func(viewObj, string) bool { return true }
		none := func(viewObj, string) bool { return false }
		cases := []struct {
			name, query string
			want        func(o viewObj, who string) bool
		}{
			{"everything", "", all},
			{"tlp amber", "tlp=amber", tlpOf("amber")},
			{"tlp green and red", "tlp=green&tlp=red", tlpOf("green", "red")},
			{"tlp comma", "tlp=red,amber", tlpOf("amber", "red")},
			{"min confidence", "min_confidence=85", func(o viewObj, _ string) bool { return o.conf >= 85 }},
			{"min confidence 86", "min_confidence=86", func(o viewObj, _ string) bool { return o.conf >= 86 }},
			// The producer of an anonymous sighting is known only to the
			// government and the producer itself.
			{"sector railway", "sector=railway", func(o viewObj, who string) bool {
				return o.sector == "railway" && (!o.sighting || who == "nco-analyst" || who == "op-b-analyst")
			}},
			{"sector electricity", "sector=electricity", func(o viewObj, _ string) bool { return o.sector == "electricity" }},
			{"sector without producers", "sector=postal", none},
			{"added today", "added_from=" + today + "&added_to=" + today, all},
			{"added until yesterday", "added_to=" + yesterday, none},
			{"added from tomorrow", "added_from=" + time.Now().AddDate(0, 0, 2).Format("2006-01-02"), none},
			{"modified on 1 November", "modified_from=2026-11-01&modified_to=2026-11-01", all},
			{"modified before", "modified_to=2026-10-31", none},
			{"type", "type=relationship", func(o viewObj, _ string) bool { return o.typ == "relationship" }},
			{"text and tlp", "q=198.51.100.1&tlp=amber", func(o viewObj, _ string) bool { return o.id == v.amberID }},
			{"sorted by score", "sort=score", all},
			{"score and type", "min_score=1&type=malware", none},
		}
		whos := []string{"op-a-analyst", "op-b-analyst", "ven-analyst", "sup-analyst", "nco-analyst"}
		for _, who := range whos {
			c := v.as(who, "en")
			// What the principal may see at all: the unfiltered list.
			visible := listed(c.get("/intel").must(t, http.StatusOK))
			if len(visible) == 0 {
				t.Fatalf("%s sees nothing", who)
			}
			for _, tc := range cases {
				p := c.get("/intel?"+tc.query).must(t, http.StatusOK)
				got := listed(p)
				for _, o := range v.objs {
					want := slices.Contains(visible, o.id) && tc.want(o, who)
					if slices.Contains(got, o.id) != want {
						t.Errorf("%s as %s: %s listed %v, want %v", tc.name, who, o.id, !want, want)
					}
				}
				if len(got) == 0 {
					continue
				}
				// "Export this view" holds exactly the view: the STIX bundle
				// every object, the text list the indicators' values.
				stix := c.get("/intel/export/stix?"+tc.query).must(t, http.StatusOK)
				txt := c.get("/intel/export/txt?"+tc.query).must(t, http.StatusOK)
				lines := strings.Split(txt.Body, "\n")
				for _, o := range v.objs {
					want := slices.Contains(got, o.id)
					if strings.Contains(stix.Body, `"id":"`+o.id+`"`) != want {
						t.Errorf("%s as %s: stix export has %s: %v, want %v", tc.name, who, o.id, !want, want)
					}
					if o.value != "" && slices.Contains(lines, o.value) != want {
						t.Errorf("%s as %s: txt export has %s: %v, want %v", tc.name, who, o.value, !want, want)
					}
				}
				if !strings.Contains(p.Body, `id="export-view"`) || !strings.Contains(p.Body, `href="/intel/export/misp-feed`) {
					t.Errorf("%s as %s: no export menu", tc.name, who)
				}
			}
			// Sorted by score: the score column never rises.
			p := c.get("/intel?sort=score").must(t, http.StatusOK)
			prev := 101
			for _, m := range regexp.MustCompile(`<td class="num">(\d+|—)</td>`).FindAllStringSubmatch(p.Body, -1) {
				n, err := strconv.Atoi(m[1])
				if err != nil {
					prev = -1 // objects without a score come last
					continue
				}
				if n > prev {
					t.Errorf("%s: score %d after %d", who, n, prev)
				}
				prev = n
			}
			// A minimum score keeps only indicators.
			for _, id := range listed(c.get("/intel?min_score=1").must(t, http.StatusOK)) {
				if !strings.HasPrefix(id, "indicator--") {
					t.Errorf("%s: min_score lists %s", who, id)
				}
			}
		}
		// Every export format answers with the view (and no AMBER or RED
		// value for a principal outside their audience).
		ven := v.as("ven-analyst", "en")
		for _, f := range []string{"txt", "csv", "suricata", "snort", "zeek", "nft", "ipset", "rpz", "hosts", "stix", "misp-feed"} {
			r := ven.get("/intel/export/"+f).must(t, http.StatusOK)
			if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
				t.Errorf("%s: Content-Disposition %q", f, cd)
			}
			if strings.Contains(r.Body, "203.0.113.66") || strings.Contains(r.Body, v.redID) || strings.Contains(r.Body, `"id":"`+v.amberID) {
				t.Errorf("%s export for ven holds an object outside its audience", f)
			}
		}
		ven.get("/intel/export/suricata-dataset?kind=ipv4").must(t, http.StatusOK)
		ven.get("/intel/export/yaml").must(t, http.StatusNotFound)
		if r := ven.get("/intel/export/txt?min_score=500&q=x"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/intel?") {
			t.Errorf("export with a bad filter: %d %q", r.Status, r.Location)
		}
	})
}

func TestIntelViewErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		for _, tc := range []struct {
			lang, score, date, order, tlp string
		}{
			{"ja", "0〜100", "日付", "開始日", "TLP"},
			{"en", "0 to 100", "date", "start date", "CLEAR"},
		} {
			c := e.as("op-b-analyst", tc.lang)
			p := c.get("/intel?q=C2&min_score=101&min_confidence=x&added_from=2026-13-40&modified_from=2026-11-02&modified_to=2026-11-01&tlp=purple&sector=mining&sort=up").
				must(t, http.StatusBadRequest)
			for field, want := range map[string]string{"min_score": tc.score, "min_confidence": tc.score, "added_from": tc.date,
				"modified_to": tc.order, "tlp": tc.tlp, "sector": "", "sort": ""} {
				if got := p.fieldError(field); got == "" || !strings.Contains(got, want) {
					t.Errorf("%s: error of %s = %q, want %q", tc.lang, field, got, want)
				}
			}
			// The other values are kept, and the details are open.
			p.has(t, `value="C2"`, `value="2026-11-02"`, `id="more-filters" open`)
			p.hasNot(t, `id="intel-results"`)
			// A good filter is kept in the pager and the form.
			c.get("/intel?tlp=amber&min_confidence=50&added_from=2026-01-01&sort=score").must(t, http.StatusOK).
				has(t, `value="amber" checked`, `value="50"`, `value="2026-01-01"`, `<option value="score" selected>`)
		}
	})
}

func TestIntelRelations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newViewWorld(t, db)
		relations := func(p *page) string {
			i := strings.Index(p.Body, `id="relations"`)
			j := strings.Index(p.Body[i:], "</section>")
			return p.Body[i : i+j]
		}
		// ven sees the GREEN relationship, not the AMBER indicator it
		// points to, nor the AMBER relationship.
		for _, lang := range []string{"ja", "en"} {
			ven := v.as("ven-analyst", lang)
			r := relations(ven.get("/intel/objects/"+v.greenID).must(t, http.StatusOK))
			for _, s := range []string{"/intel/objects/" + v.relGreen, "related-to", "/intel/objects/" + v.sighting, `class="muted hidden-object"`} {
				if !strings.Contains(r, s) {
					t.Errorf("%s: ven's relations lack %q:\n%s", lang, s, r)
				}
			}
			for _, s := range []string{v.amberID, "198.51.100.1<", "C2 198.51.100.1<", v.relAmber, "indicates", "TLP:AMBER"} {
				if strings.Contains(r, s) {
					t.Errorf("%s: ven's relations leak %q:\n%s", lang, s, r)
				}
			}
			r = relations(ven.get("/intel/objects/"+v.relGreen).must(t, http.StatusOK))
			if !strings.Contains(r, "/intel/objects/"+v.greenID) || strings.Contains(r, v.amberID) {
				t.Errorf("%s: the relationship's own ends for ven:\n%s", lang, r)
			}
			ven.get("/intel/objects/"+v.relAmber).must(t, http.StatusNotFound)
		}
		// op-b sees both ends and both relationships.
		b := v.as("op-b-analyst", "en")
		r := relations(b.get("/intel/objects/"+v.greenID).must(t, http.StatusOK))
		for _, s := range []string{"/intel/objects/" + v.amberID, "/intel/objects/" + v.relAmber, "indicates", "related-to"} {
			if !strings.Contains(r, s) {
				t.Errorf("op-b's relations lack %q:\n%s", s, r)
			}
		}
		if strings.Contains(r, "hidden-object") {
			t.Errorf("op-b's relations hide an object it may see:\n%s", r)
		}
		r = relations(b.get("/intel/objects/"+v.sighting).must(t, http.StatusOK))
		if !strings.Contains(r, "/intel/objects/"+v.greenID) || !strings.Contains(r, "sighting of") {
			t.Errorf("the sighting's sighting_of_ref:\n%s", r)
		}
		// Version history names the kind of each change.
		b.get("/intel/objects/"+v.amberID).must(t, http.StatusOK).has(t, `class="badge diff-changed"`, "Changed", `class="badge diff-added"`)
		_ = url.Values{}
	})
}
