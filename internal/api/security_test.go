package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// principals of the matrix, in column order.
var principals = []string{
	"platform",      // platform administrator (admin scope)
	"alphaAdmin",    // org admin of A (admin scope)
	"alphaReporter", // reporter in A (read scope)
	"betaAdmin",     // org admin of B: the strongest outsider to A
	"auditor",       // oversight commission auditor (audit scope)
	"alphaAdminRO",  // A's admin through a read-only token
	"revoked",       // A's admin through a revoked admin token
	"expired",       // A's admin through an expired admin token
	"",              // no token
}

// TestSecurityMatrix sends every endpoint as every principal and checks
// the status. Objects belong to organisation A (alpha); B (beta) is an
// unrelated operator. Each cell first restores the state it needs, so the
// cells do not depend on one another.
func TestSecurityMatrixAllEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		sys := auth.System("test")
		alpha, supp := f.orgs["alpha"], f.orgs["supp"]
		rep := f.users["alphaReporter"]
		n := 0
		uniq := func() int { n++; return n }
		const (
			ok, created, gone = 200, 201, 204
			unauth            = 401
			deny              = 403
			hidden            = 404
			nomethod          = 405
		)
		// authd expands the six authenticated principals' statuses with
		// 401 for the revoked, expired and missing token.
		authd := func(s ...int) []int { return append(s, unauth, unauth, unauth) }
		all := func(s int) []int { return []int{s, s, s, s, s, s, s, s, s} }
		var revokeID string
		cells := []struct {
			method, path string
			body         func() any
			setup        func()
			want         []int
		}{
			{"GET", "/api/v1/openapi.json", nil, nil, all(ok)},
			{"GET", "/api/v1/meta", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"GET", "/api/v1/me", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"GET", "/api/v1/orgs", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"POST", "/api/v1/orgs", func() any { return orgBody(fmt.Sprintf("matrix-%d", uniq())) }, nil,
				authd(created, deny, deny, deny, deny, deny)},
			{"GET", "/api/v1/orgs/alpha", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"PATCH", "/api/v1/orgs/alpha", func() any {
				return map[string]any{"emergency_contact": map[string]string{"name": "duty", "phone": "+81-3-0000-0000"}}
			}, nil, authd(ok, ok, deny, deny, deny, deny)},
			{"GET", "/api/v1/orgs/alpha/links", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"POST", "/api/v1/orgs/alpha/links", func() any { return map[string]any{"customer_id": "supp"} },
				func() { _ = f.svc.RemoveLink(ctx, sys, alpha.ID, supp.ID) },
				authd(created, created, deny, deny, deny, deny)},
			{"DELETE", "/api/v1/orgs/supp/links/alpha", nil,
				func() { _ = f.svc.AddLink(ctx, sys, &org.Link{SupplierID: supp.ID, CustomerID: alpha.ID}) },
				authd(gone, gone, deny, deny, deny, deny)},
			{"GET", "/api/v1/users", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"GET", "/api/v1/users?org=alpha", nil, nil, authd(ok, ok, ok, deny, deny, ok)},
			{"GET", "/api/v1/users?org=*", nil, nil, authd(ok, deny, deny, deny, deny, deny)},
			{"POST", "/api/v1/users", func() any {
				return map[string]any{"org_id": "alpha", "email": fmt.Sprintf("m%d@alpha.example", uniq()), "display_name": "M",
					"roles": []string{"viewer"}, "password": "a long enough password"}
			}, nil, authd(created, created, deny, deny, deny, deny)},
			{"GET", "/api/v1/users/" + rep.ID, nil, nil, authd(ok, ok, ok, hidden, hidden, ok)},
			{"GET", "/api/v1/users/" + rep.Email, nil, nil, authd(ok, ok, ok, hidden, hidden, ok)},
			{"PATCH", "/api/v1/users/" + rep.ID, func() any { return map[string]any{"display_name": "Reporter R"} }, nil,
				authd(ok, ok, deny, hidden, hidden, deny)},
			{"PATCH", "/api/v1/users/" + rep.ID, func() any { return map[string]any{"roles": []string{"org_admin"}} },
				func() {
					_, _ = f.svc.UpdateUser(ctx, sys, rep.ID, accounts.UserPatch{Roles: &[]org.Role{org.RoleReporter}})
				}, authd(ok, ok, deny, hidden, hidden, deny)},
			{"GET", "/api/v1/users/" + rep.ID + "/tokens", nil, nil, authd(ok, ok, ok, hidden, hidden, ok)},
			{"GET", "/api/v1/tokens", nil, nil, authd(ok, ok, ok, ok, ok, ok)},
			{"POST", "/api/v1/tokens", func() any { return map[string]any{"name": "m", "scopes": []string{"read"}} }, nil,
				authd(created, created, deny, created, deny, deny)},
			{"DELETE", "/api/v1/tokens/{fresh}", nil, func() {
				_, tok, err := f.svc.CreateToken(ctx, sys, rep.ID, accounts.TokenRequest{Name: "victim", Scopes: []org.Scope{org.ScopeRead}})
				if err != nil {
					t.Fatal(err)
				}
				revokeID = tok.ID
			}, authd(ok, ok, deny, hidden, hidden, deny)},
			{"GET", "/api/v1/audit", nil, nil, authd(deny, deny, deny, deny, ok, deny)},
			{"POST", "/api/v1/audit/verify", nil, nil, authd(deny, deny, deny, deny, ok, deny)},
			// Nothing changes the audit trail: there is no such route, for anyone.
			{"PUT", "/api/v1/audit", func() any { return map[string]any{"seq": 1, "action": "tampered"} }, nil, all(nomethod)},
			{"PATCH", "/api/v1/audit", func() any { return map[string]any{"seq": 1, "action": "tampered"} }, nil, all(nomethod)},
			{"DELETE", "/api/v1/audit", nil, nil, all(nomethod)},
			{"POST", "/api/v1/audit", func() any { return map[string]any{"action": "forged"} }, nil, all(nomethod)},
			{"PUT", "/api/v1/audit/verify", nil, nil, all(nomethod)},
			{"PATCH", "/api/v1/audit/verify", nil, nil, all(nomethod)},
			{"DELETE", "/api/v1/audit/verify", nil, nil, all(nomethod)},
			{"DELETE", "/api/v1/audit/1", nil, nil, all(hidden)},
			{"PATCH", "/api/v1/audit/1", func() any { return map[string]any{"action": "tampered"} }, nil, all(hidden)},
		}
		before := f.auditEntries(t)
		for _, c := range cells {
			if len(c.want) != len(principals) {
				t.Fatalf("%s %s: %d statuses for %d principals", c.method, c.path, len(c.want), len(principals))
			}
			for i, who := range principals {
				if c.setup != nil {
					c.setup()
				}
				var body any
				if c.body != nil {
					body = c.body()
				}
				path := strings.Replace(c.path, "{fresh}", revokeID, 1)
				r := f.do(c.method, path, who, body)
				if r.Status != c.want[i] {
					t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, who, r.Status, c.want[i], r.Body)
				}
				if r.Status == unauth && r.Header.Get("WWW-Authenticate") != `Bearer realm="sakimori"` {
					t.Errorf("%s %s as %q: 401 without WWW-Authenticate", c.method, c.path, who)
				}
				if r.Status >= 400 {
					if code, _ := r.errField(); code == "" {
						t.Errorf("%s %s as %q: %d without the error body: %s", c.method, c.path, who, r.Status, r.Body)
					}
				}
			}
		}

		// The audit trail still holds every entry it held, unchanged, and
		// its chain verifies.
		after := f.auditEntries(t)
		for seq, e := range before {
			if after[seq] != e {
				t.Errorf("audit entry %d changed: %s -> %s", seq, e, after[seq])
			}
		}
		r := f.do("POST", "/api/v1/audit/verify", "auditor", nil)
		if v := r.json(t); v["ok"] != true {
			t.Errorf("chain does not verify: %s", r.Body)
		}

		// Denied attempts are audited as denied, with who and from where.
		for _, who := range []string{"alphaAdmin", "alphaReporter", "betaAdmin", "auditor"} {
			u := f.users[who]
			r := f.do("GET", "/api/v1/audit?outcome=denied&limit=1000&actor="+u.ID, "auditor", nil)
			var p struct {
				Items []struct {
					Action, Outcome, ObjectID string
					Actor                     string `json:"actor"`
					SourceAddr                string `json:"source_addr"`
				} `json:"items"`
			}
			if err := json.Unmarshal(r.Body, &p); err != nil || len(p.Items) == 0 {
				t.Errorf("no denied entries for %s: %s", who, r.Body)
				continue
			}
			for _, e := range p.Items {
				if e.Outcome != "denied" || e.SourceAddr != "127.0.0.1" || !strings.HasPrefix(e.Actor, u.Email+" (token ") {
					t.Errorf("denied entry for %s: %+v", who, e)
				}
			}
		}
		r = f.do("GET", "/api/v1/audit?outcome=denied&action=org.update&actor="+f.users["betaAdmin"].ID, "auditor", nil)
		if !strings.Contains(string(r.Body), `"object_id":"`+alpha.ID+`"`) {
			t.Errorf("B's attempt to change A is not in the audit trail: %s", r.Body)
		}
	})
}

// auditEntries returns every audit entry's hash by sequence number, read
// through the API as the auditor.
func (f *fixture) auditEntries(t *testing.T) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	cursor := ""
	for {
		r := f.do("GET", "/api/v1/audit?limit=1000&cursor="+cursor, "auditor", nil)
		var p struct {
			Items []struct {
				Seq  int64  `json:"seq"`
				Hash string `json:"hash"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil {
			t.Fatalf("audit: %d %s", r.Status, r.Body)
		}
		for _, e := range p.Items {
			out[e.Seq] = e.Hash
		}
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
}

// TestOtherOrganisationsStayHidden: B's administrator learns nothing about
// A's people and tokens, and sees A's emergency contact in no answer.
func TestOtherOrganisationsStayHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		alpha := f.orgs["alpha"]
		for _, path := range []string{"/api/v1/users", "/api/v1/users?q=alpha", "/api/v1/tokens", "/api/v1/orgs", "/api/v1/orgs/alpha",
			"/api/v1/orgs/" + alpha.ID, "/api/v1/orgs/alpha/links", "/api/v1/me"} {
			r := f.do("GET", path, "betaAdmin", nil)
			if r.Status != 200 {
				t.Errorf("%s: %d %s", path, r.Status, r.Body)
			}
			for _, secret := range []string{"@alpha.example", "csirt@alpha.example", "alpha CSIRT", f.users["alphaReporter"].ID} {
				if strings.Contains(string(r.Body), secret) {
					t.Errorf("%s shows B %q: %s", path, secret, r.Body)
				}
			}
		}
		// Who may see alpha's contact, in the directory and one by one.
		for who, visible := range map[string]bool{"betaAdmin": false, "auditor": false, "suppViewer": true, "platform": true, "alphaReporter": true} {
			r := f.do("GET", "/api/v1/orgs?limit=1000", who, nil)
			var p struct {
				Items []map[string]any `json:"items"`
			}
			json.Unmarshal(r.Body, &p)
			i := slices.IndexFunc(p.Items, func(o map[string]any) bool { return o["slug"] == "alpha" })
			if i < 0 {
				t.Fatalf("alpha not in the directory for %s", who)
			}
			_, has := p.Items[i]["emergency_contact"]
			if has != visible {
				t.Errorf("directory: alpha's contact visible to %s = %v, want %v", who, has, visible)
			}
			r = f.do("GET", "/api/v1/orgs/alpha/links", who, nil)
			if r.Status != 200 {
				t.Errorf("links as %s: %d", who, r.Status)
			}
		}
	})
}
