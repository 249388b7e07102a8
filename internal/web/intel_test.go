package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// intelEnv is the dashboard over the inteltest world, with a password for
// every user (sign in as "<user>@<org>.example.jp", e.g. op-a-analyst) and
// some shared objects:
//
//	amberID  in op-a-amber (TLP:AMBER, audience op-b), two versions, confidence 85
//	redID    in council-red (TLP:RED, group council: nco and op-b)
//	greenID  in exchange (TLP:GREEN), shared by isac
//	flagID   in exchange, 192.0.2.53: on the test warninglist
type intelEnv struct {
	*env
	w                               *inteltest.World
	amberID, redID, greenID, flagID string
}

func ind(n int) string { return fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", n) }

func newIntelEnv(t testing.TB, db *store.DB) *intelEnv {
	t.Helper()
	return newIntelEnvWith(t, db, func(*inteltest.World) web.Options { return web.Options{} })
}

// newIntelEnvWith is newIntelEnv with the dashboard's options made by opt
// (e.g. a defense service over the world's sharing service).
func newIntelEnvWith(t testing.TB, db *store.DB, opt func(*inteltest.World) web.Options) *intelEnv {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	e := serveWorld(t, db, w, opt(w))
	wl := `{"name":"Test resolvers","description":"documentation resolvers","version":1,"type":"cidr",` +
		`"list":["192.0.2.0/24"],"matching_attributes":["ip-src","ip-dst"]}`
	if _, err := w.Svc.PutWarninglist(ctx, w.P("platform"), "test-resolvers.json", []byte(wl)); err != nil {
		t.Fatal(err)
	}
	put := func(user, coll string, objs ...string) {
		t.Helper()
		parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Ingest(ctx, w.P(user), coll, parsed, intel.IngestOptions{}); err != nil {
			t.Fatalf("ingest into %s: %v", coll, err)
		}
	}
	put("op-a-analyst", "op-a-amber",
		inteltest.IndicatorVersion(1, 0, "198.51.100.1", `,"confidence":40`),
		inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"confidence":85,"description":"second look"`))
	put("nco-analyst", "council-red", inteltest.Indicator(2, "203.0.113.66", `,"confidence":85`))
	put("isac-analyst", "exchange", inteltest.Indicator(3, "198.51.100.33", ""), inteltest.Indicator(4, "192.0.2.53", ""))
	return &intelEnv{env: e, w: w, amberID: ind(1), redID: ind(2), greenID: ind(3), flagID: ind(4)}
}

func email(name string) string {
	if name == "op-a-viewer" || name == "platform" {
		return name + "@example.jp"
	}
	org := name[:strings.LastIndex(name, "-")]
	return name + "@" + org + ".example.jp"
}

func (e *intelEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(email(name))
	return c
}

func TestIntelPagesRenderInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		for _, tc := range []struct {
			lang                             string
			title, conf, coll, wl, imp, hist string
		}{
			{"ja-JP,ja;q=0.9", "脅威情報", "確度 高", "コレクション", "警告リスト", "取り込み", "版の履歴"},
			{"en-US", "Threat intelligence", "High", "Collections", "Warninglists", "Import", "Version history"},
		} {
			c := e.as("op-a-analyst", tc.lang)
			home := c.get("/").must(t, http.StatusOK)
			for _, p := range []string{"/intel", "/collections", "/groups", "/import", "/warninglists"} {
				if !strings.Contains(home.nav(), `href="`+p+`"`) {
					t.Errorf("%s: nav lacks %s", tc.lang, p)
				}
			}
			p := c.get("/intel").must(t, http.StatusOK)
			p.has(t, tc.title, `class="tlp tlp-amber"`, "TLP:AMBER", `class="tlp tlp-green"`, tc.conf, "/intel/objects/"+e.amberID)
			if !strings.Contains(p.nav(), `href="/intel" aria-current="page"`) {
				t.Errorf("%s: /intel is not the current section", tc.lang)
			}
			// The flagged object carries the warninglist badge.
			c.get("/intel?flagged=yes").must(t, http.StatusOK).has(t, e.flagID)
			c.get("/intel?flagged=no").must(t, http.StatusOK).hasNot(t, e.flagID)

			d := c.get("/intel/objects/"+e.amberID).must(t, http.StatusOK)
			d.has(t, tc.hist, "second look", `<pre class="json"`, "&#34;pattern&#34;", `id="score"`, "<code>ipv4</code>",
				`id="sighting-form"`, "<code>description</code>", "<code>confidence</code>", "<code>40</code>", "<code>85</code>")
			c.get("/intel/objects/"+e.flagID).must(t, http.StatusOK).has(t, "Test resolvers", `id="override-form"`)

			c.get("/collections").must(t, http.StatusOK).has(t, tc.coll, "op-a-amber", "TLP:CLEAR", "op-b")
			c.get("/groups").must(t, http.StatusOK).has(t, "council")
			c.get("/import").must(t, http.StatusOK).has(t, tc.imp, `enctype="multipart/form-data"`, `id="import-form"`)
			c.get("/warninglists").must(t, http.StatusOK).has(t, tc.wl, "Test resolvers")
			c.get("/warninglists?value=192.0.2.53").must(t, http.StatusOK).has(t, `id="wl-result"`, "192.0.2.0/24")
			c.get("/warninglists?value=").must(t, http.StatusBadRequest)
		}
		// A viewer sees the pages but neither the import nor the report form.
		v := e.as("op-a-viewer", "en")
		if strings.Contains(v.get("/").nav(), `href="/import"`) {
			t.Error("viewer sees Import in the navigation")
		}
		v.get("/intel/objects/"+e.amberID).must(t, http.StatusOK).hasNot(t, `id="sighting-form"`, `id="override-form"`)
		v.get("/import").must(t, http.StatusOK).hasNot(t, `id="import-form"`)
		// Scale selector: remembered in a cookie.
		c := e.as("op-a-analyst", "en")
		c.get("/intel?scale=admiralty").must(t, http.StatusOK)
		p := c.get("/intel").must(t, http.StatusOK)
		if !strings.Contains(p.Body, `<option value="admiralty" selected>`) {
			t.Error("the chosen confidence scale is not remembered")
		}
		// Bad filters are named.
		p = c.get("/intel?type=spaceship&flagged=maybe").must(t, http.StatusBadRequest)
		if p.fieldError("type") == "" || p.fieldError("flagged") == "" {
			t.Errorf("filter errors not shown: %q %q", p.fieldError("type"), p.fieldError("flagged"))
		}
	})
}

func TestIntelEntitlementOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		// ven is unrelated to op-a and not in the council.
		for _, lang := range []string{"ja", "en"} {
			c := e.as("ven-analyst", lang)
			p := c.get("/intel").must(t, http.StatusOK)
			p.has(t, e.greenID)
			p.hasNot(t, e.amberID, e.redID, "TLP:AMBER", "TLP:RED", "198.51.100.1<", "C2 198.51.100.1", "C2 203.0.113.66")
			for _, q := range []string{"198.51.100.1", "203.0.113.66", e.amberID, e.redID, "C2"} {
				r := c.get("/intel?q="+url.QueryEscape(q)).must(t, http.StatusOK)
				r.hasNot(t, "TLP:AMBER", "TLP:RED", "/intel/objects/"+e.amberID, "/intel/objects/"+e.redID)
			}
			c.get("/intel/objects/"+e.amberID).must(t, http.StatusNotFound).hasNot(t, "198.51.100.1")
			c.get("/intel/objects/"+e.redID).must(t, http.StatusNotFound).hasNot(t, "203.0.113.66")
			c.get("/intel?collection=op-a-amber").must(t, http.StatusBadRequest).hasNot(t, e.amberID)
			c.get("/collections").must(t, http.StatusOK).hasNot(t, "op-a-amber", "council-red")
			// A sighting of an object it cannot see is a 404 too.
			c.post("/intel/objects/"+e.amberID+"/sightings", url.Values{"count": {"1"}}).must(t, http.StatusNotFound)
		}
		// op-b is op-a-amber's audience and a council member.
		b := e.as("op-b-analyst", "en")
		b.get("/intel?q=198.51.100.1").must(t, http.StatusOK).has(t, e.amberID, "TLP:AMBER")
		b.get("/intel/objects/"+e.redID).must(t, http.StatusOK).has(t, "TLP:RED", "203.0.113.66")
		// The supplier of op-a does not receive AMBER without being in the audience.
		s := e.as("sup-analyst", "en")
		s.get("/intel/objects/"+e.amberID).must(t, http.StatusNotFound)
	})
}

func TestIntelFormsNeedCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		c := e.as("op-a-admin", "en")
		for _, path := range []string{"/intel/objects/" + e.amberID + "/sightings", "/intel/objects/" + e.flagID + "/override",
			"/intel/objects/" + e.flagID + "/override/withdraw", "/collections", "/collections/op-a-amber/edit", "/groups", "/import"} {
			c.do(http.MethodPost, path, url.Values{"count": {"1"}, "reason": {"forged request"}, "alias": {"forged"}, "title.en": {"x"},
				"tlp": {"green"}, "write_policy": {"owner"}, "text": {"198.51.100.9"}, "format": {"iocs"}, "collection": {"op-a-amber"}}).
				must(t, http.StatusForbidden).has(t, "The form has expired")
		}
		// Multipart without the token as well.
		c.upload("/import", map[string]string{"csrf": "", "collection": "op-a-amber", "format": "iocs"}, "iocs.txt", "198.51.100.9\n").
			must(t, http.StatusForbidden)
		c.upload("/import", map[string]string{"csrf": "wrong", "collection": "op-a-amber", "format": "iocs"}, "iocs.txt", "198.51.100.9\n").
			must(t, http.StatusForbidden)
		ctx := context.Background()
		if sum, err := e.w.Svc.Sightings(ctx, e.w.P("op-a-analyst"), e.amberID); err != nil || sum.Reports != 0 {
			t.Errorf("sightings after forged posts: %+v %v", sum, err)
		}
		if cs, _ := e.w.Svc.Collections(ctx, e.w.P("op-a-admin")); len(cs) != 3 {
			t.Errorf("collections after forged posts: %d", len(cs))
		}
		if js, _ := e.w.Svc.Jobs(ctx, e.w.P("op-a-analyst"), 10); len(js) != 1 {
			t.Errorf("jobs after forged posts: %d", len(js))
		}
	})
}

func auditCount(t *testing.T, db *store.DB, action, object string) int {
	t.Helper()
	es, _, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action, ObjectID: object, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestIntelSightingAndOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		b := e.as("op-b-analyst", "ja")
		path := "/intel/objects/" + e.amberID
		b.get(path).must(t, http.StatusOK)

		// Invalid input: named, translated, kept.
		p := b.post(path+"/sightings", url.Values{"count": {"0"}, "note": {"見た"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("count"); !strings.Contains(got, "1から999999999まで") {
			t.Errorf("count error %q", got)
		}
		p.has(t, "見た")
		p = b.post(path+"/sightings", url.Values{"count": {"2"}, "first_seen": {"2026-11-20T10:00"}, "last_seen": {"2026-11-19T10:00"}}).
			must(t, http.StatusBadRequest)
		if got := p.fieldError("last_seen"); got != "初回観測より前にはできません。" {
			t.Errorf("last_seen error %q", got)
		}
		p = b.post(path+"/sightings", url.Values{"first_seen": {"yesterday"}}).must(t, http.StatusBadRequest)
		if p.fieldError("first_seen") == "" {
			t.Error("no error for a malformed time")
		}

		// A sighting, anonymous, then a false positive.
		p = b.post(path+"/sightings", url.Values{"count": {"3"}, "first_seen": {"2026-11-20T10:00"}, "last_seen": {"2026-11-21T09:30"},
			"anonymous": {"1"}, "note": {"SOCで検知"}}).must(t, http.StatusSeeOther)
		if p.Location != path+"?done=sighting_added" {
			t.Errorf("redirect to %q", p.Location)
		}
		d := b.get(p.Location).must(t, http.StatusOK)
		d.has(t, "報告を登録しました。", "SOCで検知", "鉄道：1件", "2026-11-21 09:30 JST")
		b.post(path+"/sightings", url.Values{"false_positive": {"1"}}).must(t, http.StatusSeeOther)
		if n := auditCount(t, db, "intel.sighting", e.amberID); n != 2 {
			t.Errorf("%d sighting audit entries, want 2", n)
		}
		// The owner sees the anonymous report without op-b's name.
		a := e.as("op-a-analyst", "en")
		d = a.get(path).must(t, http.StatusOK)
		d.has(t, "Anonymous", "SOCで検知", "False positive")
		d.hasNot(t, "op-b 日本語</td>")

		// Override of a flagged object: analysts only, reason required.
		fp := "/intel/objects/" + e.flagID
		a.get(fp).must(t, http.StatusOK)
		p = a.post(fp+"/override", url.Values{"reason": {"x"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("reason"); got != "Explain the override in 3 to 1000 characters." {
			t.Errorf("reason error %q", got)
		}
		p = a.post(fp+"/override", url.Values{"reason": {"Seen as C2 in our incident 2026-11"}}).must(t, http.StatusSeeOther)
		a.get(p.Location).must(t, http.StatusOK).has(t, "The override was recorded.", "Seen as C2 in our incident", "Withdraw the override")
		if n := auditCount(t, db, "warninglist.override", e.flagID); n != 1 {
			t.Errorf("%d override audit entries, want 1", n)
		}
		p = a.post(fp+"/override/withdraw", nil).must(t, http.StatusSeeOther)
		a.get(p.Location).must(t, http.StatusOK).has(t, "The override was withdrawn.", `id="override-form"`)
		if n := auditCount(t, db, "warninglist.override_withdraw", e.flagID); n != 1 {
			t.Errorf("%d withdraw audit entries, want 1", n)
		}
		// A viewer may not override: 403, and the denial is audited.
		v := e.as("op-a-viewer", "en")
		v.get(fp).must(t, http.StatusOK)
		v.post(fp+"/override", url.Values{"reason": {"I think so too"}}).must(t, http.StatusForbidden)
		if es, _, _ := db.ListAudit(context.Background(), store.AuditFilter{Action: "warninglist.override", Outcome: audit.OutcomeDenied, Limit: 10}); len(es) != 1 {
			t.Errorf("%d denied override entries, want 1", len(es))
		}
	})
}

func multipartBody(t testing.TB, fields map[string]string, fileName, content string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// upload posts a multipart form with the session's token.
func (c *client) upload(path string, fields map[string]string, fileName, content string) *page {
	c.t.Helper()
	f := map[string]string{"csrf": c.csrf}
	for k, v := range fields {
		f[k] = v
	}
	body, ctype := multipartBody(c.t, f, fileName, content)
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept-Language", c.lang)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

func TestIntelImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		c := e.as("op-a-analyst", "en")
		c.get("/import").must(t, http.StatusOK)
		bundle := string(inteltest.Bundle(inteltest.Indicator(10, "198.51.100.10", ""), inteltest.Indicator(11, "198.51.100.11", ""),
			inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"confidence":85,"description":"second look"`),
			`{"type":"indicator","id":"broken"}`))
		p := c.upload("/import", map[string]string{"collection": "op-a-amber", "format": "stix"}, "bundle.json", bundle).must(t, http.StatusOK)
		p.has(t, `id="job-summary"`, `<span class="big">2</span> new`, `<span class="big">1</span> duplicates`,
			`<span class="big">1</span> rejected`, "broken", "4 of 4 objects processed.", "2 new, 0 updated, 1 duplicates, 1 rejected")
		// Pasted IOC list with a TLP and a confidence, in Japanese.
		j := e.as("op-a-analyst", "ja")
		j.get("/import").must(t, http.StatusOK)
		p = j.upload("/import", map[string]string{"collection": "op-a-amber", "format": "iocs", "tlp": "amber+strict", "confidence": "85",
			"text": "# list\n198.51.100.200\nevil[.]example\nnot an ioc at all\n"}, "", "").must(t, http.StatusOK)
		// Two indicators and the TLP marking definition.
		p.has(t, "取り込み結果", `<span class="big">3</span> 新規`, "入力に関する注意", "line 4")
		p = j.get("/intel?q=evil.example").must(t, http.StatusOK)
		p.has(t, `class="tlp tlp-amber-strict"`, "TLP:AMBER&#43;STRICT", "確度 高")
		// The recent list shows both, linked to their summaries.
		p = j.get("/import").must(t, http.StatusOK)
		if n := strings.Count(p.Body, `href="/import?job=`); n != 3 {
			t.Errorf("%d recent imports listed, want 3 (setup + 2)", n)
		}
		if strings.Contains(p.Body, `http-equiv="refresh"`) {
			t.Error("the import page refreshes with no job pending")
		}
		// A queued (TAXII) job is shown with its progress and the page refreshes.
		pj, err := e.w.Svc.Submit(context.Background(), e.w.P("op-a-analyst"), "op-a-amber",
			inteltest.Bundle(inteltest.Indicator(20, "198.51.100.20", "")), intel.IngestOptions{Source: intel.SourceTAXII})
		if err != nil {
			t.Fatal(err)
		}
		p = c.get("/import").must(t, http.StatusOK)
		// Without JavaScript the page refreshes; with it, import.js follows
		// the job's status.
		p.has(t, `<noscript><meta http-equiv="refresh" content="5"></noscript>`, "In progress",
			`<progress max="1" value="0" data-status="/import/`+pj.ID+`/status">`)
		c.get("/import?job="+pj.ID).must(t, http.StatusOK).has(t, `id="job-summary"`, "0 of 1 objects processed.")
		e.as("ven-analyst", "en").get("/import?job="+pj.ID).must(t, http.StatusNotFound)
		st := c.get("/import/"+pj.ID+"/status").must(t, http.StatusOK)
		st.has(t, `"pending":true`, `"total":1`, `"done":0`, `"summary":"/import?job=`+pj.ID+`"`, "0 of 1 objects processed.")
		if ct := st.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("status Content-Type %q", ct)
		}
		e.as("ven-analyst", "en").get("/import/"+pj.ID+"/status").must(t, http.StatusNotFound).hasNot(t, "198.51.100.20")
		// A malformed file is named with the line of the error.
		p = c.upload("/import", map[string]string{"collection": "op-a-amber", "format": "stix"}, "broken.json",
			"{\n \"type\": \"bundle\",\n \"objects\": [ {,] }\n").must(t, http.StatusBadRequest)
		if got := p.fieldError("file"); !strings.Contains(got, "broken.json") || !strings.Contains(got, "line 3") {
			t.Errorf("malformed file error: %q", got)
		}
		// Errors: nothing to import, no collection, a collection it cannot write to.
		p = c.upload("/import", map[string]string{"format": "stix"}, "", "").must(t, http.StatusBadRequest)
		if p.fieldError("file") == "" || p.fieldError("collection") == "" {
			t.Errorf("missing input not named: %q %q", p.fieldError("file"), p.fieldError("collection"))
		}
		c.upload("/import", map[string]string{"collection": "advisories", "format": "stix", "text": bundle}, "", "").
			must(t, http.StatusForbidden).has(t, "You may not add objects to this collection.")
		p = c.upload("/import", map[string]string{"collection": "op-a-amber", "format": "stix", "text": "not json"}, "", "").
			must(t, http.StatusBadRequest)
		if p.fieldError("file") == "" {
			t.Error("malformed STIX not reported on the input")
		}
	})
}

func TestIntelCollectionsAndGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		a := e.as("op-a-admin", "ja")
		a.get("/collections").must(t, http.StatusOK).has(t, `href="/collections/new"`, `href="/collections/op-a-amber/edit"`)
		a.get("/collections/new").must(t, http.StatusOK)
		p := a.post("/collections", url.Values{"alias": {"Bad Alias"}, "tlp": {"amber"}, "write_policy": {"owner"},
			"audience.orgs": {"op-b, nowhere"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("audience.orgs"); !strings.Contains(got, "nowhere") {
			t.Errorf("audience error %q", got)
		}
		p = a.post("/collections", url.Values{"alias": {"Bad Alias"}, "title.en": {"Alpha"}, "tlp": {"amber"}, "write_policy": {"owner"},
			"audience.orgs": {"op-b"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("alias"); got != "半角英小文字・数字・ハイフンで2〜63文字、先頭は英数字にしてください。" {
			t.Errorf("alias error %q", got)
		}
		p = a.post("/collections", url.Values{"alias": {"op-a-red"}, "title.ja": {"赤"}, "tlp": {"red"}, "write_policy": {"audience"},
			"audience.orgs": {"op-b"}, "audience.groups": {"council"}}).must(t, http.StatusSeeOther)
		a.get(p.Location).must(t, http.StatusOK).has(t, "コレクションを作成しました。", "op-a-red", "協議会")
		if n := auditCount(t, db, "collection.create", ""); n < 1 {
			t.Error("collection creation not audited")
		}
		p = a.post("/collections", url.Values{"alias": {"op-a-red"}, "title.ja": {"赤"}, "tlp": {"red"}, "write_policy": {"owner"}}).
			must(t, http.StatusConflict)
		if got := p.fieldError("alias"); got != "このエイリアスのコレクションは既に存在します。" {
			t.Errorf("duplicate alias error %q", got)
		}
		// Edit: the audience form shows slugs; changes are saved.
		p = a.get("/collections/op-a-amber/edit").must(t, http.StatusOK)
		p.has(t, `value="op-b"`)
		a.post("/collections/op-a-amber/edit", url.Values{"title.en": {"Alpha amber"}, "tlp": {"amber"}, "write_policy": {"owner"},
			"audience.orgs": {"op-b, sup"}}).must(t, http.StatusSeeOther)
		e.as("sup-analyst", "en").get("/intel/objects/"+e.amberID).must(t, http.StatusOK)
		// Someone else's collection: 403 (readable) or 404.
		a.get("/collections/exchange/edit").must(t, http.StatusForbidden)
		a.get("/collections/council-red/edit").must(t, http.StatusNotFound)
		e.as("op-a-analyst", "en").get("/collections/new").must(t, http.StatusForbidden)

		// Sharing groups.
		n := e.as("nco-admin", "en")
		n.get("/groups").must(t, http.StatusOK).has(t, `id="group-form"`, "Council")
		p = n.post("/groups", url.Values{"slug": {"rail"}, "group_kind": {"council"}, "name.ja": {"鉄道"}, "name.en": {""}, "members": {""}}).
			must(t, http.StatusBadRequest)
		if p.fieldError("name.en") == "" && p.fieldError("members") == "" {
			t.Errorf("group errors not shown")
		}
		p = n.post("/groups", url.Values{"slug": {"rail"}, "group_kind": {"council"}, "name.ja": {"鉄道"}, "name.en": {"Rail"},
			"members": {"op-b"}}).must(t, http.StatusSeeOther)
		n.get(p.Location).must(t, http.StatusOK).has(t, "The sharing group was created.", "Rail")
		e.as("op-a-analyst", "en").get("/groups").must(t, http.StatusOK).hasNot(t, `id="group-form"`)
	})
}
