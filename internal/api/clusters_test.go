package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func init() {
	// The body of PATCH /clusters/{ref}, for TestRequestSchemasMatchTheTypes.
	requestTypes["ClusterUpdateInput"] = &ClusterUpdateInput{}
}

func TestClusterRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		corr := correlate.New(db, inteltest.Quiet)
		f.api = New(f.svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: f.w.Svc, Correlate: corr})
		f.srv.Config.Handler = f.api
		c := compiler(t, f.api.openapi)
		// Two operators share the same C2 address: a cluster.
		for i, o := range []string{"op-a", "op-b"} {
			corr.ObjectsStored(context.Background(), nil, []intel.StoredObject{{StixID: indID(900 + i), Type: "indicator", Owner: f.w.Orgs[o].ID,
				Source: "api", Atoms: []store.Atom{{Kind: "ipv4", Value: "203.0.113.77"}}}})
		}
		check := func(method, pattern, path, who string, body any, want int) resp {
			t.Helper()
			r := f.do(method, path, who, body)
			if r.Status != want {
				t.Fatalf("%s %s as %s: %d %s", method, path, who, r.Status, r.Body)
			}
			validateResp(t, c, f.api.openapi, method, pattern, r)
			return r
		}
		r := check("GET", "/api/v1/clusters", "/api/v1/clusters?min_strength=1&since=2020-01-01", "nco-analyst", nil, 200)
		var l struct{ Items []correlate.Cluster }
		if err := json.Unmarshal(r.Body, &l); err != nil || len(l.Items) != 1 {
			t.Fatalf("list: %s", r.Body)
		}
		ref := l.Items[0].Ref
		r = check("GET", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, "nco-analyst", nil, 200)
		if !strings.Contains(string(r.Body), "203.0.113.77") || !strings.Contains(string(r.Body), f.w.Orgs["op-b"].ID) {
			t.Fatalf("detail: %s", r.Body)
		}
		check("PATCH", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, "nco-analyst", map[string]any{"status": "confirmed", "note": "同一C2"}, 200)
		check("PATCH", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, "nco-analyst", map[string]any{"status": "merged"}, 400)
		check("PATCH", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, "nco-analyst", map[string]any{"colour": "red"}, 400)
		check("PATCH", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, "nco-analyst:read", map[string]any{"status": "open"}, 403)
		check("GET", "/api/v1/clusters/{ref}", "/api/v1/clusters/CL-2026-9999", "nco-analyst", nil, 404)
		check("GET", "/api/v1/clusters", "/api/v1/clusters?status=nope", "nco-analyst", nil, 400)
		// Nobody but the government, whatever the route.
		for _, who := range []string{"op-a-analyst", "op-b-admin", "sup-analyst", "ven-analyst", "isac-analyst", "platform"} {
			check("GET", "/api/v1/clusters", "/api/v1/clusters", who, nil, 403)
			check("GET", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, who, nil, 403)
			check("PATCH", "/api/v1/clusters/{ref}", "/api/v1/clusters/"+ref, who, map[string]any{"status": "dismissed"}, 403)
			check("GET", "/api/v1/incidents/{id}/clusters", "/api/v1/incidents/x/clusters", who, nil, 403)
		}
		check("GET", "/api/v1/clusters", "/api/v1/clusters", "", nil, 401)
	})
}
