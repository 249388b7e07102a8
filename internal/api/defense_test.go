package api

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sakimori/internal/defense"
	"sakimori/internal/export"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/match"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func init() {
	// The bodies of the defense routes, for TestRequestSchemasMatchTheTypes.
	requestTypes["AggregatedSightingsInput"] = &AggregatedSightingsInput{}
}

// defenseFixture is the intel fixture's API with the defense service wired
// as serve wires it, without its cache (changes are seen at once).
type defenseFixture struct {
	*intelFixture
	def *defense.Service
	c   *jsonschema.Compiler
}

func newDefenseFixture(t *testing.T, db *store.DB) *defenseFixture {
	t.Helper()
	f := newIntelFixture(t, db)
	d := defense.New(f.w.Svc, inteltest.Quiet)
	d.CacheFor = 0
	f.api = New(f.svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: f.w.Svc, Defense: d})
	f.srv.Config.Handler = f.api
	df := &defenseFixture{intelFixture: f, def: d, c: compiler(t, f.api.openapi)}
	df.seedDefense(t)
	return df
}

// The values of the world: op-a may apply every one but those of
// council-red (TLP:RED for the council, of which op-a is no member).
const (
	dIP       = "203.0.113.10" // advisories, confidence 85
	dDomain   = "evil.example" // advisories
	dURL      = "http://bad.example/x.php"
	dSHA256   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	dEmail    = "phish@evil.example"
	dCIDR     = "203.0.113.128/25" // exchange
	dIPv6     = "2001:db8::66"     // exchange
	dAmber    = "amber.example"    // op-a-amber
	dRedIP    = "203.0.113.66"     // council-red
	dRedDom   = "red.example"      // council-red
	dRedRPZIP = "66.113.0.203"     // dRedIP as an RPZ trigger
)

// dID is the STIX id of the n-th indicator of the world.
func dID(n int) string { return fmt.Sprintf("indicator--%08x-0000-4000-8000-00000000d0d0", n) }

func (f *defenseFixture) seedDefense(t *testing.T) {
	t.Helper()
	// Fresh indicators: the score decays with age.
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	ind := func(n int, pattern, extra string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"IOC %d",`+
			`"pattern":%q,"pattern_type":"stix","valid_from":%q%s}`, dID(n), ts, ts, n, pattern, ts, extra)
	}
	for _, s := range []struct {
		who, coll string
		objs      []string
	}{
		{"nco-analyst", "advisories", []string{
			ind(1, "[ipv4-addr:value = '"+dIP+"']", `,"confidence":85`),
			ind(2, "[domain-name:value = '"+dDomain+"']", ""),
			ind(3, "[url:value = '"+dURL+"']", ""),
			ind(4, "[file:hashes.'SHA-256' = '"+dSHA256+"']", ""),
			ind(5, "[email-addr:value = '"+dEmail+"']", ""),
		}},
		{"op-a-analyst", "exchange", []string{ind(6, "[ipv4-addr:value = '"+dCIDR+"']", ""), ind(7, "[ipv6-addr:value = '"+dIPv6+"']", "")}},
		{"op-a-analyst", "op-a-amber", []string{ind(8, "[domain-name:value = '"+dAmber+"']", "")}},
		{"nco-analyst", "council-red", []string{ind(9, "[ipv4-addr:value = '"+dRedIP+"']", ""), ind(10, "[domain-name:value = '"+dRedDom+"']", "")}},
	} {
		var objs []*stix.Object
		for _, raw := range s.objs {
			o, err := stix.Parse([]byte(raw))
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			objs = append(objs, o)
		}
		if _, err := f.w.Svc.Ingest(context.Background(), f.w.P(s.who), s.coll, objs, intel.IngestOptions{}); err != nil {
			t.Fatalf("ingest into %s: %v", s.coll, err)
		}
	}
}

// get sends a GET (or HEAD) with extra headers as name, value pairs.
func (f *defenseFixture) get(method, path, who string, hdr ...string) resp {
	f.t.Helper()
	return f.do(method, path, who, nil, hdr...)
}

// exportNeedle is a value op-a may apply as each format writes it.
func exportNeedle(fm export.Format) (query, needle string) {
	switch fm {
	case export.FormatSuricataDataset:
		return "?kind=ipv4", dIP
	case export.FormatHosts, export.FormatRPZ:
		return "", dDomain
	}
	return "", dIP
}

// body returns the bytes of an export: a MISP feed's tar.gz is unpacked
// into the concatenation of its files.
func exportBytes(t *testing.T, fm export.Format, b []byte) []byte {
	t.Helper()
	if fm != export.FormatMISPFeed {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("misp-feed is not gzip: %v", err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		out.WriteString("== " + h.Name + "\n")
		io.Copy(&out, tr)
	}
	if n < 3 {
		t.Errorf("misp-feed has %d files", n)
	}
	return out.Bytes()
}

// TestDefenseExports: every format answers with its media type, a file
// name, a strong ETag, the counts, and an entitled value.
func TestDefenseExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		for _, fm := range export.Formats {
			q, needle := exportNeedle(fm)
			r := f.get("GET", "/api/v1/exports/"+string(fm)+q, "op-a-analyst:read")
			if r.Status != 200 {
				t.Errorf("%s: %d %s", fm, r.Status, r.Body)
				continue
			}
			if ct := r.Header.Get("Content-Type"); ct != export.ContentType(fm) {
				t.Errorf("%s: Content-Type %q, want %q", fm, ct, export.ContentType(fm))
			}
			if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
				t.Errorf("%s: Content-Disposition %q", fm, cd)
			}
			if et := r.Header.Get("ETag"); len(et) < 10 || et[0] != '"' || strings.HasPrefix(et, "W/") {
				t.Errorf("%s: ETag %q is not strong", fm, et)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "private, max-age=0, must-revalidate" {
				t.Errorf("%s: Cache-Control %q", fm, cc)
			}
			if r.Header.Get(ExportedHeader) == "" || r.Header.Get(ExportedHeader) == "0" || r.Header.Get(WithheldHeader) != "0" {
				t.Errorf("%s: counts exported %q withheld %q", fm, r.Header.Get(ExportedHeader), r.Header.Get(WithheldHeader))
			}
			if !bytes.Contains(exportBytes(t, fm, r.Body), []byte(needle)) {
				t.Errorf("%s: %s missing:\n%s", fm, needle, r.Body)
			}
		}
		// Files are served whatever a poller accepts; JSON routes still
		// negotiate.
		if r := f.get("GET", "/api/v1/exports/txt", "op-a-analyst", "Accept", "text/plain"); r.Status != 200 {
			t.Errorf("txt with Accept: text/plain: %d", r.Status)
		}
		if r := f.get("GET", "/api/v1/match/set", "op-a-analyst", "Accept", "application/vnd.sakimori.set"); r.Status != 200 {
			t.Errorf("set with its own Accept: %d", r.Status)
		}
		if r := f.get("GET", "/api/v1/exports", "op-a-analyst", "Accept", "text/plain"); r.Status != 406 {
			t.Errorf("JSON listing with Accept: text/plain: %d", r.Status)
		}
		// A filter narrows: only domains, nothing under AMBER.
		r := f.get("GET", "/api/v1/exports/txt?kind=domain&max_tlp=green", "op-a-analyst")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(dDomain)) || bytes.Contains(r.Body, []byte(dIP)) || bytes.Contains(r.Body, []byte(dAmber)) {
			t.Errorf("filtered txt: %d\n%s", r.Status, r.Body)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "sakimori-domain.txt") {
			t.Errorf("filtered txt file name: %q", cd)
		}
		// Options reach the writer.
		r = f.get("GET", "/api/v1/exports/nft?name=edge-block", "op-a-analyst")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte("edge-block-v4")) {
			t.Errorf("nft name: %d\n%s", r.Status, r.Body)
		}
		r = f.get("GET", "/api/v1/exports/rpz?zone=rpz.example.jp", "op-a-analyst")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte("rpz.example.jp.")) {
			t.Errorf("rpz zone: %d\n%s", r.Status, r.Body)
		}
		r = f.get("GET", "/api/v1/exports/suricata?sid_base=7000000", "op-a-analyst")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte("sids 7000000-7999999")) {
			t.Errorf("suricata sid_base: %d\n%s", r.Status, r.Body)
		}
		// HEAD: the headers without the body.
		h := f.get("HEAD", "/api/v1/exports/txt", "op-a-analyst")
		if h.Status != 200 || len(h.Body) != 0 || h.Header.Get("ETag") == "" {
			t.Errorf("HEAD: %d %q %v", h.Status, h.Body, h.Header)
		}
		// The MISP feed file by file, as MISP fetches it.
		r = f.get("GET", "/api/v1/exports/misp-feed/manifest.json", "op-a-analyst")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("ETag") == "" {
			t.Fatalf("manifest.json: %d %v %s", r.Status, r.Header, r.Body)
		}
		manifest := r.json(t)
		if len(manifest) == 0 {
			t.Fatalf("empty manifest")
		}
		found := false
		for uuid := range manifest {
			ev := f.get("GET", "/api/v1/exports/misp-feed/"+uuid+".json", "op-a-analyst")
			if ev.Status != 200 || ev.Header.Get("ETag") == "" {
				t.Errorf("event %s: %d %s", uuid, ev.Status, ev.Body)
			}
			found = found || bytes.Contains(ev.Body, []byte(dIP))
		}
		if !found {
			t.Errorf("no event file lists %s", dIP)
		}
		r = f.get("GET", "/api/v1/exports/misp-feed/hashes.csv", "op-a-analyst")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || len(r.Body) == 0 {
			t.Errorf("hashes.csv: %d %v %s", r.Status, r.Header, r.Body)
		}
		for _, bad := range []string{"nothing.json", ".hidden", "manifest.json.bak"} {
			if r := f.get("GET", "/api/v1/exports/misp-feed/"+bad, "op-a-analyst"); r.Status != 404 {
				t.Errorf("misp-feed/%s: %d %s", bad, r.Status, r.Body)
			}
		}
		// Without a token: 401.
		if r := f.get("GET", "/api/v1/exports/txt", ""); r.Status != 401 {
			t.Errorf("no token: %d", r.Status)
		}
	})
}

// TestDefenseExportFormatList lists every format with its URL carrying the
// request's filter.
func TestDefenseExportFormatList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		r := f.call(t, "GET", "/api/v1/exports?kind=ipv4,domain&max_tlp=green&name=edge", "op-a-analyst:read", nil, 200)
		l := into[ExportFormatList](t, r)
		if len(l.Items) != len(export.Formats) {
			t.Fatalf("%d formats, want %d", len(l.Items), len(export.Formats))
		}
		for _, it := range l.Items {
			fm := export.Format(it.Format)
			if it.ContentType != export.ContentType(fm) || len(it.Kinds) != len(export.Supported(fm)) || it.Description == "" {
				t.Errorf("%+v", it)
			}
			want := "/api/v1/exports/" + it.Format + "?kind=ipv4&kind=domain&max_tlp=green&name=edge"
			if it.URL != want {
				t.Errorf("%s url %q, want %q", it.Format, it.URL, want)
			}
			// The URL works as given.
			if fm != export.FormatSuricataDataset {
				if g := f.get("GET", it.URL, "op-a-analyst:read"); g.Status != 200 {
					t.Errorf("%s: %d %s", it.URL, g.Status, g.Body)
				}
			}
		}
		r = f.call(t, "GET", "/api/v1/exports", "op-a-analyst:read", nil, 200)
		if l := into[ExportFormatList](t, r); l.Items[0].URL != "/api/v1/exports/"+l.Items[0].Format {
			t.Errorf("unfiltered url %q", l.Items[0].URL)
		}
		f.call(t, "GET", "/api/v1/exports?max_tlp=purple", "op-a-analyst:read", nil, 400)
	})
}

// TestDefenseEntitlement: a value of a collection op-a may not see is in
// no format, not in the compiled set, and never matched; a member of the
// collection's audience gets it.
func TestDefenseEntitlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		forbidden := [][]byte{[]byte(dRedIP), []byte(dRedDom), []byte(dRedRPZIP), []byte(dID(9)), []byte(dID(10)),
			[]byte(base64.StdEncoding.EncodeToString([]byte(dRedDom)))}
		check := func(what string, b []byte) {
			t.Helper()
			for _, x := range forbidden {
				if bytes.Contains(b, x) {
					t.Errorf("%s holds %s", what, x)
				}
			}
		}
		for _, who := range []string{"op-a-analyst", "op-a-viewer:read", "sup-analyst"} {
			for _, fm := range export.Formats {
				qs := []string{""}
				if fm == export.FormatSuricataDataset {
					qs = []string{"?kind=ipv4", "?kind=domain"}
				}
				for _, q := range qs {
					r := f.get("GET", "/api/v1/exports/"+string(fm)+q, who)
					if r.Status != 200 {
						t.Errorf("%s %s%s: %d %s", who, fm, q, r.Status, r.Body)
					}
					check(who+" "+string(fm)+q, exportBytes(t, fm, r.Body))
				}
			}
			r := f.get("GET", "/api/v1/exports/misp-feed/manifest.json", who)
			check(who+" manifest", r.Body)
			for uuid := range r.json(t) {
				check(who+" event", f.get("GET", "/api/v1/exports/misp-feed/"+uuid+".json", who).Body)
			}
			check(who+" hashes.csv", f.get("GET", "/api/v1/exports/misp-feed/hashes.csv", who).Body)
			// Asking for the collection by name does not help.
			if r := f.get("GET", "/api/v1/exports/txt?collection=council-red", who); r.Status == 200 {
				check(who+" txt of council-red", r.Body)
			}
			set := f.downloadSet(t, "", who)
			if _, ok := set.Lookup(match.KindIPv4, []byte(dRedIP)); ok {
				t.Errorf("%s: the set holds %s", who, dRedIP)
			}
			if _, ok := set.Lookup(match.KindDomain, []byte("www."+dRedDom)); ok {
				t.Errorf("%s: the set holds %s", who, dRedDom)
			}
			m := f.raw("POST", "/api/v1/match", who, "text/plain", "seen "+dRedIP+" and www."+dRedDom+" and "+dIP+"\n")
			if m.Status != 200 {
				t.Fatalf("match: %d %s", m.Status, m.Body)
			}
			check(who+" match", m.Body)
			if res := into[LogMatchResult](t, m); len(res.Hits) != 1 || res.Hits[0].Indicator.Value != dIP {
				t.Errorf("%s match: %+v", who, res.Hits)
			}
		}
		// nco is in the council: it applies the red values.
		r := f.get("GET", "/api/v1/exports/txt", "nco-analyst")
		if !bytes.Contains(r.Body, []byte(dRedIP)) || !bytes.Contains(r.Body, []byte(dRedDom)) {
			t.Errorf("nco's txt lacks the council's values:\n%s", r.Body)
		}
		set := f.downloadSet(t, "", "nco-analyst")
		if _, ok := set.Lookup(match.KindIPv4, []byte(dRedIP)); !ok {
			t.Errorf("nco's set lacks %s", dRedIP)
		}
		// And op-a's own amber collection is op-a's and op-b's, not sup's.
		if b := f.get("GET", "/api/v1/exports/txt", "sup-analyst").Body; bytes.Contains(b, []byte(dAmber)) {
			t.Errorf("sup sees op-a's amber value:\n%s", b)
		}
		if b := f.get("GET", "/api/v1/exports/txt", "op-b-analyst").Body; !bytes.Contains(b, []byte(dAmber)) {
			t.Errorf("op-b lacks op-a's amber value:\n%s", b)
		}
	})
}

// downloadSet fetches the compiled set and reads it.
func (f *defenseFixture) downloadSet(t *testing.T, query, who string) *match.Set {
	t.Helper()
	r := f.get("GET", "/api/v1/match/set"+query, who)
	if r.Status != 200 || r.Header.Get("Content-Type") != SetContentType {
		t.Fatalf("set: %d %v %s", r.Status, r.Header, r.Body)
	}
	set, err := match.ReadSet(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("set: %v", err)
	}
	return set
}

// TestDefenseETags: If-None-Match with the ETag is a 304 without a body
// until something changes; a revocation changes the ETag and removes the
// value.
func TestDefenseETags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		const who = "op-a-analyst"
		paths := []string{"/api/v1/exports/txt", "/api/v1/exports/stix", "/api/v1/exports/misp-feed", "/api/v1/exports/misp-feed/hashes.csv",
			"/api/v1/exports/nft?kind=ipv4", "/api/v1/match/set"}
		etags := map[string]string{}
		for _, p := range paths {
			r := f.get("GET", p, who)
			et := r.Header.Get("ETag")
			if r.Status != 200 || et == "" {
				t.Fatalf("%s: %d %q", p, r.Status, et)
			}
			etags[p] = et
			if again := f.get("GET", p, who); again.Header.Get("ETag") != et || !bytes.Equal(again.Body, r.Body) {
				t.Errorf("%s: not stable: %q then %q", p, et, again.Header.Get("ETag"))
			}
			for _, inm := range []string{et, "*", `"other", ` + et, "W/" + et} {
				nm := f.get("GET", p, who, "If-None-Match", inm)
				if nm.Status != 304 || len(nm.Body) != 0 || nm.Header.Get("ETag") != et || nm.Header.Get("Cache-Control") != "private, max-age=0, must-revalidate" {
					t.Errorf("%s If-None-Match %s: %d %v %q", p, inm, nm.Status, nm.Header, nm.Body)
				}
			}
			if nm := f.get("GET", p, who, "If-None-Match", `"other"`); nm.Status != 200 || len(nm.Body) == 0 {
				t.Errorf("%s If-None-Match other: %d", p, nm.Status)
			}
		}
		if etags["/api/v1/match/set"] != `"`+must(f.def.Compile(context.Background(), f.w.P(who), defense.Filter{})).Digest[:32]+`"` {
			t.Errorf("set ETag %s is not the digest", etags["/api/v1/match/set"])
		}
		// Another reader's list differs (nco also sees the council's).
		if et := f.get("GET", "/api/v1/exports/txt", "nco-analyst").Header.Get("ETag"); et == etags["/api/v1/exports/txt"] {
			t.Errorf("nco and op-a share the ETag %s", et)
		}
		if _, err := f.w.Svc.Revoke(context.Background(), f.w.P("nco-analyst"), dID(1), "false positive: a CDN address"); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			r := f.get("GET", p, who, "If-None-Match", etags[p])
			if r.Status != 200 || r.Header.Get("ETag") == etags[p] {
				t.Errorf("%s after revocation: %d, ETag %q (was %q)", p, r.Status, r.Header.Get("ETag"), etags[p])
				continue
			}
			switch {
			case p == "/api/v1/match/set":
				set, err := match.ReadSet(bytes.NewReader(r.Body))
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := set.Lookup(match.KindIPv4, []byte(dIP)); ok {
					t.Errorf("revoked %s still in the set", dIP)
				}
			case strings.Contains(p, "hashes.csv"):
			default:
				fm := export.Format(strings.TrimPrefix(strings.Split(p, "?")[0], "/api/v1/exports/"))
				if bytes.Contains(exportBytes(t, fm, r.Body), []byte(dIP)) {
					t.Errorf("%s: revoked %s still exported", p, dIP)
				}
			}
		}
		m := f.raw("POST", "/api/v1/match", who, "text/plain", "to "+dIP+"\n")
		if res := into[LogMatchResult](t, m); len(res.Hits) != 0 {
			t.Errorf("revoked indicator matched: %+v", res.Hits)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDefenseBadParameters: each bad parameter is a 400 naming it.
func TestDefenseBadParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		for _, c := range []struct {
			method, path, field string
		}{
			{"GET", "/api/v1/exports/txt?kind=ipv5", "kind"},
			{"GET", "/api/v1/exports/txt?min_score=101", "min_score"},
			{"GET", "/api/v1/exports/txt?min_score=x", "min_score"},
			{"GET", "/api/v1/exports/csv?min_confidence=-1", "min_confidence"},
			{"GET", "/api/v1/exports/txt?max_tlp=purple", "max_tlp"},
			{"GET", "/api/v1/exports/txt?max_age=0", "max_age"},
			{"GET", "/api/v1/exports/txt?max_age=forever", "max_age"},
			{"GET", "/api/v1/exports/nft?name=Bad%20Name", "name"},
			{"GET", "/api/v1/exports/nft?name=abcdefghijklmnopqrstuvwxyz0123", "name"},
			{"GET", "/api/v1/exports/rpz?zone=not%20a%20zone", "zone"},
			{"GET", "/api/v1/exports/suricata?sid_base=0", "sid_base"},
			{"GET", "/api/v1/exports/suricata?sid_base=x", "sid_base"},
			{"GET", "/api/v1/exports/suricata-dataset", "kinds"},
			{"GET", "/api/v1/exports/pdf", "format"},
			{"GET", "/api/v1/exports/misp-feed/manifest.json?kind=bogus", "kind"},
			{"GET", "/api/v1/exports?min_score=1000", "min_score"},
			{"GET", "/api/v1/exports?sid_base=-5", "sid_base"},
			{"GET", "/api/v1/match/set?kind=bogus", "kind"},
			{"GET", "/api/v1/match/set?max_tlp=white-ish", "max_tlp"},
			{"POST", "/api/v1/match?format=pcap", "format"},
			{"POST", "/api/v1/match?min_confidence=500", "min_confidence"},
		} {
			var r resp
			if c.method == "POST" {
				r = f.raw("POST", c.path, "op-a-analyst", "text/plain", dIP+"\n")
			} else {
				r = f.get(c.method, c.path, "op-a-analyst")
			}
			code, field := r.errField()
			if r.Status != 400 || code != "invalid" || field != c.field {
				t.Errorf("%s %s: %d %s field %q, want 400 field %q: %s", c.method, c.path, r.Status, code, field, c.field, r.Body)
			}
			pattern := c.path
			if _, p := f.api.mux.Handler(httptest.NewRequest(c.method, c.path, nil)); p != "" {
				pattern = strings.TrimPrefix(p, c.method+" ")
			}
			validateResp(t, f.c, f.api.openapi, c.method, pattern, r)
		}
		// The body of a scan: a media type it takes, not empty, not too large.
		if r := f.raw("POST", "/api/v1/match", "op-a-analyst", "image/png", "x"); r.Status != 415 {
			t.Errorf("png body: %d %s", r.Status, r.Body)
		}
		if r := f.raw("POST", "/api/v1/match", "op-a-analyst", "text/plain", " \n"); r.Status != 400 {
			t.Errorf("empty body: %d %s", r.Status, r.Body)
		}
		big := strings.Repeat("x", defense.MaxScanBytes+1)
		if r := f.raw("POST", "/api/v1/match", "op-a-analyst", "text/plain", big); r.Status != 413 {
			t.Errorf("body over %d bytes: %d %s", defense.MaxScanBytes, r.Status, r.Body[:min(len(r.Body), 200)])
		}
	})
}

const zeekConn = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-30-10-00-00\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n" +
	"1764496800.000001\tCa1\t10.0.0.5\t50123\t" + dIP + "\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n" +
	"1764496801.000001\tCa2\t10.0.0.6\t50124\t198.51.100.200\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n" +
	"1764496802.000001\tCa3\t10.0.0.7\t50125\t203.0.113.200\t80\ttcp\thttp\t0.5\t100\t200\tSF\n" +
	"1764496803.000001\tCa4\t10.0.0.5\t50126\t" + dIP + "\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n" +
	"1764496804.000001\tCa5\t10.0.0.8\t50127\t" + dRedIP + "\t443\ttcp\tssl\t1.5\t517\t4201\tSF\n" +
	"#close\t2026-11-30-10-05-00\n"

// TestDefenseMatchAndSightings: a Zeek excerpt and plain text are matched
// (exact, CIDR, subdomain, URL, hash, e-mail); the aggregates go back as
// sightings, dry first.
func TestDefenseMatchAndSightings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newDefenseFixture(t, db)
		const who = "op-a-analyst"
		r := f.call(t, "POST", "/api/v1/match?format=zeek-tsv", who, body{"text/plain", zeekConn}, 200)
		zres := into[LogMatchResult](t, r)
		type hit struct{ value, field, id string }
		var got []hit
		for _, h := range zres.Hits {
			got = append(got, hit{h.Indicator.Value, h.Field, h.Indicator.ID})
			if h.Indicator.TLP == "" || h.Indicator.Kind == "" || h.Indicator.Score <= 0 {
				t.Errorf("hit indicator: %+v", h.Indicator)
			}
		}
		want := []hit{{dIP, "id.resp_h", dID(1)}, {dCIDR, "id.resp_h", dID(6)}, {dIP, "id.resp_h", dID(1)}}
		if !slices.Equal(got, want) || zres.Format != "zeek-tsv" || zres.Stats.Records != 5 {
			t.Errorf("zeek: format %s stats %+v hits %+v, want %+v", zres.Format, zres.Stats, got, want)
		}
		if c := zres.Hits[0].Indicator.Confidence; c == nil || *c != 85 {
			t.Errorf("confidence %v", c)
		}
		if len(zres.Seen) != 2 || zres.Seen[0].IndicatorID != dID(1) || zres.Seen[0].Count != 2 {
			t.Errorf("seen %+v", zres.Seen)
		}
		// Detected, sent as octet-stream.
		if d := into[LogMatchResult](t, f.call(t, "POST", "/api/v1/match", who, body{"application/octet-stream", zeekConn}, 200)); d.Format != "zeek-tsv" || len(d.Hits) != 3 {
			t.Errorf("detected: %s %d hits", d.Format, len(d.Hits))
		}
		text := "Dec  1 10:00:00 proxy: GET " + dURL + " from 10.0.0.9\n" +
			"mail from " + dEmail + " with attachment sha256 " + strings.ToUpper(dSHA256) + "\n" +
			"dns query cdn.a.evil.example and notevil.example and 2001:db8::66\n"
		r = f.call(t, "POST", "/api/v1/match?format=text", who, body{"text/plain; charset=utf-8", text}, 200)
		tres := into[LogMatchResult](t, r)
		kinds := map[string]int{}
		for _, h := range tres.Hits {
			kinds[h.Indicator.Kind]++
			if h.Observed == "notevil.example" {
				t.Errorf("notevil.example matched %s", h.Indicator.Value)
			}
		}
		for _, k := range []string{"url", "email", "sha256", "domain", "ipv6"} {
			if kinds[k] == 0 {
				t.Errorf("text: no %s hit: %+v", k, tres.Hits)
			}
		}
		// JSON lines (Suricata EVE) sent as application/json.
		eve := `{"timestamp":"2026-11-30T10:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"192.0.2.53","dns":{"rrname":"x.evil.example","rrtype":"A"}}` + "\n"
		if e := into[LogMatchResult](t, f.call(t, "POST", "/api/v1/match", who, body{"application/json", eve}, 200)); len(e.Hits) != 1 || e.Hits[0].Indicator.Value != dDomain {
			t.Errorf("eve: %s %+v", e.Format, e.Hits)
		}
		// A filter applies to the scan too.
		if k := into[LogMatchResult](t, f.call(t, "POST", "/api/v1/match?kind=cidr4", who, body{"text/plain", zeekConn}, 200)); len(k.Hits) != 1 {
			t.Errorf("kind=cidr4: %+v", k.Hits)
		}

		// The aggregates go back as sightings: the scan's own, plus one of an
		// indicator op-a may not see.
		seen := append(slices.Clone(zres.Seen), defense.Seen{IndicatorID: dID(9), Kind: "ipv4", Value: dRedIP, Count: 1,
			FirstSeen: time.Now().Add(-time.Minute).UTC(), LastSeen: time.Now().UTC()})
		reports := func(id string) int {
			t.Helper()
			s, err := f.w.Svc.Sightings(context.Background(), f.w.P(who), id)
			if err != nil {
				t.Fatal(err)
			}
			return s.Reports
		}
		in := map[string]any{"sightings": seen, "dry_run": true}
		dry := into[defense.Report](t, f.call(t, "POST", "/api/v1/sightings/aggregated", who, in, 200))
		if !dry.DryRun || len(dry.Sightings) != 2 || len(dry.Rejected) != 1 || dry.Rejected[0].IndicatorID != dID(9) || dry.Rejected[0].Message == "" {
			t.Errorf("dry run: %+v", dry)
		}
		if reports(dID(1)) != 0 || reports(dID(6)) != 0 {
			t.Errorf("the dry run stored sightings")
		}
		// Read scope cannot report.
		if r := f.do("POST", "/api/v1/sightings/aggregated", who+":read", in); r.Status != 403 {
			t.Errorf("read token: %d %s", r.Status, r.Body)
		}
		in = map[string]any{"sightings": seen, "anonymous": true}
		real := into[defense.Report](t, f.call(t, "POST", "/api/v1/sightings/aggregated", who, in, 201))
		if real.DryRun || !real.Anonymous || len(real.Sightings) != 2 || len(real.Rejected) != 1 || real.Rejected[0].IndicatorID != dID(9) {
			t.Errorf("report: %+v", real)
		}
		if reports(dID(1)) != 1 || reports(dID(6)) != 1 {
			t.Errorf("reports stored: %d %d", reports(dID(1)), reports(dID(6)))
		}
		s, _ := f.w.Svc.Sightings(context.Background(), f.w.P(who), dID(1))
		if s.Count != 2 {
			t.Errorf("sighting count %d, want 2", s.Count)
		}
		// Nothing visible: 200, nothing stored.
		only := map[string]any{"sightings": seen[len(seen)-1:]}
		if rep := into[defense.Report](t, f.call(t, "POST", "/api/v1/sightings/aggregated", who, only, 200)); len(rep.Sightings) != 0 || len(rep.Rejected) != 1 {
			t.Errorf("invisible only: %+v", rep)
		}
		if s, err := f.w.Svc.Sightings(context.Background(), f.w.P("nco-analyst"), dID(9)); err != nil || s.Reports != 0 {
			t.Errorf("the invisible indicator got a sighting: %v %+v", err, s)
		}
		// Bad bodies name the field.
		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"sightings": []any{}}, "sightings"},
			{map[string]any{"sightings": []any{map[string]any{"indicator": dID(1), "count": "many"}}}, "sightings[0].count"},
			{map[string]any{"sightings": []any{map[string]any{"indicator": dID(1), "lines": 3}}}, "sightings[0].lines"},
			{map[string]any{"sightings": seen, "raw": true}, "raw"},
		} {
			r := f.do("POST", "/api/v1/sightings/aggregated", who, c.body)
			if code, field := r.errField(); r.Status != 400 || code != "invalid" || field != c.field {
				t.Errorf("%v: %d %s %q, want field %q: %s", c.body, r.Status, code, field, c.field, r.Body)
			}
		}
	})
}

// TestDefenseRoutesNeedTheService: without the service every route
// answers 503 in the one error shape.
func TestDefenseRoutesNeedTheService(t *testing.T) {
	f := newIntelFixture(t, storetest.Open(t, store.SQLite))
	for _, rt := range f.api.defenseRoutes() {
		path := strings.NewReplacer("{format}", "txt", "{file}", "manifest.json").Replace(rt.Path)
		r := f.do(rt.Method, path, "nco-analyst", nil)
		if code, _ := r.errField(); r.Status != 503 || code != "unavailable" {
			t.Errorf("%s %s without the service: %d %s", rt.Method, rt.Path, r.Status, r.Body)
		}
	}
}

// TestETagMatches covers If-None-Match parsing.
func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true}, {`W/"abc"`, true}, {`*`, true}, {` "x", "abc" `, true}, {`"x","y"`, false},
		{``, false}, {`abc`, false}, {`"ab"`, false}, {`"abc`, false},
	} {
		if got := etagMatches(c.header, `"abc"`); got != c.want {
			t.Errorf("%q: %v", c.header, got)
		}
	}
}

// call sends a request, checks its status and validates the response
// against the document (as the exposure tests do).
func (f *defenseFixture) call(t *testing.T, method, path, who string, b any, want int) resp {
	t.Helper()
	return (&exposureFixture{intelFixture: f.intelFixture, c: f.c}).call(t, method, path, who, b, want)
}

// FuzzDefenseQuery drives the query and header parsers of the defense
// routes: they never panic, an accepted sid_base is in range, and a tag
// always matches itself (also weakly and within a list).
func FuzzDefenseQuery(f *testing.F) {
	f.Add("sid_base=9100000&name=edge&zone=rpz.example.", `"abc"`)
	f.Add("sid_base=-1", `W/"x", "y"`)
	f.Add("kind=ipv4,domain&max_age=30d&max_tlp=amber%2Bstrict", "*")
	f.Fuzz(func(t *testing.T, query, etag string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if opt, err := exportOptions(q); err == nil && opt.SIDBase != 0 && (opt.SIDBase < 1 || opt.SIDBase > 2_000_000_000) {
			t.Fatalf("sid_base %d accepted", opt.SIDBase)
		}
		if fl, err := defense.ParseFilter(q); err == nil {
			v := fl.Values()
			optionValues(export.Options{Name: "x"}, v)
			if _, err := defense.ParseFilter(v); err != nil {
				t.Fatalf("the echoed query %q does not parse: %v", v.Encode(), err)
			}
		}
		if strings.ContainsAny(etag, ",") || strings.TrimSpace(etag) != etag || etag == "" || strings.HasPrefix(etag, "W/") {
			etagMatches(etag, `"abc"`)
			return
		}
		for _, h := range []string{etag, "W/" + etag, `"zz", ` + etag} {
			if !etagMatches(h, etag) {
				t.Fatalf("%q does not match %q", h, etag)
			}
		}
	})
}
