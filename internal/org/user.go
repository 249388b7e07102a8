package org

import (
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
)

// Role is something a user may do within their organisation. A user holds
// one or more roles. RolePlatformAdmin is special: it is held by operators of
// the platform itself and lets them manage every organisation.
type Role string

const (
	RoleOrgAdmin      Role = "org_admin"      // manages users and tokens of the organisation
	RoleAnalyst       Role = "analyst"        // works with threat information
	RoleReporter      Role = "reporter"       // drafts and submits incident reports
	RoleApproverLegal Role = "approver_legal" // approves as the legal department
	RoleApproverPR    Role = "approver_pr"    // approves as public relations
	RoleApproverExec  Role = "approver_exec"  // approves as an executive
	RoleViewer        Role = "viewer"         // reads only
	RoleAuditor       Role = "auditor"        // oversight: reads the audit trail
	RolePlatformAdmin Role = "platform_admin" // manages organisations across the platform
)

// Roles lists every role in display order.
var Roles = []Role{RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleApproverLegal,
	RoleApproverPR, RoleApproverExec, RoleViewer, RoleAuditor, RolePlatformAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is a person who belongs to exactly one organisation.
type User struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Email       string     `json:"email"` // login name, unique platform-wide, lower-cased
	DisplayName string     `json:"display_name"`
	Roles       []Role     `json:"roles"`
	Locale      string     `json:"locale,omitempty"` // "ja", "en" or "" (browser decides)
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Normalize lower-cases the email and sorts and de-duplicates roles.
func (u *User) Normalize() {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	slices.Sort(u.Roles)
	u.Roles = slices.Compact(u.Roles)
}

// Validate checks the user, naming the first bad field.
func (u *User) Validate() error {
	if u.OrgID == "" {
		return apperr.Invalid("org_id", "required")
	}
	if err := validEmail("email", u.Email); err != nil {
		return err
	}
	if len(u.Email) > 254 {
		return apperr.Invalid("email", "must be at most 254 characters")
	}
	if err := validText("display_name", u.DisplayName, 1, 200); err != nil {
		return err
	}
	if err := ValidateRoles("roles", u.Roles); err != nil {
		return err
	}
	switch u.Locale {
	case "", "ja", "en":
	default:
		return apperr.Invalid("locale", "must be \"ja\", \"en\" or empty")
	}
	return nil
}

// ValidateRoles checks a list of roles as given (before Normalize sorts
// it), so an error names the index the caller sent.
func ValidateRoles(field string, rs []Role) error {
	if len(rs) == 0 {
		return apperr.Invalid(field, "a user needs at least one role")
	}
	for i, r := range rs {
		if !r.Valid() {
			return apperr.Invalid(field+"["+itoa(i)+"]", "unknown role %q", r)
		}
	}
	return nil
}

// ValidatePassword checks a new password: 12 to 256 characters.
// Length is what matters (NIST SP 800-63B); no composition rules.
func ValidatePassword(field, p string) error {
	n := len([]rune(p))
	if n < 12 {
		return apperr.Invalid(field, "must be at least 12 characters")
	}
	if n > 256 {
		return apperr.Invalid(field, "must be at most 256 characters")
	}
	return nil
}

// Scope limits what an API token may do, whatever its owner's roles.
type Scope string

const (
	ScopeRead  Scope = "read"  // read what the owner may read
	ScopeWrite Scope = "write" // also write what the owner may write
	ScopeAdmin Scope = "admin" // also administer (organisations, users, tokens)
	ScopeAudit Scope = "audit" // read the audit trail (owner must be an auditor)
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeAudit}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// Token is an API token's record. The secret itself is shown once at
// creation and only its SHA-256 hash is stored.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	OrgID      string     `json:"org_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters of the secret, to recognise it
	Scopes     []Scope    `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Hash       []byte     `json:"-"`
}

// Active reports whether the token can be used at time now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Allows reports whether the token carries scope s. Higher scopes imply
// lower ones: admin implies write implies read. Audit is separate but
// implies read.
func (t *Token) Allows(s Scope) bool {
	for _, have := range t.Scopes {
		if have == s {
			return true
		}
		switch s {
		case ScopeRead:
			return true // every scope implies read
		case ScopeWrite:
			if have == ScopeAdmin {
				return true
			}
		}
	}
	return false
}

// Validate checks the token record.
func (t *Token) Validate() error {
	if err := validText("name", t.Name, 1, 100); err != nil {
		return err
	}
	if len(t.Scopes) == 0 {
		return apperr.Invalid("scopes", "a token needs at least one scope")
	}
	for i, s := range t.Scopes {
		if !s.Valid() {
			return apperr.Invalid("scopes["+itoa(i)+"]", "unknown scope %q", s)
		}
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(t.CreatedAt) {
		return apperr.Invalid("expires_at", "must be in the future")
	}
	return nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
