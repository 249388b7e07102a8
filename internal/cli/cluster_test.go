package cli

import (
	"context"
	"strings"
	"testing"

	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestClusterCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			run := seededWorld(t, d, func(tb testing.TB, db *store.DB) {
				w := inteltest.New(tb, db)
				corr := correlate.New(db, inteltest.Quiet)
				for i, o := range []string{"op-a", "op-b"} {
					corr.ObjectsStored(context.Background(), nil, []intel.StoredObject{{StixID: "indicator--00000000-0000-4000-8000-00000000070" + string(rune('0'+i)),
						Type: "indicator", Owner: w.Orgs[o].ID, Source: "api", Atoms: []store.Atom{{Kind: "domain", Value: "c2.evil.example"}}}})
				}
			})
			r := run("", append([]string{"cluster", "list", "--json"}, as("nco-analyst")...)...)
			var cs []correlate.Cluster
			jsonOf(t, r, &cs)
			if r.code != 0 || len(cs) != 1 || cs[0].Orgs != 2 {
				t.Fatalf("list: %+v", r)
			}
			ref := cs[0].Ref
			r = run("", append([]string{"cluster", "show", ref}, as("nco-analyst")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "c2.evil.example") || !strings.Contains(r.stdout, "op-b") {
				t.Fatalf("show: %+v", r)
			}
			r = run("", append([]string{"cluster", "set", ref, "--status", "confirmed", "--note", "same C2"}, as("nco-analyst")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "confirmed") {
				t.Fatalf("set: %+v", r)
			}
			r = run("", append([]string{"cluster", "list", "--since", "7d", "--status", "confirmed"}, as("nco-analyst")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, ref) {
				t.Fatalf("list confirmed: %+v", r)
			}
			// Nobody but the government.
			for _, u := range []string{"op-a-analyst", "op-b-admin", "isac-analyst", "sup-analyst"} {
				for _, args := range [][]string{{"cluster", "list"}, {"cluster", "show", ref}, {"cluster", "set", ref, "--status", "dismissed"}} {
					r := run("", append(args, as(u)...)...)
					if r.code == 0 || strings.Contains(r.stdout, "c2.evil.example") || strings.Contains(r.stdout, "op-b") {
						t.Fatalf("%s %v: %+v", u, args, r)
					}
				}
			}
		})
	}
}
