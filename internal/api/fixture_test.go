package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// fixture is a running API over a fresh store with organisations, users
// and tokens of every kind the tests need.
type fixture struct {
	t      testing.TB
	db     *store.DB
	svc    *accounts.Service
	api    *API
	srv    *httptest.Server
	orgs   map[string]*org.Organisation
	users  map[string]*org.User
	tokens map[string]string // name -> secret
}

const testPassword = "correct horse battery staple"

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := accounts.New(db, log)
	f := &fixture{t: t, db: db, svc: svc, orgs: map[string]*org.Organisation{}, users: map[string]*org.User{}, tokens: map[string]string{}}
	f.api = New(svc, Options{MaxBodyBytes: 4096, Log: log, Version: "test"})
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	sys := auth.System("test")
	for _, o := range []struct {
		slug   string
		kind   org.Kind
		sector org.Sector
	}{{"nco", org.KindGovernment, ""}, {"alpha", org.KindOperator, org.SectorElectricity},
		{"beta", org.KindOperator, org.SectorRailway}, {"commission", org.KindOversight, ""}, {"supp", org.KindSupplier, ""}} {
		oo := &org.Organisation{Slug: o.slug, Kind: o.kind, Sector: o.sector, Name: org.Names{JA: o.slug + "の組織", EN: o.slug + " org"},
			Contact: org.Contact{Name: o.slug + " CSIRT", Phone: "+81-3-1111-2222", Email: "csirt@" + o.slug + ".example", Hours: "24/7"}}
		if err := svc.CreateOrg(ctx, sys, oo); err != nil {
			t.Fatal(err)
		}
		f.orgs[o.slug] = oo
	}
	if err := svc.AddLink(ctx, sys, &org.Link{SupplierID: f.orgs["supp"].ID, CustomerID: f.orgs["alpha"].ID}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name, org string
		roles     []org.Role
		scopes    []org.Scope
	}{
		{"platform", "nco", []org.Role{org.RolePlatformAdmin, org.RoleAnalyst}, []org.Scope{org.ScopeAdmin}},
		{"alphaAdmin", "alpha", []org.Role{org.RoleOrgAdmin}, []org.Scope{org.ScopeAdmin}},
		{"alphaReporter", "alpha", []org.Role{org.RoleReporter}, []org.Scope{org.ScopeRead}},
		{"betaAdmin", "beta", []org.Role{org.RoleOrgAdmin}, []org.Scope{org.ScopeAdmin}},
		{"auditor", "commission", []org.Role{org.RoleAuditor}, []org.Scope{org.ScopeAudit}},
		{"suppViewer", "supp", []org.Role{org.RoleViewer}, []org.Scope{org.ScopeRead}},
	} {
		uu := &org.User{OrgID: f.orgs[u.org].ID, Email: strings.ToLower(u.name) + "@" + u.org + ".example", DisplayName: u.name, Roles: u.roles}
		if err := svc.CreateUser(ctx, sys, uu, testPassword); err != nil {
			t.Fatal(err)
		}
		f.users[u.name] = uu
		secret, _, err := svc.CreateToken(ctx, sys, uu.ID, accounts.TokenRequest{Name: "test", Scopes: u.scopes})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.name] = secret
	}
	// A read-only token of an admin, a revoked one and an expired one.
	secret, _, _ := svc.CreateToken(ctx, sys, f.users["alphaAdmin"].ID, accounts.TokenRequest{Name: "ro", Scopes: []org.Scope{org.ScopeRead}})
	f.tokens["alphaAdminRO"] = secret
	secret, tok, _ := svc.CreateToken(ctx, sys, f.users["alphaAdmin"].ID, accounts.TokenRequest{Name: "revoked", Scopes: []org.Scope{org.ScopeAdmin}})
	if _, err := svc.RevokeToken(ctx, sys, tok.ID); err != nil {
		t.Fatal(err)
	}
	f.tokens["revoked"] = secret
	// An expired admin token of alphaAdmin: issued two days ago (by the
	// store's clock), expired an hour ago.
	clock := db.Now
	db.Now = func() time.Time { return clock().Add(-48 * time.Hour) }
	exp := time.Now().Add(-time.Hour)
	secret, _, err := svc.CreateToken(ctx, sys, f.users["alphaAdmin"].ID, accounts.TokenRequest{Name: "expired", Scopes: []org.Scope{org.ScopeAdmin}, ExpiresAt: &exp})
	db.Now = clock
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["expired"] = secret
	return f
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

func (r resp) errField() (code, field string) {
	var e errorBody
	_ = json.Unmarshal(r.Body, &e)
	if e.Error == nil {
		return "", ""
	}
	return string(e.Error.Code), e.Error.Field
}

// do sends a request as the named token holder ("" = none). body may be a
// string (sent verbatim) or a value (marshalled).
func (f *fixture) do(method, path, who string, body any, hdr ...string) resp {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func orgBody(slug string) map[string]any {
	return map[string]any{"slug": slug, "kind": "vendor", "name": map[string]string{"ja": "ベンダー", "en": "Vendor"},
		"emergency_contact": map[string]string{"name": "PSIRT", "email": "psirt@" + slug + ".example"}}
}
