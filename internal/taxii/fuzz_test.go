package taxii

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// fuzzServer is a TAXII handler over a seeded SQLite world, called without
// a network; the worker runs, so submitted jobs are processed too.
func fuzzServer(f *testing.F) (*fixture, http.Handler) {
	fx := newFixture(f, storetest.Open(f, store.SQLite))
	fx.ingest("op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""), inteltest.IndicatorVersion(1, 5, "198.51.100.1", ""))
	return fx, fx.srv.Config.Handler
}

func serve(h http.Handler, r *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

// FuzzQuery: any query string on the objects, manifest, object and versions
// endpoints is answered with 200, 400 or 404, never a server error.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "added_after=2026-11-01T00:00:00Z", "match[version]=first,last,all", "match[version]=2026-11-01T00:05:00.000Z",
		"match[id]=indicator--00000001-0000-4000-8000-000000000000&match[type]=indicator,malware", "limit=1&next=MTc", "match[spec_version]=2.1,2.0",
		"added_after=2026-11-01T00:00:00.123456789%2B09:00", "limit=99999999999999999999", "match[version]=,", "next=%00", "match[id]=%FF"} {
		f.Add(s)
	}
	fx, h := fuzzServer(f)
	coll := fx.w.Colls["op-a-amber"].ID
	tok := fx.tokens["op-a-analyst"]
	f.Fuzz(func(t *testing.T, q string) {
		if v, err := url.ParseQuery(q); err == nil {
			for _, fl := range []filters{objectsFilters, objectFilters, versionsFilters} {
				_, _ = parseQuery(v, fl)
			}
		}
		for _, p := range []string{"objects/", "manifest/", "objects/indicator--00000001-0000-4000-8000-000000000000/",
			"objects/indicator--00000001-0000-4000-8000-000000000000/versions/"} {
			r := httptest.NewRequest("GET", "/taxii2/api/collections/"+coll+"/"+p, nil)
			r.URL.RawQuery = q
			r.Header.Set("Authorization", "Bearer "+tok)
			if c := serve(h, r); c != 200 && c != 400 && c != 404 {
				t.Fatalf("GET %s?%s: %d", p, q, c)
			}
		}
	})
}

// FuzzPost: any body posted to a collection is 202, 400, 413 or 422, never
// a server error.
func FuzzPost(f *testing.F) {
	for _, s := range []string{`{"objects":[]}`, `{"objects":[{}]}`, `{"objects":[1,null,"x",[]]}`, `{"objects":{}}`, `[]`, `{`, ``,
		string(inteltest.Bundle(inteltest.Indicator(7, "192.0.2.7", ""))), `{"objects":[` + inteltest.Indicator(8, "192.0.2.8", "") + `]}`,
		`{"objects":[{"type":"indicator","id":"indicator--x"}]}`, `{"type":"bundle","objects":[{"type":"bundle"}]}`, "{\"objects\":[\"\xff\"]}"} {
		f.Add([]byte(s))
	}
	fx, h := fuzzServer(f)
	coll := fx.w.Colls["exchange"].ID
	tok := fx.tokens["isac-analyst"]
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/taxii2/api/collections/"+coll+"/objects/", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", MediaTAXII)
		if c := serve(h, r); c != 202 && c != 400 && c != 413 && c != 422 {
			t.Fatalf("POST %q: %d", body, c)
		}
	})
}
