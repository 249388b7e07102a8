package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/auth"
	"sakimori/internal/defense"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/match"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

const (
	matchSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	idIP        = "indicator--00000001-0000-4000-8000-000000000000"
	idDomain    = "indicator--00000002-0000-4000-8000-000000000000"
	idURL       = "indicator--00000003-0000-4000-8000-000000000000"
	idHash      = "indicator--00000004-0000-4000-8000-000000000000"
)

// zeekConn is a Zeek TSV conn.log whose first record talks to the listed
// 203.0.113.45.
const zeekConn = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\n" +
	"1714557600.123456\tCHhAvVGS1DHFjwGM9\t192.168.1.10\t49152\t203.0.113.45\t443\ttcp\tssl\n" +
	"1714557601.000001\tC4J4Th3PJpwUYZZ6gc\t192.168.1.11\t53211\t198.51.100.99\t80\ttcp\thttp\n"

// matchText is a plain-text log with a subdomain of a listed domain, the
// listed hash and a listed URL (the secret line must never be reported).
const matchText = "login ok for alice secret-session-42\n" +
	"dns query www.malware-cdn.xyz from 10.0.0.7\n" +
	"dropped file sha256=" + matchSHA256 + "\n" +
	"notmalware-cdn.xyz is fine\n" +
	"GET https://phish.badsite.xyz/login again\n"

const matchClean = "nothing here: 192.0.2.1 talked to example.org\n"

// matchWorld seeds the inteltest world with fresh indicators (scores decay
// with age) of four kinds in "advisories" (TLP:CLEAR, everyone reads it)
// and returns a runner.
func matchWorld(t *testing.T, d store.Dialect) (dsn string, run func(stdin string, env map[string]string, args ...string) xrun) {
	t.Helper()
	ctx := context.Background()
	dsn = storetest.DSN(t, d)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := inteltest.New(t, db)
	ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
	mk := func(id, name, pattern, extra string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,`+
			`"pattern":%q,"pattern_type":"stix","valid_from":%q%s}`, id, ts, ts, name, pattern, ts, extra)
	}
	var objs []*stix.Object
	for _, raw := range []string{
		mk(idIP, "C2 server", "[ipv4-addr:value = '203.0.113.45']", `,"confidence":85`),
		mk(idDomain, "Malware CDN", "[domain-name:value = 'malware-cdn.xyz']", `,"confidence":60`),
		mk(idURL, "Phishing page", "[url:value = 'https://phish.badsite.xyz/login']", ""),
		mk(idHash, "Dropper", "[file:hashes.'SHA-256' = '"+matchSHA256+"']", `,"confidence":90`),
	} {
		o, err := stix.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	if _, err := w.Svc.Ingest(ctx, w.P("nco-analyst"), "advisories", objs, intel.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dsn, func(stdin string, env map[string]string, args ...string) xrun {
		t.Helper()
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "SAKIMORI_DB" {
				return dsn
			}
			return env[k]
		}
		code := Run(ctx, args, strings.NewReader(stdin), &out, &errb, getenv)
		return xrun{code, out.String(), errb.String()}
	}
}

// sightingsOf returns the stored sighting summary of indicator id as op-a
// sees it.
func sightingsOf(t *testing.T, dsn, id string) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := intel.New(db, inteltest.Quiet)
	u, err := db.GetUser(ctx, "op-a-analyst@op-a.example.jp")
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.GetOrg(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{User: u, Org: o}
	s, err := svc.Sightings(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	return s.Count
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportCommand writes csv, txt, rpz and a MISP feed directory, and
// refuses bad flags naming them.
func TestExportCommand(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			_, x := matchWorld(t, d)
			dir := t.TempDir()
			ok := func(args ...string) xrun {
				t.Helper()
				r := x("", nil, append(args, as("op-a-analyst")...)...)
				if r.code != 0 {
					t.Fatalf("%s: %v", strings.Join(args, " "), r)
				}
				return r
			}
			csvPath := filepath.Join(dir, "set.csv")
			r := ok("export", "--format", "csv", "-o", csvPath)
			if !strings.Contains(r.stderr, "written 4, skipped 0") || r.stdout != "" {
				t.Errorf("csv counts: %v", r)
			}
			data, _ := os.ReadFile(csvPath)
			for _, want := range []string{"type,value,indicator_id,name,tlp,confidence,score,modified,valid_until\n",
				"ipv4,203.0.113.45," + idIP + ",C2 server,clear,85,", "domain,malware-cdn.xyz," + idDomain, "sha256," + matchSHA256} {
				if !strings.Contains(string(data), want) {
					t.Errorf("csv lacks %q:\n%s", want, data)
				}
			}
			r = ok("export", "--format", "txt", "--kind", "ipv4,domain")
			if !strings.Contains(r.stdout, "\n203.0.113.45\n") || !strings.Contains(r.stdout, "\nmalware-cdn.xyz\n") || strings.Contains(r.stdout, matchSHA256) {
				t.Errorf("txt: %v", r)
			}
			rpz := filepath.Join(dir, "z.rpz")
			r = ok("export", "--format", "rpz", "--zone", "rpz.op-a.jp", "-o", rpz)
			data, _ = os.ReadFile(rpz)
			if !strings.Contains(string(data), "$ORIGIN rpz.op-a.jp.\n") || !strings.Contains(string(data), "\nmalware-cdn.xyz CNAME .\n") ||
				!strings.Contains(string(data), "\n*.malware-cdn.xyz CNAME .\n") {
				t.Errorf("rpz:\n%s", data)
			}
			if !strings.Contains(r.stderr, "written 2, skipped 2 (url 1, sha256 1)") {
				t.Errorf("rpz counts: %v", r)
			}
			feedDir := filepath.Join(dir, "feed")
			r = ok("export", "--format", "misp-feed", "-o", feedDir)
			if _, err := os.Stat(filepath.Join(feedDir, "manifest.json")); err != nil {
				t.Errorf("misp feed: %v %v", err, r)
			}
			if _, err := os.Stat(filepath.Join(feedDir, "hashes.csv")); err != nil {
				t.Errorf("misp feed: %v %v", err, r)
			}
			r = ok("export", "--format", "misp-feed")
			if !strings.HasPrefix(r.stdout, "\x1f\x8b") {
				t.Errorf("misp feed to stdout is not gzip: %q", r.stdout[:min(10, len(r.stdout))])
			}
			// A filter: only confident indicators.
			r = ok("export", "--format", "csv", "--min-confidence", "80")
			if strings.Count(r.stdout, "\n") != 3 || strings.Contains(r.stdout, "malware-cdn") {
				t.Errorf("min-confidence: %v", r)
			}
			for _, c := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"export", "--format", "xml"}, 2, "--format"},
				{[]string{"export"}, 2, "--format"},
				{[]string{"export", "--format", "txt", "--max-tlp", "purple"}, 2, "--max-tlp"},
				{[]string{"export", "--format", "txt", "--kind", "ipv5"}, 2, "--kind"},
				{[]string{"export", "--format", "txt", "--min-score", "101"}, 2, "--min-score"},
				{[]string{"export", "--format", "txt", "--max-age", "forever"}, 2, "--max-age"},
				{[]string{"export", "--format", "nft", "--name", "Bad Name"}, 2, "--name"},
				{[]string{"export", "--format", "suricata", "--sid-base", "-5"}, 2, "--sid-base"},
				{[]string{"export", "--format", "rpz", "--zone", "not a zone"}, 2, "--zone"},
				{[]string{"export", "--format", "suricata-dataset"}, 2, "--kind"},
				{[]string{"export", "--format", "txt", "--as", "nobody@x.jp"}, 2, "--as"},
			} {
				r := x("", nil, c.args...)
				if len(c.args) > 0 && !strings.Contains(strings.Join(c.args, " "), "--as") {
					r = x("", nil, append(c.args, as("op-a-analyst")...)...)
				}
				if r.code != c.code || !strings.Contains(r.stderr, c.want) {
					t.Errorf("%s: want exit %d naming %s: %v", strings.Join(c.args, " "), c.code, c.want, r)
				}
			}
			if r := x("", nil, "export", "--format", "txt"); r.code != 2 || !strings.Contains(r.stderr, "--as") {
				t.Errorf("without --as: %v", r)
			}
			if r := x("", nil, append([]string{"export", "--format", "txt", "--collection", "nope"}, as("op-a-analyst")...)...); r.code == 0 || !strings.Contains(r.stderr, "--collection") {
				t.Errorf("--collection nope: %v", r)
			}
		})
	}
}

// TestMatchCommand scans logs from the local store, a snapshot and a CSV
// export, reports sightings (dry and for real), and refuses bad flags.
func TestMatchCommand(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn, x := matchWorld(t, d)
			dir := t.TempDir()
			conn := writeFile(t, dir, "conn.log", zeekConn)
			text := writeFile(t, dir, "notes.txt", matchText)
			clean := writeFile(t, dir, "clean.txt", matchClean)
			asA := as("op-a-analyst")
			m := func(stdin string, args ...string) xrun { return x(stdin, nil, append([]string{"match"}, args...)...) }

			// The local store: hits in a Zeek TSV log and in text, exit 1.
			r := m("", append([]string{conn, text}, asA...)...)
			if r.code != 1 {
				t.Fatalf("hits: want exit 1: %v", r)
			}
			for _, want := range []string{
				conn + ":8\tid.resp_h\t203.0.113.45\t" + idIP + "\tipv4\tclear\t85\t",
				text + ":2\t-\twww.malware-cdn.xyz\t" + idDomain + "\tdomain\tclear\t60\t",
				text + ":3\t-\t" + matchSHA256 + "\t" + idHash + "\tsha256\tclear\t90\t",
				text + ":5\t-\thttps://phish.badsite.xyz/login\t" + idURL + "\turl\tclear\t-\t",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q: %v", want, r)
				}
			}
			if strings.Contains(r.stdout, ":4\t") || strings.Count(r.stdout, "\n") != 5 {
				t.Errorf("want a header and 4 hits (notmalware-cdn.xyz is not a subdomain): %v", r)
			}
			if !strings.Contains(r.stderr, "hits 4, distinct indicators 4") || !strings.Contains(r.stderr, "lines/s") {
				t.Errorf("summary: %v", r)
			}
			// A clean file: exit 0, nothing on stdout.
			if r := m("", append([]string{clean}, asA...)...); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "hits 0") {
				t.Errorf("clean: %v", r)
			}
			// Standard input, the format named, JSON lines; SAKIMORI_AS.
			r = x(zeekConn, map[string]string{"SAKIMORI_AS": "op-a-analyst@op-a.example.jp"}, "match", "--log-format", "zeek-tsv", "--json", "-")
			if r.code != 1 {
				t.Fatalf("json: %v", r)
			}
			var h hitJSON
			if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &h); err != nil || h.Indicator != idIP || h.Line != 8 || h.Field != "id.resp_h" ||
				h.File != "-" || h.Confidence == nil || *h.Confidence != 85 || h.Score <= 0 || h.TLP != "clear" {
				t.Errorf("json hit: %v %+v", err, h)
			}
			// A filter applies: only domains.
			if r := m("", append([]string{text, "--kind", "domain"}, asA...)...); r.code != 1 || strings.Count(r.stdout, "\n") != 2 {
				t.Errorf("--kind domain: %v", r)
			}

			// --save-set writes a snapshot; --set reads it offline.
			snap := filepath.Join(dir, "set.skm")
			if r := m("", append([]string{clean, "--save-set", snap}, asA...)...); r.code != 0 {
				t.Fatalf("save-set: %v", r)
			}
			r = m("", text, "--set", snap)
			if r.code != 1 || strings.Count(r.stdout, "\n") != 4 || !strings.Contains(r.stdout, idDomain) {
				t.Errorf("--set snapshot: %v", r)
			}
			if r := m("", text, "--set", snap, "--kind", "sha256"); r.code != 1 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, idHash) {
				t.Errorf("--set snapshot --kind: %v", r)
			}
			// A CSV export as the set.
			csvPath := filepath.Join(dir, "set.csv")
			if r := x("", nil, append([]string{"export", "--format", "csv", "-o", csvPath}, asA...)...); r.code != 0 {
				t.Fatal(r)
			}
			r = m("", conn, text, "--set", csvPath)
			if r.code != 1 || strings.Count(r.stdout, "\n") != 5 || !strings.Contains(r.stdout, "\t"+idIP+"\tipv4\tclear\t85\t") {
				t.Errorf("--set csv: %v", r)
			}
			if r := m("", clean, "--set", csvPath); r.code != 0 {
				t.Errorf("--set csv clean: %v", r)
			}
			if r := m("", text, "--set", csvPath, "--min-confidence", "70"); r.code != 1 || strings.Count(r.stdout, "\n") != 2 {
				t.Errorf("--set csv --min-confidence: %v", r)
			}

			// --report --dry-run shows the aggregates and stores nothing.
			r = m("", append([]string{conn, text, "--report", "--dry-run"}, asA...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "dry run") || !strings.Contains(r.stderr, `"indicator": "`+idDomain+`"`) ||
				!strings.Contains(r.stderr, `"value": "malware-cdn.xyz"`) || !strings.Contains(r.stderr, "would send 4 sighting(s), 0 rejected") {
				t.Errorf("dry run: %v", r)
			}
			if strings.Contains(r.stderr, "secret-session") || strings.Contains(r.stderr, "www.malware-cdn.xyz") || strings.Contains(r.stderr, "192.168.1.10") {
				t.Errorf("dry run shows log content: %v", r)
			}
			if n := sightingsOf(t, dsn, idDomain); n != 0 {
				t.Errorf("dry run stored %d sightings", n)
			}
			// --report stores them, counted.
			r = m("", append([]string{text, text, "--report"}, asA...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "sent 3 sighting(s), 0 rejected") {
				t.Errorf("report: %v", r)
			}
			if n := sightingsOf(t, dsn, idDomain); n != 2 {
				t.Errorf("stored count %d, want 2", n)
			}

			// A file that does not exist: the others are scanned, exit 2.
			r = m("", append([]string{filepath.Join(dir, "nope.log"), text}, asA...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "nope.log") || !strings.Contains(r.stdout, idDomain) {
				t.Errorf("missing file: %v", r)
			}
			garbage := writeFile(t, dir, "garbage", "hello,world\n1,2\n")
			badCSV := writeFile(t, dir, "bad.csv", "type,value\nipv4,999.1.1.1\n")
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{text}, "--set, --as, --server"},
				{[]string{text, "--set", snap, "--server", "http://x.example"}, "--set, --as, --server"},
				{[]string{text, "--set", snap, "--log-format", "syslog"}, "--log-format"},
				{[]string{text, "--set", snap, "--report"}, "--report"},
				{[]string{text, "--set", snap, "--dry-run"}, "--dry-run"},
				{[]string{text, "--set", snap, "--collection", "advisories"}, "--collection"},
				{[]string{text, "--set", snap, "--max-tlp", "blue"}, "--max-tlp"},
				{[]string{text, "--set", filepath.Join(dir, "none.skm")}, "--set"},
				{[]string{text, "--set", garbage}, "--set"},
				{[]string{text, "--set", badCSV}, "(row 2)"},
				{[]string{text, "--set", snap, "--token-stdin"}, "--token-stdin"},
				{[]string{text, "--server", "ftp://x.example"}, "--server"},
				{[]string{text, "--server", "http://127.0.0.1:1"}, "--server"}, // no token
				{[]string{"-", "-", "--set", snap}, "standard input"},
				{[]string{text, "--as", "nobody@x.jp"}, "--as"},
			} {
				r := m("", c.args...)
				if r.code != 2 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("%s: want exit 2 naming %s: %v", strings.Join(c.args, " "), c.want, r)
				}
			}
		})
	}
}

// TestMatchServer downloads the set from a server (reusing the saved copy
// while the ETag holds) and posts the aggregated sightings.
func TestMatchServer(t *testing.T) {
	dsn, x := matchWorld(t, store.SQLite)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := defense.New(intel.New(db, inteltest.Quiet), nil)
	u, _ := db.GetUser(ctx, "op-a-analyst@op-a.example.jp")
	o, _ := db.GetOrg(ctx, u.OrgID)
	c, err := svc.Compile(ctx, &auth.Principal{User: u, Org: o}, defense.Filter{})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var snap bytes.Buffer
	if _, err := c.Set.WriteTo(&snap); err != nil {
		t.Fatal(err)
	}
	const token = "skm_test_token_0123456789"
	var (
		mu        sync.Mutex
		posts     []sightingsRequest
		gets, nm  int
		lastQuery string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":"unauthenticated","message":"an API token is required"}}`)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/match/set":
			gets++
			lastQuery = r.URL.RawQuery
			if r.URL.Query().Get("max_tlp") == "bogus" {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":{"code":"invalid","message":"unknown TLP","field":"max_tlp"}}`)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				nm++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Write(snap.Bytes())
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/sightings/aggregated":
			var req sightingsRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			posts = append(posts, req)
			rep := defense.Report{DryRun: req.DryRun, Anonymous: req.Anonymous}
			for range req.Sightings {
				rep.Sightings = append(rep.Sightings, share.Sighting{})
			}
			json.NewEncoder(w).Encode(rep)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	conn := writeFile(t, dir, "conn.log", zeekConn)
	text := writeFile(t, dir, "notes.txt", matchText)
	env := map[string]string{"SAKIMORI_TOKEN": token}

	cache := filepath.Join(dir, "cache.skm")
	r := x("", env, "match", conn, text, "--server", srv.URL+"/", "--save-set", cache, "--kind", "ipv4", "--kind", "domain,url,sha256")
	if r.code != 1 || strings.Count(r.stdout, "\n") != 5 {
		t.Fatalf("server: %v", r)
	}
	if lastQuery != "kind=ipv4&kind=domain&kind=url&kind=sha256" {
		t.Errorf("query %q", lastQuery)
	}
	if tag, _ := os.ReadFile(cache + ".etag"); strings.TrimSpace(string(tag)) != `"v1"` {
		t.Errorf("etag sidecar %q", tag)
	}
	// Again: the server says unchanged, the cached copy is used.
	r = x("", env, "match", text, "--server", srv.URL, "--save-set", cache)
	if r.code != 1 || nm != 1 || !strings.Contains(r.stderr, "unchanged") {
		t.Errorf("304: nm=%d %v", nm, r)
	}
	// The token on standard input; a dry-run report.
	r = x(token+"\n", nil, "match", conn, text, "--server", srv.URL, "--token-stdin", "--report", "--dry-run", "--anonymous")
	if r.code != 1 || len(posts) != 1 || !posts[0].DryRun || !posts[0].Anonymous || len(posts[0].Sightings) != 4 {
		t.Fatalf("dry run: %+v %v", posts, r)
	}
	body, _ := json.Marshal(posts[0])
	if strings.Contains(string(body), "secret-session") || strings.Contains(string(body), "192.168.1.10") || !strings.Contains(r.stderr, "would send 4") {
		t.Errorf("dry run body %s\n%v", body, r)
	}
	for _, s := range posts[0].Sightings {
		if s.Count != 1 || s.FirstSeen.IsZero() || s.LastSeen.Before(s.FirstSeen) || s.IndicatorID == "" {
			t.Errorf("aggregate %+v", s)
		}
	}
	r = x("", env, "match", text, text, "--server", srv.URL, "--report")
	if r.code != 1 || len(posts) != 2 || posts[1].DryRun || posts[1].Sightings[0].Count != 2 || !strings.Contains(r.stderr, "sent 3 sighting(s)") {
		t.Errorf("report: %+v %v", posts, r)
	}
	// No hit: nothing is posted even with --report.
	clean := writeFile(t, dir, "clean.txt", matchClean)
	if r := x("", env, "match", clean, "--server", srv.URL, "--report"); r.code != 0 || len(posts) != 2 {
		t.Errorf("clean report: %v", r)
	}
	// The server's refusals, naming the flag when it names a field.
	if r := x("", map[string]string{"SAKIMORI_TOKEN": "wrong"}, "match", text, "--server", srv.URL); r.code != 2 || !strings.Contains(r.stderr, "API token") {
		t.Errorf("bad token: %v", r)
	}
	if r := x("", env, "match", text, "--server", srv.URL+"/nope"); r.code != 2 || !strings.Contains(r.stderr, "404") {
		t.Errorf("404: %v", r)
	}
	if r := x("", env, "match", text, "--server", srv.URL, "--token-stdin"); r.code != 2 || !strings.Contains(r.stderr, "--token-stdin") {
		t.Errorf("empty stdin token: %v", r)
	}
	if gets < 2 {
		t.Errorf("gets %d", gets)
	}
}

// FuzzParseSetCSV: the CSV set reader never panics, and what it accepts
// builds.
func FuzzParseSetCSV(f *testing.F) {
	f.Add("type,value,indicator_id,name,tlp,confidence,score,modified,valid_until\nipv4,203.0.113.1,indicator--x,n,clear,50,40,2026-11-01T00:00:00Z,\n")
	f.Add("type,value\ndomain,evil.example\n")
	f.Add("value,type\n\"a,b\",url\n")
	f.Add("\ufefftype,value\nsha256,00\n")
	f.Fuzz(func(t *testing.T, s string) {
		inds, err := parseSetCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, in := range inds {
			if in.Value == "" || in.ID == "" || in.Confidence < -1 || in.Confidence > 100 {
				t.Fatalf("accepted %+v", in)
			}
		}
	})
}

// TestMatchRealAPI runs match --server against the real API handler: the
// set comes from GET /api/v1/match/set (a 304 with the saved ETag), and
// --report stores sightings through POST /api/v1/sightings/aggregated.
func TestMatchRealAPI(t *testing.T) {
	dsn, x := matchWorld(t, store.SQLite)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accts := accounts.New(db, inteltest.Quiet)
	in := intel.New(db, inteltest.Quiet)
	srv := httptest.NewServer(api.New(accts, api.Options{Log: inteltest.Quiet, Intel: in, Defense: defense.New(in, inteltest.Quiet)}))
	defer srv.Close()
	secret, _, err := accts.CreateToken(ctx, auth.System("test"), "op-a-analyst@op-a.example.jp",
		accounts.TokenRequest{Name: "match", Scopes: []org.Scope{org.ScopeRead, org.ScopeWrite}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := writeFile(t, dir, "notes.txt", matchText)
	cache := filepath.Join(dir, "cache.skm")
	env := map[string]string{"SAKIMORI_TOKEN": secret}
	r := x("", env, "match", text, "--server", srv.URL, "--save-set", cache)
	if r.code != 1 || strings.Count(r.stdout, "\n") != 4 {
		t.Fatalf("server: %v", r)
	}
	if r := x("", env, "match", text, "--server", srv.URL, "--save-set", cache); r.code != 1 || !strings.Contains(r.stderr, "unchanged") {
		t.Errorf("second run, want the cached set: %v", r)
	}
	if r := x("", env, "match", text, "--server", srv.URL, "--kind", "ipv4"); r.code != 0 {
		t.Errorf("--kind ipv4: %v", r)
	}
	r = x("", env, "match", text, "--server", srv.URL, "--report", "--dry-run")
	if r.code != 1 || !strings.Contains(r.stderr, "would send 3 sighting(s), 0 rejected") || sightingsOf(t, dsn, idDomain) != 0 {
		t.Errorf("dry run: %v", r)
	}
	r = x("", env, "match", text, "--server", srv.URL, "--report")
	if r.code != 1 || !strings.Contains(r.stderr, "sent 3 sighting(s), 0 rejected") || sightingsOf(t, dsn, idDomain) != 1 {
		t.Errorf("report: %v", r)
	}
	if r := x("", env, "match", text, "--server", srv.URL, "--max-age", "0"); r.code != 2 || !strings.Contains(r.stderr, "--max-age") {
		t.Errorf("bad filter: %v", r)
	}
}

// An interrupt ends a scan of a blocked standard input at once.
func TestMatchStdinInterrupt(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	pw2 := make(chan struct{})
	go func() { // one line with a hit, then silence, like tail -F
		io.WriteString(pw, "seen 203.0.113.45\n")
		close(pw2)
	}()
	set, _ := matchBuild(t)
	var out bytes.Buffer
	r := &matchRun{e: &env{IO: &IO{Stdin: pr, Stdout: &out, Stderr: io.Discard}}, o: &matchOpts{}, set: set, out: bufio.NewWriter(&out),
		distinct: map[string]struct{}{}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-pw2; time.Sleep(50 * time.Millisecond); cancel() }()
	done := make(chan error, 1)
	go func() { done <- r.scanFile(ctx, "-") }()
	select {
	case err := <-done:
		if err == nil || r.hits != 1 || !strings.Contains(out.String(), "203.0.113.45") {
			t.Errorf("err %v hits %d out %q", err, r.hits, out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("scan of a blocked stdin not interrupted")
	}
}

func matchBuild(t *testing.T) (*match.Set, []match.Indicator) {
	t.Helper()
	inds, err := parseSetCSV(strings.NewReader("type,value,indicator_id\nipv4,203.0.113.45," + idIP + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	set, problems := match.Build(inds)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return set, inds
}
