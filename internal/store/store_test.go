package store_test

import (
	"context"
	"errors"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

var cli = audit.Actor{Name: "cli"}

func newOrg(slug string, kind org.Kind, sector org.Sector) *org.Organisation {
	return &org.Organisation{Slug: slug, Kind: kind, Sector: sector,
		Name:    org.Names{JA: slug + " 株式会社", EN: slug + " Corp."},
		Contact: org.Contact{Name: "CSIRT", Phone: "+81-3-0000-0000", Hours: "24/7"}}
}

func TestOrgsUsersTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		op := newOrg("tokyo-power", org.KindOperator, org.SectorElectricity)
		if err := db.CreateOrg(ctx, cli, op); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateOrg(ctx, cli, newOrg("tokyo-power", org.KindVendor, "")); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("duplicate slug: got %v, want conflict", err)
		}
		sup := newOrg("it-partner", org.KindSupplier, "")
		if err := db.CreateOrg(ctx, cli, sup); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetOrg(ctx, "tokyo-power")
		if err != nil || got.ID != op.ID || got.Contact.Phone != op.Contact.Phone || !got.CreatedAt.Equal(op.CreatedAt) {
			t.Fatalf("GetOrg = %+v, %v; want %+v", got, err, op)
		}
		if _, err := db.GetOrg(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("GetOrg(nope) = %v", err)
		}
		if err := db.AddLink(ctx, cli, &org.Link{SupplierID: sup.ID, CustomerID: op.ID, Description: "VPN operations", ConfirmedAt: &op.CreatedAt}); err != nil {
			t.Fatal(err)
		}
		ids, err := db.LinkedOrgIDs(ctx, op.ID)
		if err != nil || len(ids) != 1 || ids[0] != sup.ID {
			t.Fatalf("LinkedOrgIDs = %v, %v", ids, err)
		}
		u := &org.User{OrgID: op.ID, Email: "Alice@Example.JP", DisplayName: "Alice", Roles: []org.Role{org.RoleReporter, org.RoleOrgAdmin}}
		if err := db.CreateUser(ctx, cli, u, "hash"); err != nil {
			t.Fatal(err)
		}
		gu, hash, err := db.GetUserForLogin(ctx, "alice@example.jp")
		if err != nil || hash != "hash" || gu.ID != u.ID || len(gu.Roles) != 2 {
			t.Fatalf("GetUserForLogin = %+v %q %v", gu, hash, err)
		}
		if err := db.CreateUser(ctx, cli, &org.User{OrgID: "missing", Email: "b@example.jp", DisplayName: "B", Roles: []org.Role{org.RoleViewer}}, ""); apperr.As(err).Field != "org_id" {
			t.Fatalf("user in missing org: %v", err)
		}
		tok := &org.Token{UserID: u.ID, OrgID: op.ID, Name: "ci", Prefix: "skm_abc", Hash: []byte("0123456789abcdef0123456789abcdef"), Scopes: []org.Scope{org.ScopeRead}}
		if err := db.CreateToken(ctx, cli, tok); err != nil {
			t.Fatal(err)
		}
		gt, err := db.GetTokenByHash(ctx, tok.Hash)
		if err != nil || gt.ID != tok.ID || gt.RevokedAt != nil {
			t.Fatalf("GetTokenByHash = %+v, %v", gt, err)
		}
		if err := db.RevokeToken(ctx, cli, tok.ID); err != nil {
			t.Fatal(err)
		}
		gt, _ = db.GetToken(ctx, tok.ID)
		if gt.RevokedAt == nil {
			t.Fatal("token not revoked")
		}
		v, err := db.VerifyAudit(ctx, nil)
		if err != nil || v.Problem() != nil || v.Count() != 6 {
			t.Fatalf("verify: count %d problem %v err %v", v.Count(), v.Problem(), err)
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Ascending: true})
		if err != nil || len(es) != 6 || es[0].Action != "org.create" || es[5].Action != "token.revoke" {
			t.Fatalf("ListAudit = %v, %v", es, err)
		}
	})
}
