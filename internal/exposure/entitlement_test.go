package exposure_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/exposure"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// TestEntitlementRandomized builds a random registry (computers of both
// operators, some shared products) and random vulnerabilities of every TLP,
// sends vendor requests, then checks every read path of the service for
// every user of the world: nothing of another organisation's registry,
// exposures or notices, no vulnerability the user's organisation is not
// entitled to, and nothing entitled missing.
func TestEntitlementRandomized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for seed := range uint64(2) {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				entitlementRound(t, db, seed)
			})
		}
	})
}

func entitlementRound(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 42))
	var w *inteltest.World
	if seed == 0 {
		w = inteltest.New(t, db)
	} else {
		w = inteltest.New(t, storetest.Open(t, db.Dialect()))
		db = w.DB
	}
	s := exposure.New(db, inteltest.Quiet)
	s.Viewer = w.Svc.Viewer
	products := []string{"fortios", "connect_secure", "kagiauth", "pan-os"}
	vendorOf := map[string]string{"fortios": "fortinet", "connect_secure": "ivanti", "kagiauth": "kagiya", "pan-os": "paloaltonetworks"}
	owners := map[string]string{} // computer id -> org id
	for _, opName := range []string{"op-a", "op-b"} {
		p := w.P(opName + "-analyst")
		for i := range 4 + r.IntN(4) {
			prod := products[r.IntN(len(products))]
			c := &registry.Computer{Ref: fmt.Sprintf("%s-%d", opName, i), Name: "c", Function: registry.FunctionVPN, Vendor: vendorOf[prod], Product: prod,
				ProductVersion: fmt.Sprintf("7.%d.%d", r.IntN(3), r.IntN(10)), CPE: "cpe:2.3:a:" + vendorOf[prod] + ":" + prod + ":*:*:*:*:*:*:*:*",
				Site: "s", Business: "b", Equipment: "e"}
			if _, err := s.Notify(ctx, p, c); err != nil {
				t.Fatal(err)
			}
			owners[c.ID] = c.OrgID
		}
	}
	gov := w.P("nco-analyst")
	tlps := []marking.TLP{marking.TLPClear, marking.TLPGreen, marking.TLPAmber, marking.TLPAmberStrict, marking.TLPRed}
	vulnTLP := map[string]marking.TLP{}
	for i := range 12 {
		prod := products[r.IntN(len(products))]
		v := &vuln.Vulnerability{ID: fmt.Sprintf("SKM-2026-%04d", 100+i+int(seed)*100), Title: "v", TLP: tlps[r.IntN(len(tlps))],
			Affected: []vuln.Affected{{CPE: "cpe:2.3:a:" + vendorOf[prod] + ":" + prod + ":*:*:*:*:*:*:*:*",
				Ranges: []version.Range{{StartIncluding: "7.0.0", EndExcluding: fmt.Sprintf("7.%d.%d", r.IntN(3), r.IntN(10))}}}}}
		if _, err := s.PutVuln(ctx, gov, v); err != nil {
			t.Fatal(err)
		}
		vulnTLP[v.ID] = v.TLP
		if r.IntN(3) == 0 {
			if err := s.RequestVendor(ctx, gov, &vuln.Request{VulnID: v.ID, VendorOrgID: w.Orgs["ven"].ID, Questions: "q", DueAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The ground truth, from the store directly.
	allExp, err := db.ListExposures(ctx, store.ExposureQuery{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	allNotices, err := db.ListNotices(ctx, store.NoticeQuery{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(allExp) == 0 || len(allNotices) == 0 {
		t.Fatalf("the random world has no exposures (%d) or notices (%d): the test would prove nothing", len(allExp), len(allNotices))
	}
	recipients := map[string][]string{}
	for id := range vulnTLP {
		if recipients[id], err = db.NoticeRecipients(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for name, u := range w.Users {
		p := w.P(name)
		orgID := u.OrgID
		o := w.Orgs[keyOf(w, orgID)]
		isGov := o.Kind.IsGovernment()
		t.Run(name, func(t *testing.T) {
			// Computers: only one's own (all of them), or everything for the government.
			for id, owner := range owners {
				_, err := s.Computer(ctx, p, id)
				if want := owner == orgID || isGov; (err == nil) != want {
					t.Errorf("Computer(%s of %s) err=%v, entitled=%v", id, keyOf(w, owner), err, want)
				}
			}
			if cs, _, err := s.Computers(ctx, p, store.ComputerQuery{Limit: 1000}, false); err == nil {
				for _, c := range cs {
					if c.OrgID != orgID {
						t.Errorf("Computers listed %s of another organisation", c.ID)
					}
				}
			}
			viewer, err := w.Svc.Viewer(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			entitled := func(vulnID string) bool {
				ok, _ := marking.Entitled(viewer, marking.Object{OwnerOrgID: w.Orgs["nco"].ID, TLP: vulnTLP[vulnID], Orgs: recipients[vulnID]})
				return ok
			}
			// Exposures and notices: one's own only, and all of those whose
			// vulnerability the user may see (an exposure names it).
			exps, err := s.Exposures(ctx, p, store.ExposureQuery{Limit: 1 << 20}, false)
			if err != nil && apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Fatal(err)
			}
			want := 0
			for _, e := range allExp {
				if e.OrgID == orgID && entitled(e.VulnID) {
					want++
				}
			}
			for _, e := range exps {
				if e.OrgID != orgID {
					t.Errorf("Exposures listed %s of another organisation", e.ComputerID)
				}
				if !entitled(e.VulnID) {
					t.Errorf("Exposures listed an exposure to %s (%s), not entitled", e.VulnID, vulnTLP[e.VulnID].Name())
				}
			}
			if err == nil && len(exps) != want {
				t.Errorf("%d exposures, want %d", len(exps), want)
			}
			for _, n := range allNotices {
				_, err := s.Notice(ctx, p, n.ID)
				if ok := n.OrgID == orgID || isGov; (err == nil) != ok {
					t.Errorf("Notice(%s to %s) err=%v, entitled=%v", n.ID, keyOf(w, n.OrgID), err, ok)
				}
				// A notice never goes out about a RED vulnerability, and
				// only to the organisation whose computers it names.
				if vulnTLP[n.VulnID] == marking.TLPRed && n.Kind == vuln.NoticeExposure {
					t.Errorf("exposure notice about RED %s", n.VulnID)
				}
				for _, c := range n.ComputerIDs {
					if owners[c] != n.OrgID {
						t.Errorf("notice %s to %s names computer %s of %s", n.ID, keyOf(w, n.OrgID), c, keyOf(w, owners[c]))
					}
				}
			}
			// Vulnerabilities: exactly the entitled ones.
			listed, err := s.Vulns(ctx, p, store.VulnQuery{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range listed {
				got = append(got, v.ID)
			}
			for id, tlp := range vulnTLP {
				ok := entitled(id)
				_, err := s.Vuln(ctx, p, id)
				if (err == nil) != ok {
					t.Errorf("Vuln(%s %s) err=%v, entitled=%v", id, tlp.Name(), err, ok)
				}
				if slices.Contains(got, id) != ok {
					t.Errorf("Vulns lists %s (%s): %v, entitled=%v", id, tlp.Name(), slices.Contains(got, id), ok)
				}
			}
			// Vendor requests: the vendor's own and the government's view only.
			reqs, err := s.Requests(ctx, p, store.RequestQuery{})
			switch {
			case isGov || orgID == w.Orgs["ven"].ID:
				if err != nil {
					t.Fatalf("Requests: %v", err)
				}
				for _, q := range reqs {
					if !isGov && q.VendorOrgID != orgID {
						t.Errorf("vendor sees request %s to another vendor", q.ID)
					}
				}
			default:
				if err == nil && len(reqs) > 0 {
					t.Errorf("%s sees %d vendor requests", name, len(reqs))
				}
			}
		})
	}
}

func keyOf(w *inteltest.World, orgID string) string {
	for k, o := range w.Orgs {
		if o.ID == orgID {
			return k
		}
	}
	return orgID
}
