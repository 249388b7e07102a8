package feed_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/feed"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/taxii"
)

func TestPeerAPI(t *testing.T) {
	for in, want := range map[string]string{
		"https://peer.example.jp/taxii2/api/":      "https://peer.example.jp/api/v1/",
		"https://peer.example.jp:8443/taxii2/api":  "https://peer.example.jp:8443/api/v1/",
		"http://127.0.0.1:9/x/taxii2/api/":         "http://127.0.0.1:9/x/api/v1/",
		"https://taxii.example.jp/taxii2/":         "",
		"https://taxii.example.jp/api1/":           "",
		"https://taxii.example.jp/other/taxii2/a/": "",
	} {
		got, ok := feed.PeerAPI(in)
		if got != want || ok != (want != "") {
			t.Errorf("PeerAPI(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// peer is a remote sakimori: TAXII at /taxii2/ and the JSON API at /api/v1/
// on one server, as sakimori serve mounts them. apiMode "none" serves TAXII
// only (the API is 404), "broken" answers 502 for the deletions list.
func peer(t *testing.T, w *inteltest.World, apiMode string) (srv *httptest.Server, token string) {
	t.Helper()
	acc := accounts.New(w.DB, inteltest.Quiet)
	token, _, err := acc.CreateToken(context.Background(), auth.System("test"), w.Users["isac-analyst"].ID,
		accounts.TokenRequest{Name: "feed", Scopes: []org.Scope{org.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/taxii2/", taxii.New(acc, w.Svc, taxii.Options{Log: inteltest.Quiet}))
	switch apiMode {
	case "api":
		mux.Handle("/api/v1/", api.New(acc, api.Options{Log: inteltest.Quiet, Intel: w.Svc}))
	case "broken":
		mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusBadGateway) })
	}
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, token
}

func withDelete(p *feed.Poller, w *inteltest.World) *feed.Poller {
	p.Delete = func(ctx context.Context, pr *auth.Principal, coll, id string, versions []time.Time, source string) ([]share.Tombstone, error) {
		return w.Svc.DeleteFromSource(ctx, pr, coll, id, share.VersionMatch{Times: versions}, source)
	}
	return p
}

func blockValues(t *testing.T, w *inteltest.World, user string) map[string]bool {
	t.Helper()
	es, wh, err := w.Svc.Blocklist(context.Background(), w.P(user), intel.BlockQuery{Collection: "exchange"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range es {
		out[e.Value] = true
	}
	for _, e := range wh { // withheld by a warninglist: still listed as known
		out[e.Value] = true
	}
	return out
}

func ind(n int) string {
	return "indicator--0000000" + string(rune('0'+n)) + "-0000-4000-8000-000000000000"
}

func TestTAXIIFeedMirrorsPeerDeletions(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			remote := inteltest.New(t, storetest.Open(t, d))
			local := inteltest.New(t, storetest.Open(t, d))
			srv, token := peer(t, remote, "api")
			ingest(t, remote, "isac-analyst", "exchange",
				inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""),
				inteltest.IndicatorVersion(2, 0, "198.51.100.2", amberMarking),
				inteltest.IndicatorVersion(4, 0, "198.51.100.4", ""))
			// ind4 was imported here by an analyst before the feed existed:
			// the feed's copy is a duplicate and the version is not the feed's.
			ingest(t, local, "isac-analyst", "exchange", inteltest.IndicatorVersion(4, 0, "198.51.100.4", ""))

			f := &feed.Feed{Name: "upstream", Kind: feed.KindTAXII, URL: srv.URL + "/taxii2/api/",
				RemoteCollection: remote.Colls["exchange"].ID, Secret: token, CollectionID: local.Colls["exchange"].ID,
				OwnerOrgID: local.Orgs["isac"].ID, IntervalSeconds: 60, Enabled: true}
			if err := local.DB.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
				t.Fatal(err)
			}
			logs := &logBuf{}
			p := withDelete(poller(local, logs), local)
			run := func(p *feed.Poller) feed.RunResult {
				t.Helper()
				f, err := local.DB.GetFeed(ctx, f.ID)
				if err != nil {
					t.Fatal(err)
				}
				r, err := p.RunFeed(ctx, f)
				if err != nil {
					t.Fatalf("run: %v (%+v)", err, r)
				}
				return r
			}

			r := run(p)
			if r.Accepted != 2 || r.Duplicates != 1 || r.Deleted != 0 || r.DeletionsCursor != "" {
				t.Fatalf("first run %+v", r)
			}
			ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"v5"`))
			if r = run(p); r.Updated != 1 {
				t.Fatalf("second run %+v", r)
			}

			// Upstream deletes ind1's first version, all of ind2 and of ind4.
			analyst := remote.P("isac-analyst")
			v0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			for _, del := range []struct {
				id string
				vm share.VersionMatch
			}{{ind(1), share.VersionMatch{Times: []time.Time{v0}}}, {ind(2), share.VersionMatch{}}, {ind(4), share.VersionMatch{}}} {
				if _, err := remote.Svc.Delete(ctx, analyst, "exchange", del.id, del.vm, nil); err != nil {
					t.Fatal(err)
				}
			}
			r = run(p)
			if r.Deleted != 2 || r.DeletionsCursor == "" || r.Accepted+r.Updated+r.Duplicates+r.Rejected != 0 {
				t.Fatalf("run after upstream deletions %+v", r)
			}
			recs := records(t, local, "isac-analyst", "exchange")
			_, v1 := recs[ind(1)+"@2026-11-01T00:05:00.000Z"]
			_, v4 := recs[ind(4)+"@2026-11-01T00:00:00.000Z"]
			if len(recs) != 2 || !v1 || !v4 {
				t.Fatalf("local after deletions: %v", recs)
			}
			// Consumers of this instance learn of it in turn.
			tomb, err := local.Svc.Deletions(ctx, local.P("op-b-analyst"), "exchange", 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, tb := range tomb {
				got[tb.ID+"@"+tb.VersionText] = tb.DeletedBy
			}
			// op-b sees the GREEN tombstone; the AMBER one is the isac's own.
			if len(got) != 1 || got[ind(1)+"@2026-11-01T00:00:00.000Z"] != "feed" {
				t.Fatalf("local tombstones for op-b %v", got)
			}
			tomb, _ = local.Svc.Deletions(ctx, local.P("isac-analyst"), "exchange", 0, 100)
			if len(tomb) != 2 {
				t.Fatalf("local tombstones for isac %+v", tomb)
			}

			// Run again: nothing more, the cursor stays.
			cur := r.DeletionsCursor
			if r = run(p); r.Deleted+r.Accepted+r.Updated+r.Duplicates+r.Rejected != 0 || r.DeletionsCursor != cur {
				t.Fatalf("run again %+v", r)
			}
			if r = run(p); r.Deleted != 0 || r.DeletionsCursor != cur {
				t.Fatalf("and again %+v", r)
			}

			// A poller without Delete deletes through the store, with the same restriction.
			if _, err := remote.Svc.Delete(ctx, analyst, "exchange", ind(1), share.VersionMatch{}, nil); err != nil {
				t.Fatal(err)
			}
			if r = run(poller(local, logs)); r.Deleted != 1 || r.DeletionsCursor == cur {
				t.Fatalf("store path %+v", r)
			}
			if recs := records(t, local, "isac-analyst", "exchange"); len(recs) != 1 {
				t.Fatalf("local after store-path deletion: %v", recs)
			}

			// A revocation upstream arrives as the latest version; the block list drops the value.
			ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(3, 0, "198.51.100.3", ""))
			if r = run(p); r.Accepted != 1 {
				t.Fatalf("run before revocation %+v", r)
			}
			if !blockValues(t, local, "op-b-analyst")["198.51.100.3"] {
				t.Fatal("198.51.100.3 not in the local block list before the revocation")
			}
			ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(3, 9, "198.51.100.3", `,"revoked":true`))
			if r = run(p); r.Updated != 1 || r.Deleted != 0 {
				t.Fatalf("run after revocation %+v", r)
			}
			pg, err := local.Svc.Objects(ctx, local.P("op-b-analyst"), share.Query{Collection: "exchange", IDs: []string{ind(3)}})
			if err != nil || len(pg.Records) != 1 || !pg.Records[0].Revoked || pg.Records[0].VersionText != "2026-11-01T00:09:00.000Z" {
				t.Fatalf("latest local version of the revoked indicator: %+v %v", pg, err)
			}
			if blockValues(t, local, "op-b-analyst")["198.51.100.3"] {
				t.Fatal("198.51.100.3 still in the local block list after the revocation")
			}

			st, _ := local.DB.GetFeed(ctx, f.ID)
			if st.Deleted != 3 || st.DeletionsCursor != r.DeletionsCursor || st.LastError != "" {
				t.Fatalf("feed state %+v", st)
			}
			es, _, err := local.DB.ListAudit(ctx, store.AuditFilter{Action: "intel.delete", Limit: 100})
			if err != nil || len(es) != 3 {
				t.Fatalf("local intel.delete audit entries %d %v", len(es), err)
			}
			if strings.Contains(logs.String(), token) {
				t.Fatal("the token appears in the logs")
			}
		})
	}
}

func TestTAXIIFeedPeerWithoutDeletions(t *testing.T) {
	storetestEach(t, func(t *testing.T, remote, local *inteltest.World) {
		ctx := context.Background()
		srv, token := peer(t, remote, "none") // TAXII only: /api/v1/ is 404
		ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""))
		f := &feed.Feed{Name: "upstream", Kind: feed.KindTAXII, URL: srv.URL + "/taxii2/api/",
			RemoteCollection: remote.Colls["exchange"].ID, Secret: token, CollectionID: local.Colls["exchange"].ID,
			OwnerOrgID: local.Orgs["isac"].ID, IntervalSeconds: 60, Enabled: true}
		if err := local.DB.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
			t.Fatal(err)
		}
		p := withDelete(poller(local, &logBuf{}), local)
		for i := 0; i < 2; i++ {
			f, _ = local.DB.GetFeed(ctx, f.ID)
			r, err := p.RunFeed(ctx, f)
			if err != nil || r.DeletionsCursor != "" || (i == 0 && r.Accepted != 1) {
				t.Fatalf("run %d: %+v %v", i, r, err)
			}
		}
		if st, _ := local.DB.GetFeed(ctx, f.ID); st.LastError != "" || st.DeletionsCursor != "" || st.Runs != 2 {
			t.Fatalf("feed state %+v", st)
		}
	})
}

// A deletions endpoint that fails (not 404) fails the run, but the objects
// are still fetched and the deletions cursor does not move.
func TestTAXIIFeedPeerDeletionsError(t *testing.T) {
	storetestEach(t, func(t *testing.T, remote, local *inteltest.World) {
		ctx := context.Background()
		srv, token := peer(t, remote, "broken")
		ingest(t, remote, "isac-analyst", "exchange", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""))
		f := &feed.Feed{Name: "upstream", Kind: feed.KindTAXII, URL: srv.URL + "/taxii2/api/",
			RemoteCollection: remote.Colls["exchange"].ID, Secret: token, CollectionID: local.Colls["exchange"].ID,
			OwnerOrgID: local.Orgs["isac"].ID, IntervalSeconds: 60, Enabled: true}
		if err := local.DB.CreateFeed(ctx, audit.Actor{Name: "test"}, f); err != nil {
			t.Fatal(err)
		}
		r, err := withDelete(poller(local, &logBuf{}), local).RunFeed(ctx, f)
		if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "/api/v1/collections/") || r.Accepted != 1 {
			t.Fatalf("run %+v %v", r, err)
		}
		if st, _ := local.DB.GetFeed(ctx, f.ID); !strings.Contains(st.LastError, "502") || st.DeletionsCursor != "" || st.Accepted != 1 {
			t.Fatalf("feed state %+v", st)
		}
	})
}

func storetestEach(t *testing.T, fn func(t *testing.T, remote, local *inteltest.World)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, inteltest.New(t, storetest.Open(t, d)), inteltest.New(t, storetest.Open(t, d)))
		})
	}
}
