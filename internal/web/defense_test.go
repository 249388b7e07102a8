package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/defense"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// Indicators of the defense tests: one everyone may apply (advisories,
// TLP:CLEAR) and one only the council (nco, op-b) may (council-red).
const (
	defOpenIP  = "203.0.113.45"
	defRedIP   = "198.51.100.7"
	defOpenID  = "indicator--00000001-0000-4000-8000-000000000000"
	defRedID   = "indicator--00000002-0000-4000-8000-000000000000"
	defConnTSV = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-30-10-00-00\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n" +
		"1764496800.123456\tCHhAvVGS1DHFjwGM9\t192.168.1.10\t49152\t203.0.113.45\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n" +
		"1764496801.000001\tC4J4Th3PJpwUYZZ6gc\t192.168.1.11\t53211\t192.0.2.80\t80\ttcp\thttp\t0.2\t100\t200\tSF\n" +
		"1764496802.5\tCx\t192.168.1.12\t123\t198.51.100.7\t123\tudp\t-\t-\t-\t-\tS0\n" +
		"1764496803.5\tCy\t192.168.1.10\t49153\t203.0.113.45\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n"
	defText = "Nov 30 10:00:01 gw sshd[411]: Failed password for root from 203.0.113.45 port 52211 ssh2\n" +
		"Nov 30 10:00:02 gw sshd[411]: Accepted publickey for ops from 192.0.2.9 port 40000 ssh2\n"
)

type defenseEnv struct {
	*env
	w *inteltest.World
}

func newDefenseEnv(t testing.TB, db *store.DB) *defenseEnv {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	// Fresh indicators: the score decays with age.
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	ingest := func(coll string, n int, ip string) {
		raw := strings.NewReplacer("2026-11-01T00:00:00.000Z", ts, "2026-11-01T00:00:00Z", ts).Replace(inteltest.Indicator(n, ip, `,"confidence":80`))
		o, err := stix.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Ingest(ctx, w.P("nco-analyst"), coll, []*stix.Object{o}, intel.IngestOptions{}); err != nil {
			t.Fatalf("ingest into %s: %v", coll, err)
		}
	}
	ingest("advisories", 1, defOpenIP)
	ingest("council-red", 2, defRedIP)
	def := defense.New(w.Svc, inteltest.Quiet)
	def.CacheFor = 0
	e := serveWorld(t, db, w, web.Options{Defense: def})
	return &defenseEnv{env: e, w: w}
}

func (e *defenseEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(e.w.Users[name].Email)
	return c
}

// section returns the element of p's body starting at the first match of
// start up to the next end ("" if none).
func section(p *page, start, end string) string {
	i := strings.Index(p.Body, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(p.Body[i:], end)
	if j < 0 {
		return p.Body[i:]
	}
	return p.Body[i : i+j]
}

func TestDefenseExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDefenseEnv(t, db)
		ja := e.as("op-a-analyst", "ja")
		p := ja.get("/defense/exports").must(t, http.StatusOK)
		if nav := p.nav(); !strings.Contains(nav, `href="/defense/exports"`) || !strings.Contains(nav, "防御") {
			t.Errorf("nav lacks the defense section: %s", nav)
		}
		p.has(t, "指標の出力", "1行1値のテキスト", `/api/v1/exports/txt</pre>`, `Authorization: Bearer $TOKEN`, "If-None-Match",
			`href="/defense/exports/txt"`, "*/5 * * * *", "OnUnitActiveSec=5min", `id="export-counts"`)
		p.hasNot(t, "def.", "council-red 集")
		if c := section(p, `id="export-counts"`, "</dl>"); !strings.Contains(c, `<dd class="num">1</dd>`) {
			t.Errorf("counts: %s", c)
		}

		// The filters and options are reflected in the stable address and
		// the download link; kinds are those the format can express.
		p = ja.get("/defense/exports?format=suricata&kind=ipv4&min_score=10&min_confidence=50&max_tlp=amber&max_age=30d&collection=advisories&name=acd-block&sid_base=9200000").
			must(t, http.StatusOK)
		want := "/api/v1/exports/suricata?collection=advisories&amp;kind=ipv4&amp;max_age=30&amp;max_tlp=amber&amp;min_confidence=50&amp;min_score=10&amp;name=acd-block&amp;sid_base=9200000"
		p.has(t, want, `href="/defense/exports/suricata?collection=advisories&amp;kind=ipv4`, `value="ipv4" checked`, `name="sid_base"`,
			"acd-block.rules", "suricatasc -c reload-rules")
		p.hasNot(t, `value="sha256"`, `name="zone"`)

		en := e.as("op-a-analyst", "en")
		p = en.get("/defense/exports?format=rpz&zone=rpz.example.jp&max_tlp=green").must(t, http.StatusOK)
		p.has(t, "Indicator exports", "DNS RPZ zone for BIND", "/api/v1/exports/rpz?max_tlp=green&amp;zone=rpz.example.jp", `name="zone"`)
		if nav := p.nav(); !strings.Contains(nav, ">Defense<") {
			t.Errorf("en nav: %s", nav)
		}
		p.hasNot(t, "def.")

		// Errors name the field and keep the input.
		for _, c := range []struct {
			c                 *client
			query, input, msg string
		}{
			{ja, "min_score=abc&max_age=30", "min_score", "0〜100 の整数"},
			{en, "min_score=101", "min_score", "from 0 to 100"},
			{en, "max_age=forever", "max_age", "number of days"},
			{en, "format=nft&name=Bad+Name", "name", "Start with a-z"},
			{en, "format=suricata&sid_base=-3", "sid_base", "from 1 to 2000000000"},
			{en, "format=suricata-dataset&kind=ipv4&kind=domain", "kind", "exactly one kind"},
			{en, "format=word", "format", "Not one of the choices"},
			{en, "collection=nosuch", "collection", "Choose a collection you can read"},
		} {
			p := c.c.get("/defense/exports?"+c.query).must(t, http.StatusBadRequest)
			if got := p.fieldError(c.input); !strings.Contains(got, c.msg) {
				t.Errorf("%s: error on %s = %q, want %q", c.query, c.input, got, c.msg)
			}
			p.hasNot(t, `id="export-result"`)
		}
		p = ja.get("/defense/exports?min_score=abc&max_age=30").must(t, http.StatusBadRequest)
		p.has(t, `name="min_score" type="number" value="abc"`, `name="max_age" type="text" value="30"`, "最低スコア")

		// Download: what op-a may apply, never the council's RED value.
		d := ja.get("/defense/exports/txt").must(t, http.StatusOK)
		if !strings.Contains(d.Body, defOpenIP) || strings.Contains(d.Body, defRedIP) {
			t.Errorf("op-a download:\n%s", d.Body)
		}
		if cd := d.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "sakimori.txt") {
			t.Errorf("Content-Disposition %q", cd)
		}
		etag := d.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if nm := ja.do(http.MethodGet, "/defense/exports/txt", nil, "If-None-Match", etag); nm.Status != http.StatusNotModified || nm.Body != "" {
			t.Errorf("If-None-Match: %d %q", nm.Status, nm.Body)
		}
		if nm := ja.do(http.MethodGet, "/defense/exports/txt", nil, "If-None-Match", `"other"`); nm.Status != http.StatusOK {
			t.Errorf("other ETag: %d", nm.Status)
		}
		// A council member receives the RED value.
		nco := e.as("op-b-analyst", "en")
		if d := nco.get("/defense/exports/txt").must(t, http.StatusOK); !strings.Contains(d.Body, defRedIP) || !strings.Contains(d.Body, defOpenIP) {
			t.Errorf("op-b download:\n%s", d.Body)
		}
		// Asking for the RED collection does not reveal it either.
		if d := ja.get("/defense/exports/txt?collection=council-red"); strings.Contains(d.Body, defRedIP) {
			t.Errorf("council-red leaked to op-a: %d\n%s", d.Status, d.Body)
		}
		// A bad download goes back to the form, with the error shown there.
		bad := ja.get("/defense/exports/csv?min_score=abc")
		if bad.Status != http.StatusSeeOther || !strings.HasPrefix(bad.Location, "/defense/exports?") || !strings.Contains(bad.Location, "format=csv") {
			t.Errorf("bad download: %d %q", bad.Status, bad.Location)
		}
		// Signed out: the login page.
		if p := e.client("ja").get("/defense/exports/txt"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Errorf("anonymous download: %d %q", p.Status, p.Location)
		}
	})
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="(seen_[a-z]+)" value="([^"]*)">`)

// reportForm returns the hidden aggregates of a test result.
func reportForm(t *testing.T, p *page) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(section(p, `id="report-form"`, "</form>"), -1) {
		f.Add(m[1], html.UnescapeString(m[2]))
	}
	if len(f["seen_id"]) == 0 {
		t.Fatalf("no aggregates on the page:\n%s", p.Body)
	}
	return f
}

func TestDefenseLogTest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDefenseEnv(t, db)
		ctx := context.Background()
		c := e.as("op-a-analyst", "ja")
		c.get("/defense/test").must(t, http.StatusOK).has(t, "ログの照合", `name="log"`, `value="zeek-tsv"`, `value="access-log"`)

		// A Zeek conn log, format detected.
		p := c.post("/defense/test", url.Values{"log": {defConnTSV}}).must(t, http.StatusOK)
		p.has(t, `id="detected-format">zeek-tsv<`, `id="hit-count">2<`)
		hits := section(p, `<table id="hits"`, "</table>")
		if !strings.Contains(hits, "<code>"+defOpenIP+"</code>") || !strings.Contains(hits, `href="/intel/objects/`+defOpenID+`"`) ||
			!strings.Contains(hits, "id.resp_h") || !strings.Contains(hits, "TLP:CLEAR") || strings.Contains(hits, defRedIP) {
			t.Errorf("hits:\n%s", hits)
		}
		p.hasNot(t, "def.")
		agg := reportForm(t, p)
		if agg.Get("seen_id") != defOpenID || agg.Get("seen_count") != "2" || len(agg["seen_id"]) != 1 {
			t.Errorf("aggregates: %v", agg)
		}

		// Plain text, with the format chosen and a filter.
		p = c.post("/defense/test", url.Values{"log": {defText}, "log_format": {"text"}, "kind": {"ipv4"}, "max_tlp": {"green"}}).must(t, http.StatusOK)
		p.has(t, `id="detected-format">text<`, `id="hit-count">1<`, `value="ipv4" checked`)
		if hits := section(p, `<table id="hits"`, "</table>"); !strings.Contains(hits, defOpenIP) {
			t.Errorf("text hits:\n%s", hits)
		}
		// A filter that leaves nothing: no hits.
		c.post("/defense/test", url.Values{"log": {defText}, "kind": {"domain"}}).must(t, http.StatusOK).has(t, `id="no-hits"`)

		// Errors name the field and keep the pasted log.
		p = c.post("/defense/test", url.Values{"log": {defText}, "min_score": {"abc"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("min_score"); got == "" {
			t.Errorf("no error on min_score")
		}
		p.has(t, "Failed password for root from 203.0.113.45")
		p = c.post("/defense/test", url.Values{"log": {"  "}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("log"); got == "" {
			t.Errorf("no error on an empty log")
		}

		p = c.post("/defense/test", url.Values{"log": {strings.Repeat("a", defense.MaxScanBytes+1)}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("log"); !strings.Contains(got, "8 MiB") {
			t.Errorf("oversized log: error %q", got)
		}
		if nav := p.nav(); !strings.Contains(nav, `href="/defense/test" aria-current="page"`) {
			t.Errorf("the test page is not marked in the navigation: %s", nav)
		}

		// CSRF missing → 403, nothing stored.
		agg.Set("anonymous", "yes")
		if p := c.do(http.MethodPost, "/defense/test/report", agg); p.Status != http.StatusForbidden {
			t.Errorf("report without CSRF: %d", p.Status)
		}
		if p := c.do(http.MethodPost, "/defense/test", url.Values{"log": {defText}}); p.Status != http.StatusForbidden {
			t.Errorf("test without CSRF: %d", p.Status)
		}
		if sum, err := e.w.Svc.Sightings(ctx, e.w.P("op-a-analyst"), defOpenID); err != nil || sum.Reports != 0 {
			t.Fatalf("sightings before: %v %+v", err, sum)
		}

		// Send as sightings; an aggregate for an indicator op-a may not see
		// (added by hand) is rejected, the rest stored.
		agg.Add("seen_id", defRedID)
		agg.Add("seen_kind", "ipv4")
		agg.Add("seen_value", defRedIP)
		agg.Add("seen_count", "1")
		agg.Add("seen_first", agg["seen_first"][0])
		agg.Add("seen_last", agg["seen_last"][0])
		p = c.post("/defense/test/report", agg).must(t, http.StatusOK)
		p.has(t, `id="report-result"`, "1 件の観測を記録しました（受付不可 1 件）", "組織名は伏せて送信しました")
		if st := section(p, `<table id="stored"`, "</table>"); !strings.Contains(st, defOpenID) || !strings.Contains(st, ">2<") {
			t.Errorf("stored:\n%s", st)
		}
		if rj := section(p, `<table id="rejected"`, "</table>"); !strings.Contains(rj, defRedID) || !strings.Contains(rj, "閲覧できる指標にこの ID はありません") {
			t.Errorf("rejected:\n%s", rj)
		}
		sum, err := e.w.Svc.Sightings(ctx, e.w.P("op-a-analyst"), defOpenID)
		if err != nil || sum.Reports != 1 || sum.Count != 2 || sum.AnonymousReporters != 1 {
			t.Fatalf("sightings after: %v %+v", err, sum)
		}
		if sum, err := e.w.Svc.Sightings(ctx, e.w.P("nco-analyst"), defRedID); err != nil || sum.Reports != 0 {
			t.Errorf("RED sightings: %v %+v", err, sum)
		}
		// Nothing to send.
		p = c.post("/defense/test/report", url.Values{}).must(t, http.StatusBadRequest)
		p.has(t, "送信する観測情報がありません")
	})
}
