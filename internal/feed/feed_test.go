package feed_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/feed"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/taxii"
)

func TestValidate(t *testing.T) {
	ok := func() feed.Feed {
		return feed.Feed{Name: "up-1", Kind: feed.KindTAXII, URL: "https://taxii.example.jp/taxii2/api/", RemoteCollection: "c1",
			CollectionID: "col", OwnerOrgID: "org", IntervalSeconds: 60, Enabled: true}
	}
	cases := []struct {
		name  string
		edit  func(*feed.Feed)
		field string
	}{
		{"ok", func(*feed.Feed) {}, ""},
		{"misp ok", func(f *feed.Feed) { f.Kind, f.RemoteCollection = feed.KindMISP, "" }, ""},
		{"basic", func(f *feed.Feed) { f.Username, f.Secret = "u", "p" }, ""},
		{"bearer", func(f *feed.Feed) { f.Secret = "tok" }, ""},
		{"short name", func(f *feed.Feed) { f.Name = "a" }, "name"},
		{"bad name", func(f *feed.Feed) { f.Name = "Up_1" }, "name"},
		{"kind", func(f *feed.Feed) { f.Kind = "rss" }, "kind"},
		{"no url", func(f *feed.Feed) { f.URL = "" }, "url"},
		{"relative url", func(f *feed.Feed) { f.URL = "/taxii2/" }, "url"},
		{"ftp url", func(f *feed.Feed) { f.URL = "ftp://x.example/" }, "url"},
		{"creds in url", func(f *feed.Feed) { f.URL = "https://u:p@x.example/" }, "url"},
		{"query", func(f *feed.Feed) { f.URL = "https://x.example/?a=1" }, "url"},
		{"taxii without collection", func(f *feed.Feed) { f.RemoteCollection = "" }, "remote_collection"},
		{"collection with slash", func(f *feed.Feed) { f.RemoteCollection = "a/b" }, "remote_collection"},
		{"misp with collection", func(f *feed.Feed) { f.Kind = feed.KindMISP }, "remote_collection"},
		{"username without secret", func(f *feed.Feed) { f.Username = "u" }, "secret"},
		{"username colon", func(f *feed.Feed) { f.Username, f.Secret = "a:b", "p" }, "username"},
		{"secret newline", func(f *feed.Feed) { f.Secret = "a\nb" }, "secret"},
		{"no collection", func(f *feed.Feed) { f.CollectionID = "" }, "collection_id"},
		{"no org", func(f *feed.Feed) { f.OwnerOrgID = "" }, "owner_org_id"},
		{"interval short", func(f *feed.Feed) { f.IntervalSeconds = 59 }, "interval_seconds"},
		{"interval long", func(f *feed.Feed) { f.IntervalSeconds = 8 * 86400 }, "interval_seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ok()
			c.edit(&f)
			err := f.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != c.field {
				t.Fatalf("want invalid %s, got %v", c.field, err)
			}
		})
	}
}

func TestDueAndJitter(t *testing.T) {
	now := time.Now()
	f := &feed.Feed{ID: "x", IntervalSeconds: 600, Enabled: true}
	if !feed.Due(f, now) {
		t.Fatal("never run: due")
	}
	last := now.Add(-5 * time.Minute)
	f.LastRunAt = &last
	if feed.Due(f, now) {
		t.Fatal("due before the interval")
	}
	if j := feed.Jitter(f); j < 0 || j >= time.Minute {
		t.Fatalf("jitter %v", j)
	}
	last = now.Add(-11 * time.Minute)
	if !feed.Due(f, now) {
		t.Fatal("not due after interval+max jitter")
	}
	f.Enabled = false
	if feed.Due(f, now) {
		t.Fatal("disabled feed due")
	}
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func poller(w *inteltest.World, logs *logBuf) *feed.Poller {
	return &feed.Poller{
		Store: w.DB,
		Ingest: func(ctx context.Context, p *auth.Principal, coll string, objs []*stix.Object, kind, source string) (*share.Job, error) {
			return w.Svc.Ingest(ctx, p, coll, objs, intel.IngestOptions{Kind: kind, Source: source})
		},
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func ingest(t *testing.T, w *inteltest.World, user, coll string, objs ...string) {
	t.Helper()
	parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
	if err != nil {
		t.Fatal(err)
	}
	j, err := w.Svc.Ingest(context.Background(), w.P(user), coll, parsed, intel.IngestOptions{})
	if err != nil || j.Rejected > 0 {
		t.Fatalf("ingest: %v %+v", err, j)
	}
}

func records(t *testing.T, w *inteltest.World, user, coll string) map[string]share.Record {
	t.Helper()
	pg, err := w.Svc.Objects(context.Background(), w.P(user), share.Query{Collection: coll, Versions: share.VersionMatch{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]share.Record{}
	for _, r := range pg.Records {
		out[r.ID+"@"+r.VersionText] = r
	}
	return out
}

const amberMarking = `,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]`

func TestTAXIIFeedEndToEnd(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			remote := inteltest.New(t, storetest.Open(t, d))
			local := inteltest.New(t, storetest.Open(t, d))
			acc := accounts.New(remote.DB, inteltest.Quiet)
			token, _, err := acc.CreateToken(ctx, auth.System("test"), remote.Users["isac-analyst"].ID,
				accounts.TokenRequest{Name: "feed", Scopes: []org.Scope{org.ScopeRead}})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(taxii.New(acc, remote.Svc, taxii.Options{Log: inteltest.Quiet}))
			defer srv.Close()
			ingest(t, remote, "isac-analyst", "exchange",
				inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""),
				inteltest.IndicatorVersion(2, 0, "198.51.100.2", amberMarking))

			f := &feed.Feed{Name: "upstream", Kind: feed.KindTAXII, URL: srv.URL + "/taxii2/api/",
				RemoteCollection: remote.Colls["exchange"].ID, Secret: token, CollectionID: local.Colls["exchange"].ID,
				OwnerOrgID: local.Orgs["isac"].ID, IntervalSeconds: 60, Enabled: true}
			if err := local.DB.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
				t.Fatal(err)
			}
			logs := &logBuf{}
			p := poller(local, logs)

			r, err := p.RunFeed(ctx, f)
			if err != nil || r.Accepted != 2 || r.Pages != 1 || r.Cursor == "" {
				t.Fatalf("first run %+v %v", r, err)
			}
			recs := records(t, local, "isac-analyst", "exchange")
			if len(recs) != 2 {
				t.Fatalf("local records %v", recs)
			}
			for k, rec := range recs {
				if rec.Source != "feed:upstream" {
					t.Errorf("%s source %q", k, rec.Source)
				}
				want := marking.TLPGreen
				if strings.HasPrefix(rec.ID, "indicator--00000002") {
					want = marking.TLPAmber
				}
				if rec.TLP != want {
					t.Errorf("%s TLP %v, want %v", k, rec.TLP, want)
				}
			}

			// Second run: the cursor asks only for what came after.
			f, _ = local.DB.GetFeed(ctx, f.ID)
			r2, err := p.RunFeed(ctx, f)
			if err != nil || r2.Accepted+r2.Updated+r2.Duplicates+r2.Rejected != 0 || r2.Cursor != r.Cursor {
				t.Fatalf("second run %+v %v", r2, err)
			}

			// A new version upstream arrives as an update.
			ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"v2"`))
			f, _ = local.DB.GetFeed(ctx, f.ID)
			r3, err := p.RunFeed(ctx, f)
			if err != nil || r3.Updated != 1 || r3.Accepted != 0 || r3.Cursor <= r2.Cursor {
				t.Fatalf("third run %+v %v", r3, err)
			}
			if n := len(records(t, local, "isac-analyst", "exchange")); n != 3 {
				t.Fatalf("local versions %d, want 3", n)
			}

			// Forgetting the cursor fetches everything again: duplicates.
			f, _ = local.DB.GetFeed(ctx, f.ID)
			if err := local.DB.UpdateFeed(ctx, audit.Actor{Name: "test"}, f, true); err != nil {
				t.Fatal(err)
			}
			f, _ = local.DB.GetFeed(ctx, f.ID)
			r4, err := p.RunFeed(ctx, f)
			if err != nil || r4.Duplicates != 2 || r4.Accepted+r4.Updated != 0 {
				t.Fatalf("after reset %+v %v", r4, err)
			}

			// A wrong token: the run fails, is recorded, names the status.
			f, _ = local.DB.GetFeed(ctx, f.ID)
			f.Secret = "wrong"
			if _, err := p.RunFeed(ctx, f); err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("bad token: %v", err)
			}
			got, _ := local.DB.GetFeed(ctx, f.ID)
			if got.Runs != 5 || !strings.Contains(got.LastError, "401") || got.Accepted != 2 || got.Updated != 1 || got.Duplicates != 2 {
				t.Fatalf("feed state %+v", got)
			}
			if strings.Contains(logs.String(), token) {
				t.Fatal("the token appears in the logs")
			}
		})
	}
}

// mispServer serves a MISP feed from a map of files.
type mispServer struct {
	mu    sync.Mutex
	files map[string]string
	gets  map[string]int
}

func (m *mispServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != "feeduser" || p != "feedpass" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, ok := m.files[strings.TrimPrefix(r.URL.Path, "/feed/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	m.gets[r.URL.Path]++
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(body))
}

const (
	ev1 = "a1b2c3d4-0001-4000-8000-000000000001"
	ev2 = "a1b2c3d4-0002-4000-8000-000000000002"
)

func mispEvent(uuid string, ts int64, ip, comment string) string {
	return fmt.Sprintf(`{"Event":{"uuid":%q,"info":"test event %s","date":"2026-11-01","timestamp":"%d","published":true,
		"analysis":"2","threat_level_id":"2","Orgc":{"name":"Upstream CERT","uuid":"5f0c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f"},
		"Tag":[{"name":"tlp:green"}],
		"Attribute":[{"type":"ip-dst","category":"Network activity","to_ids":true,"uuid":"%s","timestamp":"%d","value":%q,"comment":%q}]}}`,
		uuid, uuid[:13], ts, "b"+uuid[1:], ts, ip, comment)
}

func manifest(entries map[string]int64) string {
	var parts []string
	for uuid, ts := range entries {
		parts = append(parts, fmt.Sprintf(`%q:{"info":"e","date":"2026-11-01","timestamp":%d,"analysis":2,"threat_level_id":2,"Orgc":{"name":"Upstream CERT"},"Tag":[]}`, uuid, ts))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestMISPFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix()
		ms := &mispServer{gets: map[string]int{}, files: map[string]string{
			"manifest.json": manifest(map[string]int64{ev1: t0, ev2: t0 + 60}),
			ev1 + ".json":   mispEvent(ev1, t0, "203.0.113.1", "first"),
			ev2 + ".json":   mispEvent(ev2, t0+60, "203.0.113.2", "second"),
		}}
		srv := httptest.NewServer(ms)
		defer srv.Close()
		f := &feed.Feed{Name: "cert-misp", Kind: feed.KindMISP, URL: srv.URL + "/feed/", Username: "feeduser", Secret: "feedpass",
			CollectionID: w.Colls["exchange"].ID, OwnerOrgID: w.Orgs["op-a"].ID, IntervalSeconds: 3600, Enabled: true}
		if err := db.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
			t.Fatal(err)
		}
		// A broken feed beside it: it fails alone.
		broken := &feed.Feed{Name: "broken", Kind: feed.KindMISP, URL: srv.URL + "/nothing/", Username: "feeduser", Secret: "feedpass",
			CollectionID: w.Colls["exchange"].ID, OwnerOrgID: w.Orgs["op-a"].ID, IntervalSeconds: 3600, Enabled: true}
		if err := db.CreateFeed(ctx, audit.Actor{Name: "test"}, broken); err != nil {
			t.Fatal(err)
		}
		logs := &logBuf{}
		p := poller(w, logs)
		if n := p.PollDue(ctx); n != 2 {
			t.Fatalf("ran %d feeds", n)
		}
		got, _ := db.GetFeed(ctx, "cert-misp")
		if got.LastError != "" || got.Accepted == 0 || got.Runs != 1 || got.LastOKAt == nil {
			t.Fatalf("misp feed after first poll %+v", got)
		}
		first := got.Accepted
		b, _ := db.GetFeed(ctx, "broken")
		if !strings.Contains(b.LastError, "404") || b.LastOKAt != nil {
			t.Fatalf("broken feed %+v", b)
		}
		if n := p.PollDue(ctx); n != 0 {
			t.Fatalf("feeds ran again before their interval: %d", n)
		}
		for k, rec := range records(t, w, "op-a-analyst", "exchange") {
			if rec.Source != "feed:cert-misp" || rec.OwnerOrgID != w.Orgs["op-a"].ID {
				t.Errorf("%s: source %q owner %s", k, rec.Source, rec.OwnerOrgID)
			}
		}

		// Second run: nothing newer, no event fetched.
		r, err := p.RunFeed(ctx, got)
		if err != nil || r.Accepted+r.Updated+r.Duplicates != 0 || r.Pages != 0 || ms.gets["/feed/"+ev1+".json"] != 1 {
			t.Fatalf("second run %+v %v gets %v", r, err, ms.gets)
		}

		// Event 1 changes upstream: re-imported as new versions.
		ms.mu.Lock()
		ms.files["manifest.json"] = manifest(map[string]int64{ev1: t0 + 3600, ev2: t0 + 60})
		ms.files[ev1+".json"] = mispEvent(ev1, t0+3600, "203.0.113.1", "first, revised")
		ms.mu.Unlock()
		got, _ = db.GetFeed(ctx, "cert-misp")
		r, err = p.RunFeed(ctx, got)
		if err != nil || r.Pages != 1 || r.Updated == 0 || ms.gets["/feed/"+ev2+".json"] != 1 {
			t.Fatalf("after update %+v %v gets %v", r, err, ms.gets)
		}
		cur, err := feed.ParseMISPCursor(r.Cursor)
		if err != nil || !cur[ev1].Equal(time.Unix(t0+3600, 0)) || !cur[ev2].Equal(time.Unix(t0+60, 0)) {
			t.Fatalf("cursor %q %v", r.Cursor, err)
		}
		got, _ = db.GetFeed(ctx, "cert-misp")
		if got.Accepted != first || got.Updated == 0 || got.Runs != 3 {
			t.Fatalf("counters %+v", got)
		}
		if strings.Contains(logs.String(), "feedpass") {
			t.Fatal("the secret appears in the logs")
		}
	})
}

// countingStore counts cursor saves.
type countingStore struct {
	*store.DB
	saves int
}

func (c *countingStore) SaveFeedCursor(ctx context.Context, id, cursor string) error {
	c.saves++
	return c.DB.SaveFeedCursor(ctx, id, cursor)
}

// TestMISPFeedCursorBatched: a feed of 250 events saves its cursor a few
// times, not once per event (that was quadratic in the feed's size), and
// the cursor holds every event imported, not the one that failed.
func TestMISPFeedCursorBatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix()
		files := map[string]string{}
		stamps := map[string]int64{}
		var failed string
		for i := range 250 {
			id := fmt.Sprintf("5c3b7f0e-0000-4000-8000-%012d", i)
			stamps[id] = t0 + int64(i)
			if i == 180 {
				failed = id // listed in the manifest, missing on the server
				continue
			}
			files[id+".json"] = mispEvent(id, t0+int64(i), fmt.Sprintf("198.51.%d.%d", i/200, i%200+1), "bulk")
		}
		files["manifest.json"] = manifest(stamps)
		srv := httptest.NewServer(&mispServer{gets: map[string]int{}, files: files})
		defer srv.Close()
		f := &feed.Feed{Name: "bulk-misp", Kind: feed.KindMISP, URL: srv.URL + "/feed/", Username: "feeduser", Secret: "feedpass", CollectionID: w.Colls["exchange"].ID,
			OwnerOrgID: w.Orgs["op-a"].ID, IntervalSeconds: 3600, Enabled: true}
		if err := db.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
			t.Fatal(err)
		}
		cs := &countingStore{DB: db}
		p := poller(w, &logBuf{})
		p.Store = cs
		r, err := p.RunFeed(ctx, f)
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("run: %v (the missing event must be reported)", err)
		}
		if cs.saves < 1 || cs.saves > 4 {
			t.Fatalf("cursor saved %d times for 249 events", cs.saves)
		}
		got, _ := db.GetFeed(ctx, "bulk-misp")
		cur, err := feed.ParseMISPCursor(got.Cursor)
		if err != nil || len(cur) != 249 || !cur[failed].IsZero() || r.Cursor != got.Cursor {
			t.Fatalf("cursor: %d events, failed one present: %v, %v", len(cur), !cur[failed].IsZero(), err)
		}
	})
}
