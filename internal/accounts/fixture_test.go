package accounts

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

var cli = auth.System("cli")

// world is a small platform: the government, the oversight commission, an
// operator, its IT supplier (linked), an unrelated vendor and the platform
// operator, with users of several roles.
type world struct {
	s    *Service
	db   *store.DB
	orgs map[string]*org.Organisation
	// users by short name: "admin-a", "analyst-a", "admin-sup", "admin-ven",
	// "auditor", "admin-o", "gov", "platform", "platform-in-a"
	users map[string]*org.User
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{s: New(db, slog.New(slog.NewTextHandler(io.Discard, nil))), db: db,
		orgs: map[string]*org.Organisation{}, users: map[string]*org.User{}}
	mkOrg := func(key, slug string, kind org.Kind, sector org.Sector, ja, en string) {
		o := &org.Organisation{Slug: slug, Kind: kind, Sector: sector, Name: org.Names{JA: ja, EN: en},
			Contact: org.Contact{Name: "当番 " + en, Phone: "+81-3-0000-0000", Email: "soc@" + slug + ".example.jp", Hours: "24/7"}}
		if err := w.s.CreateOrg(ctx, cli, o); err != nil {
			t.Fatalf("CreateOrg %s: %v", slug, err)
		}
		w.orgs[key] = o
	}
	mkOrg("nco", "nco", org.KindGovernment, "", "国家サイバー統括室", "National Cybersecurity Office")
	mkOrg("o", "oversight", org.KindOversight, "", "サイバー通信情報監理委員会", "Oversight Commission")
	mkOrg("a", "tokyo-power", org.KindOperator, org.SectorElectricity, "東京電力", "Tokyo Power")
	mkOrg("sup", "it-partner", org.KindSupplier, "", "ITパートナー", "IT Partner")
	mkOrg("ven", "other-vendor", org.KindVendor, "", "別ベンダー", "Other Vendor")
	mkOrg("p", "sakimori-ops", org.KindISAC, "", "運営", "Platform Operations")
	if err := w.s.AddLink(ctx, cli, &org.Link{SupplierID: w.orgs["sup"].ID, CustomerID: w.orgs["a"].ID}); err != nil {
		t.Fatal(err)
	}
	mkUser := func(key, orgKey, email string, roles ...org.Role) {
		u := &org.User{OrgID: w.orgs[orgKey].ID, Email: email, DisplayName: key, Roles: roles}
		if err := w.s.CreateUser(ctx, cli, u, ""); err != nil { // no password: no Argon2 cost
			t.Fatalf("CreateUser %s: %v", email, err)
		}
		w.users[key] = u
	}
	mkUser("admin-a", "a", "admin@tokyo-power.example.jp", org.RoleOrgAdmin, org.RoleAnalyst)
	mkUser("analyst-a", "a", "analyst@tokyo-power.example.jp", org.RoleAnalyst)
	mkUser("admin-sup", "sup", "admin@it-partner.example.jp", org.RoleOrgAdmin)
	mkUser("admin-ven", "ven", "admin@other-vendor.example.jp", org.RoleOrgAdmin)
	mkUser("auditor", "o", "auditor@oversight.example.jp", org.RoleAuditor)
	mkUser("admin-o", "o", "admin@oversight.example.jp", org.RoleOrgAdmin, org.RoleAuditor)
	mkUser("gov", "nco", "analyst@nco.example.jp", org.RoleAnalyst)
	mkUser("platform", "p", "ops@sakimori.example.jp", org.RolePlatformAdmin)
	mkUser("platform-in-a", "a", "ops@tokyo-power.example.jp", org.RolePlatformAdmin)
	return w
}

// p returns a fresh principal for the user named key, as a session would.
func (w *world) p(t *testing.T, key string) *auth.Principal {
	t.Helper()
	p, err := w.s.principal(context.Background(), w.users[key].ID, "192.0.2.1")
	if err != nil {
		t.Fatalf("principal %s: %v", key, err)
	}
	return p
}

// withToken returns the principal of user key authenticated by a new API
// token with the given scopes (created by the command line, which may).
func (w *world) withToken(t *testing.T, key string, scopes ...org.Scope) *auth.Principal {
	t.Helper()
	secret, _, err := w.s.CreateToken(context.Background(), cli, w.users[key].ID, TokenRequest{Name: "test", Scopes: scopes})
	if err != nil {
		t.Fatalf("token for %s: %v", key, err)
	}
	p, err := w.s.Token(context.Background(), secret, "192.0.2.2")
	if err != nil {
		t.Fatalf("token auth for %s: %v", key, err)
	}
	return p
}

// entries returns the audit entries matching f, oldest first.
func (w *world) entries(t *testing.T, f store.AuditFilter) []audit.Entry {
	t.Helper()
	f.Ascending, f.Limit = true, 1000
	es, _, err := w.db.ListAudit(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Errorf("%s: %v (code %q), want %s", what, err, got, code)
	}
}

func wantInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.CodeInvalid || e.Field != field {
		t.Errorf("%s: %v, want invalid %s", what, err, field)
	}
}

func ptr[T any](v T) *T { return &v }
