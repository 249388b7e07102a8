package auth

import (
	"slices"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// Action is something a principal asks to do. Every surface (API, web, CLI)
// calls Authorize with one of these before acting.
type Action string

const (
	ActOrgRead        Action = "org.read"         // see an organisation in the directory
	ActOrgReadContact Action = "org.read_contact" // see its emergency contact route
	ActOrgCreate      Action = "org.create"
	ActOrgUpdate      Action = "org.update"     // names, contact (org admins: own org)
	ActOrgAdminister  Action = "org.administer" // slug, kind, sector (platform admins)
	ActLinkManage     Action = "link.manage"    // add/remove supply-chain links
	ActUserList       Action = "user.list"      // list users of an organisation
	ActUserRead       Action = "user.read"
	ActUserCreate     Action = "user.create"
	ActUserUpdate     Action = "user.update"      // roles, disabled, password reset
	ActUserUpdateSelf Action = "user.update_self" // own display name, locale, password
	ActTokenList      Action = "token.list"       // tokens of a user
	ActTokenCreate    Action = "token.create"     // for oneself
	ActTokenRevoke    Action = "token.revoke"
	ActAuditRead      Action = "audit.read"
	ActAuditVerify    Action = "audit.verify"

	// Threat-information sharing. Which objects a reader receives is decided
	// per object by marking.Entitled; these actions only say who may act.
	ActIntelRead           Action = "intel.read"           // read shared objects (entitlement filters them)
	ActIntelWrite          Action = "intel.write"          // add objects and versions, import
	ActIntelDelete         Action = "intel.delete"         // delete one's own organisation's objects
	ActCollectionManage    Action = "collection.manage"    // create and change collections of an organisation
	ActGroupManage         Action = "group.manage"         // create and change sharing groups of an organisation
	ActSightingAdd         Action = "sighting.add"         // report a sighting or a false positive
	ActWarninglistManage   Action = "warninglist.manage"   // load, enable, disable warninglists
	ActWarninglistOverride Action = "warninglist.override" // export an object despite a warninglist hit

	// Critical computers and vulnerabilities. Target.OrgID is the
	// organisation whose registry, exposures or vendor requests are acted on.
	ActRegistryRead        Action = "registry.read"         // see an organisation's notified critical computers
	ActRegistryWrite       Action = "registry.write"        // notify (register, change, retire) critical computers
	ActExposureRead        Action = "exposure.read"         // see an organisation's exposures and notices
	ActExposureUpdate      Action = "exposure.update"       // state an exposure's status, acknowledge notices
	ActVulnWrite           Action = "vuln.write"            // record and import vulnerabilities, re-match
	ActExposureOverview    Action = "exposure.overview"     // cross-organisation views: by sector, by product, unpatched
	ActVendorRequestCreate Action = "vendor_request.create" // ask a vendor, withdraw, turn answers into advisories
	ActVendorRequestRead   Action = "vendor_request.read"   // see a vendor's requests
	ActVendorRequestAnswer Action = "vendor_request.answer" // acknowledge, answer or decline as the vendor

	// Incident reporting (issue #5). The incident service adds the
	// per-incident checks (receivers see only what was submitted to them).
	ActReportRead     Action = "report.read"     // read an organisation's incident reports (own) or those submitted to one's organisation
	ActReportWrite    Action = "report.write"    // draft, edit, submit, refute, close and reopen reports; templates
	ActReportApprove  Action = "report.approve"  // decide an approval step (the step's approver role)
	ActReportSettings Action = "report.settings" // the organisation's regimes, approval flow, recipients, webhook
	ActReportShare    Action = "report.share"    // derive sanitised STIX from a report and release it
	ActReportReceive  Action = "report.receive"  // acknowledge, triage, request information, give feedback (government receivers)

	// Alerts (注意喚起, issue #7). Which alerts a reader sees is decided per
	// alert by the alert service (recipients, TLP:CLEAR, the government).
	ActAlertRead       Action = "alert.read"        // read alerts (the service filters them)
	ActAlertWrite      Action = "alert.write"       // draft, edit, submit, publish, update and withdraw alerts
	ActAlertReview     Action = "alert.review"      // approve or send back another analyst's draft
	ActAlertAck        Action = "alert.acknowledge" // acknowledge an alert for one's organisation and record actions
	ActAlertRecipients Action = "alert.recipients"  // see an alert's recipients and who has acknowledged

	// Correlation clusters (issue #7): candidate campaigns across
	// organisations, for the government only (they name the organisations
	// involved).
	ActClusterRead  Action = "cluster.read"  // list and read correlation clusters
	ActClusterWrite Action = "cluster.write" // change a cluster's status, title and note
)

// Target is what an action is about. Fields not relevant are left empty.
type Target struct {
	OrgID        string      // the organisation acted on or owning the object
	OrgKind      org.Kind    // kind of that organisation, when known
	UserID       string      // the user acted on (user.*, token.*)
	UserRoles    []org.Role  // roles the user acted on holds now (user.update)
	Roles        []org.Role  // roles being granted (user.create/update)
	Scopes       []org.Scope // scopes being granted (token.create)
	LinkedOrgIDs []string    // organisations linked to OrgID (for contact visibility)
}

// requiredScope is the token scope each action needs.
var requiredScope = map[Action]org.Scope{
	ActOrgRead: org.ScopeRead, ActOrgReadContact: org.ScopeRead, ActOrgCreate: org.ScopeAdmin,
	ActOrgUpdate: org.ScopeAdmin, ActOrgAdminister: org.ScopeAdmin, ActLinkManage: org.ScopeAdmin,
	ActUserList: org.ScopeRead, ActUserRead: org.ScopeRead, ActUserCreate: org.ScopeAdmin,
	ActUserUpdate: org.ScopeAdmin, ActUserUpdateSelf: org.ScopeAdmin, ActTokenList: org.ScopeRead, ActTokenCreate: org.ScopeAdmin,
	ActTokenRevoke: org.ScopeAdmin, ActAuditRead: org.ScopeAudit, ActAuditVerify: org.ScopeAudit,
	ActIntelRead: org.ScopeRead, ActIntelWrite: org.ScopeWrite, ActIntelDelete: org.ScopeWrite,
	ActCollectionManage: org.ScopeAdmin, ActGroupManage: org.ScopeAdmin, ActSightingAdd: org.ScopeWrite,
	ActWarninglistManage: org.ScopeAdmin, ActWarninglistOverride: org.ScopeWrite,
	ActRegistryRead: org.ScopeRead, ActRegistryWrite: org.ScopeWrite, ActExposureRead: org.ScopeRead, ActExposureUpdate: org.ScopeWrite,
	ActVulnWrite: org.ScopeWrite, ActExposureOverview: org.ScopeRead, ActVendorRequestCreate: org.ScopeWrite,
	ActVendorRequestRead: org.ScopeRead, ActVendorRequestAnswer: org.ScopeWrite,
	ActReportRead: org.ScopeRead, ActReportWrite: org.ScopeWrite, ActReportApprove: org.ScopeWrite,
	ActReportSettings: org.ScopeAdmin, ActReportShare: org.ScopeWrite, ActReportReceive: org.ScopeWrite,
	ActAlertRead: org.ScopeRead, ActAlertWrite: org.ScopeWrite, ActAlertReview: org.ScopeWrite,
	ActAlertAck: org.ScopeWrite, ActAlertRecipients: org.ScopeRead,
	ActClusterRead: org.ScopeRead, ActClusterWrite: org.ScopeWrite,
}

// Authorize returns nil if p may perform a on t, and an apperr otherwise
// (CodeUnauthenticated without a principal, CodeForbidden when denied).
// It is the one place sakimori decides permissions.
func Authorize(p *Principal, a Action, t Target) error {
	if p == nil || (p.User == nil && p.System == "") {
		return apperr.ErrUnauthenticated
	}
	if p.System != "" {
		return nil // local administration (sakimori admin, demo) is trusted
	}
	if p.User.Disabled {
		return apperr.ErrUnauthenticated
	}
	if p.Token != nil {
		need, ok := requiredScope[a]
		if !ok || !p.Token.Allows(need) {
			return apperr.Forbidden("the API token lacks the %q scope needed for %s", need, a)
		}
	}
	if ok, why := allowed(p, a, t); !ok {
		return apperr.Forbidden("%s", why)
	}
	return nil
}

// Can reports whether Authorize would allow the action (for showing or
// hiding controls in the UI).
func Can(p *Principal, a Action, t Target) bool { return Authorize(p, a, t) == nil }

func allowed(p *Principal, a Action, t Target) (bool, string) {
	platform := p.Has(org.RolePlatformAdmin)
	own := t.OrgID != "" && t.OrgID == p.User.OrgID
	orgAdmin := own && p.Has(org.RoleOrgAdmin)
	self := t.UserID != "" && t.UserID == p.User.ID
	gov := p.IsGovernment()
	switch a {
	case ActOrgRead:
		return true, ""
	case ActOrgReadContact:
		if platform || own || p.IsGovernment() || slices.Contains(t.LinkedOrgIDs, p.User.OrgID) {
			return true, ""
		}
		return false, "emergency contacts are visible to the government, the organisation itself and its supply-chain partners"
	case ActOrgCreate, ActOrgAdminister:
		return platform, "only platform administrators manage organisations"
	case ActOrgUpdate, ActLinkManage:
		return platform || orgAdmin, "only the organisation's administrators may change it"
	case ActUserList:
		return platform || own, "users are visible only within their organisation"
	case ActUserRead:
		return platform || own || self, "users are visible only within their organisation"
	case ActUserCreate, ActUserUpdate:
		if !(platform || orgAdmin) {
			return false, "only the organisation's administrators manage its users"
		}
		if slices.Contains(t.Roles, org.RolePlatformAdmin) && !platform {
			return false, "only platform administrators grant platform_admin"
		}
		if a == ActUserUpdate && slices.Contains(t.UserRoles, org.RolePlatformAdmin) && !platform {
			return false, "only platform administrators manage platform administrators"
		}
		// The organisation's kind must be known to grant auditor (fail closed).
		if slices.Contains(t.Roles, org.RoleAuditor) && t.OrgKind != org.KindOversight {
			return false, "the auditor role belongs to the oversight commission"
		}
		if a == ActUserUpdate && self && !platform && !slices.Contains(t.Roles, org.RoleOrgAdmin) && t.Roles != nil {
			return false, "administrators cannot remove their own org_admin role"
		}
		return true, ""
	case ActUserUpdateSelf:
		return self, "only the user changes their own profile and password this way"
	case ActTokenList:
		return self || platform || orgAdmin, "tokens are visible to their owner and the organisation's administrators"
	case ActTokenCreate:
		if !self {
			return false, "tokens are created by their owner"
		}
		for _, s := range t.Scopes {
			if p.Token != nil && !p.Token.Allows(s) {
				return false, "an API token cannot create a token with scopes it does not have itself"
			}
			switch s {
			case org.ScopeAudit:
				if !p.Has(org.RoleAuditor) {
					return false, "the audit scope needs the auditor role"
				}
			case org.ScopeAdmin:
				if !p.Has(org.RoleOrgAdmin) && !platform {
					return false, "the admin scope needs the org_admin role"
				}
			}
		}
		return true, ""
	case ActTokenRevoke:
		return self || platform || orgAdmin, "tokens are revoked by their owner or the organisation's administrators"
	case ActAuditRead, ActAuditVerify:
		return p.Has(org.RoleAuditor), "the audit trail is read by the oversight commission's auditors"
	case ActIntelRead:
		return true, ""
	case ActIntelWrite, ActIntelDelete, ActWarninglistOverride:
		// Target.OrgID is the organisation the objects will belong to.
		if t.OrgID != "" && !own {
			return false, "objects are added and deleted for one's own organisation"
		}
		return p.Has(org.RoleAnalyst), "sharing threat information needs the analyst role"
	case ActSightingAdd:
		return p.Has(org.RoleAnalyst) || p.Has(org.RoleReporter), "reporting sightings needs the analyst or reporter role"
	case ActCollectionManage, ActGroupManage:
		return platform || orgAdmin, "only the organisation's administrators manage its collections and sharing groups"
	case ActWarninglistManage:
		return platform, "only platform administrators manage warninglists"
	case ActRegistryRead, ActExposureRead:
		return own || gov, "an organisation's critical computers and exposures are visible to it and to the government"
	case ActRegistryWrite, ActExposureUpdate, ActVendorRequestAnswer:
		if !own {
			return false, "only the organisation itself notifies its critical computers and answers for them"
		}
		if a != ActVendorRequestAnswer && p.Org != nil && p.Org.Kind != org.KindOperator && p.Org.Kind != org.KindSupplier {
			// Operators notify critical computers; suppliers (contractors,
			// SMEs in an operator's supply chain) may keep a registry too.
			return false, "critical computers are notified by operators (and their suppliers)"
		}
		return p.Has(org.RoleOrgAdmin) || p.Has(org.RoleAnalyst), "this needs the org_admin or analyst role"
	case ActVulnWrite, ActVendorRequestCreate:
		return gov && p.Has(org.RoleAnalyst), "recording vulnerabilities and asking vendors is for government analysts"
	case ActExposureOverview:
		return gov, "cross-organisation exposure views are for the government"
	case ActVendorRequestRead:
		return own || gov, "a vendor's requests are visible to it and to the government"
	case ActReportRead:
		// Own reports; receivers (the government, linked partners) are
		// checked per incident by the incident service.
		return own || t.OrgID == "", "an organisation's incident reports are visible to it and to those they were submitted to"
	case ActReportWrite, ActReportShare:
		if !own {
			return false, "only the organisation itself writes its incident reports"
		}
		return p.Has(org.RoleReporter) || p.Has(org.RoleAnalyst) || p.Has(org.RoleOrgAdmin), "writing incident reports needs the reporter, analyst or org_admin role"
	case ActReportApprove:
		if !own {
			return false, "only the organisation's own approvers approve its reports"
		}
		return p.Has(org.RoleApproverLegal) || p.Has(org.RoleApproverPR) || p.Has(org.RoleApproverExec), "approving reports needs an approver role"
	case ActReportSettings:
		return platform || orgAdmin, "only the organisation's administrators change its reporting settings"
	case ActReportReceive:
		return gov && (p.Has(org.RoleAnalyst) || p.Has(org.RoleOrgAdmin)), "handling received reports is for government analysts"
	case ActAlertRead:
		return true, ""
	case ActAlertWrite, ActAlertReview:
		return gov && p.Has(org.RoleAnalyst), "drafting, reviewing and publishing alerts is for government analysts"
	case ActAlertRecipients:
		return gov, "an alert's recipients are visible to the government"
	case ActAlertAck:
		if !own {
			return false, "an organisation acknowledges alerts for itself"
		}
		return p.Has(org.RoleAnalyst) || p.Has(org.RoleOrgAdmin) || p.Has(org.RoleReporter), "acknowledging alerts needs the analyst, reporter or org_admin role"
	case ActClusterRead:
		return gov, "correlation clusters are for the government"
	case ActClusterWrite:
		return gov && p.Has(org.RoleAnalyst), "changing correlation clusters is for government analysts"
	}
	return false, "unknown action"
}
