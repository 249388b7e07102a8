package auth

import (
	"context"
	"errors"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// Fixtures: organisations of several kinds and their people.
var (
	orgA = &org.Organisation{ID: "org-a", Kind: org.KindOperator, Sector: org.SectorElectricity}
	orgB = &org.Organisation{ID: "org-b", Kind: org.KindVendor}
	orgO = &org.Organisation{ID: "org-o", Kind: org.KindOversight}
	orgG = &org.Organisation{ID: "org-g", Kind: org.KindGovernment}
	orgP = &org.Organisation{ID: "org-p", Kind: org.KindISAC}

	uPlatform  = &org.User{ID: "u-plat", OrgID: "org-p", Roles: []org.Role{org.RolePlatformAdmin}}
	uPlatInA   = &org.User{ID: "u-plat-a", OrgID: "org-a", Roles: []org.Role{org.RolePlatformAdmin}}
	uAdminA    = &org.User{ID: "u-adm-a", OrgID: "org-a", Roles: []org.Role{org.RoleAnalyst, org.RoleOrgAdmin}}
	uAnalystA  = &org.User{ID: "u-ana-a", OrgID: "org-a", Roles: []org.Role{org.RoleAnalyst}}
	uDisabledA = &org.User{ID: "u-dis-a", OrgID: "org-a", Roles: []org.Role{org.RoleOrgAdmin}, Disabled: true}
	uAdminB    = &org.User{ID: "u-adm-b", OrgID: "org-b", Roles: []org.Role{org.RoleOrgAdmin}}
	uAuditor   = &org.User{ID: "u-aud", OrgID: "org-o", Roles: []org.Role{org.RoleAuditor}}
	uAdminO    = &org.User{ID: "u-adm-o", OrgID: "org-o", Roles: []org.Role{org.RoleAuditor, org.RoleOrgAdmin}}
	uGov       = &org.User{ID: "u-gov", OrgID: "org-g", Roles: []org.Role{org.RoleAnalyst}}
)

func pr(u *org.User, o *org.Organisation, scopes ...org.Scope) *Principal {
	p := &Principal{User: u, Org: o}
	if scopes != nil {
		p.Token = &org.Token{ID: "tok", UserID: u.ID, OrgID: u.OrgID, Prefix: "skm_abcdef", Scopes: scopes}
	}
	return p
}

var (
	platform  = pr(uPlatform, orgP)
	platInA   = pr(uPlatInA, orgA)
	adminA    = pr(uAdminA, orgA)
	analystA  = pr(uAnalystA, orgA)
	disabledA = pr(uDisabledA, orgA)
	adminB    = pr(uAdminB, orgB)
	auditor   = pr(uAuditor, orgO)
	adminO    = pr(uAdminO, orgO)
	gov       = pr(uGov, orgG)
	cli       = System("cli")
)

func roles(rs ...org.Role) []org.Role    { return rs }
func scopes(ss ...org.Scope) []org.Scope { return ss }

type verdict int

const (
	allow verdict = iota
	forbid
	unauth
)

func (v verdict) String() string { return [...]string{"allow", "forbid", "unauthenticated"}[v] }

func TestAuthorize(t *testing.T) {
	tA := Target{OrgID: "org-a", OrgKind: org.KindOperator}
	tB := Target{OrgID: "org-b", OrgKind: org.KindVendor}
	tO := Target{OrgID: "org-o", OrgKind: org.KindOversight}
	userIn := func(t Target, id string) Target { t.UserID = id; return t }
	grant := func(t Target, rs ...org.Role) Target { t.Roles = rs; return t }
	cases := []struct {
		name string
		p    *Principal
		a    Action
		t    Target
		want verdict
	}{
		// Authentication.
		{"no principal", nil, ActOrgRead, tA, unauth},
		{"empty principal", &Principal{}, ActOrgRead, tA, unauth},
		{"disabled user reads", disabledA, ActOrgRead, tA, unauth},
		{"disabled admin manages own users", disabledA, ActUserCreate, grant(tA, org.RoleViewer), unauth},
		{"system creates orgs", cli, ActOrgCreate, Target{}, allow},
		{"system grants platform_admin", cli, ActUserCreate, grant(tA, org.RolePlatformAdmin), allow},
		{"system reads the audit trail", cli, ActAuditRead, Target{}, allow},
		{"unknown action for a user", platform, "org.delete", tA, forbid},
		{"unknown action for a token", pr(uPlatform, orgP, org.ScopeAdmin), "org.delete", tA, forbid},

		// Directory and emergency contacts.
		{"anyone reads the directory", adminB, ActOrgRead, tA, allow},
		{"own contact", analystA, ActOrgReadContact, tA, allow},
		{"other org's contact", adminB, ActOrgReadContact, tA, forbid},
		{"supply-chain partner's contact", adminB, ActOrgReadContact, Target{OrgID: "org-a", LinkedOrgIDs: []string{"org-x", "org-b"}}, allow},
		{"contact of a partner's partner", adminB, ActOrgReadContact, Target{OrgID: "org-a", LinkedOrgIDs: []string{"org-x"}}, forbid},
		{"government reads contacts", gov, ActOrgReadContact, tA, allow},
		{"oversight is not government", auditor, ActOrgReadContact, tA, forbid},
		{"platform admin reads contacts", platform, ActOrgReadContact, tB, allow},
		{"principal without loaded org", &Principal{User: uAdminB}, ActOrgReadContact, tA, forbid},

		// Organisations.
		{"platform admin creates orgs", platform, ActOrgCreate, Target{}, allow},
		{"org admin cannot create orgs", adminA, ActOrgCreate, Target{}, forbid},
		{"auditor cannot create orgs", auditor, ActOrgCreate, Target{}, forbid},
		{"platform admin administers", platform, ActOrgAdminister, tA, allow},
		{"org admin cannot change own kind/slug", adminA, ActOrgAdminister, tA, forbid},
		{"org admin updates own org", adminA, ActOrgUpdate, tA, allow},
		{"analyst cannot update own org", analystA, ActOrgUpdate, tA, forbid},
		{"org admin cannot update another org", adminA, ActOrgUpdate, tB, forbid},
		{"org admin and empty target", adminA, ActOrgUpdate, Target{}, forbid},
		{"platform admin updates any org", platform, ActOrgUpdate, tB, allow},
		{"org admin manages own links", adminA, ActLinkManage, tA, allow},
		{"org admin cannot manage others' links", adminB, ActLinkManage, tA, forbid},
		{"analyst cannot manage links", analystA, ActLinkManage, tA, forbid},

		// Users: cross-organisation visibility.
		{"list own org's users", analystA, ActUserList, tA, allow},
		{"list another org's users", analystA, ActUserList, tB, forbid},
		{"org admin lists another org's users", adminB, ActUserList, tA, forbid},
		{"list with no org", analystA, ActUserList, Target{}, forbid},
		{"platform admin lists any org", platform, ActUserList, tB, allow},
		{"read a colleague", analystA, ActUserRead, userIn(tA, "u-adm-a"), allow},
		{"read a user of another org", adminB, ActUserRead, userIn(tA, "u-ana-a"), forbid},
		{"read oneself", analystA, ActUserRead, Target{UserID: "u-ana-a"}, allow},
		{"platform admin reads anyone", platform, ActUserRead, userIn(tB, "u-adm-b"), allow},

		// Users: creation and role grants.
		{"org admin creates a user", adminA, ActUserCreate, grant(tA, org.RoleAnalyst), allow},
		{"analyst cannot create users", analystA, ActUserCreate, grant(tA, org.RoleViewer), forbid},
		{"org admin cannot create in another org", adminA, ActUserCreate, grant(tB, org.RoleViewer), forbid},
		{"org admin cannot grant platform_admin", adminA, ActUserCreate, grant(tA, org.RoleViewer, org.RolePlatformAdmin), forbid},
		{"platform admin grants platform_admin", platform, ActUserCreate, grant(tB, org.RolePlatformAdmin), allow},
		{"auditor role outside oversight", adminA, ActUserCreate, grant(tA, org.RoleAuditor), forbid},
		{"auditor role outside oversight, platform admin", platform, ActUserCreate, grant(tA, org.RoleAuditor), forbid},
		{"auditor role with unknown org kind", platform, ActUserCreate, grant(Target{OrgID: "org-a"}, org.RoleAuditor), forbid},
		{"auditor role in oversight", adminO, ActUserCreate, grant(tO, org.RoleAuditor), allow},
		{"auditor role in oversight, platform admin", platform, ActUserCreate, grant(tO, org.RoleAuditor), allow},

		// Users: updates.
		{"org admin changes a colleague's roles", adminA, ActUserUpdate, grant(userIn(tA, "u-ana-a"), org.RoleReporter), allow},
		{"org admin resets a colleague's password", adminA, ActUserUpdate, userIn(tA, "u-ana-a"), allow},
		{"org admin cannot update another org's user", adminB, ActUserUpdate, userIn(tA, "u-ana-a"), forbid},
		{"analyst cannot change roles", analystA, ActUserUpdate, grant(userIn(tA, "u-ana-a"), org.RoleOrgAdmin), forbid},
		{"org admin cannot remove own org_admin", adminA, ActUserUpdate, grant(userIn(tA, "u-adm-a"), org.RoleAnalyst), forbid},
		{"org admin keeps own org_admin", adminA, ActUserUpdate, grant(userIn(tA, "u-adm-a"), org.RoleOrgAdmin, org.RoleReporter), allow},
		{"org admin cannot grant self platform_admin", adminA, ActUserUpdate, grant(userIn(tA, "u-adm-a"), org.RoleOrgAdmin, org.RolePlatformAdmin), forbid},
		{"platform admin may drop own org_admin", platInA, ActUserUpdate, grant(userIn(tA, "u-plat-a"), org.RolePlatformAdmin), allow},
		{"org admin cannot reset a platform admin's password",
			adminA, ActUserUpdate, Target{OrgID: "org-a", OrgKind: org.KindOperator, UserID: "u-plat-a", UserRoles: roles(org.RolePlatformAdmin)}, forbid},
		{"org admin cannot demote a platform admin",
			adminA, ActUserUpdate, Target{OrgID: "org-a", OrgKind: org.KindOperator, UserID: "u-plat-a", UserRoles: roles(org.RolePlatformAdmin), Roles: roles(org.RoleViewer)}, forbid},
		{"platform admin manages platform admins",
			platform, ActUserUpdate, Target{OrgID: "org-a", OrgKind: org.KindOperator, UserID: "u-plat-a", UserRoles: roles(org.RolePlatformAdmin), Roles: roles(org.RoleViewer)}, allow},
		{"org admin cannot grant auditor in an operator", adminA, ActUserUpdate, grant(userIn(tA, "u-ana-a"), org.RoleAuditor), forbid},
		{"own profile", analystA, ActUserUpdateSelf, Target{OrgID: "org-a", UserID: "u-ana-a"}, allow},
		{"someone else's profile", adminA, ActUserUpdateSelf, Target{OrgID: "org-a", UserID: "u-ana-a"}, forbid},
		{"own profile with a read token", pr(uAnalystA, orgA, org.ScopeRead, org.ScopeWrite), ActUserUpdateSelf, Target{UserID: "u-ana-a"}, forbid},
		{"own profile with an admin token", pr(uAnalystA, orgA, org.ScopeAdmin), ActUserUpdateSelf, Target{UserID: "u-ana-a"}, allow},

		// Tokens.
		{"list own tokens", analystA, ActTokenList, userIn(tA, "u-ana-a"), allow},
		{"list a colleague's tokens", analystA, ActTokenList, userIn(tA, "u-adm-a"), forbid},
		{"org admin lists a colleague's tokens", adminA, ActTokenList, userIn(tA, "u-ana-a"), allow},
		{"org admin lists another org's tokens", adminB, ActTokenList, userIn(tA, "u-ana-a"), forbid},
		{"platform admin lists tokens", platform, ActTokenList, userIn(tA, "u-ana-a"), allow},
		{"create own read token", analystA, ActTokenCreate, Target{OrgID: "org-a", UserID: "u-ana-a", Scopes: scopes(org.ScopeRead, org.ScopeWrite)}, allow},
		{"create a token for someone else", adminA, ActTokenCreate, Target{OrgID: "org-a", UserID: "u-ana-a", Scopes: scopes(org.ScopeRead)}, forbid},
		{"platform admin creates a token for someone else", platform, ActTokenCreate, Target{OrgID: "org-a", UserID: "u-ana-a", Scopes: scopes(org.ScopeRead)}, forbid},
		{"admin scope without org_admin", analystA, ActTokenCreate, Target{UserID: "u-ana-a", Scopes: scopes(org.ScopeAdmin)}, forbid},
		{"admin scope with org_admin", adminA, ActTokenCreate, Target{UserID: "u-adm-a", Scopes: scopes(org.ScopeAdmin)}, allow},
		{"admin scope for a platform admin", platform, ActTokenCreate, Target{UserID: "u-plat", Scopes: scopes(org.ScopeAdmin)}, allow},
		{"audit scope without auditor", adminA, ActTokenCreate, Target{UserID: "u-adm-a", Scopes: scopes(org.ScopeAudit)}, forbid},
		{"audit scope for a platform admin", platform, ActTokenCreate, Target{UserID: "u-plat", Scopes: scopes(org.ScopeAudit)}, forbid},
		{"audit scope for an auditor", auditor, ActTokenCreate, Target{UserID: "u-aud", Scopes: scopes(org.ScopeRead, org.ScopeAudit)}, allow},
		{"token creation with a read token", pr(uAdminA, orgA, org.ScopeRead), ActTokenCreate, Target{UserID: "u-adm-a", Scopes: scopes(org.ScopeRead)}, forbid},
		{"admin token creates an admin token", pr(uAdminA, orgA, org.ScopeAdmin), ActTokenCreate, Target{UserID: "u-adm-a", Scopes: scopes(org.ScopeAdmin)}, allow},
		{"admin token cannot mint an audit token", pr(uAdminO, orgO, org.ScopeAdmin), ActTokenCreate, Target{UserID: "u-adm-o", Scopes: scopes(org.ScopeAudit)}, forbid},
		{"admin+audit token mints an audit token", pr(uAdminO, orgO, org.ScopeAdmin, org.ScopeAudit), ActTokenCreate, Target{UserID: "u-adm-o", Scopes: scopes(org.ScopeAudit)}, allow},
		{"revoke own token", analystA, ActTokenRevoke, userIn(tA, "u-ana-a"), allow},
		{"org admin revokes a colleague's token", adminA, ActTokenRevoke, userIn(tA, "u-ana-a"), allow},
		{"analyst cannot revoke a colleague's token", analystA, ActTokenRevoke, userIn(tA, "u-adm-a"), forbid},
		{"org admin cannot revoke another org's token", adminB, ActTokenRevoke, userIn(tA, "u-ana-a"), forbid},
		{"platform admin revokes any token", platform, ActTokenRevoke, userIn(tB, "u-adm-b"), allow},

		// Audit trail: the oversight commission's auditors only.
		{"auditor reads the trail", auditor, ActAuditRead, Target{}, allow},
		{"auditor verifies the trail", auditor, ActAuditVerify, Target{}, allow},
		{"org admin cannot read the trail", adminA, ActAuditRead, Target{}, forbid},
		{"platform admin cannot read the trail", platform, ActAuditRead, Target{}, forbid},
		{"government cannot read the trail", gov, ActAuditVerify, Target{}, forbid},
		{"audit token", pr(uAuditor, orgO, org.ScopeAudit), ActAuditRead, Target{}, allow},
		{"read token cannot read the trail", pr(uAuditor, orgO, org.ScopeRead), ActAuditRead, Target{}, forbid},
		{"admin token cannot read the trail", pr(uAdminO, orgO, org.ScopeAdmin), ActAuditVerify, Target{}, forbid},
		{"audit token of a non-auditor", pr(uAdminA, orgA, org.ScopeAudit), ActAuditRead, Target{}, forbid},

		// Threat sharing (what each reader receives is marking.Entitled's decision).
		{"anyone reads intel", adminB, ActIntelRead, Target{}, allow},
		{"analyst shares for own org", analystA, ActIntelWrite, tA, allow},
		{"analyst shares with no target org", analystA, ActIntelWrite, Target{}, allow},
		{"analyst cannot share for another org", analystA, ActIntelWrite, tB, forbid},
		{"org admin without analyst role cannot share", adminB, ActIntelWrite, tB, forbid},
		{"platform admin without analyst role cannot share", platform, ActIntelWrite, Target{}, forbid},
		{"read token cannot share", pr(uAnalystA, orgA, org.ScopeRead), ActIntelWrite, tA, forbid},
		{"write token shares", pr(uAnalystA, orgA, org.ScopeWrite), ActIntelWrite, tA, allow},
		{"analyst deletes own org's objects", analystA, ActIntelDelete, tA, allow},
		{"analyst cannot delete another org's", analystA, ActIntelDelete, tB, forbid},
		{"analyst overrides a warninglist hit", analystA, ActWarninglistOverride, tA, allow},
		{"government analyst reports a sighting", gov, ActSightingAdd, Target{}, allow},
		{"org admin alone cannot report a sighting", adminB, ActSightingAdd, Target{}, forbid},
		{"read token cannot report a sighting", pr(uGov, orgG, org.ScopeRead), ActSightingAdd, Target{}, forbid},
		{"org admin manages own collections", adminA, ActCollectionManage, tA, allow},
		{"org admin cannot manage another org's collections", adminA, ActCollectionManage, tB, forbid},
		{"analyst cannot manage collections", analystA, ActCollectionManage, tA, forbid},
		{"write token cannot manage collections", pr(uAdminA, orgA, org.ScopeWrite), ActCollectionManage, tA, forbid},
		{"platform admin manages any group", platform, ActGroupManage, tB, allow},
		{"org admin manages own groups", adminB, ActGroupManage, tB, allow},
		{"platform admin manages warninglists", platform, ActWarninglistManage, Target{}, allow},
		{"org admin cannot manage warninglists", adminA, ActWarninglistManage, Target{}, forbid},
		{"cli manages warninglists", cli, ActWarninglistManage, Target{}, allow},

		// Critical computers and vulnerabilities.
		{"operator analyst notifies own computers", analystA, ActRegistryWrite, tA, allow},
		{"operator analyst cannot notify another org's", analystA, ActRegistryWrite, tB, forbid},
		{"operator admin notifies own computers", adminA, ActRegistryWrite, tA, allow},
		{"a vendor does not notify critical computers", adminB, ActRegistryWrite, tB, forbid},
		{"the government does not notify critical computers", gov, ActRegistryWrite, Target{OrgID: "org-g"}, forbid},
		{"a vendor states nothing about exposures", adminB, ActExposureUpdate, tB, forbid},
		{"government cannot notify for an operator", gov, ActRegistryWrite, tA, forbid},
		{"read token cannot notify", pr(uAnalystA, orgA, org.ScopeRead), ActRegistryWrite, tA, forbid},
		{"operator reads own registry", analystA, ActRegistryRead, tA, allow},
		{"government reads any registry", gov, ActRegistryRead, tA, allow},
		{"vendor cannot read an operator's registry", adminB, ActRegistryRead, tA, forbid},
		{"oversight cannot read an operator's registry", auditor, ActRegistryRead, tA, forbid},
		{"operator reads own exposures", analystA, ActExposureRead, tA, allow},
		{"other org cannot read exposures", adminB, ActExposureRead, tA, forbid},
		{"operator states own exposure", analystA, ActExposureUpdate, tA, allow},
		{"government cannot state an operator's exposure", gov, ActExposureUpdate, tA, forbid},
		{"government analyst records vulnerabilities", gov, ActVulnWrite, Target{}, allow},
		{"operator analyst cannot record vulnerabilities", analystA, ActVulnWrite, Target{}, forbid},
		{"government sees overviews", gov, ActExposureOverview, Target{}, allow},
		{"operator cannot see overviews", adminA, ActExposureOverview, Target{}, forbid},
		{"platform admin (not government) cannot see overviews", platform, ActExposureOverview, Target{}, forbid},
		{"government asks a vendor", gov, ActVendorRequestCreate, tB, allow},
		{"vendor cannot create requests", adminB, ActVendorRequestCreate, tB, forbid},
		{"vendor reads own requests", adminB, ActVendorRequestRead, tB, allow},
		{"operator cannot read a vendor's requests", analystA, ActVendorRequestRead, tB, forbid},
		{"vendor answers own requests", adminB, ActVendorRequestAnswer, tB, allow},
		{"other org cannot answer for the vendor", adminA, ActVendorRequestAnswer, tB, forbid},
		{"government cannot answer for the vendor", gov, ActVendorRequestAnswer, tB, forbid},

		// Incident reporting.
		{"operator analyst writes own reports", analystA, ActReportWrite, tA, allow},
		{"reporter writes own reports", pr(&org.User{ID: "u-rep-a", OrgID: "org-a", Roles: roles(org.RoleReporter)}, orgA), ActReportWrite, tA, allow},
		{"viewer cannot write reports", pr(&org.User{ID: "u-view-a", OrgID: "org-a", Roles: roles(org.RoleViewer)}, orgA), ActReportWrite, tA, forbid},
		{"viewer reads own reports", pr(&org.User{ID: "u-view-a", OrgID: "org-a", Roles: roles(org.RoleViewer)}, orgA), ActReportRead, tA, allow},
		{"another org cannot read an org's reports", adminB, ActReportRead, tA, forbid},
		{"government cannot write an operator's report", gov, ActReportWrite, tA, forbid},
		{"approver approves own org's reports", pr(&org.User{ID: "u-leg-a", OrgID: "org-a", Roles: roles(org.RoleApproverLegal)}, orgA), ActReportApprove, tA, allow},
		{"analyst is not an approver", analystA, ActReportApprove, tA, forbid},
		{"approver of another org", pr(&org.User{ID: "u-leg-b", OrgID: "org-b", Roles: roles(org.RoleApproverExec)}, orgB), ActReportApprove, tA, forbid},
		{"org admin changes reporting settings", adminA, ActReportSettings, tA, allow},
		{"analyst cannot change reporting settings", analystA, ActReportSettings, tA, forbid},
		{"government analyst handles received reports", gov, ActReportReceive, Target{}, allow},
		{"operator cannot act as a receiver", analystA, ActReportReceive, Target{}, forbid},
		{"read token cannot submit", pr(uAnalystA, orgA, org.ScopeRead), ActReportWrite, tA, forbid},
		{"write token cannot change settings", pr(uAdminA, orgA, org.ScopeWrite), ActReportSettings, tA, forbid},

		// Token scopes against the owner's rights.
		{"read token reads", pr(uAnalystA, orgA, org.ScopeRead), ActOrgRead, tB, allow},
		{"audit token implies read", pr(uAuditor, orgO, org.ScopeAudit), ActOrgRead, tB, allow},
		{"read token cannot update", pr(uAdminA, orgA, org.ScopeRead), ActOrgUpdate, tA, forbid},
		{"write token cannot administer", pr(uAdminA, orgA, org.ScopeWrite), ActOrgUpdate, tA, forbid},
		{"admin token updates", pr(uAdminA, orgA, org.ScopeAdmin), ActOrgUpdate, tA, allow},
		{"admin token cannot exceed the owner's roles", pr(uAnalystA, orgA, org.ScopeAdmin), ActOrgUpdate, tA, forbid},
		{"read token cannot create users", pr(uAdminA, orgA, org.ScopeRead), ActUserCreate, grant(tA, org.RoleViewer), forbid},
		{"empty token", pr(uAdminA, orgA, []org.Scope{}...), ActOrgRead, tA, forbid},
	}
	for _, c := range cases {
		err := Authorize(c.p, c.a, c.t)
		var got verdict
		switch {
		case err == nil:
			got = allow
		case errors.Is(err, apperr.ErrForbidden):
			got = forbid
			if apperr.As(err).Message == "" {
				t.Errorf("%s: forbidden without a reason", c.name)
			}
		case errors.Is(err, apperr.ErrUnauthenticated):
			got = unauth
		default:
			t.Errorf("%s: unexpected error %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: Authorize(%s) = %s (%v), want %s", c.name, c.a, got, err, c.want)
		}
		if Can(c.p, c.a, c.t) != (c.want == allow) {
			t.Errorf("%s: Can disagrees with Authorize", c.name)
		}
	}
}

// Every action names the token scope it needs, so API tokens can use it.
func TestEveryActionHasAScope(t *testing.T) {
	actions := []Action{ActOrgRead, ActOrgReadContact, ActOrgCreate, ActOrgUpdate, ActOrgAdminister, ActLinkManage,
		ActUserList, ActUserRead, ActUserCreate, ActUserUpdate, ActUserUpdateSelf, ActTokenList, ActTokenCreate,
		ActTokenRevoke, ActAuditRead, ActAuditVerify, ActIntelRead, ActIntelWrite, ActIntelDelete, ActCollectionManage,
		ActGroupManage, ActSightingAdd, ActWarninglistManage, ActWarninglistOverride,
		ActRegistryRead, ActRegistryWrite, ActExposureRead, ActExposureUpdate, ActVulnWrite, ActExposureOverview,
		ActVendorRequestCreate, ActVendorRequestRead, ActVendorRequestAnswer,
		ActReportRead, ActReportWrite, ActReportApprove, ActReportSettings, ActReportShare, ActReportReceive,
		ActClusterRead, ActClusterWrite, ActAlertRead, ActAlertWrite, ActAlertReview, ActAlertAck, ActAlertRecipients}
	if len(requiredScope) != len(actions) {
		t.Errorf("%d actions have scopes, %d actions listed", len(requiredScope), len(actions))
	}
	for _, a := range actions {
		s, ok := requiredScope[a]
		if !ok || !s.Valid() {
			t.Errorf("action %s: scope %q", a, s)
		}
	}
}

func TestPrincipal(t *testing.T) {
	var nilP *Principal
	if nilP.Has(org.RoleViewer) || nilP.OrgID() != "" || nilP.IsSystem() || nilP.Actor().Name != "anonymous" {
		t.Error("nil principal")
	}
	if a := (&Principal{SourceAddr: "192.0.2.1"}).Actor(); a.Name != "anonymous" || a.SourceAddr != "192.0.2.1" || a.UserID != "" {
		t.Errorf("empty principal actor %+v", a)
	}
	sys := System("cli")
	sys.SourceAddr = "local"
	if a := sys.Actor(); !sys.IsSystem() || a.Name != "cli" || a.UserID != "" || a.SourceAddr != "local" {
		t.Errorf("system actor %+v", a)
	}
	p := &Principal{User: &org.User{ID: "u1", OrgID: "o1", Email: "a@example.jp", Roles: []org.Role{org.RoleAnalyst}}, SourceAddr: "192.0.2.9"}
	if a := p.Actor(); a.UserID != "u1" || a.OrgID != "o1" || a.Name != "a@example.jp" || a.SourceAddr != "192.0.2.9" {
		t.Errorf("user actor %+v", a)
	}
	p.Token = &org.Token{Prefix: "skm_abcdef"}
	if a := p.Actor(); a.Name != "a@example.jp (token skm_abcdef)" {
		t.Errorf("token actor %+v", a)
	}
	if !p.Has(org.RoleAnalyst) || p.Has(org.RoleOrgAdmin) || p.OrgID() != "o1" || p.IsSystem() {
		t.Error("principal accessors")
	}
	ctx := WithPrincipal(context.Background(), p)
	if FromContext(ctx) != p || FromContext(context.Background()) != nil {
		t.Error("context round trip")
	}
}
