package taxii

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func sid(n int) string { return fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", n) }

const malwareID = "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"

var malware = `{"type":"malware","spec_version":"2.1","id":"` + malwareID + `","created":"2026-11-01T00:00:00.000Z",` +
	`"modified":"2026-11-01T00:00:00.000Z","name":"PlugX","is_family":true}`

var tsRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// seed: op-a-amber holds indicator 1 (versions at minute 0 and 5) and
// indicator 2; advisories holds indicators 20-24; exchange indicator 10
// and a malware; council-red indicator 30.
func seed(f *fixture) {
	f.ingest("op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""),
		inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"second"`), inteltest.IndicatorVersion(2, 0, "198.51.100.2", ""))
	for n := 20; n < 25; n++ {
		f.ingest("nco-analyst", "advisories", inteltest.Indicator(n, "192.0.2."+strconv.Itoa(n), ""))
	}
	f.ingest("isac-analyst", "exchange", inteltest.Indicator(10, "203.0.113.10", ""), malware)
	f.ingest("nco-analyst", "council-red", inteltest.Indicator(30, "203.0.113.30", ""))
}

// ---- helpers over answers -------------------------------------------------------

func wantStatus(t *testing.T, r *resp, code int) {
	t.Helper()
	if r.status != code {
		t.Fatalf("status %d, want %d: %s", r.status, code, r.body)
	}
}

// wantError checks a TAXII error message with the status.
func wantError(t *testing.T, r *resp, code int) map[string]any {
	t.Helper()
	wantStatus(t, r, code)
	if ct := r.header.Get("Content-Type"); ct != MediaTAXII {
		t.Errorf("error Content-Type %q", ct)
	}
	m := r.json(t)
	if s, _ := m["title"].(string); s == "" {
		t.Errorf("error without title: %s", r.body)
	}
	if m["http_status"] != strconv.Itoa(code) {
		t.Errorf("http_status %v, want the string %q", m["http_status"], strconv.Itoa(code))
	}
	return m
}

func objects(t *testing.T, r *resp) []map[string]any {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var out []map[string]any
	for _, o := range asList(r.json(t)["objects"]) {
		out = append(out, o.(map[string]any))
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func idsOf(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["id"].(string))
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func wantIDs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("ids %v, want %v", got, want)
	}
}

func versionsOf(objs []map[string]any, id string) []string {
	var out []string
	for _, o := range objs {
		if o["id"] == id {
			out = append(out, o["modified"].(string))
		}
	}
	return sorted(out)
}

// manifestDates returns the date_added values of a collection's manifest.
func manifestDates(t *testing.T, f *fixture, coll string) ([]string, []string) {
	t.Helper()
	r := f.get("nco-analyst", collPath(coll)+"manifest/")
	wantStatus(t, r, 200)
	var ids, dates []string
	for _, o := range asList(r.json(t)["objects"]) {
		m := o.(map[string]any)
		ids, dates = append(ids, m["id"].(string)), append(dates, m["date_added"].(string))
	}
	return ids, dates
}

func envelopeOf(objs ...string) []byte {
	return []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
}

type row struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// TestConformance runs one row per normative statement of TAXII 2.1 that
// sakimori implements, in order, over one seeded world per database.
func TestConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seed(f)
		for _, r := range conformanceRows() {
			t.Run(r.name, func(t *testing.T) { r.run(t, f) })
		}
	})
}

func conformanceRows() []row {
	amber := func(f *fixture) string { return f.w.Colls["op-a-amber"].ID }
	return []row{
		// ---- 1.6.8 media types, 3.6 errors, authentication ----
		{"1.6.8.1 responses are application/taxii+json;version=2.1", func(t *testing.T, f *fixture) {
			for _, p := range []string{"/taxii2/", "/taxii2/api/", "/taxii2/api/collections/", objectsPath("advisories")} {
				r := f.get("nco-analyst", p)
				wantStatus(t, r, 200)
				if ct := r.header.Get("Content-Type"); ct != MediaTAXII {
					t.Errorf("%s: Content-Type %q", p, ct)
				}
			}
		}},
		{"1.6.8.1 Accept application/taxii+json;version=2.1, without version, */*, application/* or absent is served", func(t *testing.T, f *fixture) {
			for _, a := range []string{MediaTAXII, "application/taxii+json", "*/*", "application/*", "", "application/json;q=0.9, application/taxii+json;version=2.1",
				"application/taxii+json; version=2.1; q=0.5"} {
				wantStatus(t, f.do(req{path: "/taxii2/api/", user: "nco-analyst", accept: str(a)}), 200)
			}
		}},
		{"1.6.8.1 an Accept that excludes TAXII 2.1 is 406", func(t *testing.T, f *fixture) {
			for _, a := range []string{"application/json", "text/html", "application/taxii+json;version=2.0", "application/stix+json;version=2.1",
				"application/taxii+json;version=2.1;q=0", "*/*;q=0"} {
				wantError(t, f.do(req{path: "/taxii2/api/", user: "nco-analyst", accept: str(a)}), 406)
			}
		}},
		{"3.6.1 error message: title, description, error_code and http_status as a string", func(t *testing.T, f *fixture) {
			m := wantError(t, f.get("nco-analyst", collPath("no-such-collection")), 404)
			if m["description"] == "" || m["error_code"] != "not_found" {
				t.Errorf("error %v", m)
			}
		}},
		{"1.6.6 no anonymous access: 401 with WWW-Authenticate Basic", func(t *testing.T, f *fixture) {
			for _, p := range []string{"/taxii2/", "/taxii2/api/", objectsPath("advisories")} {
				r := f.do(req{path: p})
				wantError(t, r, 401)
				if h := r.header.Get("WWW-Authenticate"); h != `Basic realm="sakimori TAXII"` {
					t.Errorf("WWW-Authenticate %q", h)
				}
			}
		}},
		{"1.6.6 unknown token, wrong scheme: 401", func(t *testing.T, f *fixture) {
			wantError(t, f.do(req{path: "/taxii2/", user: "skm_0000000000000000000000000000000000000000000000000000"}), 401)
			wantError(t, f.do(req{path: "/taxii2/", user: "not-a-token"}), 401)
			wantError(t, f.do(req{path: "/taxii2/", header: map[string]string{"Authorization": "Digest x"}}), 401)
		}},
		{"1.6.6 HTTP Basic (any user name, token as password) and Bearer authenticate", func(t *testing.T, f *fixture) {
			wantStatus(t, f.do(req{path: "/taxii2/", user: "nco-analyst"}), 200)
			wantStatus(t, f.do(req{path: "/taxii2/", user: "nco-analyst", bearer: true}), 200)
		}},
		// ---- 4.1 discovery, 4.2 API root ----
		{"4.1 discovery: title, contact, default and api_roots", func(t *testing.T, f *fixture) {
			m := f.get("op-a-analyst", "/taxii2/").json(t)
			roots := asList(m["api_roots"])
			if m["title"] == "" || len(roots) != 1 || !strings.HasSuffix(roots[0].(string), "/taxii2/api/") || m["default"] != roots[0] {
				t.Fatalf("discovery %v", m)
			}
			if m["contact"] != "soc@nco.example.jp" {
				t.Errorf("contact %v", m["contact"])
			}
			u, err := url.Parse(roots[0].(string))
			if err != nil || !u.IsAbs() {
				t.Errorf("api root %v is not an absolute URL", roots[0])
			}
		}},
		{"4.2 API root: title, versions [taxii 2.1], max_content_length", func(t *testing.T, f *fixture) {
			m := f.get("op-a-analyst", "/taxii2/api/").json(t)
			if m["title"] == "" || fmt.Sprint(m["versions"]) != "["+MediaTAXII+"]" || m["max_content_length"] != float64(testMaxBody) {
				t.Fatalf("api root %v", m)
			}
		}},
		// ---- 5.1, 5.2 collections ----
		{"5.1 collections: those the caller can see, with id, title, alias, can_read, can_write, media_types", func(t *testing.T, f *fixture) {
			m := f.get("op-a-analyst", "/taxii2/api/collections/").json(t)
			got := map[string]map[string]any{}
			for _, c := range asList(m["collections"]) {
				c := c.(map[string]any)
				got[c["alias"].(string)] = c
			}
			if len(got) != 3 || got["advisories"] == nil || got["exchange"] == nil || got["op-a-amber"] == nil {
				t.Fatalf("collections %v", m)
			}
			for alias, c := range got {
				if c["id"] != f.w.Colls[alias].ID || c["title"] != alias || c["can_read"] != true || fmt.Sprint(c["media_types"]) != "["+MediaSTIX+"]" {
					t.Errorf("%s: %v", alias, c)
				}
			}
			if got["advisories"]["can_write"] != false || got["exchange"]["can_write"] != true || got["op-a-amber"]["can_write"] != true {
				t.Errorf("can_write: %v", got)
			}
		}},
		{"5.2 a collection by id, and by alias", func(t *testing.T, f *fixture) {
			for _, ref := range []string{amber(f), "op-a-amber"} {
				m := f.get("op-b-analyst", collPath(ref)).json(t)
				if m["id"] != amber(f) || m["can_read"] != true || m["can_write"] != false {
					t.Errorf("%s: %v", ref, m)
				}
			}
		}},
		{"5.2 an unknown collection, or one the caller may not see, is 404", func(t *testing.T, f *fixture) {
			wantError(t, f.get("op-a-analyst", collPath("00000000-0000-4000-8000-000000000000")), 404)
			wantError(t, f.get("ven-analyst", collPath("op-a-amber")), 404)
			wantError(t, f.get("ven-analyst", objectsPath(amber(f))), 404)
		}},
		// ---- 5.3 get objects ----
		{"5.3 objects: envelope of the latest versions, more false, in date_added order", func(t *testing.T, f *fixture) {
			r := f.get("nco-analyst", objectsPath("advisories"))
			objs := objects(t, r)
			wantIDs(t, idsOf(objs), sid(20), sid(21), sid(22), sid(23), sid(24))
			if m := r.json(t); m["more"] != false || m["next"] != nil {
				t.Errorf("more/next: %v %v", m["more"], m["next"])
			}
			if ids, _ := manifestDates(t, f, "advisories"); !slices.Equal(ids, idsOf(objs)) {
				t.Errorf("objects order %v, manifest (date_added) order %v", idsOf(objs), ids)
			}
		}},
		{"3.3.1 X-TAXII-Date-Added-First and -Last are the first and last date_added of the page", func(t *testing.T, f *fixture) {
			_, dates := manifestDates(t, f, "advisories")
			for _, p := range []string{objectsPath("advisories"), collPath("advisories") + "manifest/"} {
				r := f.get("nco-analyst", p)
				if r.header.Get("X-TAXII-Date-Added-First") != dates[0] || r.header.Get("X-TAXII-Date-Added-Last") != dates[len(dates)-1] {
					t.Errorf("%s: first %q last %q, want %q %q", p, r.header.Get("X-TAXII-Date-Added-First"), r.header.Get("X-TAXII-Date-Added-Last"), dates[0], dates[len(dates)-1])
				}
			}
		}},
		{"3.2 timestamps are UTC with microseconds and Z", func(t *testing.T, f *fixture) {
			_, dates := manifestDates(t, f, "advisories")
			r := f.get("nco-analyst", objectsPath("advisories"))
			for _, d := range append(dates, r.header.Get("X-TAXII-Date-Added-First"), r.header.Get("X-TAXII-Date-Added-Last")) {
				if !tsRE.MatchString(d) {
					t.Errorf("timestamp %q", d)
				}
			}
		}},
		{"3.4.1 added_after excludes objects added at or before the timestamp", func(t *testing.T, f *fixture) {
			ids, dates := manifestDates(t, f, "advisories")
			objs := objects(t, f.get("nco-analyst", objectsPath("advisories")+"?added_after="+url.QueryEscape(dates[1])))
			if !slices.Equal(idsOf(objs), ids[2:]) {
				t.Fatalf("added_after %s: %v, want %v", dates[1], idsOf(objs), ids[2:])
			}
			r := f.get("nco-analyst", objectsPath("advisories")+"?added_after="+url.QueryEscape(dates[4]))
			wantStatus(t, r, 200)
			if string(bytes.TrimSpace(r.body)) != "{}" {
				t.Errorf("nothing after the last: %s", r.body)
			}
		}},
		{"3.4 added_after accepts any RFC 3339 precision and offset", func(t *testing.T, f *fixture) {
			objs := objects(t, f.get("nco-analyst", objectsPath("advisories")+"?added_after=2000-01-01T09:00:00%2B09:00"))
			if len(objs) != 5 {
				t.Errorf("%d objects", len(objs))
			}
		}},
		{"3.4.2 limit bounds the page; more and next page through without gaps or repeats", func(t *testing.T, f *fixture) {
			var all []string
			next, pages, prevLast := "", 0, ""
			for {
				p := objectsPath("advisories") + "?limit=2"
				if next != "" {
					p += "&next=" + url.QueryEscape(next)
				}
				r := f.get("nco-analyst", p)
				m := r.json(t)
				objs := objects(t, r)
				pages++
				if len(objs) > 2 {
					t.Fatalf("page of %d", len(objs))
				}
				if prevLast != "" && r.header.Get("X-TAXII-Date-Added-First") <= prevLast {
					t.Errorf("page %d starts at %s, not after %s", pages, r.header.Get("X-TAXII-Date-Added-First"), prevLast)
				}
				prevLast = r.header.Get("X-TAXII-Date-Added-Last")
				all = append(all, idsOf(objs)...)
				if m["more"] != true {
					if m["next"] != nil {
						t.Errorf("next on the last page")
					}
					break
				}
				next, _ = m["next"].(string)
				if next == "" || pages > 5 {
					t.Fatalf("more without next: %v", m)
				}
			}
			if pages != 3 {
				t.Errorf("%d pages", pages)
			}
			wantIDs(t, all, sid(20), sid(21), sid(22), sid(23), sid(24))
		}},
		{"3.4.2 paging by added_after with X-TAXII-Date-Added-Last works too", func(t *testing.T, f *fixture) {
			r := f.get("nco-analyst", objectsPath("advisories")+"?limit=3")
			objs2 := objects(t, f.get("nco-analyst", objectsPath("advisories")+"?added_after="+url.QueryEscape(r.header.Get("X-TAXII-Date-Added-Last"))))
			wantIDs(t, append(idsOf(objects(t, r)), idsOf(objs2)...), sid(20), sid(21), sid(22), sid(23), sid(24))
		}},
		{"3.4 bad limit, added_after, next or match[version] is 400", func(t *testing.T, f *fixture) {
			for _, q := range []string{"limit=0", "limit=-1", "limit=x", "added_after=yesterday", "added_after=2026-13-01T00:00:00Z",
				"next=garbage!", "match[version]=newest", "match[version]=", "match[type]=,"} {
				wantError(t, f.get("nco-analyst", objectsPath("advisories")+"?"+q), 400)
			}
		}},
		{"3.4.4 match[id] selects objects by id (comma-separated)", func(t *testing.T, f *fixture) {
			wantIDs(t, idsOf(objects(t, f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[id]="+sid(2)))), sid(2))
			wantIDs(t, idsOf(objects(t, f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[id]="+sid(2)+","+sid(1)))), sid(1), sid(2))
		}},
		{"3.4.4 match[type] selects by type, several comma-separated", func(t *testing.T, f *fixture) {
			wantIDs(t, idsOf(objects(t, f.get("isac-analyst", objectsPath("exchange")+"?match[type]=malware"))), malwareID)
			wantIDs(t, idsOf(objects(t, f.get("isac-analyst", objectsPath("exchange")+"?match[type]=malware,indicator"))), malwareID, sid(10))
			wantIDs(t, idsOf(objects(t, f.get("isac-analyst", objectsPath("exchange")+"?match[type]=malware&match[type]=indicator"))), malwareID, sid(10))
		}},
		{"3.4.4 match[version] absent: the latest version only", func(t *testing.T, f *fixture) {
			objs := objects(t, f.get("op-a-analyst", objectsPath("op-a-amber")))
			if v := versionsOf(objs, sid(1)); len(v) != 1 || v[0] != "2026-11-01T00:05:00.000Z" {
				t.Errorf("latest of 1: %v", v)
			}
		}},
		{"3.4.4 match[version]=first, all, first,last and timestamps", func(t *testing.T, f *fixture) {
			for q, want := range map[string][]string{
				"first":                       {"2026-11-01T00:00:00.000Z"},
				"last":                        {"2026-11-01T00:05:00.000Z"},
				"all":                         {"2026-11-01T00:00:00.000Z", "2026-11-01T00:05:00.000Z"},
				"first,last":                  {"2026-11-01T00:00:00.000Z", "2026-11-01T00:05:00.000Z"},
				"2026-11-01T00:05:00.000Z":    {"2026-11-01T00:05:00.000Z"},
				"2026-11-01T00:05:00Z":        {"2026-11-01T00:05:00.000Z"},
				"2026-11-01T09:00:00%2B09:00": {"2026-11-01T00:00:00.000Z"},
				"2026-11-01T00:07:00Z":        nil,
			} {
				objs := objects(t, f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[id]="+sid(1)+"&match[version]="+q))
				if got := versionsOf(objs, sid(1)); !slices.Equal(got, want) {
					t.Errorf("match[version]=%s: %v, want %v", q, got, want)
				}
			}
		}},
		{"3.4.4 match[spec_version] selects by STIX version", func(t *testing.T, f *fixture) {
			wantIDs(t, idsOf(objects(t, f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[spec_version]=2.1"))), sid(1), sid(2))
			r := f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[spec_version]=2.0")
			wantStatus(t, r, 200)
			if string(bytes.TrimSpace(r.body)) != "{}" {
				t.Errorf("no 2.0 objects: %s", r.body)
			}
		}},
		{"3.7 an empty result is 200 with the empty envelope {} and no date headers", func(t *testing.T, f *fixture) {
			r := f.get("op-a-analyst", objectsPath("op-a-amber")+"?match[type]=campaign")
			wantStatus(t, r, 200)
			if string(bytes.TrimSpace(r.body)) != "{}" || r.header.Get("X-TAXII-Date-Added-First") != "" {
				t.Errorf("empty: %s %v", r.body, r.header)
			}
		}},
		{"5.3 objects without a TLP marking carry their collection's TLP marking", func(t *testing.T, f *fixture) {
			for _, o := range objects(t, f.get("op-a-analyst", objectsPath("op-a-amber"))) {
				if !slices.Contains(asList(o["object_marking_refs"]), any(marking.TLPAmber.StixID())) {
					t.Errorf("%v lacks TLP:AMBER", o["id"])
				}
			}
		}},
		// ---- 5.4 manifest ----
		{"5.4 manifest: id, date_added, version and media_type of each version selected", func(t *testing.T, f *fixture) {
			r := f.get("op-a-analyst", collPath("op-a-amber")+"manifest/?match[version]=all")
			wantStatus(t, r, 200)
			m := r.json(t)
			recs := asList(m["objects"])
			if len(recs) != 3 || m["more"] != false {
				t.Fatalf("manifest %s", r.body)
			}
			for _, x := range recs {
				x := x.(map[string]any)
				if x["id"] == "" || !tsRE.MatchString(x["date_added"].(string)) || x["version"] == "" || x["media_type"] != MediaSTIX {
					t.Errorf("record %v", x)
				}
			}
		}},
		{"5.4 manifest takes the same filters and pagination", func(t *testing.T, f *fixture) {
			m := f.get("op-a-analyst", collPath("op-a-amber")+"manifest/?match[version]=all&limit=2").json(t)
			if len(asList(m["objects"])) != 2 || m["more"] != true || m["next"] == nil {
				t.Fatalf("manifest page %v", m)
			}
			m2 := f.get("op-a-analyst", collPath("op-a-amber")+"manifest/?match[version]=all&limit=2&next="+url.QueryEscape(m["next"].(string))).json(t)
			if len(asList(m2["objects"])) != 1 || m2["more"] != false {
				t.Fatalf("manifest page 2 %v", m2)
			}
			m3 := f.get("op-a-analyst", collPath("op-a-amber")+"manifest/?match[id]="+sid(2)).json(t)
			if len(asList(m3["objects"])) != 1 {
				t.Fatalf("manifest match[id] %v", m3)
			}
		}},
		// ---- 5.6 get an object, 5.8 versions ----
		{"5.6 an object by id: its latest version in an envelope, with date headers", func(t *testing.T, f *fixture) {
			r := f.get("op-b-analyst", objectsPath("op-a-amber")+sid(1)+"/")
			objs := objects(t, r)
			if len(objs) != 1 || objs[0]["modified"] != "2026-11-01T00:05:00.000Z" || r.header.Get("X-TAXII-Date-Added-First") == "" {
				t.Fatalf("object %s", r.body)
			}
		}},
		{"5.6 an object by id with match[version]=all: every version", func(t *testing.T, f *fixture) {
			objs := objects(t, f.get("op-b-analyst", objectsPath("op-a-amber")+sid(1)+"/?match[version]=all"))
			if len(versionsOf(objs, sid(1))) != 2 {
				t.Fatalf("versions %v", objs)
			}
		}},
		{"5.6 an unknown object is 404", func(t *testing.T, f *fixture) {
			wantError(t, f.get("op-b-analyst", objectsPath("op-a-amber")+sid(999)+"/"), 404)
			wantError(t, f.get("op-b-analyst", objectsPath("op-a-amber")+sid(10)+"/"), 404) // in another collection
		}},
		{"5.8 versions: every version, oldest added first, with more and date headers", func(t *testing.T, f *fixture) {
			r := f.get("op-b-analyst", objectsPath("op-a-amber")+sid(1)+"/versions/")
			wantStatus(t, r, 200)
			m := r.json(t)
			if fmt.Sprint(m["versions"]) != "[2026-11-01T00:00:00.000Z 2026-11-01T00:05:00.000Z]" || m["more"] != false {
				t.Fatalf("versions %s", r.body)
			}
			if !tsRE.MatchString(r.header.Get("X-TAXII-Date-Added-First")) || !tsRE.MatchString(r.header.Get("X-TAXII-Date-Added-Last")) {
				t.Errorf("headers %v", r.header)
			}
			m = f.get("op-b-analyst", objectsPath("op-a-amber")+sid(1)+"/versions/?limit=1").json(t)
			if len(asList(m["versions"])) != 1 || m["more"] != true || m["next"] == nil {
				t.Errorf("versions page %v", m)
			}
		}},
		{"5.8 versions of an unknown object is 404", func(t *testing.T, f *fixture) {
			wantError(t, f.get("op-b-analyst", objectsPath("op-a-amber")+sid(999)+"/versions/"), 404)
		}},
		// ---- 5.5 add objects, 4.3 status ----
		{"5.5 a Content-Type other than TAXII 2.1 is 415", func(t *testing.T, f *fixture) {
			for _, ct := range []string{"application/json", "application/stix+json;version=2.1", "application/taxii+json;version=2.0", "text/plain", ""} {
				wantError(t, f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst", ctype: str(ct),
					body: envelopeOf(inteltest.Indicator(50, "192.0.2.50", ""))}), 415)
			}
		}},
		{"5.5 a body over max_content_length is 413", func(t *testing.T, f *fixture) {
			big := envelopeOf(inteltest.Indicator(51, "192.0.2.51", `,"description":"`+strings.Repeat("x", testMaxBody)+`"`))
			wantError(t, f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst", body: big}), 413)
		}},
		{"5.5 malformed JSON is 400, JSON that is not an envelope 422", func(t *testing.T, f *fixture) {
			wantError(t, f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst", body: []byte(`{"objects":[`)}), 400)
			for _, b := range []string{`[1,2]`, `{"more":false}`, `{"objects":{}}`, `"x"`} {
				wantError(t, f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst", body: []byte(b)}), 422)
			}
		}},
		{"5.5 add without write permission is 403 (read-only token, or a collection that does not accept the caller)", func(t *testing.T, f *fixture) {
			body := envelopeOf(inteltest.Indicator(52, "192.0.2.52", ""))
			wantError(t, f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst-ro", body: body}), 403)
			wantError(t, f.do(req{method: "POST", path: objectsPath("op-a-amber"), user: "op-b-analyst", body: body}), 403)
			wantError(t, f.do(req{method: "POST", path: objectsPath("op-a-amber"), user: "ven-analyst", body: body}), 404)
		}},
		{"5.5 add: 202 with a pending status resource; 4.3 status completes with counts and details", func(t *testing.T, f *fixture) {
			r := f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst",
				body: envelopeOf(inteltest.Indicator(40, "192.0.2.40", ""), inteltest.Indicator(41, "192.0.2.41", ""), inteltest.Indicator(20, "192.0.2.20", ""), `{"type":"indicator","id":"bad"}`)})
			wantStatus(t, r, 202)
			if ct := r.header.Get("Content-Type"); ct != MediaTAXII {
				t.Errorf("Content-Type %q", ct)
			}
			st := r.json(t)
			if st["status"] != "pending" || st["total_count"] != 4.0 || st["pending_count"] != 4.0 || st["success_count"] != 0.0 ||
				st["failure_count"] != 0.0 || st["id"] == "" || !tsRE.MatchString(st["request_timestamp"].(string)) {
				t.Fatalf("status %v", st)
			}
			f.wait()
			st = f.get("nco-analyst", "/taxii2/api/status/"+st["id"].(string)+"/").json(t)
			if st["status"] != "complete" || st["total_count"] != 4.0 || st["success_count"] != 3.0 || st["failure_count"] != 1.0 || st["pending_count"] != 0.0 {
				t.Fatalf("status %v", st)
			}
			var okIDs []string
			for _, d := range asList(st["successes"]) {
				d := d.(map[string]any)
				okIDs = append(okIDs, d["id"].(string))
				if d["version"] != "2026-11-01T00:00:00.000Z" {
					t.Errorf("success %v", d)
				}
			}
			wantIDs(t, okIDs, sid(40), sid(41), sid(20))
			if fs := asList(st["failures"]); len(fs) != 1 || !strings.Contains(fmt.Sprint(fs[0]), "bad") {
				t.Errorf("failures %v", fs)
			}
			wantIDs(t, idsOf(objects(t, f.get("op-a-analyst", objectsPath("advisories")+"?match[id]="+sid(40)+","+sid(41)))), sid(40), sid(41))
		}},
		{"5.5 application/taxii+json without version is accepted as 2.1", func(t *testing.T, f *fixture) {
			r := f.do(req{method: "POST", path: objectsPath("advisories"), user: "nco-analyst", ctype: str("application/taxii+json"),
				body: envelopeOf(inteltest.Indicator(42, "192.0.2.42", ""))})
			wantStatus(t, r, 202)
			f.wait()
		}},
		{"4.3 a status resource of another organisation, or unknown, is 404", func(t *testing.T, f *fixture) {
			r := f.do(req{method: "POST", path: objectsPath("exchange"), user: "isac-analyst", body: envelopeOf(inteltest.Indicator(43, "192.0.2.43", ""))})
			wantStatus(t, r, 202)
			id := r.json(t)["id"].(string)
			f.wait()
			wantStatus(t, f.get("isac-admin", "/taxii2/api/status/"+id+"/"), 200)
			wantError(t, f.get("op-a-analyst", "/taxii2/api/status/"+id+"/"), 404)
			wantError(t, f.get("op-a-analyst", "/taxii2/api/status/00000000-0000-4000-8000-000000000000/"), 404)
		}},
		// ---- 5.7 delete ----
		{"5.7 delete needs the write scope and the owning organisation (403)", func(t *testing.T, f *fixture) {
			wantError(t, f.do(req{method: "DELETE", path: objectsPath("advisories") + sid(40) + "/", user: "nco-analyst-ro"}), 403)
			wantError(t, f.do(req{method: "DELETE", path: objectsPath("op-a-amber") + sid(2) + "/", user: "op-b-analyst"}), 403)
		}},
		{"5.7 delete of an unknown object is 404", func(t *testing.T, f *fixture) {
			wantError(t, f.do(req{method: "DELETE", path: objectsPath("advisories") + sid(999) + "/", user: "nco-analyst"}), 404)
		}},
		{"5.7 delete removes every version; the object vanishes from objects, manifest, versions and get", func(t *testing.T, f *fixture) {
			wantStatus(t, f.do(req{method: "DELETE", path: objectsPath("advisories") + sid(40) + "/", user: "nco-analyst"}), 200)
			if slices.Contains(idsOf(objects(t, f.get("op-a-analyst", objectsPath("advisories")+"?match[version]=all"))), sid(40)) {
				t.Error("deleted object still listed")
			}
			if ids, _ := manifestDates(t, f, "advisories"); slices.Contains(ids, sid(40)) {
				t.Error("deleted object still in the manifest")
			}
			wantError(t, f.get("op-a-analyst", objectsPath("advisories")+sid(40)+"/"), 404)
			wantError(t, f.get("op-a-analyst", objectsPath("advisories")+sid(40)+"/versions/"), 404)
		}},
		{"5.7 delete with match[version] removes only the versions selected", func(t *testing.T, f *fixture) {
			wantStatus(t, f.do(req{method: "DELETE", path: objectsPath("op-a-amber") + sid(1) + "/?match[version]=first", user: "op-a-analyst"}), 200)
			m := f.get("op-a-analyst", objectsPath("op-a-amber")+sid(1)+"/versions/").json(t)
			if fmt.Sprint(m["versions"]) != "[2026-11-01T00:05:00.000Z]" {
				t.Fatalf("versions after deleting the first: %v", m)
			}
			wantError(t, f.do(req{method: "DELETE", path: objectsPath("op-a-amber") + sid(1) + "/?match[version]=2026-11-01T00:00:00.000Z", user: "op-a-analyst"}), 404)
		}},
		// ---- HTTP ----
		{"3.1 a method an endpoint does not support is 405 with Allow", func(t *testing.T, f *fixture) {
			r := f.do(req{method: "PUT", path: objectsPath("advisories"), user: "nco-analyst", body: []byte("{}")})
			wantError(t, r, 405)
			if a := r.header.Get("Allow"); !strings.Contains(a, "GET") || !strings.Contains(a, "POST") {
				t.Errorf("Allow %q", a)
			}
		}},
		{"3.1 an unknown path is 404 as a TAXII error", func(t *testing.T, f *fixture) {
			wantError(t, f.get("nco-analyst", "/taxii2/api/nothing/"), 404)
			wantError(t, f.get("nco-analyst", "/taxii2/other-root/"), 404)
		}},
	}
}
